# lib.sh - helpers for the benchmark scripts, sourced first by each one.
#
# Each script runs in its own scratch directory under $TMPDIR (removed at
# the end unless KEEP=1), starts its own county server on 127.0.0.1 and
# stops what it started, by process id. It prints a table and ends with
# one machine-readable line through bench_line, which run.sh collects.
#
#   county_init NAME [init options]   a server directory NAME (no serve yet)
#   county_serve NAME [serve options] serve it: SERVER_PID, SERVER_URL
#   county_stop                        stop the server started last
#   county_roster NAME FILE            add the "station unit" lines of FILE
#                                      (genevents --roster), codes to
#                                      NAME.codes as "station code"
#   county_station NAME ST UNIT        one station; prints its code
#   station_new DB ST UNIT NAME        a station database enrolled at NAME
#   peak_rss PID                       VmHWM of a live process, in KiB
#   loadavg                            the 1, 5 and 15 minute load averages
#   pg_start                           a throwaway PostgreSQL for this run
#                                      (tests/tools/pg.sh), stopped at the
#                                      end: PG_ADMIN, its admin URL; PGBIN
#   pg_store DB                        a new database DB on it: its URL
#   county_instance NAME NEW           a second instance directory NEW of
#                                      the county NAME, on its database
#                                      (instance add)
#   now_ms, secs_since MS              wall clock
#   bench_line name k=v ...            "BENCH name=... k=v" on stdout
set -u

: "${BUILD:?BUILD must point at the build directory}"
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BENCH_SCALE:=1}"
LD="$BUILD/liandong"
LDS="$BUILD/liandong-server"
GEN="$BUILD/tests/tools/genevents"
FP="$BUILD/tests/tools/faultproxy"
LOADGEN="$BUILD/tests/bench/loadgen"
SB="$BUILD/tests/bench/stationbench"
DICT="$TOP/conf/liandong.dict"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/bench-$(basename "$0" .sh).XXXXXX")
cd "$SCRATCH" || exit 1

export HOME="$SCRATCH/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
export LIANDONG_OFFICER="卓玛"
export LIANDONG_DICT="$DICT"
unset LIANDONG_DB LIANDONG_CONFIG LIANDONG_PROMPT LIANDONG_NOW
mkdir -p "$HOME"

pids=""
_cleanup() {
	for _p in $pids; do
		kill "$_p" 2>/dev/null && wait "$_p" 2>/dev/null
	done
	[ -z "${PG_DIR:-}" ] || "$TOP/tests/tools/pg.sh" stop "$PG_DIR"
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# scratch directory kept: $SCRATCH" >&2
	else
		cd / && rm -rf "$SCRATCH"
	fi
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
secs_since() { echo "$(( $(now_ms) - $1 ))" | awk '{ printf "%.3f", $1 / 1000 }'; }

# wait_for SECONDS 'condition': polls every 50 ms, bounded.
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

bench_line() {
	_name=$1
	shift
	echo "BENCH name=$_name $*"
}

# calc 'awk expression': prints its value.
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }

county_init() {
	_dir="$SCRATCH/$1"
	shift
	LIANDONG_SERVER_DIR="$_dir" "$LDS" init --county 共和县 \
		--listen 127.0.0.1:0 "$@" >"$_dir.init" 2>&1 ||
		{ cat "$_dir.init" >&2; return 1; }
}

county_serve() {
	_dir="$SCRATCH/$1"
	shift
	rm -f "$_dir.port"
	LIANDONG_SERVER_DIR="$_dir" "$LDS" serve --port-file "$_dir.port" "$@" \
		2>>"$_dir.log" &
	SERVER_PID=$!
	pids="$pids $SERVER_PID"
	wait_for 20 '[ -s "$_dir.port" ]' || return 1
	SERVER_URL="https://127.0.0.1:$(cat "$_dir.port")"
	SERVER_CA="$_dir/ca.pem"
}

county_stop() {
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	return 0
}

county_station() { # NAME ST UNIT
	_role=township
	case "$3" in 县*) _role=department ;; esac
	LIANDONG_SERVER_DIR="$SCRATCH/$1" "$LDS" station add --name "$2" \
		--unit "$3" --role "$_role" | tail -n 1
}

county_roster() { # NAME FILE
	: >"$SCRATCH/$1.codes"
	while read -r _st _unit; do
		printf '%s %s\n' "$_st" "$(county_station "$1" "$_st" "$_unit")" \
			>>"$SCRATCH/$1.codes" || return 1
	done <"$2"
}

# station_new DB ST UNIT NAME [URL]: a station database, enrolled on the
# county NAME (through URL, default the server's).
station_new() {
	_code=$(county_station "$4" "$2" "$3") || return 1
	"$LD" init --db "$1" --station "$2" --unit "$3" >/dev/null || return 1
	"$LD" enroll --db "$1" --ca "$SCRATCH/$4/ca.pem" -- "${5:-$SERVER_URL}" \
		"$_code" >/dev/null
}

# proxy LOG [faultproxy options]: (re)starts tests/tools/faultproxy in
# front of the server county_serve started last, logging to LOG, on the
# port it had before (any free one the first time; in $pport), the one
# before it stopped first. PROXY_PID is its pid.
proxy() {
	_log=$1
	shift
	[ -n "${PROXY_PID:-}" ] && { kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; }
	rm -f pport
	"$FP" --to "127.0.0.1:${SERVER_URL##*:}" --port "${pport:-0}" \
		--port-file pport --log "$_log" "$@" 2>>proxy.err &
	PROXY_PID=$!
	pids="$pids $PROXY_PID"
	wait_for 10 '[ -s pport ]' || return 1
	pport=$(cat pport)
}

peak_rss() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

pg_start() {
	PGBIN=$("$TOP/tests/tools/pg.sh" bindir) ||
		{ echo "bench: PostgreSQL is not installed (scripts/deps.sh)" >&2; return 1; }
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/bench-pg.XXXXXX")
	PG_ADMIN=$("$TOP/tests/tools/pg.sh" start "$PG_DIR" 2>"$SCRATCH/pg-start.log") ||
		{ cat "$SCRATCH/pg-start.log" >&2; return 1; }
}

psql_q() { "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

pg_store() {
	psql_q "$PG_ADMIN" -c "CREATE DATABASE $1" >&2 || return 1
	echo "${PG_ADMIN%/*}/$1"
}

# instance add refuses the first instance's own listen address: it is
# moved aside while the second is made.
county_instance() {
	sed -i 's/^listen = .*/listen = 127.0.0.1:1/' "$SCRATCH/$1/server.conf" &&
	LIANDONG_SERVER_DIR="$SCRATCH/$1" "$LDS" instance add \
		--listen 127.0.0.1:0 "$SCRATCH/$2" >"$SCRATCH/$2.add" 2>&1 &&
	sed -i 's/^listen = .*/listen = 127.0.0.1:0/' "$SCRATCH/$1/server.conf" ||
		{ cat "$SCRATCH/$2.add" >&2; return 1; }
}
