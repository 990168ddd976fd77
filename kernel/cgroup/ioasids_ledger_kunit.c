// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the ledger of pinned pages of the ioasids controller:
 * pins of whole chunks, of single pages and of runs of pfns, mixed,
 * released otherwise than they were counted, counts past a byte, pages
 * that a pin does not hold, and the inline count of a page alone, alone and
 * racing with the others.
 */

#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/mm.h>

#include "ioasids_ledger.h"

#define CHUNK_ORDER	LEDGER_CHUNK_SHIFT
#define CHUNK_PAGES	BIT(CHUNK_ORDER)

struct ledger_test {
	struct ioasids_ledger ledger;
	struct page *chunk;	/* a chunk's pages, aligned */
	struct page *pages[CHUNK_PAGES];
};

static int ledger_test_init(struct kunit *test)
{
	struct ledger_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned long i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	ioasids_ledger_init(&t->ledger);
	/* A huge page's folio for some cases, small pages for the others */
	t->chunk = alloc_pages(GFP_KERNEL |
			       (strstr(test->name, "folio") ? __GFP_COMP : 0),
			       CHUNK_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, t->chunk);
	for (i = 0; i < CHUNK_PAGES; i++)
		t->pages[i] = t->chunk + i;
	test->priv = t;
	return 0;
}

/* How many chunks the ledger holds */
static unsigned long nr_chunks(struct ledger_test *t)
{
	unsigned long index, n = 0;
	void *chunk;

	xa_for_each(&t->ledger.chunks, index, chunk)
		n++;
	return n;
}

static void ledger_test_exit(struct kunit *test)
{
	struct ledger_test *t = test->priv;

	/* Every test releases what it counted: at most the cache is left */
	KUNIT_EXPECT_TRUE(test, ioasids_ledger_empty(&t->ledger));
	KUNIT_EXPECT_LE(test, nr_chunks(t), 1);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->ledger.overflow));
	ioasids_ledger_destroy(&t->ledger);
	__free_pages(t->chunk, CHUNK_ORDER);
}

static long add(struct ledger_test *t, unsigned long first, unsigned long n)
{
	unsigned long pins;

	return ioasids_ledger_add(&t->ledger, t->pages + first, n, &pins,
				  GFP_KERNEL);
}

static unsigned long sub(struct ledger_test *t, unsigned long first,
			 unsigned long n)
{
	unsigned long pins;

	return ioasids_ledger_sub(&t->ledger, t->pages + first, n, &pins);
}

static unsigned long sub_range(struct ledger_test *t, unsigned long first,
			       unsigned long n)
{
	unsigned long pins;

	return ioasids_ledger_sub_range(&t->ledger,
					page_to_pfn(t->chunk) + first, n,
					&pins);
}

static long add_runs(struct ledger_test *t, const unsigned long *pfns,
		     const u32 *npfns, unsigned int nr_runs, unsigned long skip)
{
	unsigned long pins;

	return ioasids_ledger_add_runs(&t->ledger, pfns, npfns, nr_runs, skip,
				       &pins, GFP_KERNEL);
}

/* Whole pins, released in halves: the page's last pin frees the charge */
static void ledger_whole_then_halves_folio(struct kunit *test)
{
	struct ledger_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, add(t, 0, CHUNK_PAGES), CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, add(t, 0, CHUNK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, sub(t, 0, CHUNK_PAGES / 2), 0);
	KUNIT_EXPECT_EQ(test, sub_range(t, CHUNK_PAGES / 2, CHUNK_PAGES / 2),
			0);
	KUNIT_EXPECT_EQ(test, sub_range(t, 0, CHUNK_PAGES), CHUNK_PAGES);
}

/* Pins of single pages, released as a whole chunk */
static void ledger_pages_then_whole(struct kunit *test)
{
	struct ledger_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, add(t, 0, CHUNK_PAGES / 2), CHUNK_PAGES / 2);
	KUNIT_EXPECT_EQ(test, add(t, CHUNK_PAGES / 2, CHUNK_PAGES / 2),
			CHUNK_PAGES / 2);
	KUNIT_EXPECT_EQ(test, add(t, 10, 20), 0);
	KUNIT_EXPECT_EQ(test, sub_range(t, 0, CHUNK_PAGES), CHUNK_PAGES - 20);
	KUNIT_EXPECT_EQ(test, sub(t, 10, 20), 20);
}

