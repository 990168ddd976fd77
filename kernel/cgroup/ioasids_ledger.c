// SPDX-License-Identifier: GPL-2.0
/*
 * The ledger of pinned pages of one ioasids cgroup.
 *
 * A cgroup is charged once for each page that the mappings charged to it
 * pin, however many of them pin it: a VMM that gives a guest two assigned
 * devices behind a vIOMMU maps the guest's memory once per VFIO container
 * or iommufd IOAS, and that memory is pinned once.  The ledger counts the
 * pins of each page; a page is charged while it has one.
 *
 * Pins come in runs of contiguous pages, and a VM's memory is mostly huge
 * pages, so the ledger counts by chunk of 2 MiB (LEDGER_CHUNK_PFNS pfns,
 * 512 of 4 KiB): a pin of a whole chunk is one count, ->whole, whatever
 * its pages; pins of some of its pages are counted one byte per page, in
 * an array that the chunk gets at its first such pin.  A page's pins are
 * ->whole plus its own count, so the ledger costs a few instructions per
 * 2 MiB for huge pages, and about 1 byte per pinned page for small ones
 * where they are dense.
 * Callers that have the runs of pfns they pinned hand those in
 * (ioasids_ledger_add_runs()), so that the pages of a huge page are not
 * looked at one by one; a list of pages is checked for runs first.
 * Releasing a part of a chunk pinned whole turns one whole pin into a pin
 * of each page first.  A page's count that reaches 255, a page pinned at
 * 255 places at once, goes on in a second xarray, by pfn, so that no
 * count wraps; a page takes at most LEDGER_MAX_PINS pins of its own, its
 * chunk's included, and its chunk as many whole pins.
 *
 * Small pages come one per map, through a vIOMMU: the chunk last counted
 * in is cached, and kept while it counts nothing, so that a map and unmap
 * of a page near the last costs neither a lookup nor an allocation, and
 * the count of one page goes straight to its byte, inline, under a bit
 * spinlock (ioasids_ledger_page()) that every other change shuts out while
 * it holds the mutex (ledger_lock()).
 *
 * Reserved pages (the zero page, a device's memory) and pfns without a
 * struct page (a device's MMIO) are not counted, nor charged: the pin of a
 * reserved page holds no memory of the system's.  The ledger's memory is
 * charged to the memory cgroup of the task that pins; moving a pin to
 * another ledger and releasing a part of a chunk allocate it without
 * failing.
 */

#include <linux/bits.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "ioasids_ledger.h"

#define LEDGER_GFP_NOFAIL	(GFP_KERNEL_ACCOUNT | __GFP_NOFAIL)

/**
 * ioasids_ledger_init() - Initialize an empty ledger
 * @ledger: the ledger
 */
void ioasids_ledger_init(struct ioasids_ledger *ledger)
{
	mutex_init(&ledger->lock);
	xa_init(&ledger->chunks);
	xa_init(&ledger->overflow);
	ledger->cached = NULL;
	ledger->fast_lock = 0;
	ledger->fast = NULL;
}

/*
 * Take the fast chunk away from ioasids_ledger_page(), once a count in
 * progress there is done
 */
static void ledger_close_fast(struct ioasids_ledger *ledger)
{
	bit_spin_lock(LEDGER_FAST_LOCK, &ledger->fast_lock);
	ledger->fast = NULL;
	__bit_spin_unlock(LEDGER_FAST_LOCK, &ledger->fast_lock);
}

/*
 * Lock @ledger for a change that ioasids_ledger_page() cannot make: with no
 * fast chunk until ledger_unlock(), the change has every chunk to itself,
 * and may sleep.
 */
static void ledger_lock(struct ioasids_ledger *ledger)
{
	mutex_lock(&ledger->lock);
	ledger_close_fast(ledger);
}

/* Unlock @ledger, with the chunk cached last as the fast one */
static void ledger_unlock(struct ioasids_ledger *ledger)
{
	struct ledger_chunk *cached = ledger->cached;

	bit_spin_lock(LEDGER_FAST_LOCK, &ledger->fast_lock);
	ledger->fast = cached && cached->count ? cached : NULL;
	ledger->fast_index = ledger->cached_index;
	__bit_spin_unlock(LEDGER_FAST_LOCK, &ledger->fast_lock);
	mutex_unlock(&ledger->lock);
}

