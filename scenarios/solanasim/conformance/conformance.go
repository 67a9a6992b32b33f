// Package conformance checks a Solana JSON-RPC and PubSub endpoint the way
// real clients use it, with github.com/gagliardetto/solana-go's own rpc and
// rpc/ws clients: no hand-written JSON. It runs against the simulator
// (scenarios/solanasim) in this package's test, and against a real
// solana-test-validator when VIGIL_SOLANA_RPC points at one, so the
// simulator's claims stay checked against the real thing.
package conformance

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/ws"
)

// Config says where the node under test is and what to expect of it.
type Config struct {
	// RPC is the JSON-RPC URL, e.g. http://127.0.0.1:8899.
	RPC string
	// WS is the PubSub URL, e.g. ws://127.0.0.1:8900.
	WS string
	// Seed names the keys the checks fund and move lamports between;
	// different seeds never share an account. Default "vigil-conformance".
	Seed string
	// ConfirmWithin bounds send-and-confirm (finalized over PubSub);
	// zero means only Timeout bounds it.
	ConfirmWithin time.Duration
	// Timeout bounds each check. Default 60 s.
	Timeout time.Duration
	// ProgramID, when set, must be an executable upgradeable-loader
	// program found by getProgramAccounts' dataSize and memcmp filters.
	ProgramID solana.PublicKey
	// Expiry runs the blockhash-expiry check, which waits 151 blocks
	// (about a minute on a validator, seconds on a fast simulator).
	Expiry bool
}

// Run runs every check as a subtest of t against cfg's endpoints.
func Run(t *testing.T, cfg Config) {
	if cfg.Seed == "" {
		cfg.Seed = "vigil-conformance"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	checks := []struct {
		name string
		run  func(*env)
	}{
		{"cluster", checkCluster},
		{"commitment order", checkCommitmentOrder},
		{"airdrop and accounts", checkAirdropAndAccounts},
		{"send and confirm", checkSendAndConfirm},
		{"history", checkHistory},
		{"simulate", checkSimulate},
		{"fees", checkFees},
		{"program accounts", checkProgramAccounts},
		{"slot and root notifications", checkSlotNotifications},
		{"account, program and logs notifications", checkAccountNotifications},
		{"unsubscribe", checkUnsubscribe},
		{"blockhash expiry", checkBlockhashExpiry},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, cfg, c.name)
			c.run(e)
		})
	}
}

// env is one check's clients, deadline and keys.
type env struct {
	t   *testing.T
	cfg Config
	ctx context.Context
	rpc *rpc.Client
	ws  *ws.Client
	key func(name string) solana.PrivateKey
}

func newEnv(t *testing.T, cfg Config, check string) *env {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	t.Cleanup(cancel)
	cl := rpc.New(cfg.RPC)
	t.Cleanup(func() { _ = cl.Close() })
	wsc, err := ws.Connect(ctx, cfg.WS)
	if err != nil {
		t.Fatalf("ws.Connect(%s) error = %v: is PubSub served (RPC port + 1 on a validator)?", cfg.WS, err)
	}
	t.Cleanup(wsc.Close)
	return &env{t: t, cfg: cfg, ctx: ctx, rpc: cl, ws: wsc, key: func(name string) solana.PrivateKey {
		seed := sha256.Sum256([]byte(cfg.Seed + "/" + check + "/" + name))
		return solana.PrivateKey(ed25519.NewKeyFromSeed(seed[:]))
	}}
}

// fund airdrops lamports to pk and waits over PubSub until the airdrop is
// confirmed.
func (e *env) fund(pk solana.PublicKey, lamports uint64) solana.Signature {
	e.t.Helper()
	sig, err := e.rpc.RequestAirdrop(e.ctx, pk, lamports, rpc.CommitmentConfirmed)
	if err != nil {
		e.t.Fatalf("RequestAirdrop(%s, %d) error = %v", pk, lamports, err)
	}
	e.waitSignature(sig, rpc.CommitmentConfirmed)
	return sig
}

// waitSignature waits for sig's signatureNotification at commitment c.
func (e *env) waitSignature(sig solana.Signature, c rpc.CommitmentType) *ws.SignatureResult {
	e.t.Helper()
	sub, err := e.ws.SignatureSubscribe(sig, c)
	if err != nil {
		e.t.Fatalf("SignatureSubscribe(%s, %s) error = %v", sig, c, err)
	}
	defer sub.Unsubscribe()
	got, err := sub.Recv(e.ctx)
	if err != nil {
		e.t.Fatalf("SignatureSubscribe(%s, %s).Recv() error = %v", sig, c, err)
	}
	return got
}

// blockhash returns the latest blockhash at commitment c.
func (e *env) blockhash(c rpc.CommitmentType) *rpc.GetLatestBlockhashResult {
	e.t.Helper()
	bh, err := e.rpc.GetLatestBlockhash(e.ctx, c)
	if err != nil {
		e.t.Fatalf("GetLatestBlockhash(%s) error = %v", c, err)
	}
	return bh
}

// transfer builds and signs a system transfer with solana-go's builder.
func (e *env) transfer(from solana.PrivateKey, to solana.PublicKey, lamports uint64, recent solana.Hash) *solana.Transaction {
	e.t.Helper()
	tx, err := solana.NewTransaction(
		[]solana.Instruction{system.NewTransferInstruction(lamports, from.PublicKey(), to).Build()},
		recent, solana.TransactionPayer(from.PublicKey()))
	if err != nil {
		e.t.Fatalf("NewTransaction() error = %v", err)
	}
	if _, err := tx.Sign(func(solana.PublicKey) *solana.PrivateKey { return &from }); err != nil {
		e.t.Fatalf("Sign() error = %v", err)
	}
	return tx
}

// send submits tx and fails the check on error.
func (e *env) send(tx *solana.Transaction) solana.Signature {
	e.t.Helper()
	sig, err := e.rpc.SendTransaction(e.ctx, tx)
	if err != nil {
		e.t.Fatalf("SendTransaction() error = %v", err)
	}
	return sig
}

// must fails the check when err is set; what names the call.
func (e *env) must(err error, what string, args ...any) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s error = %v", fmt.Sprintf(what, args...), err)
	}
}
