#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lay the project over the base kernel tree.
#
#   prepare-tree.sh BASE_TARBALL BUILD_DIR
#
# BUILD_DIR/base is the pristine base tree, unpacked once.  BUILD_DIR/src is
# the tree the kernel is built from: the base, plus patches/series and
# patches/test-series applied, plus every file the project adds at its
# kernel path.  Only files whose content changes are rewritten in src, so
# an unchanged file keeps its timestamp and kbuild rebuilds only what
# really changed.  src starts as
# hard links to base: a file is replaced, never written in place, so base
# stays pristine.
set -euo pipefail

tarball=$1
build=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
base=$build/base
src=$build/src
stage=$build/stage
managed=$build/managed-files

# Top-level folders of the repository that hold files at kernel paths.
overlay_dirs="Documentation drivers include init kernel lib mm tools"

mkdir -p "$build"
if [ ! -f "$base/.unpacked" ]; then
	echo "  UNPACK  $tarball"
	rm -rf "$base" "$build/unpack"
	mkdir -p "$build/unpack"
	tar -xf "$tarball" -C "$build/unpack"
	mv "$build/unpack"/* "$base"
	rmdir "$build/unpack"
	touch "$base/.unpacked"
fi
if [ ! -f "$src/.unpacked" ]; then
	echo "  LINK    base -> src"
	rm -rf "$src" "$managed"
	cp -al "$base" "$src"
fi

version=$(make -s -C "$base" kernelversion)
echo "  BASE    Linux $version (Debian linux-source-6.12 $(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown))"

# Build the new state of every managed file in a stage folder: the files
# the patches touch, copied from base and patched, then the overlay files.
rm -rf "$stage"
mkdir -p "$stage"
: > "$stage/.files"
for series in "$repo/patches/series" "$repo/patches/test-series"; do
	[ -f "$series" ] || continue
	while read -r patch _; do
		case "$patch" in ''|'#'*) continue ;; esac
		grep -E '^\+\+\+ ' "$repo/patches/$patch" | sed -E 's|^\+\+\+ [^/]*/||; s|\t.*||' |
		while read -r f; do
			if [ ! -e "$stage/$f" ] && [ -e "$base/$f" ]; then
				mkdir -p "$stage/$(dirname "$f")"
				cp -p "$base/$f" "$stage/$f"
			fi
			echo "$f" >> "$stage/.files"
		done
		if ! out=$(patch -d "$stage" -p1 --no-backup-if-mismatch -s -f < "$repo/patches/$patch" 2>&1); then
			echo "error: patches/$patch does not apply to Linux $version:" >&2
			echo "$out" >&2
			exit 1
		fi
		echo "  PATCH   $patch"
	done < "$series"
done
for d in $overlay_dirs; do
	[ -d "$repo/$d" ] || continue
	(cd "$repo" && find "$d" -type f) | while read -r f; do
		mkdir -p "$stage/$(dirname "$f")"
		cp "$repo/$f" "$stage/$f"
		echo "$f" >> "$stage/.files"
	done
done
sort -u -o "$stage/.files" "$stage/.files"

# Files managed last time but no longer: back to base, or gone.
if [ -f "$managed" ]; then
	comm -23 "$managed" "$stage/.files" | while read -r f; do
		rm -f "$src/$f"
		# A new timestamp, so that kbuild rebuilds what used it
		if [ -e "$base/$f" ]; then
			cp "$base/$f" "$src/$f"
		fi
	done
fi
# Managed files: rewrite only those whose content changed.
while read -r f; do
	if ! cmp -s "$stage/$f" "$src/$f"; then
		mkdir -p "$src/$(dirname "$f")"
		rm -f "$src/$f"
		cp "$stage/$f" "$src/$f"
		echo "  UPDATE  $f"
	fi
done < "$stage/.files"
cp "$stage/.files" "$managed"
rm -rf "$stage"
