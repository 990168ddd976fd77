/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ledger of pinned pages of one ioasids cgroup: how many times each
 * page is pinned for DMA by the mappings charged to the cgroup, so that the
 * cgroup is charged once for a page however many mappings pin it.
 */
#ifndef _IOASIDS_LEDGER_H
#define _IOASIDS_LEDGER_H

#include <linux/bits.h>
#include <linux/gfp_types.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

/*
 * A chunk is 2 MiB, a huge page on x86 and the smallest hole the memory map
 * can have (a subsection): its pfns are valid or not together.
 */
#define LEDGER_CHUNK_SHIFT	(21 - PAGE_SHIFT)
#define LEDGER_CHUNK_PFNS	BIT(LEDGER_CHUNK_SHIFT)
#define LEDGER_CHUNK_MASK	(LEDGER_CHUNK_PFNS - 1)
/* A page's count of this is in ->overflow */
#define LEDGER_COUNT_OVERFLOW	U8_MAX

/*
 * The most pins of one page that a cgroup counts: each pin of a small page
 * adds GUP_PIN_COUNTING_BIAS to its refcount, which must not wrap, and
 * pins beyond this cost the tenant nothing once the page is charged.
 */
#define LEDGER_MAX_PINS	U16_MAX

/**
 * struct ledger_chunk - The pins of a 2 MiB-aligned run of LEDGER_CHUNK_PFNS
 *	pfns
 * @whole: pins of all of its pages at once
 * @nr_counted: how many of its pages have a count of their own
 * @count: each page's count of its own pins, or NULL until the first
 */
struct ledger_chunk {
	unsigned long whole;
	unsigned int nr_counted;
	u8 *count;
};

/**
 * struct ioasids_ledger - Pin counts of pages, by pfn
 * @lock: serializes the changes of the counts
 * @chunks: the counts of each chunk of 2 MiB of pfns, by pfn /
 *	LEDGER_CHUNK_PFNS
 * @overflow: the counts of single pages from 255 on, by pfn
 * @cached: the chunk last counted in, kept while it counts no pin
 * @cached_index: its index in @chunks
 */
struct ioasids_ledger {
	struct mutex lock;	/* serializes the changes of the counts */
	struct xarray chunks;
	struct xarray overflow;
	struct ledger_chunk *cached;
	unsigned long cached_index;
};

/**
 * struct ioasids_ledger_moved - What a move of pins between ledgers changed
 * @pins: the pins moved
 * @first: pages whose first pin the new ledger counts
 * @last: pages whose last pin the old ledger counted
 * @shared_first: of @first, pages that the old ledger still counts a pin of
 * @shared_last: of @last, pages that the new ledger counted a pin of before
 */
struct ioasids_ledger_moved {
	unsigned long pins;
	unsigned long first;
	unsigned long last;
	unsigned long shared_first;
	unsigned long shared_last;
};

void ioasids_ledger_init(struct ioasids_ledger *ledger);
void ioasids_ledger_destroy(struct ioasids_ledger *ledger);
bool ioasids_ledger_empty(struct ioasids_ledger *ledger);
long ioasids_ledger_add(struct ioasids_ledger *ledger, struct page **pages,
			unsigned long npages, unsigned long *nr_pins,
			gfp_t gfp);
long ioasids_ledger_add_range_locked(struct ioasids_ledger *ledger,
				     unsigned long pfn, unsigned long npages,
				     unsigned long *nr_pins, gfp_t gfp);
long ioasids_ledger_add_runs(struct ioasids_ledger *ledger,
			     const unsigned long *pfns, const u32 *npfns,
			     unsigned int nr_runs, unsigned long skip,
			     unsigned long *nr_pins, gfp_t gfp);
unsigned long ioasids_ledger_sub(struct ioasids_ledger *ledger,
				 struct page **pages, unsigned long npages,
				 unsigned long *nr_pins);
unsigned long ioasids_ledger_sub_range_locked(struct ioasids_ledger *ledger,
					      unsigned long pfn,
					      unsigned long npages,
					      unsigned long *nr_pins);
void ioasids_ledger_lock_pair(struct ioasids_ledger *a,
			      struct ioasids_ledger *b);
void ioasids_ledger_unlock_pair(struct ioasids_ledger *a,
				struct ioasids_ledger *b);
void ioasids_ledger_count_move(struct ioasids_ledger *from,
			       struct ioasids_ledger *to, unsigned long pfn,
			       unsigned long npages, unsigned long *first,
			       unsigned long *shared_first);
