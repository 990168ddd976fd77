/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the tests of /dev/ioasid: its ioctls, the files of a cgroup,
 * the clock, and the pseudo-random numbers and the options of the fuzzers.
 *
 * They read files with read_file() of ../cgroup/vfio_util.c, which the
 * programs link with ioasid_util.c.
 */
#ifndef __SELFTESTS_IOASID_UTIL_H
#define __SELFTESTS_IOASID_UTIL_H

#include <linux/ioasid.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define IOASID_DEV	"/dev/ioasid"

/* The longest path of the cgroup v2 mount the tests handle */
#define CG_PATH_MAX	256

int ioasid_open(void);
long ioasid_alloc(int fd);
long ioasid_alloc_range(int fd, __u32 min, __u32 max);
int ioasid_free(int fd, __u32 ioasid);
int ioasid_get_info(int fd, struct ioasid_get_info *info);
int ioasid_set_quota(int fd, __u32 quota);
int ioasid_bind_iommufd(int fd, int iommufd);

int write_file(const char *path, const char *val);
int cg_read_file(const char *cg, const char *file, char *buf, size_t len);
int cg_write_file(const char *cg, const char *file, const char *val);
ssize_t cg_write_bytes(const char *cg, const char *file, const char *buf,
		       size_t len);
const char *cg_setup_root(char *root, size_t len);

long now_ms(void);
double now(void);

/* The state of the pseudo-random numbers, of each thread */
extern __thread __u64 rng_state;

__u64 rnd64(void);
__u32 rnd32(void);
__u32 rnd(__u32 n);
bool chance(unsigned int percent);

int fuzz_parse_args(int argc, char **argv, unsigned long *nr_iterations,
		    unsigned long long *seed);

#endif /* __SELFTESTS_IOASID_UTIL_H */
