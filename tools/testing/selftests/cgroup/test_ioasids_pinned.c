// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of ioasids.pinned.*: the ioasids controller charges the memory that
 * VFIO's type1 IOMMU backend and iommufd pin for DMA to the cgroup of the
 * task that mapped it, recorded at map time, against ioasids.pinned.max of
 * that cgroup and of its ancestors, whatever the task's capabilities.
 *
 * The tests map memory for QEMU's edu device, which they bind to vfio-pci,
 * through the VFIO container of its IOMMU group (type1) and through its
 * VFIO device file bound to iommufd.  Only one of the two can hold the
 * device at a time, so each test closes everything it opened.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"
#include "vfio_util.h"

/* How long to wait for an uncharge that happens on release */
#define RELEASE_TIMEOUT_MS	2000

static long page_size;

/* Copy @s to @out, with its newlines shown as '|', for messages. */
static const char *flat(const char *s, char *out, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		out[i] = s[i] == '\n' ? '|' : s[i];
	out[i] = '\0';
	return out;
}

/* Returns 0 if the whole content of @control of @cgroup is @expected. */
static int check_exact(const char *cgroup, const char *control,
		       const char *expected)
{
	char buf[PAGE_SIZE], got[256], want[256];

	if (cg_read(cgroup, control, buf, sizeof(buf))) {
		ksft_print_msg("%s/%s: cannot read\n", cgroup, control);
		return -1;
	}
	if (strcmp(buf, expected)) {
		ksft_print_msg("%s/%s: \"%s\", expected \"%s\"\n", cgroup,
			       control, flat(buf, got, sizeof(got)),
			       flat(expected, want, sizeof(want)));
		return -1;
	}
	return 0;
}

static int check_bytes(const char *cgroup, const char *control,
		       long long val)
{
	char expected[32];

	snprintf(expected, sizeof(expected), "%lld\n", val);
	return check_exact(cgroup, control, expected);
}

/* Returns the value of a single value file, or -1. */
static long long read_bytes(const char *cgroup, const char *control)
{
	char buf[64], *end;
	long long val;

	if (cg_read(cgroup, control, buf, sizeof(buf)))
		return -1;
	errno = 0;
	val = strtoll(buf, &end, 10);
	if (errno || end == buf || *end != '\n')
		return -1;
	return val;
}

/* Returns 0 if @control of @cgroup reads a value in [0, @max]. */
static int check_at_most(const char *cgroup, const char *control,
			 long long max)
{
	long long val = read_bytes(cgroup, control);

	if (val < 0 || val > max) {
		ksft_print_msg("%s/%s: %lld, expected at most %lld\n", cgroup,
			       control, val, max);
		return -1;
	}
	return 0;
}

/* The failures on ioasids.max (IOASIDs) and on ioasids.pinned.max */
static int check_events(const char *cgroup, const char *control,
			long nr_max, long nr_pinned)
{
	char expected[64];

	snprintf(expected, sizeof(expected), "max %ld\npinned.max %ld\n",
		 nr_max, nr_pinned);
	return check_exact(cgroup, control, expected);
}

/* No IOASID charges the test cgroups, only pinned memory. */
static int check_stat(const char *cgroup, long long vfio, long long iommufd)
{
	char expected[128];

	snprintf(expected, sizeof(expected),
		 "kernel 0\nsva 0\nfile 0\npinned_vfio %lld\npinned_iommufd %lld\n",
		 vfio, iommufd);
	return check_exact(cgroup, "ioasids.stat", expected);
}

/* Wait for ioasids.pinned.current of @cgroup to read @val. */
static int wait_pinned(const char *cgroup, long long val)
{
	int i;

	for (i = 0; i < RELEASE_TIMEOUT_MS / 10; i++) {
		if (read_bytes(cgroup, "ioasids.pinned.current") == val)
			return 0;
		usleep(10000);
	}
	return check_bytes(cgroup, "ioasids.pinned.current", val);
}

static bool cg_has_file(const char *cgroup, const char *control)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cgroup, control);
	return !access(path, F_OK);
}

