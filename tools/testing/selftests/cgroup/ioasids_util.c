// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the tests of the ioasids cgroup controller.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <linux/ioasid.h>
#include <linux/limits.h>
#include <signal.h>
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

/*
 * Create the cgroup @name under @parent, with the ioasids controller
 * enabled for its children if @has_children.  Returns its path, to free
 * with test_cg_remove(), or NULL, also when @parent is NULL.
 */
char *test_cg_create(const char *parent, const char *name, bool has_children)
{
	char *cg;

	if (!parent)
		return NULL;
	cg = cg_name(parent, name);
	if (!cg)
		return NULL;
	if (cg_create(cg)) {
		ksft_print_msg("%s: cannot create\n", cg);
		free(cg);
		return NULL;
	}
	if (has_children &&
	    cg_write(cg, "cgroup.subtree_control", "+ioasids")) {
		ksft_print_msg("%s: cannot enable ioasids\n", cg);
		test_cg_remove(cg);
		return NULL;
	}
	return cg;
}

/* Create the cgroup @name of the test under @root and enter it. */
char *test_cg_enter(const char *root, const char *name)
{
	char *cg;

	cg = test_cg_create(root, name, false);
	if (cg && cg_enter_current(cg)) {
		ksft_print_msg("%s: cannot enter\n", cg);
		test_cg_remove(cg);
		return NULL;
	}
	return cg;
}

/* Remove the cgroup @cg of test_cg_create(), if any, and free it. */
void test_cg_remove(char *cg)
{
	if (!cg)
		return;
	cg_destroy(cg);
	free(cg);
}

/* Go back to @root, and remove the cgroup @cg of test_cg_enter(). */
void test_cg_leave(const char *root, char *cg)
{
	cg_enter_current(root);
	test_cg_remove(cg);
}

static int remove_one(const char *path, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	if (type == FTW_DP)
		cg_destroy(path);
	return 0;
}

