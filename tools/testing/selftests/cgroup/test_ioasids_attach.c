// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the PASID attach: a VMM attaches a PASID of a device bound to
 * its iommufd context to a page table, and the PASID is an IOASID that the
 * context holds, charged to an ioasids cgroup, as
 * Documentation/userspace-api/ioasid.rst describes.
 *
 * No emulated device has PASIDs, so the attaches run on iommufd's mock
 * devices (CONFIG_IOMMUFD_TEST), created with MOCK_FLAGS_DEVICE_PASID and
 * attached through the test op that calls what VFIO's cdev calls.  The
 * VFIO ioctl itself runs on QEMU's edu device, which has no PASID: its
 * checks of the arguments, and the refusal of a device without PASIDs.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/ioasid.h>
#include <linux/iommufd.h>
#include <linux/limits.h>
#include <linux/vfio.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest.h"
#include "../../../../drivers/iommu/iommufd/iommufd_test.h"
#include "cgroup_util.h"
#include "ioasids_util.h"
#include "vfio_util.h"

#define IOMMU_DEV	"/dev/iommu"
#define IOASID_DEV	"/dev/ioasid"

/* How long to wait for an uncharge that happens on release */
#define RELEASE_TIMEOUT_MS	2000

/* PASIDs the tests attach: above the IDs the kernel hands out first */
#define PASID_A		0x9000U
#define PASID_B		0x9001U
#define PASID_C		0x9002U

/* The buffer the DMA test maps */
#define BUF_LEN		(64 * 1024)

/* An iommufd context with an IOAS, and mock devices bound to it */
struct ctx {
	int fd;
	__u32 ioas_id;
};

static int ctx_open(struct ctx *c)
{
	int ret = iommufd_ctx_open(&c->fd, &c->ioas_id);

	if (ret)
		ksft_print_msg("an iommufd context: %s\n", strerror(-ret));
	return ret;
}

/* A mock device in @c, with PASIDs if @pasids, its RID in the IOAS */
static int mock_add(struct ctx *c, bool pasids, struct mock_dev *m)
{
	int ret = mock_dev_add(c->fd, c->ioas_id, pasids, m);

	if (ret)
		ksft_print_msg("a mock device: %s\n", strerror(-ret));
	return ret;
}

static int pasid_attach(struct ctx *c, struct mock_dev *m, __u32 pasid,
			__u32 pt_id, __u32 *out_pt)
{
	return mock_pasid_attach(c->fd, m, pasid, pt_id, out_pt);
}

static int pasid_detach(struct ctx *c, struct mock_dev *m, __u32 pasid)
{
	return mock_pasid_detach(c->fd, m, pasid);
}

/* 0 if @pasid of @m uses @hwpt_id, or no page table if @hwpt_id is 0 */
static int pasid_check(struct ctx *c, struct mock_dev *m, __u32 pasid,
		       __u32 hwpt_id)
{
	int ret = mock_pasid_check(c->fd, m, pasid, hwpt_id);

	if (ret)
		ksft_print_msg("PASID %#x of device %u: not on HWPT %u: %s\n",
			       pasid, m->stdev_id, hwpt_id, strerror(-ret));
	return ret;
}

/* 0 if every page of @hwpt_id under [@iova, @iova + @len) is @buf's */
static int check_map(struct ctx *c, __u32 hwpt_id, __u64 iova, void *buf,
		     size_t len)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt_id,
		.check_map = {
			.iova = iova,
			.length = len,
			.uptr = (uintptr_t)buf,
		},
	};

	if (!ioctl(c->fd, IOMMU_TEST_CMD, &cmd))
		return 0;
	ksft_print_msg("HWPT %u does not map the buffer: %s\n", hwpt_id,
		       strerror(errno));
	return -1;
}

static int ioas_map(struct ctx *c, __u64 iova, void *buf, size_t len)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = c->ioas_id,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	return ioctl(c->fd, IOMMU_IOAS_MAP, &map) ? -errno : 0;
}

