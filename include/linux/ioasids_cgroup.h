/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioasids cgroup controller: what the IOASID allocator and the users of
 * DMA-pinned memory charge.
 */
#ifndef _LINUX_IOASIDS_CGROUP_H
#define _LINUX_IOASIDS_CGROUP_H

#include <linux/ioasid.h>

struct ioasids_cgroup;

#ifdef CONFIG_CGROUP_IOASIDS

struct ioasids_cgroup *ioasids_cgroup_get_current(void);
struct ioasids_cgroup *ioasids_cgroup_get_root(void);
void ioasids_cgroup_put(struct ioasids_cgroup *cg);
int ioasids_cgroup_try_charge_ioasid(struct ioasids_cgroup *cg,
				     enum ioasid_set_kind kind);
void ioasids_cgroup_uncharge_ioasid(struct ioasids_cgroup *cg,
				    enum ioasid_set_kind kind);

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

static inline int ioasids_cgroup_try_charge_ioasid(struct ioasids_cgroup *cg,
						   enum ioasid_set_kind kind)
{
	return 0;
}

static inline void ioasids_cgroup_uncharge_ioasid(struct ioasids_cgroup *cg,
						  enum ioasid_set_kind kind) {}

#endif /* CONFIG_CGROUP_IOASIDS */

#endif /* _LINUX_IOASIDS_CGROUP_H */
