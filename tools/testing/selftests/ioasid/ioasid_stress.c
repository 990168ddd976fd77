// SPDX-License-Identifier: GPL-2.0
/*
 * Stress test of /dev/ioasid and of the ioasids cgroup controller.
 *
 * Worker processes allocate and free IOASIDs at the limits of the cgroups
 * of a small tree,
 *
 *   T              ioasids enabled for its children
 *   |- a           ioasids enabled for its children
 *   |  |- c
 *   |  `- d
 *   |- b
 *   |  `- e        no ioasids files: what it opens is charged to b
 *   |- park        holds the processes whose cgroup is removed
 *   `- eph<N>      created and removed while the test runs
 *
 * while other processes change the ioasids.max of T, a, b, c and d, up and
 * down and below the usage, migrate the workers between c, d, b and b/e,
 * and create cgroups under T, allocate in them and remove them with their
 * IOASIDs still charged.  Now and then a worker closes its file and opens a
 * new one, owned by the cgroup it is in by then, or checks its file and
 * sets it a new quota, sometimes under its usage.  Once the time is up, the
 * limits stop changing and get their final values, one below the usage; the
 * workers go on, freeing an IOASID each time they are refused, until every
 * cgroup is at or under its limit; then they stop, holding their IOASIDs,
 * and finally close everything.
 *
 * Each scenario reports these results:
 * - no_double_alloc: no IOASID is handed out twice at the same time.  A
 *   bitmap shared by every process is set, atomically, when an IOASID is
 *   allocated and cleared before it is freed;
 * - alloc_within_limit: a successful allocation leaves every cgroup on its
 *   way to the root at or under its limit.  Some workers allocate with the
 *   limits held still (a lock that the limit changer takes to write them).
 *   The IOASIDs the test holds in a cgroup, counted once allocated and
 *   uncounted before freed, are at most its usage, so at most its limit
 *   right after an allocation succeeded under that limit, even when the
 *   limit was lowered below the usage before;
 * - peak_within_limits: ioasids.peak of every cgroup is at most the highest
 *   limit the cgroup ever had;
 * - file_accounting: IOASID_GET_INFO of a file reports the IOASIDs that the
 *   threads of its worker hold and the quota they set; a successful
 *   allocation leaves the file at or under its quota; a file does not free
 *   the IOASID of another file;
 * - removed_cgroups: a cgroup removed with IOASIDs charged keeps them
 *   charged to its parent, and its last limit still applies to the file
 *   that is still open; its peak never exceeded its limit;
 * - at_rest_within_limits: at rest, every cgroup is at or under its final
 *   limit;
 * - at_rest_accounting: at rest, ioasids.current and ioasids.stat of every
 *   cgroup count exactly the IOASIDs the workers hold;
 * - at_rest_enforced: at rest, a new file opened in each cgroup can
 *   allocate an IOASID if and only if every cgroup on its way to the root
 *   is under its limit;
 * - events_match: ioasids.events of T counts every refusal on a limit that
 *   the test saw, and the events of every cgroup add up: its own, in
 *   ioasids.events.local, and its children's;
 * - counters_zero: once every file is closed, ioasids.current and
 *   ioasids.stat of every cgroup are 0, those of the root back where they
 *   were, and no removed cgroup is left dying;
 * - no_unexpected_errors: no ioctl and no cgroup operation failed in a way
 *   the test does not expect, and every kind of operation ran.
 *
 * Scenarios: "procs", workers of one thread, and "threads", workers of
 * three threads that share their file.
 *
 *   ioasid_stress [-d SECONDS] [-s SEED]
 *
 * -d: how long the load runs, split evenly between the scenarios: by
 * default $IOASID_STRESS_SECONDS, else 8 s, for QEMU without KVM; -s: the
 * seed of the random choices.  "make stress" sets IOASID_STRESS_SECONDS on
 * the kernel command line, which passes it on to the guest's init.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ioasid.h>

#include "../kselftest.h"
#include "ioasid_util.h"

#define DEFAULT_DURATION	8
/* The environment variable that overrides the default duration */
#define DURATION_ENV		"IOASID_STRESS_SECONDS"
/*
 * The workers settle under the final limits for a tenth of the load, at
 * least SETTLE_MIN_S, then until every cgroup is within its limit, for at
 * most SETTLE_MAX_S more.
 */
#define SETTLE_MIN_S		1
#define SETTLE_MAX_S		20
/* How long a stop, an exit or a release may take under emulation */
#define STOP_TIMEOUT_S		60
#define RELEASE_TIMEOUT_MS	10000

#define MAX_WORKERS		8
#define MAX_THREADS		3
/* IOASIDs one thread may hold: more than T's highest limit */
#define MAX_HELD		64
/* The messages printed, at most, for the errors of a scenario */
#define MAX_MSGS		30

/* Percentages of the operations of a worker thread */
#define PCT_REOPEN		2
#define PCT_FILE		3
#define PCT_FREE		30

/* The cgroups of the test that have ioasids files */
enum node { N_T, N_A, N_B, N_C, N_D, NR_NODES };

static const struct {
	const char *name;
	const char *path;	/* under the test's cgroup */
	int parent;		/* -1 for the test's cgroup */
	long lo, hi;		/* the limits the changer writes */
	long init;		/* the limit at the start */
} nodes[NR_NODES] = {
	[N_T] = { "T", "",    -1,  8, 40, 24 },
	[N_A] = { "a", "a",   N_T, 3, 24, 14 },
	[N_B] = { "b", "b",   N_T, 0, 12, 8 },
	[N_C] = { "c", "a/c", N_A, 0, 10, 6 },
	[N_D] = { "d", "a/d", N_A, 0, 10, 6 },
};

/* The cgroups the workers run in, and the cgroup that owns their files */
enum loc { L_B, L_E, L_C, L_D, NR_LOCS };

static const struct {
	const char *path;
	int owner;
} locs[NR_LOCS] = {
	[L_B] = { "b", N_B },
	[L_E] = { "b/e", N_B },
	[L_C] = { "a/c", N_C },
	[L_D] = { "a/d", N_D },
};

enum counter {
	S_ALLOC, S_FREE, S_BUSY, S_CHECKED, S_CHECKED_AT_LIMIT, S_REOPEN,
	S_MIGRATE, S_LIMIT, S_REMOVED, S_REMOVED_ALLOC, S_QUOTA,
	S_FILE_CHECK, S_EBUSY, S_DOUBLE, S_OVER, S_REMOVED_ERROR,
	S_FILE_ERROR, S_ERROR, NR_STATS
};

