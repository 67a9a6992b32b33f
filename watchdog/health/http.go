package health

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// maxHTTPBody bounds how much of a response body a check reads.
const maxHTTPBody = 64 << 10

// httpChecker sends one request per run. Its transport never keeps idle
// connections, so every run proves the service still accepts new ones and a
// removed check leaks no sockets; Close releases the transport anyway.
type httpChecker struct {
	cfg    config.HTTPCheck
	client *http.Client
	re     *regexp.Regexp
}

var (
	_ Checker   = (*httpChecker)(nil)
	_ io.Closer = (*httpChecker)(nil)
)

func newHTTP(cfg config.HTTPCheck) (*httpChecker, error) {
	if cfg.URL == "" {
		return nil, fmt.Errorf("http.url is empty: set the URL to probe, e.g. http://127.0.0.1:8080/health")
	}
	if _, err := http.NewRequest(cfg.Method, cfg.URL, nil); err != nil {
		return nil, fmt.Errorf("http.url %q: %w", cfg.URL, err)
	}
	h := &httpChecker{cfg: cfg, client: newHTTPClient(cfg.InsecureSkipVerify)}
	if cfg.BodyRegex != "" {
		re, err := regexp.Compile(cfg.BodyRegex)
		if err != nil {
			return nil, fmt.Errorf("http.body_regex: %w", err)
		}
		h.re = re
	}
	return h, nil
}

// newHTTPClient returns a client whose every limit comes from the request's
// context; each request goes on a fresh connection (oneShot).
func newHTTPClient(insecure bool) *http.Client {
	t := &oneShot{dialer: net.Dialer{KeepAlive: -1}}
	if insecure {
		t.tls = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // opt-in per check
	}
	return &http.Client{Transport: t}
}

// Check sends the request and matches status, body and JSON fields.
func (h *httpChecker) Check(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, h.cfg.Method, h.cfg.URL, nil)
	if err != nil {
		return "", err
	}
	for k, v := range h.cfg.Headers {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := h.client.Do(req)
	if err != nil {
		return "", errTimeout(ctx, h.cfg.Method+" "+h.cfg.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPBody))
	elapsed := time.Since(start)
	detail := fmt.Sprintf("%d in %s", resp.StatusCode, ms(elapsed))
	if err != nil {
		return detail, errTimeout(ctx, "read body of "+h.cfg.URL, err)
	}
	if !h.statusOK(resp.StatusCode) {
		return detail, fmt.Errorf("status %d, want %s: body %s", resp.StatusCode, h.wantStatus(), snippet(body))
	}
	if h.cfg.BodyContains != "" && !bytes.Contains(body, []byte(h.cfg.BodyContains)) {
		return detail, fmt.Errorf("body does not contain %q: %s", h.cfg.BodyContains, snippet(body))
	}
	if h.re != nil && !h.re.Match(body) {
		return detail, fmt.Errorf("body does not match /%s/: %s", h.cfg.BodyRegex, snippet(body))
	}
	if len(h.cfg.JSON) > 0 {
		if err := matchJSON(body, h.cfg.JSON); err != nil {
			return detail, err
		}
	}
	return detail, nil
}

// Close releases the transport's connections.
func (h *httpChecker) Close() error {
	h.client.CloseIdleConnections()
	return nil
}

func (h *httpChecker) statusOK(code int) bool {
	if len(h.cfg.Status) == 0 {
		return code >= 200 && code < 300
	}
	for _, s := range h.cfg.Status {
		if s == code {
			return true
		}
	}
	return false
}

func (h *httpChecker) wantStatus() string {
	if len(h.cfg.Status) == 0 {
		return "2xx"
	}
	parts := make([]string, len(h.cfg.Status))
	for i, s := range h.cfg.Status {
		parts[i] = strconv.Itoa(s)
	}
	return strings.Join(parts, " or ")
}

// matchJSON checks every path → expected pair against the decoded body.
// Paths are dot-separated object keys; a numeric segment indexes an array.
// Values compare as their plain text: strings as-is, numbers as written,
// true/false, null, and objects/arrays as compact JSON.
func matchJSON(body []byte, want map[string]string) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("body is not JSON (%v): %s", err, snippet(body))
	}
	paths := make([]string, 0, len(want))
	for p := range want {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var problems []string
	for _, p := range paths {
		got, ok := lookupJSON(doc, p)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s missing (want %q)", p, want[p]))
		case jsonText(got) != want[p]:
			problems = append(problems, fmt.Sprintf("%s = %q, want %q", p, jsonText(got), want[p]))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("json: %s", strings.Join(problems, "; "))
	}
	return nil
}

func lookupJSON(v any, path string) (any, bool) {
	for _, seg := range strings.Split(path, ".") {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[seg]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			v = node[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func jsonText(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case json.Number, bool:
		return fmt.Sprint(x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
