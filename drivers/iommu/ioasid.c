// SPDX-License-Identifier: GPL-2.0
/*
 * The IOASID allocator.
 *
 * PASIDs (IOASIDs) tag DMA from a device with the address space it targets.
 * They are a system-wide resource: a PASID used for SVA or for ENQCMD must
 * mean the same address space on every device, so one allocator hands them
 * out for the whole system, from a space of ioasid_capacity() IDs.
 *
 * Every IOASID belongs to an IOASID set: the IDs of one consumer (a
 * process's address space, a kernel driver, ...).  A set has a quota that
 * bounds how many IDs it may hold at once, and tearing a set down releases
 * every ID it still holds, so a consumer that goes away cannot leak IDs.
 *
 * Every ID is charged to the ioasids cgroup that owns its set: the cgroup
 * of the task that created the set, or the root cgroup for kernel drivers.
 *
 * Lookups (ioasid_find()) are lock-free under RCU.  Allocation and release
 * take the lock of the global xarray, which also protects every set's list
 * of IDs.  That lock is IRQ-safe because IDs may be released from atomic
 * context: an mm's SVA PASID is released from __mmdrop().
 */

#include <linux/export.h>
#include <linux/init.h>
#include <linux/ioasid.h>
#include <linux/ioasids_cgroup.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

/**
 * struct ioasid_set - The IOASIDs of one consumer
 * @kind: what the IDs are used for
 * @quota: how many IDs the set may hold at once
 * @nr_ioasids: how many IDs the set holds, or is about to
 * @ioasids: the IDs the set holds, under the lock of ioasid_xa
 * @cgroup: the ioasids cgroup charged for the set's IDs
 * @mm: for a set shared by the users of an address space
 *	(ioasid_set_get_mm()), that address space, else NULL
 * @users: references to a shared set
 * @mm_node: entry in ioasid_mm_sets
 */
struct ioasid_set {
	enum ioasid_set_kind kind;
	unsigned int quota;
	atomic_t nr_ioasids;
	struct list_head ioasids;
	struct ioasids_cgroup *cgroup;
	struct mm_struct *mm;
	refcount_t users;
	struct list_head mm_node;
};

/**
 * struct ioasid_data - One allocated IOASID
 * @id: the IOASID
 * @set: the set that holds it
 * @private: the allocator's caller's data, returned by ioasid_find()
 * @set_node: entry in @set's list while the ID is allocated
 * @rcu: for freeing once the ID is released; lookups reach the entry only
 *	through ioasid_xa, never through the set's list, so the list node
 *	can be reused once the entry is off both
 */
struct ioasid_data {
	ioasid_t id;
	struct ioasid_set *set;
	void *private;
	union {
		struct list_head set_node;
		struct rcu_head rcu;
	};
};

static DEFINE_XARRAY_FLAGS(ioasid_xa, XA_FLAGS_ALLOC | XA_FLAGS_LOCK_IRQ);
/* The sets shared by the users of an address space */
static LIST_HEAD(ioasid_mm_sets);
static DEFINE_MUTEX(ioasid_mm_sets_lock);
static ioasid_t ioasid_capacity_nr = IOASID_DEFAULT_CAPACITY;
static struct kmem_cache *ioasid_cache;

/**
 * ioasid_capacity() - Size of the system's IOASID space
 *
 * IDs range from 0 to ioasid_capacity() - 1, of which those below
 * %IOMMU_FIRST_GLOBAL_PASID are reserved and never allocated.
 *
 * Return: the number of IDs in the space.
 */
ioasid_t ioasid_capacity(void)
{
	return READ_ONCE(ioasid_capacity_nr);
}
EXPORT_SYMBOL_GPL(ioasid_capacity);

/**
 * ioasid_limit_capacity() - Lower the size of the IOASID space
 * @capacity: the number of PASIDs the hardware supports
 *
 * Called when an IOMMU that supports PASIDs registers: a global PASID must
 * be valid on every IOMMU, so the space shrinks to the narrowest one.  The
 * capacity never grows, and never drops below %IOMMU_FIRST_GLOBAL_PASID,
 * so that there is no ID to allocate rather than a negative range.  IDs
 * already allocated above the new capacity stay valid until they are
 * freed.
 */
void ioasid_limit_capacity(ioasid_t capacity)
{
	unsigned long flags;

	capacity = max(capacity, IOMMU_FIRST_GLOBAL_PASID);
	xa_lock_irqsave(&ioasid_xa, flags);
	if (capacity < ioasid_capacity_nr)
		WRITE_ONCE(ioasid_capacity_nr, capacity);
	xa_unlock_irqrestore(&ioasid_xa, flags);
}
EXPORT_SYMBOL_GPL(ioasid_limit_capacity);

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
	INIT_LIST_HEAD(&set->ioasids);
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

