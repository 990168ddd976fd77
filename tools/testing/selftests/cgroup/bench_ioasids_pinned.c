// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the charge of memory pinned for DMA to the ioasids cgroup:
 * times VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA of one buffer for
 * QEMU's edu device, through a VFIO type1 container.  Run it on a kernel
 * with the ioasids controller and on the same kernel booted with
 * cgroup_disable=ioasids, and compare their "# bench" lines.
 *
 *	bench_ioasids_pinned [SIZE_MIB [REPS]]
 *
 * maps SIZE_MIB MiB (1024 by default) REPS times (5 by default).  With the
 * controller, it also checks that each mapping raises ioasids.pinned.current
 * of the root cgroup by exactly its size, and that its unmapping takes it
 * back.  The buffer is populated beforehand: page faults are not timed.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "vfio_util.h"

#define CGROUP_ROOT	"/sys/fs/cgroup"
#define ROOT_PINNED	CGROUP_ROOT "/ioasids.pinned.current"

#define DEFAULT_SIZE_MIB	1024
#define DEFAULT_REPS		5
#define MAX_REPS		1000

/* Alignment of the IOVA mapped at, for the IOMMU to use huge pages */
#define IOVA_ALIGN	(2ULL << 20)

#define NSEC_PER_SEC	1000000000LL

/* Parse a decimal number in [1, @max] in @val; returns 0 or -1. */
static int parse_count(const char *s, unsigned long max, unsigned long *val)
{
	char *end;

	errno = 0;
	*val = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || !*val || *val > max)
		return -1;
	return 0;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The median of the @n values of @v, which it sorts */
static long long median(long long *v, unsigned long n)
{
	qsort(v, n, sizeof(*v), cmp_ll);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Returns the root's ioasids.pinned.current, or -1 with a message. */
static long long root_pinned(void)
{
	char buf[32], *end;
	long long val;

	if (sysfs_read(ROOT_PINNED, buf, sizeof(buf))) {
		ksft_print_msg("%s: cannot read\n", ROOT_PINNED);
		return -1;
	}
	errno = 0;
	val = strtoll(buf, &end, 10);
	if (errno || end == buf || *end || val < 0) {
		ksft_print_msg("%s: \"%s\" is not a size\n", ROOT_PINNED, buf);
		return -1;
	}
	return val;
}

/* No reading of ioasids.pinned.current */
#define NO_DELTA	LLONG_MIN

/*
 * Returns 0 if the root's ioasids.pinned.current is @base + @delta, or -1
 * with a message; what it read minus @base in @got, or NO_DELTA.
 */
static int check_pinned(long long base, long long delta, long long *got,
			unsigned long rep, const char *when)
{
	long long val = root_pinned();

	*got = NO_DELTA;
	if (val < 0)
		return -1;
	*got = val - base;
	if (*got == delta)
		return 0;
	ksft_print_msg("rep %lu: root ioasids.pinned.current %+lld bytes %s, expected %+lld\n",
		       rep, *got, when, delta);
	return -1;
}

/* @delta, signed, in @buf, for messages */
static const char *delta_str(long long delta, char *buf, size_t len)
{
	if (delta == NO_DELTA)
		snprintf(buf, len, "unreadable");
	else
		snprintf(buf, len, "%+lld", delta);
	return buf;
}

/*
 * Find in @iova where @len bytes fit in one of the ranges of IOVAs that the
 * container can map, from TEST_IOVA up; TEST_IOVA if it does not say.
 * Returns 0, or -1 with a message.
 */
static int pick_iova(int container, __u64 len, __u64 *iova)
{
	struct vfio_iommu_type1_info_cap_iova_range *ranges = NULL;
	struct vfio_iommu_type1_info *info;
	struct vfio_info_cap_header *hdr;
	__u32 argsz = sizeof(*info), off, i;
	__u64 start, end;
	int ret = -1;

	info = calloc(1, argsz);
	if (!info)
		goto nomem;
	info->argsz = argsz;
	if (ioctl(container, VFIO_IOMMU_GET_INFO, info))
		goto fail;
	if (info->argsz > argsz) {
		argsz = info->argsz;
		free(info);
		info = calloc(1, argsz);
		if (!info)
			goto nomem;
		info->argsz = argsz;
		if (ioctl(container, VFIO_IOMMU_GET_INFO, info))
			goto fail;
	}

	*iova = TEST_IOVA;
	off = info->flags & VFIO_IOMMU_INFO_CAPS ? info->cap_offset : 0;
	while (off && off + sizeof(*ranges) <= argsz) {
		hdr = (void *)((char *)info + off);
		if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			ranges = (void *)hdr;
			break;
		}
		off = hdr->next;
	}
	/* All of the ranges within what the kernel filled in */
	if (ranges && ranges->nr_iovas >
	    (argsz - off - sizeof(*ranges)) / sizeof(ranges->iova_ranges[0]))
		ranges = NULL;
	if (!ranges) {
		ret = 0;
		goto out;
	}
	for (i = 0; i < ranges->nr_iovas; i++) {
		start = ranges->iova_ranges[i].start;
		end = ranges->iova_ranges[i].end;
		if (start < TEST_IOVA)
			start = TEST_IOVA;
		if (start > UINT64_MAX - IOVA_ALIGN)
			continue;
		start = (start + IOVA_ALIGN - 1) & ~(IOVA_ALIGN - 1);
		if (start > end || end - start < len - 1)
			continue;
		*iova = start;
		ret = 0;
		goto out;
	}
	ksft_print_msg("no range of IOVAs holds %llu bytes\n",
		       (unsigned long long)len);
	goto out;

nomem:
	ksft_print_msg("out of memory\n");
	return -1;
fail:
	ksft_perror("VFIO_IOMMU_GET_INFO");
out:
	free(info);
	return ret;
}