/* A paging HWPT for @m's device on the IOAS, with @flags */
static int hwpt_alloc(struct ctx *c, struct mock_dev *m, __u32 flags,
		      __u32 *hwpt_id)
{
	struct iommu_hwpt_alloc alloc = {
		.size = sizeof(alloc),
		.flags = flags,
		.dev_id = m->idev_id,
		.pt_id = c->ioas_id,
	};

	if (ioctl(c->fd, IOMMU_HWPT_ALLOC, &alloc))
		return -errno;
	*hwpt_id = alloc.out_hwpt_id;
	return 0;
}

/* 0 if @cg is charged @nr IOASIDs, all of them a context's */
static int check_ids(const char *cg, long nr)
{
	return check_value(cg, "ioasids.current", nr) ||
	       check_stat(cg, 0, nr, 0, 0);
}

/*
 * The end of a test, once it closed its files: the IDs of @cg are all
 * released in time, or the test fails; then @cg is left and removed.
 */
static int test_end(const char *root, char *cg, int ret)
{
	if (cg && wait_value(cg, "ioasids.current", 0, RELEASE_TIMEOUT_MS))
		ret = KSFT_FAIL;
	test_cg_leave(root, cg);
	return ret;
}

/*
 * One PASID attached to two devices of a context is one IOASID, charged
 * once, until its last detach; a second attach to the same device is
 * refused and charges nothing.
 */
static int test_attach_charges_once(const char *root)
{
	struct mock_dev m1, m2;
	struct ctx c = { .fd = -1 };
	int ret = KSFT_FAIL;
	__u32 pt1, pt2;
	char *cg;

	cg = test_cg_enter(root, "attach_once");
	if (!cg || ctx_open(&c) || mock_add(&c, true, &m1) ||
	    mock_add(&c, true, &m2))
		goto out;

	if (expect_ok(pasid_attach(&c, &m1, PASID_A, c.ioas_id, &pt1),
		      "attach to the IOAS") ||
	    check_ids(cg, 1) || pasid_check(&c, &m1, PASID_A, pt1) ||
	    expect_err(pasid_attach(&c, &m1, PASID_A, c.ioas_id, NULL), EBUSY,
		       "attach again") ||
	    check_ids(cg, 1) || pasid_check(&c, &m1, PASID_A, pt1) ||
	    expect_ok(pasid_attach(&c, &m2, PASID_A, c.ioas_id, &pt2),
		      "attach to a second device") ||
	    check_ids(cg, 1) || pasid_check(&c, &m2, PASID_A, pt2) ||
	    expect_ok(pasid_detach(&c, &m1, PASID_A), "detach") ||
	    check_ids(cg, 1) || pasid_check(&c, &m1, PASID_A, 0) ||
	    expect_err(pasid_detach(&c, &m1, PASID_A), ENOENT,
		       "detach again") ||
	    expect_ok(pasid_detach(&c, &m2, PASID_A), "last detach") ||
	    check_ids(cg, 0) || pasid_check(&c, &m2, PASID_A, 0))
		goto out;
	ret = KSFT_PASS;
out:
	close_fd(&c.fd);
	return test_end(root, cg, ret);
}

/*
 * DMA tagged with the PASID reaches the pages mapped in the page table it
 * is attached to: the IOAS's, through an automatic domain, or a HWPT
 * allocated for PASIDs.  A HWPT allocated without IOMMU_HWPT_ALLOC_PASID
 * is refused, charging nothing.
 */
