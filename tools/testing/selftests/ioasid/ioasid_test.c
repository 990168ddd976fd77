// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the /dev/ioasid uAPI, include/uapi/linux/ioasid.h.
 *
 * Each open file of /dev/ioasid is one IOASID set.  The tests check what
 * the header promises: the values IOASID_GET_INFO reports, the IDs and
 * errors of IOASID_ALLOC and IOASID_FREE, the quota, IOASID_BIND_IOMMUFD,
 * the size, flag and pointer conventions of every command, and the
 * lifetime of a set across fork() and close().
 *
 * The IOASID space is system-wide, so the tests do not assume that it is
 * empty: where an exact ID matters they ask for it with IOASID_ALLOC_RANGE.
 * Its size is the 2^20 PASIDs of PCIe whatever the IOMMUs support, and a
 * file's IOASIDs start at the min_ioasid of IOASID_GET_INFO, above the
 * IOASIDs left to SVA and kernel drivers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/ioasid.h>

#include "../kselftest_harness.h"

#define IOASID_DEV "/dev/ioasid"
#define IOMMUFD_DEV "/dev/iommu"
#define CGROUP_ROOT "/sys/fs/cgroup"

/* The documented size of the IOASID space, and the first IOASID of a file */
#define IOASID_SPACE 0x100000U	/* 2^20 */
#define IOASID_USER_FIRST 0x400U	/* 2^10 */

/* A user with no capability, to drop to in a child */
#define NOBODY 65534

/* A test that needs more IOASIDs than the system has is skipped */
#define TOO_FEW_IOASIDS "needs %d IOASIDs, the system has %u"

/* A flag bit that no command knows: the highest */
#define IOASID_BAD_FLAG 0x80000000U

/* How long to wait for the release of a file that another file held */
#define RELEASE_TIMEOUT_MS 2000

#define EXPECT_ERRNO(expected_errno, cmd)         \
	do {                                      \
		ASSERT_EQ(-1, cmd);               \
		EXPECT_EQ(expected_errno, errno); \
	} while (0)

/*
 * Every command, with the size of its struct and the size of its first
 * version: up to the end of its last field, every field being a __u32.
 */
static const struct {
	unsigned long cmd;
	__u32 size;
	__u32 min_size;
} ioasid_cmds[] = {
	{ IOASID_GET_INFO, sizeof(struct ioasid_get_info),
	  offsetof(struct ioasid_get_info, min_ioasid) + sizeof(__u32) },
	{ IOASID_ALLOC, sizeof(struct ioasid_alloc),
	  offsetof(struct ioasid_alloc, __reserved) + sizeof(__u32) },
	{ IOASID_FREE, sizeof(struct ioasid_free),
	  offsetof(struct ioasid_free, __reserved) + sizeof(__u32) },
	{ IOASID_SET_QUOTA, sizeof(struct ioasid_set_quota),
	  offsetof(struct ioasid_set_quota, __reserved) + sizeof(__u32) },
	{ IOASID_BIND_IOMMUFD, sizeof(struct ioasid_bind_iommufd),
	  offsetof(struct ioasid_bind_iommufd, __reserved) + sizeof(__u32) },
};

static int _test_ioctl_get_info(int fd, struct ioasid_get_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, IOASID_GET_INFO, info);
}

static int _test_ioctl_alloc(int fd, __u32 flags, __u32 min, __u32 max,
			     __u32 *out_ioasid)
{
	struct ioasid_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.min = min,
		.max = max,
	};
	int ret;

	ret = ioctl(fd, IOASID_ALLOC, &cmd);
	if (ret)
		return ret;
	if (out_ioasid)
		*out_ioasid = cmd.out_ioasid;
	return 0;
}

static int _test_ioctl_free(int fd, __u32 ioasid)
{
	struct ioasid_free cmd = {
		.size = sizeof(cmd),
		.ioasid = ioasid,
	};

	return ioctl(fd, IOASID_FREE, &cmd);
}

static int _test_ioctl_set_quota(int fd, __u32 quota)
{
	struct ioasid_set_quota cmd = {
		.size = sizeof(cmd),
		.quota = quota,
	};

	return ioctl(fd, IOASID_SET_QUOTA, &cmd);
}

static int _test_ioctl_bind_iommufd(int fd, int iommufd)
{
	struct ioasid_bind_iommufd cmd = {
		.size = sizeof(cmd),
		.iommufd = iommufd,
	};

	return ioctl(fd, IOASID_BIND_IOMMUFD, &cmd);
}

#define test_cmd_get_info(fd, info) \
	ASSERT_EQ(0, _test_ioctl_get_info(fd, info))

#define test_cmd_alloc(fd, out_ioasid) \
	ASSERT_EQ(0, _test_ioctl_alloc(fd, 0, 0, 0, out_ioasid))
#define test_err_alloc(_errno, fd) \
	EXPECT_ERRNO(_errno, _test_ioctl_alloc(fd, 0, 0, 0, NULL))
#define test_cmd_alloc_range(fd, min, max, out_ioasid)                  \
	ASSERT_EQ(0, _test_ioctl_alloc(fd, IOASID_ALLOC_RANGE, min, max, \
				       out_ioasid))
#define test_err_alloc_range(_errno, fd, min, max)                 \
	EXPECT_ERRNO(_errno, _test_ioctl_alloc(fd, IOASID_ALLOC_RANGE, \
					       min, max, NULL))

#define test_cmd_free(fd, ioasid) ASSERT_EQ(0, _test_ioctl_free(fd, ioasid))
#define test_err_free(_errno, fd, ioasid) \
	EXPECT_ERRNO(_errno, _test_ioctl_free(fd, ioasid))

