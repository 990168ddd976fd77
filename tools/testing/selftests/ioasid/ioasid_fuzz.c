// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzzer of the /dev/ioasid ioctls.
 *
 * It makes --iterations calls (100000 by default) on a few files of
 * /dev/ioasid, from a pseudo-random sequence that --seed chooses (it
 * prints the seed it uses): command numbers of the device's ioctl type and
 * of others, sizes from 0 to huge, with zeroed and non-zeroed tails,
 * random flags and fields, and pointers that are NULL, in the kernel, in a
 * PROT_NONE page, in an unmapped page, in a read-only page, misaligned, or
 * across the boundary of two pages.
 *
 * It keeps a model of every file: the IOASIDs it holds and its quota.  A
 * call that succeeds updates the model as the uAPI says it does; a call
 * that fails must change nothing, and a call whose struct is readable and
 * well-formed must have the outcome the model predicts.  Every so often
 * and at the end, the model is compared with what IOASID_GET_INFO reports
 * for each file and with ioasids.current and ioasids.stat of the test
 * cgroup and of the root.  At the end, every IOASID is freed and every
 * file closed, and the counters must be back to their values at the
 * start.
 *
 * IOASID_BIND_IOMMUFD is not fuzzed: it takes a file of /dev/iommu, and
 * hands the file to the iommufd context it binds, which a model of the
 * files alone cannot follow.
 *
 * A second test makes as many calls from several processes that share the
 * files: then the usage of the files must add up to the charges, and
 * closing them must return every charge.
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ioasid.h>

#include "../kselftest_harness.h"
#include "ioasid_util.h"

/* The files the fuzzer works on */
#define NR_FILES	3
/* ioasids.max of the test cgroup, and the most IOASIDs held at once */
#define CG_MAX_IDS	40
#define MAX_IDS		64
/* Compare the model with the kernel every CHECK_EVERY calls */
#define CHECK_EVERY	1000
/* The processes of the concurrent test */
#define NR_PROCS	4
/* Close and reopen a file about once in REOPEN_EVERY calls */
#define REOPEN_EVERY	3000

/*
 * The commands the fuzzer makes, 0 to NR_CMDS - 1, and the number of
 * commands the device knows: the one past them, IOASID_BIND_IOMMUFD, is
 * never made (see above), and the numbers from NR_DEV_CMDS are unknown.
 */
#define NR_CMDS		4
#define NR_DEV_CMDS	5

static unsigned long nr_iterations = 100000;
static unsigned long long seed;

static const struct {
	__u32 size;
	const char *name;
} cmd_info[NR_CMDS] = {
	{ sizeof(struct ioasid_get_info), "GET_INFO" },
	{ sizeof(struct ioasid_alloc), "ALLOC" },
	{ sizeof(struct ioasid_free), "FREE" },
	{ sizeof(struct ioasid_set_quota), "SET_QUOTA" },
};

/* What a file holds, as the uAPI says */
struct model_file {
	int fd;
	__u32 quota;
	unsigned int nr;
	__u32 ids[MAX_IDS];
};

/* Where the struct of a call is */
enum ptr_kind {
	PTR_GOOD,		/* read-write, aligned */
	PTR_MISALIGNED,		/* read-write, misaligned */
	PTR_STRADDLE,		/* read-write, across two pages */
	PTR_RO,			/* read-only page */
	PTR_RO_STRADDLE,	/* read-only page, then an unmapped one */
	PTR_INTO_NONE,		/* read-write page, then a PROT_NONE one */
	PTR_NONE,		/* PROT_NONE page */
	PTR_HOLE,		/* unmapped page */
	PTR_NULL,
	PTR_LOW,		/* below the lowest mappable address */
	PTR_KERNEL,		/* kernel or non-canonical address */
	NR_PTR_KINDS
};

/* Which kinds leave the whole struct readable and writable */
static bool ptr_rw(enum ptr_kind kind)
{
	return kind <= PTR_STRADDLE;
}

struct fuzz_stats {
	unsigned long calls;
	unsigned long ok;
	unsigned long by_errno[160];
	unsigned long by_cmd[NR_CMDS];
	unsigned long ok_by_cmd[NR_CMDS];
	unsigned long checks;
	unsigned long reopens;
};

