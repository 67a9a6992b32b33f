package stack

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// missingPrerequisite is stacktest.MissingPrerequisite for this package's
// own tests, which cannot import stacktest (it imports stack).
func missingPrerequisite(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and a prerequisite is missing: %v", err)
	}
	t.Skipf("SKIPPING (prerequisite missing; with CI=true this fails): %v", err)
}

// requireDocker returns a Docker client or fails/skips per missingPrerequisite.
func requireDocker(t *testing.T) *testcontainers.DockerClient {
	t.Helper()
	setTestcontainersEnv()
	docker, err := testcontainers.NewDockerClientWithOpts(t.Context())
	if err != nil {
		missingPrerequisite(t, noDocker(err))
	}
	t.Cleanup(func() { _ = docker.Close() })
	return docker
}

// TestSweepRemovesOnlyDeadOwners labels one container as left by a dead
// process and one as ours: Sweep must remove the first and keep the second.
func TestSweepRemovesOnlyDeadOwners(t *testing.T) {
	docker := requireDocker(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	img := firstNonEmpty(os.Getenv(EnvToxiproxyImage), DefaultToxiproxyImage)
	if _, err := docker.ImageInspect(ctx, img); err != nil {
		missingPrerequisite(t, errors.Join(ErrNoImage, err))
	}
	dead, live := labels("sweep-dead-"+newRunID()), labels("sweep-live-"+newRunID())
	dead[LabelPID] = "999999999" // above pid_max: never a live process
	for _, l := range []map[string]string{dead, live} {
		c, err := testcontainers.Run(ctx, img, testcontainers.WithLabels(l), testcontainers.WithLogger(tcLogger{Options{}.withDefaults().Logger}))
		if c != nil {
			t.Cleanup(func() { _, _ = remove(context.WithoutCancel(ctx), docker, ofRun(l[LabelRun])) })
		}
		if err != nil {
			t.Fatalf("start container labelled %v: %v", l, err)
		}
	}
	if _, err := Sweep(ctx); err != nil {
		t.Fatalf("Sweep() = %v", err)
	}
	if left, err := Leftovers(ctx, dead[LabelRun]); err != nil || len(left) != 0 {
		t.Errorf("Leftovers(dead run) after Sweep = %v, %v; want none", left, err)
	}
	if left, err := Leftovers(ctx, live[LabelRun]); err != nil || len(left) != 1 {
		t.Errorf("Leftovers(live run) after Sweep = %v, %v; want its one container", left, err)
	}
}

// helperEnv makes the test binary act as TestInterruptHelper's child.
const helperEnv = "VIGIL_STACK_INTERRUPT_HELPER_RUN"

// TestInterruptRemovesContainers runs Up in a child process, interrupts it
// (Ctrl-C) and proves the child removed its containers and then died of the
// signal.
func TestInterruptRemovesContainers(t *testing.T) {
	requireDocker(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	runID := "interrupt-" + newRunID()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestInterruptHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+runID)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	up := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "SKIP ") {
			_ = cmd.Wait()
			missingPrerequisite(t, errors.New(strings.TrimPrefix(line, "SKIP ")))
		}
		if line == "UP" {
			up = true
			break
		}
	}
	if !up {
		_ = cmd.Wait()
		t.Fatalf("helper ended before its stack was up (scan err %v)", sc.Err())
	}
	if left, _ := Leftovers(ctx, runID); len(left) == 0 {
		t.Fatalf("Leftovers(%s) before the interrupt = none, want the helper's containers", runID)
	}
	began := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("helper exit = %v (%v), want death by SIGINT", err, cmd.ProcessState)
	}
	t.Logf("helper cleaned up and died %v after SIGINT", time.Since(began).Round(time.Millisecond))
	if left, err := Leftovers(ctx, runID); err != nil || len(left) != 0 {
		t.Errorf("Leftovers(%s) after SIGINT = %v, %v; want none", runID, left, err)
	}
}

// TestInterruptHelper is the child of TestInterruptRemovesContainers: it
// brings a stack up, prints UP and waits to be interrupted.
func TestInterruptHelper(t *testing.T) {
	runID := os.Getenv(helperEnv)
	if runID == "" {
		t.Skip("helper process for TestInterruptRemovesContainers")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	s, err := Up(ctx, Options{RunID: runID, Solana: SolanaOff})
	if err != nil {
		if errors.Is(err, ErrNoDocker) || errors.Is(err, ErrNoImage) {
			os.Stdout.WriteString("SKIP " + err.Error() + "\n")
			return
		}
		t.Fatal(err)
	}
	defer s.Down(context.WithoutCancel(ctx))
	os.Stdout.WriteString("UP\n")
	<-ctx.Done() // the parent's SIGINT ends the process before this
}
