#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The static checks a maintainer runs, as TAP, one test per file and check:
# checkpatch.pl --strict on every file the project adds and every patch,
# scripts/kernel-doc on every C file and header it adds, and sparse on
# every C file it adds to the kernel, read from the log of the build that
# ran sparse on them (make C=2; see the Makefile's lint target).
#
#   lint.sh SRC_DIR SPARSE_LOG OUT.tap
set -uo pipefail

src=$(cd "$1" && pwd)
sparse_log=$2
out=$3
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

files=$(git ls-files 'drivers/*.[ch]' 'include/*.h' 'kernel/*.[ch]' \
	'tools/testing/selftests/*.[ch]')
kernel_c=$(git ls-files 'drivers/*.c' 'kernel/*.c')
patches=$(sed -e '/^#/d' -e '/^$/d' patches/series)

n=0
tap=()
result() {
	n=$((n + 1))
	if [ -z "$2" ]; then
		tap+=("ok $n $1")
	else
		tap+=("not ok $n $1")
		while IFS= read -r line; do tap+=("# $line"); done <<< "$2"
	fi
}

for f in $files; do
	result "checkpatch $f" "$(perl "$src/scripts/checkpatch.pl" --strict \
		--no-tree -q --terse -f "$f" 2>&1 | grep -v '^total:')"
done
for p in $patches; do
	# Patches get their Signed-off-by when they are sent.
	# (from patches/: in the repository's root, checkpatch takes a
	# tracked .patch file for a source file)
	result "checkpatch patches/$p" "$(cd patches && perl \
		"$src/scripts/checkpatch.pl" --strict --no-tree --no-signoff \
		-q --terse "$p" 2>&1 | grep -v '^total:')"
done
for f in $files; do
	case "$f" in tools/*) continue ;; esac
	result "kernel-doc $f" "$(perl "$src/scripts/kernel-doc" -none -Wall \
		"$f" 2>&1)"
done
for f in $kernel_c; do
	if ! grep -q "CHECK .*/$f\$" "$sparse_log"; then
		result "sparse $f" "sparse did not check it: $(tail -n 3 "$sparse_log")"
	else
		result "sparse $f" "$(grep -E "/$f:[0-9]+:[0-9]+: (warning|error)" "$sparse_log")"
	fi
done

{
	echo "TAP version 13"
	echo "1..$n"
	printf '%s\n' "${tap[@]}"
} > "$out"