void ioasids_ledger_move(struct ioasids_ledger *from,
			 struct ioasids_ledger *to, unsigned long pfn,
			 unsigned long npages, struct ioasids_ledger_moved *moved);

/*
 * Count a pin, or with @sub an unpin, of the page of @pfn alone, in the
 * ledger, locked, if the chunk last counted in counts it by itself, below
 * ->overflow.  Maps and unmaps of small pages count mostly there, one page
 * an ioctl through a vIOMMU, and the functions that take the lock and call
 * this inline cost them no more calls than the lock's: a count that they
 * cannot find there, their out-of-line part makes.
 *
 * A pin's @pfn is that of a page just pinned, which has a struct page; a
 * pin of a reserved page is not counted.  An unpin's @pfn may be any pfn
 * that was mapped (a reserved page, a device's MMIO), but one with a count
 * of its own to take away was counted, so has a struct page and is not
 * reserved: an unpin looks at no struct page, and any other pfn is left to
 * the out-of-line part.
 *
 * Return: 1 if the page had no pin before (@sub: has none now), 0, or
 * -EAGAIN if the caller must count it out of line.
 */
static __always_inline long ioasids_ledger_page(struct ioasids_ledger *ledger,
						unsigned long pfn, bool sub,
						unsigned long *nr_pins)
{
	struct ledger_chunk *chunk = ledger->cached;
	u8 *count;

	if (!sub && PageReserved(pfn_to_page(pfn)))
		return 0;
	if (!chunk || ledger->cached_index != pfn >> LEDGER_CHUNK_SHIFT ||
	    !chunk->count)
		return -EAGAIN;
	count = &chunk->count[pfn & LEDGER_CHUNK_MASK];
	if (sub) {
		/* A page pinned only whole splits its chunk's pin first */
		if (!*count || *count == LEDGER_COUNT_OVERFLOW)
			return -EAGAIN;
		VM_WARN_ON_ONCE(PageReserved(pfn_to_page(pfn)));
		(*nr_pins)++;
		if (--*count)
			return 0;
		chunk->nr_counted--;
	} else {
		if (*count >= LEDGER_COUNT_OVERFLOW - 1 ||
		    chunk->whole >= LEDGER_MAX_PINS)
			return -EAGAIN;
		(*nr_pins)++;
		if ((*count)++)
			return 0;
		chunk->nr_counted++;
	}
	return !chunk->whole;
}

/**
 * ioasids_ledger_add_range() - Count the pins of a range of pfns
 * @ledger: the ledger
 * @pfn: the first pfn of the pages just pinned
 * @npages: how many pfns from it
 * @nr_pins: set to how many of the pins the ledger counts
 * @gfp: how to allocate the ledger's memory
 *
 * As ioasids_ledger_add_runs(), for one run; inline for a page alone.
 *
 * Context: process context; sleeps.
 * Return: how many of the pages had no pin counted before, or -ENOMEM;
 * then no count changed.
 */
static inline long ioasids_ledger_add_range(struct ioasids_ledger *ledger,
					    unsigned long pfn,
					    unsigned long npages,
					    unsigned long *nr_pins, gfp_t gfp)
{
	long first = -EAGAIN;

	mutex_lock(&ledger->lock);
	if (npages == 1) {
		*nr_pins = 0;
		first = ioasids_ledger_page(ledger, pfn, false, nr_pins);
	}
	if (first == -EAGAIN)
		first = ioasids_ledger_add_range_locked(ledger, pfn, npages,
							nr_pins, gfp);
	mutex_unlock(&ledger->lock);
	return first;
}

/**
 * ioasids_ledger_sub_range() - Count the unpins of a range of pfns
 * @ledger: the ledger that counted their pins
 * @pfn: the first pfn unpinned
 * @npages: how many pfns from it
 * @nr_pins: set to how many of the pins the ledger counted
 *
 * Inline for a page alone.
 *
 * Context: process context; sleeps.
 * Return: how many of the pages have no pin counted any more.
 */
static inline unsigned long
ioasids_ledger_sub_range(struct ioasids_ledger *ledger, unsigned long pfn,
			 unsigned long npages, unsigned long *nr_pins)
{
	long last = -EAGAIN;

	mutex_lock(&ledger->lock);
	if (npages == 1) {
		*nr_pins = 0;
		last = ioasids_ledger_page(ledger, pfn, true, nr_pins);
	}
	if (last == -EAGAIN)
		last = ioasids_ledger_sub_range_locked(ledger, pfn, npages,
						       nr_pins);
	mutex_unlock(&ledger->lock);
	return last;
}

#endif /* _IOASIDS_LEDGER_H */
