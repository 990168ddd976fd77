// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of VFIO_IOMMU_PASID_REQUEST: a process allocates and frees PASIDs
 * through its VFIO containers, from one IOASID set per process that all
 * its containers share, bounded by the quota parameter of the backend and
 * charged to the ioasids cgroup of the process, as "vfio" in ioasids.stat,
 * until it frees them or closes its last container.
 *
 * /dev/vfio/vfio is either VFIO's type1 container or iommufd's emulation
 * of it; both must behave the same, so the tests do not depend on which.
 * The containers hold the IOMMU groups of QEMU's edu devices, which the
 * tests bind to vfio-pci: the tests of two containers need two devices in
 * two groups.
 *
 * A set is charged to the cgroup of the process that creates it with its
 * first request, and the quota parameter applies when it is created, so
 * every test closes every container it opened: the next one starts with
 * no set.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <linux/vfio.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"
#include "ioasids_util.h"
#include "vfio_util.h"

/* How long to wait for an uncharge that happens on release */
#define RELEASE_TIMEOUT_MS	2000

/* The PASIDs that PCIe can express, but PASID 0 */
#define PASID_MIN		1U
#define PASID_MAX		((1U << 20) - 1)
/* The lowest PASID VFIO hands to userspace */
#define PASID_USER_FIRST	0x400U		/* 2^10 */

#define TYPE1_QUOTA	"/sys/module/vfio_iommu_type1/parameters/pasid_quota"
#define IOMMUFD_QUOTA	"/sys/module/iommufd/parameters/vfio_pasid_quota"

/* The quota parameter of the backend of /dev/vfio/vfio, or NULL */
static const char *quota_param;
/* Its value before the tests, to restore */
static char quota_saved[32];

/* The group files of edu devices in distinct IOMMU groups */
static const char *groups[EDU_MAX_DEVS];
static int nr_groups;

/* ioasids.current and the vfio line of ioasids.stat both read @nr. */
static int check_charged(const char *cgroup, long nr)
{
	if (check_value(cgroup, "ioasids.current", nr))
		return -1;
	return check_stat(cgroup, 0, nr, 0, 0);
}

/* The failures on ioasids.max, in ioasids.events and events.local */
static int check_max_events(const char *cgroup, long nr, long nr_local)
{
	if (check_events(cgroup, "ioasids.events", nr, 0))
		return -1;
	return check_events(cgroup, "ioasids.events.local", nr_local, 0);
}

/* Wait for the charges of @cgroup to drop to @nr, on a release. */
static int wait_charged(const char *cgroup, long nr)
{
	if (wait_value(cgroup, "ioasids.current", nr, RELEASE_TIMEOUT_MS))
		return -1;
	return check_stat(cgroup, 0, nr, 0, 0);
}

/*
 * Returns 0 if @ret, from an ALLOC in [@min, @max], is a PASID of it, at or
 * above PASID_USER_FIRST.
 */
static int expect_pasid(int ret, __u32 min, __u32 max, const char *what)
{
	if (min < PASID_USER_FIRST)
		min = PASID_USER_FIRST;
	if (ret > 0 && (__u32)ret >= min && (__u32)ret <= max)
		return 0;
	if (ret < 0)
		ksft_print_msg("%s: %s\n", what, strerror(-ret));
	else
		ksft_print_msg("%s: PASID %d, expected one in [%u, %u]\n",
			       what, ret, min, max);
	return -1;
}

/* Allocate @nr PASIDs in [PASID_MIN, PASID_MAX], in @pasids if not NULL. */
static int alloc_n(int container, int nr, int *pasids)
{
	int i, ret;

	for (i = 0; i < nr; i++) {
		ret = pasid_alloc(container, PASID_MIN, PASID_MAX);
		if (expect_pasid(ret, PASID_MIN, PASID_MAX, "ALLOC"))
			return -1;
		if (pasids)
			pasids[i] = ret;
	}
	return 0;
}

