#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# ioasidctl with systemd as PID 1 (Debian 12's systemd 252, which does not
# know the ioasids controller): the shipped ioasids.service applies
# /etc/ioasids.conf; a drop-in gives one service its limit; a slice made
# with systemd-run gets one; and systemd leaves "ioasids" in the
# cgroup.subtree_control of / and /system.slice, and the limits, alone
# across daemon-reload, daemon-reexec and restarts.

load helpers

CONF=/etc/ioasids.conf
RUNDIR=/run/systemd/system
SLEEP=ioasids-test-sleep.service
SLICE=ioasidctltest.slice	# no dash: "a-b.slice" would be a child of a.slice

# Wait until the ioasids.* file FILE holds VALUE (systemd acts async)
wait_value() {
	local i
	for i in $(seq 100); do
		[ "$(cat "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "$1: $(cat "$1" 2>&1), expected $2" >&2
	return 1
}

setup_file() {
	if ! grep -qw ioasids "$CG/cgroup.controllers"; then
		skip_file "no ioasids controller in $CG/cgroup.controllers"
	elif [ "$(cat /proc/1/comm)" != systemd ]; then
		skip_file "PID 1 is not systemd"
	fi
	if [ -e "$CONF" ]; then
		cp -a "$CONF" "$BATS_FILE_TMPDIR/ioasids.conf.orig"
	fi
}

setup() {
	mark_test
	skip_if_file_skipped
}

teardown_file() {
	[ -e "$BATS_FILE_TMPDIR/skip" ] && return 0
	systemctl stop "$SLEEP" "$SLICE" ioasids.service 2>/dev/null || true
	rm -rf "$RUNDIR/$SLEEP" "$RUNDIR/$SLEEP.d" \
		"$RUNDIR/ioasids-test-tenant.service" \
		"$RUNDIR/ioasids-test-tenant.service.d" \
		/run/ioasids-test-tenant.env /run/ioasids-test-tenant.out \
		"/run/systemd/system.control/$SLICE.d" \
		"/run/systemd/system.control/$SLEEP.d"
	rm -f "$CONF"
	systemctl daemon-reload
	if [ -e "$BATS_FILE_TMPDIR/ioasids.conf.orig" ]; then
		cp -a "$BATS_FILE_TMPDIR/ioasids.conf.orig" "$CONF"
	fi
}

teardown() {
	[ -e "$BATS_FILE_TMPDIR/skip" ] && return 0
	systemctl stop "$SLEEP" "$SLICE" 2>/dev/null || true
	systemctl reset-failed "$SLEEP" ioasids.service \
		"ioasids@$SLICE.service" 2>/dev/null || true
}

# The journal of ioasids.service since the cursor saved by journal_mark
journal_mark() {
	CURSOR=$(journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p')
}

journal_since_mark() {
	journalctl -u ioasids.service -o cat --no-pager --after-cursor="$CURSOR"
}

# Wait until the journal of ioasids.service has a line with TEXT (the
# service's output reaches the journal asynchronously)
journal_wait() {
	local i
	for i in $(seq 50); do
		journal_since_mark | grep -qF -- "$1" && return 0
		sleep 0.2
	done
	echo "not in the journal: $1" >&2
	journal_since_mark >&2
	return 1
}

# $SLEEP, a service that sleeps, with the drop-in that gives it the
# limit max=3 at every start
install_sleep_service() {
	mkdir -p "$RUNDIR/$SLEEP.d"
	cat > "$RUNDIR/$SLEEP" <<-EOF
	[Unit]
	Description=ioasidctl test: a service that sleeps
	[Service]
	ExecStart=/bin/sleep infinity
	EOF
	cat > "$RUNDIR/$SLEEP.d/ioasids.conf" <<-EOF
	[Service]
	ExecStartPre=+/usr/sbin/ioasidctl set /system.slice/%n max=3
	EOF
	systemctl daemon-reload
}

@test "ioasidctl comes from its package, whose paths agree, with ioasids.service enabled" {
	run dpkg-query -W -f '${Status} ${Depends}' ioasidctl
	[ "$status" -eq 0 ]
	[[ "$output" == "install ok installed "*libcgroup2* ]]
	[[ "$output" == *libjansson4* ]]
	run dpkg-query -L ioasidctl
	for path in /usr/sbin/ioasidctl /usr/share/man/man8/ioasidctl.8.gz \
		/lib/systemd/system/ioasids.service \
		/lib/systemd/system/ioasids@.service \
		/lib/systemd/system-generators/ioasids-generator \
		/usr/share/doc/ioasidctl/ioasids.conf.example; do
		# dpkg lists the paths as packed; /lib is /usr/lib here
		[[ "$output" == *"$path"* || "$output" == *"/usr$path"* ]]
		[ -e "$path" ]
	done
	# What the units run is the packaged binary
	run systemctl show -p ExecStart ioasids.service
	[[ "$output" == *"path=/usr/sbin/ioasidctl "* ]]
	[ "$(systemctl is-enabled ioasids.service)" = enabled ]
	# The example configuration is valid as shipped
	ioasidctl check /usr/share/doc/ioasidctl/ioasids.conf.example
}

@test "ioasids.service: installed, oneshot, ordered before ordinary services" {
	run systemctl show -p Type -p RemainAfterExit -p ExecStart \
		-p ConditionPathExists ioasids.service
	[ "$status" -eq 0 ]
	[[ "$output" == *"Type=oneshot"* ]]
	[[ "$output" == *"RemainAfterExit=yes"* ]]
	[[ "$output" == *"/usr/sbin/ioasidctl"*"apply"*"/etc/ioasids.conf"* ]]
	run systemctl show -p Before -p WantedBy ioasids.service
	[[ "$output" == *"basic.target"* ]]
	run systemd-analyze verify --man=no /lib/systemd/system/ioasids.service
	[ "$status" -eq 0 ]
}

@test "ioasids.service does nothing without /etc/ioasids.conf" {
	rm -f "$CONF"
	systemctl stop ioasids.service
	run systemctl start ioasids.service
	[ "$status" -eq 0 ]
	[ "$(systemctl show -p ConditionResult --value ioasids.service)" = no ]
	[ "$(systemctl show -p ActiveState --value ioasids.service)" = inactive ]
}

@test "ioasids.service applies /etc/ioasids.conf at start, restart and reload" {
	systemctl start "$SLICE"
	[ -d "$CG/$SLICE" ]
	cat > "$CONF" <<-EOF
	# ioasids limits of this host
	/$SLICE max=7 pinned.max=16M
	EOF
	systemctl stop ioasids.service
	journal_mark
	run systemctl start ioasids.service
	[ "$status" -eq 0 ]
	[ "$(systemctl show -p ActiveState --value ioasids.service)" = active ]
	file_is "$CG/$SLICE/ioasids.max" 7
	file_is "$CG/$SLICE/ioasids.pinned.max" 16777216
	journal_wait "/$SLICE: ioasids.max: "

	# Restart with the same file: nothing changes, and the journal says so
	journal_mark
	systemctl restart ioasids.service
	file_is "$CG/$SLICE/ioasids.max" 7
	journal_wait "$CONF: no changes (everything already in place)"

	# A new file: restart applies it, reload too
	sed -i 's/max=7/max=8/' "$CONF"
	systemctl restart ioasids.service
	file_is "$CG/$SLICE/ioasids.max" 8
	sed -i 's/max=8/max=9/' "$CONF"
	journal_mark
	systemctl reload ioasids.service
	file_is "$CG/$SLICE/ioasids.max" 9
	journal_wait "/$SLICE: ioasids.max: 8 -> 9"
}

@test "ioasids.service: a slice not started is no error; a bad line fails it (4), the rest applied" {
	systemctl start "$SLICE"
	ioasidctl set "/$SLICE" max=9
	cat > "$CONF" <<-EOF
	/$SLICE.retired max=1
	/$SLICE max=10
	EOF
	journal_mark
	run systemctl restart ioasids.service
	[ "$status" -eq 0 ]
	file_is "$CG/$SLICE/ioasids.max" 10
	journal_wait "$CONF:1: /$SLICE.retired: cgroup does not exist"
	journal_wait "$CONF: 1 line for cgroups that do not exist yet skipped"

	cat > "$CONF" <<-EOF
	/$SLICE max=11
	/$SLICE max=1Q
	EOF
	journal_mark
	run systemctl restart ioasids.service
	[ "$status" -ne 0 ]
	[ "$(systemctl show -p Result --value ioasids.service)" = exit-code ]
	[ "$(systemctl show -p ExecMainStatus --value ioasids.service)" = 4 ]
	file_is "$CG/$SLICE/ioasids.max" 11
	journal_wait "$CONF:2: /$SLICE: ioasids.max: Invalid argument"
	journal_wait "$CONF: 1 line with errors skipped"
}

@test "a slice started after the file was applied, or started again, gets its limits" {
	systemctl stop "$SLICE"
	cat > "$CONF" <<-EOF
	/$SLICE max=6 pinned.max=8M
	EOF
	# ioasids-generator makes the slice want ioasids@$SLICE.service.
	systemctl daemon-reload
	systemctl restart ioasids.service || true
	[ ! -d "$CG/$SLICE" ]

	systemctl start "$SLICE"
	wait_value "$CG/$SLICE/ioasids.max" 6
	file_is "$CG/$SLICE/ioasids.pinned.max" 8388608
	[ "$(systemctl show -p ActiveState --value "ioasids@$SLICE.service")" = active ]

	# Stopped, the slice's cgroup goes; started again, it is new, and
	# gets its limits again with no reload, before anything runs in it.
	systemctl stop "$SLICE"
	[ ! -d "$CG/$SLICE" ]
	[ "$(systemctl show -p ActiveState --value "ioasids@$SLICE.service")" = inactive ]
	systemd-run --quiet --wait --slice="$SLICE" -p Type=oneshot \
		sh -c 'cat /sys/fs/cgroup'"/$SLICE"'/ioasids.max > /run/ioasids-test-seen'
	file_is /run/ioasids-test-seen 6
	file_is "$CG/$SLICE/ioasids.pinned.max" 8388608
	rm -f /run/ioasids-test-seen

	# Nothing of this test is left for the next ones
	systemctl stop "$SLICE"
	rm -f "$CONF"
	systemctl daemon-reload
}

@test "a drop-in gives one service its limit: ExecStartPre=+ioasidctl set /system.slice/%n" {
	install_sleep_service
	run systemctl start "$SLEEP"
	[ "$status" -eq 0 ]
	file_is "$CG/system.slice/$SLEEP/ioasids.max" 3
	grep -qw ioasids "$CG/cgroup.subtree_control"
	grep -qw ioasids "$CG/system.slice/cgroup.subtree_control"
	# A restart makes a new cgroup, and the drop-in sets it again
	systemctl restart "$SLEEP"
	file_is "$CG/system.slice/$SLEEP/ioasids.max" 3
	run ioasidctl status --json "/system.slice/$SLEEP"
	[ "$status" -eq 0 ]
	jq -e '.cgroups[0].max == 3' <<< "$output"
}

@test "the limit of a service's drop-in applies to what the service allocates" {
	command -v ioasids_tenant >/dev/null ||
		skip "ioasids_tenant (tools/testing/selftests/cgroup) is not installed"
	unit=ioasids-test-tenant.service
	out=/run/ioasids-test-tenant.out
	mkdir -p "$RUNDIR/$unit.d"
	cat > "$RUNDIR/$unit" <<-EOF
	[Unit]
	Description=ioasidctl test: a tenant that allocates IOASIDs
	[Service]
	Type=oneshot
	ExecStart=$(command -v ioasids_tenant) --ids \${IDS}
	StandardOutput=file:$out
	StandardError=file:$out
	EOF
	cat > "$RUNDIR/$unit.d/ioasids.conf" <<-EOF
	[Service]
	ExecStartPre=+/usr/sbin/ioasidctl set /system.slice/%n max=3
	EOF
	echo "IDS=4" > /run/ioasids-test-tenant.env
	echo "EnvironmentFile=/run/ioasids-test-tenant.env" >> "$RUNDIR/$unit"
	systemctl daemon-reload
	rm -f "$out"
	run systemctl start "$unit"
	echo "start: $output; $(cat "$out")"
	[ "$status" -ne 0 ]
	grep -q "IOASID 4 of 4: Device or resource busy" "$out"
	systemctl reset-failed "$unit"
	echo "IDS=3" > /run/ioasids-test-tenant.env
	rm -f "$out"
	run systemctl start "$unit"
	echo "start: $output; $(cat "$out")"
	[ "$status" -eq 0 ]
	grep -q "allocated 3 IOASIDs" "$out"
	rm -rf "$RUNDIR/$unit" "$RUNDIR/$unit.d" /run/ioasids-test-tenant.env "$out"
	systemctl daemon-reload
}

@test "a slice made with systemd-run --slice gets its limit, which its units share" {
	run systemd-run --quiet --unit=ioasids-test-run --slice="$SLICE" \
		/bin/sleep infinity
	[ "$status" -eq 0 ]
	[ -d "$CG/$SLICE/ioasids-test-run.service" ]
	run ioasidctl set "/$SLICE" max=2
	[ "$status" -eq 0 ]
	file_is "$CG/$SLICE/ioasids.max" 2
	run ioasidctl status "/$SLICE"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/$SLICE "* ]]
	if command -v ioasids_tenant >/dev/null; then
		# A oneshot service: systemd-run returns when it has ended
		# (--wait and --pipe would need D-Bus)
		out=/run/ioasids-test-run.out
		rm -f "$out"
		run systemd-run --quiet --collect --service-type=oneshot \
			--slice="$SLICE" -p "StandardOutput=file:$out" \
			"$(command -v ioasids_tenant)" --ids 3
		echo "systemd-run: $status: $output; $(cat "$out")"
		[ "$status" -ne 0 ]
		grep -q "IOASID 3 of 3: Device or resource busy" "$out"
		rm -f "$out"
		[ "$(awk '$1 == "max" {print $2}' "$CG/$SLICE/ioasids.events")" -ge 1 ]
	fi
	systemctl stop ioasids-test-run.service
}

@test "systemd leaves ioasids in cgroup.subtree_control, and the limits, alone" {
	systemctl start "$SLICE"
	ioasidctl set "/$SLICE" max=6
	install_sleep_service
	systemctl start "$SLEEP"
	check() {
		grep -qw ioasids "$CG/cgroup.subtree_control" ||
			{ echo "$1: not in /cgroup.subtree_control"; return 1; }
		grep -qw ioasids "$CG/system.slice/cgroup.subtree_control" ||
			{ echo "$1: not in /system.slice/cgroup.subtree_control"; return 1; }
		wait_value "$CG/$SLICE/ioasids.max" 6 || { echo "$1"; return 1; }
		wait_value "$CG/system.slice/$SLEEP/ioasids.max" 3 ||
			{ echo "$1"; return 1; }
	}
	check "before"
	systemctl daemon-reload
	check "after daemon-reload"
	systemctl daemon-reexec
	# PID 1 answers again once it is back
	for i in $(seq 100); do
		systemctl show -p Version >/dev/null 2>&1 && break
		sleep 0.2
	done
	check "after daemon-reexec"
	systemctl restart "$SLEEP"
	check "after restarting $SLEEP"
	systemctl restart systemd-journald.service
	check "after restarting systemd-journald"
	# Cgroup settings of units make systemd write cgroup.subtree_control
	# of / and /system.slice ("+pids")
	systemctl set-property --runtime "$SLICE" TasksMax=100
	systemctl set-property --runtime "$SLEEP" TasksMax=50
	grep -qw pids "$CG/system.slice/cgroup.subtree_control"
	check "after set-property"
	systemctl stop "$SLEEP"
	grep -qw ioasids "$CG/system.slice/cgroup.subtree_control"
	file_is "$CG/$SLICE/ioasids.max" 6
}
