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
 *
 * Each test that maps runs three times, on memory backed as a VM's may be:
 * small pages, transparent huge pages and hugetlbfs.  Each changes how
 * many pages VFIO and iommufd find contiguous, and so pin at once.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/capability.h>
#include <linux/limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"
#include "ioasids_util.h"
#include "vfio_util.h"

/* How long to wait for an uncharge that happens on release */
#define RELEASE_TIMEOUT_MS	2000

static long page_size;

/* What backs the memory the tests map */
enum backing {
	BACKING_PAGES,		/* small pages, never huge */
	BACKING_THP,		/* transparent huge pages, on madvise() */
	BACKING_HUGETLB,	/* hugetlbfs, through MAP_HUGETLB */
	NR_BACKINGS
};

static const char *const backing_name[NR_BACKINGS] = {
	[BACKING_PAGES] = "(small pages)",
	[BACKING_THP] = "(THP)",
	[BACKING_HUGETLB] = "(hugetlbfs)",
};

#define HUGE_SIZE	MB(2)
/* Huge pages the tests need at most at once, for vm.nr_hugepages */
#define NR_HUGE_PAGES	48
/* Whether VFIO type1 pins a page at a time, a parameter it reads per map */
#define DISABLE_HUGEPAGES \
	"/sys/module/vfio_iommu_type1/parameters/disable_hugepages"

static enum backing backing;

/* Bytes of anonymous memory that THP backs in this process */
static long long thp_bytes(void)
{
	char buf[4096], *at;
	int err;

	err = read_file("/proc/self/smaps_rollup", buf, sizeof(buf));
	if (err)
		return err;
	at = strstr(buf, "AnonHugePages:");
	return at ? strtoll(at + strlen("AnonHugePages:"), NULL, 10) * 1024 :
		    -ENOENT;
}

/* What mem_alloc() maps for @len bytes */
static size_t mem_len(size_t len)
{
	if (backing == BACKING_PAGES)
		return len;
	return (len + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
}

/*
 * @len bytes of memory, written to, backed as the current test asks; or
 * NULL.  THP backs the memory in huge pages whole, or the test fails:
 * the test kernels have the memory to.
 */
static char *mem_alloc(size_t len)
{
	size_t map_len = mem_len(len), off;
	long long thp_before = 0;
	char *buf, *huge;

	switch (backing) {
	case BACKING_PAGES:
		buf = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf != MAP_FAILED && madvise(buf, map_len, MADV_NOHUGEPAGE))
			ksft_perror("madvise(MADV_NOHUGEPAGE)");
		break;
	case BACKING_THP:
		thp_before = thp_bytes();
		/* Aligned on a huge page: map one more, trim the ends */
		buf = mmap(NULL, map_len + HUGE_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED)
			break;
		huge = (char *)(((uintptr_t)buf + HUGE_SIZE - 1) &
				~(uintptr_t)(HUGE_SIZE - 1));
		if (huge != buf)
			munmap(buf, huge - buf);
		munmap(huge + map_len, buf + HUGE_SIZE - huge);
		buf = huge;
		if (madvise(buf, map_len, MADV_HUGEPAGE)) {
			ksft_perror("madvise(MADV_HUGEPAGE)");
			munmap(buf, map_len);
			return NULL;
		}
		break;
	default:
		buf = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		break;
	}
	if (buf == MAP_FAILED) {
		ksft_perror("mmap");
		return NULL;
	}
	for (off = 0; off < map_len; off += page_size)
		buf[off] = 1;
	if (backing == BACKING_THP && thp_bytes() - thp_before < map_len) {
		ksft_print_msg("THP backs %lld of %zu bytes\n",
			       thp_bytes() - thp_before, map_len);
		munmap(buf, map_len);
		return NULL;
	}
	return buf;
}

static void mem_free(char *buf, size_t len)
{
	if (buf)
		munmap(buf, mem_len(len));
}

/* Returns 0 if @control of @cgroup reads a value in [0, @max]. */
static int check_at_most(const char *cgroup, const char *control,
			 long long max)
{
	long long val = read_value(cgroup, control);

	if (val < 0 || val > max) {
		ksft_print_msg("%s/%s: %lld, expected at most %lld\n", cgroup,
			       control, val, max);
		return -1;
	}
	return 0;
}

/* No IOASID charges the test cgroups, only pinned memory. */
static int check_pinned_stat(const char *cgroup, long long vfio,
			     long long iommufd)
{
	return check_stat(cgroup, 0, 0, vfio, iommufd);
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

/* What a test pins memory through */
enum pin_kind {
	PIN_TYPE1,
	/* As root, with CAP_IPC_LOCK: no accounting but the cgroup's */
	PIN_IOMMUFD,
	/* Without CAP_IPC_LOCK, accounted to the mm's locked_vm too */
	PIN_IOMMUFD_MM,
};

/* A VFIO type1 container, or a VFIO device file bound to iommufd */
struct pinner {
	enum pin_kind kind;
	struct type1 t;
	struct iommufd f;
	/* The map and unmap ioctls, for messages */
	const char *map, *unmap;
};

static void pinner_init(struct pinner *p, enum pin_kind kind)
{
	*p = (struct pinner) {
		.kind = kind,
		.t = { .container = -1, .group = -1 },
		.f = { .iommufd = -1, .dev = -1 },
		.map = kind == PIN_TYPE1 ? "VFIO_IOMMU_MAP_DMA" :
					   "IOMMU_IOAS_MAP",
		.unmap = kind == PIN_TYPE1 ? "VFIO_IOMMU_UNMAP_DMA" :
					     "IOMMU_IOAS_UNMAP",
	};
}

/* Whether the kernel lacks what @kind needs: a VFIO device file */
static bool pin_skip(enum pin_kind kind)
{
	return kind != PIN_TYPE1 && !edu_cdev_path[0];
}

/* Whether the second edu device is set up too, for two mappings at once */
static bool second_dev;

/* Open @p with the edu device @dev, 0 or 1 */
static int pinner_open_dev(struct pinner *p, int dev)
{
	if (p->kind == PIN_TYPE1)
		return type1_open_group(&p->t, edu_devs[dev].group_path);
	p->f.rlimit_mm = p->kind == PIN_IOMMUFD_MM;
	return iommufd_open_dev(&p->f, edu_devs[dev].cdev_path);
}

static int pinner_open(struct pinner *p)
{
	return pinner_open_dev(p, 0);
}

static void pinner_close(struct pinner *p)
{
	type1_close(&p->t);
	iommufd_close(&p->f);
}

/* Returns 0, or -errno. */
static int pinner_map(struct pinner *p, __u64 iova, void *buf, size_t len)
{
	if (p->kind == PIN_TYPE1)
		return type1_map(p->t.container, iova, buf, len);
	return iommufd_map(&p->f, iova, buf, len);
}

/* Returns the bytes unmapped, or -errno. */
static long long pinner_unmap(struct pinner *p, __u64 iova, size_t len)
{
	if (p->kind == PIN_TYPE1)
		return type1_unmap(p->t.container, iova, len);
	return iommufd_unmap(&p->f, iova, len);
}

/* ioasids.stat of @cgroup counts @bytes pinned through @p. */
static int check_pinner_stat(const struct pinner *p, const char *cgroup,
			     long long bytes)
{
	if (p->kind == PIN_TYPE1)
		return check_pinned_stat(cgroup, bytes, 0);
	return check_pinned_stat(cgroup, 0, bytes);
}

/* /dev/kmsg, at its end: what the kernel logs from now on, or -1 */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0)
		close_fd(&fd);
	return fd;
}

/*
 * Whether the kernel logged, since kmsg_open() gave @fd, a message that
 * holds @text followed, later in the same message, by @then.
 */
static bool kmsg_logged(int fd, const char *text, const char *then)
{
	char rec[2048], *at;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten before it was read */
		if (n <= 0)
			return false;
		rec[n] = '\0';
		at = strstr(rec, text);
		if (at && strstr(at + strlen(text), then))
			return true;
	}
}

/* "@ioctl@suffix", for a message */
static const char *what(const char *ioctl, const char *suffix)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s%s", ioctl, suffix);
	return buf;
}

