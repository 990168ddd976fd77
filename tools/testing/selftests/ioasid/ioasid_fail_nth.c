// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection on the paths that charge the ioasids cgroup controller.
 *
 * Each test runs one operation (opening /dev/ioasid, IOASID_ALLOC,
 * IOASID_SET_QUOTA, IOASID_BIND_IOMMUFD, IOASID_FREE, creating a cgroup,
 * opening /dev/ioasid and allocating in a new cgroup, and mapping and
 * unmapping memory through VFIO's type1 container and through iommufd) with
 * /proc/thread-self/fail-nth set to 1, 2, 3, ... so that every allocation
 * and user copy on its path fails in turn, until it runs without reaching
 * the failing one.  After every attempt that failed, the operation must
 * have returned an error, and every counter must read as before it: the
 * test cgroup's ioasids.current, ioasids.pinned.current, ioasids.stat and
 * ioasids.events, the root cgroup's ioasids.current and ioasids.stat (all
 * the IOASIDs the allocator holds), the set's usage from IOASID_GET_INFO,
 * the process's locked and pinned memory, and the lowest free IOASID, which
 * an IOASID left allocated without a charge would change.  Once cleaned up,
 * every counter is back to its value at the start, and every cgroup removed
 * is freed.
 *
 * The operations that write their result back once they completed
 * (IOMMU_IOAS_MAP, VFIO_IOMMU_UNMAP_DMA, IOMMU_IOAS_UNMAP) fail with EFAULT
 * when that copy fails, and stay completed: then every counter must read
 * as after a success.
 *
 * The fault injection is set up as in iommu/iommufd_fail_nth.c, and also
 * fails allocations of single pages (min-order 0), such as the IOMMU's
 * page tables.  In a kernel with CONFIG_IOMMUFD_TEST, iommufd's own fault
 * points (fail_iommufd) fail in turn too, with their own errors.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/ioasid.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "../cgroup/vfio_util.h"
#include "ioasid_util.h"

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define DEBUGFS		"/sys/kernel/debug"

/* More fault points than any path has: a sweep that reaches it is stuck */
#define MAX_FAULT_POINTS	5000

/* The iommufd contexts that IOASID_BIND_IOMMUFD takes */
#define IOMMUFD_DEV	"/dev/iommu"

/* The pages that the pinning tests map */
#define PIN_PAGES	16

/* How long to wait for an uncharge that happens on release */
#define RELEASE_TIMEOUT_MS	2000

/* The fault injection settings this test changes, restored at exit */
static const char *const fault_attrs[] = {
	"failslab/ignore-gfp-wait",
	"fail_page_alloc/ignore-gfp-wait",
	"fail_page_alloc/ignore-gfp-highmem",
	"fail_page_alloc/min-order",
	"failslab/verbose",
	"fail_page_alloc/verbose",
	"fail_usercopy/verbose",
	/* CONFIG_IOMMUFD_TEST's own fault points, in iommufd */
	"fail_iommufd/verbose",
};

static const char *const fault_values[] = {
	"N", "N", "N", "0", "0", "0", "0", "0",
};

static char fault_saved[ARRAY_SIZE(fault_attrs)][16];
static bool fault_changed[ARRAY_SIZE(fault_attrs)];
static bool have_fault_injection;
static bool have_fail_page_alloc;
static bool have_fail_iommufd;

static void __attribute__((constructor)) setup_fault_injection(void)
{
	char path[PATH_MAX];
	unsigned int i;

	if (access(FAIL_NTH, F_OK))
		return;
	for (i = 0; i < ARRAY_SIZE(fault_attrs); i++) {
		snprintf(path, sizeof(path), DEBUGFS "/%s", fault_attrs[i]);
		if (read_file(path, fault_saved[i], sizeof(fault_saved[i])))
			continue;
		if (!write_file(path, fault_values[i]))
			fault_changed[i] = true;
	}
	/*
	 * Without failslab, fail-nth would miss most points; without
	 * fail_page_alloc, only the allocations of whole pages.
	 */
	have_fault_injection = fault_changed[0];
	have_fail_page_alloc = fault_changed[1] && fault_changed[3];
	have_fail_iommufd = fault_changed[7];
}

static void __attribute__((destructor)) restore_fault_injection(void)
{
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fault_attrs); i++) {
		if (!fault_changed[i])
			continue;
		snprintf(path, sizeof(path), DEBUGFS "/%s", fault_attrs[i]);
		write_file(path, fault_saved[i]);
	}
}

/* A value of a "key value" line of @buf, or of a flattened one, or -1 */
static long long key_value(const char *buf, const char *key)
{
	size_t len = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (!strncmp(p, key, len) && p[len] == ' ')
			return atoll(p + len + 1);
		p = strpbrk(p, "\n,");
		if (p)
			p++;
	}
	return -1;
}

/* VmLck or VmPin of /proc/self/status, in @status, in kB, or -1 */
static long vm_status(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? atol(p + strlen(key)) : -1;
}

/* fail-nth of the test's thread: fail its nth fault point from now on */
struct fail_nth {
	int fd;
	unsigned int nth;
};

static int fail_nth_arm(struct fail_nth *f)
{
	char buf[16];
	int len;

	len = snprintf(buf, sizeof(buf), "%u", f->nth);
	return pwrite(f->fd, buf, len, 0) == len ? 0 : -1;
}

/*
 * Stop the injection; returns 1 if the nth point failed since
 * fail_nth_arm(), 0 if the operation did not reach it, -1 on error.  The
 * read and the write of fail-nth copy from and to user memory, which are
 * fault points themselves: a read that fails with EFAULT was the nth.
 */
static int fail_nth_disarm(struct fail_nth *f)
{
	char buf[16] = "";
	ssize_t n;
	int injected, tries;

	n = pread(f->fd, buf, sizeof(buf) - 1, 0);
	if (n < 0 && errno == EFAULT)
		injected = 0;
	else if (n > 0)
		injected = buf[0] == '0' && buf[1] == '\n';
	else
		return -1;
	for (tries = 0; tries < 3; tries++) {
		if (pwrite(f->fd, "0", 1, 0) == 1)
			return injected;
		if (errno != EFAULT)
			break;
	}
	return -1;
}