/* Set the quota parameter to @quota, for the sets created from now on. */
static int quota_set(unsigned int quota)
{
	char buf[32];

	if (!quota_param) {
		ksft_print_msg("no PASID quota parameter\n");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%u", quota);
	return sysfs_write(quota_param, buf);
}

static void quota_restore(void)
{
	if (quota_param && quota_saved[0])
		sysfs_write(quota_param, quota_saved);
}

/* Reap the child @pid; returns 0 if it exited with 0. */
static int reap_child(pid_t *pid)
{
	int status;

	if (waitpid(*pid, &status, 0) != *pid) {
		ksft_perror("waitpid");
		return -1;
	}
	*pid = -1;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	ksft_print_msg("child failed (status 0x%x)\n", status);
	return -1;
}

/* Read an int from @fd; returns 0, or -1 if the writer went away. */
static int read_int(int fd, int *val)
{
	if (read(fd, val, sizeof(*val)) == sizeof(*val))
		return 0;
	ksft_print_msg("child went away\n");
	return -1;
}

/* Every container supports the extension, before and after VFIO_SET_IOMMU. */
static int test_extension(const char *root)
{
	struct type1 a = { .container = -1, .group = -1 };
	int ret = KSFT_FAIL, fd = -1, ext;
	char *cg;

	cg = test_cg_enter(root, "ioasids_vfio_extension");
	if (!cg)
		goto cleanup;

	fd = open(VFIO_CONTAINER, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ksft_perror("open " VFIO_CONTAINER);
		goto cleanup;
	}
	ext = ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_PASID_REQUEST);
	if (ext != 1) {
		ksft_print_msg("new container: VFIO_PASID_REQUEST %d\n", ext);
		goto cleanup;
	}

	if (type1_open_group(&a, groups[0]))
		goto cleanup;
	ext = ioctl(a.container, VFIO_CHECK_EXTENSION, VFIO_PASID_REQUEST);
	if (ext != 1) {
		ksft_print_msg("type1 container: VFIO_PASID_REQUEST %d\n", ext);
		goto cleanup;
	}

	ret = KSFT_PASS;

cleanup:
	type1_close(&a);
	close_fd(&fd);
	test_cg_leave(root, cg);
	return ret;
}

/*
 * ALLOC returns a PASID, charged to the cgroup as one vfio IOASID; FREE
 * returns 0 and uncharges it; a second FREE, or a FREE before the first
 * ALLOC, finds nothing: ENOENT.
 */