/* Create @parent with the ioasids controller enabled for its children. */
static int cg_create_parent(const char *parent)
{
	if (cg_create(parent))
		return -1;
	return cg_write(parent, "cgroup.subtree_control", "+ioasids");
}

/* Returns 0 if @ret, 0 or -errno, is 0. */
static int expect_ok(int ret, const char *what)
{
	if (!ret)
		return 0;
	ksft_print_msg("%s: %s\n", what, strerror(-ret));
	return -1;
}

/* Returns 0 if @ret, 0 or -errno, is -@err. */
static int expect_err(int ret, int err, const char *what)
{
	if (ret == -err)
		return 0;
	ksft_print_msg("%s: %s, expected %s\n", what,
		       ret ? strerror(-ret) : "success", strerror(err));
	return -1;
}

/* Returns 0 if @ret, from an unmap, is @len bytes unmapped. */
static int expect_unmapped(long long ret, long long len, const char *what)
{
	if (ret == len)
		return 0;
	if (ret < 0)
		ksft_print_msg("%s: %s\n", what, strerror(-ret));
	else
		ksft_print_msg("%s: %lld bytes unmapped, expected %lld\n",
			       what, ret, len);
	return -1;
}

/*
 * A new cgroup has no limit on pinned memory and nothing pinned; the root
 * counts pinned memory but has no limit.
 */
