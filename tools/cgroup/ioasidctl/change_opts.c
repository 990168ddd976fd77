// SPDX-License-Identifier: GPL-2.0
/*
 * The options that set and apply share: --create, --no-enable, --dry-run
 * and --help, parsed alike for both.
 */
#include <getopt.h>
#include <stddef.h>

#include "ioasidctl.h"

int change_opts_parse(int argc, char **argv, const char *cmd,
		      void (*help)(void), struct change_opts *copts)
{
	static const struct option opts[] = {
		{ "create", no_argument, NULL, 'c' },
		{ "no-enable", no_argument, NULL, 'n' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	*copts = (struct change_opts){ };
	while ((c = getopt_long(argc, argv, "cnh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			copts->create = true;
			break;
		case 'n':
			copts->no_enable = true;
			break;
		case 'd':
			copts->dry_run = true;
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
