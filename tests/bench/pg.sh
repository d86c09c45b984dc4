#!/bin/sh
# Ingest on PostgreSQL (issue 19): the same events pushed through the real
# path (HTTPS with TLS, zstd with the dictionary, validation, merge,
# audience routing, storage) into
#
#   - one instance on SQLite (as tests/bench/ingest.sh),
#   - one instance on PostgreSQL,
#   - two instances on one PostgreSQL database (instance add), the
#     stations spread over them in turn by the load generator,
#
# against PostgreSQL's own raw insert ceiling measured in the same run on
# the same PostgreSQL: the same rows (events, one route per audience
# unit) into the same schema by COPY through psql, 500 events a
# transaction as the pushes are. PostgreSQL is a throwaway one from
# tests/tools/pg.sh (loopback, fsync off, synchronous_commit off: the
# ceiling runs under the same settings).
#
# Eight stations push 40,000 events (times BENCH_SCALE) in batches of
# 500 at once, the county's ten departments pulling what is routed to
# them; every server runs 4 threads.
#
# PERF=1 records a profile of the whole machine (perf record -a -g)
# while the two instances ingest, kept as $BUILD/bench/pg-ingest.perf,
# and prints its share by process and the top symbols of each.
. "$(dirname "$0")/lib.sh"

N=${BENCH_EVENTS:-$((40000 * BENCH_SCALE))}
# Each push's times on PostgreSQL, logged by the store at its commit
# (store-pg.c, lock_times; a build before it ignores this): locktimes.
export LIANDONG_PG_LOCK_TIMES=1
"$GEN" --seed 11 --count "$N" --stations 8 --roster roster >events.ndjson
pg_start || exit 1
# BENCH_LOCK=FILE: each timed run holds flock(1) on FILE (stations.sh).
lock=
[ -z "${BENCH_LOCK:-}" ] || lock="flock $BENCH_LOCK"

# ingest NAME INSTANCES [init options]: a fresh county NAME served by
# INSTANCES instances, its stations enrolled, then the timed push; the
# loadgen line in NAME.out, the instances' peak RSS in NAME.rss ("A+B").
ingest() {
	_name=$1 _n=$2
	shift 2
	county_init "$_name" --rules gonghe "$@" || return 1
	_dirs=$_name _k=2
	while [ $_k -le "$_n" ]; do
		county_instance "$_name" "$_name-$_k" || return 1
		_dirs="$_dirs $_name-$_k"
		_k=$((_k + 1))
	done
	county_roster "$_name" roster || return 1
	_urls="" _spids=""
	for _d in $_dirs; do
		county_serve "$_d" --threads 4 || return 1
		_urls="$_urls --url $SERVER_URL"
		_spids="$_spids $SERVER_PID"
	done
	# shellcheck disable=SC2086
	"$LOADGEN" enroll $_urls --ca "$SERVER_CA" --codes "$_name.codes" \
		--tokens "$_name.tokens" >/dev/null 2>"$_name.enroll.err" ||
		{ cat "$_name.enroll.err" >&2; return 1; }
	if [ "${PERF:-0}" = 1 ] && [ "$_n" -gt 1 ]; then
		mkdir -p "$BUILD/bench"
		perf record -q -a -g -F 299 -o "$BUILD/bench/pg-ingest.perf" \
			2>perf.err &
		_perf=$!
		sleep 1 # perf attaches
	fi
	# The instances' send(2) calls while they ingest: one a statement
	# to PostgreSQL (libpq sends each whole), and their TLS writes.
	_stat=
	if command -v perf >/dev/null; then
		# shellcheck disable=SC2086
		perf stat -x, -e syscalls:sys_enter_sendto \
			-p "$(echo $_spids | tr ' ' ,)" -o "$_name.sends" 2>/dev/null &
		_stat=$!
		sleep 0.5
	fi
	# The cursor lock (store-pg.c, CURSOR_LOCK 7301962001) sampled from
	# pg_locks every 10 ms while the stations push, on PostgreSQL: one
	# line a sample, its time, whether the lock is held exclusive and
	# how many wait for it (lockstat, below, makes the time it is held
	# a push). It stops when NAME.stop appears (the shell's wait for
	# $! waits for the whole pipeline).
	_samp=
	rm -f "$_name.stop"
	case "$*" in *--store*)
		(while [ ! -e "$_name.stop" ]; do
			echo "SELECT extract(epoch FROM clock_timestamp()),"
			echo " count(*) FILTER (WHERE granted),"
			echo " count(*) FILTER (WHERE NOT granted) FROM pg_locks"
			echo " WHERE locktype='advisory' AND objsubid=1"
			echo " AND (classid::bigint << 32 | objid::bigint) = 7301962001"
			echo " AND mode='ExclusiveLock';"
			sleep 0.01
		done) | psql_q "${PG_ADMIN%/*}/postgres" -F ' ' >"$_name.locks" 2>&1 &
		_samp=$!
	esac
	date +%s.%N >"$_name.window"
	# shellcheck disable=SC2086
	$lock "$LOADGEN" sync $_urls --ca "$SERVER_CA" --tokens "$_name.tokens" \
		--events events.ndjson --dict "$DICT" --parallel 32 --timeout 900 \
		>"$_name.out" 2>"$_name.err" || { cat "$_name.err" >&2; return 1; }
	date +%s.%N >>"$_name.window"
	if [ -n "$_samp" ]; then
		touch "$_name.stop"
		wait "$_samp" 2>/dev/null
	fi
	if [ -n "$_stat" ]; then
		kill -INT "$_stat"
		wait "$_stat"
	fi
	if [ -n "${_perf:-}" ]; then
		kill -INT "$_perf"
		wait "$_perf"
		_perf=
	fi
	_r=""
	for _p in $_spids; do
		_r="$_r${_r:++}$(peak_rss "$_p")"
		kill "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	echo "$_r" >"$_name.rss"
}

