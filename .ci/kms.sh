#!/usr/bin/env bash
# CI leg on KMS: boots Debian 13's and Debian 12's kernels under qemu (TCG; no KVM needed) and
# runs the KMS checks and the whole test suite on the DRM backend inside (tests/kms/run-vm.sh),
# and the GLES2 checks with Debian 13's Mesa where the trixie chroot of the wlroots 0.18 leg is
# ($IOSURFACE_CHROOTS/trixie, default .chroots/trixie).
# Runs on the Debian 12 CI machine as root, after the ordinary build: it reuses ./build and
# installs only what the VM needs. The trixie chroot, kernels and vkms are kept in .kms-cache/
# (gitignored) and reused by later runs. Exits non-zero, saying why, when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
echo "kms: installing the VM's tools"
tools=(qemu-system-x86 busybox-static cpio kmod debootstrap xz-utils)
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${tools[@]}" >/dev/null; then
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${tools[@]}" >/dev/null
fi
echo "kms: tools installed in $(($(date +%s) - start)) s"

# The guest runs the host's build through 9p: build it here, never while the VM runs.
if [ ! -f build/meson-private/coredata.dat ]; then
	meson setup build
fi
meson compile -C build >/dev/null

# GLES2 on Debian 13's Mesa, where the trixie chroot of the wlroots 0.18 leg is: this tree
# built there (build-0.18, as that leg builds it), and the guest runs it in the chroot.
gles=()
trixie=${IOSURFACE_CHROOTS:-$PWD/.chroots}/trixie
if [ -f "$trixie/.debootstrap-done" ]; then
	t0=$(date +%s)
	.ci/chroot.sh run "$trixie" "{ [ -f build-0.18/meson-private/coredata.dat ] ||
		meson setup build-0.18 -Dwlroots=0.18; } >/dev/null && meson compile -C build-0.18 >/dev/null"
	gles=(--gles "$trixie" --gles-build build-0.18)
	echo "kms: build-0.18 in $trixie for the GLES2 checks: $(($(date +%s) - t0)) s"
else
	echo "kms: no trixie chroot at $trixie: the GLES2 checks do not run"
fi

status=0
tests/kms/run-vm.sh "${gles[@]}" "$@" || status=$?
echo "kms: leg exit $status after $(($(date +%s) - start)) s"
exit "$status"