#define test_cmd_set_quota(fd, quota) \
	ASSERT_EQ(0, _test_ioctl_set_quota(fd, quota))

#define test_cmd_bind_iommufd(fd, iommufd) \
	ASSERT_EQ(0, _test_ioctl_bind_iommufd(fd, iommufd))
#define test_err_bind_iommufd(_errno, fd, iommufd) \
	EXPECT_ERRNO(_errno, _test_ioctl_bind_iommufd(fd, iommufd))

/* The number of IOASIDs the file holds, as IOASID_GET_INFO reports it */
#define test_usage(fd, expected)                      \
	do {                                          \
		struct ioasid_get_info __info;        \
						      \
		test_cmd_get_info(fd, &__info);       \
		ASSERT_EQ(expected, __info.usage);    \
	} while (0)

/* The quota of the file, as IOASID_GET_INFO reports it */
#define test_quota(fd, expected)                      \
	do {                                          \
		struct ioasid_get_info __info;        \
						      \
		test_cmd_get_info(fd, &__info);       \
		ASSERT_EQ(expected, __info.quota);    \
	} while (0)

FIXTURE(ioasid)
{
	int fd;
	__u32 max_ioasid;
};

FIXTURE_SETUP(ioasid)
{
	struct ioasid_get_info info;

	self->fd = open(IOASID_DEV, O_RDWR);
	if (self->fd < 0 &&
	    (errno == ENOENT || errno == ENODEV || errno == ENXIO))
		SKIP(return, "%s: %s", IOASID_DEV, strerror(errno));
	if (self->fd < 0 && errno == EACCES && geteuid())
		SKIP(return, "%s: %s (needs root)", IOASID_DEV, strerror(errno));
	ASSERT_LE(0, self->fd)
		TH_LOG("%s: %s", IOASID_DEV, strerror(errno));

	/* For the tests that need several IOASIDs to exist */
	ASSERT_EQ(0, _test_ioctl_get_info(self->fd, &info));
	self->max_ioasid = info.max_ioasid;
}

FIXTURE_TEARDOWN(ioasid)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* IOASID_GET_INFO on a new file */
TEST_F(ioasid, get_info)
{
	struct ioasid_get_info info;

	test_cmd_get_info(self->fd, &info);
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(0, info.flags);
	ASSERT_LT(0, info.capacity);
	/* IDs run from 1 to max_ioasid: ID 0 is reserved */
	EXPECT_EQ(info.capacity, info.max_ioasid);
	/* No IOMMU narrows the space, whatever PASID width it has */
	EXPECT_EQ(IOASID_SPACE - 1, info.max_ioasid);
	EXPECT_EQ(IOASID_QUOTA_UNLIMITED, info.quota);
	EXPECT_EQ(0, info.usage);
	EXPECT_EQ(IOASID_ALLOC_RANGE, info.alloc_flags & IOASID_ALLOC_RANGE);
	EXPECT_EQ(IOASID_USER_FIRST, info.min_ioasid);
}

/* Whether a line of space-separated words holds @word */
static bool has_word(char *line, const char *word)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(line, "\n ", &save); tok;
	     tok = strtok_r(NULL, "\n ", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

/* capacity is the root cgroup's ioasids.capacity */
TEST_F(ioasid, get_info_capacity)
{
	struct ioasid_get_info info;
	unsigned long long capacity;
	char controllers[512] = "";
	FILE *file;

	file = fopen(CGROUP_ROOT "/cgroup.controllers", "r");
	if (!file)
		SKIP(return, "no cgroup2 hierarchy at " CGROUP_ROOT);
	if (!fgets(controllers, sizeof(controllers), file))
		controllers[0] = 0;
	fclose(file);
	/* Only a child cgroup has cgroup.type */
	if (!access(CGROUP_ROOT "/cgroup.type", F_OK))
		SKIP(return, CGROUP_ROOT " is not the root cgroup");
	if (!has_word(controllers, "ioasids"))
		SKIP(return, "no ioasids controller");

	file = fopen(CGROUP_ROOT "/ioasids.capacity", "r");
	ASSERT_NE(NULL, file)
		TH_LOG(CGROUP_ROOT "/ioasids.capacity: %s", strerror(errno));
	ASSERT_EQ(1, fscanf(file, "%llu", &capacity));
	fclose(file);

	test_cmd_get_info(self->fd, &info);
	EXPECT_EQ(capacity, info.capacity);
}

/* usage counts the IOASIDs the file holds, and only those */
TEST_F(ioasid, get_info_usage)
{
	__u32 ids[3];
	__u32 other_id;
	unsigned int i;
	int other;

	if (self->max_ioasid < 4)
		SKIP(return, TOO_FEW_IOASIDS, 4, self->max_ioasid);

	test_usage(self->fd, 0);
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		test_cmd_alloc(self->fd, &ids[i]);
		test_usage(self->fd, i + 1);
	}

	other = open(IOASID_DEV, O_RDWR);
	ASSERT_LE(0, other);
	test_usage(other, 0);
	test_cmd_alloc(other, &other_id);
	test_usage(other, 1);
	test_usage(self->fd, 3);

	/* Failed commands change nothing */
	test_err_free(ENOENT, self->fd, other_id);
	test_err_alloc_range(ENOSPC, self->fd, ids[0], ids[0]);
	test_usage(self->fd, 3);
	test_usage(other, 1);

	test_cmd_free(self->fd, ids[1]);
	test_usage(self->fd, 2);
	test_err_free(ENOENT, self->fd, ids[1]);
	test_usage(self->fd, 2);
	test_cmd_free(self->fd, ids[0]);
	test_cmd_free(self->fd, ids[2]);
	test_usage(self->fd, 0);
	test_usage(other, 1);
	ASSERT_EQ(0, close(other));
}

