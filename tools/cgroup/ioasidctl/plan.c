// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: the changes that "set" and "apply" make.
 *
 * Every request (one cgroup and its limits) is checked against the system
 * and turned into a list of actions, in the order they must be made:
 *
 * - for every ancestor of the cgroup, from the root down, "+ioasids" in
 *   its cgroup.subtree_control if it lacks it (unless --no-enable), after
 *   creating the ancestor if it is missing (with --create only);
 * - the cgroup itself, if it is missing (with --create only);
 * - every limit that differs from the value in place; a limit already in
 *   place is kept and reported as unchanged.
 *
 * Checking a later request takes the actions of the earlier ones into
 * account (a cgroup to be created, a controller to be enabled).  Nothing
 * is changed until every request was checked: then the actions are made
 * in order, each reported on stdout as it is made, one line each:
 *
 *   /: cgroup.subtree_control: +ioasids
 *   /tenant-a: cgroup created
 *   /tenant-a: ioasids.max: max -> 10
 *   /tenant-a: ioasids.pinned.max: 1073741824 (unchanged)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "cgpath.h"
#include "plan.h"

void plan_init(struct plan *p, const struct change_opts *opts)
{
	memset(p, 0, sizeof(*p));
	p->opts = *opts;
}

void plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i].cgroup);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* Drop the actions after the first @n: those of a request that failed */
void plan_truncate(struct plan *p, size_t n)
{
	while (p->n > n)
		free(p->v[--p->n].cgroup);
}

static struct action *plan_push(struct plan *p, enum action_type type,
				const char *cgroup)
{
	struct action *tmp, *a;

	tmp = realloc(p->v, (p->n + 1) * sizeof(*p->v));
	if (!tmp)
		return NULL;
	p->v = tmp;
	a = &p->v[p->n];
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->cgroup = strdup(cgroup);
	if (!a->cgroup)
		return NULL;
	p->n++;
	return a;
}

static bool planned(const struct plan *p, enum action_type type,
		    const char *cgroup)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].type == type && !strcmp(p->v[i].cgroup, cgroup))
			return true;
	return false;
}

/* Does @cgroup exist, or will it by the time it is needed? */
static int will_exist(const struct plan *p, const struct request *r,
		      const char *cgroup, bool *exists)
{
	int ret;

	if (cgpath_is_root(cgroup) || planned(p, ACT_CREATE, cgroup)) {
		*exists = true;
		return 0;
	}
	ret = cg_exists(cgroup, exists);
	if (ret == -ENOTDIR)
		ctl_err("%s%s: not a cgroup (%s)", r->where, cgroup,
			cg_strerror(ret));
	else if (ret)
		ctl_err("%s%s: cgroup.controllers: %s", r->where, cgroup,
			cg_strerror(ret));
	return ret;
}

/*
 * Can the controller be enabled in @cgroup's cgroup.subtree_control?  Not
 * in a cgroup with processes of its own (but the root), nor in a threaded
 * one: the kernel would refuse the write with EBUSY or EOPNOTSUPP.
 */
