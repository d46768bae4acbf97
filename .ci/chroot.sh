#!/usr/bin/env bash
# Debian chroots for the CI legs that build against a newer release's wlroots (as root).
#
#   .ci/chroot.sh create DIR RELEASE   debootstrap (minbase) DIR if it is not there, then install
#                                      the release's names of .ci/packages.txt in it
#   .ci/chroot.sh run DIR CMD...       run CMD (with bash -c) in DIR, the source tree mounted on
#                                      /src and the working directory; mounts are undone after
#
# A chroot made once is reused: create only installs what is missing. /proc, /dev, /dev/pts,
# a fresh /dev/shm and /tmp are set up for each run and unmounted when it ends, whatever way.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

usage() {
	echo "usage: $0 create DIR RELEASE | run DIR CMD..." >&2
	exit 2
}

mounted=()
unmount_all() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || true
	done
	mounted=()
}

# mount_on TARGET MOUNT-ARGS...: mounts, and remembers it for unmount_all.
mount_on() {
	local target=$1
	shift
	mkdir -p "$target"
	mount "$@" "$target"
	mounted+=("$target")
}

setup_mounts() {
	local root=$1
	trap unmount_all EXIT
	mount_on "$root/proc" -t proc proc
	mount_on "$root/dev" --bind /dev
	mount_on "$root/dev/pts" --bind /dev/pts
	mount_on "$root/dev/shm" -t tmpfs -o mode=1777 shm
	mount_on "$root/tmp" -t tmpfs -o mode=1777 tmp
	mount_on "$root/src" --bind "$src"
}

in_chroot() {
	local root=$1
	shift
	chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" \
		HARNESS_TIMEOUT_FACTOR="${HARNESS_TIMEOUT_FACTOR:-}" \
		/bin/bash -c "cd /src && $*"
}

[ $# -ge 2 ] || usage
command=$1
root=$2
shift 2
case $command in
create)
	[ $# -eq 1 ] || usage
	release=$1
	if [ ! -x "$root/usr/bin/apt-get" ] || [ ! -f "$root/.debootstrap-done" ]; then
		# An unfinished chroot is made anew; never remove one with something mounted in it
		# (a run that was killed can leave the source tree bound on $root/src).
		if awk -v root="$(realpath -m "$root")/" 'index($2 "/", root) == 1 { found = 1 }
				END { exit !found }' /proc/mounts; then
			echo "chroot: $root has mounts left; unmount them first" >&2
			exit 1
		fi
		rm -rf --one-file-system "$root"
		mkdir -p "$(dirname "$root")"
		debootstrap --variant=minbase "$release" "$root" "$mirror"
		touch "$root/.debootstrap-done"
	fi
	# A development release's Release file is valid for a week only: a mirror that lags
	# behind (or a clock that runs ahead) would otherwise stop apt-get update.
	echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99ci-valid-until"
	setup_mounts "$root"
	in_chroot "$root" .ci/install-packages.sh "$release"
	;;
run)
	[ $# -ge 1 ] || usage
	setup_mounts "$root"
	in_chroot "$root" "$@"
	;;
*)
	usage
	;;
esac
