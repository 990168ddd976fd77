// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: access to the cgroup2 hierarchy, through libcgroup 2.0.
 *
 * What libcgroup 2.0 does on cgroup v2, and what this file uses:
 *
 * - cgroup_init() finds the cgroup2 mount point and reads its
 *   cgroup.controllers: "ioasids" is found there like any controller,
 *   and cgroup_get_subsys_mount_point() reports where it is mounted;
 * - cgroup_read_value_begin() and _next() read one file of a cgroup: the
 *   ioasids.* files that status shows are read so, one by one (libcgroup's
 *   cgroup_get_cgroup() would read every file of every controller of the
 *   cgroup, memory.stat included, for each cgroup of the tree);
 * - cgroup_modify_cgroup() writes the values added to a struct cgroup,
 *   and reports the errno of a failed write (cgroup_get_last_errno());
 * - the core files of cgroup v2 (cgroup.subtree_control, .controllers,
 *   .procs, .type) belong to no controller: libcgroup 2.0 names them with
 *   the pseudo controller "cgroup", for cgroup_read_value_begin() and
 *   cgroup_modify_cgroup();
 * - cgroup_create_cgroup() makes the directory (with its missing parents)
 *   and writes "+ioasids" to cgroup.subtree_control of its ancestors; but
 *   it skips the root's when the new cgroup is not a child of the root,
 *   so the caller enables the controller along the path itself first;
 * - cgroup_walk_tree_begin() and _next() list the cgroups of a subtree.
 *
 * The one thing done without libcgroup: when the ioasids controller is
 * missing, libcgroup knows no mount point to report (it lists the mount
 * points of the controllers it found), so the cgroup2 mount point named in
 * the error message is looked up in /proc/self/mounts.
 */
#include <errno.h>
#include <mntent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libcgroup.h>

#include "cg.h"
#include "cgpath.h"
#include "ioasidctl.h"

/* The pseudo controller of the "cgroup.*" files */
#define CG_CORE		"cgroup"

static char *mount_point;

