#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# ioasidctl: status (text and JSON) and set, their errors and exit codes,
# on the real ioasids controller (ioasidctl-apply.bats has apply).  Runs as
# root on a host (or guest) with cgroup2 at /sys/fs/cgroup, ioasidctl on
# PATH, jq, and ioasids_tenant (tools/testing/selftests/cgroup) to hold
# IOASIDs.
#
# Every test works below /ioasidctl-test, removed before and after each.

load helpers
load test-cgroup

# Run ioasids_tenant ARGS... in CGROUP, in the background, until it holds
# what it was asked for (it prints "holding"); fails if it could not.
tenant_hold() {
	local cgroup=$1 i
	shift
	TENANT_OUT=$BATS_TEST_TMPDIR/tenant.out
	(echo "$BASHPID" > "$CG$cgroup/cgroup.procs" &&
		exec ioasids_tenant "$@" --hold) > "$TENANT_OUT" 2>&1 3>&- &
	TENANT_PID=$!
	for i in $(seq 300); do
		grep -q '^holding' "$TENANT_OUT" && return 0
		kill -0 "$TENANT_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "ioasids_tenant $*: $(cat "$TENANT_OUT")" >&2
	return 1
}

# Run ioasids_tenant ARGS... in CGROUP to its end; its status and output
tenant_run() {
	local cgroup=$1
	shift
	run bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec ioasids_tenant "$@"' \
		tenant "$CG$cgroup" "$@"
}

need_tenant() {
	command -v ioasids_tenant >/dev/null ||
		skip "ioasids_tenant (tools/testing/selftests/cgroup) is not installed"
}

@test "--help, --version and every command's --help exit 0" {
	run ioasidctl --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Exit status:"* ]]
	[[ "$output" == *"3  the kernel has no ioasids controller"* ]]
	run ioasidctl --version
	[ "$status" -eq 0 ]
	[[ "$output" == "ioasidctl "* ]]
	for cmd in status set apply check; do
		run ioasidctl "$cmd" --help
		[ "$status" -eq 0 ]
		[[ "$output" == "Usage: ioasidctl $cmd"* ]]
	done
}

@test "usage errors exit 2 and say where to find the usage" {
	run ioasidctl
	[ "$status" -eq 2 ]
	[[ "$output" == *"missing command"* ]]
	run ioasidctl frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *'unknown command "frobnicate"'* ]]
	run ioasidctl set --bogus /x max=1
	[ "$status" -eq 2 ]
	[[ "$output" == *"Try 'ioasidctl set --help'"* ]]
	run ioasidctl set "$T"
	[ "$status" -eq 2 ]
	run ioasidctl status / /x
	[ "$status" -eq 2 ]
	run ioasidctl apply
	[ "$status" -eq 2 ]
}

@test "status: the capacity, then the root without limits" {
	run ioasidctl status
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "capacity: $(cat "$CG/ioasids.capacity")" ]
	read -ra header <<< "${lines[1]}"
	[ "${header[*]}" = "CGROUP CURRENT MAX PEAK EVENTS PINNED PINNED.MAX PINNED.PEAK PINNED.EVENTS" ]
	read -ra root <<< "${lines[2]}"
	[ "${root[0]}" = "/" ]
	[ "${root[2]}" = "-" ]	# no ioasids.max on the root
	[ "${root[4]}" = "-" ]	# no ioasids.events on the root
}

@test "set --create: creates the cgroup, enables the controller from the root down, reports each change" {
	mkdir "$CG$T"
	# The root's cgroup.subtree_control: "+ioasids" is reported only if
	# it was missing (other tests may have enabled it already)
	root_had=no
	grep -qw ioasids "$CG/cgroup.subtree_control" && root_had=yes

	run ioasidctl set --create "$T/a/b" max=10
	[ "$status" -eq 0 ]
	expected=()
	[ "$root_had" = yes ] || expected+=("/: cgroup.subtree_control: +ioasids")
	expected+=("$T: cgroup.subtree_control: +ioasids"
		"$T/a: cgroup created"
		"$T/a: cgroup.subtree_control: +ioasids"
		"$T/a/b: cgroup created"
		"$T/a/b: ioasids.max: max -> 10")
	printf '%s\n' "${expected[@]}" > "$BATS_TEST_TMPDIR/expected"
	diff -u "$BATS_TEST_TMPDIR/expected" - <<< "$output"

	grep -qw ioasids "$CG/cgroup.subtree_control"
	grep -qw ioasids "$CG$T/cgroup.subtree_control"
	grep -qw ioasids "$CG$T/a/cgroup.subtree_control"
	refute grep -qw ioasids "$CG$T/a/b/cgroup.subtree_control"
	file_is "$CG$T/a/b/ioasids.max" 10
	file_is "$CG$T/a/ioasids.max" max
}