TEST_F(ioasid, alloc)
{
	struct ioasid_get_info info;
	__u32 a, b, c, d;

	if (self->max_ioasid < 3)
		SKIP(return, TOO_FEW_IOASIDS, 3, self->max_ioasid);

	test_cmd_get_info(self->fd, &info);

	test_cmd_alloc(self->fd, &a);
	EXPECT_LE(info.min_ioasid, a);
	EXPECT_GE(info.max_ioasid, a);
	test_cmd_alloc(self->fd, &b);
	EXPECT_LE(info.min_ioasid, b);
	EXPECT_GE(info.max_ioasid, b);
	EXPECT_NE(a, b);
	test_usage(self->fd, 2);

	/* The lowest free ID first: once a is free, it is the lowest above a */
	test_cmd_free(self->fd, a);
	test_cmd_alloc_range(self->fd, a, info.max_ioasid, &c);
	EXPECT_EQ(a, c);

	/* The widest range is cut to [min_ioasid, max_ioasid] */
	test_cmd_alloc_range(self->fd, 0, UINT32_MAX, &d);
	EXPECT_LE(info.min_ioasid, d);
	EXPECT_GE(info.max_ioasid, d);
	EXPECT_NE(b, d);
	EXPECT_NE(c, d);
	test_usage(self->fd, 3);
}

TEST_F(ioasid, alloc_range)
{
	struct ioasid_get_info info;
	__u32 hi, id = 0;
	int rc = -1;
	int other;
	int tries;

	if (self->max_ioasid < 1)
		SKIP(return, TOO_FEW_IOASIDS, 1, self->max_ioasid);

	test_cmd_get_info(self->fd, &info);

	/* The highest ID, or the highest free one if another user holds it */
	hi = info.max_ioasid;
	for (tries = 0; tries < 64 && hi >= 1; tries++, hi--) {
		rc = _test_ioctl_alloc(self->fd, IOASID_ALLOC_RANGE, hi, hi,
				       &id);
		if (!rc)
			break;
		ASSERT_EQ(ENOSPC, errno);
	}
	ASSERT_EQ(0, rc);
	EXPECT_EQ(hi, id);
	test_usage(self->fd, 1);

	/* Taken: by this file, then by any other */
	test_err_alloc_range(ENOSPC, self->fd, hi, hi);
	test_usage(self->fd, 1);
	other = open(IOASID_DEV, O_RDWR);
	ASSERT_LE(0, other);
	test_err_alloc_range(ENOSPC, other, hi, hi);
	test_usage(other, 0);
	ASSERT_EQ(0, close(other));

	/* Free, it comes back */
	test_cmd_free(self->fd, hi);
	test_cmd_alloc_range(self->fd, hi, hi, &id);
	EXPECT_EQ(hi, id);
	test_cmd_free(self->fd, hi);

	/* A range that runs past max_ioasid is cut at max_ioasid */
	if (hi == info.max_ioasid) {
		test_cmd_alloc_range(self->fd, hi, UINT32_MAX, &id);
		EXPECT_EQ(hi, id);
		test_err_alloc_range(ENOSPC, self->fd, hi, UINT32_MAX);
		test_cmd_free(self->fd, hi);
	}
	test_usage(self->fd, 0);
}

TEST_F(ioasid, alloc_range_invalid)
{
	struct ioasid_get_info info;

	if (self->max_ioasid < 1)
		SKIP(return, TOO_FEW_IOASIDS, 1, self->max_ioasid);

	test_cmd_get_info(self->fd, &info);
	ASSERT_GT(UINT32_MAX, info.max_ioasid);

	/* min > max */
	test_err_alloc_range(EINVAL, self->fd, 10, 9);
	test_err_alloc_range(EINVAL, self->fd, UINT32_MAX, 0);
	/* Only ID 0, which is reserved */
	test_err_alloc_range(EINVAL, self->fd, 0, 0);
	/* Entirely above max_ioasid */
	test_err_alloc_range(EINVAL, self->fd, info.max_ioasid + 1,
			     info.max_ioasid + 1);
	test_err_alloc_range(EINVAL, self->fd, info.max_ioasid + 1,
			     UINT32_MAX);
	test_err_alloc_range(EINVAL, self->fd, UINT32_MAX, UINT32_MAX);
	/*
	 * Entirely below min_ioasid: the IDs that devices with few PASID
	 * bits need are not for files, whatever range they ask for.
	 */
	test_err_alloc_range(EINVAL, self->fd, 1, 1);
	test_err_alloc_range(EINVAL, self->fd, 1, 15);
	test_err_alloc_range(EINVAL, self->fd, 0, info.min_ioasid - 1);
	test_usage(self->fd, 0);

	/* EINVAL comes before EDQUOT */
	test_cmd_set_quota(self->fd, 0);
	test_err_alloc_range(EINVAL, self->fd, 10, 9);
	test_err_alloc_range(EDQUOT, self->fd, 1, info.max_ioasid);
	test_usage(self->fd, 0);
}