/* What the benchmark maps, and what it measured */
struct bench {
	struct type1 t;
	char *buf;
	size_t len;
	__u64 iova;
	bool mapped;
	long long *map_ns;
	long long *unmap_ns;
	/* The root has ioasids.pinned.current, which read @base at first */
	bool controller;
	long long base;
	/* Checks of the charge made, and failed */
	int checked;
	int charge_failed;
};

/* Check that the charge is @base + @delta, and count the check. */
static void check_charge(struct bench *b, long long delta, long long *got,
			 unsigned long rep, const char *when)
{
	b->checked++;
	if (check_pinned(b->base, delta, got, rep, when))
		b->charge_failed++;
}

/* Allocate the buffer and open the container; returns 0 or -1. */
static int bench_setup(struct bench *b, unsigned long size_mib,
		       unsigned long reps)
{
	b->buf = buf_alloc(b->len);
	if (!b->buf)
		return -1;
	if (type1_open(&b->t))
		return -1;
	if (pick_iova(b->t.container, b->len, &b->iova))
		return -1;
	ksft_print_msg("%s: VFIO_IOMMU_MAP_DMA of %lu MiB at IOVA %#llx, %lu repetition(s)\n",
		       edu_bdf, size_mib, (unsigned long long)b->iova, reps);
	if (b->controller) {
		b->base = root_pinned();
		if (b->base < 0) {
			b->checked++;
			b->charge_failed++;
			return -1;
		}
	}
	return 0;
}

/* Map and unmap the buffer, timed, as repetition @rep; returns 0 or -1. */
static int bench_rep(struct bench *b, unsigned long rep)
{
	long long after_map = NO_DELTA, after_unmap = NO_DELTA;
	long long *map_ns = &b->map_ns[rep - 1];
	long long *unmap_ns = &b->unmap_ns[rep - 1];
	char charge[96] = "", s1[24], s2[24];
	long long start, ret;

	start = now_ns();
	ret = type1_map(b->t.container, b->iova, b->buf, b->len);
	*map_ns = now_ns() - start;
	if (ret) {
		ksft_print_msg("rep %lu: VFIO_IOMMU_MAP_DMA: %s\n", rep,
			       strerror(-ret));
		/* A failed mapping must leave nothing charged. */
		if (b->controller)
			check_charge(b, 0, &after_map, rep,
				     "after the failed map");
		return -1;
	}
	b->mapped = true;
	if (b->controller)
		check_charge(b, b->len, &after_map, rep, "after the map");

	start = now_ns();
	ret = type1_unmap(b->t.container, b->iova, b->len);
	*unmap_ns = now_ns() - start;
	if (ret < 0) {
		ksft_print_msg("rep %lu: VFIO_IOMMU_UNMAP_DMA: %s\n", rep,
			       strerror(-ret));
		return -1;
	}
	if (ret != (long long)b->len) {
		ksft_print_msg("rep %lu: VFIO_IOMMU_UNMAP_DMA of %lld bytes, expected %zu\n",
			       rep, ret, b->len);
		return -1;
	}
	b->mapped = false;
	if (b->controller) {
		check_charge(b, 0, &after_unmap, rep, "after the unmap");
		snprintf(charge, sizeof(charge),
			 ", pinned.current %s after map, %s after unmap",
			 delta_str(after_map, s1, sizeof(s1)),
			 delta_str(after_unmap, s2, sizeof(s2)));
	}
	ksft_print_msg("rep %lu: map_dma %lld ns, unmap_dma %lld ns%s\n", rep,
		       *map_ns, *unmap_ns, charge);
	return 0;
}

