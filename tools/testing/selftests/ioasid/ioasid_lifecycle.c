// SPDX-License-Identifier: GPL-2.0
/*
 * Lifecycle tests of /dev/ioasid and of the ioasids cgroup controller: what
 * happens to the IOASIDs and the pinned memory charged to a cgroup when the
 * process that holds them is killed in the middle of its work, when its
 * file is closed under a running ioctl, when its cgroup is removed or its
 * controller disabled while they are charged, and when it forks.
 *
 * Documentation/admin-guide/cgroup-v2-ioasids.rst, "Ownership of the
 * charges", says what must happen: a file's IOASIDs are charged to the
 * cgroup that opened it, whoever allocates through it and wherever they
 * move, until they are freed or the last reference to the file is closed;
 * a removed cgroup keeps its charges, counted in its ancestors, and its
 * last limit, until then.
 *
 * Each test runs in cgroups of its own, and checks at the end that every
 * counter, of its cgroups and of the root, is back where it was.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <linux/ioasid.h>
#include <linux/limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "../cgroup/cgroup_util.h"
#include "../cgroup/ioasids_util.h"
#include "../cgroup/vfio_util.h"
#include "ioasid_util.h"

/* The IOASIDs the tests need, at most */
#define MIN_CAPACITY		64

/* How long to wait for an uncharge that happens on release */
#define RELEASE_TIMEOUT_MS	5000
/* How long to wait for a removed cgroup to be freed, under emulation */
#define FREE_TIMEOUT_MS		20000

/* The buffer a killed process maps for DMA */
#define MAP_LEN			MB(64)

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Memory shared with the children of a test */
static void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The value of @key in cgroup.stat of @cg, or -1 without it */
static long cgroup_stat(const char *cg, const char *key)
{
	return cg_read_key_long(cg, "cgroup.stat", key);
}

/*
 * Wait for the removed descendants of @cg to be freed: their count in
 * cgroup.stat, for the cgroup and for the ioasids controller, to fall to
 * @nr.  Returns 0, or -1 with a message.
 */
static int wait_dying(const char *cg, long nr)
{
	static const char *const keys[] = {
		"nr_dying_descendants ", "nr_dying_subsys_ioasids ",
	};
	long deadline = now_ms() + FREE_TIMEOUT_MS;
	unsigned int i;
	long val;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (cgroup_stat(cg, keys[i]) < 0)
			continue;
		while ((val = cgroup_stat(cg, keys[i])) != nr &&
		       now_ms() < deadline)
			usleep(50000);
		if (val != nr) {
			ksft_print_msg("%s/cgroup.stat: %s%ld, expected %ld\n",
				       cg, keys[i], val, nr);
			return -1;
		}
	}
	return 0;
}

/* test_cg_create(), which must work */
static char *new_cg(struct __test_metadata *_metadata, const char *parent,
		    const char *name, bool has_children)
{
	char *cg = test_cg_create(parent, name, has_children);

	ASSERT_NE(NULL, cg);
	return cg;
}

FIXTURE(lifecycle)
{
	char root[PATH_MAX];
	/* The test's cgroup, with ioasids enabled for its children */
	char *base;
	/* A cgroup to leave the others for */
	char *park;
	/* The root's ioasids.current and ioasids.pinned.current before */
	long root_current;
	long root_pinned;
	/* An edu device was set up for VFIO */
	bool edu;
};

FIXTURE_SETUP(lifecycle)
{
	const char *why;
	int ret;

	if (geteuid())
		SKIP(return, "needs root");
	if (access(IOASID_DEV, F_OK))
		SKIP(return, "%s: %s", IOASID_DEV, strerror(errno));
	ret = ioasids_test_setup(self->root, sizeof(self->root),
				 "ioasid_lifecycle", MIN_CAPACITY, &self->base,
				 &why);
	if (ret == KSFT_SKIP)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	self->park = new_cg(_metadata, self->base, "park", false);
	self->root_current = read_value(self->root, "ioasids.current");
	self->root_pinned = read_value(self->root, "ioasids.pinned.current");
	ASSERT_LE(0, self->root_current);
}

