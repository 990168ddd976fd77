// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: the operator's tool for the ioasids cgroup controller, which
 * limits the IOASIDs (PCIe PASIDs) and the memory pinned for DMA of each
 * cgroup (Documentation/admin-guide/cgroup-v2-ioasids.rst).
 *
 *   ioasidctl status [--json] [--depth=N] [CGROUP]
 *   ioasidctl set [--create] [--no-enable] [--dry-run] CGROUP KEY=VALUE...
 *   ioasidctl apply [--dry-run] [--create] [--no-enable] [--unit=UNIT] FILE
 *   ioasidctl check [--slices] FILE
 *
 * This file: the command line and the dispatch to the commands.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ioasidctl.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "status", cmd_status },
	{ "set", cmd_set },
	{ "apply", cmd_apply },
	{ "check", cmd_check },
};

static void print_usage(void)
{
	printf("Usage: %s [-h|--help] [-V|--version] COMMAND [ARGS]\n"
	       "\n"
	       "Show and set the limits of the ioasids cgroup controller: IOASIDs (PCIe\n"
	       "PASIDs) and memory pinned for DMA, per cgroup.\n"
	       "\n"
	       "Commands:\n"
	       "  status [--json] [--depth=N] [CGROUP]\n"
	       "                                    usage and limits of the tree below CGROUP\n"
	       "  set [--create] CGROUP KEY=VALUE... set the limits of one cgroup\n"
	       "  apply [--dry-run] FILE            apply a configuration file, such as\n"
	       "                                    /etc/ioasids.conf\n"
	       "  check FILE                        check a configuration file, offline\n"
	       "\n"
	       "KEY is max (a number of IOASIDs) or pinned.max (bytes, with an optional\n"
	       "K, M, G, T, P or E suffix); VALUE may be \"max\" for no limit.\n"
	       "'%s COMMAND --help' describes each command and its options.\n"
	       "\n"
	       "Exit status:\n"
	       "  0  success (including: nothing to change)\n"
	       "  1  an operation failed (the changes made before it are reported)\n"
	       "  2  bad usage, invalid value or file, or (set) a missing cgroup or a\n"
	       "     controller that cannot be enabled: nothing was changed\n"
	       "  3  the kernel has no ioasids controller on cgroup v2\n"
	       "  4  apply: lines with errors were skipped, the others applied\n"
	       "\n"
	       "See ioasidctl(8).\n",
	       PROGRAM_NAME, PROGRAM_NAME);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	static char name[32];
	size_t i;
	int c;

	/* "+": stop at the command, whose options are its own */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_usage();
			return EXIT_OK;
		case 'V':
			printf("%s %s\n", PROGRAM_NAME, PROGRAM_VERSION);
			return EXIT_OK;
		default:
			return usage_hint(NULL);
		}
	}
	if (optind >= argc)
		return usage_error(NULL, "missing command (status, set, apply or check)");
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[optind], commands[i].name)) {
			/* getopt's messages: "ioasidctl set: unrecognized..." */
			snprintf(name, sizeof(name), "%s %s", PROGRAM_NAME,
				 commands[i].name);
			argc -= optind;
			argv += optind;
			argv[0] = name;
			optind = 1;
			return commands[i].run(argc, argv);
		}
	}
	return usage_error(NULL, "unknown command \"%s\"", argv[optind]);
}
