# SPDX-License-Identifier: GPL-2.0
#
# What the bats suites of ioasidctl share: each loads it with
# "load helpers".  They run as root, with cgroup2 mounted at $CG.

CG=/sys/fs/cgroup

# Kill the processes of a cgroup subtree and remove it, leaves first
cg_rmtree() {
	local dir=$CG$1 d i line
	[ -d "$dir" ] || return 0
	echo 1 > "$dir/cgroup.kill" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		read -r line < "$dir/cgroup.events" || true
		[ "$line" = "populated 0" ] && break
		sleep 0.1
	done
	while read -r d; do
		for ((i = 0; i < 20; i++)); do
			rmdir "$d" 2>/dev/null && break
			sleep 0.1
		done
	done < <(find "$dir" -depth -type d)
	[ ! -d "$dir" ]
}

# An empty root file system for a container in DIR, with mount points
# for the host's /usr and /etc, which the runtime binds there read-only,
# and the host's links into /usr (Debian 12 has a merged /usr): no image
host_usr_rootfs() {
	local dir=$1 l
	mkdir -p "$dir"/{proc,dev,usr,etc,tmp,sys/fs/cgroup}
	for l in bin sbin lib lib32 lib64 libx32; do
		if [ -L "/$l" ]; then
			ln -s "$(readlink "/$l")" "$dir/$l"
		fi
	done
}

# "! cmd" does not fail a bats test (set -e ignores it): this does
refute() {
	if "$@"; then
		echo "unexpectedly succeeded: $*" >&2
		return 1
	fi
}

# FILE holds VALUE (one line); says what it holds if not
file_is() {
	local v=
	read -r v < "$1" || true
	[ "$v" = "$2" ] || { echo "$1: \"$v\", expected \"$2\"" >&2; return 1; }
}

# Each test's start in the kernel's log, whose timestamps tell how long
# each took (the guest keeps the log)
mark_test() {
	printf 'bats: %s: %s\n' "${BATS_TEST_FILENAME##*/}" \
		"$BATS_TEST_DESCRIPTION" > /dev/kmsg 2>/dev/null || true
}

# bats 1.8 cannot skip from setup_file(): it notes why, setup() skips
skip_file() {
	echo "$*" > "$BATS_FILE_TMPDIR/skip"
}

skip_if_file_skipped() {
	if [ -e "$BATS_FILE_TMPDIR/skip" ]; then
		skip "$(cat "$BATS_FILE_TMPDIR/skip")"
	fi
}
