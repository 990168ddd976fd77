#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fail when an option of the fragment did not make it into the final
# .config (a typo, or a dependency the fragment misses).
#
#   check-config.sh FRAGMENT DOTCONFIG
set -euo pipefail

fragment=$1
config=$2
bad=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	sym=${line%%=*}
	val=${line#*=}
	if [ "$val" = n ]; then
		if grep -q "^$sym=" "$config"; then
			echo "error: $sym is set in $config, the fragment wants it off" >&2
			bad=1
		fi
	elif ! grep -qxF "$line" "$config"; then
		have=$(grep -E "^$sym=|^# $sym is not set" "$config" || echo "$sym unknown")
		echo "error: fragment wants $line, .config has: $have" >&2
		bad=1
	fi
done < "$fragment"
exit $bad
