package recon

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vigilhq/vigil/scenarios/refapi"
)

// Server serves the recon API and, through Run, executes its jobs. It uses a
// pool it does not own.
type Server struct {
	cfg    Config
	pool   *pgxpool.Pool
	store  store
	log    *slog.Logger
	client *http.Client
	queue  chan int64
	settle *settler // nil without Config.SettlementKey
}

var (
	_ refapi.Service = (*Server)(nil)
	_ refapi.Runner  = (*Server)(nil)
)

// New returns a Server; jobs run only while its Run is running.
func New(cfg Config, pool *pgxpool.Pool, log *slog.Logger) *Server {
	s := &Server{
		cfg:    cfg,
		pool:   pool,
		store:  store{pool: pool, owner: newOwner()},
		log:    log,
		client: &http.Client{Timeout: 30 * time.Second},
		queue:  make(chan int64, QueueSize),
	}
	if len(cfg.SettlementKey) > 0 {
		if cfg.SettlementAccount.IsZero() {
			cfg.SettlementAccount = DefaultSettlementAccount()
		}
		s.settle = newSettler(cfg, s.store, log)
	}
	return s
}

// Handler routes POST /recon/jobs, GET /recon/jobs/{id}, GET
// /recon/settlements/{job id} and GET /recon/health.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /recon/jobs", s.submit)
	mux.Handle("GET /recon/jobs/{id}", refapi.GetByID(s.log, "job", s.store.job))
	mux.Handle("GET /recon/settlements/{id}", refapi.GetByID(s.log, "settlement for job", s.store.settlement))
	mux.Handle("GET /recon/health", refapi.HealthHandler(s.Components()...))
	return mux
}

// Accepted is the body of a 202 from POST /recon/jobs.
type Accepted struct {
	ID int64 `json:"id"`
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	id, err := s.Submit(r.Context())
	switch {
	case errors.Is(err, ErrQueueFull):
		w.Header().Set("Retry-After", "5")
		refapi.WriteError(w, http.StatusServiceUnavailable, err.Error())
	case err != nil:
		refapi.WriteStoreError(w, s.log, err)
	default:
		refapi.WriteJSON(w, http.StatusAccepted, Accepted{ID: id})
	}
}

// newOwner returns a token unique to this Server, marking its jobs.
func newOwner() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
