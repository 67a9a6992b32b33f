#!/usr/bin/env bash
# ci/monitoring.sh — make sure Prometheus' tools are on this machine, from
# Debian: promtool and prometheus (package prometheus) and
# prometheus-alertmanager. The alerting tests run the real ones
# (watchdog/alert: Alertmanager; docs/monitoring: promtool).
#
# Idempotent: installs only what is missing. The packages' services are not
# started (there is no init here; the tests start what they need on free
# loopback ports). Needs root when it has to install.
set -euo pipefail

say() { printf 'ci/monitoring.sh: %s\n' "$*" >&2; }

missing=()
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
if [ ${#missing[@]} -eq 0 ]; then
	say "promtool, prometheus and prometheus-alertmanager present; nothing to do"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	say "missing ${missing[*]} and not root: apt-get install ${missing[*]} yourself"
	exit 1
fi
say "installing ${missing[*]} from Debian"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
	{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
command -v promtool >/dev/null && command -v prometheus-alertmanager >/dev/null
say "ready: $(promtool --version 2>&1 | head -n1); $(prometheus-alertmanager --version 2>&1 | head -n1)"
