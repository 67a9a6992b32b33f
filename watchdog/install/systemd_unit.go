package install

import (
	"strconv"
	"strings"
)

// render writes the vigil.service unit. It is plain code, not a
// text/template: a template's reflection (method lookup by name) keeps every
// exported method of every type in the linked binary, which cost the daemon
// 2.7 MB of binary and its pages (docs/benchmarks.md).
// docs/operations.md says what every line does and why.
func (v *systemdView) render() []byte {
	var b strings.Builder
	line := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
		b.WriteByte('\n')
	}
	user, ctl := "", "systemctl"
	if v.User {
		user, ctl = " --user", "systemctl --user"
	}
	line("# ", v.Path, ": written by `watchdog install systemd", user, "`.")
	line("# Installing again overwrites this file: keep local changes in a drop-in")
	line("# (`", ctl, " edit vigil`), which survives.")
	line("# docs/operations.md says what every line does and why.")
	line("[Unit]")
	line("Description=Vigil process watchdog (", escSpecifiers(v.Config), ")")
	if !v.User {
		line("After=network-online.target")
		line("Wants=network-online.target")
	}
	line("StartLimitIntervalSec=", span(v.StartLimitInterval))
	line("StartLimitBurst=", strconv.Itoa(v.StartLimitBurst))
	line()
	line("[Service]")
	line("Type=notify")
	line("NotifyAccess=main")
	line("ExecStart=", quoteArg(v.Binary), " run -c ", quoteArg(v.Config))
	line("ExecReload=/bin/kill -HUP $MAINPID")
	line("WorkingDirectory=", escSpecifiers(v.WorkDir))
	line("Restart=always")
	line("RestartSec=", span(v.RestartSec))
	line("WatchdogSec=", span(v.WatchdogSec))
	line("TimeoutStopSec=", span(v.TimeoutStopSec))
	for _, l := range hardening {
		line(l)
	}
	if !v.User {
		caps := strings.Join(v.Capabilities, " ")
		if v.RunAs != "" {
			line("User=", escSpecifiers(v.RunAs))
			line("Group=", escSpecifiers(v.RunAs))
			line("AmbientCapabilities=", caps)
		}
		line("CapabilityBoundingSet=", caps)
		line("ProtectSystem=strict")
		line("ReadWritePaths=", quoteList(v.Writable))
		home := "yes"
		if v.UnderHome {
			home = "read-only"
		}
		line("ProtectHome=", home)
		for _, l := range systemProtection {
			line(l)
		}
	}
	line()
	line("[Install]")
	line("WantedBy=", v.WantedBy)
	return []byte(b.String())
}

// hardening is the sandbox every unit gets, --user ones too.
var hardening = []string{
	"KillMode=process",
	"UMask=0027",
	"NoNewPrivileges=yes",
	"LockPersonality=yes",
	"MemoryDenyWriteExecute=yes",
	"RestrictRealtime=yes",
	"RestrictSUIDSGID=yes",
	"RestrictNamespaces=yes",
	"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
	"SystemCallArchitectures=native",
	"SystemCallFilter=@system-service",
	"SystemCallFilter=~@resources",
	"SystemCallErrorNumber=EPERM",
}

// systemProtection is what only a system unit may set.
var systemProtection = []string{
	"PrivateTmp=yes",
	"PrivateDevices=yes",
	"PrivateMounts=yes",
	"ProtectKernelTunables=yes",
	"ProtectKernelModules=yes",
	"ProtectKernelLogs=yes",
	"ProtectControlGroups=yes",
	"ProtectClock=yes",
	"ProtectHostname=yes",
}
