// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the ioasids controller in a cgroup delegated to an unprivileged
 * user, as Documentation/admin-guide/cgroup-v2.rst, "Delegation", describes
 * it and systemd's Delegate= does it: the cgroup's directory and its
 * cgroup.procs, cgroup.subtree_control and cgroup.threads files belong to
 * the user, its other files stay root's.
 *
 * The delegatee organizes its subtree and sets the limits of the cgroups
 * it creates, but cannot change the limit of the delegated cgroup itself,
 * nothing it does lets its IOASIDs escape that limit, and it cannot move
 * its processes out of the subtree.  /dev/ioasid is root's, mode 0600,
 * until the administrator grants it.
 *
 * A hostile delegatee, given the device, can neither starve another
 * tenant (of IOASIDs, of the low IOASIDs narrow devices need, of reads of
 * ioasids.stat) nor leave charges behind, whatever it does within its
 * limit.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/ioasid.h>
#include <linux/limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "../cgroup/cgroup_util.h"
#include "../cgroup/ioasids_util.h"
#include "../cgroup/vfio_util.h"
#include "ioasid_util.h"

/* The user the cgroup is delegated to, and a user it is not */
#define DELEGATEE_UID		65534
#define DELEGATEE_GID		65534
#define STRANGER_UID		65533
#define STRANGER_GID		65533

/* The limit root sets on the delegated cgroup */
#define DELEGATED_MAX		4

/* The IOASIDs the tests need, at most */
#define MIN_CAPACITY		64

/* How long to wait for an uncharge that happens on release */
#define RELEASE_TIMEOUT_MS	5000

/* The files systemd's Delegate= gives to the user, with the directory */
static const char *const delegated_files[] = {
	"cgroup.procs", "cgroup.subtree_control", "cgroup.threads",
};

/* What a process running as the delegatee needs to know */
struct ctx {
	const char *root;
	/* Root's, with ioasids enabled for its children */
	const char *base;
	/* Delegated */
	const char *dlg;
	/* Root's */
	const char *other;
	/* Delegated to the same user, but outside dlg */
	const char *other_dlg;
	/* A process of root's in other */
	pid_t victim;
};

/*
 * In a process of the delegatee, no harness asserts: they would unwind into
 * the harness.  The checks count the failures, which make its exit status.
 */
static int failures;

