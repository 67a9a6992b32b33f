#!/usr/bin/env bash
# ci/docker.sh — make sure a Docker engine answers on this machine.
#
# Idempotent: if `docker info` already answers it does nothing. Otherwise it
# installs docker.io (and iptables) from Debian when dockerd is missing,
# starts dockerd in the background (log: $VIGIL_DOCKERD_LOG), and waits up to
# $VIGIL_DOCKERD_WAIT seconds for `docker info`. On failure it prints the log
# tail and exits 1. Needs root when it has to install or start the engine.
set -euo pipefail

LOG=${VIGIL_DOCKERD_LOG:-/var/log/vigil-dockerd.log}
WAIT=${VIGIL_DOCKERD_WAIT:-60}

say() { printf 'ci/docker.sh: %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then
	say "docker engine already answers; nothing to do"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	say "no docker engine answers and we are not root: start dockerd yourself or rerun as root"
	exit 1
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v iptables >/dev/null 2>&1; then
	say "installing docker.io and iptables from Debian"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends docker.io iptables ca-certificates
fi

# A dockerd may be running but still starting; only start another if none is.
if ! { command -v pgrep >/dev/null && pgrep -x dockerd >/dev/null; }; then
	# Stale pid file from a dead engine (e.g. a previous session) blocks startup.
	if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
		rm -f /var/run/docker.pid
	fi
	mkdir -p "$(dirname "$LOG")"
	say "starting dockerd (log: $LOG)"
	# setsid detaches it from this script's process group so make/CI teardown
	# of the script does not take the engine down with it.
	setsid nohup dockerd >>"$LOG" 2>&1 </dev/null &
fi

deadline=$((SECONDS + WAIT))
while ! docker info >/dev/null 2>&1; do
	if [ "$SECONDS" -ge "$deadline" ]; then
		say "docker info did not answer within ${WAIT}s; last lines of $LOG:"
		tail -n 40 "$LOG" >&2 || true
		exit 1
	fi
	sleep 1
done
say "docker engine ready ($(docker info --format '{{.ServerVersion}} storage={{.Driver}}'))"