static const char *const stat_names[NR_STATS] = {
	[S_ALLOC] = "allocs",
	[S_FREE] = "frees",
	[S_BUSY] = "workers_refused",
	[S_CHECKED] = "checked_allocs",
	[S_CHECKED_AT_LIMIT] = "checked_at_limit",
	[S_REOPEN] = "reopens",
	[S_MIGRATE] = "migrations",
	[S_LIMIT] = "limit_writes",
	[S_REMOVED] = "cgroups_removed",
	[S_REMOVED_ALLOC] = "allocs_in_removed",
	[S_QUOTA] = "over_quota",
	[S_FILE_CHECK] = "file_checks",
	[S_EBUSY] = "all_refused",
	[S_DOUBLE] = "double_allocs",
	[S_OVER] = "over_limit",
	[S_REMOVED_ERROR] = "removed_cgroup_errors",
	[S_FILE_ERROR] = "file_errors",
	[S_ERROR] = "errors",
};

/* The kinds of operations that must have run */
static const enum counter must_run[] = {
	S_ALLOC, S_FREE, S_BUSY, S_CHECKED, S_REOPEN, S_MIGRATE, S_LIMIT,
	S_REMOVED, S_QUOTA, S_FILE_CHECK,
};

enum check {
	C_DOUBLE, C_WITHIN, C_PEAK, C_FILES, C_REMOVED, C_REST_LIMITS,
	C_REST_ACCOUNTING, C_REST_ENFORCED, C_EVENTS, C_ZERO, C_ERRORS,
	NR_CHECKS
};

static const char *const check_names[NR_CHECKS] = {
	[C_DOUBLE] = "no_double_alloc",
	[C_WITHIN] = "alloc_within_limit",
	[C_PEAK] = "peak_within_limits",
	[C_FILES] = "file_accounting",
	[C_REMOVED] = "removed_cgroups",
	[C_REST_LIMITS] = "at_rest_within_limits",
	[C_REST_ACCOUNTING] = "at_rest_accounting",
	[C_REST_ENFORCED] = "at_rest_enforced",
	[C_EVENTS] = "events_match",
	[C_ZERO] = "counters_zero",
	[C_ERRORS] = "no_unexpected_errors",
};

static const struct scenario {
	const char *name;
	int nr_workers;
	int nr_threads;
} scenarios[] = {
	{ "procs", 8, 1 },
	{ "threads", 4, MAX_THREADS },
};

enum phase { PHASE_RUN, PHASE_SETTLE, PHASE_STOP, PHASE_EXIT };

/* A worker process, as the migrator sees it */
struct worker {
	/* Held to migrate the worker, and by the worker to open a file */
	pthread_mutex_t lock;
	pid_t pid;
	int loc;
};

/* What every process of a scenario shares */
struct shared {
	int phase;
	/* Worker threads started, and stopped in PHASE_STOP */
	int ready;
	int stopped;
	int nr_msgs;
	/* Written by the limit changer, read by the checked allocations */
	pthread_rwlock_t limits;
	long limit[NR_NODES];
	/* The highest limit each cgroup ever had */
	long hi[NR_NODES];
	/* The IOASIDs the test holds, charged to each cgroup */
	long held[NR_NODES];
	/* The last IOASID a worker allocated */
	__u32 last_id;
	long stats[NR_STATS];
	struct worker workers[MAX_WORKERS];
};

static struct shared *sh;
/* One bit per IOASID, set while the test holds it */
static __u64 *bitmap;
static __u32 bitmap_bits;
static size_t bitmap_len;

static char cg_root[1024];
/* The test's cgroup, T */
static char base[1280];
static unsigned long seed;

/* Seed the pseudo-random numbers of the thread, for rnd32() */
static void rnd_seed(unsigned long salt)
{
	rng_state = (seed ^ (salt * 0x9e3779b97f4a7c15ULL)) | 1;
}

static int phase(void)
{
	return __atomic_load_n(&sh->phase, __ATOMIC_ACQUIRE);
}

static void set_phase(int p)
{
	__atomic_store_n(&sh->phase, p, __ATOMIC_RELEASE);
}

static void count(enum counter s)
{
	__atomic_fetch_add(&sh->stats[s], 1, __ATOMIC_RELAXED);
}

static long stat_read(enum counter s)
{
	return __atomic_load_n(&sh->stats[s], __ATOMIC_RELAXED);
}

/* A message from any process, in one write, up to MAX_MSGS a scenario */
static __printf(1, 2) void note(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int len;

	if (sh && __atomic_fetch_add(&sh->nr_msgs, 1, __ATOMIC_RELAXED) >=
		  MAX_MSGS)
		return;
	len = snprintf(buf, sizeof(buf), "# [%d] ", getpid());
	va_start(ap, fmt);
	len += vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	va_end(ap);
	if (len >= (int)sizeof(buf) - 1)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	if (write(STDOUT_FILENO, buf, len) < 0)
		return;
}

