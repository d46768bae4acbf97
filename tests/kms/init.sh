#!/bin/busybox sh
# /init of the KMS test VM (tests/kms/run-vm.sh builds the initramfs): loads the modules, mounts
# the host's root read-only over virtio-9p, the clone and a scratch directory writable over it,
# and runs tests/kms/guest.sh in a chroot there. The kernel hands the kms* parameters of its
# command line to init as environment variables. Powers off at the end, whatever happened.
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

finish() {
	echo "kms-init: $*"
	sync
	poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 10
}

# Dependencies first (modules.order is in load order); a module the kernel refuses is named.
while read -r mod; do
	out=$(insmod "/modules/$mod" 2>&1) || case $out in
	*exists*) ;;
	*) echo "kms-init: insmod $mod: $out" ;;
	esac
done </modules/order

opts=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "$opts,ro,cache=loose" hostroot /host || finish "cannot mount the host's root"
h=/host
mount -t proc proc $h/proc
mount -t sysfs sysfs $h/sys
mount -t devtmpfs devtmpfs $h/dev
mkdir -p $h/dev/pts $h/dev/shm
mount -t devpts devpts $h/dev/pts
mount -t tmpfs tmpfs $h/dev/shm
mount -t tmpfs tmpfs $h/tmp
mount -t tmpfs tmpfs $h/run
mount -t tmpfs tmpfs $h/mnt
mount -t debugfs debugfs $h/sys/kernel/debug
mount -t 9p -o "$opts,cache=mmap" clone "$h$kmsclone" || finish "cannot mount the clone"
mkdir -p $h/mnt/scratch
mount -t 9p -o "$opts,cache=mmap" scratch $h/mnt/scratch || finish "cannot mount the scratch dir"

echo "kms-init: $(uname -r) up after $(cut -d' ' -f1 /proc/uptime) s; running guest.sh"
# A copy: bash reads a script as it goes, and the clone's may be edited meanwhile.
cp "$h$kmsclone/tests/kms/guest.sh" $h/tmp/kms-guest.sh
chroot $h /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LC_ALL=C.UTF-8 \
	KMS_NAME="$kmsname" KMS_CLONE="$kmsclone" KMS_BUILD="$kmsbuild" \
	KMS_COMPOSITOR="$kmscompositor" KMS_FACTOR="$kmsfactor" KMS_SCRATCH=/mnt/scratch \
	KMS_GLES_CHROOT="$kmsgles" KMS_GLES_BUILD="$kmsglesbuild" KMS_SUITE_JOBS="$kmsjobs" \
	KMS_SUITE_LIMIT="$kmssuitelimit" \
	/bin/bash /tmp/kms-guest.sh
status=$?
echo "$status" >$h/mnt/scratch/status
finish "guest.sh exited $status after $(cut -d' ' -f1 /proc/uptime) s"
