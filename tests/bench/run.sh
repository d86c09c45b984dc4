#!/bin/sh
# Runs the benchmarks (make bench) against the binaries in BUILD.
#
#   tests/bench/run.sh BUILD [NAME...]    NAME: ingest wire slowlink
#                                         stations agent dashboard attach (default: all)
#
# Each prints its table; the "BENCH name=..." lines of the run go to
# BUILD/bench/results.txt, each benchmark's whole output to
# BUILD/bench/NAME.log. BENCH_SCALE=N multiplies the event counts.
# Nothing here passes or fails on a speed: a benchmark fails only when
# it could not run.
set -u
BUILD=${1:?usage: tests/bench/run.sh BUILD [NAME...]}
shift
TOP=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
export BUILD TOP BENCH_SCALE="${BENCH_SCALE:-1}"
[ $# -gt 0 ] || set -- ingest wire slowlink stations agent dashboard attach
OUT=$BUILD/bench
mkdir -p "$OUT"
: >"$OUT/results.txt"

machine() {
	printf '%s, %s cores, %s MiB, %s, scale %s\n' \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
		"$(nproc)" "$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo)" \
		"$(uname -sr)" "$BENCH_SCALE"
}
echo "# $(machine)" | tee -a "$OUT/results.txt"
failed=""
for name in "$@"; do
	script="$TOP/tests/bench/$name.sh"
	[ -f "$script" ] || { echo "bench: no benchmark '$name'" >&2; exit 2; }
	echo "== $name"
	t0=$(date +%s)
	sh "$script" >"$OUT/$name.log" 2>&1
	st=$?
	grep -v '^BENCH ' "$OUT/$name.log" | grep -v '^LOADGEN \|^STATION '
	grep '^BENCH ' "$OUT/$name.log" | tee -a "$OUT/results.txt"
	echo "   ($name: $(( $(date +%s) - t0 )) s)"
	[ "$st" -eq 0 ] || failed="$failed $name"
done
echo "bench: results in $OUT/results.txt"
[ -z "$failed" ] || { echo "bench: could not run:$failed (logs in $OUT/)" >&2; exit 1; }
