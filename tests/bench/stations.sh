#!/bin/sh
# Many stations: 5,000 stations (BENCH_STATIONS) and 10 departments sync
# at once against one county server (default 4 threads), each its whole
# sync on its own TLS connection: push its events and pull what its unit
# is owed, until the server says no more. genevents makes at most 1,000
# stations: those push 5 events each on average (5,000 in all, times
# BENCH_SCALE), and the others, given the same units in turn, have none of
# their own and pull only. Bounded: the run is given 300 seconds. Reports completed syncs,
# errors (goal: none; a 503 with Retry-After, waited out and sent again
# as the agent does, is counted apart), p50 and p99 of a whole sync's latency, and the
# server's peak memory (VmHWM from /proc). Enrolment happens before, 100
# at a time, and is not timed; each station keeps the TLS session its
# enrolment connection was handed and resumes it, as a station resumes
# the one its last sync kept (BENCH_RESUME=0: a full handshake for
# every station, as after a server restart). A connection whose connect
# or handshake times out (20 s, the agent's) is tried again after a
# random pause, as the agent does (agent/net.c): counted apart, no error
# unless its last try fails too. The load average is printed before and
# after the timed run (the machine is shared).
#
# BENCH_INSTANCES=2 (issue 19): the county on a throwaway PostgreSQL
# (tests/tools/pg.sh) and served by that many instances on it (instance
# add), the stations spread over them in turn by the load generator
# (station i on instance i mod n, its enrolment too); each instance's
# peak memory is reported.
#
# The server runs with server.conf as `init` writes it but for two
# limits that are a county's, not this bench's: max_connections (4,000;
# MHD divides it evenly among its threads, and which thread accepts a
# connection is not balanced, so it is set to the stations times the
# threads, 4) and max_connections_per_address (64: here every station
# comes from 127.0.0.1; past 64 at once MHD closes the connection before
# its handshake, "SSL connect error"), set to the same. The server raises
# its open files limit to the hard one itself, as loadgen does.
. "$(dirname "$0")/lib.sh"

S=${BENCH_STATIONS:-5000}
G=$((S < 1000 ? S : 1000))
N=$((5 * G * BENCH_SCALE))
"$GEN" --seed 41 --count "$N" --stations "$G" --roster roster >events.ndjson
# The stations past genevents' thousand, sx00001 on, in the units of the
# first ones in turn.
head -n "$G" roster | awk -v extra=$((S - G)) '
{ unit[NR] = $2 }
END { for (i = 1; i <= extra; i++) printf "sx%05d %s\n", i, unit[(i - 1) % NR + 1] }
' >>roster

I=${BENCH_INSTANCES:-1}
dirs=county
if [ "$I" -gt 1 ]; then
	pg_start || exit 1
	store=$(pg_store county) || exit 1
	county_init county --rules gonghe --store "$store" || exit 1
	k=2
	while [ $k -le "$I" ]; do
		county_instance county county-$k || exit 1
		dirs="$dirs county-$k"
		k=$((k + 1))
	done
else
	county_init county --rules gonghe || exit 1
fi
for d in $dirs; do
	sed -i -e "s/^max_connections = .*/max_connections = $((4 * (S + 10)))/" \
		-e "s/^max_connections_per_address = .*/max_connections_per_address = $((4 * (S + 10)))/" \
		$d/server.conf
done
county_roster county roster || exit 1
urls="" spids=""
for d in $dirs; do
	county_serve $d || exit 1
	urls="$urls --url $SERVER_URL"
	spids="$spids $SERVER_PID"
done
# every instance's peak memory, "A+B" KiB
rss_all() {
	_r=""
	for _p in $spids; do _r="$_r${_r:++}$(peak_rss "$_p")"; done
	echo "$_r"
}
# shellcheck disable=SC2086
"$LOADGEN" enroll $urls --ca "$SERVER_CA" --codes county.codes \
	--tokens tokens --parallel 100 >enroll.out 2>enroll.err ||
	{ cat enroll.err >&2; exit 1; }
rss0=$(rss_all)
resume=
[ "${BENCH_RESUME:-1}" = 1 ] || resume=--no-resume
# BENCH_LOCK=FILE: the timed run holds flock(1) on FILE, so that two
# benchmarks started side by side never time their runs at once.
lock=
[ -z "${BENCH_LOCK:-}" ] || lock="flock $BENCH_LOCK"
# shellcheck disable=SC2086
$lock sh -c 'cut -d" " -f1-3 /proc/loadavg >load0; exec "$@"' - "$LOADGEN" sync $urls --ca "$SERVER_CA" --tokens tokens \
	--events events.ndjson --dict "$DICT" --parallel "$((S + 10))" \
	--timeout 300 $resume >sync.out 2>sync.err
load1=$(loadavg)
load0=$(cat load0)
rss=$(rss_all)
for p in $spids; do
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
cat sync.err >&2

get() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" sync.out; }
cat <<TABLE
many stations ($S stations and 10 departments at once, $N events, $I instance(s)$([ "$I" -gt 1 ] && echo ", PostgreSQL"))
  completed syncs        $(get done) of $(get stations)
  errors                 $(get errors)   (goal: 0)
  requests               $(get requests) ($(get busy) answered 503 with Retry-After and sent again after it;
                         $(get busy_over) requests past the agent's bounds, common/proto.h)
  connect timeouts       $(get retried) tried again after a random pause
  TLS handshakes         $(get handshakes), of which resumed $(get resumed)
  events pushed / pulled $(get pushed) / $(get pulled)
  wall time              $(get secs) s
  whole sync p50 / p99   $(get p50_ms) / $(get p99_ms) ms
  server peak RSS        $rss KiB ($rss0 KiB after enrolment)
  load average           $load0 before, $load1 after
TABLE
bench_line stations instances="$I" stations="$(get stations)" done="$(get done)" \
	errors="$(get errors)" goal_errors=0 busy="$(get busy)" \
	busy_over="$(get busy_over)" retried="$(get retried)" \
	handshakes="$(get handshakes)" resumed="$(get resumed)" pushed="$(get pushed)" \
	pulled="$(get pulled)" secs="$(get secs)" p50_ms="$(get p50_ms)" \
	p99_ms="$(get p99_ms)" server_rss_kib="$rss" load="$(echo $load1 | tr " " /)"
