// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the IOASID allocator.
 *
 * The tests share the system's IOASID space with the rest of the kernel,
 * so they allocate at the top of the space, where nothing else allocates
 * while the boot-time tests run (the allocator hands out the lowest free
 * ID), and every test releases what it took.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/ioasid.h>
#include <linux/kthread.h>
#include <linux/slab.h>

/* Width of the range at the top of the space that the tests work in. */
#define TEST_RANGE	64

static ioasid_t test_top(void)
{
	return IOASID_SPACE - 1;
}

static ioasid_t test_bottom(void)
{
	return test_top() - TEST_RANGE + 1;
}

KUNIT_DEFINE_ACTION_WRAPPER(test_set_free, ioasid_set_free,
			    struct ioasid_set *);

/* A set of @kind that is torn down when the test ends, however it ends. */
static struct ioasid_set *test_set_of(struct kunit *test,
				      enum ioasid_set_kind kind,
				      unsigned int quota)
{
	struct ioasid_set *set = ioasid_set_alloc(kind, quota);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, set);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, test_set_free,
							set), 0);
	return set;
}

/* A kernel driver's set, torn down when the test ends */
static struct ioasid_set *test_set(struct kunit *test, unsigned int quota)
{
	return test_set_of(test, IOASID_SET_KERNEL, quota);
}

/* Tear a set from test_set() down now. */
static void test_set_teardown(struct kunit *test, struct ioasid_set *set)
{
	kunit_release_action(test, test_set_free, set);
}

static void ioasid_test_range_limits(struct kunit *test)
{
	struct ioasid_set *set = test_set(test, UINT_MAX);
	ioasid_t top = test_top();
	int id;

	/* A range of one ID yields that ID, then nothing. */
	KUNIT_EXPECT_EQ(test, ioasid_alloc(set, top, top), (int)top);
	KUNIT_EXPECT_EQ(test, ioasid_alloc(set, top, top), -ENOSPC);

	/* The lowest free ID of the range comes first. */
	id = ioasid_alloc(set, test_bottom(), top);
	KUNIT_EXPECT_EQ(test, id, (int)test_bottom());

	/* An empty range, or one beyond the space, is invalid. */
	KUNIT_EXPECT_EQ(test, ioasid_alloc(set, top, top - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, ioasid_alloc(set, top + 1, UINT_MAX),
			-EINVAL);

	/* The reserved IDs below IOMMU_FIRST_GLOBAL_PASID are never given. */
	KUNIT_EXPECT_EQ(test, ioasid_alloc(set, 0, IOMMU_NO_PASID),
			-EINVAL);

	/* A range past the capacity is narrowed to it. */
	KUNIT_EXPECT_EQ(test, ioasid_free(set, top), 0);
	KUNIT_EXPECT_EQ(test, ioasid_alloc(set, top, UINT_MAX), (int)top);
}

static void ioasid_test_quota(struct kunit *test)
{
	struct ioasid_set *set = test_set(test, 3);
	int ids[3];
	int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		ids[i] = ioasid_alloc(set, test_bottom(), test_top());
		KUNIT_EXPECT_GE(test, ids[i], (int)test_bottom());
	}
	/* Over quota, although the range still has free IDs. */
	KUNIT_EXPECT_EQ(test, ioasid_alloc(set, test_bottom(), test_top()),
			-EDQUOT);

	/* Freeing one makes room for one. */
	KUNIT_EXPECT_EQ(test, ioasid_free(set, ids[1]), 0);
	KUNIT_EXPECT_EQ(test, ioasid_alloc(set, test_bottom(), test_top()),
			ids[1]);
	KUNIT_EXPECT_EQ(test, ioasid_alloc(set, test_bottom(), test_top()),
			-EDQUOT);

	test_set_teardown(test, set);

	/* A quota of zero allows nothing. */
	set = test_set(test, 0);
	KUNIT_EXPECT_EQ(test, ioasid_alloc(set, test_bottom(), test_top()),
			-EDQUOT);
}

static void ioasid_test_space_exhaustion(struct kunit *test)
{
	struct ioasid_set *set = test_set(test, UINT_MAX);
	struct ioasid_set *other = test_set(test, UINT_MAX);
	int i, id;

	/* Fill the range up to the last ID of the space. */
	for (i = 0; i < TEST_RANGE; i++) {
		id = ioasid_alloc(set, test_bottom(), UINT_MAX);
		KUNIT_EXPECT_EQ(test, id, (int)(test_bottom() + i));
	}
	/* The space is exhausted for every set, not just a quota. */
	KUNIT_EXPECT_EQ(test, ioasid_alloc(set, test_bottom(), UINT_MAX),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, ioasid_alloc(other, test_bottom(), UINT_MAX),
			-ENOSPC);

	/* A failed allocation holds nothing against the quota. */
	other = test_set(test, 1);
	KUNIT_EXPECT_EQ(test, ioasid_alloc(other, test_bottom(), UINT_MAX),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, ioasid_free(set, test_top()), 0);
	KUNIT_EXPECT_EQ(test, ioasid_alloc(other, test_bottom(), UINT_MAX),
			(int)test_top());
}

