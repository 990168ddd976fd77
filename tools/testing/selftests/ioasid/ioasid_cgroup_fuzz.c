// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzzer of the interface files of the ioasids cgroup controller.
 *
 * ioasids.max and ioasids.pinned.max of a child cgroup get --iterations
 * writes each (3000 by default) of random bytes: numbers with signs,
 * suffixes and whitespace around them, embedded NULs, huge and negative
 * numbers, "max" and its look-alikes, and lengths from 0 to over a page.
 * The seed of the sequence is printed, and --seed sets it.  A write that
 * fails must leave every file of the cgroup as it was; a write that
 * succeeds must be one that the documented format accepts, and the file
 * must then read the value written.  A reference parser of the format
 * (Documentation/admin-guide/cgroup-v2-ioasids.rst: "max", or a count; or
 * a size in bytes with an optional K, M, G, T, P or E suffix) decides
 * which.
 *
 * The read-only files, of the child, of its parent and of the root, must
 * refuse to be written.  cgroup.subtree_control of the parent gets a fifth
 * as many random "+ioasids"-like writes, which enable and disable the
 * controller in the child, where the test holds an IOASID: the charges
 * must not move, whatever is written, and return when the IOASID is freed.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/ioasid.h>

#include "../kselftest_harness.h"
#include "../cgroup/vfio_util.h"
#include "ioasid_util.h"

/* The largest limit: the largest page_counter on 64-bit, LONG_MAX / 4096 */
#define LIMIT_MAX	(LLONG_MAX / 4096)
/* What the kernel writes at once in a cgroup file */
#define WRITE_MAX	4096
/* The longest input, over WRITE_MAX */
#define INPUT_MAX	(3 * WRITE_MAX)

/* Writes to each read-only file */
#define READ_ONLY_WRITES	50

static unsigned long nr_iterations = 3000;
static unsigned long long seed;

/* The files of a child cgroup, compared before and after each write */
static const char cg_files[][24] = {
	"ioasids.max",
	"ioasids.current",
	"ioasids.peak",
	"ioasids.events",
	"ioasids.events.local",
	"ioasids.stat",
	"ioasids.pinned.max",
	"ioasids.pinned.current",
	"ioasids.pinned.peak",
};

#define NR_CG_FILES	ARRAY_SIZE(cg_files)

/* The read-only files of the root */
static const char *const root_files[] = {
	"ioasids.current",
	"ioasids.peak",
	"ioasids.stat",
	"ioasids.capacity",
	"ioasids.pinned.current",
	"ioasids.pinned.peak",
};

/* The contents of the files of a cgroup */
struct snap {
	char file[NR_CG_FILES][256];
};

struct counts {
	unsigned long accepted;
	unsigned long rejected[3];	/* EINVAL, ERANGE, E2BIG */
	unsigned long empty;
};

FIXTURE(cgfuzz)
{
	char root[CG_PATH_MAX];
	/* The test cgroup, which enables ioasids for the child */
	char cg[CG_PATH_MAX + 32];
	/* Its child, where the test runs */
	char child[CG_PATH_MAX + 64];
	/* fds of the child's files, for reading */
	int fds[NR_CG_FILES];
	/* A file of /dev/ioasid opened in the child, holding an IOASID */
	int holder;
	long long root_current;
	char *input;
	struct counts counts;
};

static long long cg_value(const char *cg, const char *file)
{
	char buf[64];

	if (cg_read_file(cg, file, buf, sizeof(buf)))
		return -1;
	return atoll(buf);
}

/* The reference parser, after the kernel's ctype and kstrtoull() */

static bool k_isspace(unsigned char c)
{
	return (c >= '\t' && c <= '\r') || c == ' ' || c == 0xa0;
}

/* strstrip(): the string from @s, cut at a NUL, without spaces around */
static void strip(const char *s, size_t len, char *out)
{
	size_t start = 0, end = strnlen(s, len);

	while (end > 0 && k_isspace(s[end - 1]))
		end--;
	while (start < end && k_isspace(s[start]))
		start++;
	memcpy(out, s + start, end - start);
	out[end - start] = '\0';
}