/* A whole pin and pins of some pages: each page is charged once */
static void ledger_mixed_folio(struct kunit *test)
{
	struct ledger_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, add(t, 100, 10), 10);
	KUNIT_EXPECT_EQ(test, add(t, 0, CHUNK_PAGES), CHUNK_PAGES - 10);
	KUNIT_EXPECT_EQ(test, add(t, 105, 10), 0);
	KUNIT_EXPECT_EQ(test, sub_range(t, 0, CHUNK_PAGES), CHUNK_PAGES - 15);
	KUNIT_EXPECT_EQ(test, sub(t, 100, 10), 5);
	KUNIT_EXPECT_EQ(test, sub(t, 105, 10), 10);
}

/* A page pinned 300 times: counted past a byte, released at the last */
static void ledger_overflow(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	int i;

	KUNIT_EXPECT_EQ(test, add(t, 7, 1), 1);
	for (i = 1; i < 300; i++)
		KUNIT_EXPECT_EQ(test, add(t, 7, 1), 0);
	KUNIT_EXPECT_FALSE(test, xa_empty(&t->ledger.overflow));
	for (i = 1; i < 300; i++)
		KUNIT_EXPECT_EQ(test, sub(t, 7, 1), 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->ledger.overflow));
	KUNIT_EXPECT_EQ(test, sub(t, 7, 1), 1);
}

/* Pages that a pin does not hold are not counted */
static void ledger_pages_not_pinned(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	struct page *zero = ZERO_PAGE(0);
	unsigned long pins;

	/* The zero page is reserved: a pin does not hold it, nor a chunk */
	KUNIT_EXPECT_EQ(test, ioasids_ledger_add(&t->ledger, &zero, 1, &pins,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, pins, 0);
	KUNIT_EXPECT_EQ(test, nr_chunks(t), 0);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_add_range(&t->ledger,
						       page_to_pfn(zero), 1,
						       &pins, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, pins, 0);
	KUNIT_EXPECT_EQ(test, nr_chunks(t), 0);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_sub(&t->ledger, &zero, 1, &pins),
			0);
	KUNIT_EXPECT_EQ(test, pins, 0);
}

/*
 * The release of a single pfn, as VFIO releases what it unmaps: a counted
 * page in the cached chunk, inline, then pfns outside it that the ledger
 * never counted, the zero page's and one without a struct page, which
 * release nothing
 */
static void ledger_sub_range_page(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	unsigned long invalid = ULONG_MAX >> PAGE_SHIFT, zero, pins;

	KUNIT_ASSERT_FALSE(test, pfn_valid(invalid));
	KUNIT_EXPECT_EQ(test, add(t, 7, 1), 1);
	KUNIT_EXPECT_EQ(test, add(t, 7, 1), 0);
	KUNIT_EXPECT_PTR_EQ(test, t->ledger.cached,
			    xa_load(&t->ledger.chunks,
				    page_to_pfn(t->pages[7]) >>
					    LEDGER_CHUNK_SHIFT));
	KUNIT_EXPECT_EQ(test, ioasids_ledger_sub_range(&t->ledger,
						       page_to_pfn(t->pages[7]),
						       1, &pins), 0);
	KUNIT_EXPECT_EQ(test, pins, 1);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_sub_range(&t->ledger,
						       page_to_pfn(t->pages[7]),
						       1, &pins), 1);
	KUNIT_EXPECT_EQ(test, pins, 1);

	zero = page_to_pfn(ZERO_PAGE(0));
	KUNIT_EXPECT_EQ(test, ioasids_ledger_sub_range(&t->ledger, zero, 1,
						       &pins), 0);
	KUNIT_EXPECT_EQ(test, pins, 0);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_sub_range(&t->ledger, invalid, 1,
						       &pins), 0);
	KUNIT_EXPECT_EQ(test, pins, 0);
}

/*
 * Runs of pfns, from the middle of the first, as iommufd commits the pfns
 * that it adds to a batch; then a whole chunk, and a single page
 */
