# lib.sh - helpers for the integration scripts, sourced first by each one.
#
# Every script runs in its own scratch directory (removed at the end unless
# KEEP=1), with HOME and the XDG directories pointing inside it, the clock
# pinned by LIANDONG_NOW, the messages English (LC_ALL=C.UTF-8), and the
# binaries from $BUILD. Checks print
# "ok N - what" or "not ok N - what"; test_done ends the script with a
# non-zero status if any check failed.
#
# A script declares near its top how many checks it runs (test_plan N,
# printed as "1..N"). Running another number, or ending before test_done
# (an exit, a set-up step that gives up), is then a failure of its own:
# "not ok N - planned P checks, ran M". tests/run.sh checks the plan too.
#
#   test_plan N                                the script runs N checks
#   test_skip 'what' 'why'                     one check not run here (it
#                                              counts for the plan, never
#                                              as passed)
#   test_skip_all 'why'                        the whole script cannot run
#                                              here: says why, exits 0
#   test_expect_success 'what' 'commands'      commands must succeed
#   test_expect_code CODE 'what' 'commands'    the last command's status
#   test_must_fail CMD...                      CMD exits non-zero (not a crash,
#                                              nor a sanitizer's exit 23,
#                                              ASan's or UBSan's)
#   test_cmp EXPECTED ACTUAL                   files are equal (diff shown)
#   test_grep PATTERN FILE / test_grep ! ...   file (does not) match
#   wait_for SECONDS 'condition'               bounded polling, never sleep
#   with_env VAR=VALUE... -- CMD...            CMD with those variables in
#                                              its environment
#
# Test bodies run in a subshell: state they set does not outlive them, so
# set-up that later checks rely on (a server, stations) runs at top level.
set -u

: "${BUILD:?BUILD must point at the build directory}"
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
LD="$BUILD/liandong"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/liandong-$(basename "$0" .sh).XXXXXX")
cd "$SCRATCH" || exit 1

export HOME="$SCRATCH/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
export LIANDONG_NOW="2026-11-20T10:00:00+08:00"
export LIANDONG_OFFICER="张三"
export LIANDONG_BUSY_TIMEOUT_MS=2000
# The messages in English, whatever the machine's locale: the checks match
# English text (the programs speak Chinese under a zh_CN locale, po/).
# C.UTF-8 rather than C: UTF-8 text, as the tests have always run.
# LANGUAGE is unset: gettext prefers it to the locale's language.
export LC_ALL=C.UTF-8 LANG=C.UTF-8
unset LANGUAGE
# A sanitizer's report exits 23 (LeakSanitizer's own code), never 1, so
# that test_must_fail tells it from a refusal. UBSan reads its own
# options: without them its reports exit 1, like a refusal. A command
# given ASAN_OPTIONS of its own keeps these ("$ASAN_OPTIONS:...").
export ASAN_OPTIONS="exitcode=23${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="exitcode=23:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
unset LIANDONG_DB LIANDONG_CONFIG LIANDONG_PROMPT
mkdir -p "$HOME"

test_count=0
test_failures=0
cleanup_cmds=""
test_planned=""
test_finished=0
# Every script declares its plan: one without test_plan fails.
TEST_PLAN_REQUIRED=${TEST_PLAN_REQUIRED:-1}

# test_plan N: N more checks planned. A script whose sweeps count their
# points as they run declares each sweep's checks once it knows them, the
# fixed ones near its top; the plan is the sum (tests/run.sh adds up its
# "1..N" lines too).
test_plan() { # N
	test_planned=$((${test_planned:-0} + $1))
	echo "1..$1"
}

test_when_finished() {
	cleanup_cmds="$1
$cleanup_cmds"
}

