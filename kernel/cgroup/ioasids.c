// SPDX-License-Identifier: GPL-2.0
/*
 * The ioasids cgroup controller.
 *
 * IOASIDs (PASIDs) are a scarce, system-wide hardware resource: one tenant
 * that allocates them all leaves none for the others.  This controller
 * charges every IOASID the IOASID allocator hands out to the cgroup that
 * owns the IOASID's set, and fails an allocation that would take the cgroup,
 * or any of its ancestors, over its ioasids.max.
 *
 * DMA needs its memory pinned, and RLIMIT_MEMLOCK, which VFIO and iommufd
 * otherwise account it to, is per process or per user and bypassed with
 * CAP_IPC_LOCK.  The controller also charges the memory they pin to the
 * cgroup of the task that owns the mapping, against ioasids.pinned.max,
 * whatever the task's capabilities.  Under the host's policy, a limit that
 * the host set stands in for RLIMIT_MEMLOCK, so that a VMM needs neither
 * a raised rlimit nor a capability to pin its guest's memory
 * (ioasids_cgroup_pinned_replaces_memlock()).
 *
 * A set's owner is the cgroup of the task that created the set (the opener
 * of /dev/ioasid, the task whose address space binds for SVA); sets of
 * kernel drivers belong to the root cgroup.  The charge stays with that
 * cgroup until the IOASID is freed, wherever the tasks that use it move
 * and whoever holds the set's file, and the set holds a reference on the
 * cgroup so that it outlives its charges even when removed.  A removed
 * cgroup's last limits keep bounding the sets it owns, as pids.max and
 * misc.max do: lifting them would let a tenant escape a limit it does not
 * own by handing its files on and removing its cgroup.
 *
 * The controller never calls the resource owners back: the allocator
 * pushes the size of its space (ioasids_cgroup_set_capacity()), and each
 * charge says what kind of set it is for, which the controller counts per
 * CPU for ioasids.stat.
 *
 * Each resource the controller limits is a page_counter, hierarchical like
 * memcg's: a charge walks from the cgroup to the root and fails at the
 * first level whose max it would exceed.  VFIO and iommufd charge pinned
 * memory before they pin it, in batches of up to thousands of pages, so
 * that ioasids.pinned.current bounds what is pinned at every moment; and
 * so that a large pin refused by a shared ancestor's limit cannot make a
 * sibling's small pin fail meanwhile, such a charge never adds to a level
 * that refuses it (ioasids_pinned_try_charge()).
 *
 * A cgroup is charged once for a page that several of its mappings pin,
 * as a VMM's guest memory mapped once per VFIO container or iommufd IOAS
 * is: a ledger counts the pins of each page (ioasids_ledger.c), and the
 * charge of a page already pinned is returned as soon as its new pin is
 * committed (ioasids_cgroup_commit_pinned() and its forms), which the
 * backends do before they charge the next batch of pins.  Pins charged to
 * different cgroups are charged to each, and an ancestor counts what each
 * of its descendants is charged.
 */

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/ctype.h>
#include <linux/ioasid.h>
#include <linux/ioasids_cgroup.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/page-flags.h>
#include <linux/page_counter.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "ioasids_ledger.h"

/* The resources the controller limits */
enum ioasids_res {
	IOASIDS_RES_IDS,	/* IOASIDs, counted one by one */
	IOASIDS_RES_PINNED,	/* memory pinned for DMA, in pages */
	IOASIDS_NR_RES,
};

/*
 * What one CPU charged to one cgroup, by kind of IOASID set and by source
 * of pinned memory, for ioasids.stat: per CPU, so that keeping the
 * breakdown adds no atomic operation to a charge.
 */