/* kstrtoull(s, 10): 0, -EINVAL or -ERANGE */
static int k_strtoull(const char *s, unsigned long long *res)
{
	unsigned long long val = 0;
	bool overflow = false;
	size_t nr = 0;

	if (*s == '+')
		s++;
	while (s[nr] >= '0' && s[nr] <= '9') {
		unsigned int digit = s[nr] - '0';

		if (val > (ULLONG_MAX - digit) / 10)
			overflow = true;
		val = val * 10 + digit;
		nr++;
	}
	if (overflow)
		return -ERANGE;
	if (!nr)
		return -EINVAL;
	s += nr;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = val;
	return 0;
}

/*
 * What the kernel makes of a write of @len bytes of @buf to ioasids.max,
 * or to ioasids.pinned.max if @bytes: 0 and the limit in @limit (in
 * pages for memory; LIMIT_MAX for "max"), or -errno.
 */
static int model_parse(const char *buf, size_t len, bool bytes,
		       unsigned long long *limit)
{
	static const char suffixes[] = "KMGTPE";
	unsigned long long val;
	unsigned int shift = 0;
	char s[INPUT_MAX + 1];
	const char *suffix;
	size_t slen;
	int ret;

	if (len > WRITE_MAX)
		return -E2BIG;
	strip(buf, len, s);
	if (!strcmp(s, "max")) {
		*limit = LIMIT_MAX;
		return 0;
	}
	slen = strlen(s);
	if (bytes && slen) {
		char c = s[slen - 1];

		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		suffix = strchr(suffixes, c);
		if (suffix && c) {
			shift = 10 * (suffix - suffixes + 1);
			s[slen - 1] = '\0';
		}
	}
	ret = k_strtoull(s, &val);
	if (ret)
		return ret;
	if (bytes) {
		if (val > (ULLONG_MAX >> shift))
			return -ERANGE;
		val = (val << shift) >> 12;
	}
	if (val >= LIMIT_MAX)
		return -ERANGE;
	*limit = val;
	return 0;
}

/* How a limit reads */
static void limit_text(unsigned long long limit, bool bytes, char *out,
		       size_t len)
{
	if (limit == LIMIT_MAX)
		snprintf(out, len, "max\n");
	else
		snprintf(out, len, "%llu\n", bytes ? limit * 4096 : limit);
}

/* Random input */

static const char *const numbers[] = {
	"0", "1", "7", "4095", "4096", "4097", "65536",
	"2251799813685246", "2251799813685247", "2251799813685248",
	"9223372036854767616", "9223372036854771711", "9223372036854771712",
	"9223372036854775807", "9223372036854775808",
	"18446744073709551615", "18446744073709551616",
	"99999999999999999999999999", "00000000000000000000000042",
	"9007199254740984", "2199023255551",
};

static const char *const specials[] = {
	"max", "max\n", " max ", "\tmax\n\n", "MAX", "Max", "ma", "maxx",
	"max max", "max\n\n", "\n", " ", "-1", "-0", "+0", "+", "0x10",
	"1e3", "1.5", "1,000", "1_000", "4K", "4k", "1E", "7E", "8E", "15E",
	"16E", "8191P", "8192P", "2047P", "2048P", "2097151T", "2097152T",
	"8796093022207K", "8796093022208K", "1KB", "1KiB", "1B", "K", "E",
	"5\nK", "5 K", "\xa0\x31\x32\xa0", "12\x1c", "\v12\f", "12\r\n",
};

static const char spaces[] = " \t\n\v\f\r\xa0";
static const char suffix_chars[] = "KMGTPEkmgtpeXxB";

static size_t append(char *buf, size_t len, const char *s, size_t n)
{
	if (len + n > INPUT_MAX)
		n = INPUT_MAX - len;
	memcpy(buf + len, s, n);
	return len + n;
}

static size_t append_str(char *buf, size_t len, const char *s)
{
	return append(buf, len, s, strlen(s));
}

static size_t append_spaces(char *buf, size_t len)
{
	unsigned int i, nr = 1 + rnd(3);

	for (i = 0; i < nr; i++)
		len = append(buf, len, &spaces[rnd(sizeof(spaces) - 1)], 1);
	return len;
}

static size_t append_junk(char *buf, size_t len, unsigned int max)
{
	unsigned int i, nr = 1 + rnd(max);
	char c;

	for (i = 0; i < nr; i++) {
		c = rnd(256);
		len = append(buf, len, &c, 1);
	}
	return len;
}

