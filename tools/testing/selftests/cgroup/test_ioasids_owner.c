// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of who owns an IOASID set, and of what one tenant's sets cost
 * another.
 *
 * A set belongs, for its whole life, to the cgroup of the task that
 * created it: whoever holds a /dev/ioasid file, by inheritance or by
 * SCM_RIGHTS, allocates against the limits of the cgroup that opened it.
 * Once that cgroup is removed, its last limits keep applying, beside its
 * ancestors'.
 *
 * Reading ioasids.stat costs the same whatever other cgroups hold: the
 * controller counts by kind itself, and the read sums the reader's subtree
 * only.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/ioasid.h>
#include <linux/limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"
#include "ioasids_util.h"

#define IOASID_DEV	"/dev/ioasid"

/* The sets another cgroup holds while the reader times ioasids.stat */
#define FOREIGN_SETS	10000
/*
 * Reads of ioasids.stat per batch, and batches per timing: the fastest
 * batch counts, which leaves out the time other tasks took the CPU.
 */
#define STAT_READS	100
#define STAT_BATCHES	30
/*
 * The most the foreign sets may slow a read down.  The reads should cost
 * the same; the bound leaves room for TCG's noise, and a read that walks
 * 10,000 sets takes many times longer.
 */
#define STAT_MAX_RATIO	1.5

static int ioasid_open(void)
{
	return open(IOASID_DEV, O_RDWR | O_CLOEXEC);
}

/* Returns the IOASID allocated, or -errno. */
static long ioasid_alloc_one(int fd)
{
	struct ioasid_alloc alloc = { .size = sizeof(alloc) };

	if (ioctl(fd, IOASID_ALLOC, &alloc))
		return -errno;
	return alloc.out_ioasid;
}

/* Returns 0 if an IOASID could be allocated through @fd. */
static int alloc_ok(int fd, const char *what)
{
	long id = ioasid_alloc_one(fd);

	if (id > 0)
		return 0;
	ksft_print_msg("%s: %s\n", what, strerror(-id));
	return -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * In a child moved to @cgroup, allocate @nr IOASIDs through @fd, then one
 * more that must fail with @err (0: no such allocation).  Returns 0 if
 * all went as expected.
 */
static int alloc_elsewhere(const char *cgroup, int fd, int nr, int err)
{
	int status, i;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (cg_enter_current(cgroup))
			_exit(10);
		for (i = 0; i < nr; i++)
			if (ioasid_alloc_one(fd) < 1)
				_exit(11);
		if (err && ioasid_alloc_one(fd) != -err)
			_exit(12);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		ksft_print_msg("the allocating child failed: %d\n", status);
		return -1;
	}
	return 0;
}

/*
 * A file inherited by a child that moves to another cgroup still charges
 * the cgroup that opened it, within that cgroup's limits.
 */
