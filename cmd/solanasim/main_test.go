package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/ws"
	"go.uber.org/goleak"

	"github.com/vigilhq/vigil/scenarios/solanasim"
)

// asMainEnv makes the re-executed test binary behave as the command.
const asMainEnv = "SOLANASIM_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

const waitBound = 20 * time.Second

// child is the command running in a real subprocess.
type child struct {
	cmd       *exec.Cmd
	mu        sync.Mutex
	log       []map[string]any
	listening chan map[string]any // the "solanasim listening" line
	drained   chan struct{}       // stderr fully read
}

// spawn starts the test binary as the command; prefix runs it through
// another program first (the shell that sets LISTEN_PID).
func spawn(t *testing.T, env []string, extra []*os.File, prefix []string, args ...string) *child {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	argv := append(append(prefix, os.Args[0]), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// A -race child otherwise sleeps a second at exit.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(append(os.Environ(), asMainEnv+"=1", "GORACE="+gorace), env...)
	cmd.ExtraFiles = extra
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", argv, err)
	}
	c := &child{cmd: cmd, listening: make(chan map[string]any, 1), drained: make(chan struct{})}
	go func() {
		defer close(c.drained)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				line = map[string]any{"msg": sc.Text()}
			}
			c.mu.Lock()
			c.log = append(c.log, line)
			c.mu.Unlock()
			if line["msg"] == "solanasim listening" {
				c.listening <- line
			}
		}
	}()
	t.Cleanup(func() {
		cancel() // kills the child if a test left it running
		<-c.drained
		_ = cmd.Wait()
	})
	return c
}

// wait returns the exit code, bounded.
func (c *child) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-c.drained:
	case <-time.After(waitBound):
		t.Fatalf("command did not exit within %s", waitBound)
	}
	err := c.cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	return 0
}

func (c *child) logged(msg string) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, line := range c.log {
		if line["msg"] == msg {
			return line
		}
	}
	return nil
}

// serveAndStop checks the command answers RPC at addr, then stops cleanly
// on SIGTERM.
func serveAndStop(t *testing.T, c *child) map[string]any {
	t.Helper()
	var line map[string]any
	select {
	case line = <-c.listening:
	case <-c.drained:
		t.Fatalf("command exited before listening: %v", c.log)
	case <-time.After(waitBound):
		t.Fatalf("no listening line within %s", waitBound)
	}
	addr, _ := line["addr"].(string)
	cl := rpc.New("http://" + addr)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	if got, err := cl.GetHealth(ctx); err != nil || got != rpc.HealthOk {
		t.Errorf("GetHealth() at %s = %q, %v, want ok", addr, got, err)
	}
	wsAddr, _ := line["ws_addr"].(string)
	checkPubSub(ctx, t, wsAddr)
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := c.wait(t); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0; log %v", code, c.log)
	}
	if c.logged("solanasim stopped") == nil {
		t.Errorf("no \"solanasim stopped\" log line: %v", c.log)
	}
	return line
}

// checkPubSub subscribes to slots at wsAddr and waits for one notification.
func checkPubSub(ctx context.Context, t *testing.T, wsAddr string) {
	t.Helper()
	wsc, err := ws.Connect(ctx, "ws://"+wsAddr)
	if err != nil {
		t.Errorf("ws.Connect(%s) error = %v, want PubSub served", wsAddr, err)
		return
	}
	defer wsc.Close()
	sub, err := wsc.SlotSubscribe()
	if err == nil {
		_, err = sub.Recv(ctx)
	}
	if err != nil {
		t.Errorf("SlotSubscribe() at %s error = %v, want a slot notification", wsAddr, err)
	}
}

func TestBindsListenAddress(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
	}{
		{"flag", nil, []string{"-listen", "127.0.0.1:0", "-ws-listen", "127.0.0.1:0"}},
		{"env", []string{listenEnv + "=127.0.0.1:0", wsListenEnv + "=127.0.0.1:0"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			line := serveAndStop(t, spawn(t, tc.env, nil, nil, tc.args...))
			if line["socket_activated"] != false {
				t.Errorf("socket_activated = %v, want false", line["socket_activated"])
			}
		})
	}
}

// handOver opens a listening socket on addr as a file to pass as an
// extra fd; the file keeps the socket open after the listener is closed.
func handOver(t *testing.T, addr string) (*os.File, string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	_ = ln.Close()
	t.Cleanup(func() { _ = f.Close() })
	return f, ln.Addr().String()
}

// freePair finds a port p with p+1 free too, for the port + 1 rule.
func freePair(t *testing.T) string {
	t.Helper()
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		next, err := solanasim.NextPort(addr)
		if err == nil {
			var nl net.Listener
			if nl, err = net.Listen("tcp", next); err == nil {
				_ = nl.Close()
			}
		}
		_ = ln.Close()
		if err == nil {
			return addr
		}
	}
	t.Fatal("no free port pair on 127.0.0.1")
	return ""
}

// LISTEN_PID must name the process that reads it: exec keeps the shell's
// pid, so the shell can fill it in.
var listenPIDShell = []string{"/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" "$@"`}

// TestUsesHandedOverSocket hands listening sockets over from fd 3 the way
// systemd (or vigil) does; -listen is unusable so falling back would fail.
// Without a socket named "ws", PubSub binds the RPC port + 1.
func TestUsesHandedOverSocket(t *testing.T) {
	t.Run("rpc and ws", func(t *testing.T) {
		rpcFile, rpcAddr := handOver(t, "127.0.0.1:0")
		wsFile, wsAddr := handOver(t, "127.0.0.1:0")
		c := spawn(t, []string{"LISTEN_FDS=2", "LISTEN_FDNAMES=rpc:ws"}, []*os.File{rpcFile, wsFile},
			listenPIDShell, "-listen", "256.0.0.1:1", "-ws-listen", "256.0.0.1:1")
		line := serveAndStop(t, c)
		if line["addr"] != rpcAddr || line["ws_addr"] != wsAddr || line["socket_activated"] != true || line["ws_socket_activated"] != true {
			t.Errorf("listening on %v / %v (activated %v / %v), want handed-over %s / %s",
				line["addr"], line["ws_addr"], line["socket_activated"], line["ws_socket_activated"], rpcAddr, wsAddr)
		}
	})
	t.Run("rpc only", func(t *testing.T) {
		rpcAddr := freePair(t)
		rpcFile, _ := handOver(t, rpcAddr)
		c := spawn(t, []string{"LISTEN_FDS=1"}, []*os.File{rpcFile}, listenPIDShell, "-listen", "256.0.0.1:1")
		line := serveAndStop(t, c)
		want, _ := solanasim.NextPort(rpcAddr)
		if line["addr"] != rpcAddr || line["ws_addr"] != want || line["ws_socket_activated"] != false {
			t.Errorf("listening on %v / %v (ws activated %v), want handed-over %s and bound %s",
				line["addr"], line["ws_addr"], line["ws_socket_activated"], rpcAddr, want)
		}
	})
}

func TestRejectsBadProgramID(t *testing.T) {
	c := spawn(t, nil, nil, nil, "-listen", "127.0.0.1:0", "-ws-listen", "127.0.0.1:0", "-program", "not-a-key")
	if code := c.wait(t); code != 1 {
		t.Fatalf("exit code = %d, want 1", code)
	}
	line := c.logged("solanasim failed")
	if errText, _ := line["err"].(string); !strings.Contains(errText, "not a base58 public key") {
		t.Errorf("failure log = %v, want it to say the program id is not a base58 public key", line)
	}
}