/* A number, maybe signed, with spaces, a suffix, a NUL and junk */
static size_t gen_number(char *buf)
{
	static const char *const signs[] = { "+", "-", "++", "+-", "-+" };
	static const char *const prefixes[] = { "0x", "0", "00", "0b" };
	unsigned int i, nr;
	size_t len = 0;
	char c;

	if (chance(20))
		len = append_spaces(buf, len);
	if (chance(15))
		len = append_str(buf, len, signs[rnd(ARRAY_SIZE(signs))]);
	if (chance(5))
		len = append_str(buf, len, prefixes[rnd(ARRAY_SIZE(prefixes))]);
	if (chance(40)) {
		len = append_str(buf, len, numbers[rnd(ARRAY_SIZE(numbers))]);
	} else {
		nr = 1 + rnd(chance(80) ? 8 : 25);
		for (i = 0; i < nr; i++) {
			c = '0' + rnd(10);
			len = append(buf, len, &c, 1);
		}
	}
	if (chance(30)) {
		len = append(buf, len, &suffix_chars[rnd(sizeof(suffix_chars) - 1)],
			     1);
		if (chance(10))
			len = append_str(buf, len, chance(50) ? "B" : "iB");
	}
	if (chance(40))
		len = append_spaces(buf, len);
	if (chance(10)) {
		len = append(buf, len, "", 1);
		len = append_junk(buf, len, 8);
	}
	if (chance(5))
		len = append_junk(buf, len, 2);
	return len;
}

/* Random input for a limit file, in @buf of INPUT_MAX bytes */
static size_t gen_input(char *buf)
{
	size_t len, n;

	switch (rnd(12)) {
	case 0:
		return 0;
	case 1:
		/* Random bytes */
		return append_junk(buf, 0, chance(90) ? 40 : 300);
	case 2:
		/* Around a page: spaces after a number, or a long number */
		len = gen_number(buf);
		n = WRITE_MAX - 8 + rnd(16);
		if (chance(20))
			n = WRITE_MAX + 1 + rnd(INPUT_MAX - WRITE_MAX - 1);
		if (n > len) {
			memset(buf + len, chance(50) ? ' ' : '0', n - len);
			len = n;
		}
		return len;
	case 3:
	case 4:
		n = rnd(ARRAY_SIZE(specials));
		len = append_str(buf, 0, specials[n]);
		/* With the NUL of the string, or junk after it */
		if (chance(20))
			len = append(buf, len, "", 1);
		if (chance(10))
			len = append_junk(buf, len, 4);
		return len;
	default:
		return gen_number(buf);
	}
}

/* Show @len bytes of @buf in a message, escaped, shortened */
static const char *show(const char *buf, size_t len, char *out, size_t size)
{
	size_t i, o = 0;

	/* Room for an escape, and for the length of a long input */
	for (i = 0; i < len && o + 32 < size; i++) {
		unsigned char c = buf[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = c;
		else
			o += snprintf(out + o, size - o, "\\x%02x", c);
	}
	out[o] = '\0';
	if (i < len)
		snprintf(out + o, size - o, "...(%zu bytes)", len);
	return out;
}

static void snapshot(struct __test_metadata *_metadata,
		     FIXTURE_DATA(cgfuzz) * self, struct snap *s)
{
	unsigned int i;
	ssize_t n;

	for (i = 0; i < NR_CG_FILES; i++) {
		n = pread(self->fds[i], s->file[i], sizeof(s->file[i]) - 1, 0);
		ASSERT_LE(0, n)
			TH_LOG("%s/%s: %s", self->child, cg_files[i],
			       strerror(errno));
		s->file[i][n] = '\0';
	}
}

static void check_snap(struct __test_metadata *_metadata,
		       FIXTURE_DATA(cgfuzz) * self, const struct snap *want,
		       const char *input, size_t len)
{
	char shown[256];
	struct snap now;
	unsigned int i;

	show(input, len, shown, sizeof(shown));
	snapshot(_metadata, self, &now);
	for (i = 0; i < NR_CG_FILES; i++)
		ASSERT_STREQ(want->file[i], now.file[i])
			TH_LOG("%s after writing \"%s\"", cg_files[i], shown);
}

/*
 * A write of @len bytes of @input returned @ret: it must have failed with
 * @want, or, if @want is 0, written every byte.  The messages start with
 * @prefix.
 */
static void check_write(struct __test_metadata *_metadata,
			const char *prefix, const char *input, size_t len,
			int want, ssize_t ret)
{
	char shown[256];

	if (want) {
		ASSERT_EQ(want, ret)
			TH_LOG("%swriting \"%s\": %s, expected %s", prefix,
			       show(input, len, shown, sizeof(shown)),
			       ret < 0 ? strerror(-ret) : "success",
			       strerror(-want));
	} else {
		ASSERT_EQ((ssize_t)len, ret)
			TH_LOG("%swriting \"%s\": %s, expected success",
			       prefix, show(input, len, shown, sizeof(shown)),
			       ret < 0 ? strerror(-ret) : "short");
	}
}

FIXTURE_SETUP(cgfuzz)
{
	struct ioasid_alloc alloc = { .size = sizeof(alloc) };
	char path[PATH_MAX];
	const char *why;
	unsigned int i;

	self->holder = -1;
	for (i = 0; i < NR_CG_FILES; i++)
		self->fds[i] = -1;
	why = cg_setup_root(self->root, sizeof(self->root));
	if (why)
		SKIP(return, "%s", why);

	snprintf(self->cg, sizeof(self->cg), "%s/ioasid_cgroup_fuzz.%d",
		 self->root, getpid());
	snprintf(self->child, sizeof(self->child), "%s/child", self->cg);
	ASSERT_EQ(0, mkdir(self->cg, 0755));
	ASSERT_EQ(0, cg_write_file(self->cg, "cgroup.subtree_control",
				   "+ioasids"));
	ASSERT_EQ(0, mkdir(self->child, 0755));
	ASSERT_EQ(0, cg_write_file(self->child, "cgroup.procs", "0"));

	/* An IOASID charged to the child, if there is /dev/ioasid */
	self->holder = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	if (self->holder >= 0)
		ASSERT_EQ(0, ioctl(self->holder, IOASID_ALLOC, &alloc));
	self->root_current = cg_value(self->root, "ioasids.current");

	for (i = 0; i < NR_CG_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", self->child,
			 cg_files[i]);
		self->fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, self->fds[i]) TH_LOG("%s", path);
	}
	self->input = malloc(INPUT_MAX);
	ASSERT_NE(NULL, self->input);
}

