/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioasidctl: the values of ioasids.max and ioasids.pinned.max.
 */
#ifndef IOASIDCTL_SIZE_H
#define IOASIDCTL_SIZE_H

#include <stdbool.h>
#include <stddef.h>

/* A limit as the kernel holds it: "max", or a count or a size in bytes */
struct limit {
	bool is_max;
	unsigned long long value;
};

/* Room for any limit or size as text */
#define LIMIT_STR_LEN	32

int limit_parse(const char *s, bool bytes, struct limit *out,
		const char **why);
int limit_parse_kernel(const char *s, struct limit *out);
bool limit_equal(const struct limit *a, const struct limit *b);
const char *limit_str(const struct limit *l, bool bytes, char *buf,
		      size_t len);
const char *size_str(unsigned long long bytes, char *buf, size_t len);
int parse_u64(const char *s, unsigned long long *out);

#endif /* IOASIDCTL_SIZE_H */
