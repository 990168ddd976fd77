#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# An OCI runtime (Debian 12's crun, with its cgroupfs manager, and runc)
# writes the ioasids limit of a container from linux.resources.unified,
# and the kernel enforces it on what the container allocates.  The bundle's root
# file system is an empty folder with the host's /usr and /etc bound
# read-only (Debian 12 has a merged /usr: /bin, /lib... are symbolic links
# into it), so that no image is needed.  The container keeps the host's
# network and user namespaces; and the annotation
# run.oci.keep_original_groups spares crun 1.8 reading /proc/self/setgroups,
# which a kernel without CONFIG_USER_NS does not have.

load helpers

P=/ioasidctl-oci		# the parent cgroup of the containers
CTR=ioasidctl-oci-ctr
CRUN=(crun --cgroup-manager=cgroupfs)

# A bundle in DIR whose container runs ARGS..., in the cgroup $P/$CTR;
# JQ_EXTRA, if set, is one more jq filter for its config.json.
make_bundle() {
	local dir=$1
	shift
	host_usr_rootfs "$dir/rootfs"
	(cd "$dir" && rm -f config.json && crun spec)
	args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	jq --argjson args "$args" --arg cgpath "$P/$CTR" '
		.process.terminal = false |
		.process.args = $args |
		.root = {path: "rootfs", readonly: true} |
		.hostname = "ioasidctl-oci" |
		.mounts = [
			{destination: "/proc", type: "proc", source: "proc"},
			{destination: "/dev", type: "tmpfs", source: "tmpfs",
			 options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
			{destination: "/tmp", type: "tmpfs", source: "tmpfs"},
			{destination: "/usr", type: "bind", source: "/usr",
			 options: ["rbind", "ro"]},
			{destination: "/etc", type: "bind", source: "/etc",
			 options: ["rbind", "ro"]},
			{destination: "/sys/fs/cgroup", type: "bind",
			 source: "/sys/fs/cgroup", options: ["rbind", "ro"]}
		] |
		.linux.namespaces = [{type: "pid"}, {type: "ipc"},
				     {type: "uts"}, {type: "mount"}] |
		del(.linux.maskedPaths, .linux.readonlyPaths) |
		.linux.cgroupsPath = $cgpath |
		.annotations["run.oci.keep_original_groups"] = "1" |
		'"${JQ_EXTRA:-.}" "$dir/config.json" > "$dir/config.new"
	mv "$dir/config.new" "$dir/config.json"
}

# Run the container of bundle DIR in the foreground
crun_run() {
	run timeout 120 "${CRUN[@]}" run --bundle "$1" "$CTR" 3>&-
	"${CRUN[@]}" delete -f "$CTR" >/dev/null 2>&1 || true
}

# The operator's part: the parent's limit, and the controller enabled down
# to the container's cgroup
prepare_cgroups() {
	"${CRUN[@]}" delete -f "$CTR" >/dev/null 2>&1 || true
	cg_rmtree "$P"
	ioasidctl set --create "$P" max=64
	ioasidctl set --create "$P/$CTR" max=max
}

setup_file() {
	if ! grep -qw ioasids "$CG/cgroup.controllers"; then
		skip_file "no ioasids controller in $CG/cgroup.controllers"
	elif ! command -v crun >/dev/null; then
		skip_file "crun is not installed"
	elif ! command -v jq >/dev/null; then
		skip_file "jq is not installed"
	elif [ ! -e /proc/self/uid_map ]; then
		# crun 1.8 reads /proc/self/uid_map as it starts, to know
		# whether it runs in a user namespace
		skip_file "the kernel has no user namespaces (CONFIG_USER_NS): crun 1.8 cannot start without /proc/self/uid_map"
	else
		# Can crun run a container at all here?  (namespaces,
		# pivot_root, BPF device control)
		prepare_cgroups
		make_bundle "$BATS_FILE_TMPDIR/probe" /bin/true
		crun_run "$BATS_FILE_TMPDIR/probe"
		if [ "$status" -ne 0 ]; then
			skip_file "crun cannot run a container in this system: $output"
		fi
	fi
}

teardown_file() {
	"${CRUN[@]}" delete -f "$CTR" >/dev/null 2>&1 || true
	cg_rmtree "$P" || true
	echo 0 > "$CG/ioasids.pinned.replace_memlock" 2>/dev/null || true
}

setup() {
	mark_test
	skip_if_file_skipped
	prepare_cgroups
}

teardown() {
	[ -e "$BATS_FILE_TMPDIR/skip" ] && return 0
	"${CRUN[@]}" delete -f "$CTR" >/dev/null 2>&1 || true
	cg_rmtree "$P"
}

@test "linux.resources.unified ioasids.max is written to the container's cgroup" {
	JQ_EXTRA='.linux.resources.unified = {"ioasids.max": "5"}' \
		make_bundle "$BATS_TEST_TMPDIR/b" /bin/sleep 300
	# Not through bats' run: the container would hold its output pipe
	# open, and run would wait for the container's end
	out=$BATS_TEST_TMPDIR/crun.out
	"${CRUN[@]}" run --detach --bundle "$BATS_TEST_TMPDIR/b" "$CTR" \
		> "$out" 2>&1 3>&- || { cat "$out"; false; }
	file_is "$CG$P/$CTR/ioasids.max" 5
	run "${CRUN[@]}" state "$CTR"
	jq -e '.status == "running"' <<< "$output"
	# The container's process is in that cgroup
	pid=$(jq -r .pid <<< "$output")
	file_is "/proc/$pid/cgroup" "0::$P/$CTR"
	run ioasidctl status --json "$P"
	[ "$status" -eq 0 ]
	jq -e --arg c "$P/$CTR" '.cgroups[] | select(.path == $c) | .max == 5' <<< "$output"
	"${CRUN[@]}" delete -f "$CTR"
}

@test "the container sees its own limit" {
	JQ_EXTRA='.linux.resources.unified = {"ioasids.max": "5", "ioasids.pinned.max": "64M"}' \
		make_bundle "$BATS_TEST_TMPDIR/b" /bin/sh -c \
		'c=/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup); cat $c/ioasids.max $c/ioasids.pinned.max'
	crun_run "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 5 ]
	[ "${lines[1]}" = 67108864 ]
}

@test "crun, creating the container's cgroup itself, needs ioasids enabled in its parent" {
	# What crun does with a parent that the operator did not prepare:
	# it enables only the controllers it knows, and refuses the key.
	cg_rmtree "$P"
	ioasidctl set --create "$P" max=64
	JQ_EXTRA='.linux.resources.unified = {"ioasids.max": "5", "ioasids.pinned.max": "64M"}' \
		make_bundle "$BATS_TEST_TMPDIR/b" /bin/sh -c \
		'c=/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup); cat $c/ioasids.max $c/ioasids.pinned.max'
	crun_run "$BATS_TEST_TMPDIR/b"
	[ "$status" -ne 0 ]
	[[ "$output" == *"the requested cgroup controller \`ioasids\` is not available"* ]]

	# The host setup of the admin guide: ioasids enabled for the
	# children of the containers' parent, before crun creates the cgroup
	cg_rmtree "$P"
	ioasidctl set --create "$P" max=64
	echo +ioasids > "$CG$P/cgroup.subtree_control"
	crun_run "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 5 ]
	[ "${lines[1]}" = 67108864 ]
}

@test "runc, creating the container's cgroup itself, sets both limits" {
	command -v runc >/dev/null || skip "runc is not installed"
	# runc enables every controller of the root along the path it
	# creates, ioasids included: no host setup is needed.
	cg_rmtree "$P"
	JQ_EXTRA='.linux.resources.unified = {"ioasids.max": "5", "ioasids.pinned.max": "64M"} |
		del(.annotations)' \
		make_bundle "$BATS_TEST_TMPDIR/b" /bin/sh -c \
		'c=/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup); cat $c/ioasids.max $c/ioasids.pinned.max'
	run timeout 120 runc run --bundle "$BATS_TEST_TMPDIR/b" "$CTR" 3>&-
	runc delete -f "$CTR" >/dev/null 2>&1 || true
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 5 ]
	[ "${lines[1]}" = 67108864 ]
}