/* An unexpected failure of a worker or of a helper */
#define unexpected(fmt, ...)				\
	do {						\
		count(S_ERROR);				\
		note("error: " fmt, ##__VA_ARGS__);	\
	} while (0)

/* A file that does not account for its own IOASIDs */
#define file_error(fmt, ...)				\
	do {						\
		count(S_FILE_ERROR);			\
		note("file: " fmt, ##__VA_ARGS__);	\
	} while (0)

/* @cg is a path under the test's cgroup, or an absolute one */
static void cg_path(char *buf, size_t len, const char *cg, const char *file)
{
	if (cg[0] == '/')
		snprintf(buf, len, "%s/%s", cg, file);
	else if (cg[0])
		snprintf(buf, len, "%s/%s/%s", base, cg, file);
	else
		snprintf(buf, len, "%s/%s", base, file);
}

/* Write @val to @file of @cg, under the test's cgroup; 0 or -errno */
static int cg_write(const char *cg, const char *file, const char *val)
{
	char path[PATH_MAX];
	ssize_t len = strlen(val), ret;
	int fd;

	cg_path(path, sizeof(path), cg, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = write(fd, val, len);
	if (ret < 0)
		ret = -errno;
	close(fd);
	return ret == len ? 0 : (ret < 0 ? ret : -EIO);
}

static int cg_read(const char *cg, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	cg_path(path, sizeof(path), cg, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	return 0;
}

/* A single value file; "max" reads LONG_MAX; -1 if unreadable */
static long cg_read_long(const char *cg, const char *file)
{
	char buf[64], *end;
	long val;

	if (cg_read(cg, file, buf, sizeof(buf)))
		return -1;
	if (!strcmp(buf, "max\n"))
		return LONG_MAX;
	errno = 0;
	val = strtol(buf, &end, 10);
	if (errno || end == buf || *end != '\n')
		return -1;
	return val;
}

/* The value of @key in the flat-keyed @file of @cg, or -1 */
static long cg_read_key(const char *cg, const char *file, const char *key)
{
	char buf[1024], *line, *save = NULL;
	size_t len = strlen(key);

	if (cg_read(cg, file, buf, sizeof(buf)))
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, key, len) && line[len] == ' ')
			return strtol(line + len + 1, NULL, 10);
	return -1;
}

/* Move the process @pid, 0 for the caller, to @cg; 0 or -errno */
static int cg_enter(const char *cg, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", pid);
	return cg_write(cg, "cgroup.procs", buf);
}

static int cg_mkdir(const char *cg)
{
	char path[PATH_MAX];

	cg_path(path, sizeof(path), cg, "");
	return mkdir(path, 0755) ? -errno : 0;
}

static int cg_rmdir(const char *cg)
{
	char path[PATH_MAX];

	cg_path(path, sizeof(path), cg, "");
	return rmdir(path) ? -errno : 0;
}

/* Whether ioasids.stat of @cg counts @nr IOASIDs of files and nothing else */
static bool stat_is(const char *cg, long nr)
{
	static const char *const zero_keys[] = {
		"kernel", "sva", "iommufd", "pinned_vfio", "pinned_iommufd",
	};
	unsigned int i;
	long val;

	val = cg_read_key(cg, "ioasids.stat", "file");
	if (val != nr) {
		note("%s/ioasids.stat: file %ld, expected %ld", cg, val, nr);
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(zero_keys); i++) {
		val = cg_read_key(cg, "ioasids.stat", zero_keys[i]);
		if (val) {
			note("%s/ioasids.stat: %s %ld, expected 0", cg,
			     zero_keys[i], val);
			return false;
		}
	}
	return true;
}

/* Allocate outside the workers, counting the refusals on a limit */
static long alloc_counted(int fd)
{
	long ret = ioasid_alloc(fd);

	if (ret == -EBUSY)
		count(S_EBUSY);
	return ret;
}

/* Mark @ioasid held; false if it already was: handed out twice */
static bool id_take(__u32 ioasid)
{
	__u64 bit = 1ULL << (ioasid % 64);

	if (ioasid >= bitmap_bits) {
		unexpected("IOASID %u above the highest, %u", ioasid,
			   bitmap_bits - 1);
		return true;
	}
	if (__atomic_fetch_or(&bitmap[ioasid / 64], bit, __ATOMIC_SEQ_CST) &
	    bit) {
		count(S_DOUBLE);
		note("IOASID %u handed out while held", ioasid);
		return false;
	}
	return true;
}

/* Before freeing @ioasid: it must be marked held */
static void id_release(__u32 ioasid)
{
	__u64 bit = 1ULL << (ioasid % 64);

	if (ioasid >= bitmap_bits)
		return;
	if (!(__atomic_fetch_and(&bitmap[ioasid / 64], ~bit,
				 __ATOMIC_SEQ_CST) & bit))
		unexpected("IOASID %u freed but not held", ioasid);
}

/*
 * Count @nr IOASIDs held, or uncount them if negative, in the cgroup
 * @owner and its ancestors.  With @check, the caller holds the limits
 * still and has just allocated: no cgroup may then hold more than its
 * limit.
 */
static void held_add(int owner, long nr, bool check)
{
	long held;
	int n;

	for (n = owner; n >= 0; n = nodes[n].parent) {
		held = __atomic_add_fetch(&sh->held[n], nr, __ATOMIC_SEQ_CST);
		if (check && held > sh->limit[n]) {
			count(S_OVER);
			note("%s holds %ld IOASIDs after an allocation, over its limit %ld",
			     nodes[n].name, held, sh->limit[n]);
		}
	}
}

/* Write the limit of @n, and keep the highest; 0 or -errno */
static int set_limit(int n, long val)
{
	char buf[32];
	int ret;

	snprintf(buf, sizeof(buf), "%ld", val);
	pthread_rwlock_wrlock(&sh->limits);
	if (val > sh->hi[n])
		sh->hi[n] = val;
	ret = cg_write(nodes[n].path, "ioasids.max", buf);
	if (!ret)
		sh->limit[n] = val;
	pthread_rwlock_unlock(&sh->limits);
	if (ret)
		unexpected("%s/ioasids.max: writing %ld: %s", nodes[n].name,
			   val, strerror(-ret));
	else
		count(S_LIMIT);
	return ret;
}

struct wproc;

/* A thread of a worker, and the IOASIDs it holds */
struct wthread {
	struct wproc *p;
	pthread_t tid;
	int idx;
	/* Allocates with the limits held still */
	bool checked;
	int nr;
	__u32 ids[MAX_HELD];
};

/* A worker process: its file, shared by its threads */
struct wproc {
	int idx;
	int fd;
	/* The cgroup its file is charged to */
	int owner;
	/* Read for an ioctl, written to reopen the file or check it */
	pthread_rwlock_t lock;
	/* The IOASIDs its threads hold, and the quota of its file */
	long held;
	__u32 quota;
	int nr_threads;
	struct wthread threads[MAX_THREADS];
};

/* Free the @i-th IOASID of @t; the caller holds @t->p->lock. */
static void free_one(struct wthread *t, int i)
{
	struct wproc *p = t->p;
	__u32 ioasid = t->ids[i];
	int ret;

	t->ids[i] = t->ids[--t->nr];
	id_release(ioasid);
	held_add(p->owner, -1, false);
	__atomic_sub_fetch(&p->held, 1, __ATOMIC_SEQ_CST);
	ret = ioasid_free(p->fd, ioasid);
	if (ret)
		unexpected("IOASID_FREE %u: %s", ioasid, strerror(-ret));
	else
		count(S_FREE);
}

/* Allocate an IOASID, or free one if refused; under @t->p->lock */
static void alloc_one(struct wthread *t)
{
	struct wproc *p = t->p;
	long ret;
	int n;

	if (t->checked) {
		pthread_rwlock_rdlock(&sh->limits);
		for (n = p->owner; n >= 0; n = nodes[n].parent)
			if (__atomic_load_n(&sh->held[n], __ATOMIC_SEQ_CST) >=
			    sh->limit[n])
				break;
		if (n >= 0)
			count(S_CHECKED_AT_LIMIT);
	}
	ret = ioasid_alloc(p->fd);
	if (ret > 0) {
		count(S_ALLOC);
		if (t->checked)
			count(S_CHECKED);
		id_take(ret);
		held_add(p->owner, 1, t->checked);
		t->ids[t->nr++] = ret;
		__atomic_store_n(&sh->last_id, ret, __ATOMIC_RELAXED);
		/* The quota holds still while this thread is in an ioctl. */
		n = __atomic_add_fetch(&p->held, 1, __ATOMIC_SEQ_CST);
		if (n > p->quota)
			file_error("%d IOASIDs after an allocation, over the quota %u",
				   n, p->quota);
	}
	if (t->checked)
		pthread_rwlock_unlock(&sh->limits);

	if (ret == -EBUSY || ret == -EDQUOT) {
		count(ret == -EBUSY ? S_BUSY : S_QUOTA);
		if (ret == -EBUSY)
			count(S_EBUSY);
		if (t->nr)
			free_one(t, rnd32() % t->nr);
		return;
	}
	if (ret <= 0)
		unexpected("IOASID_ALLOC: %s", ret ? strerror(-ret) : "IOASID 0");
}

/* Forget every IOASID of @p, before closing its file; under p->lock */
static void drop_all(struct wproc *p)
{
	struct wthread *t;
	int i;

	for (t = p->threads; t < p->threads + p->nr_threads; t++) {
		for (i = 0; i < t->nr; i++) {
			id_release(t->ids[i]);
			held_add(p->owner, -1, false);
		}
		t->nr = 0;
	}
	p->held = 0;
}

/* Open the file of @p in the cgroup the worker is in; under p->lock */
static void open_file(struct wproc *p)
{
	struct worker *w = &sh->workers[p->idx];

	pthread_mutex_lock(&w->lock);
	p->fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	p->owner = locs[w->loc].owner;
	pthread_mutex_unlock(&w->lock);
	p->quota = IOASID_QUOTA_UNLIMITED;
	if (p->fd < 0)
		unexpected("open %s: %s", IOASID_DEV, strerror(errno));
}

static void reopen_file(struct wproc *p)
{
	pthread_rwlock_wrlock(&p->lock);
	drop_all(p);
	/* No other thread is in an ioctl: the release is done on return. */
	close(p->fd);
	open_file(p);
	count(S_REOPEN);
	pthread_rwlock_unlock(&p->lock);
}

/* Whether a thread of @p holds @ioasid; under p->lock */
static bool holds(struct wproc *p, __u32 ioasid)
{
	struct wthread *t;
	int i;

	for (t = p->threads; t < p->threads + p->nr_threads; t++)
		for (i = 0; i < t->nr; i++)
			if (t->ids[i] == ioasid)
				return true;
	return false;
}

/*
 * With no other thread of @p in an ioctl: the file of @p reports the
 * IOASIDs its threads hold and its quota; it does not free an IOASID of
 * another file; then it gets a new quota, sometimes under its usage.
 */
static void check_file(struct wproc *p)
{
	__u32 other = __atomic_load_n(&sh->last_id, __ATOMIC_RELAXED);
	struct ioasid_get_info info;
	int ret;

	pthread_rwlock_wrlock(&p->lock);
	if (p->fd < 0)
		goto out;
	ret = ioasid_get_info(p->fd, &info);
	if (ret)
		unexpected("IOASID_GET_INFO: %s", strerror(-ret));
	else if (info.usage != p->held || info.quota != p->quota)
		file_error("usage %u and quota %u, expected %ld and %u",
			   info.usage, info.quota, p->held, p->quota);

	/* An IOASID belongs to the file that allocated it */
	if (other && !holds(p, other)) {
		ret = ioasid_free(p->fd, other);
		if (ret != -ENOENT)
			file_error("IOASID_FREE %u of another file: %s", other,
				   ret ? strerror(-ret) : "freed");
	}

	p->quota = rnd32() % 2 ? IOASID_QUOTA_UNLIMITED : rnd32() % 8;
	ret = ioasid_set_quota(p->fd, p->quota);
	if (ret)
		unexpected("IOASID_SET_QUOTA: %s", strerror(-ret));
	count(S_FILE_CHECK);
out:
	pthread_rwlock_unlock(&p->lock);
}

static void thread_step(struct wthread *t)
{
	struct wproc *p = t->p;
	__u32 r = rnd32() % 100;

	if (t->idx == 0 && r < PCT_REOPEN) {
		reopen_file(p);
		return;
	}
	if (t->idx == 0 && r < PCT_REOPEN + PCT_FILE) {
		check_file(p);
		return;
	}
	pthread_rwlock_rdlock(&p->lock);
	if (t->nr && (r < PCT_REOPEN + PCT_FILE + PCT_FREE ||
		      t->nr == MAX_HELD))
		free_one(t, rnd32() % t->nr);
	else if (p->fd >= 0)
		alloc_one(t);
	pthread_rwlock_unlock(&p->lock);
}

static void *thread_main(void *arg)
{
	struct wthread *t = arg;

	rnd_seed(t->p->idx * MAX_THREADS + t->idx + 1);
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (phase() <= PHASE_SETTLE)
		thread_step(t);
	__atomic_add_fetch(&sh->stopped, 1, __ATOMIC_SEQ_CST);
	while (phase() == PHASE_STOP)
		usleep(1000);
	return NULL;
}

static int worker_main(int idx, int nr_threads)
{
	struct worker *w = &sh->workers[idx];
	pthread_rwlockattr_t attr;
	struct wproc *p;
	int i, ret;

	p = calloc(1, sizeof(*p));
	if (!p)
		return 1;
	p->idx = idx;
	p->nr_threads = nr_threads;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&p->lock, &attr);

	/* Start in a cgroup of its own choice, the workers spread over all */
	pthread_mutex_lock(&w->lock);
	w->loc = idx % NR_LOCS;
	ret = cg_enter(locs[w->loc].path, 0);
	w->pid = getpid();
	pthread_mutex_unlock(&w->lock);
	if (ret) {
		unexpected("entering %s: %s", locs[w->loc].path, strerror(-ret));
		return 1;
	}
	open_file(p);

	for (i = 0; i < nr_threads; i++) {
		p->threads[i].p = p;
		p->threads[i].idx = i;
		/* Half the threads of the test allocate checked */
		p->threads[i].checked = (idx * nr_threads + i) % 2 == 0;
	}
	for (i = 1; i < nr_threads; i++) {
		ret = pthread_create(&p->threads[i].tid, NULL, thread_main,
				     &p->threads[i]);
		if (ret) {
			unexpected("pthread_create: %s", strerror(ret));
			nr_threads = i;
			break;
		}
	}
	thread_main(&p->threads[0]);
	for (i = 1; i < nr_threads; i++)
		pthread_join(p->threads[i].tid, NULL);

	pthread_rwlock_wrlock(&p->lock);
	drop_all(p);
	if (p->fd >= 0)
		close(p->fd);
	pthread_rwlock_unlock(&p->lock);
	return 0;
}

/*
 * The helpers that change the limits and the cgroups run ahead of the
 * workers when they wake, for their changes to interleave with the
 * workers' ioctls rather than to wait for the workers' time slices.
 */
static void boost(void)
{
	if (setpriority(PRIO_PROCESS, 0, -10))
		unexpected("setpriority: %s", strerror(errno));
}

/* Moves the workers around, each under its lock */
static int migrator_main(int nr_workers)
{
	struct worker *w;
	int loc, ret;

	rnd_seed(1001);
	boost();
	while (phase() == PHASE_RUN) {
		w = &sh->workers[rnd32() % nr_workers];
		loc = rnd32() % NR_LOCS;
		pthread_mutex_lock(&w->lock);
		if (loc != w->loc) {
			ret = cg_enter(locs[loc].path, w->pid);
			if (ret)
				unexpected("moving %d to %s: %s", w->pid,
					   locs[loc].path, strerror(-ret));
			else
				w->loc = loc;
		}
		pthread_mutex_unlock(&w->lock);
		count(S_MIGRATE);
		usleep(rnd32() % 2000);
	}
	return 0;
}

/* Changes the limits up and down, below the usage too */
static int changer_main(void)
{
	int n;

	rnd_seed(1002);
	boost();
	while (phase() == PHASE_RUN) {
		n = rnd32() % NR_NODES;
		set_limit(n, nodes[n].lo + rnd32() % (nodes[n].hi - nodes[n].lo + 1));
		usleep(rnd32() % 3000);
	}
	return 0;
}

/* The errors of a process that allocates in a cgroup to be removed */
#define removed_error(fmt, ...)					\
	do {							\
		count(S_REMOVED_ERROR);				\
		note("removed cgroup: " fmt, ##__VA_ARGS__);	\
	} while (0)

/*
 * In the cgroup @cg, whose limit (or an ancestor's below T) is @limit:
 * allocate until refused, report the count on @out, move to park and wait
 * on @in for the cgroup to be removed, then check that its limit still
 * applies.
 */
static int removed_child(const char *cg, long limit, int in, int out)
{
	__u32 ids[MAX_HELD];
	long ret = 0;
	int fd, nr = 0, i;
	char go;

	ret = cg_enter(cg, 0);
	if (ret) {
		unexpected("entering %s: %s", cg, strerror(-ret));
		return 1;
	}
	fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		unexpected("open %s: %s", IOASID_DEV, strerror(errno));
		return 1;
	}
	while (nr < MAX_HELD) {
		ret = alloc_counted(fd);
		if (ret <= 0)
			break;
		id_take(ret);
		held_add(N_T, 1, false);
		ids[nr++] = ret;
	}
	if (ret != -EBUSY)
		removed_error("%s: allocation %d: %s", cg, nr + 1,
			      ret ? strerror(-ret) : "IOASID 0");
	if (nr > limit)
		removed_error("%s: %d IOASIDs, over its limit %ld", cg, nr,
			      limit);
	ret = cg_enter("park", 0);
	if (ret)
		unexpected("entering park: %s", strerror(-ret));
	if (write(out, &nr, sizeof(nr)) != sizeof(nr) ||
	    read(in, &go, 1) != 1)
		unexpected("no word from the creator");

	/* Removed: its last limit still applies, and so does T's. */
	if (nr == limit && nr) {
		id_release(ids[--nr]);
		held_add(N_T, -1, false);
		ret = ioasid_free(fd, ids[nr]);
		if (ret)
			unexpected("IOASID_FREE: %s", strerror(-ret));
		ret = alloc_counted(fd);
		if (ret > 0) {
			count(S_REMOVED_ALLOC);
			id_take(ret);
			held_add(N_T, 1, false);
			ids[nr++] = ret;
			ret = alloc_counted(fd);
			if (ret != -EBUSY)
				removed_error("allocating over the limit %ld: %s",
					      limit, ret > 0 ? "success" :
							       strerror(-ret));
		} else if (ret != -EBUSY) {
			removed_error("IOASID_ALLOC: %s", strerror(-ret));
		}
	} else if (!limit) {
		ret = alloc_counted(fd);
		if (ret != -EBUSY)
			removed_error("allocating over the limit 0: %s",
				      ret > 0 ? "success" : strerror(-ret));
	}

	for (i = 0; i < nr; i++) {
		id_release(ids[i]);
		held_add(N_T, -1, false);
	}
	close(fd);
	return 0;
}

/*
 * Create a cgroup under T, or two nested, with a limit; let a process
 * allocate in it, leave it, and remove it while it still holds its
 * IOASIDs.
 */
static void removed_cycle(unsigned int n)
{
	char cg[64], leaf[80], val[32];
	long limit = rnd32() % 6, leaf_limit = limit;
	int to_child[2], from_child[2];
	bool nested = n & 1;
	int nr = -1, status, ret;
	long peak, cur;
	pid_t pid;

	snprintf(cg, sizeof(cg), "eph%u", n);
	snprintf(leaf, sizeof(leaf), "%s%s", cg, nested ? "/x" : "");
	snprintf(val, sizeof(val), "%ld", limit);
	ret = cg_mkdir(cg);
	if (!ret)
		ret = cg_write(cg, "ioasids.max", val);
	if (!ret && nested) {
		/* The child's limit may be above its parent's */
		leaf_limit = rnd32() % 12;
		snprintf(val, sizeof(val), "%ld", leaf_limit);
		ret = cg_write(cg, "cgroup.subtree_control", "+ioasids");
		if (!ret)
			ret = cg_mkdir(leaf);
		if (!ret)
			ret = cg_write(leaf, "ioasids.max", val);
	}
	if (ret) {
		unexpected("creating %s: %s", leaf, strerror(-ret));
		goto out_rmdir;
	}
	if (pipe2(to_child, O_CLOEXEC))
		goto out_rmdir;
	if (pipe2(from_child, O_CLOEXEC)) {
		close(to_child[0]);
		close(to_child[1]);
		goto out_rmdir;
	}

	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(to_child[1]);
		close(from_child[0]);
		_exit(removed_child(leaf, leaf_limit < limit ? leaf_limit :
							      limit,
				    to_child[0], from_child[1]));
	}
	close(to_child[0]);
	close(from_child[1]);
	if (pid < 0 || read(from_child[0], &nr, sizeof(nr)) != sizeof(nr)) {
		unexpected("no word from the process in %s", leaf);
		goto out_child;
	}

	/* It allocated in the cgroup, and left it with its IOASIDs. */
	peak = cg_read_long(cg, "ioasids.peak");
	if (peak < 0 || peak > limit)
		removed_error("%s: peak %ld over its only limit %ld", cg, peak,
			      limit);
	if (nested) {
		peak = cg_read_long(leaf, "ioasids.peak");
		if (peak < 0 || peak > leaf_limit)
			removed_error("%s: peak %ld over its only limit %ld",
				      leaf, peak, leaf_limit);
	}
	cur = cg_read_long(cg, "ioasids.current");
	if (cur != nr || !stat_is(cg, nr))
		removed_error("%s: current %ld, expected %d", cg, cur, nr);

	if (nested) {
		ret = cg_rmdir(leaf);
		if (ret)
			removed_error("rmdir %s: %s", leaf, strerror(-ret));
	}
	ret = cg_rmdir(cg);
	if (ret)
		removed_error("rmdir %s: %s", cg, strerror(-ret));
	else
		count(S_REMOVED);

out_child:
	if (pid > 0) {
		if (write(to_child[1], "g", 1) != 1)
			kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			unexpected("the process in %s failed", leaf);
	}
	close(to_child[1]);
	close(from_child[0]);
out_rmdir:
	if (nested)
		cg_rmdir(leaf);
	cg_rmdir(cg);
}

