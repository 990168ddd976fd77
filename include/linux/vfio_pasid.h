/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VFIO_IOMMU_PASID_REQUEST, shared by VFIO's type1 container and iommufd's
 * emulation of it, which must behave the same.  Inline, because neither
 * module may depend on the other.
 */
#ifndef __LINUX_VFIO_PASID_H
#define __LINUX_VFIO_PASID_H

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <uapi/linux/vfio.h>

/* The default quota of a process's PASIDs, for the backends' parameters */
#define VFIO_PASID_DEFAULT_QUOTA	1000

/**
 * vfio_pasid_request() - Serve VFIO_IOMMU_PASID_REQUEST for a container
 * @setp: the container's PASID set: NULL until its first request, then the
 *	set of the process that made it, which the container puts with
 *	ioasid_set_put() when it is released
 * @quota: the quota of the process's set, if this request creates it
 * @arg: the caller's struct vfio_iommu_type1_pasid_request
 *
 * Every container of a process shares the process's set, so a PASID
 * allocated through one container may be freed through another, and the
 * quota counts them all.
 *
 * Return: the PASID allocated, 0 after a free, or a negative errno as
 * include/uapi/linux/vfio.h documents.
 */
static inline long vfio_pasid_request(struct ioasid_set **setp,
				      unsigned int quota, unsigned long arg)
{
	unsigned long minsz =
		offsetofend(struct vfio_iommu_type1_pasid_request, max);
	struct vfio_iommu_type1_pasid_request req;
	struct ioasid_set *set;

	if (copy_from_user(&req, (void __user *)arg, minsz))
		return -EFAULT;
	if (req.argsz < minsz || req.min > req.max)
		return -EINVAL;
	if (req.flags != VFIO_IOMMU_PASID_ALLOC &&
	    req.flags != VFIO_IOMMU_PASID_FREE)
		return -EINVAL;

	/*
	 * The container's first request, even a free, takes the set of the
	 * process, which its other containers may already share.
	 */
	set = READ_ONCE(*setp);
	if (!set) {
		set = ioasid_set_get_mm(IOASID_SET_VFIO, current->mm, quota);
		if (IS_ERR(set))
			return PTR_ERR(set);
		/* Another thread's first request may have won. */
		if (cmpxchg(setp, NULL, set)) {
			ioasid_set_put(set);
			set = READ_ONCE(*setp);
		}
	}

	if (req.flags == VFIO_IOMMU_PASID_ALLOC)
		return ioasid_alloc(set, req.min, req.max);
	return ioasid_free_range(set, req.min, req.max) ? 0 : -ENOENT;
}

#endif /* __LINUX_VFIO_PASID_H */