/* libcgroup logs to stdout by default: keep it off stdout (and --json) */
static void cg_logger(void *userdata, int level, const char *fmt, va_list ap)
{
	(void)userdata;
	(void)level;
	if (!getenv("CGROUP_LOGLEVEL"))
		return;
	fputs("libcgroup: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* The mount point of cgroup2, for messages; "/sys/fs/cgroup" if none */
static void cgroup2_mount_point(char *buf, size_t len)
{
	struct mntent *ent;
	FILE *f;

	snprintf(buf, len, "/sys/fs/cgroup");
	f = setmntent("/proc/self/mounts", "re");
	if (!f)
		return;
	while ((ent = getmntent(f))) {
		if (!strcmp(ent->mnt_type, "cgroup2")) {
			snprintf(buf, len, "%s", ent->mnt_dir);
			break;
		}
	}
	endmntent(f);
}

/*
 * Initialize libcgroup and find the ioasids controller on cgroup v2.
 * Returns EXIT_OK, or prints why not and returns EXIT_NO_CONTROLLER or
 * EXIT_FAILED.
 */
int cg_init(void)
{
	char path[FILENAME_MAX], where[FILENAME_MAX];
	int ret;

	cgroup_set_logger(cg_logger, -1, NULL);
	ret = cgroup_init();
	if (ret == ECGROUPNOTMOUNTED) {
		ctl_err("no cgroup file system is mounted: the ioasids controller is not available");
		return EXIT_NO_CONTROLLER;
	}
	if (ret) {
		ctl_err("cannot initialize libcgroup: %s",
			cgroup_strerror(ret));
		return EXIT_FAILED;
	}
	ret = cgroup_get_subsys_mount_point(IOASIDS, &mount_point);
	if (ret || !mount_point) {
		cgroup2_mount_point(where, sizeof(where));
		ctl_err("/: cgroup.controllers: the ioasids controller is not available: it is not in %s/cgroup.controllers (a kernel without CONFIG_CGROUP_IOASIDS, or booted with cgroup_disable=ioasids)",
			where);
		return EXIT_NO_CONTROLLER;
	}
	snprintf(path, sizeof(path), "%s/cgroup.controllers", mount_point);
	if (access(path, F_OK)) {
		ctl_err("the ioasids controller is mounted on a cgroup v1 hierarchy, %s: ioasidctl needs cgroup v2",
			mount_point);
		return EXIT_NO_CONTROLLER;
	}
	return EXIT_OK;
}

void cg_exit(void)
{
	free(mount_point);
	mount_point = NULL;
}

/*
 * Errors are negative: an errno value, or a libcgroup code
 * (ECGROUPNOTCOMPILED and above) that has no errno equivalent.
 */
const char *cg_strerror(int err)
{
	if (-err >= ECGROUPNOTCOMPILED)
		return cgroup_strerror(-err);
	return strerror(-err);
}

/*
 * The errno of a failed libcgroup call: cgroup_get_last_errno() for
 * ECGOTHER; for a control file that could not be opened, the errno that
 * open() left (@saved), as libcgroup maps every failure to open to
 * ECGROUPVALUENOTEXIST or ECGROUPNOTALLOWED without keeping it.
 */
static int cg_errno(int ret, int saved)
{
	switch (ret) {
	case 0:
		return 0;
	case ECGOTHER:
		return cgroup_get_last_errno() ? -cgroup_get_last_errno() :
						 -EIO;
	case ECGROUPVALUENOTEXIST:
	case ECGROUPNOTEXIST:
		return saved ? -saved : -ENOENT;
	case ECGROUPNOTALLOWED:
		return saved ? -saved : -EACCES;
	case ECGROUPNOTOWNER:
		return -EPERM;
	default:
		return -ret;
	}
}

/*
 * The content of a file of @cgroup, allocated, without the last newline.
 * On cgroup v2 every controller's files are found at the one mount point,
 * which the pseudo controller names whether ioasids is known or not.
 */
int cg_read_file(const char *cgroup, const char *file, char **out)
{
	char name[FILENAME_MAX], line[4096];
	size_t len = 0, n;
	void *handle = NULL;
	char *buf = NULL, *tmp;
	int ret, err = 0;

	snprintf(name, sizeof(name), "%s", file);
	ret = cgroup_read_value_begin(CG_CORE, cgroup, name, &handle, line,
				      sizeof(line));
	if (ret && ret != ECGEOF)
		return cg_errno(ret, ENOENT);
	while (!ret) {
		n = strlen(line);
		tmp = realloc(buf, len + n + 1);
		if (!tmp) {
			err = -ENOMEM;
			break;
		}
		buf = tmp;
		memcpy(buf + len, line, n + 1);
		len += n;
		ret = cgroup_read_value_next(&handle, line, sizeof(line));
	}
	if (handle)
		cgroup_read_value_end(&handle);
	if (!err && ret != ECGEOF)
		err = cg_errno(ret, 0);
	if (!err && !buf) {
		buf = strdup("");
		if (!buf)
			err = -ENOMEM;
	}
	if (err) {
		free(buf);
		return err;
	}
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	*out = buf;
	return 0;
}

/* Does the space-separated list of @file hold @word? */
int cg_has_word(const char *cgroup, const char *file, const char *word,
		bool *has)
{
	char *list, *tok, *save = NULL;
	int ret;

	ret = cg_read_file(cgroup, file, &list);
	if (ret)
		return ret;
	*has = false;
	for (tok = strtok_r(list, "\n ", &save); tok;
	     tok = strtok_r(NULL, "\n ", &save)) {
		if (!strcmp(tok, word)) {
			*has = true;
			break;
		}
	}
	free(list);
	return 0;
}

/*
 * Every cgroup v2 directory has cgroup.controllers, the root included.
 * -ENOTDIR if a file of the cgroup's path is no directory.
 */
int cg_exists(const char *cgroup, bool *exists)
{
	char *s;
	int ret;

	ret = cg_read_file(cgroup, "cgroup.controllers", &s);
	if (!ret) {
		free(s);
		*exists = true;
		return 0;
	}
	if (ret == -ENOENT) {
		*exists = false;
		return 0;
	}
	return ret;
}

/* Write @value to @file ("ioasids.max", "cgroup.subtree_control", ...) */
int cg_write(const char *cgroup, const char *file, const char *value)
{
	const char *controller = strncmp(file, CG_CORE ".", 7) ? IOASIDS :
								CG_CORE;
	struct cgroup_controller *ctrl;
	struct cgroup *cg;
	int ret, saved;

	cg = cgroup_new_cgroup(cgroup);
	if (!cg)
		return -ENOMEM;
	ctrl = cgroup_add_controller(cg, controller);
	if (!ctrl) {
		cgroup_free(&cg);
		return -ENOMEM;
	}
	ret = cgroup_add_value_string(ctrl, file, value);
	if (ret) {
		cgroup_free(&cg);
		return ret == ECGCONTROLLERCREATEFAILED ? -ENOMEM : -ret;
	}
	errno = 0;
	ret = cgroup_modify_cgroup(cg);
	saved = errno;
	cgroup_free(&cg);
	return cg_errno(ret, saved);
}

int cg_enable(const char *cgroup)
{
	return cg_write(cgroup, "cgroup.subtree_control", "+" IOASIDS);
}

/*
 * Create @cgroup; the caller has enabled the controller in the
 * cgroup.subtree_control of every ancestor already, so the writes that
 * cgroup_create_cgroup() makes there change nothing.
 */
int cg_create(const char *cgroup)
{
	struct cgroup *cg;
	int ret, saved;

	cg = cgroup_new_cgroup(cgroup);
	if (!cg)
		return -ENOMEM;
	if (!cgroup_add_controller(cg, IOASIDS)) {
		cgroup_free(&cg);
		return -ENOMEM;
	}
	errno = 0;
	ret = cgroup_create_cgroup(cg, 1);
	saved = errno;
	cgroup_free(&cg);
	return cg_errno(ret, saved);
}

bool kv_get(const struct kv_list *l, const char *key, unsigned long long *value)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].key, key)) {
			*value = l->v[i].value;
			return true;
		}
	}
	return false;
}

