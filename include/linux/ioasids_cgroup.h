/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioasids cgroup controller: what the IOASID allocator and the users of
 * DMA-pinned memory charge.
 *
 * Dependencies go one way: the resource owners (the IOASID allocator, VFIO,
 * iommufd) call these functions, and the controller never calls them back.
 * The allocator tells the controller the size of its space with
 * ioasids_cgroup_set_capacity(), and every charge names the kind of the
 * IOASID's set, so that the controller counts IOASIDs by kind itself.
 */
#ifndef _LINUX_IOASIDS_CGROUP_H
#define _LINUX_IOASIDS_CGROUP_H

#include <linux/ioasid.h>

struct ioasids_cgroup;
struct page;
struct page_counter;

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

/**
 * struct ioasids_pinned_move - A move of a mapping's pins to another cgroup
 * @from: the cgroup charged for them, or NULL if nothing moves
 * @to: the cgroup of the mapping's new owner, or NULL if nothing moves
 * @source: who pinned them
 * @shared: the lowest level of the charge that @from and @to share
 * @charged: whether @to is charged for the move
 * @first: pins that are the first of their page in @to, at most
 * @shared_first: of those, pins of pages that @from keeps pinned, at most:
 *	what the levels that the two share are charged more
 * @nr_first: pins that were the first of their page in @to
 * @nr_last: pins that were the last of their page in @from
 * @nr_shared_first: pins that were the first in @to but not the last in
 *	@from
 * @nr_shared_last: pins that were the last in @from but not the first in
 *	@to
 *
 * Filled in by ioasids_cgroup_move_pinned_begin() and the functions after
 * it; the caller reads none of it.
 */
struct ioasids_pinned_move {
	struct ioasids_cgroup *from;
	struct ioasids_cgroup *to;
	enum ioasids_pinned_source source;
	struct page_counter *shared;
	bool charged;
	unsigned long first;
	unsigned long shared_first;
	unsigned long nr_first;
	unsigned long nr_last;
	unsigned long nr_shared_first;
	unsigned long nr_shared_last;
};

#ifdef CONFIG_CGROUP_IOASIDS

struct ioasids_cgroup *ioasids_cgroup_get_current(void);
struct ioasids_cgroup *ioasids_cgroup_get_root(void);
void ioasids_cgroup_put(struct ioasids_cgroup *cg);
void ioasids_cgroup_set_capacity(unsigned long capacity);
int ioasids_cgroup_try_charge_ioasid(struct ioasids_cgroup *cg,
				     enum ioasid_set_kind kind);
void ioasids_cgroup_uncharge_ioasids(struct ioasids_cgroup *cg,
				     enum ioasid_set_kind kind,
				     unsigned int nr);
int ioasids_cgroup_try_charge_pinned(struct ioasids_cgroup *cg,
				     unsigned long *npages);
int ioasids_cgroup_try_charge_pinned_quiet(struct ioasids_cgroup *cg,
					   unsigned long *npages);
void ioasids_cgroup_uncharge_pinned(struct ioasids_cgroup *cg,
				    unsigned long npages);
int ioasids_cgroup_commit_pinned(struct ioasids_cgroup *cg,
				 enum ioasids_pinned_source source,
				 struct page **pages, unsigned long npages);
int ioasids_cgroup_commit_pinned_range(struct ioasids_cgroup *cg,
				       enum ioasids_pinned_source source,
				       unsigned long pfn, unsigned long npages);
int ioasids_cgroup_commit_pinned_runs(struct ioasids_cgroup *cg,
				      enum ioasids_pinned_source source,
				      const unsigned long *pfns,
				      const u32 *npfns, unsigned int nr_runs,
				      unsigned long skip);
unsigned long ioasids_cgroup_release_pinned(struct ioasids_cgroup *cg,
					    enum ioasids_pinned_source source,
					    struct page **pages,
					    unsigned long npages);
