package proc

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Holder is a process listening on a TCP port.
type Holder struct {
	Port    int
	PID     int // 0 when the socket's owner is not visible (another namespace, no permission)
	Command string
}

// String says who holds the port in words an operator can act on.
func (h Holder) String() string {
	if h.PID == 0 {
		return fmt.Sprintf("port %d is held by a process this watchdog cannot see", h.Port)
	}
	return fmt.Sprintf("port %d is held by pid %d (%s)", h.Port, h.PID, h.Command)
}

const tcpListen = "0A"

// listeningInodes maps socket inodes to their port for every TCP socket in
// LISTEN state on one of ports, from /proc/net/tcp and tcp6.
func listeningInodes(ports map[int]bool) map[string]int {
	out := map[string]int{}
	for _, f := range []string{"net/tcp", "net/tcp6"} {
		fh, err := os.Open(filepath.Join(ProcRoot, f))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != tcpListen {
				continue
			}
			local := fields[1]
			i := strings.LastIndexByte(local, ':')
			port, err := strconv.ParseInt(local[i+1:], 16, 32)
			if err != nil || !ports[int(port)] {
				continue
			}
			out["socket:["+fields[9]+"]"] = int(port)
		}
		fh.Close()
	}
	return out
}

// PortHolders finds the processes listening on any of ports. A port in
// LISTEN state whose owner is not visible is reported with PID 0.
func PortHolders(ports []int) []Holder {
	if portsBindable(ports) {
		return nil
	}
	want := map[int]bool{}
	for _, p := range ports {
		want[p] = true
	}
	inodes := listeningInodes(want)
	if len(inodes) == 0 {
		return nil
	}
	found := map[int]Holder{}
	for _, pid := range pids() {
		dir := filepath.Join(ProcRoot, strconv.Itoa(pid), "fd")
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			link, err := os.Readlink(filepath.Join(dir, e.Name()))
			if err != nil {
				continue
			}
			if port, ok := inodes[link]; ok {
				if _, seen := found[port]; !seen {
					found[port] = Holder{Port: port, PID: pid, Command: Cmdline(pid)}
				}
			}
		}
		if len(found) == len(inodes) {
			break
		}
	}
	var out []Holder
	for _, port := range ports {
		if h, ok := found[port]; ok {
			out = append(out, h)
			continue
		}
		for _, p := range inodes {
			if p == port {
				out = append(out, Holder{Port: port})
				break
			}
		}
	}
	return out
}

// portsBindable reports whether every port can be bound on the wildcard
// address right now: then nobody listens on it and /proc need not be read.
func portsBindable(ports []int) bool {
	for _, p := range ports {
		l, err := net.Listen("tcp", ":"+strconv.Itoa(p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}