load0=$(loadavg)
ingest lite 1 || exit 1
ingest pg1 1 --store "$(pg_store pg1)" || exit 1
ingest pg2 2 --store "$(pg_store pg2)" || exit 1

# The ceiling: a fresh county's schema on the same PostgreSQL, the same
# rows by COPY, 500 events a transaction (the script made before the
# clock starts).
county_init raw --rules gonghe --store "$(pg_store raw)" || exit 1
python3 - events.ndjson raw.sql <<'EOF' || exit 1
import csv, io, json, sys
src, dst = sys.argv[1], sys.argv[2]
out = open(dst, "w", encoding="utf-8")
cursor = route = 0
batch = []

def flush():
    global route
    if not batch:
        return
    ev, rt = io.StringIO(), io.StringIO()
    we, wr = csv.writer(ev, lineterminator="\n"), csv.writer(rt, lineterminator="\n")
    for c, e, raw in batch:
        we.writerow([c, e["station"], e["seq"], e["hlc"], e["kind"], e["entity"],
                     e["hash"], raw, 1767225600000])
        for u in e["audience"]:
            route += 1
            wr.writerow([route, u, c, e["entity"], e["station"]])
    out.write("BEGIN;\nCOPY events(cursor, station, seq, hlc, kind, entity, hash,"
              " raw, received_at) FROM STDIN (FORMAT csv);\n")
    out.write(ev.getvalue() + "\\.\n")
    out.write("COPY routes(id, unit, event, entity, station) FROM STDIN (FORMAT csv);\n")
    out.write(rt.getvalue() + "\\.\nCOMMIT;\n")
    batch.clear()

for line in open(src, encoding="utf-8"):
    line = line.rstrip("\n")
    if not line:
        continue
    cursor += 1
    batch.append((cursor, json.loads(line), line))
    if len(batch) == 500:
        flush()
