#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel in QEMU (TCG) on a Debian 12 root file system whose
# PID 1 is systemd, as on a host: the same q35 machine, VT-d in scalable
# mode and two edu devices as run-guest.sh.  The root file system is made
# afresh for every boot from the cached debootstrap folder ROOTFS, the
# files of INSTALL_DIR (the project's host-side tools, laid out as under
# /), the Debian packages of its var/cache/ioasids, installed with dpkg,
# and the guest's units of harness/systemd-guest/.
#
#   run-systemd-guest.sh MODE BZIMAGE GUEST_DIR ROOTFS INSTALL_DIR TESTS_DIR [CMDLINE]
#
# MODE is one of
#   check  run every bats suite of TESTS_DIR, results in GUEST_DIR/results
#          (as run-guest.sh leaves them), console in GUEST_DIR/console.log
#   demo   play harness/systemd-guest/demo on the terminal
#   shell  log root in on the terminal (the serial console; Ctrl-A X quits)
set -euo pipefail

mode=$1
kernel=$2
guest=$3
rootfs=$4
install=$5
tests=$6
extra=${7:-}
here=$(cd "$(dirname "$0")" && pwd)
timeout=${GUEST_TIMEOUT:-1200}
memory=${GUEST_MEMORY:-1G}

mkdir -p "$guest"
rm -rf "$guest/results" "$guest/root"
mkdir -p "$guest/results"

# The root file system: a private copy, so that every boot starts clean.
cp -a "$rootfs" "$guest/root"
rsync -aK "$install/" "$guest/root/"
# Packages are installed as on a host, their maintainer scripts included.
debs=()
for deb in "$guest/root"/var/cache/ioasids/*.deb; do
	[ -f "$deb" ] && debs+=("/var/cache/ioasids/$(basename "$deb")")
done
if [ ${#debs[@]} -gt 0 ] &&
   ! chroot "$guest/root" dpkg -i "${debs[@]}" > "$guest/dpkg.log" 2>&1; then
	cat "$guest/dpkg.log" >&2
	exit 1
fi
units=$guest/root/etc/systemd/system
cp "$here"/systemd-guest/*.service "$here"/systemd-guest/*.target "$units/"
# Units that wait for devices (udev's) or do nothing here: masked, for a
# faster boot under emulation.
for unit in getty-static.service getty@.service serial-getty@.service \
		modprobe@.service e2scrub_reap.service; do
	ln -sf /dev/null "$units/$unit"
done
mkdir -p "$guest/root/usr/local/libexec/ioasids"
install -m 0755 "$here/systemd-guest/run-tests" "$here/systemd-guest/demo" \
	"$here/guest-controllers.sh" "$guest/root/usr/local/libexec/ioasids/"
echo ioasids-guest > "$guest/root/etc/hostname"
: > "$guest/root/etc/fstab"
rm -f "$guest/rootfs.img"
mkfs.ext4 -q -F -L root -d "$guest/root" "$guest/rootfs.img" 2G >/dev/null
rm -rf "$guest/root"

cmdline="console=ttyS0 panic=-1 oops=panic intel_iommu=on,sm_on"
cmdline+=" root=/dev/vda rootfstype=ext4 rw kunit.enable=0"
qemu=(qemu-system-x86_64 -accel tcg -M q35 -cpu max -smp 2 -m "$memory"
	-device intel-iommu,x-scalable-mode=on
	-device edu -device edu
	-drive "file=$guest/rootfs.img,if=virtio,format=raw"
	-kernel "$kernel" -display none -monitor none -no-reboot)

case "$mode" in
check)
	(cd "$tests" && find . -maxdepth 1 -name '*.bats' -printf '%f\n' |
		sed 's/\.bats$//' | sort) > "$guest/expected"
	cmdline+=" loglevel=7 systemd.unit=ioasids-check.target $extra"
	console=$guest/console.log
	echo "  QEMU    $(basename "$guest"): systemd, $memory, $(wc -l < "$guest/expected") bats suites; timeout ${timeout}s"
	start=$(date +%s)
	status=0
	timeout --foreground -k 10 "$timeout" "${qemu[@]}" \
		-append "$cmdline" \
		-virtfs "local,id=tests,path=$tests,mount_tag=tests,security_model=none,readonly=on" \
		-virtfs "local,id=results,path=$guest/results,mount_tag=results,security_model=none" \
		-serial "file:$console" || status=$?
	echo "  GUEST   exited with $status after $(( $(date +%s) - start )) s; console in $console"
	if [ "$status" = 124 ] || [ "$status" = 137 ]; then
		echo "timeout: the guest did not finish in ${timeout}s" > "$guest/results/timeout"
	fi
	;;
demo)
	cmdline+=" quiet loglevel=3 systemd.show_status=0"
	cmdline+=" systemd.unit=ioasids-demo.target $extra"
	timeout --foreground -k 10 "$timeout" "${qemu[@]}" \
		-append "$cmdline" -serial stdio
	;;
shell)
	cmdline+=" loglevel=4 systemd.unit=ioasids-shell.target $extra"
	"${qemu[@]}" -append "$cmdline" -serial mon:stdio
	;;
*)
	echo "run-systemd-guest.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
