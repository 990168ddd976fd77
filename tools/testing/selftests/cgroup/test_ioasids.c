// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the ioasids cgroup controller, driven through /dev/ioasid.
 *
 * Each open file of /dev/ioasid is one IOASID set, owned by the ioasids
 * cgroup of the task that opened it: every IOASID the file allocates is
 * charged there, and to its ancestors, until it is freed or the file is
 * closed, wherever the task moves.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/ioasid.h>
#include <linux/limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"
#include "ioasids_util.h"

#define IOASID_DEV	"/dev/ioasid"

/* How long to wait for a notification that must come */
#define NOTIFY_TIMEOUT_MS	2000
/* How long to wait for a notification that must not come */
#define QUIET_TIMEOUT_MS	200
/* How long to wait for an uncharge that happens on release */
#define RELEASE_TIMEOUT_MS	1000

static int ioasid_open(void)
{
	return open(IOASID_DEV, O_RDWR | O_CLOEXEC);
}

/* Returns the IOASID allocated, or -errno. */
static long ioasid_alloc_range(int fd, __u32 flags, __u32 min, __u32 max)
{
	struct ioasid_alloc alloc = {
		.size = sizeof(alloc),
		.flags = flags,
		.min = min,
		.max = max,
	};

	if (ioctl(fd, IOASID_ALLOC, &alloc))
		return -errno;
	return alloc.out_ioasid;
}

static long ioasid_alloc_one(int fd)
{
	return ioasid_alloc_range(fd, 0, 0, 0);
}

/* Returns 0, or -errno. */
static int ioasid_free_one(int fd, long ioasid)
{
	struct ioasid_free free_cmd = {
		.size = sizeof(free_cmd),
		.ioasid = ioasid,
	};

	if (ioctl(fd, IOASID_FREE, &free_cmd))
		return -errno;
	return 0;
}

/* Returns 0, or -errno. */
static int ioasid_set_quota(int fd, __u32 quota)
{
	struct ioasid_set_quota cmd = {
		.size = sizeof(cmd),
		.quota = quota,
	};

	if (ioctl(fd, IOASID_SET_QUOTA, &cmd))
		return -errno;
	return 0;
}

/* Returns 0, or -errno. */
static int ioasid_get_info(int fd, struct ioasid_get_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (ioctl(fd, IOASID_GET_INFO, info))
		return -errno;
	return 0;
}

/*
 * Allocate @nr IOASIDs into @ids.  Returns 0 if every allocation returned a
 * valid IOASID (the lowest is 1) that it had not returned before, else -1.
 */
static int ioasid_alloc_n(int fd, long *ids, int nr)
{
	int i, j;

	for (i = 0; i < nr; i++) {
		ids[i] = ioasid_alloc_one(fd);
		if (ids[i] < 1) {
			ksft_print_msg("allocation %d of %d: %s\n", i + 1, nr,
				       ids[i] < 0 ? strerror(-ids[i]) :
						    "IOASID 0");
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (ids[j] == ids[i]) {
				ksft_print_msg("IOASID %ld allocated twice\n",
					       ids[i]);
				return -1;
			}
		}
	}
	return 0;
}

/* Returns 0 if @ret, from one of the ioasid_*() above, is -@err. */
static int expect_errno(long ret, int err)
{
	if (ret == -err)
		return 0;
	ksft_print_msg("got %ld (%s), expected -%d (%s)\n", ret,
		       ret < 0 ? strerror(-ret) : "success", err,
		       strerror(err));
	return -1;
}

/* The IOASIDs of files in ioasids.stat: the tests charge nothing else. */
static int check_file_stat(const char *cgroup, long nr_file)
{
	return check_stat(cgroup, nr_file, 0, 0, 0);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Collect the events of the inotify instance @ifd on the watches @wds[@nr]
 * for up to @timeout_ms, or until all the watches in the bitmask @want have
 * been seen.  Returns the bitmask of the watches seen, or -1 on error.
 */
static int inotify_collect(int ifd, const int *wds, int nr, int want,
			   int timeout_ms)
{
	union {
		struct inotify_event ev;
		char buf[4096];
	} u;
	long deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = ifd, .events = POLLIN };
	const struct inotify_event *ev;
	int seen = 0, i;
	ssize_t len;
	char *p;

	while ((seen & want) != want || !want) {
		long left = deadline - now_ms();

		if (left <= 0)
			break;
		if (poll(&pfd, 1, left) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		len = read(ifd, u.buf, sizeof(u.buf));
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		for (p = u.buf; p < u.buf + len; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			for (i = 0; i < nr; i++)
				if (ev->wd == wds[i] && (ev->mask & IN_MODIFY))
					seen |= 1 << i;
		}
	}
	return seen;
}

/*
 * A new cgroup has no limit and nothing charged, and the interface files of
 * a non-root cgroup, but not the root's ioasids.capacity.
 */
static int test_ioasids_default(const char *root)
{
	int ret = KSFT_FAIL;
	char *cg;

	cg = test_cg_create(root, "ioasids_test", false);
	if (!cg)
		goto cleanup;

	if (check_exact(cg, "ioasids.max", "max\n"))
		goto cleanup;
	if (check_value(cg, "ioasids.current", 0))
		goto cleanup;
	if (check_value(cg, "ioasids.peak", 0))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 0, 0))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 0, 0))
		goto cleanup;
	if (check_file_stat(cg, 0))
		goto cleanup;
	if (cg_has_file(cg, "ioasids.capacity"))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	test_cg_remove(cg);
	return ret;
}