struct ioasids_stat {
	long nr_ioasids[IOASID_SET_NR_KINDS];
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
 * @stat: what is charged to this very cgroup, by kind and source, per CPU
 * @events_file: ioasids.events, for notifications
 * @events_local_file: ioasids.events.local, for notifications
 * @pinned_max_by_host: ioasids.pinned.max is finite, and its writer could
 *	raise RLIMIT_MEMLOCK itself: it had CAP_SYS_RESOURCE in the initial
 *	user namespace
 * @pinned_pages: the pins of each page by the mappings charged to this
 *	very cgroup, which is charged once for each page they pin
 */
struct ioasids_cgroup {
	struct cgroup_subsys_state css;
	struct ioasids_resource res[IOASIDS_NR_RES];
	struct ioasids_stat __percpu *stat;
	struct cgroup_file events_file;
	struct cgroup_file events_local_file;
	bool pinned_max_by_host;
	struct ioasids_ledger pinned_pages;
};

/**
 * struct ioasids_res_info - How a resource shows in the interface files
 * @event: its key in ioasids.events, named after its limit file
 * @unit: the size of one counted unit in the files: 1 for a count,
 *	PAGE_SIZE for memory, which the files show in bytes
 */
struct ioasids_res_info {
	const char *event;
	unsigned long unit;
};

static const struct ioasids_res_info ioasids_res_info[IOASIDS_NR_RES] = {
	[IOASIDS_RES_IDS] = { .event = "max", .unit = 1 },
	[IOASIDS_RES_PINNED] = { .event = "pinned.max", .unit = PAGE_SIZE },
};

/* Key of each kind of IOASID consumer in ioasids.stat */
static const char *const ioasids_kind_name[IOASID_SET_NR_KINDS] = {
	[IOASID_SET_KERNEL] = "kernel",
	[IOASID_SET_SVA] = "sva",
	[IOASID_SET_FILE] = "file",
	[IOASID_SET_IOMMUFD] = "iommufd",
};

/* Key of each source of pinned memory in ioasids.stat */
static const char *const ioasids_pinned_name[IOASIDS_NR_PINNED_SOURCES] = {
	[IOASIDS_PINNED_VFIO] = "pinned_vfio",
	[IOASIDS_PINNED_IOMMUFD] = "pinned_iommufd",
};

static struct ioasids_cgroup root_ioasids_cg;
/* The number of IOASIDs the allocator can hand out, for ioasids.capacity */
static unsigned long ioasids_capacity;
/*
 * The host's policy, ioasids.pinned.replace_memlock: whether a limit on
 * pinned memory that the host set stands in for RLIMIT_MEMLOCK.
 */
static bool ioasids_replace_memlock;

static struct ioasids_cgroup *css_ioasids(struct cgroup_subsys_state *css)
{
	return css ? container_of(css, struct ioasids_cgroup, css) : NULL;
}

static struct ioasids_cgroup *parent_ioasids(struct ioasids_cgroup *cg)
{
	return css_ioasids(cg->css.parent);
}

static struct cgroup_subsys_state *
ioasids_css_alloc(struct cgroup_subsys_state *parent_css)
{
	struct ioasids_cgroup *parent = css_ioasids(parent_css);
	struct ioasids_cgroup *cg;
	int i;

	if (!parent) {
		cg = &root_ioasids_cg;
	} else {
		cg = kzalloc(sizeof(*cg), GFP_KERNEL);
		if (!cg)
			return ERR_PTR(-ENOMEM);
	}
	cg->stat = alloc_percpu(struct ioasids_stat);
	if (!cg->stat) {
		if (cg != &root_ioasids_cg)
			kfree(cg);
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0; i < IOASIDS_NR_RES; i++)
		page_counter_init(&cg->res[i].counter,
				  parent ? &parent->res[i].counter : NULL,
				  false);
	ioasids_ledger_init(&cg->pinned_pages);
	return &cg->css;
}

static void ioasids_css_free(struct cgroup_subsys_state *css)
{
	struct ioasids_cgroup *cg = css_ioasids(css);

	ioasids_ledger_destroy(&cg->pinned_pages);
	free_percpu(cg->stat);
	if (cg != &root_ioasids_cg)
		kfree(cg);
}

/**
 * ioasids_cgroup_get_current() - The cgroup of the current task
 *
 * Context: process context.
 * Return: the current task's ioasids cgroup, with a reference held for
 * the caller, or NULL if the controller is disabled.
 */
struct ioasids_cgroup *ioasids_cgroup_get_current(void)
{
	if (!cgroup_subsys_enabled(ioasids_cgrp_subsys))
		return NULL;
	return css_ioasids(task_get_css(current, ioasids_cgrp_id));
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_get_current);

/**
 * ioasids_cgroup_get_root() - The root cgroup, which owns kernel resources
 *
 * Return: the root ioasids cgroup, or NULL if the controller is disabled.
 * The root needs no reference, but the caller may pass it to
 * ioasids_cgroup_put() like any other.
 */
struct ioasids_cgroup *ioasids_cgroup_get_root(void)
{
	if (!cgroup_subsys_enabled(ioasids_cgrp_subsys))
		return NULL;
	return &root_ioasids_cg;
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_get_root);

/**
 * ioasids_cgroup_put() - Drop a reference on a cgroup
 * @cg: from ioasids_cgroup_get_current() or ioasids_cgroup_get_root(), or
 *	NULL
 */
void ioasids_cgroup_put(struct ioasids_cgroup *cg)
{
	if (cg)
		css_put(&cg->css);
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_put);

/*
 * A charge failed because @over's limit was hit: count it at @over and,
 * hierarchically, at @over and every ancestor but the root, which has no
 * limit and no events files.
 */
static u64 ioasids_event(struct ioasids_cgroup *over, enum ioasids_res res)
{
	struct ioasids_cgroup *cg;
	u64 nr_local;

	nr_local = atomic64_inc_return(&over->res[res].events_local);
	cgroup_file_notify(&over->events_local_file);
	for (cg = over; parent_ioasids(cg); cg = parent_ioasids(cg)) {
		atomic64_inc(&cg->res[res].events);
		cgroup_file_notify(&cg->events_file);
	}
	return nr_local;
}

/* A charge failed at @fail's limit: count it, and say so with -EBUSY. */
static int ioasids_charge_failed(struct page_counter *fail,
				 enum ioasids_res res)
{
	ioasids_event(container_of(fail, struct ioasids_cgroup,
				   res[res].counter), res);
	return -EBUSY;
}

/*
 * A pin failed at @fail's ioasids.pinned.max: count it, and refuse it as a
 * pin over RLIMIT_MEMLOCK is refused, with -ENOMEM.  The first refusal by
 * each cgroup's limit is logged, naming the cgroup, as the pids controller
 * logs its first refused fork; ioasids.events counts them all, so that no
 * tenant can flood the log or hide another cgroup's message.
 */
static int ioasids_pin_refused(struct page_counter *fail)
{
	struct ioasids_cgroup *over =
		container_of(fail, struct ioasids_cgroup,
			     res[IOASIDS_RES_PINNED].counter);
	char *path;

	if (ioasids_event(over, IOASIDS_RES_PINNED) != 1)
		return -ENOMEM;
	path = kmalloc(PATH_MAX, GFP_NOWAIT | __GFP_NOWARN);
	if (path && cgroup_path(over->css.cgroup, path, PATH_MAX) >= 0)
		pr_warn("ioasids: pins for DMA refused by ioasids.pinned.max of %s (further refusals are counted in its ioasids.events)\n",
			path);
	kfree(path);
	return -ENOMEM;
}

/**
 * ioasids_cgroup_set_capacity() - Set the size of the IOASID space
 * @capacity: the number of IOASIDs the allocator can hand out
 *
 * Called by the IOASID allocator, for ioasids.capacity.
 */
void ioasids_cgroup_set_capacity(unsigned long capacity)
{
	WRITE_ONCE(ioasids_capacity, capacity);
}

/**
 * ioasids_cgroup_try_charge_ioasid() - Charge one IOASID to a cgroup
 * @cg: the cgroup that owns the IOASID's set, or NULL
 * @kind: the kind of the set, for ioasids.stat
 *
 * Context: any context.
 * Return: 0, or -EBUSY if the charge would take @cg or one of its
 * ancestors over its ioasids.max; then nothing is charged.
 */
int ioasids_cgroup_try_charge_ioasid(struct ioasids_cgroup *cg,
				     enum ioasid_set_kind kind)
{
	struct page_counter *fail;