flush()
EOF
# shellcheck disable=SC2016
$lock sh -c 't0=$(date +%s%3N); "$@" || exit 1; echo $(( $(date +%s%3N) - t0 )) >raw.ms' - \
	"$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "${PG_ADMIN%/*}/raw" -f raw.sql \
	>raw.out 2>&1 || { cat raw.out >&2; exit 1; }
raw_secs=$(awk "BEGIN { printf \"%.3f\", $(cat raw.ms) / 1000 }")
raw_n=$(psql_q "${PG_ADMIN%/*}/raw" -c "SELECT count(*) FROM events")
load1=$(loadavg)

get() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$1.out"; }
# sends NAME: the instances' send(2) calls per event pushed
sends() {
	awk -F, -v n="$(get "$1" pushed)" '/sys_enter_sendto/ { printf "%.1f", $1 / n }' \
		"$1.sends" 2>/dev/null
}
# lockstat NAME: from the samples taken while the stations pushed (the
# times in NAME.window), the share of the time the cursor lock was held
# exclusive, the mean number waiting for it, and the time it was held a
# push (of 500 events).
lockstat() {
	awk -v n="$(get "$1" pushed)" '
		FNR == NR { w[FNR] = $1; next }
		NF != 3 || $1 < w[1] || $1 > w[2] { next }
		{ if (t != "") { all += $1 - t; if (h > 0) held += $1 - t }
		  t = $1; h = $2; k++; wait += $3 }
		END { if (k < 2 || n == 0 || all == 0) { print "n/a"; exit }
			printf "held %.0f%% of %.1f s (%d samples), %.2f waiting, %.1f ms a push",
			100 * held / all, all, k, wait / k, 1000 * held / (n / 500) }' \
		"$1.window" "$1.locks" 2>/dev/null
}
# locktimes NAME: the mean of the times the instances of NAME logged for
# each push, in ms: deciding it (outside the lock), waiting for the lock,
# numbering, routing and the writes, then the pull and the commit.
locktimes() {
	cat "$1.log" "$1"-*.log 2>/dev/null | awk '
		/pg-lock-times/ { n++; for (i = 2; i <= 5; i++) {
			split($i, kv, "="); t[i] += kv[2] } }
		END { if (n == 0) { print "n/a (no times logged)"; exit }
			printf "outside %.1f, waiting %.1f, numbering %.1f, pull and commit %.1f ms a push (%d)",
			t[2] / n, t[3] / n, t[4] / n, t[5] / n, n }'
}
ceil=$(calc "$raw_n / $raw_secs")
cat <<TABLE
ingest on PostgreSQL ($N events, 8 stations pushing, 10 departments pulling; 4 threads an instance)
  one instance, SQLite        $(printf '%8.0f' "$(get lite events_per_s)") events/s  ratio to the PG ceiling $(calc "$(get lite events_per_s) / $ceil")  ($(get lite secs) s, $(get lite errors) errors, RSS $(cat lite.rss) KiB)
  one instance, PostgreSQL    $(printf '%8.0f' "$(get pg1 events_per_s)") events/s  ratio $(calc "$(get pg1 events_per_s) / $ceil")  ($(get pg1 secs) s, $(get pg1 errors) errors, RSS $(cat pg1.rss) KiB)
  two instances, PostgreSQL   $(printf '%8.0f' "$(get pg2 events_per_s)") events/s  ratio $(calc "$(get pg2 events_per_s) / $ceil")  ($(get pg2 secs) s, $(get pg2 errors) errors, RSS $(cat pg2.rss) KiB)
  sends to PostgreSQL and TLS, per event: SQLite $(sends lite), one on PG $(sends pg1), two on PG $(sends pg2)
  cursor lock, one on PG       $(lockstat pg1)
  cursor lock, two on PG       $(lockstat pg2)
  a push, one on PG            $(locktimes pg1)
  a push, two on PG            $(locktimes pg2)
  raw PostgreSQL ceiling      $(printf '%8.0f' "$ceil") events/s  (COPY, 500 a transaction: $raw_n events in $raw_secs s)
  two instances / one on SQLite   $(calc "$(get pg2 events_per_s) / $(get lite events_per_s)")
  two instances / one on PG       $(calc "$(get pg2 events_per_s) / $(get pg1 events_per_s)")
  load average                $load0 before, $load1 after
TABLE
if [ "${PERF:-0}" = 1 ]; then
	echo "profile of the two instances' run (perf report -i $BUILD/bench/pg-ingest.perf):"
	perf report -i "$BUILD/bench/pg-ingest.perf" --no-children --sort comm \
		--stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 8
	for c in liandong-server postgres loadgen; do
		echo "  top symbols of $c:"
		perf report -i "$BUILD/bench/pg-ingest.perf" --no-children --comm "$c" \
			--sort dso,sym --stdio 2>/dev/null | grep -v '^#' | grep '%' |
			head -n 12
	done
fi
bench_line pg events="$N" lite_per_s="$(get lite events_per_s)" \
	pg1_per_s="$(get pg1 events_per_s)" pg2_per_s="$(get pg2 events_per_s)" \
	pg_ceiling_per_s="$ceil" sends_per_event="$(sends lite)/$(sends pg1)/$(sends pg2)" pg2_ratio="$(calc "$(get pg2 events_per_s) / $ceil")" \
	errors="$(($(get lite errors) + $(get pg1 errors) + $(get pg2 errors)))" \
	load="$(echo $load1 | tr ' ' /)"
