#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Read what the guests left behind and print one closing line,
# "N passed, N failed", counting every KUnit case, every test case and, for
# each boot, two checks of the guest's kernel log (no BUG, WARNING, KASAN
# or lockdep report; no kmemleak report).  Exits non-zero on any failure.
#
#   report.sh SRC_DIR {BOOT[+kunit][:no-kmemleak] | FILE.tap}...
set -uo pipefail

src=$1
shift
passed=0
failed=0
skipped=0

fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

pass() {
	passed=$((passed + 1))
}

# A .tap file: counted as it is.
report_tap() {
	local tap=$1 t_pass t_fail

	echo "--- $(basename "$tap")"
	t_pass=$(grep -cE '^ok [0-9]+' "$tap")
	t_fail=$(grep -cE '^not ok [0-9]+' "$tap")
	grep -A3 -E '^not ok [0-9]+' "$tap" | sed 's/^/FAIL: /'
	passed=$((passed + t_pass))
	failed=$((failed + t_fail))
	[ "$t_pass" -gt 0 ] || fail "$tap: no results"
	echo "$(basename "$tap" .tap): $t_pass passed, $t_fail failed"
}

# A boot folder from run-guest.sh; BOOT+kunit says that the built-in
# KUnit suites ran in that boot and their results count, BOOT:no-kmemleak
# that its kernel is built without kmemleak (the systemd guest's), so that
# no kmemleak report is expected of it.
report_boot() {
	local boot=${1%:no-kmemleak} kmemleak=yes

	[ "$boot" = "$1" ] || kmemleak=no
	guest=${boot%+kunit}
	name=$(basename "$guest")
	results=$guest/results
	console=$guest/console.log
	echo "--- boot $name"

	if [ ! -f "$results/done" ]; then
		if [ -f "$results/timeout" ]; then
			fail "$name: $(cat "$results/timeout")"
		else
			fail "$name: the guest stopped before it finished (crash or panic)"
		fi
		echo "--- last lines of $console:"
		tail -n 40 "$console" 2>/dev/null
	fi

	if [ "$boot" != "$guest" ]; then
		# KUnit, parsed by the kernel's own KTAP parser.
		kunit=$guest/kunit.txt
		python3 "$src/tools/testing/kunit/kunit.py" parse < "$console" > "$kunit" 2>&1
		summary=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$kunit" | tail -n 1)
		if [ -z "$summary" ]; then
			fail "$name: KUnit: no results in the console log"
		else
			k_pass=$(sed -nE 's/.*passed: ([0-9]+).*/\1/p' <<< "$summary")
			k_fail=$(sed -nE 's/.*failed: ([0-9]+).*/\1/p' <<< "$summary")
			k_skip=$(sed -nE 's/.*skipped: ([0-9]+).*/\1/p' <<< "$summary")
			k_crash=$(sed -nE 's/.*crashed: ([0-9]+).*/\1/p' <<< "$summary")
			k_err=$(sed -nE 's/.*errors: ([0-9]+).*/\1/p' <<< "$summary")
			k_bad=$(( ${k_fail:-0} + ${k_crash:-0} + ${k_err:-0} ))
			passed=$((passed + ${k_pass:-0}))
			failed=$((failed + k_bad))
			skipped=$((skipped + ${k_skip:-0}))
			grep -E '\[(FAILED|CRASHED)\]' "$kunit" | sed 's/^/FAIL: KUnit /'
			echo "KUnit: ${k_pass:-0} passed, $k_bad failed, ${k_skip:-0} skipped"
		fi
	fi

	# Tests: TAP from the kselftest harness, ksft_test_result_*() or scripts.
	while read -r test; do
		[ -e "$results/$test.tap" ] || fail "$name: $test: no results"
	done < "$guest/expected"
	for tap in "$results"/*.tap; do
		[ -e "$tap" ] || continue
		test=$(basename "$tap" .tap)
		rc=$(cat "$results/$test.rc" 2>/dev/null || echo missing)
		s_pass=$(grep -cE '^ok [0-9]+' "$tap")
		s_skip=$(grep -cE '^ok [0-9]+.*# *SKIP' "$tap")
		s_fail=$(grep -cE '^not ok [0-9]+' "$tap")
		s_pass=$((s_pass - s_skip))
		grep -E '^not ok [0-9]+' "$tap" | sed "s/^/FAIL: $test: /"
		plan=$(sed -nE 's/^1\.\.([0-9]+).*/\1/p' "$tap" | head -n 1)
		if [ -n "$plan" ] && [ $((s_pass + s_skip + s_fail)) -lt "$plan" ]; then
			fail "$test: ran $((s_pass + s_skip + s_fail)) of $plan planned tests"
		elif [ "$rc" != 0 ] && [ "$s_fail" = 0 ]; then
			fail "$test: exited with status $rc"
		elif [ $((s_pass + s_skip + s_fail)) = 0 ]; then
			fail "$test: reported no test"
		fi
		passed=$((passed + s_pass))
		failed=$((failed + s_fail))
		skipped=$((skipped + s_skip))
		echo "$test: $s_pass passed, $s_fail failed, $s_skip skipped (exit $rc)"
	done

	# The guest's kernel log: any of these is a failure, whatever the tests said.
	bad='BUG:|WARNING:|KASAN:|UBSAN:|INFO: |possible (recursive|circular) locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|Oops|general protection fault|Kernel panic|Call Trace:'
	if grep -qE "$bad" "$console" "$results/dmesg.txt" 2>/dev/null; then
		fail "$name: kernel log: BUG, WARNING, KASAN or lockdep report:"
		grep -hE "$bad" "$console" "$results/dmesg.txt" 2>/dev/null | sort -u | head -n 20
	else
		pass
	fi
	if [ "$kmemleak" = no ]; then
		:
	elif [ ! -f "$results/kmemleak.txt" ]; then
		fail "$name: kmemleak: no report from the guest"
	elif grep -q 'unreferenced object' "$results/kmemleak.txt"; then
		fail "$name: kmemleak: $(grep -c 'unreferenced object' "$results/kmemleak.txt") leak(s):"
		head -n 30 "$results/kmemleak.txt"
	elif [ -s "$results/kmemleak.txt" ]; then
		fail "$name: kmemleak: $(cat "$results/kmemleak.txt")"
	else
		pass
	fi
}

