package watchdog_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults/porttest"
	"github.com/vigilhq/vigil/watchdog"
)

// TestSocketHandOffNoConnectionRefused drives 200 req/s against a service
// whose listening socket the watchdog holds, and kills it with SIGKILL 10
// times: no request may be refused; requests in flight at a kill are counted.
func TestSocketHandOffNoConnectionRefused(t *testing.T) {
	port := porttest.Free(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	h := startHarness(t, fmt.Sprintf(`  api:
    command: %s
    env: {VIGIL_HELPER: activated}
    sockets: [{listen: %q}]
    restart: {reset_after: 1ms, limit: {burst: 100, interval: 1m}}
`, helperCmd(t), addr))
	h.waitStarted("api", 10*time.Second)

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	get := func() error {
		resp, err := client.Get("http://" + addr + "/health")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return err
	}
	if err := get(); err != nil {
		t.Fatalf("service not answering on the handed-over socket: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var ok, refused, other int
	var otherErrs []string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // 200 req/s, bounded by ctx and by 4000 requests
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var inner sync.WaitGroup
		defer inner.Wait()
		for i := 0; i < 4000; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			inner.Add(1)
			go func() {
				defer inner.Done()
				err := get()
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, syscall.ECONNREFUSED):
					refused++
				default:
					other++
					if len(otherErrs) < 5 {
						otherErrs = append(otherErrs, err.Error())
					}
				}
			}()
		}
	}()
	for i := 0; i < 10; i++ {
		time.Sleep(150 * time.Millisecond) // load runs between kills
		st, _ := h.service("api")
		if st.PID == 0 {
			h.waitStarted("api", 10*time.Second)
			st, _ = h.service("api")
		}
		if err := syscall.Kill(st.PID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		h.waitEvent("restart", 10*time.Second, func(ev watchdog.Event) bool {
			return ev.Kind == watchdog.EventStarted && ev.PID != st.PID
		})
	}
	time.Sleep(200 * time.Millisecond)
	cancel()
	wg.Wait()
	t.Logf("10 × SIGKILL under 200 req/s: %d ok, %d connection refused, %d in flight at a kill (%v)", ok, refused, other, otherErrs)
	if refused != 0 {
		t.Fatalf("%d requests were refused; the held socket must queue them", refused)
	}
	if ok < 200 {
		t.Fatalf("only %d requests succeeded", ok)
	}
	if c, err := net.Dial("tcp", addr); err != nil {
		t.Fatalf("socket closed after the kills: %v", err)
	} else {
		c.Close()
	}
}