static __printf(3, 4) bool check(bool cond, int line, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return true;
	failures++;
	printf("# line %d: ", line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return false;
}

#define CHECK(cond, fmt, ...) check(cond, __LINE__, fmt, ##__VA_ARGS__)

/* @ret, 0 or -errno, is -@err */
static bool check_err(long long ret, int err, int line, const char *what)
{
	return check(!expect_err(ret, err, what), line, "%s", what);
}

#define CHECK_ERR(ret, err, what) check_err(ret, err, __LINE__, what)
#define CHECK_OK(ret, what) check_err(ret, 0, __LINE__, what)

static int mkdir_err(const char *path)
{
	return mkdir(path, 0755) ? -errno : 0;
}

/*
 * Create the children x and y of dlg, their paths in @x and @y, of PATH_MAX
 * bytes, and move to x.  Returns whether all of it worked.
 */
static bool make_children(const struct ctx *c, char *x, char *y)
{
	snprintf(x, PATH_MAX, "%s/x", c->dlg);
	snprintf(y, PATH_MAX, "%s/y", c->dlg);
	return CHECK_OK(mkdir_err(x), "mkdir x") &&
	       CHECK_OK(mkdir_err(y), "mkdir y") &&
	       CHECK_OK(cg_enter(x, 0), "moving to x");
}

/* Whether /proc/@pid/cgroup names @cg, a path under @root */
static bool in_cgroup(const char *root, pid_t pid, const char *cg)
{
	char buf[PATH_MAX], expected[PATH_MAX];

	if (proc_read_text(pid, false, "cgroup", buf, sizeof(buf)) < 0)
		return false;
	snprintf(expected, sizeof(expected), "0::%s\n", cg + strlen(root));
	return !strcmp(buf, expected);
}

/*
 * Run @fn in a child process that root moves to @cg, then gives the
 * credentials of @uid and @gid, without supplementary groups.  Returns the
 * exit status of @fn, 0 if it passed.
 */
static int run_as(uid_t uid, gid_t gid, const char *cg,
		  int (*fn)(const struct ctx *c), const struct ctx *c)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cg && cg_enter(cg, 0)) {
			ksft_print_msg("cannot move to %s\n", cg);
			_exit(100);
		}
		if (setgroups(0, NULL) || setgid(gid) || setuid(uid)) {
			ksft_perror("dropping privileges");
			_exit(101);
		}
		_exit(fn(c) || failures ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_as_delegatee(const char *cg, int (*fn)(const struct ctx *c),
			    const struct ctx *c)
{
	return run_as(DELEGATEE_UID, DELEGATEE_GID, cg, fn, c);
}

/* Give @cg to the delegatee, as Delegate= does */
static int delegate(const char *cg)
{
	char path[PATH_MAX];
	unsigned int i;

	if (chown(cg, DELEGATEE_UID, DELEGATEE_GID))
		return -1;
	for (i = 0; i < ARRAY_SIZE(delegated_files); i++) {
		snprintf(path, sizeof(path), "%s/%s", cg, delegated_files[i]);
		if (chown(path, DELEGATEE_UID, DELEGATEE_GID))
			return -1;
	}
	return 0;
}

/* The owner and mode of @path are @uid, @gid and @mode */
static bool owned(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat st;

	return !stat(path, &st) && st.st_uid == uid && st.st_gid == gid &&
	       (st.st_mode & 07777) == mode;
}

FIXTURE(delegation)
{
	char root[PATH_MAX];
	char *base, *dlg, *other, *other_dlg;
	/* /dev/ioasid as it was, to restore */
	struct stat dev;
	pid_t victim;
	struct ctx c;
};

FIXTURE_SETUP(delegation)
{
	const char *why;
	int ret;

	self->victim = -1;
	if (geteuid())
		SKIP(return, "needs root");
	if (stat(IOASID_DEV, &self->dev))
		SKIP(return, "%s: %s", IOASID_DEV, strerror(errno));
	ret = ioasids_test_setup(self->root, sizeof(self->root),
				 "ioasid_delegation", MIN_CAPACITY,
				 &self->base, &why);
	if (ret == KSFT_SKIP)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	self->dlg = test_cg_create(self->base, "dlg", false);
	ASSERT_NE(NULL, self->dlg);
	self->other = test_cg_create(self->base, "other", false);
	ASSERT_NE(NULL, self->other);
	self->other_dlg = test_cg_create(self->base, "other_dlg", false);
	ASSERT_NE(NULL, self->other_dlg);
	ASSERT_EQ(0, delegate(self->dlg));
	ASSERT_EQ(0, delegate(self->other_dlg));
	ASSERT_EQ(0, cg_write_numeric(self->dlg, "ioasids.max",
				      DELEGATED_MAX));

	self->c = (struct ctx) {
		.root = self->root,
		.base = self->base,
		.dlg = self->dlg,
		.other = self->other,
		.other_dlg = self->other_dlg,
		.victim = -1,
	};
}

FIXTURE_TEARDOWN(delegation)
{
	/* /dev/ioasid as it was, whatever a test granted */
	if (chown(IOASID_DEV, self->dev.st_uid, self->dev.st_gid) ||
	    chmod(IOASID_DEV, self->dev.st_mode & 07777))
		ksft_perror("restoring " IOASID_DEV);
	if (self->victim > 0) {
		kill(self->victim, SIGKILL);
		waitpid(self->victim, NULL, 0);
	}
	cg_enter_current(self->root);
	if (self->base)
		test_cg_remove_tree(self->base);
	free(self->other_dlg);
	free(self->other);
	free(self->dlg);
	free(self->base);
}

/* Create two children, move to one, enable ioasids, set their limits */
static int creates_children(const struct ctx *c)
{
	char x[PATH_MAX], y[PATH_MAX], file[PATH_MAX + 16];
	struct stat st;

	/* No process may stay in dlg once it enables a controller. */
	if (!make_children(c, x, y) ||
	    !CHECK_OK(cg_write(c->dlg, "cgroup.subtree_control", "+ioasids"),
		      "enabling ioasids for the children of dlg"))
		return 1;

	/* The files of a cgroup the delegatee created are its own */
	snprintf(file, sizeof(file), "%s/ioasids.max", x);
	if (CHECK(!stat(file, &st), "x has no ioasids.max"))
		CHECK(st.st_uid == getuid(),
		      "x/ioasids.max is not the delegatee's");
	CHECK_OK(cg_write(x, "ioasids.max", "3"), "x/ioasids.max");
	CHECK(!check_exact(x, "ioasids.max", "3\n"), "x/ioasids.max");
	CHECK_OK(cg_write(y, "ioasids.max", "max"), "y/ioasids.max");
	CHECK_OK(cg_write(y, "ioasids.max", "0"), "y/ioasids.max");
	CHECK(!check_exact(y, "ioasids.max", "0\n"), "y/ioasids.max");

	/* Moving within the subtree is the delegatee's business */
	CHECK_OK(cg_enter(y, 0), "moving from x to y");
	CHECK(in_cgroup(c->root, getpid(), y), "not in y");
	CHECK_OK(cg_enter(x, 0), "moving from y to x");
	return 0;
}

TEST_F(delegation, delegatee_creates_children)
{
	char path[PATH_MAX];

	ASSERT_EQ(0, run_as_delegatee(self->dlg, creates_children, &self->c));

	/* As root sees it */
	snprintf(path, sizeof(path), "%s/x", self->dlg);
	ASSERT_EQ(0, check_exact(path, "ioasids.max", "3\n"));
	snprintf(path, sizeof(path), "%s/x/ioasids.max", self->dlg);
	ASSERT_TRUE(owned(path, DELEGATEE_UID, DELEGATEE_GID, 0644));
	snprintf(path, sizeof(path), "%s/y", self->dlg);
	ASSERT_EQ(0, check_exact(path, "ioasids.max", "0\n"));
	ASSERT_EQ(0, check_exact(self->dlg, "cgroup.subtree_control",
				 "ioasids\n"));
}

/* Try to raise the limits of the delegated cgroup and of its parent */
static int changes_own_limit(const struct ctx *c)
{
	char path[PATH_MAX];

	CHECK_ERR(cg_write(c->dlg, "ioasids.max", "100"), EACCES,
		  "dlg/ioasids.max");
	CHECK_ERR(cg_write(c->dlg, "ioasids.max", "max"), EACCES,
		  "dlg/ioasids.max");
	CHECK_ERR(cg_write(c->dlg, "ioasids.pinned.max", "max"), EACCES,
		  "dlg/ioasids.pinned.max");
	CHECK_ERR(cg_write(c->base, "ioasids.max", "max"), EACCES,
		  "the parent's ioasids.max");
	CHECK_ERR(cg_write(c->base, "cgroup.subtree_control", "-ioasids"),
		  EACCES, "the parent's cgroup.subtree_control");

	/* Nor can it make the file its own */
	snprintf(path, sizeof(path), "%s/ioasids.max", c->dlg);
	CHECK_ERR(chmod(path, 0666) ? -errno : 0, EPERM,
		  "chmod dlg/ioasids.max");
	CHECK_ERR(chown(path, getuid(), getgid()) ? -errno : 0, EPERM,
		  "chown dlg/ioasids.max");
	CHECK(!check_value(c->dlg, "ioasids.max", DELEGATED_MAX),
	      "dlg/ioasids.max changed");
	return 0;
}

TEST_F(delegation, delegatee_cannot_change_own_limit)
{
	char path[PATH_MAX];

	ASSERT_EQ(0, run_as_delegatee(self->dlg, changes_own_limit,
				      &self->c));
	ASSERT_EQ(0, check_value(self->dlg, "ioasids.max", DELEGATED_MAX));
	ASSERT_EQ(0, check_exact(self->dlg, "ioasids.pinned.max", "max\n"));
	ASSERT_EQ(0, check_exact(self->base, "ioasids.max", "max\n"));
	snprintf(path, sizeof(path), "%s/ioasids.max", self->dlg);
	ASSERT_TRUE(owned(path, 0, 0, 0644));
}

/*
 * Set the limits of two children above the delegated cgroup's, allocate
 * in both, then remove a child with its IOASIDs and disable the
 * controller: nothing lets the subtree hold more than dlg's limit.
 */
static int escapes_limit(const struct ctx *c)
{
	char x[PATH_MAX], y[PATH_MAX];
	int fd_x, fd_y, fd, nr;
	long ret;

	if (!make_children(c, x, y) ||
	    !CHECK_OK(cg_write(c->dlg, "cgroup.subtree_control", "+ioasids"),
		      "enabling ioasids for the children of dlg") ||
	    !CHECK_OK(cg_write(x, "ioasids.max", "100"), "x/ioasids.max") ||
	    !CHECK_OK(cg_write(y, "ioasids.max", "max"), "y/ioasids.max"))
		return 1;

	/* x allocates up to dlg's limit, not its own */
	fd_x = ioasid_open();
	if (!CHECK(fd_x >= 0, "open %s: %s", IOASID_DEV, strerror(-fd_x)))
		return 1;
	for (nr = 0; nr <= DELEGATED_MAX; nr++) {
		ret = ioasid_alloc(fd_x);
		if (ret <= 0)
			break;
	}
	CHECK(nr == DELEGATED_MAX && ret == -EBUSY,
	      "x allocated %d, then %s; dlg's limit is %d", nr,
	      ret > 0 ? "one more" : strerror(-ret), DELEGATED_MAX);
	CHECK(!check_value(x, "ioasids.current", DELEGATED_MAX), "x");
	CHECK(!check_value(c->dlg, "ioasids.current", DELEGATED_MAX), "dlg");

	/* y has no room left either */
	if (!CHECK_OK(cg_enter(y, 0), "moving to y"))
		return 1;
	fd_y = ioasid_open();
	if (!CHECK(fd_y >= 0, "open %s: %s", IOASID_DEV, strerror(-fd_y)))
		return 1;
	CHECK_ERR(ioasid_alloc(fd_y), EBUSY, "allocating in y");
	CHECK(!check_events(c->dlg, "ioasids.events.local", 2, 0), "dlg");
	CHECK(!check_events(x, "ioasids.events.local", 0, 0), "x");
	CHECK(!check_events(y, "ioasids.events.local", 0, 0), "y");

	/* Removing x, which holds them, does not drop its charges */
	CHECK_OK(rmdir(x) ? -errno : 0, "rmdir x");
	CHECK_OK(mkdir_err(x), "mkdir x again");
	CHECK(!check_value(x, "ioasids.current", 0), "new x");
	CHECK(!check_value(c->dlg, "ioasids.current", DELEGATED_MAX), "dlg");
	CHECK_ERR(ioasid_alloc(fd_y), EBUSY, "allocating in y");
	CHECK_ERR(ioasid_alloc(fd_x), EBUSY, "allocating in removed x");
	CHECK_OK(cg_enter(x, 0), "moving to the new x");
	fd = ioasid_open();
	if (CHECK(fd >= 0, "open %s: %s", IOASID_DEV, strerror(-fd))) {
		CHECK_ERR(ioasid_alloc(fd), EBUSY, "allocating in the new x");
		close(fd);
	}

	/* Nor does disabling the controller below dlg */
	CHECK_OK(cg_write(c->dlg, "cgroup.subtree_control", "-ioasids"),
		 "disabling ioasids for the children of dlg");
	CHECK(!check_value(c->dlg, "ioasids.current", DELEGATED_MAX), "dlg");
	CHECK_ERR(ioasid_alloc(fd_y), EBUSY, "allocating in old y");
	fd = ioasid_open();
	if (CHECK(fd >= 0, "open %s: %s", IOASID_DEV, strerror(-fd))) {
		CHECK_ERR(ioasid_alloc(fd), EBUSY, "allocating in dlg");
		close(fd);
	}

	/* Closing the file that holds them frees the room */
	close(fd_x);
	CHECK(!wait_value(c->dlg, "ioasids.current", 0, RELEASE_TIMEOUT_MS),
	      "dlg");
	CHECK(ioasid_alloc(fd_y) > 0, "allocating in old y");
	close(fd_y);
	return 0;
}

TEST_F(delegation, child_limit_cannot_escape)
{
	/* The administrator lets the delegatee's group use the device */
	ASSERT_EQ(0, chown(IOASID_DEV, 0, DELEGATEE_GID));
	ASSERT_EQ(0, chmod(IOASID_DEV, 0660));

	ASSERT_EQ(0, run_as_delegatee(self->dlg, escapes_limit, &self->c));
	ASSERT_EQ(0, wait_value(self->dlg, "ioasids.current", 0,
				RELEASE_TIMEOUT_MS));
	ASSERT_EQ(0, check_value(self->dlg, "ioasids.peak", DELEGATED_MAX));
	ASSERT_EQ(0, check_value(self->dlg, "ioasids.max", DELEGATED_MAX));
	ASSERT_EQ(0, check_value(self->base, "ioasids.current", 0));
}

/* Open /dev/ioasid, expecting @err, 0 for success; then allocate */
static int opens_device(int err, const struct ctx *c)
{
	int fd = ioasid_open();

	if (err) {
		CHECK_ERR(fd < 0 ? fd : 0, err, "open " IOASID_DEV);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (!CHECK(fd >= 0, "open %s: %s", IOASID_DEV, strerror(-fd)))
		return 1;
	CHECK(ioasid_alloc(fd) > 0, "IOASID_ALLOC");
	CHECK(!check_value(c->dlg, "ioasids.current", 1), "dlg");
	close(fd);
	return 0;
}

static int opens_device_ok(const struct ctx *c)
{
	return opens_device(0, c);
}

static int opens_device_denied(const struct ctx *c)
{
	/* Nor can it grant itself access */
	CHECK_ERR(chmod(IOASID_DEV, 0666) ? -errno : 0, EPERM,
		  "chmod " IOASID_DEV);
	return opens_device(EACCES, c);
}

/*
 * /dev/ioasid is root's until the administrator grants it, by group or by
 * owner; once the grant is taken back, access is denied again.
 */
TEST_F(delegation, device_access)
{
	ASSERT_TRUE(owned(IOASID_DEV, 0, 0, 0600));
	ASSERT_EQ(0, run_as_delegatee(self->dlg, opens_device_denied,
				      &self->c));

	/* By group */
	ASSERT_EQ(0, chown(IOASID_DEV, 0, DELEGATEE_GID));
	ASSERT_EQ(0, chmod(IOASID_DEV, 0660));
	ASSERT_EQ(0, run_as_delegatee(self->dlg, opens_device_ok, &self->c));
	ASSERT_EQ(0, run_as(STRANGER_UID, STRANGER_GID, self->dlg,
			    opens_device_denied, &self->c));

	/* By owner */
	ASSERT_EQ(0, chown(IOASID_DEV, DELEGATEE_UID, 0));
	ASSERT_EQ(0, chmod(IOASID_DEV, 0600));
	ASSERT_EQ(0, run_as_delegatee(self->dlg, opens_device_ok, &self->c));
	ASSERT_EQ(0, run_as(STRANGER_UID, STRANGER_GID, self->dlg,
			    opens_device_denied, &self->c));

	/* Taken back */
	ASSERT_EQ(0, chown(IOASID_DEV, self->dev.st_uid, self->dev.st_gid));
	ASSERT_EQ(0, chmod(IOASID_DEV, self->dev.st_mode & 07777));
	ASSERT_EQ(0, run_as_delegatee(self->dlg, opens_device_denied,
				      &self->c));
	ASSERT_EQ(0, wait_value(self->dlg, "ioasids.current", 0,
				RELEASE_TIMEOUT_MS));
}

/* Try to move out of the subtree, and to pull root's process in */
static int escapes_subtree(const struct ctx *c)
{
	char x[PATH_MAX], y[PATH_MAX];

	if (!make_children(c, x, y) ||
	    !CHECK_OK(cg_enter(y, 0), "moving from x to y"))
		return 1;

	/* Out, to a cgroup of root's, of its own, or above */
	CHECK_ERR(cg_enter(c->other, 0), EACCES, "moving to other");
	CHECK_ERR(cg_enter(c->other_dlg, 0), EACCES, "moving to other_dlg");
	CHECK_ERR(cg_enter(c->base, 0), EACCES, "moving to the parent");
	CHECK_ERR(cg_enter(c->root, 0), EACCES, "moving to the root");
	CHECK_ERR(cg_write(c->other_dlg, "cgroup.threads", "0"), EACCES,
		  "moving a thread to other_dlg");
	CHECK(in_cgroup(c->root, getpid(), y), "moved out of y");

	/* In, a process of root's from outside */
	CHECK_ERR(cg_enter(x, c->victim), EACCES, "pulling root's process in");
	CHECK(in_cgroup(c->root, c->victim, c->other), "root's process moved");
	return 0;
}

TEST_F(delegation, delegatee_cannot_escape_subtree)
{
	self->victim = fork();
	ASSERT_LE(0, self->victim);
	if (!self->victim) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	ASSERT_EQ(0, cg_enter(self->other, self->victim));
	self->c.victim = self->victim;

	ASSERT_EQ(0, run_as_delegatee(self->dlg, escapes_subtree, &self->c));
	ASSERT_TRUE(in_cgroup(self->root, self->victim, self->other));
	ASSERT_EQ(0, cg_read_strcmp(self->other_dlg, "cgroup.procs", ""));
}

/*
 * A hostile delegatee: within its limit, it tries every way to make the
 * IOASIDs of another tenant fail, to escape its limit, or to leave
 * something charged.  The other tenant is a process of root's in "other",
 * with a limit of its own.
 */

/* The limit of each of the two tenants */
#define TENANT_MAX		15
/* The files the hostile tenant opens: each is a set */
#define STORM_FILES		500
/* The readers of ioasids.stat the hostile tenant starts */
#define STAT_READERS		2
/* The IOASIDs the other tenant allocates and frees meanwhile */
#define VICTIM_CYCLES		2000

/* Drop to the delegatee, for a holder_start() function */
static bool become_delegatee(void)
{
	return CHECK(!setgroups(0, NULL) && !setgid(DELEGATEE_GID) &&
		     !setuid(DELEGATEE_UID), "dropping privileges: %s",
		     strerror(errno));
}

/*
 * Grab IOASIDs every way /dev/ioasid offers: the low IOASIDs that narrow
 * devices need, by range; then as many files as it likes, each allocating
 * until refused; then raise a lowered quota.  Holds what it got.
 */
static int grabs_everything(void *arg)
{
	const struct ctx *c = arg;
	long ret, held = 0;
	int i, fd;

	if (!become_delegatee())
		return 1;
	fd = ioasid_open();
	if (!CHECK(fd >= 0, "open %s: %s", IOASID_DEV, strerror(-fd)))
		return 1;
	CHECK_ERR(ioasid_alloc_range(fd, 1, 15), EINVAL, "ALLOC of 1-15");
	CHECK_ERR(ioasid_alloc_range(fd, 1, 1), EINVAL, "ALLOC of 1");
	CHECK_ERR(ioasid_alloc_range(fd, 0, 0x3ff), EINVAL,
		  "ALLOC below 2^10");

	/* A quota it lowered, it cannot raise again */
	CHECK_OK(ioasid_set_quota(fd, 1), "lowering the quota");
	CHECK_ERR(ioasid_set_quota(fd, 1000), EPERM, "raising the quota");
	CHECK_ERR(ioasid_set_quota(fd, IOASID_QUOTA_UNLIMITED), EPERM,
		  "raising the quota to unlimited");

	for (i = 0; i < STORM_FILES; i++) {
		if (i)
			fd = ioasid_open();
		if (!CHECK(fd >= 0, "open %s: %s", IOASID_DEV, strerror(-fd)))
			return 1;
		do {
			/* Anywhere, or as low as it may */
			ret = i % 2 ? ioasid_alloc(fd) :
				      ioasid_alloc_range(fd, 0, UINT32_MAX);
			if (ret > 0) {
				CHECK(ret >= 0x400, "IOASID %ld below 2^10",
				      ret);
				held++;
			}
		} while (ret > 0);
		CHECK(ret == -EBUSY || ret == -EDQUOT, "ALLOC: %s",
		      strerror(-ret));
	}
	CHECK(held == TENANT_MAX, "held %ld IOASIDs, its limit is %d", held,
	      TENANT_MAX);
	CHECK(!check_value(c->dlg, "ioasids.current", TENANT_MAX), "dlg");
	/* holder_start() fails on a non-zero return */
	return failures;
}

/* Read ioasids.stat of the root and of dlg without end */
static int reads_stat_forever(void *arg)
{
	const struct ctx *c = arg;
	char buf[512];
	int i;

	if (!become_delegatee())
		return 1;
	for (i = 0; i < STAT_READERS; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (!pid) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;) {
				cg_read(c->root, "ioasids.stat", buf,
					sizeof(buf));
				cg_read(c->dlg, "ioasids.stat", buf,
					sizeof(buf));
			}
		}
	}
	return 0;
}