	if (!cg)
		return 0;
	if (unlikely(!page_counter_try_charge(&cg->res[IOASIDS_RES_IDS].counter,
					      1, &fail)))
		return ioasids_charge_failed(fail, IOASIDS_RES_IDS);
	this_cpu_inc(cg->stat->nr_ioasids[kind]);
	return 0;
}

/**
 * ioasids_cgroup_uncharge_ioasids() - Return the charges of IOASIDs
 * @cg: the cgroup charged by ioasids_cgroup_try_charge_ioasid(), or NULL
 * @kind: the kind it was charged with
 * @nr: how many IOASIDs
 *
 * Context: any context.
 */
void ioasids_cgroup_uncharge_ioasids(struct ioasids_cgroup *cg,
				     enum ioasid_set_kind kind,
				     unsigned int nr)
{
	if (!cg || !nr)
		return;
	this_cpu_sub(cg->stat->nr_ioasids[kind], nr);
	page_counter_uncharge(&cg->res[IOASIDS_RES_IDS].counter, nr);
}

/*
 * Charge @nr_pages to @counter and to its ancestors below @stop, or to none
 * of them, and return NULL, or the level whose limit refused the charge.
 *
 * page_counter_try_charge() adds to each level before it compares with the
 * limit, and takes the charge back when it is over: for as long as that
 * takes, a charge of a thousand pages that a shared ancestor refuses can
 * make a sibling's charge of one page fail, and count an event that no
 * limit caused.  Here no level ever counts a charge that it refuses; the
 * levels below it hold the charge until it is taken back, which only the
 * cgroups below them can see.
 */
static __always_inline struct page_counter *
ioasids_pinned_try_charge(struct page_counter *counter,
			  struct page_counter *stop, unsigned long nr_pages)
{
	struct page_counter *c, *done;
	long usage, new;

	for (c = counter; c != stop; c = c->parent) {
		usage = atomic_long_read(&c->usage);
		do {
			new = usage + nr_pages;
			if (new > READ_ONCE(c->max))
				goto refused;
		} while (!atomic_long_try_cmpxchg(&c->usage, &usage, new));
		/*
		 * A limit written meanwhile applies from the next charge on,
		 * as a limit may be set below the usage anyway.  The peak is
		 * kept as page_counter_try_charge() keeps it.
		 */
		if (new > READ_ONCE(c->local_watermark)) {
			WRITE_ONCE(c->local_watermark, new);
			if (new > READ_ONCE(c->watermark))
				WRITE_ONCE(c->watermark, new);
		}
	}
	return NULL;

refused:
	for (done = counter; done != c; done = done->parent)
		atomic_long_sub(nr_pages, &done->usage);
	return c;
}

/*
 * Return @nr_pages of the charge of @counter and of its ancestors below
 * @stop, as page_counter_cancel() does at each level, inline: the unmap of
 * a small page returns the charge of one page in a few instructions per
 * level.  These counters have no protection to propagate.
 */
static __always_inline void
ioasids_pinned_uncharge(struct page_counter *counter, struct page_counter *stop,
			unsigned long nr_pages)
{
	struct page_counter *c;
	long new;

	if (!nr_pages)
		return;
	for (c = counter; c != stop; c = c->parent) {
		new = atomic_long_sub_return(nr_pages, &c->usage);
		/*
		 * More uncharges than charges?  No message: on x86 its call
		 * would cost every uncharge the saving of its registers,
		 * where WARN_ON_ONCE() traps.
		 */
		if (WARN_ON_ONCE(new < 0))
			atomic_long_set(&c->usage, 0);
	}
}

/* Charge @cg for *@npages, or for one page; count a refusal if @count */
static __always_inline int
__ioasids_cgroup_try_charge_pinned(struct ioasids_cgroup *cg,
				   unsigned long *npages, bool count)
{
	struct page_counter *counter, *fail;

	if (!cg || !*npages)
		return 0;
	counter = &cg->res[IOASIDS_RES_PINNED].counter;
	fail = ioasids_pinned_try_charge(counter, NULL, *npages);
	if (fail && *npages > 1) {
		fail = ioasids_pinned_try_charge(counter, NULL, 1);
		if (!fail)
			*npages = 1;
	}
	if (!fail)
		return 0;
	return count ? ioasids_pin_refused(fail) : -ENOMEM;
}

/**
 * ioasids_cgroup_try_charge_pinned() - Charge memory about to be pinned
 * @cg: the cgroup of the task that owns the mapping, or NULL
 * @npages: how many pages are about to be pinned; set to 1 if only one
 *	page fits under the limits
 *
 * The caller charges before it pins, so that what is pinned never exceeds
 * a limit, not even while a refused pin is undone; then it pins no more
 * than *@npages pages, returns the charge of what it did not pin with
 * ioasids_cgroup_uncharge_pinned(), and commits what it pinned
 * (ioasids_cgroup_commit_pinned() and its _range() and _runs() forms),
 * which returns the charge of the pages that @cg is charged for already.
 * Because the pages may be among those, a charge over a limit falls back
 * to one page, so that a cgroup with a page of room under its limit still
 * maps memory that it pins already, a page at a time.
 *
 * Context: process context; does not sleep.
 * Return: 0, or -ENOMEM if not even one page fits under the
 * ioasids.pinned.max of @cg or of one of its ancestors, the errno of a pin
 * over RLIMIT_MEMLOCK; then nothing is charged, at any level.
 */
int ioasids_cgroup_try_charge_pinned(struct ioasids_cgroup *cg,
				     unsigned long *npages)
{
	return __ioasids_cgroup_try_charge_pinned(cg, npages, true);
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_try_charge_pinned);

/**
 * ioasids_cgroup_try_charge_pinned_quiet() - Charge memory that may not be
 *	pinned after all
 * @cg: the cgroup of the task that owns the mapping, or NULL
 * @npages: as for ioasids_cgroup_try_charge_pinned()
 *
 * As ioasids_cgroup_try_charge_pinned(), but a refusal is neither counted
 * in ioasids.events nor logged: for a caller that finds out whether the
 * memory is pinned at all only when the charge is refused (VFIO, for the
 * pfns of a device's MMIO, which are not pinned, nor charged), and then
 * charges it again with ioasids_cgroup_try_charge_pinned() if it is, so
 * that what is refused is counted once.
 *
 * Context: process context; does not sleep.
 * Return: 0, or -ENOMEM; then nothing is charged, at any level.
 */
int ioasids_cgroup_try_charge_pinned_quiet(struct ioasids_cgroup *cg,
					   unsigned long *npages)
{
	return __ioasids_cgroup_try_charge_pinned(cg, npages, false);
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_try_charge_pinned_quiet);

/**
 * ioasids_cgroup_uncharge_pinned() - Return a charge of memory not pinned
 * @cg: the cgroup charged by ioasids_cgroup_try_charge_pinned(), or NULL
 * @npages: how many of the pages charged were not pinned after all
 *
 * Context: any context.
 */
void ioasids_cgroup_uncharge_pinned(struct ioasids_cgroup *cg,
				    unsigned long npages)
{
	if (!cg || !npages)
		return;
	ioasids_pinned_uncharge(&cg->res[IOASIDS_RES_PINNED].counter, NULL,
				npages);
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_uncharge_pinned);

/* The ledger counted the pins of @npages pages: @first of them are new */
static inline int ioasids_pinned_committed(struct ioasids_cgroup *cg,
					   enum ioasids_pinned_source source,
					   unsigned long npages, long first,
					   unsigned long nr_pins)
{
	if (first < 0)
		return first;
	if (npages != first)
		ioasids_cgroup_uncharge_pinned(cg, npages - first);
	this_cpu_add(cg->stat->nr_pinned[source], nr_pins);
	return 0;
}

/**
 * ioasids_cgroup_commit_pinned() - Account pages just pinned
 * @cg: the cgroup charged by ioasids_cgroup_try_charge_pinned(), or NULL
 * @source: who pinned them, for ioasids.stat
 * @pages: the pages pinned
 * @npages: how many; all of them were charged
 *
 * Counts the pins, and keeps the charge of the pages that had no pin
 * counted in @cg before: @cg is charged once for a page however many of
 * its mappings pin it.  It returns the charge of the others, and of pages
 * that a pin does not hold, such as the zero page.
 *
 * Context: process context; sleeps.
 * Return: 0, or -ENOMEM if the pins cannot be counted; then none is, and
 * the pages keep their charge, which the caller returns once it unpinned
 * them, with ioasids_cgroup_uncharge_pinned().
 */
int ioasids_cgroup_commit_pinned(struct ioasids_cgroup *cg,
				 enum ioasids_pinned_source source,
				 struct page **pages, unsigned long npages)
{
	unsigned long nr_pins;
	long first;