/*
 * The parent's ioasids.max limits its children together: once a child has
 * taken all of it, the child and its sibling fail with EBUSY until an IOASID
 * is freed.
 */
static int test_ioasids_limit_parent(const char *root)
{
	char *parent = NULL, *child1 = NULL, *child2 = NULL;
	int ret = KSFT_FAIL, fd1 = -1, fd2 = -1;
	long ids[3], id;

	parent = test_cg_create(root, "ioasids_parent", true);
	child1 = test_cg_create(parent, "ioasids_child1", false);
	child2 = test_cg_create(parent, "ioasids_child2", false);
	if (!parent || !child1 || !child2)
		goto cleanup;

	if (cg_write(parent, "ioasids.max", "3"))
		goto cleanup;
	if (check_exact(parent, "ioasids.max", "3\n"))
		goto cleanup;
	if (check_exact(child1, "ioasids.max", "max\n"))
		goto cleanup;

	if (cg_enter_current(child1))
		goto cleanup;
	fd1 = ioasid_open();
	if (fd1 < 0)
		goto cleanup;
	if (ioasid_alloc_n(fd1, ids, 3))
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd1), EBUSY))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 3))
		goto cleanup;
	if (check_value(child1, "ioasids.current", 3))
		goto cleanup;
	if (check_value(child2, "ioasids.current", 0))
		goto cleanup;

	/* The sibling shares the parent's limit. */
	if (cg_enter_current(child2))
		goto cleanup;
	fd2 = ioasid_open();
	if (fd2 < 0)
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd2), EBUSY))
		goto cleanup;
	if (check_value(child2, "ioasids.current", 0))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 3))
		goto cleanup;

	/* Freeing one in the first child makes room for the sibling. */
	if (ioasid_free_one(fd1, ids[0]))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 2))
		goto cleanup;
	if (check_value(child1, "ioasids.current", 2))
		goto cleanup;
	id = ioasid_alloc_one(fd2);
	if (id < 1)
		goto cleanup;
	if (check_value(parent, "ioasids.current", 3))
		goto cleanup;
	if (check_value(child1, "ioasids.current", 2))
		goto cleanup;
	if (check_value(child2, "ioasids.current", 1))
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd1), EBUSY))
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd2), EBUSY))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 3))
		goto cleanup;
	/* The failed charges never took the parent over its limit. */
	if (check_value(parent, "ioasids.peak", 3))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd1);
	close_fd(&fd2);
	cg_enter_current(root);
	test_cg_remove(child2);
	test_cg_remove(child1);
	test_cg_remove(parent);
	return ret;
}

/*
 * A child's ioasids.max below its parent's limits the child first; raising
 * it lets the child reach the parent's limit.  Each failure is counted where
 * the limit was hit.
 */