/*
 * @ledger is locked by ledger_lock() or ioasids_ledger_lock_pair(): lockdep
 * sees the mutex, not the bit lock, so ->fast is checked too (only the
 * holder of the mutex writes it)
 */
static void ledger_assert_locked(struct ioasids_ledger *ledger)
{
	lockdep_assert_held(&ledger->lock);
	lockdep_assert(!ledger->fast);
}

/**
 * ioasids_ledger_empty() - Whether a ledger counts no pin
 * @ledger: the ledger
 *
 * Context: process context; sleeps.
 * Return: true if no page has a pin counted in @ledger.
 */
bool ioasids_ledger_empty(struct ioasids_ledger *ledger)
{
	struct ledger_chunk *chunk;
	unsigned long index;
	bool empty;

	ledger_lock(ledger);
	empty = xa_empty(&ledger->overflow);
	/* The cached chunk stays, empty or not */
	xa_for_each(&ledger->chunks, index, chunk)
		if (chunk->whole || chunk->nr_counted)
			empty = false;
	ledger_unlock(ledger);
	return empty;
}

/**
 * ioasids_ledger_destroy() - Free a ledger
 * @ledger: the ledger, whose pages are all unpinned
 */
void ioasids_ledger_destroy(struct ioasids_ledger *ledger)
{
	struct ledger_chunk *chunk;
	unsigned long index;

	/* Every pin holds a reference on the cgroup: none can be left */
	WARN_ON_ONCE(!ioasids_ledger_empty(ledger));
	ledger->cached = NULL;
	ledger->fast = NULL;
	xa_for_each(&ledger->chunks, index, chunk) {
		kfree(chunk->count);
		kfree(chunk);
	}
	xa_destroy(&ledger->chunks);
	xa_destroy(&ledger->overflow);
	mutex_destroy(&ledger->lock);
}

/* Free @chunk if it counts no pin and is not the cached one */
static void chunk_put(struct ioasids_ledger *ledger, struct ledger_chunk *chunk,
		      unsigned long pfn)
{
	if (chunk->whole || chunk->nr_counted || chunk == ledger->cached)
		return;
	xa_erase(&ledger->chunks, pfn >> LEDGER_CHUNK_SHIFT);
	kfree(chunk->count);
	kfree(chunk);
}

/*
 * The chunk of @pfn, a new one if it has none and @gfp is not 0.
 *
 * Maps and unmaps of small pages come one page at a time, mostly in the
 * chunk of the one before (a vIOMMU's map of a page, then its unmap): the
 * chunk last found is cached, and kept while it counts no pin, so that
 * such a page costs neither a lookup nor an allocation.
 */
static struct ledger_chunk *chunk_get(struct ioasids_ledger *ledger,
				      unsigned long pfn, gfp_t gfp)
{
	unsigned long index = pfn >> LEDGER_CHUNK_SHIFT;
	struct ledger_chunk *chunk, *old;

	ledger_assert_locked(ledger);
	if (likely(ledger->cached && ledger->cached_index == index))
		return ledger->cached;
	chunk = xa_load(&ledger->chunks, index);
	if (!chunk && gfp) {
		chunk = kzalloc(sizeof(*chunk), gfp);
		if (chunk &&
		    xa_is_err(xa_store(&ledger->chunks, index, chunk, gfp))) {
			kfree(chunk);
			chunk = NULL;
		}
	}
	if (chunk) {
		old = ledger->cached;
		ledger->cached = chunk;
		if (old)
			chunk_put(ledger, old,
				  ledger->cached_index << LEDGER_CHUNK_SHIFT);
		ledger->cached_index = index;
	}
	return chunk;
}

/* Whether a pin holds the page of @pfn, in a chunk whose pfns are @valid */
static bool pfn_counted(unsigned long pfn, bool valid)
{
	return valid && !PageReserved(pfn_to_page(pfn));
}

/*
 * Whether a pin holds every page of the chunk from @pfn: pages of one
 * folio of LEDGER_CHUNK_PFNS pages or more, or none reserved.  A chunk's
 * pfns are valid or not together: the memory map has holes of 2 MiB at the
 * least.
 */
