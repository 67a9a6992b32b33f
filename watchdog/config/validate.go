package config

import (
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// maxSocketPath is the longest unix socket path Linux accepts.
const maxSocketPath = 107

var serviceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// validator checks decoded values, placing each problem at the line where
// its key (or nearest written parent) is.
type validator struct {
	errs *errorList
	pos  map[string]position
	// failed holds paths that already failed to decode; checks on them or
	// inside them would only repeat the problem.
	failed []string
}

func newValidator(errs *errorList, pos map[string]position, failed []string) *validator {
	return &validator{errs: errs, pos: pos, failed: failed}
}

// at returns the position of path or of its nearest written parent.
func (v *validator) at(path string) position {
	for p := path; p != ""; p = parent(p) {
		if pos, ok := v.pos[p]; ok {
			return pos
		}
	}
	return position{}
}

func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func (v *validator) errf(path, format string, args ...any) {
	for _, f := range v.failed {
		if f == path || strings.HasPrefix(path, f+".") || strings.HasPrefix(path, f+"[") {
			return
		}
	}
	p := v.at(path)
	v.errs.add(p.Line, p.Column, path, format, args...)
}

// written reports whether path was written in the file.
func (v *validator) written(path string) bool {
	_, ok := v.pos[path]
	return ok
}

func (v *validator) config(c *Config) {
	switch {
	case c.Version == 0 && !v.written("version"):
		v.errs.add(1, 1, "version", `missing: add "version: 1" at the top of the file`)
	case c.Version != 1:
		v.errf("version", "unsupported version %d: this vigil reads version 1", c.Version)
	}
	v.api(c.API)
	names := c.serviceNames()
	switch {
	case len(names) == 0:
		v.errf("services", "no services: add at least one under services: with a command")
	case len(names) > maxServices:
		v.errf("services", "%d services, more than the %d one watchdog supervises: split them across several vigil.yaml files, each with its own watchdog", len(names), maxServices)
		return // checking each of them would only slow the refusal down
	}
	for _, name := range names {
		v.service(name, c.Services[name])
	}
	v.ports(c, names)
	v.dependencies(c, names)
	v.alerts(c.Alerts)
}

func (v *validator) api(a API) {
	if a.Listen != "" {
		v.listen("api.listen", a.Listen)
	}
	if a.TokenEnv != "" && !validEnvName(a.TokenEnv) {
		v.errf("api.token_env", "%q is not an environment variable name: write the name (VIGIL_TOKEN), not the token", a.TokenEnv)
	}
	if len(a.Socket) > maxSocketPath {
		v.errf("api.socket", "socket path is %d bytes, longer than the %d Linux allows: choose a shorter path", len(a.Socket), maxSocketPath)
	}
}

func (v *validator) service(name string, s *Service) {
	p := "services." + name
	if !serviceName.MatchString(name) {
		v.errf(p, "invalid service name %q: use letters, digits, '.', '_' and '-' (it names log files and metrics)", name)
	}
	v.command(p, s)
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		if !validEnvName(k) {
			v.errf(p+".env."+k, "invalid variable name %q: use letters, digits and _ (not starting with a digit)", k)
		}
		v.noNUL(p+".env."+k, s.Env[k])
	}
	for _, k := range slices.Sorted(maps.Keys(s.SecretEnv)) {
		v.noNUL(p+".env_file", s.SecretEnv[k])
	}
	for _, f := range []struct{ key, val string }{{"dir", s.Dir}, {"user", s.User}, {"group", s.Group}} {
		v.noNUL(p+"."+f.key, f.val)
	}
	v.restart(p+".restart", s.Restart)
	if _, ok := stopSignals[s.Stop.Signal]; !ok {
		v.errf(p+".stop.signal", "unknown signal %q: use one of %s", s.Stop.Signal, strings.Join(signalNames(), ", "))
	}
	if s.Stop.Timeout <= 0 {
		v.errf(p+".stop.timeout", "must be more than 0: it is how long to wait before SIGKILL")
	}
	policies := []string{string(PortWait), string(PortKillHolder), string(PortFail)}
	if !slices.Contains(policies, string(s.PortConflict)) {
		v.errf(p+".port_conflict", "unknown policy %q: %s", s.PortConflict, didYouMean(string(s.PortConflict), policies))
	}
	for i, sock := range s.Sockets {
		sp := fmt.Sprintf("%s.sockets[%d].listen", p, i)
		if strings.TrimSpace(sock.Listen) == "" {
			v.errf(sp, "missing: set the address to listen on, such as 127.0.0.1:8080")
		} else {
			v.listen(sp, sock.Listen)
		}
	}
	v.checks(p, s)
}