/*
 * The other tenant allocates up to its own limit, and frees and allocates
 * again and again, while the hostile one holds its share, keeps its sets
 * open and reads ioasids.stat without end.
 */
static int victim_allocates(const struct ctx *c)
{
	long ids[TENANT_MAX], ret;
	int fd, i;

	fd = ioasid_open();
	if (!CHECK(fd >= 0, "open %s: %s", IOASID_DEV, strerror(-fd)))
		return 1;
	for (i = 0; i < TENANT_MAX; i++) {
		ids[i] = ioasid_alloc(fd);
		if (!CHECK(ids[i] > 0, "the victim's ALLOC %d: %s", i,
			   strerror(-ids[i])))
			return 1;
	}
	CHECK_ERR(ioasid_alloc(fd), EBUSY, "the victim over its own limit");
	for (i = 0; i < VICTIM_CYCLES; i++) {
		CHECK_OK(ioasid_free(fd, ids[i % TENANT_MAX]), "FREE");
		ret = ioasid_alloc(fd);
		if (!CHECK(ret > 0, "the victim's ALLOC: %s", strerror(-ret)))
			break;
		ids[i % TENANT_MAX] = ret;
	}
	CHECK(!check_value(c->other, "ioasids.current", TENANT_MAX),
	      "other");
	close(fd);
	return 0;
}

