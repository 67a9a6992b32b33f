#!/usr/bin/env bash
# ci/chaos.sh — what `make chaos` runs: every scenario of scenarios/library
# against the container stack, reports in reports/<git describe>/.
# Exit non-zero naming scenario, fault and SLO on any breach.
#   CHAOS_SCENARIOS="scenarios/library/kill-pgapi.yaml ..."  run only these
#   CHAOS_REPORTS=DIR                                       report directory
#   CHAOS_BASELINE=DIR   a previous release's report directory (or its
#                        report.json): after the suite, `chaos report diff`
#                        compares with it and fails on a regression beyond
#                        the noise margins (docs/scenarios.md, "Regression gate")
# Exit: 0 every SLO met and no regression; otherwise the suite's status when
# it failed (breach, deviation, error or inconclusive), else the diff's:
# 1 a regression, 2 no readable baseline.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/docker.sh
bash ci/images.sh

release=$(git describe --tags --always --dirty)
reports=${CHAOS_REPORTS:-reports/$release}
mkdir -p "$reports"
scenarios=""
for f in ${CHAOS_SCENARIOS:-}; do
	scenarios="$scenarios $(realpath "$f")"
done

set +e
CHAOS_REPORTS=$(realpath "$reports") CHAOS_SCENARIOS="${scenarios# }" \
	go test -tags chaos -run '^TestScenarios$' -count=1 -timeout 25m -v ./scenarios/chaos/
status=$?
set -e

if [ -f "$reports/report.md" ]; then
	echo
	head -40 "$reports/report.md"
	echo "full report: $reports/report.html"
fi

if [ -n "${CHAOS_BASELINE:-}" ]; then
	echo
	# Built, not go run: go run turns every non-zero exit into 1.
	tool=$(mktemp -d)
	go build -o "$tool/chaos" ./cmd/chaos
	set +e
	"$tool/chaos" report diff "$CHAOS_BASELINE" "$reports"
	gate=$?
	set -e
	rm -rf "$tool"
	if [ "$status" -eq 0 ]; then
		status=$gate
	fi
fi
exit "$status"
