/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioasidctl: the changes that "set" and "apply" make, checked as a whole
 * before the first one is made.
 */
#ifndef IOASIDCTL_PLAN_H
#define IOASIDCTL_PLAN_H

#include <stddef.h>

#include "ioasidctl.h"
#include "request.h"
#include "size.h"

enum action_type {
	ACT_ENABLE,	/* write "+ioasids" to cgroup.subtree_control */
	ACT_CREATE,	/* create the cgroup */
	ACT_WRITE,	/* write a limit */
	ACT_KEEP,	/* a limit already in place */
};

struct action {
	enum action_type type;
	char *cgroup;
	enum ioasids_key key;
	struct limit old;
	struct limit new;
};

struct plan {
	struct action *v;
	size_t n;
	struct change_opts opts;
};

void plan_init(struct plan *p, const struct change_opts *opts);
int plan_add(struct plan *p, const struct request *r);
void plan_truncate(struct plan *p, size_t n);
size_t plan_changes(const struct plan *p);
int plan_execute(struct plan *p, size_t *done);
void plan_free(struct plan *p);

#endif /* IOASIDCTL_PLAN_H */
