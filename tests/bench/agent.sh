#!/bin/sh
# The station agent, four figures, each against a plain SQLite baseline
# taken in the same run:
#  1. recording one event with a durable commit (p50, p99), on a station
#     already holding 10,000 events, against a one-row durable commit (the
#     fsync floor); and the whole `liandong liaison log` command;
#  2. `liandong case list` on a station with 100,000 cases (times
#     BENCH_SCALE), against the same query in plain SQLite;
#  3. pushing 100,000 events (times BENCH_SCALE) from a station, then
#     pulling them into a fresh one, each through a real sync, against
#     the raw insert ceiling of the same rows (the server's, the station's
#     events rows; and every row the push or pull writes: events, routes,
#     parties, stale marks; events, records, search rows);
#  4. re-folding every projection from 1,000,000 events (REFOLD_EVENTS),
#     against a plain scan of the same rows in fold order.
# AGENT_PARTS="2 3" runs only some of them; CASES_N, PULL_EVENTS and
# REFOLD_EVENTS change the sizes. PUSH_WRAP and PULL_WRAP, when set, are
# put before the push's and the pull's `liandong sync` (a profiler:
# PULL_WRAP="perf record -g -o $PWD/pull.data --"); KEEP=1 keeps the
# scratch directory.
. "$(dirname "$0")/lib.sh"

CASES=${CASES_N:-$((100000 * BENCH_SCALE))}
PULL=${PULL_EVENTS:-$((100000 * BENCH_SCALE))}
REFOLD=${REFOLD_EVENTS:-$((1000000 * BENCH_SCALE))}
field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$1" 2>/dev/null; }
# ratio A B: A / B, or nothing when a part that was not run left one empty.
ratio() { [ -n "$1" ] && [ -n "$2" ] && calc "$1 / $2"; }
part() { case " ${AGENT_PARTS:-1 2 3 4} " in *" $1 "*) return 0 ;; esac; return 1; }
cli= ncases= list_all= list_first= raw_list= list_50= list_search= list_filter=
pull_s= pull_eps= rawpull_eps= rawrows_eps= verify_s= pulled=
push_s= push_eps= rawpush_eps= rawpushall_eps=

# median SECONDS of five runs of a command (its output thrown away).
median5() {
	for _i in 1 2 3 4 5; do
		_t=$(now_ms)
		"$@" >/dev/null || return 1
		echo $(( $(now_ms) - _t ))
	done | sort -n | sed -n 3p | awk '{ printf "%.3f", $1 / 1000 }'
}

# 1. Recording.
if part 1; then
"$GEN" --seed 51 --count 10000 --stations 1 >rec.ndjson
"$LD" init --db rec.db --station st001 --unit 龙羊峡镇 >/dev/null || exit 1
"$SB" fill --db rec.db --events rec.ndjson >/dev/null || exit 1
"$SB" record --db rec.db --count 500 >record.out || exit 1
cli=$(for i in $(seq 1 30); do
	t=$(date +%s%N)
	"$LD" liaison log --db rec.db --type contact --summary "电话联络 $i" >/dev/null
	echo $(( ($(date +%s%N) - t) / 1000 ))
done | sort -n | sed -n 15p | awk '{ printf "%.2f", $1 / 1000 }')
fi

# 2. case list on 100,000 cases.
if part 2; then
"$GEN" --seed 52 --count $((CASES * 43 / 10)) --stations 1 >cases.ndjson
"$LD" init --db cases.db --station st001 --unit 龙羊峡镇 >/dev/null || exit 1
"$SB" fill --db cases.db --events cases.ndjson --kind case.opened \
	--tx 5000 >casefill.out || exit 1
ncases=$(field casefill.out events)
list_all=$(median5 "$LD" case list --db cases.db)
first_screen() { "$LD" case list --db cases.db | head -n 40; }
list_first=$(median5 first_screen)
list_50=$(median5 "$LD" case list --db cases.db --limit 50)
list_search=$(median5 "$LD" case list --db cases.db --search 排污口 --limit 50)
list_filter=$(median5 "$LD" case list --db cases.db --status open \
	--category 违法建设 --limit 50)
"$SB" rawlist --db cases.db >rawlist.out
raw_list=$(field rawlist.out secs)
fi

# 3. Push from a station, then pull into a fresh one, both through the
# real agent, TLS and server. The pushing station records the events
# itself (stationbench fill: its own clock, seq and chain), so that no
# event's time runs ahead of the server's: the generated clocks of
# 100,000 events span about a year from 2026-01-01, and the server
# refuses what leads its clock by more than an hour. Ceilings: the same
# rows inserted raw into the server's schema (push: events and routes,
# 500 a transaction) and into a station's (pull).
if part 3; then
"$GEN" --seed 53 --count "$PULL" --stations 1 --roster roster >pull.ndjson
county_init county --rules gonghe || exit 1
sed 1d roster >departments
county_roster county departments || exit 1
county_serve county || exit 1
station_new st001.db st001 龙羊峡镇 county || exit 1
"$SB" fill --db st001.db --events pull.ndjson --tx 5000 >pushfill.out || exit 1
t0=$(now_ms)
${PUSH_WRAP:-} "$LD" sync --db st001.db >push.out 2>push.err || { cat push.err >&2; exit 1; }
push_s=$(secs_since "$t0")
station_new fresh.db fresh 龙羊峡镇 county || exit 1
t0=$(now_ms)
${PULL_WRAP:-} "$LD" sync --db fresh.db >pull.out || exit 1
pull_s=$(secs_since "$t0")
county_stop
t0=$(now_ms)
"$LD" verify --db fresh.db --json >verify.out || exit 1
verify_s=$(secs_since "$t0")
pulled=$(sed -n 's/.*"events": *\([0-9]*\).*/\1/p' verify.out)
"$LD" init --db rawpull.db --station fresh --unit 龙羊峡镇 >/dev/null || exit 1
"$SB" rawpull --db rawpull.db --events pull.ndjson >rawpull.out || exit 1
"$LD" init --db rawrows.db --station fresh --unit 龙羊峡镇 >/dev/null || exit 1
"$SB" rawrows --db rawrows.db --from fresh.db >rawrows.out || exit 1
county_init raw --rules gonghe || exit 1
county_roster raw roster || exit 1
"$SB" rawserver --db raw/server.db --events pull.ndjson >rawpush.out || exit 1
county_init rawall --rules gonghe || exit 1
"$SB" rawserverrows --db rawall/server.db --from county/server.db \
	>rawpushall.out || exit 1