FIXTURE(fuzz)
{
	char root[CG_PATH_MAX];
	char cg[CG_PATH_MAX + 32];
	char leaf[CG_PATH_MAX + 64];
	bool have_cg;
	long long root_base;
	long long leaf_base;
	long page;
	/* rw: 2 pages; none: PROT_NONE; ro: read-only; hole: unmapped */
	char *rw, *none, *ro, *hole;
	/* A writable view of the read-only page */
	char *ro_alias;
	int memfd;
	__u32 min_ioasid;
	__u32 max_ioasid;
	struct model_file files[NR_FILES];
	struct fuzz_stats st;
	/* Other processes work on the same files: no model to check */
	bool blind;
};

/* A single value file, or a "key value" line of a flat-keyed one */
static long long cg_value(const char *cg, const char *file, const char *key)
{
	char buf[512], *p;
	size_t len;

	if (cg_read_file(cg, file, buf, sizeof(buf)))
		return -1;
	if (!key)
		return atoll(buf);
	len = strlen(key);
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, len) && p[len] == ' ')
			return atoll(p + len + 1);
	return -1;
}

/* Set up the test cgroup, or leave have_cg false. */
static void setup_cgroup(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fuzz) * self)
{
	char buf[256];

	if (cg_setup_root(self->root, sizeof(self->root)))
		return;
	snprintf(self->cg, sizeof(self->cg), "%s/ioasid_fuzz.%d", self->root,
		 getpid());
	snprintf(self->leaf, sizeof(self->leaf), "%s/leaf", self->cg);
	ASSERT_EQ(0, mkdir(self->cg, 0755));
	ASSERT_EQ(0, cg_write_file(self->cg, "cgroup.subtree_control",
				   "+ioasids"));
	ASSERT_EQ(0, mkdir(self->leaf, 0755));
	snprintf(buf, sizeof(buf), "%d", CG_MAX_IDS);
	ASSERT_EQ(0, cg_write_file(self->leaf, "ioasids.max", buf));
	ASSERT_EQ(0, cg_write_file(self->leaf, "cgroup.procs", "0"));
	self->have_cg = true;
	self->root_base = cg_value(self->root, "ioasids.current", NULL);
	self->leaf_base = cg_value(self->leaf, "ioasids.current", NULL);
	ASSERT_LE(0, self->root_base);
	ASSERT_EQ(0, self->leaf_base);
}

/*
 * The pages the structs go to: two read-write, one PROT_NONE, one
 * read-only (a shared mapping of a memfd, written through another), one
 * unmapped.
 */
static void setup_memory(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fuzz) * self)
{
	long page = sysconf(_SC_PAGESIZE);
	char *arena;

	self->page = page;
	self->memfd = memfd_create("ioasid_fuzz", MFD_CLOEXEC);
	ASSERT_LE(0, self->memfd);
	ASSERT_EQ(0, ftruncate(self->memfd, page));
	self->ro_alias = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED,
			      self->memfd, 0);
	ASSERT_NE(MAP_FAILED, self->ro_alias);

	arena = mmap(NULL, 5 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	ASSERT_NE(MAP_FAILED, arena);
	self->rw = arena;
	self->none = arena + 2 * page;
	self->ro = arena + 3 * page;
	self->hole = arena + 4 * page;
	ASSERT_EQ(0, mprotect(self->rw, 2 * page, PROT_READ | PROT_WRITE));
	memset(self->rw, 0, 2 * page);
	ASSERT_EQ(self->ro, mmap(self->ro, page, PROT_READ,
				 MAP_SHARED | MAP_FIXED, self->memfd, 0));
	ASSERT_EQ(0, munmap(self->hole, page));
}

static int open_file(struct model_file *mf)
{
	memset(mf, 0, sizeof(*mf));
	mf->quota = IOASID_QUOTA_UNLIMITED;
	mf->fd = open(IOASID_DEV, O_RDWR | O_CLOEXEC);
	return mf->fd;
}

FIXTURE_SETUP(fuzz)
{
	struct ioasid_get_info info = { .size = sizeof(info) };
	int i;

	for (i = 0; i < NR_FILES; i++)
		self->files[i].fd = -1;
	if (access(IOASID_DEV, F_OK))
		SKIP(return, "no " IOASID_DEV);
	setup_cgroup(_metadata, self);
	setup_memory(_metadata, self);
	for (i = 0; i < NR_FILES; i++)
		ASSERT_LE(0, open_file(&self->files[i]));
	ASSERT_EQ(0, ioctl(self->files[0].fd, IOASID_GET_INFO, &info));
	self->min_ioasid = info.min_ioasid;
	self->max_ioasid = info.max_ioasid;
}

