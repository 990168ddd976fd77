#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# libcgroup's own tools (Debian's cgroup-tools 2.0) with the ioasids
# controller on cgroup v2: cgcreate, cgset, cgget, cgdelete; and that they
# and ioasidctl see the same cgroups and values.  What works and what does
# not is documented in ioasidctl(8), LIBCGROUP TOOLS.

load helpers

L=ioasidctl-lcg		# libcgroup's tools take names without a leading /

# Does any cgroup have an ioasids limit other than "max"?
limits_set() {
	local f v
	for f in $(find "$CG" -mindepth 2 \( -name ioasids.max -o \
		-name ioasids.pinned.max \)); do
		read -r v < "$f"
		[ "$v" = max ] || return 0
	done
	return 1
}

setup_file() {
	if ! grep -qw ioasids "$CG/cgroup.controllers"; then
		skip_file "no ioasids controller in $CG/cgroup.controllers"
	elif ! command -v cgcreate >/dev/null; then
		skip_file "libcgroup's tools (cgroup-tools) are not installed"
	fi
}

setup() {
	mark_test
	skip_if_file_skipped
	cg_rmtree "/$L"
}

teardown() {
	cg_rmtree "/$L"
}

@test "cgcreate -g ioasids:/x creates the cgroup, with the ioasids files" {
	run cgcreate -g "ioasids:/$L"
	[ "$status" -eq 0 ]
	[ -d "$CG/$L" ]
	# cgcreate enables the controller in the parent (the root) itself
	grep -qw ioasids "$CG/cgroup.subtree_control"
	file_is "$CG/$L/ioasids.max" max
	file_is "$CG/$L/ioasids.pinned.max" max
}

@test "cgset -r ioasids.max=5 and ioasids.pinned.max=1G write the files" {
	cgcreate -g "ioasids:/$L"
	run cgset -r ioasids.max=5 "$L"
	[ "$status" -eq 0 ]
	file_is "$CG/$L/ioasids.max" 5
	run cgset -r ioasids.pinned.max=1G "$L"
	[ "$status" -eq 0 ]
	file_is "$CG/$L/ioasids.pinned.max" 1073741824
	run cgset -r ioasids.max=max "$L"
	[ "$status" -eq 0 ]
	file_is "$CG/$L/ioasids.max" max
}

@test "cgset with an invalid value fails and changes nothing" {
	cgcreate -g "ioasids:/$L"
	cgset -r ioasids.max=5 "$L"
	run cgset -r ioasids.max=10x "$L"
	[ "$status" -ne 0 ]
	file_is "$CG/$L/ioasids.max" 5
	run cgset -r ioasids.max=-1 "$L"
	[ "$status" -ne 0 ]
	file_is "$CG/$L/ioasids.max" 5
}

@test "cgget -r ioasids.max reads one value" {
	cgcreate -g "ioasids:/$L"
	cgset -r ioasids.max=5 "$L"
	run cgget -n -v -r ioasids.max "$L"
	[ "$status" -eq 0 ]
	[ "$output" = 5 ]
	run cgget -r ioasids.max "$L"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ioasids.max: 5"* ]]
}

@test "cgget -g ioasids lists every ioasids file of the cgroup" {
	cgcreate -g "ioasids:/$L"
	cgset -r ioasids.max=5 "$L"
	run cgget -g ioasids "$L"
	[ "$status" -eq 0 ]
	for f in max current peak pinned.max pinned.current pinned.peak \
		events events.local stat; do
		[[ "$output" == *"ioasids.$f:"* ]] || { echo "no ioasids.$f"; false; }
	done
	[[ "$output" == *"ioasids.max: 5"* ]]
	[[ "$output" == *"ioasids.current: 0"* ]]
	# The root's capacity
	run cgget -n -v -r ioasids.capacity /
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$CG/ioasids.capacity")" ]
}

@test "cgget -r cgroup.subtree_control reads the core files (pseudo controller \"cgroup\")" {
	cgcreate -g "ioasids:/$L"
	run cgget -n -v -r cgroup.subtree_control /
	[ "$status" -eq 0 ]
	[[ " $output " == *" ioasids "* ]]
}

