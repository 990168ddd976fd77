/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ledger of pinned pages of one ioasids cgroup: how many times each
 * page is pinned for DMA by the mappings charged to the cgroup, so that the
 * cgroup is charged once for a page however many mappings pin it.
 */
#ifndef _IOASIDS_LEDGER_H
#define _IOASIDS_LEDGER_H

#include <linux/bit_spinlock.h>
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

/*
 * The bit of ioasids_ledger.fast_lock that locks ->fast and ->fast_index.
 * Nothing else lives in the word, so that the unlock may clear it with a
 * plain store (__bit_spin_unlock()).  The lock is held for a few
 * instructions, never from an interrupt, and never with another bit lock.
 */
#define LEDGER_FAST_LOCK	0

/**
 * struct ioasids_ledger - Pin counts of pages, by pfn
 * @lock: serializes every change of the counts that ioasids_ledger_page()
 *	does not make
 * @chunks: the counts of each chunk of 2 MiB of pfns, by pfn /
 *	LEDGER_CHUNK_PFNS
 * @overflow: the counts of single pages from 255 on, by pfn
 * @cached: the chunk last counted in, kept while it counts no pin
 * @cached_index: its index in @chunks
 * @fast_lock: bit LEDGER_FAST_LOCK locks @fast and @fast_index
 * @fast: @cached while @lock is free and @cached has a count of each
 *	page, else NULL: the chunk where ioasids_ledger_page() counts
 * @fast_index: its index in @chunks
 *
 * A pin of a page alone, as each map of a vIOMMU makes, mostly counts in
 * the chunk counted in last: there, ioasids_ledger_page() counts it inline
 * under a bit spinlock, which costs a few instructions, where the mutex
 * costs two calls (spin_lock() too is a call on x86).  Every other change
 * takes @lock, and then empties @fast under the bit lock, once a count in
 * progress there is done, for as long as it holds @lock: it has every chunk
 * to itself, and may sleep and allocate.
 */
struct ioasids_ledger {
	struct mutex lock;	/* serializes the changes but the fast ones */
	struct xarray chunks;
	struct xarray overflow;
	struct ledger_chunk *cached;
	unsigned long cached_index;
	unsigned long fast_lock;
	struct ledger_chunk *fast;
	unsigned long fast_index;
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
long ioasids_ledger_add_range(struct ioasids_ledger *ledger, unsigned long pfn,
			      unsigned long npages, unsigned long *nr_pins,
			      gfp_t gfp);
long ioasids_ledger_add_runs(struct ioasids_ledger *ledger,
			     const unsigned long *pfns, const u32 *npfns,
			     unsigned int nr_runs, unsigned long skip,
			     unsigned long *nr_pins, gfp_t gfp);
unsigned long ioasids_ledger_sub(struct ioasids_ledger *ledger,
				 struct page **pages, unsigned long npages,
				 unsigned long *nr_pins);
unsigned long ioasids_ledger_sub_range(struct ioasids_ledger *ledger,
				       unsigned long pfn, unsigned long npages,
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

/**
 * ioasids_ledger_page() - Count the pin or unpin of a page alone, inline
 * @ledger: the ledger
 * @pfn: the page's pfn
 * @sub: count an unpin, not a pin
 *
 * Counts it in the ledger's fast chunk, if the page is in it and has a
 * count of its own there, below ->overflow.  Maps and unmaps of small pages
 * count mostly there, one page an ioctl through a vIOMMU: their callers try
 * this first, which costs them no call, and count with the out-of-line
 * functions what this does not.
 *
 * A pin's @pfn is that of a page just pinned, which has a struct page, and
 * is not reserved (the callers leave reserved pages out).  An unpin's @pfn
 * may be any pfn that was mapped (a reserved page, a device's MMIO), but
 * one with a count of its own to take away was counted, so has a struct
 * page and is not reserved: an unpin looks at no struct page, and any
 * other pfn is left to the out-of-line functions.
 *
 * Context: any context but an interrupt; spins, for a few instructions.
 * Return: 1 if the page had no pin before (@sub: has none now), 0, or
 * -EAGAIN if nothing was counted, and the caller must count it out of line.
 */
static __always_inline long ioasids_ledger_page(struct ioasids_ledger *ledger,
						unsigned long pfn, bool sub)
{
	struct ledger_chunk *chunk;
	long ret = -EAGAIN;
	u8 *count;

	bit_spin_lock(LEDGER_FAST_LOCK, &ledger->fast_lock);
	chunk = ledger->fast;
	if (!chunk || ledger->fast_index != pfn >> LEDGER_CHUNK_SHIFT)
		goto unlock;
	count = &chunk->count[pfn & LEDGER_CHUNK_MASK];
	if (sub) {
		/* A page pinned only whole splits its chunk's pin first */
		if (!*count || *count == LEDGER_COUNT_OVERFLOW)
			goto unlock;
		VM_WARN_ON_ONCE(PageReserved(pfn_to_page(pfn)));
		ret = 0;
		if (!--*count) {
			chunk->nr_counted--;
			ret = !chunk->whole;
		}
	} else {
		if (*count >= LEDGER_COUNT_OVERFLOW - 1 ||
		    chunk->whole >= LEDGER_MAX_PINS)
			goto unlock;
		ret = 0;
		if (!(*count)++) {
			chunk->nr_counted++;
			ret = !chunk->whole;
		}
	}
unlock:
	__bit_spin_unlock(LEDGER_FAST_LOCK, &ledger->fast_lock);
	return ret;
}

#endif /* _IOASIDS_LEDGER_H */
