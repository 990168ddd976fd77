// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl status [--json | -o LIST | --raw | --tree] [--depth=N] [CGROUP]
 *
 * The cgroup tree below CGROUP (the root by default): every cgroup that has
 * the ioasids.* files, that is the root and every cgroup whose parent has
 * "ioasids" in its cgroup.subtree_control.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "cgpath.h"
#include "ioasidctl.h"
#include "size.h"
#include "status.h"

static void status_help(void)
{
	printf("Usage: %s status [--json | -o LIST | --raw | --tree] [--depth=N] [CGROUP]\n"
	       "\n"
	       "Show the IOASIDs and the pinned memory of CGROUP (default: the root) and of\n"
	       "every cgroup below it that has the ioasids controller: usage, limit, peak\n"
	       "and the number of times the limit was hit.\n"
	       "\n"
	       "  -j, --json         one JSON document, with exact values (bytes)\n"
	       "  -o, --output=LIST  the table's columns, comma-separated, of:\n"
	       "                     %s\n"
	       "  -r, --raw          full paths, columns one space apart, no capacity line\n"
	       "  -t, --tree         names under their parents', with tree lines\n"
	       "  -d, --depth=N      N levels below CGROUP at most (0: CGROUP alone)\n"
	       "  -h, --help         this help\n",
	       PROGRAM_NAME, status_column_names());
}

static void status_free(struct status *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->rows[i].path);
		ioasids_state_free(&s->rows[i].st);
	}
	free(s->rows);
}

/* The ioasids files of @base itself, or why there are none */
static int check_base(const char *base)
{
	struct ioasids_state st;
	char *parent;
	int ret;

	ret = cg_get_ioasids(base, &st);
	if (ret == -ENOENT) {
		ctl_err("%s: cgroup does not exist", base);
		return EXIT_INVALID;
	}
	if (ret) {
		ctl_err("%s: %s.current: %s", base, IOASIDS,
			cg_strerror(ret));
		return EXIT_FAILED;
	}
	ret = st.enabled ? EXIT_OK : EXIT_INVALID;
	ioasids_state_free(&st);
	if (ret) {
		parent = cgpath_parent(base);
		ctl_err("%s: %s.current: %s (the ioasids controller is not enabled in %s/cgroup.subtree_control)",
			base, IOASIDS, strerror(ENOENT),
			parent ? cgpath_prefix(parent) : "");
		free(parent);
	}
	return ret;
}

/* Every cgroup with the controller at @base and below, down to @depth */
static int collect(const char *base, int depth, struct status *s)
{
	int base_depth = cgpath_depth(base), ret = 0;
	struct ioasids_state st;
	char **paths;
	size_t n, i;

	ret = cg_walk(base, &paths, &n);
	if (ret) {
		ctl_err("%s: cannot list its cgroups: %s", base,
			cg_strerror(ret));
		return EXIT_FAILED;
	}
	s->rows = calloc(n ? n : 1, sizeof(*s->rows));
	if (!s->rows) {
		cg_walk_free(paths, n);
		ctl_err("out of memory");
		return EXIT_FAILED;
	}
	for (i = 0; i < n; i++) {
		/* Deeper cgroups are not read at all */
		if (depth >= 0 && cgpath_depth(paths[i]) - base_depth > depth)
			continue;
		ret = cg_get_ioasids(paths[i], &st);
		if (ret == -ENOENT)	/* removed since the walk */
			continue;
		if (ret) {
			char *name = cgpath_escape(paths[i]);

			ctl_err("%s: %s.*: %s", name ? name : "?", IOASIDS,
				cg_strerror(ret));
			free(name);
			break;
		}
		if (!st.enabled)
			continue;
		s->rows[s->n].path = paths[i];
		s->rows[s->n].depth = cgpath_depth(paths[i]) - base_depth;
		s->rows[s->n].st = st;
		s->n++;
		paths[i] = NULL;
	}
	cg_walk_free(paths, n);
	return ret ? EXIT_FAILED : EXIT_OK;
}

static int read_capacity(struct status *s)
{
	struct ioasids_state root;
	int ret;

	ret = cg_get_ioasids("/", &root);
	if (ret) {
		ctl_err("/: %s.capacity: %s", IOASIDS, cg_strerror(ret));
		return EXIT_FAILED;
	}
	s->has_capacity = root.has_capacity;
	s->capacity = root.capacity;
	ioasids_state_free(&root);
	return EXIT_OK;
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "raw", no_argument, NULL, 'r' },
		{ "tree", no_argument, NULL, 't' },
		{ "depth", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	unsigned long long depth_arg;
	struct status_format fmt = { };
	struct status s = { };
	const char *why;
	bool json = false;
	int c, ret, depth = -1;
	char *base;

	while ((c = getopt_long(argc, argv, "jo:rtd:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'o':
			if (status_parse_columns(optarg, &fmt))
				return usage_error("status",
						   "status: --output=%s: not a list of %s",
						   optarg, status_column_names());
			break;
		case 'r':
			fmt.raw = true;
			break;
		case 't':
			fmt.tree = true;
			break;
		case 'd':
			if (parse_u64(optarg, &depth_arg) || depth_arg > 4096)
				return usage_error("status", "status: --depth=%s: not 0 to 4096",
						   optarg);
			depth = depth_arg;
			break;
		case 'h':
			status_help();
			return EXIT_OK;
		default:
			return usage_hint("status");
		}
	}
	if (argc - optind > 1)
		return usage_error("status", "status: one CGROUP at most");
	if (json && (fmt.ncolumns || fmt.raw || fmt.tree))
		return usage_error("status",
				   "status: --json prints every value: not with --output, --raw or --tree");
	if (fmt.raw && fmt.tree)
		return usage_error("status", "status: --raw and --tree do not go together");
	base = cgpath_normalize(optind < argc ? argv[optind] : "/", &why);
	if (!base)
		return usage_error("status", "%s: %s", argv[optind], why);

	ret = cg_init();
	if (!ret)
		ret = check_base(base);
	if (!ret)
		ret = read_capacity(&s);
	if (!ret)
		ret = collect(base, depth, &s);
	if (!ret) {
		if (json && status_print_json(&s, stdout)) {
			ctl_err("%s", strerror(ENOMEM));
			ret = EXIT_FAILED;
		} else if (!json && status_print_text(&s, &fmt, stdout)) {
			ret = EXIT_FAILED;
		}
	}
	if (fflush(stdout) || ferror(stdout)) {
		ctl_err("standard output: %s", strerror(errno));
		ret = EXIT_FAILED;
	}
	status_free(&s);
	free(base);
	cg_exit();
	return ret;
}