static void ledger_runs_folio(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	unsigned long base = page_to_pfn(t->chunk), page = base + 10;
	unsigned long pfns[] = { base, base + 100 };
	u32 npfns[] = { 100, CHUNK_PAGES - 100 }, whole = CHUNK_PAGES, one = 1;

	KUNIT_EXPECT_EQ(test, add_runs(t, pfns, npfns, 2, 50),
			CHUNK_PAGES - 50);
	KUNIT_EXPECT_EQ(test, add_runs(t, &base, &whole, 1, 0), 50);
	KUNIT_EXPECT_EQ(test, add_runs(t, &page, &one, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, sub_range(t, 0, CHUNK_PAGES), 50 - 1);
	KUNIT_EXPECT_EQ(test, sub(t, 50, CHUNK_PAGES - 50), CHUNK_PAGES - 50);
	KUNIT_EXPECT_EQ(test, sub(t, 10, 1), 1);
}

/* Runs are counted all or none: a refused run takes back those before */
static void ledger_runs_refused(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	unsigned long base = page_to_pfn(t->chunk);
	unsigned long pfns[] = { base + 100, base + 3 };
	u32 npfns[] = { 10, 1 };
	int i;

	for (i = 0; i < U16_MAX; i++)
		KUNIT_ASSERT_EQ(test, add(t, 3, 1), i ? 0 : 1);
	KUNIT_EXPECT_EQ(test, add_runs(t, pfns, npfns, 2, 0), -ENOMEM);
	/* Pages 100 to 109 have no pin counted */
	KUNIT_EXPECT_EQ(test, add(t, 100, 10), 10);
	KUNIT_EXPECT_EQ(test, sub(t, 100, 10), 10);
	for (i = 1; i < U16_MAX; i++)
		KUNIT_ASSERT_EQ(test, sub(t, 3, 1), 0);
	KUNIT_EXPECT_EQ(test, sub(t, 3, 1), 1);
}

/* A page takes 65535 pins, its chunk's included, and refuses one more */
static void ledger_max_pins_folio(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	int i;

	KUNIT_EXPECT_EQ(test, add(t, 0, CHUNK_PAGES), CHUNK_PAGES);
	for (i = 1; i < U16_MAX; i++)
		KUNIT_ASSERT_EQ(test, add(t, 3, 1), 0);
	KUNIT_EXPECT_EQ(test, add(t, 3, 1), -ENOMEM);
	/* A refused pin changed nothing: the others release all */
	for (i = 1; i < U16_MAX; i++)
		KUNIT_ASSERT_EQ(test, sub(t, 3, 1), 0);
	KUNIT_EXPECT_EQ(test, sub(t, 0, CHUNK_PAGES), CHUNK_PAGES);
}

/*
 * A huge page of reserved pages, as device DAX's are, is not counted,
 * whole or by page: its flags set as memmap_init_zone_device() sets them
 */
static void ledger_reserved_folio(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	unsigned long i;

	for (i = 0; i < CHUNK_PAGES; i++)
		__set_bit(PG_reserved, &t->pages[i]->flags);
	KUNIT_EXPECT_EQ(test, add(t, 0, CHUNK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, sub(t, 0, CHUNK_PAGES / 2), 0);
	KUNIT_EXPECT_EQ(test, sub_range(t, CHUNK_PAGES / 2, CHUNK_PAGES / 2),
			0);
	for (i = 0; i < CHUNK_PAGES; i++)
		__clear_bit(PG_reserved, &t->pages[i]->flags);
}

/* A chunk of reserved pages, a device's memory, is not counted, whole */
static void ledger_reserved_chunk(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	unsigned long i;

	for (i = 0; i < CHUNK_PAGES; i++)
		SetPageReserved(t->pages[i]);
	KUNIT_EXPECT_EQ(test, add(t, 0, CHUNK_PAGES), 0);
	KUNIT_EXPECT_EQ(test, sub(t, 0, CHUNK_PAGES / 2), 0);
	KUNIT_EXPECT_EQ(test, sub_range(t, CHUNK_PAGES / 2, CHUNK_PAGES / 2),
			0);
	for (i = 0; i < CHUNK_PAGES; i++)
		ClearPageReserved(t->pages[i]);
}

/*
 * The chunk last counted in stays while it counts nothing, and goes once
 * another is counted in: a page pinned there again is charged again, and
 * chunks that count nothing do not pile up
 */
static void ledger_cached_chunk(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	struct page *other = alloc_pages(GFP_KERNEL, CHUNK_ORDER);
	unsigned long pins;

	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_EQ(test, add(t, 5, 1), 1);
	KUNIT_EXPECT_EQ(test, sub(t, 5, 1), 1);
	KUNIT_EXPECT_EQ(test, nr_chunks(t), 1);
	KUNIT_EXPECT_TRUE(test, ioasids_ledger_empty(&t->ledger));
	KUNIT_EXPECT_EQ(test, add(t, 5, 1), 1);
	KUNIT_EXPECT_FALSE(test, ioasids_ledger_empty(&t->ledger));
	KUNIT_EXPECT_EQ(test, sub(t, 5, 1), 1);

	KUNIT_EXPECT_EQ(test, ioasids_ledger_add(&t->ledger, &other, 1, &pins,
						 GFP_KERNEL), 1);
	KUNIT_EXPECT_EQ(test, nr_chunks(t), 1);
	KUNIT_EXPECT_EQ(test, add(t, 6, 1), 1);
	KUNIT_EXPECT_EQ(test, nr_chunks(t), 2);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_sub(&t->ledger, &other, 1, &pins),
			1);
	KUNIT_EXPECT_EQ(test, sub(t, 6, 1), 1);
	KUNIT_EXPECT_EQ(test, nr_chunks(t), 1);
	__free_pages(other, CHUNK_ORDER);
}

/* Count what a move of @n pages from @first to @to would change */
static void count_move(struct ledger_test *t, struct ioasids_ledger *to,
		       unsigned long first, unsigned long n,
		       unsigned long *new, unsigned long *shared)
{
	ioasids_ledger_lock_pair(&t->ledger, to);
	ioasids_ledger_count_move(&t->ledger, to, page_to_pfn(t->chunk) + first,
				  n, new, shared);
	ioasids_ledger_unlock_pair(&t->ledger, to);
}

/* Move one pin of each of @n pages from @first, from @t's ledger to @to */
static struct ioasids_ledger_moved move(struct ledger_test *t,
					struct ioasids_ledger *to,
					unsigned long first, unsigned long n)
{
	struct ioasids_ledger_moved moved = {};

	ioasids_ledger_lock_pair(&t->ledger, to);
	ioasids_ledger_move(&t->ledger, to, page_to_pfn(t->chunk) + first, n,
			    &moved);
	ioasids_ledger_unlock_pair(&t->ledger, to);
	return moved;
}

/*
 * A pin of a page moves alone: the first in the new ledger and the last in
 * the old one are told apart, and a pin of a page pinned whole moves too
 */
static void ledger_move_folio(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	struct ioasids_ledger_moved moved;
	unsigned long first = 0, kept = 0;
	struct ioasids_ledger to;
	unsigned long pins;

	ioasids_ledger_init(&to);
	KUNIT_EXPECT_EQ(test, add(t, 0, CHUNK_PAGES), CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, add(t, 9, 1), 0);
	count_move(t, &to, 9, 1, &first, &kept);
	KUNIT_EXPECT_EQ(test, first, 1);
	KUNIT_EXPECT_EQ(test, kept, 1);

	moved = move(t, &to, 9, 1);
	KUNIT_EXPECT_EQ(test, moved.pins, 1);
	KUNIT_EXPECT_EQ(test, moved.first, 1);
	KUNIT_EXPECT_EQ(test, moved.last, 0);
	KUNIT_EXPECT_EQ(test, moved.shared_first, 1);
	moved = move(t, &to, 9, 1);
	KUNIT_EXPECT_EQ(test, moved.pins, 1);
	KUNIT_EXPECT_EQ(test, moved.first, 0);
	KUNIT_EXPECT_EQ(test, moved.last, 1);
	KUNIT_EXPECT_EQ(test, moved.shared_last, 1);

	KUNIT_EXPECT_EQ(test, ioasids_ledger_sub(&to, t->pages + 9, 1, &pins),
			0);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_sub(&to, t->pages + 9, 1, &pins),
			1);
	KUNIT_EXPECT_TRUE(test, ioasids_ledger_empty(&to));
	ioasids_ledger_destroy(&to);
	/* Page 9 has no pin left: it was released from the chunk's pin */
	KUNIT_EXPECT_EQ(test, sub(t, 0, 9), 9);
	KUNIT_EXPECT_EQ(test, sub(t, 10, CHUNK_PAGES - 10), CHUNK_PAGES - 10);
}