static int creator_main(void)
{
	unsigned int n = 0;

	rnd_seed(1003);
	boost();
	while (phase() == PHASE_RUN)
		removed_cycle(n++);
	return 0;
}

/*
 * Fork a process that runs @fn, killed if the test's process dies; returns
 * its pid, or -1.
 */
static pid_t start(int (*fn)(int, int), int a, int b)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(fn(a, b));
	}
	if (pid < 0)
		ksft_perror("fork");
	return pid;
}

static int run_worker(int idx, int nr_threads)
{
	return worker_main(idx, nr_threads);
}

static int run_migrator(int nr_workers, int unused)
{
	return migrator_main(nr_workers);
}

static int run_changer(int unused1, int unused2)
{
	return changer_main();
}

static int run_creator(int unused1, int unused2)
{
	return creator_main();
}

/*
 * Wait up to @timeout_s for the processes @pids, and kill those left.
 * Returns the number that did not exit with 0 in time.
 */
static int wait_all(pid_t *pids, int nr, int timeout_s)
{
	long deadline = now_ms() + timeout_s * 1000L;
	int status, bad = 0, left = 0, i;
	pid_t pid;

	for (i = 0; i < nr; i++)
		left += pids[i] > 0;
	while (left && now_ms() < deadline) {
		for (i = 0; i < nr; i++) {
			if (pids[i] <= 0)
				continue;
			pid = waitpid(pids[i], &status, WNOHANG);
			if (!pid)
				continue;
			if (pid < 0 || !WIFEXITED(status) ||
			    WEXITSTATUS(status)) {
				note("process %d: %s %d", pids[i],
				     pid < 0 ? "lost" :
				     WIFEXITED(status) ? "exit" : "signal",
				     pid < 0 ? errno :
				     WIFEXITED(status) ? WEXITSTATUS(status) :
							 WTERMSIG(status));
				bad++;
			}
			pids[i] = -1;
			left--;
		}
		if (left)
			usleep(10000);
	}
	for (i = 0; i < nr; i++) {
		if (pids[i] <= 0)
			continue;
		note("process %d did not finish in %d s", pids[i], timeout_s);
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
		pids[i] = -1;
		bad++;
	}
	return bad;
}