func (v *validator) command(p string, s *Service) {
	switch {
	case len(s.Command) == 0:
		v.errf(p+".command", `missing: add command: ["./bin/%s", "--flag"] (a list: program then arguments)`, s.Name)
	case s.Shell && len(s.Command) > 1:
		v.errf(p+".command", "shell: true runs one script with sh -c, but command has %d items: write it as one string, command: \"a && b\"", len(s.Command))
	case !s.Shell && len(s.Command) == 1 && strings.ContainsAny(s.Command[0], " \t"):
		v.errf(p+".command", "%q is one string with spaces: write it as a list [\"prog\", \"arg\"] or set shell: true", s.Command[0])
	}
	if len(s.Command) > 0 && strings.TrimSpace(s.Command[0]) == "" {
		v.errf(p+".command[0]", "the program is empty: name the program to run")
	}
	v.argv(p+".command", s.Command)
}

// argv refuses a command that exec cannot run as written: a program written
// as a number, boolean or null, and NUL bytes in any item.
func (v *validator) argv(p string, argv []string) {
	// A lone scalar (command: 1) is recorded at p, a list's program at p[0].
	for _, at := range []string{p + "[0]", p} {
		if pos, ok := v.pos[at]; ok {
			if kind := nonString(pos.Tag); kind != "" && len(argv) > 0 {
				v.errf(at, "the program %s is %s, not a program name: name the program to run (quote it if a program is really called that)", strconv.Quote(pos.Raw), kind)
			}
			break
		}
	}
	for i, arg := range argv {
		v.noNUL(fmt.Sprintf("%s[%d]", p, i), arg)
	}
}

// nonString names the YAML types a program name cannot be written as, or
// returns "".
func nonString(tag string) string {
	switch tag {
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "null"
	}
	return ""
}

// noNUL refuses a NUL byte, which no argument, environment value, path or
// name passed to exec can hold. The value is not shown: it may be a secret.
func (v *validator) noNUL(p, s string) {
	if strings.IndexByte(s, 0) >= 0 {
		v.errf(p, `holds a NUL byte ("\0"), which exec cannot pass on: remove it`)
	}
}

// listen requires host:port with a port of 0-65535 (0: any free port), as
// net.Listen takes it.
func (v *validator) listen(p, addr string) {
	_, port, err := net.SplitHostPort(addr)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		v.errf(p, "invalid address %s: write host:port with a port of 0-65535, such as 127.0.0.1:9090", v.asWritten(p))
	}
}

func (v *validator) restart(p string, r Restart) {
	policies := []string{string(RestartAlways), string(RestartOnFailure), string(RestartNever)}
	if !slices.Contains(policies, string(r.Policy)) {
		v.errf(p+".policy", "unknown policy %q: %s", r.Policy, didYouMean(string(r.Policy), policies))
	}
	b := r.Backoff
	switch {
	case b.Max <= 0:
		v.errf(p+".backoff.max", "must be more than 0: it caps the wait between restarts")
	case b.Min > b.Max:
		v.errf(p+".backoff.min", "min %s is above max %s: lower min or raise max", b.Min, b.Max)
	}
	if b.Multiplier < 1 {
		v.errf(p+".backoff.multiplier", "%g is below 1: use 1 (constant) or more (exponential)", b.Multiplier)
	}
	if b.Jitter > 1 {
		v.errf(p+".backoff.jitter", "%g is above 1: jitter is a fraction such as 0.2", b.Jitter)
	}
	if r.ResetAfter <= 0 {
		v.errf(p+".reset_after", "must be more than 0: uptime after which backoff starts over")
	}
	if r.Limit.Burst < 1 {
		v.errf(p+".limit.burst", "must be at least 1: starts allowed within limit.interval")
	}
	if r.Limit.Interval <= 0 {
		v.errf(p+".limit.interval", "must be more than 0, such as 60s")
	}
	if r.Limit.Cooldown <= 0 {
		v.errf(p+".limit.cooldown", "must be more than 0, such as 5m")
	}
}

// ports refuses out-of-range ports and ports declared twice.
func (v *validator) ports(c *Config, names []string) {
	type owner struct {
		service string
		line    int
	}
	owners := map[int]owner{}
	for _, name := range names {
		for i, port := range c.Services[name].Ports {
			p := fmt.Sprintf("services.%s.ports[%d]", name, i)
			if port < 1 || port > 65535 {
				v.errf(p, "port %d is out of range: use 1-65535", port)
				continue
			}
			o, taken := owners[port]
			switch {
			case !taken:
				owners[port] = owner{name, v.at(p).Line}
			case o.service == name:
				v.errf(p, "port %d is listed twice: remove one", port)
			default:
				v.errf(p, "port %d is already declared by service %q (line %d): each port belongs to one service", port, o.service, o.line)
			}
		}
	}
}

