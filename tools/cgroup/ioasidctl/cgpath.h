/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioasidctl: cgroup names, as paths below the cgroup2 mount point.
 */
#ifndef IOASIDCTL_CGPATH_H
#define IOASIDCTL_CGPATH_H

#include <stdbool.h>

char *cgpath_normalize(const char *name, const char **why);
char *cgpath_from_kernel(const char *name, const char **why);
char *cgpath_escape(const char *s);
char *cgpath_of_slice(const char *unit);
char *cgpath_parent(const char *path);
bool cgpath_is_root(const char *path);
int cgpath_depth(const char *path);
const char *cgpath_basename(const char *path);
int cgpath_cmp(const char *a, const char *b);
const char *cgpath_prefix(const char *path);

#endif /* IOASIDCTL_CGPATH_H */
