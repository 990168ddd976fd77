// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space side of make bench: the paths users run, timed in a guest
 * booted once with the ioasids controller and once with
 * cgroup_disable=ioasids (the scripts beside it run it in both).  Test-only:
 * it is not part of the patch series.
 *
 *	bench_ioasids pinned type1|iommufd SIZE_KIB COUNT REPS
 *		[small|huge|huge-offset]
 *		COUNT maps of SIZE_KIB each (distinct IOVAs and pages), then
 *		COUNT unmaps, REPS times, for an edu device through a VFIO
 *		type1 container or through iommufd; with the controller,
 *		checks that the root's ioasids.pinned.current rises by what
 *		is mapped and returns to where it was.  The first repetition
 *		also measures the slab memory of the live mappings.  With
 *		"small" or "huge", the memory is in small pages only, or as
 *		the kernel gives it (huge pages), and the process runs in a
 *		memory cgroup of its own, whose memory.stat counts the slab
 *		objects that its pins allocate (charged to it with
 *		__GFP_ACCOUNT), to within a page per CPU; "huge-offset" is
 *		"huge" mapped from 1 MiB into its first huge page on, as a
 *		VMM maps its guest's memory from 1 MiB on.
 *	bench_ioasids sva REPS COUNT
 *		COUNT opens and closes of /dev/ioasid_mock_sva20 (an SVA bind
 *		and unbind) by one process, which keeps the PASID of its mm;
 *		then the first bind and unbind of each of COUNT child
 *		processes, which allocates and charges a PASID, timed in the
 *		child (their median).
 *	bench_ioasids stat SETS REPS
 *		Reads of ioasids.stat of a cgroup holding one set while another
 *		cgroup holds one set, then while it holds SETS sets.
 *
 * Each result is a line "# bench KIND key=value ...", times in nanoseconds
 * of the guest's clock: in a guest booted with -icount, instructions.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "vfio_util.h"
#include "../ioasid/ioasid_util.h"

#define CGROUP_ROOT	"/sys/fs/cgroup"
#define ROOT_PINNED	CGROUP_ROOT "/ioasids.pinned.current"
#define SVA_DEV		"/dev/ioasid_mock_sva20"
/* Where the mappings start: above the edu's 32-bit DMA and MSI window */
#define BENCH_IOVA	0x100000000ULL
#define MAX_REPS	100

static long long clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The median of the @n values of @v, which it sorts */
static long long median(long long *v, long n)
{
	qsort(v, n, sizeof(*v), cmp_ll);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A number of /proc/meminfo, in bytes, or -1 */
static long long meminfo_bytes(const char *key)
{
	char line[128];
	long long kib = -1;
	size_t len = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			kib = atoll(line + len + 1);
			break;
		}
	fclose(f);
	return kib < 0 ? -1 : kib * 1024;
}

/* The root's ioasids.pinned.current, or -1 without the controller */
static long long root_pinned(void)
{
	char buf[32];

	if (sysfs_read(ROOT_PINNED, buf, sizeof(buf)))
		return -1;
	return atoll(buf);
}

static int parse(const char *s, long min, long max, long *val)
{
	char *end;

	errno = 0;
	*val = strtol(s, &end, 10);
	return errno || end == s || *end || *val < min || *val > max ? -1 : 0;
}

/* The two ways to pin memory for the edu device */
struct pinner {
	bool iommufd;
	struct type1 t;
	struct iommufd f;
};

static int pin_map(struct pinner *p, __u64 iova, void *buf, size_t len)
{
	if (p->iommufd)
		return iommufd_map(&p->f, iova, buf, len);
	return type1_map(p->t.container, iova, buf, len);
}

static int pin_unmap(struct pinner *p, __u64 iova, size_t len)
{
	long long ret = p->iommufd ? iommufd_unmap(&p->f, iova, len) :
				     type1_unmap(p->t.container, iova, len);

	return ret == (long long)len ? 0 : -1;
}