static int test_ioasids_limit_child(const char *root)
{
	char *parent = NULL, *child = NULL;
	int ret = KSFT_FAIL, fd = -1;
	long ids[5];

	parent = test_cg_create(root, "ioasids_parent", true);
	child = test_cg_create(parent, "ioasids_child", false);
	if (!parent || !child)
		goto cleanup;
	if (cg_write(parent, "ioasids.max", "5"))
		goto cleanup;
	if (cg_write(child, "ioasids.max", "2"))
		goto cleanup;

	if (cg_enter_current(child))
		goto cleanup;
	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;
	if (ioasid_alloc_n(fd, ids, 2))
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd), EBUSY))
		goto cleanup;
	if (check_value(child, "ioasids.current", 2))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 2))
		goto cleanup;
	if (check_events(child, "ioasids.events.local", 1, 0))
		goto cleanup;
	if (check_events(child, "ioasids.events", 1, 0))
		goto cleanup;
	if (check_events(parent, "ioasids.events.local", 0, 0))
		goto cleanup;
	if (check_events(parent, "ioasids.events", 1, 0))
		goto cleanup;

	/* Raised, the child's limit lets one more through. */
	if (cg_write(child, "ioasids.max", "3"))
		goto cleanup;
	ids[2] = ioasid_alloc_one(fd);
	if (ids[2] < 1)
		goto cleanup;
	if (check_value(child, "ioasids.current", 3))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 3))
		goto cleanup;

	/* Without a limit of its own, the child stops at the parent's. */
	if (cg_write(child, "ioasids.max", "max"))
		goto cleanup;
	if (ioasid_alloc_n(fd, ids + 3, 2))
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd), EBUSY))
		goto cleanup;
	if (check_value(child, "ioasids.current", 5))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 5))
		goto cleanup;
	if (check_events(child, "ioasids.events.local", 1, 0))
		goto cleanup;
	if (check_events(child, "ioasids.events", 1, 0))
		goto cleanup;
	if (check_events(parent, "ioasids.events.local", 1, 0))
		goto cleanup;
	if (check_events(parent, "ioasids.events", 2, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd);
	cg_enter_current(root);
	test_cg_remove(child);
	test_cg_remove(parent);
	return ret;
}

/*
 * A failure is counted in ioasids.events.local of the cgroup whose limit
 * was hit only, and in ioasids.events of that cgroup and of its ancestors,
 * never of its descendants.
 */
static int test_ioasids_events(const char *root)
{
	char *grand = NULL, *parent = NULL, *child = NULL;
	int ret = KSFT_FAIL, fd = -1;
	long id;

	grand = test_cg_create(root, "ioasids_grand", true);
	parent = test_cg_create(grand, "ioasids_parent", true);
	child = test_cg_create(parent, "ioasids_child", false);
	if (!grand || !parent || !child)
		goto cleanup;
	if (cg_write(parent, "ioasids.max", "1"))
		goto cleanup;

	if (cg_enter_current(child))
		goto cleanup;
	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;
	id = ioasid_alloc_one(fd);
	if (id < 1)
		goto cleanup;
	/* A successful charge is no event. */
	if (check_events(parent, "ioasids.events", 0, 0))
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd), EBUSY))
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd), EBUSY))
		goto cleanup;

	if (check_events(child, "ioasids.events", 0, 0))
		goto cleanup;
	if (check_events(child, "ioasids.events.local", 0, 0))
		goto cleanup;
	if (check_events(parent, "ioasids.events", 2, 0))
		goto cleanup;
	if (check_events(parent, "ioasids.events.local", 2, 0))
		goto cleanup;
	if (check_events(grand, "ioasids.events", 2, 0))
		goto cleanup;
	if (check_events(grand, "ioasids.events.local", 0, 0))
		goto cleanup;
	if (check_value(child, "ioasids.current", 1))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 1))
		goto cleanup;
	if (check_value(grand, "ioasids.current", 1))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd);
	cg_enter_current(root);
	test_cg_remove(child);
	test_cg_remove(parent);
	test_cg_remove(grand);
	return ret;
}

/*
 * poll() on ioasids.events of the cgroup whose limit is hit wakes with
 * POLLPRI, and does not for a successful charge.
 */
