#!/bin/sh
# Runs every test suite against the binaries in BUILD (default build/) and
# ends with one line for all of them: "N passed, N failed" (and ", N
# skipped" when a check could not run here).
#
#   tests/run.sh [BUILD] [PATTERN]
#
# Unit tests are cmocka programs (their own summary lines are counted per
# test); integration tests are numbered shell scripts printing TAP-like
# "ok N - ..." / "not ok N - ..." lines, as do the fuzz corpus replays
# (build/tests/fuzz/*-replay: one check per target, all its inputs), the
# browser suites (tests/browser/*.spec.js, the station console in
# chromium) and,
# under make check without SAN=1, the
# bounded libFuzzer runs (fuzz-run/<target>, one line each). A suite that
# dies without its summary counts as one failure. Each suite's line ends
# with its wall time in seconds, so that the slow ones show.
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
skipped=0
failed_suites=""

# count NAME LOG STATUS: adds up what a suite's log says it checked.
#   cmocka      "[==========] Running N test(s)." is its plan, then
#               "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)..."
#   TAP-like    "1..N" is the plan (integration scripts declare one),
#               "ok N - what" passed, "not ok N - what" failed,
#               "ok N # skip what" not run here (never a pass), and
#               "1..0 # skip why" the whole suite not run here
# A suite fails once more when it exited non-zero with no failure
# reported, or when the checks reported are not the checks it planned
# (it stopped early, or ran some twice).
count() { # name, log file, exit status
	name=$1 log=$2 status=$3
	p=$(sed -n '/^ok [0-9]* # skip/d
		s/^\[  PASSED  \] \([0-9]*\) test.*/\1/p; s/^ok [0-9].*/1/p' "$log" |
		awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p; s/^not ok [0-9].*/1/p' "$log" |
		awk '{s+=$1} END {print s+0}')
	skips=$(sed -n 's/^ok [0-9]* # skip.*/1/p; s/^1\.\.0 # skip.*/1/p' "$log" | wc -l)
	plan=$(sed -n 's/^\[==========\] Running \([0-9]*\) test.*/\1/p
		s/^1\.\.\([0-9]*\)\( #.*\)\{0,1\}$/\1/p' "$log" |
		awk '{s+=$1; n++} END {if (n) print s}')
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "    (exited with status $status and no failure reported)" >>"$log"
	fi
	if [ -n "$plan" ] && [ "$f" -eq 0 ] && grep -q '^1\.\.0 # skip' "$log"; then
		: # skipped whole: its one skip stands for the plan
	elif [ -n "$plan" ] && [ $((p + f + skips)) -ne "$plan" ] && [ "$f" -eq 0 ]; then
		f=1
		echo "    (planned $plan checks, reported $((p + skips)))" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + skips))
	sk=""
	[ "$skips" -gt 0 ] && sk=", $skips skipped"
	secs=$(($(date +%s) - suite_t0))
	if [ "$f" -gt 0 ]; then
		failed_suites="$failed_suites $name"
		printf '%-48s %4d passed%s, %d FAILED (log: %s) %4d s\n' "$name" "$p" "$sk" "$f" "$log" "$secs"
		tail -n 30 "$log" | sed 's/^/    | /'
	else
		printf '%-48s %-24s %4d s\n' "$name" "$(printf '%4d passed%s' "$p" "$sk")" "$secs"
	fi
}

# The tests of the server's store (PG_TESTS) run twice: on SQLite, then
# as unit/<test>@postgresql with LIANDONG_TEST_STORE naming a database on
# a throwaway PostgreSQL (tests/tools/pg.sh: Debian's binaries, 127.0.0.1
# at a free port, an unprivileged user, a temporary directory), started
# once when the first of them needs it and stopped and removed when this
# script exits, whatever happened. The integration scripts run on it
# too (below). Without PostgreSQL's binaries those passes are skipped
# here, and fail in CI.
PG_TESTS="test-store test-accounts test-cursors test-blobs"
PG_DIR=""
PG_URL=""
pg_cleanup() {
	[ -n "$PG_DIR" ] && "$TOP/tests/tools/pg.sh" stop "$PG_DIR"
	PG_DIR=""
	PG_URL=""
}
trap pg_cleanup EXIT
trap 'pg_cleanup; exit 130' INT TERM

# pg_start: PostgreSQL started (once; PG_URL is its admin URL). Fails with
# a TAP line saying why, a skip when its binaries are missing outside CI.
pg_start() {
	[ -n "$PG_URL" ] && return 0
	if ! "$TOP/tests/tools/pg.sh" bindir >/dev/null 2>&1; then
		[ "${CI:-}" = true ] && { echo "not ok 1 - PostgreSQL is missing (scripts/deps.sh installs postgresql)"; return 1; }
		echo "1..0 # skip PostgreSQL is missing (scripts/deps.sh installs postgresql)"
		return 2
	fi
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/liandong-pg.XXXXXX") || return 1
	PG_URL=$("$TOP/tests/tools/pg.sh" start "$PG_DIR" 2>"$LOG/pg-start.log") ||
		{ cat "$LOG/pg-start.log"; echo "not ok 1 - cannot start PostgreSQL (log: $LOG/pg-start.log)"; PG_URL=""; return 1; }
}