for arg in "$@"; do
	case "$arg" in
	*.tap) report_tap "$arg" ;;
	*) report_boot "$arg" ;;
	esac
done

# Benchmarks: the same program in boots with and without the controller.
bench_line() {
	sed -nE 's/^# bench (.*controller=.*)$/\1/p' "$1"/results/*.tap 2>/dev/null | head -n 1
}
bench_field() {
	sed -nE "s/.*$2=([0-9]+).*/\\1/p" <<< "$1"
}
for boot in "$@"; do
	case "$boot" in *bench-on) on=$(bench_line "$boot") ;; *bench-off) off=$(bench_line "$boot") ;; esac
done
if [ -n "${on:-}" ] && [ -n "${off:-}" ]; then
	map_on=$(bench_field "$on" median_map_ns)
	map_off=$(bench_field "$off" median_map_ns)
	unmap_on=$(bench_field "$on" median_unmap_ns)
	unmap_off=$(bench_field "$off" median_unmap_ns)
	echo "bench: VFIO MAP_DMA of $(bench_field "$on" map_dma_mib) MiB, median of $(bench_field "$on" reps):" \
		"map $((map_on / 1000000)) ms with the controller, $((map_off / 1000000)) ms without;" \
		"throughput ratio $(awk "BEGIN { printf \"%.3f\", $map_off / $map_on }");" \
		"unmap ratio $(awk "BEGIN { printf \"%.3f\", $unmap_off / $unmap_on }")"
fi

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