static int test_ioasids_events_poll(const char *root)
{
	char *parent = NULL, *child = NULL;
	int ret = KSFT_FAIL, fd = -1, efd = -1, status, n;
	struct pollfd pfd = { .fd = -1 };
	char buf[64], got[64];
	pid_t pid = -1;

	parent = test_cg_create(root, "ioasids_parent", true);
	child = test_cg_create(parent, "ioasids_child", false);
	if (!parent || !child)
		goto cleanup;
	if (cg_write(parent, "ioasids.max", "1"))
		goto cleanup;

	efd = cg_open(parent, "ioasids.events", O_RDONLY | O_CLOEXEC);
	if (efd < 0)
		goto cleanup;
	/* Reading the file acknowledges what was notified before. */
	if (read(efd, buf, sizeof(buf)) <= 0)
		goto cleanup;
	pfd.fd = efd;
	pfd.events = POLLPRI;

	if (cg_enter_current(child))
		goto cleanup;
	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;
	if (ioasid_alloc_one(fd) < 1)
		goto cleanup;
	n = poll(&pfd, 1, 0);
	if (n != 0) {
		ksft_print_msg("poll() before the limit was hit: %d\n", n);
		goto cleanup;
	}

	/* Hit the limit while this task sleeps in poll(). */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		goto cleanup;
	if (pid == 0) {
		usleep(200000);
		_exit(ioasid_alloc_one(fd) == -EBUSY ? 0 : 1);
	}
	do {
		n = poll(&pfd, 1, NOTIFY_TIMEOUT_MS);
	} while (n < 0 && errno == EINTR);
	if (n != 1 || !(pfd.revents & POLLPRI)) {
		ksft_print_msg("poll(): %d, revents %#x\n", n, pfd.revents);
		goto cleanup;
	}
	if (waitpid(pid, &status, 0) != pid)
		goto cleanup;
	pid = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		goto cleanup;

	n = pread(efd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		goto cleanup;
	buf[n] = '\0';
	if (strcmp(buf, "max 1\npinned.max 0\n")) {
		ksft_print_msg("ioasids.events after the event: \"%s\"\n",
			       flat(buf, got, sizeof(got)));
		goto cleanup;
	}

	ret = KSFT_PASS;

cleanup:
	kill_child(&pid);
	close_fd(&efd);
	close_fd(&fd);
	cg_enter_current(root);
	test_cg_remove(child);
	test_cg_remove(parent);
	return ret;
}

/*
 * Hitting a limit sends IN_MODIFY on ioasids.events.local and
 * ioasids.events of the cgroup whose limit was hit, none on the files of
 * its child that hit it, and none for a successful charge.
 */
static int test_ioasids_events_inotify(const char *root)
{
	static const char *const files[] = {
		"ioasids.events.local", "ioasids.events",
	};
	char *parent = NULL, *child = NULL;
	int ret = KSFT_FAIL, fd = -1, ifd = -1, seen, i;
	char path[PATH_MAX];
	int wds[4];

	parent = test_cg_create(root, "ioasids_parent", true);
	child = test_cg_create(parent, "ioasids_child", false);
	if (!parent || !child)
		goto cleanup;
	if (cg_write(parent, "ioasids.max", "1"))
		goto cleanup;

	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd < 0)
		goto cleanup;
	/* wds[0, 1]: the parent's files; wds[2, 3]: the child's */
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", i < 2 ? parent : child,
			 files[i % 2]);
		wds[i] = inotify_add_watch(ifd, path, IN_MODIFY);
		if (wds[i] < 0)
			goto cleanup;
	}

	if (cg_enter_current(child))
		goto cleanup;
	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;
	if (ioasid_alloc_one(fd) < 1)
		goto cleanup;
	seen = inotify_collect(ifd, wds, 4, 0, QUIET_TIMEOUT_MS);
	if (seen) {
		ksft_print_msg("events after a successful charge: %#x\n", seen);
		goto cleanup;
	}

	if (expect_errno(ioasid_alloc_one(fd), EBUSY))
		goto cleanup;
	seen = inotify_collect(ifd, wds, 4, 0x3, NOTIFY_TIMEOUT_MS);
	if (seen < 0)
		goto cleanup;
	/* Late notifications of the child's files would show here. */
	i = inotify_collect(ifd, wds, 4, 0, QUIET_TIMEOUT_MS);
	if (i < 0)
		goto cleanup;
	seen |= i;
	if (seen != 0x3) {
		ksft_print_msg("IN_MODIFY seen on %#x, expected 0x3\n", seen);
		goto cleanup;
	}

	ret = KSFT_PASS;

cleanup:
	close_fd(&ifd);
	close_fd(&fd);
	cg_enter_current(root);
	test_cg_remove(child);
	test_cg_remove(parent);
	return ret;
}

/* ioasids.peak keeps the highest ioasids.current. */
static int test_ioasids_peak(const char *root)
{
	int ret = KSFT_FAIL, fd = -1, i;
	long ids[5];
	char *cg;

	cg = test_cg_enter(root, "ioasids_test");
	if (!cg)
		goto cleanup;

	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;
	if (ioasid_alloc_n(fd, ids, 5))
		goto cleanup;
	for (i = 0; i < 3; i++)
		if (ioasid_free_one(fd, ids[i]))
			goto cleanup;
	if (check_value(cg, "ioasids.current", 2))
		goto cleanup;
	if (check_value(cg, "ioasids.peak", 5))
		goto cleanup;

	close_fd(&fd);
	if (check_value(cg, "ioasids.current", 0))
		goto cleanup;
	if (check_value(cg, "ioasids.peak", 5))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd);
	test_cg_leave(root, cg);
	return ret;
}

/*
 * IOASID_FREE uncharges once, only what the file holds, and closing a file
 * uncharges every IOASID it still holds.
 */