#define MEMCG		CGROUP_ROOT "/bench_memcg"

/*
 * The "slab" bytes of the memory cgroup of bench_pinned()'s "small" and
 * "huge": after the periodic flush of the memory cgroups' statistics
 * (every 2 s), since a read flushes them only past a threshold of 64
 * pages per CPU.  Each CPU may hold back a page of it still.
 */
static long long memcg_slab_bytes(void)
{
	long long bytes = -1;
	char line[128];
	FILE *f;

	sleep(3);
	f = fopen(MEMCG "/memory.stat", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "slab ", 5)) {
			bytes = atoll(line + 5);
			break;
		}
	fclose(f);
	return bytes;
}

/* Into a memory cgroup of its own: MEMCG */
static void enter_memcg(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file(CGROUP_ROOT "/cgroup.subtree_control", "+memory") ||
	    (mkdir(MEMCG, 0755) && errno != EEXIST) ||
	    write_file(MEMCG "/cgroup.procs", pid))
		ksft_exit_fail_msg("cannot enter %s\n", MEMCG);
}

/* @len bytes of memory in small pages, written to; or NULL */
static char *small_alloc(size_t len)
{
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t off;

	if (buf == MAP_FAILED || madvise(buf, len, MADV_NOHUGEPAGE))
		return NULL;
	for (off = 0; off < len; off += 4096)
		buf[off] = 1;
	return buf;
}

static int bench_pinned(int argc, char **argv)
{
	long size_kib, count, reps, i, rep;
	long long map_ns[MAX_REPS], unmap_ns[MAX_REPS], t, base, slab = -1;
	struct pinner p = {
		.t = { .container = -1, .group = -1 },
		.f = { .iommufd = -1, .dev = -1 },
	};
	bool controller = !access(ROOT_PINNED, F_OK);
	size_t size, alloc_size;
	char *buf, *map_buf;
	int ret;

	const char *pages = argc == 6 ? argv[5] : NULL;
	bool small = pages && !strcmp(pages, "small");
	bool offset = pages && !strcmp(pages, "huge-offset");
	bool memcg = small || offset || (pages && !strcmp(pages, "huge"));

	if ((argc != 5 && !memcg) ||
	    (strcmp(argv[1], "type1") && strcmp(argv[1], "iommufd")) ||
	    parse(argv[2], 4, 1L << 22, &size_kib) ||
	    parse(argv[3], 1, 1L << 20, &count) ||
	    parse(argv[4], 1, MAX_REPS, &reps))
		ksft_exit_fail_msg("usage: pinned type1|iommufd SIZE_KIB COUNT REPS [small|huge|huge-offset]\n");
	p.iommufd = !strcmp(argv[1], "iommufd");
	size = (size_t)size_kib << 10;
	if (memcg)
		enter_memcg();

	edu_vfio_init();
	/* The offset takes a huge page more */
	alloc_size = size * count + (offset ? 2 << 20 : 0);
	buf = small ? small_alloc(alloc_size) : buf_alloc(alloc_size);
	map_buf = buf + (offset ? 1 << 20 : 0);
	if (!buf)
		ksft_exit_fail_msg("cannot allocate %ld KiB\n", size_kib * count);
	ret = p.iommufd ? iommufd_open(&p.f) : type1_open(&p.t);
	if (ret)
		ksft_exit_fail_msg("cannot open %s for %s\n", argv[1], edu_bdf);
	base = root_pinned();

	for (rep = 0; rep < reps; rep++) {
		long long slab_before = memcg ? memcg_slab_bytes() :
						meminfo_bytes("Slab");

		t = clock_ns();
		for (i = 0; i < count; i++) {
			ret = pin_map(&p, BENCH_IOVA + i * size,
				      map_buf + i * size, size);
			if (ret)
				ksft_exit_fail_msg("map %ld of %ld KiB: %s\n", i,
						   size_kib, strerror(-ret));
		}
		map_ns[rep] = clock_ns() - t;
		if (rep == 0)
			slab = (memcg ? memcg_slab_bytes() :
					meminfo_bytes("Slab")) - slab_before;
		if (controller && root_pinned() - base != (long long)size * count)
			ksft_exit_fail_msg("pinned.current %+lld, expected %+lld\n",
					   root_pinned() - base,
					   (long long)size * count);
		t = clock_ns();
		for (i = 0; i < count; i++)
			if (pin_unmap(&p, BENCH_IOVA + i * size, size))
				ksft_exit_fail_msg("unmap %ld failed\n", i);
		unmap_ns[rep] = clock_ns() - t;
		if (controller && root_pinned() != base)
			ksft_exit_fail_msg("pinned.current %+lld after the unmaps\n",
					   root_pinned() - base);
	}
	ksft_print_msg("bench pinned backend=%s size_kib=%ld count=%ld reps=%ld",
		       argv[1], size_kib, count, reps);
	if (memcg)
		printf(" pages=%s", pages);
	printf(" map_ns=%lld unmap_ns=%lld slab_bytes=%lld controller=%s\n",
	       median(map_ns, reps), median(unmap_ns, reps), slab,
	       controller ? "on" : "off");
	if (p.iommufd)
		iommufd_close(&p.f);
	else
		type1_close(&p.t);
	buf_free(buf, alloc_size);
	edu_vfio_exit();
	return 0;
}