static bool chunk_all_counted(unsigned long pfn, bool valid)
{
	struct folio *folio;
	unsigned long i;

	if (!valid)
		return false;
	folio = page_folio(pfn_to_page(pfn));
	/* A device's large folios may be reserved: checked page by page */
	if (folio_nr_pages(folio) >= LEDGER_CHUNK_PFNS &&
	    !folio_is_zone_device(folio) && !folio_test_reserved(folio))
		return true;
	for (i = 0; i < LEDGER_CHUNK_PFNS; i++)
		if (PageReserved(pfn_to_page(pfn + i)))
			return false;
	return true;
}

/*
 * One more pin of the page of @pfn alone: 1 if it had none, 0, or -ENOMEM,
 * which __GFP_NOFAIL in @gfp rules out, LEDGER_MAX_PINS included.
 */
static int chunk_inc(struct ioasids_ledger *ledger,
		     struct ledger_chunk *chunk, unsigned long pfn, gfp_t gfp)
{
	bool capped = !(gfp & __GFP_NOFAIL);
	unsigned long over;
	u8 *count;

	if (capped && chunk->whole >= LEDGER_MAX_PINS)
		return -ENOMEM;
	if (!chunk->count) {
		chunk->count = kzalloc(LEDGER_CHUNK_PFNS, gfp);
		if (!chunk->count)
			return -ENOMEM;
	}
	count = &chunk->count[pfn & LEDGER_CHUNK_MASK];
	if (likely(*count < LEDGER_COUNT_OVERFLOW - 1)) {
		if ((*count)++)
			return 0;
		chunk->nr_counted++;
		return !chunk->whole;
	}
	if (*count == LEDGER_COUNT_OVERFLOW - 1)
		over = LEDGER_COUNT_OVERFLOW;
	else
		over = xa_to_value(xa_load(&ledger->overflow, pfn)) + 1;
	if (capped && over + chunk->whole > LEDGER_MAX_PINS)
		return -ENOMEM;
	if (xa_is_err(xa_store(&ledger->overflow, pfn, xa_mk_value(over), gfp)))
		return -ENOMEM;
	*count = LEDGER_COUNT_OVERFLOW;
	return 0;
}

/* Turn one pin of the whole chunk from @base into a pin of each page */
static void chunk_split(struct ioasids_ledger *ledger,
			struct ledger_chunk *chunk, unsigned long base)
{
	unsigned long i;

	for (i = 0; i < LEDGER_CHUNK_PFNS; i++)
		chunk_inc(ledger, chunk, base + i, LEDGER_GFP_NOFAIL);
	chunk->whole--;
}

/* One pin fewer of the page of @pfn: 1 if that was its last, or 0 */
static int chunk_dec(struct ioasids_ledger *ledger,
		     struct ledger_chunk *chunk, unsigned long pfn)
{
	unsigned long over;
	u8 *count;

	if (!chunk->count || !chunk->count[pfn & LEDGER_CHUNK_MASK]) {
		/* Its pin is one of the whole chunk's, if it has one */
		if (WARN_ON_ONCE(!chunk->whole))
			return 0;
		chunk_split(ledger, chunk, pfn & ~LEDGER_CHUNK_MASK);
	}
	count = &chunk->count[pfn & LEDGER_CHUNK_MASK];
	if (*count == LEDGER_COUNT_OVERFLOW) {
		over = xa_to_value(xa_load(&ledger->overflow, pfn)) - 1;
		if (over < LEDGER_COUNT_OVERFLOW) {
			xa_erase(&ledger->overflow, pfn);
			*count = over;
		} else {
			/* Replaces the entry, so allocates nothing */
			xa_store(&ledger->overflow, pfn, xa_mk_value(over),
				 LEDGER_GFP_NOFAIL);
		}
		return 0;
	}
	if (--*count)
		return 0;
	chunk->nr_counted--;
	return !chunk->whole;
}

/*
 * Count the pins, or with @sub the unpins, of the @n pfns from @pfn, all
 * in one chunk, whose pfns are @valid or not; *@pins counts them.  Returns
 * how many pages had no pin before (@sub: have none now), or -ENOMEM.
 */
