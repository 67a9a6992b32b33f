package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilhq/vigil/scenarios/stack/stacktest"
)

// systemdImage is built by ci/systemd-image.sh (make test runs it).
const systemdImage = "vigil/systemd:latest"

// systemdRunFlags boot systemd 252 as PID 1 on this host: cgroup v1, and no
// CAP_SYS_RESOURCE, so --privileged fails ("unable to apply caps"). The same
// list is in ci/systemd-image.sh and docs/operations.md.
var systemdRunFlags = []string{
	"--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
	"--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
	"--security-opt", "systempaths=unconfined",
	"--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
	"--tmpfs", "/run", "--tmpfs", "/run/lock",
}

// systemdBox is a container running systemd as PID 1, with this test's
// static binaries mounted read-only at /opt/vigil/bin.
type systemdBox struct {
	t    testing.TB
	name string
	ip   string
}

// bootSystemd builds the static watchdog and sdsvc binaries, boots the
// systemd image and waits until the system is running. A missing engine or
// image, or a boot that fails, is a missing prerequisite: fatal under CI=true,
// a loud skip elsewhere. The container is removed when the test ends.
func bootSystemd(t *testing.T) *systemdBox {
	t.Helper()
	if err := exec.Command("docker", "image", "inspect", systemdImage).Run(); err != nil {
		stacktest.MissingPrerequisite(t, fmt.Errorf("no %s image (run ci/docker.sh, then ci/systemd-image.sh): %v", systemdImage, err))
	}
	bin := t.TempDir()
	for pkg, out := range map[string]string{".": "watchdog", "./testdata/sdsvc": "sdsvc"} {
		cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(bin, out), pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	b := &systemdBox{t: t, name: fmt.Sprintf("vigil-systemd-test-%d", os.Getpid())}
	args := append([]string{"run", "-d", "--name", b.name, "--label", "vigil.test=systemd"}, systemdRunFlags...)
	args = append(args, "-v", bin+":/opt/vigil/bin:ro", systemdImage)
	if out, err := docker(t, 60*time.Second, nil, args...); err != nil {
		stacktest.MissingPrerequisite(t, fmt.Errorf("docker run %s: %v: %s", systemdImage, err, out))
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := b.exec("journalctl", "--no-pager", "-n", "80", "-u", "vigil")
			t.Logf("journal of vigil.service (last 80 lines):\n%s", out)
		}
		if out, err := docker(t, 60*time.Second, nil, "rm", "-f", "-v", b.name); err != nil {
			t.Errorf("docker rm %s: %v: %s", b.name, err, out)
		}
	})
	state := ""
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		state, _ = b.exec("systemctl", "is-system-running")
		if state == "running" || state == "degraded" {
			break
		}
	}
	if state != "running" {
		failed, _ := b.exec("systemctl", "--failed", "--no-legend")
		logs, _ := docker(t, 10*time.Second, nil, "logs", "--tail", "40", b.name)
		stacktest.MissingPrerequisite(t, fmt.Errorf("systemd did not boot in %s (state %q; failed units: %s)\n%s", systemdImage, state, failed, logs))
	}
	ip, err := docker(t, 10*time.Second, nil, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", b.name)
	if err != nil || ip == "" {
		t.Fatalf("container address: %v %q", err, ip)
	}
	b.ip = ip
	return b
}

// docker runs the docker CLI with a deadline and returns its trimmed output.
func docker(t testing.TB, timeout time.Duration, stdin io.Reader, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdin = stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// exec runs a command in the box (30 s at most).
func (b *systemdBox) exec(args ...string) (string, error) {
	return docker(b.t, 30*time.Second, nil, append([]string{"exec", b.name}, args...)...)
}

// must runs a command in the box and fails the test if it fails.
func (b *systemdBox) must(t testing.TB, args ...string) string {
	t.Helper()
	out, err := b.exec(args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// write puts content at path in the box.
func (b *systemdBox) write(t testing.TB, path, content string) {
	t.Helper()
	if out, err := docker(t, 30*time.Second, strings.NewReader(content), "exec", "-i", b.name, "sh", "-c", `mkdir -p "$(dirname "$1")" && cat >"$1"`, "sh", path); err != nil {
		t.Fatalf("write %s: %v: %s", path, err, out)
	}
}

// prop is `systemctl show -p NAME --value unit`.
func (b *systemdBox) prop(t testing.TB, unit, name string) string {
	t.Helper()
	return b.must(t, "systemctl", "show", "-p", name, "--value", unit)
}

// waitProp polls a unit property every 20 ms until ok accepts it or within
// passes; it returns the last value and how long it took.
func (b *systemdBox) waitProp(t testing.TB, unit, name string, within time.Duration, ok func(string) bool) (string, time.Duration, bool) {
	t.Helper()
	start := time.Now()
	for {
		v := b.prop(t, unit, name)
		if ok(v) {
			return v, time.Since(start), true
		}
		if time.Since(start) > within {
			return v, time.Since(start), false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// answer GETs http://box:port/path once on a new connection.
func (b *systemdBox) answer(port int, path string) (string, error) {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(fmt.Sprintf("http://%s:%d%s", b.ip, port, path))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return string(body), nil
}

// prober GETs / on each port every 50 ms until stopped, each probe on a new
// connection, and counts the failures.
type prober struct {
	stop   context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	probes int
	failed []string
}

func (b *systemdBox) probe(ports ...int) *prober {
	ctx, cancel := context.WithCancel(context.Background())
	p := &prober{stop: cancel}
	for _, port := range ports {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				_, err := b.answer(port, "/")
				p.mu.Lock()
				p.probes++
				if err != nil {
					p.failed = append(p.failed, fmt.Sprintf("%s :%d: %v", time.Now().Format("15:04:05.000"), port, err))
				}
				p.mu.Unlock()
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		}()
	}
	return p
}

// done stops the probers and returns the probe count and the failures.
func (p *prober) done() (int, []string) {
	p.stop()
	p.wg.Wait()
	return p.probes, p.failed
}