static int check_enable(const struct request *r, const char *cgroup)
{
	const char *prefix = cgpath_prefix(cgroup);
	char *type = NULL, *procs = NULL;
	int ret;

	if (cgpath_is_root(cgroup))
		return 0;
	ret = cg_read_file(cgroup, "cgroup.type", &type);
	if (ret) {
		ctl_err("%s%s/cgroup.type: %s", r->where, prefix,
			cg_strerror(ret));
		goto out;
	}
	if (strcmp(type, "domain")) {
		ctl_err("%s%s: cgroup.subtree_control: %s (cannot enable ioasids: the cgroup is \"%s\", and only a domain cgroup can have the ioasids controller)",
			r->where, cgroup, strerror(EOPNOTSUPP), type);
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = cg_read_file(cgroup, "cgroup.procs", &procs);
	if (ret) {
		ctl_err("%s%s/cgroup.procs: %s", r->where, prefix,
			cg_strerror(ret));
		goto out;
	}
	if (*procs) {
		ctl_err("%s%s: cgroup.subtree_control: %s (cannot enable ioasids: the cgroup has processes of its own, and a cgroup with processes cannot enable controllers for its children)",
			r->where, cgroup, strerror(EBUSY));
		ret = -EBUSY;
	}
out:
	free(type);
	free(procs);
	return ret;
}

/* Make sure "+ioasids" is (or will be) in @cgroup's cgroup.subtree_control */
static int ensure_enabled(struct plan *p, const struct request *r,
			  const char *cgroup, const char *target)
{
	bool has = false;
	int ret;

	if (planned(p, ACT_ENABLE, cgroup))
		return 0;
	if (!planned(p, ACT_CREATE, cgroup)) {
		ret = cg_has_word(cgroup, "cgroup.subtree_control", IOASIDS,
				  &has);
		if (ret) {
			ctl_err("%s%s/cgroup.subtree_control: %s", r->where,
				cgpath_prefix(cgroup), cg_strerror(ret));
			return ret;
		}
		if (has)
			return 0;
	}
	if (p->opts.no_enable) {
		ctl_err("%s%s: %s: %s (the ioasids controller is not enabled in %s/cgroup.subtree_control)",
			r->where, target, request_first_file(r),
			strerror(ENOENT), cgpath_prefix(cgroup));
		return -EOPNOTSUPP;
	}
	if (!planned(p, ACT_CREATE, cgroup)) {
		ret = check_enable(r, cgroup);
		if (ret)
			return ret;
	}
	return plan_push(p, ACT_ENABLE, cgroup) ? 0 : -ENOMEM;
}

/*
 * @cgroup does not exist: say so, and, for a systemd slice, whether it is
 * where systemd places that slice (then it is not started yet) or not
 * (then the name is likely wrong: "a-b.slice" is "/a.slice/a-b.slice").
 */
static void missing_cgroup(const struct request *r, const char *cgroup)
{
	char *slice = cgpath_of_slice(cgpath_basename(cgroup));

	if (slice && !strcmp(slice, cgroup))
		ctl_err("%s%s: cgroup does not exist: the slice is not started",
			r->where, cgroup);
	else if (slice)
		ctl_err("%s%s: cgroup does not exist, nor is it where systemd places %s: %s",
			r->where, cgroup, cgpath_basename(cgroup), slice);
	else
		ctl_err("%s%s: cgroup does not exist (use --create to create it)",
			r->where, cgroup);
	free(slice);
}

static int ensure_exists(struct plan *p, const struct request *r,
			 const char *cgroup)
{
	bool exists;
	int ret;

	ret = will_exist(p, r, cgroup, &exists);
	if (ret || exists)
		return ret;
	if (!p->opts.create) {
		missing_cgroup(r, cgroup);
		return -ENOENT;
	}
	return plan_push(p, ACT_CREATE, cgroup) ? 0 : -ENOMEM;
}

/* The limits in place; "max" (the default) in a cgroup yet to have them */
static int current_limits(struct plan *p, const struct request *r,
			  const char *parent, struct limit *cur)
{
	struct ioasids_state st;
	int ret, k;

	for (k = 0; k < NR_KEYS; k++)
		cur[k].is_max = true;
	if (planned(p, ACT_CREATE, r->cgroup) ||
	    planned(p, ACT_ENABLE, parent))
		return 0;
	ret = cg_get_ioasids(r->cgroup, &st);
	if (!ret && !st.has_limits)
		ret = -ENOENT;
	if (ret) {
		ctl_err("%s%s: %s: %s", r->where, r->cgroup,
			request_first_file(r), cg_strerror(ret));
		ioasids_state_free(&st);
		/* -ENOENT is for a cgroup that does not exist */
		return ret == -ENOENT ? -EOPNOTSUPP : ret;
	}
	cur[KEY_MAX] = st.max;
	cur[KEY_PINNED_MAX] = st.pinned_max;
	ioasids_state_free(&st);
	return 0;
}

/*
 * Check @r and add its actions to @p.  Returns 0, or an error number after
 * printing the error, -ENOENT if the cgroup or an ancestor does not exist
 * (without --create); then plan_truncate() to the number of actions
 * before the call drops what @r added.
 */
int plan_add(struct plan *p, const struct request *r)
{
	struct limit cur[NR_KEYS];
	char *ancestor, *parent;
	const char *slash;
	struct action *a;
	bool exists;
	int ret, k;

	ret = will_exist(p, r, r->cgroup, &exists);
	if (ret)
		return ret;
	if (!exists && !p->opts.create) {
		missing_cgroup(r, r->cgroup);
		return -ENOENT;
	}
	parent = cgpath_parent(r->cgroup);
	if (!parent) {
		ctl_err("out of memory");
		return -ENOMEM;
	}
	/* Every ancestor, from the root down to the parent */
	slash = r->cgroup;
	do {
		ancestor = strndup(r->cgroup, slash == r->cgroup ? 1 :
					      (size_t)(slash - r->cgroup));
		if (!ancestor) {
			ret = -ENOMEM;
			break;
		}
		ret = ensure_exists(p, r, ancestor);
		if (!ret)
			ret = ensure_enabled(p, r, ancestor, r->cgroup);
		free(ancestor);
		slash = strchr(slash + 1, '/');
	} while (!ret && slash);

	if (!ret && !exists)
		ret = plan_push(p, ACT_CREATE, r->cgroup) ? 0 : -ENOMEM;
	if (!ret)
		ret = current_limits(p, r, parent, cur);
	free(parent);
	for (k = 0; !ret && k < NR_KEYS; k++) {
		if (!r->has[k])
			continue;
		a = plan_push(p, limit_equal(&cur[k], &r->want[k]) ?
			      ACT_KEEP : ACT_WRITE, r->cgroup);
		if (!a) {
			ret = -ENOMEM;
			break;
		}
		a->key = k;
		a->old = cur[k];
		a->new = r->want[k];
	}
	if (ret == -ENOMEM)
		ctl_err("out of memory");
	return ret;
}

size_t plan_changes(const struct plan *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->v[i].type != ACT_KEEP;
	return n;
}

static void print_action(const struct action *a)
{
	char old[LIMIT_STR_LEN], new[LIMIT_STR_LEN];
	const char *file = ioasids_keys[a->key].file;
	bool bytes = ioasids_keys[a->key].bytes;

	switch (a->type) {
	case ACT_ENABLE:
		printf("%s: cgroup.subtree_control: +%s\n", a->cgroup, IOASIDS);
		break;
	case ACT_CREATE:
		printf("%s: cgroup created\n", a->cgroup);
		break;
	case ACT_WRITE:
		printf("%s: %s: %s -> %s\n", a->cgroup, file,
		       limit_str(&a->old, bytes, old, sizeof(old)),
		       limit_str(&a->new, bytes, new, sizeof(new)));
		break;
	case ACT_KEEP:
		printf("%s: %s: %s (unchanged)\n", a->cgroup, file,
		       limit_str(&a->new, bytes, new, sizeof(new)));
		break;
	}
}

static int do_action(const struct action *a)
{
	char value[LIMIT_STR_LEN];
	const char *file = ioasids_keys[a->key].file;
	int ret = 0;

	switch (a->type) {
	case ACT_ENABLE:
		ret = cg_enable(a->cgroup);
		if (ret)
			ctl_err("%s: cgroup.subtree_control: %s (writing \"+%s\")",
				a->cgroup, cg_strerror(ret), IOASIDS);
		break;
	case ACT_CREATE:
		ret = cg_create(a->cgroup);
		if (ret)
			ctl_err("%s: cannot create the cgroup: %s",
				a->cgroup, cg_strerror(ret));
		break;
	case ACT_WRITE:
		/* In bytes, which the kernel reads in every version */
		limit_str(&a->new, false, value, sizeof(value));
		ret = cg_write(a->cgroup, file, value);
		if (ret)
			ctl_err("%s: %s: %s (writing \"%s\")", a->cgroup,
				file, cg_strerror(ret), value);
		break;
	case ACT_KEEP:
		break;
	}
	return ret;
}

/*
 * Make the actions of @p in order, or only print them with --dry-run.
 * Stops at the first that fails: returns 0 or its error number; @done
 * counts the changes made.
 */
int plan_execute(struct plan *p, size_t *done)
{
	size_t i;
	int ret;

	*done = 0;
	for (i = 0; i < p->n; i++) {
		if (!p->opts.dry_run) {
			ret = do_action(&p->v[i]);
			if (ret)
				return ret;
		}
		print_action(&p->v[i]);
		fflush(stdout);
		*done += p->v[i].type != ACT_KEEP;
	}
	return 0;
}
