#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In a guest whose VT-d IOMMU supports a single PASID bit (QEMU 7.2's
# PASID mode: ECAP.PSS = 0), no IOMMU narrows the IOASID space: it stays
# the 2^20 PASIDs of PCIe, less the reserved PASID 0, and /dev/ioasid
# allocates from all of it (ioasid_test, run beside this script, checks
# the allocations).  A device uses the IDs below its own width.  Prints TAP.

echo "TAP version 13"
echo "1..2"

ecaps=$(dmesg | sed -nE 's/.*DMAR: dmar[0-9]+: reg_base_addr [0-9a-f]+ ver [0-9:]+ cap [0-9a-f]+ ecap ([0-9a-f]+).*/\1/p')
narrowest=$((1 << 20))
pasid_iommus=0
for ecap in $ecaps; do
	# ECAP bit 40: PASID support; bits 39:35: PASID size less one
	if (( (0x$ecap >> 40) & 1 )); then
		pasid_iommus=$((pasid_iommus + 1))
		size=$((2 << ((0x$ecap >> 35) & 0x1f)))
		(( size < narrowest )) && narrowest=$size
	fi
done

if [ "$pasid_iommus" -gt 0 ] && [ "$narrowest" -lt $((1 << 20)) ]; then
	echo "ok 1 an IOMMU supports $narrowest PASIDs (ecap $ecaps)"
else
	echo "not ok 1 no IOMMU narrower than 20 bits supports PASIDs (ecap '${ecaps:-none}')"
fi

want=$(((1 << 20) - 1))
got=$(cat /sys/fs/cgroup/ioasids.capacity 2>&1)
if [ "$got" = "$want" ]; then
	echo "ok 2 ioasids.capacity is $got whatever the IOMMU's width"
else
	echo "not ok 2 ioasids.capacity is '$got', want $want"
fi
