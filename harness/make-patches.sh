#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The project as a patch series against the base tree, one commit per
# patch of patches/series: the patch's changes to base files, the new
# files patches/new-files gives it, and its description, written out by
# git format-patch with a cover letter (patches/cover-letter) and the
# Signed-off-by of whoever runs it (git config user.name and user.email).
# The test-only patches of patches/test-series follow it in OUT_DIR/test-only,
# apart: a maintainer receives the series without them.
# The host-side tools (tools/cgroup/ioasidctl) are not part of the kernel
# series: they ship on their own.
#
#   make-patches.sh BASE_DIR OUT_DIR
set -euo pipefail

base=$(cd "$1" && pwd)
out=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

name=$(git config user.name || true)
email=$(git config user.email || true)
if [ -z "$name" ] || [ -z "$email" ]; then
	echo "make-patches: set your identity first, it signs the patches off:" >&2
	echo "  git config --global user.name 'Your Name'" >&2
	echo "  git config --global user.email you@example.org" >&2
	exit 1
fi

patches=$(sed -e '/^#/d' -e '/^$/d' patches/series)
test_patches=$(sed -e '/^#/d' -e '/^$/d' patches/test-series)
# patches/new-files as lines of "PATCH FILE..." (continuation lines joined)
layout=$(sed -e '/^#/d' -e '/^$/d' patches/new-files |
	awk '/^[^\t ]/ { if (l) print l; l = $0; next } { l = l " " $0 } END { if (l) print l }' |
	sed 's/: */ /')

# Every file the project adds must belong to exactly one patch.
files_of() {
	local dirs

	dirs=$(awk -v p="$1" '$1 == p { $1 = ""; print }' <<< "$layout")
	[ -z "$dirs" ] || git ls-files -- $dirs
}
assigned=$(for p in $patches $test_patches; do files_of "$p"; done | sort)
added=$(git ls-files Documentation drivers include init kernel lib mm tools |
	grep -v '^tools/cgroup/ioasidctl/' | sort)
if [ -n "$(comm -3 <(echo "$added") <(echo "$assigned"))" ] ||
   [ -n "$(uniq -d <<< "$assigned")" ]; then
	echo "make-patches: patches/new-files must give every added file to one patch:" >&2
	comm -3 <(echo "$added") <(echo "$assigned") | sed 's/^\t/  listed, not in the repository: /; s/^\([^ ]\)/  in no patch: \1/' >&2
	uniq -d <<< "$assigned" | sed 's/^/  in two patches: /' >&2
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$work" init -q
export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email
export GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email

# The base: the base tree's versions of the files the patches change
for p in $patches $test_patches; do
	sed -nE 's|^\+\+\+ b/||p' "patches/$p"
done | sort -u | while read -r f; do
	[ -e "$base/$f" ] || continue
	mkdir -p "$work/$(dirname "$f")"
	cp "$base/$f" "$work/$f"
done
version=$(make -s -C "$base" kernelversion 2>/dev/null || echo 6.12)
git -C "$work" add -A
git -C "$work" commit -q -m "Linux $version (base: the files the series changes)"

for p in $patches $test_patches; do
	git -C "$work" apply --whitespace=nowarn "$repo/patches/$p"
	for f in $(files_of "$p"); do
		mkdir -p "$work/$(dirname "$f")"
		cp "$f" "$work/$f"
	done
	git -C "$work" add -A
	# The description: the patch's header, without "[PATCH] "
	sed -n '/^---$/q; p' "patches/$p" | sed '1s/^Subject: \[PATCH\] //' |
		git -C "$work" commit -q -F -
done

rm -rf "$out"
mkdir -p "$out"
nr_test=$(wc -w <<< "$test_patches")
git -C "$work" format-patch -q --signoff --cover-letter -o "$out" \
	--subject-prefix="PATCH" HEAD~"$(( $(wc -w <<< "$patches") + nr_test ))..HEAD~$nr_test"
git -C "$work" format-patch -q --signoff -o "$out/test-only" \
	--subject-prefix="PATCH test-only" HEAD~"$nr_test"
cover=$(ls "$out"/0000-*.patch)
subject=$(head -n 1 patches/cover-letter)
python3 - "$cover" "$subject" patches/cover-letter "$version" <<'PY'
import sys
cover, subject, letter, version = sys.argv[1:]
body = open(letter).read().split("\n", 1)[1].strip("\n")
body += "\n\nThe series applies to Linux %s.\n" % version
text = open(cover).read()
text = text.replace("*** SUBJECT HERE ***", subject)
text = text.replace("*** BLURB HERE ***", body)
open(cover, "w").write(text)
PY
echo "  SERIES  $out: $(ls "$out"/*.patch | wc -l) files, signed off by $name <$email>"
echo "  TESTS   $out/test-only: $nr_test test-only patches, not part of the series"
