// SPDX-License-Identifier: GPL-2.0
/*
 * The IOASID allocator.
 *
 * PASIDs (IOASIDs) tag DMA from a device with the address space it targets.
 * They are a system-wide resource: a PASID used for SVA or for ENQCMD must
 * mean the same address space on every device, so one allocator hands them
 * out for the whole system, from the %IOASID_SPACE IDs PCIe can express.
 * No IOMMU narrows that space: a device uses the IDs below its own PASID
 * width, and iommu_alloc_global_pasid() asks for an ID in that range.
 *
 * Narrow devices need low IDs, so where an ID comes from depends on who
 * chooses its range.  SVA and kernel drivers allocate within the width of
 * the device they use, lowest first.  /dev/ioasid may ask for any range,
 * so its sets never get an ID below %IOASID_USER_FIRST from a range: no
 * range a tenant asks for can take the IDs that a device of up to 10
 * PASID bits supports.  A VMM that attaches a PASID its guest chose to a
 * device it owns names that one ID (ioasid_alloc_pinned()), which may be
 * a low one: the guest's device may support no other.  Like SVA's, such
 * IDs are bounded by each consumer's ioasids.max only.
 *
 * Every IOASID belongs to an IOASID set: the IDs of one consumer (a
 * process's address space, an iommufd context, a kernel driver, ...).  A
 * set has a quota that bounds how many IDs it may hold at once, and
 * tearing a set down releases every ID it still holds, so a consumer that
 * goes away cannot leak IDs.
 *
 * Every ID is charged to the ioasids cgroup that owns its set: the cgroup
 * of the task that created the set, or the root cgroup for kernel drivers.
 * The charge names the set's kind, and the controller counts IDs by kind
 * itself: the allocator walks no list of sets for it.
 *
 * The allocated IDs are the entries of one xarray, each pointing to the
 * set that holds it, and nothing else: an ID costs no memory of its own,
 * and allocating one allocates nothing but, at times, an xarray node.
 * An ID attached to a device is pinned (ioasid_pin()), a mark on its
 * entry, so that its set's owner cannot free it while DMA may carry it.
 * Lookups (ioasid_set_holds()) are lock-free under RCU.  Allocation and
 * release take the lock of the xarray, which also protects the range of
 * IDs each set has held.  That lock is IRQ-safe because IDs may be
 * released from atomic context: an mm's SVA PASID is released from
 * __mmdrop().
 */

#include <linux/export.h>
#include <linux/init.h>
#include <linux/ioasid.h>
#include <linux/ioasids_cgroup.h>
#include <linux/slab.h>
#include <linux/xarray.h>

/**
 * struct ioasid_set - The IOASIDs of one consumer
 * @kind: what the IDs are used for
 * @quota: how many IDs the set may hold at once
 * @nr_ioasids: how many IDs the set holds, or is about to
 * @first_index: the lowest index in ioasid_xa of an ID the set has held,
 *	under the lock of ioasid_xa
 * @last_index: the highest such index
 * @cgroup: the ioasids cgroup charged for the set's IDs
 */
struct ioasid_set {
	enum ioasid_set_kind kind;
	unsigned int quota;
	atomic_t nr_ioasids;
	u32 first_index;
	u32 last_index;
	struct ioasids_cgroup *cgroup;
};

/*
 * The allocated IDs, each an entry that points to its set.  ID n is at
 * index n - IOMMU_FIRST_GLOBAL_PASID, so that the lowest ID, the one a
 * host with a single PASID in use holds, is the xarray's index 0, which
 * its root holds without a node: allocating and freeing that ID allocates
 * no memory, as with the IDA the allocator replaces.
 */
static DEFINE_XARRAY_FLAGS(ioasid_xa, XA_FLAGS_ALLOC | XA_FLAGS_LOCK_IRQ);
/* The mark of an ID attached to a device, which its set may not free */
#define IOASID_PINNED	XA_MARK_1

