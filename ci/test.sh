#!/usr/bin/env bash
# ci/test.sh — `make test`: start what the tests need, then vet and test.
# With CI=true a missing prerequisite (Docker engine, images, Postgres
# binaries) fails the run; elsewhere the tests that need it skip loudly.
set -uo pipefail
cd "$(dirname "$0")/.."

need() { # need DESCRIPTION CMD...: run a set-up step; fatal only in CI
	local what=$1; shift
	if ! "$@"; then
		if [ "${CI:-}" = "true" ]; then
			echo "test: $what failed (CI=true: fatal)" >&2
			exit 1
		fi
		echo "test: WARNING: $what failed; tests that need it will SKIP (set CI=true to make this fatal)" >&2
	fi
}

need "docker engine (ci/docker.sh)" bash ci/docker.sh
if docker info >/dev/null 2>&1; then
	need "container images (ci/images.sh)" bash ci/images.sh
	# systemd 252 as PID 1 for cmd/watchdog's TestRealSystemd.
	need "systemd image (ci/systemd-image.sh)" bash ci/systemd-image.sh
fi
need "promtool, prometheus, prometheus-alertmanager (ci/monitoring.sh)" bash ci/monitoring.sh
if ! command -v systemd-analyze >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
	need "systemd-analyze (apt systemd)" bash -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q systemd'
fi

set -e
go vet ./...
go test -race -count=1 -timeout 20m ./...
# go test hides a passing package's output: repeat the conformance suite's
# loud line here (scenarios/solanasim/conformance, TestValidatorImage).
case "${VIGIL_SOLANA_IMAGE:-}" in
*solanasim*|"")
	[ -n "${VIGIL_SOLANA_RPC:-}" ] || echo "test: CONFORMANCE: the Solana suite ran against the simulator only, not a real validator (set VIGIL_SOLANA_IMAGE to a local solana-test-validator/agave image; it is never pulled)" >&2 ;;
*)
	if ! docker image inspect "$VIGIL_SOLANA_IMAGE" >/dev/null 2>&1; then
		echo "test: CONFORMANCE: $VIGIL_SOLANA_IMAGE is not present locally (never pulled): the Solana suite ran against the simulator only" >&2
	fi ;;
esac
# Config loading on arbitrary bytes: no panic, bounded time and memory,
# every refusal at file:line (watchdog/config/fuzz_test.go). 20 s.
go test -run '^$' -fuzz '^FuzzLoad$' -fuzztime 20s ./watchdog/config/
