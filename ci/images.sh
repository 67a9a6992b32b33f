#!/usr/bin/env bash
# ci/images.sh — build the chaos suite's container images locally; never pulls.
#
# usage: ci/images.sh [--force] [--print] [IMAGE...]
#   IMAGE    postgres | toxiproxy | solanasim | stack   (default: all of them)
#   --force  rebuild even when an image with the inputs' tag exists
#   --print  print VIGIL_*_IMAGE=tag lines for images that exist, build nothing
#
# Every tag carries a hash of the image's inputs (this script's builder
# function text, the files under ci/images/<name>/, the Go sources and module
# versions of the binaries, the Debian package list). Unchanged inputs and an
# existing tag mean no rebuild. Each built image is also tagged :latest, which
# is what scenarios/stack uses by default.
#
# Images whose cmd/ package does not exist yet are reported and skipped when
# building "all"; asking for one by name fails. A cmd/ package that exists but
# does not build fails the script.
#
# Environment: VIGIL_DEBIAN_MIRROR (default: first Debian URI in
# /etc/apt/sources.list.d or /etc/apt/sources.list), VIGIL_TOXIPROXY_VERSION
# (default v2.12.0). See docs/stack.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGES="$ROOT/ci/images"
TOXIPROXY_VERSION=${VIGIL_TOXIPROXY_VERSION:-v2.12.0}
PG_PACKAGES="postgresql-15"
SUITE=bookworm
FORCE=0
PRINT=0
# Where each build writes the tag it produced (or found).
declare -A BUILT=()
# Images skipped because their inputs are missing, with the reason.
declare -A SKIPPED=()

# Temporary directories removed when the script exits, however it exits.
TMPDIRS=()
trap 'rm -rf "${TMPDIRS[@]}"' EXIT

# tmpdir VAR: creates a temporary directory, stores its path in VAR.
tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/var/tmp}/vigil-images.XXXXXX")
	TMPDIRS+=("$d")
	printf -v "$1" '%s' "$d"
}

say() { printf 'images: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# hash_text reads stdin and prints a 12-hex-digit digest.
hash_text() { sha256sum | cut -c1-12; }

# hash_files prints "path digest" lines (paths relative to ROOT) for files.
hash_files() {
	local f
	for f in "$@"; do
		printf '%s %s\n' "${f#"$ROOT"/}" "$(sha256sum <"$f" | cut -c1-64)"
	done
}

# image_exists TAG: true when the local engine has TAG.
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# timed NAME CMD...: runs CMD and reports how long it took.
timed() {
	local name=$1 start=$SECONDS
	shift
	"$@"
	say "$name built in $((SECONDS - start))s"
}

# docker_build ARGS...: `docker build -q`, quiet unless it fails (the legacy
# builder's deprecation notice is noise here: we only build FROM scratch and
# FROM our own imported rootfs, which the legacy builder does fine).
docker_build() {
	local out
	out=$(docker build -q "$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
}

# finish NAME REPO TAG [EXTRA...]: tags :latest (and REPO:EXTRA), records
# TAG and untags older builds of REPO.
finish() {
	local name=$1 repo=$2 tag=$3
	shift 3
	local extra
	docker tag "$tag" "$repo:latest"
	for extra in "$@"; do docker tag "$tag" "$repo:$extra"; done
	BUILT[$name]=$tag
	prune_old "$repo" "$tag" "$@"
}

# prune_old REPO KEEP [EXTRA...]: removes REPO's other hash tags so stale
# builds do not pile up. An image a container still uses stays (no -f).
prune_old() {
	local repo=$1 keep=$2 t
	shift 2
	for t in $(docker image ls --format '{{.Repository}}:{{.Tag}}' "$repo"); do
		case " $keep $repo:latest ${*/#/$repo:} " in *" $t "*) continue ;; esac
		if docker rmi "$t" >/dev/null 2>&1; then say "removed old $t"; fi
	done
}

# go_inputs PKG...: what a CGO_ENABLED=0 build of PKG depends on: the Go
# version, each non-standard dependency's module@version, and the content of
# every Go/embedded file of the main module's packages in the build graph.
go_inputs() {
	local list kind first rest f
	list=$(cd "$ROOT" && CGO_ENABLED=0 go list -deps -f \
		'{{if not .Standard}}{{if .Module}}{{if .Module.Main}}MAIN {{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{range .EmbedFiles}} {{.}}{{end}}{{else}}MOD {{.Module.Path}}@{{.Module.Version}}{{end}}{{end}}{{end}}' \
		"$@") || return 1
	go version
	sort -u <<<"$list" | while read -r kind first rest; do
		case $kind in
		MOD) echo "$first" ;;
		MAIN) for f in $rest; do hash_files "$first/$f"; done ;;
		esac
	done
}

