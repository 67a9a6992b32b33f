package recon

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
)

// Settlement bounds and amounts.
const (
	// SettlementBaseLamports plus the job id is what a job's settlement
	// transfers: distinct amounts make distinct transactions even when two
	// jobs share a blockhash.
	SettlementBaseLamports = 1000
	// ConfirmWithin bounds the wait for one settlement to reach the
	// confirmed commitment; an unconfirmed one stays "sent" and is resolved
	// by a later job.
	ConfirmWithin = 20 * time.Second
	// FundLamports is airdropped to the payer when it holds less than
	// MinPayerLamports (a test validator's faucet; 1 SOL = 10^9 lamports).
	FundLamports     = 10_000_000_000
	MinPayerLamports = 1_000_000_000
	// confirmPoll is how often getSignatureStatuses is asked while waiting.
	confirmPoll = 250 * time.Millisecond
	// rpcTimeout bounds each RPC call (solana-go's default is 5 minutes).
	rpcTimeout = 5 * time.Second
)

// settler records one settlement transfer per reconciled batch on Solana
// and confirms it by polling getSignatureStatuses. It keeps no state of its
// own: every settlement is a row in recon_settlements, written "sent"
// before the transaction is submitted.
type settler struct {
	rpc    *rpc.Client
	closer io.Closer
	payer  solana.PrivateKey
	to     solana.PublicKey
	store  store
	log    *slog.Logger
	within time.Duration // bound of one confirmation wait
}

func newSettler(cfg Config, st store, log *slog.Logger) *settler {
	rc := jsonrpc.NewClientWithOpts(cfg.SolanaRPCURL, &jsonrpc.RPCClientOpts{
		HTTPClient: &http.Client{Timeout: rpcTimeout},
	})
	s := &settler{rpc: rpc.NewWithCustomRPCClient(rc), payer: cfg.SettlementKey, to: cfg.SettlementAccount, store: st, log: log,
		within: cmp.Or(cfg.ConfirmWithin, ConfirmWithin)}
	if c, ok := rc.(io.Closer); ok {
		s.closer = c
	}
	return s
}

// close releases the RPC client's connections.
func (s *settler) close() {
	if s.closer != nil {
		_ = s.closer.Close()
	}
}

// settle resolves earlier unconfirmed settlements, then funds the payer
// when it runs low and sends and confirms job's. A nil error means job's
// settlement is confirmed.
func (s *settler) settle(ctx context.Context, job int64) error {
	s.resolve(ctx)
	if err := s.fund(ctx); err != nil {
		return fmt.Errorf("fund settlement payer %s: %w", s.payer.PublicKey(), err)
	}
	bh, err := s.rpc.GetLatestBlockhash(ctx, rpc.CommitmentConfirmed)
	if err != nil {
		return fmt.Errorf("getLatestBlockhash: %w", err)
	}
	lamports := uint64(SettlementBaseLamports + job)
	tx, err := solana.NewTransaction([]solana.Instruction{
		system.NewTransferInstruction(lamports, s.payer.PublicKey(), s.to).Build(),
	}, bh.Value.Blockhash, solana.TransactionPayer(s.payer.PublicKey()))
	if err != nil {
		return fmt.Errorf("build settlement transaction: %w", err)
	}
	if _, err := tx.Sign(func(k solana.PublicKey) *solana.PrivateKey {
		if k == s.payer.PublicKey() {
			return &s.payer
		}
		return nil
	}); err != nil {
		return fmt.Errorf("sign settlement transaction: %w", err)
	}
	sig := tx.Signatures[0]
	if err := s.store.recordSettlement(ctx, job, sig.String(), lamports, bh.Value.LastValidBlockHeight); err != nil {
		return fmt.Errorf("record settlement before sending: %w", err)
	}
	_, err = s.rpc.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{PreflightCommitment: rpc.CommitmentConfirmed})
	var refused *jsonrpc.RPCError
	switch {
	case errors.As(err, &refused):
		// The node answered no: the transaction will never land.
		err = fmt.Errorf("sendTransaction refused: %d %s", refused.Code, refused.Message)
		return errors.Join(err, s.store.endSettlement(ctx, job, SettlementFailed, 0, err.Error()))
	case err != nil:
		// Unknown outcome (timeout, reset): the transaction may have
		// reached the node, so look for it like any other.
		s.log.Warn("sendTransaction outcome unknown; waiting for the signature", "job", job, "signature", sig, "error", err)
		_ = s.store.noteSettlementError(ctx, job, "sendTransaction: "+err.Error())
	}
	return s.confirm(ctx, job, sig)
}

// resolve runs resolvePending and logs its outcome: a settlement it cannot
// resolve now stays "sent" for a later job.
func (s *settler) resolve(ctx context.Context) {
	if n, err := s.resolvePending(ctx); err != nil {
		s.log.Warn("resolve pending settlements", "error", err)
	} else if n > 0 {
		s.log.Info("resolved pending settlements", "count", n)
	}
}

