/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioasids cgroup controller: what the IOASID allocator and the users of
 * DMA-pinned memory charge.
 */
#ifndef _LINUX_IOASIDS_CGROUP_H
#define _LINUX_IOASIDS_CGROUP_H

#include <linux/ioasid.h>

struct ioasids_cgroup;

/**
 * enum ioasids_pinned_source - Who pins memory for DMA, for ioasids.stat
 * @IOASIDS_PINNED_VFIO: VFIO's type1 IOMMU backend
 * @IOASIDS_PINNED_IOMMUFD: iommufd
 * @IOASIDS_NR_PINNED_SOURCES: the number of sources
 */
enum ioasids_pinned_source {
	IOASIDS_PINNED_VFIO,
	IOASIDS_PINNED_IOMMUFD,
	IOASIDS_NR_PINNED_SOURCES
};

#ifdef CONFIG_CGROUP_IOASIDS

#include <linux/cgroup-defs.h>
#include <linux/page_counter.h>
#include <linux/percpu.h>

/* The resources the controller limits */
enum ioasids_res {
	IOASIDS_RES_IDS,	/* IOASIDs, counted one by one */
	IOASIDS_RES_PINNED,	/* memory pinned for DMA, in pages */
	IOASIDS_NR_RES,
};

/*
 * The memory one CPU pinned for one cgroup, by source, for ioasids.stat:
 * per CPU, so that keeping the breakdown adds no atomic operation to a
 * charge.  IOASIDs are counted by kind in their sets: see
 * ioasid_count_by_kind().
 */
struct ioasids_stat {
	long nr_pinned[IOASIDS_NR_PINNED_SOURCES];
};

struct ioasids_resource {
	struct page_counter counter;
	/* Times a charge failed at this level or below it */
	atomic64_t events;
	/* Times a charge failed at this level */
	atomic64_t events_local;
};

/**
 * struct ioasids_cgroup - The controller's state in one cgroup
 * @css: the cgroup's state for this controller
 * @res: each limited resource
 * @stat: pinned pages charged to this very cgroup, by source, per CPU
 * @events_file: ioasids.events, for notifications
 * @events_local_file: ioasids.events.local, for notifications
 */
struct ioasids_cgroup {
	struct cgroup_subsys_state css;
	struct ioasids_resource res[IOASIDS_NR_RES];
	struct ioasids_stat __percpu *stat;
	struct cgroup_file events_file;
	struct cgroup_file events_local_file;
};

struct ioasids_cgroup *ioasids_cgroup_get_current(void);
struct ioasids_cgroup *ioasids_cgroup_get_root(void);
void ioasids_cgroup_put(struct ioasids_cgroup *cg);
int ioasids_cgroup_charge_failed(struct page_counter *fail,
				 enum ioasids_res res);
int ioasids_cgroup_try_charge_pinned(struct ioasids_cgroup *cg,
				     enum ioasids_pinned_source source,
				     unsigned long npages);
void ioasids_cgroup_uncharge_pinned(struct ioasids_cgroup *cg,
				    enum ioasids_pinned_source source,
				    unsigned long npages);

bool ioasids_cgroup_is_descendant(struct ioasids_cgroup *cg,
				  struct ioasids_cgroup *ancestor);
/* From the allocator, whose sets count their IDs, for ioasids.stat */
void ioasid_count_by_kind(struct ioasids_cgroup *cg,
			  unsigned long nr[IOASID_SET_NR_KINDS]);

/*
 * The charge of an IOASID is inline in the allocator, which is built in:
 * it costs the allocator one call, into page_counter_try_charge(), as a
 * charge of the misc controller costs its caller one call, into
 * misc_cg_try_charge().
 */

/**
 * ioasids_cgroup_try_charge_ioasid() - Charge one IOASID to a cgroup
 * @cg: the cgroup that owns the IOASID's set, or NULL
 *
 * Context: any context.
 * Return: 0, or -EBUSY if the charge would take @cg or one of its
 * ancestors over its ioasids.max; then nothing is charged.
 */
static inline int ioasids_cgroup_try_charge_ioasid(struct ioasids_cgroup *cg)
{
	struct page_counter *fail;

	if (!cg)
		return 0;
	if (unlikely(!page_counter_try_charge(&cg->res[IOASIDS_RES_IDS].counter,
					      1, &fail)))
		return ioasids_cgroup_charge_failed(fail, IOASIDS_RES_IDS);
	return 0;
}

/**
 * ioasids_cgroup_uncharge_ioasids() - Return the charges of IOASIDs
 * @cg: the cgroup charged by ioasids_cgroup_try_charge_ioasid(), or NULL
 * @nr: how many IOASIDs
 *
 * Context: any context.
 */
static inline void ioasids_cgroup_uncharge_ioasids(struct ioasids_cgroup *cg,
						   unsigned int nr)
{
	if (cg && nr)
		page_counter_uncharge(&cg->res[IOASIDS_RES_IDS].counter, nr);
}

#else /* CONFIG_CGROUP_IOASIDS */

static inline struct ioasids_cgroup *ioasids_cgroup_get_current(void)
{
	return NULL;
}

static inline struct ioasids_cgroup *ioasids_cgroup_get_root(void)
{
	return NULL;
}

static inline void ioasids_cgroup_put(struct ioasids_cgroup *cg) {}

static inline int ioasids_cgroup_try_charge_ioasid(struct ioasids_cgroup *cg)
{
	return 0;
}

static inline void ioasids_cgroup_uncharge_ioasids(struct ioasids_cgroup *cg,
						   unsigned int nr) {}

static inline int
ioasids_cgroup_try_charge_pinned(struct ioasids_cgroup *cg,
				 enum ioasids_pinned_source source,
				 unsigned long npages)
{
	return 0;
}

static inline void
ioasids_cgroup_uncharge_pinned(struct ioasids_cgroup *cg,
			       enum ioasids_pinned_source source,
			       unsigned long npages) {}

#endif /* CONFIG_CGROUP_IOASIDS */

#endif /* _LINUX_IOASIDS_CGROUP_H */
