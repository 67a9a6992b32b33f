// Package solanasim is an offline Solana JSON-RPC simulator that stands in for
// solana-test-validator where no validator container image can be pulled.
//
// It speaks the JSON-RPC 2.0 wire format that github.com/gagliardetto/solana-go's
// rpc client expects (envelope fields jsonrpc/result/error/id only, string ids
// echoed verbatim), keeps a tiny in-memory ledger (slot, balances, signatures),
// serves one preloaded upgradeable program account, and verifies ed25519
// signatures on submitted transactions. There is no consensus and no program
// execution: only system transfers move lamports.
//
// Its health can be degraded at runtime through the admin endpoint
// (POST /admin/mode) or [Sim.SetCondition] to reproduce the failure modes a
// deep Solana health check must catch: behind, unknown, stalled and slow.
// See docs/solanasim.md.
package solanasim
