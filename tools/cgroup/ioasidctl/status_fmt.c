// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: print the status of a subtree, as a table for people or as
 * one JSON document for scripts.
 *
 * The table has one row per cgroup, indented by two spaces a level below
 * the first, columns that libsmartcols aligns, sizes exact in the largest
 * binary unit that divides them (4KiB, 1536MiB, 16GiB), which set reads
 * back, and "-" where a cgroup has no such file (the root has no limits
 * and no events).  The capacity of the system comes first.  -o picks the
 * columns, --tree draws libsmartcols' tree of the names, and --raw prints
 * full paths with the columns one space apart, for scripts, as lsblk and
 * findmnt do.
 *
 * The JSON document is an object: {"capacity": N, "cgroups": [...]}, one
 * object per cgroup in the order of the table, with every value exact (in
 * bytes for pinned memory), a limit null where there is none, and every
 * key in one style, snake_case; see ioasidctl(8).  jansson writes it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <jansson.h>
#include <strings.h>
#include <libsmartcols.h>

#include "cgpath.h"
#include "ioasidctl.h"
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

/**
 * status_parse_columns() - Parse -o's comma-separated list of columns
 * @list: the list, by the names of the table's header, in any case
 * @fmt: set to the columns, in the list's order
 *
 * Return: 0, or -1 if a name is unknown or the list is empty or too long.
 */
int status_parse_columns(const char *list, struct status_format *fmt)
{
	char *copy = strdup(list), *name, *save = NULL;
	int ret = copy ? 0 : -1;
	unsigned int c;

	fmt->ncolumns = 0;
	for (name = copy ? strtok_r(copy, ",", &save) : NULL; name && !ret;
	     name = strtok_r(NULL, ",", &save)) {
		for (c = 0; c < NR_COLUMNS && strcasecmp(name, headers[c]); c++)
			;
		if (c == NR_COLUMNS ||
		    fmt->ncolumns == ARRAY_SIZE(fmt->columns))
			ret = -1;
		else
			fmt->columns[fmt->ncolumns++] = c;
	}
	free(copy);
	return ret || !fmt->ncolumns ? -1 : 0;
}

/* The names of every column, for messages: "CGROUP, CURRENT, ..." */
const char *status_column_names(void)
{
	return "CGROUP, CURRENT, MAX, PEAK, EVENTS, PINNED, PINNED.MAX, PINNED.PEAK, PINNED.EVENTS";
}

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