/* Remove @cg and every cgroup below it, killing what runs there. */
void test_cg_remove_tree(const char *cg)
{
	nftw(cg, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Find the cgroup v2 root, in @root, and enable the ioasids controller for
 * its children if it is not yet.  Returns 0; KSFT_SKIP, with why in @why,
 * without cgroup v2 or the controller; or -1, with why, if the controller
 * cannot be enabled.
 */
int ioasids_enable_root(char *root, size_t len, const char **why)
{
	if (cg_find_unified_root(root, len, NULL)) {
		*why = "cgroup v2 isn't mounted";
		return KSFT_SKIP;
	}
	if (cg_read_strstr(root, "cgroup.controllers", "ioasids")) {
		*why = "ioasids controller isn't available";
		return KSFT_SKIP;
	}
	if (cg_read_strstr(root, "cgroup.subtree_control", "ioasids") &&
	    cg_write(root, "cgroup.subtree_control", "+ioasids")) {
		*why = "Failed to set ioasids controller";
		return -1;
	}
	return 0;
}

/* The number of IOASIDs the system can allocate, or 0 */
static __u32 ioasid_capacity(void)
{
	struct ioasid_get_info info = { .size = sizeof(info) };
	int fd = open("/dev/ioasid", O_RDWR | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return 0;
	ret = ioctl(fd, IOASID_GET_INFO, &info);
	close(fd);
	return ret ? 0 : info.capacity;
}

/*
 * Set up a test of /dev/ioasid in cgroups of its own: check that the system
 * has @min_ids IOASIDs, enable the ioasids controller as
 * ioasids_enable_root() does, and create the test's cgroup, "@name.PID",
 * under the root, with the controller enabled for its children, in *@cg,
 * to free.  Returns 0; KSFT_SKIP, with why in @why, if the test cannot run
 * here; or -1, with why, if the setup failed.
 */
int ioasids_test_setup(char *root, size_t len, const char *name,
		       unsigned int min_ids, char **cg, const char **why)
{
	static char msg[64];
	__u32 capacity = ioasid_capacity();
	char cg_name[64];
	int ret;

	if (capacity < min_ids) {
		snprintf(msg, sizeof(msg), "needs %u IOASIDs, the system has %u",
			 min_ids, capacity);
		*why = msg;
		return KSFT_SKIP;
	}
	ret = ioasids_enable_root(root, len, why);
	if (ret)
		return ret;
	snprintf(cg_name, sizeof(cg_name), "%s.%d", name, getpid());
	*cg = test_cg_create(root, cg_name, true);
	if (!*cg) {
		*why = "cannot create the test's cgroup";
		return -1;
	}
	return 0;
}

bool cg_has_file(const char *cgroup, const char *control)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cgroup, control);
	return !access(path, F_OK);
}

/* Copy @s to @out, with its newlines shown as '|', for messages. */
const char *flat(const char *s, char *out, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		out[i] = s[i] == '\n' ? '|' : s[i];
	out[i] = '\0';
	return out;
}

/* Returns the value of a single value file, or -1. */
long long read_value(const char *cgroup, const char *control)
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

/* Returns 0 if the whole content of @control of @cgroup is @expected. */
int check_exact(const char *cgroup, const char *control, const char *expected)
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

/* Returns 0 if the single value file @control of @cgroup reads @val. */
int check_value(const char *cgroup, const char *control, long long val)
{
	char expected[32];

	snprintf(expected, sizeof(expected), "%lld\n", val);
	return check_exact(cgroup, control, expected);
}

/*
 * Wait up to @timeout_ms for @control of @cgroup to read @val, as after
 * an uncharge that happens on release; returns check_value().
 */
int wait_value(const char *cgroup, const char *control, long long val,
	       int timeout_ms)
{
	int i;

	for (i = 0; i < timeout_ms / 10; i++) {
		if (read_value(cgroup, control) == val)
			break;
		usleep(10000);
	}
	return check_value(cgroup, control, val);
}

/*
 * Returns 0 if ioasids.events or ioasids.events.local, @control, counts
 * @nr_max failures on ioasids.max and @nr_pinned on ioasids.pinned.max.
 */
int check_events(const char *cgroup, const char *control, long nr_max,
		 long nr_pinned)
{
	char expected[64];

	snprintf(expected, sizeof(expected), "max %ld\npinned.max %ld\n",
		 nr_max, nr_pinned);
	return check_exact(cgroup, control, expected);
}

/*
 * Returns 0 if ioasids.stat of @cgroup counts @file IOASIDs of /dev/ioasid
 * files and @iommufd of the sets of iommufd contexts, and the bytes pinned
 * through @pinned_vfio and @pinned_iommufd; no kernel driver and no SVA
 * bind charges the cgroups of the tests.
 */
int check_stat(const char *cgroup, long file, long iommufd,
	       long long pinned_vfio, long long pinned_iommufd)
{
	char expected[160];

	snprintf(expected, sizeof(expected),
		 "kernel 0\nsva 0\nfile %ld\niommufd %ld\npinned_vfio %lld\npinned_iommufd %lld\n",
		 file, iommufd, pinned_vfio, pinned_iommufd);
	return check_exact(cgroup, "ioasids.stat", expected);
}

/*
 * Returns 0 if each of the @nr writes @bad to @control of @cgroup fails
 * with its error, and if an empty write, which cgroup core ignores, changes
 * nothing either: @control reads @expected after each.
 */
int check_bad_writes(const char *cgroup, const char *control,
		     const struct bad_write *bad, size_t nr,
		     const char *expected)
{
	size_t i;
	int err;

	for (i = 0; i < nr; i++) {
		err = cg_write(cgroup, control, (char *)bad[i].buf);
		if (err != -bad[i].err) {
			ksft_print_msg("writing \"%s\": %d, expected -%d\n",
				       bad[i].buf, err, bad[i].err);
			return -1;
		}
		if (check_exact(cgroup, control, expected))
			return -1;
	}
	cg_write(cgroup, control, "");
	return check_exact(cgroup, control, expected);
}

/* Returns 0 if @ret, 0 or -errno, is 0. */
int expect_ok(long long ret, const char *what)
{
	if (!ret)
		return 0;
	if (ret < 0)
		ksft_print_msg("%s: %s\n", what, strerror(-ret));
	else
		ksft_print_msg("%s: %lld, expected 0\n", what, ret);
	return -1;
}

/* Returns 0 if @ret, a value or -errno, is -@err. */
int expect_err(long long ret, int err, const char *what)
{
	if (ret == -err)
		return 0;
	if (ret < 0)
		ksft_print_msg("%s: %s, expected %s\n", what, strerror(-ret),
			       strerror(err));
	else if (!ret)
		ksft_print_msg("%s: success, expected %s\n", what,
			       strerror(err));
	else
		ksft_print_msg("%s: %lld, expected %s\n", what, ret,
			       strerror(err));
	return -1;
}

/*
 * Run a process on every CPU.  An idle CPU keeps the address space of the
 * last process it ran, lazily, until it runs another: an exited process's
 * address space, and its PASID, can outlive it for as long as its CPU
 * idles.
 */
void run_on_every_cpu(void)
{
	cpu_set_t cpus, one;
	pid_t pid;
	int cpu;

	if (sched_getaffinity(0, sizeof(cpus), &cpus))
		return;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &cpus))
			continue;
		pid = fork();
		if (!pid) {
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			sched_setaffinity(0, sizeof(one), &one);
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
}

struct holder {
	int (*hold)(void *arg);
	void *arg;
	int pipe[2];
};

/* In the cgroup: hold, report to the test, wait to be killed. */
static int run_holder(const char *cgroup, void *arg)
{
	struct holder *h = arg;
	char c = 'f';

	(void)cgroup;
	close(h->pipe[0]);
	if (!h->hold(h->arg))
		c = 'k';
	if (write(h->pipe[1], &c, 1) != 1 || c != 'k')
		return EXIT_FAILURE;
	for (;;)
		pause();
}

/*
 * Run @hold(@arg) in a child process in @cgroup.  Returns the pid of the
 * child once @hold returned 0 there, the child then holding what @hold
 * left open until holder_kill(), or -1 if it could not start or @hold
 * failed (the child is then reaped).
 */
pid_t holder_start(const char *cgroup, int (*hold)(void *arg), void *arg)
{
	struct holder h = { .hold = hold, .arg = arg, .pipe = { -1, -1 } };
	pid_t pid;
	char c = 0;

	if (pipe2(h.pipe, O_CLOEXEC))
		return -1;
	fflush(NULL);
	pid = cg_run_nowait(cgroup, run_holder, &h);
	close(h.pipe[1]);
	if (pid > 0 && (read(h.pipe[0], &c, 1) != 1 || c != 'k'))
		kill_child(&pid);
	close(h.pipe[0]);
	return pid > 0 ? pid : -1;
}

/* Kill the holder @pid and reap it; returns 0 if SIGKILL killed it. */
int holder_kill(pid_t *pid)
{
	int status;

	if (kill(*pid, SIGKILL))
		return -1;
	if (waitpid(*pid, &status, 0) != *pid)
		return -1;
	*pid = -1;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		return -1;
	return 0;
}

/* Kill and reap the child @pid, if any. */
void kill_child(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = -1;
}
