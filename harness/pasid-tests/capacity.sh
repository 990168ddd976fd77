#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In a guest whose VT-d IOMMU supports PASIDs: the IOASID space shrinks to
# the PASID size the IOMMU reports (ECAP.PSS), and ioasids.capacity shows
# it, less the reserved PASID 0.  Prints TAP.

echo "TAP version 13"
echo "1..2"

ecaps=$(dmesg | sed -nE 's/.*DMAR: dmar[0-9]+: reg_base_addr [0-9a-f]+ ver [0-9:]+ cap [0-9a-f]+ ecap ([0-9a-f]+).*/\1/p')
capacity=$((1 << 20))
pasid_iommus=0
for ecap in $ecaps; do
	# ECAP bit 40: PASID support; bits 39:35: PASID size less one
	if (( (0x$ecap >> 40) & 1 )); then
		pasid_iommus=$((pasid_iommus + 1))
		size=$((2 << ((0x$ecap >> 35) & 0x1f)))
		(( size < capacity )) && capacity=$size
	fi
done

if [ "$pasid_iommus" -gt 0 ]; then
	echo "ok 1 an IOMMU supports PASIDs (ecap $ecaps)"
else
	echo "not ok 1 no IOMMU supports PASIDs (ecap '${ecaps:-none}')"
fi

want=$((capacity - 1))
got=$(cat /sys/fs/cgroup/ioasids.capacity 2>&1)
if [ "$got" = "$want" ]; then
	echo "ok 2 ioasids.capacity is $got, the IOMMU's $capacity PASIDs less PASID 0"
else
	echo "not ok 2 ioasids.capacity is '$got', want $want"
fi
