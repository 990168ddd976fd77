/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioasidctl: the status of a subtree, as "status" collects and prints it.
 */
#ifndef IOASIDCTL_STATUS_H
#define IOASIDCTL_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cg.h"

struct status_row {
	char *path;
	int depth;		/* below the cgroup status was asked for */
	struct ioasids_state st;
};

struct status {
	struct status_row *rows;
	size_t n;
	bool has_capacity;
	unsigned long long capacity;
};

/* How the table is printed: its columns, in order, and its layout */
struct status_format {
	unsigned int columns[16];
	size_t ncolumns;	/* 0: every column */
	bool raw;		/* full paths, columns apart by one space */
	bool tree;		/* names under their parents' with tree lines */
};

int status_parse_columns(const char *list, struct status_format *fmt);
const char *status_column_names(void);
int status_print_text(const struct status *s, const struct status_format *fmt,
		      FILE *f);
int status_print_json(const struct status *s, FILE *f);

#endif /* IOASIDCTL_STATUS_H */