@test "set: a value already in place is reported unchanged" {
	ioasidctl set --create "$T/a" max=10 pinned.max=1G
	run ioasidctl set "$T/a" max=10 pinned.max=1G
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$T/a: ioasids.max: 10 (unchanged)" ]
	[ "${lines[1]}" = "$T/a: ioasids.pinned.max: 1GiB (unchanged)" ]
	[ "${#lines[@]}" -eq 2 ]
	# One changed, one not
	run ioasidctl set "$T/a" max=11 pinned.max=1G
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$T/a: ioasids.max: 10 -> 11" ]
	[ "${lines[1]}" = "$T/a: ioasids.pinned.max: 1GiB (unchanged)" ]
	file_is "$CG$T/a/ioasids.max" 11
}

@test "set: pinned.max takes K, M, G, T suffixes (either case), max, and rounds down to pages" {
	ioasidctl set --create "$T/a" max=max
	page=$(getconf PAGESIZE)
	for pair in 4K:4096 4k:4096 64M:67108864 3G:3221225472 2T:2199023255552 \
		1048576:1048576 "$((page + 1)):$page" max:max 1g:1073741824; do
		run ioasidctl set "$T/a" "pinned.max=${pair%%:*}"
		[ "$status" -eq 0 ]
		file_is "$CG$T/a/ioasids.pinned.max" "${pair#*:}"
	done
	run ioasidctl set "$T/a" pinned.max=2G
	[ "$output" = "$T/a: ioasids.pinned.max: 1GiB -> 2GiB" ]
}

@test "set: what status and set print, set takes back (GiB, exact, not rounded)" {
	ioasidctl set --create "$T/a" pinned.max=1536M
	run ioasidctl status "$T/a"
	[ "$status" -eq 0 ]
	read -ra a <<< "${lines[2]}"
	[ "${a[6]}" = 1536MiB ]
	ioasidctl set "$T/a" pinned.max=max
	run ioasidctl set "$T/a" "pinned.max=${a[6]}"
	[ "$status" -eq 0 ]
	[ "$output" = "$T/a: ioasids.pinned.max: max -> 1536MiB" ]
	file_is "$CG$T/a/ioasids.pinned.max" 1610612736
	run ioasidctl set "$T/a" pinned.max=4GiB
	[ "$status" -eq 0 ]
	[ "$output" = "$T/a: ioasids.pinned.max: 1536MiB -> 4GiB" ]
	file_is "$CG$T/a/ioasids.pinned.max" 4294967296
	# Each size in the largest unit that divides it
	page=$(getconf PAGESIZE)
	run ioasidctl set "$T/a" "pinned.max=$((page * 3))"
	[ "$output" = "$T/a: ioasids.pinned.max: 4GiB -> $((page * 3 / 1024))KiB" ]
	# "GB" would be ambiguous: refused
	run ioasidctl set "$T/a" pinned.max=4GB
	[ "$status" -eq 2 ]
}

@test "set -n is --dry-run, as for make, rsync and git: nothing written" {
	ioasidctl set --create "$T/a" max=max
	run ioasidctl set -n "$T/a" max=5
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$T/a: ioasids.max: max -> 5" ]
	[ "${lines[-1]}" = "dry run: 1 change not made" ]
	file_is "$CG$T/a/ioasids.max" max
}

@test "set: max=max removes the limit; 0 is a limit" {
	ioasidctl set --create "$T/a" max=0
	file_is "$CG$T/a/ioasids.max" 0
	run ioasidctl set "$T/a" max=max
	[ "$status" -eq 0 ]
	[ "$output" = "$T/a: ioasids.max: 0 -> max" ]
	file_is "$CG$T/a/ioasids.max" max
}

@test "set: a missing cgroup is an error (exit 2) and nothing is created" {
	run ioasidctl set "$T/missing" max=5
	[ "$status" -eq 2 ]
	[ "$output" = "ioasidctl: $T/missing: cgroup does not exist (use --create to create it)" ]
	[ ! -d "$CG$T/missing" ]
	[ ! -d "$CG$T" ]
}

