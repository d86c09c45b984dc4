#!/bin/sh
# Runs every test suite against the binaries in BUILD (default build/) and
# ends with one line for all of them: "N passed, N failed".
#
#   tests/run.sh [BUILD] [PATTERN]
#
# Unit tests are cmocka programs (their own summary lines are counted per
# test); integration tests are numbered shell scripts printing TAP-like
# "ok N - ..." / "not ok N - ..." lines, as do the fuzz corpus replays
# (build/tests/fuzz/*-replay). A suite that dies without its
# summary counts as one failure.
set -u
BUILD=${1:-build}
PATTERN=${2:-}
TOP=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
export BUILD TOP
LOG=$BUILD/test-logs
rm -rf "$LOG"
mkdir -p "$LOG"

passed=0
failed=0
failed_suites=""

count() { # name, log file, exit status
	name=$1 log=$2 status=$3
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p; s/^ok [0-9].*/1/p' "$log" |
		awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p; s/^not ok [0-9].*/1/p' "$log" |
		awk '{s+=$1} END {print s+0}')
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "    (exited with status $status and no failure reported)" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		failed_suites="$failed_suites $name"
		printf '%-40s %4d passed, %d FAILED (log: %s)\n' "$name" "$p" "$f" "$log"
		tail -n 30 "$log" | sed 's/^/    | /'
	else
		printf '%-40s %4d passed\n' "$name" "$p"
	fi
}

for t in "$BUILD"/tests/unit/test-*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	case "$name" in *"$PATTERN"*) ;; *) continue ;; esac
	log=$LOG/$(basename "$t").log
	(cd "$LOG" && "$t") >"$log" 2>&1
	count "$name" "$log" $?
done

# Fuzz targets replay their corpus (tests/fuzz/replay.c): one "ok" per input.
for t in "$BUILD"/tests/fuzz/*-replay; do
	[ -x "$t" ] || continue
	target=$(basename "$t" -replay)
	name=fuzz/$target
	case "$name" in *"$PATTERN"*) ;; *) continue ;; esac
	log=$LOG/$target.log
	(cd "$LOG" && "$t" "$TOP/tests/fuzz/corpus/$target") >"$log" 2>&1
	count "$name" "$log" $?
done

for t in "$TOP"/tests/integration/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	name=integration/$(basename "$t" .sh)
	case "$name" in *"$PATTERN"*) ;; *) continue ;; esac
	log=$LOG/$(basename "$t" .sh).log
	sh "$t" </dev/null >"$log" 2>&1
	count "$name" "$log" $?
done

[ -n "$failed_suites" ] && echo "failed suites:$failed_suites"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