	if (!cg || !npages)
		return 0;
	first = ioasids_ledger_add(&cg->pinned_pages, pages, npages, &nr_pins,
				   GFP_KERNEL_ACCOUNT);
	return ioasids_pinned_committed(cg, source, npages, first, nr_pins);
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_commit_pinned);

/* Commit @npages pfns from @pfn */
static noinline int ioasids_commit_range(struct ioasids_cgroup *cg,
					 enum ioasids_pinned_source source,
					 unsigned long pfn,
					 unsigned long npages)
{
	unsigned long nr_pins;
	long first;

	first = ioasids_ledger_add_range(&cg->pinned_pages, pfn, npages,
					 &nr_pins, GFP_KERNEL_ACCOUNT);
	return ioasids_pinned_committed(cg, source, npages, first, nr_pins);
}

/*
 * Commit the page of @pfn alone, as a vIOMMU maps them, if the ledger can
 * count it inline: with no call, and no register to save.  Return 0, or
 * -EAGAIN if the caller must commit it with ioasids_commit_range().
 */
static __always_inline int
ioasids_commit_page(struct ioasids_cgroup *cg,
		    enum ioasids_pinned_source source, unsigned long pfn)
{
	struct page_counter *counter = &cg->res[IOASIDS_RES_PINNED].counter;
	long first;

