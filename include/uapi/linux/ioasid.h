/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/ioasid: IOASIDs (PASIDs) for userspace.
 *
 * Each open file of /dev/ioasid is one IOASID set: the IOASIDs allocated
 * through it, charged to the ioasids cgroup of the task that opened it, and
 * freed when the file is closed.  A VMM binds the file to its iommufd
 * context, whose devices then attach these IOASIDs as PASIDs.
 *
 * Every ioctl takes a pointer to a struct that begins with __u32 size and
 * __u32 flags.  The kernel reads the struct with copy_struct_from_user(),
 * so old and new binaries work together: a struct shorter than the
 * command's first version fails with EINVAL, and one longer than the
 * kernel knows fails with E2BIG unless the extra bytes are zero.  Unknown
 * flags fail with EOPNOTSUPP, non-zero reserved fields with EINVAL, and
 * unknown commands with ENOTTY.  There is no version number: a program
 * probes for commands and reads the supported flags from IOASID_GET_INFO.
 */
#ifndef _UAPI_LINUX_IOASID_H
#define _UAPI_LINUX_IOASID_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOASID_TYPE 0xB9

enum {
	IOASID_CMD_GET_INFO = 0x00,
	IOASID_CMD_ALLOC = 0x01,
	IOASID_CMD_FREE = 0x02,
	IOASID_CMD_SET_QUOTA = 0x03,
	IOASID_CMD_BIND_IOMMUFD = 0x04,
};

/* The quota of a new file: no limit but the ioasids cgroup's */
#define IOASID_QUOTA_UNLIMITED 0xffffffffU

/**
 * struct ioasid_get_info - ioctl(IOASID_GET_INFO)
 * @size: sizeof(struct ioasid_get_info)
 * @flags: Must be 0
 * @capacity: Number of IOASIDs the system can allocate, as the root
 *            cgroup's ioasids.capacity
 * @max_ioasid: The highest IOASID the system can allocate; the lowest is 1
 * @quota: The quota of this file (IOASID_SET_QUOTA)
 * @usage: Number of IOASIDs this file holds
 * @alloc_flags: The flags IOASID_ALLOC supports
 * @min_ioasid: Output: the lowest IOASID this file can allocate; must be 0
 *              on input
 *
 * Describe the system's IOASID space and this file's set.  The IOASIDs
 * below @min_ioasid are left to the kernel's own users (SVA, drivers):
 * devices with few PASID bits can use only those, so no file may take
 * them.
 */
struct ioasid_get_info {
	__u32 size;
	__u32 flags;
	__u32 capacity;
	__u32 max_ioasid;
	__u32 quota;
	__u32 usage;
	__u32 alloc_flags;
	__u32 min_ioasid;
};

#define IOASID_GET_INFO _IO(IOASID_TYPE, IOASID_CMD_GET_INFO)

/**
 * enum ioasid_alloc_flags - Flags for IOASID_ALLOC
 * @IOASID_ALLOC_RANGE: Allocate within [@min, @max] rather than anywhere
 */
enum ioasid_alloc_flags {
	IOASID_ALLOC_RANGE = 1 << 0,
};

/**
 * struct ioasid_alloc - ioctl(IOASID_ALLOC)
 * @size: sizeof(struct ioasid_alloc)
 * @flags: Combination of enum ioasid_alloc_flags
 * @min: With IOASID_ALLOC_RANGE, the lowest acceptable IOASID; else 0
 * @max: With IOASID_ALLOC_RANGE, the highest acceptable IOASID; else 0
 * @out_ioasid: Output: the IOASID allocated; must be 0 on input
 * @__reserved: Must be 0
 *
 * Allocate the lowest free IOASID at or above the @min_ioasid of
 * IOASID_GET_INFO, charged to the cgroup that opened the file.  A range
 * that begins below @min_ioasid begins there.  Errors, checked in this
 * order:
 *
 * - EINVAL: no IOASID in [@min, @max] can ever be allocated to the file;
 * - EDQUOT: the file holds as many IOASIDs as its quota allows;
 * - EBUSY: the IOASID would take the cgroup, or an ancestor, over its
 *   ioasids.max;
 * - ENOMEM: out of memory;
 * - ENOSPC: every IOASID in the range is in use;
 * - EFAULT: the result could not be written back; the IOASID is freed.
 */