FIXTURE_TEARDOWN(cgfuzz)
{
	unsigned int i;

	for (i = 0; i < NR_CG_FILES; i++)
		if (self->fds[i] >= 0)
			close(self->fds[i]);
	if (self->holder >= 0)
		close(self->holder);
	free(self->input);
	if (!self->cg[0])
		return;
	cg_write_file(self->root, "cgroup.procs", "0");
	rmdir(self->child);
	rmdir(self->cg);
}

static void count(struct counts *c, ssize_t ret)
{
	if (ret == -EINVAL)
		c->rejected[0]++;
	else if (ret == -ERANGE)
		c->rejected[1]++;
	else if (ret == -E2BIG)
		c->rejected[2]++;
	else if (ret == 0)
		c->empty++;
	else
		c->accepted++;
}

static void print_counts(const char *file, const struct counts *c,
			 unsigned long nr, double secs)
{
	ksft_print_msg("%s: seed %llu, %lu writes in %.1f s: %lu accepted, %lu empty\n",
		       file, seed, nr, secs, c->accepted, c->empty);
	ksft_print_msg("%s: rejected %lu with EINVAL, %lu ERANGE, %lu E2BIG\n",
		       file, c->rejected[0], c->rejected[1], c->rejected[2]);
	fflush(stdout);
}

/* Fuzz the limit file @idx of cg_files[] of the child. */
static void fuzz_limit(struct __test_metadata *_metadata,
		       FIXTURE_DATA(cgfuzz) * self, unsigned int idx,
		       bool bytes)
{
	const char *file = cg_files[idx];
	char prefix[64], path[PATH_MAX];
	unsigned long long limit;
	double start = now();
	struct snap before;
	unsigned long i;
	int want, fd;
	size_t len;
	ssize_t ret;

	rng_state = (seed ? seed : 1) + idx;
	memset(&self->counts, 0, sizeof(self->counts));
	snapshot(_metadata, self, &before);
	snprintf(prefix, sizeof(prefix), "%s: ", file);
	/* Each write of an open file is parsed on its own. */
	snprintf(path, sizeof(path), "%s/%s", self->child, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < nr_iterations; i++) {
		len = gen_input(self->input);
		ret = write(fd, self->input, len);
		if (ret < 0)
			ret = -errno;
		count(&self->counts, ret);
		want = len ? model_parse(self->input, len, bytes, &limit) : 0;

		if (!len) {
			/* An empty write is ignored. */
			ASSERT_EQ(0, ret);
		} else {
			check_write(_metadata, prefix, self->input, len, want,
				    ret);
			if (!want)
				limit_text(limit, bytes, before.file[idx],
					   sizeof(before.file[idx]));
		}
		check_snap(_metadata, self, &before, self->input, len);
	}
	print_counts(file, &self->counts, nr_iterations, now() - start);
	close(fd);

	/* Back to no limit */
	ASSERT_EQ(0, cg_write_file(self->child, file, "max"));
}

