/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ledger of pinned pages of one ioasids cgroup: how many times each
 * page is pinned for DMA by the mappings charged to the cgroup, so that the
 * cgroup is charged once for a page however many mappings pin it.
 */
#ifndef _IOASIDS_LEDGER_H
#define _IOASIDS_LEDGER_H

#include <linux/gfp_types.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

struct ledger_chunk;

/**
 * struct ioasids_ledger - Pin counts of pages, by pfn
 * @lock: serializes the changes of the counts
 * @chunks: the counts of each chunk of 512 pfns, by pfn / 512
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

#endif /* _IOASIDS_LEDGER_H */