static long ledger_run(struct ioasids_ledger *ledger, unsigned long pfn,
		       unsigned long n, bool valid, bool sub, gfp_t gfp,
		       unsigned long *pins)
{
	struct ledger_chunk *chunk;
	unsigned long i;
	long changed = 0;
	int ret;

	if (n == LEDGER_CHUNK_PFNS && chunk_all_counted(pfn, valid)) {
		chunk = chunk_get(ledger, pfn, sub ? 0 : gfp);
		if (!chunk) {
			WARN_ON_ONCE(sub);
			return sub ? 0 : -ENOMEM;
		}
		if (!sub && !(gfp & __GFP_NOFAIL) &&
		    chunk->whole >= LEDGER_MAX_PINS) {
			chunk_put(ledger, chunk, pfn);
			return -ENOMEM;
		}
		if (!sub || chunk->whole) {
			*pins += LEDGER_CHUNK_PFNS;
			if (sub ? --chunk->whole : chunk->whole++)
				return 0;
			changed = LEDGER_CHUNK_PFNS - chunk->nr_counted;
			if (sub)
				chunk_put(ledger, chunk, pfn);
			return changed;
		}
		/* Pinned a page at a time: released so */
	}

	/* A page that a pin does not hold needs no chunk */
	if (!valid || (n == 1 && !pfn_counted(pfn, valid)))
		return 0;
	chunk = chunk_get(ledger, pfn, sub ? 0 : gfp);
	if (!chunk && !sub)
		return -ENOMEM;
	if (!chunk) {
		/* Only pages that a pin does not hold have no chunk */
		for (i = 0; i < n; i++)
			WARN_ON_ONCE(pfn_counted(pfn + i, valid));
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!pfn_counted(pfn + i, valid))
			continue;
		ret = sub ? chunk_dec(ledger, chunk, pfn + i) :
			    chunk_inc(ledger, chunk, pfn + i, gfp);
		if (ret < 0) {
			while (i--)
				if (pfn_counted(pfn + i, valid))
					changed -= chunk_dec(ledger, chunk,
							     pfn + i);
			chunk_put(ledger, chunk, pfn);
			return ret;
		}
		changed += ret;
		(*pins)++;
	}
	chunk_put(ledger, chunk, pfn);
	return changed;
}

/*
 * Whether the LEDGER_CHUNK_PFNS pages from @pages[0] are contiguous.  Each
 * page of a huge page goes through here: the pages are compared four at a
 * time, with no branch but the loop's.
 */
static bool pages_whole_chunk(struct page **pages)
{
	unsigned long first = (unsigned long)pages[0], diff = 0, i;
	const unsigned long size = sizeof(struct page);

	BUILD_BUG_ON(LEDGER_CHUNK_PFNS % 4);
	for (i = 0; i < LEDGER_CHUNK_PFNS; i += 4, first += 4 * size)
		diff |= ((unsigned long)pages[i] ^ first) |
			((unsigned long)pages[i + 1] ^ (first + size)) |
			((unsigned long)pages[i + 2] ^ (first + 2 * size)) |
			((unsigned long)pages[i + 3] ^ (first + 3 * size));
	return !diff;
}

/* How many of @pages from the first are contiguous, in its chunk */
static unsigned long pages_run(struct page **pages, unsigned long npages)
{
	unsigned long pfn = page_to_pfn(pages[0]), n;

	npages = min(npages, LEDGER_CHUNK_PFNS - (pfn & LEDGER_CHUNK_MASK));
	if (npages == LEDGER_CHUNK_PFNS && pages_whole_chunk(pages))
		return LEDGER_CHUNK_PFNS;
	for (n = 1; n < npages && pages[n] == pages[0] + n; n++)
		;
	return n;
}

/* Count the unpins of @pages, or of the pfns from @pfn if it is NULL */
static unsigned long ledger_sub(struct ioasids_ledger *ledger,
				struct page **pages, unsigned long pfn,
				unsigned long npages, unsigned long *nr_pins)
{
	unsigned long n, last = 0;
	bool valid = true;

	while (npages) {
		if (pages) {
			pfn = page_to_pfn(*pages);
			n = pages_run(pages, npages);
			pages += n;
		} else {
			n = min(npages,
				LEDGER_CHUNK_PFNS - (pfn & LEDGER_CHUNK_MASK));
			valid = pfn_valid(pfn);
		}
		last += ledger_run(ledger, pfn, n, valid, true, 0, nr_pins);
		pfn += n;
		npages -= n;
	}
	return last;
}

