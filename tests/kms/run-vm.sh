#!/usr/bin/env bash
# Boots Linux kernels under qemu (TCG, no KVM needed) with the host's root filesystem shared
# read-only over virtio-9p, and runs tests/kms/guest.sh inside: the KMS checks on vkms and
# virtio-gpu, then the whole test suite on the DRM backend. Two boots:
#   trixie    Debian 13's kernel, vkms built out of tree for it, udmabuf built in, virtio-gpu:
#             the checks and the suite
#   bookworm  Debian 12's kernel (the host's distribution): virtio-gpu only, no vkms, no
#             udmabuf: the checks of the fallbacks (and the suite, with --only bookworm)
#
#   tests/kms/run-vm.sh [--only trixie|bookworm] [--build DIR] [--compositor PATH]
#                       [--cache DIR] [--chroot DIR] [--suite-args ARGS] [--no-suite]
#                       [--gles CHROOT [--gles-build DIR]]
#
# --gles: on the trixie boot, also the GLES2 checks with Debian 13's Mesa, from CHROOT (the
# trixie chroot of .ci/chroot.sh) and this tree built in it against wlroots 0.18 in DIR
# (default ./build-0.18, the CI's wlroots 0.18 leg's).
#
# Needs, as root: qemu-system-x86, busybox-static, cpio, kmod, debootstrap, xz-utils (.ci/kms.sh
# installs them). Debian 13's kernel, its linux-source and headers come from a debootstrap'd
# trixie chroot (apt-get download and dpkg -x: nothing is installed on the host); the chroot
# and every download are kept in the cache directory and reused. Exits non-zero, saying why,
# when a step or a check fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${KMS_CACHE:-$root/.kms-cache}
chroot_dir=${KMS_CHROOT:-}
builddir=${KMS_BUILDDIR:-$root/build}
compositor=
only=
suite_args=${KMS_SUITE_ARGS:-}
no_suite=
gles_chroot=${KMS_GLES_CHROOT:-}
gles_build=${KMS_GLES_BUILDDIR:-$root/build-0.18}
# The guest's memory, MiB: the suite runs two tests at a time.
memory=${KMS_MEMORY:-3072}
mirror=${KMS_MIRROR:-http://deb.debian.org/debian}
# TCG runs the guest several times slower than the host; every harness timeout scales.
timeout_factor=${KMS_TIMEOUT_FACTOR:-8}
# Each boot must end within this many seconds: Debian 13's runs the checks and the whole
# suite; Debian 12's, the fallback boot, only the checks.
boot_timeout=${KMS_BOOT_TIMEOUT:-540}
short_boot_timeout=${KMS_SHORT_BOOT_TIMEOUT:-180}

while [ $# -gt 0 ]; do
	case $1 in
	--only) only=$2; shift 2 ;;
	--build) builddir=$(cd "$2" && pwd); shift 2 ;;
	--compositor) compositor=$2; shift 2 ;;
	--cache) cache=$2; shift 2 ;;
	--chroot) chroot_dir=$2; shift 2 ;;
	--suite-args) suite_args=$2; shift 2 ;;
	--no-suite) no_suite=1; shift ;;
	--gles) gles_chroot=$2; shift 2 ;;
	--gles-build) gles_build=$2; shift 2 ;;
	-h|--help) sed -n '2,21p' "$0"; exit 0 ;;
	*) echo "run-vm.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done
case $only in
''|trixie|bookworm) ;;
*) echo "run-vm.sh: --only takes trixie or bookworm, not '$only'" >&2; exit 2 ;;
esac
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
chroot_dir=${chroot_dir:-$cache/trixie-chroot}
compositor=${compositor:-$builddir/compositor/iosurface-compositor}