/*
 * A whole pin moves as one: the new ledger counts it whole, and the old
 * one keeps its pins of single pages, which a release of the whole chunk
 * finds unchanged
 */
static void ledger_move_whole_folio(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	unsigned long pfn = page_to_pfn(t->chunk), first = 0, kept = 0;
	struct ioasids_ledger_moved moved;
	struct ioasids_ledger to;
	unsigned long pins;

	ioasids_ledger_init(&to);
	KUNIT_EXPECT_EQ(test, add(t, 0, CHUNK_PAGES), CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, add(t, 9, 1), 0);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_add(&to, t->pages + 3, 1, &pins,
						 GFP_KERNEL), 1);
	count_move(t, &to, 0, CHUNK_PAGES, &first, &kept);
	KUNIT_EXPECT_EQ(test, first, CHUNK_PAGES - 1);
	KUNIT_EXPECT_EQ(test, kept, 1);

	moved = move(t, &to, 0, CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, moved.pins, CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, moved.first, CHUNK_PAGES - 1);
	KUNIT_EXPECT_EQ(test, moved.last, CHUNK_PAGES - 1);
	KUNIT_EXPECT_EQ(test, moved.shared_first, 1);	/* page 9 */
	KUNIT_EXPECT_EQ(test, moved.shared_last, 1);	/* page 3 */

	/* The new ledger releases the chunk whole, the old one page 9 */
	KUNIT_EXPECT_EQ(test, ioasids_ledger_sub_range(&to, pfn, CHUNK_PAGES,
						       &pins), CHUNK_PAGES - 1);
	KUNIT_EXPECT_EQ(test, pins, CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_sub(&to, t->pages + 3, 1, &pins),
			1);
	KUNIT_EXPECT_TRUE(test, ioasids_ledger_empty(&to));
	ioasids_ledger_destroy(&to);
	KUNIT_EXPECT_EQ(test, sub(t, 9, 1), 1);
}

