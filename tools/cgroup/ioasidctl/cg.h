/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioasidctl: access to the cgroup2 hierarchy, through libcgroup.
 */
#ifndef IOASIDCTL_CG_H
#define IOASIDCTL_CG_H

#include <stdbool.h>
#include <stddef.h>

#include "size.h"

#define IOASIDS		"ioasids"

/* One line of a flat-keyed file: "max 3" */
struct kv {
	char *key;
	unsigned long long value;
};

struct kv_list {
	struct kv *v;
	size_t n;
};

/* What the ioasids.* files of one cgroup show */
struct ioasids_state {
	bool enabled;		/* the ioasids files exist */
	unsigned long long current;
	unsigned long long peak;
	unsigned long long pinned_current;
	unsigned long long pinned_peak;
	bool has_limits;	/* a non-root cgroup: the limits and events */
	struct limit max;
	struct limit pinned_max;
	struct kv_list events;
	struct kv_list events_local;
	struct kv_list stat;
	bool has_capacity;	/* the root cgroup */
	unsigned long long capacity;
};

int cg_init(void);
void cg_exit(void);
const char *cg_strerror(int err);

int cg_exists(const char *cgroup, bool *exists);
int cg_read_file(const char *cgroup, const char *file, char **out);
int cg_has_word(const char *cgroup, const char *file, const char *word,
		bool *has);
int cg_write(const char *cgroup, const char *file, const char *value);
int cg_enable(const char *cgroup);
int cg_create(const char *cgroup);

int cg_get_ioasids(const char *cgroup, struct ioasids_state *st);
void ioasids_state_free(struct ioasids_state *st);
bool kv_get(const struct kv_list *l, const char *key,
	    unsigned long long *value);

int cg_walk(const char *base, char ***paths, size_t *n);
void cg_walk_free(char **paths, size_t n);

#endif /* IOASIDCTL_CG_H */