static void ioasid_unreserve(struct ioasid_set *set)
{
	ioasids_cgroup_uncharge_ioasid(set->cgroup, set->kind);
	atomic_dec(&set->nr_ioasids);
}

static void ioasid_release(struct ioasid_data *data)
{
	ioasid_unreserve(data->set);
	kfree_rcu(data, rcu);
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
	struct ioasid_data *data;
	unsigned long flags;

	if (!set)
		return;

	/* One ID per lock hold: a large set must not stall interrupts. */
	do {
		xa_lock_irqsave(&ioasid_xa, flags);
		data = list_first_entry_or_null(&set->ioasids,
						struct ioasid_data, set_node);
		if (data) {
			__xa_erase(&ioasid_xa, data->id);
			list_del(&data->set_node);
		}
		xa_unlock_irqrestore(&ioasid_xa, flags);
		if (data)
			ioasid_release(data);
	} while (data);

	WARN_ON(atomic_read(&set->nr_ioasids));
	ioasids_cgroup_put(set->cgroup);
	kfree(set);
}
EXPORT_SYMBOL_GPL(ioasid_set_free);

/**
 * ioasid_set_get_mm() - Get the set that the users of an address space share
 * @kind: what the set's IDs are used for
 * @mm: the address space
 * @quota: the quota of the set, if it has to be created
 *
 * All the callers that pass the same @kind and @mm get the same set, until
 * the last of them puts it with ioasid_set_put(): VFIO gives a process one
 * set of PASIDs for all the containers it opens.  The set is created by the
 * first caller, and charged to that caller's ioasids cgroup.
 *
 * Context: process context, may sleep.
 * Return: the set, with a reference for the caller, or ERR_PTR(-ENOMEM).
 */
struct ioasid_set *ioasid_set_get_mm(enum ioasid_set_kind kind,
				     struct mm_struct *mm, unsigned int quota)
{
	struct ioasid_set *set;

	mutex_lock(&ioasid_mm_sets_lock);
	list_for_each_entry(set, &ioasid_mm_sets, mm_node) {
		if (set->kind == kind && set->mm == mm) {
			refcount_inc(&set->users);
			goto out_unlock;
		}
	}
	set = ioasid_set_alloc(kind, quota);
	if (IS_ERR(set))
		goto out_unlock;
	/* Hold the mm_struct, so that no other mm can take its address. */
	mmgrab(mm);
	set->mm = mm;
	refcount_set(&set->users, 1);
	list_add(&set->mm_node, &ioasid_mm_sets);
out_unlock:
	mutex_unlock(&ioasid_mm_sets_lock);
	return set;
}
EXPORT_SYMBOL_GPL(ioasid_set_get_mm);

/**
 * ioasid_set_put() - Put a set from ioasid_set_get_mm()
 * @set: the set, or NULL
 *
 * The last put releases every ID of the set, and the set.
 *
 * Context: process context, may sleep.
 */
void ioasid_set_put(struct ioasid_set *set)
{
	if (!set)
		return;

	mutex_lock(&ioasid_mm_sets_lock);
	if (!refcount_dec_and_test(&set->users)) {
		mutex_unlock(&ioasid_mm_sets_lock);
		return;
	}
	list_del(&set->mm_node);
	mutex_unlock(&ioasid_mm_sets_lock);

	mmdrop(set->mm);
	ioasid_set_free(set);
}
EXPORT_SYMBOL_GPL(ioasid_set_put);

/**
 * ioasid_alloc() - Allocate an IOASID in a set
 * @set: the set that will hold the ID
 * @min: the lowest acceptable ID
 * @max: the highest acceptable ID
 * @private: data returned by ioasid_find() for this ID
 *
 * Allocates the lowest free ID in [@min, @max], narrowed to the IDs that
 * can be allocated at all: from %IOMMU_FIRST_GLOBAL_PASID to
 * ioasid_capacity() - 1.  The set's quota is checked first, then the
 * limits of the set's ioasids cgroup, then the space; a failure at any
 * step leaves nothing allocated and nothing charged.
 *
 * Context: process context, may sleep.
 * Return: the ID, or a negative errno:
 * * %-EINVAL: no ID in [@min, @max] can ever be allocated;
 * * %-EDQUOT: the set already holds as many IDs as its quota allows;
 * * %-EBUSY: the ID would take the set's cgroup, or one of its ancestors,
 *   over its ioasids.max;
 * * %-ENOSPC: every ID in the range is in use;
 * * %-ENOMEM: out of memory.
 */