TEST_F(ioasid, alloc_bad_input)
{
	struct ioasid_alloc cmd = { .size = sizeof(cmd) };

	if (self->max_ioasid < 1)
		SKIP(return, TOO_FEW_IOASIDS, 1, self->max_ioasid);

	/* Without IOASID_ALLOC_RANGE, min and max must be 0 */
	cmd.min = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_ALLOC, &cmd));
	cmd.min = 0;
	cmd.max = UINT32_MAX;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_ALLOC, &cmd));
	cmd.min = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_ALLOC, &cmd));

	/* out_ioasid is output only */
	cmd.min = 0;
	cmd.max = 0;
	cmd.out_ioasid = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_ALLOC, &cmd));
	cmd.flags = IOASID_ALLOC_RANGE;
	cmd.min = 1;
	cmd.max = UINT32_MAX;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_ALLOC, &cmd));
	cmd.out_ioasid = 0;

	/* __reserved must be 0 */
	cmd.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_ALLOC, &cmd));
	cmd.flags = 0;
	cmd.min = 0;
	cmd.max = 0;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_ALLOC, &cmd));
	test_usage(self->fd, 0);

	/* The same struct, cleaned up, works */
	cmd.__reserved = 0;
	ASSERT_EQ(0, ioctl(self->fd, IOASID_ALLOC, &cmd));
	EXPECT_LE(1, cmd.out_ioasid);
	test_usage(self->fd, 1);
}

TEST_F(ioasid, free)
{
	__u32 id, again;

	if (self->max_ioasid < 1)
		SKIP(return, TOO_FEW_IOASIDS, 1, self->max_ioasid);

	test_cmd_alloc(self->fd, &id);
	test_usage(self->fd, 1);
	test_cmd_free(self->fd, id);
	test_usage(self->fd, 0);
	test_err_free(ENOENT, self->fd, id);
	test_err_free(ENOENT, self->fd, 0);
	test_err_free(ENOENT, self->fd, UINT32_MAX);
	test_usage(self->fd, 0);

	/* A freed ID can be allocated again */
	test_cmd_alloc_range(self->fd, id, id, &again);
	EXPECT_EQ(id, again);
	test_cmd_free(self->fd, id);
}

/* A file frees only its own IOASIDs */
TEST_F(ioasid, free_other_file)
{
	__u32 id, again;
	int other;

	if (self->max_ioasid < 1)
		SKIP(return, TOO_FEW_IOASIDS, 1, self->max_ioasid);

	other = open(IOASID_DEV, O_RDWR);
	ASSERT_LE(0, other);
	test_cmd_alloc(other, &id);
	test_usage(other, 1);

	test_err_free(ENOENT, self->fd, id);
	test_usage(self->fd, 0);
	/* The other file still holds it */
	test_usage(other, 1);
	test_err_alloc_range(ENOSPC, self->fd, id, id);
	test_cmd_free(other, id);
	test_usage(other, 0);
	ASSERT_EQ(0, close(other));

	test_cmd_alloc_range(self->fd, id, id, &again);
	EXPECT_EQ(id, again);
}

TEST_F(ioasid, free_reserved)
{
	struct ioasid_free cmd = { .size = sizeof(cmd), .__reserved = 1 };

	if (self->max_ioasid < 1)
		SKIP(return, TOO_FEW_IOASIDS, 1, self->max_ioasid);

	test_cmd_alloc(self->fd, &cmd.ioasid);
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_FREE, &cmd));
	/* Not freed */
	test_usage(self->fd, 1);
	test_err_alloc_range(ENOSPC, self->fd, cmd.ioasid, cmd.ioasid);
	test_cmd_free(self->fd, cmd.ioasid);
	test_usage(self->fd, 0);
}

/* __reserved of the other commands that have one */
TEST_F(ioasid, cmd_reserved)
{
	/* min_ioasid is an output: it must be 0 on input */
	struct ioasid_get_info info = { .size = sizeof(info), .min_ioasid = 1 };
	struct ioasid_set_quota quota = {
		.size = sizeof(quota),
		.quota = 1,
		.__reserved = 1,
	};

	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_GET_INFO, &info));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_SET_QUOTA, &quota));
	test_quota(self->fd, IOASID_QUOTA_UNLIMITED);
}

TEST_F(ioasid, set_quota)
{
	__u32 a, b, c, id;
	int other;

	if (self->max_ioasid < 5)
		SKIP(return, TOO_FEW_IOASIDS, 5, self->max_ioasid);

	test_cmd_set_quota(self->fd, 2);
	test_quota(self->fd, 2);

	test_cmd_alloc(self->fd, &a);
	test_cmd_alloc(self->fd, &b);
	test_err_alloc(EDQUOT, self->fd);
	test_err_alloc_range(EDQUOT, self->fd, 1, UINT32_MAX);
	test_usage(self->fd, 2);

	/* Freeing one makes room for one */
	test_cmd_free(self->fd, a);
	test_usage(self->fd, 1);
	test_cmd_alloc(self->fd, &c);
	test_usage(self->fd, 2);
	test_err_alloc(EDQUOT, self->fd);

	/* The quota is the file's: a new file has none */
	other = open(IOASID_DEV, O_RDWR);
	ASSERT_LE(0, other);
	test_quota(other, IOASID_QUOTA_UNLIMITED);
	test_cmd_alloc(other, &id);
	test_cmd_alloc(other, &id);
	test_cmd_alloc(other, &id);
	test_usage(other, 3);
	ASSERT_EQ(0, close(other));
	test_quota(self->fd, 2);

	/* Back to unlimited */
	test_cmd_set_quota(self->fd, IOASID_QUOTA_UNLIMITED);
	test_quota(self->fd, IOASID_QUOTA_UNLIMITED);
	test_cmd_alloc(self->fd, &id);
	test_usage(self->fd, 3);

	/* Quota 0: nothing at all */
	test_cmd_free(self->fd, b);
	test_cmd_free(self->fd, c);
	test_cmd_free(self->fd, id);
	test_cmd_set_quota(self->fd, 0);
	test_quota(self->fd, 0);
	test_err_alloc(EDQUOT, self->fd);
	test_usage(self->fd, 0);
}

