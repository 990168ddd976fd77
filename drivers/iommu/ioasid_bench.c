// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the IOASID allocator and of the ioasids cgroup controller,
 * side by side with what the kernel does without them: the bare IDA that
 * handed out global PASIDs until the allocator replaced it, and the misc
 * cgroup controller's charge of one of its resources.
 *
 * Each command written to ioasid_bench/run in debugfs runs in the writer's
 * context: the sets it creates and what it charges belong to the writer's
 * cgroups.  It prints its results to the kernel log, one line of
 * "ioasid_bench: TEST key=value..." each, times in nanoseconds per
 * operation and ratios with three decimals:
 *
 * alloc [REPS [LOOPS]]
 *	ioasid_alloc() + ioasid_free() in a set of the writer's cgroup,
 *	against ida_alloc_range() + ida_free() in the same range.
 * charge [REPS [LOOPS]]
 *	ioasids_cgroup_try_charge_ioasid() + ioasids_cgroup_uncharge_ioasids()
 *	at the writer's cgroup, against misc_cg_try_charge() +
 *	misc_cg_uncharge() of one unit of MISC_CG_RES_IOASID_BENCH, a misc
 *	resource of the benchmark's own, at the same cgroup.
 * fill [REPS [LOOPS]]
 *	The slab memory of 100,000 live IOASIDs; the cost of an allocation
 *	with 1, 1,000, 100,000 and every ID of the space live, against the
 *	IDA's with as many IDs, each also against a reference of constant
 *	cost (an ID from an empty IDA), for the costs at different fill
 *	levels to compare whatever the speed of the machine at the time; the
 *	time to fill the whole space and to drain it, and that nothing is
 *	left allocated.
 * pin [REPS [LOOPS]]
 *	What the controller adds to a map and unmap of one small page: the
 *	charge before the pin and its return after the unpin alone, then
 *	with the commit to the cgroup's ledger and the release from it, for
 *	each page of a chunk of 2 MiB pinned and unpinned in turn, and for
 *	the chunk's pages pinned one by one, then unpinned.
 * pset N
 *	Creates the set of worker N (0 or 1) of "parallel", in the writer's
 *	cgroup, replacing the one it had.
 * parallel [REPS [MSECS]]
 *	Allocation and release throughput of worker 0 alone on CPU 0, then
 *	of workers 0 and 1 together on CPUs 0 and 1, each in its own set;
 *	and the same through one shared IDA.
 * profile [REPS [LOOPS]]
 *	The cost of the steps of an allocation and release, one by one: the
 *	quota's atomic counter, the charge, the xarray's allocation and
 *	erasure in its root and in a node, and the whole of it with no other
 *	ID live, with one (the xarray allocates and frees a node on every
 *	cycle) and with two (the node stays).
 *
 * Every ratio is the median of the ratios of REPS repetitions, each of
 * which times both sides one after the other, in alternating order.  Each
 * timed loop follows an untimed one of the same kind, so that the work a
 * loop defers (memory freed after an RCU grace period) runs at its steady
 * rate through the timed loop, as in a long-running system, rather than
 * being left for whatever runs next.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/idr.h>
#include <linux/init.h>
#include <linux/ioasid.h>
#include <linux/ioasids_cgroup.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/misc_cgroup.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#define BENCH_DEF_REPS		9
#define BENCH_MAX_REPS		21
#define BENCH_DEF_LOOPS		20000
#define BENCH_MAX_LOOPS		10000000
#define BENCH_DEF_MSECS		200
#define BENCH_MAX_MSECS		10000
/* Iterations between two calls to cond_resched() */
#define BENCH_BATCH		64
/*
 * The kind of the sets: SVA's, which allocate from the lowest ID as
 * iommu_alloc_global_pasid() did from its IDA (userspace's start at
 * IOASID_USER_FIRST)
 */
#define BENCH_KIND		IOASID_SET_SVA
/* The misc controller's resource that the baseline charges */
#define BENCH_MISC_RES		MISC_CG_RES_IOASID_BENCH
/* The memory benchmark's number of live IOASIDs */
#define BENCH_MEM_IDS		100000
#define BENCH_NR_WORKERS	2

/* Serializes the commands, and protects bench_psets */
static DEFINE_MUTEX(bench_lock);
/* The IDA of the baseline: what iommu.c allocated global PASIDs from */
static DEFINE_IDA(bench_ida);
/* The sets of the workers of "parallel" */
static struct ioasid_set *bench_psets[BENCH_NR_WORKERS];

/* What a timed loop does: @loops operations on @ctx; 0 or an errno. */
typedef int (*bench_fn)(void *ctx, unsigned int loops);