static int test_pinned_defaults(const char *root)
{
	int ret = KSFT_FAIL;
	char *cg;

	cg = cg_name(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	if (cg_create(cg))
		goto cleanup;
	if (cg_enter_current(cg))
		goto cleanup;

	if (check_exact(cg, "ioasids.pinned.max", "max\n"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.peak", 0))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 0, 0))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 0, 0))
		goto cleanup;
	if (check_stat(cg, 0, 0))
		goto cleanup;
	if (cg_has_file(root, "ioasids.pinned.max"))
		goto cleanup;
	if (!cg_has_file(root, "ioasids.pinned.current") ||
	    !cg_has_file(root, "ioasids.pinned.peak"))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	cg_destroy(cg);
	free(cg);
	return ret;
}

/*
 * Invalid writes to ioasids.pinned.max fail and leave it unchanged; valid
 * ones are sizes rounded down to whole pages.
 */
static int test_pinned_max_invalid(const char *root)
{
	static const struct {
		const char *buf;
		int err;
	} bad[] = {
		{ "\n", EINVAL },
		{ " ", EINVAL },
		{ "-1", EINVAL },
		{ "abc", EINVAL },
		{ "1.5G", EINVAL },
		{ "12X", EINVAL },
		{ "K", EINVAL },
		{ "1 G", EINVAL },
		{ "0x10", EINVAL },
		{ "MAX", EINVAL },
		{ "max5", EINVAL },
		/* kstrtoull() overflows */
		{ "99999999999999999999999", ERANGE },
		{ "18446744073709551616", ERANGE },
		/* The suffix overflows */
		{ "16E", ERANGE },
		{ "18446744073709551615K", ERANGE },
		/* Too many pages for a page_counter */
		{ "8E", ERANGE },
		{ "9223372036854775807", ERANGE },
	};
	static const struct {
		const char *buf;
		long long bytes;
	} good[] = {
		{ "1G", 1LL << 30 },
		{ "1g", 1LL << 30 },
		{ "64K", 64LL << 10 },
		{ "2M\n", 2LL << 20 },
		{ "1048576", 1LL << 20 },
		{ "4095", 4095 },
		{ "5000", 5000 },
		{ "0", 0 },
	};
	char expected[32];
	int ret = KSFT_FAIL;
	long long bytes;
	size_t i;
	char *cg;
	int err;

	cg = cg_name(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	if (cg_create(cg))
		goto cleanup;
	if (cg_enter_current(cg))
		goto cleanup;
	if (cg_write(cg, "ioasids.pinned.max", "1M"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.max", 1LL << 20))
		goto cleanup;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err = cg_write(cg, "ioasids.pinned.max", (char *)bad[i].buf);
		if (err != -bad[i].err) {
			ksft_print_msg("writing \"%s\": %d, expected -%d\n",
				       bad[i].buf, err, bad[i].err);
			goto cleanup;
		}
		if (check_bytes(cg, "ioasids.pinned.max", 1LL << 20))
			goto cleanup;
	}

	/* cgroup core ignores an empty write; it must change nothing. */
	cg_write(cg, "ioasids.pinned.max", "");
	if (check_bytes(cg, "ioasids.pinned.max", 1LL << 20))
		goto cleanup;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		if (cg_write(cg, "ioasids.pinned.max", (char *)good[i].buf)) {
			ksft_print_msg("writing \"%s\" failed\n", good[i].buf);
			goto cleanup;
		}
		bytes = good[i].bytes / page_size * page_size;
		if (check_bytes(cg, "ioasids.pinned.max", bytes))
			goto cleanup;
		if (cg_write(cg, "ioasids.pinned.max", "max"))
			goto cleanup;
		if (check_exact(cg, "ioasids.pinned.max", "max\n"))
			goto cleanup;
	}

	/* The largest sizes, where a page_counter can hold them */
	if (sizeof(long) == 8) {
		if (cg_write(cg, "ioasids.pinned.max", "7E"))
			goto cleanup;
		snprintf(expected, sizeof(expected), "%llu\n", 7ULL << 60);
		if (check_exact(cg, "ioasids.pinned.max", expected))
			goto cleanup;
	}

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	cg_destroy(cg);
	free(cg);
	return ret;
}

/*
 * VFIO_IOMMU_MAP_DMA charges what it pins to the mapping task's cgroup and
 * to its ancestors, up to the root; VFIO_IOMMU_UNMAP_DMA uncharges it.
 */
static int test_type1_charge(const char *root)
{
	struct type1 t = { .container = -1, .group = -1 };
	const size_t len = MB(4);
	int ret = KSFT_FAIL;
	long long root_before;
	char *buf = NULL;
	char *cg;

	cg = cg_name(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	if (cg_create(cg))
		goto cleanup;
	if (cg_enter_current(cg))
		goto cleanup;
	buf = buf_alloc(len);
	if (!buf)
		goto cleanup;
	if (type1_open(&t))
		goto cleanup;

	root_before = read_bytes(root, "ioasids.pinned.current");
	if (root_before < 0)
		goto cleanup;
	if (expect_ok(type1_map(t.container, TEST_IOVA, buf, len),
		      "VFIO_IOMMU_MAP_DMA"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", len))
		goto cleanup;
	if (check_bytes(root, "ioasids.pinned.current", root_before + len))
		goto cleanup;
	if (check_stat(cg, len, 0))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 0, 0))
		goto cleanup;

	if (expect_unmapped(type1_unmap(t.container, TEST_IOVA, len), len,
			    "VFIO_IOMMU_UNMAP_DMA"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_bytes(root, "ioasids.pinned.current", root_before))
		goto cleanup;
	if (check_stat(cg, 0, 0))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.peak", len))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	type1_close(&t);
	buf_free(buf, len);
	cg_destroy(cg);
	free(cg);
	return ret;
}

/*
 * Over ioasids.pinned.max, VFIO_IOMMU_MAP_DMA fails with EBUSY, even with
 * CAP_IPC_LOCK, and leaves nothing charged; a mapping that fits passes, up
 * to the limit exactly.
 */
static int test_type1_limit(const char *root)
{
	struct type1 t = { .container = -1, .group = -1 };
	const size_t len = MB(4);
	int ret = KSFT_FAIL;
	char *buf = NULL;
	char *cg;

	cg = cg_name(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	if (cg_create(cg))
		goto cleanup;
	if (cg_write(cg, "ioasids.pinned.max", "2M"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.max", MB(2)))
		goto cleanup;
	if (cg_enter_current(cg))
		goto cleanup;
	buf = buf_alloc(len);
	if (!buf)
		goto cleanup;
	if (type1_open(&t))
		goto cleanup;

	if (expect_err(type1_map(t.container, TEST_IOVA, buf, len), EBUSY,
		       "VFIO_IOMMU_MAP_DMA of 4M over 2M"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_stat(cg, 0, 0))
		goto cleanup;
	/* Pinned in batches, the mapping may have charged part of it. */
	if (check_at_most(cg, "ioasids.pinned.peak", MB(2)))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 0, 1))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 0, 1))
		goto cleanup;
	/* Nothing of the failed mapping is left to unmap. */
	if (expect_unmapped(type1_unmap(t.container, TEST_IOVA, len), 0,
			    "VFIO_IOMMU_UNMAP_DMA of the failed mapping"))
		goto cleanup;

	if (expect_ok(type1_map(t.container, TEST_IOVA, buf, MB(1)),
		      "VFIO_IOMMU_MAP_DMA of 1M"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", MB(1)))
		goto cleanup;
	if (check_stat(cg, MB(1), 0))
		goto cleanup;
	/* Up to the limit exactly, and not one page more */
	if (expect_ok(type1_map(t.container, TEST_IOVA + MB(1), buf + MB(1),
				MB(1)), "VFIO_IOMMU_MAP_DMA up to the limit"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (expect_err(type1_map(t.container, TEST_IOVA + MB(2), buf + MB(2),
				 page_size), EBUSY,
		       "VFIO_IOMMU_MAP_DMA of a page over the limit"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 0, 2))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.peak", MB(2)))
		goto cleanup;

	if (expect_unmapped(type1_unmap(t.container, TEST_IOVA, MB(2)), MB(2),
			    "VFIO_IOMMU_UNMAP_DMA"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	type1_close(&t);
	buf_free(buf, len);
	cg_destroy(cg);
	free(cg);
	return ret;
}

/*
 * A parent's ioasids.pinned.max limits its child; each failure is counted
 * in the cgroup whose limit was hit and in its ancestors.
 */
static int test_type1_limit_nested(const char *root)
{
	struct type1 t = { .container = -1, .group = -1 };
	char *parent = NULL, *child = NULL;
	const size_t len = MB(4);
	int ret = KSFT_FAIL;
	char *buf = NULL;

	parent = cg_name(root, "ioasids_pinned_parent");
	child = cg_name(parent, "ioasids_pinned_child");
	if (!parent || !child)
		goto cleanup;
	if (cg_create_parent(parent))
		goto cleanup;
	if (cg_create(child))
		goto cleanup;
	if (cg_write(parent, "ioasids.pinned.max", "2M"))
		goto cleanup;
	if (check_exact(child, "ioasids.pinned.max", "max\n"))
		goto cleanup;
	if (cg_enter_current(child))
		goto cleanup;
	buf = buf_alloc(len);
	if (!buf)
		goto cleanup;
	if (type1_open(&t))
		goto cleanup;

	if (expect_err(type1_map(t.container, TEST_IOVA, buf, len), EBUSY,
		       "VFIO_IOMMU_MAP_DMA of 4M over the parent's 2M"))
		goto cleanup;
	if (check_bytes(child, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_bytes(parent, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_events(parent, "ioasids.events", 0, 1))
		goto cleanup;
	if (check_events(parent, "ioasids.events.local", 0, 1))
		goto cleanup;
	if (check_events(child, "ioasids.events", 0, 0))
		goto cleanup;
	if (check_events(child, "ioasids.events.local", 0, 0))
		goto cleanup;

	if (expect_ok(type1_map(t.container, TEST_IOVA, buf, MB(2)),
		      "VFIO_IOMMU_MAP_DMA of 2M"))
		goto cleanup;
	if (check_bytes(child, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (check_bytes(parent, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (check_stat(parent, MB(2), 0))
		goto cleanup;

	/* The child's own limit, below its usage, fails it first. */
	if (cg_write(child, "ioasids.pinned.max", "1M"))
		goto cleanup;
	if (expect_err(type1_map(t.container, TEST_IOVA + MB(2), buf + MB(2),
				 page_size), EBUSY,
		       "VFIO_IOMMU_MAP_DMA over the child's limit"))
		goto cleanup;
	if (check_bytes(child, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (check_events(child, "ioasids.events", 0, 1))
		goto cleanup;
	if (check_events(child, "ioasids.events.local", 0, 1))
		goto cleanup;
	if (check_events(parent, "ioasids.events", 0, 2))
		goto cleanup;
	if (check_events(parent, "ioasids.events.local", 0, 1))
		goto cleanup;

	if (expect_unmapped(type1_unmap(t.container, TEST_IOVA, MB(2)), MB(2),
			    "VFIO_IOMMU_UNMAP_DMA"))
		goto cleanup;
	if (check_bytes(child, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_bytes(parent, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_bytes(parent, "ioasids.pinned.peak", MB(2)))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	type1_close(&t);
	buf_free(buf, len);
	cg_destroy(child);
	cg_destroy(parent);
	free(child);
	free(parent);
	return ret;
}

/* Closing the container and the group unpins and uncharges everything. */
static int test_type1_close(const char *root)
{
	struct type1 t = { .container = -1, .group = -1 };
	const size_t len = MB(4);
	int ret = KSFT_FAIL;
	char *buf = NULL;
	char *cg;

	cg = cg_name(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	if (cg_create(cg))
		goto cleanup;
	if (cg_enter_current(cg))
		goto cleanup;
	buf = buf_alloc(len);
	if (!buf)
		goto cleanup;
	if (type1_open(&t))
		goto cleanup;

	if (expect_ok(type1_map(t.container, TEST_IOVA, buf, len),
		      "VFIO_IOMMU_MAP_DMA"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", len))
		goto cleanup;

	type1_close(&t);
	if (wait_pinned(cg, 0))
		goto cleanup;
	if (check_stat(cg, 0, 0))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.peak", len))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	type1_close(&t);
	buf_free(buf, len);
	cg_destroy(cg);
	free(cg);
	return ret;
}

/* How a holder pins its memory */
enum holder_kind {
	HOLD_TYPE1,
	/* As root, with CAP_IPC_LOCK: no accounting but the cgroup's */
	HOLD_IOMMUFD,
	/* Without CAP_IPC_LOCK, accounted to the mm's locked_vm too */
	HOLD_IOMMUFD_MM,
};

struct holder {
	int pipe[2];
	size_t len;
	enum holder_kind kind;
};

/* Give up CAP_IPC_LOCK, within a RLIMIT_MEMLOCK of @len. */
static int drop_cap_ipc_lock(size_t len)
{
	struct rlimit rlim = { .rlim_cur = len, .rlim_max = len };
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int i = CAP_TO_INDEX(CAP_IPC_LOCK);

	if (setrlimit(RLIMIT_MEMLOCK, &rlim)) {
		ksft_perror("setrlimit(RLIMIT_MEMLOCK)");
		return -1;
	}
	if (syscall(SYS_capget, &hdr, data)) {
		ksft_perror("capget");
		return -1;
	}
	data[i].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[i].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[i].inheritable &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data)) {
		ksft_perror("capset");
		return -1;
	}
	return 0;
}

/* Map @h->len bytes of @buf as @h->kind says; returns 0 or -1. */
static int holder_map(struct holder *h, char *buf)
{
	struct type1 t = { .container = -1, .group = -1 };
	struct iommufd f = { .iommufd = -1, .dev = -1 };

	if (h->kind == HOLD_TYPE1) {
		if (type1_open(&t))
			return -1;
		return expect_ok(type1_map(t.container, TEST_IOVA, buf, h->len),
				 "VFIO_IOMMU_MAP_DMA");
	}
	if (h->kind == HOLD_IOMMUFD_MM) {
		if (drop_cap_ipc_lock(2 * h->len))
			return -1;
		f.rlimit_mm = true;
	}
	if (iommufd_open(&f))
		return -1;
	return expect_ok(iommufd_map(&f, TEST_IOVA, buf, h->len),
			 "IOMMU_IOAS_MAP");
}

/*
 * In the cgroup: map, report to the test, wait to be killed with the files
 * open and the memory mapped.
 */
static int run_holder(const char *cgroup, void *arg)
{
	struct holder *h = arg;
	char c = 'f';
	char *buf;

	(void)cgroup;
	close(h->pipe[0]);
	buf = buf_alloc(h->len);
	if (buf && !holder_map(h, buf))
		c = 'k';
	if (write(h->pipe[1], &c, 1) != 1 || c != 'k')
		return EXIT_FAILURE;
	for (;;)
		pause();
}

/* A killed process's pins are uncharged once it is gone. */
static int test_kill(const char *root, enum holder_kind kind)
{
	struct holder h = {
		.pipe = { -1, -1 },
		.len = MB(4),
		.kind = kind,
	};
	long long vfio = kind == HOLD_TYPE1 ? h.len : 0;
	int ret = KSFT_FAIL, status;
	pid_t pid = -1;
	char c = 0;
	char *cg;

	if (kind != HOLD_TYPE1 && !edu_cdev_path[0])
		return KSFT_SKIP;
	cg = cg_name(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	if (cg_create(cg))
		goto cleanup;
	if (pipe2(h.pipe, O_CLOEXEC))
		goto cleanup;

	fflush(NULL);
	pid = cg_run_nowait(cg, run_holder, &h);
	if (pid < 0)
		goto cleanup;
	close_fd(&h.pipe[1]);
	if (read(h.pipe[0], &c, 1) != 1 || c != 'k') {
		ksft_print_msg("the holder failed to map\n");
		goto cleanup;
	}
	if (check_bytes(cg, "ioasids.pinned.current", h.len))
		goto cleanup;
	if (check_stat(cg, vfio, h.len - vfio))
		goto cleanup;

	if (kill(pid, SIGKILL))
		goto cleanup;
	if (waitpid(pid, &status, 0) != pid)
		goto cleanup;
	pid = -1;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		goto cleanup;
	if (wait_pinned(cg, 0))
		goto cleanup;
	if (check_stat(cg, 0, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close_fd(&h.pipe[0]);
	close_fd(&h.pipe[1]);
	cg_destroy(cg);
	free(cg);
	return ret;
}

static int test_type1_kill(const char *root)
{
	return test_kill(root, HOLD_TYPE1);
}

static int test_iommufd_kill(const char *root)
{
	return test_kill(root, HOLD_IOMMUFD);
}

/*
 * The process's mm is gone by the time its files are released, which
 * fails the update of the mm's locked_vm: the cgroup must be uncharged
 * all the same.
 */
static int test_iommufd_kill_rlimit_mm(const char *root)
{
	return test_kill(root, HOLD_IOMMUFD_MM);
}

/*
 * Pins stay charged to the cgroup the mapping task was in when it mapped
 * them, and are uncharged from it after the task moved; mappings made after
 * the move charge the new cgroup.
 */
static int test_type1_migrate(const char *root)
{
	struct type1 t = { .container = -1, .group = -1 };
	char *parent = NULL, *cg_a = NULL, *cg_b = NULL;
	const size_t len = MB(5);
	int ret = KSFT_FAIL;
	char *buf = NULL;

	parent = cg_name(root, "ioasids_pinned_parent");
	cg_a = cg_name(parent, "ioasids_pinned_a");
	cg_b = cg_name(parent, "ioasids_pinned_b");
	if (!parent || !cg_a || !cg_b)
		goto cleanup;
	if (cg_create_parent(parent))
		goto cleanup;
	if (cg_create(cg_a) || cg_create(cg_b))
		goto cleanup;
	if (cg_enter_current(cg_a))
		goto cleanup;
	buf = buf_alloc(len);
	if (!buf)
		goto cleanup;
	if (type1_open(&t))
		goto cleanup;

	if (expect_ok(type1_map(t.container, TEST_IOVA, buf, MB(4)),
		      "VFIO_IOMMU_MAP_DMA in A"))
		goto cleanup;
	if (check_bytes(cg_a, "ioasids.pinned.current", MB(4)))
		goto cleanup;

	if (cg_enter_current(cg_b))
		goto cleanup;
	if (check_bytes(cg_a, "ioasids.pinned.current", MB(4)))
		goto cleanup;
	if (check_bytes(cg_b, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_stat(cg_a, MB(4), 0))
		goto cleanup;

	/* A mapping made after the move charges the new cgroup. */
	if (expect_ok(type1_map(t.container, TEST_IOVA + MB(4), buf + MB(4),
				MB(1)), "VFIO_IOMMU_MAP_DMA in B"))
		goto cleanup;
	if (check_bytes(cg_a, "ioasids.pinned.current", MB(4)))
		goto cleanup;
	if (check_bytes(cg_b, "ioasids.pinned.current", MB(1)))
		goto cleanup;
	if (check_bytes(parent, "ioasids.pinned.current", MB(5)))
		goto cleanup;

	/* Unmapped from B, the first mapping uncharges A. */
	if (expect_unmapped(type1_unmap(t.container, TEST_IOVA, MB(4)), MB(4),
			    "VFIO_IOMMU_UNMAP_DMA of A's mapping"))
		goto cleanup;
	if (check_bytes(cg_a, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_stat(cg_a, 0, 0))
		goto cleanup;
	if (check_bytes(cg_b, "ioasids.pinned.current", MB(1)))
		goto cleanup;
	if (expect_unmapped(type1_unmap(t.container, TEST_IOVA + MB(4), MB(1)),
			    MB(1), "VFIO_IOMMU_UNMAP_DMA of B's mapping"))
		goto cleanup;
	if (check_bytes(cg_b, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_bytes(parent, "ioasids.pinned.current", 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	type1_close(&t);
	buf_free(buf, len);
	cg_destroy(cg_b);
	cg_destroy(cg_a);
	cg_destroy(parent);
	free(cg_b);
	free(cg_a);
	free(parent);
	return ret;
}

/*
 * IOMMU_IOAS_MAP, with a device attached, charges what it pins to the
 * mapping task's cgroup and to its ancestors; IOMMU_IOAS_UNMAP uncharges.
 */
static int test_iommufd_charge(const char *root)
{
	struct iommufd f = { .iommufd = -1, .dev = -1 };
	const size_t len = MB(4);
	int ret = KSFT_FAIL;
	long long root_before;
	char *buf = NULL;
	char *cg;

	if (!edu_cdev_path[0])
		return KSFT_SKIP;
	cg = cg_name(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	if (cg_create(cg))
		goto cleanup;
	if (cg_enter_current(cg))
		goto cleanup;
	buf = buf_alloc(len);
	if (!buf)
		goto cleanup;
	if (iommufd_open(&f))
		goto cleanup;

	root_before = read_bytes(root, "ioasids.pinned.current");
	if (root_before < 0)
		goto cleanup;
	if (expect_ok(iommufd_map(&f, TEST_IOVA, buf, len), "IOMMU_IOAS_MAP"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", len))
		goto cleanup;
	if (check_bytes(root, "ioasids.pinned.current", root_before + len))
		goto cleanup;
	if (check_stat(cg, 0, len))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 0, 0))
		goto cleanup;

	if (expect_unmapped(iommufd_unmap(&f, TEST_IOVA, len), len,
			    "IOMMU_IOAS_UNMAP"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_bytes(root, "ioasids.pinned.current", root_before))
		goto cleanup;
	if (check_stat(cg, 0, 0))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.peak", len))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	iommufd_close(&f);
	buf_free(buf, len);
	cg_destroy(cg);
	free(cg);
	return ret;
}

/*
 * Over ioasids.pinned.max, IOMMU_IOAS_MAP fails with EBUSY and leaves
 * nothing mapped nor charged; a mapping that fits passes.
 */
static int test_iommufd_limit(const char *root)
{
	struct iommufd f = { .iommufd = -1, .dev = -1 };
	const size_t len = MB(4);
	int ret = KSFT_FAIL;
	char *buf = NULL;
	char *cg;

	if (!edu_cdev_path[0])
		return KSFT_SKIP;
	cg = cg_name(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	if (cg_create(cg))
		goto cleanup;
	if (cg_write(cg, "ioasids.pinned.max", "2M"))
		goto cleanup;
	if (cg_enter_current(cg))
		goto cleanup;
	buf = buf_alloc(len);
	if (!buf)
		goto cleanup;
	if (iommufd_open(&f))
		goto cleanup;

	if (expect_err(iommufd_map(&f, TEST_IOVA, buf, len), EBUSY,
		       "IOMMU_IOAS_MAP of 4M over 2M"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_stat(cg, 0, 0))
		goto cleanup;
	if (check_at_most(cg, "ioasids.pinned.peak", MB(2)))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 0, 1))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 0, 1))
		goto cleanup;
	/* The failed mapping left no area behind. */
	if (expect_unmapped(iommufd_unmap(&f, TEST_IOVA, len), -ENOENT,
			    "IOMMU_IOAS_UNMAP of the failed mapping"))
		goto cleanup;

	if (expect_ok(iommufd_map(&f, TEST_IOVA, buf, MB(1)),
		      "IOMMU_IOAS_MAP of 1M"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", MB(1)))
		goto cleanup;
	if (check_stat(cg, 0, MB(1)))
		goto cleanup;
	if (expect_ok(iommufd_map(&f, TEST_IOVA + MB(1), buf + MB(1), MB(1)),
		      "IOMMU_IOAS_MAP up to the limit"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (expect_err(iommufd_map(&f, TEST_IOVA + MB(2), buf + MB(2),
				   page_size), EBUSY,
		       "IOMMU_IOAS_MAP of a page over the limit"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 0, 2))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.peak", MB(2)))
		goto cleanup;

	if (expect_unmapped(iommufd_unmap(&f, TEST_IOVA, MB(2)), MB(2),
			    "IOMMU_IOAS_UNMAP"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	iommufd_close(&f);
	buf_free(buf, len);
	cg_destroy(cg);
	free(cg);
	return ret;
}

/* Closing the device and iommufd unpins and uncharges everything. */
static int test_iommufd_close(const char *root)
{
	struct iommufd f = { .iommufd = -1, .dev = -1 };
	const size_t len = MB(4);
	int ret = KSFT_FAIL;
	char *buf = NULL;
	char *cg;

	if (!edu_cdev_path[0])
		return KSFT_SKIP;
	cg = cg_name(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	if (cg_create(cg))
		goto cleanup;
	if (cg_enter_current(cg))
		goto cleanup;
	buf = buf_alloc(len);
	if (!buf)
		goto cleanup;
	if (iommufd_open(&f))
		goto cleanup;

	if (expect_ok(iommufd_map(&f, TEST_IOVA, buf, len), "IOMMU_IOAS_MAP"))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.current", len))
		goto cleanup;

	iommufd_close(&f);
	if (wait_pinned(cg, 0))
		goto cleanup;
	if (check_stat(cg, 0, 0))
		goto cleanup;
	if (check_bytes(cg, "ioasids.pinned.peak", len))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	iommufd_close(&f);
	buf_free(buf, len);
	cg_destroy(cg);
	free(cg);
	return ret;
}

#define T(x) { x, #x }
static struct pinned_test {
	int (*fn)(const char *root);
	const char *name;
} tests[] = {
	T(test_pinned_defaults),
	T(test_pinned_max_invalid),
	T(test_type1_charge),
	T(test_type1_limit),
	T(test_type1_limit_nested),
	T(test_type1_close),
	T(test_type1_kill),
	T(test_type1_migrate),
	T(test_iommufd_charge),
	T(test_iommufd_limit),
	T(test_iommufd_close),
	T(test_iommufd_kill),
	T(test_iommufd_kill_rlimit_mm),
};

#undef T

int main(void)
{
	char root[PATH_MAX];
	size_t i;

	ksft_print_header();
	page_size = sysconf(_SC_PAGESIZE);
	if (cg_find_unified_root(root, sizeof(root), NULL))
		ksft_exit_skip("cgroup v2 isn't mounted\n");

	if (cg_read_strstr(root, "cgroup.controllers", "ioasids"))
		ksft_exit_skip("ioasids controller isn't available\n");

	if (cg_read_strstr(root, "cgroup.subtree_control", "ioasids"))
		if (cg_write(root, "cgroup.subtree_control", "+ioasids"))
			ksft_exit_skip("Failed to set ioasids controller\n");

	if (!cg_has_file(root, "ioasids.pinned.current"))
		ksft_exit_skip("ioasids doesn't account pinned memory\n");

	edu_vfio_init();

	ksft_set_plan(ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		switch (tests[i].fn(root)) {
		case KSFT_PASS:
			ksft_test_result_pass("%s\n", tests[i].name);
			break;
		case KSFT_SKIP:
			ksft_test_result_skip("%s\n", tests[i].name);
			break;
		default:
			ksft_test_result_fail("%s\n", tests[i].name);
			break;
		}
	}

	edu_vfio_exit();
	ksft_finished();
}