static int test_ioasids_release_close(const char *root)
{
	int ret = KSFT_FAIL, fd1 = -1, fd2 = -1;
	long ids[3], id;
	char *cg;

	cg = test_cg_enter(root, "ioasids_test");
	if (!cg)
		goto cleanup;

	fd1 = ioasid_open();
	fd2 = ioasid_open();
	if (fd1 < 0 || fd2 < 0)
		goto cleanup;
	if (ioasid_alloc_n(fd1, ids, 3))
		goto cleanup;
	id = ioasid_alloc_one(fd2);
	if (id < 1)
		goto cleanup;
	if (check_value(cg, "ioasids.current", 4))
		goto cleanup;
	if (check_file_stat(cg, 4))
		goto cleanup;

	if (ioasid_free_one(fd1, ids[0]))
		goto cleanup;
	/* Freed twice, or through a file that does not hold it */
	if (expect_errno(ioasid_free_one(fd1, ids[0]), ENOENT))
		goto cleanup;
	if (expect_errno(ioasid_free_one(fd1, id), ENOENT))
		goto cleanup;
	if (check_value(cg, "ioasids.current", 3))
		goto cleanup;
	if (check_file_stat(cg, 3))
		goto cleanup;

	close_fd(&fd1);
	if (check_value(cg, "ioasids.current", 1))
		goto cleanup;
	if (check_file_stat(cg, 1))
		goto cleanup;
	close_fd(&fd2);
	if (check_value(cg, "ioasids.current", 0))
		goto cleanup;
	if (check_file_stat(cg, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd1);
	close_fd(&fd2);
	test_cg_leave(root, cg);
	return ret;
}

/* In the holder: allocate 4 IOASIDs, in a file left open. */
static int hold_ioasids(void *arg)
{
	long ids[4];
	int fd;

	(void)arg;
	fd = ioasid_open();
	return fd < 0 ? -1 : ioasid_alloc_n(fd, ids, 4);
}

/* A killed process's IOASIDs are uncharged once it is reaped. */
static int test_ioasids_release_kill(const char *root)
{
	int ret = KSFT_FAIL;
	pid_t pid = -1;
	char *cg;

	cg = test_cg_create(root, "ioasids_test", false);
	if (!cg)
		goto cleanup;
	pid = holder_start(cg, hold_ioasids, NULL);
	if (pid < 0)
		goto cleanup;
	if (check_value(cg, "ioasids.current", 4))
		goto cleanup;
	if (check_file_stat(cg, 4))
		goto cleanup;

	if (holder_kill(&pid))
		goto cleanup;
	if (wait_value(cg, "ioasids.current", 0, RELEASE_TIMEOUT_MS))
		goto cleanup;
	if (check_file_stat(cg, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	kill_child(&pid);
	test_cg_remove(cg);
	return ret;
}

/*
 * The charges of a file stay with the cgroup that opened it when the
 * process moves, also for what it allocates after the move.
 */
static int test_ioasids_migration(const char *root)
{
	char *parent = NULL, *cg_a = NULL, *cg_b = NULL;
	int ret = KSFT_FAIL, fd_a = -1, fd_b = -1;

	parent = test_cg_create(root, "ioasids_parent", true);
	cg_a = test_cg_create(parent, "ioasids_a", false);
	cg_b = test_cg_create(parent, "ioasids_b", false);
	if (!parent || !cg_a || !cg_b)
		goto cleanup;

	if (cg_enter_current(cg_a))
		goto cleanup;
	fd_a = ioasid_open();
	if (fd_a < 0)
		goto cleanup;
	if (ioasid_alloc_one(fd_a) < 1)
		goto cleanup;

	if (cg_enter_current(cg_b))
		goto cleanup;
	if (check_value(cg_a, "ioasids.current", 1))
		goto cleanup;
	if (check_value(cg_b, "ioasids.current", 0))
		goto cleanup;

	/* The file still charges the cgroup that opened it. */
	if (ioasid_alloc_one(fd_a) < 1)
		goto cleanup;
	if (check_value(cg_a, "ioasids.current", 2))
		goto cleanup;
	if (check_value(cg_b, "ioasids.current", 0))
		goto cleanup;

	/* A file opened after the move charges the new cgroup. */
	fd_b = ioasid_open();
	if (fd_b < 0)
		goto cleanup;
	if (ioasid_alloc_one(fd_b) < 1)
		goto cleanup;
	if (check_value(cg_a, "ioasids.current", 2))
		goto cleanup;
	if (check_value(cg_b, "ioasids.current", 1))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 3))
		goto cleanup;

	close_fd(&fd_a);
	if (check_value(cg_a, "ioasids.current", 0))
		goto cleanup;
	if (check_value(cg_b, "ioasids.current", 1))
		goto cleanup;
	close_fd(&fd_b);
	if (check_value(cg_b, "ioasids.current", 0))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd_a);
	close_fd(&fd_b);
	cg_enter_current(root);
	test_cg_remove(cg_b);
	test_cg_remove(cg_a);
	test_cg_remove(parent);
	return ret;
}