struct bench_ab {
	/* The side measured, and its baseline */
	bench_fn a;
	bench_fn b;
	void *ctx;
	/*
	 * Optional: an operation of constant cost, timed with the two sides,
	 * to compare the costs of different runs whatever the speed of the
	 * machine at the time
	 */
	bench_fn ref;
	unsigned int reps;
	unsigned int loops;
	/* Results: medians of the repetitions */
	u64 a_ps;		/* picoseconds per operation of @a */
	u64 b_ps;		/* picoseconds per operation of @b */
	u64 ratio_milli;	/* @a's time over @b's, times 1000 */
	u64 a_ref_milli;	/* @a's time over @ref's, times 1000 */
	u64 b_ref_milli;	/* @b's time over @ref's, times 1000 */
};

/*
 * The IDs the loops allocate from: the whole space, as iommu.c did; and
 * the highest that bench_fill() allocated.
 */
struct bench_range {
	struct ioasid_set *set;
	ioasid_t min;
	ioasid_t max;
	ioasid_t top;
};

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), cmp_u64, NULL);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Runs @fn untimed, then timed; its time in ns, or a negative errno. */
static s64 bench_time(bench_fn fn, void *ctx, unsigned int loops)
{
	u64 start;
	int ret;

	ret = fn(ctx, max(loops / 2, 1U));
	if (ret)
		return ret;
	start = ktime_get_ns();
	ret = fn(ctx, loops);
	if (ret)
		return ret;
	return max_t(s64, ktime_get_ns() - start, 1);
}

/* Times @ab->a against @ab->b, and fills in the medians. */
static int bench_run_ab(struct bench_ab *ab)
{
	u64 a_ns[BENCH_MAX_REPS], b_ns[BENCH_MAX_REPS];
	u64 ratio[BENCH_MAX_REPS], a_ref[BENCH_MAX_REPS], b_ref[BENCH_MAX_REPS];
	unsigned int r;
	s64 ta, tb, tr;

	for (r = 0; r < ab->reps; r++) {
		tr = ab->ref ? bench_time(ab->ref, NULL, ab->loops) : 1;
		if (tr < 0)
			return tr;
		if (r % 2) {
			tb = bench_time(ab->b, ab->ctx, ab->loops);
			ta = tb < 0 ? tb : bench_time(ab->a, ab->ctx, ab->loops);
		} else {
			ta = bench_time(ab->a, ab->ctx, ab->loops);
			tb = ta < 0 ? ta : bench_time(ab->b, ab->ctx, ab->loops);
		}
		if (ta < 0)
			return ta;
		if (tb < 0)
			return tb;
		a_ns[r] = ta;
		b_ns[r] = tb;
		ratio[r] = div64_u64(a_ns[r] * 1000, b_ns[r]);
		a_ref[r] = div64_u64(a_ns[r] * 1000, tr);
		b_ref[r] = div64_u64(b_ns[r] * 1000, tr);
	}
	ab->a_ps = div_u64(median(a_ns, ab->reps) * 1000, ab->loops);
	ab->b_ps = div_u64(median(b_ns, ab->reps) * 1000, ab->loops);
	ab->ratio_milli = median(ratio, ab->reps);
	ab->a_ref_milli = median(a_ref, ab->reps);
	ab->b_ref_milli = median(b_ref, ab->reps);
	return 0;
}

/* The reference: an ID from an empty IDA, which allocates no memory */
static int bench_ref_loop(void *ctx, unsigned int loops)
{
	static DEFINE_IDA(ref_ida);
	unsigned int i;
	int id;

	for (i = 0; i < loops; i++) {
		id = ida_alloc(&ref_ida, GFP_KERNEL);
		if (id < 0)
			return id;
		ida_free(&ref_ida, id);
		if (!(i % BENCH_BATCH))
			cond_resched();
	}
	return 0;
}

static int bench_ioasid_loop(void *ctx, unsigned int loops)
{
	struct bench_range *range = ctx;
	unsigned int i;
	int id;

	for (i = 0; i < loops; i++) {
		id = ioasid_alloc(range->set, range->min, range->max);
		if (id < 0)
			return id;
		if (ioasid_free(range->set, id))
			return -EIO;
		if (!(i % BENCH_BATCH))
			cond_resched();
	}
	return 0;
}

static int bench_ida_loop(void *ctx, unsigned int loops)
{
	struct bench_range *range = ctx;
	unsigned int i;
	int id;

	for (i = 0; i < loops; i++) {
		id = ida_alloc_range(&bench_ida, range->min, range->max,
				     GFP_KERNEL);
		if (id < 0)
			return id;
		ida_free(&bench_ida, id);
		if (!(i % BENCH_BATCH))
			cond_resched();
	}
	return 0;
}

