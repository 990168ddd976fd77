// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: print the status of a subtree, as a table for people or as
 * one JSON document for scripts.
 *
 * The table has one row per cgroup, indented by two spaces a level below
 * the first, aligned columns, sizes exact in the largest binary unit
 * that divides them (4KiB, 1536MiB, 16GiB), which set reads back, and
 * "-" where a cgroup has no such file (the root has no limits and no
 * events).  The capacity of the system comes first.
 *
 * The JSON document is an object: {"capacity": N, "cgroups": [...]}, one
 * object per cgroup in the order of the table, with every value exact (in
 * bytes for pinned memory), a limit null where there is none, and every
 * key in one style, snake_case; see ioasidctl(8).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgpath.h"
#include "json.h"
#include "status.h"

enum column {
	COL_CGROUP,
	COL_CURRENT,
	COL_MAX,
	COL_PEAK,
	COL_EVENTS,
	COL_PINNED,
	COL_PINNED_MAX,
	COL_PINNED_PEAK,
	COL_PINNED_EVENTS,
	NR_COLUMNS,
};

static const char * const headers[NR_COLUMNS] = {
	"CGROUP", "CURRENT", "MAX", "PEAK", "EVENTS",
	"PINNED", "PINNED.MAX", "PINNED.PEAK", "PINNED.EVENTS",
};

#define CELL_LEN	32

/* The cells of a row; the name of the cgroup can be long, the rest not */
struct row_cells {
	char *cgroup;
	char v[NR_COLUMNS][CELL_LEN];
};

static void event_cell(char *cell, const struct ioasids_state *st,
		       const char *key)
{
	unsigned long long v;

	if (st->has_limits && kv_get(&st->events, key, &v))
		snprintf(cell, CELL_LEN, "%llu", (unsigned long long)v);
	else
		snprintf(cell, CELL_LEN, "-");
}

static void size_limit_cell(char *cell, bool has, const struct limit *l)
{
	if (!has)
		snprintf(cell, CELL_LEN, "-");
	else if (l->is_max)
		snprintf(cell, CELL_LEN, "max");
	else
		size_str(l->value, cell, CELL_LEN);
}

static int fill_cells(struct row_cells *rc, const struct status_row *r)
{
	const struct ioasids_state *st = &r->st;
	char (*cells)[CELL_LEN] = rc->v;

	char *name;
	int ret;

	name = cgpath_escape(r->depth ? cgpath_basename(r->path) : r->path);
	if (!name)
		return -1;
	ret = asprintf(&rc->cgroup, "%*s%s", 2 * r->depth, "", name);
	free(name);
	if (ret < 0) {
		rc->cgroup = NULL;
		return -1;
	}
	snprintf(cells[COL_CURRENT], CELL_LEN, "%llu",
		 (unsigned long long)st->current);
	if (st->has_limits)
		limit_str(&st->max, false, cells[COL_MAX], CELL_LEN);
	else
		snprintf(cells[COL_MAX], CELL_LEN, "-");
	snprintf(cells[COL_PEAK], CELL_LEN, "%llu",
		 (unsigned long long)st->peak);
	event_cell(cells[COL_EVENTS], st, "max");
	size_str(st->pinned_current, cells[COL_PINNED], CELL_LEN);
	size_limit_cell(cells[COL_PINNED_MAX], st->has_limits,
			&st->pinned_max);
	size_str(st->pinned_peak, cells[COL_PINNED_PEAK], CELL_LEN);
	event_cell(cells[COL_PINNED_EVENTS], st, "pinned.max");
	return 0;
}

static void print_row(FILE *f, const char * const *cells, const int *width)
{
	int c;

	for (c = 0; c < NR_COLUMNS; c++) {
		if (c == COL_CGROUP)
			fprintf(f, "%-*s", width[c], cells[c]);
		else
			fprintf(f, "  %*s", width[c], cells[c]);
	}
	fputc('\n', f);
}

/* Returns 0, or -1 when out of memory */
int status_print_text(const struct status *s, FILE *f)
{
	const char *ptrs[NR_COLUMNS];
	struct row_cells *cells;
	int width[NR_COLUMNS], c, ret = 0;
	size_t i;

	cells = calloc(s->n ? s->n : 1, sizeof(*cells));
	if (!cells)
		return -1;
	for (c = 0; c < NR_COLUMNS; c++)
		width[c] = strlen(headers[c]);
	for (i = 0; i < s->n && !ret; i++) {
		ret = fill_cells(&cells[i], &s->rows[i]);
		if (ret)
			break;
		for (c = 0; c < NR_COLUMNS; c++) {
			int w = c == COL_CGROUP ? (int)strlen(cells[i].cgroup) :
						  (int)strlen(cells[i].v[c]);

			if (w > width[c])
				width[c] = w;
		}
	}
	if (!ret) {
		if (s->has_capacity)
			fprintf(f, "capacity: %llu\n",
				(unsigned long long)s->capacity);
		print_row(f, headers, width);
	}
	for (i = 0; i < s->n && !ret; i++) {
		for (c = 0; c < NR_COLUMNS; c++)
			ptrs[c] = cells[i].v[c];
		ptrs[COL_CGROUP] = cells[i].cgroup;
		print_row(f, ptrs, width);
	}
	for (i = 0; i < s->n; i++)
		free(cells[i].cgroup);
	free(cells);
	return ret;
}

/* A limit is a number, or null for none: "max", or the root's */
static void json_limit(struct json *j, const char *key, bool has,
		       const struct limit *l)
{
	if (!has || l->is_max)
		json_null(j, key);
	else
		json_uint(j, key, l->value);
}

static void json_kv(struct json *j, const char *key, bool has,
		    const struct kv_list *l)
{
	size_t i;

	if (!has) {
		json_null(j, key);
		return;
	}
	json_object_begin(j, key);
	for (i = 0; i < l->n; i++) {
		/* The kernel's "pinned.max", as the other keys: "pinned_max" */
		char *k = strdup(l->v[i].key), *dot;

		for (dot = k; dot && *dot; dot++)
			if (*dot == '.')
				*dot = '_';
		json_uint(j, k ? k : l->v[i].key, l->v[i].value);
		free(k);
	}
	json_object_end(j);
}

static void json_row(struct json *j, const struct status_row *r)
{
	const struct ioasids_state *st = &r->st;

	json_object_begin(j, NULL);
	json_string(j, "path", r->path);
	json_uint(j, "current", st->current);
	json_limit(j, "max", st->has_limits, &st->max);
	json_uint(j, "peak", st->peak);
	json_kv(j, "events", st->has_limits, &st->events);
	json_kv(j, "events_local", st->has_limits, &st->events_local);
	json_uint(j, "pinned_current", st->pinned_current);
	json_limit(j, "pinned_max", st->has_limits, &st->pinned_max);
	json_uint(j, "pinned_peak", st->pinned_peak);
	json_kv(j, "stat", true, &st->stat);
	json_object_end(j);
}

void status_print_json(const struct status *s, FILE *f)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	if (s->has_capacity)
		json_uint(&j, "capacity", s->capacity);
	else
		json_null(&j, "capacity");
	json_array_begin(&j, "cgroups");
	for (i = 0; i < s->n; i++)
		json_row(&j, &s->rows[i]);
	json_array_end(&j);
	json_object_end(&j);
	json_finish(&j);
}