TEST_F_TIMEOUT(cgfuzz, max, 900)
{
	fuzz_limit(_metadata, self, 0, false);
}

TEST_F_TIMEOUT(cgfuzz, pinned_max, 900)
{
	fuzz_limit(_metadata, self, 6, true);
}

/* Every read-only file refuses to be opened for writing, or written. */
static void fuzz_read_only(struct __test_metadata *_metadata,
			   FIXTURE_DATA(cgfuzz) * self, const char *cg,
			   const char *file)
{
	static const int modes[] = {
		O_WRONLY, O_RDWR, O_WRONLY | O_TRUNC, O_WRONLY | O_APPEND,
	};
	char path[PATH_MAX], before[256], after[256];
	unsigned int i;
	size_t len;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	ASSERT_EQ(0, read_file(path, before, sizeof(before)));
	for (i = 0; i < READ_ONLY_WRITES; i++) {
		len = gen_input(self->input);
		fd = open(path, modes[rnd(ARRAY_SIZE(modes))] | O_CLOEXEC);
		if (fd >= 0) {
			n = write(fd, self->input, len);
			close(fd);
			ASSERT_GE(0, n)
				TH_LOG("%s: written", path);
		} else {
			ASSERT_EQ(EACCES, errno)
				TH_LOG("%s: %s", path, strerror(errno));
		}
	}
	ASSERT_EQ(0, read_file(path, after, sizeof(after)));
	ASSERT_STREQ(before, after) TH_LOG("%s", path);
}

TEST_F_TIMEOUT(cgfuzz, read_only, 900)
{
	struct snap before;
	unsigned int i;

	rng_state = (seed ? seed : 1) + 100;
	snapshot(_metadata, self, &before);
	for (i = 0; i < NR_CG_FILES; i++) {
		if (strstr(cg_files[i], "max"))
			continue;
		fuzz_read_only(_metadata, self, self->child, cg_files[i]);
		fuzz_read_only(_metadata, self, self->cg, cg_files[i]);
	}
	for (i = 0; i < ARRAY_SIZE(root_files); i++)
		fuzz_read_only(_metadata, self, self->root, root_files[i]);
	check_snap(_metadata, self, &before, "", 0);
	ksft_print_msg("read-only files: %u writes each, all refused\n",
		       READ_ONLY_WRITES);
	fflush(stdout);
}

/* cgroup.subtree_control */

static const char *const tokens[] = {
	"+ioasids", "-ioasids", "+ioasids", "-ioasids", "ioasids", "+ioasid",
	"-ioasidsx", "+IOASIDS", "+", "-", "++ioasids", "--ioasids",
	"+ioasids\n", "+io\tasids", "+ioasids\t", "*ioasids", "+Z0", "-Q_9",
	"+ioasids\xa0",
};

/* Random "+ioasids"-like input, in @buf of INPUT_MAX bytes */
static size_t gen_subtree(char *buf)
{
	static const char *const seps[] = { " ", "  ", "\t", "\n", " \t " };
	unsigned int i, nr;
	size_t len = 0;

	switch (rnd(10)) {
	case 0:
		return append_junk(buf, 0, 24);
	case 1:
		return gen_input(buf);
	default:
		break;
	}
	if (chance(20))
		len = append_spaces(buf, len);
	nr = 1 + rnd(4);
	for (i = 0; i < nr; i++) {
		if (i)
			len = append_str(buf, len, seps[rnd(ARRAY_SIZE(seps))]);
		len = append_str(buf, len, tokens[rnd(ARRAY_SIZE(tokens))]);
	}
	if (chance(30))
		len = append_spaces(buf, len);
	if (chance(10)) {
		len = append(buf, len, "", 1);
		len = append_junk(buf, len, 8);
	}
	if (chance(3)) {
		memset(buf + len, ' ', INPUT_MAX - len);
		len = WRITE_MAX - 4 + rnd(12);
	}
	return len;
}