/* The depth of the writer's cgroup, for @id's hierarchy */
static int bench_depth(int id)
{
	struct cgroup_subsys_state *css = task_get_css(current, id);
	int level = css->cgroup->level;

	css_put(css);
	return level;
}

static void bench_range_init(struct bench_range *range,
			     struct ioasid_set *set)
{
	range->set = set;
	range->min = IOMMU_FIRST_GLOBAL_PASID;
	range->max = IOASID_SPACE - 1;
	range->top = 0;
}

static int bench_alloc(unsigned int reps, unsigned int loops)
{
	struct bench_range range;
	struct bench_ab ab = {
		.a = bench_ioasid_loop,
		.b = bench_ida_loop,
		.ctx = &range,
		.reps = reps,
		.loops = loops,
	};
	struct ioasid_set *set;
	int ret;

	set = ioasid_set_alloc(BENCH_KIND, UINT_MAX);
	if (IS_ERR(set))
		return PTR_ERR(set);
	bench_range_init(&range, set);
	ret = bench_run_ab(&ab);
	ioasid_set_free(set);
	if (ret)
		return ret;

	pr_info("alloc depth=%d reps=%u loops=%u ioasid_ps=%llu ida_ps=%llu ratio_milli=%llu target_milli=1200\n",
		bench_depth(ioasids_cgrp_id), reps, loops, ab.a_ps, ab.b_ps,
		ab.ratio_milli);
	return 0;
}

struct bench_charge {
	struct ioasids_cgroup *ioasids;
	struct misc_cg *misc;
};

static int bench_ioasids_charge_loop(void *ctx, unsigned int loops)
{
	struct bench_charge *c = ctx;
	unsigned int i;
	int ret;

	for (i = 0; i < loops; i++) {
		ret = ioasids_cgroup_try_charge_ioasid(c->ioasids, BENCH_KIND);
		if (ret)
			return ret;
		ioasids_cgroup_uncharge_ioasids(c->ioasids, BENCH_KIND, 1);
		if (!(i % BENCH_BATCH))
			cond_resched();
	}
	return 0;
}

static int bench_misc_charge_loop(void *ctx, unsigned int loops)
{
	struct bench_charge *c = ctx;
	unsigned int i;
	int ret;

	for (i = 0; i < loops; i++) {
		ret = misc_cg_try_charge(BENCH_MISC_RES, c->misc, 1);
		if (ret)
			return ret;
		misc_cg_uncharge(BENCH_MISC_RES, c->misc, 1);
		if (!(i % BENCH_BATCH))
			cond_resched();
	}
	return 0;
}

static int bench_charge(unsigned int reps, unsigned int loops)
{
	int depth = bench_depth(ioasids_cgrp_id);
	struct bench_charge c;
	struct bench_ab ab = {
		.a = bench_ioasids_charge_loop,
		.b = bench_misc_charge_loop,
		.ctx = &c,
		.reps = reps,
		.loops = loops,
	};
	int ret;

	if (bench_depth(misc_cgrp_id) != depth) {
		pr_err("charge: the writer's ioasids cgroup is at depth %d, its misc cgroup at %d\n",
		       depth, bench_depth(misc_cgrp_id));
		return -EINVAL;
	}
	c.ioasids = ioasids_cgroup_get_current();
	if (!c.ioasids) {
		pr_err("charge: the ioasids controller is disabled\n");
		return -ENODEV;
	}
	c.misc = get_current_misc_cg();

	ret = bench_run_ab(&ab);
	put_misc_cg(c.misc);
	ioasids_cgroup_put(c.ioasids);
	if (ret)
		return ret;

	pr_info("charge depth=%d reps=%u loops=%u ioasids_ps=%llu misc_ps=%llu ratio_milli=%llu target_milli=1000\n",
		depth, reps, loops, ab.a_ps, ab.b_ps, ab.ratio_milli);
	return 0;
}

/* What the pinned-memory loops charge, and the chunk of pages they pin */
struct bench_pin {
	struct ioasids_cgroup *cg;
	struct page *pages;
};

#define BENCH_PIN_ORDER		(21 - PAGE_SHIFT)
#define BENCH_PIN_PAGES		BIT(BENCH_PIN_ORDER)

/* The charge of one page before its pin, and its return after the unpin */
static int bench_pin_charge_loop(void *ctx, unsigned int loops)
{
	struct bench_pin *b = ctx;
	unsigned int i;
	unsigned long n;
	int ret;

	for (i = 0; i < loops; i++) {
		n = 1;
		ret = ioasids_cgroup_try_charge_pinned(b->cg, &n);
		if (ret)
			return ret;
		ioasids_cgroup_uncharge_pinned(b->cg, n);
		if (!(i % BENCH_BATCH))
			cond_resched();
	}
	return 0;
}

