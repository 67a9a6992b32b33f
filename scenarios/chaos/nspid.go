package chaos

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// hostPID maps pid, as seen inside the pid namespace of the process
// nsHolder (a host pid, e.g. a container's init), to its host pid by
// scanning /proc. The chaos runner runs as root on the Docker host, so it
// signals container processes directly: FROM-scratch images have no kill
// binary to exec.
func hostPID(nsHolder, pid int) (int, error) {
	want, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", nsHolder))
	if err != nil {
		return 0, fmt.Errorf("read pid namespace of %d: %w (the runner needs root on the Docker host)", nsHolder, err)
	}
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, d := range dirs {
		hp, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		ns, err := os.Readlink(filepath.Join("/proc", d.Name(), "ns/pid"))
		if err != nil || ns != want {
			continue
		}
		if inner, ok := nsPID(hp); ok && inner == pid {
			return hp, nil
		}
	}
	return 0, fmt.Errorf("no process with pid %d in the namespace of %d: did it exit?", pid, nsHolder)
}

// nsPID returns the innermost pid of host pid hp (last NSpid field).
func nsPID(hp int) (int, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", hp))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "NSpid:"); ok {
			fs := strings.Fields(rest)
			if len(fs) == 0 {
				return 0, false
			}
			n, err := strconv.Atoi(fs[len(fs)-1])
			return n, err == nil
		}
	}
	return 0, false
}
