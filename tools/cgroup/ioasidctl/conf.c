// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: parse a configuration file (/etc/ioasids.conf):
 *
 *   # comment
 *   CGROUP KEY=VALUE...
 *
 * One cgroup per line, with one or more KEY=VALUE; fields are separated
 * by blanks; "#" starts a comment, to the end of the line; blank lines are
 * ignored.  A cgroup may appear on one line only.  Every line is parsed
 * and every error printed, as "FILE:LINE: " and the reason, before the
 * caller decides anything.  A line with a valid cgroup but a bad KEY=VALUE
 * is kept, marked invalid, so that a later line naming the same cgroup is
 * reported too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ioasidctl.h"

#define BLANKS	" \t\r\v\f"

void conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		request_free(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static const struct request *find_cgroup(const struct conf *c,
					 const char *cgroup)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].cgroup, cgroup))
			return &c->v[i];
	return NULL;
}

/* One line, without its comment; returns 1 if it has errors, else 0 */
static int parse_line(struct conf *c, const char *path, unsigned int lineno,
		      char *line)
{
	const struct request *first;
	char where[256], *tok, *save = NULL;
	struct request r, *tmp;
	int bad = 0, kvs = 0;

	tok = strtok_r(line, BLANKS, &save);
	if (!tok)
		return 0;
	snprintf(where, sizeof(where), "%s:%u: ", path, lineno);
	if (strchr(tok, '=')) {
		ctl_err("%s%s: expected a cgroup before KEY=VALUE", where,
			tok);
		return 1;
	}
	if (request_init(&r, tok, where)) {
		request_free(&r);
		return 1;
	}
	r.line = lineno;
	while ((tok = strtok_r(NULL, BLANKS, &save))) {
		kvs++;
		if (request_add(&r, tok))
			bad++;
	}
	if (!kvs) {
		ctl_err("%s%s: no KEY=VALUE (max=N or pinned.max=SIZE)",
			where, r.cgroup);
		bad++;
	}
	first = find_cgroup(c, r.cgroup);
	if (first) {
		ctl_err("%s%s: cgroup given twice (first on line %u)", where,
			r.cgroup, first->line);
		request_free(&r);
		return 1;
	}
	r.invalid = bad;
	tmp = realloc(c->v, (c->n + 1) * sizeof(*c->v));
	if (!tmp) {
		ctl_err("out of memory");
		request_free(&r);
		return 1;
	}
	c->v = tmp;
	c->v[c->n++] = r;
	return !!bad;
}

/*
 * Parse @path ("-" for stdin) into @c.  Returns the number of bad lines,
 * each printed and marked invalid in @c; 0 when the whole file is valid;
 * -1, printed, when the file cannot be read, whole.
 */
int conf_parse(const char *path, struct conf *c)
{
	unsigned int lineno = 0;
	size_t cap = 0;
	char *line = NULL, *hash;
	int bad = 0;
	FILE *f;

	memset(c, 0, sizeof(*c));
	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		ctl_err("%s: %s", path, strerror(errno));
		return -1;
	}
	errno = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		line[strcspn(line, "\n")] = '\0';
		bad += parse_line(c, path, lineno, line);
		errno = 0;
	}
	if (ferror(f)) {
		ctl_err("%s: %s", path, strerror(errno ? errno : EIO));
		bad = -1;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return bad;
}
