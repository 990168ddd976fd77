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
void ioasids_cgroup_uncharge_pinned(struct ioasids_cgroup *cg,
				    unsigned long npages);
int ioasids_cgroup_commit_pinned(struct ioasids_cgroup *cg,
				 enum ioasids_pinned_source source,
				 struct page **pages, unsigned long npages);
unsigned long ioasids_cgroup_release_pinned(struct ioasids_cgroup *cg,
					    enum ioasids_pinned_source source,
					    struct page **pages,
					    unsigned long npages);
unsigned long
ioasids_cgroup_release_pinned_range(struct ioasids_cgroup *cg,
				    enum ioasids_pinned_source source,
				    unsigned long pfn, unsigned long npages);
int ioasids_cgroup_move_pinned(struct ioasids_cgroup *from,
			       struct ioasids_cgroup *to,
			       enum ioasids_pinned_source source,
			       struct page *page, bool undo);
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

static inline int ioasids_cgroup_move_pinned(struct ioasids_cgroup *from,
					     struct ioasids_cgroup *to,
					     enum ioasids_pinned_source source,
					     struct page *page, bool undo)
{
	return 0;
}

static inline bool
ioasids_cgroup_pinned_replaces_memlock(struct ioasids_cgroup *cg)
{
	return false;
}

#endif /* CONFIG_CGROUP_IOASIDS */

#endif /* _LINUX_IOASIDS_CGROUP_H */
