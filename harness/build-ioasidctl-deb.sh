#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian package of ioasidctl: the tool, ioasidctl(8), ioasids.service,
# ioasids@.service, ioasids-generator and the example configuration, at
# the paths of a Debian system (the unit runs /usr/sbin/ioasidctl), with
# the dependencies that dpkg-shlibdeps finds and ioasids.service enabled
# on installation, as dh_installsystemd enables a package's units.
#
#   build-ioasidctl-deb.sh IOASIDCTL_DIR BUILD_DIR OUT_DIR
#
# Builds in BUILD_DIR and leaves ioasidctl_VERSION_ARCH.deb in OUT_DIR.
# The version is the kernel's that the tree builds, then the date and
# the commit of the project (6.12.117+20261205.47b9f38), or "+local"
# outside a git clone.
set -euo pipefail

src=$(cd "$1" && pwd)
build=$2
out=$3
tree=$(cd "$src/../../.." && pwd)

kernel=$(make -s -C "$tree" kernelversion 2>/dev/null)
if commit=$(git -C "$(dirname "$0")" log -1 --format='%cd.%h' \
		--date=format:%Y%m%d 2>/dev/null); then
	version=$kernel+$commit
else
	version=$kernel+local
fi
arch=$(dpkg --print-architecture)

rm -rf "$build"
mkdir -p "$build/root/DEBIAN" "$out"
rm -f "$out"/ioasidctl_*.deb
make -s -C "$src" OUTPUT="$build/obj/" install DESTDIR="$build/root" \
	prefix=/usr >/dev/null
# As Debian's policy asks: a stripped binary, a compressed manual page and
# the copyright file
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$build/root/usr/sbin/ioasidctl"
gzip -9n "$build/root/usr/share/man/man8/ioasidctl.8"
cat > "$build/root/usr/share/doc/ioasidctl/copyright" <<'COPYRIGHT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ioasidctl
Source: tools/cgroup/ioasidctl of the ioasids controller's kernel tree

Files: *
License: GPL-2.0
 On Debian systems, the full text of the GNU General Public License
 version 2 is in /usr/share/common-licenses/GPL-2.
COPYRIGHT

# dpkg-shlibdeps reads the package's name from debian/control.
mkdir -p "$build/shlibs/debian"
printf 'Source: ioasidctl\n\nPackage: ioasidctl\nArchitecture: any\n' \
	> "$build/shlibs/debian/control"
depends=$(cd "$build/shlibs" && dpkg-shlibdeps -O \
	"$build/root/usr/sbin/ioasidctl" | sed -n 's/^shlibs:Depends=//p')

cat > "$build/root/DEBIAN/control" <<CONTROL
Package: ioasidctl
Version: $version
Architecture: $arch
Maintainer: ioasids maintainers <ioasids@localhost>
Depends: $depends
Section: admin
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$build/root" | cut -f1)
Description: limits of the ioasids cgroup controller
 ioasidctl sets, applies from /etc/ioasids.conf and shows the limits of
 the ioasids cgroup controller: the IOASIDs (PCIe PASIDs) and the memory
 pinned for DMA that each cgroup may hold.  ioasids.service applies the
 file at boot, and ioasids@.service applies it to each slice it names as
 the slice starts.
CONTROL

cat > "$build/root/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
	deb-systemd-helper unmask ioasids.service >/dev/null || true
	if deb-systemd-helper --quiet was-enabled ioasids.service; then
		deb-systemd-helper enable ioasids.service >/dev/null || true
	else
		deb-systemd-helper update-state ioasids.service >/dev/null || true
	fi
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
	fi
fi
SCRIPT
cat > "$build/root/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = purge ]; then
	deb-systemd-helper purge ioasids.service >/dev/null || true
fi
SCRIPT
chmod 0755 "$build/root/DEBIAN/postinst" "$build/root/DEBIAN/postrm"

deb=$out/ioasidctl_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$build/root" "$deb" >/dev/null
echo "  DEB     $deb"