FIXTURE_TEARDOWN(lifecycle)
{
	if (self->edu) {
		unsafe_irqs_restore();
		edu_restore();
	}
	cg_enter_current(self->root);
	if (self->base)
		test_cg_remove_tree(self->base);
	free(self->park);
	free(self->base);
}

/* Every counter of @cg, and the root's, is back to 0 or where it was */
#define ASSERT_RELEASED(cg)						\
	do {								\
		const char *__cg = (cg);				\
									\
		ASSERT_EQ(0, wait_value(__cg, "ioasids.current", 0,	\
					RELEASE_TIMEOUT_MS));		\
		ASSERT_EQ(0, wait_value(__cg, "ioasids.pinned.current",	\
					0, RELEASE_TIMEOUT_MS));	\
		ASSERT_EQ(0, check_stat(__cg, 0, 0, 0, 0));		\
		ASSERT_EQ(0, wait_value(self->root, "ioasids.current",	\
					self->root_current,		\
					RELEASE_TIMEOUT_MS));		\
		ASSERT_EQ(0, wait_value(self->root,			\
					"ioasids.pinned.current",	\
					self->root_pinned,		\
					RELEASE_TIMEOUT_MS));		\
	} while (0)

/* What a killed child shares with its test */
struct progress {
	/* Operations done */
	long ops;
	/* Unexpected errors */
	long errors;
	/* For the VFIO child: mapping, how many maps ended, how long one took */
	int mapping;
	long maps;
	long map_ns;
};

/* Kill the child @pid with SIGKILL and reap it: a signal must end it */
static void kill_reap(struct __test_metadata *_metadata, pid_t pid)
{
	int status;

	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
}

/* An allocation loop of a killed child, on one file */
struct alloc_loop {
	struct progress *pr;
	int fd;
};