@test "an invalid unified value makes the container fail to start" {
	JQ_EXTRA='.linux.resources.unified = {"ioasids.max": "10x"}' \
		make_bundle "$BATS_TEST_TMPDIR/b" /bin/true
	crun_run "$BATS_TEST_TMPDIR/b"
	[ "$status" -ne 0 ]
	[[ "$output" == *"ioasids.max"* ]]
}

@test "the kernel enforces the container's limit on what it allocates" {
	command -v ioasids_tenant >/dev/null ||
		skip "ioasids_tenant (tools/testing/selftests/cgroup) is not installed"
	[ -c /dev/ioasid ] || skip "no /dev/ioasid"
	case "$(command -v ioasids_tenant)" in
	/usr/*) ;;
	*) skip "ioasids_tenant is not under /usr, which the container sees" ;;
	esac
	major=$((16#$(stat -c %t /dev/ioasid)))
	minor=$((16#$(stat -c %T /dev/ioasid)))
	export JQ_EXTRA='
		.linux.resources.unified = {"ioasids.max": "5"} |
		.linux.devices = [{path: "/dev/ioasid", type: "c",
				   major: '"$major"', minor: '"$minor"',
				   fileMode: 438, uid: 0, gid: 0}] |
		.linux.resources.devices += [{allow: true, type: "c",
					      major: '"$major"', minor: '"$minor"',
					      access: "rwm"}]'
	make_bundle "$BATS_TEST_TMPDIR/ok" "$(command -v ioasids_tenant)" --ids 5
	crun_run "$BATS_TEST_TMPDIR/ok"
	[ "$status" -eq 0 ]
	[[ "$output" == *"allocated 5 IOASIDs"* ]]
	make_bundle "$BATS_TEST_TMPDIR/over" "$(command -v ioasids_tenant)" --ids 6
	crun_run "$BATS_TEST_TMPDIR/over"
	[ "$status" -eq 1 ]
	[[ "$output" == *"IOASID 6 of 6: Device or resource busy"* ]]
}

# Every edu device bound to vfio-pci, and the device nodes of their VFIO
# groups in GROUP_DEVS
bind_edu() {
	local d
	GROUP_DEVS=()
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1234 ] &&
			[ "$(cat "$d/device")" = 0x11e8 ] || continue
		if [ "$(basename "$(readlink "$d/driver" 2>/dev/null)")" != vfio-pci ]; then
			[ -e "$d/driver" ] && echo "${d##*/}" > "$d/driver/unbind"
			echo vfio-pci > "$d/driver_override"
			echo "${d##*/}" > /sys/bus/pci/drivers_probe
		fi
		GROUP_DEVS+=("/dev/vfio/$(basename "$(readlink "$d/iommu_group")")")
	done
	[ "${#GROUP_DEVS[@]}" -gt 0 ] || skip "no edu device"
}