static bool wait_counter(int *counter, int val, int timeout_s)
{
	long deadline = now_ms() + timeout_s * 1000L;

	while (__atomic_load_n(counter, __ATOMIC_SEQ_CST) < val) {
		if (now_ms() > deadline)
			return false;
		usleep(10000);
	}
	return true;
}

/* Whether every cgroup is at or under its limit */
static bool within_limits(bool verbose)
{
	bool ok = true;
	long cur;
	int n;

	for (n = 0; n < NR_NODES; n++) {
		cur = cg_read_long(nodes[n].path, "ioasids.current");
		if (cur >= 0 && cur <= sh->limit[n])
			continue;
		if (verbose)
			note("%s: current %ld over its limit %ld at rest",
			     nodes[n].name, cur, sh->limit[n]);
		ok = false;
	}
	return ok;
}

static bool check_accounting(void)
{
	bool ok = true;
	long cur;
	int n;

	for (n = 0; n < NR_NODES; n++) {
		cur = cg_read_long(nodes[n].path, "ioasids.current");
		if (cur != sh->held[n]) {
			note("%s: current %ld, but the workers hold %ld",
			     nodes[n].name, cur, sh->held[n]);
			ok = false;
		}
		if (!stat_is(nodes[n].path, sh->held[n]))
			ok = false;
	}
	return ok;
}

