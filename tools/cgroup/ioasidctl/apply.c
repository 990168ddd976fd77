// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl apply [--dry-run] [--create] [--no-enable] FILE
 *
 * Apply a configuration file: the limits of many cgroups, declared.  The
 * whole file is checked first, its syntax and then every line against the
 * system; if any line is bad, nothing is changed.  Applying a file a second
 * time changes nothing, and says so.
 */
#include <getopt.h>
#include <stdio.h>

#include "cg.h"
#include "conf.h"
#include "ioasidctl.h"
#include "plan.h"

static void apply_help(void)
{
	printf("Usage: %s apply [--dry-run] [--create] [--no-enable] FILE\n"
	       "\n"
	       "Apply the limits that FILE (\"-\" for standard input) declares, one cgroup\n"
	       "a line:\n"
	       "  # comment\n"
	       "  CGROUP KEY=VALUE...     e.g. /tenant.slice max=64 pinned.max=4G\n"
	       "The whole file is checked first; if any line is bad, nothing is\n"
	       "changed and the errors name FILE:LINE.  Every change is reported on one\n"
	       "line, then a summary.\n"
	       "\n"
	       "      --dry-run    check and show the changes, make none\n"
	       "  -c, --create     create missing cgroups\n"
	       "  -n, --no-enable  do not enable the controller: fail if not enabled\n"
	       "  -h, --help       this help\n",
	       PROGRAM_NAME);
}

static int apply_file(const char *path, const struct change_opts *copts)
{
	size_t i, done, changes;
	struct conf conf;
	struct plan p;
	int ret, bad;

	/* Every line, then every valid line against the system */
	bad = conf_parse(path, &conf);
	ret = cg_init();
	if (ret) {
		conf_free(&conf);
		return ret;
	}
	plan_init(&p, copts);
	for (i = 0; i < conf.n; i++)
		if (!conf.v[i].invalid && plan_add(&p, &conf.v[i]))
			bad++;
	if (bad) {
		ctl_err("%s: %d error%s: nothing changed", path, bad,
			bad == 1 ? "" : "s");
		ret = EXIT_INVALID;
		goto out;
	}
	changes = plan_changes(&p);
	if (plan_execute(&p, &done)) {
		ctl_err("%s: stopped after %zu of %zu changes", path, done,
			changes);
		ret = EXIT_FAILED;
	} else if (copts->dry_run) {
		printf("%s: %zu change%s to make (dry run: nothing changed)\n",
		       path, changes, changes == 1 ? "" : "s");
	} else if (changes) {
		printf("%s: %zu change%s made\n", path, changes,
		       changes == 1 ? "" : "s");
	} else {
		printf("%s: no changes (everything already in place)\n", path);
	}
out:
	plan_free(&p);
	conf_free(&conf);
	return ret;
}

int cmd_apply(int argc, char **argv)
{
	struct change_opts copts;
	int ret;

	ret = change_opts_parse(argc, argv, "apply", apply_help, &copts);
	if (ret >= 0)
		return ret;
	if (argc - optind != 1)
		return usage_error("apply", "apply: expected one FILE");
	ret = apply_file(argv[optind], &copts);
	cg_exit();
	return ret;
}
