#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# ioasidctl apply: configuration files, their errors and exit codes, on
# the real ioasids controller (ioasidctl.bats has status and set).  Runs as
# root on a host (or guest) with cgroup2 at /sys/fs/cgroup, ioasidctl on
# PATH, jq and setpriv.
#
# Every test works below /ioasidctl-test, removed before and after each.

load helpers
load test-cgroup

write_conf() {
	CONF=$BATS_TEST_TMPDIR/ioasids.conf
	cat > "$CONF"
}

@test "apply: applies a file; applying it again changes nothing and says so" {
	mkdir -p "$CG$T/a/x" "$CG$T/b"
	write_conf <<-EOF
	# tenants of this host
	$T/a    max=10 pinned.max=64M   # tenant A

	$T/a/x  max=4
	$T/b    pinned.max=1G
	EOF
	run ioasidctl apply "$CONF"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$T/a: ioasids.max: max -> 10"* ]]
	[[ "$output" == *"$T/a/x: ioasids.max: max -> 4"* ]]
	[[ "$output" == *"$T/b: ioasids.pinned.max: max -> 1GiB"* ]]
	[[ "${lines[-1]}" =~ ^"$CONF: "[0-9]+" changes made"$ ]]
	file_is "$CG$T/a/ioasids.max" 10
	file_is "$CG$T/a/ioasids.pinned.max" 67108864
	file_is "$CG$T/a/x/ioasids.max" 4
	file_is "$CG$T/b/ioasids.pinned.max" 1073741824

	run ioasidctl apply "$CONF"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "$CONF: no changes (everything already in place)" ]
	[[ "$output" != *"->"* ]]
	[[ "$output" != *"+ioasids"* ]]
	[ "$(grep -c '(unchanged)$' <<< "$output")" -eq 4 ]
}

@test "apply --dry-run: shows the changes, makes none" {
	mkdir -p "$CG$T/a"
	write_conf <<-EOF
	$T/a max=3
	EOF
	run ioasidctl apply --dry-run "$CONF"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$T/a: ioasids.max: max -> 3"* ]]
	[[ "${lines[-1]}" == "$CONF: "*" to make (dry run: nothing changed)" ]]
	refute grep -qw ioasids "$CG$T/cgroup.subtree_control"
	[ ! -e "$CG$T/a/ioasids.max" ] || file_is "$CG$T/a/ioasids.max" max
}

@test "apply -n is --dry-run: shows the changes, makes none" {
	ioasidctl set --create "$T/a" max=max
	write_conf <<-EOF
	$T/a max=3
	EOF
	run ioasidctl apply -n "$CONF"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$T/a: ioasids.max: max -> 3"* ]]
	[[ "${lines[-1]}" == "$CONF: "*" to make (dry run: nothing changed)" ]]
	file_is "$CG$T/a/ioasids.max" max
}

@test "apply: one bad or stale line among good ones is skipped, the rest applied (exit 4)" {
	snapshot() {
		grep -H . "$CG$T"/*/ioasids.max "$CG$T"/*/ioasids.pinned.max
	}
	check_bad() {	# LINE: the file's bad line; expected error
		ioasidctl set --create "$T/a" max=1 pinned.max=1M > /dev/null
		ioasidctl set --create "$T/b" max=2 > /dev/null
		ioasidctl set --create "$T/c" max=3 > /dev/null
		write_conf <<-EOF
		# good, bad, good
		$T/a max=11 pinned.max=2M
		$T/b max=12
		$1
		$T/c max=13
		EOF
		run ioasidctl apply "$CONF"
		[ "$status" -eq 4 ] || { echo "$1: status $status"; return 1; }
		[[ "$output" == *"ioasidctl: $CONF:4: $2"* ]] ||
			{ echo "$1: $output"; return 1; }
		[ "${lines[-1]}" = "ioasidctl: $CONF: 1 line with errors skipped" ] ||
			{ echo "$1: $output"; return 1; }
		[ "$(snapshot)" = "$(printf '%s\n' \
			"$CG$T/a/ioasids.max:11" "$CG$T/b/ioasids.max:12" \
			"$CG$T/c/ioasids.max:13" "$CG$T/a/ioasids.pinned.max:2097152" \
			"$CG$T/b/ioasids.pinned.max:max" "$CG$T/c/ioasids.pinned.max:max")" ] ||
			{ echo "$1: $(snapshot)"; return 1; }
	}
	check_bad "$T/d max=10x" "$T/d: ioasids.max: Invalid argument"
	check_bad "$T/d max=4 pinned.max=1Q" "$T/d: ioasids.pinned.max: Invalid argument"
	check_bad "$T/d maximum=4" "$T/d: maximum: unknown key"
	check_bad "$T/d" "$T/d: no KEY=VALUE"
	check_bad "max=4" "max=4: expected a cgroup before KEY=VALUE"
	check_bad "$T/a max=5" "$T/a: cgroup given twice (first on line 2)"
	check_bad "$T/missing max=5" "$T/missing: cgroup does not exist"
	check_bad "/ max=5" "/: ioasids.max: No such file or directory (the root cgroup has no limits)"
	check_bad "$T/a/../b max=5" "$T/a/../b: \".\" and \"..\" are not allowed in a cgroup name"
}