/* In @loc: 0 if an IOASID can be allocated, 1 if refused, 2 on error */
static int probe(int loc, int unused)
{
	long ret;
	int fd;

	if (cg_enter(locs[loc].path, 0))
		return 2;
	fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 2;
	ret = alloc_counted(fd);
	if (ret > 0) {
		if (!id_take(ret))
			return 2;
		id_release(ret);
	}
	close(fd);
	return ret > 0 ? 0 : ret == -EBUSY ? 1 : 2;
}

static bool check_enforced(void)
{
	long cur[NR_NODES];
	int loc, n, status;
	bool ok = true;
	bool room;
	pid_t pid;

	for (n = 0; n < NR_NODES; n++)
		cur[n] = cg_read_long(nodes[n].path, "ioasids.current");
	for (loc = 0; loc < NR_LOCS; loc++) {
		room = true;
		for (n = locs[loc].owner; n >= 0; n = nodes[n].parent)
			room &= cur[n] < sh->limit[n];
		pid = start(probe, loc, 0);
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) > 1) {
			note("%s: the probe failed", locs[loc].path);
			ok = false;
			continue;
		}
		if (room != !WEXITSTATUS(status)) {
			note("%s: allocation %s, expected %s", locs[loc].path,
			     WEXITSTATUS(status) ? "refused" : "allowed",
			     room ? "allowed" : "refused");
			ok = false;
		}
	}
	/* The probes took nothing */
	for (n = 0; n < NR_NODES; n++) {
		if (cg_read_long(nodes[n].path, "ioasids.current") != cur[n]) {
			note("%s: a probe left a charge", nodes[n].name);
			ok = false;
		}
	}
	return ok;
}

/*
 * Every refusal on a limit is counted once, in ioasids.events.local of the
 * cgroup whose limit refused, and in ioasids.events of that cgroup and of
 * its ancestors: T's counts every refusal the test saw.
 */
static bool check_events(void)
{
	long ev[NR_NODES], local[NR_NODES], sum;
	bool ok = true;
	int n, c;

	for (n = 0; n < NR_NODES; n++) {
		ev[n] = cg_read_key(nodes[n].path, "ioasids.events", "max");
		local[n] = cg_read_key(nodes[n].path, "ioasids.events.local",
				       "max");
		if (cg_read_key(nodes[n].path, "ioasids.events",
				"pinned.max")) {
			note("%s: refusals on ioasids.pinned.max",
			     nodes[n].name);
			ok = false;
		}
	}
	if (ev[N_T] != stat_read(S_EBUSY)) {
		note("T: %ld refusals in ioasids.events, the test saw %ld",
		     ev[N_T], stat_read(S_EBUSY));
		ok = false;
	}
	for (n = 0; n < NR_NODES; n++) {
		sum = local[n];
		for (c = 0; c < NR_NODES; c++)
			if (nodes[c].parent == n)
				sum += ev[c];
		/* T also counts those of its removed children. */
		if (n == N_T ? ev[n] < sum : ev[n] != sum) {
			note("%s: %ld refusals in ioasids.events, %ld in its and its children's",
			     nodes[n].name, ev[n], sum);
			ok = false;
		}
	}
	return ok;
}

