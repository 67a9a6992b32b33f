package health

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"time"

	"github.com/vigilhq/vigil/watchdog/config"
)

// maxTCPRead bounds how much a TCP check reads while waiting for Expect.
const maxTCPRead = 64 << 10

// tcpChecker connects to an address, optionally sends a line and waits for
// an expected substring in the answer.
type tcpChecker struct {
	cfg config.TCPCheck
}

var _ Checker = tcpChecker{}

func newTCP(cfg config.TCPCheck) (tcpChecker, error) {
	if _, _, err := net.SplitHostPort(cfg.Address); err != nil {
		return tcpChecker{}, fmt.Errorf("tcp.address %q: %w: write host:port, e.g. 127.0.0.1:5432", cfg.Address, err)
	}
	return tcpChecker{cfg: cfg}, nil
}

// Check dials, then sends Send and reads until Expect appears.
func (t tcpChecker) Check(ctx context.Context) (string, error) {
	start := time.Now()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", t.cfg.Address)
	if err != nil {
		return "", errTimeout(ctx, "connect "+t.cfg.Address, err)
	}
	defer conn.Close()
	detail := "connected in " + ms(time.Since(start))
	if t.cfg.Send == "" && t.cfg.Expect == "" {
		return detail, nil
	}
	// The connection is closed when ctx ends so a silent peer cannot hold
	// the check past its timeout.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if t.cfg.Send != "" {
		if _, err := conn.Write([]byte(t.cfg.Send)); err != nil {
			return detail, errTimeout(ctx, "send to "+t.cfg.Address, err)
		}
	}
	if t.cfg.Expect == "" {
		return detail, nil
	}
	got, err := readUntil(conn, []byte(t.cfg.Expect))
	if err != nil {
		return detail, errTimeout(ctx, fmt.Sprintf("%s did not answer %q (got %s)", t.cfg.Address, t.cfg.Expect, snippet(got)), err)
	}
	return fmt.Sprintf("answered in %s", ms(time.Since(start))), nil
}

// readUntil reads from conn until want appears, the peer closes, or
// maxTCPRead bytes have arrived.
func readUntil(conn net.Conn, want []byte) ([]byte, error) {
	var buf []byte
	chunk := make([]byte, 4096)
	for len(buf) < maxTCPRead {
		n, err := conn.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if bytes.Contains(buf, want) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, fmt.Errorf("read %d bytes without a match", len(buf))
}