/*
 * Charge, commit, release and uncharge of @page, by its pfn, as VFIO's
 * type1 and iommufd map and unmap it
 */
static int bench_pin_one(struct bench_pin *b, struct page *page)
{
	unsigned long n = 1;
	int ret;

	ret = ioasids_cgroup_try_charge_pinned(b->cg, &n);
	if (ret)
		return ret;
	ret = ioasids_cgroup_commit_pinned_range(b->cg, IOASIDS_PINNED_VFIO,
						 page_to_pfn(page), 1);
	if (ret)
		ioasids_cgroup_uncharge_pinned(b->cg, 1);
	return ret;
}

static void bench_unpin_one(struct bench_pin *b, struct page *page)
{
	unsigned long last;

	last = ioasids_cgroup_release_pinned_range(b->cg, IOASIDS_PINNED_VFIO,
						   page_to_pfn(page), 1);
	ioasids_cgroup_uncharge_pinned(b->cg, last);
}

/* Each page pinned and unpinned in turn, as a strict vIOMMU maps */
static int bench_pin_alternate_loop(void *ctx, unsigned int loops)
{
	struct bench_pin *b = ctx;
	unsigned int i;
	int ret;

	for (i = 0; i < loops; i++) {
		ret = bench_pin_one(b, b->pages + i % BENCH_PIN_PAGES);
		if (ret)
			return ret;
		bench_unpin_one(b, b->pages + i % BENCH_PIN_PAGES);
		if (!(i % BENCH_BATCH))
			cond_resched();
	}
	return 0;
}

/* The pages of a chunk pinned one by one, then unpinned one by one */
static int bench_pin_run_loop(void *ctx, unsigned int loops)
{
	struct bench_pin *b = ctx;
	unsigned int i, j;
	int ret;

	for (i = 0; i < loops; i += BENCH_PIN_PAGES) {
		for (j = 0; j < BENCH_PIN_PAGES; j++) {
			ret = bench_pin_one(b, b->pages + j);
			if (ret)
				return ret;
		}
		for (j = 0; j < BENCH_PIN_PAGES; j++)
			bench_unpin_one(b, b->pages + j);
		cond_resched();
	}
	return 0;
}

static int bench_pin(unsigned int reps, unsigned int loops)
{
	const struct {
		const char *name;
		bench_fn fn;
	} steps[] = {
		{ "charge", bench_pin_charge_loop },
		{ "alternate", bench_pin_alternate_loop },
		{ "run", bench_pin_run_loop },
	};
	u64 ns[BENCH_MAX_REPS];
	struct bench_pin b;
	unsigned int i, r;
	int ret = 0;
	s64 t;

	loops = roundup(loops, BENCH_PIN_PAGES);
	b.cg = ioasids_cgroup_get_current();
	if (!b.cg) {
		pr_err("pin: the ioasids controller is disabled\n");
		return -ENODEV;
	}
	b.pages = alloc_pages(GFP_KERNEL, BENCH_PIN_ORDER);
	if (!b.pages) {
		ioasids_cgroup_put(b.cg);
		return -ENOMEM;
	}
	for (i = 0; i < ARRAY_SIZE(steps) && !ret; i++) {
		for (r = 0; r < reps; r++) {
			t = bench_time(steps[i].fn, &b, loops);
			if (t < 0) {
				ret = t;
				break;
			}
			ns[r] = t;
		}
		if (!ret)
			pr_info("pin step=%s depth=%d reps=%u loops=%u ps=%llu\n",
				steps[i].name, bench_depth(ioasids_cgrp_id),
				reps, loops,
				div_u64(median(ns, reps) * 1000, loops));
	}
	__free_pages(b.pages, BENCH_PIN_ORDER);
	ioasids_cgroup_put(b.cg);
	return ret;
}

/*
 * Slab memory in use, in pages: the node counters and what each CPU has
 * not yet folded into them, which is up to tens of pages per CPU.
 */
static long bench_slab_pages(void)
{
	static const enum node_stat_item items[] = {
		NR_SLAB_RECLAIMABLE_B,	/* xarray nodes */
		NR_SLAB_UNRECLAIMABLE_B,
	};
	struct per_cpu_nodestat *stats;
	struct pglist_data *pgdat;
	long pages = 0;
	int cpu, i;

	for (i = 0; i < ARRAY_SIZE(items); i++) {
		pages += global_node_page_state_pages(items[i]);
		for_each_online_pgdat(pgdat) {
			for_each_online_cpu(cpu) {
				stats = per_cpu_ptr(pgdat->per_cpu_nodestats,
						    cpu);
				pages += READ_ONCE(stats->vm_node_stat_diff[items[i]]);
			}
		}
	}
	return pages;
}