TEST_F(delegation, hostile_tenant_cannot_starve_another)
{
	pid_t grabber, readers;

	ASSERT_EQ(0, chown(IOASID_DEV, 0, DELEGATEE_GID));
	ASSERT_EQ(0, chmod(IOASID_DEV, 0660));
	ASSERT_EQ(0, cg_write_numeric(self->dlg, "ioasids.max", TENANT_MAX));
	ASSERT_EQ(0, cg_write_numeric(self->other, "ioasids.max",
				      TENANT_MAX));

	grabber = holder_start(self->dlg, grabs_everything, &self->c);
	ASSERT_LT(0, grabber);
	readers = holder_start(self->dlg, reads_stat_forever, &self->c);
	if (readers < 0)
		kill_child(&grabber);
	ASSERT_LT(0, readers);

	EXPECT_EQ(0, run_as(0, 0, self->other, victim_allocates, &self->c));

	EXPECT_EQ(0, holder_kill(&readers));
	EXPECT_EQ(0, holder_kill(&grabber));
	ASSERT_EQ(0, wait_value(self->dlg, "ioasids.current", 0,
				RELEASE_TIMEOUT_MS));
	ASSERT_EQ(0, wait_value(self->other, "ioasids.current", 0,
				RELEASE_TIMEOUT_MS));
	ASSERT_EQ(0, check_value(self->dlg, "ioasids.peak", TENANT_MAX));
	ASSERT_EQ(0, check_value(self->base, "ioasids.current", 0));
}