/*
 * The sets of userspace never get an ID below IOASID_USER_FIRST, whatever
 * range they ask for; the kernel's own sets (SVA, drivers) may.
 */
static void ioasid_test_user_floor(struct kunit *test)
{
	static const enum ioasid_set_kind user_kinds[] = {
		IOASID_SET_FILE,
	};
	struct ioasid_set *set, *kernel_set;
	int i, id;

	for (i = 0; i < ARRAY_SIZE(user_kinds); i++) {
		set = ioasid_set_alloc(user_kinds[i], UINT_MAX);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, set);
		KUNIT_EXPECT_EQ(test, ioasid_alloc(set, 1, 15), -EINVAL);
		KUNIT_EXPECT_EQ(test, ioasid_alloc(set, 0,
						   IOASID_USER_FIRST - 1),
				-EINVAL);
		id = ioasid_alloc(set, 0, UINT_MAX);
		KUNIT_EXPECT_GE(test, id, (int)IOASID_USER_FIRST);
		KUNIT_EXPECT_EQ(test, ioasid_set_usage(set), 1U);
		ioasid_set_free(set);
	}

	kernel_set = test_set(test, UINT_MAX);
	id = ioasid_alloc(kernel_set, 1, IOASID_USER_FIRST - 1);
	KUNIT_EXPECT_GE(test, id, (int)IOMMU_FIRST_GLOBAL_PASID);
	KUNIT_EXPECT_LT(test, id, (int)IOASID_USER_FIRST);
}

static void ioasid_test_free_and_reuse(struct kunit *test)
{
	struct ioasid_set *set = test_set(test, UINT_MAX);
	struct ioasid_set *other = test_set(test, UINT_MAX);
	int a, b;

	a = ioasid_alloc(set, test_bottom(), test_top());
	b = ioasid_alloc(set, test_bottom(), test_top());
	KUNIT_ASSERT_GE(test, a, 0);
	KUNIT_ASSERT_GE(test, b, 0);
	KUNIT_EXPECT_NE(test, a, b);

	/* Only the set that holds an ID may free it, and only once. */
	KUNIT_EXPECT_EQ(test, ioasid_free(other, a), -ENOENT);
	KUNIT_EXPECT_EQ(test, ioasid_free(set, a), 0);
	KUNIT_EXPECT_EQ(test, ioasid_free(set, a), -ENOENT);
	KUNIT_EXPECT_EQ(test, ioasid_free(set, test_top() + 1), -ENOENT);

	/* The freed ID is the lowest free one again, for any set. */
	KUNIT_EXPECT_EQ(test, ioasid_alloc(other, test_bottom(), test_top()),
			a);
}

/*
 * An attach names its ID, which may lie below IOASID_USER_FIRST even for
 * a set of /dev/ioasid, and gets it pinned; a pinned ID cannot be freed
 * by its set until unpinned, and an ID in use is refused uncharged.
 */
static void ioasid_test_alloc_pinned(struct kunit *test)
{
	struct ioasid_set *file_set = test_set_of(test, IOASID_SET_FILE,
						  UINT_MAX);
	struct ioasid_set *other = test_set(test, 1);
	ioasid_t low = IOASID_USER_FIRST - 1, id = test_top();

	KUNIT_EXPECT_EQ(test, ioasid_alloc_pinned(file_set, low), (int)low);
	KUNIT_EXPECT_EQ(test, ioasid_free(file_set, low), -EBUSY);
	/* In use: refused before the quota of one is even looked at */
	KUNIT_EXPECT_EQ(test, ioasid_alloc_pinned(other, low), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ioasid_set_usage(other), 0U);
	KUNIT_EXPECT_EQ(test, ioasid_alloc_pinned(other, IOMMU_NO_PASID),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ioasid_alloc_pinned(other, IOASID_SPACE),
			-EINVAL);
	ioasid_unpin(file_set, low, true);
	KUNIT_EXPECT_FALSE(test, ioasid_set_holds(file_set, low));
	KUNIT_EXPECT_EQ(test, ioasid_set_usage(file_set), 0U);

	/* An ID the set holds already is pinned, once, then unpinned. */
	KUNIT_ASSERT_EQ(test, ioasid_alloc(other, id, id), (int)id);
	KUNIT_EXPECT_EQ(test, ioasid_pin(file_set, id), -ENOENT);
	KUNIT_EXPECT_EQ(test, ioasid_pin(other, id), 0);
	KUNIT_EXPECT_EQ(test, ioasid_pin(other, id), -EBUSY);
	KUNIT_EXPECT_EQ(test, ioasid_free(other, id), -EBUSY);
	ioasid_unpin(other, id, false);
	KUNIT_EXPECT_TRUE(test, ioasid_set_holds(other, id));
	KUNIT_EXPECT_EQ(test, ioasid_free(other, id), 0);
}

