/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IOASID allocator: one system-wide space of PASIDs, handed out to
 * IOASID sets.
 */
#ifndef __LINUX_IOASID_H
#define __LINUX_IOASID_H

#include <linux/bits.h>
#include <linux/types.h>

#define IOMMU_NO_PASID			(0U) /* Reserved for DMA w/o PASID */
#define IOMMU_FIRST_GLOBAL_PASID	(1U) /* Starting range for allocation */
#define IOMMU_PASID_INVALID		(-1U)
typedef u32 ioasid_t;

/*
 * Size of the IOASID space: the 20 bits of PASID that PCIe can express.
 * No IOMMU narrows it: a device uses the IDs below its own PASID width.
 */
#define IOASID_SPACE			BIT(20)

/*
 * The lowest ID of a set whose caller chooses the range (/dev/ioasid and
 * VFIO): the IDs below it are left to SVA and kernel drivers, so that no
 * range a user asks for can take the only IDs a device of up to 10 PASID
 * bits supports, while the IDs of userspace stay within the 16 bits of
 * PASID that AMD's IOMMUs and many SMMUs support.
 */
#define IOASID_USER_FIRST		BIT(10)

/**
 * enum ioasid_set_kind - Who consumes the IOASIDs of a set
 * @IOASID_SET_KERNEL: a kernel driver, for its own DMA (e.g. idxd's
 *	system PASID)
 * @IOASID_SET_SVA: the address space of one process, shared with devices
 *	through iommu_sva_bind_device()
 * @IOASID_SET_FILE: an open file of /dev/ioasid, for userspace; the IDs
 *	it allocates from a range are at or above %IOASID_USER_FIRST
 * @IOASID_SET_IOMMUFD: the PASIDs an iommufd context attaches to devices,
 *	when no /dev/ioasid file provides them
 * @IOASID_SET_NR_KINDS: the number of kinds
 */
enum ioasid_set_kind {
	IOASID_SET_KERNEL,
	IOASID_SET_SVA,
	IOASID_SET_FILE,
	IOASID_SET_IOMMUFD,
	IOASID_SET_NR_KINDS
};

struct ioasid_set;

struct ioasid_set *ioasid_set_alloc(enum ioasid_set_kind kind,
				    unsigned int quota);
void ioasid_set_free(struct ioasid_set *set);
void ioasid_set_set_quota(struct ioasid_set *set, unsigned int quota);
unsigned int ioasid_set_quota(struct ioasid_set *set);
unsigned int ioasid_set_usage(struct ioasid_set *set);

int ioasid_alloc(struct ioasid_set *set, ioasid_t min, ioasid_t max);
int ioasid_alloc_pinned(struct ioasid_set *set, ioasid_t ioasid);
int ioasid_pin(struct ioasid_set *set, ioasid_t ioasid);
void ioasid_unpin(struct ioasid_set *set, ioasid_t ioasid, bool free);
int ioasid_free(struct ioasid_set *set, ioasid_t ioasid);
int ioasid_free_range(struct ioasid_set *set, ioasid_t min, ioasid_t max);
bool ioasid_set_holds(struct ioasid_set *set, ioasid_t ioasid);

#endif /* __LINUX_IOASID_H */