/* The most IDs ioasid_free_range() walks per hold of the xarray's lock */
#define IOASID_FREE_BATCH	XA_CHUNK_SIZE

static u32 ioasid_index(ioasid_t ioasid)
{
	return ioasid - IOMMU_FIRST_GLOBAL_PASID;
}

/* The lowest ID a set of @kind may hold: see the allocation policy above. */
static ioasid_t ioasid_kind_first(enum ioasid_set_kind kind)
{
	if (kind == IOASID_SET_FILE)
		return IOASID_USER_FIRST;
	return IOMMU_FIRST_GLOBAL_PASID;
}

/**
 * ioasid_set_alloc() - Create an IOASID set
 * @kind: what the set's IDs are used for
 * @quota: the largest number of IDs the set may hold at once
 *
 * The set's IDs are charged to the ioasids cgroup of the current task, or
 * to the root cgroup for a set of kind %IOASID_SET_KERNEL, which belongs
 * to no task.  The charge stays there until the ID is freed.
 *
 * Context: process context, may sleep.
 * Return: the new set, or ERR_PTR(-ENOMEM).
 */
struct ioasid_set *ioasid_set_alloc(enum ioasid_set_kind kind,
				    unsigned int quota)
{
	struct ioasid_set *set;

	set = kzalloc(sizeof(*set), GFP_KERNEL_ACCOUNT);
	if (!set)
		return ERR_PTR(-ENOMEM);

	set->kind = kind;
	set->quota = quota;
	atomic_set(&set->nr_ioasids, 0);
	set->first_index = U32_MAX;
	if (kind == IOASID_SET_KERNEL)
		set->cgroup = ioasids_cgroup_get_root();
	else
		set->cgroup = ioasids_cgroup_get_current();
	return set;
}
EXPORT_SYMBOL_GPL(ioasid_set_alloc);

/**
 * ioasid_set_set_quota() - Change the quota of a set
 * @set: the set
 * @quota: the largest number of IDs the set may hold at once
 *
 * A quota below the number of IDs the set holds is accepted: the set keeps
 * its IDs, and allocations fail until it holds fewer than @quota.
 */
void ioasid_set_set_quota(struct ioasid_set *set, unsigned int quota)
{
	WRITE_ONCE(set->quota, quota);
}
EXPORT_SYMBOL_GPL(ioasid_set_set_quota);

/**
 * ioasid_set_quota() - The quota of a set
 * @set: the set
 *
 * Return: the largest number of IDs @set may hold at once.
 */
unsigned int ioasid_set_quota(struct ioasid_set *set)
{
	return READ_ONCE(set->quota);
}
EXPORT_SYMBOL_GPL(ioasid_set_quota);

/**
 * ioasid_set_usage() - The number of IDs a set holds
 * @set: the set
 *
 * Return: the number of IDs @set holds, counting allocations in flight.
 */
unsigned int ioasid_set_usage(struct ioasid_set *set)
{
	return atomic_read(&set->nr_ioasids);
}
EXPORT_SYMBOL_GPL(ioasid_set_usage);

/* Return what the allocation of @nr of @set's IDs reserved. */
static void ioasid_unreserve(struct ioasid_set *set, unsigned int nr)
{
	ioasids_cgroup_uncharge_ioasids(set->cgroup, set->kind, nr);
	atomic_sub(nr, &set->nr_ioasids);
}

/**
 * ioasid_set_free() - Tear down an IOASID set
 * @set: the set, or NULL
 *
 * Releases every IOASID the set still holds, then the set itself.  The
 * caller must ensure that no allocation in @set runs concurrently.
 *
 * Context: any context; does not sleep.
 */
void ioasid_set_free(struct ioasid_set *set)
{
	if (!set)
		return;

	ioasid_free_range(set, IOMMU_FIRST_GLOBAL_PASID, IOMMU_PASID_INVALID);
	WARN_ON(atomic_read(&set->nr_ioasids));
	ioasids_cgroup_put(set->cgroup);
	kfree(set);
}
EXPORT_SYMBOL_GPL(ioasid_set_free);