/*
 * Allocate and free through a file of a child cgroup while removing and
 * recreating that cgroup, from another process: the subtree never holds
 * more than dlg's limit, and nothing stays charged.
 */
static int races_rmdir(const struct ctx *c)
{
	char x[PATH_MAX], y[PATH_MAX];
	int fd, i, status;
	pid_t pid;

	if (!make_children(c, x, y) ||
	    !CHECK_OK(cg_write(c->dlg, "cgroup.subtree_control", "+ioasids"),
		      "enabling ioasids for the children of dlg") ||
	    !CHECK_OK(cg_write(x, "ioasids.max", "max"), "x/ioasids.max"))
		return 1;
	fd = ioasid_open();
	if (!CHECK(fd >= 0, "open %s: %s", IOASID_DEV, strerror(-fd)))
		return 1;
	if (!CHECK_OK(cg_enter(y, 0), "moving to y"))
		return 1;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		long ret;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = 0; i < 4000; i++) {
			ret = ioasid_alloc(fd);
			if (ret > 0 && i % 3)
				ioasid_free(fd, ret);
			else if (ret < 0 && ret != -EBUSY)
				_exit(1);
		}
		_exit(0);
	}
	for (i = 0; i < 200; i++) {
		if (rmdir(x) && errno != ENOENT)
			CHECK(false, "rmdir x: %s", strerror(errno));
		mkdir(x, 0755);
		CHECK(read_value(c->dlg, "ioasids.current") <= TENANT_MAX,
		      "dlg over its limit");
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "the allocating child failed");
	CHECK(!check_value(c->dlg, "ioasids.current", TENANT_MAX),
	      "dlg is not full");
	close(fd);
	CHECK(!wait_value(c->dlg, "ioasids.current", 0, RELEASE_TIMEOUT_MS),
	      "dlg still charged");
	return 0;
}