/* Lets what frees memory after a grace period finish. */
static void bench_settle(void)
{
	kvfree_rcu_barrier();
	rcu_barrier();
}

/*
 * Allocates in @range->set until it holds @nr IDs or the space is full;
 * returns how many it holds.
 */
static unsigned int bench_fill(struct bench_range *range, unsigned int nr)
{
	unsigned int live = ioasid_set_usage(range->set);
	int id;

	while (live < nr) {
		id = ioasid_alloc(range->set, range->min, range->max);
		if (id < 0)
			break;
		range->top = max_t(ioasid_t, range->top, id);
		if (!(++live % BENCH_BATCH))
			cond_resched();
	}
	return live;
}

/* Releases every ID of @range->set, one by one; returns how many. */
static unsigned int bench_drain(struct bench_range *range)
{
	unsigned int nr = 0;
	ioasid_t id;

	for (id = range->min; id <= range->top; id++) {
		if (!ioasid_free(range->set, id))
			nr++;
		if (!(id % BENCH_BATCH))
			cond_resched();
	}
	range->top = 0;
	return nr;
}

/*
 * Allocates in the baseline's IDA until it holds @nr IDs or the range is
 * full; returns how many it holds, and the highest in @top.
 */
static unsigned int bench_ida_fill(struct bench_range *range,
				   unsigned int nr, int *top)
{
	unsigned int live = 0;
	int id;

	*top = 0;
	while (live < nr) {
		id = ida_alloc_range(&bench_ida, range->min, range->max,
				     GFP_KERNEL);
		if (id < 0)
			break;
		*top = max(*top, id);
		if (!(++live % BENCH_BATCH))
			cond_resched();
	}
	return live;
}

/* Prints the slab memory per ID of @nr IDs, from @before. */
static void bench_print_memory(const char *what, long before,
			       unsigned int nr)
{
	long bytes = (bench_slab_pages() - before) * (long)PAGE_SIZE;

	pr_info("memory %s ids=%u slab_bytes=%ld bytes_per_id_milli=%llu target_milli=64000\n",
		what, nr, bytes,
		div_u64((u64)max(bytes, 0L) * 1000, max(nr, 1U)));
}

/*
 * The slab memory of BENCH_MEM_IDS live IDs, counted from an empty set
 * once every deferred free has run.
 */
static int bench_fill_memory(struct bench_range *range)
{
	unsigned int nr, freed;
	long before;

	bench_settle();
	before = bench_slab_pages();
	nr = bench_fill(range, BENCH_MEM_IDS);
	if (nr == BENCH_MEM_IDS)
		bench_print_memory("live", before, nr);
	freed = bench_drain(range);
	if (nr != BENCH_MEM_IDS || freed != nr) {
		pr_err("fill: allocated %u of %u IDs, freed %u\n", nr,
		       BENCH_MEM_IDS, freed);
		return -ENOSPC;
	}
	return 0;
}

/*
 * The cost of an allocation with @live IDs live, the one allocated
 * included; with the whole space live if @live is 0.  The IDA holds as
 * many.
 */
static int bench_fill_level(struct bench_range *range, unsigned int live,
			    unsigned int reps, unsigned int loops)
{
	unsigned int nr = live ? live - 1 : UINT_MAX;
	struct bench_ab ab = {
		.a = bench_ioasid_loop,
		.b = bench_ida_loop,
		.ctx = range,
		.ref = bench_ref_loop,
		.reps = reps,
		.loops = loops,
	};
	unsigned int have, ida_have;
	int ret, ida_top;

	have = bench_fill(range, nr);
	ida_have = bench_ida_fill(range, have, &ida_top);
	if (!live) {
		/* Full: free the last of each, for the loops to allocate. */
		if (!have || ioasid_free(range->set, range->top))
			return -EIO;
		ida_free(&bench_ida, ida_top);
		live = have--;
		ida_have--;
	}
	if (have != live - 1 || ida_have != have) {
		pr_err("fill: %u IDs live, %u in the IDA, wanted %u\n", have,
		       ida_have, live - 1);
		ret = -ENOSPC;
	} else {
		ret = bench_run_ab(&ab);
	}
	ida_destroy(&bench_ida);
	bench_drain(range);
	if (ret)
		return ret;

	pr_info("fill_level live=%u reps=%u loops=%u ioasid_ps=%llu ida_ps=%llu ratio_milli=%llu ioasid_ref_milli=%llu ida_ref_milli=%llu\n",
		live, reps, loops, ab.a_ps, ab.b_ps, ab.ratio_milli,
		ab.a_ref_milli, ab.b_ref_milli);
	return 0;
}