static void ioasid_test_holds(struct kunit *test)
{
	struct ioasid_set *set = test_set(test, UINT_MAX);
	struct ioasid_set *other = test_set(test, UINT_MAX);
	int id;

	id = ioasid_alloc(set, test_bottom(), test_top());
	KUNIT_ASSERT_GE(test, id, 0);

	KUNIT_EXPECT_TRUE(test, ioasid_set_holds(set, id));
	KUNIT_EXPECT_FALSE(test, ioasid_set_holds(other, id));
	KUNIT_EXPECT_FALSE(test, ioasid_set_holds(set, id + 1));
	KUNIT_EXPECT_FALSE(test, ioasid_set_holds(set, IOMMU_NO_PASID));
	KUNIT_EXPECT_FALSE(test, ioasid_set_holds(set, IOMMU_PASID_INVALID));

	KUNIT_EXPECT_EQ(test, ioasid_free(set, id), 0);
	KUNIT_EXPECT_FALSE(test, ioasid_set_holds(set, id));
	KUNIT_EXPECT_EQ(test, ioasid_free(set, IOMMU_NO_PASID), -ENOENT);
	KUNIT_EXPECT_EQ(test, ioasid_free(set, IOMMU_PASID_INVALID), -ENOENT);
}

static void ioasid_test_set_teardown(struct kunit *test)
{
	struct ioasid_set *set = test_set(test, UINT_MAX);
	struct ioasid_set *other = test_set(test, UINT_MAX);
	struct ioasid_set *again;
	int ids[TEST_RANGE / 2], others[TEST_RANGE / 2];
	int i;

	/* The two sets' IDs interleave. */
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		ids[i] = ioasid_alloc(set, test_bottom(), test_top());
		KUNIT_ASSERT_GE(test, ids[i], 0);
		others[i] = ioasid_alloc(other, test_bottom(), test_top());
		KUNIT_ASSERT_GE(test, others[i], 0);
	}
	KUNIT_EXPECT_EQ(test, ioasid_free(set, ids[3]), 0);

	/* Tearing the set down releases every ID it still holds ... */
	test_set_teardown(test, set);
	again = test_set(test, UINT_MAX);
	for (i = 0; i < ARRAY_SIZE(ids); i++)
		KUNIT_EXPECT_EQ(test, ioasid_alloc(again, ids[i], ids[i]),
				ids[i]);

	/* ... and none of another set's. */
	for (i = 0; i < ARRAY_SIZE(others); i++)
		KUNIT_EXPECT_TRUE(test, ioasid_set_holds(other, others[i]));
	KUNIT_EXPECT_EQ(test, ioasid_set_usage(other), ARRAY_SIZE(others));

	/* Tearing down an empty set, or none, is fine. */
	test_set_teardown(test, test_set(test, 1));
	ioasid_set_free(NULL);
}

/*
 * IDs that fill two whole xarray nodes: the walk of their release frees
 * the first node in the middle of a lock hold, and goes on in the second.
 */
#define TEST_NODES_IDS	(2 * XA_CHUNK_SIZE)

static void ioasid_test_free_whole_nodes(struct kunit *test)
{
	struct ioasid_set *set = test_set(test, UINT_MAX);
	ioasid_t first;
	int i;

	/* The IDs whose indices, ID - 1, start a node, below test_bottom() */
	first = round_down(test_bottom() - 1 - TEST_NODES_IDS, XA_CHUNK_SIZE) +
		IOMMU_FIRST_GLOBAL_PASID;
	for (i = 0; i < TEST_NODES_IDS; i++)
		KUNIT_ASSERT_EQ(test, ioasid_alloc(set, first + i, first + i),
				(int)(first + i));

	KUNIT_EXPECT_EQ(test, ioasid_free_range(set, 0, IOMMU_PASID_INVALID),
			TEST_NODES_IDS);
	KUNIT_EXPECT_EQ(test, ioasid_set_usage(set), 0);
	for (i = 0; i < TEST_NODES_IDS; i++)
		KUNIT_EXPECT_FALSE(test, ioasid_set_holds(set, first + i));
}