	/* A pin does not hold a reserved page: not counted, nor charged */
	if (PageReserved(pfn_to_page(pfn))) {
		ioasids_pinned_uncharge(counter, NULL, 1);
		return 0;
	}
	first = ioasids_ledger_page(&cg->pinned_pages, pfn, false);
	if (first < 0)
		return first;
	if (!first)
		ioasids_pinned_uncharge(counter, NULL, 1);
	this_cpu_inc(cg->stat->nr_pinned[source]);
	return 0;
}

/**
 * ioasids_cgroup_commit_pinned_range() - Account a range of pfns just pinned
 * @cg: the cgroup charged by ioasids_cgroup_try_charge_pinned(), or NULL
 * @source: who pinned them, for ioasids.stat
 * @pfn: the first pfn of the pages pinned
 * @npages: how many pfns from it
 *
 * As ioasids_cgroup_commit_pinned_runs(), for one run.
 *
 * Context: process context; sleeps.
 * Return: 0, or -ENOMEM if the pins cannot be counted; then none is, and
 * the pages keep their charge, which the caller returns once it unpinned
 * them, with ioasids_cgroup_uncharge_pinned().
 */
int ioasids_cgroup_commit_pinned_range(struct ioasids_cgroup *cg,
				       enum ioasids_pinned_source source,
				       unsigned long pfn, unsigned long npages)
{
	if (!cg || !npages)
		return 0;
	if (npages == 1 && !ioasids_commit_page(cg, source, pfn))
		return 0;
	return ioasids_commit_range(cg, source, pfn, npages);
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_commit_pinned_range);

/**
 * ioasids_cgroup_commit_pinned_runs() - Account runs of pfns just pinned
 * @cg: the cgroup charged by ioasids_cgroup_try_charge_pinned(), or NULL
 * @source: who pinned them, for ioasids.stat
 * @pfns: the first pfn of each run of contiguous pfns
 * @npfns: the length of each run
 * @nr_runs: how many runs
 * @skip: how many pfns at the start of the first run were committed before,
 *	and are not among these
 *
 * As ioasids_cgroup_commit_pinned(), for a caller that has the pfns that it
 * pinned in runs already, each the pfn of a page: the pins of huge pages
 * cost a few instructions per 2 MiB, where a list of their pages costs a
 * check of every page.
 *
 * Context: process context; sleeps.
 * Return: 0, or -ENOMEM if the pins cannot be counted (-EINVAL if @skip
 * is past the first run); then none is, and the pages keep their charge,
 * which the caller returns once it unpinned them, with
 * ioasids_cgroup_uncharge_pinned().
 */
int ioasids_cgroup_commit_pinned_runs(struct ioasids_cgroup *cg,
				      enum ioasids_pinned_source source,
				      const unsigned long *pfns,
				      const u32 *npfns, unsigned int nr_runs,
				      unsigned long skip)
{
	unsigned long npages = 0, nr_pins;
	unsigned int i;
	long first;

	if (!cg || !nr_runs)
		return 0;
	/* One run, as iommufd's map of a small page makes */
	if (nr_runs == 1 && skip < npfns[0]) {
		if (npfns[0] - skip == 1 &&
		    !ioasids_commit_page(cg, source, pfns[0] + skip))
			return 0;
		return ioasids_commit_range(cg, source, pfns[0] + skip,
					    npfns[0] - skip);
	}
	for (i = 0; i < nr_runs; i++)
		npages += npfns[i];
	npages -= skip;
	first = ioasids_ledger_add_runs(&cg->pinned_pages, pfns, npfns,
					nr_runs, skip, &nr_pins,
					GFP_KERNEL_ACCOUNT);
	return ioasids_pinned_committed(cg, source, npages, first, nr_pins);
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_commit_pinned_runs);

/* The pins of @pages, or of the pfns from @pfn, are about to be released */
static noinline unsigned long
ioasids_release_pinned(struct ioasids_cgroup *cg,
		       enum ioasids_pinned_source source, struct page **pages,
		       unsigned long pfn, unsigned long npages)
{
	unsigned long nr_pins, last;

	if (!cg || !npages)
		return 0;
	if (pages)
		last = ioasids_ledger_sub(&cg->pinned_pages, pages, npages,
					  &nr_pins);
	else
		last = ioasids_ledger_sub_range(&cg->pinned_pages, pfn, npages,
						&nr_pins);
	this_cpu_sub(cg->stat->nr_pinned[source], nr_pins);
	return last;
}

/**
 * ioasids_cgroup_release_pinned() - Account pages about to be unpinned
 * @cg: the cgroup to which their pins were committed, or NULL
 * @source: who pinned them
 * @pages: the pages, still pinned: what the ledger finds of a page must be
 *	what it found when the page was pinned
 * @npages: how many
 *
 * The caller then unpins the pages, and returns the charge of those whose
 * last pin in @cg this was with ioasids_cgroup_uncharge_pinned(), so that
 * what is pinned never exceeds a limit.
 *
 * Context: process context; sleeps.
 * Return: how many pages' charge the caller returns once they are unpinned.
 */
unsigned long ioasids_cgroup_release_pinned(struct ioasids_cgroup *cg,
					    enum ioasids_pinned_source source,
					    struct page **pages,
					    unsigned long npages)
{
	return ioasids_release_pinned(cg, source, pages, 0, npages);
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_release_pinned);

/**
 * ioasids_cgroup_release_pinned_range() - Account pfns about to be unpinned
 * @cg: the cgroup to which their pins were committed, or NULL
 * @source: who pinned them
 * @pfn: the first pfn, still pinned
 * @npages: how many pfns from it; those of reserved pages and those
 *	without a struct page, which are not charged, are left out
 *
 * As ioasids_cgroup_release_pinned(), for a range of pfns.
 *
 * Context: process context; sleeps.
 * Return: how many pages' charge the caller returns once they are unpinned.
 */
unsigned long
ioasids_cgroup_release_pinned_range(struct ioasids_cgroup *cg,
				    enum ioasids_pinned_source source,
				    unsigned long pfn, unsigned long npages)
{
	long last;

	/* A page alone, as a vIOMMU unmaps them: inline, if it can be */
	if (cg && npages == 1) {
		last = ioasids_ledger_page(&cg->pinned_pages, pfn, true);
		if (last >= 0) {
			this_cpu_dec(cg->stat->nr_pinned[source]);
			return last;
		}
	}
	return ioasids_release_pinned(cg, source, NULL, pfn, npages);
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_release_pinned_range);

static struct page_counter *ioasids_pinned_counter(struct ioasids_cgroup *cg)
{
	return &cg->res[IOASIDS_RES_PINNED].counter;
}

/*
 * The lowest cgroup that both @a and @b are in or below, the root at the
 * highest: in as many steps as the hierarchy is deep, which a tenant
 * chooses, under the locks of a mapping's move
 */
static struct ioasids_cgroup *ioasids_common_ancestor(struct ioasids_cgroup *a,
						      struct ioasids_cgroup *b)
{
	while (a->css.cgroup->level > b->css.cgroup->level)
		a = parent_ioasids(a);
	while (b->css.cgroup->level > a->css.cgroup->level)
		b = parent_ioasids(b);
	while (a != b) {
		a = parent_ioasids(a);
		b = parent_ioasids(b);
	}
	return a;
}

/**
 * ioasids_cgroup_move_pinned_begin() - Begin to move a mapping's pins
 * @move: the move
 * @from: the cgroup to which the pins were committed, or NULL
 * @to: the cgroup of the mapping's new owner, or NULL
 * @source: who pinned them
 *
 * When a mapping changes owner, its pins move to the new owner's cgroup,
 * in two passes over its pages, between this function and
 * ioasids_cgroup_move_pinned_end(): the caller hands each range of pfns
 * that it pins to ioasids_cgroup_move_pinned_count(), then, if
 * ioasids_cgroup_move_pinned_charge() succeeds, to
 * ioasids_cgroup_move_pinned_range().  @to and its ancestors are charged,
 * against their limits, before @from returns any charge: were @from to
 * return its charge first, a refused move would have to take it back,
 * over @from's limits if its tenant pinned more meanwhile.  The levels
 * that @from and @to share are charged only for the pages that @from
 * still pins after the move, so that a move between two cgroups under a
 * limited parent needs no room there for the mapping twice.  The two
 * cgroups' pins are locked meanwhile: pins charged to them wait, and the
 * caller must neither pin nor release any itself until
 * ioasids_cgroup_move_pinned_end().  Both passes hand over the same
 * ranges, and ioasids_cgroup_move_pinned_end() ends every move begun,
 * refused or not.
 *
 * Context: process context; sleeps.
 */
void ioasids_cgroup_move_pinned_begin(struct ioasids_pinned_move *move,
				      struct ioasids_cgroup *from,
				      struct ioasids_cgroup *to,
				      enum ioasids_pinned_source source)
{
	*move = (struct ioasids_pinned_move) { .source = source };
	/* Both are NULL when the controller is disabled, or neither */
	if (WARN_ON_ONCE(!from != !to) || from == to)
		return;
	move->from = from;
	move->to = to;
	move->shared = ioasids_pinned_counter(ioasids_common_ancestor(from, to));
	ioasids_ledger_lock_pair(&from->pinned_pages, &to->pinned_pages);
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_move_pinned_begin);

/**
 * ioasids_cgroup_move_pinned_count() - Count pins that are to move
 * @move: the move, begun
 * @pfn: the first pfn of pages that the mapping pins: one pin of each
 *	moves
 * @npages: how many pfns from it
 *
 * Context: process context.
 */
void ioasids_cgroup_move_pinned_count(struct ioasids_pinned_move *move,
				      unsigned long pfn, unsigned long npages)
{
	if (!move->to || WARN_ON_ONCE(move->charged))
		return;
	/* At most: a page that the mapping pins twice counts twice here */
	ioasids_ledger_count_move(&move->from->pinned_pages,
				  &move->to->pinned_pages, pfn, npages,
				  &move->first, &move->shared_first);
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_move_pinned_count);

/**
 * ioasids_cgroup_move_pinned_charge() - Charge the pins that are to move
 * @move: the move, whose pins were counted
 *
 * Context: process context.
 * Return: 0, or -ENOMEM if the new owner's cgroup or one of its ancestors
 * refuses the charge; then nothing changed, and the caller ends the move.
 */
int ioasids_cgroup_move_pinned_charge(struct ioasids_pinned_move *move)
{
	struct page_counter *fail;

	if (!move->to)
		return 0;
	/* A move that adds nothing is not refused, whatever the usage */
	fail = !move->first ? NULL :
	       ioasids_pinned_try_charge(ioasids_pinned_counter(move->to),
					 move->shared, move->first);
	if (!fail && move->shared_first) {
		fail = ioasids_pinned_try_charge(move->shared, NULL,
						 move->shared_first);
		if (fail)
			ioasids_pinned_uncharge(ioasids_pinned_counter(move->to),
						move->shared, move->first);
	}
	if (fail)
		return ioasids_pin_refused(fail);
	move->charged = true;
	return 0;
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_move_pinned_charge);

/**
 * ioasids_cgroup_move_pinned_range() - Move pins
 * @move: the move, charged
 * @pfn: the first pfn of a range handed to
 *	ioasids_cgroup_move_pinned_count()
 * @npages: how many pfns from it
 *
 * A pin of a whole chunk of 2 MiB, as a huge page is pinned, moves as one
 * count: the caller hands over the longest ranges of contiguous pfns that
 * it has.
 *
 * Context: process context; sleeps.
 */
void ioasids_cgroup_move_pinned_range(struct ioasids_pinned_move *move,
				      unsigned long pfn, unsigned long npages)
{
	struct ioasids_ledger_moved moved = {};

	if (!move->to || WARN_ON_ONCE(!move->charged))
		return;
	ioasids_ledger_move(&move->from->pinned_pages, &move->to->pinned_pages,
			    pfn, npages, &moved);
	this_cpu_sub(move->from->stat->nr_pinned[move->source], moved.pins);
	this_cpu_add(move->to->stat->nr_pinned[move->source], moved.pins);
	move->nr_first += moved.first;
	move->nr_last += moved.last;
	move->nr_shared_first += moved.shared_first;
	move->nr_shared_last += moved.shared_last;
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_move_pinned_range);

/**
 * ioasids_cgroup_move_pinned_end() - End a move of pins
 * @move: the move, begun
 *
 * Returns what was charged for the move and not needed, and the charge of
 * the pages that the old owner's cgroup no longer pins.
 *
 * Context: process context.
 */
void ioasids_cgroup_move_pinned_end(struct ioasids_pinned_move *move)
{
	if (!move->to)
		return;
	if (move->charged) {
		/* Counted at most before: the differences are not negative */
		WARN_ON_ONCE(move->nr_first > move->first ||
			     move->nr_shared_first > move->shared_first);
		ioasids_pinned_uncharge(ioasids_pinned_counter(move->to),
					move->shared,
					move->first - move->nr_first);
		ioasids_pinned_uncharge(ioasids_pinned_counter(move->from),
					move->shared, move->nr_last);
		ioasids_pinned_uncharge(move->shared, NULL,
					move->shared_first -
					move->nr_shared_first +
					move->nr_shared_last);
	}
	ioasids_ledger_unlock_pair(&move->from->pinned_pages,
				   &move->to->pinned_pages);
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_move_pinned_end);

/**
 * ioasids_cgroup_pinned_replaces_memlock() - Whether the cgroup's limits
 *	stand in for RLIMIT_MEMLOCK
 * @cg: the cgroup that pins are charged to, or NULL
 *
 * RLIMIT_MEMLOCK must be raised for a VMM to pin its guest's memory, which
 * takes CAP_SYS_RESOURCE that an unprivileged VMM in a container lacks.
 * Under the host's policy, ioasids.pinned.replace_memlock, VFIO and iommufd
 * skip their RLIMIT_MEMLOCK check, as for a task with CAP_IPC_LOCK, when
 * @cg or one of its ancestors has a finite ioasids.pinned.max that the
 * host set: one whose writer had CAP_SYS_RESOURCE in the initial user
 * namespace, and so could have raised the rlimit.  A limit that a
 * delegated tenant sets in its own subtree does not count, so no tenant
 * escapes RLIMIT_MEMLOCK by setting one; the pins stay charged against
 * every limit above them.
 *
 * Context: process context.
 * Return: true if the caller may skip its RLIMIT_MEMLOCK check for pins
 * charged to @cg.
 */
bool ioasids_cgroup_pinned_replaces_memlock(struct ioasids_cgroup *cg)
{
	if (!cg || !READ_ONCE(ioasids_replace_memlock))
		return false;
	for (; cg; cg = parent_ioasids(cg))
		if (READ_ONCE(cg->pinned_max_by_host))
			return true;
	return false;
}
EXPORT_SYMBOL_GPL(ioasids_cgroup_pinned_replaces_memlock);

static struct page_counter *seq_counter(struct seq_file *sf)
{
	struct ioasids_cgroup *cg = css_ioasids(seq_css(sf));