# go_binary PKG OUT: a static binary of ./PKG at OUT.
go_binary() {
	(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$2" "./$1")
}

# missing_cmds PKG...: prints the cmd/ packages that do not exist yet.
missing_cmds() {
	local p
	for p in "$@"; do
		compgen -G "$ROOT/$p/*.go" >/dev/null || printf '%s ' "$p"
	done
}

# debian_mirror prints the Debian archive URI apt on this machine uses.
debian_mirror() {
	if [ -n "${VIGIL_DEBIAN_MIRROR:-}" ]; then
		echo "$VIGIL_DEBIAN_MIRROR"
		return
	fi
	local uri
	uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list |
		grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ')
	echo "${uri:-http://deb.debian.org/debian}"
}

# debootstrap_into DIR PACKAGES: a minbase $SUITE with PACKAGES
# (comma-separated) in DIR; installs debootstrap first if it is missing.
# On failure it shows the tail of the log, DIR.log, and exits.
debootstrap_into() {
	local dir=$1 packages=$2
	command -v debootstrap >/dev/null || {
		say "installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null ||
			{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null; }
	}
	TMPDIRS+=("$dir.log")
	say "debootstrap $SUITE with $packages from $(debian_mirror) (about a minute)"
	debootstrap --variant=minbase --include="$packages" "$SUITE" "$dir" "$(debian_mirror)" \
		>"$dir.log" 2>&1 || { tail -n 30 "$dir.log" >&2; die "debootstrap failed (see the log tail above)"; }
}

# import_rootfs DIR TAG CHANGE...: drops apt's caches and the docs from the
# root file system in DIR and imports it as TAG, each CHANGE passed to
# `docker import -c`.
import_rootfs() {
	local dir=$1 tag=$2 change changes=()
	shift 2
	for change in "$@"; do changes+=(-c "$change"); done
	rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* \
		"$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/locale/*
	tar --numeric-owner -C "$dir" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
}

# up_to_date TAG: true, saying so, when TAG exists and --force is off.
up_to_date() {
	[ "$FORCE" = 0 ] && image_exists "$1" && say "$1 is up to date"
}

# skip_missing NAME PKG...: true, recording NAME as skipped, when any PKG
# does not exist yet.
skip_missing() {
	local name=$1 missing
	shift
	missing=$(missing_cmds "$@")
	[ -n "$missing" ] || return 1
	SKIPPED[$name]="missing Go package(s): $missing"
}

# --- postgres --------------------------------------------------------------

# build_pg_rootfs TAG: debootstrap minbase + postgresql-15, imported as TAG.
build_pg_rootfs() {
	local tag=$1 dir
	tmpdir dir
	debootstrap_into "$dir" "$PG_PACKAGES"
	# The package's own cluster is dead weight: the entrypoint runs initdb
	# into $PGDATA on first start.
	rm -rf "$dir"/var/lib/postgresql/15 "$dir"/etc/postgresql/15
	import_rootfs "$dir" "$tag" 'LABEL vigil.image=postgres-rootfs'
}

build_postgres() {
	local rootfs_hash rootfs hash tag ctx
	rootfs_hash=$({ declare -f build_pg_rootfs debootstrap_into import_rootfs; echo "$SUITE $PG_PACKAGES"; } | hash_text)
	rootfs=vigil/postgres-rootfs:15-$rootfs_hash
	hash=$({ echo "$rootfs"; declare -f build_postgres; hash_files "$IMAGES"/postgres/*; } | hash_text)
	tag=vigil/postgres:15-$hash
	if up_to_date "$tag"; then
		finish postgres vigil/postgres "$tag" 15
		return
	fi
	if [ "$FORCE" = 1 ] || ! image_exists "$rootfs"; then
		timed "$rootfs" build_pg_rootfs "$rootfs"
	fi
	prune_old vigil/postgres-rootfs "$rootfs"
	tmpdir ctx
	cp "$IMAGES"/postgres/* "$ctx"/
	chmod 0755 "$ctx/entrypoint.sh"
	timed "$tag" docker_build --label "vigil.inputs=$hash" --build-arg "BASE=$rootfs" -t "$tag" "$ctx" >/dev/null
	finish postgres vigil/postgres "$tag" 15
}

# --- toxiproxy ---------------------------------------------------------------

build_toxiproxy() {
	local hash tag ctx
	hash=$({ go version; echo "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION"; declare -f build_toxiproxy; hash_files "$IMAGES"/toxiproxy/*; } | hash_text)
	tag=vigil/toxiproxy:${TOXIPROXY_VERSION#v}-$hash
	if up_to_date "$tag"; then
		finish toxiproxy vigil/toxiproxy "$tag"
		return
	fi
	tmpdir ctx
	cp "$IMAGES"/toxiproxy/* "$ctx"/
	# go install with GOBIN builds outside our module: go.mod stays untouched.
	(cd "$ctx" && CGO_ENABLED=0 GOBIN="$ctx/bin" GOFLAGS=-trimpath go install -ldflags='-s -w' \
		"github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION") ||
		die "building toxiproxy $TOXIPROXY_VERSION failed (needs the Go module proxy or a warm module cache)"
	mv "$ctx/bin/server" "$ctx/toxiproxy"
	rmdir "$ctx/bin"
	timed "$tag" docker_build --label "vigil.inputs=$hash" -t "$tag" "$ctx" >/dev/null
	finish toxiproxy vigil/toxiproxy "$tag"
}

# --- solanasim ---------------------------------------------------------------

build_solanasim() {
	local inputs hash tag ctx
	if skip_missing solanasim cmd/solanasim; then
		return
	fi
	inputs=$(go_inputs ./cmd/solanasim) || die "go list ./cmd/solanasim failed: fix the package or build other images by name"
	hash=$({ declare -f build_solanasim go_binary; echo "$inputs"; hash_files "$IMAGES"/solanasim/*; } | hash_text)
	tag=vigil/solanasim:$hash
	if up_to_date "$tag"; then
		finish solanasim vigil/solanasim "$tag"
		return
	fi
	tmpdir ctx
	cp "$IMAGES"/solanasim/* "$ctx"/
	go_binary cmd/solanasim "$ctx/solanasim" || die "cmd/solanasim does not build: fix it or build other images by name"
	timed "$tag" docker_build --label "vigil.inputs=$hash" -t "$tag" "$ctx" >/dev/null
	finish solanasim vigil/solanasim "$tag"
}

# --- stack -------------------------------------------------------------------

# STACK_CMDS are the binaries in vigil/stack; the watchdog is PID 1.
STACK_CMDS="cmd/watchdog cmd/pgapi cmd/bankapi cmd/reconapi cmd/solanasim"

# build_stack is the hook for the full application image: the watchdog
# supervising the three APIs from ci/images/stack/vigil.yaml. It is skipped
# until every package in STACK_CMDS exists.
build_stack() {
	local inputs hash tag ctx p pkgs=()
	if skip_missing stack $STACK_CMDS; then
		return
	fi
	for p in $STACK_CMDS; do pkgs+=("./$p"); done
	inputs=$(go_inputs "${pkgs[@]}") || die "go list ${pkgs[*]} failed: fix the packages or build other images by name"
	hash=$({ declare -f build_stack go_binary; echo "$inputs"; hash_files "$IMAGES"/stack/*; } | hash_text)
	tag=vigil/stack:$hash
	if up_to_date "$tag"; then
		finish stack vigil/stack "$tag"
		return
	fi
	tmpdir ctx
	cp "$IMAGES"/stack/* "$ctx"/
	mkdir -p "$ctx/bin" "$ctx/tmp"
	for p in $STACK_CMDS; do
		go_binary "$p" "$ctx/bin/${p#cmd/}" || die "$p does not build: fix it or build other images by name"
	done
	timed "$tag" docker_build --label "vigil.inputs=$hash" -t "$tag" "$ctx" >/dev/null
	finish stack vigil/stack "$tag"
}

# --- main --------------------------------------------------------------------

print_tags() {
	local name repo id
	for name in postgres toxiproxy solanasim stack; do
		repo=vigil/$name
		id=$(docker image inspect --format '{{.Id}}' "$repo:latest" 2>/dev/null) || continue
		# The hash tag that points at the same image as :latest.
		docker image ls --format '{{.Repository}}:{{.Tag}} {{.ID}}' "$repo" |
			awk -v id="${id#sha256:}" -v n="$name" '$2 == substr(id, 1, 12) && $1 !~ /:(latest|15)$/ { printf "VIGIL_%s_IMAGE=%s\n", (n == "solanasim" ? "SOLANA" : toupper(n)), $1; exit }'
	done
}

main() {
	local want=() name status=0 start=$SECONDS
	while [ $# -gt 0 ]; do
		case $1 in
		--force) FORCE=1 ;;
		--print) PRINT=1 ;;
		-h | --help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
		postgres | toxiproxy | solanasim | stack) want+=("$1") ;;
		*) die "unknown argument $1 (want postgres, toxiproxy, solanasim, stack, --force, --print)" ;;
		esac
		shift
	done
	docker info >/dev/null 2>&1 || die "no docker engine answers: run ci/docker.sh first"
	if [ "$PRINT" = 1 ]; then
		print_tags
		return 0
	fi
	local explicit=${#want[@]}
	[ "$explicit" -gt 0 ] || want=(postgres toxiproxy solanasim stack)
	for name in "${want[@]}"; do
		local t=$SECONDS
		"build_$name"
		[ -z "${BUILT[$name]:-}" ] || say "$name: $((SECONDS - t))s"
	done
	for name in "${want[@]}"; do
		if [ -n "${BUILT[$name]:-}" ]; then
			say "ready   $name: ${BUILT[$name]}"
		else
			say "SKIPPED $name: ${SKIPPED[$name]}"
			[ "$explicit" = 0 ] || status=1
		fi
	done
	# Layers of untagged old builds (ours only: they carry vigil.image).
	docker image prune -f --filter label=vigil.image >/dev/null || true
	say "done in $((SECONDS - start))s"
	return $status
}

# Sourced (ci/systemd-image.sh uses the helpers above): define, do not run.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
