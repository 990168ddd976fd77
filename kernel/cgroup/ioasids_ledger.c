// SPDX-License-Identifier: GPL-2.0
/*
 * The ledger of pinned pages of one ioasids cgroup.
 *
 * A cgroup is charged once for each page that the mappings charged to it
 * pin, however many of them pin it: a VMM that gives a guest two assigned
 * devices behind a vIOMMU maps the guest's memory once per VFIO container
 * or iommufd IOAS, and that memory is pinned once.  The ledger counts the
 * pins of each page; a page is charged while its count is not zero.
 *
 * The counts are bytes, in blocks of 64 pfns that an xarray keeps by
 * pfn / 64.  With the xarray's nodes, that is about 1.1 bytes per pinned
 * page where the pinned pages are dense, as a VM's memory is, and a block
 * per page where they are scattered.  A count that reaches 255, a page
 * mapped at 255 IOVAs, goes on in a second xarray, by pfn, so that no
 * count wraps.  Pages that a pin does not hold (reserved pages such as the
 * zero page, and pfns without a struct page) are not counted.  The memory
 * is charged to the memory cgroup of the task that pins, but for the
 * few blocks that undoing a failed move of pins needs.
 */

#include <linux/bits.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ioasids_ledger.h"

#define LEDGER_BLOCK_SHIFT	6
#define LEDGER_BLOCK_PFNS	BIT(LEDGER_BLOCK_SHIFT)
#define LEDGER_OVERFLOW		U8_MAX	/* the count is in ->overflow */

struct ioasids_ledger_block {
	u8 count[LEDGER_BLOCK_PFNS];
};

/* The block of the last pfn counted, which the next pfn likely shares */
struct ledger_cursor {
	unsigned long index;
	struct ioasids_ledger_block *block;
	bool emptied;	/* one of its counts returned to zero */
};

/* Whether a pin holds the page of @pfn, and the ledger counts it */
static bool ledger_counts(unsigned long pfn)
{
	return pfn_valid(pfn) && !PageReserved(pfn_to_page(pfn));
}

/**
 * ioasids_ledger_init() - Initialize an empty ledger
 * @ledger: the ledger
 */
void ioasids_ledger_init(struct ioasids_ledger *ledger)
{
	mutex_init(&ledger->lock);
	xa_init(&ledger->blocks);
	xa_init(&ledger->overflow);
}

/**
 * ioasids_ledger_destroy() - Free a ledger
 * @ledger: the ledger, whose pages are all unpinned
 */
void ioasids_ledger_destroy(struct ioasids_ledger *ledger)
{
	struct ioasids_ledger_block *block;
	unsigned long index;

	/* Every pin holds a reference on the cgroup: none can be left */
	WARN_ON_ONCE(!xa_empty(&ledger->blocks) ||
		     !xa_empty(&ledger->overflow));
	xa_for_each(&ledger->blocks, index, block)
		kfree(block);
	xa_destroy(&ledger->blocks);
	xa_destroy(&ledger->overflow);
	mutex_destroy(&ledger->lock);
}

/* Leave the cursor's block, and free it if all its counts are zero */
static void ledger_cursor_put(struct ioasids_ledger *ledger,
			      struct ledger_cursor *cur)
{
	if (cur->emptied &&
	    !memchr_inv(cur->block->count, 0, sizeof(cur->block->count))) {
		xa_erase(&ledger->blocks, cur->index);
		kfree(cur->block);
	}
	cur->block = NULL;
	cur->emptied = false;
}

/* The count of @pfn, in a new block if it has none and @create */
static u8 *ledger_count(struct ioasids_ledger *ledger,
			struct ledger_cursor *cur, unsigned long pfn,
			bool create, gfp_t gfp)
{
	unsigned long index = pfn >> LEDGER_BLOCK_SHIFT;
	struct ioasids_ledger_block *block;

	if (cur->block && cur->index == index)
		goto found;
	if (cur->block)
		ledger_cursor_put(ledger, cur);
	block = xa_load(&ledger->blocks, index);
	if (!block && create) {
		block = kzalloc(sizeof(*block), gfp);
		if (!block)
			return NULL;
		if (xa_is_err(xa_store(&ledger->blocks, index, block, gfp))) {
			kfree(block);
			return NULL;
		}
	}
	if (!block)
		return NULL;
	cur->block = block;
	cur->index = index;
found:
	return &cur->block->count[pfn & (LEDGER_BLOCK_PFNS - 1)];
}

/* Count a pin of @pfn: 1 if it is the page's first, 0 if not, or -ENOMEM */
static int ledger_inc(struct ioasids_ledger *ledger,
		      struct ledger_cursor *cur, unsigned long pfn, gfp_t gfp)
{
	u8 *count = ledger_count(ledger, cur, pfn, true, gfp);
	unsigned long over;

