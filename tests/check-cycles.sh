#!/bin/sh
# check-cycles.sh - no module of the plugin depends on itself through
# others. A module is NAME.c with NAME.h; it depends on every plugin header
# that either file includes. The graph must be acyclic (tsort finds the
# loops). Usage: tests/check-cycles.sh [PLUGIN_DIR]; run by `make lint`.
set -eu
dir=${1:-$(dirname "$0")/../plugin}
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for f in "$dir"/*.c "$dir"/*.h; do
	m=$(basename "$f")
	m=${m%.*}
	echo "$m $m"
	sed -n 's/^#include "\([A-Za-z0-9_]*\)\.h".*/\1/p' "$f" | while read -r d; do
		[ "$d" = "$m" ] || echo "$m $d"
	done
done >"$edges"
if ! tsort "$edges" >/dev/null 2>"$edges.err"; then
	echo "check-cycles: the plugin's modules include each other in a loop:" >&2
	sed -n 's/^tsort: //p' "$edges.err" | grep -v 'input contains a loop' >&2 || true
	rm -f "$edges.err"
	exit 1
fi
rm -f "$edges.err"
echo "check-cycles: no include cycle among $(ls "$dir"/*.c "$dir"/*.h | sed 's/\.[ch]$//' | sort -u | wc -l) modules"