/*
 * A cgroup that still holds charges can be removed; its charges stay
 * counted in its parent until the file is closed.
 */
static int test_ioasids_rmdir_charged(const char *root)
{
	char *parent = NULL, *child = NULL, *sibling = NULL;
	int ret = KSFT_FAIL, fd = -1;
	long ids[2];

	parent = test_cg_create(root, "ioasids_parent", true);
	child = test_cg_create(parent, "ioasids_child", false);
	sibling = test_cg_create(parent, "ioasids_sibling", false);
	if (!parent || !child || !sibling)
		goto cleanup;

	if (cg_enter_current(child))
		goto cleanup;
	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;
	if (ioasid_alloc_n(fd, ids, 2))
		goto cleanup;
	/* The parent controls its children, so it can hold no process. */
	if (cg_enter_current(sibling))
		goto cleanup;

	if (rmdir(child)) {
		ksft_perror("rmdir of a charged cgroup");
		goto cleanup;
	}
	if (check_value(parent, "ioasids.current", 2))
		goto cleanup;
	if (check_file_stat(parent, 2))
		goto cleanup;
	if (check_value(sibling, "ioasids.current", 0))
		goto cleanup;

	/* The removed cgroup's file still frees. */
	if (ioasid_free_one(fd, ids[0]))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 1))
		goto cleanup;

	close_fd(&fd);
	if (check_value(parent, "ioasids.current", 0))
		goto cleanup;
	if (check_file_stat(parent, 0))
		goto cleanup;
	if (check_value(parent, "ioasids.peak", 2))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd);
	cg_enter_current(root);
	test_cg_remove(sibling);
	test_cg_remove(child);
	test_cg_remove(parent);
	return ret;
}

/* Invalid writes to ioasids.max fail and leave it unchanged. */
static int test_ioasids_max_invalid(const char *root)
{
	static const struct bad_write bad[] = {
		{ "\n", EINVAL },
		{ " ", EINVAL },
		{ "-1", EINVAL },
		{ "abc", EINVAL },
		{ "12abc", EINVAL },
		{ "1 2", EINVAL },
		{ "5 junk", EINVAL },
		{ "1.5", EINVAL },
		{ "0x10", EINVAL },
		{ "max5", EINVAL },
		{ "MAX", EINVAL },
		{ "99999999999999999999999", ERANGE },
		{ "18446744073709551616", ERANGE },
		{ "9223372036854775807", ERANGE },
	};
	int ret = KSFT_FAIL;
	char *cg;

	cg = test_cg_create(root, "ioasids_test", false);
	if (!cg)
		goto cleanup;
	if (cg_write(cg, "ioasids.max", "5"))
		goto cleanup;

	if (check_bad_writes(cg, "ioasids.max", bad, ARRAY_SIZE(bad), "5\n"))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	test_cg_remove(cg);
	return ret;
}

/* Valid writes to ioasids.max read back, and 0 blocks every allocation. */
static int test_ioasids_max_valid(const char *root)
{
	const char *large = sizeof(long) == 8 ? "1000000000000" : "2147483646";
	int ret = KSFT_FAIL, fd = -1;
	char expected[32];
	char *cg;

	cg = test_cg_create(root, "ioasids_test", false);
	if (!cg)
		goto cleanup;

	if (cg_write(cg, "ioasids.max", "7\n"))
		goto cleanup;
	if (check_exact(cg, "ioasids.max", "7\n"))
		goto cleanup;
	if (cg_write(cg, "ioasids.max", "max\n"))
		goto cleanup;
	if (check_exact(cg, "ioasids.max", "max\n"))
		goto cleanup;
	if (cg_write(cg, "ioasids.max", (char *)large))
		goto cleanup;
	snprintf(expected, sizeof(expected), "%s\n", large);
	if (check_exact(cg, "ioasids.max", expected))
		goto cleanup;
	if (cg_write(cg, "ioasids.max", "max"))
		goto cleanup;
	if (check_exact(cg, "ioasids.max", "max\n"))
		goto cleanup;
	if (cg_write(cg, "ioasids.max", "0"))
		goto cleanup;
	if (check_exact(cg, "ioasids.max", "0\n"))
		goto cleanup;

	if (cg_enter_current(cg))
		goto cleanup;
	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd), EBUSY))
		goto cleanup;
	if (check_value(cg, "ioasids.current", 0))
		goto cleanup;
	if (check_value(cg, "ioasids.peak", 0))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 1, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd);
	test_cg_leave(root, cg);
	return ret;
}