static void kv_free(struct kv_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].key);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A flat-keyed file: "key value" lines */
static int kv_parse(const char *text, struct kv_list *l)
{
	char *copy, *line, *save = NULL, *sp;
	struct kv *tmp;
	int ret = 0;

	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		if (!sp) {
			ret = -EPROTO;
			break;
		}
		*sp = '\0';
		tmp = realloc(l->v, (l->n + 1) * sizeof(*l->v));
		if (!tmp) {
			ret = -ENOMEM;
			break;
		}
		l->v = tmp;
		ret = parse_u64(sp + 1, &l->v[l->n].value);
		if (ret) {
			ret = -EPROTO;
			break;
		}
		l->v[l->n].key = strdup(line);
		if (!l->v[l->n].key) {
			ret = -ENOMEM;
			break;
		}
		l->n++;
	}
	free(copy);
	return ret;
}

static int parse_u64_text(const char *text, void *v)
{
	return parse_u64(text, v) ? -EPROTO : 0;
}

static int parse_limit_text(const char *text, void *l)
{
	return limit_parse_kernel(text, l) ? -EPROTO : 0;
}

static int parse_kv_text(const char *text, void *l)
{
	return kv_parse(text, l);
}

/*
 * Parse the ioasids file @file of @cgroup into @out with @parse; *@found
 * is false, and nothing parsed, if the cgroup has no such file
 */
static int get_file(const char *cgroup, const char *file,
		    int (*parse)(const char *text, void *out), void *out,
		    bool *found)
{
	char *text;
	int ret;

	*found = false;
	ret = cg_read_file(cgroup, file, &text);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	*found = true;
	ret = parse(text, out);
	free(text);
	return ret;
}