_cleanup() {
	_exit_st=$?
	if [ "$test_finished" = 0 ] &&
		{ [ -n "$test_planned" ] || [ "$TEST_PLAN_REQUIRED" = 1 ]; }; then
		# Ended before test_done (an exit, a set-up step that gave up):
		# a failure, whatever the status and however many checks ran.
		_report 1 "planned ${test_planned:-no} checks, ran $test_count: the script ended (status $_exit_st) before test_done"
	fi
	[ "$_exit_st" -eq 0 ] && [ "$test_failures" -gt 0 ] && _exit_st=1
	eval "$cleanup_cmds" >/dev/null 2>&1
	if [ -n "${LIANDONG_TEST_PG:-}" ] && [ -f "$SCRATCH/.pg-dbs" ]; then
		while read -r _db; do
			psql -X -q "$LIANDONG_TEST_PG" -c "DROP DATABASE IF EXISTS $_db WITH (FORCE)" >/dev/null 2>&1
		done <"$SCRATCH/.pg-dbs"
	fi
	if [ "${KEEP:-0}" = 1 ] || [ "$test_failures" -gt 0 ]; then
		echo "# scratch directory kept: $SCRATCH"
	else
		cd / && rm -rf "$SCRATCH"
	fi
	exit "$_exit_st"
}
trap _cleanup EXIT

