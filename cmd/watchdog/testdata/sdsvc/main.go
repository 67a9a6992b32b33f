// Command sdsvc is the service the real-systemd test (systemd_test.go)
// supervises inside a booted systemd container: a static HTTP server whose
// start is slow, whose readiness can be switched off from outside, and which
// can leave a setsid'd descendant behind, as real services do.
//
//	GET /        200 "ok <pid>" (the pid proves a service was not restarted)
//	GET /health  200, or 503 while -down-file exists
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-linger" {
		linger()
		return
	}
	port := flag.Int("port", 0, "TCP port to serve on (all addresses)")
	delay := flag.Duration("delay", 0, "wait this long before listening (a slow start)")
	downFile := flag.String("down-file", "", "while this file exists, /health answers 503")
	escape := flag.Bool("escape", false, "start a descendant in its own session that outlives a process-group kill")
	flag.Parse()
	if *escape {
		cmd := exec.Command(os.Args[0], "-linger")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "sdsvc: start descendant:", err)
			os.Exit(1)
		}
		// Not waited for: when this process dies, the descendant is reparented
		// (to the watchdog, a subreaper), as a daemonizing child would be.
		_ = cmd.Process.Release()
	}
	time.Sleep(*delay)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "ok %d", os.Getpid()) })
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		if _, err := os.Stat(*downFile); *downFile != "" && err == nil {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	err := http.ListenAndServe(fmt.Sprintf(":%d", *port), mux)
	if !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "sdsvc:", err)
		os.Exit(1)
	}
}

// linger sleeps until a signal ends it: SIGTERM is honoured, like a daemon's
// worker would.
func linger() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}
