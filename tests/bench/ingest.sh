#!/bin/sh
# Server ingest: events per second through the real push path (HTTPS with
# TLS, zstd with the dictionary, validation, merge, audience routing,
# SQLite storage) against the raw ceiling: the same rows (events and one
# route per audience unit) inserted into the same schema by plain SQLite,
# 500 a transaction as the pushes are, in the same run.
#
# Eight stations push 40,000 events (times BENCH_SCALE) in batches of 500,
# all at once, with the county's departments pulling what is routed to
# them. Goal: at least 40% of the ceiling.
#
# PERF=1 records a profile of the server while it ingests (perf record
# -g), kept as $BUILD/bench/ingest.perf: `perf report -i` it.
. "$(dirname "$0")/lib.sh"

N=$((40000 * BENCH_SCALE))
"$GEN" --seed 11 --count "$N" --stations 8 --roster roster >events.ndjson

county_init county --rules gonghe || exit 1
county_roster county roster || exit 1
county_serve county --threads 4 || exit 1
"$LOADGEN" enroll --url "$SERVER_URL" --ca "$SERVER_CA" --codes county.codes \
	--tokens tokens >/dev/null 2>enroll.err || { cat enroll.err >&2; exit 1; }
if [ "${PERF:-0}" = 1 ]; then
	mkdir -p "$BUILD/bench"
	perf record -q -F 499 --call-graph dwarf,16384 -p "$SERVER_PID" -o "$BUILD/bench/ingest.perf" \
		2>perf.err &
	perf_pid=$!
	sleep 1 # perf attaches
fi
"$LOADGEN" sync --url "$SERVER_URL" --ca "$SERVER_CA" --tokens tokens \
	--events events.ndjson --dict "$DICT" --parallel 32 --timeout 900 \
	>push.out 2>push.err || { cat push.err >&2; exit 1; }
rss=$(peak_rss "$SERVER_PID")
if [ -n "${perf_pid:-}" ]; then
	kill -INT "$perf_pid"
	wait "$perf_pid"
fi
county_stop

# The ceiling: a fresh county with the same stations, plain inserts.
county_init raw --rules gonghe || exit 1
county_roster raw roster || exit 1
"$SB" rawserver --db raw/server.db --events events.ndjson >raw.out || exit 1

eps=$(sed -n 's/.* events_per_s=\([0-9.]*\).*/\1/p' push.out)
secs=$(sed -n 's/.* secs=\([0-9.]*\) .*/\1/p' push.out)
errors=$(sed -n 's/.* errors=\([0-9]*\) .*/\1/p' push.out)
ceil=$(sed -n 's/.* events_per_s=\([0-9.]*\).*/\1/p' raw.out)
ratio=$(calc "$eps / $ceil")
cat <<TABLE
server ingest ($N events, 8 stations pushing, 10 departments pulling)
  through HTTPS push     $(printf '%10.0f' "$eps") events/s  ($secs s, $errors errors)
  raw SQLite ceiling     $(printf '%10.0f' "$ceil") events/s
  ratio                  $ratio   (goal >= 0.40)
  server peak RSS        $rss KiB
TABLE
bench_line ingest events="$N" events_per_s="$eps" ceiling_per_s="$ceil" \
	ratio="$ratio" goal=0.40 errors="$errors" server_rss_kib="$rss"