// dependencies refuses unknown services, bad conditions and cycles.
func (v *validator) dependencies(c *Config, names []string) {
	conds := []string{string(ConditionStarted), string(ConditionHealthy)}
	for _, name := range names {
		s := c.Services[name]
		for _, dep := range slices.Sorted(maps.Keys(s.DependsOn)) {
			p := fmt.Sprintf("services.%s.depends_on.%s", name, dep)
			if _, ok := c.Services[dep]; !ok {
				v.errf(p, "unknown service %q: %s", dep, didYouMean(dep, names))
			}
			if cond := string(s.DependsOn[dep]); !slices.Contains(conds, cond) {
				v.errf(p, "unknown condition %q: use started or healthy", cond)
			}
		}
	}
	v.cycles(c, names)
}

func (v *validator) cycles(c *Config, names []string) {
	const (
		unvisited = iota
		onStack
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		state[name] = onStack
		stack = append(stack, name)
		for _, dep := range slices.Sorted(maps.Keys(c.Services[name].DependsOn)) {
			if c.Services[dep] == nil {
				continue
			}
			switch state[dep] {
			case unvisited:
				visit(dep)
			case onStack:
				i := len(stack) - 1
				for stack[i] != dep {
					i--
				}
				cycle := append(append([]string(nil), stack[i:]...), dep)
				v.errf(fmt.Sprintf("services.%s.depends_on.%s", name, dep),
					"dependency cycle %s: remove one of these depends_on entries", strings.Join(cycle, " -> "))
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = done
	}
	for _, name := range names {
		if state[name] == unvisited {
			visit(name)
		}
	}
}

func (v *validator) alerts(alerts []Alert) {
	seen := map[string]int{}
	for i, a := range alerts {
		p := fmt.Sprintf("alerts[%d]", i)
		if n := a.kindCount(); n != 1 {
			v.errf(p, "an alert needs exactly one of file, webhook, alertmanager or exec, found %d: split it into separate list items or add one", n)
		}
		if a.File != nil && strings.TrimSpace(a.File.Path) == "" {
			v.errf(p+".file.path", "missing: set the file to append JSON lines to")
		}
		if w := a.Webhook; w != nil {
			v.url(p+".webhook.url", w.URL)
			if w.Timeout <= 0 {
				v.errf(p+".webhook.timeout", "must be more than 0, such as 5s")
			}
			if w.Queue < 1 {
				v.errf(p+".webhook.queue", "must be at least 1: the number of events buffered for delivery")
			}
		}
		if am := a.Alertmanager; am != nil {
			v.alertmanager(p+".alertmanager", am)
		}
		if a.Exec != nil {
			if len(a.Exec.Command) == 0 || a.Exec.Command[0] == "" {
				v.errf(p+".exec.command", `missing: add command: ["./bin/notify"]`)
			}
			v.argv(p+".exec.command", a.Exec.Command)
		}
		kinds := AlertEventKinds()
		for j, e := range a.Events {
			if !slices.Contains(kinds, e) {
				v.errf(fmt.Sprintf("%s.events[%d]", p, j), "%q does not alert: %s", e, didYouMean(e, kinds))
			}
		}
		if first, dup := seen[a.Name]; dup && a.Name != "" {
			v.errf(p, "alert name %q is also used by alerts[%d]: give each alert its own name", a.Name, first)
		} else {
			seen[a.Name] = i
		}
	}
}

// amLabel is a Prometheus label name.
var amLabel = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

func (v *validator) alertmanager(p string, am *AlertmanagerSink) {
	v.url(p+".url", am.URL)
	if am.Timeout <= 0 {
		v.errf(p+".timeout", "must be more than 0, such as 5s")
	}
	if am.Resend <= 0 {
		v.errf(p+".resend", "must be more than 0, such as 1m: Alertmanager resolves an alert that is not re-sent")
	}
	if am.Queue < 1 {
		v.errf(p+".queue", "must be at least 1: the number of alerts buffered for delivery")
	}
	for _, k := range slices.Sorted(maps.Keys(am.Labels)) {
		switch {
		case !amLabel.MatchString(k) || strings.HasPrefix(k, "__"):
			v.errf(p+".labels."+k, "%q is not a Prometheus label name: letters, digits and _, not starting with a digit or __", k)
		case k == "alertname" || k == "service" || k == "host" || k == "severity":
			v.errf(p+".labels."+k, "%s is set by the watchdog on every alert: choose another label name", k)
		}
	}
}

func (a *Alert) kindCount() int {
	n := 0
	for _, set := range []bool{a.File != nil, a.Webhook != nil, a.Alertmanager != nil, a.Exec != nil} {
		if set {
			n++
		}
	}
	return n
}