/* What every attempt must leave as it found it */
struct counters {
	char current[32];
	char pinned[32];
	char stat[256];
	char events[64];
	char root_current[32];
	char root_stat[256];
	long long nr_descendants;
	long vm_locked;
	long vm_pinned;
	/* The IOASID that an allocation would get, or -errno */
	long long lowest_id;
};

/* The state of a test */
struct ctx {
	char root[CG_PATH_MAX];
	/* The test cgroup, and the leaf in it where the test runs */
	char cg[CG_PATH_MAX + 32];
	char leaf[CG_PATH_MAX + 64];
	/* A cgroup the cgroup test creates and removes */
	char child[CG_PATH_MAX + 64];
	/* A file of /dev/ioasid to find the lowest free IOASID, or -1 */
	int probe_fd;
	struct fail_nth nth;
	struct counters base;
	bool edu;
	/* The state of an operation */
	int fd;
	__u32 id;
	/* An iommufd context, without devices, to bind the file to */
	int iommufd;
	/* Its IOAS, and a mock device with PASIDs bound to it */
	__u32 ioas_id;
	struct mock_dev mock;
	/* Which limit the limit tests write */
	bool pinned_limit;
	struct type1 t;
	/* The edu device's VFIO device file, from its group */
	int dev;
	struct iommufd f;
	char *buf;
	size_t len;
};

FIXTURE(fail_nth)
{
	struct ctx c;
};

/* A file's lines on one line, for messages */
static void flatten(char *s)
{
	size_t len = strlen(s);

	if (len && s[len - 1] == '\n')
		s[--len] = '\0';
	for (; *s; s++)
		if (*s == '\n')
			*s = ',';
}

static void snapshot(struct __test_metadata *_metadata,
		     struct ctx *self, struct counters *c)
{
	char stat[256], status[4096];
	long id;

	memset(c, 0, sizeof(*c));
	ASSERT_EQ(0, cg_read_file(self->cg, "ioasids.current", c->current,
				  sizeof(c->current)));
	ASSERT_EQ(0, cg_read_file(self->cg, "ioasids.pinned.current",
				  c->pinned, sizeof(c->pinned)));
	ASSERT_EQ(0, cg_read_file(self->cg, "ioasids.stat", c->stat,
				  sizeof(c->stat)));
	ASSERT_EQ(0, cg_read_file(self->cg, "ioasids.events", c->events,
				  sizeof(c->events)));
	ASSERT_EQ(0, cg_read_file(self->root, "ioasids.current",
				  c->root_current, sizeof(c->root_current)));
	ASSERT_EQ(0, cg_read_file(self->root, "ioasids.stat", c->root_stat,
				  sizeof(c->root_stat)));
	ASSERT_EQ(0, cg_read_file(self->cg, "cgroup.stat", stat,
				  sizeof(stat)));
	c->nr_descendants = key_value(stat, "nr_descendants");
	flatten(c->current);
	flatten(c->pinned);
	flatten(c->stat);
	flatten(c->events);
	flatten(c->root_current);
	flatten(c->root_stat);
	ASSERT_EQ(0, read_file("/proc/self/status", status, sizeof(status)));
	c->vm_locked = vm_status(status, "VmLck:");
	c->vm_pinned = vm_status(status, "VmPin:");

	c->lowest_id = -ENODEV;
	if (self->probe_fd < 0)
		return;
	id = ioasid_alloc(self->probe_fd);
	c->lowest_id = id;
	if (id < 0)
		return;
	ASSERT_EQ(0, ioasid_free(self->probe_fd, id));
}

/* Whether @a and @b are the same, but for the number of cgroups */
static bool same_counters(const struct counters *a, const struct counters *b)
{
	return !strcmp(a->current, b->current) &&
	       !strcmp(a->pinned, b->pinned) && !strcmp(a->stat, b->stat) &&
	       !strcmp(a->events, b->events) &&
	       !strcmp(a->root_current, b->root_current) &&
	       !strcmp(a->root_stat, b->root_stat) &&
	       a->vm_locked == b->vm_locked && a->vm_pinned == b->vm_pinned &&
	       a->lowest_id == b->lowest_id;
}

/*
 * Compare the counters with @want; but the number of cgroups only if
 * @cgroups: the cgroup test checks it once it removed what it created.
 */
static void check_counters(struct __test_metadata *_metadata,
			   struct ctx *self,
			   const struct counters *want, const char *when,
			   bool cgroups)
{
	struct counters c;

	snapshot(_metadata, self, &c);
	ASSERT_STREQ(want->current, c.current)
		TH_LOG("%s, fault point %u: ioasids.current", when,
		       self->nth.nth);
	ASSERT_STREQ(want->pinned, c.pinned)
		TH_LOG("%s, fault point %u: ioasids.pinned.current", when,
		       self->nth.nth);
	ASSERT_STREQ(want->stat, c.stat)
		TH_LOG("%s, fault point %u: ioasids.stat", when,
		       self->nth.nth);
	ASSERT_STREQ(want->events, c.events)
		TH_LOG("%s, fault point %u: ioasids.events", when,
		       self->nth.nth);
	ASSERT_STREQ(want->root_current, c.root_current)
		TH_LOG("%s, fault point %u: the root's ioasids.current", when,
		       self->nth.nth);
	ASSERT_STREQ(want->root_stat, c.root_stat)
		TH_LOG("%s, fault point %u: the root's ioasids.stat", when,
		       self->nth.nth);
	if (cgroups)
		ASSERT_EQ(want->nr_descendants, c.nr_descendants)
			TH_LOG("%s, fault point %u: nr_descendants", when,
			       self->nth.nth);
	ASSERT_EQ(want->vm_locked, c.vm_locked)
		TH_LOG("%s, fault point %u: VmLck", when, self->nth.nth);
	ASSERT_EQ(want->vm_pinned, c.vm_pinned)
		TH_LOG("%s, fault point %u: VmPin", when, self->nth.nth);
	ASSERT_EQ(want->lowest_id, c.lowest_id)
		TH_LOG("%s, fault point %u: the lowest free IOASID", when,
		       self->nth.nth);
}