TEST_F(delegation, hostile_rmdir_races_leave_nothing)
{
	ASSERT_EQ(0, chown(IOASID_DEV, 0, DELEGATEE_GID));
	ASSERT_EQ(0, chmod(IOASID_DEV, 0660));
	ASSERT_EQ(0, cg_write_numeric(self->dlg, "ioasids.max", TENANT_MAX));

	ASSERT_EQ(0, run_as_delegatee(self->dlg, races_rmdir, &self->c));
	ASSERT_EQ(0, wait_value(self->dlg, "ioasids.current", 0,
				RELEASE_TIMEOUT_MS));
	ASSERT_EQ(0, check_value(self->dlg, "ioasids.peak", TENANT_MAX));
	ASSERT_EQ(0, check_value(self->base, "ioasids.current", 0));
}

/* The mock devices of CONFIG_IOASID_MOCK_IOMMU, of 20 and of 4 PASID bits */
#define SVA20_DEV		"/dev/ioasid_mock_sva20"
#define SVA4_DEV		"/dev/ioasid_mock_sva4"
/* The processes that the hostile tenant forks, each binding for SVA */
#define SVA_STORM		40
/*
 * Its limit in the storm: the 4-bit device has 15 PASIDs, so one is left
 * for the other tenant (see "Narrow devices and the allocation policy" in
 * the admin guide).
 */