static int fill_state(const char *cg, struct ioasids_state *st)
{
	bool found, max, pmax, ev, evl;
	const struct {
		const char *file;
		int (*parse)(const char *text, void *out);
		void *out;
		bool *found;
	} files[] = {
		/* The first tells whether the cgroup has the files at all */
		{ IOASIDS ".current", parse_u64_text, &st->current, &st->enabled },
		{ IOASIDS ".peak", parse_u64_text, &st->peak, &found },
		{ IOASIDS ".pinned.current", parse_u64_text,
		  &st->pinned_current, &found },
		{ IOASIDS ".pinned.peak", parse_u64_text, &st->pinned_peak,
		  &found },
		{ IOASIDS ".capacity", parse_u64_text, &st->capacity,
		  &st->has_capacity },
		{ IOASIDS ".max", parse_limit_text, &st->max, &max },
		{ IOASIDS ".pinned.max", parse_limit_text, &st->pinned_max,
		  &pmax },
		{ IOASIDS ".events", parse_kv_text, &st->events, &ev },
		{ IOASIDS ".events.local", parse_kv_text, &st->events_local,
		  &evl },
		{ IOASIDS ".stat", parse_kv_text, &st->stat, &found },
	};
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		ret = get_file(cg, files[i].file, files[i].parse, files[i].out,
			       files[i].found);
		if (ret || !st->enabled)
			return ret;
	}
	st->has_limits = max && pmax && ev && evl;
	return 0;
}

/*
 * Read the ioasids.* files of @cgroup, and no other.  ENOENT if the cgroup
 * does not exist; st->enabled is false if it has no ioasids files (the
 * controller is not enabled in its parent's cgroup.subtree_control).
 */
int cg_get_ioasids(const char *cgroup, struct ioasids_state *st)
{
	bool exists;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = cg_exists(cgroup, &exists);
	if (!ret && !exists)
		ret = -ENOENT;
	if (!ret)
		ret = fill_state(cgroup, st);
	if (ret)
		ioasids_state_free(st);
	return ret;
}

void ioasids_state_free(struct ioasids_state *st)
{
	kv_free(&st->events);
	kv_free(&st->events_local);
	kv_free(&st->stat);
}

static int path_cmp(const void *a, const void *b)
{
	return cgpath_cmp(*(char * const *)a, *(char * const *)b);
}

/* The cgroup named by a path of the walk: the path below the mount point */
static char *walk_name(const char *full_path)
{
	size_t len = strlen(mount_point);
	const char *why;

	while (len && mount_point[len - 1] == '/')
		len--;
	if (strncmp(full_path, mount_point, len) ||
	    (full_path[len] && full_path[len] != '/'))
		return NULL;
	return cgpath_from_kernel(*(full_path + len) ? full_path + len : "/",
				  &why);
}

/* @base and every cgroup below it, in tree order (see cgpath_cmp()) */
int cg_walk(const char *base, char ***paths, size_t *n)
{
	struct cgroup_file_info info;
	char **v = NULL, **tmp, *name;
	void *handle = NULL;
	size_t count = 0;
	int level, ret, err = 0;

	ret = cgroup_walk_tree_begin(IOASIDS, base, 0, &handle, &info, &level);
	while (!ret) {
		if (info.type == CGROUP_FILE_TYPE_DIR) {
			name = walk_name(info.full_path);
			tmp = name ? realloc(v, (count + 1) * sizeof(*v)) :
				     NULL;
			if (!tmp) {
				free(name);
				err = -ENOMEM;
				break;
			}
			v = tmp;
			v[count++] = name;
		}
		ret = cgroup_walk_tree_next(0, &handle, &info, level);
	}
	if (handle)
		cgroup_walk_tree_end(&handle);
	if (!err && ret != ECGEOF)
		err = cg_errno(ret, 0);
	if (err) {
		cg_walk_free(v, count);
		return err;
	}
	if (count)
		qsort(v, count, sizeof(*v), path_cmp);
	*paths = v;
	*n = count;
	return 0;
}

void cg_walk_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