/*
 * A new cgroup has no limit on pinned memory and nothing pinned; the root
 * counts pinned memory but has no limit.
 */
static int test_pinned_defaults(const char *root)
{
	int ret = KSFT_FAIL;
	char *cg;

	cg = test_cg_enter(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;

	if (check_exact(cg, "ioasids.pinned.max", "max\n"))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.peak", 0))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 0, 0))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 0, 0))
		goto cleanup;
	if (check_pinned_stat(cg, 0, 0))
		goto cleanup;
	if (cg_has_file(root, "ioasids.pinned.max"))
		goto cleanup;
	if (!cg_has_file(root, "ioasids.pinned.current") ||
	    !cg_has_file(root, "ioasids.pinned.peak"))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	test_cg_leave(root, cg);
	return ret;
}

/*
 * Invalid writes to ioasids.pinned.max fail and leave it unchanged; valid
 * ones are sizes rounded down to whole pages.
 */
static int test_pinned_max_invalid(const char *root)
{
	static const struct bad_write bad[] = {
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

	cg = test_cg_enter(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	if (cg_write(cg, "ioasids.pinned.max", "1M"))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.max", 1LL << 20))
		goto cleanup;

	if (check_bad_writes(cg, "ioasids.pinned.max", bad, ARRAY_SIZE(bad),
			     "1048576\n"))
		goto cleanup;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		if (cg_write(cg, "ioasids.pinned.max", (char *)good[i].buf)) {
			ksft_print_msg("writing \"%s\" failed\n", good[i].buf);
			goto cleanup;
		}
		bytes = good[i].bytes / page_size * page_size;
		if (check_value(cg, "ioasids.pinned.max", bytes))
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
	test_cg_leave(root, cg);
	return ret;
}

/*
 * VFIO_IOMMU_MAP_DMA, or IOMMU_IOAS_MAP with a device attached, charges
 * what it pins to the mapping task's cgroup and to its ancestors, up to
 * the root; VFIO_IOMMU_UNMAP_DMA, or IOMMU_IOAS_UNMAP, uncharges it.
 */
static int test_charge(const char *root, enum pin_kind kind)
{
	const size_t len = MB(4);
	int ret = KSFT_FAIL;
	long long root_before;
	struct pinner p;
	char *buf = NULL;
	char *cg;

	if (pin_skip(kind))
		return KSFT_SKIP;
	pinner_init(&p, kind);
	cg = test_cg_enter(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	buf = mem_alloc(len);
	if (!buf)
		goto cleanup;
	if (pinner_open(&p))
		goto cleanup;

	root_before = read_value(root, "ioasids.pinned.current");
	if (root_before < 0)
		goto cleanup;
	if (expect_ok(pinner_map(&p, TEST_IOVA, buf, len), p.map))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", len))
		goto cleanup;
	if (check_value(root, "ioasids.pinned.current", root_before + len))
		goto cleanup;
	if (check_pinner_stat(&p, cg, len))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 0, 0))
		goto cleanup;

	if (expect_unmapped(pinner_unmap(&p, TEST_IOVA, len), len, p.unmap))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_value(root, "ioasids.pinned.current", root_before))
		goto cleanup;
	if (check_pinned_stat(cg, 0, 0))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.peak", len))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	pinner_close(&p);
	mem_free(buf, len);
	test_cg_leave(root, cg);
	return ret;
}

static int test_type1_charge(const char *root)
{
	return test_charge(root, PIN_TYPE1);
}

/*
 * Over ioasids.pinned.max, a mapping fails with ENOMEM, the errno of a
 * mapping over RLIMIT_MEMLOCK, even with CAP_IPC_LOCK, logs a message that
 * names the cgroup, and leaves nothing mapped nor charged; a mapping that
 * fits passes, up to the limit exactly.
 */
static int test_limit(const char *root, enum pin_kind kind)
{
	/* VFIO unmaps nothing where iommufd finds no area */
	const long long failed_unmap = kind == PIN_TYPE1 ? 0 : -ENOENT;
	const size_t len = MB(4);
	int ret = KSFT_FAIL, kmsg = -1;
	struct pinner p;
	char *buf = NULL;
	char *cg;

	if (pin_skip(kind))
		return KSFT_SKIP;
	pinner_init(&p, kind);
	cg = test_cg_create(root, "ioasids_pinned_test", false);
	if (!cg)
		goto cleanup;
	if (cg_write(cg, "ioasids.pinned.max", "2M"))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.max", MB(2)))
		goto cleanup;
	if (cg_enter_current(cg))
		goto cleanup;
	buf = mem_alloc(len);
	if (!buf)
		goto cleanup;
	if (pinner_open(&p))
		goto cleanup;

	kmsg = kmsg_open();
	if (kmsg < 0) {
		ksft_perror("/dev/kmsg");
		goto cleanup;
	}
	if (expect_err(pinner_map(&p, TEST_IOVA, buf, len), ENOMEM,
		       what(p.map, " of 4M over 2M")))
		goto cleanup;
	if (!kmsg_logged(kmsg, "refused by ioasids.pinned.max of ",
			 "/ioasids_pinned_test")) {
		ksft_print_msg("no kernel message names the refusing cgroup\n");
		goto cleanup;
	}
	if (check_value(cg, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_pinned_stat(cg, 0, 0))
		goto cleanup;
	/* Pinned in batches, the mapping may have charged part of it. */
	if (check_at_most(cg, "ioasids.pinned.peak", MB(2)))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 0, 1))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 0, 1))
		goto cleanup;
	/* Nothing of the failed mapping is left to unmap. */
	if (expect_unmapped(pinner_unmap(&p, TEST_IOVA, len), failed_unmap,
			    what(p.unmap, " of the failed mapping")))
		goto cleanup;

	if (expect_ok(pinner_map(&p, TEST_IOVA, buf, MB(1)),
		      what(p.map, " of 1M")))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", MB(1)))
		goto cleanup;
	if (check_pinner_stat(&p, cg, MB(1)))
		goto cleanup;
	/* Up to the limit exactly, and not one page more */
	if (expect_ok(pinner_map(&p, TEST_IOVA + MB(1), buf + MB(1), MB(1)),
		      what(p.map, " up to the limit")))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (expect_err(pinner_map(&p, TEST_IOVA + MB(2), buf + MB(2),
				  page_size), ENOMEM,
		       what(p.map, " of a page over the limit")))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 0, 2))
		goto cleanup;
	/* Only the cgroup's first refusal is logged: no tenant floods it. */
	if (kmsg_logged(kmsg, "refused by ioasids.pinned.max of ",
			"/ioasids_pinned_test")) {
		ksft_print_msg("a second refusal by the same limit was logged\n");
		goto cleanup;
	}
	if (check_value(cg, "ioasids.pinned.peak", MB(2)))
		goto cleanup;

	if (expect_unmapped(pinner_unmap(&p, TEST_IOVA, MB(2)), MB(2),
			    p.unmap))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&kmsg);
	pinner_close(&p);
	mem_free(buf, len);
	test_cg_leave(root, cg);
	return ret;
}

