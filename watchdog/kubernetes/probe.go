package kubernetes

import (
	"fmt"
	"maps"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/vigilhq/vigil/watchdog/config"
)

// probe maps a service's liveness or readiness checks to one probe: the
// first check Kubernetes can run (http, tcp or exec against the pod itself);
// the others are gaps, since a container has one probe of each kind.
func (e *exporter) probe(kind string, checks []config.Check) *corev1.Probe {
	var p *corev1.Probe
	for i := range checks {
		c := &checks[i]
		what := fmt.Sprintf("health.%s %s (%s)", kind, c.Name, c.Kind())
		if p != nil {
			e.gap(what, "a container has one "+kind+" probe: combine the checks in one endpoint or an exec script")
			continue
		}
		h, instead := e.handler(c)
		if h == nil {
			e.gap(what, instead)
			continue
		}
		p = &corev1.Probe{
			ProbeHandler:        *h,
			InitialDelaySeconds: seconds(c.StartPeriod, 0),
			PeriodSeconds:       seconds(c.Interval, 1),
			TimeoutSeconds:      seconds(c.Timeout, 1),
			FailureThreshold:    int32(c.Failures),
			SuccessThreshold:    int32(c.Successes),
		}
		if kind == "liveness" && c.Successes != 1 {
			p.SuccessThreshold = 1
			e.gap(fmt.Sprintf("%s successes: %d", what, c.Successes), "Kubernetes requires successThreshold 1 for liveness")
		}
		if !c.IsCritical() {
			e.gap(what+" critical: false", "a failing probe is never just degraded in Kubernetes: drop the probe or accept that it acts")
		}
	}
	return p
}

// handler maps one check, or says why it cannot.
func (e *exporter) handler(c *config.Check) (*corev1.ProbeHandler, string) {
	switch {
	case c.HTTP != nil:
		return e.httpGet(c.HTTP)
	case c.TCP != nil:
		port, ok := localPort(c.TCP.Address)
		if !ok {
			return nil, "tcp.address " + c.TCP.Address + " is not this pod: probe it from the program that depends on it, or with a readiness gate"
		}
		if c.TCP.Send != "" || c.TCP.Expect != "" {
			return nil, "tcpSocket only connects: put the send/expect exchange in an exec probe"
		}
		return &corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port)}}, ""
	case c.Exec != nil:
		return &corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: c.Exec.Command}}, ""
	case c.Postgres != nil:
		return nil, "an exec probe running pg_isready (or psql -c) against the DSN from the Secret, or a readiness gate fed by a Postgres exporter"
	case c.Solana != nil:
		return nil, "an exec probe calling getHealth/getSlot on the RPC URL, or a readiness gate; slot_advance and max_slot_lag need a script or an exporter"
	case c.Process != nil:
		return nil, "resources.limits for memory; no file-descriptor limit probe"
	}
	return nil, "unknown check kind"
}

// httpGet maps an HTTP check on this pod's own address to an httpGet probe.
func (e *exporter) httpGet(h *config.HTTPCheck) (*corev1.ProbeHandler, string) {
	u, err := url.Parse(h.URL)
	if err != nil {
		return nil, "the URL does not parse: " + err.Error()
	}
	port, ok := localPort(u.Host)
	if !ok && u.Port() == "" {
		port, ok = defaultPort(u)
	}
	if !ok {
		return nil, "http.url " + h.URL + " is not this pod: probe it from the program that depends on it, or with a readiness gate"
	}
	if h.Method != "GET" || h.BodyContains != "" || h.BodyRegex != "" || len(h.JSON) > 0 || h.InsecureSkipVerify || len(h.Status) > 0 {
		e.gap("http check of "+h.URL+" beyond GET and a 2xx-3xx status (method, body, json, status list, TLS skip)",
			"httpGet passes on any status from 200 to 399: move the deeper expectations into the endpoint, or use an exec probe")
	}
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	get := &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(port), Scheme: corev1.URISchemeHTTP}
	if u.Scheme == "https" {
		get.Scheme = corev1.URISchemeHTTPS
	}
	for _, k := range slices.Sorted(maps.Keys(h.Headers)) {
		get.HTTPHeaders = append(get.HTTPHeaders, corev1.HTTPHeader{Name: k, Value: h.Headers[k]})
	}
	return &corev1.ProbeHandler{HTTPGet: get}, ""
}

// localPort is the port of host:port when the host is the pod itself.
func localPort(hostport string) (int32, bool) {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return 0, false
	}
	if host != "localhost" && host != "" && !net.ParseIP(host).IsLoopback() && !net.ParseIP(host).IsUnspecified() {
		return 0, false
	}
	n, err := strconv.ParseUint(p, 10, 16)
	return int32(n), err == nil && n > 0
}

// defaultPort is 80 or 443 for a URL without a port on the pod itself.
func defaultPort(u *url.URL) (int32, bool) {
	h := u.Hostname()
	if h != "localhost" && !net.ParseIP(h).IsLoopback() {
		return 0, false
	}
	if u.Scheme == "https" {
		return 443, true
	}
	return 80, true
}

// seconds rounds d up to whole seconds, at least floor.
func seconds(d time.Duration, floor int32) int32 {
	return max(floor, int32(math.Ceil(d.Seconds())))
}