_report() { # status, description
	test_count=$((test_count + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $test_count - $2"
	else
		test_failures=$((test_failures + 1))
		# A line above with no newline must not swallow the verdict.
		printf '\nnot ok %s - %s\n' "$test_count" "$2"
	fi
}

test_expect_success() {
	echo "# $1"
	(eval "$2") >"$SCRATCH/.out" 2>&1
	_st=$?
	[ "$_st" -ne 0 ] && sed 's/^/#   /' "$SCRATCH/.out"
	_report "$_st" "$1"
}

test_expect_code() {
	echo "# $2"
	(eval "$3") >"$SCRATCH/.out" 2>&1
	_st=$?
	if [ "$_st" -ne "$1" ]; then
		echo "#   expected exit $1, got $_st"
		sed 's/^/#   /' "$SCRATCH/.out"
		_report 1 "$2"
	else
		_report 0 "$2"
	fi
}

test_must_fail() {
	"$@"
	_st=$?
	if [ "$_st" -eq 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	elif [ "$_st" -eq 23 ]; then
		echo "test_must_fail: a sanitizer stopped it (exit 23): $*" >&2
		return 1
	elif [ "$_st" -gt 128 ]; then
		echo "test_must_fail: command died of signal $((_st - 128)): $*" >&2
		return 1
	fi
	return 0
}

test_cmp() {
	diff -u "$1" "$2"
}

test_grep() {
	if [ "$1" = "!" ]; then
		shift
		if grep -q -- "$1" "$2"; then
			echo "test_grep: '$1' unexpectedly found in $2:" >&2
			cat "$2" >&2
			return 1
		fi
		return 0
	fi
	if ! grep -q -- "$1" "$2"; then
		echo "test_grep: '$1' not found in $2:" >&2
		cat "$2" >&2
		return 1
	fi
}

# wait_for SECONDS 'shell condition': polls every 50 ms, bounded.
wait_for() {
	_n=$(($1 * 20))
	while [ "$_n" -gt 0 ]; do
		eval "$2" && return 0
		_n=$((_n - 1))
		sleep 0.05
	done
	echo "wait_for: timed out after $1 s: $2" >&2
	return 1
}

# with_env VAR=VALUE... -- CMD...: runs CMD (a program, not a shell
# function) with the variables set in its environment, each value as
# given, spaces included. Everything before "--" must be VAR=VALUE. The
# settings of a fault shim (t0011, t0052) go through it. For the
# foreground: in the background, $! would be the pid of the shell running
# it, not CMD's.
with_env() {
	_we_n=0
	for _we_a in "$@"; do
		[ "$_we_a" = "--" ] && break
		case $_we_a in
		[A-Za-z_]*=*) ;;
		*) echo "with_env: '$_we_a' is not VAR=VALUE" >&2; return 2 ;;
		esac
		_we_n=$((_we_n + 1))
	done
	if [ "$_we_n" -ge $(($# - 1)) ]; then
		echo "with_env: no command after --" >&2
		return 2
	fi
	# "$@" again without the "--": the settings, then the command. The
	# list the loop walks was expanded before it began.
	_we_i=0
	for _we_a in "$@"; do
		[ "$_we_i" -ne "$_we_n" ] && set -- "$@" "$_we_a"
		_we_i=$((_we_i + 1))
	done
	shift "$_we_i"
	env "$@"
}

# A station database in the current directory, ready to record.
setup_station() { # [station] [unit]
	export LIANDONG_DB="$SCRATCH/${1:-lyx01}.db"
	"$LD" init --station "${1:-lyx01}" --unit "${2:-龙羊峡镇}" >/dev/null
}

# _plan_report: one failed check when the checks run are not the checks
# planned (or, once TEST_PLAN_REQUIRED is 1, none were planned).
_plan_report() {
	_ran=$test_count
	if [ -n "$test_planned" ]; then
		[ "$_ran" -eq "$test_planned" ] && return 0
		_report 1 "planned $test_planned checks, ran $_ran"
	elif [ "$TEST_PLAN_REQUIRED" = 1 ]; then
		_report 1 "no test_plan, ran $_ran checks"
	fi
}

test_skip() { # what, why
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $1: $2"
}

test_skip_all() { # why
	echo "1..0 # skip $1"
	test_finished=1
	exit 0
}

test_done() {
	test_finished=1
	_plan_report
	echo "# $test_count checks, $test_failures failed"
	[ "$test_failures" -eq 0 ]
}

# --- a county server and enrolled stations on 127.0.0.1 -------------------

LDS="$BUILD/liandong-server"
export LIANDONG_SERVER_DIR="$SCRATCH/county"
# With LIANDONG_TEST_PG set to the URL of a database on a PostgreSQL
# server (tests/tools/pg.sh start), every server a script inits keeps its
# tables in a new database there (tests/tools/lds-pg.sh adds init --store),
# dropped at the end: a way to run a script on PostgreSQL by hand (those
# that read server.db with sqlite3 cannot). Unset, nothing changes.
if [ -n "${LIANDONG_TEST_PG:-}" ]; then
	export LDS_REAL="$LDS" SCRATCH LIANDONG_TEST_PG
	LDS="$TOP/tests/tools/lds-pg.sh"
fi

# server_sql QUERY: the rows of one query on the server's database,
# whichever backend server.conf's db names (tests/tools/server-sql.sh,
# which a script's Python may run too). String literals may be in double
# quotes, as SQLite takes them. server_on_pg: true when the server's
# database is PostgreSQL's (which keeps no journal.log: server/journal.h,
# rule 6).
server_on_pg() {
	grep -Eq '^db *= *postgres(ql)?://' "$LIANDONG_SERVER_DIR/server.conf"
}

server_sql() { "$TOP/tests/tools/server-sql.sh" "$1"; }

# start_server [extra serve options]: init once, then serve in the
# background; sets SERVER_PID, SERVER_PORT and SERVER_URL. SERVER_OPTS
# adds options to every start (a script whose stations' clocks jump
# ahead of the server's pinned one sets "--max-clock-ahead 0").
start_server() {
	if [ ! -f "$LIANDONG_SERVER_DIR/server.conf" ]; then
		"$LDS" init --county 测试县 --listen 127.0.0.1:0 >"$SCRATCH/init.out" ||
			return 1
	fi
	rm -f "$SCRATCH/port"
	# shellcheck disable=SC2086
	"$LDS" serve --port-file "$SCRATCH/port" ${SERVER_OPTS:-} "$@" \
		2>>"$SCRATCH/server.log" &
	SERVER_PID=$!
	test_when_finished "kill $SERVER_PID 2>/dev/null"
	wait_for 10 '[ -s "$SCRATCH/port" ]' || return 1
	SERVER_PORT=$(cat "$SCRATCH/port")
	SERVER_URL="https://127.0.0.1:$SERVER_PORT"
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	return 0
}

# add_station NAME UNIT [ROLE] [URL]: a station database NAME.db,
# registered on the server and enrolled (through URL, default the server).
add_station() {
	"$LDS" station add --name "$1" --unit "$2" --role "${3:-township}" \
		>"$SCRATCH/$1.code" || return 1
	"$LD" init --db "$SCRATCH/$1.db" --station "$1" --unit "$2" >/dev/null ||
		return 1
	"$LD" enroll --db "$SCRATCH/$1.db" --ca "$LIANDONG_SERVER_DIR/ca.pem" \
		-- "${4:-$SERVER_URL}" "$(tail -n 1 "$SCRATCH/$1.code")" >/dev/null
}

# refresh_directory NAME...: each station syncs once, so that it holds the
# county's unit directory as it is now. A station learns the directory at
# enrolment and with each sync after it changes: one enrolled before the
# units it addresses were added does not know them yet, and refuses them.
refresh_directory() {
	for _s in "$@"; do
		on "$_s" sync >/dev/null || return 1
	done
}

# on NAME args...: runs the agent on station NAME's database.
on() {
	_st=$1
	shift
	LIANDONG_DB="$SCRATCH/$_st.db" "$LD" "$@"
}

# liaison_n NAME FROM TO TYPE FORMAT: liaison entries numbered FROM to TO
# on station NAME, of TYPE, each summary FORMAT with %d its number
# (printf). Stops at the first that fails (non-zero); LIAISON_DONE says
# how many were recorded.
liaison_n() {
	LIAISON_DONE=0
	_n=$2
	while [ "$_n" -le "$3" ]; do
		# shellcheck disable=SC2059
		on "$1" liaison log --type "$4" --summary "$(printf "$5" "$_n")" \
			>/dev/null || return 1
		LIAISON_DONE=$((LIAISON_DONE + 1))
		_n=$((_n + 1))
	done
}

# converged NAME UNIT: the station's projections equal what the server
# folds of the events its unit may see, complainants' identities included
# (dump --identities, which logs a line on stderr).
converged() {
	on "$1" dump >"$SCRATCH/$1.dump" &&
	"$LDS" dump --identities --unit "$2" >"$SCRATCH/$1.server.dump" \
		2>>"$SCRATCH/dump.log" &&
	test_cmp "$SCRATCH/$1.server.dump" "$SCRATCH/$1.dump"
}

# records_kept BEFORE AFTER: every record of the dump BEFORE is in the
# dump AFTER, unchanged to the byte (AFTER may hold more).
records_kept() {
	python3 - "$1" "$2" <<-\EOF
	import json, sys
	def recs(path):
	    return {json.loads(l)["entity"]: l for l in open(path, encoding="utf-8") if l.strip()}
	before, after = recs(sys.argv[1]), recs(sys.argv[2])
	changed = sorted(e for e in before if after.get(e) != before[e])
	assert not changed, (sys.argv[1], changed)
	EOF
}

# --- reading what the agent prints --------------------------------------

# jv FILE EXPR: a Python expression over the JSON document in FILE as d.
jv() { python3 "$TOP/tests/tools/jv.py" "$@"; }
# jeq FILE EXPR EXPECTED
jeq() {
	_got=$(jv "$1" "$2") || return 1
	[ "$_got" = "$3" ] && return 0
	echo "jeq: $2: expected '$3', got '$_got'" >&2
	return 1
}
# aligned FILE: a table's columns line up by display width.
aligned() { python3 "$TOP/tests/tools/aligned.py" "$1"; }
# ids FILE: the first column of a table, without the header, on one line.
ids() { awk 'NR > 1 { printf "%s%s", sep, $1; sep = " " } END { print "" }' "$1"; }

# gone PID: true once the process PID has ended (or is a zombie).
gone() {
	! [ -r "/proc/$1/stat" ] || [ "$(cut -d' ' -f3 "/proc/$1/stat")" = Z ]
}

# --- a PostgreSQL of the script's own (tests/tools/pg.sh) -----------------

# pg_needed N: the script plans N checks on a PostgreSQL it starts; with
# none installed it is skipped, or fails under CI (scripts/deps.sh
# installs it). Sets PGSH and PGBIN for psql_q and pg_start.
pg_needed() {
	PGSH="$TOP/tests/tools/pg.sh"
	if ! PGBIN=$("$PGSH" bindir 2>/dev/null); then
		if [ "${CI:-}" = true ]; then
			test_plan 1
			test_expect_success 'PostgreSQL is installed (scripts/deps.sh)' 'false'
			test_done
			exit
		fi
		test_skip_all "PostgreSQL is missing (scripts/deps.sh installs postgresql)"
	fi
	test_plan "$1"
}

psql_q() { "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

# pg_start: a throwaway PostgreSQL, stopped when the script ends. Its
# directory is outside the scratch one: when we are root the server runs
# as another user, and must reach it. Sets PG_DIR, ADMIN (its
# administrator's URL) and STORE (the URL of a database "county" on it,
# which the caller creates).
pg_start() {
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/liandong-pg.XXXXXX")
	test_when_finished "\"$PGSH\" stop \"$PG_DIR\""
	ADMIN=$("$PGSH" start "$PG_DIR" 2>"$SCRATCH/pg-start.log") ||
		cat "$SCRATCH/pg-start.log"
	STORE=${ADMIN%/*}/county
}

# serve_in DIR NAME: a 'liandong-server serve' on the server directory DIR
# in the background, logging to $SCRATCH/NAME.log, killed when the script
# ends; sets NAME_PID, NAME_PORT and NAME_URL.
serve_in() {
	rm -f "$SCRATCH/$2.port"
	LIANDONG_SERVER_DIR=$1 "$LDS" serve --port-file "$SCRATCH/$2.port" \
		2>>"$SCRATCH/$2.log" &
	eval "$2_PID=$!"
	test_when_finished "kill $! 2>/dev/null"
	wait_for 10 "[ -s \"$SCRATCH/$2.port\" ]" || return 1
	eval "$2_PORT=$(cat "$SCRATCH/$2.port")"
	eval "$2_URL=https://127.0.0.1:$(cat "$SCRATCH/$2.port")"
}

# pg_two_instances [SED]: a county on the database "county" of pg_start's
# PostgreSQL, its server.conf edited by the sed script SED (if given),
# a second instance's directory made from it by 'instance add' (another
# listen address: docs/operations.md, "Several instances"), both served
# (serve_in: a_* and b_*). Sets DIR_A and DIR_B. Run at top level: the
# pids and URLs outlive the checks.
pg_two_instances() {
	DIR_A=$LIANDONG_SERVER_DIR
	DIR_B=$SCRATCH/county-b
	psql_q "$ADMIN" -c "CREATE DATABASE county" &&
	"$LDS" init --county 测试县 --listen 127.0.0.1:0 --store "$STORE" \
		>"$SCRATCH/init.out" 2>&1 &&
	if [ -n "${1:-}" ]; then sed -i "$1" "$DIR_A/server.conf"; fi &&
	sed -i 's/^listen = .*/listen = 127.0.0.1:1/' "$DIR_A/server.conf" &&
	"$LDS" instance add --listen 127.0.0.1:0 "$DIR_B" \
		>"$SCRATCH/instance.out" 2>&1 &&
	sed -i 's/^listen = .*/listen = 127.0.0.1:0/' "$DIR_A/server.conf" &&
	serve_in "$DIR_A" a && serve_in "$DIR_B" b
}

# point STATION URL: the station syncs with URL from now on.
point() {
	sqlite3 "$SCRATCH/$1.db" "UPDATE meta SET value='$2' WHERE key='server_url'"
}

# start_proxy LOG [faultproxy options]: (re)starts tests/tools/faultproxy
# in front of the server started last ($SERVER_PORT), on the same port
# every time (any free one the first time), logging its connections to
# $SCRATCH/proxy-LOG.log; stop_proxy: the link is down. A script using
# them says test_when_finished 'stop_proxy'.
FP="$BUILD/tests/tools/faultproxy"
start_proxy() {
	_log=$1
	shift
	stop_proxy || return 1
	rm -f "$SCRATCH/proxy.port"
	"$FP" --to "127.0.0.1:$SERVER_PORT" \
		--port "$(cat "$SCRATCH/proxy.fixed" 2>/dev/null || echo 0)" \
		--port-file "$SCRATCH/proxy.port" --log "$SCRATCH/proxy-$_log.log" \
		"$@" 2>>"$SCRATCH/proxy.err" &
	echo $! >"$SCRATCH/proxy.pid"
	wait_for 10 '[ -s "$SCRATCH/proxy.port" ]' || return 1
	cp "$SCRATCH/proxy.port" "$SCRATCH/proxy.fixed"
}

stop_proxy() {
	[ -s "$SCRATCH/proxy.pid" ] || return 0
	_pp=$(cat "$SCRATCH/proxy.pid")
	rm -f "$SCRATCH/proxy.pid"
	kill "$_pp" 2>/dev/null
	wait "$_pp" 2>/dev/null
	wait_for 10 "gone $_pp"
}