// confirm waits up to s.within for sig to reach confirmed and records
// the outcome; still unconfirmed, it stays "sent".
func (s *settler) confirm(ctx context.Context, job int64, sig solana.Signature) error {
	st, err := s.await(ctx, sig, s.within)
	switch {
	case err != nil:
		return errors.Join(fmt.Errorf("settlement %s not confirmed: %w (left sent; a later job resolves it)", sig, err),
			s.store.noteSettlementError(context.WithoutCancel(ctx), job, err.Error()))
	case st.Err != nil:
		msg := fmt.Sprintf("landed in slot %d with error %v", st.Slot, st.Err)
		return errors.Join(errors.New(msg), s.store.endSettlement(ctx, job, SettlementFailed, st.Slot, msg))
	}
	// Settlements that landed before sig are confirmed by now too, however
	// few slots had passed when the job began (a node just back from a
	// stall has not yet confirmed what landed during it): resolve them
	// before sig reads confirmed, so that a confirmed settlement means
	// every earlier one is settled as far as the node knows.
	s.resolve(ctx)
	return s.store.endSettlement(ctx, job, SettlementConfirmed, st.Slot, "")
}

// await polls getSignatureStatuses until sig is confirmed (or finalized),
// has landed with an error, or within has passed.
func (s *settler) await(ctx context.Context, sig solana.Signature, within time.Duration) (*rpc.SignatureStatusesResult, error) {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	t := time.NewTicker(confirmPoll)
	defer t.Stop()
	var last error
	for {
		out, err := s.rpc.GetSignatureStatuses(ctx, false, sig)
		switch {
		case err != nil:
			last = err
		case len(out.Value) == 1 && out.Value[0] != nil:
			st := out.Value[0]
			if st.Err != nil || reached(st.ConfirmationStatus) {
				return st, nil
			}
			last = fmt.Errorf("status %s", st.ConfirmationStatus)
		default:
			last = errors.New("signature not found")
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("not confirmed within %s (last: %v)", within, last)
		case <-t.C:
		}
	}
}

// reached reports whether a status is at least confirmed.
func reached(c rpc.ConfirmationStatusType) bool {
	return c == rpc.ConfirmationStatusConfirmed || c == rpc.ConfirmationStatusFinalized
}

// fund airdrops FundLamports to the payer when it runs low.
func (s *settler) fund(ctx context.Context) error {
	bal, err := s.rpc.GetBalance(ctx, s.payer.PublicKey(), rpc.CommitmentConfirmed)
	if err != nil {
		return fmt.Errorf("getBalance: %w", err)
	}
	if bal.Value >= MinPayerLamports {
		return nil
	}
	sig, err := s.rpc.RequestAirdrop(ctx, s.payer.PublicKey(), FundLamports, rpc.CommitmentConfirmed)
	if err != nil {
		return fmt.Errorf("requestAirdrop: %w", err)
	}
	st, err := s.await(ctx, sig, s.within)
	if err != nil {
		return fmt.Errorf("airdrop %s: %w", sig, err)
	}
	if st.Err != nil {
		return fmt.Errorf("airdrop %s failed: %v", sig, st.Err)
	}
	s.log.Info("settlement payer funded", "payer", s.payer.PublicKey(), "lamports", FundLamports)
	return nil
}

// maxResolve bounds one resolvePending pass (getSignatureStatuses takes at
// most 256 signatures).
const maxResolve = 256

// resolvePending settles the fate of "sent" settlements a timed-out wait
// or a crash left behind: confirmed or failed as the node reports, expired
// when the node's block height has passed the blockhash's last valid height
// and the signature is unknown (it can never land). The height is read
// before the statuses, so a transaction that landed in time is seen.
func (s *settler) resolvePending(ctx context.Context) (int, error) {
	pending, err := s.store.pendingSettlements(ctx, maxResolve)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	height, err := s.rpc.GetBlockHeight(ctx, rpc.CommitmentProcessed)
	if err != nil {
		return 0, fmt.Errorf("getBlockHeight: %w", err)
	}
	sigs := make([]solana.Signature, len(pending))
	for i, p := range pending {
		if sigs[i], err = solana.SignatureFromBase58(p.Signature); err != nil {
			return 0, fmt.Errorf("settlement of job %d: bad signature %q: %w", p.JobID, p.Signature, err)
		}
	}
	out, err := s.rpc.GetSignatureStatuses(ctx, true, sigs...)
	if err != nil {
		return 0, fmt.Errorf("getSignatureStatuses: %w", err)
	}
	if len(out.Value) != len(pending) {
		return 0, fmt.Errorf("getSignatureStatuses answered %d statuses for %d signatures", len(out.Value), len(pending))
	}
	n := 0
	var errs []error
	for i, p := range pending {
		st := out.Value[i]
		var err error
		switch {
		case st != nil && st.Err != nil:
			err = s.store.endSettlement(ctx, p.JobID, SettlementFailed, st.Slot, fmt.Sprintf("landed in slot %d with error %v", st.Slot, st.Err))
		case st != nil && reached(st.ConfirmationStatus):
			err = s.store.endSettlement(ctx, p.JobID, SettlementConfirmed, st.Slot, "")
		case st == nil && height > p.LastValidBlockHeight:
			err = s.store.endSettlement(ctx, p.JobID, SettlementExpired, 0,
				fmt.Sprintf("never landed: block height %d is past the blockhash's last valid height %d", height, p.LastValidBlockHeight))
		default:
			continue
		}
		if err == nil {
			n++
		}
		errs = append(errs, err)
	}
	return n, errors.Join(errs...)
}
