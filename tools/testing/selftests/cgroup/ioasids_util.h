/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the tests of the ioasids cgroup controller: the cgroups of a
 * test, exact checks of the controller's interface files, and a process
 * that holds charges in a cgroup until it is killed.
 *
 * cgroup_util.h, which has no include guard, must come first.
 */
#ifndef __SELFTESTS_CGROUP_IOASIDS_UTIL_H
#define __SELFTESTS_CGROUP_IOASIDS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../kselftest.h"

char *test_cg_create(const char *parent, const char *name,
		     bool has_children);
char *test_cg_enter(const char *root, const char *name);
void test_cg_remove(char *cg);
void test_cg_leave(const char *root, char *cg);
void test_cg_remove_tree(const char *cg);
int ioasids_enable_root(char *root, size_t len, const char **why);
int ioasids_test_setup(char *root, size_t len, const char *name,
		       unsigned int min_ids, char **cg, const char **why);
bool cg_has_file(const char *cgroup, const char *control);

const char *flat(const char *s, char *out, size_t len);
long long read_value(const char *cgroup, const char *control);
int check_exact(const char *cgroup, const char *control,
		const char *expected);
int check_value(const char *cgroup, const char *control, long long val);
int wait_value(const char *cgroup, const char *control, long long val,
	       int timeout_ms);
int check_events(const char *cgroup, const char *control, long nr_max,
		 long nr_pinned);
int check_stat(const char *cgroup, long file, long iommufd,
	       long long pinned_vfio, long long pinned_iommufd);

int expect_ok(long long ret, const char *what);
int expect_err(long long ret, int err, const char *what);

void run_on_every_cpu(void);

pid_t holder_start(const char *cgroup, int (*hold)(void *arg), void *arg);
int holder_kill(pid_t *pid);
void kill_child(pid_t *pid);

/* A write that must fail, with -@err, and change nothing */
struct bad_write {
	const char *buf;
	int err;
};

int check_bad_writes(const char *cgroup, const char *control,
		     const struct bad_write *bad, size_t nr,
		     const char *expected);

struct ioasids_test {
	int (*fn)(const char *root);
	const char *name;
};

#define IOASIDS_TEST(fn) { fn, #fn }

/*
 * Find the cgroup v2 root, in @root, with the ioasids controller enabled
 * for its children, or exit skipped.  Inline, like ioasids_run_tests(),
 * for kselftest to count in the caller's file.
 */
static inline void ioasids_find_root(char *root, size_t len)
{
	const char *why;

	if (ioasids_enable_root(root, len, &why))
		ksft_exit_skip("%s\n", why);
}

/*
 * Run @test, with a TAP result named after it and, if not NULL, after
 * the @variant it runs in.
 */
static inline void ioasids_run_test(const struct ioasids_test *test,
				    const char *root, const char *variant)
{
	const char *sep = variant ? " " : "", *var = variant ? variant : "";

	switch (test->fn(root)) {
	case KSFT_PASS:
		ksft_test_result_pass("%s%s%s\n", test->name, sep, var);
		break;
	case KSFT_SKIP:
		ksft_test_result_skip("%s%s%s\n", test->name, sep, var);
		break;
	default:
		ksft_test_result_fail("%s%s%s\n", test->name, sep, var);
		break;
	}
}

/* Plan and run the @nr @tests, in order, with a TAP result each. */
static inline void ioasids_run_tests(const struct ioasids_test *tests,
				     size_t nr, const char *root)
{
	size_t i;

	ksft_set_plan(nr);
	for (i = 0; i < nr; i++)
		ioasids_run_test(&tests[i], root, NULL);
}

#endif /* __SELFTESTS_CGROUP_IOASIDS_UTIL_H */
