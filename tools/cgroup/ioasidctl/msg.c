// SPDX-License-Identifier: GPL-2.0
/*
 * ioasidctl: error messages, all on stderr and all prefixed with the
 * program's name, so that scripts can tell them from the output: glibc's
 * warnx(3), after what the output holds so far.
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>

#include "ioasidctl.h"

static void vmsg(const char *fmt, va_list ap)
{
	fflush(stdout);
	vwarnx(fmt, ap);
}

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return usage_hint(cmd);
}

/* After getopt's own message: where to find the usage */
int usage_hint(const char *cmd)
{
	if (cmd)
		fprintf(stderr, "Try '%s %s --help' for more information.\n",
			PROGRAM_NAME, cmd);
	else
		fprintf(stderr, "Try '%s --help' for more information.\n",
			PROGRAM_NAME);
	return EXIT_INVALID;
}