static int test_owner_inherited(const char *root)
{
	char *parent = NULL, *cg_a = NULL, *cg_b = NULL;
	int ret = KSFT_FAIL, fd = -1;

	parent = test_cg_create(root, "ioasids_owner", true);
	cg_a = test_cg_create(parent, "a", false);
	cg_b = test_cg_create(parent, "b", false);
	if (!parent || !cg_a || !cg_b)
		goto cleanup;
	if (cg_write(cg_a, "ioasids.max", "2"))
		goto cleanup;

	if (cg_enter_current(cg_a))
		goto cleanup;
	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;
	/* Two fit in a's limit, the third does not: b's limit is not used */
	if (alloc_elsewhere(cg_b, fd, 2, EBUSY))
		goto cleanup;
	if (check_value(cg_a, "ioasids.current", 2) ||
	    check_value(cg_b, "ioasids.current", 0) ||
	    check_events(cg_a, "ioasids.events.local", 1, 0) ||
	    check_events(cg_b, "ioasids.events.local", 0, 0) ||
	    check_stat(cg_a, 2, 0, 0, 0) || check_stat(cg_b, 0, 0, 0, 0))
		goto cleanup;

	close_fd(&fd);
	if (check_value(cg_a, "ioasids.current", 0) ||
	    check_value(parent, "ioasids.current", 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	close_fd(&fd);
	cg_enter_current(root);
	test_cg_remove(cg_b);
	test_cg_remove(cg_a);
	test_cg_remove(parent);
	return ret;
}

static int send_fd(int sock, int fd)
{
	char data = 'f', cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data, cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/*
 * A file passed with SCM_RIGHTS to a process of another cgroup charges
 * the cgroup that opened it, within that cgroup's limits, and the
 * receiver's own cgroup is charged nothing.
 */
static int test_owner_scm_rights(const char *root)
{
	char *parent = NULL, *cg_a = NULL, *cg_b = NULL;
	int ret = KSFT_FAIL, fd = -1, sock[2] = { -1, -1 };
	int status, i;
	pid_t pid = -1;

	parent = test_cg_create(root, "ioasids_owner", true);
	cg_a = test_cg_create(parent, "a", false);
	cg_b = test_cg_create(parent, "b", false);
	if (!parent || !cg_a || !cg_b)
		goto cleanup;
	if (cg_write(cg_a, "ioasids.max", "3"))
		goto cleanup;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock))
		goto cleanup;

	/* The receiver lives in b and never saw a's file before */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		goto cleanup;
	if (pid == 0) {
		int rfd;

		close(sock[0]);
		if (cg_enter_current(cg_b))
			_exit(10);
		if (write(sock[1], "r", 1) != 1)
			_exit(11);
		rfd = recv_fd(sock[1]);
		if (rfd < 0)
			_exit(12);
		for (i = 0; i < 3; i++)
			if (ioasid_alloc_one(rfd) < 1)
				_exit(13);
		if (ioasid_alloc_one(rfd) != -EBUSY)
			_exit(14);
		_exit(0);
	}
	close(sock[1]);
	sock[1] = -1;

	if (cg_enter_current(cg_a))
		goto cleanup;
	{
		char c;

		if (read(sock[0], &c, 1) != 1)
			goto cleanup;
	}
	fd = ioasid_open();
	if (fd < 0 || send_fd(sock[0], fd))
		goto cleanup;
	if (waitpid(pid, &status, 0) != pid)
		goto cleanup;
	pid = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ksft_print_msg("the receiver failed: %d\n", status);
		goto cleanup;
	}
	/* The receiver has exited: the sender's file keeps the IOASIDs */
	if (check_value(cg_a, "ioasids.current", 3) ||
	    check_value(cg_b, "ioasids.current", 0) ||
	    check_events(cg_a, "ioasids.events.local", 1, 0) ||
	    check_stat(cg_a, 3, 0, 0, 0))
		goto cleanup;
	close_fd(&fd);
	if (check_value(parent, "ioasids.current", 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	if (pid > 0)
		kill_child(&pid);
	close_fd(&fd);
	close_fd(&sock[0]);
	close_fd(&sock[1]);
	cg_enter_current(root);
	test_cg_remove(cg_b);
	test_cg_remove(cg_a);
	test_cg_remove(parent);
	return ret;
}

/*
 * Once the cgroup that owns a set is removed, its last limit keeps
 * bounding the set, beside its parent's, which counts its IOASIDs: a
 * tenant cannot escape a limit set for it by removing its cgroup.
 */
static int test_owner_rmdir(const char *root)
{
	char *parent = NULL, *child = NULL, *sibling = NULL;
	int ret = KSFT_FAIL, fd = -1, fd_sibling = -1, i;

	parent = test_cg_create(root, "ioasids_owner", true);
	child = test_cg_create(parent, "child", false);
	sibling = test_cg_create(parent, "sibling", false);
	if (!parent || !child || !sibling)
		goto cleanup;
	if (cg_write(parent, "ioasids.max", "4") ||
	    cg_write(child, "ioasids.max", "2"))
		goto cleanup;

	if (cg_enter_current(child))
		goto cleanup;
	fd = ioasid_open();
	if (fd < 0)
		goto cleanup;
	for (i = 0; i < 2; i++)
		if (alloc_ok(fd, "ALLOC in the child"))
			goto cleanup;
	if (expect_err(ioasid_alloc_one(fd), EBUSY,
		       "ALLOC over the child's max"))
		goto cleanup;
	if (cg_enter_current(sibling))
		goto cleanup;
	if (rmdir(child)) {
		ksft_perror("rmdir of a charged cgroup");
		goto cleanup;
	}

	/* The removed child's limit of 2 still bounds the set */
	if (expect_err(ioasid_alloc_one(fd), EBUSY,
		       "ALLOC over the removed child's max"))
		goto cleanup;
	if (check_value(parent, "ioasids.current", 2) ||
	    check_stat(parent, 2, 0, 0, 0) ||
	    check_events(parent, "ioasids.events.local", 0, 0) ||
	    check_events(parent, "ioasids.events", 2, 0))
		goto cleanup;

	/* The sibling has what is left of the parent's limit */
	fd_sibling = ioasid_open();
	if (fd_sibling < 0)
		goto cleanup;
	for (i = 0; i < 2; i++)
		if (alloc_ok(fd_sibling, "ALLOC in the sibling"))
			goto cleanup;
	if (expect_err(ioasid_alloc_one(fd_sibling), EBUSY,
		       "ALLOC over the parent's max"))
		goto cleanup;
	if (check_events(parent, "ioasids.events.local", 1, 0))
		goto cleanup;

	close_fd(&fd);
	close_fd(&fd_sibling);
	if (wait_value(parent, "ioasids.current", 0, 1000) ||
	    check_stat(parent, 0, 0, 0, 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	close_fd(&fd);
	close_fd(&fd_sibling);
	cg_enter_current(root);
	test_cg_remove(sibling);
	test_cg_remove(child);
	test_cg_remove(parent);
	return ret;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Seconds for STAT_READS reads of @cgroup's ioasids.stat, in the fastest
 * of STAT_BATCHES batches, or -1
 */
static double time_stat_reads(const char *cgroup)
{
	char path[PATH_MAX], buf[512];
	double start, fastest = -1;
	int fd, i, batch;

	snprintf(path, sizeof(path), "%s/ioasids.stat", cgroup);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (batch = 0; batch < STAT_BATCHES; batch++) {
		start = now_seconds();
		for (i = 0; i < STAT_READS; i++) {
			if (pread(fd, buf, sizeof(buf), 0) <= 0) {
				close(fd);
				return -1;
			}
		}
		start = now_seconds() - start;
		if (fastest < 0 || start < fastest)
			fastest = start;
	}
	close(fd);
	return fastest;
}

/* Open FOREIGN_SETS files, each holding one IOASID, and wait to be killed */
static int hold_foreign_sets(void *arg)
{
	struct rlimit nofile = { FOREIGN_SETS + 64, FOREIGN_SETS + 64 };
	int i, fd;

	(void)arg;
	if (setrlimit(RLIMIT_NOFILE, &nofile))
		return -1;
	for (i = 0; i < FOREIGN_SETS; i++) {
		fd = ioasid_open();
		if (fd < 0 || ioasid_alloc_one(fd) < 1)
			return -1;
	}
	return 0;
}

/*
 * Reading ioasids.stat costs the same with 10,000 sets held by another
 * cgroup as with none: the read sums the reader's subtree, not the
 * system's sets.
 */
static int test_stat_cost(const char *root)
{
	char *reader = NULL, *other = NULL;
	double alone, crowded, ratio;
	int ret = KSFT_FAIL, fd = -1;
	pid_t holder = -1;

	reader = test_cg_create(root, "ioasids_stat_reader", false);
	other = test_cg_create(root, "ioasids_stat_other", false);
	if (!reader || !other)
		goto cleanup;
	if (cg_enter_current(reader))
		goto cleanup;
	fd = ioasid_open();
	if (fd < 0 || alloc_ok(fd, "ALLOC in the reader"))
		goto cleanup;
	if (cg_enter_current(root))
		goto cleanup;

	/* Warm up, then time without and with the foreign sets */
	if (time_stat_reads(reader) < 0)
		goto cleanup;
	alone = time_stat_reads(reader);
	holder = holder_start(other, hold_foreign_sets, NULL);
	if (holder < 0) {
		ksft_print_msg("cannot hold %d sets in another cgroup\n",
			       FOREIGN_SETS);
		goto cleanup;
	}
	if (check_value(other, "ioasids.current", FOREIGN_SETS))
		goto cleanup;
	crowded = time_stat_reads(reader);
	if (alone <= 0 || crowded <= 0)
		goto cleanup;
	ratio = crowded / alone;
	ksft_print_msg("ioasids.stat: %.1f us a read with 1 set, %.1f us with %d sets elsewhere\n",
		       alone * 1e6 / STAT_READS,
		       crowded * 1e6 / STAT_READS, FOREIGN_SETS);
	ksft_print_msg("ioasids.stat with %d foreign sets: %.3fx\n",
		       FOREIGN_SETS, ratio);
	if (ratio > STAT_MAX_RATIO)
		goto cleanup;
	if (check_stat(reader, 1, 0, 0, 0))
		goto cleanup;

	if (holder_kill(&holder))
		goto cleanup;
	if (wait_value(other, "ioasids.current", 0, 5000))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	if (holder > 0)
		kill_child(&holder);
	close_fd(&fd);
	cg_enter_current(root);
	test_cg_remove(other);
	test_cg_remove(reader);
	return ret;
}

static const struct ioasids_test tests[] = {
	IOASIDS_TEST(test_owner_inherited),
	IOASIDS_TEST(test_owner_scm_rights),
	IOASIDS_TEST(test_owner_rmdir),
	IOASIDS_TEST(test_stat_cost),
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