@test "set --no-enable: the controller not enabled in the parent is an error, nothing written" {
	ioasidctl set --create "$T" max=max
	mkdir -p "$CG$T/p/c"
	before=$(cat "$CG$T/cgroup.subtree_control")
	run ioasidctl set --no-enable "$T/p/c" max=5
	[ "$status" -eq 2 ]
	[ "$output" = "ioasidctl: $T/p/c: ioasids.max: No such file or directory (the ioasids controller is not enabled in $T/cgroup.subtree_control)" ]
	file_is "$CG$T/cgroup.subtree_control" "$before"
	[ ! -e "$CG$T/p/c/ioasids.max" ]
	# Without --no-enable, it is enabled along the path
	run ioasidctl set "$T/p/c" max=5
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$T: cgroup.subtree_control: +ioasids" ]
	[ "${lines[1]}" = "$T/p: cgroup.subtree_control: +ioasids" ]
	[ "${lines[2]}" = "$T/p/c: ioasids.max: max -> 5" ]
}

@test "set: a parent with processes cannot enable the controller: exit 2, nothing changed" {
	ioasidctl set --create "$T" max=max
	mkdir -p "$CG$T/busy/c"
	(echo "$BASHPID" > "$CG$T/busy/cgroup.procs" && exec sleep 300) 3>&- &
	for i in $(seq 50); do
		[ -s "$CG$T/busy/cgroup.procs" ] && break
		sleep 0.1
	done
	before=$(cat "$CG$T/cgroup.subtree_control")
	run ioasidctl set "$T/busy/c" max=3
	[ "$status" -eq 2 ]
	[[ "$output" == "ioasidctl: $T/busy: cgroup.subtree_control: Device or resource busy (cannot enable ioasids: the cgroup has processes of its own"* ]]
	# Not even the enabling in $T, which was valid, was done
	file_is "$CG$T/cgroup.subtree_control" "$before"
	refute grep -qw ioasids "$CG$T/busy/cgroup.subtree_control"
}

@test "set: invalid values are rejected (exit 2), naming the cgroup, the file and the reason" {
	ioasidctl set --create "$T/a" max=7 pinned.max=1M
	check() {	# KEY=VALUE, expected message
		run ioasidctl set "$T/a" "$1"
		[ "$status" -eq 2 ] || { echo "$1: status $status"; return 1; }
		[ "$output" = "ioasidctl: $T/a: $2" ] ||
			{ echo "$1: $output"; return 1; }
	}
	check max=-1 'ioasids.max: Invalid argument ("-1" must be "max" or a non-negative integer)'
	check max=10x 'ioasids.max: Invalid argument ("10x" must be "max" or a non-negative integer)'
	check max=1Q 'ioasids.max: Invalid argument ("1Q" must be "max" or a non-negative integer)'
	check max= 'ioasids.max: Invalid argument ("" must be "max" or a non-negative integer)'
	check max=+5 'ioasids.max: Invalid argument ("+5" must be "max" or a non-negative integer)'
	check max=99999999999999999999 'ioasids.max: Numerical result out of range ("99999999999999999999" is too large: the largest limit is 2251799813685246, or "max")'
	check pinned.max=1Q 'ioasids.pinned.max: Invalid argument ("1Q" must be "max" or a size in bytes with an optional K, M, G, T, P or E suffix)'
	check pinned.max=10x 'ioasids.pinned.max: Invalid argument ("10x" must be "max" or a size in bytes with an optional K, M, G, T, P or E suffix)'
	check pinned.max=-1 'ioasids.pinned.max: Invalid argument ("-1" must be "max" or a size in bytes with an optional K, M, G, T, P or E suffix)'
	run ioasidctl set "$T/a" pinned.max=99999999999999999999K
	[ "$status" -eq 2 ]
	[[ "$output" == "ioasidctl: $T/a: ioasids.pinned.max: Numerical result out of range (\"99999999999999999999K\" is too large: the largest limit is "* ]]
	check foo=1 'foo: unknown key (the keys are max and pinned.max)'
	check max5 'max5: expected KEY=VALUE (KEY is max or pinned.max)'
	# One bad value among good ones: nothing is written
	run ioasidctl set "$T/a" max=8 pinned.max=1Q
	[ "$status" -eq 2 ]
	file_is "$CG$T/a/ioasids.max" 7
	file_is "$CG$T/a/ioasids.pinned.max" 1048576
	# The kernel agrees that these are invalid
	refute sh -c "echo 10x > $CG$T/a/ioasids.max"
	refute sh -c "echo 99999999999999999999K > $CG$T/a/ioasids.pinned.max"
	file_is "$CG$T/a/ioasids.max" 7
}

