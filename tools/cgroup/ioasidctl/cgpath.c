// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: cgroup names.  A cgroup is named by its path below the
 * cgroup2 mount point, "/" for the root: "/tenant-a", "tenant-a" and
 * "/tenant-a/" all name the same cgroup, "/system.slice/foo.service" a
 * nested one.  Names are normalized to one leading slash, no empty
 * component and no trailing slash; "." and ".." are refused, so that a
 * name cannot leave the hierarchy.
 *
 * The kernel allows any byte but "/" and NUL in a cgroup's name, which a
 * delegated tenant chooses: names found in the hierarchy are taken as
 * they are, and escaped where they are shown (cgpath_escape()).  Only the
 * names an operator types are refused control characters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgpath.h"

/* Longer names cannot be held by libcgroup (FILENAME_MAX with the mount) */
#define CGPATH_MAX	3072

static char *normalize(const char *name, bool typed, const char **why)
{
	size_t len = strlen(name), i = 0, o = 0;
	char *path;

	if (!len) {
		*why = "empty cgroup name";
		return NULL;
	}
	if (len > CGPATH_MAX) {
		*why = "cgroup name too long";
		return NULL;
	}
	path = malloc(len + 2);
	if (!path) {
		*why = "out of memory";
		return NULL;
	}
	while (name[i]) {
		size_t start, n;

		while (name[i] == '/')
			i++;
		if (!name[i])
			break;
		start = i;
		while (name[i] && name[i] != '/') {
			if (typed && ((unsigned char)name[i] < 0x20 ||
				      name[i] == 0x7f)) {
				*why = "control character in cgroup name";
				goto invalid;
			}
			i++;
		}
		n = i - start;
		if ((n == 1 && name[start] == '.') ||
		    (n == 2 && !strncmp(name + start, "..", 2))) {
			*why = "\".\" and \"..\" are not allowed in a cgroup name";
			goto invalid;
		}
		path[o++] = '/';
		memcpy(path + o, name + start, n);
		o += n;
	}
	if (!o)
		path[o++] = '/';
	path[o] = '\0';
	return path;

invalid:
	free(path);
	return NULL;
}

/* The normalized name, allocated, or NULL with the reason in @why */
char *cgpath_normalize(const char *name, const char **why)
{
	return normalize(name, true, why);
}

/*
 * The normalized name of a cgroup found in the hierarchy, whatever bytes
 * its name holds; NULL if out of memory (or, with @why, for "..").
 */
char *cgpath_from_kernel(const char *name, const char **why)
{
	return normalize(name, false, why);
}

/*
 * @s, allocated, with a backslash, a control character or a byte that is
 * not printable ASCII written as in C ("\\", "\t", "\x1b"), so that no
 * name can break a table's columns or send a terminal escape sequence;
 * NULL if out of memory.
 */
char *cgpath_escape(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char *out = malloc(4 * strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (c == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (c < 0x20 || c >= 0x7f) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = c;
		}
	}
	*o = '\0';
	return out;
}

/*
 * The cgroup of the systemd slice @unit, allocated, as systemd places it:
 * "a-b.slice" is "/a.slice/a-b.slice", "-.slice" the root; NULL if @unit
 * is no slice's name systemd would make (escaped characters included),
 * or out of memory.
 */
char *cgpath_of_slice(const char *unit)
{
	size_t len = strlen(unit), n, i, o = 0;
	char *path;

	if (!strcmp(unit, "-.slice"))
		return strdup("/");
	if (len <= strlen(".slice") || strcmp(unit + len - 6, ".slice"))
		return NULL;
	n = len - 6;
	for (i = 0; i < n; i++)
		if (unit[i] == '\\' || unit[i] == '/' ||
		    (unit[i] == '-' && (!i || i == n - 1 || unit[i + 1] == '-')))
			return NULL;
	/* At most one "/" and ".slice" for each component of the name */
	path = malloc(n * 8 + 8);
	if (!path)
		return NULL;
	for (i = 0; i <= n; i++) {
		if (i < n && unit[i] != '-')
			continue;
		o += sprintf(path + o, "/%.*s.slice", (int)i, unit);
	}
	return path;
}

bool cgpath_is_root(const char *path)
{
	return !strcmp(path, "/");
}

/* The parent's name, allocated; NULL for the root (or out of memory) */
char *cgpath_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *parent;
	size_t n;

	if (cgpath_is_root(path) || !slash)
		return NULL;
	n = slash == path ? 1 : (size_t)(slash - path);
	parent = malloc(n + 1);
	if (parent) {
		memcpy(parent, path, n);
		parent[n] = '\0';
	}
	return parent;
}

/* 0 for the root, 1 for its children, ... */
int cgpath_depth(const char *path)
{
	int depth = 0;

	if (cgpath_is_root(path))
		return 0;
	for (; *path; path++)
		depth += *path == '/';
	return depth;
}

/* The last component, "/" for the root */
const char *cgpath_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return cgpath_is_root(path) || !slash ? path : slash + 1;
}

/*
 * Order of a tree listing: a cgroup before its children, siblings by
 * name.  Compares component by component, a slash sorting before any
 * character, so that "/a" and "/a/b" come before "/a-b".
 */
int cgpath_cmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	if (*a == *b)
		return 0;
	if (!*a)
		return -1;
	if (!*b)
		return 1;
	if (*a == '/')
		return -1;
	if (*b == '/')
		return 1;
	return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
}

/* The name to put before "/file" in a message: "" for the root */
const char *cgpath_prefix(const char *path)
{
	return cgpath_is_root(path) ? "" : path;
}
