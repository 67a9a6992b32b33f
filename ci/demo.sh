#!/usr/bin/env bash
# ci/demo.sh — `make demo`: the reference stack on this host, no Docker.
# Builds the binaries into bin/, initialises a Postgres cluster in .demo/pgdata
# on first run (with the host's PostgreSQL 15 binaries), then runs the
# watchdog in the foreground. Ctrl-C stops every service in reverse order.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN=${VIGIL_PG_BIN:-/usr/lib/postgresql/15/bin}
export VIGIL_PG_BIN=$PG_BIN
if [ ! -x "$PG_BIN/postgres" ] || [ ! -x "$PG_BIN/initdb" ]; then
	cat >&2 <<MSG
demo: PostgreSQL server binaries not found in $PG_BIN.
  Debian/Ubuntu:  sudo apt-get install postgresql-15   (or set VIGIL_PG_BIN to another bin dir)
  macOS:          brew install postgresql@15 && export VIGIL_PG_BIN=\$(brew --prefix postgresql@15)/bin
MSG
	exit 1
fi

echo "demo: building binaries into bin/"
mkdir -p bin
go build -o bin/ ./cmd/watchdog ./cmd/pgapi ./cmd/bankapi ./cmd/reconapi ./cmd/solanasim

mkdir -p .demo/run .demo/logs
if [ ! -f .demo/pgdata/PG_VERSION ]; then
	echo "demo: initialising Postgres in .demo/pgdata (first run)"
	mkdir -p .demo/pgdata
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: .demo/pgdata
		su postgres -s /bin/sh -c "'$PG_BIN/initdb' -D .demo/pgdata -U postgres --auth=trust -E UTF8" >/dev/null
	else
		"$PG_BIN/initdb" -D .demo/pgdata -U postgres --auth=trust -E UTF8 >/dev/null
	fi
fi

./bin/watchdog validate -c scenarios/demo/vigil.yaml
cat <<MSG

  Vigil demo — the watchdog supervises postgres, solana, pgapi, bankapi, reconapi
    status     ./bin/watchdog status -c scenarios/demo/vigil.yaml
    health     http://127.0.0.1:9090/health      metrics  http://127.0.0.1:9090/metrics
    pgapi      http://127.0.0.1:5101/v1/payments
    bankapi    http://127.0.0.1:5102/v1/statements
    reconapi   http://127.0.0.1:5103/recon/health
    solana rpc http://127.0.0.1:8899  (simulator)
    logs       ./bin/watchdog logs -c scenarios/demo/vigil.yaml -f pgapi
  Try: kill -9 \$(pgrep -f bin/pgapi) and watch it come back.  Ctrl-C stops everything.

MSG
exec ./bin/watchdog run -c scenarios/demo/vigil.yaml