/* An SVA bind and unbind: returns 0 or -errno. */
static int sva_bind_unbind(void)
{
	int fd = open(SVA_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * The median of the times of the first bind (which allocates and charges
 * the mm's PASID) and unbind of @count children, each timed in the child;
 * or -1.  The PASID is freed and uncharged when the child's mm goes,
 * untimed.
 */
static long long sva_first_binds(long count)
{
	long long *times = calloc(count, sizeof(*times)), t = -1;
	int pipefd[2], status;
	long i;

	if (!times || pipe(pipefd))
		goto out;
	for (i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (!pid) {
			t = clock_ns();
			if (sva_bind_unbind())
				_exit(1);
			t = clock_ns() - t;
			_exit(write(pipefd[1], &t, sizeof(t)) != sizeof(t));
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) ||
		    read(pipefd[0], &times[i], sizeof(t)) != sizeof(t))
			break;
	}
	close(pipefd[0]);
	close(pipefd[1]);
	t = i == count ? median(times, count) : -1;
out:
	free(times);
	return t;
}

static int bench_sva(int argc, char **argv)
{
	long long same[MAX_REPS], first[MAX_REPS], t;
	long reps, count, rep, i;
	int ret;

	if (argc != 3 || parse(argv[1], 1, MAX_REPS, &reps) ||
	    parse(argv[2], 1, 1L << 20, &count))
		ksft_exit_fail_msg("usage: sva REPS COUNT\n");
	ret = sva_bind_unbind();
	if (ret)
		ksft_exit_fail_msg("%s: %s\n", SVA_DEV, strerror(-ret));

	for (rep = 0; rep < reps; rep++) {
		t = clock_ns();
		for (i = 0; i < count; i++)
			if (sva_bind_unbind())
				ksft_exit_fail_msg("bind %ld failed\n", i);
		same[rep] = clock_ns() - t;
		first[rep] = sva_first_binds(count);
		if (first[rep] < 0)
			ksft_exit_fail_msg("a child failed\n");
	}
	ksft_print_msg("bench sva reps=%ld count=%ld", reps, count);
	printf(" same_mm_ns=%lld first_bind_ns=%lld controller=%s\n",
	       median(same, reps), median(first, reps),
	       access(ROOT_PINNED, F_OK) ? "off" : "on");
	return 0;
}

/* A child in cgroup @cg that holds @sets sets of one IOASID each */
static pid_t hold_sets(const char *cg, long sets)
{
	struct rlimit nofile = { sets + 64, sets + 64 };
	char path[PATH_MAX];
	int pipefd[2];
	pid_t pid;
	char c;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (!pid) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		if (write_file(path, "0") || setrlimit(RLIMIT_NOFILE, &nofile))
			_exit(1);
		for (long i = 0; i < sets; i++) {
			int fd = ioasid_open();

			if (fd < 0 || ioasid_alloc(fd) < 1)
				_exit(1);
		}
		if (write(pipefd[1], "k", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	if (pid > 0 && read(pipefd[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(pipefd[0]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

#define STAT_READS	100

/* The fastest of @reps batches of STAT_READS reads of @file, per read */
static long long time_stat(const char *file, long reps)
{
	long long best = LLONG_MAX, t;
	char buf[512];

	for (long rep = 0; rep < reps; rep++) {
		t = clock_ns();
		for (int i = 0; i < STAT_READS; i++)
			if (sysfs_read(file, buf, sizeof(buf)))
				return -1;
		t = (clock_ns() - t) / STAT_READS;
		if (t < best)
			best = t;
	}
	return best;
}

static int bench_stat(int argc, char **argv)
{
	const char *reader = CGROUP_ROOT "/bench_stat_reader";
	const char *other = CGROUP_ROOT "/bench_stat_other";
	long long one, many;
	long sets, reps;
	char file[PATH_MAX];
	pid_t mine, theirs;

	if (argc != 3 || parse(argv[1], 1, 1L << 20, &sets) ||
	    parse(argv[2], 1, MAX_REPS, &reps))
		ksft_exit_fail_msg("usage: stat SETS REPS\n");
	if (access(ROOT_PINNED, F_OK)) {
		ksft_print_msg("bench stat skipped: the ioasids controller is disabled\n");
		return 0;
	}
	write_file(CGROUP_ROOT "/cgroup.subtree_control", "+ioasids");
	if ((mkdir(reader, 0755) && errno != EEXIST) ||
	    (mkdir(other, 0755) && errno != EEXIST))
		ksft_exit_fail_msg("mkdir: %s\n", strerror(errno));
	snprintf(file, sizeof(file), "%s/ioasids.stat", reader);

	mine = hold_sets(reader, 1);
	theirs = hold_sets(other, 1);
	if (mine < 0 || theirs < 0)
		ksft_exit_fail_msg("cannot hold the sets\n");
	time_stat(file, reps);
	one = time_stat(file, reps);
	reap(theirs);
	theirs = hold_sets(other, sets);
	if (theirs < 0)
		ksft_exit_fail_msg("cannot hold %ld sets\n", sets);
	many = time_stat(file, reps);
	reap(theirs);
	reap(mine);
	rmdir(reader);
	rmdir(other);
	if (one < 0 || many < 0)
		ksft_exit_fail_msg("cannot read %s\n", file);
	ksft_print_msg("bench stat sets=%ld reads=%d reps=%ld one_ns=%lld many_ns=%lld\n",
		       sets, STAT_READS, reps, one, many);
	return 0;
}

int main(int argc, char **argv)
{
	cpu_set_t cpu0;

	ksft_print_header();
	/*
	 * On one CPU, with its children: a child's mm then goes as soon as
	 * the parent runs again, instead of staying the lazy mm of another
	 * CPU for as long as that CPU idles, which would decide whether the
	 * next child's PASID is allocated beside the previous one's.
	 */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		ksft_exit_fail_msg("sched_setaffinity: %s\n", strerror(errno));
	if (argc >= 2 && !strcmp(argv[1], "pinned"))
		bench_pinned(argc - 1, argv + 1);
	else if (argc >= 2 && !strcmp(argv[1], "sva"))
		bench_sva(argc - 1, argv + 1);
	else if (argc >= 2 && !strcmp(argv[1], "stat"))
		bench_stat(argc - 1, argv + 1);
	else
		ksft_exit_fail_msg("usage: %s pinned|sva|stat ARGS...\n", argv[0]);
	ksft_set_plan(1);
	ksft_test_result_pass("%s\n", argv[1]);
	ksft_finished();
}