static int test_attach_maps_pages(const char *root)
{
	struct ctx c = { .fd = -1 };
	__u32 auto_pt = 0, hwpt = 0, rid_hwpt = 0;
	int ret = KSFT_FAIL;
	char *cg, *buf;
	struct mock_dev m;

	buf = buf_alloc(BUF_LEN);
	cg = test_cg_enter(root, "attach_maps");
	if (!buf || !cg || ctx_open(&c) || mock_add(&c, true, &m))
		goto out;
	memset(buf, 0x5a, BUF_LEN);

	if (expect_ok(ioas_map(&c, MOCK_APERTURE_START, buf, BUF_LEN),
		      "IOMMU_IOAS_MAP") ||
	    expect_ok(pasid_attach(&c, &m, PASID_A, c.ioas_id, &auto_pt),
		      "attach to the IOAS") ||
	    pasid_check(&c, &m, PASID_A, auto_pt) ||
	    check_map(&c, auto_pt, MOCK_APERTURE_START, buf, BUF_LEN))
		goto out;

	if (expect_ok(hwpt_alloc(&c, &m, IOMMU_HWPT_ALLOC_PASID, &hwpt),
		      "IOMMU_HWPT_ALLOC_PASID") ||
	    expect_ok(pasid_attach(&c, &m, PASID_B, hwpt, NULL),
		      "attach to the HWPT") ||
	    pasid_check(&c, &m, PASID_B, hwpt) ||
	    check_map(&c, hwpt, MOCK_APERTURE_START, buf, BUF_LEN) ||
	    check_value(cg, "ioasids.current", 2) ||
	    check_stat(cg, 0, 2, 0, BUF_LEN))
		goto out;

	if (expect_ok(hwpt_alloc(&c, &m, 0, &rid_hwpt), "IOMMU_HWPT_ALLOC") ||
	    expect_err(pasid_attach(&c, &m, PASID_C, rid_hwpt, NULL), EINVAL,
		       "attach to a HWPT for RIDs") ||
	    pasid_check(&c, &m, PASID_C, 0) ||
	    check_value(cg, "ioasids.current", 2))
		goto out;
	ret = KSFT_PASS;
out:
	close_fd(&c.fd);
	buf_free(buf, BUF_LEN);
	return test_end(root, cg, ret);
}

/* Every refused attach and detach leaves nothing charged. */
static int test_attach_errors(const char *root)
{
	struct mock_dev m, narrow;
	struct ctx c = { .fd = -1 };
	int ret = KSFT_FAIL;
	char *cg;

	cg = test_cg_enter(root, "attach_errors");
	if (!cg || ctx_open(&c) || mock_add(&c, true, &m) ||
	    mock_add(&c, false, &narrow))
		goto out;

	if (expect_err(pasid_attach(&c, &m, 0, c.ioas_id, NULL), EINVAL,
		       "PASID 0") ||
	    expect_err(pasid_attach(&c, &m, 1U << 20, c.ioas_id, NULL),
		       EINVAL, "PASID beyond the device's width") ||
	    expect_err(pasid_attach(&c, &narrow, PASID_A, c.ioas_id, NULL),
		       EINVAL, "PASID of a device without PASIDs") ||
	    expect_err(pasid_attach(&c, &m, PASID_A, 0xdead, NULL), ENOENT,
		       "no such page table") ||
	    expect_err(pasid_attach(&c, &m, PASID_A, m.idev_id, NULL), EINVAL,
		       "a device for a page table") ||
	    expect_err(pasid_detach(&c, &m, PASID_A), ENOENT,
		       "detach of a PASID not attached") ||
	    check_ids(cg, 0) || check_events(cg, "ioasids.events", 0, 0))
		goto out;
	ret = KSFT_PASS;
out:
	close_fd(&c.fd);
	test_cg_leave(root, cg);
	return ret;
}

/*
 * ioasids.max bounds the PASIDs a context attaches: EDQUOT beyond it,
 * counted in ioasids.events, and room again after a detach.
 */