/**
 * ioasids_ledger_add() - Count the pins of pages
 * @ledger: the ledger
 * @pages: the pages just pinned
 * @npages: how many
 * @nr_pins: set to how many of the pins the ledger counts
 * @gfp: how to allocate the ledger's memory; with __GFP_NOFAIL, the
 *	function cannot fail, and takes pins past LEDGER_MAX_PINS
 *
 * Context: process context; sleeps.
 * Return: how many of the pages had no pin counted before, or -ENOMEM;
 * then no count changed.
 */
long ioasids_ledger_add(struct ioasids_ledger *ledger, struct page **pages,
			unsigned long npages, unsigned long *nr_pins,
			gfp_t gfp)
{
	unsigned long i, n, undone = 0;
	long first = 0, ret;

	*nr_pins = 0;
	if (npages == 1) {
		/* A pin does not hold a reserved page: nothing to count */
		if (PageReserved(pages[0]))
			return 0;
		first = ioasids_ledger_page(ledger, page_to_pfn(pages[0]),
					    false);
		if (first >= 0) {
			*nr_pins = 1;
			return first;
		}
		first = 0;
	}
	ledger_lock(ledger);
	for (i = 0; i < npages; i += n) {
		n = pages_run(pages + i, npages - i);
		ret = ledger_run(ledger, page_to_pfn(pages[i]), n, true, false,
				 gfp, nr_pins);
		if (ret < 0) {
			ledger_sub(ledger, pages, 0, i, &undone);
			*nr_pins = 0;
			first = ret;
			break;
		}
		first += ret;
	}
	ledger_unlock(ledger);
	return first;
}

/*
 * Count the pins of the @npages pfns from @pfn, or none of them: pfns of
 * pinned pages, which all have a struct page.
 */
static long ledger_add_range(struct ioasids_ledger *ledger, unsigned long pfn,
			     unsigned long npages, gfp_t gfp,
			     unsigned long *nr_pins)
{
	unsigned long done, n, undone;
	long first = 0, ret;

	for (done = 0; done < npages; done += n) {
		n = min(npages - done,
			LEDGER_CHUNK_PFNS - ((pfn + done) & LEDGER_CHUNK_MASK));
		ret = ledger_run(ledger, pfn + done, n, true, false, gfp,
				 nr_pins);
		if (ret < 0) {
			ledger_sub(ledger, NULL, pfn, done, &undone);
			return ret;
		}
		first += ret;
	}
	return first;
}

/**
 * ioasids_ledger_add_range() - Count the pins of a range of pfns
 * @ledger: the ledger
 * @pfn: the first pfn of the pages just pinned
 * @npages: how many pfns from it
 * @nr_pins: set to how many of the pins the ledger counts
 * @gfp: how to allocate the ledger's memory
 *
 * As ioasids_ledger_add_runs(), for one run.  A caller that may count a
 * page alone tries ioasids_ledger_page() first.
 *
 * Context: process context; sleeps.
 * Return: how many of the pages had no pin counted before, or -ENOMEM;
 * then no count changed.
 */
long ioasids_ledger_add_range(struct ioasids_ledger *ledger, unsigned long pfn,
			      unsigned long npages, unsigned long *nr_pins,
			      gfp_t gfp)
{
	long first;

	*nr_pins = 0;
	ledger_lock(ledger);
	first = ledger_add_range(ledger, pfn, npages, gfp, nr_pins);
	ledger_unlock(ledger);
	if (first < 0)
		*nr_pins = 0;
	return first;
}

/**
 * ioasids_ledger_add_runs() - Count the pins of runs of contiguous pfns
 * @ledger: the ledger
 * @pfns: the first pfn of each run
 * @npfns: the length of each run
 * @nr_runs: how many runs
 * @skip: how many pfns at the start of the first run not to count
 * @nr_pins: set to how many of the pins the ledger counts
 * @gfp: how to allocate the ledger's memory
 *
 * As ioasids_ledger_add(), for a caller that has the runs of pfns of the
 * pages that it pinned: their pages need no check that they are
 * contiguous, nor their pfns that they have a struct page, which every
 * pfn of the runs must have.  @skip is at most the first run's length.
 *
 * Context: process context; sleeps.
 * Return: how many of the pages had no pin counted before, or -ENOMEM
 * (-EINVAL for a @skip past the first run); then no count changed.
 */