unsigned long
ioasids_cgroup_release_pinned_range(struct ioasids_cgroup *cg,
				    enum ioasids_pinned_source source,
				    unsigned long pfn, unsigned long npages);
void ioasids_cgroup_move_pinned_begin(struct ioasids_pinned_move *move,
				      struct ioasids_cgroup *from,
				      struct ioasids_cgroup *to,
				      enum ioasids_pinned_source source);
void ioasids_cgroup_move_pinned_count(struct ioasids_pinned_move *move,
				      unsigned long pfn, unsigned long npages);
int ioasids_cgroup_move_pinned_charge(struct ioasids_pinned_move *move);
void ioasids_cgroup_move_pinned_range(struct ioasids_pinned_move *move,
				      unsigned long pfn, unsigned long npages);
void ioasids_cgroup_move_pinned_end(struct ioasids_pinned_move *move);
bool ioasids_cgroup_pinned_replaces_memlock(struct ioasids_cgroup *cg);

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

static inline void ioasids_cgroup_set_capacity(unsigned long capacity) {}

static inline int ioasids_cgroup_try_charge_ioasid(struct ioasids_cgroup *cg,
						   enum ioasid_set_kind kind)
{
	return 0;
}

static inline void ioasids_cgroup_uncharge_ioasids(struct ioasids_cgroup *cg,
						   enum ioasid_set_kind kind,
						   unsigned int nr) {}

static inline int
ioasids_cgroup_try_charge_pinned(struct ioasids_cgroup *cg,
				 unsigned long *npages)
{
	return 0;
}

static inline int
ioasids_cgroup_try_charge_pinned_quiet(struct ioasids_cgroup *cg,
				       unsigned long *npages)
{
	return 0;
}

static inline void
ioasids_cgroup_uncharge_pinned(struct ioasids_cgroup *cg,
			       unsigned long npages) {}

static inline int
ioasids_cgroup_commit_pinned(struct ioasids_cgroup *cg,
			     enum ioasids_pinned_source source,
			     struct page **pages, unsigned long npages)
{
	return 0;
}

static inline int
ioasids_cgroup_commit_pinned_range(struct ioasids_cgroup *cg,
				   enum ioasids_pinned_source source,
				   unsigned long pfn, unsigned long npages)
{
	return 0;
}

static inline int
ioasids_cgroup_commit_pinned_runs(struct ioasids_cgroup *cg,
				  enum ioasids_pinned_source source,
				  const unsigned long *pfns, const u32 *npfns,
				  unsigned int nr_runs, unsigned long skip)
{
	return 0;
}

static inline unsigned long
ioasids_cgroup_release_pinned(struct ioasids_cgroup *cg,
			      enum ioasids_pinned_source source,
			      struct page **pages, unsigned long npages)
{
	return 0;
}

static inline unsigned long
ioasids_cgroup_release_pinned_range(struct ioasids_cgroup *cg,
				    enum ioasids_pinned_source source,
				    unsigned long pfn, unsigned long npages)
{
	return 0;
}

static inline void
ioasids_cgroup_move_pinned_begin(struct ioasids_pinned_move *move,
				 struct ioasids_cgroup *from,
				 struct ioasids_cgroup *to,
				 enum ioasids_pinned_source source) {}

static inline void
ioasids_cgroup_move_pinned_count(struct ioasids_pinned_move *move,
				 unsigned long pfn, unsigned long npages) {}

static inline int
ioasids_cgroup_move_pinned_charge(struct ioasids_pinned_move *move)
{
	return 0;
}

static inline void
ioasids_cgroup_move_pinned_range(struct ioasids_pinned_move *move,
				 unsigned long pfn, unsigned long npages) {}

static inline void
ioasids_cgroup_move_pinned_end(struct ioasids_pinned_move *move) {}

static inline bool
ioasids_cgroup_pinned_replaces_memlock(struct ioasids_cgroup *cg)
{
	return false;
}

#endif /* CONFIG_CGROUP_IOASIDS */

#endif /* _LINUX_IOASIDS_CGROUP_H */
