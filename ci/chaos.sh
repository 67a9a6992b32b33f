#!/usr/bin/env bash
# ci/chaos.sh — what `make chaos` runs: every scenario of scenarios/library
# against the container stack, reports in reports/<git describe>/.
# Exit non-zero naming scenario, fault and SLO on any breach.
#   CHAOS_SCENARIOS="scenarios/library/kill-pgapi.yaml ..."  run only these
#   CHAOS_REPORTS=DIR                                       report directory
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
exit "$status"
