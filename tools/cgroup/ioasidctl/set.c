// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl set [--create] [--no-enable] [--dry-run] CGROUP KEY=VALUE...
 *
 * Set the limits of one cgroup.  Every argument is checked before
 * anything is changed; see plan.c for what is changed and how it is
 * reported.
 */
#include <getopt.h>
#include <stdio.h>

#include "cg.h"
#include "ioasidctl.h"
#include "plan.h"
#include "request.h"

static void set_help(void)
{
	printf("Usage: %s set [--create] [--no-enable] [--dry-run] CGROUP KEY=VALUE...\n"
	       "\n"
	       "Set the limits of CGROUP (a path below the cgroup2 mount point, such as\n"
	       "/tenant-a or /system.slice/vm1.service).  KEY=VALUE is one of\n"
	       "  max=N|max          ioasids.max, the number of IOASIDs\n"
	       "  pinned.max=SIZE|max  ioasids.pinned.max, bytes with an optional\n"
	       "                     K, M, G, T, P or E suffix, or KiB ... EiB\n"
	       "\n"
	       "The ioasids controller is enabled in cgroup.subtree_control of every\n"
	       "ancestor that lacks it, from the root down.  Every change is reported\n"
	       "on one line; a value already in place is reported as unchanged.\n"
	       "\n"
	       "  -c, --create     create CGROUP (and its missing parents) if missing\n"
	       "      --no-enable  do not enable the controller: fail if not enabled\n"
	       "  -n, --dry-run    check and show the changes, make none\n"
	       "  -h, --help       this help\n",
	       PROGRAM_NAME);
}

int cmd_set(int argc, char **argv)
{
	struct change_opts copts;
	struct request r;
	struct plan p;
	int i, ret, bad = 0;
	size_t done;

	ret = change_opts_parse(argc, argv, "set", set_help, &copts);
	if (ret >= 0)
		return ret;
	if (copts.unit || copts.missing_ok)
		return usage_error("set", "set: --unit and --missing-ok are options of apply");
	if (argc - optind < 2)
		return usage_error("set", "set: expected CGROUP and at least one KEY=VALUE");

	/* Every argument, every error, before anything else */
	if (request_init(&r, argv[optind], ""))
		bad++;
	for (i = optind + 1; i < argc; i++)
		if (r.cgroup && request_add(&r, argv[i]))
			bad++;
	if (bad) {
		request_free(&r);
		return EXIT_INVALID;
	}

	ret = cg_init();
	if (ret) {
		request_free(&r);
		cg_exit();
		return ret;
	}
	plan_init(&p, &copts);
	ret = plan_add(&p, &r) ? EXIT_INVALID : EXIT_OK;
	if (!ret && plan_execute(&p, &done))
		ret = EXIT_FAILED;
	if (!ret && copts.dry_run)
		printf("dry run: %zu change%s not made\n", plan_changes(&p),
		       plan_changes(&p) == 1 ? "" : "s");
	plan_free(&p);
	request_free(&r);
	cg_exit();
	return ret;
}
