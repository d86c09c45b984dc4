#!/bin/sh
# The county dashboard on years of data (issue 17): how long the
# overview (the report of a month and of a year, through `report --json`
# and through GET /dash/api/report) and a drill-down (GET
# /dash/api/records) take on a county of 100,000 events times
# BENCH_SCALE (BENCH_SCALE=10: 1,000,000 events, about ten years of a
# county's records as genevents makes them), against the floor measured
# in the same run: a plain scan of the events table by SQLite (every
# event's text read once, nothing parsed).
#
# The events are put in the server's database as the ingest
# benchmark's ceiling puts them (stationbench rawserver: the server's
# schema, its events and routes), not pushed: what is measured is the
# reading.
. "$(dirname "$0")/lib.sh"

N=${BENCH_EVENTS:-$((100000 * BENCH_SCALE))}
PW=bench-password-2026
"$GEN" --seed 17 --count "$N" --stations 20 --roster roster >events.ndjson

county_init county --rules gonghe || exit 1
county_roster county roster || exit 1
"$SB" rawserver --db county/server.db --events events.ndjson >raw.out || exit 1
export LIANDONG_SERVER_DIR="$SCRATCH/county"

# The month and year of the events' middle (China Standard Time).
mid=$(sed -n "$((N / 2 + 1))p" events.ndjson | sed 's/^{"at":\([0-9]*\).*/\1/')
MONTH=$(TZ=Asia/Shanghai date -d "@$((mid / 1000))" +%Y-%m)
YEAR=${MONTH%-*}
UNIT=$(sed -n 1p roster | cut -d' ' -f2)

# timed OUT CMD...: runs CMD, stdout to OUT; prints the seconds.
timed() {
	_out=$1
	shift
	_t0=$(now_ms)
	"$@" >"$_out" 2>>timed.err || { cat timed.err >&2; return 1; }
	secs_since "$_t0"
}

scan=$(timed scan.out sqlite3 county/server.db \
	"SELECT count(*), sum(length(raw)) FROM events") || exit 1
events=$(cut -d'|' -f1 scan.out)
# The first report on a database filled without the server (rawserver
# writes the events table, not the stored projections) rebuilds them
# (docs/architecture.md, "The county's projections"): timed apart, with
# a period that counts nothing.
rebuild=$(timed rebuild.json "$LDS" report --period 2000-01 --json) || exit 1
month=$(timed month.json "$LDS" report --period "$MONTH" --json) || exit 1
year=$(timed year.json "$LDS" report --period "$YEAR" --json) || exit 1
entities=$(sqlite3 county/server.db "SELECT count(DISTINCT entity) FROM events")

county_serve county || exit 1
rss0=$(peak_rss "$SERVER_PID")
echo "$PW" | "$LDS" user add bench --role bureau --unit 县综合行政执法局 >/dev/null || exit 1
curl -sS --cacert "$SERVER_CA" -c jar -o login.json -H "Origin: $SERVER_URL" \
	-H 'Content-Type: application/json' \
	--data "{\"account\": \"bench\", \"password\": \"$PW\"}" \
	"$SERVER_URL/dash/login" || exit 1
CSRF=$(sed -n 's/.*"csrf": "\([0-9a-f]*\)".*/\1/p' login.json)
dash() {
	curl -sS -f --cacert "$SERVER_CA" -b jar -H "X-CSRF-Token: $CSRF" \
		"$SERVER_URL$1"
}
q_unit=$(printf '%s' "$UNIT" | od -An -tx1 | tr -d ' \n' | sed 's/\(..\)/%\1/g')
http_month=$(timed http-month.json dash "/dash/api/report?period=$MONTH") || exit 1
http_year=$(timed http-year.json dash "/dash/api/report?period=$YEAR") || exit 1
drill=$(timed drill.json dash "/dash/api/records?period=$MONTH&table=cases.by_unit&key=$q_unit&figure=opened") || exit 1
record=$(sed -n 's/.*"entity": "\([^"]*\)".*/\1/p' drill.json | head -n 1)
one=$(timed record.json dash "/dash/api/record/$record") || exit 1
rss=$(peak_rss "$SERVER_PID")
county_stop
opened=$(sed -n 's/.*"total": \([0-9]*\),*$/\1/p' drill.json | head -n 1)

cat <<TABLE
the county dashboard on $events events ($entities records), $MONTH and $YEAR
  plain scan of the events table   $(printf '%8s' "$scan") s   (the floor)
  first report: rebuild projections $(printf '%8s' "$rebuild") s   $(calc "$rebuild / $scan") x the scan
  report --period $MONTH --json    $(printf '%8s' "$month") s   $(calc "$month / $scan") x the scan
  report --period $YEAR --json       $(printf '%8s' "$year") s   $(calc "$year / $scan") x the scan
  overview over HTTPS, a month     $(printf '%8s' "$http_month") s
  overview over HTTPS, a year      $(printf '%8s' "$http_year") s
  drill-down (cases opened by $UNIT, $opened records)  $(printf '%8s' "$drill") s
  one record and its timeline      $(printf '%8s' "$one") s
  server peak RSS                  $rss KiB (after start $rss0 KiB)
TABLE
bench_line dashboard events="$events" records="$entities" scan_s="$scan" \
	rebuild_s="$rebuild" \
	report_month_s="$month" report_year_s="$year" http_month_s="$http_month" \
	http_year_s="$http_year" drill_s="$drill" record_s="$one" server_rss_kib="$rss"
