/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioasidctl: the operator's tool for the ioasids cgroup controller.
 * Definitions shared by the commands.
 */
#ifndef IOASIDCTL_H
#define IOASIDCTL_H

#include <stdbool.h>

/* Exit codes, documented in ioasidctl(8) and in --help */
enum {
	EXIT_OK = 0,		/* success, including "nothing to change" */
	EXIT_FAILED = 1,	/* an operation failed */
	EXIT_INVALID = 2,	/* bad usage or input: nothing changed */
	EXIT_NO_CONTROLLER = 3,	/* no ioasids controller in the kernel */
	EXIT_PARTIAL = 4,	/* apply: bad lines skipped, the rest applied */
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define PROGRAM_NAME	"ioasidctl"
#define PROGRAM_VERSION	"1.0"

/* Options shared by set and apply */
struct change_opts {
	bool create;		/* create missing cgroups */
	bool no_enable;		/* never write cgroup.subtree_control */
	bool dry_run;		/* show the changes, make none */
	const char *unit;	/* apply: only the cgroup of this unit */
	bool missing_ok;	/* apply: skip missing cgroups, no error */
};

/*
 * Parse the options of @cmd (set or apply) into @copts, calling @help for
 * --help.  Returns -1 to go on, with optind at the first operand, or the
 * exit code of a --help or of a usage error.
 */
int change_opts_parse(int argc, char **argv, const char *cmd,
		      void (*help)(void), struct change_opts *copts);

int cmd_status(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* The kernel's __printf(), as in tools/include/linux/compiler.h */
#ifndef __printf
#define __printf(a, b) __attribute__(( \
	format(printf, a, b)))
#endif

/* Print "ioasidctl: " and the message on stderr */
__printf(1, 2) void ctl_err(const char *fmt, ...);

/* A usage error of @cmd: the message, a hint, and EXIT_INVALID */
__printf(2, 3) int usage_error(const char *cmd, const char *fmt, ...);
int usage_hint(const char *cmd);

#endif /* IOASIDCTL_H */