/* A quota below usage is accepted; allocations wait for usage to drop */
TEST_F(ioasid, set_quota_below_usage)
{
	__u32 ids[3], id;
	unsigned int i;

	if (self->max_ioasid < 3)
		SKIP(return, TOO_FEW_IOASIDS, 3, self->max_ioasid);

	for (i = 0; i < ARRAY_SIZE(ids); i++)
		test_cmd_alloc(self->fd, &ids[i]);

	test_cmd_set_quota(self->fd, 1);
	test_quota(self->fd, 1);
	test_usage(self->fd, 3);
	test_err_alloc(EDQUOT, self->fd);
	test_usage(self->fd, 3);

	test_cmd_free(self->fd, ids[0]);
	test_usage(self->fd, 2);
	test_err_alloc(EDQUOT, self->fd);

	/* usage == quota is not below it */
	test_cmd_free(self->fd, ids[1]);
	test_usage(self->fd, 1);
	test_err_alloc(EDQUOT, self->fd);
	test_usage(self->fd, 1);

	test_cmd_free(self->fd, ids[2]);
	test_usage(self->fd, 0);
	test_cmd_alloc(self->fd, &id);
	test_usage(self->fd, 1);
	test_err_alloc(EDQUOT, self->fd);
	test_quota(self->fd, 1);
}

/* A new iommufd context: its file descriptor, or -errno */
static int open_iommufd(void)
{
	int fd = open(IOMMUFD_DEV, O_RDWR);

	return fd < 0 ? -errno : fd;
}

/* Whether open_iommufd() failed because the kernel has no iommufd */
static bool no_iommufd(int ret)
{
	return ret == -ENOENT || ret == -ENODEV || ret == -ENXIO;
}

/*
 * IOASID_ALLOC_RANGE of @id alone, retried while another set still holds
 * it: a file is released with its last reference, which its holder may
 * drop a little after the close() that ends it.  0, or -1 with errno.
 */
static int alloc_released(int fd, __u32 id)
{
	int tries;

	for (tries = 0; tries < RELEASE_TIMEOUT_MS / 10; tries++) {
		if (!_test_ioctl_alloc(fd, IOASID_ALLOC_RANGE, id, id, NULL))
			return 0;
		if (errno != ENOSPC)
			return -1;
		usleep(10000);
	}
	return -1;
}

/*
 * The errors of IOASID_BIND_IOMMUFD that need no iommufd context; the
 * unknown flags are in cmd_flags.
 */
TEST_F(ioasid, bind_iommufd_errors)
{
	struct ioasid_bind_iommufd cmd = {
		.size = sizeof(cmd),
		.iommufd = -1,
		.__reserved = 1,
	};
	int closed, null;

	/* __reserved is checked before the file descriptor */
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_BIND_IOMMUFD, &cmd));

	/* No open file: EBADF */
	test_err_bind_iommufd(EBADF, self->fd, -1);
	closed = open("/dev/null", O_RDWR);
	ASSERT_LE(0, closed);
	ASSERT_EQ(0, close(closed));
	test_err_bind_iommufd(EBADF, self->fd, closed);

	/* An open file that is not /dev/iommu: EINVAL */
	null = open("/dev/null", O_RDWR);
	ASSERT_LE(0, null);
	test_err_bind_iommufd(EINVAL, self->fd, null);
	ASSERT_EQ(0, close(null));
	/* Nor is a file of /dev/ioasid, this one included */
	test_err_bind_iommufd(EINVAL, self->fd, self->fd);

	test_usage(self->fd, 0);
	test_quota(self->fd, IOASID_QUOTA_UNLIMITED);
}

/*
 * A context takes the set of one file, once: binding it again fails with
 * EBUSY, from any file.  The binding changes nothing in the file, which
 * holds nothing of the context and so outlives it intact.
 */
TEST_F(ioasid, bind_iommufd)
{
	struct ioasid_bind_iommufd cmd = { .size = sizeof(cmd) };
	int iommufd, iommufd2, other;
	__u32 a, b;

	if (self->max_ioasid < 2)
		SKIP(return, TOO_FEW_IOASIDS, 2, self->max_ioasid);
	iommufd = open_iommufd();
	if (no_iommufd(iommufd))
		SKIP(return, "%s: %s", IOMMUFD_DEV, strerror(-iommufd));
	ASSERT_LE(0, iommufd)
		TH_LOG("%s: %s", IOMMUFD_DEV, strerror(-iommufd));

	test_cmd_alloc(self->fd, &a);

	/* A bad struct leaves the context free to bind */
	cmd.iommufd = iommufd;
	cmd.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_BIND_IOMMUFD, &cmd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOASID_BIND_IOMMUFD, &cmd));

	/* Binding neither allocates nor frees, and the file works on */
	test_cmd_bind_iommufd(self->fd, iommufd);
	test_usage(self->fd, 1);
	test_quota(self->fd, IOASID_QUOTA_UNLIMITED);
	test_cmd_alloc(self->fd, &b);
	test_cmd_free(self->fd, a);
	test_usage(self->fd, 1);

	/* The context has its set: no file can replace it */
	test_err_bind_iommufd(EBUSY, self->fd, iommufd);
	other = open(IOASID_DEV, O_RDWR);
	ASSERT_LE(0, other);
	test_err_bind_iommufd(EBUSY, other, iommufd);
	test_usage(other, 0);

	/* EBUSY is the context's: another one binds */
	iommufd2 = open_iommufd();
	ASSERT_LE(0, iommufd2);
	test_cmd_bind_iommufd(other, iommufd2);
	ASSERT_EQ(0, close(iommufd2));
	ASSERT_EQ(0, close(other));

	/* The file holds no reference to the context that goes */
	ASSERT_EQ(0, close(iommufd));
	test_usage(self->fd, 1);
	test_err_alloc_range(ENOSPC, self->fd, b, b);
	test_cmd_free(self->fd, b);
	test_usage(self->fd, 0);
}

