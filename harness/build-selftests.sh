#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the programs that LIST names (lines of TARGET, a folder of
# tools/testing/selftests, and PROGRAM) against the patched tree's uAPI
# headers, and put them in BIN_DIR, one executable per test, for the guest
# to run.
#
#   build-selftests.sh SRC_DIR OBJ_DIR LIST BIN_DIR
set -euo pipefail

src=$1
obj=$2
list=$3
bin=$4

rm -rf "$bin"
mkdir -p "$bin"

# The uAPI headers of the patched tree, as the selftests' Makefiles expect
# (a make of the kernel's object folder: under the kernel builds' lock)
flock "${KBUILD_LOCK:-/var/lock/ioasids-kbuild.lock}" \
	make -s -C "$src" O="$obj" ARCH=x86_64 headers >/dev/null
while read -r target test _; do
	case "$target" in ''|'#'*) continue ;; esac
	out=$obj/kselftest/$target
	mkdir -p "$out"
	make -s -C "$src/tools/testing/selftests/$target" OUTPUT="$out" \
		KHDR_INCLUDES="-isystem $obj/usr/include" "$out/$test" >/dev/null
	cp "$out/$test" "$bin/"
	echo "  TEST    $target/$test"
done < "$list"
