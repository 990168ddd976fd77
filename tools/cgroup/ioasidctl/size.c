// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: parse and print the values of ioasids.max (a count of
 * IOASIDs) and ioasids.pinned.max (a size in bytes), with the rules the
 * kernel applies, so that a value is rejected before anything is written:
 *
 * - "max", or a decimal number, nothing else: no sign, no blank, no hex;
 * - sizes take one optional K, M, G, T, P or E suffix (powers of 1024,
 *   either case), as memory.max does, and are rounded down to a whole
 *   number of pages, as the kernel stores them; "iB" may follow the
 *   suffix ("4GiB"), which ioasidctl also prints;
 * - a number that does not fit, or a limit of PAGE_COUNTER_MAX pages or
 *   more (the kernel's "max"), is out of range.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ioasidctl.h"
#include "size.h"

static unsigned long long page_size(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 0 ? (unsigned long long)page : 4096;
}

/* The kernel's PAGE_COUNTER_MAX: LONG_MAX / PAGE_SIZE on 64-bit kernels */
static unsigned long long page_counter_max(void)
{
	if (sizeof(long) == 8)
		return (unsigned long long)LONG_MAX / page_size();
	return LONG_MAX;
}

/* A decimal number: digits only, the whole string; -EINVAL or -ERANGE */
int parse_u64(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int digit;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		digit = *s - '0';
		if (v > (ULLONG_MAX - digit) / 10)
			return -ERANGE;
		v = v * 10 + digit;
	}
	*out = v;
	return 0;
}

static int parse_bytes(const char *s, unsigned long long *bytes)
{
	static const char suffixes[] = "KMGTPE";
	char digits[LIMIT_STR_LEN];
	size_t len = strlen(s);
	unsigned int shift = 0;
	const char *suffix;
	unsigned long long v;
	int ret;

	if (!len || len >= sizeof(digits))
		return len ? -ERANGE : -EINVAL;
	memcpy(digits, s, len + 1);
	/* "4GiB", as size_str() prints it, is "4G" */
	if (len > 3 && !strcmp(digits + len - 2, "iB") &&
	    strchr(suffixes, toupper((unsigned char)digits[len - 3]))) {
		len -= 2;
		digits[len] = '\0';
	}
	suffix = strchr(suffixes, toupper((unsigned char)digits[len - 1]));
	if (suffix && *suffix) {
		shift = 10 * (suffix - suffixes + 1);
		digits[len - 1] = '\0';
	}
	ret = parse_u64(digits, &v);
	if (ret)
		return ret;
	if (v > (ULLONG_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

static const char bad_count[] =
	"must be \"max\" or a non-negative integer";
static const char bad_size[] =
	"must be \"max\" or a size in bytes with an optional K, M, G, T, P or E suffix";

/*
 * Parse a limit given by the operator: a count (@bytes false) or a size
 * in bytes (@bytes true), or "max".  Returns 0, or -EINVAL or -ERANGE with
 * the reason in @why.
 */
int limit_parse(const char *s, bool bytes, struct limit *out,
		const char **why)
{
	unsigned long long largest = page_counter_max() - 1;
	unsigned long long v, page = page_size();
	static char reason[128];
	int ret;

	if (!strcmp(s, "max")) {
		out->is_max = true;
		out->value = 0;
		return 0;
	}
	ret = bytes ? parse_bytes(s, &v) : parse_u64(s, &v);
	if (ret == -EINVAL) {
		*why = bytes ? bad_size : bad_count;
		return ret;
	}
	if (!ret && bytes)
		v -= v % page;
	if (!ret && (bytes ? v / page : v) <= largest) {
		out->is_max = false;
		out->value = v;
		return 0;
	}
	snprintf(reason, sizeof(reason),
		 "is too large: the largest limit is %llu%s, or \"max\"",
		 (unsigned long long)(bytes ? largest * page : largest),
		 bytes ? " bytes" : "");
	*why = reason;
	return -ERANGE;
}

/* What a limit file shows: "max" or a number */
int limit_parse_kernel(const char *s, struct limit *out)
{
	out->is_max = !strcmp(s, "max");
	out->value = 0;
	return out->is_max ? 0 : parse_u64(s, &out->value);
}

bool limit_equal(const struct limit *a, const struct limit *b)
{
	if (a->is_max || b->is_max)
		return a->is_max == b->is_max;
	return a->value == b->value;
}

/* "max", or a count, or a size as size_str() prints it (@bytes) */
const char *limit_str(const struct limit *l, bool bytes, char *buf,
		      size_t len)
{
	if (l->is_max)
		snprintf(buf, len, "max");
	else if (bytes)
		size_str(l->value, buf, len);
	else
		snprintf(buf, len, "%llu", (unsigned long long)l->value);
	return buf;
}

/*
 * A size, exactly, in the largest binary unit that divides it: "0",
 * "4095", "4KiB", "1536MiB", "16GiB".  What it prints, limit_parse()
 * reads back, so that a value shown by status can be given to set.
 */
const char *size_str(unsigned long long bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	unsigned int i = 0;

	while (bytes && !(bytes & 1023) && i < sizeof(units) - 1) {
		bytes >>= 10;
		i++;
	}
	if (i)
		snprintf(buf, len, "%llu%ciB", bytes, units[i - 1]);
	else
		snprintf(buf, len, "%llu", bytes);
	return buf;
}