/*
 * The context holds the file it is bound to: the close of the file
 * descriptor frees none of its IOASIDs, the close of the context frees
 * them all, and their charges.
 */
TEST_F(ioasid, bind_iommufd_close)
{
	__u32 ids[2];
	unsigned int i;
	int iommufd;

	if (self->max_ioasid < 2)
		SKIP(return, TOO_FEW_IOASIDS, 2, self->max_ioasid);
	iommufd = open_iommufd();
	if (no_iommufd(iommufd))
		SKIP(return, "%s: %s", IOMMUFD_DEV, strerror(-iommufd));
	ASSERT_LE(0, iommufd)
		TH_LOG("%s: %s", IOMMUFD_DEV, strerror(-iommufd));

	for (i = 0; i < ARRAY_SIZE(ids); i++)
		test_cmd_alloc(self->fd, &ids[i]);
	test_cmd_bind_iommufd(self->fd, iommufd);

	/* The context keeps the file, and so its IOASIDs */
	ASSERT_EQ(0, close(self->fd));
	self->fd = open(IOASID_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < ARRAY_SIZE(ids); i++)
		test_err_alloc_range(ENOSPC, self->fd, ids[i], ids[i]);
	test_usage(self->fd, 0);

	/* Its last reference gone, the file frees them */
	ASSERT_EQ(0, close(iommufd));
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		__u32 id = ids[i];

		ASSERT_EQ(0, alloc_released(self->fd, id))
			TH_LOG("IOASID %u: %s", id, strerror(errno));
	}
	test_usage(self->fd, ARRAY_SIZE(ids));
}

/* Too short fails with EINVAL; a non-zero byte past the struct with E2BIG */
TEST_F(ioasid, cmd_length)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ioasid_cmds); i++) {
		unsigned long cmd = ioasid_cmds[i].cmd;
		__u32 size = ioasid_cmds[i].size;
		union {
			__u32 size;
			__u8 bytes[128];
		} buf;

		memset(&buf, 0, sizeof(buf));
		buf.size = 0;
		EXPECT_ERRNO(EINVAL, ioctl(self->fd, cmd, &buf));
		buf.size = 4;
		EXPECT_ERRNO(EINVAL, ioctl(self->fd, cmd, &buf));
		buf.size = ioasid_cmds[i].min_size - 1;
		EXPECT_ERRNO(EINVAL, ioctl(self->fd, cmd, &buf));

		buf.size = size + 1;
		buf.bytes[size] = 0xff;
		EXPECT_ERRNO(E2BIG, ioctl(self->fd, cmd, &buf));
		buf.size = size + 8;
		buf.bytes[size] = 0;
		buf.bytes[size + 7] = 1;
		EXPECT_ERRNO(E2BIG, ioctl(self->fd, cmd, &buf));
		buf.size = sizeof(buf);
		buf.bytes[size + 7] = 0;
		buf.bytes[sizeof(buf) - 1] = 1;
		EXPECT_ERRNO(E2BIG, ioctl(self->fd, cmd, &buf));
	}

	/* None of them ran: no IOASID allocated, the quota left alone */
	test_usage(self->fd, 0);
	test_quota(self->fd, IOASID_QUOTA_UNLIMITED);
}

/* A longer struct whose tail is zero works as the struct itself */
TEST_F(ioasid, cmd_length_zero_tail)
{
	struct {
		struct ioasid_get_info cmd;
		__u8 extra[64];
	} info = { .cmd = { .size = sizeof(info) } };
	struct {
		struct ioasid_alloc cmd;
		__u8 extra[8];
	} alloc = { .cmd = { .size = sizeof(alloc) } };
	struct {
		struct ioasid_free cmd;
		__u8 extra[8];
	} free_cmd = { .cmd = { .size = sizeof(free_cmd) } };
	struct {
		struct ioasid_set_quota cmd;
		__u8 extra[8];
	} quota = { .cmd = { .size = sizeof(quota), .quota = 5 } };
	struct {
		struct ioasid_bind_iommufd cmd;
		__u8 extra[8];
	} bind = { .cmd = { .size = sizeof(bind), .iommufd = -1 } };
	static const __u8 zero[64];

	if (self->max_ioasid < 1)
		SKIP(return, TOO_FEW_IOASIDS, 1, self->max_ioasid);

	ASSERT_EQ(0, ioctl(self->fd, IOASID_GET_INFO, &info));
	EXPECT_LT(0, info.cmd.capacity);
	EXPECT_EQ(info.cmd.capacity, info.cmd.max_ioasid);
	EXPECT_EQ(IOASID_QUOTA_UNLIMITED, info.cmd.quota);
	EXPECT_EQ(0, info.cmd.usage);
	EXPECT_EQ(0, memcmp(info.extra, zero, sizeof(info.extra)));

	ASSERT_EQ(0, ioctl(self->fd, IOASID_ALLOC, &alloc));
	EXPECT_LE(1, alloc.cmd.out_ioasid);
	EXPECT_GE(info.cmd.max_ioasid, alloc.cmd.out_ioasid);
	test_usage(self->fd, 1);

	free_cmd.cmd.ioasid = alloc.cmd.out_ioasid;
	ASSERT_EQ(0, ioctl(self->fd, IOASID_FREE, &free_cmd));
	test_usage(self->fd, 0);

	/* Past the checks of the struct, the bind looks at its fd */
	EXPECT_ERRNO(EBADF, ioctl(self->fd, IOASID_BIND_IOMMUFD, &bind));

	ASSERT_EQ(0, ioctl(self->fd, IOASID_SET_QUOTA, &quota));
	test_quota(self->fd, 5);
}