static int test_attach_limit(const char *root)
{
	struct ctx c = { .fd = -1 };
	int ret = KSFT_FAIL;
	struct mock_dev m;
	char *cg;

	cg = test_cg_enter(root, "attach_limit");
	if (!cg || cg_write(cg, "ioasids.max", "2") || ctx_open(&c) ||
	    mock_add(&c, true, &m))
		goto out;

	if (expect_ok(pasid_attach(&c, &m, PASID_A, c.ioas_id, NULL),
		      "first attach") ||
	    expect_ok(pasid_attach(&c, &m, PASID_B, c.ioas_id, NULL),
		      "second attach") ||
	    expect_err(pasid_attach(&c, &m, PASID_C, c.ioas_id, NULL), EDQUOT,
		       "attach over ioasids.max") ||
	    pasid_check(&c, &m, PASID_C, 0) || check_ids(cg, 2) ||
	    check_events(cg, "ioasids.events", 1, 0) ||
	    expect_ok(pasid_detach(&c, &m, PASID_A), "detach") ||
	    expect_ok(pasid_attach(&c, &m, PASID_C, c.ioas_id, NULL),
		      "attach after a detach") ||
	    check_ids(cg, 2))
		goto out;
	ret = KSFT_PASS;
out:
	close_fd(&c.fd);
	return test_end(root, cg, ret);
}

/* In a holder: a context of its own with PASID_A attached, held open */
static int hold_pasid_a(void *arg)
{
	struct ctx c;
	struct mock_dev m;

	if (ctx_open(&c) || mock_add(&c, true, &m))
		return -1;
	return expect_ok(pasid_attach(&c, &m, PASID_A, c.ioas_id, NULL),
			 "the holder's attach");
}

/*
 * A PASID another tenant holds is refused with EBUSY, charging nothing to
 * the caller; once the holder is gone (killed), the PASID is free again
 * and nothing stays charged to it.
 */
static int test_attach_held_elsewhere(const char *root)
{
	struct ctx c = { .fd = -1 };
	char *cg = NULL, *other;
	int ret = KSFT_FAIL;
	pid_t holder = -1;
	struct mock_dev m;

	other = test_cg_create(root, "attach_holder", false);
	if (!other)
		goto out;
	holder = holder_start(other, hold_pasid_a, NULL);
	if (holder < 0 || check_ids(other, 1))
		goto out;

	cg = test_cg_enter(root, "attach_held");
	if (!cg || ctx_open(&c) || mock_add(&c, true, &m))
		goto out;
	if (expect_err(pasid_attach(&c, &m, PASID_A, c.ioas_id, NULL), EBUSY,
		       "attach of another tenant's PASID") ||
	    check_ids(cg, 0) || check_events(cg, "ioasids.events", 0, 0))
		goto out;

	if (holder_kill(&holder) ||
	    wait_value(other, "ioasids.current", 0, RELEASE_TIMEOUT_MS) ||
	    expect_ok(pasid_attach(&c, &m, PASID_A, c.ioas_id, NULL),
		      "attach once the holder is gone") ||
	    check_ids(cg, 1))
		goto out;
	ret = KSFT_PASS;
out:
	kill_child(&holder);
	close_fd(&c.fd);
	if (cg && wait_value(cg, "ioasids.current", 0, RELEASE_TIMEOUT_MS))
		ret = KSFT_FAIL;
	test_cg_leave(root, cg);
	test_cg_remove(other);
	return ret;
}

/* Closing the context detaches every PASID and frees every IOASID. */
static int test_attach_close_releases(const char *root)
{
	struct ctx c = { .fd = -1 };
	int ret = KSFT_FAIL;
	struct mock_dev m1, m2;
	char *cg;

	cg = test_cg_enter(root, "attach_close");
	if (!cg || ctx_open(&c) || mock_add(&c, true, &m1) ||
	    mock_add(&c, true, &m2))
		goto out;
	if (expect_ok(pasid_attach(&c, &m1, PASID_A, c.ioas_id, NULL),
		      "attach") ||
	    expect_ok(pasid_attach(&c, &m1, PASID_B, c.ioas_id, NULL),
		      "attach") ||
	    expect_ok(pasid_attach(&c, &m2, PASID_A, c.ioas_id, NULL),
		      "attach") ||
	    check_ids(cg, 2))
		goto out;
	close_fd(&c.fd);
	if (wait_value(cg, "ioasids.current", 0, RELEASE_TIMEOUT_MS))
		goto out;

	/* The IDs are free: a new context takes them. */
	if (ctx_open(&c) || mock_add(&c, true, &m1) ||
	    expect_ok(pasid_attach(&c, &m1, PASID_A, c.ioas_id, NULL),
		      "attach in a new context") ||
	    check_ids(cg, 1))
		goto out;
	ret = KSFT_PASS;
out:
	close_fd(&c.fd);
	return test_end(root, cg, ret);
}

