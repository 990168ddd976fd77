#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test guest: mount what the tests need, check that the
# kernel has the ioasids controller and enable it at the root with the
# controllers a host has (guest-controllers.sh, the first test), run every
# test of the 9p share "tests" (none when the controller is missing),
# collect the kernel log and kmemleak's report, and power off.  KUnit
# suites are built in and have already run by the time this starts.
# Results go to the writable 9p share "results".

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
# nsdelegate, as systemd mounts it on a host
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
mount -t debugfs debugfs /sys/kernel/debug
ln -sf /proc/self/fd /dev/fd
mkdir -p /run/tests /run/results
mount -t 9p -o trans=virtio,version=9p2000.L,ro tests /run/tests
mount -t 9p -o trans=virtio,version=9p2000.L results /run/results
results=/run/results

"$(dirname "$0")/guest-controllers.sh" > "$results/controllers.tap" 2>&1
echo "$?" > "$results/controllers.rc"
# Only now: the repository, this script's folder, may be under /tmp
mount -t tmpfs tmpfs /tmp
if [ "$(cat "$results/controllers.rc")" = 0 ]; then
	tests=/run/tests/*
	echo "guest: running the tests: $(ls /run/tests | tr '\n' ' ')" > /dev/console
else
	tests=
	echo "guest: no ioasids controller: no test runs" > /dev/console
fi
for t in $tests; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=$(basename "$t")
	echo "guest: test $name" > /dev/console
	# Upstream's iommufd suites map hugetlbfs memory, up to 128 MiB at
	# once, and leave reserving it to whoever runs them.
	case $name in iommufd*) echo 64 > /proc/sys/vm/nr_hugepages ;; esac
	(cd "$(dirname "$t")" && timeout 900 "$t") > "$results/$name.tap" 2>&1
	echo "$?" > "$results/$name.rc"
	case $name in iommufd*) echo 0 > /proc/sys/vm/nr_hugepages ;; esac
done

# kmemleak reports objects unreferenced for 5 s, over two scans.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > "$results/kmemleak.txt"
else
	echo "kmemleak: not available" > "$results/kmemleak.txt"
fi
dmesg > "$results/dmesg.txt"
echo done > "$results/done"
sync
umount /run/results
reboot -f
