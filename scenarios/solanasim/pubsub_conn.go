package solanasim

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// pubsubWriteWait bounds one websocket write: a peer that stops reading
// fills its TCP window, the write times out and the connection is dropped.
const pubsubWriteWait = 10 * time.Second

// conn is one websocket connection: the handler's goroutine reads, one
// writer goroutine drains out. kill is idempotent and safe from any
// goroutine.
type conn struct {
	ws     *websocket.Conn
	remote string
	out    chan outgoing
	dead   chan struct{}
	once   sync.Once
}

func newConn(ws *websocket.Conn, queue int) *conn {
	return &conn{
		ws: ws, remote: ws.RemoteAddr().String(),
		out: make(chan outgoing, queue), dead: make(chan struct{}),
	}
}

// outgoing is one queued message and the earliest time to write it (zero:
// at once; ModePubSubSlow holds notifications).
type outgoing struct {
	msg []byte
	at  time.Time
}

// offer queues msg without blocking; false means the queue is full.
func (c *conn) offer(msg outgoing) bool {
	select {
	case <-c.dead:
		return true // going away anyway: nothing to drop
	default:
	}
	select {
	case c.out <- msg:
		return true
	default:
		return false
	}
}

// kill closes the socket, which ends both loops.
func (c *conn) kill() {
	c.once.Do(func() {
		close(c.dead)
		_ = c.ws.Close()
	})
}

func (c *conn) writeLoop() {
	for {
		select {
		case <-c.dead:
			return
		case msg := <-c.out:
			if !c.hold(msg.at) {
				return
			}
			_ = c.ws.SetWriteDeadline(time.Now().Add(pubsubWriteWait))
			if err := c.ws.WriteMessage(websocket.TextMessage, msg.msg); err != nil {
				c.kill()
				return
			}
		}
	}
}

// hold waits until at; false means the connection died meanwhile.
func (c *conn) hold(at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.dead:
		return false
	}
}

// readLoop hands every text frame to h until the connection fails or is
// killed. Pings are answered by the websocket library.
func (c *conn) readLoop(h *hub) {
	c.ws.SetReadLimit(maxRequestBody)
	for {
		kind, frame, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if kind == websocket.TextMessage || kind == websocket.BinaryMessage {
			h.handle(c, frame)
		}
	}
}