static int fill_cells(struct row_cells *rc, const struct status_row *r,
		      const struct status_format *fmt)
{
	const struct ioasids_state *st = &r->st;
	char (*cells)[CELL_LEN] = rc->v;
	bool full = fmt->raw || !r->depth;
	char *name;
	int ret;

	name = cgpath_escape(full ? r->path : cgpath_basename(r->path));
	if (!name)
		return -1;
	ret = asprintf(&rc->cgroup, "%*s%s",
		       full || fmt->tree ? 0 : 2 * r->depth, "", name);
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

/*
 * The line of the parent of row @i: the last row above it one level up,
 * as the rows come in the order of a walk of the tree
 */
static struct libscols_line *parent_line(const struct status *s,
					 struct libscols_line **lines, size_t i)
{
	int depth = s->rows[i].depth;

	while (i--)
		if (s->rows[i].depth < depth)
			return lines[i];
	return NULL;
}

/* Returns 0, or -1 when out of memory; libsmartcols lays the table out */
int status_print_text(const struct status *s, const struct status_format *fmt,
		      FILE *f)
{
	struct libscols_table *tb = scols_new_table();
	struct libscols_line **lines = calloc(s->n + 1, sizeof(*lines));
	size_t i, c, ncols = fmt->ncolumns ? fmt->ncolumns : NR_COLUMNS;
	int ret = tb && lines ? 0 : -1;
	struct row_cells rc;
	unsigned int col;

	for (c = 0; c < ncols && !ret; c++) {
		col = fmt->ncolumns ? fmt->columns[c] : c;
		if (!scols_table_new_column(tb, headers[col], 0,
					    col != COL_CGROUP ? SCOLS_FL_RIGHT :
					    fmt->tree ? SCOLS_FL_TREE : 0))
			ret = -1;
	}
	/* The names are escaped already (cgpath_escape()): not twice */
	if (!ret && (scols_table_set_column_separator(tb, fmt->raw ? " " : "  ") ||
		     scols_table_enable_noencoding(tb, 1) ||
		     scols_table_enable_raw(tb, fmt->raw)))
		ret = -1;
	for (i = 0; i < s->n && !ret; i++) {
		lines[i] = scols_table_new_line(tb, fmt->tree ?
						parent_line(s, lines, i) : NULL);
		if (!lines[i] || fill_cells(&rc, &s->rows[i], fmt)) {
			ret = -1;
			break;
		}
		for (c = 0; c < ncols && !ret; c++) {
			col = fmt->ncolumns ? fmt->columns[c] : c;
			ret = scols_line_set_data(lines[i], c,
						  col == COL_CGROUP ?
						  rc.cgroup : rc.v[col]) ? -1 : 0;
		}
		free(rc.cgroup);
	}
	free(lines);
	if (!ret) {
		if (s->has_capacity && !fmt->raw)
			fprintf(f, "capacity: %llu\n",
				(unsigned long long)s->capacity);
		if (scols_table_set_stream(tb, f) || scols_print_table(tb))
			ret = -1;
	}
	scols_unref_table(tb);
	return ret;
}

/*
 * The length of the UTF-8 sequence at @s: 1 to 4, or 0 if it is not
 * valid UTF-8 (overlong forms, surrogates and code points above U+10FFFF
 * included), as RFC 3629 defines it.
 */
static int utf8_len(const unsigned char *s)
{
	unsigned int cp, n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/*
 * A JSON string of @s, which a cgroup's name makes any bytes but '/' and
 * NUL: a byte that is not part of valid UTF-8 becomes U+FFFD, since JSON
 * (and jansson) take only UTF-8.  NULL if out of memory.
 */
static json_t *json_utf8_string(const char *s)
{
	size_t i = 0, o = 0;
	json_t *js = NULL;
	char *buf;
	int len;

	buf = malloc(3 * strlen(s) + 1);
	if (!buf)
		return NULL;
	while (s[i]) {
		len = utf8_len((const unsigned char *)s + i);
		if (!len) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(buf + o, s + i, len);
		o += len;
		i += len;
	}
	buf[o] = '\0';
	js = json_string(buf);
	free(buf);
	return js;
}

/* A count, exact: every value the kernel shows fits in jansson's int */
static json_t *json_count(unsigned long long v)
{
	return json_integer((json_int_t)v);
}

/* A limit is a number, or null for none: "max", or the root's */
static json_t *json_limit(bool has, const struct limit *l)
{
	if (!has || l->is_max)
		return json_null();
	return json_count(l->value);
}

/* Flat-keyed values as an object, the keys in snake_case; or null */
static json_t *json_kv(bool has, const struct kv_list *l)
{
	json_t *obj;
	size_t i;
	int ret = 0;

	if (!has)
		return json_null();
	obj = json_object();
	for (i = 0; obj && i < l->n && !ret; i++) {
		/* The kernel's "pinned.max", as the other keys: "pinned_max" */
		char *k = strdup(l->v[i].key), *dot;

		for (dot = k; dot && *dot; dot++)
			if (*dot == '.')
				*dot = '_';
		ret = k ? json_object_set_new(obj, k,
					      json_count(l->v[i].value)) : -1;
		free(k);
	}
	if (ret) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* One cgroup's object; NULL if out of memory */
static json_t *json_row(const struct status_row *r)
{
	const struct ioasids_state *st = &r->st;
	json_t *row = json_object();

	/* Each json_object_set_new() takes the value, even on failure */
	if (!row ||
	    json_object_set_new(row, "path", json_utf8_string(r->path)) ||
	    json_object_set_new(row, "current", json_count(st->current)) ||
	    json_object_set_new(row, "max",
				json_limit(st->has_limits, &st->max)) ||
	    json_object_set_new(row, "peak", json_count(st->peak)) ||
	    json_object_set_new(row, "events",
				json_kv(st->has_limits, &st->events)) ||
	    json_object_set_new(row, "events_local",
				json_kv(st->has_limits, &st->events_local)) ||
	    json_object_set_new(row, "pinned_current",
				json_count(st->pinned_current)) ||
	    json_object_set_new(row, "pinned_max",
				json_limit(st->has_limits, &st->pinned_max)) ||
	    json_object_set_new(row, "pinned_peak",
				json_count(st->pinned_peak)) ||
	    json_object_set_new(row, "stat", json_kv(true, &st->stat))) {
		json_decref(row);
		return NULL;
	}
	return row;
}

/* Returns 0, or -ENOMEM with nothing printed. */
int status_print_json(const struct status *s, FILE *f)
{
	json_t *doc = json_object(), *rows = json_array();
	size_t i;
	int ret;

	ret = !doc || !rows ||
	      json_object_set_new(doc, "capacity",
				  s->has_capacity ? json_count(s->capacity) :
						    json_null());
	for (i = 0; i < s->n && !ret; i++)
		ret = json_array_append_new(rows, json_row(&s->rows[i]));
	if (!ret) {
		ret = json_object_set_new(doc, "cgroups", rows);
		rows = NULL;
	}
	if (!ret)
		ret = json_dumpf(doc, f, JSON_INDENT(2)) || fputc('\n', f) == EOF;
	json_decref(rows);
	json_decref(doc);
	return ret ? -ENOMEM : 0;
}
