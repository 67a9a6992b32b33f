package solanasim

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// hub is the PubSub side of a Sim: websocket connections and their
// subscriptions. One mutex guards both; the ledger is only ever locked
// inside it (hub.mu, then ledger.mu), never the other way round.
type hub struct {
	ledger   *ledger
	queue    int
	log      *slog.Logger
	upgrader websocket.Upgrader
	parsers  map[string]subscribeParser
	unsubs   map[string]subKind
	// condition is the Sim's health setting (ModePubSubDown refuses
	// connections, ModePubSubSlow holds notifications); nil: healthy.
	condition func() Condition

	mu       sync.Mutex
	closed   bool
	nextID   uint64
	conns    map[*conn]struct{}
	subs     map[uint64]*subscription
	handlers sync.WaitGroup // ServeHTTP calls holding a connection
}

func newHub(l *ledger, queue int, log *slog.Logger) *hub {
	return &hub{
		ledger: l, queue: queue, log: log,
		upgrader: websocket.Upgrader{
			// Any origin, as a validator: this is a local test double.
			CheckOrigin:       func(*http.Request) bool { return true },
			EnableCompression: true,
		},
		parsers: subscribeParsers(),
		unsubs:  unsubscribeMethods(),
		conns:   make(map[*conn]struct{}),
		subs:    make(map[uint64]*subscription),
	}
}

// PubSubHandler serves the validator's websocket PubSub (slotSubscribe,
// signatureSubscribe, accountSubscribe, programSubscribe, logsSubscribe,
// rootSubscribe and their unsubscribes) on any path; serve it on the RPC
// port + 1, where clients look for it. Each connection is handled on the
// server's goroutine plus one writer goroutine the handler waits for. When
// Run returns it closes every connection and waits for their handlers;
// connections are refused (503) from then until Run is called again.
func (s *Sim) PubSubHandler() http.Handler { return s.pubsub }

func (h *hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.mode().Mode == ModePubSubDown {
		http.Error(w, "solanasim PubSub is down (admin mode pubsub_down): reconnect later", http.StatusServiceUnavailable)
		return
	}
	if !h.enter() {
		http.Error(w, "solanasim is stopping: reconnect after it restarts", http.StatusServiceUnavailable)
		return
	}
	defer h.handlers.Done()
	ws, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	c := newConn(ws, h.queue)
	if !h.register(c) {
		_ = ws.Close()
		return
	}
	var wg sync.WaitGroup
	wg.Go(c.writeLoop)
	c.readLoop(h)
	h.unregister(c)
	c.kill()
	wg.Wait()
}

// mode returns the Sim's condition (healthy without one).
func (h *hub) mode() Condition {
	if h.condition == nil {
		return Condition{}
	}
	return h.condition()
}

// dropAll closes every live connection (their handlers then return and
// unregister them) and returns how many there were. New connections are
// still let in; ModePubSubDown refuses them in ServeHTTP.
func (h *hub) dropAll() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.conns {
		c.kill()
	}
	return len(h.conns)
}

// enter counts a handler in unless the hub is closed.
func (h *hub) enter() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.handlers.Add(1)
	return true
}

func (h *hub) register(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.mode().Mode == ModePubSubDown {
		return false
	}
	h.conns[c] = struct{}{}
	return true
}

// unregister forgets a connection and all its subscriptions.
func (h *hub) unregister(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
	for id, sub := range h.subs {
		if sub.conn == c {
			delete(h.subs, id)
		}
	}
}

// open lets connections in again after a closeAll.
func (h *hub) open() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = false
}

// closeAll refuses new connections, closes the live ones and waits until
// every handler has returned.
func (h *hub) closeAll() {
	h.mu.Lock()
	h.closed = true
	for c := range h.conns {
		c.kill()
	}
	h.mu.Unlock()
	h.handlers.Wait()
}

// sendLocked queues msg on c; a connection whose queue is full is a
// subscriber that does not read: it is dropped, never waited for.
func (h *hub) sendLocked(c *conn, msg []byte) {
	h.sendAtLocked(c, msg, time.Time{})
}

// sendAtLocked queues msg on c, to be written no earlier than at.
func (h *hub) sendAtLocked(c *conn, msg []byte, at time.Time) {
	if !c.offer(outgoing{msg: msg, at: at}) {
		h.log.Warn("solanasim pubsub subscriber dropped: queue full", "queue", h.queue, "remote", c.remote)
		c.kill()
	}
}

// replyLocked answers request id on c with result or e.
func (h *hub) replyLocked(c *conn, id json.RawMessage, result any, e *rpcError) {
	var resp response
	if e != nil {
		resp = errorResponse(id, e)
	} else {
		resp = resultResponse(id, result)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		b, _ = json.Marshal(errorResponse(id, errInternal()))
	}
	h.sendLocked(c, b)
}

// handle answers one text frame. Requests without an id (JSON-RPC
// notifications, such as keep-alive pings) get no answer.
func (h *hub) handle(c *conn, frame []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var req request
	if err := json.Unmarshal(frame, &req); err != nil {
		if !json.Valid(frame) {
			h.replyLocked(c, nil, nil, errParse())
		} else {
			h.replyLocked(c, nil, nil, errInvalidRequest())
		}
		return
	}
	if len(req.ID) == 0 {
		return
	}
	if req.JSONRPC != "2.0" || req.Method == nil {
		h.replyLocked(c, req.ID, nil, errInvalidRequest())
		return
	}
	method := *req.Method
	if kind, ok := h.unsubs[method]; ok {
		ok, e := h.unsubscribeLocked(c, kind, req.Params)
		h.replyLocked(c, req.ID, ok, e)
		return
	}
	parse, ok := h.parsers[method]
	if !ok {
		h.replyLocked(c, req.ID, nil, errMethodNotFound())
		return
	}
	sub, e := parse(req.Params)
	if e != nil {
		h.replyLocked(c, req.ID, nil, e)
		return
	}
	h.nextID++
	sub.id, sub.conn = h.nextID, c
	h.replyLocked(c, req.ID, sub.id, nil)
	if sub.kind == kindSignature && h.signatureDoneLocked(sub) {
		return // already at its commitment: notified, and over
	}
	h.subs[sub.id] = sub
}

// unsubscribeLocked ends one of c's subscriptions: agave accepts any
// *Unsubscribe for any kind, so kind only names the method in logs.
func (h *hub) unsubscribeLocked(c *conn, kind subKind, params json.RawMessage) (bool, *rpcError) {
	args, e := positional(params, 1, 1)
	if e != nil {
		return false, e
	}
	id, e := uintParam(args[0], "subscription id")
	if e != nil {
		return false, e
	}
	sub, ok := h.subs[id]
	if !ok || sub.conn != c {
		return false, errInvalidParams("Invalid subscription id.")
	}
	delete(h.subs, id)
	h.log.Debug("solanasim pubsub unsubscribe", "kind", kind.String(), "subscription", id)
	return true, nil
}
