// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the ioasids cgroup controller with SVA: the kernel's real
 * iommu_sva_bind_device(), driven through the test-only mock IOMMUs of
 * CONFIG_IOASID_MOCK_IOMMU (drivers/iommu/ioasid_mock.c).  Opening one of
 * their files binds the opener's address space to a mock device, closing it
 * unbinds, and read() tells the PASID:
 *
 *   /dev/ioasid_mock_sva0	an IOMMU with one PASID: no bind can succeed
 *   /dev/ioasid_mock_sva4	a device and IOMMU of 4 bits: PASIDs 1 to 15
 *   /dev/ioasid_mock_sva20	a device and IOMMU of 20 bits
 *
 * An address space has one PASID, in an IOASID set of its own, charged to
 * the cgroup of the process that first binds it, and freed when the address
 * space is torn down (__mmdrop()), not at unbind.  The tests run their
 * tenants in child processes, "agents", that the test drives through a pipe,
 * so that each has an address space of its own; some agents drop root.
 *
 * Two properties of the allocator are checked end to end: no IOMMU's PASID
 * width limits the devices behind another IOMMU, and no tenant can starve
 * a narrow device of IDs through /dev/ioasid, whose IDs start at
 * IOASID_USER_FIRST, while SVA takes the lowest IDs its device supports.
 *
 * Without the mock devices, the tests are skipped.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/ioasid.h>
#include <linux/limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"
#include "ioasids_util.h"

#define IOASID_DEV	"/dev/ioasid"

/* The mock devices, by PASID width */
enum { SVA0, SVA4, SVA20, NR_SVA_DEVS };
static const char *const sva_devs[NR_SVA_DEVS] = {
	[SVA0] = "/dev/ioasid_mock_sva0",
	[SVA4] = "/dev/ioasid_mock_sva4",
	[SVA20] = "/dev/ioasid_mock_sva20",
};

/* The PASID space of PCIe, 2^20, without PASID 0 */
#define PASID_CAPACITY		1048575
/* The lowest ID of the sets of /dev/ioasid, those of userspace: 2^10 */
#define IOASID_USER_FIRST	1024
/* How long to wait for an uncharge at the teardown of an address space */
#define RELEASE_TIMEOUT_MS	5000
/* How long a released charge must stay released */
#define SETTLE_MS		300
/* The unprivileged user the tenants run as */
#define TENANT_UID		65534

/* Commands to an agent */
enum {
	OP_OPEN,	/* open sva_devs[arg[0]]: the fd, or -errno */
	OP_PASID,	/* the PASID of the SVA file arg[0], or -errno */
	OP_CLOSE,	/* close fd arg[0]: 0 */
	OP_IOASID_OPEN,	/* open /dev/ioasid: the fd, or -errno */
	OP_IOASID_ALLOC, /* IOASID_ALLOC on fd arg[0], flags arg[1], range
			  * [arg[2], arg[3]]: the IOASID, or -errno
			  */
	OP_SETUID,	/* become the user arg[0]: 0, or -errno */
	OP_FORK_BIND,	/* fork a child that binds on its own and reads the
			 * PASID of the inherited fd arg[0]: the child's
			 * PASID, then the inherited file's, from the child
			 */
	OP_FORK_END,	/* let that child exit and reap it: 0 */
	OP_EXEC,	/* reply 0, then exec this program to pause */
};

struct agent_req {
	int op;
	int arg[4];
};

/* A process in a cgroup, driven by the test */
struct agent {
	pid_t pid;
	int cmd;	/* the test writes requests */
	int reply;	/* the test reads replies */
};

/* An agent not started yet */
#define AGENT_INIT { .pid = -1, .cmd = -1, .reply = -1 }

static const char *self_exe = "/proc/self/exe";

/* Returns the PASID of the SVA file @fd, or -errno. */
static long sva_pasid(int fd)
{
	char buf[32], *end;
	ssize_t len;
	long pasid;

	len = pread(fd, buf, sizeof(buf) - 1, 0);
	if (len < 0)
		return -errno;
	buf[len] = '\0';
	pasid = strtol(buf, &end, 10);
	if (end == buf || *end != '\n')
		return -EPROTO;
	return pasid;
}

