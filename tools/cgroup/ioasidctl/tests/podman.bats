#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# Podman (Debian 12's 4.3, with crun 1.8) sets ioasids.max and
# ioasids.pinned.max of a container from --cgroup-conf, in a cgroup that it
# creates itself, with the cgroupfs and with the systemd cgroup manager,
# after the host setup that the admin guide gives:
#
# - crun enables only the controllers it knows along the path it creates:
#   ioasids is enabled in the cgroup.subtree_control of the containers'
#   parent (ioasidctl set --create enables it in the ancestors);
# - under systemd, crun 1.8 runs the container in a sub-cgroup "container"
#   of the scope it asks systemd for, where it enables only the controllers
#   it knows: the annotation run.oci.systemd.subgroup= (empty) keeps the
#   container in the scope itself.
#
# The container's root is an empty folder with the host's /usr and /etc
# bound read-only (Debian 12 has a merged /usr), so that no image is
# needed; it has a network namespace of its own, without a network.

load helpers

P=/ioasidctl-podman		# the parent cgroup, with cgroupfs
SLICE=ioasidctlpodman.slice	# the parent slice, with systemd

# podman, its storage in the suite's temporary folder
podman_run() {
	run timeout 120 podman --storage-driver=vfs \
		--root="$BATS_FILE_TMPDIR/storage" \
		--runroot="$BATS_FILE_TMPDIR/run" "$@" 3>&-
}

# Run a container whose cgroup's parent is PARENT, with the cgroup manager
# MANAGER and the options OPTS..., that prints its own ioasids.max and
# ioasids.pinned.max
#   limits_in_container MANAGER PARENT [OPTS...]
limits_in_container() {
	local manager=$1 parent=$2
	shift 2
	podman_run --cgroup-manager="$manager" run --rm --network=none \
		--cgroupns=private --cgroup-parent="$parent" \
		-v /usr:/usr:ro -v /etc:/etc:ro \
		--annotation run.oci.keep_original_groups=1 \
		--cgroup-conf=ioasids.max=5 --cgroup-conf=ioasids.pinned.max=64M \
		"$@" --rootfs "$BATS_FILE_TMPDIR/rootfs" \
		/bin/sh -c 'cat /sys/fs/cgroup/ioasids.max /sys/fs/cgroup/ioasids.pinned.max'
}

setup_file() {
	if ! grep -qw ioasids "$CG/cgroup.controllers"; then
		skip_file "no ioasids controller in $CG/cgroup.controllers"
	elif ! command -v podman >/dev/null; then
		skip_file "podman is not installed"
	fi
	host_usr_rootfs "$BATS_FILE_TMPDIR/rootfs"
}

setup() {
	mark_test
	skip_if_file_skipped
	cg_rmtree "$P"
}

teardown() {
	[ -e "$BATS_FILE_TMPDIR/skip" ] && return 0
	cg_rmtree "$P"
	systemctl stop "$SLICE" 2>/dev/null || true
}

@test "podman, cgroupfs manager: --cgroup-conf sets both limits of the container's own cgroup" {
	ioasidctl set --create "$P" max=64
	echo +ioasids > "$CG$P/cgroup.subtree_control"
	limits_in_container cgroupfs "$P"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-2]}" = 5 ]
	[ "${lines[-1]}" = 67108864 ]
	# The container's cgroup was below $P, and is gone with it
	[ -z "$(find "$CG$P" -mindepth 1 -type d)" ]
}

@test "podman, cgroupfs manager, without the host setup: crun refuses the key" {
	ioasidctl set --create "$P" max=64
	limits_in_container cgroupfs "$P"
	[ "$status" -ne 0 ]
	[[ "$output" == *"the requested cgroup controller \`ioasids\` is not available"* ]]
}

@test "podman, systemd manager: --cgroup-conf sets both limits of the container's scope" {
	systemctl start "$SLICE"
	echo +ioasids > "$CG/$SLICE/cgroup.subtree_control"
	limits_in_container systemd "$SLICE" --annotation run.oci.systemd.subgroup=
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-2]}" = 5 ]
	[ "${lines[-1]}" = 67108864 ]

	# Without the annotation, crun's sub-cgroup lacks the controller
	limits_in_container systemd "$SLICE"
	[ "$status" -ne 0 ]
	[[ "$output" == *"the requested cgroup controller \`ioasids\` is not available"* ]]
}