pg_suite() { # test program
	pg_start
	case $? in 0) ;; 2) return 0 ;; *) return 1 ;; esac
	(cd "$LOG" && LIANDONG_TEST_STORE=$PG_URL "$1")
}

for t in "$BUILD"/tests/unit/test-*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	case "$name" in *"$PATTERN"*) ;; *) continue ;; esac
	log=$LOG/$(basename "$t").log
	suite_t0=$(date +%s)
	(cd "$LOG" && "$t") >"$log" 2>&1
	count "$name" "$log" $?
	case " $PG_TESTS " in *" $(basename "$t") "*) ;; *) continue ;; esac
	log=$LOG/$(basename "$t")@postgresql.log
	suite_t0=$(date +%s)
	pg_suite "$t" >"$log" 2>&1
	count "$name@postgresql" "$log" $?
done

# Fuzz targets replay their corpus (tests/fuzz/replay.c), one "ok" per
# input in their log; each target counts as one check (all its inputs,
# or a failure), not one per input: a replay proves no more than that.
for t in "$BUILD"/tests/fuzz/*-replay; do
	[ -x "$t" ] || continue
	target=$(basename "$t" -replay)
	name=fuzz/$target
	case "$name" in *"$PATTERN"*) ;; *) continue ;; esac
	log=$LOG/$target.log
	suite_t0=$(date +%s)
	(cd "$LOG" && "$t" "$TOP/tests/fuzz/corpus/$target") >"$log.inputs" 2>&1
	st=$?
	n=$(grep -c '^ok ' "$log.inputs")
	bad=$(grep -c '^not ok ' "$log.inputs")
	{
		cat "$log.inputs"
		if [ $st -eq 0 ] && [ "$bad" -eq 0 ] && [ "$n" -gt 0 ]; then
			echo "ok 1 - $target: $n corpus inputs replayed"
		else
			echo "not ok 1 - $target: $bad of $((n + bad)) inputs failed, exit $st"
		fi
	} | sed '$!s/^\(not \)\{0,1\}ok /# &/' >"$log" # the verdict counts
	rm -f "$log.inputs"
	count "$name" "$log" $st
done

# Integration scripts run twice: on SQLite, then as
# integration/tNNNN@postgresql with LIANDONG_TEST_PG set to the admin URL
# of the PostgreSQL above (lib.sh then puts every server a script inits
# on a new database there, tests/tools/lds-pg.sh, dropped at its end).
# A script that names one backend in a header line runs once, in the
# first pass: "# backends: sqlite - why" for what exists only on SQLite
# (the server's SQLite file itself, its journal, a power cut of it) or a
# script that starts no county server (agent-only: the store plays no
# part), "# backends: postgresql - why" for one that starts PostgreSQL
# servers of its own. Each script's PostgreSQL run goes beside its
# SQLite run (below). With PG_INTEGRATION=0 the second pass is left out
# (make check SAN=1 sets it: docs/architecture.md, "Tests"); the store's
# unit tests still run on both.
# (pg_backends SCRIPT: true when the script runs in the second pass.)
# The header is read in the lines before the script sources lib.sh.
pg_backends() {
	! sed -n '/^\. .*lib\.sh"$/q; p' "$1" | grep -q '^# backends:'
}
matches() { case "$1" in *"$PATTERN"*) return 0 ;; esac; return 1; }
pg_skip_shown=0
for t in "$TOP"/tests/integration/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	base=$(basename "$t" .sh)
	name=integration/$base
	# The PostgreSQL run goes in the background while the SQLite one
	# runs: the scripts mostly wait on their servers and links, and the
	# two passes one after the other would take CI past its 90 minutes.
	pg_pid=""
	if [ "${PG_INTEGRATION:-1}" != 0 ] && pg_backends "$t" &&
	    matches "$name@postgresql"; then
		pg_log=$LOG/$base@postgresql.log
		pg_t0=$(date +%s)
		pg_start >"$pg_log" 2>&1
		case $? in
		0)	LIANDONG_TEST_PG=$PG_URL sh "$t" </dev/null >"$pg_log" 2>&1 &
			pg_pid=$! ;;
		2)	# PostgreSQL missing: one skip for the whole pass
			rm -f "$pg_log"
			if [ $pg_skip_shown = 0 ]; then
				pg_skip_shown=1
				log=$LOG/integration@postgresql.log
				suite_t0=$(date +%s)
				pg_start >"$log" 2>&1
				count "integration/*@postgresql" "$log" 0
			fi ;;
		*)	suite_t0=$pg_t0
			count "$name@postgresql" "$pg_log" 1 ;;
		esac
	fi
	if matches "$name"; then
		log=$LOG/$base.log
		suite_t0=$(date +%s)
		sh "$t" </dev/null >"$log" 2>&1
		count "$name" "$log" $?
	fi
	if [ -n "$pg_pid" ]; then
		wait "$pg_pid"
		st=$?
		suite_t0=$pg_t0
		count "$name@postgresql" "$pg_log" $st
	fi
done
pg_cleanup

# Browser suites (tests/browser/*.spec.js): node programs driving
# Debian's chromium headless through playwright-core, installed first
# from tests/browser/package-lock.json (npm ci, never a browser download)
# when tests/browser/node_modules lacks it. They print TAP-like lines
# like the integration scripts. Without node, npm or chromium the suite
# is skipped here, and fails in CI.
browser_suite() { # spec
	dir=$TOP/tests/browser
	for c in node npm "${CHROMIUM:-/usr/bin/chromium}"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			[ "${CI:-}" = true ] && { echo "not ok 1 - $c is missing (scripts/deps.sh)"; return 1; }
			echo "1..0 # skip $c is missing (scripts/deps.sh installs it)"
			return 0
		fi
	done
	if ! [ -f "$dir/node_modules/playwright-core/package.json" ]; then
		echo "# npm ci in tests/browser"
		(cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) 2>&1 |
			sed 's/^/# /'
		[ -f "$dir/node_modules/playwright-core/package.json" ] ||
			{ echo "not ok 1 - npm ci in tests/browser failed"; return 1; }
	fi
	(cd "$LOG" && node "$1")
}

for t in "$TOP"/tests/browser/*.spec.js; do
	[ -f "$t" ] || continue
	name=browser/$(basename "$t" .spec.js)
	case "$name" in *"$PATTERN"*) ;; *) continue ;; esac
	log=$LOG/browser-$(basename "$t" .spec.js).log
	suite_t0=$(date +%s)
	browser_suite "$t" </dev/null >"$log" 2>&1
	count "$name" "$log" $?
done

# libFuzzer runs (make check without SAN=1 sets FUZZ_CHECK_DIR, the
# build-fuzz/ directory): each target in FUZZ_CHECK_TARGETS fuzzes a copy
# of its corpus for FUZZ_CHECK_SECONDS; one "ok" or "not ok" per target,
# a crash's input kept in FUZZ_CHECK_DIR/artifacts/<target>/.
fuzz_run() { # target
	bin=$FUZZ_CHECK_DIR/tests/fuzz/$1
	out=$LOG/$1-libfuzzer.log
	art=$FUZZ_CHECK_DIR/artifacts/$1
	work=$LOG/fuzz-corpus/$1
	rm -rf "$work" && mkdir -p "$work" "$art" || return 1
	cp "$TOP/tests/fuzz/corpus/$1"/* "$work/" 2>/dev/null
	dict=""
	[ -f "$TOP/tests/fuzz/$1.dict" ] && dict=-dict=$TOP/tests/fuzz/$1.dict
	(cd "$LOG" && "$bin" -max_total_time="$FUZZ_CHECK_SECONDS" -max_len=65536 \
		-timeout=20 -print_final_stats=1 -artifact_prefix="$art/" $dict "$work") \
		>"$out" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out")
	seed=$(sed -n 's/^INFO: Seed: \([0-9]*\).*/\1/p' "$out" | head -n 1)
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$out" | head -n 1)
	if [ $st -eq 0 ] && [ -z "$crash" ] && [ -n "$execs" ]; then
		echo "ok 1 - $1: ${execs} executions in ${FUZZ_CHECK_SECONDS} s, no crash (seed $seed)"
	else
		tail -n 30 "$out"
		echo "not ok 1 - $1: libFuzzer exited $st after ${execs:-?} executions (seed $seed); input: ${crash:-none written}; log: $out"
	fi
	rm -rf "$work"
}