/* Fills the whole space and drains it, timed; checks that none is left. */
static int bench_fill_all(struct bench_range *range)
{
	unsigned int capacity = range->max - range->min + 1;
	unsigned int filled, freed, left;
	u64 fill_ns, drain_ns;
	long before;
	int full;

	bench_settle();
	before = bench_slab_pages();
	fill_ns = ktime_get_ns();
	filled = bench_fill(range, UINT_MAX);
	fill_ns = ktime_get_ns() - fill_ns;
	bench_print_memory("full", before, filled);
	/* One more must find the space full. */
	full = ioasid_alloc(range->set, range->min, range->max);

	drain_ns = ktime_get_ns();
	freed = bench_drain(range);
	drain_ns = ktime_get_ns() - drain_ns;
	left = ioasid_set_usage(range->set);

	pr_info("fill_all capacity=%u filled=%u freed=%u left=%u one_more=%d fill_ms=%llu drain_ms=%llu fill_ns=%llu drain_ns=%llu\n",
		capacity, filled, freed, left, full,
		div_u64(fill_ns, NSEC_PER_MSEC),
		div_u64(drain_ns, NSEC_PER_MSEC),
		div_u64(fill_ns, max(filled, 1U)),
		div_u64(drain_ns, max(freed, 1U)));
	if (full != -ENOSPC || freed != filled || left)
		return -EIO;
	return 0;
}

static int bench_fill_cmd(unsigned int reps, unsigned int loops)
{
	static const unsigned int levels[] = { 1, 1000, 100000, 0 };
	struct bench_range range;
	struct ioasid_set *set;
	int ret, i;

	set = ioasid_set_alloc(BENCH_KIND, UINT_MAX);
	if (IS_ERR(set))
		return PTR_ERR(set);
	bench_range_init(&range, set);
	pr_info("fill depth=%d capacity=%u\n", bench_depth(ioasids_cgrp_id),
		range.max - range.min + 1);

	ret = bench_fill_memory(&range);
	for (i = 0; !ret && i < ARRAY_SIZE(levels); i++)
		ret = bench_fill_level(&range, levels[i], reps, loops);
	if (!ret)
		ret = bench_fill_all(&range);
	ioasid_set_free(set);
	return ret;
}

struct bench_worker {
	struct ioasid_set *set;		/* NULL: the baseline's IDA */
	u64 start;
	u64 end;
	u64 ops;
	u64 elapsed;
	int err;
	struct completion done;
};

static int bench_worker_fn(void *data)
{
	struct bench_worker *w = data;
	struct bench_range range;
	u64 now;

	bench_range_init(&range, w->set);
	while (ktime_get_ns() < w->start)
		cpu_relax();
	do {
		w->err = w->set ? bench_ioasid_loop(&range, BENCH_BATCH) :
				  bench_ida_loop(&range, BENCH_BATCH);
		w->ops += BENCH_BATCH;
		now = ktime_get_ns();
	} while (!w->err && now < READ_ONCE(w->end));
	w->elapsed = max(now - w->start, 1ULL);
	complete(&w->done);
	return 0;
}

/*
 * Runs @nr workers at once, worker i on CPU i, for @msecs; returns their
 * total throughput in operations per second, or a negative errno.
 */
static s64 bench_workers(unsigned int nr, bool ida, unsigned int msecs)
{
	struct bench_worker w[BENCH_NR_WORKERS] = {};
	struct task_struct *task;
	unsigned int i, started;
	u64 start, ops = 0;
	int err = 0;

	/* Late enough for every worker to be waiting for it */
	start = ktime_get_ns() + 20 * NSEC_PER_MSEC;
	for (i = 0; i < nr; i++) {
		w[i].set = ida ? NULL : bench_psets[i];
		w[i].start = start;
		w[i].end = start + msecs * NSEC_PER_MSEC;
		init_completion(&w[i].done);
	}
	for (started = 0; started < nr; started++) {
		task = kthread_run_on_cpu(bench_worker_fn, &w[started],
					  started, "ioasid_bench/%u");
		if (IS_ERR(task)) {
			err = PTR_ERR(task);
			break;
		}
	}
	/* On an error, those that started stop at once. */
	for (i = 0; err && i < started; i++)
		WRITE_ONCE(w[i].end, 0);
	for (i = 0; i < started; i++) {
		wait_for_completion(&w[i].done);
		err = err ?: w[i].err;
		ops += div64_u64(w[i].ops * NSEC_PER_SEC, w[i].elapsed);
	}
	return err ?: ops;
}

