// SPDX-License-Identifier: GPL-2.0
/*
 * A tenant's load for the ioasids controller: allocate IOASIDs through
 * /dev/ioasid and pin memory for DMA through VFIO, in the cgroup the
 * program runs in, so that limits can be seen at work.  Used by the tests
 * of the host-side tools and by the demonstration.
 *
 *   ioasids_tenant [--ids N] [--pin SIZE] [--device I] [--hold]
 *
 * --ids N     allocate N IOASIDs, one at a time
 * --pin SIZE  map SIZE bytes (K, M, G suffixes) of anonymous memory for
 *             DMA through the VFIO type1 container of edu device I
 *             (default 0), which pins and charges it
 * --hold      keep everything until SIGTERM or SIGINT
 *
 * Prints one line per step.  Exit status: 0 when every step succeeded,
 * 1 when one failed (the line names it and the reason), 2 on bad usage.
 * Everything is released when the program ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/ioasid.h>

#include "vfio_util.h"

#define IOASID_DEV	"/dev/ioasid"
/* IOASIDs are 20 bits wide, 0 is reserved */
#define IOASID_MAX_ALLOCATABLE	((1L << 20) - 1)

static void bad_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--ids N] [--pin SIZE] [--device I] [--hold]\n",
		prog);
	exit(2);
}

/* A number of at most @max, or -1 when invalid */
static long parse_count(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return -1;
	return v;
}

/* A size in bytes with an optional K, M or G suffix; 0 when invalid */
static size_t parse_size(const char *s)
{
	static const char suffixes[] = "KMG";
	unsigned long long v;
	const char *suffix;
	int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return 0;
	if (*end) {
		suffix = strchr(suffixes, *end);
		if (!suffix || end[1])
			return 0;
		shift = 10 * (suffix - suffixes + 1);
	}
	if (v > (SIZE_MAX >> shift))
		return 0;
	return v << shift;
}

static int alloc_ioasids(long n)
{
	struct ioasid_alloc alloc;
	long i;
	int fd;

	fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("open %s: %s\n", IOASID_DEV, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		memset(&alloc, 0, sizeof(alloc));
		alloc.size = sizeof(alloc);
		if (ioctl(fd, IOASID_ALLOC, &alloc)) {
			printf("IOASID %ld of %ld: %s\n", i + 1, n,
			       strerror(errno));
			return -1;
		}
	}
	printf("allocated %ld IOASIDs\n", n);
	/* The file stays open: closing it would free them. */
	return fd;
}

static int pin_memory(long dev, size_t len, struct type1 *t)
{
	char *buf;
	int ret;

	if (edu_find() || dev >= edu_nr_devs) {
		printf("pin: no edu device %ld\n", dev);
		return -1;
	}
	if (edu_setup_dev(dev)) {
		printf("pin: cannot bind edu device %s to vfio-pci\n",
		       edu_devs[dev].bdf);
		return -1;
	}
	if (type1_open_group(t, edu_devs[dev].group_path)) {
		printf("pin: cannot open the VFIO group of %s\n",
		       edu_devs[dev].bdf);
		return -1;
	}
	buf = buf_alloc(len);
	if (!buf) {
		printf("pin: cannot allocate %zu bytes\n", len);
		return -1;
	}
	ret = type1_map(t->container, TEST_IOVA, buf, len);
	if (ret) {
		printf("pin %zu bytes: %s\n", len, strerror(-ret));
		return -1;
	}
	printf("pinned %zu bytes for DMA through %s\n", len,
	       edu_devs[dev].bdf);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ids", required_argument, NULL, 'i' },
		{ "pin", required_argument, NULL, 'p' },
		{ "device", required_argument, NULL, 'd' },
		{ "hold", no_argument, NULL, 'h' },
		{ }
	};
	struct type1 t = { .container = -1, .group = -1 };
	sigset_t stop;
	long ids = 0, dev = 0;
	size_t pin = 0;
	bool hold = false;
	int fd = -1, ret = 0, c, sig;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			ids = parse_count(optarg, IOASID_MAX_ALLOCATABLE);
			if (ids < 0)
				bad_usage(argv[0]);
			break;
		case 'p':
			pin = parse_size(optarg);
			if (!pin)
				bad_usage(argv[0]);
			break;
		case 'd':
			dev = parse_count(optarg, EDU_MAX_DEVS - 1);
			if (dev < 0)
				bad_usage(argv[0]);
			break;
		case 'h':
			hold = true;
			break;
		default:
			bad_usage(argv[0]);
		}
	}
	if (optind != argc)
		bad_usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Blocked from the start, to be taken by sigwait() in the hold */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);

	if (ids) {
		fd = alloc_ioasids(ids);
		if (fd < 0)
			ret = 1;
	}
	if (!ret && pin && pin_memory(dev, pin, &t))
		ret = 1;
	if (!ret && hold) {
		printf("holding until SIGTERM\n");
		sigwait(&stop, &sig);
	}

	type1_close(&t);
	close_fd(&fd);
	if (pin)
		edu_restore();
	return ret;
}
