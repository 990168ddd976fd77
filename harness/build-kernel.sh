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
for fragment in "$@"; do
	"$(dirname "$0")/check-config.sh" "$fragment" "$kconfig/.config"
done
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