static void *alloc_loop(void *arg)
{
	struct alloc_loop *l = arg;
	__u32 ids[16];
	int nr = 0;
	long ret;

	for (;;) {
		ret = ioasid_alloc(l->fd);
		if (ret > 0)
			ids[nr++] = ret;
		else if (ret != -EBUSY)
			__atomic_add_fetch(&l->pr->errors, 1, __ATOMIC_RELAXED);
		if (nr == ARRAY_SIZE(ids) || (ret == -EBUSY && nr)) {
			nr--;
			if (ioasid_free(l->fd, ids[nr]))
				__atomic_add_fetch(&l->pr->errors, 1,
						   __ATOMIC_RELAXED);
		}
		__atomic_add_fetch(&l->pr->ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* In @cg: allocate and free through two files, from @nr_threads threads */
static void alloc_loop_child(const char *cg, struct progress *pr,
			     int nr_threads)
{
	struct alloc_loop loops[4];
	pthread_t tid;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (cg_enter_current(cg))
		_exit(1);
	loops[0].fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	loops[1].fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	if (loops[0].fd < 0 || loops[1].fd < 0)
		_exit(1);
	for (i = 0; i < nr_threads; i++) {
		loops[i].pr = pr;
		loops[i].fd = loops[i % 2].fd;
		if (i && pthread_create(&tid, NULL, alloc_loop, &loops[i]))
			_exit(1);
	}
	alloc_loop(&loops[0]);
}

/*
 * SIGKILL of a process in the middle of an allocation loop, with one
 * thread or several in ioctls of its two files: once it is reaped, its
 * IOASIDs are all freed and uncharged.
 */
TEST_F_TIMEOUT(lifecycle, kill_in_alloc_loop, 120)
{
	struct progress *pr;
	int i;
	char *cg;
	pid_t pid;

	cg = new_cg(_metadata, self->base, "k", false);
	ASSERT_EQ(0, cg_write(cg, "ioasids.max", "12"));
	pr = shared_alloc(sizeof(*pr));
	ASSERT_NE(NULL, pr);

	for (i = 0; i < 8; i++) {
		long deadline = now_ms() + 30000;

		memset(pr, 0, sizeof(*pr));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			alloc_loop_child(cg, pr, i % 2 ? 4 : 1);
			_exit(1);
		}

		/* Let it get going, then kill it at a random point */
		while (__atomic_load_n(&pr->ops, __ATOMIC_RELAXED) < 20 &&
		       now_ms() < deadline)
			usleep(1000);
		ASSERT_LE(20, pr->ops);
		usleep(random() % 20000);
		kill_reap(_metadata, pid);
		ASSERT_EQ(0, pr->errors);
		ASSERT_RELEASED(cg);
	}
	munmap(pr, sizeof(*pr));
	free(cg);
}

/* What a killed child maps memory through */
enum pin_kind {
	PIN_TYPE1,
	/* Accounted to the mm's locked_vm too, which dies before the files */
	PIN_IOMMUFD_MM,
};

/*
 * In @cg: hold IOASIDs of /dev/ioasid, and map and unmap @len bytes for
 * DMA, through a type1 container or iommufd, again and again, until
 * killed.  The buffer is not populated: the map faults it in.  With
 * iommufd, the file is bound to the iommufd context and closed, so that
 * the context holds its last reference: the IOASIDs go with the context.
 */
static void map_child(const char *cg, struct progress *pr, size_t len,
		      enum pin_kind kind)
{
	struct iommufd f = { .iommufd = -1, .dev = -1, .rlimit_mm = true };
	struct type1 t = { .container = -1, .group = -1 };
	long long ret;
	long start;
	char *buf;
	int fd, i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (cg_enter_current(cg))
		_exit(1);
	fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(1);
	for (i = 0; i < 3; i++)
		if (ioasid_alloc(fd) <= 0)
			_exit(1);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		_exit(1);
	if (kind == PIN_TYPE1 ? type1_open(&t) : iommufd_open(&f))
		_exit(1);
	if (kind != PIN_TYPE1) {
		if (ioasid_bind_iommufd(fd, f.iommufd))
			_exit(1);
		close(fd);
	}

	for (;;) {
		start = now_ns();
		__atomic_store_n(&pr->mapping, 1, __ATOMIC_SEQ_CST);
		if (kind == PIN_TYPE1)
			ret = type1_map(t.container, TEST_IOVA, buf, len);
		else
			ret = iommufd_map(&f, TEST_IOVA, buf, len);
		if (ret) {
			ksft_print_msg("map: %s\n", strerror(-ret));
			pr->errors++;
			_exit(1);
		}
		__atomic_store_n(&pr->mapping, 0, __ATOMIC_SEQ_CST);
		pr->map_ns = now_ns() - start;
		__atomic_add_fetch(&pr->maps, 1, __ATOMIC_SEQ_CST);
		if (kind == PIN_TYPE1)
			ret = type1_unmap(t.container, TEST_IOVA, len);
		else
			ret = iommufd_unmap(&f, TEST_IOVA, len);
		if (ret != (long long)len) {
			ksft_print_msg("unmap: %lld\n", ret);
			pr->errors++;
			_exit(1);
		}
	}
}

/*
 * SIGKILL of a process in the middle of the map of a big buffer, at
 * different points of the pinning, or right after it: once the process is
 * reaped, nothing is pinned or charged any more, memory or IOASIDs.  @self
 * is the FIXTURE_DATA(lifecycle) of the test.
 */
static void kill_in_map(struct __test_metadata *_metadata,
			struct _test_data_lifecycle *self, enum pin_kind kind,
			const int *percent, unsigned int nr)
{
	long pinned, deadline, map_ns = 0, maps, t0, t_map, t_kill;
	bool during, mid_map = false;
	struct progress *pr;
	unsigned int i;
	int status;
	char *cg;
	pid_t pid;

	if (edu_find())
		SKIP(return, "no edu device (PCI %04x:%04x)", EDU_VENDOR,
		     EDU_DEVICE);
	if (access(VFIO_CONTAINER, F_OK) || access(VFIO_PCI_DRIVER, F_OK))
		SKIP(return, "no VFIO type1 container or vfio-pci");
	if (!cg_has_file(self->base, "ioasids.pinned.current"))
		SKIP(return, "ioasids doesn't account pinned memory");
	self->edu = true;
	ASSERT_EQ(0, edu_setup());
	if (kind != PIN_TYPE1 && !edu_cdev_path[0])
		SKIP(return, "no VFIO device file for iommufd");
	unsafe_irqs_probe();

	cg = new_cg(_metadata, self->base, "v", false);
	pr = shared_alloc(sizeof(*pr));
	ASSERT_NE(NULL, pr);

	for (i = 0; i < nr; i++) {
		t0 = now_ms();
		deadline = t0 + 300000;
		memset(pr, 0, sizeof(*pr));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			map_child(cg, pr, MAP_LEN, kind);
			_exit(1);
		}

		/* The first time, let one map go through, to time it */
		while (!i && !__atomic_load_n(&pr->maps, __ATOMIC_SEQ_CST) &&
		       !waitpid(pid, &status, WNOHANG) && now_ms() < deadline)
			usleep(10000);
		if (!i) {
			ASSERT_EQ(0, pr->errors);
			ASSERT_EQ(1, pr->maps);
			map_ns = pr->map_ns;
			TH_LOG("map of %d MiB: %ld ms", MAP_LEN >> 20,
			       map_ns / 1000000);
		}

		/* Then kill it that far into a map */
		while (!__atomic_load_n(&pr->mapping, __ATOMIC_SEQ_CST) &&
		       !waitpid(pid, &status, WNOHANG) && now_ms() < deadline)
			usleep(1000);
		t_map = now_ms();
		maps = pr->maps;
		usleep(map_ns / 1000 * percent[i] / 100);
		pinned = read_value(cg, "ioasids.pinned.current");
		kill_reap(_metadata, pid);
		ASSERT_EQ(0, pr->errors);
		t_kill = now_ms();
		during = pr->mapping && pr->maps == maps;
		mid_map |= during;
		ASSERT_RELEASED(cg);
		TH_LOG("killed %s at %ld ms, %ld MiB charged; ms to start %ld, reap %ld, free %ld",
		       during ? "in the map" : "after the map",
		       map_ns / 1000000 * percent[i] / 100, pinned >> 20,
		       t_map - t0, t_kill - t_map, now_ms() - t_kill);
	}
	if (!mid_map)
		TH_LOG("no kill landed in the middle of a map");
	munmap(pr, sizeof(*pr));
	free(cg);
}

/*
 * How far into a map to kill, from the time of the first map, which faults
 * the buffer in: the first kill is in the second map, of the same process,
 * the others in the first map of a new one.
 */
static const int kill_percent[] = { 10, 30, 70 };

/* VFIO_IOMMU_MAP_DMA of a type1 container */
TEST_F_TIMEOUT(lifecycle, kill_in_vfio_map, 600)
{
	kill_in_map(_metadata, self, PIN_TYPE1, kill_percent,
		    ARRAY_SIZE(kill_percent));
}

/* IOMMU_IOAS_MAP, accounted to the mm too (IOMMU_OPTION_RLIMIT_MODE) */
TEST_F_TIMEOUT(lifecycle, kill_in_iommufd_map, 600)
{
	kill_in_map(_metadata, self, PIN_IOMMUFD_MM, kill_percent, 2);
}

/* The threads of close_during_ioctl */
struct race {
	/* The file descriptor that the ioctl threads use */
	int fd;
	int stop;
	long ops;
	long errors;
};

static void race_error(struct race *r, const char *what, int err)
{
	if (__atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED) <= 5)
		ksft_print_msg("%s: %s\n", what, strerror(err));
}