/* Unmap what failed repetition @rep left mapped, to be uncharged too. */
static void bench_unmap_left(struct bench *b, unsigned long rep)
{
	long long ret, got;

	if (!b->mapped)
		return;
	ret = type1_unmap(b->t.container, b->iova, b->len);
	if (ret < 0)
		ksft_print_msg("rep %lu: VFIO_IOMMU_UNMAP_DMA of what is left: %s\n",
			       rep, strerror(-ret));
	else
		b->mapped = false;
	if (b->controller)
		check_charge(b, 0, &got, rep, "after unmapping what was left");
}

static void bench_cleanup(struct bench *b)
{
	type1_close(&b->t);
	buf_free(b->buf, b->len);
	b->buf = NULL;
}

/* The results, for the harness: medians in nanoseconds */
#define BENCH_FMT \
	"bench map_dma_mib=%lu reps=%lu median_map_ns=%lld median_unmap_ns=%lld controller=%s\n"

int main(int argc, char **argv)
{
	unsigned long size_mib = DEFAULT_SIZE_MIB, reps = DEFAULT_REPS;
	struct bench b = {
		.t = { .container = -1, .group = -1 },
		.iova = TEST_IOVA,
	};
	unsigned long done = 0;

	if (argc > 3 ||
	    (argc > 1 && parse_count(argv[1], SIZE_MAX >> 20, &size_mib)) ||
	    (argc > 2 && parse_count(argv[2], MAX_REPS, &reps))) {
		fprintf(stderr, "usage: %s [SIZE_MIB [REPS]]\n", argv[0]);
		fprintf(stderr, "  SIZE_MIB defaults to %d, REPS to %d (at most %d)\n",
			DEFAULT_SIZE_MIB, DEFAULT_REPS, MAX_REPS);
		return KSFT_FAIL;
	}
	b.len = (size_t)size_mib << 20;

	ksft_print_header();
	if (geteuid())
		ksft_exit_skip("must be run as root\n");
	b.map_ns = calloc(reps, sizeof(*b.map_ns));
	b.unmap_ns = calloc(reps, sizeof(*b.unmap_ns));
	if (!b.map_ns || !b.unmap_ns)
		ksft_exit_fail_msg("out of memory\n");
	b.controller = !access(ROOT_PINNED, F_OK);

	edu_vfio_init();

	ksft_set_plan(2);
	if (!b.controller) {
		if (access(CGROUP_ROOT "/cgroup.controllers", F_OK))
			ksft_print_msg("cgroup v2 is not mounted at %s\n",
				       CGROUP_ROOT);
		ksft_print_msg("no %s: ioasids controller disabled, charges not checked\n",
			       ROOT_PINNED);
	}

	if (!bench_setup(&b, size_mib, reps))
		while (done < reps && !bench_rep(&b, done + 1))
			done++;
	bench_unmap_left(&b, done + 1);

	ksft_test_result_code(done == reps ? KSFT_PASS : KSFT_FAIL, "map_dma",
			      NULL);
	if (!b.controller)
		ksft_test_result_code(KSFT_SKIP, "charge_returns_to_zero",
				      "ioasids controller disabled");
	else if (!b.checked)
		ksft_test_result_code(KSFT_SKIP, "charge_returns_to_zero",
				      "nothing mapped");
	else
		ksft_test_result_code(b.charge_failed ? KSFT_FAIL : KSFT_PASS,
				      "charge_returns_to_zero", NULL);

	bench_cleanup(&b);
	edu_vfio_exit();

	if (done == reps)
		ksft_print_msg(BENCH_FMT, size_mib, reps,
			       median(b.map_ns, reps), median(b.unmap_ns, reps),
			       b.controller ? "on" : "off");
	free(b.map_ns);
	free(b.unmap_ns);
	ksft_finished();
}