int ioasid_alloc(struct ioasid_set *set, ioasid_t min, ioasid_t max,
		 void *private)
{
	struct ioasid_data *data;
	int ret;

	min = max(min, IOMMU_FIRST_GLOBAL_PASID);
	max = min(max, ioasid_capacity() - 1);
	if (min > max)
		return -EINVAL;

	if (atomic_inc_return(&set->nr_ioasids) > READ_ONCE(set->quota)) {
		ret = -EDQUOT;
		goto err_unquota;
	}
	ret = ioasids_cgroup_try_charge_ioasid(set->cgroup, set->kind);
	if (ret)
		goto err_unquota;

	data = kmem_cache_alloc(ioasid_cache, GFP_KERNEL);
	if (!data) {
		ret = -ENOMEM;
		goto err_unreserve;
	}
	data->set = set;
	data->private = private;

	/*
	 * The ID joins the set's list under the same lock hold that publishes
	 * it, so ioasid_free() and ioasid_set_free() never find an ID that is
	 * not on its list.
	 */
	xa_lock_irq(&ioasid_xa);
	ret = __xa_alloc(&ioasid_xa, &data->id, data, XA_LIMIT(min, max),
			 GFP_KERNEL);
	if (!ret)
		list_add(&data->set_node, &set->ioasids);
	xa_unlock_irq(&ioasid_xa);
	if (ret) {
		kmem_cache_free(ioasid_cache, data);
		/* xarray's "no free index in the range" */
		if (ret == -EBUSY)
			ret = -ENOSPC;
		goto err_unreserve;
	}
	return data->id;

err_unreserve:
	ioasid_unreserve(set);
	return ret;

err_unquota:
	atomic_dec(&set->nr_ioasids);
	return ret;
}
EXPORT_SYMBOL_GPL(ioasid_alloc);

/**
 * ioasid_free() - Release an IOASID
 * @set: the set that holds the ID
 * @ioasid: the ID
 *
 * Once this returns, ioasid_find() no longer finds @ioasid, and the ID may
 * be allocated again.
 *
 * Context: any context; does not sleep.
 * Return: 0, or -ENOENT if @set holds no ID @ioasid.
 */
int ioasid_free(struct ioasid_set *set, ioasid_t ioasid)
{
	struct ioasid_data *data;
	unsigned long flags;

	xa_lock_irqsave(&ioasid_xa, flags);
	data = xa_load(&ioasid_xa, ioasid);
	if (data && data->set == set) {
		__xa_erase(&ioasid_xa, ioasid);
		list_del(&data->set_node);
	} else {
		data = NULL;
	}
	xa_unlock_irqrestore(&ioasid_xa, flags);

	if (!data)
		return -ENOENT;
	ioasid_release(data);
	return 0;
}
EXPORT_SYMBOL_GPL(ioasid_free);

/**
 * ioasid_free_range() - Release every IOASID of a set in a range
 * @set: the set
 * @min: the lowest ID to release
 * @max: the highest ID to release
 *
 * Context: any context; does not sleep.
 * Return: the number of IDs released.
 */
int ioasid_free_range(struct ioasid_set *set, ioasid_t min, ioasid_t max)
{
	struct ioasid_data *data, *next;
	unsigned long flags;
	LIST_HEAD(released);
	int nr = 0;

	xa_lock_irqsave(&ioasid_xa, flags);
	list_for_each_entry_safe(data, next, &set->ioasids, set_node) {
		if (data->id < min || data->id > max)
			continue;
		__xa_erase(&ioasid_xa, data->id);
		list_move(&data->set_node, &released);
	}
	xa_unlock_irqrestore(&ioasid_xa, flags);

	list_for_each_entry_safe(data, next, &released, set_node) {
		list_del(&data->set_node);
		ioasid_release(data);
		nr++;
	}
	return nr;
}
EXPORT_SYMBOL_GPL(ioasid_free_range);

/**
 * ioasid_find() - Look up the private data of an IOASID
 * @set: the set that must hold the ID, or NULL for any set
 * @ioasid: the ID
 *
 * Lock-free.  The allocator does not manage the lifetime of the private
 * data: the caller must know it outlives its use, for example because the
 * caller owns @set.
 *
 * Context: any context.
 * Return: the private data given to ioasid_alloc(), or ERR_PTR(-ENOENT) if
 * @ioasid is not allocated, or not held by @set.
 */
void *ioasid_find(struct ioasid_set *set, ioasid_t ioasid)
{
	struct ioasid_data *data;
	void *private;

	rcu_read_lock();
	data = xa_load(&ioasid_xa, ioasid);
	if (data && (!set || data->set == set))
		private = data->private;
	else
		private = ERR_PTR(-ENOENT);
	rcu_read_unlock();
	return private;
}
EXPORT_SYMBOL_GPL(ioasid_find);

static int __init ioasid_init(void)
{
	ioasid_cache = KMEM_CACHE(ioasid_data, SLAB_ACCOUNT | SLAB_PANIC);
	return 0;
}
core_initcall(ioasid_init);
