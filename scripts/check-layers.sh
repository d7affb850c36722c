#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# check-layers.sh LIBDIR: the userspace layers use only the layers below
# them, in their #include lines and in the symbols their archives
# (LIBDIR/libtw_LAYER.a) take from each other. Run by 'make' on every build
# that changes an archive; prints each breach and fails.
set -euo pipefail
cd "$(dirname "$0")/.."
libdir=$1

# What each layer may use (besides itself). docs/architecture.md explains it.
declare -A may_use=(
	[common]=""
	[geo]="common"
	[kernel]="common"
	[alerts]="common geo"
	[exitset]="common kernel"
	[config]="common geo kernel alerts"
	[feeds]="common geo kernel alerts exitset config"
	[sensors]="common geo kernel alerts config"
	[metrics]="common geo kernel alerts"
	[cli]="common geo kernel alerts exitset config feeds sensors metrics"
	[daemon]="common geo kernel alerts exitset config feeds sensors metrics"
	[main]="cli daemon"
)
allowed() {	# allowed LAYER OTHER
	[ "$1" = "$2" ] && return 0
	[[ " ${may_use[$1]} " == *" $2 "* ]]
}

bad=0
for f in user/*.c user/*/*.[ch] user/*/*/*.[ch]; do
	layer=${f#user/}; layer=${layer%%/*}; [ "$layer" = "${f#user/}" ] && layer=.
	[ "$layer" = . ] && layer=main
	while IFS= read -r inc; do
		other=${inc%%/*}
		[ -n "${may_use[$other]+set}" ] || continue	# headers/, skeletons, system
		if ! allowed "$layer" "$other"; then
			echo "layers: $f includes \"$inc\": $layer may not use $other (may use: ${may_use[$layer]:-nothing})"
			bad=1
		fi
		# A sensor is one folder: it uses the layers below, not another sensor.
		if [[ $f == user/sensors/*/* && $inc == sensors/*/* ]]; then
			mine=${f#user/sensors/}; mine=${mine%%/*}
			theirs=${inc#sensors/}; theirs=${theirs%%/*}
			if [ "$mine" != "$theirs" ]; then
				echo "layers: $f includes \"$inc\": sensor $mine may not use sensor $theirs"
				bad=1
			fi
		fi
	done < <(sed -n 's/^#include "\([^"]*\/[^"]*\)".*/\1/p' "$f")
done

# Which layer defines each global symbol.
declare -A home=()
for a in "$libdir"/libtw_*.a; do
	layer=$(basename "$a" .a); layer=${layer#libtw_}
	while read -r sym; do [ -n "$sym" ] && home[$sym]=$layer; done < <(nm -g --defined-only "$a" 2>/dev/null | awk 'NF==3 {print $3}')
done
for a in "$libdir"/libtw_*.a; do
	layer=$(basename "$a" .a); layer=${layer#libtw_}
	while read -r sym; do
		other=${home[$sym]:-}
		[ -n "$other" ] || continue	# libc, libbpf, json-c, ...
		if ! allowed "$layer" "$other"; then
			echo "layers: libtw_$layer.a uses $sym from $other: $layer may not use $other"
			bad=1
		fi
	done < <(nm -u "$a" 2>/dev/null | awk 'NF == 2 {print $2}' | sort -u)
done
exit $bad