/* After a release, the uncharge may come a little later. */
static void wait_counters(struct __test_metadata *_metadata,
			  struct ctx *self,
			  const struct counters *want, const char *when)
{
	char cur[32];
	int i;

	for (i = 0; i < RELEASE_TIMEOUT_MS / 10; i++) {
		if (cg_read_file(self->cg, "ioasids.current", cur,
				 sizeof(cur)))
			break;
		flatten(cur);
		if (!strcmp(cur, want->current))
			break;
		usleep(10000);
	}
	check_counters(_metadata, self, want, when, true);
}

static void ctx_setup(struct __test_metadata *_metadata, struct ctx *self)
{
	const char *why;

	self->probe_fd = -1;
	self->nth.fd = -1;
	self->fd = -1;
	self->iommufd = -1;
	self->dev = -1;
	self->t.container = -1;
	self->t.group = -1;
	self->f.iommufd = -1;
	self->f.dev = -1;

	if (!have_fault_injection)
		SKIP(return, "no fault injection (fail-nth and failslab)");
	why = cg_setup_root(self->root, sizeof(self->root));
	if (why)
		SKIP(return, "%s", why);

	snprintf(self->cg, sizeof(self->cg), "%s/ioasid_fail_nth.%d",
		 self->root, getpid());
	snprintf(self->leaf, sizeof(self->leaf), "%s/leaf", self->cg);
	snprintf(self->child, sizeof(self->child), "%s/child", self->cg);
	ASSERT_EQ(0, mkdir(self->cg, 0755));
	ASSERT_EQ(0, cg_write_file(self->cg, "cgroup.subtree_control",
				   "+ioasids"));
	ASSERT_EQ(0, mkdir(self->leaf, 0755));
	ASSERT_EQ(0, cg_write_file(self->leaf, "cgroup.procs", "0"));

	self->probe_fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	self->nth.fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->nth.fd);
	if (!have_fail_page_alloc)
		ksft_print_msg("no fail_page_alloc: page allocations never fail\n");
	snapshot(_metadata, self, &self->base);
}

static void ctx_teardown(struct __test_metadata *_metadata,
			 struct ctx *self)
{
	if (self->nth.fd >= 0)
		close(self->nth.fd);
	close_fd(&self->fd);
	close_fd(&self->iommufd);
	close_fd(&self->probe_fd);
	close_fd(&self->dev);
	type1_close(&self->t);
	iommufd_close(&self->f);
	buf_free(self->buf, self->len);
	if (self->edu) {
		unsafe_irqs_restore();
		edu_restore();
	}
	if (!self->cg[0])
		return;
	cg_write_file(self->root, "cgroup.procs", "0");
	rmdir(self->child);
	rmdir(self->leaf);
	rmdir(self->cg);
}

FIXTURE_SETUP(fail_nth)
{
	ctx_setup(_metadata, &self->c);
}

FIXTURE_TEARDOWN(fail_nth)
{
	ctx_teardown(_metadata, &self->c);
}

/*
 * One path: prepare() sets up what the operation needs, without fault
 * injection; run() is the operation, which returns 0 or -errno and makes
 * nothing but the system calls of the operation; failed() and done() check
 * the state after run() failed or succeeded; cleanup() undoes
 * prepare() and a successful run().
 */
struct fail_path {
	void (*prepare)(struct __test_metadata *_metadata,
			struct ctx *self);
	int (*run)(struct ctx *self);
	void (*failed)(struct __test_metadata *_metadata,
		       struct ctx *self, int ret);
	void (*done)(struct __test_metadata *_metadata,
		     struct ctx *self,
		     const struct counters *before);
	void (*cleanup)(struct __test_metadata *_metadata,
			struct ctx *self);
	/*
	 * The operation writes its result back once it completed: when that
	 * copy fails, it returns EFAULT, and stays completed.
	 */
	bool replies;
	/*
	 * The path runs through iommufd, where CONFIG_IOMMUFD_TEST (which
	 * the test kernels enable for the mock IOMMUs of
	 * CONFIG_IOASID_MOCK_IOMMU) adds fault points of its own,
	 * fail_iommufd, which fail with ENOENT or EINVAL as well.
	 */
	bool iommufd;
};

/* Every error an operation of @path may fail with at a fault point */
static bool injected_error(const struct fail_path *path, int ret)
{
	if (path->iommufd && have_fail_iommufd &&
	    (ret == -ENOENT || ret == -EINVAL))
		return true;
	return ret == -ENOMEM || ret == -EFAULT || ret == -ENOSPC ||
	       ret == -EAGAIN || ret == -EINTR;
}

/*
 * Fail each fault point of @path in turn; returns the number of fault
 * points it has.  A path none of whose fault points made the operation
 * fail fails the test: it tested nothing (the operation does not reach
 * the fault injection, or absorbs every failure).
 */
