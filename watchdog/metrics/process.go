package metrics

import (
	"bytes"
	"math"
	"os"
	"strconv"
	"strings"
)

// userHZ is the unit of the tick counts in /proc/<pid>/stat: fixed at 100 by
// the Linux ABI whatever the kernel's HZ.
const userHZ = 100

// ProcessCollector writes the process_* families client_golang's process
// collector writes on Linux, with the same names, types and help texts,
// read from /proc/self. A family whose source cannot be read is left out.
type ProcessCollector struct{}

// Collect implements Collector.
func (ProcessCollector) Collect(w *Writer) {
	one := func(name, help, typ string, v float64) {
		w.Family(name, help, typ)
		w.Sample(name, v)
	}
	if st, ok := readStat(); ok {
		one("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter", float64(st.utime+st.stime)/userHZ)
		one("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", float64(st.vsize))
		one("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", float64(st.rss*uint64(os.Getpagesize())))
		if boot, ok := bootTime(); ok {
			one("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge", float64(boot)+float64(st.starttime)/userHZ)
		}
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		one("process_open_fds", "Number of open file descriptors.", "gauge", float64(len(fds)))
	}
	if v, ok := limit("Max open files"); ok {
		one("process_max_fds", "Maximum number of open file descriptors.", "gauge", v)
	}
	if v, ok := limit("Max address space"); ok {
		one("process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", "gauge", v)
	}
	if in, out, ok := netOctets(); ok {
		one("process_network_receive_bytes_total", "Number of bytes received by the process over the network.", "counter", in)
		one("process_network_transmit_bytes_total", "Number of bytes sent by the process over the network.", "counter", out)
	}
}

type procStat struct {
	utime, stime, starttime, vsize, rss uint64
}

// readStat reads the fields of /proc/self/stat the collector needs.
func readStat() (procStat, bool) {
	raw, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return procStat{}, false
	}
	i := bytes.LastIndexByte(raw, ')') // comm may hold spaces and parens
	if i < 0 {
		return procStat{}, false
	}
	f := strings.Fields(string(raw[i+1:])) // f[0] is field 3 (state)
	if len(f) < 22 {
		return procStat{}, false
	}
	n := func(field int) uint64 {
		v, _ := strconv.ParseUint(f[field-3], 10, 64)
		return v
	}
	return procStat{utime: n(14), stime: n(15), starttime: n(22), vsize: n(23), rss: n(24)}, true
}

// bootTime is btime from /proc/stat: the boot time in seconds since 1970.
func bootTime() (uint64, bool) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "btime "); ok {
			v, err := strconv.ParseUint(strings.TrimSpace(rest), 10, 64)
			return v, err == nil
		}
	}
	return 0, false
}

// limit returns the soft limit named in /proc/self/limits; "unlimited" is
// the largest uint64, as client_golang reports it.
func limit(name string) (float64, bool) {
	raw, err := os.ReadFile("/proc/self/limits")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0, false
			}
			if f[0] == "unlimited" {
				return math.MaxUint64, true
			}
			v, err := strconv.ParseUint(f[0], 10, 64)
			return float64(v), err == nil
		}
	}
	return 0, false
}

// netOctets returns IpExt InOctets and OutOctets of /proc/self/net/netstat.
func netOctets() (in, out float64, ok bool) {
	raw, err := os.ReadFile("/proc/self/net/netstat")
	if err != nil {
		return 0, 0, false
	}
	var names []string
	for _, line := range strings.Split(string(raw), "\n") {
		rest, found := strings.CutPrefix(line, "IpExt:")
		if !found {
			continue
		}
		if names == nil {
			names = strings.Fields(rest)
			continue
		}
		vals := strings.Fields(rest)
		var gotIn, gotOut bool
		for i, n := range names {
			if i >= len(vals) {
				break
			}
			v, err := strconv.ParseFloat(vals[i], 64)
			if err != nil {
				continue
			}
			switch n {
			case "InOctets":
				in, gotIn = v, true
			case "OutOctets":
				out, gotOut = v, true
			}
		}
		return in, out, gotIn && gotOut
	}
	return 0, 0, false
}
