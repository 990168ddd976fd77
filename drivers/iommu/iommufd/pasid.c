// SPDX-License-Identifier: GPL-2.0
/*
 * The PASIDs an iommufd context attaches to devices, held as IOASIDs.
 *
 * A PASID that tags DMA from a device is a system-wide ID: the IOMMU and
 * any device that shares an address space (SVA, ENQCMD) read it as the
 * same address space everywhere.  So every PASID attached through iommufd
 * is an IOASID, held by the context's IOASID set and charged to an ioasids
 * cgroup, and no other set can hold it while the context does.
 *
 * The set is the context's own, created at its first PASID attach and
 * charged to the cgroup of the task that makes it, or a /dev/ioasid file's
 * set, which its holder hands to the context beforehand with
 * IOASID_BIND_IOMMUFD.  An attach takes the PASID the caller names: if the
 * set holds it already (allocated by IOASID_ALLOC), the attach uses it;
 * otherwise the attach allocates that very ID into the set, within its
 * quota and its cgroup's ioasids.max, and the last detach frees it.  While
 * a PASID is attached to any device, it is pinned: its set cannot free it.
 */

#include <linux/file.h>
#include <linux/ioasid.h>
#include <linux/iommufd.h>
#include <linux/xarray.h>

#include "iommufd_private.h"

/*
 * A held PASID is an xarray value: the number of devices it is attached
 * to, shifted left by one, and whether the context allocated it.
 */
#define PASID_ALLOCATED		1UL
#define PASID_ONE_ATTACH	2UL

void iommufd_pasids_init(struct iommufd_pasids *pasids)
{
	mutex_init(&pasids->lock);
	xa_init(&pasids->held);
}

void iommufd_pasids_destroy(struct iommufd_pasids *pasids)
{
	/* Every device is unbound, so every PASID detached. */
	WARN_ON(!xa_empty(&pasids->held));
	if (pasids->set_owner)
		fput(pasids->set_owner);
	else
		ioasid_set_free(pasids->set);
	xa_destroy(&pasids->held);
	mutex_destroy(&pasids->lock);
}

/**
 * iommufd_ctx_use_ioasid_set() - Give an iommufd context its PASIDs' set
 * @ictx: the context
 * @set: the IOASID set whose IDs the context will attach
 * @owner: the file that owns @set, which the context holds until it is
 *	destroyed
 *
 * Only a context that holds no PASID yet, and has no set, can be given
 * one.  /dev/ioasid calls this for IOASID_BIND_IOMMUFD.
 *
 * Return: 0, or -EBUSY if @ictx already has a set.
 */
int iommufd_ctx_use_ioasid_set(struct iommufd_ctx *ictx,
			       struct ioasid_set *set, struct file *owner)
{
	struct iommufd_pasids *pasids = &ictx->pasids;
	int rc = 0;

	mutex_lock(&pasids->lock);
	if (pasids->set) {
		rc = -EBUSY;
	} else {
		pasids->set = set;
		pasids->set_owner = get_file(owner);
	}
	mutex_unlock(&pasids->lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_use_ioasid_set, IOMMUFD);

/*
 * The allocator's errors, as an attach reports them: the ID is in use
 * (EBUSY, as for a PASID attached to the device already), or the set's
 * quota or the cgroup's ioasids.max is reached (EDQUOT).
 */
static int iommufd_pasid_alloc(struct ioasid_set *set, ioasid_t pasid)
{
	int rc = ioasid_alloc_id(set, pasid);

	if (rc == -ENOSPC)
		return -EBUSY;
	if (rc == -EBUSY)
		return -EDQUOT;
	return rc < 0 ? rc : 0;
}

/**
 * iommufd_pasid_hold() - Hold a PASID for one more device attachment
 * @ictx: the context that attaches it
 * @pasid: the PASID
 *
 * The first hold of @pasid takes it from the context's set, or allocates
 * it there, and pins it.  Undo with iommufd_pasid_put().
 *
 * Return: 0, or -EBUSY if another set holds @pasid, -EDQUOT if the set's
 * quota or its cgroup's ioasids.max would be exceeded, -ENOMEM.
 */
int iommufd_pasid_hold(struct iommufd_ctx *ictx, ioasid_t pasid)
{
	struct iommufd_pasids *pasids = &ictx->pasids;
	unsigned long held;
	void *entry;
	int rc;

	mutex_lock(&pasids->lock);
	if (!pasids->set) {
		struct ioasid_set *set;

		set = ioasid_set_alloc(IOASID_SET_IOMMUFD, UINT_MAX);
		if (IS_ERR(set)) {
			rc = PTR_ERR(set);
			goto out_unlock;
		}
		pasids->set = set;
	}

	entry = xa_load(&pasids->held, pasid);
	if (entry) {
		held = xa_to_value(entry) + PASID_ONE_ATTACH;
		rc = xa_err(xa_store(&pasids->held, pasid, xa_mk_value(held),
				     GFP_KERNEL));
		goto out_unlock;
	}

	held = PASID_ONE_ATTACH;
	if (!ioasid_set_holds(pasids->set, pasid)) {
		rc = iommufd_pasid_alloc(pasids->set, pasid);
		if (rc)
			goto out_unlock;
		held |= PASID_ALLOCATED;
	}
	rc = ioasid_pin(pasids->set, pasid);
	if (rc)
		goto out_free;
	rc = xa_err(xa_store(&pasids->held, pasid, xa_mk_value(held),
			     GFP_KERNEL));
	if (rc)
		goto out_unpin;
	mutex_unlock(&pasids->lock);
	return 0;

out_unpin:
	ioasid_unpin(pasids->set, pasid);
out_free:
	if (held & PASID_ALLOCATED)
		WARN_ON(ioasid_free(pasids->set, pasid));
out_unlock:
	mutex_unlock(&pasids->lock);
	return rc;
}

/**
 * iommufd_pasid_put() - Drop a hold of iommufd_pasid_hold()
 * @ictx: the context
 * @pasid: the PASID
 *
 * The last put unpins @pasid, and frees it if the context allocated it.
 */
void iommufd_pasid_put(struct iommufd_ctx *ictx, ioasid_t pasid)
{
	struct iommufd_pasids *pasids = &ictx->pasids;
	unsigned long held;
	void *entry;

	mutex_lock(&pasids->lock);
	entry = xa_load(&pasids->held, pasid);
	if (WARN_ON(!entry))
		goto out_unlock;
	held = xa_to_value(entry) - PASID_ONE_ATTACH;
	if (held >= PASID_ONE_ATTACH) {
		/* Replacing a value allocates nothing. */
		xa_store(&pasids->held, pasid, xa_mk_value(held), GFP_KERNEL);
		goto out_unlock;
	}
	xa_erase(&pasids->held, pasid);
	ioasid_unpin(pasids->set, pasid);
	if (held & PASID_ALLOCATED)
		WARN_ON(ioasid_free(pasids->set, pasid));
out_unlock:
	mutex_unlock(&pasids->lock);
}