/* IOASID_BIND_IOMMUFD of @ioasid_fd to @c: 0 or -errno */
static int bind_iommufd(int ioasid_fd, struct ctx *c)
{
	struct ioasid_bind_iommufd bind = {
		.size = sizeof(bind),
		.iommufd = c->fd,
	};

	return ioctl(ioasid_fd, IOASID_BIND_IOMMUFD, &bind) ? -errno : 0;
}

static int ioasid_alloc_one(int fd)
{
	struct ioasid_alloc alloc = { .size = sizeof(alloc) };

	return ioctl(fd, IOASID_ALLOC, &alloc) ? -errno : (int)alloc.out_ioasid;
}

static int ioasid_free_one(int fd, __u32 ioasid)
{
	struct ioasid_free free_cmd = { .size = sizeof(free_cmd),
					.ioasid = ioasid };

	return ioctl(fd, IOASID_FREE, &free_cmd) ? -errno : 0;
}

static int ioasid_set_quota(int fd, __u32 quota)
{
	struct ioasid_set_quota cmd = { .size = sizeof(cmd), .quota = quota };

	return ioctl(fd, IOASID_SET_QUOTA, &cmd) ? -errno : 0;
}

/*
 * A context bound to a /dev/ioasid file attaches the file's IOASIDs: one
 * the kernel allocated, charged once, to the file's cgroup whichever task
 * attaches it, and not freed while attached; a PASID the file does not
 * hold is allocated into the file, within its quota, and freed at detach.
 */
static int test_attach_file_ids(const char *root)
{
	struct ctx c = { .fd = -1 };
	char *file_cg, *cg = NULL;
	int ret = KSFT_FAIL;
	int fd = -1, id;
	struct mock_dev m;

	/* The file is charged to the cgroup of its opener. */
	file_cg = test_cg_enter(root, "attach_file_owner");
	if (!file_cg)
		goto out;
	fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ksft_print_msg("open %s: %s\n", IOASID_DEV, strerror(errno));
		goto out;
	}
	cg = test_cg_enter(root, "attach_file_vmm");
	if (!cg || ctx_open(&c) || mock_add(&c, true, &m))
		goto out;

	id = ioasid_alloc_one(fd);
	if (id < 0 || expect_ok(bind_iommufd(fd, &c), "IOASID_BIND_IOMMUFD") ||
	    expect_err(bind_iommufd(fd, &c), EBUSY, "a second bind"))
		goto out;
	if (expect_ok(pasid_attach(&c, &m, id, c.ioas_id, NULL),
		      "attach of the file's IOASID") ||
	    check_value(file_cg, "ioasids.current", 1) ||
	    check_stat(file_cg, 1, 0, 0, 0) || check_ids(cg, 0) ||
	    expect_err(ioasid_free_one(fd, id), EBUSY,
		       "IOASID_FREE of an attached IOASID") ||
	    expect_ok(pasid_attach(&c, &m, PASID_A, c.ioas_id, NULL),
		      "attach of a PASID the file does not hold") ||
	    check_stat(file_cg, 2, 0, 0, 0) ||
	    expect_ok(ioasid_set_quota(fd, 2), "IOASID_SET_QUOTA") ||
	    expect_err(pasid_attach(&c, &m, PASID_B, c.ioas_id, NULL), EDQUOT,
		       "attach over the file's quota") ||
	    check_stat(file_cg, 2, 0, 0, 0))
		goto out;

	/* The file's own IOASID stays at detach; the attach's goes. */
	if (expect_ok(pasid_detach(&c, &m, id), "detach") ||
	    expect_ok(pasid_detach(&c, &m, PASID_A), "detach") ||
	    check_stat(file_cg, 1, 0, 0, 0) ||
	    expect_ok(ioasid_free_one(fd, id), "IOASID_FREE after detach") ||
	    check_stat(file_cg, 0, 0, 0, 0))
		goto out;
	ret = KSFT_PASS;
