package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigilhq/vigil/watchdog"
)

// Client talks to a running watchdog over its control socket (or over TCP
// with a token). It is safe for concurrent use.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// NewSocketClient returns a client for the unix control socket at path.
func NewSocketClient(path string) *Client {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}
	return &Client{base: "http://vigil", http: &http.Client{Transport: tr}}
}

// NewTCPClient returns a client for api.listen; token may be empty (read-only).
func NewTCPClient(addr, token string) *Client {
	return &Client{base: "http://" + addr, token: token, http: &http.Client{Timeout: 60 * time.Second}}
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Status returns the watchdog's status and whether it answered 503.
func (c *Client) Status(ctx context.Context) (watchdog.Status, error) {
	var st watchdog.Status
	err := c.do(ctx, http.MethodGet, "/health", &st, http.StatusOK, http.StatusServiceUnavailable)
	return st, err
}

// Control runs op (start, stop, restart) on service name.
func (c *Client) Control(ctx context.Context, op, name string) (watchdog.ServiceStatus, error) {
	var st watchdog.ServiceStatus
	err := c.do(ctx, http.MethodPost, "/v1/services/"+url.PathEscape(name)+"/"+op, &st, http.StatusOK)
	return st, err
}

// Reload asks the watchdog to re-read its configuration.
func (c *Client) Reload(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/v1/reload", nil, http.StatusOK)
}

// Events returns events after seq.
func (c *Client) Events(ctx context.Context, after uint64, limit int) ([]watchdog.Event, error) {
	var evs []watchdog.Event
	err := c.do(ctx, http.MethodGet, fmt.Sprintf("/v1/events?after=%d&limit=%d", after, limit), &evs, http.StatusOK)
	return evs, err
}

// Logs copies the last n lines of a service's log to w, then, with follow,
// new lines until ctx ends.
func (c *Client) Logs(ctx context.Context, name string, n int, follow bool, w io.Writer) error {
	q := url.Values{"n": {strconv.Itoa(n)}}
	if follow {
		q.Set("follow", "1")
	}
	resp, err := c.request(ctx, http.MethodGet, "/v1/services/"+url.PathEscape(name)+"/logs?"+q.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return decodeError(resp)
	}
	_, err = io.Copy(w, resp.Body)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (c *Client) request(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the watchdog: %w (is `watchdog run` running with this config?)", err)
	}
	return resp, nil
}

func (c *Client) do(ctx context.Context, method, path string, out any, ok ...int) error {
	resp, err := c.request(ctx, method, path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	for _, code := range ok {
		if resp.StatusCode == code {
			if out == nil {
				return nil
			}
			return json.NewDecoder(resp.Body).Decode(out)
		}
	}
	return decodeError(resp)
}

func decodeError(resp *http.Response) error {
	var e errorBody
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		return fmt.Errorf("%s", e.Error)
	}
	return fmt.Errorf("watchdog answered %s: %s", resp.Status, strings.TrimSpace(string(b)))
}