/*
 * Allocate, query, set the quota, free and so on, through whatever file
 * @r->fd is by then: the file may be closed or replaced between two
 * ioctls, or during one.
 */
static void *race_ioctls(void *arg)
{
	struct ioasid_get_info info;
	struct race *r = arg;
	long id, ret;
	int fd;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		fd = __atomic_load_n(&r->fd, __ATOMIC_RELAXED);
		id = ioasid_alloc(fd);
		if (id == -EBADF || id == -EBUSY)
			continue;
		if (id <= 0) {
			race_error(r, "IOASID_ALLOC", -id);
			continue;
		}
		ret = ioasid_get_info(fd, &info);
		if (ret && ret != -EBADF)
			race_error(r, "IOASID_GET_INFO", -ret);
		ret = ioasid_set_quota(fd, IOASID_QUOTA_UNLIMITED);
		if (ret && ret != -EBADF)
			race_error(r, "IOASID_SET_QUOTA", -ret);
		/*
		 * Another file by now: EBADF if none, ENOENT if it does not
		 * hold the IOASID.
		 */
		if (id % 2) {
			ret = ioasid_free(fd, id);
			if (ret && ret != -EBADF && ret != -ENOENT)
				race_error(r, "IOASID_FREE", -ret);
		}
		__atomic_add_fetch(&r->ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * Close, or replace with dup2(), the file of @r->fd again and again while
 * three threads run ioctls on it, for @ms milliseconds or until stopped.
 * Returns 0, or -1 if a thread could not start.
 */
static int race_run(struct race *r, long ms)
{
	long deadline = now_ms() + ms;
	pthread_t tids[3];
	unsigned int i, n;
	bool started;
	long id;
	int fd;

	r->fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	if (r->fd < 0)
		return -1;
	for (n = 0; n < ARRAY_SIZE(tids); n++)
		if (pthread_create(&tids[n], NULL, race_ioctls, r))
			break;
	started = n == ARRAY_SIZE(tids);

	for (i = 0; started && now_ms() < deadline &&
	     !__atomic_load_n(&r->stop, __ATOMIC_RELAXED); i++) {
		usleep(random() % 2000);
		fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			race_error(r, "open", errno);
			break;
		}
		/* The new file holds an IOASID too, unless at the limit */
		id = ioasid_alloc(fd);
		if (id <= 0 && id != -EBUSY)
			race_error(r, "IOASID_ALLOC", -id);
		if (i % 2) {
			/*
			 * Replaced in one step: the old file is released once
			 * the ioctls in flight are done with it.
			 */
			if (dup2(fd, r->fd) < 0)
				race_error(r, "dup2", errno);
			close(fd);
		} else {
			/* Closed, then another file takes its place */
			close(r->fd);
			usleep(random() % 500);
			__atomic_store_n(&r->fd, fd, __ATOMIC_RELAXED);
		}
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++)
		pthread_join(tids[i], NULL);
	close(r->fd);
	return started ? 0 : -1;
}

/*
 * Closing the file, or replacing it with dup2(), in one thread while others
 * are in its ioctls: no crash, every ioctl fails cleanly or works on one
 * file or the other, and once the process is done, or killed in the
 * middle of it, everything is freed and uncharged.
 */
TEST_F_TIMEOUT(lifecycle, close_during_ioctl, 120)
{
	struct race *r;
	int status;
	char *cg;
	pid_t pid;

	cg = new_cg(_metadata, self->base, "x", false);
	ASSERT_EQ(0, cg_write(cg, "ioasids.max", "16"));
	r = shared_alloc(sizeof(*r));
	ASSERT_NE(NULL, r);

	/* In this process, to the end */
	ASSERT_EQ(0, cg_enter_current(cg));
	ASSERT_EQ(0, race_run(r, 3000));
	ASSERT_EQ(0, cg_enter_current(self->park));
	ASSERT_EQ(0, r->errors);
	ASSERT_LT(0, r->ops);
	ASSERT_RELEASED(cg);

	/* In a child, killed in the middle */
	memset(r, 0, sizeof(*r));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cg_enter_current(cg))
			_exit(1);
		_exit(race_run(r, 60000) ? 1 : 0);
	}
	while (__atomic_load_n(&r->ops, __ATOMIC_RELAXED) < 50 &&
	       !waitpid(pid, &status, WNOHANG))
		usleep(10000);
	kill_reap(_metadata, pid);
	ASSERT_EQ(0, r->errors);
	ASSERT_RELEASED(cg);
	munmap(r, sizeof(*r));
	free(cg);
}