/* Unknown flags fail with EOPNOTSUPP, and the command does not run */
TEST_F(ioasid, cmd_flags)
{
	struct ioasid_get_info info = { .size = sizeof(info) };
	struct ioasid_free free_cmd = { .size = sizeof(free_cmd) };
	struct ioasid_set_quota quota = { .size = sizeof(quota) };
	/* The flags are checked first: no file is needed for EOPNOTSUPP */
	struct ioasid_bind_iommufd bind = {
		.size = sizeof(bind),
		.iommufd = -1,
	};
	__u32 alloc_flags;
	unsigned int bit;
	__u32 id;
	int rc;

	if (self->max_ioasid < 1)
		SKIP(return, TOO_FEW_IOASIDS, 1, self->max_ioasid);

	info.flags = IOASID_BAD_FLAG;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_GET_INFO, &info));
	info.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_GET_INFO, &info));
	info.flags = 0;
	ASSERT_EQ(0, ioctl(self->fd, IOASID_GET_INFO, &info));
	alloc_flags = info.alloc_flags;

	/* Every flag IOASID_GET_INFO does not list */
	for (bit = 0; bit < 32; bit++) {
		__u32 flag = 1U << bit;

		if (alloc_flags & flag)
			continue;
		rc = _test_ioctl_alloc(self->fd, flag, 0, 0, NULL);
		ASSERT_EQ(-1, rc)
			TH_LOG("IOASID_ALLOC flags %#x", flag);
		EXPECT_EQ(EOPNOTSUPP, errno)
			TH_LOG("IOASID_ALLOC flags %#x", flag);
	}
	test_usage(self->fd, 0);

	test_cmd_alloc(self->fd, &id);
	free_cmd.ioasid = id;
	free_cmd.flags = IOASID_BAD_FLAG;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_FREE, &free_cmd));
	free_cmd.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_FREE, &free_cmd));
	test_usage(self->fd, 1);

	quota.flags = IOASID_BAD_FLAG;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_SET_QUOTA, &quota));
	quota.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_SET_QUOTA, &quota));
	test_quota(self->fd, IOASID_QUOTA_UNLIMITED);

	bind.flags = IOASID_BAD_FLAG;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_BIND_IOMMUFD, &bind));
	bind.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOASID_BIND_IOMMUFD, &bind));
	test_usage(self->fd, 1);
}

TEST_F(ioasid, cmd_unknown)
{
	struct ioasid_get_info info = { .size = sizeof(info) };

	/* The first number past the last command */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd,
				   _IO(IOASID_TYPE, IOASID_CMD_BIND_IOMMUFD + 1),
				   &info));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOASID_TYPE, 0x7f), &info));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOASID_TYPE, 0xff), &info));
	/* Another type, or the right number with a direction and size */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd,
				   _IO(IOASID_TYPE + 1, IOASID_CMD_GET_INFO),
				   &info));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd,
				   _IOWR(IOASID_TYPE, IOASID_CMD_GET_INFO,
					 struct ioasid_get_info),
				   &info));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd,
				   _IOWR(IOASID_TYPE, IOASID_CMD_ALLOC,
					 struct ioasid_alloc),
				   &info));
	test_usage(self->fd, 0);
}

/* Bad pointers, and structs that run into an unmapped page */
TEST_F(ioasid, cmd_fault)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned int i;
	char *map;

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + page, page));

	for (i = 0; i < ARRAY_SIZE(ioasid_cmds); i++) {
		unsigned long cmd = ioasid_cmds[i].cmd;
		__u32 size = ioasid_cmds[i].size;
		__u32 *hdr;

		EXPECT_ERRNO(EFAULT, ioctl(self->fd, cmd, NULL));
		EXPECT_ERRNO(EFAULT, ioctl(self->fd, cmd, (void *)1));

		/* size and flags readable, the rest of the struct not */
		hdr = (__u32 *)(map + page - 2 * sizeof(__u32));
		hdr[0] = size;
		hdr[1] = 0;
		EXPECT_ERRNO(EFAULT, ioctl(self->fd, cmd, hdr));

		/* The struct readable, the longer size it claims not */
		hdr = (__u32 *)(map + page - size);
		memset(hdr, 0, size);
		hdr[0] = size + 8;
		EXPECT_ERRNO(EFAULT, ioctl(self->fd, cmd, hdr));
	}
	test_usage(self->fd, 0);
	test_quota(self->fd, IOASID_QUOTA_UNLIMITED);
	ASSERT_EQ(0, munmap(map, page));
}

/* A struct the kernel cannot write back to: EFAULT, and nothing leaks */
TEST_F(ioasid, cmd_fault_output)
{
	long page = sysconf(_SC_PAGESIZE);
	struct ioasid_get_info *info;
	struct ioasid_alloc *alloc;
	__u32 id;
	char *map;

	if (self->max_ioasid < 2)
		SKIP(return, TOO_FEW_IOASIDS, 2, self->max_ioasid);

	map = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	info = (struct ioasid_get_info *)map;
	alloc = (struct ioasid_alloc *)(map + 64);
	info->size = sizeof(*info);
	alloc->size = sizeof(*alloc);
	ASSERT_EQ(0, mprotect(map, page, PROT_READ));

	test_cmd_alloc(self->fd, &id);

	EXPECT_ERRNO(EFAULT, ioctl(self->fd, IOASID_GET_INFO, info));
	/* The IOASID the caller never saw is freed */
	test_cmd_set_quota(self->fd, 2);
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, IOASID_ALLOC, alloc));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, IOASID_ALLOC, alloc));
	test_usage(self->fd, 1);

	/* The quota has room for exactly one more */
	test_cmd_alloc(self->fd, &id);
	test_err_alloc(EDQUOT, self->fd);
	ASSERT_EQ(0, munmap(map, page));
}

