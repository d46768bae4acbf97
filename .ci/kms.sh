#!/usr/bin/env bash
# CI leg on KMS: boots Debian 13's and Debian 12's kernels under qemu (TCG; no KVM needed) and
# runs the KMS checks and the whole test suite on the DRM backend inside (tests/kms/run-vm.sh).
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

status=0
tests/kms/run-vm.sh "$@" || status=$?
echo "kms: leg exit $status after $(($(date +%s) - start)) s"
exit "$status"