/*
 * What cgroup.subtree_control makes of a write: -EINVAL, or 0 with the
 * new state of ioasids in @enabled.  The tokens are separated by spaces;
 * each must be "+" or "-" and the name of a controller, here ioasids.
 */
static int model_subtree(const char *buf, size_t len, bool *enabled)
{
	char s[INPUT_MAX + 1], *tok, *save = s;
	int op = 0;

	if (len > WRITE_MAX)
		return -E2BIG;
	strip(buf, len, s);
	while ((tok = strsep(&save, " "))) {
		if (!*tok)
			continue;
		if (strcmp(tok + 1, "ioasids") || (*tok != '+' && *tok != '-'))
			return -EINVAL;
		op = *tok;
	}
	if (op)
		*enabled = op == '+';
	return 0;
}

/* Open a file of /dev/ioasid, allocate, check the charge, close. */
static void alloc_once(struct __test_metadata *_metadata,
		       FIXTURE_DATA(cgfuzz) * self, long long cg_base)
{
	struct ioasid_alloc alloc = { .size = sizeof(alloc) };
	int fd;

	fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, IOASID_ALLOC, &alloc));
	ASSERT_EQ(cg_base + 1, cg_value(self->cg, "ioasids.current"));
	ASSERT_EQ(self->root_current + 1,
		  cg_value(self->root, "ioasids.current"));
	close(fd);
	ASSERT_EQ(cg_base, cg_value(self->cg, "ioasids.current"));
}

TEST_F_TIMEOUT(cgfuzz, subtree_control, 900)
{
	char shown[256], sc[64], stat[256], want_stat[256];
	long long cg_base = cg_value(self->cg, "ioasids.current");
	/* A fifth as many: each change of the controller is slow. */
	unsigned long i, nr = (nr_iterations + 4) / 5;
	bool enabled = true, was;
	double start = now();
	size_t len;
	ssize_t ret;
	int want;

	rng_state = (seed ? seed : 1) + 200;
	memset(&self->counts, 0, sizeof(self->counts));
	ASSERT_EQ(0, cg_read_file(self->cg, "ioasids.stat", want_stat,
				  sizeof(want_stat)));
	for (i = 0; i < nr; i++) {
		len = gen_subtree(self->input);
		ret = cg_write_bytes(self->cg, "cgroup.subtree_control",
				     self->input, len);
		count(&self->counts, ret);
		was = enabled;
		want = len ? model_subtree(self->input, len, &enabled) : 0;
		check_write(_metadata, "", self->input, len, want, ret);

		ASSERT_EQ(0, cg_read_file(self->cg, "cgroup.subtree_control",
					  sc, sizeof(sc)));
		ASSERT_STREQ(enabled ? "ioasids\n" : "", sc)
			TH_LOG("after writing \"%s\"",
			       show(self->input, len, shown, sizeof(shown)));
		ASSERT_EQ(enabled, !access(self->child, F_OK) &&
			  !cg_read_file(self->child, "ioasids.max", sc,
					sizeof(sc)));
		/* The charges stay where they are. */
		ASSERT_EQ(cg_base, cg_value(self->cg, "ioasids.current"));
		ASSERT_EQ(0, cg_read_file(self->cg, "ioasids.stat", stat,
					  sizeof(stat)));
		ASSERT_STREQ(want_stat, stat);
		ASSERT_EQ(self->root_current,
			  cg_value(self->root, "ioasids.current"));
		/* A new charge goes to the child, or to the test cgroup. */
		if (enabled != was && self->holder >= 0)
			alloc_once(_metadata, self, cg_base);
	}
	print_counts("cgroup.subtree_control", &self->counts, nr,
		     now() - start);

	if (!enabled)
		ASSERT_EQ(0, cg_write_file(self->cg, "cgroup.subtree_control",
					   "+ioasids"));
	/* Closing the file returns the charge of a cgroup replaced since. */
	if (self->holder >= 0) {
		close(self->holder);
		self->holder = -1;
		ASSERT_EQ(cg_base - 1, cg_value(self->cg, "ioasids.current"));
		ASSERT_EQ(self->root_current - 1,
			  cg_value(self->root, "ioasids.current"));
	}
}

int main(int argc, char **argv)
{
	argc = fuzz_parse_args(argc, argv, &nr_iterations, &seed);
	if (argc < 0)
		return KSFT_FAIL;
	return test_harness_run(argc, argv);
}
