package recon

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SettlementStatus is where a settlement is: sent → confirmed | failed |
// expired.
type SettlementStatus string

// Settlement statuses.
const (
	// SettlementSent: recorded before submitting; the outcome is not
	// known yet.
	SettlementSent SettlementStatus = "sent"
	// SettlementConfirmed: the node reported the signature at the
	// confirmed (or finalized) commitment. It must stay on chain.
	SettlementConfirmed SettlementStatus = "confirmed"
	// SettlementFailed: the node refused the transaction, or it landed
	// with an error.
	SettlementFailed SettlementStatus = "failed"
	// SettlementExpired: its blockhash expired and the node never saw it.
	SettlementExpired SettlementStatus = "expired"
)

// Settlement is one job's settlement transfer as stored in
// recon_settlements.
type Settlement struct {
	JobID                int64            `json:"job_id"`
	Signature            string           `json:"signature"`
	Lamports             int64            `json:"lamports"`
	LastValidBlockHeight uint64           `json:"last_valid_block_height"`
	Status               SettlementStatus `json:"status"`
	Slot                 *int64           `json:"slot,omitempty"`
	Error                string           `json:"error,omitempty"`
	CreatedAt            time.Time        `json:"created_at"`
	ConfirmedAt          *time.Time       `json:"confirmed_at,omitempty"`
}

const settlementColumns = `job_id, signature, lamports, last_valid_block_height, status, slot, error, created_at, confirmed_at`

func scanSettlement(row pgx.Row) (Settlement, error) {
	var st Settlement
	err := row.Scan(&st.JobID, &st.Signature, &st.Lamports, &st.LastValidBlockHeight, &st.Status, &st.Slot, &st.Error, &st.CreatedAt, &st.ConfirmedAt)
	return st, err
}

// settlement returns job's settlement (pgx.ErrNoRows when it has none).
func (s store) settlement(ctx context.Context, job int64) (Settlement, error) {
	return scanSettlement(s.pool.QueryRow(ctx, `SELECT `+settlementColumns+` FROM recon_settlements WHERE job_id = $1`, job))
}

// recordSettlement writes job's settlement "sent" before it is submitted.
func (s store) recordSettlement(ctx context.Context, job int64, sig string, lamports, lastValid uint64) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO recon_settlements (job_id, signature, lamports, last_valid_block_height)
		VALUES ($1, $2, $3, $4)`, job, sig, int64(lamports), int64(lastValid))
	return err
}

// endSettlement moves a "sent" settlement to its final status; a
// settlement already final is left alone.
func (s store) endSettlement(ctx context.Context, job int64, status SettlementStatus, slot uint64, msg string) error {
	var slotArg *int64
	if slot > 0 {
		v := int64(slot)
		slotArg = &v
	}
	_, err := s.pool.Exec(ctx, `UPDATE recon_settlements SET status = $2, slot = $3, error = $4,
		confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() END
		WHERE job_id = $1 AND status = 'sent'`, job, string(status), slotArg, msg)
	if err != nil {
		return fmt.Errorf("record settlement of job %d %s: %w", job, status, err)
	}
	return nil
}

// noteSettlementError keeps the last error of a settlement still "sent".
func (s store) noteSettlementError(ctx context.Context, job int64, msg string) error {
	_, err := s.pool.Exec(ctx, `UPDATE recon_settlements SET error = $2 WHERE job_id = $1 AND status = 'sent'`, job, msg)
	return err
}

// pendingSettlements returns up to limit "sent" settlements, oldest first.
func (s store) pendingSettlements(ctx context.Context, limit int) ([]Settlement, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+settlementColumns+` FROM recon_settlements
		WHERE status = 'sent' ORDER BY job_id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Settlement, error) { return scanSettlement(r) })
}