	if (!count)
		return -ENOMEM;
	if (*count < LEDGER_OVERFLOW - 1)
		return (*count)++ == 0;
	if (*count == LEDGER_OVERFLOW - 1)
		over = LEDGER_OVERFLOW;
	else
		over = xa_to_value(xa_load(&ledger->overflow, pfn)) + 1;
	if (xa_is_err(xa_store(&ledger->overflow, pfn, xa_mk_value(over),
			       gfp)))
		return -ENOMEM;
	*count = LEDGER_OVERFLOW;
	return 0;
}

/* Count an unpin of @pfn: true if it was the page's last pin */
static bool ledger_dec(struct ioasids_ledger *ledger,
		       struct ledger_cursor *cur, unsigned long pfn)
{
	u8 *count = ledger_count(ledger, cur, pfn, false, 0);
	unsigned long over;

	if (WARN_ON_ONCE(!count || !*count))
		return false;
	if (*count == LEDGER_OVERFLOW) {
		over = xa_to_value(xa_load(&ledger->overflow, pfn)) - 1;
		if (over < LEDGER_OVERFLOW) {
			xa_erase(&ledger->overflow, pfn);
			*count = over;
		} else {
			/* Replaces the entry, so allocates nothing */
			xa_store(&ledger->overflow, pfn, xa_mk_value(over),
				 GFP_KERNEL);
		}
		return false;
	}
	if (--*count)
		return false;
	cur->emptied = true;
	return true;
}

/**
 * ioasids_ledger_add() - Count the pins of pages
 * @ledger: the ledger
 * @pages: the pages just pinned
 * @npages: how many
 * @nr_pins: set to how many of the pins the ledger counts
 * @gfp: how to allocate the ledger's memory; with __GFP_NOFAIL, the
 *	function cannot fail
 *
 * Context: process context; sleeps.
 * Return: how many of the pages had no pin counted before, or -ENOMEM;
 * then no count changed.
 */
long ioasids_ledger_add(struct ioasids_ledger *ledger, struct page **pages,
			unsigned long npages, unsigned long *nr_pins,
			gfp_t gfp)
{
	struct ledger_cursor cur = {};
	unsigned long i, pfn;
	long first = 0;
	int ret = 0;

	*nr_pins = 0;
	mutex_lock(&ledger->lock);
	for (i = 0; i < npages; i++) {
		pfn = page_to_pfn(pages[i]);
		if (!ledger_counts(pfn))
			continue;
		ret = ledger_inc(ledger, &cur, pfn, gfp);
		if (ret < 0)
			break;
		first += ret;
		(*nr_pins)++;
	}
	if (ret < 0) {
		while (i--) {
			pfn = page_to_pfn(pages[i]);
			if (ledger_counts(pfn))
				ledger_dec(ledger, &cur, pfn);
		}
		first = ret;
		*nr_pins = 0;
	}
	if (cur.block)
		ledger_cursor_put(ledger, &cur);
	mutex_unlock(&ledger->lock);
	return first;
}

/* Count the unpins of @pages, or of the pfns from @pfn if it is NULL */
static unsigned long ledger_sub(struct ioasids_ledger *ledger,
				struct page **pages, unsigned long pfn,
				unsigned long npages, unsigned long *nr_pins)
{
	struct ledger_cursor cur = {};
	unsigned long i, last = 0;

	*nr_pins = 0;
	mutex_lock(&ledger->lock);
	for (i = 0; i < npages; i++, pfn++) {
		if (pages)
			pfn = page_to_pfn(pages[i]);
		if (!ledger_counts(pfn))
			continue;
		last += ledger_dec(ledger, &cur, pfn);
		(*nr_pins)++;
	}
	if (cur.block)
		ledger_cursor_put(ledger, &cur);
	mutex_unlock(&ledger->lock);
	return last;
}

/**
 * ioasids_ledger_sub() - Count the unpins of pages
 * @ledger: the ledger that counted their pins
 * @pages: the pages unpinned
 * @npages: how many
 * @nr_pins: set to how many of the pins the ledger counted
 *
 * Context: process context; sleeps.
 * Return: how many of the pages have no pin counted any more.
 */
unsigned long ioasids_ledger_sub(struct ioasids_ledger *ledger,
				 struct page **pages, unsigned long npages,
				 unsigned long *nr_pins)
{
	return ledger_sub(ledger, pages, 0, npages, nr_pins);
}

/**
 * ioasids_ledger_sub_range() - Count the unpins of a range of pfns
 * @ledger: the ledger that counted their pins
 * @pfn: the first pfn unpinned
 * @npages: how many pfns from it
 * @nr_pins: set to how many of the pins the ledger counted
 *
 * Context: process context; sleeps.
 * Return: how many of the pages have no pin counted any more.
 */
unsigned long ioasids_ledger_sub_range(struct ioasids_ledger *ledger,
				       unsigned long pfn, unsigned long npages,
				       unsigned long *nr_pins)
{
	return ledger_sub(ledger, NULL, pfn, npages, nr_pins);
}
