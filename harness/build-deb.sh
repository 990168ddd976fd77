#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A Debian package of the patched kernel, for hosts: Debian's own
# configuration of its cloud kernel (linux-config-6.12), plus the ioasids
# controller and /dev/ioasid, built with the kernel's bindeb-pkg.  Debug
# information is left out, which Debian ships in a separate package and
# which would triple the build time here.
#
#   build-deb.sh SRC_DIR OBJ_DIR OUT_DIR
#
# KBUILD_ARGS (from the Makefile) are the arguments of every kernel make.
set -euo pipefail

src=$1
obj=$2
out=$3
config=/usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz

mkdir -p "$obj" "$out"
xzcat "$config" > "$obj/.config.new"
"$src/scripts/config" --file "$obj/.config.new" \
	--enable CGROUP_IOASIDS --enable IOASID_CDEV \
	--disable DEBUG_INFO --disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
	--disable DEBUG_INFO_BTF --enable DEBUG_INFO_NONE \
	--set-str LOCALVERSION "-ioasids"
if ! cmp -s "$obj/.config.new" "$obj/.config.base"; then
	cp "$obj/.config.new" "$obj/.config.base"
	cp "$obj/.config.new" "$obj/.config"
fi
make -s -C "$src" O="$obj" ARCH=x86_64 olddefconfig
for opt in CGROUP_IOASIDS IOASID_CDEV; do
	grep -qx "CONFIG_$opt=y" "$obj/.config" || {
		echo "build-deb: CONFIG_$opt did not make it into the configuration" >&2
		exit 1
	}
done

# The package's changelog names whoever builds it, as "make patches"
# signs off with the builder's git identity, unless DEBFULLNAME and
# DEBEMAIL say otherwise.
repo=$(cd "$(dirname "$0")/.." && pwd)
DEBFULLNAME=${DEBFULLNAME:-$(git -C "$repo" config user.name || true)}
DEBEMAIL=${DEBEMAIL:-$(git -C "$repo" config user.email || true)}
if [ -z "$DEBFULLNAME" ] || [ -z "$DEBEMAIL" ]; then
	echo "build-deb: set git's user.name and user.email (or DEBFULLNAME and DEBEMAIL): the package names who built it" >&2
	exit 1
fi
export DEBFULLNAME DEBEMAIL

exec 9> "${KBUILD_LOCK:-/var/lock/ioasids-kbuild.lock}"
flock 9
echo "  DEB     $obj (cloud-amd64 + ioasids, -j$(nproc))"
start=$(date +%s)
eval make -s -C "$src" O="$obj" $KBUILD_ARGS -j"$(nproc)" \
	KDEB_SOURCENAME=linux-ioasids bindeb-pkg
# bindeb-pkg leaves the packages beside the object folder.
mv "$(dirname "$obj")"/linux-*.deb "$out/"
rm -f "$(dirname "$obj")"/linux-*.buildinfo "$(dirname "$obj")"/linux-*.changes
echo "  BUILT   $(cd "$out" && ls linux-*.deb | tr '\n' ' ')in $(( $(date +%s) - start )) s"
du -h "$out"/linux-*.deb
