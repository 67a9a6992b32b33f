package chaos

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilhq/vigil/faults"
	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/api"
	"github.com/vigilhq/vigil/watchdog/api/apitest"
)

// fakeSupervisor is the edge the runner's tests fake: the watchdog's view,
// served by the real API server. Every service is running and healthy.
type fakeSupervisor struct {
	bus      *watchdog.Bus
	services []string
}

func (f *fakeSupervisor) Status() watchdog.Status {
	st := watchdog.Status{Status: watchdog.HealthHealthy, StartedAt: time.Unix(1, 0)}
	for i, n := range f.services {
		st.Services = append(st.Services, watchdog.ServiceStatus{Name: n, State: watchdog.StateRunning, Health: watchdog.HealthHealthy, PID: 100 + i})
	}
	return st
}
func (f *fakeSupervisor) Start(context.Context, string) error   { return nil }
func (f *fakeSupervisor) Stop(context.Context, string) error    { return nil }
func (f *fakeSupervisor) Restart(context.Context, string) error { return nil }
func (f *fakeSupervisor) LogPath(string) (string, error)        { return "", errors.New("no logs") }
func (f *fakeSupervisor) Events() *watchdog.Bus                 { return f.bus }

// fakeTarget starts a real watchdog API server over a fake supervisor and
// one httptest server per service answering 200; faults come from mk.
func fakeTarget(t *testing.T, mk FaultMaker) *Target {
	t.Helper()
	sup := &fakeSupervisor{bus: watchdog.NewBus(100, nil), services: []string{"pgapi", "bankapi", "reconapi"}}
	srv := api.New(sup, api.Options{Listen: "127.0.0.1:0"})
	apitest.Run(t, srv)
	tg := &Target{Name: "fake", URLs: map[string]string{}, Faults: mk}
	for _, n := range sup.services {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/recon/jobs/1" {
				http.NotFound(w, r)
			}
		}))
		t.Cleanup(hs.Close)
		tg.URLs[n] = hs.URL
	}
	tg.Watchdog = api.NewTCPClient(srv.Addr().String(), "")
	t.Cleanup(tg.Watchdog.Close)
	return tg
}

// fakeFault records what happened to it; Inject and revert may fail.
type fakeFault struct {
	name        string
	injectErr   error
	revertErr   error
	block       chan struct{} // when set, Inject closes it once injected
	mu          sync.Mutex
	injected    int
	reverted    int
	revertCtxOK bool // the revert's context was live
}

var _ faults.Fault = (*fakeFault)(nil)

func (f *fakeFault) Name() string { return f.name }

func (f *fakeFault) Inject(ctx context.Context) (faults.Revert, error) {
	if f.injectErr != nil {
		return nil, f.injectErr
	}
	f.mu.Lock()
	f.injected++
	f.mu.Unlock()
	if f.block != nil {
		close(f.block)
		f.block = nil
	}
	return func(ctx context.Context) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.reverted++
		f.revertCtxOK = ctx.Err() == nil
		return f.revertErr
	}, nil
}

func (f *fakeFault) counts() (int, int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.injected, f.reverted, f.revertCtxOK
}

// oneFault makes the same fake for every spec.
type oneFault struct{ f *fakeFault }

func (o oneFault) MakeFault(FaultSpec) (faults.Fault, error) { return o.f, nil }

// scenario parses y, failing the test on error.
func scenario(t *testing.T, y string) *Scenario {
	t.Helper()
	s, err := Parse([]byte(strings.TrimSpace(y)+"\n"), t.Name()+".yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}