/*
 * Enter @cg, open /dev/ioasid there and allocate @nr IOASIDs through it,
 * in @ids unless NULL.  Returns the file descriptor.
 */
static int open_charged(struct __test_metadata *_metadata, const char *cg,
			__u32 *ids, int nr)
{
	long id;
	int fd, i;

	ASSERT_EQ(0, cg_enter_current(cg));
	fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < nr; i++) {
		id = ioasid_alloc(fd);
		ASSERT_LT(0, id);
		if (ids)
			ids[i] = id;
	}
	return fd;
}

/*
 * A cgroup removed with IOASIDs charged: rmdir works once its processes
 * left; the charges stay on its parent, hierarchical counts and stat alike,
 * until the file is closed; the file can still allocate, charged to the
 * removed cgroup and checked against its last limit and its ancestors';
 * the removed cgroup is freed with its last charge.
 */
TEST_F_TIMEOUT(lifecycle, rmdir_with_charges, 120)
{
	__u32 ids[4];
	char *p, *r;
	int fd;

	p = new_cg(_metadata, self->base, "p", true);
	r = new_cg(_metadata, p, "r", false);
	ASSERT_EQ(0, cg_write(r, "ioasids.max", "4"));

	fd = open_charged(_metadata, r, ids, 3);
	ASSERT_EQ(0, check_value(r, "ioasids.current", 3));
	ASSERT_EQ(0, cg_enter_current(self->park));

	/* Removed with its charges, which its parent keeps counting */
	ASSERT_EQ(0, rmdir(r));
	ASSERT_NE(0, access(r, F_OK));
	ASSERT_EQ(0, check_value(p, "ioasids.current", 3));
	ASSERT_EQ(0, check_stat(p, 3, 0, 0, 0));
	ASSERT_EQ(0, check_value(self->base, "ioasids.current", 3));
	if (cgroup_stat(p, "nr_dying_subsys_ioasids ") >= 0)
		ASSERT_EQ(1, cgroup_stat(p, "nr_dying_subsys_ioasids "));

	/* Still charged to it, within its last limit */
	ids[3] = ioasid_alloc(fd);
	ASSERT_LT(0, (int)ids[3]);
	ASSERT_EQ(0, check_value(p, "ioasids.current", 4));
	ASSERT_EQ(-EBUSY, ioasid_alloc(fd));
	ASSERT_EQ(0, check_value(p, "ioasids.current", 4));
	/* A failure at the removed cgroup counts in its ancestors */
	ASSERT_EQ(0, check_events(p, "ioasids.events", 1, 0));
	ASSERT_EQ(0, check_events(p, "ioasids.events.local", 0, 0));

	/* And within the limits of its ancestors */
	ASSERT_EQ(0, ioasid_free(fd, ids[3]));
	ASSERT_EQ(0, check_value(p, "ioasids.current", 3));
	ASSERT_EQ(0, cg_write(p, "ioasids.max", "2"));
	ASSERT_EQ(-EBUSY, ioasid_alloc(fd));
	ASSERT_EQ(0, check_events(p, "ioasids.events", 2, 0));
	ASSERT_EQ(0, check_events(p, "ioasids.events.local", 1, 0));
	ASSERT_EQ(0, check_value(p, "ioasids.current", 3));
	ASSERT_EQ(0, cg_write(p, "ioasids.max", "max"));

	/* Closing the file frees everything, and the removed cgroup */
	ASSERT_EQ(0, close(fd));
	ASSERT_RELEASED(p);
	ASSERT_EQ(0, check_value(self->base, "ioasids.current", 0));
	ASSERT_EQ(0, wait_dying(p, 0));
	ASSERT_EQ(0, wait_dying(self->base, 0));
	free(r);
	free(p);
}