#define SVA_STORM_MAX		(TENANT_MAX - 1)

/*
 * Fork SVA_STORM processes, each of which binds its address space to the
 * 20-bit device, then holds it: only SVA_STORM_MAX binds may succeed, the
 * others fail with EBUSY.
 */
static int storms_sva_binds(void *arg)
{
	const struct ctx *c = arg;
	int i, bound = 0, refused = 0, pipefd[2];
	char r;

	if (!become_delegatee() || !CHECK(!pipe(pipefd), "pipe"))
		return 1;
	for (i = 0; i < SVA_STORM; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (!pid) {
			int fd;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			fd = open(SVA20_DEV, O_RDWR | O_CLOEXEC);
			r = fd >= 0 ? 'b' : errno == EBUSY ? 'e' : 'x';
			if (write(pipefd[1], &r, 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		if (!CHECK(read(pipefd[0], &r, 1) == 1, "no word from a binder"))
			return 1;
		bound += r == 'b';
		refused += r == 'e';
	}
	CHECK(bound == SVA_STORM_MAX && refused == SVA_STORM - SVA_STORM_MAX,
	      "%d binds, %d refused with EBUSY, of %d", bound, refused,
	      SVA_STORM);
	CHECK(!check_value(c->dlg, "ioasids.current", SVA_STORM_MAX), "dlg");
	return failures;
}

/* Bind to the 4-bit device, then to the 20-bit one: one PASID, below 16 */
static int victim_binds(const struct ctx *c)
{
	char buf[32] = "";
	int fd4, fd20;
	long pasid;

	fd4 = open(SVA4_DEV, O_RDWR | O_CLOEXEC);
	if (!CHECK(fd4 >= 0, "the victim's bind on the 4-bit device: %s",
		   strerror(errno)))
		return 1;
	if (!CHECK(read(fd4, buf, sizeof(buf) - 1) > 0, "reading the PASID"))
		return 1;
	pasid = strtol(buf, NULL, 10);
	CHECK(pasid >= 1 && pasid <= 15, "PASID %ld on a 4-bit device", pasid);
	fd20 = open(SVA20_DEV, O_RDWR | O_CLOEXEC);
	CHECK(fd20 >= 0, "the victim's bind on the 20-bit device: %s",
	      strerror(errno));
	CHECK(!check_value(c->other, "ioasids.current", 1), "other");
	close(fd20);
	close(fd4);
	return 0;
}

/* Wait for the teardown of exited address spaces to free their PASIDs */
static int wait_released(const char *cg)
{
	int i;

	for (i = 0; i < RELEASE_TIMEOUT_MS / 10; i++) {
		if (!read_value(cg, "ioasids.current"))
			return 0;
		run_on_every_cpu();
		usleep(10000);
	}
	return check_value(cg, "ioasids.current", 0);
}

/*
 * A fork storm of SVA binds stops at the tenant's limit, leaves another
 * tenant's bind on a narrow device a PASID, and leaves nothing charged.
 */
TEST_F(delegation, hostile_sva_storm)
{
	pid_t storm;

	if (access(SVA20_DEV, F_OK) || access(SVA4_DEV, F_OK))
		SKIP(return, "no mock SVA devices (CONFIG_IOASID_MOCK_IOMMU)");
	ASSERT_EQ(0, cg_write_numeric(self->dlg, "ioasids.max",
				      SVA_STORM_MAX));
	ASSERT_EQ(0, cg_write_numeric(self->other, "ioasids.max",
				      TENANT_MAX));

	/* Address spaces that exited before, lazily held, free their PASIDs */
	run_on_every_cpu();
	storm = holder_start(self->dlg, storms_sva_binds, &self->c);
	ASSERT_LT(0, storm);
	EXPECT_EQ(0, run_as(0, 0, self->other, victim_binds, &self->c));
	EXPECT_EQ(0, check_value(self->dlg, "ioasids.peak", SVA_STORM_MAX));
	EXPECT_EQ(0, holder_kill(&storm));

	ASSERT_EQ(0, wait_released(self->dlg));
	ASSERT_EQ(0, wait_released(self->other));
	ASSERT_EQ(0, check_value(self->base, "ioasids.current", 0));
}

/*
 * The PASID attaches of the hostile tenant: as many of the IDs 1 to 15 as
 * its limit lets it, which, with the other tenant's one bind, adds up to
 * the 15 IDs of a 4-bit device, as the admin guide's sizing rule says.
 */
#define IOMMUFD_DEV		"/dev/iommu"
#define SQUAT_MAX		(TENANT_MAX - 1)
#define SQUAT_CHURN		500

/*
 * Attach every PASID a 4-bit device could use, 1 to 15, then churn a
 * higher one: at most SQUAT_MAX are ever held, whatever the churn.  Holds
 * what it got.
 */
static int squats_pasids(void *arg)
{
	const struct ctx *c = arg;
	int fd, ret, held = 0, i;
	struct mock_dev m;
	__u32 ioas, pasid;

	if (!become_delegatee())
		return 1;
	ret = iommufd_ctx_open(&fd, &ioas);
	if (!CHECK(!ret, "an iommufd context: %s", strerror(-ret)))
		return 1;
	ret = mock_dev_add(fd, ioas, true, &m);
	if (!CHECK(!ret, "a mock device: %s", strerror(-ret)))
		return 1;
	for (pasid = 1; pasid < 16; pasid++) {
		ret = mock_pasid_attach(fd, &m, pasid, ioas, NULL);
		if (!ret)
			held++;
		else
			CHECK_ERR(ret, EDQUOT, "attach over the limit");
	}
	CHECK(held == SQUAT_MAX, "attached %d PASIDs, its limit is %d", held,
	      SQUAT_MAX);
	CHECK_OK(mock_pasid_detach(fd, &m, 1), "detach");
	for (i = 0; i < SQUAT_CHURN; i++) {
		CHECK_OK(mock_pasid_attach(fd, &m, 0x5000, ioas, NULL),
			 "churn attach");
		CHECK_ERR(mock_pasid_attach(fd, &m, 0x5001, ioas, NULL),
			  EDQUOT, "churn attach over the limit");
		CHECK_OK(mock_pasid_detach(fd, &m, 0x5000), "churn detach");
	}
	CHECK_OK(mock_pasid_attach(fd, &m, 1, ioas, NULL), "attach again");
	CHECK(!check_value(c->dlg, "ioasids.current", SQUAT_MAX), "dlg");
	CHECK(!check_value(c->dlg, "ioasids.peak", SQUAT_MAX), "dlg peak");
	return failures;
}

/*
 * A tenant that attaches the PASIDs a narrow device needs, up to its
 * limit, leaves another tenant's SVA bind on a 4-bit device a PASID, and
 * its /dev/ioasid allocations, and leaves nothing charged.
 */
TEST_F(delegation, hostile_pasid_squat)
{
	struct stat iommu;
	pid_t squatter;

	if (access(SVA4_DEV, F_OK) || stat(IOMMUFD_DEV, &iommu))
		SKIP(return, "no mock SVA device or no %s", IOMMUFD_DEV);
	ASSERT_EQ(0, cg_write_numeric(self->dlg, "ioasids.max", SQUAT_MAX));
	ASSERT_EQ(0, cg_write_numeric(self->other, "ioasids.max",
				      TENANT_MAX));
	ASSERT_EQ(0, chown(IOMMUFD_DEV, 0, DELEGATEE_GID));
	ASSERT_EQ(0, chmod(IOMMUFD_DEV, 0660));

	run_on_every_cpu();
	squatter = holder_start(self->dlg, squats_pasids, &self->c);
	EXPECT_LT(0, squatter);
	if (squatter > 0) {
		EXPECT_EQ(0, run_as(0, 0, self->other, victim_binds,
				    &self->c));
		EXPECT_EQ(0, holder_kill(&squatter));
	}
	EXPECT_EQ(0, chown(IOMMUFD_DEV, iommu.st_uid, iommu.st_gid));
	EXPECT_EQ(0, chmod(IOMMUFD_DEV, iommu.st_mode & 07777));

	ASSERT_EQ(0, wait_released(self->dlg));
	ASSERT_EQ(0, wait_released(self->other));
	ASSERT_EQ(0, check_value(self->base, "ioasids.current", 0));
}

TEST_HARNESS_MAIN
