#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The static checks a maintainer runs, as TAP, one test per file and check:
# checkpatch.pl --strict on every file the project adds and every patch;
# scripts/kernel-doc -Werror on every C file and header it adds or
# touches; sparse on every kernel C file it adds or touches, read from the
# log of the build that ran sparse on them (make C=2; see the Makefile's
# lint target); a Sphinx build of its documents, warnings as errors; and
# groff's warnings on its man pages.
# In the files the patches touch, only what the patches bring counts:
# kernel-doc warnings that the base file does not have, sparse warnings on
# lines the patches add or change.
#
#   lint.sh SRC_DIR BASE_DIR SPARSE_LOG OUT.tap
set -uo pipefail

src=$(cd "$1" && pwd)
base=$(cd "$2" && pwd)
sparse_log=$3
out=$4
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

files=$(git ls-files 'drivers/*.[ch]' 'include/*.h' 'kernel/*.[ch]' \
	'tools/testing/selftests/*.[ch]' 'tools/cgroup/*.[ch]')
# (the benchmark is built only in make bench's kernel: not here)
kernel_c=$(git ls-files 'drivers/*.c' 'kernel/*.c' ':!drivers/iommu/ioasid_bench.c')
patches=$(sed -e '/^#/d' -e '/^$/d' patches/series patches/test-series)
# Kernel files of the base tree that the patches change
touched=$(for p in $patches; do sed -nE 's|^\+\+\+ b/(.*)|\1|p' "patches/$p"; done |
	grep -E '^(drivers|include|kernel|init|mm|lib)/.*\.[ch]$' | sort -u)
docs=$(git ls-files 'Documentation/*.rst')

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
		-Werror "$f" 2>&1)"
done
# Warnings without their line numbers, to compare a file with its base
kernel_doc_warnings() {
	(cd "$1" && perl "$src/scripts/kernel-doc" -none -Wall "$2" 2>&1) |
		sed -E 's/:[0-9]+:/:/' | sort -u
}
for f in $touched; do
	result "kernel-doc $f (patched)" "$(comm -13 \
		<(kernel_doc_warnings "$base" "$f") \
		<(kernel_doc_warnings "$src" "$f"))"
done
for f in $touched; do
	case "$f" in *.c) ;; *) continue ;; esac
	if ! grep -q "CHECK .*/$f\$" "$sparse_log"; then
		result "sparse $f (patched)" "sparse did not check it"
		continue
	fi
	# Lines of the patched file that the patches add or change
	changed=$(diff --old-line-format= --unchanged-line-format= \
		--new-line-format='%dn%c'"'"'\012'"'" "$base/$f" "$src/$f")
	result "sparse $f (patched)" "$(grep -E "/$f:[0-9]+:[0-9]+: (warning|error)" "$sparse_log" |
		while IFS=: read -r _ line rest; do
			grep -qx "$line" <<< "$changed" && echo "$f:$line:$rest"
		done)"
done
for f in $(git ls-files '*.[1-8]'); do
	result "man $f" "$(groff -man -Tutf8 -ww -z "$f" 2>&1)"
done
result "sphinx $(echo $docs)" "$("$repo/harness/docs-check.sh" "$src" \
	"$(dirname "$out")/docs" $docs)"
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
