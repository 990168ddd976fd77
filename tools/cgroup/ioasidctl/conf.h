/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioasidctl: configuration files, as "apply" reads them.
 */
#ifndef IOASIDCTL_CONF_H
#define IOASIDCTL_CONF_H

#include <stddef.h>

#include "request.h"

struct conf {
	struct request *v;
	size_t n;
};

int conf_parse(const char *path, struct conf *c);
void conf_free(struct conf *c);

#endif /* IOASIDCTL_CONF_H */
