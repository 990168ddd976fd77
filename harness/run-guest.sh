#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel in QEMU (TCG) with an emulated VT-d IOMMU in
# scalable mode and two edu devices (two IOMMU groups, for two VFIO
# containers), run harness/guest-init.sh as PID 1 on
# the host's root file system (shared read-only over 9p), and collect its
# results in GUEST_DIR/results.
#
#   run-guest.sh BZIMAGE GUEST_DIR TESTS_DIR IOMMU_OPTIONS [CMDLINE]
#
# The guest runs every executable in TESTS_DIR, shared with it over 9p as
# "tests" (the repository may live under /tmp, which the guest hides under
# a tmpfs).  IOMMU_OPTIONS are added to -device intel-iommu; CMDLINE to the
# kernel's command line.
#
# GUEST_ICOUNT=1 boots with QEMU's -icount shift=0,align=off,sleep=off:
# the guest's clocks count executed instructions (one nanosecond each)
# instead of following the host's, so that a timing in the guest is an
# instruction count, the same from run to run.  The vCPUs then take turns
# on one host thread: no figure of parallel speed-up means anything there.
set -euo pipefail

kernel=$1
guest=$2
tests=$3
iommu=$4
extra=${5:-}
repo=$(cd "$(dirname "$0")/.." && pwd)
timeout=${GUEST_TIMEOUT:-1200}
memory=${GUEST_MEMORY:-1G}
icount=()
if [ "${GUEST_ICOUNT:-0}" = 1 ]; then
	icount=(-icount shift=0,align=off,sleep=off)
fi

rm -rf "$guest/results"
mkdir -p "$guest/results"
console=$guest/console.log
# What the report expects to find results of
(cd "$tests" && find . -maxdepth 1 -type f -perm -u+x -printf '%f\n' | sort) > "$guest/expected"

cmdline="console=ttyS0 loglevel=7 panic=-1 oops=panic"
cmdline+=" intel_iommu=on,sm_on"
cmdline+=" root=/dev/root rootfstype=9p ro"
cmdline+=" rootflags=trans=virtio,version=9p2000.L,msize=512000"
cmdline+=" init=$repo/harness/guest-init.sh"
# Unknown parameters reach init in its environment.
cmdline+=" $extra"

echo "  QEMU    $(basename "$guest"): $memory, intel-iommu,$iommu, 2 edu, ${icount[*]:+${icount[*]}, }$extra; timeout ${timeout}s"
start=$(date +%s)
status=0
timeout --foreground -k 10 "$timeout" \
	qemu-system-x86_64 -accel tcg "${icount[@]}" -M q35 -cpu max -smp 2 -m "$memory" \
	-device "intel-iommu,$iommu" \
	-device edu -device edu \
	-kernel "$kernel" -append "$cmdline" \
	-virtfs local,id=rootfs,path=/,mount_tag=/dev/root,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,id=tests,path=$tests,mount_tag=tests,security_model=none,readonly=on" \
	-virtfs "local,id=results,path=$guest/results,mount_tag=results,security_model=none" \
	-display none -monitor none -serial "file:$console" \
	-no-reboot || status=$?
echo "  GUEST   exited with $status after $(( $(date +%s) - start )) s; console in $console"
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
	echo "timeout: the guest did not finish in ${timeout}s" > "$guest/results/timeout"
fi
exit 0
