/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioasidctl: the limits asked for one cgroup, by "set" or by one line of
 * an "apply" file.
 */
#ifndef IOASIDCTL_REQUEST_H
#define IOASIDCTL_REQUEST_H

#include <stdbool.h>

#include "size.h"

enum ioasids_key {
	KEY_MAX,
	KEY_PINNED_MAX,
	NR_KEYS,
};

struct key_info {
	const char *name;	/* as given: "max" */
	const char *file;	/* "ioasids.max" */
	bool bytes;		/* a size in bytes, else a count */
};

extern const struct key_info ioasids_keys[NR_KEYS];

struct request {
	char *cgroup;		/* normalized */
	char where[256];	/* "FILE:LINE: " for messages, or "" */
	unsigned int line;	/* in the file, or 0 */
	bool invalid;		/* a bad KEY=VALUE: not to be applied */
	bool has[NR_KEYS];
	struct limit want[NR_KEYS];
};

int request_init(struct request *r, const char *cgroup, const char *where);
int request_add(struct request *r, const char *kv);
void request_free(struct request *r);
const char *request_first_file(const struct request *r);

#endif /* IOASIDCTL_REQUEST_H */