static unsigned int sweep(struct __test_metadata *_metadata,
			  struct ctx *self,
			  const struct fail_path *path, const char *name)
{
	struct counters before, after;
	unsigned int nr_replies = 0, nr_errors = 0;
	struct timespec t0, t1;
	int ret, injected;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (self->nth.nth = 1; ; self->nth.nth++) {
		ASSERT_GT(MAX_FAULT_POINTS, self->nth.nth);
		if (path->prepare)
			path->prepare(_metadata, self);
		snapshot(_metadata, self, &before);

		ASSERT_EQ(0, fail_nth_arm(&self->nth));
		ret = path->run(self);
		injected = fail_nth_disarm(&self->nth);
		ASSERT_LE(0, injected);

		if (!injected) {
			/* The operation ran past its last fault point. */
			ASSERT_EQ(0, ret)
				TH_LOG("%s without fault injection: %s", name,
				       strerror(-ret));
			path->done(_metadata, self, &before);
		} else if (ret) {
			nr_errors++;
			EXPECT_TRUE(injected_error(path, ret))
				TH_LOG("%s, fault point %u: %s", name,
				       self->nth.nth, strerror(-ret));
			snapshot(_metadata, self, &after);
			if (ret == -EFAULT && path->replies &&
			    !same_counters(&before, &after)) {
				/* Only the reply failed. */
				nr_replies++;
				path->done(_metadata, self, &before);
			} else {
				check_counters(_metadata, self, &before,
					       "after the failed operation",
					       false);
				if (path->failed)
					path->failed(_metadata, self, ret);
			}
		} else {
			/* The failure was absorbed, e.g. by a fallback. */
			path->done(_metadata, self, &before);
		}
		path->cleanup(_metadata, self);
		wait_counters(_metadata, self, &self->base, "after cleanup");
		if (!injected)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ksft_print_msg("%s: %u fault points, %u of them failed the operation, swept in %.1f s\n",
		       name, self->nth.nth - 1, nr_errors,
		       t1.tv_sec - t0.tv_sec +
		       (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (nr_replies)
		ksft_print_msg("%s: %u of them failed only the reply (EFAULT)\n",
			       name, nr_replies);
	fflush(stdout);
	ASSERT_LT(0, nr_errors)
		TH_LOG("%s: no fault point made the operation fail", name);
	return self->nth.nth - 1;
}

/* Sweep @path with a file of /dev/ioasid, or skip the test without one. */
static void sweep_ioasid(struct __test_metadata *_metadata, struct ctx *self,
			 const struct fail_path *path, const char *name)
{
	if (self->probe_fd < 0)
		SKIP(return, "cannot open " IOASID_DEV);
	sweep(_metadata, self, path, name);
}

static void open_file(struct __test_metadata *_metadata,
		      struct ctx *self)
{
	self->fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

static void close_file(struct __test_metadata *_metadata,
		       struct ctx *self)
{
	close_fd(&self->fd);
}

/* The set's usage and quota, as IOASID_GET_INFO reports them */
static void check_set(struct __test_metadata *_metadata,
		      struct ctx *self, __u32 usage, __u32 quota)
{
	struct ioasid_get_info info;

	ASSERT_EQ(0, ioasid_get_info(self->fd, &info));
	EXPECT_EQ(usage, info.usage)
		TH_LOG("fault point %u: usage", self->nth.nth);
	EXPECT_EQ(quota, info.quota)
		TH_LOG("fault point %u: quota", self->nth.nth);
}

/* ioasids.current of @c, plus @delta */
static long long current_plus(const struct counters *c, long long delta)
{
	return atoll(c->current) + delta;
}

static long long cg_value(struct __test_metadata *_metadata,
			  const char *cg, const char *file)
{
	char buf[32];

	ASSERT_EQ(0, cg_read_file(cg, file, buf, sizeof(buf)));
	return atoll(buf);
}

/* Opening /dev/ioasid */

static int open_run(struct ctx *self)
{
	self->fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	return self->fd < 0 ? -errno : 0;
}

static void open_done(struct __test_metadata *_metadata,
		      struct ctx *self,
		      const struct counters *before)
{
	long id;

	check_set(_metadata, self, 0, IOASID_QUOTA_UNLIMITED);
	/* The new set works, and charges the test cgroup. */
	id = ioasid_alloc(self->fd);
	ASSERT_LE(0, id);
	EXPECT_EQ(current_plus(before, 1),
		  cg_value(_metadata, self->cg, "ioasids.current"));
	EXPECT_EQ(0, ioasid_free(self->fd, id));
}

static const struct fail_path open_path = {
	.run = open_run,
	.done = open_done,
	.cleanup = close_file,
};

TEST_F_TIMEOUT(fail_nth, open, 600)
{
	sweep_ioasid(_metadata, &self->c, &open_path, "open " IOASID_DEV);
}

/* IOASID_ALLOC */

static int alloc_run(struct ctx *self)
{
	long id = ioasid_alloc(self->fd);

	if (id < 0)
		return id;
	self->id = id;
	return 0;
}

static void alloc_failed(struct __test_metadata *_metadata,
			 struct ctx *self, int ret)
{
	check_set(_metadata, self, 0, IOASID_QUOTA_UNLIMITED);
}

static void alloc_done(struct __test_metadata *_metadata,
		       struct ctx *self,
		       const struct counters *before)
{
	check_set(_metadata, self, 1, IOASID_QUOTA_UNLIMITED);
	EXPECT_EQ(before->lowest_id, self->id);
	EXPECT_EQ(current_plus(before, 1),
		  cg_value(_metadata, self->cg, "ioasids.current"));
	EXPECT_EQ(0, ioasid_free(self->fd, self->id));
	check_set(_metadata, self, 0, IOASID_QUOTA_UNLIMITED);
}

static const struct fail_path alloc_path = {
	.prepare = open_file,
	.run = alloc_run,
	.failed = alloc_failed,
	.done = alloc_done,
	.cleanup = close_file,
};

TEST_F_TIMEOUT(fail_nth, alloc, 600)
{
	sweep_ioasid(_metadata, &self->c, &alloc_path, "IOASID_ALLOC");
}

/* IOASID_SET_QUOTA */

static int quota_run(struct ctx *self)
{
	return ioasid_set_quota(self->fd, 7);
}

static void quota_done(struct __test_metadata *_metadata,
		       struct ctx *self,
		       const struct counters *before)
{
	check_set(_metadata, self, 0, 7);
}

static const struct fail_path set_quota_path = {
	.prepare = open_file,
	.run = quota_run,
	.failed = alloc_failed,
	.done = quota_done,
	.cleanup = close_file,
};

TEST_F_TIMEOUT(fail_nth, set_quota, 600)
{
	sweep_ioasid(_metadata, &self->c, &set_quota_path,
		     "IOASID_SET_QUOTA");
}

/*
 * IOASID_BIND_IOMMUFD of a file that holds an IOASID: a failed bind leaves
 * the context free to bind, and the context's release frees the file.
 */

static void bind_prepare(struct __test_metadata *_metadata,
			 struct ctx *self)
{
	open_file(_metadata, self);
	ASSERT_EQ(0, alloc_run(self));
	self->iommufd = open(IOMMUFD_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->iommufd)
		TH_LOG("%s: %s", IOMMUFD_DEV, strerror(errno));
}

static int bind_run(struct ctx *self)
{
	return ioasid_bind_iommufd(self->fd, self->iommufd);
}

static void bind_failed(struct __test_metadata *_metadata,
			struct ctx *self, int ret)
{
	check_set(_metadata, self, 1, IOASID_QUOTA_UNLIMITED);
	/* Half a binding would make this fail with EBUSY. */
	EXPECT_EQ(0, ioasid_bind_iommufd(self->fd, self->iommufd));
}

static void bind_done(struct __test_metadata *_metadata,
		      struct ctx *self,
		      const struct counters *before)
{
	check_set(_metadata, self, 1, IOASID_QUOTA_UNLIMITED);
	EXPECT_EQ(-EBUSY, ioasid_bind_iommufd(self->fd, self->iommufd));
}

/*
 * The file first: a bound context holds it, so its IOASID is freed only
 * when the context goes, which wait_counters() then checks.
 */
static void bind_cleanup(struct __test_metadata *_metadata,
			 struct ctx *self)
{
	close_fd(&self->fd);
	close_fd(&self->iommufd);
}

static const struct fail_path bind_iommufd_path = {
	.prepare = bind_prepare,
	.run = bind_run,
	.failed = bind_failed,
	.done = bind_done,
	.cleanup = bind_cleanup,
};

TEST_F_TIMEOUT(fail_nth, bind_iommufd, 600)
{
	if (access(IOMMUFD_DEV, F_OK))
		SKIP(return, "%s: %s", IOMMUFD_DEV, strerror(errno));
	sweep_ioasid(_metadata, &self->c, &bind_iommufd_path,
		     "IOASID_BIND_IOMMUFD");
}

/*
 * The PASID attach of a mock device with PASIDs (CONFIG_IOMMUFD_TEST), as
 * VFIO's cdev does it: the first attach of an iommufd context creates its
 * IOASID set and allocates the PASID there; bound to a file, the context
 * takes the file's IOASID, or allocates a new one in the file.  A failed
 * attach leaves the PASID unattached and nothing charged.
 */

#define ATTACH_PASID	0x9000U

static void attach_prepare(struct __test_metadata *_metadata,
			   struct ctx *self)
{
	ASSERT_EQ(0, iommufd_ctx_open(&self->iommufd, &self->ioas_id));
	ASSERT_EQ(0, mock_dev_add(self->iommufd, self->ioas_id, true,
				  &self->mock));
	self->id = ATTACH_PASID;
}

static int attach_run(struct ctx *self)
{
	return mock_pasid_attach(self->iommufd, &self->mock, self->id,
				 self->ioas_id, NULL);
}

/*
 * 0 if the PASID is attached to a page table, -ENOENT if it is not: the
 * check for "no page table" fails with EINVAL when there is one.
 */
static int attach_check(struct ctx *self)
{
	int ret = mock_pasid_check(self->iommufd, &self->mock, self->id, 0);

	if (!ret)
		return -ENOENT;
	return ret == -EINVAL ? 0 : ret;
}

static void attach_failed(struct __test_metadata *_metadata,
			  struct ctx *self, int ret)
{
	EXPECT_EQ(-ENOENT, attach_check(self))
		TH_LOG("fault point %u: the PASID is attached",
		       self->nth.nth);
	/* The PASID is free, and held by no one: it attaches again. */
	EXPECT_EQ(0, attach_run(self));
}

static void attach_done(struct __test_metadata *_metadata,
			struct ctx *self, const struct counters *before)
{
	EXPECT_EQ(0, attach_check(self));
	EXPECT_EQ(current_plus(before, 1),
		  cg_value(_metadata, self->cg, "ioasids.current"));
}

/* Closing the context detaches and frees everything, file included. */
static void attach_cleanup(struct __test_metadata *_metadata,
			   struct ctx *self)
{
	close_fd(&self->fd);
	close_fd(&self->iommufd);
}

static const struct fail_path attach_path = {
	.prepare = attach_prepare,
	.run = attach_run,
	.failed = attach_failed,
	.done = attach_done,
	.cleanup = attach_cleanup,
	.iommufd = true,
};

/* Skip without a mock device with PASIDs, else sweep @path. */
static void sweep_attach(struct __test_metadata *_metadata, struct ctx *self,
			 const struct fail_path *path, const char *name)
{
	int ret;

	ret = iommufd_ctx_open(&self->iommufd, &self->ioas_id);
	if (ret)
		SKIP(return, "%s: %s", IOMMUFD_DEV, strerror(-ret));
	ret = mock_dev_add(self->iommufd, self->ioas_id, true, &self->mock);
	close_fd(&self->iommufd);
	if (ret)
		SKIP(return, "no mock device with PASIDs: %s", strerror(-ret));
	wait_counters(_metadata, self, &self->base, "after the probe");
	sweep(_metadata, self, path, name);
}

TEST_F_TIMEOUT(fail_nth, pasid_attach, 900)
{
	sweep_attach(_metadata, &self->c, &attach_path, "PASID attach");
}

/* The same, the context bound to a file that holds the PASID already */

static void attach_file_prepare(struct __test_metadata *_metadata,
				struct ctx *self)
{
	long id;

	attach_prepare(_metadata, self);
	open_file(_metadata, self);
	id = ioasid_alloc(self->fd);
	ASSERT_LE(0, id);
	self->id = id;
	ASSERT_EQ(0, ioasid_bind_iommufd(self->fd, self->iommufd));
}

static void attach_file_failed(struct __test_metadata *_metadata,
			       struct ctx *self, int ret)
{
	EXPECT_EQ(-ENOENT, attach_check(self));
	check_set(_metadata, self, 1, IOASID_QUOTA_UNLIMITED);
	/* Not pinned by the failed attach: the file may free it. */
	EXPECT_EQ(0, ioasid_free(self->fd, self->id));
}

static void attach_file_done(struct __test_metadata *_metadata,
			     struct ctx *self, const struct counters *before)
{
	EXPECT_EQ(0, attach_check(self));
	EXPECT_EQ(current_plus(before, 0),
		  cg_value(_metadata, self->cg, "ioasids.current"));
	EXPECT_EQ(-EBUSY, ioasid_free(self->fd, self->id));
}

static const struct fail_path attach_file_path = {
	.prepare = attach_file_prepare,
	.run = attach_run,
	.failed = attach_file_failed,
	.done = attach_file_done,
	.cleanup = attach_cleanup,
	.iommufd = true,
};

TEST_F_TIMEOUT(fail_nth, pasid_attach_file, 900)
{
	if (self->c.probe_fd < 0)
		SKIP(return, "cannot open " IOASID_DEV);
	sweep_attach(_metadata, &self->c, &attach_file_path,
		     "PASID attach of a file's IOASID");
}

/* The same, the attach allocating a new IOASID into the bound file */

static void attach_new_prepare(struct __test_metadata *_metadata,
			       struct ctx *self)
{
	attach_prepare(_metadata, self);
	open_file(_metadata, self);
	ASSERT_EQ(0, ioasid_bind_iommufd(self->fd, self->iommufd));
}

static void attach_new_failed(struct __test_metadata *_metadata,
			      struct ctx *self, int ret)
{
	EXPECT_EQ(-ENOENT, attach_check(self));
	check_set(_metadata, self, 0, IOASID_QUOTA_UNLIMITED);
}

static void attach_new_done(struct __test_metadata *_metadata,
			    struct ctx *self, const struct counters *before)
{
	EXPECT_EQ(0, attach_check(self));
	check_set(_metadata, self, 1, IOASID_QUOTA_UNLIMITED);
	EXPECT_EQ(current_plus(before, 1),
		  cg_value(_metadata, self->cg, "ioasids.current"));
	EXPECT_EQ(-EBUSY, ioasid_free(self->fd, self->id));
}

static const struct fail_path attach_new_path = {
	.prepare = attach_new_prepare,
	.run = attach_run,
	.failed = attach_new_failed,
	.done = attach_new_done,
	.cleanup = attach_cleanup,
	.iommufd = true,
};

TEST_F_TIMEOUT(fail_nth, pasid_attach_file_new, 900)
{
	if (self->c.probe_fd < 0)
		SKIP(return, "cannot open " IOASID_DEV);
	sweep_attach(_metadata, &self->c, &attach_new_path,
		     "PASID attach allocating into a file");
}

/* IOASID_FREE */

static void free_prepare(struct __test_metadata *_metadata,
			 struct ctx *self)
{
	open_file(_metadata, self);
	ASSERT_EQ(0, alloc_run(self));
}

static int free_run(struct ctx *self)
{
	return ioasid_free(self->fd, self->id);
}

static void free_failed(struct __test_metadata *_metadata,
			struct ctx *self, int ret)
{
	check_set(_metadata, self, 1, IOASID_QUOTA_UNLIMITED);
}

static void free_done(struct __test_metadata *_metadata,
		      struct ctx *self,
		      const struct counters *before)
{
	check_set(_metadata, self, 0, IOASID_QUOTA_UNLIMITED);
	EXPECT_EQ(current_plus(before, -1),
		  cg_value(_metadata, self->cg, "ioasids.current"));
}

static void free_cleanup(struct __test_metadata *_metadata,
			 struct ctx *self)
{
	int ret = ioasid_free(self->fd, self->id);

	EXPECT_TRUE(ret == 0 || ret == -ENOENT);
	check_set(_metadata, self, 0, IOASID_QUOTA_UNLIMITED);
	close_fd(&self->fd);
}

static const struct fail_path free_path = {
	.prepare = free_prepare,
	.run = free_run,
	.failed = free_failed,
	.done = free_done,
	.cleanup = free_cleanup,
};

TEST_F_TIMEOUT(fail_nth, free, 600)
{
	sweep_ioasid(_metadata, &self->c, &free_path, "IOASID_FREE");
}

/* Wait for the cgroups removed to be freed: no reference leaked. */
static void wait_dying(struct __test_metadata *_metadata, struct ctx *self)
{
	long long dying = -1;
	char stat[256];
	int i;

	for (i = 0; i < 500; i++) {
		ASSERT_EQ(0, cg_read_file(self->cg, "cgroup.stat", stat,
					  sizeof(stat)));
		dying = key_value(stat, "nr_dying_descendants");
		if (!dying)
			break;
		usleep(20000);
	}
	EXPECT_EQ(0, dying);
}

/* Creating a cgroup: the controller's state for it is allocated. */

static int mkdir_run(struct ctx *self)
{
	return mkdir(self->child, 0755) ? -errno : 0;
}

static void mkdir_failed(struct __test_metadata *_metadata,
			 struct ctx *self, int ret)
{
	/* A failed mkdir leaves no directory behind. */
	EXPECT_NE(0, access(self->child, F_OK));
}

static void mkdir_done(struct __test_metadata *_metadata, struct ctx *self,
		       const struct counters *before)
{
	char buf[256];

	ASSERT_EQ(0, cg_read_file(self->child, "ioasids.max", buf,
				  sizeof(buf)));
	EXPECT_STREQ("max\n", buf);
	EXPECT_EQ(0, cg_value(_metadata, self->child, "ioasids.current"));
	ASSERT_EQ(0, cg_read_file(self->child, "ioasids.events", buf,
				  sizeof(buf)));
	EXPECT_STREQ("max 0\npinned.max 0\n", buf);
}

static void mkdir_cleanup(struct __test_metadata *_metadata,
			  struct ctx *self)
{
	if (!access(self->child, F_OK))
		ASSERT_EQ(0, rmdir(self->child));
}

static void test_cgroup_mkdir(struct __test_metadata *_metadata,
			      struct ctx *self)
{
	const struct fail_path path = {
		.run = mkdir_run,
		.failed = mkdir_failed,
		.done = mkdir_done,
		.cleanup = mkdir_cleanup,
	};

	sweep(_metadata, self, &path, "mkdir of a cgroup");
	wait_dying(_metadata, self);
}

TEST_F_TIMEOUT(fail_nth, cgroup_mkdir, 900)
{
	test_cgroup_mkdir(_metadata, &self->c);
}

/*
 * Opening /dev/ioasid and allocating in a new cgroup: the set takes a
 * reference on the cgroup, and its first IOASID is the cgroup's first
 * charge.
 */

static int new_cgroup_run(struct ctx *self)
{
	self->fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	if (self->fd < 0)
		return -errno;
	return alloc_run(self);
}

static void new_cgroup_failed(struct __test_metadata *_metadata,
			      struct ctx *self, int ret)
{
	if (self->fd >= 0)
		check_set(_metadata, self, 0, IOASID_QUOTA_UNLIMITED);
	EXPECT_EQ(0, cg_value(_metadata, self->child, "ioasids.current"));
}

static void new_cgroup_done(struct __test_metadata *_metadata,
			    struct ctx *self, const struct counters *before)
{
	char stat[256];

	check_set(_metadata, self, 1, IOASID_QUOTA_UNLIMITED);
	EXPECT_EQ(1, cg_value(_metadata, self->child, "ioasids.current"));
	ASSERT_EQ(0, cg_read_file(self->child, "ioasids.stat", stat,
				  sizeof(stat)));
	EXPECT_EQ(1, key_value(stat, "file"));
	EXPECT_EQ(current_plus(before, 1),
		  cg_value(_metadata, self->cg, "ioasids.current"));
}

static void test_cgroup_alloc(struct __test_metadata *_metadata,
			      struct ctx *self)
{
	const struct fail_path path = {
		.run = new_cgroup_run,
		.failed = new_cgroup_failed,
		.done = new_cgroup_done,
		.cleanup = close_file,
	};

	if (self->probe_fd < 0)
		SKIP(return, "cannot open " IOASID_DEV);
	ASSERT_EQ(0, mkdir(self->child, 0755));
	ASSERT_EQ(0, cg_write_file(self->child, "cgroup.procs", "0"));
	snapshot(_metadata, self, &self->base);
	sweep(_metadata, self, &path, "open and IOASID_ALLOC in a new cgroup");
	ASSERT_EQ(0, cg_write_file(self->leaf, "cgroup.procs", "0"));
	ASSERT_EQ(0, rmdir(self->child));
	wait_dying(_metadata, self);
}

TEST_F_TIMEOUT(fail_nth, cgroup_alloc, 900)
{
	test_cgroup_alloc(_metadata, &self->c);
}

/*
 * Writing a limit of the test cgroup: a failed write leaves the limit as
 * it was.  The limit is far above what the tests charge.
 */

static const char *limit_file(const struct ctx *self)
{
	return self->pinned_limit ? "ioasids.pinned.max" : "ioasids.max";
}

static int limit_run(struct ctx *self)
{
	return cg_write_file(self->cg, limit_file(self), "1048576");
}

static void limit_check(struct __test_metadata *_metadata, struct ctx *self,
			const char *want)
{
	char buf[64];

	ASSERT_EQ(0, cg_read_file(self->cg, limit_file(self), buf,
				  sizeof(buf)));
	EXPECT_STREQ(want, buf);
}

static void limit_failed(struct __test_metadata *_metadata, struct ctx *self,
			 int ret)
{
	limit_check(_metadata, self, "max\n");
}

static void limit_done(struct __test_metadata *_metadata, struct ctx *self,
		       const struct counters *before)
{
	limit_check(_metadata, self, "1048576\n");
}

static void limit_cleanup(struct __test_metadata *_metadata,
			  struct ctx *self)
{
	ASSERT_EQ(0, cg_write_file(self->cg, limit_file(self), "max"));
}

static void test_cgroup_limit(struct __test_metadata *_metadata,
			      struct ctx *self, bool pinned)
{
	const struct fail_path path = {
		.run = limit_run,
		.failed = limit_failed,
		.done = limit_done,
		.cleanup = limit_cleanup,
	};

	self->pinned_limit = pinned;
	sweep(_metadata, self, &path, pinned ? "write of ioasids.pinned.max" :
					       "write of ioasids.max");
}

TEST_F_TIMEOUT(fail_nth, cgroup_max, 900)
{
	test_cgroup_limit(_metadata, &self->c, false);
}

TEST_F_TIMEOUT(fail_nth, cgroup_pinned_max, 900)
{
	test_cgroup_limit(_metadata, &self->c, true);
}

/* VFIO: the edu device bound to vfio-pci, a populated buffer */

/* Set the edu device up for VFIO; false if the test is skipped without it */
static bool edu_prepare(struct __test_metadata *_metadata, struct ctx *self)
{
	if (edu_find())
		SKIP(return false, "no edu device (PCI 1234:11e8)");
	if (access(VFIO_CONTAINER, F_OK) || access(VFIO_PCI_DRIVER, F_OK))
		SKIP(return false, "no VFIO container or vfio-pci");
	self->edu = true;
	ASSERT_EQ(0, edu_setup());
	unsafe_irqs_probe();
	self->len = PIN_PAGES * sysconf(_SC_PAGESIZE);
	self->buf = buf_alloc(self->len);
	ASSERT_NE(NULL, self->buf);
	return true;
}

/*
 * Sweep @path of a type1 container with the edu device's group, and the
 * device open: when iommufd serves the container, only an open device
 * attaches the IOMMU domain that memory is pinned for.
 */
static void sweep_type1(struct __test_metadata *_metadata, struct ctx *self,
			const struct fail_path *path, const char *name)
{
	if (!edu_prepare(_metadata, self))
		return;
	ASSERT_EQ(0, type1_open(&self->t));
	self->dev = ioctl(self->t.group, VFIO_GROUP_GET_DEVICE_FD, edu_bdf);
	ASSERT_LE(0, self->dev) TH_LOG("VFIO_GROUP_GET_DEVICE_FD: %s",
				       strerror(errno));
	snapshot(_metadata, self, &self->base);
	sweep(_metadata, self, path, name);
	close_fd(&self->dev);
	type1_close(&self->t);
}

/* Sweep @path of an IOAS the edu device is attached to, with iommufd */
static void sweep_iommufd(struct __test_metadata *_metadata, struct ctx *self,
			  const struct fail_path *path, const char *name)
{
	if (!edu_prepare(_metadata, self))
		return;
	if (!edu_cdev_path[0])
		SKIP(return, "no VFIO device file (VFIO_DEVICE_CDEV)");
	ASSERT_EQ(0, iommufd_open(&self->f));
	snapshot(_metadata, self, &self->base);
	sweep(_metadata, self, path, name);
	iommufd_close(&self->f);
}

/* VFIO_IOMMU_MAP_DMA on a VFIO container */

static int type1_run(struct ctx *self)
{
	return type1_map(self->t.container, TEST_IOVA, self->buf, self->len);
}

static void type1_failed(struct __test_metadata *_metadata,
			 struct ctx *self, int ret)
{
	/* Nothing is left mapped. */
	EXPECT_EQ(0, type1_unmap(self->t.container, TEST_IOVA, self->len));
}

static void pinned_done(struct __test_metadata *_metadata,
			struct ctx *self,
			const struct counters *before)
{
	EXPECT_EQ(atoll(before->pinned) + (long long)self->len,
		  cg_value(_metadata, self->cg, "ioasids.pinned.current"));
}

static void type1_cleanup(struct __test_metadata *_metadata,
			  struct ctx *self)
{
	long long ret = type1_unmap(self->t.container, TEST_IOVA, self->len);

	EXPECT_TRUE(ret == 0 || ret == (long long)self->len);
}

static const struct fail_path type1_map_path = {
	.run = type1_run,
	.failed = type1_failed,
	.done = pinned_done,
	.cleanup = type1_cleanup,
};

TEST_F_TIMEOUT(fail_nth, type1_map_dma, 900)
{
	sweep_type1(_metadata, &self->c, &type1_map_path,
		    "VFIO_IOMMU_MAP_DMA");
}

/* VFIO_IOMMU_UNMAP_DMA: a failed unmap leaves the mapping and its charge */

static void type1_unmap_prepare(struct __test_metadata *_metadata,
				struct ctx *self)
{
	ASSERT_EQ(0, type1_run(self));
}

static int type1_unmap_run(struct ctx *self)
{
	long long ret = type1_unmap(self->t.container, TEST_IOVA, self->len);

	if (ret < 0)
		return ret;
	return ret == (long long)self->len ? 0 : -EIO;
}

static void unpinned_done(struct __test_metadata *_metadata,
			  struct ctx *self, const struct counters *before)
{
	EXPECT_EQ(atoll(before->pinned) - (long long)self->len,
		  cg_value(_metadata, self->cg, "ioasids.pinned.current"));
}

static const struct fail_path type1_unmap_path = {
	.prepare = type1_unmap_prepare,
	.run = type1_unmap_run,
	.done = unpinned_done,
	.cleanup = type1_cleanup,
	.replies = true,
};

TEST_F_TIMEOUT(fail_nth, type1_unmap_dma, 900)
{
	sweep_type1(_metadata, &self->c, &type1_unmap_path,
		    "VFIO_IOMMU_UNMAP_DMA");
}

/* IOMMU_IOAS_MAP on an IOAS the edu device is attached to */

static int iommufd_run(struct ctx *self)
{
	return iommufd_map(&self->f, TEST_IOVA, self->buf, self->len);
}

static void iommufd_failed(struct __test_metadata *_metadata,
			   struct ctx *self, int ret)
{
	EXPECT_EQ(-ENOENT, iommufd_unmap(&self->f, TEST_IOVA, self->len));
}

static void iommufd_cleanup(struct __test_metadata *_metadata,
			    struct ctx *self)
{
	long long ret = iommufd_unmap(&self->f, TEST_IOVA, self->len);

	EXPECT_TRUE(ret == -ENOENT || ret == (long long)self->len);
}

static const struct fail_path iommufd_map_path = {
	.run = iommufd_run,
	.failed = iommufd_failed,
	.done = pinned_done,
	.cleanup = iommufd_cleanup,
	.replies = true,
	.iommufd = true,
};

TEST_F_TIMEOUT(fail_nth, iommufd_ioas_map, 900)
{
	sweep_iommufd(_metadata, &self->c, &iommufd_map_path,
		      "IOMMU_IOAS_MAP");
}

/* IOMMU_IOAS_UNMAP: a failed unmap leaves the mapping and its charge */

static void iommufd_unmap_prepare(struct __test_metadata *_metadata,
				  struct ctx *self)
{
	ASSERT_EQ(0, iommufd_run(self));
}

static int iommufd_unmap_run(struct ctx *self)
{
	long long ret = iommufd_unmap(&self->f, TEST_IOVA, self->len);

	if (ret < 0)
		return ret;
	return ret == (long long)self->len ? 0 : -EIO;
}

static const struct fail_path iommufd_unmap_path = {
	.prepare = iommufd_unmap_prepare,
	.run = iommufd_unmap_run,
	.done = unpinned_done,
	.cleanup = iommufd_cleanup,
	.replies = true,
	.iommufd = true,
};

TEST_F_TIMEOUT(fail_nth, iommufd_ioas_unmap, 900)
{
	sweep_iommufd(_metadata, &self->c, &iommufd_unmap_path,
		      "IOMMU_IOAS_UNMAP");
}

TEST_HARNESS_MAIN