#define TEST_THREADS	4
#define TEST_ROUNDS	2000

struct ioasid_test_race {
	struct kunit *test;
	struct ioasid_set *sets[TEST_THREADS];
	/* IDs handed out and not yet freed, relative to test_bottom() */
	DECLARE_BITMAP(live, TEST_RANGE);
	atomic_t duplicates;
	atomic_t allocations;
	atomic_t errors;
	atomic_t next_thread;
	atomic_t remaining;
	struct completion done;
};

static int ioasid_test_race_thread(void *arg)
{
	struct ioasid_test_race *race = arg;
	int me = atomic_inc_return(&race->next_thread) - 1;
	struct ioasid_set *set = race->sets[me];
	int held[TEST_RANGE / TEST_THREADS];
	int nr_held = 0;
	int i, id;

	for (i = 0; i < TEST_ROUNDS; i++) {
		/* Alternate runs of allocations and frees. */
		if (nr_held < ARRAY_SIZE(held) && (i / 8) % 2 == 0) {
			id = ioasid_alloc(set, test_bottom(), test_top());
			if (id == -ENOSPC)
				continue;
			if (id < 0) {
				atomic_inc(&race->errors);
				continue;
			}
			atomic_inc(&race->allocations);
			if (test_and_set_bit(id - test_bottom(), race->live))
				atomic_inc(&race->duplicates);
			held[nr_held++] = id;
		} else if (nr_held) {
			id = held[--nr_held];
			clear_bit(id - test_bottom(), race->live);
			if (ioasid_free(set, id))
				atomic_inc(&race->errors);
		}
		cond_resched();
	}
	while (nr_held) {
		id = held[--nr_held];
		clear_bit(id - test_bottom(), race->live);
		if (ioasid_free(set, id))
			atomic_inc(&race->errors);
	}
	if (atomic_dec_and_test(&race->remaining))
		complete(&race->done);
	return 0;
}

static void ioasid_test_concurrent(struct kunit *test)
{
	struct ioasid_test_race *race;
	struct task_struct *threads[TEST_THREADS];
	struct ioasid_set *check;
	int i;

	race = kunit_kzalloc(test, sizeof(*race), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, race);
	race->test = test;
	init_completion(&race->done);
	for (i = 0; i < TEST_THREADS; i++)
		race->sets[i] = test_set(test, UINT_MAX);

	atomic_set(&race->remaining, TEST_THREADS);
	for (i = 0; i < TEST_THREADS; i++) {
		threads[i] = kthread_create(ioasid_test_race_thread, race,
					    "ioasid_test/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(threads[i]));
	}
	for (i = 0; i < TEST_THREADS; i++)
		wake_up_process(threads[i]);
	wait_for_completion(&race->done);

	KUNIT_EXPECT_EQ(test, atomic_read(&race->duplicates), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&race->errors), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&race->allocations), TEST_ROUNDS);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(race->live, TEST_RANGE));

	/* Every thread freed what it took: the whole range is free. */
	check = test_set(test, UINT_MAX);
	for (i = 0; i < TEST_RANGE; i++)
		KUNIT_EXPECT_EQ(test, ioasid_alloc(check, test_bottom() + i,
						   test_bottom() + i),
				(int)(test_bottom() + i));
}

static struct kunit_case ioasid_test_cases[] = {
	KUNIT_CASE(ioasid_test_range_limits),
	KUNIT_CASE(ioasid_test_quota),
	KUNIT_CASE(ioasid_test_space_exhaustion),
	KUNIT_CASE(ioasid_test_user_floor),
	KUNIT_CASE(ioasid_test_free_and_reuse),
	KUNIT_CASE(ioasid_test_holds),
	KUNIT_CASE(ioasid_test_alloc_pinned),
	KUNIT_CASE(ioasid_test_set_teardown),
	KUNIT_CASE(ioasid_test_free_whole_nodes),
	KUNIT_CASE(ioasid_test_concurrent),
	{}
};

static struct kunit_suite ioasid_test_suite = {
	.name = "ioasid",
	.test_cases = ioasid_test_cases,
};

kunit_test_suite(ioasid_test_suite);

MODULE_DESCRIPTION("KUnit tests for the IOASID allocator");
MODULE_LICENSE("GPL");