/* The pfn of page @i of the test's chunk */
static unsigned long pfn_of(struct ledger_test *t, unsigned long i)
{
	return page_to_pfn(t->chunk) + i;
}

/*
 * The inline count of a page alone: only in the chunk counted in last,
 * which it shares with the out-of-line functions, below ->overflow, and
 * never while the ledger is locked for a move
 */
static void ledger_fast_page(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	struct ioasids_ledger to;
	unsigned long i;

	ioasids_ledger_init(&to);
	/* No chunk yet: out of line */
	KUNIT_EXPECT_EQ(test, ioasids_ledger_page(&t->ledger, pfn_of(t, 8),
						  false), -EAGAIN);
	KUNIT_EXPECT_EQ(test, add(t, 7, 1), 1);
	KUNIT_EXPECT_NOT_NULL(test, t->ledger.fast);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_page(&t->ledger, pfn_of(t, 8),
						  false), 1);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_page(&t->ledger, pfn_of(t, 8),
						  false), 0);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_page(&t->ledger,
						  pfn_of(t, CHUNK_PAGES),
						  false), -EAGAIN);
	/* Page 9 has no count of its own to take away */
	KUNIT_EXPECT_EQ(test, ioasids_ledger_page(&t->ledger, pfn_of(t, 9),
						  true), -EAGAIN);
	/* Up to the last count below ->overflow, and back */
	for (i = 2; i < LEDGER_COUNT_OVERFLOW - 1; i++)
		KUNIT_EXPECT_EQ(test, ioasids_ledger_page(&t->ledger,
							  pfn_of(t, 8), false),
				0);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_page(&t->ledger, pfn_of(t, 8),
						  false), -EAGAIN);
	for (i = 2; i < LEDGER_COUNT_OVERFLOW - 1; i++)
		KUNIT_EXPECT_EQ(test, ioasids_ledger_page(&t->ledger,
							  pfn_of(t, 8), true),
				0);

	ioasids_ledger_lock_pair(&t->ledger, &to);
	KUNIT_EXPECT_NULL(test, t->ledger.fast);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_page(&t->ledger, pfn_of(t, 8),
						  false), -EAGAIN);
	ioasids_ledger_unlock_pair(&t->ledger, &to);

	/* Out of line, the inline counts are found; and the other way */
	KUNIT_EXPECT_EQ(test, sub_range(t, 7, 2), 1);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_page(&t->ledger, pfn_of(t, 8),
						  true), 1);
	KUNIT_EXPECT_EQ(test, add(t, 0, CHUNK_PAGES), CHUNK_PAGES);
	/* Pinned whole: a count of its own is no first pin */
	KUNIT_EXPECT_EQ(test, ioasids_ledger_page(&t->ledger, pfn_of(t, 8),
						  false), 0);
	KUNIT_EXPECT_EQ(test, sub_range(t, 0, CHUNK_PAGES), CHUNK_PAGES - 1);
	KUNIT_EXPECT_EQ(test, ioasids_ledger_page(&t->ledger, pfn_of(t, 8),
						  true), 1);
	KUNIT_EXPECT_TRUE(test, ioasids_ledger_empty(&to));
	ioasids_ledger_destroy(&to);
}