/* A child shares the file, hence the set, with its parent */
/*
 * Whoever holds a file may lower its quota, but raising it needs
 * CAP_SYS_ADMIN: otherwise a quota set before the file is handed on would
 * bound nothing.  A refused raise changes nothing.
 */
TEST_F(ioasid, set_quota_raise_needs_cap_sys_admin)
{
	int status;
	pid_t pid;

	test_cmd_set_quota(self->fd, 2);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct ioasid_set_quota cmd = { .size = sizeof(cmd) };
		struct ioasid_get_info info = { .size = sizeof(info) };

		/* No harness asserts: they would unwind into the harness */
		if (prctl(PR_SET_KEEPCAPS, 0) || setgid(NOBODY) ||
		    setuid(NOBODY))
			_exit(10);
		cmd.quota = 1000;
		if (!ioctl(self->fd, IOASID_SET_QUOTA, &cmd) || errno != EPERM)
			_exit(1);
		cmd.quota = IOASID_QUOTA_UNLIMITED;
		if (!ioctl(self->fd, IOASID_SET_QUOTA, &cmd) || errno != EPERM)
			_exit(2);
		if (ioctl(self->fd, IOASID_GET_INFO, &info) || info.quota != 2)
			_exit(3);
		/* Equal and lower are allowed */
		cmd.quota = 2;
		if (ioctl(self->fd, IOASID_SET_QUOTA, &cmd))
			_exit(4);
		cmd.quota = 1;
		if (ioctl(self->fd, IOASID_SET_QUOTA, &cmd))
			_exit(5);
		cmd.quota = 2;
		if (!ioctl(self->fd, IOASID_SET_QUOTA, &cmd) || errno != EPERM)
			_exit(6);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	test_quota(self->fd, 1);

	/* CAP_SYS_ADMIN raises it */
	test_cmd_set_quota(self->fd, IOASID_QUOTA_UNLIMITED);
	test_quota(self->fd, IOASID_QUOTA_UNLIMITED);
}

TEST_F(ioasid, fork)
{
	__u32 parent_id, id;
	int pipefd[2];
	int status;
	pid_t pid;

	if (self->max_ioasid < 2)
		SKIP(return, TOO_FEW_IOASIDS, 2, self->max_ioasid);

	test_cmd_alloc(self->fd, &parent_id);
	ASSERT_EQ(0, pipe(pipefd));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* No harness asserts: they would unwind into the harness */
		close(pipefd[0]);
		if (_test_ioctl_alloc(self->fd, 0, 0, 0, &id))
			_exit(1);
		if (_test_ioctl_free(self->fd, parent_id))
			_exit(2);
		if (write(pipefd[1], &id, sizeof(id)) != sizeof(id))
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(sizeof(id), read(pipefd[0], &id, sizeof(id)));
	close(pipefd[0]);

	/* The child's IOASID outlives the child, in the parent's set */
	test_usage(self->fd, 1);
	test_err_alloc_range(ENOSPC, self->fd, id, id);
	test_err_free(ENOENT, self->fd, parent_id);
	test_cmd_free(self->fd, id);
	test_usage(self->fd, 0);
}

/* Closing the file frees its IOASIDs and its quota */
TEST_F(ioasid, close)
{
	__u32 ids[4], other_id, id;
	unsigned int i;
	int other;

	if (self->max_ioasid < 5)
		SKIP(return, TOO_FEW_IOASIDS, 5, self->max_ioasid);

	for (i = 0; i < ARRAY_SIZE(ids); i++)
		test_cmd_alloc(self->fd, &ids[i]);
	test_cmd_set_quota(self->fd, ARRAY_SIZE(ids));

	other = open(IOASID_DEV, O_RDWR);
	ASSERT_LE(0, other);
	test_cmd_alloc(other, &other_id);

	ASSERT_EQ(0, close(self->fd));
	self->fd = open(IOASID_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);

	test_usage(self->fd, 0);
	test_quota(self->fd, IOASID_QUOTA_UNLIMITED);

	/* Every IOASID of the closed file can be allocated again */
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		test_cmd_alloc_range(self->fd, ids[i], ids[i], &id);
		EXPECT_EQ(ids[i], id);
	}
	test_usage(self->fd, ARRAY_SIZE(ids));

	/* Those of the other file stay with it */
	test_usage(other, 1);
	test_err_alloc_range(ENOSPC, self->fd, other_id, other_id);
	ASSERT_EQ(0, close(other));
	test_cmd_alloc_range(self->fd, other_id, other_id, &id);
	EXPECT_EQ(other_id, id);
}

/* Only the last close of the file frees its IOASIDs */
TEST_F(ioasid, close_dup)
{
	__u32 id;
	int dupfd;

	if (self->max_ioasid < 1)
		SKIP(return, TOO_FEW_IOASIDS, 1, self->max_ioasid);

	dupfd = dup(self->fd);
	ASSERT_LE(0, dupfd);
	test_cmd_alloc(dupfd, &id);
	test_usage(self->fd, 1);

	ASSERT_EQ(0, close(self->fd));
	self->fd = dupfd;
	test_usage(self->fd, 1);
	test_err_alloc_range(ENOSPC, self->fd, id, id);
	test_cmd_free(self->fd, id);
}

TEST_HARNESS_MAIN