FIXTURE_TEARDOWN(fuzz)
{
	int i;

	for (i = 0; i < NR_FILES; i++)
		if (self->files[i].fd >= 0)
			close(self->files[i].fd);
	if (!self->have_cg)
		return;
	cg_write_file(self->root, "cgroup.procs", "0");
	rmdir(self->leaf);
	rmdir(self->cg);
}

/* The index of @id in @mf, or -1 */
static int model_find(const struct model_file *mf, __u32 id)
{
	unsigned int i;

	for (i = 0; i < mf->nr; i++)
		if (mf->ids[i] == id)
			return i;
	return -1;
}

static void model_remove(struct model_file *mf, int i)
{
	mf->nr--;
	mf->ids[i] = mf->ids[mf->nr];
}

static unsigned int model_total(FIXTURE_DATA(fuzz) * self)
{
	unsigned int i, nr = 0;

	for (i = 0; i < NR_FILES; i++)
		nr += self->files[i].nr;
	return nr;
}

/* Whether any file holds @id */
static bool model_held(FIXTURE_DATA(fuzz) * self, __u32 id)
{
	int i;

	for (i = 0; i < NR_FILES; i++)
		if (model_find(&self->files[i], id) >= 0)
			return true;
	return false;
}

/* An IOASID field: often one a file holds, sometimes one at the edges */
static __u32 pick_id(FIXTURE_DATA(fuzz) * self, const struct model_file *mf)
{
	const struct model_file *other = &self->files[rnd(NR_FILES)];

	switch (rnd(12)) {
	case 0: case 1: case 2: case 3:
		if (mf->nr)
			return mf->ids[rnd(mf->nr)];
		return rnd(8);
	case 4:
		if (other->nr)
			return other->ids[rnd(other->nr)];
		return 1;
	case 5:
		return chance(50) ? 0 : self->min_ioasid - rnd(2);
	case 6:
		return self->max_ioasid;
	case 7:
		return self->max_ioasid + 1;
	case 8:
		return UINT32_MAX;
	case 9:
		return rnd(64);
	default:
		return rnd32();
	}
}

/* flags: mostly valid, sometimes a random bit or random bits */
static __u32 pick_flags(__u32 valid)
{
	switch (rnd(20)) {
	case 0: case 1:
		return 1U << rnd(32);
	case 2:
		return rnd32();
	case 3:
		return UINT32_MAX;
	default:
		return valid ? rnd32() & valid : 0;
	}
}

/* A field that must be 0: mostly 0 */
static __u32 pick_zero(void)
{
	return chance(90) ? 0 : (chance(50) ? 1 : rnd32());
}

/*
 * The struct of command @nr, in @buf (its size field left to the caller):
 * valid more often than not, so that the calls get past the checks.
 */
static void fill_cmd(FIXTURE_DATA(fuzz) * self, struct model_file *mf,
		     unsigned int nr, void *buf)
{
	union {
		struct ioasid_get_info info;
		struct ioasid_alloc alloc;
		struct ioasid_free free;
		struct ioasid_set_quota quota;
	} *u = buf;
	__u32 a, b;

	switch (nr) {
	case IOASID_CMD_GET_INFO:
		u->info.flags = pick_flags(0);
		u->info.capacity = chance(80) ? 0 : rnd32();
		u->info.max_ioasid = chance(80) ? 0 : rnd32();
		u->info.quota = chance(80) ? 0 : rnd32();
		u->info.usage = chance(80) ? 0 : rnd32();
		u->info.alloc_flags = chance(80) ? 0 : rnd32();
		u->info.min_ioasid = pick_zero();
		break;
	case IOASID_CMD_ALLOC:
		u->alloc.flags = pick_flags(IOASID_ALLOC_RANGE);
		if (u->alloc.flags & IOASID_ALLOC_RANGE || chance(10)) {
			a = pick_id(self, mf);
			b = chance(50) ? a + rnd(4) : pick_id(self, mf);
			if (chance(10))
				b = UINT32_MAX;
			u->alloc.min = chance(80) ? a : b;
			u->alloc.max = chance(80) ? b : a;
		}
		u->alloc.out_ioasid = pick_zero();
		u->alloc.__reserved = pick_zero();
		break;
	case IOASID_CMD_FREE:
		u->free.flags = pick_flags(0);
		u->free.ioasid = pick_id(self, mf);
		u->free.__reserved = pick_zero();
		break;
	case IOASID_CMD_SET_QUOTA:
		u->quota.flags = pick_flags(0);
		switch (rnd(5)) {
		case 0: case 1:
			u->quota.quota = IOASID_QUOTA_UNLIMITED;
			break;
		case 2: case 3:
			u->quota.quota = rnd(CG_MAX_IDS + 8);
			break;
		default:
			u->quota.quota = rnd32();
		}
		u->quota.__reserved = pick_zero();
		break;
	}
}

