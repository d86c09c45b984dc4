#!/bin/sh
# Slow link: a station with a backlog of 10,000 events syncs through a
# 64 kbit/s link (tests/tools/faultproxy --rate 8000 bytes/s each way,
# LATENCY_MS each way, default 100) that breaks three times: each of the
# first three connections is reset after 150,000 bytes upstream. The
# station runs `liandong sync` again after each failure (exit 7), as its
# daemon would, until one completes.
#
# Against the link's minimum: the bytes that crossed it (every
# connection, the broken ones included, the fuller direction) divided by
# the bandwidth; and, stricter, the floor of the same events (zstd -19
# with the dictionary) divided by the bandwidth. Goal: within 1.3x of the
# link's minimum.
. "$(dirname "$0")/lib.sh"

N=$((10000 * BENCH_SCALE))
RATE=8000
LATENCY_MS=${LATENCY_MS:-100}
CUT=150000
"$GEN" --seed 31 --count "$N" --stations 1 >events.ndjson

county_init county --rules gonghe || exit 1
county_serve county || exit 1

# A clean proxy for the enrolment, then the slow one on the same port.
proxy enroll.log || exit 1
station_new st.db st001 龙羊峡镇 county "https://127.0.0.1:$pport" || exit 1
county_station county rx-1 县综合行政执法局 >/dev/null
"$LD" sync --db st.db >/dev/null || exit 1
kill "$PROXY_PID"
wait "$PROXY_PID" 2>/dev/null
"$SB" fill --db st.db --events events.ndjson >/dev/null || exit 1
"$SB" own --db st.db >backlog.ndjson
floor=$(zstd -19 -q -c -D "$DICT" backlog.ndjson | wc -c)

proxy slow.log --rate "$RATE" --latency "$LATENCY_MS" --reset-after "$CUT" \
	--dir up --faulty-conns 3 || exit 1
t0=$(now_ms)
attempts=0
status=1
while [ "$attempts" -lt 20 ] && [ "$(( $(now_ms) - t0 ))" -lt 1800000 ]; do
	attempts=$((attempts + 1))
	"$LD" sync --db st.db >sync.out 2>sync.err
	status=$?
	[ "$status" -eq 0 ] && break
	[ "$status" -eq 7 ] || { cat sync.err >&2; break; }
done
wall=$(secs_since "$t0")
kill "$PROXY_PID"
wait "$PROXY_PID" 2>/dev/null
[ "$status" -eq 0 ] || { echo "slowlink: sync did not complete" >&2; exit 1; }

up=$(awk '{ sub(/.*up=/, ""); s += $1 } END { print s }' slow.log)
down=$(awk '{ sub(/.*down=/, ""); s += $1 } END { print s }' slow.log)
broken=$(grep -c 'fault=reset' slow.log)
linkmin=$(calc "($up > $down ? $up : $down) / $RATE")
floormin=$(calc "$floor / $RATE")
ratio=$(calc "$wall / $linkmin")
fratio=$(calc "$wall / $floormin")
cat <<TABLE
slow link ($N events, $RATE bytes/s each way, ${LATENCY_MS} ms each way, 3 breaks)
  sync attempts           $attempts ($broken connections broken)
  bytes up / down         $up / $down
  wall time               $wall s
  link minimum            $linkmin s  (fuller direction / bandwidth)
  floor minimum           $floormin s  ($floor bytes: zstd -19 with the dictionary)
  ratio to link minimum   $ratio   (goal <= 1.30)
  ratio to floor minimum  $fratio
TABLE
bench_line slowlink events="$N" rate="$RATE" latency_ms="$LATENCY_MS" \
	attempts="$attempts" broken="$broken" up="$up" down="$down" \
	wall_s="$wall" link_min_s="$linkmin" ratio="$ratio" goal=1.30 \
	floor_min_s="$floormin" floor_ratio="$fratio"
