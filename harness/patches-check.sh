#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a maintainer checks of a series before taking it: every patch
# passes checkpatch.pl --strict, and the kernel builds after each patch
# (bisectability), with the test kernel's configuration (options that a
# patch has not introduced yet are left out until it does).  The
# test-only patches in SERIES_DIR/test-only are checked the same way on top
# of the series, with TEST_FRAGMENT (the benchmark's options) added.
#
#   patches-check.sh SERIES_DIR BASE_DIR WORK_DIR FRAGMENT...
#
# KBUILD_ARGS (from the Makefile) are the arguments of every kernel make.
set -euo pipefail

series=$(cd "$1" && pwd)
base=$(cd "$2" && pwd)
work=$3
shift 3
src=$work/src
obj=$work/obj
failed=0

# The series, then its test-only tail
patches=$(ls "$series"/0*.patch | grep -v '/0000-cover-letter.patch$')
if [ -d "$series/test-only" ]; then
	patches+=$'\n'$(ls "$series"/test-only/0*.patch)
fi
test_fragment=${TEST_FRAGMENT:-}

echo "  CHECK   checkpatch.pl --strict on $series"
for p in $patches; do
	if ! out=$(perl "$base/scripts/checkpatch.pl" --strict -q --terse \
			--no-tree "$p" 2>&1 | grep -v '^total:'); then
		:
	fi
	if [ -n "$out" ]; then
		echo "FAIL: checkpatch ${p#"$series"/}:"
		echo "$out"
		failed=1
	fi
done

# A private copy of the base tree (hard links: patch(1) writes a new file
# for each file it changes) and a fresh object folder, so that no object
# of an earlier run looks newer than the source it was built from.
rm -rf "$src" "$obj"
mkdir -p "$work" "$obj"
cp -al "$base" "$src"
exec 9> "${KBUILD_LOCK:-/var/lock/ioasids-kbuild.lock}"
flock 9
for p in $patches; do
	name=${p#"$series"/}
	fragments=("$@")
	case "$name" in test-only/*) [ -z "$test_fragment" ] || fragments+=("$test_fragment") ;; esac
	patch -d "$src" -p1 -s --no-backup-if-mismatch < "$p"
	make -s -C "$src" O="$obj" ARCH=x86_64 tinyconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"${fragments[@]}" >/dev/null 2>&1
	make -s -C "$src" O="$obj" ARCH=x86_64 olddefconfig >/dev/null
	start=$(date +%s)
	if eval make -s -C "$src" O="$obj" $KBUILD_ARGS -j"$(nproc)" \
			bzImage > "$work/build.log" 2>&1; then
		echo "  BUILT   $name ($(( $(date +%s) - start )) s)"
	else
		echo "FAIL: the kernel does not build after $name:"
		grep -E 'error|Error' "$work/build.log" | head -n 20
		failed=1
	fi
done
if [ "$failed" = 0 ]; then
	echo "patches-check: every patch, the test-only ones too, passes checkpatch --strict and builds"
fi
exit $failed