@test "apply: several bad lines are all reported, with their line numbers" {
	mkdir -p "$CG$T/a"
	write_conf <<-EOF
	$T/a max=x
	$T/nope max=1
	$T/a pinned.max=1G
	EOF
	run ioasidctl apply "$CONF"
	[ "$status" -eq 4 ]
	[[ "$output" == *"ioasidctl: $CONF:1: $T/a: ioasids.max: Invalid argument"* ]]
	[[ "$output" == *"ioasidctl: $CONF:2: $T/nope: cgroup does not exist"* ]]
	[[ "$output" == *"ioasidctl: $CONF:3: $T/a: cgroup given twice (first on line 1)"* ]]
	[ "${lines[-1]}" = "ioasidctl: $CONF: 3 lines with errors skipped" ]
	refute grep -qw ioasids "$CG$T/cgroup.subtree_control"
}

@test "check: a file checked offline, with cgroups that do not exist" {
	write_conf <<-EOF
	# slices not started yet, and a value in status's format
	$T/later.slice max=4 pinned.max=1536MiB
	/not-here/either.slice max=max
	EOF
	run ioasidctl check "$CONF"
	[ "$status" -eq 0 ]
	[ "$output" = "$CONF: 2 lines, no errors" ]
	[ ! -d "$CG$T" ]
	write_conf <<-EOF
	$T/a.slice max=4
	$T/a.slice pinned.max=1Q
	$T/b.slice maxx=1
	EOF
	run ioasidctl check "$CONF"
	[ "$status" -eq 2 ]
	[[ "$output" == *"$CONF:2: $T/a.slice: cgroup given twice (first on line 1)"* ]]
	[[ "$output" == *"$CONF:3: $T/b.slice: maxx: unknown key"* ]]
	[ "${lines[-1]}" = "ioasidctl: $CONF: 2 lines with errors" ]
}

@test "check --slices: the slices of the valid lines, where systemd places them" {
	write_conf <<-EOF
	/tenants.slice/tenants-a.slice max=4
	/machine.slice/tenant.slice max=1
	/a-b.slice max=1
	//x.slice/ max=2
	/x.slice/x-y.slice	max=3 # y
	/system.slice/foo.service max=1
	/bad.slice max=1Q
	/last.slice max=1
	EOF
	run ioasidctl check --slices "$CONF"
	[ "$status" -eq 2 ]
	[ "$(grep -v '^ioasidctl: ' <<< "$output")" = "$(printf '%s\n' tenants-a.slice \
		x.slice x-y.slice last.slice)" ]
}