/* The size field: mostly exact, else anything from 0 to huge */
static __u32 pick_size(__u32 size, long page)
{
	switch (rnd(20)) {
	case 0:
		return 0;
	case 1:
		return 1 + rnd(7);
	case 2:
		return size - 1 - rnd(4);
	case 3: case 4: case 5:
		return size + 1 + rnd(32);
	case 6:
		return rnd(2) ? page : 2 * page + rnd(64);
	case 7:
		switch (rnd(4)) {
		case 0:
			return UINT32_MAX;
		case 1:
			return 0x80000000U;
		case 2:
			return 0x10000;
		default:
			return rnd32();
		}
	case 8:
		return rnd(64);
	default:
		return size;
	}
}

/* A command: mostly one the device knows, else others of its type or not */
static unsigned long pick_cmd(void)
{
	unsigned long cmd;
	unsigned int type;

	switch (rnd(20)) {
	case 0:
		/* Its type, any number, direction and size; but no bind */
		do {
			cmd = _IOC(rnd(4), IOASID_TYPE, rnd(256),
				   rnd(1 << 14));
		} while (cmd == IOASID_BIND_IOMMUFD);
		return cmd;
	case 1:
		/* Just past the last command */
		return _IO(IOASID_TYPE, NR_DEV_CMDS + rnd(4));
	case 2:
		/*
		 * The number of a command with a direction and a size, which
		 * makes it another command, unknown: even the bind's.
		 */
		return _IOC(1 + rnd(3), IOASID_TYPE, rnd(NR_DEV_CMDS),
			    rnd(64));
	case 3:
	case 4:
		/*
		 * Another type; but none that the VFS serves on any file,
		 * such as FS_IOC_SETFLAGS, FIFREEZE or FIONBIO, which would
		 * act on the device node rather than reach the driver.
		 */
		do {
			type = rnd(256);
		} while (type == 0 || type == 0x15 || type == 'T' ||
			 type == 'X' || type == 'f' || type == 0x94 ||
			 type == IOASID_TYPE);
		return _IOC(rnd(4), type, rnd(256), rnd(1 << 14));
	default:
		return _IO(IOASID_TYPE, rnd(NR_CMDS));
	}
}

/*
 * The command's number if the device knows it, or -1; pick_cmd() never
 * makes IOASID_BIND_IOMMUFD, the one known command past NR_CMDS.
 */
static int known_cmd(unsigned long cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	if (cmd == _IO(IOASID_TYPE, nr) && nr < NR_CMDS)
		return nr;
	return -1;
}

static enum ptr_kind pick_ptr_kind(void)
{
	unsigned int r = rnd(100);

	if (r < 55)
		return PTR_GOOD;
	if (r < 62)
		return PTR_MISALIGNED;
	if (r < 69)
		return PTR_STRADDLE;
	return PTR_RO + rnd(NR_PTR_KINDS - PTR_RO);
}

/* A pointer of @kind to a struct of @len bytes */
static char *pick_ptr(FIXTURE_DATA(fuzz) * self, enum ptr_kind kind,
		      size_t len)
{
	long page = self->page;

	switch (kind) {
	case PTR_GOOD:
		return self->rw + 8 * rnd(page / 16);
	case PTR_MISALIGNED:
		return self->rw + 8 * rnd(page / 16) + 1 + rnd(7);
	case PTR_STRADDLE:
		return self->rw + page - 1 - rnd(len - 1);
	case PTR_RO:
		return self->ro + 8 * rnd(page / 16);
	case PTR_RO_STRADDLE:
		return self->ro + page - 1 - rnd(len - 1);
	case PTR_INTO_NONE:
		return self->rw + 2 * page - 1 - rnd(len - 1);
	case PTR_NONE:
		return self->none + rnd(page - len);
	case PTR_HOLE:
		return self->hole + rnd(page - len);
	case PTR_NULL:
		return NULL;
	case PTR_LOW:
		return (char *)(uintptr_t)(1 + rnd(page - 1));
	default:
		switch (rnd(4)) {
		case 0:
			return (char *)(uintptr_t)0xffffffff81000000ULL;
		case 1:
			return (char *)(uintptr_t)0xffff888000000000ULL;
		case 2:
			return (char *)(uintptr_t)(1ULL << 47) - rnd(8);
		default:
			return (char *)(uintptr_t)(~0ULL - rnd(64));
		}
	}
}