if [ -n "${FUZZ_CHECK_DIR:-}" ] && [ "${FUZZ_CHECK_SECONDS:-30}" -gt 0 ]; then
	: "${FUZZ_CHECK_SECONDS:=30}"
	if [ -f "$FUZZ_CHECK_DIR/.fuzz-check" ]; then
		for target in ${FUZZ_CHECK_TARGETS:-}; do
			name=fuzz-run/$target
			case "$name" in *"$PATTERN"*) ;; *) continue ;; esac
			log=$LOG/$target-run.log
			suite_t0=$(date +%s)
			fuzz_run "$target" >"$log" 2>&1
			count "$name" "$log" $?
			grep -E '^(not )?ok 1 - ' "$log" | sed 's/^/    /'
		done
	elif [ "${CI:-}" = true ]; then
		# In CI a fuzzer that cannot be built is a failure, not a skip.
		suite_t0=$(date +%s)
		echo "not ok 1 - fuzz-run: no libFuzzer build (clang with libFuzzer is missing: see scripts/deps.sh)" >"$LOG/fuzz-run.log"
		count fuzz-run "$LOG/fuzz-run.log" 1
	else
		echo "fuzz-run: skipped, no libFuzzer build (clang with libFuzzer is missing: see scripts/deps.sh)"
	fi
fi

[ -n "$failed_suites" ] && echo "failed suites:$failed_suites"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
