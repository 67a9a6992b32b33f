package chaos

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vigilhq/vigil/slo"
	"github.com/vigilhq/vigil/watchdog"
)

// steadyPoll is how often a steady-state wait re-checks.
const steadyPoll = 250 * time.Millisecond

// steadyState waits, at most within, until every service in healthy is
// reported healthy by the watchdog and every target answers a good status.
// It returns nil once it holds, else what did not hold at the end.
func steadyState(ctx context.Context, t *Target, healthy []string, targets []slo.Target, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	client := t.httpClient(false)
	client.Timeout = 2 * time.Second
	defer client.CloseIdleConnections()
	tick := time.NewTicker(steadyPoll)
	defer tick.Stop()
	for {
		err := checkSteady(ctx, t, client, healthy, targets)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			if cause := context.Cause(ctx); !errors.Is(cause, context.DeadlineExceeded) {
				return cause
			}
			return fmt.Errorf("steady state not reached within %v: %w", within, err)
		case <-tick.C:
		}
	}
}

// checkSteady checks the steady state once.
func checkSteady(ctx context.Context, t *Target, client *http.Client, healthy []string, targets []slo.Target) error {
	var errs []error
	if len(healthy) > 0 {
		st, err := t.Watchdog.Status(ctx)
		if err != nil {
			return fmt.Errorf("watchdog status: %w", err)
		}
		errs = append(errs, unhealthy(st, healthy)...)
	}
	for _, tg := range targets {
		if err := probeOnce(ctx, client, tg); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// unhealthy lists each wanted service the status does not show healthy.
func unhealthy(st watchdog.Status, want []string) []error {
	var errs []error
	for _, name := range want {
		i := slices.IndexFunc(st.Services, func(s watchdog.ServiceStatus) bool { return s.Name == name })
		switch {
		case i < 0:
			errs = append(errs, fmt.Errorf("watchdog supervises no service %q", name))
		case st.Services[i].Health != watchdog.HealthHealthy:
			s := st.Services[i]
			errs = append(errs, fmt.Errorf("%s is %s/%s %s", name, s.State, s.Health, s.Reason))
		}
	}
	return errs
}

// probeOnce sends one request to tg and checks the status.
func probeOnce(ctx context.Context, client *http.Client, tg slo.Target) error {
	req, err := http.NewRequestWithContext(ctx, cmp.Or(tg.Method, http.MethodGet), tg.URL, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", tg.Name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if goodStatus(resp.StatusCode, tg.Expect) {
		return nil
	}
	return fmt.Errorf("%s: %s answered %d %s", tg.Name, tg.URL, resp.StatusCode, strings.TrimSpace(string(b)))
}

// goodStatus matches slo's rule: in expect, or any 2xx when expect is empty.
func goodStatus(code int, expect []int) bool {
	if len(expect) == 0 {
		return code >= 200 && code < 300
	}
	return slices.Contains(expect, code)
}