/* Copy @len bytes of @src to @dst, as far as they land in pages we write */
static void put_bytes(FIXTURE_DATA(fuzz) * self, char *dst, const void *src,
		      size_t len)
{
	const char *s = src;
	size_t i;

	for (i = 0; i < len; i++) {
		char *p = dst + i;

		if (p >= self->rw && p < self->rw + 2 * self->page)
			*p = s[i];
		else if (p >= self->ro && p < self->ro + self->page)
			self->ro_alias[p - self->ro] = s[i];
	}
}

static void report_errno(struct fuzz_stats *st, int err)
{
	if (err >= 0 && err < (int)ARRAY_SIZE(st->by_errno))
		st->by_errno[err]++;
}

/* Compare the model with what the kernel reports. */
static void check_model(struct __test_metadata *_metadata,
			FIXTURE_DATA(fuzz) * self, const char *when)
{
	struct ioasid_get_info info;
	unsigned int total = model_total(self);
	int i;

	self->st.checks++;
	for (i = 0; i < NR_FILES; i++) {
		struct model_file *mf = &self->files[i];

		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		ASSERT_EQ(0, ioctl(mf->fd, IOASID_GET_INFO, &info));
		ASSERT_EQ(mf->nr, info.usage)
			TH_LOG("%s: file %d: usage", when, i);
		ASSERT_EQ(mf->quota, info.quota)
			TH_LOG("%s: file %d: quota", when, i);
	}
	if (!self->have_cg)
		return;
	ASSERT_EQ(self->leaf_base + total,
		  cg_value(self->leaf, "ioasids.current", NULL))
		TH_LOG("%s: ioasids.current", when);
	ASSERT_EQ(total, cg_value(self->leaf, "ioasids.stat", "file"))
		TH_LOG("%s: ioasids.stat", when);
	ASSERT_EQ(self->root_base + total,
		  cg_value(self->root, "ioasids.current", NULL))
		TH_LOG("%s: the root's ioasids.current", when);
}

/* What expected_errno() returns when the model cannot tell */
#define OUTCOME_UNKNOWN	1

/*
 * The outcome of a call with a readable, well-formed struct: -errno, 0 for
 * a success, or OUTCOME_UNKNOWN.
 */
static int expected_errno(FIXTURE_DATA(fuzz) * self, struct model_file *mf,
			  unsigned int nr, const void *buf)
{
	const struct ioasid_alloc *alloc = buf;
	const struct ioasid_free *free_cmd = buf;

	switch (nr) {
	case IOASID_CMD_GET_INFO:
	case IOASID_CMD_SET_QUOTA:
		return 0;
	case IOASID_CMD_ALLOC:
		if (alloc->flags & IOASID_ALLOC_RANGE &&
		    (alloc->min > alloc->max || alloc->max < self->min_ioasid ||
		     alloc->min > self->max_ioasid))
			return -EINVAL;
		if (mf->nr >= mf->quota)
			return -EDQUOT;
		/* EBUSY, ENOSPC or ENOMEM, or a success */
		return OUTCOME_UNKNOWN;
	case IOASID_CMD_FREE:
		return model_find(mf, free_cmd->ioasid) < 0 ? -ENOENT : 0;
	}
	return OUTCOME_UNKNOWN;
}

/* Whether the struct in @buf is well-formed: known flags, zero reserved */
static bool well_formed(unsigned int nr, const void *buf)
{
	const struct ioasid_get_info *info = buf;
	const struct ioasid_alloc *alloc = buf;
	const struct ioasid_free *free_cmd = buf;
	const struct ioasid_set_quota *quota = buf;

	switch (nr) {
	case IOASID_CMD_GET_INFO:
		return !info->flags && !info->min_ioasid;
	case IOASID_CMD_ALLOC:
		if (alloc->flags & ~IOASID_ALLOC_RANGE || alloc->__reserved ||
		    alloc->out_ioasid)
			return false;
		return alloc->flags || (!alloc->min && !alloc->max);
	case IOASID_CMD_FREE:
		return !free_cmd->flags && !free_cmd->__reserved;
	case IOASID_CMD_SET_QUOTA:
		return !quota->flags && !quota->__reserved;
	}
	return false;
}