@test "apply --unit: only the line of one slice's cgroup, where systemd places it" {
	# $T is /ioasidctl-test, the cgroup of the slice ioasidctl-test.slice
	# would be /ioasidctl.slice/ioasidctl-test.slice: use slices of the
	# root, named after the test.
	S=ioasidctltestunit
	cg_rmtree "/$S.slice"
	ioasidctl set --create "/$S.slice/$S-b.slice" max=max
	ioasidctl set --create "$T/$S-b.slice" max=max
	write_conf <<-EOF
	/$S.slice max=3
	/$S.slice/$S-b.slice max=4
	$T/$S-b.slice max=5
	EOF
	run ioasidctl apply --unit="$S-b.slice" "$CONF"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/$S.slice/$S-b.slice: ioasids.max: max -> 4" ]
	file_is "$CG/$S.slice/ioasids.max" max
	file_is "$CG$T/$S-b.slice/ioasids.max" max
	run ioasidctl apply --unit="$S-c.slice" "$CONF"
	[ "$status" -eq 0 ]
	[ "$output" = "$CONF: no line for /$S.slice/$S-c.slice" ]
	run ioasidctl apply --unit=foo.service "$CONF"
	[ "$status" -eq 2 ]
	run ioasidctl set --unit="$S.slice" "/$S.slice" max=1
	[ "$status" -eq 2 ]
	# A slice not started yet: an error, or none with --missing-ok
	write_conf <<-EOF
	/$S.slice/$S-later.slice max=6
	/$S.slice max=7
	EOF
	run ioasidctl apply "$CONF"
	[ "$status" -eq 4 ]
	run ioasidctl apply --missing-ok "$CONF"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "$CONF: 1 line for cgroups that do not exist yet skipped" ]
	file_is "$CG/$S.slice/ioasids.max" 7
	# --create --unit, as ioasids@.service runs it before the slice starts
	run ioasidctl apply --create --unit="$S-later.slice" "$CONF"
	[ "$status" -eq 0 ]
	file_is "$CG/$S.slice/$S-later.slice/ioasids.max" 6
	cg_rmtree "/$S.slice"
}

@test "apply: a slice not started and a slice's name mistyped get different errors" {
	S=ioasidctltestunit
	cg_rmtree "/$S.slice"
	write_conf <<-EOF
	/$S.slice/$S-a.slice max=1
	/$S.slice/$S-b.slice/$S-b-c.slice max=1
	/$S.slice/tenant-b.slice max=1
	EOF
	run ioasidctl apply "$CONF"
	[ "$status" -eq 4 ]
	[[ "$output" == *"$CONF:1: /$S.slice/$S-a.slice: cgroup does not exist: the slice is not started"* ]]
	[[ "$output" == *"$CONF:2: /$S.slice/$S-b.slice/$S-b-c.slice: cgroup does not exist: the slice is not started"* ]]
	[[ "$output" == *"$CONF:3: /$S.slice/tenant-b.slice: cgroup does not exist, nor is it where systemd places tenant-b.slice: /tenant.slice/tenant-b.slice"* ]]
}

@test "apply --create creates missing cgroups; stdin with -" {
	mkdir "$CG$T"
	run ioasidctl apply --create - <<-EOF
	$T/new/one max=6
	EOF
	[ "$status" -eq 0 ]
	[[ "$output" == *"$T/new: cgroup created"* ]]
	[[ "$output" == *"$T/new/one: cgroup created"* ]]
	file_is "$CG$T/new/one/ioasids.max" 6
	[ "${lines[-1]}" = "-: 5 changes made" ] || [ "${lines[-1]}" = "-: 6 changes made" ]
}

@test "apply: a file that cannot be read is an error (exit 2)" {
	run ioasidctl apply "$BATS_TEST_TMPDIR/none.conf"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "ioasidctl: $BATS_TEST_TMPDIR/none.conf: No such file or directory" ]
}

@test "a change the kernel refuses is an error (exit 1), after the changes made" {
	ioasidctl set --create "$T/a" max=1
	ioasidctl set --create "$T/b" max=2
	# Reading is allowed to anyone, writing to root only
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		ioasidctl set "$T/a" max=5
	[ "$status" -eq 1 ]
	[ "$output" = "ioasidctl: $T/a: ioasids.max: Permission denied (writing \"5\")" ]
	file_is "$CG$T/a/ioasids.max" 1
	write_conf <<-EOF
	$T/a max=1
	$T/b max=3
	EOF
	# On standard input: nobody cannot read bats' temporary folders
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		ioasidctl apply - < "$CONF"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "$T/a: ioasids.max: 1 (unchanged)" ]
	[ "${lines[1]}" = "ioasidctl: $T/b: ioasids.max: Permission denied (writing \"3\")" ]
	[ "${lines[2]}" = "ioasidctl: -: stopped after 0 of 1 changes" ]
	# status works for anyone
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		ioasidctl status --json "$T"
	[ "$status" -eq 0 ]
	jq -e '.cgroups[1].max == 1 and .cgroups[2].max == 2' <<< "$output"
}