long ioasids_ledger_add_runs(struct ioasids_ledger *ledger,
			     const unsigned long *pfns, const u32 *npfns,
			     unsigned int nr_runs, unsigned long skip,
			     unsigned long *nr_pins, gfp_t gfp)
{
	unsigned long off, undone;
	long first = 0, ret;
	unsigned int i;

	*nr_pins = 0;
	if (WARN_ON_ONCE(nr_runs && skip > npfns[0]))
		return -EINVAL;
	ledger_lock(ledger);
	for (i = 0; i < nr_runs; i++) {
		off = i ? 0 : skip;
		ret = ledger_add_range(ledger, pfns[i] + off, npfns[i] - off,
				       gfp, nr_pins);
		if (ret < 0) {
			while (i--) {
				off = i ? 0 : skip;
				ledger_sub(ledger, NULL, pfns[i] + off,
					   npfns[i] - off, &undone);
			}
			*nr_pins = 0;
			first = ret;
			break;
		}
		first += ret;
	}
	ledger_unlock(ledger);
	return first;
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
	long last;

	if (npages == 1) {
		last = ioasids_ledger_page(ledger, page_to_pfn(pages[0]), true);
		if (last >= 0) {
			*nr_pins = 1;
			return last;
		}
	}
	*nr_pins = 0;
	ledger_lock(ledger);
	last = ledger_sub(ledger, pages, 0, npages, nr_pins);
	ledger_unlock(ledger);
	return last;
}

/**
 * ioasids_ledger_sub_range() - Count the unpins of a range of pfns
 * @ledger: the ledger that counted their pins
 * @pfn: the first pfn unpinned
 * @npages: how many pfns from it
 * @nr_pins: set to how many of the pins the ledger counted
 *
 * A caller that may count a page alone tries ioasids_ledger_page() first.
 *
 * Context: process context; sleeps.
 * Return: how many of the pages have no pin counted any more.
 */
unsigned long ioasids_ledger_sub_range(struct ioasids_ledger *ledger,
				       unsigned long pfn, unsigned long npages,
				       unsigned long *nr_pins)
{
	unsigned long last;

	*nr_pins = 0;
	ledger_lock(ledger);
	last = ledger_sub(ledger, NULL, pfn, npages, nr_pins);
	ledger_unlock(ledger);
	return last;
}

/**
 * ioasids_ledger_lock_pair() - Lock two ledgers, for a move between them
 * @a: one ledger
 * @b: another
 *
 * Context: process context; sleeps.
 */
void ioasids_ledger_lock_pair(struct ioasids_ledger *a,
			      struct ioasids_ledger *b)
{
	WARN_ON_ONCE(a == b);
	/* In the order of their addresses, whichever way a move goes */
	if (a > b)
		swap(a, b);
	mutex_lock(&a->lock);
	mutex_lock_nested(&b->lock, SINGLE_DEPTH_NESTING);
	ledger_close_fast(a);
	ledger_close_fast(b);
}

/**
 * ioasids_ledger_unlock_pair() - Unlock two ledgers locked together
 * @a: one ledger
 * @b: the other
 */
void ioasids_ledger_unlock_pair(struct ioasids_ledger *a,
				struct ioasids_ledger *b)
{
	ledger_unlock(a);
	ledger_unlock(b);
}

/* The pins of the page of @pfn that @chunk counts, of @ledger, or NULL */
static unsigned long chunk_pins(struct ioasids_ledger *ledger,
				struct ledger_chunk *chunk, unsigned long pfn)
{
	u8 count;

	if (!chunk)
		return 0;
	if (!chunk->count)
		return chunk->whole;
	count = chunk->count[pfn & LEDGER_CHUNK_MASK];
	return chunk->whole + (count != LEDGER_COUNT_OVERFLOW ? count :
			       xa_to_value(xa_load(&ledger->overflow, pfn)));
}

/**
 * ioasids_ledger_count_move() - Count what a move of pins would change
 * @from: the ledger that counts the pins, locked
 * @to: the ledger to count them in, locked
 * @pfn: the first pfn of the pages, one pin of each of which is to move
 * @npages: how many pfns from it
 * @first: increased by how many of the pages @to counts no pin of
 * @shared_first: increased by how many of those @from counts another pin of
 *
 * Each page counts as if it were the only one to move: a page that the
 * caller hands over twice counts twice.  Pages that a pin does not hold,
 * such as reserved ones, do not count.
 */
