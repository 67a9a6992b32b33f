package recon_test

import (
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/vigilhq/vigil/scenarios/recon"
	"github.com/vigilhq/vigil/scenarios/refapi"
	"github.com/vigilhq/vigil/scenarios/refapi/refapitest"
)

// TestBinaryRunsJobsAndStops runs the real cmd/reconapi (job worker wired
// through refapi.Run) against the in-process pgapi and bankapi: a job
// succeeds, /recon/health is healthy, and SIGTERM exits 0.
func TestBinaryRunsJobsAndStops(t *testing.T) {
	s := startStack(t)
	id := s.payment(t, 4200)
	s.transfer(t, strconv.FormatInt(id, 10), 4200)
	bin := refapitest.Build(t, "github.com/vigilhq/vigil/cmd/reconapi")
	proc := refapitest.StartProcess(t, bin, "DATABASE_URL="+s.pg.DSN,
		"PGAPI_URL="+s.pgapi.URL, "BANKAPI_URL="+s.bankapi.URL, "SOLANA_RPC_URL="+s.solanaURL)

	var rep refapi.Report
	refapitest.GetJSON(t, proc.URL+"/recon/health", http.StatusOK, &rep)
	if rep.Status != refapi.StatusHealthy {
		t.Errorf("binary /recon/health = %+v, want healthy", rep)
	}
	j := runJobAt(t, http.DefaultClient, proc.URL)
	if j.Status != recon.JobSucceeded || j.Matched < 1 {
		t.Errorf("job = %+v, want succeeded with the payment matched", j)
	}
	if err := proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := proc.Wait(30 * time.Second); err != nil {
		t.Errorf("exit after SIGTERM = %v, want 0\n%s", err, proc.Output())
	}
}
