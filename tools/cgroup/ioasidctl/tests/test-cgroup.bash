# SPDX-License-Identifier: GPL-2.0
#
# The setup of the ioasidctl suites whose tests each work below the cgroup
# $T, removed before and after every test: load it after helpers.

T=/ioasidctl-test

setup_file() {
	grep -qw ioasids "$CG/cgroup.controllers" ||
		skip_file "no ioasids controller in $CG/cgroup.controllers"
}

setup() {
	mark_test
	skip_if_file_skipped
	cg_rmtree "$T"
}

teardown() {
	cg_rmtree "$T"
}
