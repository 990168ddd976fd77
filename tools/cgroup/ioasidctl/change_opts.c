// SPDX-License-Identifier: GPL-2.0
/*
 * The options that set and apply share: --create, --no-enable, --dry-run
 * and --help, parsed alike for both, and apply's --unit and --missing-ok.
 */
#include <getopt.h>
#include <stddef.h>

#include "ioasidctl.h"

int change_opts_parse(int argc, char **argv, const char *cmd,
		      void (*help)(void), struct change_opts *copts)
{
	static const struct option opts[] = {
		{ "create", no_argument, NULL, 'c' },
		{ "no-enable", no_argument, NULL, 'E' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "unit", required_argument, NULL, 'u' },
		{ "missing-ok", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	*copts = (struct change_opts){ };
	/* -n is --dry-run, as for make, rsync and git */
	while ((c = getopt_long(argc, argv, "cnh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			copts->create = true;
			break;
		case 'E':
			copts->no_enable = true;
			break;
		case 'n':
			copts->dry_run = true;
			break;
		case 'u':
			copts->unit = optarg;
			break;
		case 'm':
			copts->missing_ok = true;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_hint(cmd);
		}
	}
	return -1;
}
