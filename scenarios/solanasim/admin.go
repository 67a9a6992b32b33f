package solanasim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxAdminBody bounds an admin request; a Condition is a few dozen bytes.
const maxAdminBody = 4 << 10

func (s *Sim) serveGetCondition(w http.ResponseWriter, _ *http.Request) {
	writeCondition(w, s.Condition())
}

func (s *Sim) servePostCondition(w http.ResponseWriter, r *http.Request) {
	var c Condition
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err == nil {
		err = json.Unmarshal(body, &c)
	}
	if err == nil {
		c, err = s.SetCondition(c)
	}
	if err != nil {
		http.Error(w, "set mode: "+err.Error(), http.StatusBadRequest)
		return
	}
	writeCondition(w, c)
}

func writeCondition(w http.ResponseWriter, c Condition) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(c)
}

// SetRemoteCondition posts c to the admin endpoint of the simulator at
// baseURL (for example "http://127.0.0.1:8899") and returns what it put in
// effect. client nil means http.DefaultClient; bound the call with ctx.
func SetRemoteCondition(ctx context.Context, client *http.Client, baseURL string, c Condition) (Condition, error) {
	if client == nil {
		client = http.DefaultClient
	}
	body, err := json.Marshal(c)
	if err != nil {
		return Condition{}, fmt.Errorf("encode condition: %w", err)
	}
	url := strings.TrimSuffix(baseURL, "/") + AdminPath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Condition{}, fmt.Errorf("set solanasim mode at %s: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Condition{}, fmt.Errorf("set solanasim mode at %s: %w", url, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxAdminBody))
	if err != nil {
		return Condition{}, fmt.Errorf("set solanasim mode at %s: read reply: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Condition{}, fmt.Errorf("set solanasim mode at %s: %s: %s", url, resp.Status, strings.TrimSpace(string(reply)))
	}
	var out Condition
	if err := json.Unmarshal(reply, &out); err != nil {
		return Condition{}, fmt.Errorf("set solanasim mode at %s: decode reply %q: %w", url, reply, err)
	}
	return out, nil
}