@test "ioasidctl and libcgroup's tools see the same values" {
	cgcreate -g "ioasids:/$L"
	cgset -r ioasids.max=7 "$L"
	run ioasidctl set "/$L" max=7 pinned.max=2G
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/$L: ioasids.max: 7 (unchanged)" ]
	[ "${lines[1]}" = "/$L: ioasids.pinned.max: max -> 2GiB" ]
	[ "$(cgget -n -v -r ioasids.pinned.max "$L")" = 2147483648 ]
	run ioasidctl status --json "/$L"
	[ "$status" -eq 0 ]
	jq -e '.cgroups[0].max == 7 and .cgroups[0].pinned_max == 2147483648' <<< "$output"
}

@test "cgcreate of a nested cgroup enables the controller on its way" {
	run cgcreate -g "ioasids:/$L/a/b"
	[ "$status" -eq 0 ]
	[ -d "$CG/$L/a/b" ]
	grep -qw ioasids "$CG/$L/cgroup.subtree_control"
	grep -qw ioasids "$CG/$L/a/cgroup.subtree_control"
	file_is "$CG/$L/a/b/ioasids.max" max
	run cgset -r ioasids.max=3 "$L/a/b"
	[ "$status" -eq 0 ]
	file_is "$CG/$L/a/b/ioasids.max" 3
}

@test "cgcreate of a nested cgroup does not enable the controller in the root (ioasidctl does)" {
	# Needs a root without "ioasids" in cgroup.subtree_control: taking it
	# away is possible, and harmless, only if no other cgroup has it in
	# its own cgroup.subtree_control nor a limit set
	if ! grep -qw ioasids "$CG/cgroup.subtree_control"; then
		:
	elif find "$CG" -mindepth 2 -name cgroup.subtree_control \
		-exec grep -qw ioasids {} \; -print | grep -q . || limits_set; then
		skip "cannot take ioasids away from the root's cgroup.subtree_control here"
	elif ! echo -ioasids > "$CG/cgroup.subtree_control"; then
		skip "cannot take ioasids away from the root's cgroup.subtree_control here"
	fi
	mkdir "$CG/$L"
	run cgcreate -g "ioasids:/$L/a"
	[ "$status" -ne 0 ]
	refute grep -qw ioasids "$CG/cgroup.subtree_control"
	refute grep -qw ioasids "$CG/$L/cgroup.subtree_control"
	# ioasidctl enables it from the root down
	run ioasidctl set --create "/$L/a" max=3
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/: cgroup.subtree_control: +ioasids" ]
	[ "${lines[1]}" = "/$L: cgroup.subtree_control: +ioasids" ]
	file_is "$CG/$L/a/ioasids.max" 3
}

@test "cgdelete removes the cgroup" {
	cgcreate -g "ioasids:/$L"
	run cgdelete -g "ioasids:/$L"
	[ "$status" -eq 0 ]
	[ ! -d "$CG/$L" ]
	# ... and a nested one, with -r
	cgcreate -g "ioasids:/$L/a/b"
	run cgdelete -r -g "ioasids:/$L"
	[ "$status" -eq 0 ]
	[ ! -d "$CG/$L" ]
}

@test "cgexec runs a program in the cgroup, where the limit applies" {
	command -v ioasids_tenant >/dev/null ||
		skip "ioasids_tenant (tools/testing/selftests/cgroup) is not installed"
	cgcreate -g "ioasids:/$L"
	cgset -r ioasids.max=2 "$L"
	run cgexec -g "ioasids:$L" ioasids_tenant --ids 2
	[ "$status" -eq 0 ]
	run cgexec -g "ioasids:$L" ioasids_tenant --ids 3
	[ "$status" -eq 1 ]
	[[ "$output" == *"IOASID 3 of 3: Device or resource busy"* ]]
	[ "$(cgget -n -v -r ioasids.peak "$L")" = 2 ]
	refute grep -q '^max 0' "$CG/$L/ioasids.events"
}