/*
 * The controller disabled for the children of a cgroup while one of them
 * has IOASIDs charged: its old state keeps them, counted in the parent, and
 * the open file allocates against it; enabled again, the child starts
 * afresh; closing the file frees everything.
 */
TEST_F_TIMEOUT(lifecycle, controller_disabled_with_charges, 120)
{
	char *q, *c;
	int fd;

	q = new_cg(_metadata, self->base, "q", true);
	c = new_cg(_metadata, q, "c", false);
	ASSERT_EQ(0, cg_write(c, "ioasids.max", "4"));

	fd = open_charged(_metadata, c, NULL, 3);
	ASSERT_EQ(0, cg_enter_current(self->park));
	ASSERT_EQ(0, check_value(q, "ioasids.current", 3));

	/* Disabled: c has no ioasids files, its charges stay on q */
	ASSERT_EQ(0, cg_write(q, "cgroup.subtree_control", "-ioasids"));
	ASSERT_FALSE(cg_has_file(c, "ioasids.current"));
	ASSERT_EQ(0, check_value(q, "ioasids.current", 3));
	ASSERT_EQ(0, check_stat(q, 3, 0, 0, 0));
	/* The file still allocates against c's old limit */
	ASSERT_LT(0, ioasid_alloc(fd));
	ASSERT_EQ(-EBUSY, ioasid_alloc(fd));
	ASSERT_EQ(0, check_value(q, "ioasids.current", 4));

	/* Enabled again: c starts afresh, q still counts the old charges */
	ASSERT_EQ(0, cg_write(q, "cgroup.subtree_control", "+ioasids"));
	ASSERT_EQ(0, check_value(c, "ioasids.current", 0));
	ASSERT_EQ(0, check_exact(c, "ioasids.max", "max\n"));
	ASSERT_EQ(0, check_value(q, "ioasids.current", 4));
	ASSERT_EQ(0, check_stat(q, 4, 0, 0, 0));

	ASSERT_EQ(0, close(fd));
	ASSERT_RELEASED(q);
	ASSERT_EQ(0, check_value(c, "ioasids.current", 0));
	ASSERT_EQ(0, wait_dying(q, 0));
	free(c);
	free(q);
}

