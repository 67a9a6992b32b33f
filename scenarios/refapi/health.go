package refapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Health statuses, worst last.
const (
	StatusHealthy   = "healthy"
	StatusDegraded  = "degraded"
	StatusUnhealthy = "unhealthy"
)

// ProbeTimeout bounds each component check.
const ProbeTimeout = 2 * time.Second

// Component is one dependency a health report covers.
type Component struct {
	// Name is the key under "components".
	Name string
	// Critical components make the service unhealthy (HTTP 503) when down;
	// others only degrade it (HTTP 200).
	Critical bool
	// Check returns nil when the dependency is usable. It must honour ctx.
	Check func(ctx context.Context) error
}

// ComponentStatus is one entry of Report.Components.
type ComponentStatus struct {
	Status    string `json:"status"`
	Critical  bool   `json:"critical"`
	LatencyMS int64  `json:"latency_ms"`
	Error     string `json:"error,omitempty"`
}

// Report is the JSON body of a health endpoint.
type Report struct {
	Status     string                     `json:"status"`
	Components map[string]ComponentStatus `json:"components"`
}

// Evaluate checks every component concurrently, each bounded by ProbeTimeout,
// and folds them into one status: any critical failure is unhealthy, any other
// failure degraded.
func Evaluate(ctx context.Context, comps []Component) Report {
	rep := Report{Status: StatusHealthy, Components: make(map[string]ComponentStatus, len(comps))}
	results := make([]ComponentStatus, len(comps))
	var wg sync.WaitGroup
	for i, c := range comps {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
			defer cancel()
			start := time.Now()
			err := c.Check(cctx)
			st := ComponentStatus{Status: StatusHealthy, Critical: c.Critical, LatencyMS: time.Since(start).Milliseconds()}
			if err != nil {
				st.Status, st.Error = StatusUnhealthy, err.Error()
			}
			results[i] = st
		})
	}
	wg.Wait()
	for i, c := range comps {
		st := results[i]
		rep.Components[c.Name] = st
		switch {
		case st.Status == StatusHealthy:
		case c.Critical:
			rep.Status = StatusUnhealthy
		case rep.Status == StatusHealthy:
			rep.Status = StatusDegraded
		}
	}
	return rep
}

// HealthHandler serves Evaluate(comps) as JSON: 503 when unhealthy, else 200.
func HealthHandler(comps ...Component) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := Evaluate(r.Context(), comps)
		code := http.StatusOK
		if rep.Status == StatusUnhealthy {
			code = http.StatusServiceUnavailable
		}
		WriteJSON(w, code, rep)
	})
}

// PostgresComponent is the critical "postgres" component: a round trip on
// a pooled connection.
func PostgresComponent(pool *pgxpool.Pool) Component {
	return Component{Name: "postgres", Critical: true, Check: pool.Ping}
}
