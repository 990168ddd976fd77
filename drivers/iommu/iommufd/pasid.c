// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PASIDs an iommufd context attaches to devices, held as IOASIDs.
 *
 * A PASID that tags DMA from a device is a system-wide ID: the IOMMU and
 * any device that shares an address space (SVA, ENQCMD) read it as the
 * same address space everywhere.  So every PASID attached through iommufd
 * is an IOASID, held by the context's IOASID set and charged to an ioasids
 * cgroup, and no other set can hold it while the context does.
 *
 * The set is the context's own, created when it attaches a PASID while it
 * holds none and charged to the cgroup of the task that attaches, and
 * freed when it holds none again; or a /dev/ioasid file's set, which its
 * holder hands to the context beforehand with IOASID_BIND_IOMMUFD.  An
 * attach takes the PASID the caller names: if the set holds it already
 * (allocated by IOASID_ALLOC), the attach uses it; otherwise the attach
 * allocates that very ID into the set, within its quota and its cgroup's
 * ioasids.max, and the last detach frees it.  While a PASID is attached
 * to any device of the context, it is pinned: its set cannot free it, and
 * no other context bound to the same file can attach it.
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
 * Only a context that holds no PASID, and was given no set before, can be
 * given one.  /dev/ioasid calls this for IOASID_BIND_IOMMUFD.
 *
 * Return: 0, or -EBUSY if @ictx holds PASIDs or has a file's set.
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
 * Take @pasid into @set, pinned.  The allocator's errors, as an attach
 * reports them: the ID is in use (EBUSY, as for a PASID attached to the
 * device already), or the set's quota or the cgroup's ioasids.max is
 * reached (EDQUOT).
 */
static int iommufd_pasid_alloc(struct ioasid_set *set, ioasid_t pasid)
{
	int rc = ioasid_alloc_pinned(set, pasid);

	if (rc == -ENOSPC)
		return -EBUSY;
	if (rc == -EBUSY)
		return -EDQUOT;
	return rc < 0 ? rc : 0;
}

/* A set of the context's own goes with its last PASID. */
static void iommufd_pasids_drop_empty_set(struct iommufd_pasids *pasids)
{
	if (pasids->set_owner || !xa_empty(&pasids->held))
		return;
	ioasid_set_free(pasids->set);
	pasids->set = NULL;
}

/**
 * iommufd_pasid_hold() - Hold a PASID for one more device attachment
 * @ictx: the context that attaches it
 * @pasid: the PASID
 *
 * The first hold of @pasid takes it from the context's set, or allocates
 * it there, and pins it.  Undo with iommufd_pasid_put().
 *
 * Return: 0, or -EBUSY if another set holds @pasid, or another context
 * bound to the same file has it attached; -EDQUOT if the set's quota or
 * its cgroup's ioasids.max would be exceeded; -ENOMEM.
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
		/* Replacing a value allocates nothing. */
		held = xa_to_value(entry) + PASID_ONE_ATTACH;
		xa_store(&pasids->held, pasid, xa_mk_value(held), GFP_KERNEL);
		rc = 0;
		goto out_unlock;
	}

	/* -EBUSY: another context bound to the same file attached it */
	held = PASID_ONE_ATTACH;
	rc = ioasid_pin(pasids->set, pasid);
	if (rc == -ENOENT) {
		rc = iommufd_pasid_alloc(pasids->set, pasid);
		held |= PASID_ALLOCATED;
	}
	if (rc)
		goto out_drop;
	rc = xa_err(xa_store(&pasids->held, pasid, xa_mk_value(held),
			     GFP_KERNEL_ACCOUNT));
	if (rc) {
		ioasid_unpin(pasids->set, pasid, held & PASID_ALLOCATED);
		goto out_drop;
	}
	mutex_unlock(&pasids->lock);
	return 0;

out_drop:
	iommufd_pasids_drop_empty_set(pasids);
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
	ioasid_unpin(pasids->set, pasid, held & PASID_ALLOCATED);
	iommufd_pasids_drop_empty_set(pasids);
out_unlock:
	mutex_unlock(&pasids->lock);
}