	return &cg->res[seq_cft(sf)->private].counter;
}

static int ioasids_max_show(struct seq_file *sf, void *v)
{
	unsigned long max = READ_ONCE(seq_counter(sf)->max);

	if (max == PAGE_COUNTER_MAX)
		seq_puts(sf, "max\n");
	else
		seq_printf(sf, "%llu\n",
			   (u64)max * ioasids_res_info[seq_cft(sf)->private].unit);
	return 0;
}

/*
 * A size in bytes as memory.max takes it, with an optional K, M, G, T, P
 * or E suffix, rounded down to whole pages; but unlike memparse(), an
 * overflow is an error.
 */
static int ioasids_parse_bytes(char *buf, unsigned long *npages)
{
	static const char suffixes[] = "KMGTPE";
	size_t len = strlen(buf);
	unsigned int shift = 0;
	const char *suffix;
	u64 bytes;
	int ret;

	suffix = len ? strchr(suffixes, toupper(buf[len - 1])) : NULL;
	if (suffix && *suffix) {
		shift = 10 * (suffix - suffixes + 1);
		buf[len - 1] = '\0';
	}
	ret = kstrtoull(buf, 10, &bytes);
	if (ret)
		return ret;
	if (bytes > (U64_MAX >> shift))
		return -ERANGE;
	bytes = (bytes << shift) >> PAGE_SHIFT;
	if (bytes >= PAGE_COUNTER_MAX)
		return -ERANGE;
	*npages = bytes;
	return 0;
}

/*
 * "max", or a count in decimal for IOASIDs, a size for pinned memory.
 * Anything else is rejected and changes nothing: -EINVAL for what is not
 * a number, -ERANGE for one too large to represent.  A limit below the
 * current usage is accepted: it only fails new charges, as pids.max does.
 */
/*
 * Serializes the writes of ioasids.pinned.max, so that pinned_max_by_host
 * always says who wrote the limit in place, whoever writes it at once.
 */
static DEFINE_MUTEX(ioasids_pinned_max_mutex);

static ssize_t ioasids_max_write(struct kernfs_open_file *of, char *buf,
				 size_t nbytes, loff_t off)
{
	struct ioasids_cgroup *cg = css_ioasids(of_css(of));
	enum ioasids_res res = of_cft(of)->private;
	bool by_host;
	unsigned long max;
	int ret;

	buf = strstrip(buf);
	if (!strcmp(buf, "max")) {
		max = PAGE_COUNTER_MAX;
	} else if (res == IOASIDS_RES_PINNED) {
		ret = ioasids_parse_bytes(buf, &max);
		if (ret)
			return ret;
	} else {
		ret = kstrtoul(buf, 10, &max);
		if (ret)
			return ret;
		if (max >= PAGE_COUNTER_MAX)
			return -ERANGE;
	}
	if (res != IOASIDS_RES_PINNED) {
		xchg(&cg->res[res].counter.max, max);
		return nbytes;
	}
	/*
	 * Whether the limit stands in for RLIMIT_MEMLOCK changes on the side
	 * of a finite limit, so that no mapping made meanwhile skips the
	 * rlimit without one.  (A mapping decides when it is made, and keeps
	 * its decision after the limit changes.)
	 */
	by_host = max != PAGE_COUNTER_MAX &&
		  file_ns_capable(of->file, &init_user_ns, CAP_SYS_RESOURCE);
	mutex_lock(&ioasids_pinned_max_mutex);
	if (!by_host)
		WRITE_ONCE(cg->pinned_max_by_host, false);
	xchg(&cg->res[res].counter.max, max);
	if (by_host)
		WRITE_ONCE(cg->pinned_max_by_host, true);
	mutex_unlock(&ioasids_pinned_max_mutex);
	return nbytes;
}

static u64 ioasids_current_read(struct cgroup_subsys_state *css,
				struct cftype *cft)
{
	struct ioasids_cgroup *cg = css_ioasids(css);