/*
 * fork() with the file open: the child allocates through the inherited
 * file, charged to the cgroup that opened it, not to its own; its exit
 * frees nothing; only the close of the last reference frees the IOASIDs,
 * whichever process holds it.
 */
TEST_F_TIMEOUT(lifecycle, fork_inherited_file, 120)
{
	int to_child[2], from_child[2];
	__u32 ids[3];
	int fd, status, i;
	char *o, *n;
	pid_t pid;
	char c;

	o = new_cg(_metadata, self->base, "o", false);
	n = new_cg(_metadata, self->base, "n", false);
	ASSERT_EQ(0, cg_write(o, "ioasids.max", "5"));
	/* n's limit would refuse anything charged to it */
	ASSERT_EQ(0, cg_write(n, "ioasids.max", "0"));

	fd = open_charged(_metadata, o, NULL, 2);
	ASSERT_EQ(0, cg_enter_current(self->park));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(from_child));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* No harness asserts: they would unwind into the harness */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cg_enter_current(n))
			_exit(1);
		for (i = 0; i < 3; i++) {
			ids[i] = ioasid_alloc(fd);
			if ((int)ids[i] <= 0)
				_exit(2);
		}
		/* o's limit applies, not n's */
		if (ioasid_alloc(fd) != -EBUSY)
			_exit(3);
		if (write(from_child[1], ids, sizeof(ids)) != sizeof(ids) ||
		    read(to_child[0], &c, 1) != 1)
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(sizeof(ids), read(from_child[0], ids, sizeof(ids)));
	ASSERT_EQ(0, check_value(o, "ioasids.current", 5));
	ASSERT_EQ(0, check_stat(o, 5, 0, 0, 0));
	ASSERT_EQ(0, check_events(o, "ioasids.events.local", 1, 0));
	ASSERT_EQ(0, check_value(n, "ioasids.current", 0));
	ASSERT_EQ(0, check_stat(n, 0, 0, 0, 0));
	ASSERT_EQ(0, check_events(n, "ioasids.events.local", 0, 0));

	/* The child's exit frees nothing: the file is still open here */
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, check_value(o, "ioasids.current", 5));
	/* The child's IOASIDs are the file's: freed through this copy */
	ASSERT_EQ(0, ioasid_free(fd, ids[0]));
	ASSERT_EQ(0, check_value(o, "ioasids.current", 4));

	/* Another child holds the last reference once this one is closed */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cg_enter_current(n))
			_exit(1);
		if (write(from_child[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(1, read(from_child[0], &c, 1));
	ASSERT_EQ(0, close(fd));
	usleep(100000);
	ASSERT_EQ(0, check_value(o, "ioasids.current", 4));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_RELEASED(o);
	ASSERT_EQ(0, check_value(n, "ioasids.current", 0));
	close(to_child[0]);
	close(to_child[1]);
	close(from_child[0]);
	close(from_child[1]);
	free(n);
	free(o);
}

TEST_HARNESS_MAIN
