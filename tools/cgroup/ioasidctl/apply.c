// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl apply [--dry-run] [--create] [--no-enable] [--unit=UNIT] FILE
 *
 * Apply a configuration file: the limits of many cgroups, declared.  The
 * whole file is checked first, its syntax and then every line against the
 * system.  A bad line, or one whose cgroup does not exist yet (a slice not
 * started), is reported and skipped, and every other line is applied: one
 * stale line must not leave the other cgroups without their limits.  The
 * exit status then says that lines were skipped.  Applying a file a second
 * time changes nothing, and says so.
 *
 * With --unit, only the line of the cgroup of one systemd unit is applied,
 * when the unit starts: ioasids@.service does it for every slice that the
 * file names, so that a slice started late, or again, gets its limits.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "cgpath.h"
#include "conf.h"
#include "ioasidctl.h"
#include "plan.h"

static void apply_help(void)
{
	printf("Usage: %s apply [--dry-run] [--create] [--no-enable] [--unit=UNIT] FILE\n"
	       "\n"
	       "Apply the limits that FILE (\"-\" for standard input) declares, one cgroup\n"
	       "a line:\n"
	       "  # comment\n"
	       "  CGROUP KEY=VALUE...     e.g. /tenant.slice max=64 pinned.max=4G\n"
	       "The whole file is checked first.  A bad line, or one whose cgroup does\n"
	       "not exist, is reported with FILE:LINE and skipped; the other lines are\n"
	       "applied, and the exit status is then 4.  Every change is reported on\n"
	       "one line, then a summary.\n"
	       "\n"
	       "  -n, --dry-run    check and show the changes, make none\n"
	       "  -c, --create     create missing cgroups\n"
	       "      --unit=SLICE apply only the line of the cgroup of the systemd\n"
	       "                   slice SLICE (such as tenant-a.slice), if any\n"
	       "      --missing-ok a line whose cgroup does not exist is no error\n"
	       "      --no-enable  do not enable the controller: fail if not enabled\n"
	       "  -h, --help       this help\n",
	       PROGRAM_NAME);
}

static int apply_file(const char *path, const struct change_opts *copts,
		      const char *unit_cgroup)
{
	size_t i, done, changes, n, matched = 0;
	int ret, bad, err, missing = 0;
	struct conf conf;
	struct plan p;

	/* Every line, then every valid line against the system */
	bad = conf_parse(path, &conf);
	if (bad < 0) {
		conf_free(&conf);
		return EXIT_INVALID;
	}
	ret = cg_init();
	if (ret) {
		conf_free(&conf);
		return ret;
	}
	plan_init(&p, copts);
	/* For one unit, the errors of the other lines are not its own. */
	if (copts->unit)
		bad = 0;
	for (i = 0; i < conf.n; i++) {
		if (unit_cgroup && (!conf.v[i].cgroup ||
				    strcmp(conf.v[i].cgroup, unit_cgroup)))
			continue;
		matched++;
		if (conf.v[i].invalid) {
			bad += !!copts->unit;
			continue;
		}
		n = p.n;
		err = plan_add(&p, &conf.v[i]);
		if (err == -ENOMEM) {
			ret = EXIT_FAILED;
			goto out;
		}
		if (err) {
			plan_truncate(&p, n);
			if (err == -ENOENT && copts->missing_ok)
				missing++;
			else
				bad++;
		}
	}
	if (unit_cgroup && !matched) {
		printf("%s: no line for %s\n", path, unit_cgroup);
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
	if (missing)
		printf("%s: %d line%s for cgroups that do not exist yet skipped\n",
		       path, missing, missing == 1 ? "" : "s");
	if (!ret && bad) {
		ctl_err("%s: %d line%s with errors skipped", path, bad,
			bad == 1 ? "" : "s");
		ret = EXIT_PARTIAL;
	}
out:
	plan_free(&p);
	conf_free(&conf);
	return ret;
}

static void check_help(void)
{
	printf("Usage: %s check [--slices] FILE\n"
	       "\n"
	       "Check the syntax, keys and values of a configuration file (\"-\" for\n"
	       "standard input), as apply does first, without the system: no cgroup\n"
	       "need exist, nor the ioasids controller, so that a file can be checked\n"
	       "before it is installed or the host booted into a kernel with the\n"
	       "controller.  Every error names FILE:LINE; the exit status is 2 if any.\n"
	       "\n"
	       "  -s, --slices     print instead the systemd slices that the valid lines\n"
	       "                   name, where systemd places them, one a line (for\n"
	       "                   ioasids-generator)\n"
	       "  -h, --help       this help\n",
	       PROGRAM_NAME);
}

/* The slice of each valid line whose cgroup is where systemd places it */
static void print_slices(const struct conf *conf)
{
	const char *unit;
	char *slice;
	size_t i;

	for (i = 0; i < conf->n; i++) {
		if (conf->v[i].invalid)
			continue;
		unit = cgpath_basename(conf->v[i].cgroup);
		slice = cgpath_of_slice(unit);
		if (slice && !strcmp(slice, conf->v[i].cgroup))
			printf("%s\n", unit);
		free(slice);
	}
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "slices", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	bool slices = false;
	struct conf conf;
	int c, bad;

	while ((c = getopt_long(argc, argv, "sh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			slices = true;
			break;
		case 'h':
			check_help();
			return EXIT_OK;
		default:
			return usage_hint("check");
		}
	}
	if (argc - optind != 1)
		return usage_error("check", "check: expected one FILE");
	bad = conf_parse(argv[optind], &conf);
	if (slices && bad >= 0)
		print_slices(&conf);
	if (bad > 0)
		ctl_err("%s: %d line%s with errors", argv[optind], bad,
			bad == 1 ? "" : "s");
	else if (!bad && !slices)
		printf("%s: %zu line%s, no errors\n", argv[optind], conf.n,
		       conf.n == 1 ? "" : "s");
	conf_free(&conf);
	return bad ? EXIT_INVALID : EXIT_OK;
}

int cmd_apply(int argc, char **argv)
{
	struct change_opts copts;
	char *unit_cgroup = NULL;
	int ret;

	ret = change_opts_parse(argc, argv, "apply", apply_help, &copts);
	if (ret >= 0)
		return ret;
	if (argc - optind != 1)
		return usage_error("apply", "apply: expected one FILE");
	if (copts.unit) {
		unit_cgroup = cgpath_of_slice(copts.unit);
		if (!unit_cgroup)
			return usage_error("apply", "apply: --unit=%s: not the name of a slice",
					   copts.unit);
	}
	ret = apply_file(argv[optind], &copts, unit_cgroup);
	free(unit_cgroup);
	cg_exit();
	return ret;
}