void ioasids_ledger_count_move(struct ioasids_ledger *from,
			       struct ioasids_ledger *to, unsigned long pfn,
			       unsigned long npages, unsigned long *first,
			       unsigned long *shared_first)
{
	struct ledger_chunk *from_chunk = NULL, *to_chunk = NULL;
	unsigned long i;
	bool new;

	ledger_assert_locked(from);
	ledger_assert_locked(to);
	for (i = 0; i < npages; i++, pfn++) {
		if (!i || !(pfn & LEDGER_CHUNK_MASK)) {
			unsigned long index = pfn >> LEDGER_CHUNK_SHIFT;

			from_chunk = xa_load(&from->chunks, index);
			to_chunk = xa_load(&to->chunks, index);
		}
		if (!pfn_counted(pfn, true))
			continue;
		new = !chunk_pins(to, to_chunk, pfn);
		*first += new;
		*shared_first += new && chunk_pins(from, from_chunk, pfn) > 1;
	}
}

/*
 * Move one whole pin of the chunk from @pfn, which @from counts, to @to,
 * and count what it changes in @moved: neither ledger turns a whole pin
 * into pins of its pages.
 */
static void ledger_move_whole(struct ioasids_ledger *from,
			      struct ledger_chunk *from_chunk,
			      struct ioasids_ledger *to, unsigned long pfn,
			      struct ioasids_ledger_moved *moved)
{
	struct ledger_chunk *to_chunk;
	unsigned long i;
	bool first, last;

	to_chunk = chunk_get(to, pfn, LEDGER_GFP_NOFAIL);
	for (i = 0; i < LEDGER_CHUNK_PFNS; i++) {
		first = !chunk_pins(to, to_chunk, pfn + i);
		last = chunk_pins(from, from_chunk, pfn + i) == 1;
		moved->first += first;
		moved->last += last;
		moved->shared_first += first && !last;
		moved->shared_last += last && !first;
	}
	from_chunk->whole--;
	to_chunk->whole++;
	moved->pins += LEDGER_CHUNK_PFNS;
	chunk_put(from, from_chunk, pfn);
}

/**
 * ioasids_ledger_move() - Count one pin of each page of a range in another
 *	ledger
 * @from: the ledger that counts the pins, locked
 * @to: the ledger to count them in, locked
 * @pfn: the first pfn of the pages
 * @npages: how many pfns from it
 * @moved: increased by what the move changed
 *
 * A whole pin of a chunk of LEDGER_CHUNK_PFNS pfns moves as one count: a
 * mapping of huge pages moves with no count of each page allocated, in
 * either ledger.  The counts in @to cannot fail: their memory is allocated
 * with __GFP_NOFAIL, and LEDGER_MAX_PINS does not apply, as the pins
 * exist.  Only pins that @from counts move: none of a reserved page.
 */
void ioasids_ledger_move(struct ioasids_ledger *from,
			 struct ioasids_ledger *to, unsigned long pfn,
			 unsigned long npages, struct ioasids_ledger_moved *moved)
{
	struct ledger_chunk *chunk;
	unsigned long n, i, pins;
	bool first, last;

	ledger_assert_locked(from);
	ledger_assert_locked(to);
	for (; npages; pfn += n, npages -= n) {
		n = min(npages, LEDGER_CHUNK_PFNS - (pfn & LEDGER_CHUNK_MASK));
		chunk = chunk_get(from, pfn, 0);
		if (n == LEDGER_CHUNK_PFNS && chunk && chunk->whole &&
		    chunk_all_counted(pfn, true)) {
			ledger_move_whole(from, chunk, to, pfn, moved);
			continue;
		}
		for (i = 0; i < n; i++) {
			pins = 0;
			last = ledger_run(from, pfn + i, 1, true, true, 0,
					  &pins) > 0;
			if (!pins)
				continue;
			first = ledger_run(to, pfn + i, 1, true, false,
					   LEDGER_GFP_NOFAIL, &pins) > 0;
			moved->pins++;
			moved->first += first;
			moved->last += last;
			moved->shared_first += first && !last;
			moved->shared_last += last && !first;
		}
	}
}