out:
	close_fd(&fd);
	close_fd(&c.fd);
	if (wait_value(file_cg, "ioasids.current", 0, RELEASE_TIMEOUT_MS))
		ret = KSFT_FAIL;
	test_cg_leave(root, cg);
	test_cg_leave(root, file_cg);
	return ret;
}

/*
 * A context that holds no PASID can still be bound to a file: one whose
 * attaches all failed, and one whose PASIDs were all detached.
 */
static int test_attach_bind_after(const char *root)
{
	struct ctx c1 = { .fd = -1 }, c2 = { .fd = -1 };
	int ret = KSFT_FAIL, fd = -1;
	struct mock_dev m1, m2;
	char *cg;

	cg = test_cg_enter(root, "attach_bind_after");
	if (!cg || ctx_open(&c1) || mock_add(&c1, true, &m1) ||
	    ctx_open(&c2) || mock_add(&c2, true, &m2))
		goto out;
	fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ksft_print_msg("open %s: %s\n", IOASID_DEV, strerror(errno));
		goto out;
	}
	if (expect_err(pasid_attach(&c1, &m1, PASID_A, 0xdead, NULL), ENOENT,
		       "attach to no page table") ||
	    expect_ok(bind_iommufd(fd, &c1), "bind after a failed attach") ||
	    expect_ok(pasid_attach(&c2, &m2, PASID_B, c2.ioas_id, NULL),
		      "attach") ||
	    expect_err(bind_iommufd(fd, &c2), EBUSY,
		       "bind of a context that holds a PASID") ||
	    expect_ok(pasid_detach(&c2, &m2, PASID_B), "detach") ||
	    check_ids(cg, 0) ||
	    expect_ok(bind_iommufd(fd, &c2), "bind after the last detach") ||
	    expect_ok(pasid_attach(&c2, &m2, PASID_B, c2.ioas_id, NULL),
		      "attach from the file") ||
	    check_stat(cg, 1, 0, 0, 0))
		goto out;
	ret = KSFT_PASS;
out:
	close_fd(&fd);
	close_fd(&c1.fd);
	close_fd(&c2.fd);
	return test_end(root, cg, ret);
}

#define TAINTED		"/proc/sys/kernel/tainted"
/* The rounds of the races below */
#define RACE_ROUNDS	2000

static long long tainted(void)
{
	char buf[32];

	return read_file(TAINTED, buf, sizeof(buf)) ? -1 : atoll(buf);
}

/* In a child: IOASID_ALLOC and IOASID_FREE of @pasid, RACE_ROUNDS times */
static void race_file(int fd, __u32 pasid)
{
	struct ioasid_alloc alloc = {
		.size = sizeof(alloc),
		.flags = IOASID_ALLOC_RANGE,
		.min = pasid,
		.max = pasid,
	};
	int i;

	for (i = 0; i < RACE_ROUNDS; i++) {
		alloc.out_ioasid = 0;
		ioctl(fd, IOASID_ALLOC, &alloc);
		ioasid_free_one(fd, pasid);
	}
}

/* In a child: attach and detach @pasid of @m, RACE_ROUNDS times */
static void race_attach(struct ctx *c, struct mock_dev *m, __u32 pasid)
{
	int i;

	for (i = 0; i < RACE_ROUNDS; i++)
		if (!pasid_attach(c, m, pasid, c->ioas_id, NULL))
			pasid_detach(c, m, pasid);
}

/*
 * Attaches and detaches of one PASID race its IOASID_ALLOC and
 * IOASID_FREE through the bound file, and the attaches of a second
 * context bound to the same file: every call succeeds or fails cleanly,
 * the kernel warns of nothing, and nothing stays charged.
 */