static int test_type1_limit(const char *root)
{
	return test_limit(root, PIN_TYPE1);
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

	parent = test_cg_create(root, "ioasids_pinned_parent", true);
	child = test_cg_create(parent, "ioasids_pinned_child", false);
	if (!parent || !child)
		goto cleanup;
	if (cg_write(parent, "ioasids.pinned.max", "2M"))
		goto cleanup;
	if (check_exact(child, "ioasids.pinned.max", "max\n"))
		goto cleanup;
	if (cg_enter_current(child))
		goto cleanup;
	buf = mem_alloc(len);
	if (!buf)
		goto cleanup;
	if (type1_open(&t))
		goto cleanup;

	if (expect_err(type1_map(t.container, TEST_IOVA, buf, len), ENOMEM,
		       "VFIO_IOMMU_MAP_DMA of 4M over the parent's 2M"))
		goto cleanup;
	if (check_value(child, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_value(parent, "ioasids.pinned.current", 0))
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
	if (check_value(child, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (check_value(parent, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (check_pinned_stat(parent, MB(2), 0))
		goto cleanup;

	/* The child's own limit, below its usage, fails it first. */
	if (cg_write(child, "ioasids.pinned.max", "1M"))
		goto cleanup;
	if (expect_err(type1_map(t.container, TEST_IOVA + MB(2), buf + MB(2),
				 page_size), ENOMEM,
		       "VFIO_IOMMU_MAP_DMA over the child's limit"))
		goto cleanup;
	if (check_value(child, "ioasids.pinned.current", MB(2)))
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
	if (check_value(child, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_value(parent, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_value(parent, "ioasids.pinned.peak", MB(2)))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	type1_close(&t);
	mem_free(buf, len);
	test_cg_remove(child);
	test_cg_remove(parent);
	return ret;
}

/*
 * Closing the container and the group, or the device and iommufd, unpins
 * and uncharges everything.
 */
static int test_close(const char *root, enum pin_kind kind)
{
	const size_t len = MB(4);
	int ret = KSFT_FAIL;
	struct pinner p;
	char *buf = NULL;
	char *cg;

	if (pin_skip(kind))
		return KSFT_SKIP;
	pinner_init(&p, kind);
	cg = test_cg_enter(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	buf = mem_alloc(len);
	if (!buf)
		goto cleanup;
	if (pinner_open(&p))
		goto cleanup;

	if (expect_ok(pinner_map(&p, TEST_IOVA, buf, len), p.map))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", len))
		goto cleanup;

	pinner_close(&p);
	if (wait_value(cg, "ioasids.pinned.current", 0, RELEASE_TIMEOUT_MS))
		goto cleanup;
	if (check_pinned_stat(cg, 0, 0))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.peak", len))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	pinner_close(&p);
	mem_free(buf, len);
	test_cg_leave(root, cg);
	return ret;
}

static int test_type1_close(const char *root)
{
	return test_close(root, PIN_TYPE1);
}

/* Give up @cap for good; 0 or -1. */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int i = CAP_TO_INDEX(cap);

	if (syscall(SYS_capget, &hdr, data)) {
		ksft_perror("capget");
		return -1;
	}
	data[i].effective &= ~CAP_TO_MASK(cap);
	data[i].permitted &= ~CAP_TO_MASK(cap);
	data[i].inheritable &= ~CAP_TO_MASK(cap);
	if (syscall(SYS_capset, &hdr, data)) {
		ksft_perror("capset");
		return -1;
	}
	return 0;
}

/* Give up CAP_IPC_LOCK, within a RLIMIT_MEMLOCK of @len. */
static int drop_cap_ipc_lock(size_t len)
{
	struct rlimit rlim = { .rlim_cur = len, .rlim_max = len };

	if (setrlimit(RLIMIT_MEMLOCK, &rlim)) {
		ksft_perror("setrlimit(RLIMIT_MEMLOCK)");
		return -1;
	}
	return drop_cap(CAP_IPC_LOCK);
}

/* The memory a holder maps, and how */
struct hold_pins {
	size_t len;
	enum pin_kind kind;
};

/* In the holder: map @arg's bytes, left mapped and open; 0 or -1. */
static int hold_pins(void *arg)
{
	const struct hold_pins *h = arg;
	struct pinner p;
	char *buf;

	buf = mem_alloc(h->len);
	if (!buf)
		return -1;
	pinner_init(&p, h->kind);
	if (h->kind == PIN_IOMMUFD_MM && drop_cap_ipc_lock(2 * h->len))
		return -1;
	if (pinner_open(&p))
		return -1;
	return expect_ok(pinner_map(&p, TEST_IOVA, buf, h->len), p.map);
}

/* A killed process's pins are uncharged once it is gone. */
static int test_kill(const char *root, enum pin_kind kind)
{
	struct hold_pins h = { .len = MB(4), .kind = kind };
	long long vfio = kind == PIN_TYPE1 ? h.len : 0;
	int ret = KSFT_FAIL;
	pid_t pid = -1;
	char *cg;

	if (pin_skip(kind))
		return KSFT_SKIP;
	cg = test_cg_create(root, "ioasids_pinned_test", false);
	if (!cg)
		goto cleanup;
	pid = holder_start(cg, hold_pins, &h);
	if (pid < 0) {
		ksft_print_msg("the holder failed to map\n");
		goto cleanup;
	}
	if (check_value(cg, "ioasids.pinned.current", h.len))
		goto cleanup;
	if (check_pinned_stat(cg, vfio, h.len - vfio))
		goto cleanup;

	if (holder_kill(&pid))
		goto cleanup;
	if (wait_value(cg, "ioasids.pinned.current", 0, RELEASE_TIMEOUT_MS))
		goto cleanup;
	if (check_pinned_stat(cg, 0, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	kill_child(&pid);
	test_cg_remove(cg);
	return ret;
}

static int test_type1_kill(const char *root)
{
	return test_kill(root, PIN_TYPE1);
}

static int test_iommufd_kill(const char *root)
{
	return test_kill(root, PIN_IOMMUFD);
}

/*
 * The process's mm is gone by the time its files are released, which
 * fails the update of the mm's locked_vm: the cgroup must be uncharged
 * all the same.
 */
static int test_iommufd_kill_rlimit_mm(const char *root)
{
	return test_kill(root, PIN_IOMMUFD_MM);
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

	parent = test_cg_create(root, "ioasids_pinned_parent", true);
	cg_a = test_cg_create(parent, "ioasids_pinned_a", false);
	cg_b = test_cg_create(parent, "ioasids_pinned_b", false);
	if (!parent || !cg_a || !cg_b)
		goto cleanup;
	if (cg_enter_current(cg_a))
		goto cleanup;
	buf = mem_alloc(len);
	if (!buf)
		goto cleanup;
	if (type1_open(&t))
		goto cleanup;

	if (expect_ok(type1_map(t.container, TEST_IOVA, buf, MB(4)),
		      "VFIO_IOMMU_MAP_DMA in A"))
		goto cleanup;
	if (check_value(cg_a, "ioasids.pinned.current", MB(4)))
		goto cleanup;

	if (cg_enter_current(cg_b))
		goto cleanup;
	if (check_value(cg_a, "ioasids.pinned.current", MB(4)))
		goto cleanup;
	if (check_value(cg_b, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_pinned_stat(cg_a, MB(4), 0))
		goto cleanup;

	/* A mapping made after the move charges the new cgroup. */
	if (expect_ok(type1_map(t.container, TEST_IOVA + MB(4), buf + MB(4),
				MB(1)), "VFIO_IOMMU_MAP_DMA in B"))
		goto cleanup;
	if (check_value(cg_a, "ioasids.pinned.current", MB(4)))
		goto cleanup;
	if (check_value(cg_b, "ioasids.pinned.current", MB(1)))
		goto cleanup;
	if (check_value(parent, "ioasids.pinned.current", MB(5)))
		goto cleanup;

	/* Unmapped from B, the first mapping uncharges A. */
	if (expect_unmapped(type1_unmap(t.container, TEST_IOVA, MB(4)), MB(4),
			    "VFIO_IOMMU_UNMAP_DMA of A's mapping"))
		goto cleanup;
	if (check_value(cg_a, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_pinned_stat(cg_a, 0, 0))
		goto cleanup;
	if (check_value(cg_b, "ioasids.pinned.current", MB(1)))
		goto cleanup;
	if (expect_unmapped(type1_unmap(t.container, TEST_IOVA + MB(4), MB(1)),
			    MB(1), "VFIO_IOMMU_UNMAP_DMA of B's mapping"))
		goto cleanup;
	if (check_value(cg_b, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_value(parent, "ioasids.pinned.current", 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	type1_close(&t);
	mem_free(buf, len);
	test_cg_remove(cg_b);
	test_cg_remove(cg_a);
	test_cg_remove(parent);
	return ret;
}

/*
 * In cgroup @cg, a new process (a child) takes the mapping at TEST_IOVA
 * over with VFIO_DMA_MAP_FLAG_VADDR, as a VMM's new process does after a
 * live update.  Returns 0 or -errno of the map.
 */
static int take_over_vaddr(int container, const char *cg, void *buf,
			   size_t len)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_VADDR,
		.vaddr = (unsigned long)buf,
		.iova = TEST_IOVA,
		.size = len,
	};
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (cg_enter_current(cg))
			_exit(255);
		_exit(ioctl(container, VFIO_IOMMU_MAP_DMA, &map) ? errno : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -ECHILD;
	return -WEXITSTATUS(status);
}

/* VFIO_IOMMU_UNMAP_DMA with VFIO_DMA_UNMAP_FLAG_VADDR: 0 or -errno */
static int invalidate_vaddr(int container, size_t len)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = VFIO_DMA_UNMAP_FLAG_VADDR,
		.iova = TEST_IOVA,
		.size = len,
	};

	return ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) ? -errno : 0;
}

/*
 * In the current cgroup, a mapping of 2 MiB at TEST_IOVA whose vaddr is
 * then invalidated, for a new process to take it over: KSFT_PASS, or
 * KSFT_SKIP without VFIO_UPDATE_VADDR, or KSFT_FAIL.
 */
static int vaddr_mapping(struct type1 *t, char **buf)
{
	*buf = mem_alloc(MB(2));
	if (!*buf || type1_open(t))
		return KSFT_FAIL;
	if (ioctl(t->container, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR) != 1) {
		ksft_print_msg("no VFIO_UPDATE_VADDR\n");
		return KSFT_SKIP;
	}
	if (expect_ok(type1_map(t->container, TEST_IOVA, *buf, MB(2)),
		      "VFIO_IOMMU_MAP_DMA") ||
	    expect_ok(invalidate_vaddr(t->container, MB(2)),
		      "VFIO_IOMMU_UNMAP_DMA of the vaddr"))
		return KSFT_FAIL;
	return KSFT_PASS;
}

/*
 * VFIO_DMA_MAP_FLAG_VADDR from a process in another cgroup moves the
 * charge of the pins, with the mm's locked_vm, to that cgroup, against
 * its limits: over them it fails with ENOMEM and changes nothing.  A new
 * process in the same cgroup, or a cgroup under the same limited parent,
 * takes the mapping over without counting it twice.
 */
static int test_type1_vaddr_owner(const char *root)
{
	struct type1 t = { .container = -1, .group = -1 };
	char *parent = NULL, *cg_a = NULL, *cg_b = NULL;
	int ret = KSFT_FAIL;
	char *buf = NULL;

	parent = test_cg_create(root, "ioasids_pinned_parent", true);
	cg_a = test_cg_create(parent, "ioasids_pinned_a", false);
	cg_b = test_cg_create(parent, "ioasids_pinned_b", false);
	if (!parent || !cg_a || !cg_b)
		goto cleanup;
	if (cg_write(parent, "ioasids.pinned.max", "3M"))
		goto cleanup;
	if (cg_enter_current(cg_a))
		goto cleanup;
	ret = vaddr_mapping(&t, &buf);
	if (ret != KSFT_PASS)
		goto cleanup;
	ret = KSFT_FAIL;
	if (check_value(cg_a, "ioasids.pinned.current", MB(2)))
		goto cleanup;

	/* Over B's limit, the new owner is refused; A keeps the charge. */
	if (cg_write(cg_b, "ioasids.pinned.max", "1M"))
		goto cleanup;
	if (expect_err(take_over_vaddr(t.container, cg_b, buf, MB(2)), ENOMEM,
		       "VFIO_DMA_MAP_FLAG_VADDR over B's limit"))
		goto cleanup;
	if (check_value(cg_a, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (check_value(cg_b, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_events(cg_b, "ioasids.events.local", 0, 1))
		goto cleanup;

	/* A new process in A, whose limit it fills, as after a re-exec */
	if (cg_write(cg_a, "ioasids.pinned.max", "2M"))
		goto cleanup;
	if (expect_ok(take_over_vaddr(t.container, cg_a, buf, MB(2)),
		      "VFIO_DMA_MAP_FLAG_VADDR from a new process in A"))
		goto cleanup;
	if (check_value(cg_a, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (expect_ok(invalidate_vaddr(t.container, MB(2)),
		      "VFIO_IOMMU_UNMAP_DMA of the vaddr again"))
		goto cleanup;

	/* Within B's limit and the parent's 3M, the 2M move to B. */
	if (cg_write(cg_b, "ioasids.pinned.max", "max"))
		goto cleanup;
	if (expect_ok(take_over_vaddr(t.container, cg_b, buf, MB(2)),
		      "VFIO_DMA_MAP_FLAG_VADDR from B"))
		goto cleanup;
	if (check_value(cg_a, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_pinned_stat(cg_a, 0, 0))
		goto cleanup;
	if (check_value(cg_b, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (check_pinned_stat(cg_b, MB(2), 0))
		goto cleanup;
	if (check_value(parent, "ioasids.pinned.current", MB(2)))
		goto cleanup;
	if (check_events(parent, "ioasids.events.local", 0, 0))
		goto cleanup;

	/* Unmapped by the first owner, it uncharges B. */
	if (expect_unmapped(type1_unmap(t.container, TEST_IOVA, MB(2)), MB(2),
			    "VFIO_IOMMU_UNMAP_DMA"))
		goto cleanup;
	if (check_value(cg_b, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_value(parent, "ioasids.pinned.current", 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	cg_enter_current(root);
	type1_close(&t);
	mem_free(buf, MB(2));
	test_cg_remove(cg_b);
	test_cg_remove(cg_a);
	test_cg_remove(parent);
	return ret;
}

/* Attempts of the refused takeover in test_type1_vaddr_refused_race() */
#define RACE_TAKEOVERS	20
#define RACE_IOVA	(TEST_IOVA + MB(64))

/*
 * What the pinner of test_type1_vaddr_refused_race() and its test share,
 * in shared memory, each field written by one of them
 */
struct race {
	int stop;
	int mapped;	/* maps that found room */
	int refused;	/* maps refused with ENOMEM */
	int failed;	/* 1 if the pinner could not run, or failed otherwise */
};

#define race_get(field)		__atomic_load_n(&(field), __ATOMIC_ACQUIRE)
#define race_set(field, val)	__atomic_store_n(&(field), val, __ATOMIC_RELEASE)

/*
 * In the cgroup it was forked in, map and unmap one page through the
 * second edu device, in a container of its own, until told to stop.
 */
static void race_pinner(struct race *r)
{
	struct pinner p;
	char *page;
	int ret;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pinner_init(&p, PIN_TYPE1);
	page = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || pinner_open_dev(&p, 1)) {
		race_set(r->failed, 1);
		_exit(1);
	}
	page[0] = 1;
	while (!race_get(r->stop)) {
		ret = pinner_map(&p, RACE_IOVA, page, page_size);
		if (ret == -ENOMEM) {
			race_set(r->refused, r->refused + 1);
			continue;
		}
		if (ret) {
			race_set(r->failed, 1);
			break;
		}
		race_set(r->mapped, r->mapped + 1);
		if (pinner_unmap(&p, RACE_IOVA, page_size) != page_size) {
			race_set(r->failed, 1);
			break;
		}
	}
	pinner_close(&p);
	_exit(0);
}

/* Wait up to 10 s for @field to exceed @than; false if it did not */
static bool race_wait(int *field, int than, pid_t pinner)
{
	int i;

	for (i = 0; i < 10000; i++) {
		if (race_get(*field) > than)
			return true;
		if (waitpid(pinner, NULL, WNOHANG) == pinner)
			return false;
		usleep(1000);
	}
	return false;
}

/*
 * A refused VFIO_DMA_MAP_FLAG_VADDR takeover never returns any of the old
 * cgroup's charge, not even for a moment: a tenant that pins without end
 * in the old cgroup, whose limit its mapping fills, gets no page pinned
 * while the takeover is tried and refused, again and again, and the old
 * cgroup never goes over its limit.  A race: a kernel that lent the room
 * fails it most of the time, not every time (382 maps of the pinner found
 * room in one run on such a kernel); a kernel that does not never fails it.
 */
static int test_type1_vaddr_refused_race(const char *root)
{
	struct type1 t = { .container = -1, .group = -1 };
	char *cg_a = NULL, *cg_b = NULL;
	struct race *r = MAP_FAILED;
	int ret = KSFT_FAIL, i, status, refused;
	pid_t pinner = -1;
	char *buf = NULL;

	if (!second_dev)
		return KSFT_SKIP;
	cg_a = test_cg_create(root, "ioasids_race_a", false);
	cg_b = test_cg_create(root, "ioasids_race_b", false);
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!cg_a || !cg_b || r == MAP_FAILED)
		goto cleanup;
	if (cg_write(cg_a, "ioasids.pinned.max", "2M") ||
	    cg_write(cg_b, "ioasids.pinned.max", "1M") ||
	    cg_enter_current(cg_a))
		goto cleanup;
	/* A's mapping fills its limit */
	ret = vaddr_mapping(&t, &buf);
	if (ret != KSFT_PASS)
		goto cleanup;
	ret = KSFT_FAIL;

	fflush(NULL);
	pinner = fork();
	if (pinner < 0)
		goto cleanup;
	if (!pinner)
		race_pinner(r);
	/* The pinner runs, refused with ENOMEM: A is at its limit */
	if (!race_wait(&r->refused, 0, pinner) || race_get(r->failed)) {
		ksft_print_msg("the pinner cannot map through %s, or is not refused\n",
			       edu_devs[1].bdf);
		goto cleanup;
	}
	refused = race_get(r->refused);
	for (i = 0; i < RACE_TAKEOVERS; i++) {
		if (expect_err(take_over_vaddr(t.container, cg_b, buf, MB(2)),
			       ENOMEM, "VFIO_DMA_MAP_FLAG_VADDR over B's limit"))
			goto cleanup;
	}
	ksft_print_msg("the pinner's maps during the takeovers: %d refused, %d found room\n",
		       race_get(r->refused) - refused, race_get(r->mapped));
	if (race_get(r->mapped)) {
		ksft_print_msg("A lent room while a takeover was refused\n");
		goto cleanup;
	}
	if (race_get(r->refused) == refused) {
		ksft_print_msg("the pinner tried no map during the takeovers\n");
		goto cleanup;
	}
	/* Each takeover was refused by B's limit, not by RLIMIT_MEMLOCK */
	if (check_events(cg_b, "ioasids.events.local", 0, RACE_TAKEOVERS) ||
	    check_at_most(cg_a, "ioasids.pinned.peak", MB(2)) ||
	    check_value(cg_a, "ioasids.pinned.current", MB(2)) ||
	    check_value(cg_b, "ioasids.pinned.current", 0) ||
	    check_value(cg_b, "ioasids.pinned.peak", 0))
		goto cleanup;

	/* Room in A, and the pinner maps: it could have all along */
	if (expect_unmapped(type1_unmap(t.container, TEST_IOVA, MB(2)), MB(2),
			    "VFIO_IOMMU_UNMAP_DMA"))
		goto cleanup;
	if (!race_wait(&r->mapped, 0, pinner)) {
		ksft_print_msg("the pinner maps nothing with room in A\n");
		goto cleanup;
	}
	race_set(r->stop, 1);
	if (waitpid(pinner, &status, 0) != pinner || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || race_get(r->failed))
		goto cleanup;
	pinner = -1;
	if (check_value(cg_a, "ioasids.pinned.current", 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	if (pinner > 0) {
		race_set(r->stop, 1);
		waitpid(pinner, &status, 0);
	}
	cg_enter_current(root);
	type1_close(&t);
	mem_free(buf, MB(2));
	if (r != MAP_FAILED)
		munmap(r, sizeof(*r));
	test_cg_remove(cg_b);
	test_cg_remove(cg_a);
	return ret;
}

static int test_iommufd_charge(const char *root)
{
	return test_charge(root, PIN_IOMMUFD);
}

static int test_iommufd_limit(const char *root)
{
	return test_limit(root, PIN_IOMMUFD);
}

static int test_iommufd_close(const char *root)
{
	return test_close(root, PIN_IOMMUFD);
}

#define REPLACE_MEMLOCK "ioasids.pinned.replace_memlock"

/* What a VMM in a cgroup does in test_replace_memlock() */
enum vmm_case {
	/* The policy is off: RLIMIT_MEMLOCK refuses the map */
	VMM_POLICY_OFF,
	/* On: the map passes, and one over the host's limit is refused */
	VMM_POLICY_ON,
	/* On, but the limit is the VMM's own: RLIMIT_MEMLOCK refuses */
	VMM_OWN_LIMIT,
};

/*
 * In a child in @cg, without CAP_IPC_LOCK and within a RLIMIT_MEMLOCK of
 * 64 KiB, map @len bytes: exit 0 if all went as @c says, or 1.  The child
 * allocates its own memory, as a private mapping of hugetlbfs inherited
 * across fork() would need new huge pages to be written to.
 */
static void vmm_map(enum pin_kind kind, enum vmm_case c, const char *root,
		    const char *cg, size_t len)
{
	struct pinner p;
	char *buf;
	int err;

	pinner_init(&p, kind);
	if (cg_enter_current(cg) || drop_cap_ipc_lock(64 * 1024))
		_exit(1);
	/* A page more, for a map over the limit */
	buf = mem_alloc(len + page_size);
	if (!buf)
		_exit(1);
	if (c == VMM_OWN_LIMIT) {
		/* As a tenant may, in its own cgroup, but not as the host */
		if (drop_cap(CAP_SYS_RESOURCE) ||
		    cg_write(cg, "ioasids.pinned.max", "128M"))
			_exit(1);
		/* Nor can it turn the policy on or off. */
		if (expect_err(cg_write(root, REPLACE_MEMLOCK, "0"), EPERM,
			       "a tenant's write of " REPLACE_MEMLOCK))
			_exit(1);
	}
	if (pinner_open(&p))
		_exit(1);
	err = pinner_map(&p, TEST_IOVA, buf, len);
	if (c != VMM_POLICY_ON)
		_exit(expect_err(err, ENOMEM, what(p.map, " over RLIMIT_MEMLOCK")) ?
		      1 : 0);
	if (expect_ok(err, what(p.map, " in place of RLIMIT_MEMLOCK")) ||
	    check_value(cg, "ioasids.pinned.current", len))
		_exit(1);
	/* The host's limit still holds. */
	if (cg_write(cg, "ioasids.pinned.max", "64M") ||
	    expect_err(pinner_map(&p, TEST_IOVA + len, buf + len, page_size),
		       ENOMEM, what(p.map, " over ioasids.pinned.max")))
		_exit(1);
	_exit(0);
}

/*
 * Under the host's policy ioasids.pinned.replace_memlock, a VMM without
 * CAP_IPC_LOCK nor a raised RLIMIT_MEMLOCK pins its guest's memory within
 * the limit that the host set on its cgroup, and no further; with the
 * policy off, or with a limit that the VMM set itself, RLIMIT_MEMLOCK
 * refuses it as before.
 */
static int test_replace_memlock(const char *root, enum pin_kind kind)
{
	static const enum vmm_case cases[] = {
		VMM_POLICY_OFF, VMM_POLICY_ON, VMM_OWN_LIMIT,
	};
	const size_t len = MB(64);
	int ret = KSFT_FAIL, status;
	char *cg = NULL;
	size_t i;
	pid_t pid;

	if (pin_skip(kind))
		return KSFT_SKIP;
	if (check_value(root, REPLACE_MEMLOCK, 0))
		return KSFT_FAIL;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *host_max = "128M", *policy = "1";

		if (cases[i] == VMM_OWN_LIMIT)
			host_max = "max";
		if (cases[i] == VMM_POLICY_OFF)
			policy = "0";
		cg = test_cg_create(root, "ioasids_pinned_test", false);
		if (!cg)
			goto cleanup;
		if (cg_write(cg, "ioasids.pinned.max", host_max) ||
		    cg_write(root, REPLACE_MEMLOCK, policy))
			goto cleanup;
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			goto cleanup;
		if (!pid)
			vmm_map(kind, cases[i], root, cg, len);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			goto cleanup;
		if (wait_value(cg, "ioasids.pinned.current", 0,
			       RELEASE_TIMEOUT_MS))
			goto cleanup;
		test_cg_remove(cg);
		cg = NULL;
	}
	ret = KSFT_PASS;

cleanup:
	cg_write(root, REPLACE_MEMLOCK, "0");
	test_cg_remove(cg);
	return ret;
}

static int test_type1_replace_memlock(const char *root)
{
	return test_replace_memlock(root, PIN_TYPE1);
}

static int test_iommufd_replace_memlock(const char *root)
{
	return test_replace_memlock(root, PIN_IOMMUFD);
}

/* The root alone has the policy, 0 by default, and takes only 0 or 1. */
static int test_replace_memlock_file(const char *root)
{
	static const struct bad_write bad[] = {
		{ "2", EINVAL }, { "-1", EINVAL }, { "on", EINVAL },
		{ "1x", EINVAL },
	};
	char *cg;
	int ret = KSFT_FAIL;

	cg = test_cg_create(root, "ioasids_pinned_test", false);
	if (!cg)
		return KSFT_FAIL;
	if (cg_has_file(cg, REPLACE_MEMLOCK)) {
		ksft_print_msg("%s is not the root's alone\n", REPLACE_MEMLOCK);
		goto cleanup;
	}
	if (check_value(root, REPLACE_MEMLOCK, 0))
		goto cleanup;
	if (check_bad_writes(root, REPLACE_MEMLOCK, bad, ARRAY_SIZE(bad),
			     "0\n"))
		goto cleanup;
	if (cg_write(root, REPLACE_MEMLOCK, "1") ||
	    check_value(root, REPLACE_MEMLOCK, 1))
		goto cleanup;
	if (cg_write(root, REPLACE_MEMLOCK, "0") ||
	    check_value(root, REPLACE_MEMLOCK, 0))
		goto cleanup;
	ret = KSFT_PASS;
cleanup:
	cg_write(root, REPLACE_MEMLOCK, "0");
	test_cg_remove(cg);
	return ret;
}

/* Pins of user pages taken and returned so far, by the whole system */
static int foll_pins(long long *acquired, long long *released)
{
	char buf[8192], *at;
	int err;

	/* Fold what each CPU counted, or the counts lag behind */
	if (write_text("/proc/sys/vm/stat_refresh", "1", 1) < 0) {
		ksft_perror("/proc/sys/vm/stat_refresh");
		return -1;
	}
	err = read_file("/proc/vmstat", buf, sizeof(buf));
	if (err) {
		ksft_print_msg("/proc/vmstat: %s\n", strerror(-err));
		return -1;
	}
	at = strstr(buf, "\nnr_foll_pin_acquired ");
	*acquired = at ? strtoll(at + strlen("\nnr_foll_pin_acquired "),
				 NULL, 10) : -1;
	at = strstr(buf, "\nnr_foll_pin_released ");
	*released = at ? strtoll(at + strlen("\nnr_foll_pin_released "),
				 NULL, 10) : -1;
	if (*acquired < 0 || *released < 0) {
		ksft_print_msg("/proc/vmstat counts no pins\n");
		return -1;
	}
	return 0;
}

/*
 * The cgroup is charged before the pages are pinned: a map refused by
 * ioasids.pinned.max never holds more memory pinned than the limit, not
 * even before its error path unpins, and returns every pin it took.
 * iommufd pins up to 32 MiB at a time: its limit lets the first batch in.
 * (The guests have no ZONE_MOVABLE nor CMA, from which a long-term pin
 * would migrate pages, and pin them twice.)
 */
static int test_refused_map(const char *root, enum pin_kind kind)
{
	const size_t len = MB(64), max = kind == PIN_TYPE1 ? MB(16) : MB(40);
	char max_str[32];
	long long acquired, released, acquired_after, released_after;
	int ret = KSFT_FAIL;
	struct pinner p;
	char *buf = NULL;
	char *cg;

	if (pin_skip(kind))
		return KSFT_SKIP;
	pinner_init(&p, kind);
	cg = test_cg_create(root, "ioasids_pinned_test", false);
	if (!cg)
		goto cleanup;
	snprintf(max_str, sizeof(max_str), "%zu", max);
	if (cg_write(cg, "ioasids.pinned.max", max_str))
		goto cleanup;
	if (cg_enter_current(cg))
		goto cleanup;
	buf = mem_alloc(len);
	if (!buf)
		goto cleanup;
	if (pinner_open(&p))
		goto cleanup;

	if (foll_pins(&acquired, &released))
		goto cleanup;
	if (expect_err(pinner_map(&p, TEST_IOVA, buf, len), ENOMEM,
		       what(p.map, " of 64M over the limit")))
		goto cleanup;
	if (foll_pins(&acquired_after, &released_after))
		goto cleanup;
	acquired = acquired_after - acquired;
	released = released_after - released;
	if (acquired > (long long)(max / page_size)) {
		ksft_print_msg("the refused map pinned %lld pages, over %zu\n",
			       acquired, max / page_size);
		goto cleanup;
	}
	if (released != acquired) {
		ksft_print_msg("the refused map pinned %lld pages and unpinned %lld\n",
			       acquired, released);
		goto cleanup;
	}
	if (check_at_most(cg, "ioasids.pinned.peak", max))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 0, 1))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	pinner_close(&p);
	mem_free(buf, len);
	test_cg_leave(root, cg);
	return ret;
}

/*
 * A device's MMIO that VFIO maps for peer-to-peer DMA (here, edu's BAR 0,
 * mapped from the device file) is not pinned, and not charged: it needs
 * no room under ioasids.pinned.max, however large, even pinned a page at a
 * time.  A mapping of one page of it, which VFIO charges before it finds
 * out that it is MMIO, is charged for a moment only (ioasids.pinned.peak
 * keeps it), and maps at the limit too, where its refusal is not counted:
 * only the refusal of memory is.
 */
static int test_type1_mmio_uncharged(const char *root)
{
	struct vfio_region_info bar = {
		.argsz = sizeof(bar),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	int ret = KSFT_FAIL, dev = -1;
	void *mmio = MAP_FAILED;
	char limit[32], hugepages[8] = "";
	struct pinner p;
	char *buf = NULL;
	char *cg;

	pinner_init(&p, PIN_TYPE1);
	cg = test_cg_enter(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	snprintf(limit, sizeof(limit), "%ld", page_size);
	if (cg_write(cg, "ioasids.pinned.max", limit))
		goto cleanup;
	if (pinner_open(&p))
		goto cleanup;
	dev = ioctl(p.t.group, VFIO_GROUP_GET_DEVICE_FD, edu_bdf);
	if (dev < 0) {
		ksft_perror("VFIO_GROUP_GET_DEVICE_FD");
		goto cleanup;
	}
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &bar) ||
	    !(bar.flags & VFIO_REGION_INFO_FLAG_MMAP) || bar.size < MB(1)) {
		ksft_print_msg("edu's BAR 0 cannot be mapped\n");
		goto cleanup;
	}
	mmio = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev,
		    bar.offset);
	if (mmio == MAP_FAILED) {
		ksft_perror("mmap of BAR 0");
		goto cleanup;
	}
	if (expect_ok(type1_map(p.t.container, TEST_IOVA, mmio, bar.size),
		      "MAP_DMA of BAR 0 under a limit of a page"))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", 0) ||
	    check_value(cg, "ioasids.pinned.peak", 0) ||
	    check_events(cg, "ioasids.events", 0, 0))
		goto cleanup;

	/*
	 * Pinned a page at a time, as with disable_hugepages: the first page
	 * that VFIO asks for alone is not a mapping of one page
	 */
	if (read_text(DISABLE_HUGEPAGES, hugepages, sizeof(hugepages)) < 1 ||
	    write_text(DISABLE_HUGEPAGES, "Y", 1) < 0) {
		ksft_perror(DISABLE_HUGEPAGES);
		hugepages[0] = 0;
		goto cleanup;
	}
	if (expect_ok(type1_map(p.t.container, TEST_IOVA + MB(64), mmio,
				bar.size),
		      "MAP_DMA of BAR 0, a page at a time"))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", 0) ||
	    check_value(cg, "ioasids.pinned.peak", 0))
		goto cleanup;
	if (expect_unmapped(type1_unmap(p.t.container, TEST_IOVA + MB(64),
					bar.size),
			    bar.size, "UNMAP_DMA of BAR 0, a page at a time"))
		goto cleanup;
	write_text(DISABLE_HUGEPAGES, hugepages, 1);
	hugepages[0] = 0;

	/* A page of MMIO alone: charged for a moment, its peak stays */
	if (expect_ok(type1_map(p.t.container, TEST_IOVA + MB(32), mmio,
				page_size),
		      "MAP_DMA of a page of BAR 0 alone"))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", 0) ||
	    check_value(cg, "ioasids.pinned.peak", page_size) ||
	    check_events(cg, "ioasids.events", 0, 0))
		goto cleanup;
	if (expect_unmapped(type1_unmap(p.t.container, TEST_IOVA + MB(32),
					page_size),
			    page_size, "UNMAP_DMA of a page of BAR 0"))
		goto cleanup;

	/* At the limit, a page of MMIO maps; a page of memory does not */
	buf = mem_alloc(MB(1));
	if (!buf)
		goto cleanup;
	if (expect_ok(type1_map(p.t.container, TEST_IOVA + MB(16), buf,
				page_size),
		      "MAP_DMA of a page of memory, up to the limit"))
		goto cleanup;
	if (expect_ok(type1_map(p.t.container, TEST_IOVA + MB(32), mmio,
				page_size),
		      "MAP_DMA of a page of BAR 0 at the limit"))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", page_size) ||
	    check_events(cg, "ioasids.events", 0, 0))
		goto cleanup;
	if (expect_err(type1_map(p.t.container, TEST_IOVA + MB(48),
				 buf + page_size, page_size), ENOMEM,
		       "MAP_DMA of a page of memory over the limit"))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", page_size) ||
	    check_events(cg, "ioasids.events", 0, 1))
		goto cleanup;
	if (expect_unmapped(type1_unmap(p.t.container, TEST_IOVA + MB(32),
					page_size),
			    page_size, "UNMAP_DMA of a page of BAR 0") ||
	    expect_unmapped(type1_unmap(p.t.container, TEST_IOVA + MB(16),
					page_size),
			    page_size, "UNMAP_DMA of a page of memory"))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", 0))
		goto cleanup;

	if (expect_unmapped(type1_unmap(p.t.container, TEST_IOVA, bar.size),
			    bar.size, "VFIO_IOMMU_UNMAP_DMA of BAR 0"))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	if (hugepages[0])
		write_text(DISABLE_HUGEPAGES, hugepages, 1);
	if (buf)
		mem_free(buf, MB(1));
	if (mmio != MAP_FAILED)
		munmap(mmio, bar.size);
	close_fd(&dev);
	pinner_close(&p);
	test_cg_leave(root, cg);
	return ret;
}

static int test_type1_refused_map(const char *root)
{
	return test_refused_map(root, PIN_TYPE1);
}

static int test_iommufd_refused_map(const char *root)
{
	return test_refused_map(root, PIN_IOMMUFD);
}

/* Tests that map no memory */
/* ioasids.stat of @cgroup counts @bytes[i] pinned through @p[i]. */
static int check_pinners_stat(const struct pinner *p, const char *cgroup,
			      const long long *bytes, int n)
{
	long long vfio = 0, iommufd = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (p[i].kind == PIN_TYPE1)
			vfio += bytes[i];
		else
			iommufd += bytes[i];
	}
	return check_pinned_stat(cgroup, vfio, iommufd);
}

/*
 * A process that maps the same memory through two containers or IOASes,
 * one per device, as a VMM does behind a vIOMMU, is charged once for it:
 * the second mapping fits with one page of room beyond the first one, a
 * mapping that overlaps part of it is charged for what it adds, and each
 * page's charge goes with the last mapping of it.  ioasids.stat counts
 * what each mapping pins.
 */
static int test_charged_once(const char *root, enum pin_kind k0,
			     enum pin_kind k1)
{
	const size_t len = MB(8), half = len / 2;
	const __u64 iova_b = TEST_IOVA + 2 * len;
	long long stat[2];
	char max[32];
	int ret = KSFT_FAIL;
	struct pinner p[2];
	char *buf = NULL;
	char *cg;

	if (pin_skip(k0) || pin_skip(k1) || !second_dev)
		return KSFT_SKIP;
	pinner_init(&p[0], k0);
	pinner_init(&p[1], k1);
	cg = test_cg_create(root, "ioasids_pinned_test", false);
	if (!cg)
		goto cleanup;
	/* Pages are charged before they are pinned: room for one more */
	snprintf(max, sizeof(max), "%zu", len + page_size);
	if (cg_write(cg, "ioasids.pinned.max", max))
		goto cleanup;
	if (cg_enter_current(cg))
		goto cleanup;
	buf = mem_alloc(2 * len);
	if (!buf)
		goto cleanup;
	if (pinner_open_dev(&p[0], 0) || pinner_open_dev(&p[1], 1))
		goto cleanup;

	if (expect_ok(pinner_map(&p[0], TEST_IOVA, buf, len), p[0].map))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", len))
		goto cleanup;
	/* Already charged, the same memory fits in the room of a page. */
	if (expect_ok(pinner_map(&p[1], TEST_IOVA, buf, len),
		      what(p[1].map, " of the same memory")))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", len))
		goto cleanup;
	stat[0] = len;
	stat[1] = len;
	if (check_pinners_stat(p, cg, stat, 2))
		goto cleanup;
	/* Half of this one is new, and over the limit. */
	if (expect_err(pinner_map(&p[1], iova_b, buf + half, len), ENOMEM,
		       what(p[1].map, " of half new memory, over the limit")))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", len))
		goto cleanup;
	if (check_pinners_stat(p, cg, stat, 2))
		goto cleanup;
	if (check_at_most(cg, "ioasids.pinned.peak", len + page_size))
		goto cleanup;

	if (cg_write(cg, "ioasids.pinned.max", "16M"))
		goto cleanup;
	if (expect_ok(pinner_map(&p[1], iova_b, buf + half, len),
		      what(p[1].map, " of half new memory")))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", len + half))
		goto cleanup;
	stat[1] = 2 * len;
	if (check_pinners_stat(p, cg, stat, 2))
		goto cleanup;

	/* The second device's two mappings still cover all of it. */
	if (expect_unmapped(pinner_unmap(&p[0], TEST_IOVA, len), len,
			    p[0].unmap))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", len + half))
		goto cleanup;
	/* Only the second half of the first mapping is left. */
	if (expect_unmapped(pinner_unmap(&p[1], TEST_IOVA, len), len,
			    p[1].unmap))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", len))
		goto cleanup;
	stat[0] = 0;
	stat[1] = len;
	if (check_pinners_stat(p, cg, stat, 2))
		goto cleanup;
	if (expect_unmapped(pinner_unmap(&p[1], iova_b, len), len,
			    p[1].unmap))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_pinned_stat(cg, 0, 0))
		goto cleanup;
	/* A batch is charged whole before its pages are found charged */
	if (check_at_most(cg, "ioasids.pinned.peak", 2 * len))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	pinner_close(&p[0]);
	pinner_close(&p[1]);
	mem_free(buf, 2 * len);
	test_cg_leave(root, cg);
	return ret;
}

static int test_type1_type1_charged_once(const char *root)
{
	return test_charged_once(root, PIN_TYPE1, PIN_TYPE1);
}

static int test_iommufd_iommufd_charged_once(const char *root)
{
	return test_charged_once(root, PIN_IOMMUFD, PIN_IOMMUFD);
}

static int test_type1_iommufd_charged_once(const char *root)
{
	return test_charged_once(root, PIN_TYPE1, PIN_IOMMUFD);
}

/* In the holder: map @arg's bytes through both devices; 0 or -1. */
static int hold_pins_twice(void *arg)
{
	const struct hold_pins *h = arg;
	struct pinner p[2];
	char *buf;

	buf = mem_alloc(h->len);
	if (!buf)
		return -1;
	pinner_init(&p[0], PIN_TYPE1);
	pinner_init(&p[1], h->kind);
	if (pinner_open_dev(&p[0], 0) || pinner_open_dev(&p[1], 1))
		return -1;
	if (expect_ok(pinner_map(&p[0], TEST_IOVA, buf, h->len), p[0].map))
		return -1;
	return expect_ok(pinner_map(&p[1], TEST_IOVA, buf, h->len), p[1].map);
}

/*
 * A killed process that mapped the same memory through VFIO and iommufd
 * returns every charge once it is gone.
 */
static int test_charged_once_kill(const char *root)
{
	struct hold_pins h = { .len = MB(4), .kind = PIN_IOMMUFD };
	int ret = KSFT_FAIL;
	pid_t pid = -1;
	char *cg;

	if (pin_skip(h.kind) || !second_dev)
		return KSFT_SKIP;
	cg = test_cg_create(root, "ioasids_pinned_test", false);
	if (!cg)
		goto cleanup;
	pid = holder_start(cg, hold_pins_twice, &h);
	if (pid < 0) {
		ksft_print_msg("the holder failed to map\n");
		goto cleanup;
	}
	if (check_value(cg, "ioasids.pinned.current", h.len))
		goto cleanup;
	if (check_pinned_stat(cg, h.len, h.len))
		goto cleanup;

	if (holder_kill(&pid))
		goto cleanup;
	if (wait_value(cg, "ioasids.pinned.current", 0, RELEASE_TIMEOUT_MS))
		goto cleanup;
	if (check_pinned_stat(cg, 0, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	kill_child(&pid);
	test_cg_remove(cg);
	return ret;
}

/* How many times test_same_memory() maps the same memory */
#define SAME_MEMORY_MAPS	300

/*
 * The same memory mapped at 300 IOVAs, more times than a count of a byte
 * holds, is charged once, and uncharged with its last mapping.
 */
static int test_same_memory(const char *root, enum pin_kind kind)
{
	const size_t len = mem_len(page_size);
	long long stat[1];
	int ret = KSFT_FAIL, i;
	struct pinner p;
	char *buf = NULL;
	char *cg;

	if (pin_skip(kind))
		return KSFT_SKIP;
	pinner_init(&p, kind);
	cg = test_cg_enter(root, "ioasids_pinned_test");
	if (!cg)
		goto cleanup;
	buf = mem_alloc(len);
	if (!buf)
		goto cleanup;
	if (pinner_open(&p))
		goto cleanup;

	for (i = 0; i < SAME_MEMORY_MAPS; i++)
		if (expect_ok(pinner_map(&p, TEST_IOVA + i * len, buf, len),
			      p.map))
			goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", len))
		goto cleanup;
	stat[0] = SAME_MEMORY_MAPS * len;
	if (check_pinners_stat(&p, cg, stat, 1))
		goto cleanup;
	for (i = 0; i < SAME_MEMORY_MAPS - 1; i++) {
		if (expect_unmapped(pinner_unmap(&p, TEST_IOVA + i * len, len),
				    len, p.unmap))
			goto cleanup;
	}
	if (check_value(cg, "ioasids.pinned.current", len))
		goto cleanup;
	if (expect_unmapped(pinner_unmap(&p, TEST_IOVA + i * len, len), len,
			    p.unmap))
		goto cleanup;
	if (check_value(cg, "ioasids.pinned.current", 0))
		goto cleanup;
	if (check_pinned_stat(cg, 0, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	pinner_close(&p);
	mem_free(buf, len);
	test_cg_leave(root, cg);
	return ret;
}

static int test_type1_same_memory(const char *root)
{
	return test_same_memory(root, PIN_TYPE1);
}

static int test_iommufd_same_memory(const char *root)
{
	return test_same_memory(root, PIN_IOMMUFD);
}

static const struct ioasids_test tests[] = {
	IOASIDS_TEST(test_pinned_defaults),
	IOASIDS_TEST(test_pinned_max_invalid),
	IOASIDS_TEST(test_replace_memlock_file),
	IOASIDS_TEST(test_type1_mmio_uncharged),
	IOASIDS_TEST(test_type1_vaddr_refused_race),
};

/* Tests that map memory, run on each backing */
static const struct ioasids_test mapping_tests[] = {
	IOASIDS_TEST(test_type1_charge),
	IOASIDS_TEST(test_type1_limit),
	IOASIDS_TEST(test_type1_limit_nested),
	IOASIDS_TEST(test_type1_refused_map),
	IOASIDS_TEST(test_type1_close),
	IOASIDS_TEST(test_type1_kill),
	IOASIDS_TEST(test_type1_migrate),
	IOASIDS_TEST(test_type1_vaddr_owner),
	IOASIDS_TEST(test_type1_replace_memlock),
	IOASIDS_TEST(test_iommufd_charge),
	IOASIDS_TEST(test_iommufd_limit),
	IOASIDS_TEST(test_iommufd_refused_map),
	IOASIDS_TEST(test_iommufd_close),
	IOASIDS_TEST(test_iommufd_kill),
	IOASIDS_TEST(test_iommufd_kill_rlimit_mm),
	IOASIDS_TEST(test_iommufd_replace_memlock),
	IOASIDS_TEST(test_type1_same_memory),
	IOASIDS_TEST(test_iommufd_same_memory),
	IOASIDS_TEST(test_type1_type1_charged_once),
	IOASIDS_TEST(test_iommufd_iommufd_charged_once),
	IOASIDS_TEST(test_type1_iommufd_charged_once),
	IOASIDS_TEST(test_charged_once_kill),
};

#define NR_HUGEPAGES_PATH "/proc/sys/vm/nr_hugepages"

/* vm.nr_hugepages before the tests reserved theirs, or -1 */
static long long hugepages_before = -1;

/*
 * Make ready to map memory backed as @backing says; NULL, or why this
 * kernel cannot back memory so.  Huge pages are reserved for hugetlbfs
 * here; what the kernel cannot reserve fails the tests that map.
 */
static const char *backing_setup(void)
{
	char buf[32];

	switch (backing) {
	case BACKING_THP:
		if (access("/sys/kernel/mm/transparent_hugepage", F_OK))
			return "the kernel has no transparent huge pages";
		return NULL;
	case BACKING_HUGETLB:
		if (read_file(NR_HUGEPAGES_PATH, buf, sizeof(buf)))
			return "the kernel has no hugetlbfs";
		hugepages_before = strtoll(buf, NULL, 10);
		snprintf(buf, sizeof(buf), "%lld\n",
			 hugepages_before + NR_HUGE_PAGES);
		if (write_text(NR_HUGEPAGES_PATH, buf, strlen(buf)) < 0)
			ksft_print_msg("cannot reserve %d huge pages\n",
				       NR_HUGE_PAGES);
		return NULL;
	default:
		return NULL;
	}
}

static void backing_cleanup(void)
{
	char buf[32];

	if (hugepages_before < 0)
		return;
	snprintf(buf, sizeof(buf), "%lld\n", hugepages_before);
	write_text(NR_HUGEPAGES_PATH, buf, strlen(buf));
	hugepages_before = -1;
}

int main(void)
{
	char root[PATH_MAX];
	const char *skip;
	size_t i;

	ksft_print_header();
	page_size = sysconf(_SC_PAGESIZE);
	ioasids_find_root(root, sizeof(root));

	if (!cg_has_file(root, "ioasids.pinned.current"))
		ksft_exit_skip("ioasids doesn't account pinned memory\n");

	edu_vfio_init();
	if (edu_nr_devs > 1) {
		second_dev = !edu_setup_dev(1);
		if (!second_dev)
			ksft_print_msg("Cannot set %s up for VFIO\n",
				       edu_devs[1].bdf);
	}

	ksft_set_plan(ARRAY_SIZE(tests) +
		      NR_BACKINGS * ARRAY_SIZE(mapping_tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		ioasids_run_test(&tests[i], root, NULL);
	for (backing = 0; backing < NR_BACKINGS; backing++) {
		skip = backing_setup();
		for (i = 0; i < ARRAY_SIZE(mapping_tests); i++) {
			if (skip)
				ksft_test_result_skip("%s %s: %s\n",
						      mapping_tests[i].name,
						      backing_name[backing],
						      skip);
			else
				ioasids_run_test(&mapping_tests[i], root,
						 backing_name[backing]);
		}
		backing_cleanup();
	}

	edu_vfio_exit();
	ksft_finished();
}