# A jq filter that gives the container the VFIO device nodes and sysfs
vfio_devices_jq() {
	local dev maj min filter=
	for dev in /dev/vfio/vfio "${GROUP_DEVS[@]}"; do
		maj=$((16#$(stat -c %t "$dev")))
		min=$((16#$(stat -c %T "$dev")))
		filter+=' | .linux.devices += [{path: "'$dev'", type: "c",
			major: '$maj', minor: '$min', fileMode: 438, uid: 0, gid: 0}]
		| .linux.resources.devices += [{allow: true, type: "c",
			major: '$maj', minor: '$min', access: "rwm"}]'
	done
	echo ".mounts = [{destination: \"/sys\", type: \"bind\", source: \"/sys\",
		options: [\"rbind\", \"ro\"]}] + .mounts $filter"
}

@test "a VM in a container: its cgroup's ioasids.pinned.max, set by the runtime, stands in for RLIMIT_MEMLOCK" {
	command -v ioasids_tenant >/dev/null ||
		skip "ioasids_tenant (tools/testing/selftests/cgroup) is not installed"
	case "$(command -v ioasids_tenant)" in
	/usr/*) ;;
	*) skip "ioasids_tenant is not under /usr, which the container sees" ;;
	esac
	bind_edu
	# The VMM: without CAP_IPC_LOCK (not in crun's default set) and with
	# RLIMIT_MEMLOCK at 64 KiB; the runtime sets its cgroup's limit.
	jq_vm=$(vfio_devices_jq)' |
		.process.rlimits = [{type: "RLIMIT_MEMLOCK", hard: 65536, soft: 65536}] |
		.linux.resources.unified = {"ioasids.pinned.max": "32M"}'
	JQ_EXTRA=$jq_vm make_bundle "$BATS_TEST_TMPDIR/vm" \
		"$(command -v ioasids_tenant)" --pin 16M
	JQ_EXTRA=$jq_vm make_bundle "$BATS_TEST_TMPDIR/big" \
		"$(command -v ioasids_tenant)" --pin 48M

	# The policy off, as by default: RLIMIT_MEMLOCK refuses the VMM.
	echo 0 > "$CG/ioasids.pinned.replace_memlock"
	crun_run "$BATS_TEST_TMPDIR/vm"
	[ "$status" -eq 1 ]
	[[ "$output" == *"pin 16777216 bytes: Cannot allocate memory"* ]]

	# On: the limit the runtime set stands in for it.
	echo 1 > "$CG/ioasids.pinned.replace_memlock"
	crun_run "$BATS_TEST_TMPDIR/vm"
	status_vm=$status output_vm=$output
	crun_run "$BATS_TEST_TMPDIR/big"
	echo 0 > "$CG/ioasids.pinned.replace_memlock"
	echo "$output_vm"
	[ "$status_vm" -eq 0 ]
	[[ "$output_vm" == *"pinned 16777216 bytes for DMA"* ]]
	# And it is a limit: over it, refused
	[ "$status" -eq 1 ]
	[[ "$output" == *"pin 50331648 bytes: Cannot allocate memory"* ]]
}