static int test_attach_races(const char *root)
{
	struct ctx c1 = { .fd = -1 }, c2 = { .fd = -1 };
	pid_t freer = -1, rival = -1;
	int ret = KSFT_FAIL, fd = -1;
	struct mock_dev m1, m2;
	long long taint;
	char *cg;

	cg = test_cg_enter(root, "attach_races");
	taint = tainted();
	if (!cg || taint < 0 || ctx_open(&c1) || mock_add(&c1, true, &m1) ||
	    ctx_open(&c2) || mock_add(&c2, true, &m2))
		goto out;
	fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 || expect_ok(bind_iommufd(fd, &c1), "bind") ||
	    expect_ok(bind_iommufd(fd, &c2), "bind of a second context"))
		goto out;

	freer = fork();
	if (!freer) {
		race_file(fd, PASID_A);
		_exit(0);
	}
	rival = fork();
	if (!rival) {
		race_attach(&c2, &m2, PASID_A);
		_exit(0);
	}
	if (freer < 0 || rival < 0)
		goto out;
	race_attach(&c1, &m1, PASID_A);
	if (waitpid(freer, NULL, 0) != freer || waitpid(rival, NULL, 0) != rival)
		goto out;
	freer = -1;
	rival = -1;

	/* Whatever the file holds, it frees; nothing else is held. */
	ioasid_free_one(fd, PASID_A);
	if (pasid_check(&c1, &m1, PASID_A, 0) ||
	    pasid_check(&c2, &m2, PASID_A, 0) || check_ids(cg, 0))
		goto out;
	if (tainted() != taint) {
		ksft_print_msg("the kernel is tainted: %lld, was %lld\n",
			       tainted(), taint);
		goto out;
	}
	ret = KSFT_PASS;
out:
	kill_child(&freer);
	kill_child(&rival);
	close_fd(&fd);
	close_fd(&c1.fd);
	close_fd(&c2.fd);
	return test_end(root, cg, ret);
}

/*
 * A tenant that attaches the lowest IDs /dev/ioasid hands out cannot make
 * another tenant's IOASID_ALLOC fail: the kernel picks a free ID, and the
 * squatter holds no more than its ioasids.max.
 */
static int test_attach_squatter(const char *root)
{
	struct ctx c = { .fd = -1 };
	char *squatter, *cg = NULL;
	int ret = KSFT_FAIL;
	int fd = -1, i, id;
	struct mock_dev m;

	squatter = test_cg_enter(root, "attach_squatter");
	if (!squatter || cg_write(squatter, "ioasids.max", "8") ||
	    ctx_open(&c) || mock_add(&c, true, &m))
		goto out;
	for (i = 0; i < 8; i++)
		if (expect_ok(pasid_attach(&c, &m, 0x400 + i, c.ioas_id, NULL),
			      "the squatter's attach"))
			goto out;
	if (expect_err(pasid_attach(&c, &m, 0x408, c.ioas_id, NULL), EDQUOT,
		       "the squatter's attach over ioasids.max"))
		goto out;

	cg = test_cg_enter(root, "attach_victim");
	if (!cg)
		goto out;
	fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	id = fd < 0 ? -errno : ioasid_alloc_one(fd);
	if (id < 0) {
		ksft_print_msg("the victim's IOASID_ALLOC: %s\n", strerror(-id));
		goto out;
	}
	if (id < 0x408) {
		ksft_print_msg("IOASID_ALLOC gave %#x, which is attached\n", id);
		goto out;
	}
	if (check_stat(cg, 1, 0, 0, 0) || check_ids(squatter, 8))
		goto out;
	ret = KSFT_PASS;
out:
	close_fd(&fd);
	close_fd(&c.fd);
	if (wait_value(squatter, "ioasids.current", 0, RELEASE_TIMEOUT_MS))
		ret = KSFT_FAIL;
	test_cg_leave(root, cg);
	test_cg_leave(root, squatter);
	return ret;
}

