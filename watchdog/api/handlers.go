package api

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/vigilhq/vigil/watchdog"
	"github.com/vigilhq/vigil/watchdog/metrics"
)

// handler routes requests. control is true for the unix socket, where every
// request may control; on TCP, control needs the bearer token.
func (s *Server) handler(control bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", s.health)
	g := s.opts.Gatherer
	if g == nil {
		g = metrics.NewRegistry()
	}
	mux.Handle("GET /metrics", g)
	mux.HandleFunc("GET /v1/services", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.sup.Status().Services)
	})
	mux.HandleFunc("GET /v1/services/{name}", s.service)
	mux.HandleFunc("GET /v1/events", s.events)
	guard := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !control && !s.authorized(r) {
				writeError(w, http.StatusForbidden, "control requests need the unix socket (api.socket) or, over TCP, Authorization: Bearer <token> with api.token_env set")
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("POST /v1/services/{name}/{op}", guard(s.control))
	mux.HandleFunc("POST /v1/reload", guard(s.reload))
	mux.HandleFunc("GET /v1/services/{name}/logs", guard(s.logs))
	return mux
}

func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Token == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.Token)) == 1
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	st := s.sup.Status()
	code := http.StatusOK
	if st.Status == watchdog.HealthUnhealthy {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, st)
}

func (s *Server) service(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	for _, svc := range s.sup.Status().Services {
		if svc.Name == name {
			writeJSON(w, http.StatusOK, svc)
			return
		}
	}
	writeError(w, http.StatusNotFound, "unknown service "+strconv.Quote(name))
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	evs := s.sup.Events().Recent(after, limit)
	if svc := r.URL.Query().Get("service"); svc != "" {
		kept := evs[:0]
		for _, ev := range evs {
			if ev.Service == svc {
				kept = append(kept, ev)
			}
		}
		evs = kept
	}
	writeJSON(w, http.StatusOK, evs)
}

func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	name, op := r.PathValue("name"), r.PathValue("op")
	var err error
	switch op {
	case "start":
		err = s.sup.Start(r.Context(), name)
	case "stop":
		err = s.sup.Stop(r.Context(), name)
	case "restart":
		err = s.sup.Restart(r.Context(), name)
	default:
		writeError(w, http.StatusNotFound, "unknown operation "+strconv.Quote(op)+": use start, stop or restart")
		return
	}
	if err != nil {
		writeServiceError(w, err)
		return
	}
	s.log.Info("control", "op", op, "service", name)
	for _, svc := range s.sup.Status().Services {
		if svc.Name == name {
			writeJSON(w, http.StatusOK, svc)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"service": name, "op": op})
}

func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	if s.opts.Reload == nil {
		writeError(w, http.StatusNotImplemented, "reload is not available")
		return
	}
	if err := s.opts.Reload(r.Context()); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "reload refused, the old configuration keeps running:\n"+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reloaded"})
}

type errorBody struct {
	Error string `json:"error"`
}

// writeServiceError answers an error of the supervisor about one service:
// 404 for a service it does not know, else 500.
func writeServiceError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	if errors.Is(err, watchdog.ErrUnknownService) {
		code = http.StatusNotFound
	}
	writeError(w, code, err.Error())
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