/* Results of "parallel": operations per second of each repetition */
enum {
	PAR_IOASID_ONE,
	PAR_IOASID_TWO,
	PAR_IDA_ONE,
	PAR_IDA_TWO,
	PAR_IOASID_SCALING,
	PAR_IDA_SCALING,
	PAR_NR
};

static int bench_parallel(unsigned int reps, unsigned int msecs)
{
	u64 res[PAR_NR][BENCH_MAX_REPS];
	unsigned int r, i;
	s64 ops;

	if (!bench_psets[0] || !bench_psets[1]) {
		pr_err("parallel: create the sets first: pset 0, pset 1\n");
		return -EINVAL;
	}
	if (!cpu_online(0) || !cpu_online(1)) {
		pr_err("parallel: needs CPUs 0 and 1\n");
		return -ENODEV;
	}
	for (r = 0; r < reps; r++) {
		for (i = PAR_IOASID_ONE; i <= PAR_IDA_TWO; i++) {
			ops = bench_workers(i % 2 + 1, i >= PAR_IDA_ONE, msecs);
			if (ops <= 0)
				return ops ?: -EIO;
			res[i][r] = ops;
		}
		res[PAR_IOASID_SCALING][r] =
			div64_u64(res[PAR_IOASID_TWO][r] * 1000,
				  res[PAR_IOASID_ONE][r]);
		res[PAR_IDA_SCALING][r] = div64_u64(res[PAR_IDA_TWO][r] * 1000,
						    res[PAR_IDA_ONE][r]);
	}
	for (i = 0; i < PAR_NR; i++)
		res[i][0] = median(res[i], reps);
	pr_info("parallel reps=%u msecs=%u ioasid_one_ops=%llu ioasid_two_ops=%llu ioasid_scaling_milli=%llu ida_one_ops=%llu ida_two_ops=%llu ida_scaling_milli=%llu\n",
		reps, msecs, res[PAR_IOASID_ONE][0], res[PAR_IOASID_TWO][0],
		res[PAR_IOASID_SCALING][0], res[PAR_IDA_ONE][0],
		res[PAR_IDA_TWO][0], res[PAR_IDA_SCALING][0]);
	return 0;
}

struct bench_profile {
	struct xarray xa;
	struct bench_range range;
	struct bench_charge charge;
	atomic_t counter;
};

static int bench_profile_atomic(void *ctx, unsigned int loops)
{
	struct bench_profile *p = ctx;
	unsigned int i;

	for (i = 0; i < loops; i++) {
		if (atomic_inc_return(&p->counter) > INT_MAX)
			return -EOVERFLOW;
		atomic_dec(&p->counter);
		if (!(i % BENCH_BATCH))
			cond_resched();
	}
	return 0;
}

static int bench_profile_xa(void *ctx, unsigned int loops)
{
	struct bench_profile *p = ctx;
	/* The allocator's indices: ID n at n - IOMMU_FIRST_GLOBAL_PASID */
	struct xa_limit limit = XA_LIMIT(p->range.min - IOMMU_FIRST_GLOBAL_PASID,
					 p->range.max - IOMMU_FIRST_GLOBAL_PASID);
	unsigned int i;
	int ret;
	u32 id;

	for (i = 0; i < loops; i++) {
		xa_lock_irq(&p->xa);
		ret = __xa_alloc(&p->xa, &id, p, limit, GFP_KERNEL);
		xa_unlock_irq(&p->xa);
		if (ret)
			return ret;
		xa_erase_irq(&p->xa, id);
		if (!(i % BENCH_BATCH))
			cond_resched();
	}
	return 0;
}

/*
 * Live IDs that a step adds before it runs, and that stay through the
 * steps after it: in the xarray alone, an entry at the end of the node of
 * indices 0-63; in the allocator, the lowest free ID.
 */
static int bench_profile_add_neighbour(struct bench_profile *p, bench_fn fn)
{
	int ret;

	if (fn == bench_profile_xa)
		return xa_err(xa_store_irq(&p->xa, XA_CHUNK_SIZE - 1, p,
					   GFP_KERNEL));
	ret = ioasid_alloc(p->range.set, p->range.min, p->range.max);
	return ret < 0 ? ret : 0;
}

