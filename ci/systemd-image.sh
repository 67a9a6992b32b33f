#!/usr/bin/env bash
# ci/systemd-image.sh — build vigil/systemd: a Debian bookworm root file system
# that boots systemd as PID 1 inside Docker, for the real-systemd test
# (cmd/watchdog/systemd_test.go). Built with debootstrap and `docker import`;
# never pulled.
#
# usage: ci/systemd-image.sh [--force] [--print]
#   --force  rebuild even when an image with the inputs' tag exists
#   --print  print VIGIL_SYSTEMD_IMAGE=tag if the image exists, build nothing
#
# The tag carries a hash of this script's builder function, the rootfs
# helpers it shares with ci/images.sh and the package list; unchanged inputs
# and an existing tag mean no rebuild. The image is also tagged :latest. It
# holds no Vigil binary: the test mounts the ones it builds. How to boot it
# on a host without CAP_SYS_RESOURCE (where --privileged fails): see
# SYSTEMD_RUN_FLAGS below, also in docs/operations.md.
#
# Environment: VIGIL_DEBIAN_MIRROR as for ci/images.sh.
set -euo pipefail
# shellcheck source=ci/images.sh
source "$(dirname "${BASH_SOURCE[0]}")/images.sh"

SYSTEMD_PACKAGES="systemd,systemd-sysv,dbus,procps"

# SYSTEMD_RUN_FLAGS: what boots systemd 252 here (cgroup v1 host, no
# CAP_SYS_RESOURCE). The test passes the same list.
SYSTEMD_RUN_FLAGS="--cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock"

# build_systemd_rootfs TAG: debootstrap minbase + systemd, imported as TAG.
build_systemd_rootfs() {
	local tag=$1 dir u
	tmpdir dir
	debootstrap_into "$dir" "$SYSTEMD_PACKAGES"
	# Units that need hardware or a console, absent in a container: masked so
	# the boot reaches multi-user.target without failed units.
	for u in getty@tty1.service console-getty.service systemd-udevd.service systemd-udev-trigger.service \
		systemd-modules-load.service sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
		systemd-remount-fs.service systemd-firstboot.service apt-daily.timer apt-daily-upgrade.timer; do
		ln -sf /dev/null "$dir/etc/systemd/system/$u"
	done
	# A fixed machine id would be shared by every container; an empty file
	# makes systemd generate one per boot.
	: >"$dir/etc/machine-id"
	import_rootfs "$dir" "$tag" 'LABEL vigil.image=systemd' 'ENV container=docker' 'CMD ["/sbin/init"]'
}

build_systemd() {
	local hash tag
	hash=$({ declare -f build_systemd_rootfs debootstrap_into import_rootfs; echo "$SUITE $SYSTEMD_PACKAGES"; } | hash_text)
	tag=vigil/systemd:252-$hash
	if ! up_to_date "$tag"; then
		timed "$tag" build_systemd_rootfs "$tag"
	fi
	finish systemd vigil/systemd "$tag"
	say "ready   systemd: $tag"
}

systemd_main() {
	while [ $# -gt 0 ]; do
		case $1 in
		--force) FORCE=1 ;;
		--print) PRINT=1 ;;
		-h | --help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; return 0 ;;
		*) die "unknown argument $1 (want --force or --print)" ;;
		esac
		shift
	done
	docker info >/dev/null 2>&1 || die "no docker engine answers: run ci/docker.sh first"
	if [ "$PRINT" = 1 ]; then
		docker image ls --format '{{.Repository}}:{{.Tag}}' vigil/systemd | grep -v ':latest$' |
			head -n1 | sed 's/^/VIGIL_SYSTEMD_IMAGE=/'
		return 0
	fi
	build_systemd
}

systemd_main "$@"
