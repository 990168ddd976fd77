#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the kernel of the package that build-deb.sh made, as it is
# installed (its vmlinuz and its modules, unpacked from the .deb), and
# check what the package is for: the ioasids controller and its files,
# /dev/ioasid, and VFIO's type1 backend, a module, loading against the
# symbols the allocator and the controller export.  The guest is a
# busybox initramfs under QEMU (TCG, q35, VT-d); it prints TAP.
#
#   deb-boot.sh DEB_DIR WORK_DIR
set -euo pipefail

deb_dir=$1
work=$2
image=$(find "$deb_dir" -name 'linux-image-*.deb' ! -name '*-dbg_*' | head -1)
[ -n "$image" ] || { echo "deb-boot: no linux-image package in $deb_dir" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/pkg" "$work/root/bin" "$work/root/modules" "$work/root/dev" \
	"$work/root/proc" "$work/root/sys"
dpkg-deb -x "$image" "$work/pkg"
kernel=$(echo "$work"/pkg/boot/vmlinuz-*)
release=${kernel##*/vmlinuz-}
moddir=$work/pkg/lib/modules/$release

# vfio_iommu_type1 and what it depends on, from the package's own
# modules.dep ("module: dependencies", which load last to first), in the
# order they load; decompressed, for busybox's insmod.
line=$(grep '^kernel/drivers/vfio/vfio_iommu_type1\.ko[^:]*:' "$moddir/modules.dep") ||
	{ echo "deb-boot: vfio_iommu_type1 is not in the package" >&2; exit 1; }
order=
for m in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
	[ -n "$m" ] || continue
	name=$(basename "$m"); name=${name%.xz}
	xz -dc "$moddir/$m" > "$work/root/modules/$name"
	order="$order $name"
done

cp /bin/busybox "$work/root/bin/busybox"
cat > "$work/root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t cgroup2 cgroup2 /sys/fs/cgroup
n=0
check() {
	n=\$((n + 1))
	if eval "\$2" >/dev/null 2>&1; then echo "ok \$n - \$1"
	else echo "not ok \$n - \$1"; fi
}
echo "TAP version 13"
echo "1..7"
check "the kernel is $release" '[ "\$(uname -r)" = "$release" ]'
check "ioasids is a controller of the root cgroup" \
	'grep -qw ioasids /sys/fs/cgroup/cgroup.controllers'
check "ioasids.capacity at the root" '[ "\$(cat /sys/fs/cgroup/ioasids.capacity)" -gt 0 ]'
mkdir /sys/fs/cgroup/tenant
echo +ioasids > /sys/fs/cgroup/cgroup.subtree_control
check "a child takes ioasids.max" \
	'echo 16 > /sys/fs/cgroup/tenant/ioasids.max && [ "\$(cat /sys/fs/cgroup/tenant/ioasids.max)" = 16 ]'
check "a child takes ioasids.pinned.max in bytes" \
	'echo 1G > /sys/fs/cgroup/tenant/ioasids.pinned.max && [ "\$(cat /sys/fs/cgroup/tenant/ioasids.pinned.max)" = 1073741824 ]'
check "/dev/ioasid is a character device" '[ -c /dev/ioasid ]'
for m in$order; do insmod /modules/\$m || echo "# insmod \$m failed"; done
check "vfio_iommu_type1 loads, with its PASID quota" \
	'[ -e /sys/module/vfio_iommu_type1/parameters/pasid_quota ]'
echo "deb-boot: done"
poweroff -f
EOF
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.gz"

echo "  QEMU    $(basename "$image") (busybox initramfs, VT-d)"
start=$(date +%s)
timeout --foreground -k 10 "${GUEST_TIMEOUT:-600}" \
	qemu-system-x86_64 -accel tcg -M q35 -cpu max -smp 2 -m 2G \
	-device intel-iommu -kernel "$kernel" -initrd "$work/initramfs.gz" \
	-append "console=ttyS0 rdinit=/init intel_iommu=on panic=-1" \
	-display none -monitor none -serial "file:$work/console.log" \
	-no-reboot || true
echo "  GUEST   exited after $(( $(date +%s) - start )) s; console in $work/console.log"

tr -d '\r' < "$work/console.log" | sed -n '/^TAP version/,/^deb-boot: done/p' |
	grep -v '^deb-boot: done' > "$work/results.tap" || true
cat "$work/results.tap"
passed=$(grep -c '^ok ' "$work/results.tap" || true)
planned=$(sed -n 's/^1\.\.//p' "$work/results.tap")
if [ -z "$planned" ] || [ "$passed" != "$planned" ]; then
	echo "deb-boot: ${passed:-0} of ${planned:-?} checks passed" >&2
	exit 1
fi
echo "  DEB     the packaged kernel boots and passes its $passed checks"