	return (u64)page_counter_read(&cg->res[cft->private].counter) *
	       ioasids_res_info[cft->private].unit;
}

static u64 ioasids_peak_read(struct cgroup_subsys_state *css,
			     struct cftype *cft)
{
	struct ioasids_cgroup *cg = css_ioasids(css);

	return (u64)READ_ONCE(cg->res[cft->private].counter.watermark) *
	       ioasids_res_info[cft->private].unit;
}

static int ioasids_events_show(struct seq_file *sf, bool local)
{
	struct ioasids_cgroup *cg = css_ioasids(seq_css(sf));
	int i;

	for (i = 0; i < IOASIDS_NR_RES; i++)
		seq_printf(sf, "%s %lld\n", ioasids_res_info[i].event,
			   (s64)atomic64_read(local ? &cg->res[i].events_local :
						      &cg->res[i].events));
	return 0;
}

static int ioasids_events_hier_show(struct seq_file *sf, void *v)
{
	return ioasids_events_show(sf, false);
}

static int ioasids_events_local_show(struct seq_file *sf, void *v)
{
	return ioasids_events_show(sf, true);
}

static u64 ioasids_capacity_read(struct cgroup_subsys_state *css,
				 struct cftype *cft)
{
	return READ_ONCE(ioasids_capacity);
}

static u64 ioasids_replace_memlock_read(struct cgroup_subsys_state *css,
					struct cftype *cft)
{
	return READ_ONCE(ioasids_replace_memlock);
}

/*
 * 0 or 1, as memory.oom.group takes; anything else is -EINVAL.  Only a
 * writer who could raise RLIMIT_MEMLOCK itself, with CAP_SYS_RESOURCE in
 * the initial user namespace, may change the policy: -EPERM for others.
 */
static ssize_t ioasids_replace_memlock_write(struct kernfs_open_file *of,
					     char *buf, size_t nbytes,
					     loff_t off)
{
	unsigned int val;
	int ret;

	ret = kstrtouint(strstrip(buf), 10, &val);
	if (ret)
		return ret;
	if (val > 1)
		return -EINVAL;
	if (!file_ns_capable(of->file, &init_user_ns, CAP_SYS_RESOURCE))
		return -EPERM;
	WRITE_ONCE(ioasids_replace_memlock, val);
	return nbytes;
}

/*
 * Hierarchical, like memory.stat: what is charged to the cgroup and to its
 * descendants.  Each cgroup counts only its own charges, per CPU, which
 * keeps the charge path to one counter; the sum is made here, on read, over
 * the cgroup's own subtree and nothing else.
 */
static int ioasids_stat_show(struct seq_file *sf, void *v)
{
	struct cgroup_subsys_state *css = seq_css(sf), *pos;
	long nr[IOASID_SET_NR_KINDS] = {};
	long pinned[IOASIDS_NR_PINNED_SOURCES] = {};
	struct ioasids_stat *stat;
	int i, cpu;

	rcu_read_lock();
	css_for_each_descendant_pre(pos, css) {
		for_each_possible_cpu(cpu) {
			stat = per_cpu_ptr(css_ioasids(pos)->stat, cpu);
			for (i = 0; i < IOASID_SET_NR_KINDS; i++)
				nr[i] += READ_ONCE(stat->nr_ioasids[i]);
			for (i = 0; i < IOASIDS_NR_PINNED_SOURCES; i++)
				pinned[i] += READ_ONCE(stat->nr_pinned[i]);
		}
	}
	rcu_read_unlock();

	/*
	 * A CPU's counter goes below zero when another CPU charged what it
	 * released, and a sum read during a charge or a release may too.
	 */
	for (i = 0; i < IOASID_SET_NR_KINDS; i++)
		seq_printf(sf, "%s %lu\n", ioasids_kind_name[i], max(nr[i], 0L));
	for (i = 0; i < IOASIDS_NR_PINNED_SOURCES; i++)
		seq_printf(sf, "%s %llu\n", ioasids_pinned_name[i],
			   (u64)max(pinned[i], 0L) * PAGE_SIZE);
	return 0;
}

static struct cftype ioasids_files[] = {
	{
		.name = "max",
		.private = IOASIDS_RES_IDS,
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = ioasids_max_show,
		.write = ioasids_max_write,
	},
	{
		.name = "current",
		.private = IOASIDS_RES_IDS,
		.read_u64 = ioasids_current_read,
	},
	{
		.name = "peak",
		.private = IOASIDS_RES_IDS,
		.read_u64 = ioasids_peak_read,
	},
	{
		.name = "pinned.max",
		.private = IOASIDS_RES_PINNED,
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = ioasids_max_show,
		.write = ioasids_max_write,
	},
	{
		.name = "pinned.current",
		.private = IOASIDS_RES_PINNED,
		.read_u64 = ioasids_current_read,
	},
	{
		.name = "pinned.peak",
		.private = IOASIDS_RES_PINNED,
		.read_u64 = ioasids_peak_read,
	},
	{
		.name = "events",
		.flags = CFTYPE_NOT_ON_ROOT,
		.file_offset = offsetof(struct ioasids_cgroup, events_file),
		.seq_show = ioasids_events_hier_show,
	},
	{
		.name = "events.local",
		.flags = CFTYPE_NOT_ON_ROOT,
		.file_offset = offsetof(struct ioasids_cgroup, events_local_file),
		.seq_show = ioasids_events_local_show,
	},
	{
		.name = "capacity",
		.flags = CFTYPE_ONLY_ON_ROOT,
		.read_u64 = ioasids_capacity_read,
	},
	{
		.name = "pinned.replace_memlock",
		.flags = CFTYPE_ONLY_ON_ROOT,
		.read_u64 = ioasids_replace_memlock_read,
		.write = ioasids_replace_memlock_write,
	},
	{
		.name = "stat",
		.seq_show = ioasids_stat_show,
	},
	{ }	/* terminate */
};

struct cgroup_subsys ioasids_cgrp_subsys = {
	.css_alloc	= ioasids_css_alloc,
	.css_free	= ioasids_css_free,
	.legacy_cftypes	= ioasids_files,
	.dfl_cftypes	= ioasids_files,
};
