package chaos

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	solanago "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/vigilhq/vigil/faults/pgtest"
	"github.com/vigilhq/vigil/scenarios/recon"
	"github.com/vigilhq/vigil/scenarios/refapi/refapitest"
	"github.com/vigilhq/vigil/scenarios/solanasim"
	"github.com/vigilhq/vigil/scenarios/solanasim/solanasimtest"
)

// TestCheckSettlementsFindsLostOnes runs the chain check against a real
// Postgres holding reconapi's tables and a real in-process solanasim: a
// settlement that is on chain passes, one reported confirmed whose
// signature the chain never saw is a deviation naming its job.
func TestCheckSettlementsFindsLostOnes(t *testing.T) {
	pg := pgtest.Require(t)
	pool := refapitest.Pool(t, pg.DSN, recon.App(recon.Config{}))
	node := solanasimtest.Start(t, solanasim.Options{})

	key, err := solanago.NewRandomPrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	cl := rpc.New(node.RPC)
	rctx, rcancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer rcancel()
	landed, err := cl.RequestAirdrop(rctx, key.PublicKey(), 1000, rpc.CommitmentConfirmed)
	if err != nil {
		t.Fatal(err)
	}
	refapitest.WaitFor(t, 10*time.Second, "airdrop confirmed", func() bool {
		out, err := cl.GetSignatureStatuses(rctx, false, landed)
		return err == nil && out.Value[0] != nil && out.Value[0].ConfirmationStatus != rpc.ConfirmationStatusProcessed
	})
	gone := settlementCanary().Signature // never sent: stands for a settlement the chain lost
	for i, sig := range []string{landed.String(), gone} {
		if _, err := pool.Exec(t.Context(), `INSERT INTO recon_settlements (job_id, signature, lamports, last_valid_block_height, status, confirmed_at)
			VALUES ($1, $2, 1000, 1, 'confirmed', now())`, i+1, sig); err != nil {
			t.Fatal(err)
		}
	}
	// A settlement still "sent" is no promise: not checked.
	if _, err := pool.Exec(t.Context(), `INSERT INTO recon_settlements (job_id, signature, lamports, last_valid_block_height)
		VALUES (3, $1, 1000, 1)`, settlementCanary().Signature); err != nil {
		t.Fatal(err)
	}

	r := &Runner{Target: &Target{PostgresDSN: pg.DSN, SolanaRPC: node.RPC}, Journal: NewJournal(nil, io.Discard)}
	var res Result
	if err := r.checkSettlements(t.Context(), &Scenario{Name: "s"}, &res); err != nil {
		t.Fatalf("checkSettlements = %v", err)
	}
	set := res.Settlements
	if set == nil || set.Reported != 2 || set.Found != 1 || len(set.Lost) != 1 || set.Lost[0].Signature != gone {
		t.Fatalf("checkSettlements result = %+v, want 2 reported, 1 found, %s lost", set, gone)
	}
	if len(res.Deviations) != 1 || !strings.Contains(res.Deviations[0], "recon job 2") {
		t.Errorf("deviations = %q, want one naming recon job 2", res.Deviations)
	}
}

// TestCheckSettlementsWithoutReconTables: a database reconapi never ran
// on has nothing to check, and that is not an error.
func TestCheckSettlementsWithoutReconTables(t *testing.T) {
	pg := pgtest.Require(t)
	node := solanasimtest.Serve(t, solanasim.Options{})
	r := &Runner{Target: &Target{PostgresDSN: pg.DSN, SolanaRPC: node.RPC}, Journal: NewJournal(nil, io.Discard)}
	var res Result
	if err := r.checkSettlements(t.Context(), &Scenario{Name: "s"}, &res); err != nil {
		t.Fatalf("checkSettlements = %v", err)
	}
	if res.Settlements == nil || res.Settlements.Reported != 0 || len(res.Deviations) != 0 {
		t.Errorf("result = %+v, deviations %q; want nothing reported, no deviation", res.Settlements, res.Deviations)
	}
}