/*
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT and VFIO_DEVICE_DETACH_IOMMUFD_PT with a
 * PASID, on QEMU's edu device, which has none: every call is refused with
 * its documented error, and nothing is charged.
 */
static int test_vfio_pasid_edu(const char *root)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.flags = VFIO_DEVICE_ATTACH_PASID,
		.pasid = PASID_A,
	};
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach),
		.flags = VFIO_DEVICE_DETACH_PASID,
		.pasid = PASID_A,
	};
	struct iommufd f = { .iommufd = -1, .dev = -1 };
	int ret = KSFT_FAIL;
	char *cg;

	if (!edu_cdev_path[0])
		return KSFT_SKIP;
	cg = test_cg_enter(root, "vfio_pasid");
	if (!cg || iommufd_open(&f))
		goto out;

	attach.pt_id = f.ioas_id;
	if (expect_err(ioctl(f.dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) ?
		       -errno : 0, EINVAL, "attach of a PASID the edu lacks"))
		goto out;
	attach.argsz = offsetof(struct vfio_device_attach_iommufd_pt, pasid);
	if (expect_err(ioctl(f.dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) ?
		       -errno : 0, EINVAL, "attach without room for the PASID"))
		goto out;
	attach.argsz = sizeof(attach);
	attach.flags = 1U << 1;
	if (expect_err(ioctl(f.dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) ?
		       -errno : 0, EINVAL, "attach with an unknown flag"))
		goto out;
	if (expect_err(ioctl(f.dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach) ?
		       -errno : 0, ENOENT, "detach of a PASID not attached"))
		goto out;
	detach.argsz = offsetof(struct vfio_device_detach_iommufd_pt, pasid);
	if (expect_err(ioctl(f.dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach) ?
		       -errno : 0, EINVAL, "detach without room for the PASID"))
		goto out;
	if (check_ids(cg, 0))
		goto out;
	ret = KSFT_PASS;
out:
	iommufd_close(&f);
	test_cg_leave(root, cg);
	return ret;
}

static const struct ioasids_test tests[] = {
	IOASIDS_TEST(test_attach_charges_once),
	IOASIDS_TEST(test_attach_maps_pages),
	IOASIDS_TEST(test_attach_errors),
	IOASIDS_TEST(test_attach_limit),
	IOASIDS_TEST(test_attach_held_elsewhere),
	IOASIDS_TEST(test_attach_close_releases),
	IOASIDS_TEST(test_attach_file_ids),
	IOASIDS_TEST(test_attach_bind_after),
	IOASIDS_TEST(test_attach_races),
	IOASIDS_TEST(test_attach_squatter),
	IOASIDS_TEST(test_vfio_pasid_edu),
};

/* Whether iommufd has mock devices with PASIDs, or exit skipped */
static void probe_mock(void)
{
	struct ctx c;
	struct mock_dev m;

	if (access(IOMMU_DEV, F_OK))
		ksft_exit_skip("No %s\n", IOMMU_DEV);
	if (ctx_open(&c))
		ksft_exit_fail_msg("Cannot open an iommufd context\n");
	if (mock_add(&c, true, &m)) {
		close_fd(&c.fd);
		ksft_exit_skip("No mock device with PASIDs (IOMMUFD_TEST)\n");
	}
	close_fd(&c.fd);
}

int main(void)
{
	char root[PATH_MAX];
	bool have_edu;

	ksft_print_header();
	/* A child gone leaves a pipe without reader: fail, not die. */
	signal(SIGPIPE, SIG_IGN);
	ioasids_find_root(root, sizeof(root));
	probe_mock();

	have_edu = !edu_find() && !access(VFIO_PCI_DRIVER, F_OK) && !edu_setup();
	if (have_edu)
		unsafe_irqs_probe();
	else
		edu_cdev_path[0] = '\0';

	ioasids_run_tests(tests, ARRAY_SIZE(tests), root);

	if (have_edu) {
		unsafe_irqs_restore();
		edu_restore();
	}
	ksft_finished();
}