static long sva_open(int dev)
{
	int fd = open(sva_devs[dev], O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

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

static long become_user(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		return -errno;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len ? 0 : -1;
}

/*
 * OP_FORK_BIND in the agent: a child, with an address space of its own,
 * binds on the 20-bit device, reports its PASID and that of the file it
 * inherited, @fd, and waits for @wait to close.
 */
static pid_t fork_bind(int fd, int reply, int *wait_fd)
{
	int wait_pipe[2];
	long long val[2];
	pid_t pid;
	char c;

	if (pipe2(wait_pipe, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		long own;

		close(wait_pipe[1]);
		own = sva_open(SVA20);
		val[0] = own < 0 ? own : sva_pasid(own);
		val[1] = sva_pasid(fd);
		if (write_all(reply, val, sizeof(val)))
			_exit(1);
		while (read(wait_pipe[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(wait_pipe[0]);
	*wait_fd = wait_pipe[1];
	return pid;
}

static int agent_main(const char *cgroup, void *arg)
{
	int *fds = arg, cmd = fds[0], reply = fds[1], wait_fd = -1;
	pid_t child = -1;
	struct agent_req req;
	long long ret;

	(void)cgroup;
	while (read(cmd, &req, sizeof(req)) == sizeof(req)) {
		switch (req.op) {
		case OP_OPEN:
			ret = sva_open(req.arg[0]);
			break;
		case OP_PASID:
			ret = sva_pasid(req.arg[0]);
			break;
		case OP_CLOSE:
			ret = close(req.arg[0]) ? -errno : 0;
			break;
		case OP_IOASID_OPEN:
			ret = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
			if (ret < 0)
				ret = -errno;
			break;
		case OP_IOASID_ALLOC:
			ret = ioasid_alloc_range(req.arg[0], req.arg[1],
						 req.arg[2], req.arg[3]);
			break;
		case OP_SETUID:
			ret = become_user(req.arg[0]);
			break;
		case OP_FORK_BIND:
			child = fork_bind(req.arg[0], reply, &wait_fd);
			if (child > 0)
				continue;	/* the child replies */
			ret = -ECHILD;
			break;
		case OP_FORK_END:
			close(wait_fd);
			wait_fd = -1;
			ret = waitpid(child, NULL, 0) == child ? 0 : -ECHILD;
			child = -1;
			break;
		case OP_EXEC:
			ret = 0;
			if (write_all(reply, &ret, sizeof(ret)))
				return 1;
			execl(self_exe, self_exe, "--pause", (char *)NULL);
			return 1;
		default:
			ret = -EINVAL;
			break;
		}
		if (write_all(reply, &ret, sizeof(ret)))
			return 1;
	}
	return 0;
}

/* An agent not started yet */
static void agent_init(struct agent *a)
{
	a->pid = -1;
	a->cmd = -1;
	a->reply = -1;
}

/* Start an agent in @cgroup.  Returns 0, or -1. */
static int agent_start(struct agent *a, const char *cgroup)
{
	int cmd[2], reply[2], fds[2];

	agent_init(a);
	if (pipe2(cmd, O_CLOEXEC))
		return -1;
	if (pipe2(reply, O_CLOEXEC)) {
		close(cmd[0]);
		close(cmd[1]);
		return -1;
	}
	fds[0] = cmd[0];
	fds[1] = reply[1];
	fflush(NULL);
	a->pid = cg_run_nowait(cgroup, agent_main, fds);
	close(cmd[0]);
	close(reply[1]);
	a->cmd = cmd[1];
	a->reply = reply[0];
	if (a->pid <= 0) {
		ksft_print_msg("%s: cannot start a process there\n", cgroup);
		a->pid = -1;
		return -1;
	}
	return 0;
}

/* Kill the agent, if any, and reap it. */
static void agent_kill(struct agent *a)
{
	if (a->cmd >= 0)
		close(a->cmd);
	if (a->reply >= 0)
		close(a->reply);
	a->cmd = -1;
	a->reply = -1;
	kill_child(&a->pid);
}

/* Read one reply of the agent: its value, or -EPIPE if it is gone. */
static long long agent_reply(struct agent *a)
{
	long long ret;

	if (read(a->reply, &ret, sizeof(ret)) != sizeof(ret))
		return -EPIPE;
	return ret;
}

/* Have the agent run @op; returns its reply, or -EPIPE. */
static long long agent_do(struct agent *a, int op, int arg0, int arg1,
			  int arg2, int arg3)
{
	struct agent_req req = { .op = op, .arg = { arg0, arg1, arg2, arg3 } };

	if (a->pid <= 0 || write_all(a->cmd, &req, sizeof(req)))
		return -EPIPE;
	return agent_reply(a);
}

static long long agent_open(struct agent *a, int dev)
{
	return agent_do(a, OP_OPEN, dev, 0, 0, 0);
}

static long long agent_pasid(struct agent *a, int fd)
{
	return agent_do(a, OP_PASID, fd, 0, 0, 0);
}

/*
 * Have the agent bind on @dev: returns the PASID, or -errno with the file
 * closed.  The file's descriptor goes to *@fd, if @fd.
 */
static long long agent_bind(struct agent *a, int dev, int *fd)
{
	long long ret = agent_open(a, dev);

	if (ret < 0)
		return ret;
	if (fd)
		*fd = ret;
	return agent_pasid(a, ret);
}

/* Returns 0 if @pasid is a PASID, of @bits bits at most. */
static int check_pasid(long long pasid, int bits, const char *what)
{
	if (pasid >= 1 && pasid < (1LL << bits))
		return 0;
	if (pasid < 0)
		ksft_print_msg("%s: %s\n", what, strerror(-pasid));
	else
		ksft_print_msg("%s: PASID %lld, not in [1, %lld]\n", what,
			       pasid, (1LL << bits) - 1);
	return -1;
}

/* Returns 0 if the charges of @cg are @current, of which @sva for SVA. */
static int check_sva(const char *cg, long current, long sva, long file)
{
	char expected[160];

	if (check_value(cg, "ioasids.current", current))
		return -1;
	snprintf(expected, sizeof(expected),
		 "kernel 0\nsva %ld\nfile %ld\niommufd 0\npinned_vfio 0\npinned_iommufd 0\n",
		 sva, file);
	return check_exact(cg, "ioasids.stat", expected);
}

/*
 * Wait for the charges of @cg to fall to @current, of which @sva for SVA,
 * at the teardown of address spaces, and check that they stay there: an
 * uncharge done twice would take them lower.
 */
static int wait_sva(const char *cg, long current, long sva, long file)
{
	int i;

	for (i = 0; i < RELEASE_TIMEOUT_MS / 10; i++) {
		if (read_value(cg, "ioasids.current") == current)
			break;
		run_on_every_cpu();
		usleep(10000);
	}
	usleep(SETTLE_MS * 1000);
	return check_sva(cg, current, sva, file);
}

/*
 * Create the test's cgroup, @name.PID under @root, in *@parent, with the
 * controller enabled for its children, and, if @cg, its child "tenant",
 * where processes can run, in *@cg.  Returns 0, or -1 with nothing to
 * remove.
 */
static int setup(const char *root, const char *name, char **parent,
		 char **cg)
{
	char path[PATH_MAX];
	const char *why;

	snprintf(path, sizeof(path), "%s", root);
	if (ioasids_test_setup(path, sizeof(path), name, 0, parent, &why)) {
		ksft_print_msg("%s\n", why);
		return -1;
	}
	if (!cg)
		return 0;
	*cg = test_cg_create(*parent, "tenant", false);
	if (!*cg) {
		test_cg_remove(*parent);
		return -1;
	}
	return 0;
}

/*
 * A bind charges the cgroup of the process that binds, and its ancestors,
 * one IOASID of kind sva; the teardown of the address space at exit
 * uncharges it, once.
 */
static int test_sva_bind_charges(const char *root)
{
	char *parent = NULL, *cg = NULL;
	struct agent a = AGENT_INIT;
	int ret = KSFT_FAIL;
	long long pasid;

	if (setup(root, "sva_bind", &parent, &cg))
		return KSFT_FAIL;
	if (agent_start(&a, cg))
		goto cleanup;
	if (check_sva(cg, 0, 0, 0))
		goto cleanup;

	pasid = agent_bind(&a, SVA20, NULL);
	if (check_pasid(pasid, 20, "bind"))
		goto cleanup;
	if (check_sva(cg, 1, 1, 0) || check_sva(parent, 1, 1, 0))
		goto cleanup;
	if (check_value(cg, "ioasids.peak", 1))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 0, 0))
		goto cleanup;

	/* Exit: exit_files() unbinds, __mmdrop() frees the PASID. */
	agent_kill(&a);
	if (wait_sva(cg, 0, 0, 0) || wait_sva(parent, 0, 0, 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	agent_kill(&a);
	test_cg_remove(cg);
	test_cg_remove(parent);
	return ret;
}

/*
 * An address space has one PASID, whatever it binds to: binds to the
 * 4-bit and the 20-bit devices, and binds again, take no second IOASID.
 * Unbinding does not free it; the teardown of the address space does.
 */
static int test_sva_second_bind(const char *root)
{
	int fd4 = -1, fd20 = -1, fd20b = -1;
	struct agent a = AGENT_INIT;
	int ret = KSFT_FAIL;
	long long pasid, again;
	char *parent = NULL, *cg = NULL;

	if (setup(root, "sva_second", &parent, &cg))
		return KSFT_FAIL;
	if (agent_start(&a, cg))
		goto cleanup;

	pasid = agent_bind(&a, SVA4, &fd4);
	if (check_pasid(pasid, 4, "bind on the 4-bit device"))
		goto cleanup;
	again = agent_bind(&a, SVA20, &fd20);
	if (again != pasid) {
		ksft_print_msg("bind on the 20-bit device: %lld, expected PASID %lld\n",
			       again, pasid);
		goto cleanup;
	}
	again = agent_bind(&a, SVA20, &fd20b);
	if (again != pasid) {
		ksft_print_msg("second bind on the 20-bit device: %lld, expected PASID %lld\n",
			       again, pasid);
		goto cleanup;
	}
	if (check_sva(cg, 1, 1, 0) || check_value(cg, "ioasids.peak", 1))
		goto cleanup;

	/* Unbinding leaves the PASID to the address space. */
	if (agent_do(&a, OP_CLOSE, fd20b, 0, 0, 0) ||
	    agent_do(&a, OP_CLOSE, fd20, 0, 0, 0) ||
	    agent_do(&a, OP_CLOSE, fd4, 0, 0, 0))
		goto cleanup;
	usleep(SETTLE_MS * 1000);
	if (check_sva(cg, 1, 1, 0))
		goto cleanup;
	again = agent_bind(&a, SVA20, NULL);
	if (again != pasid) {
		ksft_print_msg("bind after unbinding: %lld, expected PASID %lld\n",
			       again, pasid);
		goto cleanup;
	}
	if (check_sva(cg, 1, 1, 0))
		goto cleanup;

	agent_kill(&a);
	if (wait_sva(cg, 0, 0, 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	agent_kill(&a);
	test_cg_remove(cg);
	test_cg_remove(parent);
	return ret;
}

/*
 * At the limit, the bind fails with EBUSY, as every allocation that would
 * take a cgroup over its ioasids.max, counted in ioasids.events where the
 * limit is and above, and in ioasids.events.local where it is.
 */
static int test_sva_limit(const char *root)
{
	struct agent a[3] = { AGENT_INIT, AGENT_INIT, AGENT_INIT };
	char *parent = NULL, *cg = NULL;
	int ret = KSFT_FAIL, i;
	long long pasid;

	if (setup(root, "sva_limit", &parent, &cg))
		return KSFT_FAIL;

	/* ioasids.max 0: no bind */
	if (cg_write(cg, "ioasids.max", "0") || agent_start(&a[0], cg))
		goto cleanup;
	if (expect_err(agent_open(&a[0], SVA20), EBUSY, "bind at max 0"))
		goto cleanup;
	if (check_sva(cg, 0, 0, 0) || check_sva(parent, 0, 0, 0))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 1, 0) ||
	    check_events(cg, "ioasids.events.local", 1, 0) ||
	    check_events(parent, "ioasids.events", 1, 0) ||
	    check_events(parent, "ioasids.events.local", 0, 0))
		goto cleanup;

	/* ioasids.max 2: two address spaces bind, the third does not */
	if (cg_write(cg, "ioasids.max", "2"))
		goto cleanup;
	for (i = 1; i < 3; i++)
		if (agent_start(&a[i], cg))
			goto cleanup;
	for (i = 0; i < 2; i++) {
		pasid = agent_bind(&a[i], SVA20, NULL);
		if (check_pasid(pasid, 20, "bind below the limit"))
			goto cleanup;
	}
	if (expect_err(agent_open(&a[2], SVA4), EBUSY, "bind over max 2"))
		goto cleanup;
	if (check_sva(cg, 2, 2, 0) || check_sva(parent, 2, 2, 0))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 2, 0) ||
	    check_events(cg, "ioasids.events.local", 2, 0) ||
	    check_events(parent, "ioasids.events", 2, 0))
		goto cleanup;

	/* The parent's limit binds the child: counted at the parent */
	if (cg_write(cg, "ioasids.max", "max") ||
	    cg_write(parent, "ioasids.max", "2"))
		goto cleanup;
	if (expect_err(agent_open(&a[2], SVA20), EBUSY,
		       "bind over the parent's max 2"))
		goto cleanup;
	if (check_sva(cg, 2, 2, 0))
		goto cleanup;
	if (check_events(cg, "ioasids.events", 2, 0) ||
	    check_events(cg, "ioasids.events.local", 2, 0) ||
	    check_events(parent, "ioasids.events", 3, 0) ||
	    check_events(parent, "ioasids.events.local", 1, 0))
		goto cleanup;

	/* Room again: the address space that failed binds */
	agent_kill(&a[0]);
	if (wait_sva(cg, 1, 1, 0))
		goto cleanup;
	pasid = agent_bind(&a[2], SVA20, NULL);
	if (check_pasid(pasid, 20, "bind after an exit"))
		goto cleanup;
	if (check_sva(cg, 2, 2, 0))
		goto cleanup;

	for (i = 0; i < 3; i++)
		agent_kill(&a[i]);
	if (wait_sva(cg, 0, 0, 0) || wait_sva(parent, 0, 0, 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	for (i = 0; i < 3; i++)
		agent_kill(&a[i]);
	test_cg_remove(cg);
	test_cg_remove(parent);
	return ret;
}

/*
 * A forked child has an address space of its own: its bind takes an ID of
 * its own, and its exit frees that one only.  The file it inherited still
 * tells its parent's PASID.
 */
static int test_sva_fork(const char *root)
{
	struct agent a = AGENT_INIT;
	long long pasid, child, inherited;
	int ret = KSFT_FAIL, fd;
	char *parent = NULL, *cg = NULL;

	if (setup(root, "sva_fork", &parent, &cg))
		return KSFT_FAIL;
	if (agent_start(&a, cg))
		goto cleanup;
	pasid = agent_bind(&a, SVA20, &fd);
	if (check_pasid(pasid, 20, "parent's bind"))
		goto cleanup;

	child = agent_do(&a, OP_FORK_BIND, fd, 0, 0, 0);
	inherited = agent_reply(&a);
	if (check_pasid(child, 20, "child's bind"))
		goto cleanup;
	if (child == pasid) {
		ksft_print_msg("the child's bind got its parent's PASID %lld\n",
			       pasid);
		goto cleanup;
	}
	if (inherited != pasid) {
		ksft_print_msg("inherited file: %lld, expected PASID %lld\n",
			       inherited, pasid);
		goto cleanup;
	}
	if (check_sva(cg, 2, 2, 0))
		goto cleanup;

	if (agent_do(&a, OP_FORK_END, 0, 0, 0, 0))
		goto cleanup;
	if (wait_sva(cg, 1, 1, 0))
		goto cleanup;
	if (agent_pasid(&a, fd) != pasid)
		goto cleanup;

	agent_kill(&a);
	if (wait_sva(cg, 0, 0, 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	agent_kill(&a);
	test_cg_remove(cg);
	test_cg_remove(parent);
	return ret;
}

/*
 * exec replaces the address space: the old one, bound through a file
 * closed on exec, is torn down and its PASID uncharged, once, while the
 * process runs on.
 */
static int test_sva_exec(const char *root)
{
	struct agent a = AGENT_INIT;
	int ret = KSFT_FAIL;
	long long pasid;
	char *parent = NULL, *cg = NULL;

	if (setup(root, "sva_exec", &parent, &cg))
		return KSFT_FAIL;
	if (agent_start(&a, cg))
		goto cleanup;
	pasid = agent_bind(&a, SVA20, NULL);
	if (check_pasid(pasid, 20, "bind"))
		goto cleanup;
	if (check_sva(cg, 1, 1, 0))
		goto cleanup;

	if (agent_do(&a, OP_EXEC, 0, 0, 0, 0))
		goto cleanup;
	if (wait_sva(cg, 0, 0, 0))
		goto cleanup;
	if (waitpid(a.pid, NULL, WNOHANG)) {
		ksft_print_msg("the process exited at exec\n");
		goto cleanup;
	}
	agent_kill(&a);
	if (wait_sva(cg, 0, 0, 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	agent_kill(&a);
	test_cg_remove(cg);
	test_cg_remove(parent);
	return ret;
}

/*
 * Many address spaces bind and exit at once: each is uncharged exactly
 * once, and the cgroups return to 0, not below.
 */
static int test_sva_exit_many(const char *root)
{
	enum { NR = 8 };
	struct agent a[NR];
	char *parent = NULL, *cg = NULL;
	int ret = KSFT_FAIL, i;
	long long pasid;

	for (i = 0; i < NR; i++)
		agent_init(&a[i]);
	if (setup(root, "sva_exit", &parent, &cg))
		return KSFT_FAIL;
	for (i = 0; i < NR; i++) {
		if (agent_start(&a[i], cg))
			goto cleanup;
		pasid = agent_bind(&a[i], i % 2 ? SVA20 : SVA4, NULL);
		if (check_pasid(pasid, i % 2 ? 20 : 4, "bind"))
			goto cleanup;
	}
	if (check_sva(cg, NR, NR, 0) || check_sva(parent, NR, NR, 0))
		goto cleanup;
	if (check_value(cg, "ioasids.peak", NR))
		goto cleanup;

	for (i = 0; i < NR; i++)
		kill(a[i].pid, SIGKILL);
	for (i = 0; i < NR; i++)
		agent_kill(&a[i]);
	if (wait_sva(cg, 0, 0, 0) || wait_sva(parent, 0, 0, 0))
		goto cleanup;
	if (check_value(cg, "ioasids.peak", NR))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	for (i = 0; i < NR; i++)
		agent_kill(&a[i]);
	test_cg_remove(cg);
	test_cg_remove(parent);
	return ret;
}

/*
 * The set of an address space belongs to the cgroup of the process that
 * bound it first: the charge stays there when the process moves, later
 * binds charge nothing more, and the exit uncharges it there.
 */
static int test_sva_migration(const char *root)
{
	char *parent = NULL, *cg_a = NULL, *cg_b = NULL;
	struct agent a = AGENT_INIT;
	int ret = KSFT_FAIL;
	long long pasid;

	if (setup(root, "sva_migration", &parent, NULL))
		return KSFT_FAIL;
	cg_a = test_cg_create(parent, "a", false);
	cg_b = test_cg_create(parent, "b", false);
	if (!cg_a || !cg_b || agent_start(&a, cg_a))
		goto cleanup;
	pasid = agent_bind(&a, SVA4, NULL);
	if (check_pasid(pasid, 4, "bind in A"))
		goto cleanup;

	if (cg_enter(cg_b, a.pid))
		goto cleanup;
	if (check_sva(cg_a, 1, 1, 0) || check_sva(cg_b, 0, 0, 0))
		goto cleanup;
	if (agent_bind(&a, SVA20, NULL) != pasid) {
		ksft_print_msg("bind in B: not PASID %lld\n", pasid);
		goto cleanup;
	}
	if (check_sva(cg_a, 1, 1, 0) || check_sva(cg_b, 0, 0, 0) ||
	    check_sva(parent, 1, 1, 0))
		goto cleanup;

	agent_kill(&a);
	if (wait_sva(cg_a, 0, 0, 0) || wait_sva(cg_b, 0, 0, 0) ||
	    wait_sva(parent, 0, 0, 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	agent_kill(&a);
	test_cg_remove(cg_b);
	test_cg_remove(cg_a);
	test_cg_remove(parent);
	return ret;
}

/*
 * No IOMMU's width limits another's devices: with the IOMMU of one PASID
 * registered, the space keeps its 2^20 - 1 IDs, the 20-bit device binds
 * and /dev/ioasid allocates 100 IDs.  The device behind the IOMMU of one
 * PASID can never bind: its bind fails, charging nothing.
 */
static int test_sva_narrow_iommu(const char *root)
{
	enum { NR = 100 };
	struct agent a = AGENT_INIT, b = AGENT_INIT;
	long long pasid, id, ids[NR];
	int ret = KSFT_FAIL, fd, i, j;
	char *parent = NULL, *cg = NULL;

	if (access(IOASID_DEV, F_OK)) {
		ksft_print_msg("no %s\n", IOASID_DEV);
		return KSFT_SKIP;
	}
	if (setup(root, "sva_narrow", &parent, &cg))
		return KSFT_FAIL;
	if (check_value(root, "ioasids.capacity", PASID_CAPACITY))
		goto cleanup;
	if (agent_start(&a, cg) || agent_start(&b, cg))
		goto cleanup;

	/* An address space without a PASID: none fits the device */
	if (expect_err(agent_open(&a, SVA0), EINVAL,
		       "bind on the device of one PASID"))
		goto cleanup;
	if (check_sva(cg, 0, 0, 0) || check_events(cg, "ioasids.events", 0, 0))
		goto cleanup;

	pasid = agent_bind(&a, SVA20, NULL);
	if (check_pasid(pasid, 20, "bind on the 20-bit device"))
		goto cleanup;
	/* An address space with a PASID: it does not fit the device */
	if (expect_err(agent_open(&a, SVA0), EOVERFLOW,
		       "second bind on the device of one PASID"))
		goto cleanup;
	if (check_sva(cg, 1, 1, 0))
		goto cleanup;

	fd = agent_do(&b, OP_IOASID_OPEN, 0, 0, 0, 0);
	if (fd < 0) {
		ksft_print_msg("open %s: %s\n", IOASID_DEV, strerror(-fd));
		goto cleanup;
	}
	for (i = 0; i < NR; i++) {
		id = agent_do(&b, OP_IOASID_ALLOC, fd, 0, 0, 0);
		if (id < 1 || id > PASID_CAPACITY || id == pasid) {
			ksft_print_msg("allocation %d of %d: %lld (%s)\n",
				       i + 1, NR, id,
				       id < 0 ? strerror(-id) : "bad ID");
			goto cleanup;
		}
		for (j = 0; j < i; j++) {
			if (ids[j] == id) {
				ksft_print_msg("IOASID %lld allocated twice\n",
					       id);
				goto cleanup;
			}
		}
		ids[i] = id;
	}
	if (check_sva(cg, NR + 1, 1, NR))
		goto cleanup;

	agent_kill(&b);
	if (wait_sva(cg, 1, 1, 0))
		goto cleanup;
	agent_kill(&a);
	if (wait_sva(cg, 0, 0, 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	agent_kill(&a);
	agent_kill(&b);
	test_cg_remove(cg);
	test_cg_remove(parent);
	return ret;
}

/*
 * No starvation through userspace sets: tenant A, an unprivileged user at
 * ioasids.max 15, takes every IOASID it can through /dev/ioasid.  The IDs
 * of userspace sets start at IOASID_USER_FIRST: a range below it fails
 * with EINVAL, a range across it is clamped to it, and no ID of A is one
 * of the 15 of a 4-bit device, on which tenant B then binds.
 */
static int test_sva_starve_user(const char *root)
{
	char *parent = NULL, *cg_a = NULL, *cg_b = NULL;
	struct agent a = AGENT_INIT, b = AGENT_INIT;
	int ret = KSFT_FAIL, fd, i;
	long long id, pasid;

	if (access(IOASID_DEV, F_OK)) {
		ksft_print_msg("no %s\n", IOASID_DEV);
		return KSFT_SKIP;
	}
	if (setup(root, "sva_starve_user", &parent, NULL))
		return KSFT_FAIL;
	cg_a = test_cg_create(parent, "a", false);
	cg_b = test_cg_create(parent, "b", false);
	if (!cg_a || !cg_b || cg_write(cg_a, "ioasids.max", "15"))
		goto cleanup;
	if (agent_start(&a, cg_a) || agent_start(&b, cg_b))
		goto cleanup;

	/* /dev/ioasid is root's: A opens it, then drops root. */
	fd = agent_do(&a, OP_IOASID_OPEN, 0, 0, 0, 0);
	if (fd < 0) {
		ksft_print_msg("open %s: %s\n", IOASID_DEV, strerror(-fd));
		goto cleanup;
	}
	if (expect_ok(agent_do(&a, OP_SETUID, TENANT_UID, 0, 0, 0),
		      "tenant A drops root") ||
	    expect_ok(agent_do(&b, OP_SETUID, TENANT_UID, 0, 0, 0),
		      "tenant B drops root"))
		goto cleanup;

	for (i = 0; i < 15; i++) {
		id = agent_do(&a, OP_IOASID_ALLOC, fd, IOASID_ALLOC_RANGE, 1,
			      15);
		if (expect_err(id, EINVAL, "A allocates in [1, 15]"))
			goto cleanup;
	}
	id = agent_do(&a, OP_IOASID_ALLOC, fd, IOASID_ALLOC_RANGE, 1,
		      IOASID_USER_FIRST + 99);
	if (id < IOASID_USER_FIRST || id > IOASID_USER_FIRST + 99) {
		ksft_print_msg("A allocates in [1, %d]: %lld, expected [%d, %d]\n",
			       IOASID_USER_FIRST + 99, id, IOASID_USER_FIRST,
			       IOASID_USER_FIRST + 99);
		goto cleanup;
	}
	for (i = 1; i < 15; i++) {
		id = agent_do(&a, OP_IOASID_ALLOC, fd, 0, 0, 0);
		if (id < IOASID_USER_FIRST || id > PASID_CAPACITY) {
			ksft_print_msg("A's allocation %d: %lld, expected [%d, %d]\n",
				       i + 1, id, IOASID_USER_FIRST,
				       PASID_CAPACITY);
			goto cleanup;
		}
	}
	if (expect_err(agent_do(&a, OP_IOASID_ALLOC, fd, 0, 0, 0), EBUSY,
		       "A allocates over its max"))
		goto cleanup;
	if (check_sva(cg_a, 15, 0, 15))
		goto cleanup;

	pasid = agent_bind(&b, SVA4, NULL);
	if (check_pasid(pasid, 4, "B binds on the 4-bit device"))
		goto cleanup;
	if (check_sva(cg_b, 1, 1, 0) || check_sva(cg_a, 15, 0, 15))
		goto cleanup;

	agent_kill(&a);
	agent_kill(&b);
	if (wait_sva(parent, 0, 0, 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	agent_kill(&a);
	agent_kill(&b);
	test_cg_remove(cg_b);
	test_cg_remove(cg_a);
	test_cg_remove(parent);
	return ret;
}

/*
 * SVA sets allocate lowest-first within the device's width: tenant A binds
 * 14 unprivileged address spaces on the 20-bit device, which take 14 of
 * the low IDs, and tenant B's bind on the 4-bit device gets a remaining
 * one.
 */
static int test_sva_starve_sva(const char *root)
{
	enum { NR = 14 };
	char *parent = NULL, *cg_a = NULL, *cg_b = NULL;
	struct agent a[NR], b = AGENT_INIT;
	long long pasids[NR], pasid;
	int ret = KSFT_FAIL, i;

	for (i = 0; i < NR; i++)
		agent_init(&a[i]);
	if (setup(root, "sva_starve_sva", &parent, NULL))
		return KSFT_FAIL;
	cg_a = test_cg_create(parent, "a", false);
	cg_b = test_cg_create(parent, "b", false);
	if (!cg_a || !cg_b || cg_write(cg_a, "ioasids.max", "15"))
		goto cleanup;

	for (i = 0; i < NR; i++) {
		if (agent_start(&a[i], cg_a))
			goto cleanup;
		if (expect_ok(agent_do(&a[i], OP_SETUID, TENANT_UID, 0, 0, 0),
			      "tenant A drops root"))
			goto cleanup;
		pasids[i] = agent_bind(&a[i], SVA20, NULL);
		if (check_pasid(pasids[i], 20, "A binds on the 20-bit device"))
			goto cleanup;
	}
	if (check_sva(cg_a, NR, NR, 0))
		goto cleanup;

	if (agent_start(&b, cg_b) ||
	    expect_ok(agent_do(&b, OP_SETUID, TENANT_UID, 0, 0, 0),
		      "tenant B drops root"))
		goto cleanup;
	pasid = agent_bind(&b, SVA4, NULL);
	if (check_pasid(pasid, 4, "B binds on the 4-bit device"))
		goto cleanup;
	for (i = 0; i < NR; i++) {
		if (pasids[i] == pasid) {
			ksft_print_msg("B got A's PASID %lld\n", pasid);
			goto cleanup;
		}
	}
	if (check_sva(cg_b, 1, 1, 0) || check_sva(parent, NR + 1, NR + 1, 0))
		goto cleanup;

	for (i = 0; i < NR; i++)
		agent_kill(&a[i]);
	agent_kill(&b);
	if (wait_sva(parent, 0, 0, 0))
		goto cleanup;
	ret = KSFT_PASS;

cleanup:
	for (i = 0; i < NR; i++)
		agent_kill(&a[i]);
	agent_kill(&b);
	test_cg_remove(cg_b);
	test_cg_remove(cg_a);
	test_cg_remove(parent);
	return ret;
}

static const struct ioasids_test tests[] = {
	IOASIDS_TEST(test_sva_bind_charges),
	IOASIDS_TEST(test_sva_second_bind),
	IOASIDS_TEST(test_sva_limit),
	IOASIDS_TEST(test_sva_fork),
	IOASIDS_TEST(test_sva_exec),
	IOASIDS_TEST(test_sva_exit_many),
	IOASIDS_TEST(test_sva_migration),
	IOASIDS_TEST(test_sva_narrow_iommu),
	IOASIDS_TEST(test_sva_starve_user),
	IOASIDS_TEST(test_sva_starve_sva),
};

int main(int argc, char **argv)
{
	char root[PATH_MAX];
	int i;

	/* An agent's exec (test_sva_exec): wait to be killed. */
	if (argc > 1 && !strcmp(argv[1], "--pause")) {
		for (;;)
			pause();
	}

	ksft_print_header();
	/* An agent gone leaves a pipe without reader: fail, not die. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < NR_SVA_DEVS; i++)
		if (access(sva_devs[i], F_OK))
			ksft_exit_skip("No %s: a kernel without CONFIG_IOASID_MOCK_IOMMU\n",
				       sva_devs[i]);
	ioasids_find_root(root, sizeof(root));

	ioasids_run_tests(tests, ARRAY_SIZE(tests), root);

	ksft_finished();
}