/*
 * A limit below ioasids.current is accepted: the IOASIDs held stay, and
 * allocations fail until the usage is below the limit again.
 */
static int test_ioasids_max_below_current(const char *root)
{
	int ret = KSFT_FAIL, fd = -1;
	long ids[3];
	char *cg;

	cg = test_cg_enter(root, "ioasids_test");
	if (!cg)
		goto cleanup;
	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;
	if (ioasid_alloc_n(fd, ids, 3))
		goto cleanup;

	if (cg_write(cg, "ioasids.max", "1"))
		goto cleanup;
	if (check_exact(cg, "ioasids.max", "1\n"))
		goto cleanup;
	if (check_value(cg, "ioasids.current", 3))
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd), EBUSY))
		goto cleanup;
	if (check_value(cg, "ioasids.current", 3))
		goto cleanup;

	if (ioasid_free_one(fd, ids[0]) || ioasid_free_one(fd, ids[1]))
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd), EBUSY))
		goto cleanup;
	if (ioasid_free_one(fd, ids[2]))
		goto cleanup;
	if (check_value(cg, "ioasids.current", 0))
		goto cleanup;
	if (ioasid_alloc_one(fd) < 1)
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd), EBUSY))
		goto cleanup;
	if (check_value(cg, "ioasids.current", 1))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 3, 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd);
	test_cg_leave(root, cg);
	return ret;
}

/*
 * The file's quota fails with EDQUOT before the cgroup's limit is checked,
 * and is no cgroup event.
 */
static int test_ioasids_quota(const char *root)
{
	struct ioasid_get_info info;
	int ret = KSFT_FAIL, fd = -1;
	long ids[2];
	char *cg;

	cg = test_cg_create(root, "ioasids_test", false);
	if (!cg)
		goto cleanup;
	if (cg_write(cg, "ioasids.max", "10"))
		goto cleanup;
	if (cg_enter_current(cg))
		goto cleanup;
	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;

	if (ioasid_set_quota(fd, 2))
		goto cleanup;
	if (ioasid_alloc_n(fd, ids, 2))
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd), EDQUOT))
		goto cleanup;
	if (check_value(cg, "ioasids.current", 2))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 0, 0))
		goto cleanup;
	if (ioasid_get_info(fd, &info))
		goto cleanup;
	if (info.quota != 2 || info.usage != 2)
		goto cleanup;

	/* With room in the quota, the cgroup's limit fails the allocation. */
	if (cg_write(cg, "ioasids.max", "2"))
		goto cleanup;
	if (ioasid_set_quota(fd, 3))
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd), EBUSY))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 1, 0))
		goto cleanup;

	/* Both exhausted: the quota is checked first. */
	if (ioasid_set_quota(fd, 1))
		goto cleanup;
	if (expect_errno(ioasid_alloc_one(fd), EDQUOT))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 1, 0))
		goto cleanup;
	if (check_value(cg, "ioasids.current", 2))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd);
	test_cg_leave(root, cg);
	return ret;
}

/* An allocation that fails for want of a free IOASID charges nothing. */
static int test_ioasids_enospc(const char *root)
{
	int ret = KSFT_FAIL, fd = -1;
	char *cg;
	long id;

	cg = test_cg_enter(root, "ioasids_test");
	if (!cg)
		goto cleanup;
	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;

	id = ioasid_alloc_one(fd);
	if (id < 1)
		goto cleanup;
	/* The only IOASID in the range is the one this file holds. */
	if (expect_errno(ioasid_alloc_range(fd, IOASID_ALLOC_RANGE, id, id),
			 ENOSPC))
		goto cleanup;
	/* IOASID 0 is never allocated. */
	if (expect_errno(ioasid_alloc_range(fd, IOASID_ALLOC_RANGE, 0, 0),
			 EINVAL))
		goto cleanup;
	if (check_value(cg, "ioasids.current", 1))
		goto cleanup;
	if (check_file_stat(cg, 1))
		goto cleanup;
	if (check_events(cg, "ioasids.events.local", 0, 0))
		goto cleanup;

	close_fd(&fd);
	if (check_value(cg, "ioasids.current", 0))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd);
	test_cg_leave(root, cg);
	return ret;
}

