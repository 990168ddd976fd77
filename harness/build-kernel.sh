#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build one test kernel: tinyconfig plus FRAGMENTs, made in
# a scratch folder on every run and copied into OBJ_DIR only when it
# differs, so that a change to a fragment or to a Kconfig file is picked
# up and an unchanged configuration costs no rebuild.  Fails when an
# option of a fragment did not make it into the .config.
#
#   build-kernel.sh SRC_DIR OBJ_DIR FRAGMENT...
#
# KBUILD_ARGS (from the Makefile) are the arguments of every kernel make.
set -euo pipefail

src=$1
obj=$2
shift 2
kconfig=$obj.kconfig

mkdir -p "$kconfig" "$obj"
make -s -C "$src" O="$kconfig" ARCH=x86_64 tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$kconfig" "$kconfig/.config" \
	"$@" >/dev/null
make -s -C "$src" O="$kconfig" ARCH=x86_64 olddefconfig >/dev/null
# What the fragments ask for together: a later fragment's line for an
# option overrides an earlier one's, as in merge_config.sh.
awk '/^CONFIG_[A-Za-z0-9_]+=/ {
	sym = substr($0, 1, index($0, "=") - 1)
	if (!(sym in line))
		order[++n] = sym
	line[sym] = $0
}
END { for (i = 1; i <= n; i++) print line[order[i]] }' "$@" > "$kconfig/fragments"
"$(dirname "$0")/check-config.sh" "$kconfig/fragments" "$kconfig/.config"
if ! cmp -s "$kconfig/.config" "$obj/.config"; then
	echo "  CONFIG  $obj/.config"
	cp "$kconfig/.config" "$obj/.config"
fi

# One kernel build at a time on this machine, whoever starts it: two at
# once on two cores only make both slow.
exec 9> "${KBUILD_LOCK:-/var/lock/ioasids-kbuild.lock}"
flock 9
echo "  BUILD   $obj (-j$(nproc), ccache ${CCACHE_DIR:-default})"
start=$(date +%s)
eval make -s -C "$src" O="$obj" $KBUILD_ARGS -j"$(nproc)" bzImage
echo "  BUILT   $obj/arch/x86/boot/bzImage in $(( $(date +%s) - start )) s"
