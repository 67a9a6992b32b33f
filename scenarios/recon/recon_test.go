package recon_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	solanago "github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vigilhq/vigil/faults/pgtest"
	"github.com/vigilhq/vigil/faults/runtest"
	"github.com/vigilhq/vigil/scenarios/bank"
	"github.com/vigilhq/vigil/scenarios/payments"
	"github.com/vigilhq/vigil/scenarios/recon"
	"github.com/vigilhq/vigil/scenarios/refapi"
	"github.com/vigilhq/vigil/scenarios/refapi/refapitest"
	"github.com/vigilhq/vigil/scenarios/solanasim"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// stack is the three services in-process on one real Postgres, plus a real
// in-process solanasim that can be made to drop every request (solanaDead)
// or only sendTransaction (dropSend: the outcome of a send is then unknown
// to reconapi).
type stack struct {
	pg         *pgtest.Server
	pool       *pgxpool.Pool
	pgapi      *httptest.Server
	bankapi    *httptest.Server
	recon      *httptest.Server
	sim        *solanasim.Sim
	solanaURL  string
	solanaDead atomic.Bool
	dropSend   atomic.Bool
}

// stackConfig adjusts reconapi's Config and the simulator's Options
// before they start.
type stackConfig func(*recon.Config, *solanasim.Options)

func startStack(t *testing.T, opts ...stackConfig) *stack {
	t.Helper()
	s := &stack{pg: pgtest.Require(t)}
	s.pgapi, _ = refapitest.Serve(t, refapitest.Pool(t, s.pg.DSN, payments.App()), payments.App())
	s.bankapi, _ = refapitest.Serve(t, refapitest.Pool(t, s.pg.DSN, bank.App()), bank.App())
	key, err := solanago.NewRandomPrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg := recon.Config{PgapiURL: s.pgapi.URL, BankapiURL: s.bankapi.URL,
		SettlementKey: key, SettlementAccount: recon.DefaultSettlementAccount(), ConfirmWithin: 5 * time.Second}
	simOpts := solanasim.Options{SlotInterval: 20 * time.Millisecond}
	for _, o := range opts {
		o(&cfg, &simOpts)
	}
	s.sim = solanasim.New(simOpts)
	simHandler := s.sim.Handler()
	solana := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.solanaDead.Load() {
			panic(http.ErrAbortHandler) // drop the connection without a reply
		}
		if s.dropSend.Load() {
			body, _ := io.ReadAll(r.Body)
			if strings.Contains(string(body), `"sendTransaction"`) {
				panic(http.ErrAbortHandler)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		simHandler.ServeHTTP(w, r)
	}))
	t.Cleanup(solana.Close)
	runtest.Start(t, s.sim.Run, 10*time.Second) // stopped before solana closes
	s.solanaURL = solana.URL
	cfg.SolanaRPCURL = solana.URL
	s.pool = refapitest.Pool(t, s.pg.DSN, recon.App(cfg))
	var svc refapi.Service
	s.recon, svc = refapitest.Serve(t, s.pool, recon.App(cfg))
	runtest.Start(t, svc.(refapi.Runner).Run, 30*time.Second) // stopped before the simulator
	return s
}

func (s *stack) payment(t *testing.T, amount int64) int64 {
	t.Helper()
	code, b := refapitest.Post(t, s.pgapi.Client(), s.pgapi.URL+"/v1/payments", fmt.Sprintf("p-%d-%d", amount, time.Now().UnixNano()),
		map[string]any{"amount": amount, "currency": "EUR", "merchant": "m"})
	if code != http.StatusCreated {
		t.Fatalf("create payment = %d %s", code, b)
	}
	var p payments.Payment
	decodeInto(t, b, &p)
	return p.ID
}

func (s *stack) transfer(t *testing.T, reference string, amount int64) {
	t.Helper()
	code, b := refapitest.Post(t, s.bankapi.Client(), s.bankapi.URL+"/v1/transfers", "t-"+reference+"-"+strconv.FormatInt(amount, 10),
		map[string]any{"amount": amount, "currency": "EUR", "reference": reference})
	if code != http.StatusCreated {
		t.Fatalf("create transfer = %d %s", code, b)
	}
}

// runJob starts a job and waits (bounded) for it to finish.
func (s *stack) runJob(t *testing.T) recon.Job {
	t.Helper()
	return runJobAt(t, s.recon.Client(), s.recon.URL)
}

// runJobAt starts a job on the reconapi at base and waits (bounded) for it
// to finish.
func runJobAt(t *testing.T, c *http.Client, base string) recon.Job {
	t.Helper()
	code, b := refapitest.Post(t, c, base+"/recon/jobs", "", []byte(`{}`))
	if code != http.StatusAccepted {
		t.Fatalf("POST /recon/jobs = %d %s, want 202", code, b)
	}
	var acc recon.Accepted
	decodeInto(t, b, &acc)
	var j recon.Job
	refapitest.WaitFor(t, 30*time.Second, "job to finish", func() bool {
		refapitest.GetJSON(t, fmt.Sprintf("%s/recon/jobs/%d", base, acc.ID), http.StatusOK, &j)
		return j.Status == recon.JobSucceeded || j.Status == recon.JobFailed
	})
	return j
}

