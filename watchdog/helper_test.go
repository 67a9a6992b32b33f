package watchdog_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/jackc/pgx/v5"
	"github.com/vigilhq/vigil/watchdog/proc/proctest"

	"github.com/vigilhq/vigil/watchdog"
)

// TestMain doubles as the programs the tests supervise (os/exec's
// self-re-exec pattern): with VIGIL_HELPER set it runs one of them.
func TestMain(m *testing.M) {
	watchdog.ExecShim()
	if mode := os.Getenv("VIGIL_HELPER"); mode != "" {
		os.Exit(helperMain(mode, os.Args[1:]))
	}
	proctest.VerifyTestMain(m)
}

func helperMain(mode string, args []string) int {
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	switch mode {
	case "http": // http PORT: serve /health until killed
		l, err := net.Listen("tcp", "127.0.0.1:"+arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			return 3
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "ok %d", os.Getpid()) })
		_ = http.Serve(l, mux)
		return 0
	case "slowbind": // slowbind PORT AFTER: listen on PORT only after AFTER, then serve until killed
		d, _ := time.ParseDuration(arg(1))
		time.Sleep(d)
		l, err := net.Listen("tcp", "127.0.0.1:"+arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			return 3
		}
		for {
			c, err := l.Accept()
			if err != nil {
				return 0
			}
			c.Close()
		}
	case "exit": // exit CODE AFTER
		d, _ := time.ParseDuration(arg(1))
		time.Sleep(d)
		code, _ := strconv.Atoi(arg(0))
		return code
	case "sleep": // sleep forever, exit 0 on SIGTERM
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM)
		fmt.Println("ready")
		<-c
		return 0
	case "stubborn": // ignore SIGTERM
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		select {}
	case "fork": // start a grandchild in our group that ignores SIGTERM, print its pid
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "VIGIL_HELPER=stubborn")
		if err := cmd.Start(); err != nil {
			return 4
		}
		if f := arg(0); f != "" {
			_ = os.WriteFile(f, []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
		}
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM)
		<-c
		return 0
	case "pgweb": // pgweb PORT DSN: /health answers 200 only when Postgres answers SELECT 1
		return pgWeb(arg(0), arg(1))
	case "activated": // serve /health on the socket handed over (LISTEN_FDS), never binding itself
		ls, err := activation.Listeners()
		if err != nil || len(ls) != 1 {
			fmt.Fprintln(os.Stderr, "activation:", err, len(ls), os.Getenv("LISTEN_PID"), os.Getpid())
			return 5
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "ok %d", os.Getpid()) })
		_ = http.Serve(ls[0], mux)
		return 0
	case "hold": // hold PORT: a stranger holding a port
		l, err := net.Listen("tcp", "127.0.0.1:"+arg(0))
		if err != nil {
			return 3
		}
		defer l.Close()
		select {}
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	return 2
}

// helperCmd returns the command list for a helper mode in YAML flow syntax.
func helperCmd(t *testing.T, args ...string) string {
	t.Helper()
	s := fmt.Sprintf("[%q", os.Args[0])
	for _, a := range args {
		s += fmt.Sprintf(", %q", a)
	}
	return s + "]"
}

func pgWeb(port, dsn string) int {
	l, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		return 3
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 300*time.Millisecond)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			defer conn.Close(context.Background())
			err = conn.Ping(ctx)
		}
		if err != nil {
			http.Error(w, "db: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	_ = http.Serve(l, mux)
	return 0
}
