#!/usr/bin/env bash
# ci/chaos-soak.sh N [--hog] — run the whole chaos suite N times and print,
# per scenario, how many runs passed, failed and were inconclusive.
#
#   N       how many full runs of `make chaos` (ci/chaos.sh)
#   --hog   keep one core busy during every run with a CPU hog (a shell
#           busy loop, bounded by `timeout` to the run and killed after it)
#
# Reports go to reports/soak-<UTC time>/run-<i>/; the summary also goes to
# reports/soak-<UTC time>/summary.txt. Exit 0 only if every scenario passed
# in every run. CHAOS_SCENARIOS narrows the suite as in ci/chaos.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: ci/chaos-soak.sh N [--hog]" >&2; exit 2; }
[ $# -ge 1 ] || usage
n=$1
[[ $n =~ ^[1-9][0-9]*$ ]] || usage
hog=false
[ "${2:-}" = "--hog" ] && hog=true
[ $# -le 2 ] || usage
command -v jq >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q jq >/dev/null; }

root=reports/soak-$(date -u +%Y%m%dt%H%M%S)
mkdir -p "$root"
hog_pid=""
stop_hog() { if [ -n "$hog_pid" ]; then kill "$hog_pid" 2>/dev/null || true; wait "$hog_pid" 2>/dev/null || true; hog_pid=""; fi; }
trap stop_hog EXIT

for i in $(seq 1 "$n"); do
	dir=$root/run-$i
	mkdir -p "$dir"
	if $hog; then
		# One core, for at most the suite's own timeout.
		timeout 30m sh -c 'while :; do :; done' &
		hog_pid=$!
	fi
	start=$SECONDS
	set +e
	CHAOS_REPORTS=$dir bash ci/chaos.sh >"$dir/chaos.log" 2>&1
	rc=$?
	set -e
	stop_hog
	echo "soak: run $i/$n: exit $rc after $((SECONDS - start))s (log $dir/chaos.log)"
done

# One line per scenario and run: "<scenario> <pass|fail|inconclusive>".
for i in $(seq 1 "$n"); do
	f=$root/run-$i/report.json
	if [ ! -f "$f" ]; then
		echo "(no report) fail"
		continue
	fi
	jq -r '
		. as $r
		| ([.breaches[].scenario] | unique) as $failed
		| ([.inconclusive[]?.scenario] | unique) as $inc
		| .scenarios[].name
		| . as $s
		| if ($failed | index($s)) then "\($s) fail"
		  elif ($inc | index($s)) then "\($s) inconclusive"
		  else "\($s) pass" end' "$f"
	# Scenarios that did not even produce a result still have breaches.
	jq -r '([.scenarios[].name]) as $ran | [.breaches[].scenario] | unique | .[] | select(. as $s | $ran | index($s) | not) | "\(.) fail"' "$f"
done >"$root/verdicts.txt"

{
	printf '%-24s %5s %5s %13s   (%d runs%s)\n' scenario pass fail inconclusive "$n" "$($hog && echo ', one core hogged')"
	sort "$root/verdicts.txt" | awk '
		{ seen[$1]=1; c[$1" "$2]++ }
		END { for (s in seen) printf "%-24s %5d %5d %13d\n", s, c[s" pass"], c[s" fail"], c[s" inconclusive"] }' | sort
} | tee "$root/summary.txt"

if grep -qv ' pass$' "$root/verdicts.txt"; then
	echo "soak: not every scenario passed every run; reports in $root" >&2
	exit 1
fi
echo "soak: all green; reports in $root"