static int bench_profile_steps(struct bench_profile *p, unsigned int reps,
			       unsigned int loops)
{
	const struct {
		const char *name;
		bench_fn fn;
		void *ctx;
		bool add_neighbour;
	} steps[] = {
		{ "ida", bench_ida_loop, &p->range },
		{ "atomic", bench_profile_atomic, p },
		{ "charge", bench_ioasids_charge_loop, &p->charge },
		{ "xarray", bench_profile_xa, p },
		{ "xarray_node", bench_profile_xa, p, true },
		{ "ioasid", bench_ioasid_loop, &p->range },
		{ "ioasid_neighbour", bench_ioasid_loop, &p->range, true },
		{ "ioasid_neighbours", bench_ioasid_loop, &p->range, true },
	};
	u64 ns[BENCH_MAX_REPS];
	unsigned int i, r;
	s64 t;
	int ret;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		/* Time none of the frees that the step before deferred */
		bench_settle();
		if (steps[i].add_neighbour) {
			ret = bench_profile_add_neighbour(p, steps[i].fn);
			if (ret)
				return ret;
		}
		for (r = 0; r < reps; r++) {
			t = bench_time(steps[i].fn, steps[i].ctx, loops);
			if (t < 0)
				return t;
			ns[r] = t;
		}
		pr_info("profile step=%s depth=%d reps=%u loops=%u ps=%llu\n",
			steps[i].name, bench_depth(ioasids_cgrp_id), reps, loops,
			div_u64(median(ns, reps) * 1000, loops));
	}
	return 0;
}

static int bench_profile_cmd(unsigned int reps, unsigned int loops)
{
	struct bench_profile *p;
	struct ioasid_set *set;
	int ret = -ENOMEM;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	set = ioasid_set_alloc(BENCH_KIND, UINT_MAX);
	if (IS_ERR(set)) {
		kfree(p);
		return PTR_ERR(set);
	}
	xa_init_flags(&p->xa, XA_FLAGS_ALLOC | XA_FLAGS_LOCK_IRQ);
	bench_range_init(&p->range, set);
	p->charge.ioasids = ioasids_cgroup_get_current();
	if (p->charge.ioasids)
		ret = bench_profile_steps(p, reps, loops);

	xa_destroy(&p->xa);
	ioasids_cgroup_put(p->charge.ioasids);
	ioasid_set_free(set);
	bench_settle();
	kfree(p);
	return ret;
}

static int bench_pset(unsigned int n)
{
	struct ioasid_set *set;

	if (n >= BENCH_NR_WORKERS)
		return -EINVAL;
	set = ioasid_set_alloc(BENCH_KIND, UINT_MAX);
	if (IS_ERR(set))
		return PTR_ERR(set);
	ioasid_set_free(bench_psets[n]);
	bench_psets[n] = set;
	pr_info("pset set=%u depth=%d\n", n, bench_depth(ioasids_cgrp_id));
	return 0;
}

static int bench_command(char *buf)
{
	unsigned int arg1 = 0, arg2 = 0;
	char cmd[16];
	int n;

	n = sscanf(buf, "%15s %u %u", cmd, &arg1, &arg2);
	if (n < 1)
		return -EINVAL;
	if (!strcmp(cmd, "pset"))
		return n == 2 ? bench_pset(arg1) : -EINVAL;

	if (n < 2)
		arg1 = BENCH_DEF_REPS;
	if (!arg1 || arg1 > BENCH_MAX_REPS)
		return -EINVAL;
	if (!strcmp(cmd, "parallel")) {
		if (n < 3)
			arg2 = BENCH_DEF_MSECS;
		if (!arg2 || arg2 > BENCH_MAX_MSECS)
			return -EINVAL;
		return bench_parallel(arg1, arg2);
	}

	if (n < 3)
		arg2 = BENCH_DEF_LOOPS;
	if (!arg2 || arg2 > BENCH_MAX_LOOPS)
		return -EINVAL;
	if (!strcmp(cmd, "alloc"))
		return bench_alloc(arg1, arg2);
	if (!strcmp(cmd, "charge"))
		return bench_charge(arg1, arg2);
	if (!strcmp(cmd, "fill"))
		return bench_fill_cmd(arg1, arg2);
	if (!strcmp(cmd, "profile"))
		return bench_profile_cmd(arg1, arg2);
	if (!strcmp(cmd, "pin"))
		return bench_pin(arg1, arg2);
	return -EINVAL;
}

static ssize_t bench_run_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[64];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	mutex_lock(&bench_lock);
	ret = bench_command(buf);
	mutex_unlock(&bench_lock);
	if (ret)
		pr_err("%s: error %d\n", strim(buf), ret);
	return ret ?: count;
}

static const struct file_operations bench_run_fops = {
	.owner = THIS_MODULE,
	.write = bench_run_write,
};

static int __init ioasid_bench_init(void)
{
	struct dentry *dir = debugfs_create_dir("ioasid_bench", NULL);

	debugfs_create_file("run", 0200, dir, NULL, &bench_run_fops);
	/* The misc controller charges no resource of capacity 0 */
	return misc_cg_set_capacity(BENCH_MISC_RES, IOASID_SPACE);
}
late_initcall(ioasid_bench_init);