/* A successful call: check it against the model, and update the model. */
static void call_succeeded(struct __test_metadata *_metadata,
			   FIXTURE_DATA(fuzz) * self, struct model_file *mf,
			   unsigned int nr, const void *in, const void *out)
{
	const struct ioasid_get_info *info = out;
	const struct ioasid_alloc *alloc_in = in;
	const struct ioasid_alloc *alloc = out;
	const struct ioasid_free *free_cmd = in;
	const struct ioasid_set_quota *quota = in;
	__u32 id;
	int i;

	switch (nr) {
	case IOASID_CMD_GET_INFO:
		ASSERT_EQ(mf->nr, info->usage);
		ASSERT_EQ(mf->quota, info->quota);
		ASSERT_EQ(self->max_ioasid, info->max_ioasid);
		ASSERT_EQ(self->min_ioasid, info->min_ioasid);
		break;
	case IOASID_CMD_ALLOC:
		id = alloc->out_ioasid;
		ASSERT_LT(mf->nr, mf->quota)
			TH_LOG("ALLOC over the quota");
		ASSERT_LT(mf->nr, MAX_IDS);
		ASSERT_LE(self->min_ioasid, id);
		ASSERT_GE(self->max_ioasid, id);
		if (alloc_in->flags & IOASID_ALLOC_RANGE) {
			ASSERT_LE(alloc_in->min, id);
			ASSERT_GE(alloc_in->max, id);
		}
		ASSERT_FALSE(model_held(self, id))
			TH_LOG("ALLOC returned %u, which a file holds", id);
		mf->ids[mf->nr] = id;
		mf->nr++;
		break;
	case IOASID_CMD_FREE:
		i = model_find(mf, free_cmd->ioasid);
		ASSERT_LE(0, i)
			TH_LOG("FREE of %u, which the file does not hold",
			       free_cmd->ioasid);
		model_remove(mf, i);
		break;
	case IOASID_CMD_SET_QUOTA:
		mf->quota = quota->quota;
		break;
	}
}

/*
 * A call succeeded while other processes work on the same files: follow
 * what it did, to pick the IDs of the next calls, without checking it.
 */
static void blind_update(FIXTURE_DATA(fuzz) * self, struct model_file *mf,
			 unsigned int nr, const void *in, const char *ptr,
			 enum ptr_kind kind)
{
	const struct ioasid_free *free_cmd = in;
	const struct ioasid_set_quota *quota = in;
	struct ioasid_alloc alloc;
	int i;

	switch (nr) {
	case IOASID_CMD_ALLOC:
		if (!ptr_rw(kind) || mf->nr >= MAX_IDS)
			break;
		memcpy(&alloc, ptr, sizeof(alloc));
		mf->ids[mf->nr] = alloc.out_ioasid;
		mf->nr++;
		break;
	case IOASID_CMD_FREE:
		i = model_find(mf, free_cmd->ioasid);
		if (i >= 0)
			model_remove(mf, i);
		break;
	case IOASID_CMD_SET_QUOTA:
		mf->quota = quota->quota;
		break;
	}
}

