// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the tests of /dev/ioasid: see ioasid_util.h.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../cgroup/vfio_util.h"
#include "ioasid_util.h"

/* Open /dev/ioasid: the file descriptor, or -errno */
int ioasid_open(void)
{
	int fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* IOASID_ALLOC of any IOASID: the IOASID, or -errno */
long ioasid_alloc(int fd)
{
	struct ioasid_alloc cmd = { .size = sizeof(cmd) };

	if (ioctl(fd, IOASID_ALLOC, &cmd))
		return -errno;
	return cmd.out_ioasid;
}

/* IOASID_ALLOC in [@min, @max]: the IOASID, or -errno */
long ioasid_alloc_range(int fd, __u32 min, __u32 max)
{
	struct ioasid_alloc cmd = {
		.size = sizeof(cmd),
		.flags = IOASID_ALLOC_RANGE,
		.min = min,
		.max = max,
	};

	if (ioctl(fd, IOASID_ALLOC, &cmd))
		return -errno;
	return cmd.out_ioasid;
}

/* IOASID_FREE of @ioasid: 0, or -errno */
int ioasid_free(int fd, __u32 ioasid)
{
	struct ioasid_free cmd = { .size = sizeof(cmd), .ioasid = ioasid };

	return ioctl(fd, IOASID_FREE, &cmd) ? -errno : 0;
}

/* IOASID_GET_INFO, in @info: 0, or -errno */
int ioasid_get_info(int fd, struct ioasid_get_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, IOASID_GET_INFO, info) ? -errno : 0;
}

/* IOASID_SET_QUOTA of @quota: 0, or -errno */
int ioasid_set_quota(int fd, __u32 quota)
{
	struct ioasid_set_quota cmd = { .size = sizeof(cmd), .quota = quota };

	return ioctl(fd, IOASID_SET_QUOTA, &cmd) ? -errno : 0;
}

/* IOASID_BIND_IOMMUFD of the file to the context @iommufd: 0, or -errno */
int ioasid_bind_iommufd(int fd, int iommufd)
{
	struct ioasid_bind_iommufd cmd = {
		.size = sizeof(cmd),
		.iommufd = iommufd,
	};

	return ioctl(fd, IOASID_BIND_IOMMUFD, &cmd) ? -errno : 0;
}

/* Write @len bytes of @buf to @path in one write(): that many, or -errno */
static ssize_t write_bytes(const char *path, const char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	err = errno;
	close(fd);
	return n < 0 ? -err : n;
}

/* Write @val to @path in one write(): 0, or -errno (-EIO if short) */
int write_file(const char *path, const char *val)
{
	ssize_t len = strlen(val), n;

	n = write_bytes(path, val, len);
	if (n < 0)
		return n;
	return n == len ? 0 : -EIO;
}

/* read_file() of @file of the cgroup @cg */
int cg_read_file(const char *cg, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return read_file(path, buf, len);
}

/* write_file() of @file of the cgroup @cg */
int cg_write_file(const char *cg, const char *file, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return write_file(path, val);
}

/* Write @len bytes of @buf to @file of @cg: the bytes written, or -errno */
ssize_t cg_write_bytes(const char *cg, const char *file, const char *buf,
		       size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return write_bytes(path, buf, len);
}

/* The cgroup v2 mount, in @root, or -1 */
static int cg_find_root(char *root, size_t len)
{
	char line[1024], mnt[CG_PATH_MAX], type[64];
	FILE *mounts;
	int ret = -1;

	mounts = fopen("/proc/self/mounts", "re");
	if (!mounts)
		return -1;
	while (fgets(line, sizeof(line), mounts)) {
		if (sscanf(line, "%*s %255s %63s", mnt, type) != 2 ||
		    strcmp(type, "cgroup2"))
			continue;
		snprintf(root, len, "%s", mnt);
		ret = 0;
		break;
	}
	fclose(mounts);
	return ret;
}

/*
 * Find the cgroup v2 mount, in @root, and enable the ioasids controller for
 * its children.  Returns NULL, or why the tests cannot use it.
 */
const char *cg_setup_root(char *root, size_t len)
{
	char controllers[256];

	if (cg_find_root(root, len))
		return "cgroup v2 is not mounted";
	if (cg_read_file(root, "cgroup.controllers", controllers,
			 sizeof(controllers)) ||
	    !strstr(controllers, "ioasids"))
		return "no ioasids controller";
	if (cg_write_file(root, "cgroup.subtree_control", "+ioasids"))
		return "cannot enable the ioasids controller";
	return NULL;
}

/* CLOCK_MONOTONIC, in milliseconds */
long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CLOCK_MONOTONIC, in seconds */
double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__thread __u64 rng_state;

/* xorshift64*: fast, and the same sequence for the same seed */
__u64 rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

__u32 rnd32(void)
{
	return rnd64() >> 32;
}

/* A number in [0, n) */
__u32 rnd(__u32 n)
{
	return (__u32)(((rnd64() >> 32) * n) >> 32);
}

/* True with probability @percent % */
bool chance(unsigned int percent)
{
	return rnd(100) < percent;
}

/*
 * Take --iterations=N, in @nr_iterations, and --seed=S, in @seed, out of
 * the arguments of a fuzzer, and leave the harness's options.  Without
 * --seed, the seed comes from the time and the PID.  Returns the number of
 * arguments left, or -1 with a usage message.
 */
int fuzz_parse_args(int argc, char **argv, unsigned long *nr_iterations,
		    unsigned long long *seed)
{
	int i, j = 1;

	*seed = (unsigned long long)time(NULL) ^
		((unsigned long long)getpid() << 32);
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = NULL;

		if (!strncmp(arg, "--iterations", 12) ||
		    !strncmp(arg, "--seed", 6)) {
			val = strchr(arg, '=');
			if (val)
				val++;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				goto usage;
			if (arg[2] == 'i')
				*nr_iterations = strtoul(val, NULL, 0);
			else
				*seed = strtoull(val, NULL, 0);
			continue;
		}
		argv[j++] = argv[i];
	}
	argv[j] = NULL;
	return j;

usage:
	fprintf(stderr,
		"usage: %s [--iterations=N] [--seed=S] [harness options]\n",
		argv[0]);
	return -1;
}