/*
 * Allocate an ID of [@min, @max], a range @set's kind may hold, and pin
 * it (ioasid_pin()) in the same hold of the lock if @pin.
 */
static int __ioasid_alloc(struct ioasid_set *set, ioasid_t min, ioasid_t max,
			  bool pin)
{
	u32 index;
	int ret;

	if (atomic_inc_return(&set->nr_ioasids) > READ_ONCE(set->quota)) {
		ret = -EDQUOT;
		goto err_unquota;
	}
	ret = ioasids_cgroup_try_charge_ioasid(set->cgroup, set->kind);
	if (ret)
		goto err_unquota;

	/*
	 * The set's range of IDs grows under the same lock hold that
	 * publishes the ID, so ioasid_free_range() never misses an ID.
	 */
	xa_lock_irq(&ioasid_xa);
	ret = __xa_alloc(&ioasid_xa, &index, set,
			 XA_LIMIT(ioasid_index(min), ioasid_index(max)),
			 GFP_KERNEL);
	if (!ret) {
		set->first_index = min(set->first_index, index);
		set->last_index = max(set->last_index, index);
		if (pin)
			__xa_set_mark(&ioasid_xa, index, IOASID_PINNED);
	}
	xa_unlock_irq(&ioasid_xa);
	if (ret) {
		/* xarray's "no free index in the range" */
		if (ret == -EBUSY)
			ret = -ENOSPC;
		goto err_uncharge;
	}
	return index + IOMMU_FIRST_GLOBAL_PASID;

err_uncharge:
	ioasids_cgroup_uncharge_ioasids(set->cgroup, set->kind, 1);
err_unquota:
	atomic_dec(&set->nr_ioasids);
	return ret;
}

/**
 * ioasid_alloc() - Allocate an IOASID in a set
 * @set: the set that will hold the ID
 * @min: the lowest acceptable ID
 * @max: the highest acceptable ID
 *
 * Allocates the lowest free ID in [@min, @max], narrowed to the IDs that
 * a set of its kind can hold: from %IOMMU_FIRST_GLOBAL_PASID, or from
 * %IOASID_USER_FIRST for the sets of /dev/ioasid (%IOASID_SET_FILE), to
 * %IOASID_SPACE - 1.  The set's quota is checked first, then the limits
 * of the set's ioasids cgroup, then the space; a failure at any step
 * leaves nothing allocated and nothing charged.
 *
 * Context: process context, may sleep.
 * Return: the ID, or a negative errno:
 * * %-EINVAL: no ID in [@min, @max] can ever be allocated to @set;
 * * %-EDQUOT: the set already holds as many IDs as its quota allows;
 * * %-EBUSY: the ID would take the set's cgroup, or one of its ancestors,
 *   over its ioasids.max;
 * * %-ENOSPC: every ID in the range is in use;
 * * %-ENOMEM: out of memory.
 */
int ioasid_alloc(struct ioasid_set *set, ioasid_t min, ioasid_t max)
{
	min = max(min, ioasid_kind_first(set->kind));
	max = min(max, IOASID_SPACE - 1);
	if (min > max)
		return -EINVAL;
	return __ioasid_alloc(set, min, max, false);
}
EXPORT_SYMBOL_GPL(ioasid_alloc);

/**
 * ioasid_alloc_pinned() - Allocate one given IOASID in a set, pinned
 * @set: the set that will hold the ID
 * @ioasid: the ID
 *
 * As ioasid_alloc() for the range [@ioasid, @ioasid], except that a set of
 * any kind may take any ID from %IOMMU_FIRST_GLOBAL_PASID: the caller, a
 * VMM attaching the PASID its guest chose to a device it owns, named this
 * ID, and the device may support no higher one.  The ID is pinned
 * (ioasid_pin()) from the start, so that no one frees it before its
 * caller attached it.  An ID in use is refused before anything is
 * charged, so that asking for one costs other consumers nothing.
 *
 * Context: process context, may sleep.
 * Return: @ioasid, or a negative errno as ioasid_alloc() returns it;
 * %-ENOSPC means that a set, @set included, holds @ioasid.
 */
