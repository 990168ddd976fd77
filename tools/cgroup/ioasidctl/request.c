// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: parse and check what is asked of one cgroup: its name and
 * its KEY=VALUE pairs.  KEY is "max" or "pinned.max" (or the file's full
 * name, "ioasids.max" or "ioasids.pinned.max"); VALUE is checked as the
 * kernel would check it (see size.c).  Every error is printed, naming the
 * cgroup, the file and the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgpath.h"
#include "ioasidctl.h"
#include "request.h"

const struct key_info ioasids_keys[NR_KEYS] = {
	[KEY_MAX] = { "max", "ioasids.max", false },
	[KEY_PINNED_MAX] = { "pinned.max", "ioasids.pinned.max", true },
};

static int key_lookup(const char *name, size_t len)
{
	int k;

	for (k = 0; k < NR_KEYS; k++) {
		const struct key_info *ki = &ioasids_keys[k];

		if (strlen(ki->name) == len && !strncmp(name, ki->name, len))
			return k;
		if (strlen(ki->file) == len && !strncmp(name, ki->file, len))
			return k;
	}
	return -1;
}

/* 0, or -1 after printing why @cgroup is not a valid name */
int request_init(struct request *r, const char *cgroup, const char *where)
{
	const char *why;

	memset(r, 0, sizeof(*r));
	snprintf(r->where, sizeof(r->where), "%s", where);
	r->cgroup = cgpath_normalize(cgroup, &why);
	if (!r->cgroup) {
		ctl_err("%s%s: %s", where, cgroup, why);
		return -1;
	}
	if (cgpath_is_root(r->cgroup)) {
		ctl_err("%s/: %s: %s (the root cgroup has no limits)",
			where, ioasids_keys[KEY_MAX].file, strerror(ENOENT));
		return -1;
	}
	return 0;
}

/* Add one KEY=VALUE; 0, or -1 after printing why it is not valid */
int request_add(struct request *r, const char *kv)
{
	const char *eq = strchr(kv, '='), *why;
	struct limit l;
	int k, ret;

	if (!eq || eq == kv) {
		ctl_err("%s%s: %s: expected KEY=VALUE (KEY is max or pinned.max)",
			r->where, r->cgroup, kv);
		return -1;
	}
	k = key_lookup(kv, eq - kv);
	if (k < 0) {
		ctl_err("%s%s: %.*s: unknown key (the keys are max and pinned.max)",
			r->where, r->cgroup, (int)(eq - kv), kv);
		return -1;
	}
	if (r->has[k]) {
		ctl_err("%s%s: %s: given twice", r->where, r->cgroup,
			ioasids_keys[k].file);
		return -1;
	}
	ret = limit_parse(eq + 1, ioasids_keys[k].bytes, &l, &why);
	if (ret) {
		ctl_err("%s%s: %s: %s (\"%s\" %s)", r->where, r->cgroup,
			ioasids_keys[k].file, strerror(-ret), eq + 1, why);
		return -1;
	}
	r->has[k] = true;
	r->want[k] = l;
	return 0;
}

/* The first file the request writes, to name it in messages */
const char *request_first_file(const struct request *r)
{
	int k;

	for (k = 0; k < NR_KEYS; k++)
		if (r->has[k])
			return ioasids_keys[k].file;
	return ioasids_keys[KEY_MAX].file;
}

void request_free(struct request *r)
{
	free(r->cgroup);
	r->cgroup = NULL;
}
