/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioasidctl: a small JSON writer.
 */
#ifndef IOASIDCTL_JSON_H
#define IOASIDCTL_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
void json_finish(struct json *j);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *s);
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_null(struct json *j, const char *key);

#endif /* IOASIDCTL_JSON_H */