int ioasid_alloc_pinned(struct ioasid_set *set, ioasid_t ioasid)
{
	if (ioasid < IOMMU_FIRST_GLOBAL_PASID || ioasid >= IOASID_SPACE)
		return -EINVAL;
	if (xa_load(&ioasid_xa, ioasid_index(ioasid)))
		return -ENOSPC;
	return __ioasid_alloc(set, ioasid, ioasid, true);
}
EXPORT_SYMBOL_GPL(ioasid_alloc_pinned);

/**
 * ioasid_pin() - Keep an IOASID from being freed while a device uses it
 * @set: the set that holds the ID
 * @ioasid: the ID
 *
 * Until ioasid_unpin(), ioasid_free() of @ioasid fails with -EBUSY.  The
 * caller, which attaches the ID to a device, counts its own attachments
 * and pins once.
 *
 * Context: any context; does not sleep.
 * Return: 0, -ENOENT if @set does not hold @ioasid, or -EBUSY if it is
 * pinned already.
 */
int ioasid_pin(struct ioasid_set *set, ioasid_t ioasid)
{
	u32 index = ioasid_index(ioasid);
	unsigned long flags;
	int ret = 0;

	if (!ioasid_set_holds(set, ioasid))
		return -ENOENT;
	xa_lock_irqsave(&ioasid_xa, flags);
	if (xa_load(&ioasid_xa, index) != set)
		ret = -ENOENT;
	else if (xa_get_mark(&ioasid_xa, index, IOASID_PINNED))
		ret = -EBUSY;
	else
		__xa_set_mark(&ioasid_xa, index, IOASID_PINNED);
	xa_unlock_irqrestore(&ioasid_xa, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(ioasid_pin);

/**
 * ioasid_unpin() - Let an IOASID's set free it again
 * @set: the set that holds the ID
 * @ioasid: the ID, pinned by ioasid_pin() or ioasid_alloc_pinned()
 * @free: whether to free the ID too, in the same hold of the lock, so
 *	that no one sees it unpinned and still held
 *
 * Context: any context; does not sleep.
 */
void ioasid_unpin(struct ioasid_set *set, ioasid_t ioasid, bool free)
{
	u32 index = ioasid_index(ioasid);
	unsigned long flags;

	xa_lock_irqsave(&ioasid_xa, flags);
	/* Only the pinner unpins, and no one frees a pinned ID. */
	if (WARN_ON_ONCE(xa_load(&ioasid_xa, index) != set ||
			 !xa_get_mark(&ioasid_xa, index, IOASID_PINNED))) {
		xa_unlock_irqrestore(&ioasid_xa, flags);
		return;
	}
	__xa_clear_mark(&ioasid_xa, index, IOASID_PINNED);
	if (free)
		__xa_erase(&ioasid_xa, index);
	xa_unlock_irqrestore(&ioasid_xa, flags);
	if (free)
		ioasid_unreserve(set, 1);
}
EXPORT_SYMBOL_GPL(ioasid_unpin);

/**
 * ioasid_free() - Release an IOASID
 * @set: the set that holds the ID
 * @ioasid: the ID
 *
 * Once this returns, ioasid_set_holds() no longer finds @ioasid, and the
 * ID may be allocated again.
 *
 * Context: any context; does not sleep.
 * Return: 0, -ENOENT if @set holds no ID @ioasid, or -EBUSY if the ID is
 * pinned (ioasid_pin()).
 */
int ioasid_free(struct ioasid_set *set, ioasid_t ioasid)
{
	unsigned long flags;
	void *entry;

	if (!set || ioasid < IOMMU_FIRST_GLOBAL_PASID)
		return -ENOENT;

	xa_lock_irqsave(&ioasid_xa, flags);
	if (xa_get_mark(&ioasid_xa, ioasid_index(ioasid), IOASID_PINNED) &&
	    xa_load(&ioasid_xa, ioasid_index(ioasid)) == set) {
		xa_unlock_irqrestore(&ioasid_xa, flags);
		return -EBUSY;
	}
	entry = __xa_cmpxchg(&ioasid_xa, ioasid_index(ioasid), set, NULL, 0);
	xa_unlock_irqrestore(&ioasid_xa, flags);
	if (entry != set)
		return -ENOENT;

	ioasid_unreserve(set, 1);
	return 0;
}
EXPORT_SYMBOL_GPL(ioasid_free);

/**
 * ioasid_free_range() - Release every IOASID of a set in a range
 * @set: the set
 * @min: the lowest ID to release
 * @max: the highest ID to release
 *
 * Walks the allocated IDs from @min to @max that lie between the lowest
 * and the highest ID @set has ever held, and releases those @set holds.
 * The walk visits %IOASID_FREE_BATCH IDs at most per hold of the lock, so
 * that a set whose IDs are spread among many others' does not stall
 * interrupts.  An ID that @set allocates while this runs may be left.
 *
 * Context: any context; does not sleep.
 * Return: the number of IDs released.
 */
int ioasid_free_range(struct ioasid_set *set, ioasid_t min, ioasid_t max)
{
	XA_STATE(xas, &ioasid_xa, 0);
	unsigned int visited, released;
	unsigned long flags;
	u32 first, last;
	void *entry;
	int nr = 0;

	min = max(min, IOMMU_FIRST_GLOBAL_PASID);
	if (min > max)
		return 0;

	xa_lock_irqsave(&ioasid_xa, flags);
	first = max(ioasid_index(min), set->first_index);
	last = min(ioasid_index(max), set->last_index);
	xa_unlock_irqrestore(&ioasid_xa, flags);
	if (first > last)
		return 0;

	xas_set(&xas, first);
	do {
		visited = 0;
		released = 0;
		xa_lock_irqsave(&ioasid_xa, flags);
		xas_for_each(&xas, entry, last) {
			if (entry == set) {
				/* Its owner tears the set down after its users */
				WARN_ON_ONCE(xas_get_mark(&xas, IOASID_PINNED));
				xas_store(&xas, NULL);
				released++;
			}
			if (++visited == IOASID_FREE_BATCH) {
				/*
				 * Not xas_pause(): once xas_store() has freed
				 * a node, xas points to its parent, from
				 * which 6.12's xas_pause() resumes past the
				 * rest of the freed node's range.
				 */
				xas_set(&xas, xas.xa_index + 1);
				break;
			}
		}
		xa_unlock_irqrestore(&ioasid_xa, flags);
		ioasid_unreserve(set, released);
		nr += released;
	} while (entry);	/* the walk stopped at the batch's end */
	return nr;
}
EXPORT_SYMBOL_GPL(ioasid_free_range);

/**
 * ioasid_set_holds() - Whether a set holds an IOASID
 * @set: the set
 * @ioasid: the ID
 *
 * Lock-free.  The answer may be stale by the time it is used unless the
 * caller serializes it with the allocation and release of @ioasid in
 * @set, as the owner of @set can.
 *
 * Context: any context.
 * Return: true if @ioasid is allocated and held by @set.
 */
bool ioasid_set_holds(struct ioasid_set *set, ioasid_t ioasid)
{
	return set && ioasid >= IOMMU_FIRST_GLOBAL_PASID &&
	       xa_load(&ioasid_xa, ioasid_index(ioasid)) == set;
}
EXPORT_SYMBOL_GPL(ioasid_set_holds);

static int __init ioasid_init(void)
{
	/* The IDs below IOMMU_FIRST_GLOBAL_PASID are never allocated. */
	ioasids_cgroup_set_capacity(IOASID_SPACE - IOMMU_FIRST_GLOBAL_PASID);
	return 0;
}
core_initcall(ioasid_init);