#define RACE_ROUNDS	20000

struct fast_racer {
	struct ledger_test *t;
	struct completion done;
	unsigned long page;
	long balance;		/* first pins less last pins that it counted */
	unsigned long inline_counts;
};

/* Pin and unpin a page alone, inline where it can be, as a vIOMMU maps */
static int fast_racer_fn(void *data)
{
	struct fast_racer *r = data;
	unsigned long pfn = pfn_of(r->t, r->page), pins, i;
	long ret;

	for (i = 0; i < RACE_ROUNDS; i++) {
		ret = ioasids_ledger_page(&r->t->ledger, pfn, false);
		if (ret < 0)
			ret = ioasids_ledger_add_range(&r->t->ledger, pfn, 1,
						       &pins, GFP_KERNEL);
		else
			r->inline_counts++;
		r->balance += ret;
		ret = ioasids_ledger_page(&r->t->ledger, pfn, true);
		if (ret < 0)
			ret = ioasids_ledger_sub_range(&r->t->ledger, pfn, 1,
						       &pins);
		else
			r->inline_counts++;
		r->balance -= ret;
	}
	kthread_complete_and_exit(&r->done, 0);
}

/*
 * Inline counts of a page alone on another CPU, while the out-of-line
 * functions count other pages of its chunk, and pins of the whole chunk:
 * no count is lost, and each page's first pin and last are found once,
 * by one or the other, so that what both found balances out, and the
 * ledger is empty at the end.
 */
static void ledger_fast_page_racing(struct kunit *test)
{
	struct ledger_test *t = test->priv;
	struct fast_racer r = { .t = t, .page = 3 };
	struct task_struct *task;
	unsigned long pins, i;
	long balance = 0;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	KUNIT_ASSERT_EQ(test, add(t, 5, 1), 1);
	init_completion(&r.done);
	task = kthread_create(fast_racer_fn, &r, "ledger_racer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	/* Mostly on another CPU than this one */
	kthread_bind(task, cpumask_any_but(cpu_online_mask,
					   raw_smp_processor_id()));
	wake_up_process(task);
	/* No assertion until the racer is done: it uses @t and @r */
	for (i = 0; i < RACE_ROUNDS; i++) {
		if (i % 4 == 0) {
			balance += add(t, 0, CHUNK_PAGES);
			balance -= sub_range(t, 0, CHUNK_PAGES);
		}
		balance += ioasids_ledger_add_range(&t->ledger, pfn_of(t, 10),
						    2, &pins, GFP_KERNEL);
		balance += add(t, 12, 1);
		balance -= sub(t, 12, 1);
		balance -= sub_range(t, 10, 2);
	}
	wait_for_completion(&r.done);
	KUNIT_EXPECT_GT(test, r.inline_counts, 0);
	KUNIT_EXPECT_EQ(test, sub(t, 5, 1), 1);
	KUNIT_EXPECT_EQ(test, balance + r.balance, 0);
	KUNIT_EXPECT_TRUE(test, ioasids_ledger_empty(&t->ledger));
}

static struct kunit_case ledger_cases[] = {
	KUNIT_CASE(ledger_move_folio),
	KUNIT_CASE(ledger_move_whole_folio),
	KUNIT_CASE(ledger_cached_chunk),
	KUNIT_CASE(ledger_whole_then_halves_folio),
	KUNIT_CASE(ledger_pages_then_whole),
	KUNIT_CASE(ledger_mixed_folio),
	KUNIT_CASE(ledger_overflow),
	KUNIT_CASE(ledger_pages_not_pinned),
	KUNIT_CASE(ledger_sub_range_page),
	KUNIT_CASE(ledger_fast_page),
	KUNIT_CASE(ledger_fast_page_racing),
	KUNIT_CASE(ledger_reserved_chunk),
	KUNIT_CASE(ledger_reserved_folio),
	KUNIT_CASE(ledger_max_pins_folio),
	KUNIT_CASE(ledger_runs_folio),
	KUNIT_CASE(ledger_runs_refused),
	{}
};

static struct kunit_suite ledger_suite = {
	.name = "ioasids_ledger",
	.init = ledger_test_init,
	.exit = ledger_test_exit,
	.test_cases = ledger_cases,
};

kunit_test_suite(ledger_suite);