struct ioasid_alloc {
	__u32 size;
	__u32 flags;
	__u32 min;
	__u32 max;
	__u32 out_ioasid;
	__u32 __reserved;
};

#define IOASID_ALLOC _IO(IOASID_TYPE, IOASID_CMD_ALLOC)

/**
 * struct ioasid_free - ioctl(IOASID_FREE)
 * @size: sizeof(struct ioasid_free)
 * @flags: Must be 0
 * @ioasid: The IOASID to free
 * @__reserved: Must be 0
 *
 * Free an IOASID this file holds, and return its charge.  ENOENT if the
 * file does not hold @ioasid, EBUSY if a device has it attached.
 */
struct ioasid_free {
	__u32 size;
	__u32 flags;
	__u32 ioasid;
	__u32 __reserved;
};

#define IOASID_FREE _IO(IOASID_TYPE, IOASID_CMD_FREE)

/**
 * struct ioasid_set_quota - ioctl(IOASID_SET_QUOTA)
 * @size: sizeof(struct ioasid_set_quota)
 * @flags: Must be 0
 * @quota: The largest number of IOASIDs the file may hold at once, or
 *         IOASID_QUOTA_UNLIMITED
 * @__reserved: Must be 0
 *
 * Any holder of the file may lower its quota; raising it fails with EPERM
 * and changes nothing unless the caller has CAP_SYS_ADMIN in the initial
 * user namespace, so a quota set before the file is handed on bounds its
 * new holder.  A new file's quota is IOASID_QUOTA_UNLIMITED.  A quota
 * below the number of IOASIDs the file holds is accepted: the file keeps
 * them, and IOASID_ALLOC fails with EDQUOT until it holds fewer than
 * @quota.  The quota limits one file; the ioasids cgroup limits all the
 * files and other consumers of a cgroup.
 */
struct ioasid_set_quota {
	__u32 size;
	__u32 flags;
	__u32 quota;
	__u32 __reserved;
};

#define IOASID_SET_QUOTA _IO(IOASID_TYPE, IOASID_CMD_SET_QUOTA)

/**
 * struct ioasid_bind_iommufd - ioctl(IOASID_BIND_IOMMUFD)
 * @size: sizeof(struct ioasid_bind_iommufd)
 * @flags: Must be 0
 * @iommufd: A file descriptor of /dev/iommu: an iommufd context
 * @__reserved: Must be 0
 *
 * Make this file's IOASIDs the PASIDs of an iommufd context: from now on,
 * every PASID that a device bound to the context attaches
 * (VFIO_DEVICE_ATTACH_PASID) is an IOASID of this file.  If the file holds
 * the PASID already, the attach uses it; otherwise the attach allocates
 * that ID into the file, within its quota and its cgroup's limits, and the
 * last detach frees it.  While attached, an IOASID cannot be freed
 * (IOASID_FREE fails with EBUSY).  The context keeps the file open until
 * the context is closed.  An IOASID attached through one of the contexts
 * bound to a file cannot be attached through another.  Errors: EBADF if
 * @iommufd is no open file, EINVAL if it is not /dev/iommu, EBUSY if the
 * context holds PASIDs or is bound to a file already.
 */
struct ioasid_bind_iommufd {
	__u32 size;
	__u32 flags;
	__s32 iommufd;
	__u32 __reserved;
};

#define IOASID_BIND_IOMMUFD _IO(IOASID_TYPE, IOASID_CMD_BIND_IOMMUFD)

#endif /* _UAPI_LINUX_IOASID_H */