/* One random call */
static void fuzz_one(struct __test_metadata *_metadata,
		     FIXTURE_DATA(fuzz) * self, unsigned long iter)
{
	struct model_file *mf = &self->files[rnd(NR_FILES)];
	__u64 tmpl_buf[32], out_buf[32];
	unsigned char *tmpl = (unsigned char *)tmpl_buf;
	unsigned long cmd = pick_cmd();
	int nr = known_cmd(cmd), ret, err, want;
	__u32 struct_size, size, copy_len;
	enum ptr_kind kind = pick_ptr_kind();
	bool nonzero_tail = false, clean;
	char *ptr;

	/* Random bytes, then a struct over them */
	struct_size = nr >= 0 ? cmd_info[nr].size : 8 + 4 * rnd(6);
	for (size = 0; size < ARRAY_SIZE(tmpl_buf); size++)
		tmpl_buf[size] = size < 8 ? 0 : rnd64();
	/* No IOASID over the bound of the model */
	if (nr == IOASID_CMD_ALLOC && model_total(self) >= MAX_IDS - 1) {
		nr = IOASID_CMD_FREE;
		cmd = IOASID_FREE;
	}
	if (nr >= 0)
		fill_cmd(self, mf, nr, tmpl);
	size = pick_size(struct_size, self->page);
	memcpy(tmpl, &size, sizeof(size));
	/* The bytes past the struct, that a larger size covers */
	copy_len = struct_size + 32;
	if (size > struct_size && chance(40)) {
		__u32 end = size < copy_len ? size : copy_len;

		tmpl[struct_size + rnd(end - struct_size)] = 1 + rnd(255);
		nonzero_tail = true;
	}

	ptr = pick_ptr(self, kind, struct_size);
	put_bytes(self, ptr, tmpl, copy_len);
	/* The zero tail of a large size runs to the end of the page. */
	if ((kind == PTR_GOOD || kind == PTR_MISALIGNED) && !nonzero_tail &&
	    size > copy_len)
		memset(ptr + copy_len, 0,
		       self->rw + 2 * self->page - (ptr + copy_len));

	ret = ioctl(mf->fd, cmd, ptr);
	err = ret ? errno : 0;
	self->st.calls++;

	if (nr < 0) {
		ASSERT_EQ(-1, ret)
			TH_LOG("call %lu: unknown command %#lx succeeded", iter,
			       cmd);
		ASSERT_EQ(ENOTTY, err)
			TH_LOG("call %lu: unknown command %#lx", iter, cmd);
		report_errno(&self->st, err);
		return;
	}
	self->st.by_cmd[nr]++;
	if (!ret && self->blind) {
		blind_update(self, mf, nr, tmpl, ptr, kind);
		return;
	}
	if (!ret) {
		self->st.ok++;
		self->st.ok_by_cmd[nr]++;
		ASSERT_TRUE(size >= struct_size && !nonzero_tail)
			TH_LOG("call %lu: %s of size %u succeeded", iter,
			       cmd_info[nr].name, size);
		/* Only a struct the kernel could read, and write back to */
		ASSERT_TRUE(ptr_rw(kind) ||
			    (kind == PTR_RO && nr != IOASID_CMD_GET_INFO &&
			     nr != IOASID_CMD_ALLOC))
			TH_LOG("call %lu: %s at %p succeeded", iter,
			       cmd_info[nr].name, ptr);
		memset(out_buf, 0, sizeof(out_buf));
		if (ptr_rw(kind))
			memcpy(out_buf, ptr, struct_size);
		call_succeeded(_metadata, self, mf, nr, tmpl, out_buf);
		return;
	}
	report_errno(&self->st, err);
	ASSERT_EQ(-1, ret);

	/* A struct the kernel cannot read fails with EFAULT. */
	if (kind >= PTR_INTO_NONE && kind != PTR_RO_STRADDLE) {
		if (kind != PTR_INTO_NONE)
			ASSERT_EQ(EFAULT, err)
				TH_LOG("call %lu: %s at %p", iter,
				       cmd_info[nr].name, ptr);
		return;
	}

	/* A readable, well-formed struct: the model knows the outcome. */
	if (self->blind)
		return;
	clean = (kind == PTR_RO || ptr_rw(kind)) && size >= struct_size &&
		size <= copy_len && !nonzero_tail && well_formed(nr, tmpl);
	if (!clean)
		return;
	want = expected_errno(self, mf, nr, tmpl);
	if (kind == PTR_RO && want == 0 && nr == IOASID_CMD_GET_INFO)
		want = -EFAULT;
	if (want != OUTCOME_UNKNOWN)
		ASSERT_EQ(want, -err)
			TH_LOG("call %lu: %s: %s, expected %s", iter,
			       cmd_info[nr].name, strerror(err),
			       want ? strerror(-want) : "success");
}

static void print_stats(FIXTURE_DATA(fuzz) * self, double secs)
{
	const struct fuzz_stats *st = &self->st;
	unsigned int i;

	ksft_print_msg("%lu calls in %.1f s (%.0f calls/s), %lu succeeded\n",
		       st->calls, secs, st->calls / (secs > 0 ? secs : 1),
		       st->ok);
	ksft_print_msg("%lu model checks, %lu files closed and reopened\n",
		       st->checks, st->reopens);
	for (i = 0; i < NR_CMDS; i++)
		ksft_print_msg("  %-12s %lu calls, %lu succeeded\n",
			       cmd_info[i].name, st->by_cmd[i],
			       st->ok_by_cmd[i]);
	for (i = 0; i < ARRAY_SIZE(st->by_errno); i++)
		if (st->by_errno[i])
			ksft_print_msg("  %-12s %lu\n", strerror(i),
				       st->by_errno[i]);
	fflush(stdout);
}