/* ioasids.stat counts the IOASIDs of files, summed over the subtree. */
static int test_ioasids_stat(const char *root)
{
	char *parent = NULL, *child1 = NULL, *child2 = NULL;
	int ret = KSFT_FAIL, fd1 = -1, fd2 = -1;
	long ids[3];

	parent = test_cg_create(root, "ioasids_parent", true);
	child1 = test_cg_create(parent, "ioasids_child1", false);
	child2 = test_cg_create(parent, "ioasids_child2", false);
	if (!parent || !child1 || !child2)
		goto cleanup;

	if (cg_enter_current(child1))
		goto cleanup;
	fd1 = ioasid_open();
	if (fd1 < 0)
		goto cleanup;
	if (ioasid_alloc_n(fd1, ids, 2))
		goto cleanup;
	if (cg_enter_current(child2))
		goto cleanup;
	fd2 = ioasid_open();
	if (fd2 < 0)
		goto cleanup;
	if (ioasid_alloc_n(fd2, ids, 3))
		goto cleanup;

	if (check_file_stat(child1, 2))
		goto cleanup;
	if (check_file_stat(child2, 3))
		goto cleanup;
	if (check_file_stat(parent, 5))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 5))
		goto cleanup;

	if (ioasid_free_one(fd2, ids[0]))
		goto cleanup;
	if (check_file_stat(child2, 2))
		goto cleanup;
	if (check_file_stat(parent, 4))
		goto cleanup;
	close_fd(&fd1);
	if (check_file_stat(child1, 0))
		goto cleanup;
	if (check_file_stat(parent, 2))
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd1);
	close_fd(&fd2);
	cg_enter_current(root);
	test_cg_remove(child2);
	test_cg_remove(child1);
	test_cg_remove(parent);
	return ret;
}

/*
 * The root has ioasids.capacity, as IOASID_GET_INFO reports it, and no
 * limit nor events.
 */
static int test_ioasids_root_files(const char *root)
{
	struct ioasid_get_info info;
	int ret = KSFT_FAIL, fd = -1;
	long capacity, id;

	capacity = cg_read_long(root, "ioasids.capacity");
	if (capacity <= 0) {
		ksft_print_msg("ioasids.capacity: %ld\n", capacity);
		goto cleanup;
	}
	if (cg_has_file(root, "ioasids.max") ||
	    cg_has_file(root, "ioasids.events") ||
	    cg_has_file(root, "ioasids.events.local"))
		goto cleanup;
	if (!cg_has_file(root, "ioasids.current") ||
	    !cg_has_file(root, "ioasids.peak") ||
	    !cg_has_file(root, "ioasids.stat"))
		goto cleanup;

	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;
	if (ioasid_get_info(fd, &info))
		goto cleanup;
	/* IOASIDs range from 1 to max_ioasid. */
	if ((long)info.capacity != capacity ||
	    (long)info.max_ioasid != capacity) {
		ksft_print_msg("capacity %u, max_ioasid %u, cgroup %ld\n",
			       info.capacity, info.max_ioasid, capacity);
		goto cleanup;
	}
	if (info.quota != IOASID_QUOTA_UNLIMITED || info.usage != 0)
		goto cleanup;
	id = ioasid_alloc_one(fd);
	if (id < 1 || id > (long)info.max_ioasid)
		goto cleanup;
	if (ioasid_get_info(fd, &info) || info.usage != 1)
		goto cleanup;

	ret = KSFT_PASS;

cleanup:
	close_fd(&fd);
	return ret;
}

static const struct ioasids_test tests[] = {
	IOASIDS_TEST(test_ioasids_default),
	IOASIDS_TEST(test_ioasids_limit_parent),
	IOASIDS_TEST(test_ioasids_limit_child),
	IOASIDS_TEST(test_ioasids_events),
	IOASIDS_TEST(test_ioasids_events_poll),
	IOASIDS_TEST(test_ioasids_events_inotify),
	IOASIDS_TEST(test_ioasids_peak),
	IOASIDS_TEST(test_ioasids_release_close),
	IOASIDS_TEST(test_ioasids_release_kill),
	IOASIDS_TEST(test_ioasids_migration),
	IOASIDS_TEST(test_ioasids_rmdir_charged),
	IOASIDS_TEST(test_ioasids_max_invalid),
	IOASIDS_TEST(test_ioasids_max_valid),
	IOASIDS_TEST(test_ioasids_max_below_current),
	IOASIDS_TEST(test_ioasids_quota),
	IOASIDS_TEST(test_ioasids_enospc),
	IOASIDS_TEST(test_ioasids_stat),
	IOASIDS_TEST(test_ioasids_root_files),
};

int main(void)
{
	char root[PATH_MAX];
	int fd;

	ksft_print_header();
	ioasids_find_root(root, sizeof(root));

	fd = ioasid_open();
	if (fd < 0)
		ksft_exit_skip("Cannot open %s: %s\n", IOASID_DEV,
			       strerror(errno));
	close(fd);

	ioasids_run_tests(tests, ARRAY_SIZE(tests), root);

	ksft_finished();
}
