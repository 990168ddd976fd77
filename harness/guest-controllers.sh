#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In every guest, before its suites: check that the kernel has the ioasids
# controller and the controllers a real host has beside it, and enable them
# all at the root, as a host's init does, so that the suites run with
# memory, cpu, io, pids and misc charging the same tasks.  Prints TAP.
#
# Exits non-zero when ioasids is missing: the guest then runs no suite,
# and the report counts them as failed (they left no results).  With
# cgroup_disable=ioasids on the kernel's command line (the benchmark's
# boot without the controller), the first test is skipped instead, which
# the report does not accept either.
#
#   guest-controllers.sh [CGROUP_ROOT]

root=${1:-/sys/fs/cgroup}
host="memory cpu io pids misc"

echo "TAP version 13"
echo "1..3"
have=$(cat "$root/cgroup.controllers" 2>/dev/null)
echo "# $root/cgroup.controllers: $have"

has() {
	case " $have " in *" $1 "*) return 0 ;; esac
	return 1
}

status=0
if has ioasids; then
	echo "ok 1 ioasids is in $root/cgroup.controllers"
elif grep -qE '(^| )cgroup_disable=([^ ]*,)?ioasids(,| |$)' /proc/cmdline; then
	echo "ok 1 ioasids is in $root/cgroup.controllers # SKIP cgroup_disable=ioasids"
else
	echo "not ok 1 ioasids is in $root/cgroup.controllers"
	status=1
fi

missing=
for c in $host; do
	has "$c" || missing="$missing $c"
done
if [ -z "$missing" ]; then
	echo "ok 2 $host are in $root/cgroup.controllers"
else
	echo "not ok 2 $host are in $root/cgroup.controllers"
	echo "# missing:$missing"
fi

# Every one of them that the kernel has, in one write
enable=
for c in $host ioasids; do
	has "$c" && enable="$enable +$c"
done
enable=${enable# }
[ -n "$enable" ] && echo "$enable" > "$root/cgroup.subtree_control"
enabled=$(cat "$root/cgroup.subtree_control" 2>/dev/null)
off=
for c in $enable; do
	case " $enabled " in *" ${c#+} "*) ;; *) off="$off ${c#+}" ;; esac
done
if [ -n "$enable" ] && [ -z "$off" ]; then
	echo "ok 3 enabled at the root: $enable"
else
	echo "not ok 3 enabled at the root: $enable"
	echo "# $root/cgroup.subtree_control: $enabled"
fi
exit $status
