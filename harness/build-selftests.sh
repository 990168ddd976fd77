#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the project's selftests against the patched tree's uAPI headers and
# put them, one executable per test, in BIN_DIR for the guest to run.
#
#   build-selftests.sh SRC_DIR OBJ_DIR BIN_DIR
set -euo pipefail

src=$1
obj=$2
bin=$3
repo=$(cd "$(dirname "$0")/.." && pwd)

rm -rf "$bin"
mkdir -p "$bin"
[ -s "$repo/harness/selftests" ] || exit 0

# The uAPI headers of the patched tree, as the selftests' Makefiles expect.
make -s -C "$src" O="$obj" ARCH=x86_64 headers >/dev/null
while read -r target test _; do
	case "$target" in ''|'#'*) continue ;; esac
	out=$obj/kselftest/$target
	mkdir -p "$out"
	make -s -C "$src/tools/testing/selftests/$target" OUTPUT="$out" \
		KHDR_INCLUDES="-isystem $obj/usr/include" "$out/$test" >/dev/null
	cp "$out/$test" "$bin/"
	echo "  TEST    $target/$test"
done < "$repo/harness/selftests"