TEST_F_TIMEOUT(fuzz, ioctls, 900)
{
	struct ioasid_free free_cmd;
	double start = now();
	unsigned long iter;
	int i;

	rng_state = seed ? seed : 1;
	ksft_print_msg("seed %llu, %lu calls, cgroup %s\n", seed,
		       nr_iterations, self->have_cg ? self->leaf : "none");
	fflush(stdout);

	for (iter = 0; iter < nr_iterations; iter++) {
		fuzz_one(_metadata, self, iter);
		if (!rnd(REOPEN_EVERY)) {
			struct model_file *mf = &self->files[rnd(NR_FILES)];

			ASSERT_EQ(0, close(mf->fd));
			ASSERT_LE(0, open_file(mf));
			self->st.reopens++;
			check_model(_metadata, self, "after a reopen");
		}
		if (iter % CHECK_EVERY == CHECK_EVERY - 1)
			check_model(_metadata, self, "periodic check");
	}
	check_model(_metadata, self, "at the end");
	print_stats(self, now() - start);

	/* Free everything, and close: back to the start. */
	for (i = 0; i < NR_FILES; i++) {
		struct model_file *mf = &self->files[i];

		while (mf->nr) {
			memset(&free_cmd, 0, sizeof(free_cmd));
			free_cmd.size = sizeof(free_cmd);
			free_cmd.ioasid = mf->ids[0];
			ASSERT_EQ(0, ioctl(mf->fd, IOASID_FREE, &free_cmd));
			model_remove(mf, 0);
		}
	}
	check_model(_metadata, self, "after freeing everything");
	for (i = 0; i < NR_FILES; i++) {
		ASSERT_EQ(0, close(self->files[i].fd));
		self->files[i].fd = -1;
	}
	if (self->have_cg) {
		ASSERT_EQ(self->leaf_base,
			  cg_value(self->leaf, "ioasids.current", NULL));
		ASSERT_EQ(0, cg_value(self->leaf, "ioasids.stat", "file"));
		ASSERT_EQ(self->root_base,
			  cg_value(self->root, "ioasids.current", NULL));
	}
}

/*
 * NR_PROCS processes share the files and make --iterations calls between
 * them, without a model: once they are done, the usage of the files must
 * add up to the charges of the cgroup, and closing the files must return
 * every charge.
 */
TEST_F_TIMEOUT(fuzz, concurrent, 900)
{
	struct __test_metadata md;
	struct ioasid_get_info info;
	pid_t pids[NR_PROCS];
	unsigned long iter, total = 0;
	double start = now();
	int i, status;

	ksft_print_msg("seed %llu, %lu calls in %d processes\n", seed,
		       nr_iterations, NR_PROCS);
	fflush(stdout);
	for (i = 0; i < NR_PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i])
			continue;
		/*
		 * The harness's metadata is shared with the test's process:
		 * an assert here jumps to a copy of it, and fails this
		 * process only.
		 */
		md = *_metadata;
		if (setjmp(md.env))
			_exit(1);
		rng_state = (seed ? seed : 1) + 1 + i;
		self->blind = true;
		for (iter = 0; iter < nr_iterations / NR_PROCS; iter++)
			fuzz_one(&md, self, iter);
		_exit(md.exit_code ? 1 : 0);
	}
	for (i = 0; i < NR_PROCS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		ASSERT_TRUE(WIFEXITED(status))
			TH_LOG("process %d: signal %d", i, WTERMSIG(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	ksft_print_msg("%lu calls in %.1f s\n", nr_iterations, now() - start);
	fflush(stdout);

	for (i = 0; i < NR_FILES; i++) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		ASSERT_EQ(0, ioctl(self->files[i].fd, IOASID_GET_INFO, &info));
		total += info.usage;
	}
	if (self->have_cg) {
		ASSERT_EQ(self->leaf_base + total,
			  cg_value(self->leaf, "ioasids.current", NULL));
		ASSERT_EQ(total, cg_value(self->leaf, "ioasids.stat", "file"));
		ASSERT_EQ(self->root_base + total,
			  cg_value(self->root, "ioasids.current", NULL));
	}
	for (i = 0; i < NR_FILES; i++) {
		ASSERT_EQ(0, close(self->files[i].fd));
		self->files[i].fd = -1;
	}
	if (self->have_cg) {
		ASSERT_EQ(self->leaf_base,
			  cg_value(self->leaf, "ioasids.current", NULL));
		ASSERT_EQ(self->root_base,
			  cg_value(self->root, "ioasids.current", NULL));
	}
}

int main(int argc, char **argv)
{
	argc = fuzz_parse_args(argc, argv, &nr_iterations, &seed);
	if (argc < 0)
		return KSFT_FAIL;
	return test_harness_run(argc, argv);
}