static bool check_peaks(void)
{
	bool ok = true;
	long peak;
	int n;

	for (n = 0; n < NR_NODES; n++) {
		peak = cg_read_long(nodes[n].path, "ioasids.peak");
		if (peak < 0 || peak > sh->hi[n]) {
			note("%s: peak %ld over its highest limit %ld",
			     nodes[n].name, peak, sh->hi[n]);
			ok = false;
		}
	}
	return ok;
}

/* The root's ioasids.current and the file line of its ioasids.stat */
struct root_counts {
	long current;
	long file;
};

static void read_root(struct root_counts *rc)
{
	rc->current = cg_read_long(cg_root, "ioasids.current");
	rc->file = cg_read_key(cg_root, "ioasids.stat", "file");
}

static bool check_zero(const struct root_counts *before)
{
	struct root_counts after;
	bool ok = true;
	long deadline;
	size_t i;
	int n;

	for (n = 0; n < NR_NODES; n++) {
		deadline = now_ms() + RELEASE_TIMEOUT_MS;
		while (cg_read_long(nodes[n].path, "ioasids.current") &&
		       now_ms() < deadline)
			usleep(10000);
		if (cg_read_long(nodes[n].path, "ioasids.current")) {
			note("%s: current %ld once everything is closed",
			     nodes[n].name,
			     cg_read_long(nodes[n].path, "ioasids.current"));
			ok = false;
		}
		if (!stat_is(nodes[n].path, 0))
			ok = false;
		if (sh->held[n]) {
			note("%s: the test still counts %ld held",
			     nodes[n].name, sh->held[n]);
			ok = false;
		}
	}
	read_root(&after);
	if (after.current != before->current || after.file != before->file) {
		note("root: current %ld and file %ld, %ld and %ld before",
		     after.current, after.file, before->current, before->file);
		ok = false;
	}
	for (i = 0; i < bitmap_len / sizeof(*bitmap); i++) {
		if (bitmap[i]) {
			note("IOASIDs still marked held from %zu", i * 64);
			ok = false;
			break;
		}
	}
	/* The removed cgroups are freed with their last charge. */
	if (cg_read_key("", "cgroup.stat", "nr_dying_descendants") >= 0) {
		deadline = now_ms() + RELEASE_TIMEOUT_MS;
		while (cg_read_key("", "cgroup.stat", "nr_dying_descendants") &&
		       now_ms() < deadline)
			usleep(50000);
		if (cg_read_key("", "cgroup.stat", "nr_dying_descendants")) {
			note("T: %ld removed cgroups still dying",
			     cg_read_key("", "cgroup.stat",
					 "nr_dying_descendants"));
			ok = false;
		}
	}
	return ok;
}

static bool check_errors(void)
{
	bool ok = !stat_read(S_ERROR);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(must_run); i++) {
		if (!stat_read(must_run[i])) {
			note("no %s: the load did not run long enough",
			     stat_names[must_run[i]]);
			ok = false;
		}
	}
	return ok;
}

/* Remove whatever is left of the test's cgroups */
static void remove_tree(void)
{
	static const char *const dirs[] = {
		"park", "b/e", "b", "a/c", "a/d", "a", "",
	};
	char path[PATH_MAX + 8];
	struct dirent *de;
	unsigned int i;
	DIR *dir;

	dir = opendir(base);
	if (dir) {
		while ((de = readdir(dir))) {
			if (strncmp(de->d_name, "eph", 3))
				continue;
			snprintf(path, sizeof(path), "%s/x", de->d_name);
			cg_rmdir(path);
			cg_rmdir(de->d_name);
		}
		closedir(dir);
	}
	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		cg_rmdir(dirs[i]);
}

static int create_tree(void)
{
	static const char *const dirs[] = {
		"", "a", "a/c", "a/d", "b", "b/e", "park",
	};
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(dirs) && !ret; i++) {
		ret = cg_mkdir(dirs[i]);
		if (!ret && i == 0)
			ret = cg_write("", "cgroup.subtree_control", "+ioasids");
		if (!ret && i == 1)
			ret = cg_write("a", "cgroup.subtree_control",
				       "+ioasids");
	}
	if (ret)
		ksft_print_msg("%s: creating %s: %s\n", base, dirs[i - 1],
			       strerror(-ret));
	return ret;
}

static void init_shared(void)
{
	pthread_rwlockattr_t rwattr;
	pthread_mutexattr_t mattr;
	int i;

	memset(sh, 0, sizeof(*sh));
	memset(bitmap, 0, bitmap_len);
	pthread_rwlockattr_init(&rwattr);
	pthread_rwlockattr_setpshared(&rwattr, PTHREAD_PROCESS_SHARED);
	/* The changer must get its turn between the checked allocations. */
	pthread_rwlockattr_setkind_np(&rwattr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&sh->limits, &rwattr);
	pthread_mutexattr_init(&mattr);
	pthread_mutexattr_setpshared(&mattr, PTHREAD_PROCESS_SHARED);
	for (i = 0; i < MAX_WORKERS; i++)
		pthread_mutex_init(&sh->workers[i].lock, &mattr);
}

static void print_stats(const struct scenario *sc)
{
	char buf[1024];
	int len = 0, i;

	for (i = 0; i < NR_STATS; i++)
		len += snprintf(buf + len, sizeof(buf) - len, " %s=%ld",
				stat_names[i], stat_read(i));
	ksft_print_msg("%s:%s\n", sc->name, buf);
}