func TestReconcileEndToEnd(t *testing.T) {
	s := startStack(t)
	ids := make([]int64, 5)
	for i := range ids {
		ids[i] = s.payment(t, int64(100*(i+1)))
	}
	s.transfer(t, strconv.FormatInt(ids[0], 10), 100)
	s.transfer(t, strconv.FormatInt(ids[1], 10), 200)
	s.transfer(t, strconv.FormatInt(ids[2], 10), 300)
	s.transfer(t, strconv.FormatInt(ids[3], 10), 399) // amount differs
	s.transfer(t, "no-such-payment", 500)             // ids[4] has no transfer

	j := s.runJob(t)
	if j.Status != recon.JobSucceeded || j.Matched != 3 || j.Unmatched != 2 {
		t.Fatalf("job = %+v, want succeeded matched=3 unmatched=2", j)
	}
	before := resultsSnapshot(t, s.pool)
	if len(before) != 5 {
		t.Fatalf("recon_results rows = %d, want 5", len(before))
	}

	again := s.runJob(t)
	if again.Status != recon.JobSucceeded || again.Matched != 3 || again.Unmatched != 2 {
		t.Errorf("re-run = %+v, want the same counts", again)
	}
	if after := resultsSnapshot(t, s.pool); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("re-run rewrote results:\n got %v\nwant %v", after, before)
	}

	s.transfer(t, strconv.FormatInt(ids[4], 10), 500)
	third := s.runJob(t)
	if third.Matched != 4 || third.Unmatched != 1 {
		t.Errorf("after settling payment %d: job = %+v, want matched=4 unmatched=1", ids[4], third)
	}
	var status, reason string
	if err := s.pool.QueryRow(t.Context(), `SELECT status, reason FROM recon_results WHERE payment_id = $1`, ids[3]).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	if status != recon.Unmatched || reason == "" {
		t.Errorf("payment %d result = %s %q, want unmatched with a reason", ids[3], status, reason)
	}
	refapitest.GetJSON(t, s.recon.URL+"/recon/jobs/999999", http.StatusNotFound, nil)
}

// TestJobsConcurrentSubmits pins that concurrent jobs serialise on one
// worker and all end succeeded with identical counts.
func TestJobsConcurrentSubmits(t *testing.T) {
	s := startStack(t)
	id := s.payment(t, 700)
	s.transfer(t, strconv.FormatInt(id, 10), 700)
	var wg sync.WaitGroup
	jobs := make(chan recon.Job, 4)
	for range 4 {
		wg.Go(func() {
			code, b, err := refapitest.Do(s.recon.Client(), s.recon.URL+"/recon/jobs", "", []byte(`{}`))
			if err != nil || code != http.StatusAccepted {
				t.Errorf("POST /recon/jobs = %d %s %v", code, b, err)
				return
			}
			var acc recon.Accepted
			_ = jsonUnmarshal(b, &acc)
			jobs <- recon.Job{ID: acc.ID}
		})
	}
	wg.Wait()
	close(jobs)
	for j := range jobs {
		var got recon.Job
		refapitest.WaitFor(t, 30*time.Second, "job to finish", func() bool {
			refapitest.GetJSON(t, fmt.Sprintf("%s/recon/jobs/%d", s.recon.URL, j.ID), http.StatusOK, &got)
			return got.Status == recon.JobSucceeded || got.Status == recon.JobFailed
		})
		if got.Status != recon.JobSucceeded || got.Matched != 1 || got.Unmatched != 0 {
			t.Errorf("job %d = %+v, want succeeded matched=1", j.ID, got)
		}
	}
}

func TestReconHealth(t *testing.T) {
	s := startStack(t)
	check := func(wantCode int, wantStatus string, comps map[string]string) {
		t.Helper()
		var rep refapi.Report
		refapitest.GetJSON(t, s.recon.URL+"/recon/health", wantCode, &rep)
		if rep.Status != wantStatus {
			t.Errorf("health status = %s (%+v), want %s", rep.Status, rep.Components, wantStatus)
		}
		for name, want := range comps {
			if got := rep.Components[name].Status; got != want {
				t.Errorf("component %s = %s (%+v), want %s", name, got, rep.Components[name], want)
			}
		}
		if !rep.Components["postgres"].Critical || rep.Components["solana_rpc"].Critical {
			t.Errorf("criticality = %+v, want postgres critical and solana_rpc not", rep.Components)
		}
	}
	check(http.StatusOK, refapi.StatusHealthy, map[string]string{"postgres": "healthy", "solana_rpc": "healthy", "pgapi": "healthy", "bankapi": "healthy"})

	s.solanaDead.Store(true)
	check(http.StatusOK, refapi.StatusDegraded, map[string]string{"postgres": "healthy", "solana_rpc": "unhealthy"})

	if err := s.pg.Stop(); err != nil {
		t.Fatal(err)
	}
	check(http.StatusServiceUnavailable, refapi.StatusUnhealthy, map[string]string{"postgres": "unhealthy", "solana_rpc": "unhealthy"})
	refapitest.GetJSON(t, s.recon.URL+"/health", http.StatusServiceUnavailable, nil)

	if err := s.pg.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.solanaDead.Store(false)
	refapitest.WaitFor(t, 30*time.Second, "healthy after Postgres restart", func() bool {
		var rep refapi.Report
		resp, err := http.Get(s.recon.URL + "/recon/health")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		_ = jsonDecode(resp, &rep)
		return resp.StatusCode == http.StatusOK && rep.Status == refapi.StatusHealthy
	})
	if j := s.runJob(t); j.Status != recon.JobSucceeded {
		t.Errorf("job after Postgres restart = %+v, want succeeded", j)
	}
}
