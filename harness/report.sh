#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Read what the guests left behind and print one closing line,
# "N passed, N failed, N skipped", counting every KUnit case, every test
# case and, for each boot, two checks of the guest's kernel log (no BUG,
# WARNING, KASAN or lockdep report; no kmemleak report).  A skipped case
# (TAP "# SKIP", any case, from kselftests and bats) counts as skipped,
# never as passed, and is a failure unless harness/skip-allowlist names
# it; a suite that skips all its cases, or plans none, is a failure.  So
# is a boot whose first test (controllers.tap, from guest-controllers.sh)
# did not find the ioasids controller: its other results do not count.
# Exits non-zero on any failure.
#
#   report.sh SRC_DIR {BOOT[+kunit][:no-kmemleak] | FILE.tap}...
#
# SKIP_ALLOWLIST names another allowlist.
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

# The allowlist: bash patterns matched against "SUITE: TEST", SUITE being
# BOOT/PROGRAM (main/test_core), BOOT/kunit or a TAP file's name; each
# one under a comment that says why the test may skip here.
allowlist=${SKIP_ALLOWLIST:-$(dirname "$0")/skip-allowlist}
allowed=()
reason=
lineno=0
[ -r "$allowlist" ] || fail "no skip allowlist: $allowlist"
while IFS= read -r line; do
	lineno=$((lineno + 1))
	case "$line" in
	'') reason= ;;
	'#'*) reason=yes ;;
	*)
		[ -n "$reason" ] ||
			fail "$allowlist:$lineno: no comment says why it may skip: $line"
		allowed+=("$line")
		;;
	esac
done < <(cat "$allowlist" 2>/dev/null)

# Every skip, for the list at the end
skips=()

# One skipped case, "SUITE: TEST", and the reason the test gave
skip_case() {
	local id=$1 why=$2 pattern

	for pattern in "${allowed[@]}"; do
		# shellcheck disable=SC2053 # a pattern, unquoted on purpose
		if [[ $id == $pattern ]]; then
			skips+=("$id: $why")
			return
		fi
	done
	skips+=("$id: $why (NOT ALLOWED)")
	fail "$id: skipped, and not on $(basename "$allowlist"): $why"
}

# The skipped cases of a TAP file, "NAME<tab>REASON" a line: kselftest's
# "ok 3 name # SKIP why", bats' "ok 3 name # skip (why)"
tap_skips() {
	sed -nE 's/^ok [0-9]+ *(.*[^ ])? *# *skip\b *(.*)$/\1\t\2/Ip' "$1"
}

# Count the cases of SUITE's TAP file into s_pass, s_skip, s_fail and
# plan (empty without a plan line); check its skips.
count_tap() {
	local suite=$1 tap=$2 name why

	s_pass=$(grep -cE '^ok [0-9]+' "$tap")
	s_skip=$(tap_skips "$tap" | wc -l)
	s_fail=$(grep -cE '^not ok [0-9]+' "$tap")
	s_pass=$((s_pass - s_skip))
	plan=$(sed -nE 's/^1\.\.([0-9]+).*/\1/p' "$tap" | head -n 1)
	grep -E '^not ok [0-9]+' "$tap" | sed "s|^|FAIL: $suite: |"
	if [ "$plan" = 0 ]; then
		fail "$suite: skipped entirely (plans no test): $(grep -m1 -E '^1\.\.0' "$tap")"
	elif [ "$s_skip" -gt 0 ] && [ $((s_pass + s_fail)) = 0 ]; then
		fail "$suite: skipped entirely (all its $s_skip tests)"
		while IFS=$'\t' read -r name why; do
			skips+=("$suite: ${name:-"(unnamed)"}: $why (ALL SKIPPED)")
		done < <(tap_skips "$tap")
	else
		while IFS=$'\t' read -r name why; do
			skip_case "$suite: ${name:-"(unnamed)"}" "$why"
		done < <(tap_skips "$tap")
	fi
}

# A .tap file: counted as it is.
report_tap() {
	local tap=$1 suite

	suite=$(basename "$tap" .tap)
	echo "--- $suite"
	count_tap "$suite" "$tap"
	passed=$((passed + s_pass))
	failed=$((failed + s_fail))
	skipped=$((skipped + s_skip))
	[ $((s_pass + s_skip + s_fail)) -gt 0 ] || fail "$tap: no results"
	echo "$suite: $s_pass passed, $s_fail failed, $s_skip skipped"
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
			if [ "${k_pass:-0}" = 0 ] && [ "${k_skip:-0}" -gt 0 ]; then
				fail "$name/kunit: skipped entirely"
			else
				while read -r case; do
					skip_case "$name/kunit: $case" "KUnit"
				done < <(sed -nE 's/.*\[SKIPPED\] (.*)$/\1/p' "$kunit")
			fi
			echo "KUnit: ${k_pass:-0} passed, $k_bad failed, ${k_skip:-0} skipped"
		fi
	fi

	# The first test: the kernel has the ioasids controller.  Without
	# it, the suites did not run, and what they left does not count.
	counted=yes
	if [ ! -e "$results/controllers.tap" ]; then
		fail "$name: no controller check (controllers.tap)"
		counted=no
	elif ! grep -qE '^ok 1 ' "$results/controllers.tap" ||
	     grep -qiE '^ok 1 .*# *skip' "$results/controllers.tap"; then
		fail "$name: no ioasids controller: its suites do not count"
		counted=no
	fi

	# Tests: TAP from the kselftest harness, ksft_test_result_*() or scripts.
	while read -r test; do
		[ -e "$results/$test.tap" ] || fail "$name: $test: no results"
	done < "$guest/expected"
	taps=("$results/controllers.tap")
	for tap in "$results"/*.tap; do
		[ "$tap" = "${taps[0]}" ] || taps+=("$tap")
	done
	for tap in "${taps[@]}"; do
		[ -e "$tap" ] || continue
		test=$(basename "$tap" .tap)
		rc=$(cat "$results/$test.rc" 2>/dev/null || echo missing)
		count_tap "$name/$test" "$tap"
		if [ -n "$plan" ] && [ $((s_pass + s_skip + s_fail)) -lt "$plan" ]; then
			fail "$name/$test: ran $((s_pass + s_skip + s_fail)) of $plan planned tests"
		elif [ "$plan" = 0 ]; then
			: # counted above
		elif [ "$rc" != 0 ] && [ "$s_fail" = 0 ]; then
			fail "$name/$test: exited with status $rc"
		elif [ $((s_pass + s_skip + s_fail)) = 0 ]; then
			fail "$name/$test: reported no test"
		fi
		note=
		if [ "$counted" = no ] && [ "$test" != controllers ]; then
			note="; $s_pass passed, not counted: no ioasids controller"
			s_pass=0
		fi
		passed=$((passed + s_pass))
		failed=$((failed + s_fail))
		skipped=$((skipped + s_skip))
		echo "$test: $s_pass passed, $s_fail failed, $s_skip skipped (exit $rc$note)"
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

echo "--- skipped: ${#skips[@]}"
for skip in "${skips[@]}"; do
	echo "SKIP: $skip"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
