#!/usr/bin/env bash
# ci/mutants.sh — `make mutants`: prove the chaos suite and the tests catch
# small realistic defects. Each ci/mutants/*.patch is one defect; its header
# names what must catch it:
#   # mutant: what the defect is
#   # scenarios: chaos scenarios (names in scenarios/library) to run
#   # tests: PACKAGE REGEX   (one line per package; go test -run REGEX)
# For each patch: a fresh clone of HEAD, the patch applied, the listed unit
# tests, then the listed scenarios through ci/chaos.sh (which rebuilds the
# images the change touches). A mutant is caught when a test fails or a
# scenario reports a breach (an INCONCLUSIVE scenario catches nothing).
# Every process the mutant's tests and runs start carries the environment
# marker VIGIL_MUTANT_RUN; any still alive afterwards is reported (and
# killed), as is any container left behind.
#
# Prints a kill table (also reports/mutants/kill-table.md) and exits 1 if a
# mutant survived or left something running. MUTANTS="01-... 05-..." runs
# only those. Uncommitted changes are not part of the clones: commit first.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$PATH:/usr/local/go/bin"
command -v jq >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q jq >/dev/null; }
bash ci/docker.sh

work=$(mktemp -d "${TMPDIR:-/var/tmp}/vigil-mutants.XXXXXX")
out=$ROOT/reports/mutants
mkdir -p "$out"
restore_images() { (cd "$ROOT" && bash ci/images.sh >/dev/null 2>&1) || echo "mutants: could not rebuild this checkout's images: run make images" >&2; }
trap 'restore_images; rm -rf "$work"' EXIT

# header FIELD PATCH: the values of "# FIELD:" lines.
header() { sed -n "s/^# $1: *//p" "$2"; }

# leftovers MARKER: pids whose environment holds MARKER.
leftovers() {
	local f pid
	for f in /proc/[0-9]*/environ; do
		pid=${f#/proc/}; pid=${pid%/environ}
		[ "$pid" = "$$" ] && continue
		if { tr '\0' '\n' <"$f"; } 2>/dev/null | grep -qx "$1"; then echo "$pid"; fi
	done
}

rows=()
failed=0
for patch in ci/mutants/*.patch; do
	name=$(basename "$patch" .patch)
	if [ -n "${MUTANTS:-}" ] && [[ " $MUTANTS " != *" $name "* ]]; then continue; fi
	what=$(header mutant "$patch")
	echo "== mutant $name: $what"
	clone=$work/$name
	git clone -q "$ROOT" "$clone"
	git -C "$clone" apply "$ROOT/$patch"
	marker="VIGIL_MUTANT_RUN=$name-$$"
	caught=()

	while read -r pkg regex; do
		[ -n "$pkg" ] || continue
		log=$out/$name-test-${pkg//\//_}.log
		if (cd "$clone" && env "$marker" go test -count=1 -timeout 3m -run "$regex" "$pkg") >"$log" 2>&1; then
			echo "   tests $pkg -run $regex: pass (not caught)"
		else
			names=$({ grep -o -- '--- FAIL: [^ ]*' "$log" || { grep -q -- 'panic: test timed out' "$log" && echo "timeout"; } || true; } | awk '{print $NF}' | sort -u | paste -sd, -)
			caught+=("test ${names:-$pkg (build or run failure, see $log)}")
			echo "   tests $pkg -run $regex: FAIL ${names}"
		fi
	done < <(header tests "$patch")

	scenarios=""
	for s in $(header scenarios "$patch"); do scenarios="$scenarios scenarios/library/$s.yaml"; done
	if [ -n "$scenarios" ]; then
		reports=$out/$name
		rm -rf "$reports"
		(cd "$clone" && env "$marker" CHAOS_REPORTS="$reports" CHAOS_SCENARIOS="${scenarios# }" bash ci/chaos.sh) >"$out/$name-chaos.log" 2>&1 || true
		if [ -f "$reports/report.json" ]; then
			while IFS= read -r b; do caught+=("scenario $b"); echo "   breach: $b"; done \
				< <(jq -r '.breaches[] | "\(.scenario)/\(.fault // "-"): \(.slo)"' "$reports/report.json")
			jq -r '.inconclusive[]? | "   inconclusive: \(.scenario): \(.reason)"' "$reports/report.json"
		else
			echo "   scenarios did not report: see $out/$name-chaos.log"
		fi
	fi

	left=$(leftovers "$marker" | paste -sd' ' -)
	# Every container the stack makes carries the label vigil.stack.
	containers=$(docker ps -aq --filter label=vigil.stack 2>/dev/null | paste -sd' ' -)
	if [ -n "$left" ]; then
		echo "   OUTLIVED the run: pids $left (killed now)"
		kill -9 $left 2>/dev/null || true
		failed=1
	fi
	if [ -n "$containers" ]; then
		echo "   containers left: $containers (removed now)"
		docker rm -f $containers >/dev/null 2>&1 || true
		failed=1
	fi
	if [ ${#caught[@]} -eq 0 ]; then
		rows+=("| $name | **SURVIVED** | $what |")
		failed=1
	else
		by=$(printf '%s; ' "${caught[@]}")
		rows+=("| $name | caught | ${by%; } |")
	fi
	rm -rf "$clone"
done

{
	echo "| mutant | verdict | caught by |"
	echo "|---|---|---|"
	printf '%s\n' "${rows[@]}"
} | tee "$out/kill-table.md"
if [ "$failed" -ne 0 ]; then
	echo "mutants: a mutant survived or left processes behind (reports in $out)" >&2
	exit 1
fi
echo "mutants: every mutant caught; nothing outlived its run"