pull_eps=$(calc "$PULL / $pull_s")
push_eps=$(calc "$PULL / $push_s")
rawpull_eps=$(field rawpull.out events_per_s)
rawrows_eps=$(field rawrows.out events_per_s)
rawpush_eps=$(field rawpush.out events_per_s)
rawpushall_eps=$(field rawpushall.out events_per_s)
fi

# 4. Re-fold from a million events, written raw (a pull of them would
# take longer than the benchmark is given; the refold reads only events).
if part 4; then
"$GEN" --seed 54 --count "$REFOLD" --stations 8 >refold.ndjson
"$LD" init --db refold.db --station viewer --unit 县综合行政执法局 >/dev/null || exit 1
"$SB" rawpull --db refold.db --events refold.ndjson >/dev/null || exit 1
rm -f refold.ndjson
"$SB" refold --db refold.db >refold.out || exit 1
fi

cat <<TABLE
station agent
  record one event, durable    p50 $(field record.out p50_ms) ms, p99 $(field record.out p99_ms) ms
    one-row durable commit     p50 $(field record.out floor_p50_ms) ms, p99 $(field record.out floor_p99_ms) ms  (ratio p50 $(field record.out ratio_p50))
    the whole command          p50 $cli ms (liandong liaison log, process and all)
  case list, $ncases cases
    all of them                $list_all s   (plain SQLite query: $raw_list s, ratio $(ratio "$list_all" "$raw_list"))
    the first screen           $list_first s   (| head -n 40)
    --limit 50                 $list_50 s
    --search 排污口 --limit 50  $list_search s
    --status --category        $list_filter s
  push $PULL events from a station
    liandong sync              $push_s s, $push_eps events/s
    raw insert ceiling         $rawpush_eps events/s  (server rows; ratio $(ratio "$push_eps" "$rawpush_eps"))
    every row it writes, raw   $rawpushall_eps events/s  (events, routes, parties, stale marks; ratio $(ratio "$push_eps" "$rawpushall_eps"))
  pull them into a fresh station (${pulled:-?} events held after)
    liandong sync              $pull_s s, $pull_eps events/s
    raw insert ceiling         $rawpull_eps events/s  (ratio $(ratio "$pull_eps" "$rawpull_eps"))
    every row it writes, raw   $rawrows_eps events/s  (events, records, search rows; ratio $(ratio "$pull_eps" "$rawrows_eps"))
    liandong verify after it   $verify_s s
  re-fold every projection from $(field refold.out events) events ($(field refold.out entities) records)
    re-fold                    $(field refold.out secs) s, $(field refold.out events_per_s) events/s
    plain scan of the rows     $(field refold.out scan_secs) s  (ratio $(field refold.out ratio))
    re-fold validating events  $(field refold.out checked_secs) s  (ratio $(field refold.out checked_ratio))
    the same in CPU time       re-fold $(field refold.out cpu_secs) s, scan $(field refold.out scan_cpu_secs) s (ratio $(field refold.out cpu_ratio)), validating $(field refold.out checked_cpu_secs) s
TABLE
bench_line agent record_p50_ms="$(field record.out p50_ms)" \
	record_p99_ms="$(field record.out p99_ms)" \
	fsync_p50_ms="$(field record.out floor_p50_ms)" cli_p50_ms="$cli" \
	cases="$ncases" case_list_s="$list_all" case_list_raw_s="$raw_list" \
	case_list_first_s="$list_first" \
	case_list_50_s="$list_50" case_search_s="$list_search" \
	pull_events="$PULL" pull_s="$pull_s" pull_per_s="$pull_eps" \
	rawpull_per_s="$rawpull_eps" pull_ratio="$(ratio "$pull_eps" "$rawpull_eps")" \
	rawrows_per_s="$rawrows_eps" pull_rows_ratio="$(ratio "$pull_eps" "$rawrows_eps")" \
	push_s="$push_s" push_per_s="$push_eps" rawpush_per_s="$rawpush_eps" \
	push_ratio="$(ratio "$push_eps" "$rawpush_eps")" \
	rawpushall_per_s="$rawpushall_eps" push_rows_ratio="$(ratio "$push_eps" "$rawpushall_eps")" \
	verify_s="$verify_s" refold_events="$(field refold.out events)" \
	refold_s="$(field refold.out secs)" refold_scan_s="$(field refold.out scan_secs)" \
	refold_checked_s="$(field refold.out checked_secs)" \
	refold_cpu_s="$(field refold.out cpu_secs)" \
	refold_scan_cpu_s="$(field refold.out scan_cpu_secs)" \
	refold_cpu_ratio="$(field refold.out cpu_ratio)"