@test "set: the root cgroup has no limits (exit 2)" {
	run ioasidctl set / max=5
	[ "$status" -eq 2 ]
	[ "$output" = "ioasidctl: /: ioasids.max: No such file or directory (the root cgroup has no limits)" ]
}

@test "set --dry-run: shows the changes, makes none" {
	mkdir "$CG$T"
	run ioasidctl set --dry-run --create "$T/a" max=4
	[ "$status" -eq 0 ]
	[[ "$output" == *"$T/a: cgroup created"* ]]
	[[ "$output" == *"$T/a: ioasids.max: max -> 4"* ]]
	[ "${lines[-1]}" = "dry run: 3 changes not made" ] ||
		[ "${lines[-1]}" = "dry run: 4 changes not made" ]
	[ ! -d "$CG$T/a" ]
	refute grep -qw ioasids "$CG$T/cgroup.subtree_control"
}

@test "status: usage, limit, peak and events match the files, in text and JSON" {
	need_tenant
	ioasidctl set --create "$T/a" max=5
	ioasidctl set --create "$T/b" max=2
	tenant_hold "$T/a" --ids 3
	# Over the limit: fails on the third, counted in ioasids.events
	tenant_run "$T/b" --ids 3
	[ "$status" -eq 1 ]
	[[ "$output" == *"IOASID 3 of 3: Device or resource busy"* ]]

	run ioasidctl status "$T"
	[ "$status" -eq 0 ]
	# CGROUP CURRENT MAX PEAK EVENTS ...
	read -ra t <<< "$(grep -E "^$T " <<< "$output")"
	[ "${t[1]}" = 3 ] && [ "${t[2]}" = max ]
	read -ra a <<< "$(grep -E '^  a ' <<< "$output")"
	[ "${a[1]}" = 3 ] && [ "${a[2]}" = 5 ] && [ "${a[3]}" = 3 ] && [ "${a[4]}" = 0 ]
	read -ra b <<< "$(grep -E '^  b ' <<< "$output")"
	[ "${b[1]}" = 0 ] && [ "${b[2]}" = 2 ] && [ "${b[3]}" = 2 ] && [ "${b[4]}" = 1 ]
	file_is "$CG$T/a/ioasids.current" 3

	run ioasidctl status --json "$T"
	[ "$status" -eq 0 ]
	jq -e --arg a "$T/a" --arg b "$T/b" '
		(.cgroups | map({(.path): .}) | add) as $c |
		$c[$a].current == 3 and $c[$a].max == 5 and $c[$a].peak == 3 and
		$c[$a].events.max == 0 and $c[$a].stat.file == 3 and
		$c[$b].current == 0 and $c[$b].max == 2 and $c[$b].peak == 2 and
		$c[$b].events.max == 1 and $c[$b].events_local.max == 1 and
		$c[$b].pinned_max == null and $c[$b].events.pinned_max == 0 and
		($c[$b].events | has("pinned.max") | not)' <<< "$output"

	kill "$TENANT_PID"
	wait "$TENANT_PID" || true
	file_is "$CG$T/a/ioasids.current" 0
}