static void run_scenario(const struct scenario *sc, int seconds)
{
	pid_t workers[MAX_WORKERS], helpers[3];
	int nr_threads = sc->nr_workers * sc->nr_threads;
	struct root_counts root_before;
	/* When it started, loaded, settled and stopped, for the log */
	long t_start = now_ms(), t_load = 0, t_settle = 0, t_stop = 0;
	bool ok[NR_CHECKS] = {};
	int settle, i, n, bad;
	long deadline, cur;
	bool setup = false;

	init_shared();
	snprintf(base, sizeof(base), "%s/ioasid_stress.%d", cg_root,
		 getpid());
	read_root(&root_before);
	for (i = 0; i < MAX_WORKERS; i++)
		workers[i] = -1;
	for (i = 0; i < 3; i++)
		helpers[i] = -1;

	if (create_tree())
		goto report;
	for (n = 0; n < NR_NODES; n++) {
		sh->hi[n] = nodes[n].init;
		if (set_limit(n, nodes[n].init))
			goto report;
	}
	rnd_seed(1000);
	ksft_print_msg("%s: %d workers of %d threads for %d s, seed %lu\n",
		       sc->name, sc->nr_workers, sc->nr_threads, seconds, seed);

	for (i = 0; i < sc->nr_workers; i++) {
		workers[i] = start(run_worker, i, sc->nr_threads);
		if (workers[i] < 0)
			goto stop;
	}
	if (!wait_counter(&sh->ready, nr_threads, STOP_TIMEOUT_S)) {
		ksft_print_msg("the workers did not start\n");
		goto stop;
	}
	helpers[0] = start(run_migrator, sc->nr_workers, 0);
	helpers[1] = start(run_changer, 0, 0);
	helpers[2] = start(run_creator, 0, 0);
	t_load = now_ms();
	sleep(seconds);

	/* The limits stop changing: the final ones, one under the usage */
	set_phase(PHASE_SETTLE);
	if (wait_all(helpers, 3, STOP_TIMEOUT_S))
		goto stop;
	for (n = 0; n < NR_NODES; n++)
		set_limit(n, nodes[n].lo +
			     rnd32() % (nodes[n].hi - nodes[n].lo + 1));
	for (i = 0; i < NR_NODES; i++) {
		n = rnd32() % NR_NODES;
		cur = cg_read_long(nodes[n].path, "ioasids.current");
		if (cur > 0) {
			ksft_print_msg("%s: limit lowered to %ld, under its usage %ld\n",
				       nodes[n].name, cur - 1, cur);
			set_limit(n, cur - 1);
			break;
		}
	}
	t_settle = now_ms();
	settle = seconds / 10;
	settle = settle < SETTLE_MIN_S ? SETTLE_MIN_S : settle;
	sleep(settle);
	deadline = now_ms() + SETTLE_MAX_S * 1000L;
	while (!within_limits(false) && now_ms() < deadline)
		usleep(10000);

	set_phase(PHASE_STOP);
	t_stop = now_ms();
	if (!wait_counter(&sh->stopped, nr_threads, STOP_TIMEOUT_S)) {
		ksft_print_msg("the workers did not stop\n");
		goto stop;
	}
	setup = true;
	ok[C_REST_LIMITS] = within_limits(true);
	ok[C_REST_ACCOUNTING] = check_accounting();
	ok[C_REST_ENFORCED] = check_enforced();

stop:
	set_phase(PHASE_EXIT);
	bad = wait_all(helpers, 3, STOP_TIMEOUT_S);
	bad += wait_all(workers, sc->nr_workers, STOP_TIMEOUT_S);
	if (bad) {
		unexpected("%d processes failed", bad);
		setup = false;
	}
	if (setup) {
		ok[C_DOUBLE] = !stat_read(S_DOUBLE);
		ok[C_WITHIN] = !stat_read(S_OVER);
		ok[C_PEAK] = check_peaks();
		ok[C_FILES] = !stat_read(S_FILE_ERROR) &&
			      stat_read(S_FILE_CHECK);
		ok[C_EVENTS] = check_events();
		ok[C_REMOVED] = !stat_read(S_REMOVED_ERROR) &&
				stat_read(S_REMOVED);
		ok[C_ZERO] = check_zero(&root_before);
		ok[C_ERRORS] = check_errors();
	}
	print_stats(sc);
	if (t_stop)
		ksft_print_msg("%s: %ld ms to start, %ld of load, %ld to settle, %ld to check\n",
			       sc->name, t_load - t_start, t_settle - t_load,
			       t_stop - t_settle, now_ms() - t_stop);
report:
	remove_tree();
	for (i = 0; i < NR_CHECKS; i++)
		ksft_test_result(ok[i], "%s.%s\n", sc->name, check_names[i]);
}

/* The mount point of cgroup v2, in cg_root */
static int find_cgroup2(void)
{
	char dev[256], dir[1024], type[64];
	int ret = -1;
	FILE *f;

	f = fopen("/proc/self/mounts", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%255s %1023s %63s %*s %*d %*d\n", dev, dir,
		      type) == 3) {
		if (!strcmp(type, "cgroup2")) {
			snprintf(cg_root, sizeof(cg_root), "%s", dir);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

static void usage(const char *prog)
{
	fprintf(stderr, "Usage: %s [-d SECONDS] [-s SEED]\n"
		"  -d  how long the load runs, split between the scenarios\n"
		"      (default $%s, else %d)\n"
		"  -s  the seed of the random choices\n", prog, DURATION_ENV,
		DEFAULT_DURATION);
}

int main(int argc, char **argv)
{
	struct ioasid_get_info info = { .size = sizeof(info) };
	const char *env = getenv(DURATION_ENV);
	int duration = env && *env ? atoi(env) : DEFAULT_DURATION;
	char buf[256];
	size_t i;
	int opt, fd;

	seed = time(NULL);
	while ((opt = getopt(argc, argv, "d:s:h")) != -1) {
		switch (opt) {
		case 'd':
			duration = atoi(optarg);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : KSFT_FAIL;
		}
	}
	if (duration < (int)ARRAY_SIZE(scenarios)) {
		usage(argv[0]);
		return KSFT_FAIL;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();

	if (geteuid())
		ksft_exit_skip("needs root\n");
	fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		ksft_exit_skip("%s: %s\n", IOASID_DEV, strerror(errno));
	if (ioctl(fd, IOASID_GET_INFO, &info))
		ksft_exit_fail_msg("IOASID_GET_INFO: %s\n", strerror(errno));
	close(fd);
	if (info.capacity < 128)
		ksft_exit_skip("needs 128 IOASIDs, the system has %u\n",
			       info.capacity);
	if (find_cgroup2())
		ksft_exit_skip("cgroup v2 isn't mounted\n");
	snprintf(base, sizeof(base), "%s", cg_root);
	if (cg_read("", "cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "ioasids"))
		ksft_exit_skip("ioasids controller isn't available\n");
	if (cg_read("", "cgroup.subtree_control", buf, sizeof(buf)) ||
	    !strstr(buf, "ioasids"))
		if (cg_write("", "cgroup.subtree_control", "+ioasids"))
			ksft_exit_skip("cannot enable the ioasids controller\n");

	bitmap_bits = info.max_ioasid + 1;
	bitmap_len = (bitmap_bits + 63) / 64 * sizeof(*bitmap);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	bitmap = mmap(NULL, bitmap_len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || bitmap == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));

	ksft_set_plan(ARRAY_SIZE(scenarios) * NR_CHECKS);
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		run_scenario(&scenarios[i], duration / ARRAY_SIZE(scenarios));
	ksft_finished();
}
