package chaos

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigilhq/vigil/slo"
)

// maxSettlements bounds one read of reconapi's confirmed settlements (a
// suite produces a few hundred).
const maxSettlements = 10_000

// ReadSettlements returns the settlements reconapi reported confirmed
// (recon_settlements, status confirmed), newest first, at most
// maxSettlements. A database without the table (reconapi never ran there)
// has none.
func ReadSettlements(ctx context.Context, dsn string) ([]slo.Settlement, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("read settlements: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, `SELECT job_id, signature FROM recon_settlements
		WHERE status = 'confirmed' ORDER BY job_id DESC LIMIT $1`, maxSettlements)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
			return nil, nil
		}
		return nil, fmt.Errorf("read settlements: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[slo.Settlement])
	if err != nil {
		return nil, fmt.Errorf("read settlements: %w", err)
	}
	return out, nil
}

// statusBatch is getSignatureStatuses' limit per call.
const statusBatch = 256

// OnChain asks the Solana node at rpcURL (with history search) which of
// sigs it holds at the confirmed or finalized commitment.
func OnChain(ctx context.Context, client *http.Client, rpcURL string, sigs []string) (map[string]bool, error) {
	cl := rpc.NewWithCustomRPCClient(jsonrpc.NewClientWithOpts(rpcURL, &jsonrpc.RPCClientOpts{HTTPClient: client}))
	out := make(map[string]bool, len(sigs))
	for start := 0; start < len(sigs); start += statusBatch {
		batch := sigs[start:min(start+statusBatch, len(sigs))]
		parsed := make([]solana.Signature, len(batch))
		for i, s := range batch {
			sig, err := solana.SignatureFromBase58(s)
			if err != nil {
				return nil, fmt.Errorf("signature %q: %w", s, err)
			}
			parsed[i] = sig
		}
		res, err := cl.GetSignatureStatuses(ctx, true, parsed...)
		if err != nil {
			return nil, fmt.Errorf("getSignatureStatuses on %s: %w", rpcURL, err)
		}
		if len(res.Value) != len(batch) {
			return nil, fmt.Errorf("getSignatureStatuses answered %d statuses for %d signatures", len(res.Value), len(batch))
		}
		for i, st := range res.Value {
			out[batch[i]] = st != nil && st.Err == nil &&
				(st.ConfirmationStatus == rpc.ConfirmationStatusConfirmed || st.ConfirmationStatus == rpc.ConfirmationStatusFinalized)
		}
	}
	return out, nil
}

// settlementCanary is a signature nobody ever sent, claimed confirmed: the
// chain check must report it lost (slo.SettlementResult.VerifyCanary).
func settlementCanary() slo.Settlement {
	var b [64]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return slo.Settlement{Job: -1, Signature: solana.SignatureFromBytes(b[:]).String()}
}

// checkSettlements reads back every settlement reconapi reported confirmed
// and requires each on chain: a confirmed settlement that is gone is a lost
// write. It runs only on targets with a Solana node (Target.SolanaRPC).
func (r *Runner) checkSettlements(ctx context.Context, s *Scenario, res *Result) error {
	if r.Target.SolanaRPC == "" || r.Target.PostgresDSN == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	reported, err := ReadSettlements(ctx, r.Target.PostgresDSN)
	if err != nil {
		r.Journal.Add(Note{Kind: NoteError, Scenario: s.Name, Msg: err.Error()})
		return fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	canary := settlementCanary()
	claims := append(reported, canary)
	sigs := make([]string, len(claims))
	for i, c := range claims {
		sigs[i] = c.Signature
	}
	found, err := OnChain(ctx, r.Target.httpClient(false), r.Target.SolanaRPC, sigs)
	if err != nil {
		r.Journal.Add(Note{Kind: NoteError, Scenario: s.Name, Msg: "settlement read-back: " + err.Error()})
		return fmt.Errorf("scenario %s: settlement read-back: %w", s.Name, err)
	}
	set, err := slo.CheckSettlements(claims, found).VerifyCanary(canary)
	if err != nil {
		res.Deviations = append(res.Deviations, err.Error())
	}
	res.Settlements = &set
	for _, l := range set.Lost {
		res.Deviations = append(res.Deviations,
			fmt.Sprintf("settlement of recon job %d (%s) was reported confirmed but is not on chain", l.Job, l.Signature))
	}
	r.Journal.Check(NoteReadback, s.Name, err == nil && set.OK(),
		"settlements: %d reported confirmed by reconapi, %d found on chain, %d lost; unsent canary reported lost: %v",
		set.Reported, set.Found, len(set.Lost), err == nil)
	return nil
}