static int test_alloc_free(const char *root)
{
	struct type1 a = { .container = -1, .group = -1 };
	int ret = KSFT_FAIL, p;
	char *cg;

	cg = test_cg_enter(root, "ioasids_vfio_alloc_free");
	if (!cg)
		goto cleanup;
	if (type1_open_group(&a, groups[0]))
		goto cleanup;

	if (expect_err(pasid_free(a.container, PASID_MIN, PASID_MAX), ENOENT,
		       "FREE before any ALLOC"))
		goto cleanup;

	p = pasid_alloc(a.container, PASID_MIN, PASID_MAX);
	if (expect_pasid(p, PASID_MIN, PASID_MAX, "ALLOC"))
		goto cleanup;
	if (check_charged(cg, 1))
		goto cleanup;

	if (expect_ok(pasid_free(a.container, p, p), "FREE"))
		goto cleanup;
	if (check_charged(cg, 0))
		goto cleanup;
	if (expect_err(pasid_free(a.container, p, p), ENOENT, "FREE again"))
		goto cleanup;
	if (check_max_events(cg, 0, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	type1_close(&a);
	test_cg_leave(root, cg);
	return ret;
}

/*
 * The quota parameter bounds the PASIDs of a process with EDQUOT, which is
 * no event of the cgroup.  It applies when the set is created: changing it
 * later leaves the set's quota alone.  The process holds no set here.
 */
static int test_quota(const char *root)
{
	struct type1 a = { .container = -1, .group = -1 };
	int ret = KSFT_FAIL, pasids[3];
	char *cg;

	cg = test_cg_enter(root, "ioasids_vfio_quota");
	if (!cg)
		goto cleanup;
	if (quota_set(3))
		goto cleanup;
	if (type1_open_group(&a, groups[0]))
		goto cleanup;

	if (alloc_n(a.container, 3, pasids))
		goto cleanup;
	if (expect_err(pasid_alloc(a.container, PASID_MIN, PASID_MAX), EDQUOT,
		       "ALLOC over the quota"))
		goto cleanup;
	if (check_charged(cg, 3))
		goto cleanup;
	if (check_max_events(cg, 0, 0))
		goto cleanup;

	/* The set keeps the quota it was created with. */
	if (quota_set(1000))
		goto cleanup;
	if (expect_err(pasid_alloc(a.container, PASID_MIN, PASID_MAX), EDQUOT,
		       "ALLOC over the quota, parameter raised"))
		goto cleanup;

	/* A PASID freed makes room for one. */
	if (expect_ok(pasid_free(a.container, pasids[0], pasids[0]), "FREE"))
		goto cleanup;
	if (check_charged(cg, 2))
		goto cleanup;
	if (alloc_n(a.container, 1, NULL))
		goto cleanup;
	if (check_charged(cg, 3))
		goto cleanup;
	if (check_max_events(cg, 0, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	type1_close(&a);
	quota_restore();
	test_cg_leave(root, cg);
	return ret;
}

/*
 * Over ioasids.max, ALLOC fails with EBUSY, which counts in both events
 * files of the cgroup, and charges nothing.
 */
static int test_cgroup_limit(const char *root)
{
	struct type1 a = { .container = -1, .group = -1 };
	int ret = KSFT_FAIL;
	char *cg;

	cg = test_cg_enter(root, "ioasids_vfio_cgroup_limit");
	if (!cg)
		goto cleanup;
	if (cg_write(cg, "ioasids.max", "2"))
		goto cleanup;
	if (type1_open_group(&a, groups[0]))
		goto cleanup;

	if (alloc_n(a.container, 2, NULL))
		goto cleanup;
	if (check_max_events(cg, 0, 0))
		goto cleanup;
	if (expect_err(pasid_alloc(a.container, PASID_MIN, PASID_MAX), EBUSY,
		       "ALLOC over ioasids.max"))
		goto cleanup;
	if (check_charged(cg, 2))
		goto cleanup;
	if (check_max_events(cg, 1, 1))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	type1_close(&a);
	test_cg_leave(root, cg);
	return ret;
}

/*
 * Two containers of a process share its set: a PASID allocated through one
 * is freed through the other, the quota counts both, and the set lives
 * until the last of them is closed.
 */
static int test_shared_set(const char *root)
{
	struct type1 a = { .container = -1, .group = -1 };
	struct type1 b = { .container = -1, .group = -1 };
	int ret = KSFT_FAIL, p, pa;
	char *cg;

	if (nr_groups < 2)
		return KSFT_SKIP;

	cg = test_cg_enter(root, "ioasids_vfio_shared_set");
	if (!cg)
		goto cleanup;
	if (quota_set(2))
		goto cleanup;
	if (type1_open_group(&a, groups[0]))
		goto cleanup;
	if (type1_open_group(&b, groups[1]))
		goto cleanup;

	p = pasid_alloc(a.container, PASID_MIN, PASID_MAX);
	if (expect_pasid(p, PASID_MIN, PASID_MAX, "ALLOC through A"))
		goto cleanup;
	if (check_charged(cg, 1))
		goto cleanup;
	if (expect_ok(pasid_free(b.container, p, p), "FREE through B"))
		goto cleanup;
	if (check_charged(cg, 0))
		goto cleanup;
	if (expect_err(pasid_free(a.container, p, p), ENOENT,
		       "FREE through A of the PASID freed through B"))
		goto cleanup;

	pa = pasid_alloc(a.container, PASID_MIN, PASID_MAX);
	if (expect_pasid(pa, PASID_MIN, PASID_MAX, "ALLOC through A"))
		goto cleanup;
	if (expect_pasid(pasid_alloc(b.container, PASID_MIN, PASID_MAX),
			 PASID_MIN, PASID_MAX, "ALLOC through B"))
		goto cleanup;
	if (expect_err(pasid_alloc(a.container, PASID_MIN, PASID_MAX), EDQUOT,
		       "third ALLOC through A"))
		goto cleanup;
	if (expect_err(pasid_alloc(b.container, PASID_MIN, PASID_MAX), EDQUOT,
		       "third ALLOC through B"))
		goto cleanup;
	if (check_charged(cg, 2))
		goto cleanup;

	/* B holds the set, and A's PASID, after A is closed. */
	type1_close(&a);
	if (check_charged(cg, 2))
		goto cleanup;
	if (expect_ok(pasid_free(b.container, pa, pa),
		      "FREE through B of A's PASID, A closed"))
		goto cleanup;
	if (check_charged(cg, 1))
		goto cleanup;
	type1_close(&b);
	if (wait_charged(cg, 0))
		goto cleanup;
	if (check_max_events(cg, 0, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	type1_close(&b);
	type1_close(&a);
	quota_restore();
	test_cg_leave(root, cg);
	return ret;
}

/*
 * The child of test_separate_processes(): with a container of its own, it
 * allocates a PASID, cannot free the parent's PASID @p, sends its own to
 * @out, and holds it until the parent writes to @in.
 */
static int separate_child(int p, int in, int out)
{
	struct type1 b = { .container = -1, .group = -1 };
	int q, go;

	if (type1_open_group(&b, groups[1]))
		return 1;
	/* Its first request creates its set: the FREE looks in it. */
	q = pasid_alloc(b.container, PASID_MIN, PASID_MAX);
	if (expect_pasid(q, PASID_MIN, PASID_MAX, "child: ALLOC"))
		return 1;
	if (q == p) {
		ksft_print_msg("child: ALLOC gave the parent's PASID %d\n", p);
		return 1;
	}
	if (expect_err(pasid_free(b.container, p, p), ENOENT,
		       "child: FREE of the parent's PASID"))
		return 1;
	if (write(out, &q, sizeof(q)) != sizeof(q))
		return 1;
	if (read(in, &go, sizeof(go)) != sizeof(go))
		return 1;
	type1_close(&b);
	return 0;
}

/*
 * A forked child, with a container of its own, has a set of its own: it
 * cannot free the parent's PASID, nor the parent the child's, and the
 * cgroup of both counts the PASIDs of both, until the child exits.
 */
static int test_separate_processes(const char *root)
{
	struct type1 a = { .container = -1, .group = -1 };
	int to_parent[2] = { -1, -1 }, to_child[2] = { -1, -1 };
	int ret = KSFT_FAIL, p, q, go = 1;
	pid_t pid = -1;
	char *cg;

	if (nr_groups < 2)
		return KSFT_SKIP;

	cg = test_cg_enter(root, "ioasids_vfio_separate_processes");
	if (!cg)
		goto cleanup;
	if (pipe(to_parent) || pipe(to_child)) {
		ksft_perror("pipe");
		goto cleanup;
	}
	if (type1_open_group(&a, groups[0]))
		goto cleanup;
	p = pasid_alloc(a.container, PASID_MIN, PASID_MAX);
	if (expect_pasid(p, PASID_MIN, PASID_MAX, "ALLOC"))
		goto cleanup;

	pid = fork();
	if (pid < 0) {
		ksft_perror("fork");
		goto cleanup;
	}
	if (!pid) {
		type1_close(&a);
		close(to_parent[0]);
		close(to_child[1]);
		_exit(separate_child(p, to_child[0], to_parent[1]));
	}
	close_fd(&to_parent[1]);
	close_fd(&to_child[0]);

	if (read_int(to_parent[0], &q))
		goto cleanup;
	if (check_charged(cg, 2))
		goto cleanup;
	if (expect_err(pasid_free(a.container, q, q), ENOENT,
		       "FREE of the child's PASID"))
		goto cleanup;
	if (write(to_child[1], &go, sizeof(go)) != sizeof(go)) {
		ksft_perror("write");
		goto cleanup;
	}
	if (reap_child(&pid))
		goto cleanup;
	if (wait_charged(cg, 1))
		goto cleanup;
	if (expect_ok(pasid_free(a.container, p, p), "FREE"))
		goto cleanup;
	if (check_charged(cg, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	kill_child(&pid);
	close_fd(&to_parent[0]);
	close_fd(&to_parent[1]);
	close_fd(&to_child[0]);
	close_fd(&to_child[1]);
	type1_close(&a);
	test_cg_leave(root, cg);
	return ret;
}

/* One FREE of a range frees every PASID of the process in it. */
static int test_free_range(const char *root)
{
	struct type1 a = { .container = -1, .group = -1 };
	int ret = KSFT_FAIL, pasids[5], lo, hi, i;
	char *cg;

	cg = test_cg_enter(root, "ioasids_vfio_free_range");
	if (!cg)
		goto cleanup;
	if (type1_open_group(&a, groups[0]))
		goto cleanup;

	if (alloc_n(a.container, 5, pasids))
		goto cleanup;
	if (check_charged(cg, 5))
		goto cleanup;
	lo = pasids[0];
	hi = pasids[0];
	for (i = 1; i < 5; i++) {
		if (pasids[i] < lo)
			lo = pasids[i];
		if (pasids[i] > hi)
			hi = pasids[i];
	}
	if (expect_ok(pasid_free(a.container, lo, hi), "FREE of the range"))
		goto cleanup;
	if (check_charged(cg, 0))
		goto cleanup;
	if (expect_err(pasid_free(a.container, lo, hi), ENOENT,
		       "FREE of the range again"))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	type1_close(&a);
	test_cg_leave(root, cg);
	return ret;
}

/* Closing the last container frees the PASIDs of the process. */
static int test_close_releases(const char *root)
{
	struct type1 a = { .container = -1, .group = -1 };
	int ret = KSFT_FAIL;
	char *cg;

	cg = test_cg_enter(root, "ioasids_vfio_close_releases");
	if (!cg)
		goto cleanup;
	if (type1_open_group(&a, groups[0]))
		goto cleanup;

	if (alloc_n(a.container, 3, NULL))
		goto cleanup;
	if (check_charged(cg, 3))
		goto cleanup;
	type1_close(&a);
	if (wait_charged(cg, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	type1_close(&a);
	test_cg_leave(root, cg);
	return ret;
}

/* In the holder of test_kill_releases(): 4 PASIDs, the container open */
static int hold_pasids(void *arg)
{
	struct type1 a = { .container = -1, .group = -1 };

	(void)arg;
	if (type1_open_group(&a, groups[0]))
		return -1;
	return alloc_n(a.container, 4, NULL);
}

/* The PASIDs of a process killed with its container open are freed. */
static int test_kill_releases(const char *root)
{
	int ret = KSFT_FAIL;
	pid_t pid = -1;
	char *cg;

	cg = test_cg_enter(root, "ioasids_vfio_kill_releases");
	if (!cg)
		goto cleanup;
	pid = holder_start(cg, hold_pasids, NULL);
	if (pid < 0) {
		ksft_print_msg("child could not allocate its PASIDs\n");
		goto cleanup;
	}
	if (check_charged(cg, 4))
		goto cleanup;

	if (holder_kill(&pid))
		goto cleanup;
	if (wait_charged(cg, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	kill_child(&pid);
	test_cg_leave(root, cg);
	return ret;
}

/*
 * Invalid requests fail with EINVAL, an ALLOC of a PASID already held with
 * ENOSPC, and none of them changes what the process holds.
 */
static int test_invalid(const char *root)
{
	const __u32 sz = PASID_REQ_SZ;
	struct type1 a = { .container = -1, .group = -1 };
	struct {
		__u32 argsz, flags, min, max;
		int err;
		const char *what;
	} cases[] = {
		{ 15, VFIO_IOMMU_PASID_ALLOC, PASID_MIN, PASID_MAX, EINVAL,
		  "ALLOC with argsz 15" },
		{ 15, VFIO_IOMMU_PASID_FREE, PASID_MIN, PASID_MAX, EINVAL,
		  "FREE with argsz 15" },
		{ sz, 0, PASID_MIN, PASID_MAX, EINVAL, "no flag" },
		{ sz, VFIO_IOMMU_PASID_ALLOC | VFIO_IOMMU_PASID_FREE,
		  PASID_MIN, PASID_MAX, EINVAL, "ALLOC | FREE" },
		{ sz, 1 << 2, PASID_MIN, PASID_MAX, EINVAL, "unknown flag" },
		{ sz, VFIO_IOMMU_PASID_ALLOC, PASID_MAX, PASID_MIN, EINVAL,
		  "ALLOC with min > max" },
		{ sz, VFIO_IOMMU_PASID_FREE, PASID_MAX, PASID_MIN, EINVAL,
		  "FREE with min > max" },
		{ sz, VFIO_IOMMU_PASID_ALLOC, 0, 0, EINVAL, "ALLOC of PASID 0" },
		/*
		 * The PASIDs below the floor of userspace's are left to SVA
		 * and drivers, whose devices may support no others.
		 */
		{ sz, VFIO_IOMMU_PASID_ALLOC, 1, 15, EINVAL,
		  "ALLOC below 1 << 10" },
		{ sz, VFIO_IOMMU_PASID_ALLOC, 0, PASID_USER_FIRST - 1, EINVAL,
		  "ALLOC below 1 << 10, up to it" },
		{ sz, VFIO_IOMMU_PASID_ALLOC, PASID_MAX + 1, UINT32_MAX,
		  EINVAL, "ALLOC over 20 bits" },
	};
	int ret = KSFT_FAIL, p;
	char *cg;
	size_t i;

	cg = test_cg_enter(root, "ioasids_vfio_invalid");
	if (!cg)
		goto cleanup;
	if (type1_open_group(&a, groups[0]))
		goto cleanup;

	p = pasid_alloc(a.container, PASID_MIN, PASID_MAX);
	if (expect_pasid(p, PASID_MIN, PASID_MAX, "ALLOC"))
		goto cleanup;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (expect_err(pasid_request(a.container, cases[i].argsz,
					     cases[i].flags, cases[i].min,
					     cases[i].max),
			       cases[i].err, cases[i].what))
			goto cleanup;
		if (check_charged(cg, 1))
			goto cleanup;
	}
	if (expect_err(pasid_alloc(a.container, p, p), ENOSPC,
		       "ALLOC of a PASID held"))
		goto cleanup;
	if (check_charged(cg, 1))
		goto cleanup;

	/* The PASID is still there, once. */
	if (expect_ok(pasid_free(a.container, p, p), "FREE"))
		goto cleanup;
	if (check_charged(cg, 0))
		goto cleanup;
	if (check_max_events(cg, 0, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	type1_close(&a);
	test_cg_leave(root, cg);
	return ret;
}

static const struct ioasids_test tests[] = {
	IOASIDS_TEST(test_extension),
	IOASIDS_TEST(test_alloc_free),
	IOASIDS_TEST(test_quota),
	IOASIDS_TEST(test_cgroup_limit),
	IOASIDS_TEST(test_shared_set),
	IOASIDS_TEST(test_separate_processes),
	IOASIDS_TEST(test_free_range),
	IOASIDS_TEST(test_close_releases),
	IOASIDS_TEST(test_kill_releases),
	IOASIDS_TEST(test_invalid),
};

/* Set every edu device up for VFIO, or exit. */
static void setup_devices(void)
{
	int i, j;

	if (edu_find())
		ksft_exit_skip("No edu device (PCI %04x:%04x)\n", EDU_VENDOR,
			       EDU_DEVICE);
	if (access(VFIO_CONTAINER, F_OK) || access(VFIO_PCI_DRIVER, F_OK))
		ksft_exit_skip("No VFIO container or vfio-pci\n");

	for (i = 0; i < edu_nr_devs; i++) {
		if (i ? edu_setup_dev(i) : edu_setup()) {
			edu_restore();
			ksft_exit_fail_msg("Cannot set %s up for VFIO\n",
					   edu_devs[i].bdf);
		}
	}
	unsafe_irqs_probe();

	for (i = 0; i < edu_nr_devs; i++) {
		for (j = 0; j < nr_groups; j++)
			if (!strcmp(groups[j], edu_devs[i].group_path))
				break;
		if (j == nr_groups)
			groups[nr_groups++] = edu_devs[i].group_path;
	}
	ksft_print_msg("%d edu device(s) in %d IOMMU group(s)\n",
		       edu_nr_devs, nr_groups);
}

static void cleanup_devices(void)
{
	quota_restore();
	unsafe_irqs_restore();
	edu_restore();
}

/*
 * Whichever backend serves /dev/vfio/vfio; type1 is loaded by now, by the
 * containers unsafe_irqs_probe() opened, if it is the backend.
 */
static void find_backend(void)
{
	if (!access("/sys/module/vfio_iommu_type1", F_OK)) {
		ksft_print_msg("/dev/vfio/vfio: VFIO type1\n");
		quota_param = TYPE1_QUOTA;
	} else {
		ksft_print_msg("/dev/vfio/vfio: iommufd's emulation\n");
		quota_param = IOMMUFD_QUOTA;
	}
	if (sysfs_read(quota_param, quota_saved, sizeof(quota_saved))) {
		ksft_print_msg("%s: cannot read\n", quota_param);
		quota_param = NULL;
		quota_saved[0] = '\0';
	}
}

/* Returns the VFIO_PASID_REQUEST extension of a type1 container, or -1. */
static int pasid_extension(void)
{
	struct type1 a = { .container = -1, .group = -1 };
	int ext;

	if (type1_open_group(&a, groups[0]))
		return -1;
	ext = ioctl(a.container, VFIO_CHECK_EXTENSION, VFIO_PASID_REQUEST);
	type1_close(&a);
	return ext;
}

int main(void)
{
	char root[PATH_MAX];
	int ext;

	ksft_print_header();
	/* A child gone leaves a pipe without reader: fail, not die. */
	signal(SIGPIPE, SIG_IGN);
	ioasids_find_root(root, sizeof(root));

	setup_devices();

	ext = pasid_extension();
	if (ext < 0) {
		cleanup_devices();
		ksft_exit_fail_msg("Cannot open a VFIO container\n");
	}
	if (!ext) {
		cleanup_devices();
		ksft_exit_skip("No VFIO_PASID_REQUEST extension\n");
	}
	find_backend();

	ioasids_run_tests(tests, ARRAY_SIZE(tests), root);

	cleanup_devices();
	ksft_finished();
}
