#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A Debian 12 root file system whose PID 1 is systemd, for the tests of
# the host side (ioasidctl, libcgroup's tools, systemd units, the OCI
# runtimes crun and runc, strace, and Podman, whose network stack debootstrap
# cannot pick, being virtual: netavark).  Made once with debootstrap from
# Debian's archive and cached outside the clone; made again only when the
# package list changes.
#
#   make-rootfs.sh CACHE_DIR
#
# Prints the folder of the root file system.
set -euo pipefail

cache=$1
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=systemd,systemd-sysv,dbus,cgroup-tools,libjansson4,bats,jq,crun,runc,podman,netavark,strace,procps,kmod
key=$(echo "bookworm $packages" | sha1sum | cut -c1-12)
root=$cache/bookworm-$key

if [ ! -f "$root/.complete" ]; then
	echo "  ROOTFS  debootstrap bookworm into $root" >&2
	rm -rf "$root"
	mkdir -p "$cache"
	debootstrap --variant=minbase --include="$packages" bookworm \
		"$root" "$mirror" > "$cache/debootstrap.log" 2>&1 || {
		tail -n 20 "$cache/debootstrap.log" >&2
		exit 1
	}
	rm -rf "$root/var/cache/apt/archives/"*.deb
	touch "$root/.complete"
	# Root file systems of earlier package lists
	find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'bookworm-*' \
		! -path "$root" -exec rm -rf {} +
fi
echo "$root"