@test "status --json: one valid document, every value equal to its file" {
	ioasidctl set --create "$T/a/b" max=9 pinned.max=64M
	ioasidctl set "$T/a" max=20
	json=$BATS_TEST_TMPDIR/status.json
	run ioasidctl status --json
	[ "$status" -eq 0 ]
	echo "$output" > "$json"
	jq -e 'type == "object" and (.cgroups | type == "array")' "$json"
	[ "$(jq .capacity "$json")" = "$(cat "$CG/ioasids.capacity")" ]
	jq -e '.cgroups[0].path == "/" and .cgroups[0].max == null and
		.cgroups[0].events == null and .cgroups[0].pinned_max == null' "$json"
	# Every limit and event count of every cgroup listed is its file's
	# (skipping the cgroups that systemd may have removed since)
	n=0
	while IFS=$'\t' read -r path max pmax events; do
		dir=$CG$path
		[ -d "$dir" ] || continue
		file_is "$dir/ioasids.max" "$max"
		file_is "$dir/ioasids.pinned.max" "$pmax"
		while read -r key value; do
			if [ "$key" = max ] && [ "$value" != "$events" ]; then
				echo "$path: events max $events, file $value"
				false
			fi
		done < "$dir/ioasids.events"
		n=$((n + 1))
	done < <(jq -r '.cgroups[1:][] |
		[.path, (.max // "max"), (.pinned_max // "max"), .events.max] | @tsv' "$json")
	[ "$n" -ge 3 ]
	# Below $T: every cgroup that has the files, and no other
	run ioasidctl status --json "$T"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.cgroups[].path' <<< "$output")" = "$(printf '%s\n' "$T" "$T/a" "$T/a/b")" ]
	jq -e --arg p "$T/a/b" '.cgroups[] | select(.path == $p) |
		.max == 9 and .pinned_max == 67108864 and .current == 0 and
		.events == {"max": 0, "pinned_max": 0}' <<< "$output"
	jq -e --arg p "$T/a" '.cgroups[] | select(.path == $p) | .max == 20' <<< "$output"
}

@test "status: tree order and indentation below the cgroup asked for" {
	ioasidctl set --create "$T/b" max=1
	ioasidctl set --create "$T/a/x" max=2
	ioasidctl set --create "$T/a-b" max=3
	run ioasidctl status "$T"
	[ "$status" -eq 0 ]
	names=$(tail -n +3 <<< "$output" | sed -E 's/^( *[^ ]+).*/\1/')
	[ "$names" = "$(printf '%s\n' "$T" "  a" "    x" "  a-b" "  b")" ]
}

@test "status --depth: the levels below the cgroup asked for, at most" {
	ioasidctl set --create "$T/a/x/y" max=max
	ioasidctl set --create "$T/b" max=max
	run ioasidctl status --depth=1 "$T"
	[ "$status" -eq 0 ]
	names=$(sed -n '3,$p' <<< "$output" | awk '{print $1}')
	[ "$names" = "$(printf '%s\n' "$T" a b)" ]
	run ioasidctl status --json -d 0 "$T/a"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.cgroups[].path' <<< "$output")" = "$T/a" ]
	# The capacity, the header, and $T, a, x and b, not y
	run ioasidctl status --depth=2 "$T"
	[ "${#lines[@]}" -eq 6 ]
	run ioasidctl status --depth=-1 "$T"
	[ "$status" -eq 2 ]
}

@test "status -o, --raw and --tree: the columns asked for, full paths, tree lines" {
	ioasidctl set --create "$T/a/x" max=7
	ioasidctl set --create "$T/b" pinned.max=4G
	run ioasidctl status -o cgroup,MAX,pinned.max "$T"
	[ "$status" -eq 0 ]
	[ "${lines[0]%% *}" = capacity: ]
	read -ra h <<< "${lines[1]}"
	[ "${h[*]}" = "CGROUP MAX PINNED.MAX" ]
	read -ra x <<< "${lines[4]}"
	[ "${x[*]}" = "x 7 max" ]
	run ioasidctl status --raw -o CGROUP,PINNED.MAX "$T"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' "CGROUP PINNED.MAX" "$T max" "$T/a max" \
		"$T/a/x max" "$T/b 4GiB")" ]
	run ioasidctl status --tree -o cgroup "$T"
	[ "$status" -eq 0 ]
	[ "$(tail -n +3 <<< "$output" | tr -d ' ')" = "$(printf '%s\n' "$T" \
		'├─a' '│└─x' '└─b')" ] ||
		[ "$(tail -n +3 <<< "$output" | tr -d ' ')" = "$(printf '%s\n' "$T" \
		'|-a' '|`-x' '`-b')" ]
	for bad in "-o nosuch" "-o ," "--json -o max" "--json --raw" \
		"--raw --tree"; do
		run ioasidctl status $bad "$T"
		[ "$status" -eq 2 ] || { echo "$bad: status $status"; return 1; }
	done
}

@test "status reads the ioasids files alone, not other controllers' of the cgroup" {
	command -v strace >/dev/null || skip "strace is not installed"
	ioasidctl set --create "$T/a" max=5
	# Controllers beside ioasids, whose files status has no use for
	for c in memory pids; do
		grep -qw "$c" "$CG$T/cgroup.controllers" &&
			echo "+$c" > "$CG$T/cgroup.subtree_control"
	done
	run strace -f -qq -e trace=openat,open -o "$BATS_TEST_TMPDIR/trace" \
		ioasidctl status "$T"
	[ "$status" -eq 0 ]
	read -ra a <<< "${lines[3]}"
	[ "${a[0]}" = a ] && [ "${a[2]}" = 5 ]
	# Every file opened below the test's cgroup is an ioasids or a core
	# one (libcgroup joins paths with "//")
	opened=$(sed 's#//*#/#g' "$BATS_TEST_TMPDIR/trace" |
		grep -o "\"$CG$T[^\"]*\"" || true)
	other=$(grep -v '/ioasids\.[a-z.]*"$' <<< "$opened" |
		grep -v '/cgroup\.[a-z.]*"$' | grep '/[a-z]*\.[a-z.]*"$' || true)
	[ -z "$other" ] || { echo "status opened: $other"; return 1; }
	grep -qx "\"$CG$T/a/ioasids.max\"" <<< "$opened"
}

@test "status: pinned memory in binary units, and exact bytes in JSON" {
	need_tenant
	ioasidctl set --create "$T/a" pinned.max=64M
	tenant_hold "$T/a" --pin 1M ||
		skip "ioasids_tenant cannot pin memory here: $(cat "$TENANT_OUT")"
	file_is "$CG$T/a/ioasids.pinned.current" 1048576
	run ioasidctl status "$T/a"
	[ "$status" -eq 0 ]
	read -ra a <<< "${lines[2]}"
	[ "${a[5]}" = 1MiB ] && [ "${a[6]}" = 64MiB ] && [ "${a[7]}" = 1MiB ]
	run ioasidctl status --json "$T/a"
	jq -e '.cgroups[0] | .pinned_current == 1048576 and
		.pinned_max == 67108864 and .pinned_peak == 1048576' <<< "$output"
	kill "$TENANT_PID"
	wait "$TENANT_PID" || true
}

@test "status: any name a tenant may give a cgroup, escaped in text, valid JSON" {
	ioasidctl set --create "$T/a" max=max
	mkdir "$CG$T/"$'tab\there' "$CG$T/"$'esc\e[31mred' "$CG$T/"$'bad\xffutf8' \
		"$CG$T/back\\slash"
	run ioasidctl status "$T"
	[ "$status" -eq 0 ]
	[[ "$output" == *'  tab\there '* ]]
	[[ "$output" == *'  esc\x1b[31mred '* ]]
	[[ "$output" == *'  bad\xffutf8 '* ]]
	[[ "$output" == *'  back\\slash '* ]]
	[[ "$output" != *$'\e'* ]]
	[[ "$output" != *$'\t'* ]]
	# One line per cgroup, the columns whole
	[ "${#lines[@]}" -eq 8 ]
	run ioasidctl status --json "$T"
	[ "$status" -eq 0 ]
	iconv -f UTF-8 -t UTF-8 <<< "$output" > /dev/null
	names=$(jq -r '.cgroups[].path' <<< "$output" | sort)
	expected=$(printf '%s\n' "$T" "$T/a" "$T/"$'bad\xef\xbf\xbdutf8' "$T/back\\slash" \
		"$T/"$'esc\e[31mred' "$T/"$'tab\there' | sort)
	[ "$names" = "$expected" ]
}

@test "status: errors for a missing cgroup and for a cgroup without the controller" {
	run ioasidctl status "$T/missing"
	[ "$status" -eq 2 ]
	[ "$output" = "ioasidctl: $T/missing: cgroup does not exist" ]
	ioasidctl set --create "$T" max=max
	mkdir "$CG$T/plain"
	run ioasidctl status "$T/plain"
	[ "$status" -eq 2 ]
	[ "$output" = "ioasidctl: $T/plain: ioasids.current: No such file or directory (the ioasids controller is not enabled in $T/cgroup.subtree_control)" ]
}

@test "a file in the way of a cgroup is an error (exit 2)" {
	ioasidctl set --create "$T" max=max
	run ioasidctl set --create "$T/cgroup.procs/x" max=1
	[ "$status" -eq 2 ]
	[ "$output" = "ioasidctl: $T/cgroup.procs/x: not a cgroup (Not a directory)" ]
}

@test "limits set by ioasidctl are enforced by the kernel" {
	need_tenant
	ioasidctl set --create "$T/a" max=4
	tenant_run "$T/a" --ids 4
	[ "$status" -eq 0 ]
	tenant_run "$T/a" --ids 5
	[ "$status" -eq 1 ]
	[[ "$output" == *"IOASID 5 of 5: Device or resource busy"* ]]
	run ioasidctl status --json "$T/a"
	jq -e '.cgroups[0].events.max == 1 and .cgroups[0].peak == 4' <<< "$output"
}