start=$(date +%s)
step_start=$start
step() {
	local now
	now=$(date +%s)
	echo "kms: [$((now - start)) s, previous step $((now - step_start)) s] $*"
	step_start=$now
}
die() {
	echo "kms: FAILED: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (chroot, 9p export of /)"
for tool in qemu-system-x86_64 cpio depmod modprobe debootstrap xz; do
	command -v "$tool" >/dev/null || die "$tool is missing (.ci/kms.sh installs it)"
done
busybox=$(command -v busybox || true)
# ldd fails on a static executable.
if [ -z "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
	die "a static busybox is needed (busybox-static)"
fi
[ -x "$compositor" ] || die "no compositor at $compositor (build first, or --compositor PATH)"
[ -x "$builddir/tests/kms/kms-probe" ] || die "no $builddir/tests/kms/kms-probe (build first)"
if [ -n "$gles_chroot" ]; then
	gles_chroot=$(cd "$gles_chroot" && pwd)
	gles_build=$(cd "$gles_build" && pwd)
	case $gles_build in
	"$root"/*) ;;
	*) die "--gles-build must be inside the tree ($root), which the chroot sees as /src" ;;
	esac
	[ -x "$gles_build/tests/kms/kms-gles-import" ] ||
		die "no $gles_build/tests/kms/kms-gles-import (build the tree in $gles_chroot first)"
	[ -d "$gles_chroot/src" ] || die "$gles_chroot is not a chroot of .ci/chroot.sh (no /src)"
fi

# The first dependency in apt-cache depends' output (a metapackage's target).
first_depends() {
	printf '%s\n' "$1" | sed -n 's/^  Depends: //p' | sed -n 1p
}

# Extracts a kernel package into $1/root, with a lib link where the modules live under usr/lib,
# and prints the kernel release.
unpack_kernel() {
	local dir=$1 deb=$2
	rm -rf "$dir/root"
	dpkg -x "$deb" "$dir/root"
	if [ ! -e "$dir/root/lib" ] && [ -d "$dir/root/usr/lib/modules" ]; then
		ln -s usr/lib "$dir/root/lib"
	fi
	ls "$dir/root/lib/modules"
}

# Builds an initramfs: static busybox, tests/kms/init.sh as /init, and the modules named,
# with their dependencies, decompressed, in load order (modules.order).
make_initramfs() {
	local kroot=$1 kver=$2 out=$3
	shift 3
	local dir
	dir=$(mktemp -d "$cache/initramfs.XXXXXX")
	mkdir -p "$dir/bin" "$dir/modules" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/host"
	cp "$busybox" "$dir/bin/busybox"
	cp "$root/tests/kms/init.sh" "$dir/init"
	chmod 755 "$dir/init"
	depmod -b "$kroot" "$kver"
	local mod line path n=0
	: >"$dir/modules/order"
	for mod in "$@"; do
		# kmod prints "insmod PATH" per dependency, in load order, and "builtin NAME".
		while read -r line; do
			case $line in
			insmod\ *) ;;
			*) continue ;;
			esac
			path=${line#insmod }
			path=${path%% *}
			local base
			base=$(basename "$path")
			base=${base%.xz}
			base=${base%.zst}
			grep -qx "$base" "$dir/modules/order" && continue
			case $path in
			*.xz) xz -dc "$path" >"$dir/modules/$base" ;;
			*.zst) zstd -qdc "$path" >"$dir/modules/$base" ;;
			*) cp "$path" "$dir/modules/$base" ;;
			esac
			echo "$base" >>"$dir/modules/order"
			n=$((n + 1))
		done < <(modprobe -d "$kroot" -S "$kver" --show-depends "$mod" 2>/dev/null || true)
	done
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
	rm -rf "$dir"
	echo "kms: initramfs $out: $n modules"
}

# Boots a kernel; the guest's results land in $scratch; prints the serial console.
boot() {
	local name=$1 kernel=$2 initrd=$3 limit=$4 suite=$5
	local scratch=$cache/run-$name
	rm -rf "$scratch"
	mkdir -p "$scratch"
	# tsc=unstable: TCG's TSC is not a stable clock, and a kernel that trusts it at first
	# patches its code when it changes its mind (static keys: sched_clock's stability, at the
	# end of boot or when the clocksource watchdog gives up on the TSC mid-run). Under TCG that
	# patching oopsed once (int3 in sched_clock_cpu); telling the kernel from the start leaves
	# nothing to patch. (The guest also froze twice mid-suite; whether for this is not known.)
	local append="console=ttyS0 panic=-1 loglevel=4 tsc=unstable kmsname=$name kmsclone=$root"
	append+=" kmsbuild=$builddir kmscompositor=$compositor kmsfactor=$timeout_factor"
	[ -z "${KMS_SUITE_JOBS:-}" ] || append+=" kmsjobs=$KMS_SUITE_JOBS"
	[ -z "${KMS_SUITE_LIMIT:-}" ] || append+=" kmssuitelimit=$KMS_SUITE_LIMIT"
	# The kernel gives init its unknown parameters; the suite's arguments travel in a file.
	printf '%s\n' "$suite_args" >"$scratch/suite-args"
	[ -n "$suite" ] || touch "$scratch/no-suite"
	if [ "$name" = trixie ] && [ -n "$gles_chroot" ]; then
		append+=" kmsgles=$gles_chroot kmsglesbuild=/src/${gles_build#"$root"/}"
	fi
	local status=0 attempt
	# A boot that dies before guest.sh starts (TCG has oopsed once in the kernel's own early
	# code patching, int3 in sched_clock_cpu) is retried once, saying so.
	for attempt in 1 2; do
		status=0
		rm -f "$scratch/console.log"
		timeout --foreground -k 10 "$limit" qemu-system-x86_64 \
			-accel tcg -cpu max -smp 2 -m "$memory" -nodefaults -no-reboot -display none \
			-serial stdio -monitor none \
			-kernel "$kernel" -initrd "$initrd" -append "$append" \
			-device virtio-gpu-pci \
			-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
			-virtfs local,path="$root",mount_tag=clone,security_model=none,multidevs=remap \
			-virtfs local,path="$scratch",mount_tag=scratch,security_model=none,multidevs=remap \
			</dev/null 2>&1 | tee "$scratch/console.log" | sed -u "s/^/[$name] /" || status=$?
		if [ "$attempt" -eq 1 ] && ! grep -q 'running guest.sh' "$scratch/console.log"; then
			echo "kms: $name: the kernel died before guest.sh started; booting again" >&2
			cp "$scratch/console.log" "$scratch/console-failed-boot.log"
			continue
		fi
		break
	done
	# A failed boot is reported and the next one still runs; the leg fails at the end.
	if [ "$status" -eq 124 ]; then
		boot_failed "$name" "the VM did not finish within $limit s"
	elif [ "$status" -ne 0 ]; then
		boot_failed "$name" "qemu exited with status $status"
	elif [ ! -f "$scratch/status" ]; then
		boot_failed "$name" "the guest wrote no status (it did not reach or finish guest.sh)"
	elif [ "$(cat "$scratch/status")" != 0 ]; then
		echo "kms: $name: failed checks:" >&2
		grep '^FAIL' "$scratch/results" >&2 || true
		boot_failed "$name" "$(cat "$scratch/status") check(s) failed"
	else
		echo "kms: $name: every check passed"
	fi
}
failures=()
boot_failed() {
	echo "kms: FAILED: $1: $2" >&2
	failures+=("$1: $2")
}

# 1. Debian 13: a chroot for apt, the kernel, and vkms built for it.
if [ "$only" != bookworm ]; then
	if [ ! -x "$chroot_dir/usr/bin/apt-get" ] || [ ! -f "$chroot_dir/.kms-complete" ]; then
		rm -rf "$chroot_dir"
		debootstrap --variant=minbase trixie "$chroot_dir" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
			die "debootstrap trixie failed; see $cache/debootstrap.log"
		touch "$chroot_dir/.kms-complete"
		step "debootstrap trixie into $chroot_dir"
	else
		step "reuse the trixie chroot $chroot_dir"
	fi
	in_chroot() {
		chroot "$chroot_dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"
	}
	in_chroot apt-get update -qq >"$cache/apt-trixie.log" 2>&1 ||
		die "apt-get update in the chroot failed; see $cache/apt-trixie.log"
	kpkg=$(first_depends "$(in_chroot apt-cache depends linux-image-amd64)")
	[ -n "$kpkg" ] || die "no linux-image-amd64 in trixie"
	kver=${kpkg#linux-image-}
	src=$(first_depends "$(in_chroot apt-cache depends linux-source)")
	step "trixie's kernel is $kver ($src)"

	kdir=$cache/trixie-kernel
	mkdir -p "$kdir"
	if [ ! -f "$kdir/$kver.done" ]; then
		rm -rf "$chroot_dir/kms-dl"
		mkdir -p "$chroot_dir/kms-dl"
		# The headers' packages are unpacked, not installed: installing them would install the
		# kernel image in the chroot too, and build an initrd for it. Their tools' libraries
		# and the compiler they name are installed.
		hdeps=$(in_chroot apt-cache depends "linux-headers-$kver")
		hpkgs="linux-headers-$kver $(printf '%s\n' "$hdeps" |
			sed -n 's/^ *|\{0,1\}Depends: \(linux-\(headers\|kbuild\)-.*\)$/\1/p' | tr '\n' ' ')"
		gcc=$(printf '%s\n' "$hdeps" | sed -n 's/^ *Depends: \(gcc-[0-9]*\)$/\1/p' | sed -n 1p)
		in_chroot sh -c "cd /kms-dl && apt-get download -q $kpkg $src $hpkgs" \
			>>"$cache/apt-trixie.log" 2>&1 ||
			die "apt-get download $kpkg $src $hpkgs failed; see $cache/apt-trixie.log"
		unpack_kernel "$kdir" "$chroot_dir"/kms-dl/linux-image-*.deb >/dev/null
		step "downloaded $kpkg $src $hpkgs; unpacked the kernel"
		in_chroot apt-get install -y -q --no-install-recommends "${gcc:-gcc}" make xz-utils \
			libelf1t64 libssl3t64 pahole >>"$cache/apt-trixie.log" 2>&1 ||
			die "installing ${gcc:-gcc} in the chroot failed; see $cache/apt-trixie.log"
		for pkg in $hpkgs; do
			dpkg -x "$chroot_dir"/kms-dl/"${pkg}"_*.deb "$chroot_dir"
		done
		step "installed ${gcc:-gcc} and unpacked linux-headers-$kver in the chroot"
		rm -rf "$chroot_dir/kms-src" "$chroot_dir/kms-vkms"
		mkdir -p "$chroot_dir/kms-src"
		dpkg -x "$chroot_dir"/kms-dl/"$src"_*.deb "$chroot_dir/kms-src"
		tar -xJf "$chroot_dir"/kms-src/usr/src/"$src".tar.xz -C "$chroot_dir/kms-src" \
			--wildcards "$src/drivers/gpu/drm/vkms/*"
		mv "$chroot_dir/kms-src/$src/drivers/gpu/drm/vkms" "$chroot_dir/kms-vkms"
		rm -rf "$chroot_dir/kms-src" "$chroot_dir/kms-dl"
		step "extracted vkms's source from $src"
		in_chroot make -C "/usr/src/linux-headers-$kver" M=/kms-vkms CONFIG_DRM_VKMS=m modules \
			>"$cache/vkms-build.log" 2>&1 || die "building vkms failed; see $cache/vkms-build.log"
		mkdir -p "$kdir/root/lib/modules/$kver/updates"
		cp "$chroot_dir/kms-vkms/vkms.ko" "$kdir/root/lib/modules/$kver/updates/"
		touch "$kdir/$kver.done"
		step "built vkms for $kver out of tree"
	else
		step "reuse $kver and its vkms from $kdir"
	fi
	# 9p over virtio and the DRM drivers; udmabuf is built in (CONFIG_UDMABUF=y) on 6.12.
	make_initramfs "$kdir/root" "$kver" "$cache/initramfs-trixie.gz" \
		9pnet_virtio 9p virtio_pci drm_kms_helper vkms virtio_gpu udmabuf
	step "initramfs for $kver"
	suite=1
	[ -z "$no_suite" ] || suite=
	boot trixie "$kdir/root/boot/vmlinuz-$kver" "$cache/initramfs-trixie.gz" "$boot_timeout" \
		"$suite"
	step "trixie boot"
fi

# 2. Debian 12: the host's archive, downloaded and unpacked; no vkms, no udmabuf.
if [ "$only" != trixie ]; then
	kpkg=$(first_depends "$(apt-cache depends linux-image-amd64)")
	[ -n "$kpkg" ] || die "no linux-image-amd64 in the host's archive"
	kver=${kpkg#linux-image-}
	kdir=$cache/bookworm-kernel
	mkdir -p "$kdir"
	if [ ! -f "$kdir/$kver.done" ]; then
		rm -f "$kdir"/*.deb
		(cd "$kdir" && apt-get download -q "$kpkg" >"$cache/apt-bookworm.log" 2>&1) ||
			die "apt-get download $kpkg failed; see $cache/apt-bookworm.log"
		unpack_kernel "$kdir" "$kdir"/linux-image-*.deb >/dev/null
		rm -f "$kdir"/*.deb
		touch "$kdir/$kver.done"
		step "downloaded and unpacked $kpkg"
	else
		step "reuse $kver from $kdir"
	fi
	make_initramfs "$kdir/root" "$kver" "$cache/initramfs-bookworm.gz" \
		9pnet_virtio 9p virtio_pci drm_kms_helper virtio_gpu
	step "initramfs for $kver"
	# The suite runs here only when this is the only boot.
	suite=
	[ "$only" != bookworm ] || [ -n "$no_suite" ] || suite=1
	boot bookworm "$kdir/root/boot/vmlinuz-$kver" "$cache/initramfs-bookworm.gz" \
		"$short_boot_timeout" "$suite"
	step "bookworm boot"
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "kms: FAILED after $(($(date +%s) - start)) s:" >&2
	printf 'kms:   %s\n' "${failures[@]}" >&2
	exit 1
fi
echo "kms: every boot passed in $(($(date +%s) - start)) s"
