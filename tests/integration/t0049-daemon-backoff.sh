#!/bin/sh
# liandong daemon does not hammer a county server that is away or says no
# (agent/cmd-sync.c, the daemon's states): after a failure it waits the
# backoff even with an urgent event pending; an urgent event recorded while
# the link is fine syncs at once; a refused token (401) stops every
# request until the token file changes (a re-enrolment, a file put back),
# said once in the log and shown by 'liandong status'; a 429 and a 422 are
# backed off like failures.
#
# Attempts are counted where they arrive: a faultproxy in front of the
# server logs each connection (the server itself down), the server logs
# each refused request; the daemon's log gives the times between them.
. "$(dirname "$0")/lib.sh"
test_plan 15

unset LIANDONG_NOW # the daemon's waits and the server's clock are real
FP="$BUILD/tests/tools/faultproxy"
CA="$LIANDONG_SERVER_DIR/ca.pem"

start_server --listen "127.0.0.1:0"
"$FP" --to "127.0.0.1:$SERVER_PORT" --port-file proxy.port --log proxy.log \
	2>proxy.err &
proxy=$!
test_when_finished "kill $proxy 2>/dev/null"
wait_for 10 '[ -s proxy.port ]' || exit 1
add_station lyx 龙羊峡镇 township "https://127.0.0.1:$(cat proxy.port)"
add_station qbq 恰卜恰镇

# count PATTERN FILE: lines of FILE matching PATTERN (0 when none).
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }

# gaps LOG PATTERN MIN: the daemon's log lines matching PATTERN are at
# least MIN seconds apart, each from the one before (the times are shown).
gaps() {
	python3 - "$@" <<-\EOF
	import datetime, re, sys
	log, pattern, least = sys.argv[1], sys.argv[2], float(sys.argv[3])
	times = [datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%fZ")
	         for line in open(log, encoding="utf-8") if re.search(pattern, line)
	         for m in [re.match(r"ts=(\S+)", line)]]
	d = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
	print("gaps:", " ".join("%.1f" % g for g in d))
	assert len(d) >= 1 and min(d) >= least, d
	EOF
}

# in_window LOG PATTERN SECONDS: how many lines matching PATTERN the log
# has within SECONDS of the first one.
in_window() {
	python3 - "$@" <<-\EOF
	import datetime, re, sys
	log, pattern, span = sys.argv[1], sys.argv[2], float(sys.argv[3])
	times = [datetime.datetime.strptime(re.match(r"ts=(\S+)", l).group(1),
	                                    "%Y-%m-%dT%H:%M:%S.%fZ")
	         for l in open(log, encoding="utf-8") if re.search(pattern, l)]
	print(sum(1 for t in times if (t - times[0]).total_seconds() < span))
	EOF
}

# last_span LOG PATTERN: seconds from the first matching line to the last.
last_span() {
	python3 - "$@" <<-\EOF
	import datetime, re, sys
	times = [datetime.datetime.strptime(re.match(r"ts=(\S+)", l).group(1),
	                                    "%Y-%m-%dT%H:%M:%S.%fZ")
	         for l in open(sys.argv[1], encoding="utf-8")
	         if re.search(sys.argv[2], l)]
	print(int((times[-1] - times[0]).total_seconds()) if times else 0)
	EOF
}

events_on_server() { # station
	"$LDS" station list --json | python3 -c "
import json,sys
print([s[\"events\"] for s in json.load(sys.stdin)[\"stations\"] if s[\"station\"] == \"$1\"][0])"
}

urgent_case() { # station [description]
	on "$1" case open --source patrol --category 违法建设 --location 查纳村 \
		--description "${2:-正在施工}" --urgent >/dev/null
}

LIANDONG_DB="$SCRATCH/lyx.db" "$LD" daemon --interval 1h --max-backoff 4s \
	2>daemon.log &
daemon=$!
test_when_finished "kill $daemon 2>/dev/null"

test_expect_success 'the daemon syncs once at start' '
	wait_for 10 "grep -q \"event=sync \" daemon.log"
'

# --- failing + urgent: the backoff is waited --------------------------------

stop_server
before=$(wc -l <proxy.log)
urgent_case lyx 服务器停机时

test_expect_success 'with the server down and an urgent event pending, attempts keep the backoff' '
	wait_for 40 "test \$(last_span daemon.log event=sync-failed) -ge 10" &&
	n=$(in_window daemon.log event=sync-failed 10) &&
	echo "attempts in the first 10 s: $n" &&
	test "$n" -ge 2 && test "$n" -le 6 &&
	gaps daemon.log event=sync-failed 1.8
'

test_expect_success 'the proxy saw no more connections than the daemon logged attempts' '
	logged=$(count event=sync-failed daemon.log) &&
	seen=$(($(wc -l <proxy.log) - before)) &&
	echo "logged $logged, connections $seen" &&
	test "$seen" -ge "$logged" && test "$seen" -le $((logged + 1))
'

test_expect_success 'each failure is logged with why' '
	test_grep "event=sync-failed failures=1 status=0 retry_in=[0-9]* error=\"cannot reach" daemon.log &&
	test "$(count event=urgent-sync daemon.log)" = 1
'

# --- back to ok: the backoff ends in a sync, an urgent event syncs at once --

start_server --listen "127.0.0.1:$SERVER_PORT"

test_expect_success 'when the server is back, the next attempt syncs the urgent event' '
	wait_for 15 "test \"\$(events_on_server lyx)\" = 1"
'

test_expect_success 'with the link fine, an urgent event syncs at once' '
	wait_for 10 "test \$(count \"event=sync \" daemon.log) -ge 2" &&
	urgent_case lyx 链路正常时 &&
	wait_for 5 "test \"\$(events_on_server lyx)\" = 2" &&
	test_grep event=urgent-sync daemon.log
'

# --- refused: a wrong token stops every request until the file changes -----

cp lyx.db.token good.token
printf 'lyx:%s\n' 0000000000000000000000000000000000000000000 >lyx.db.token

unauthorized() { count "event=sync result=unauthorized" server.log; }
base=$(unauthorized)
urgent_case lyx 令牌错误时

test_expect_success 'a token the server refuses is said once in the log' '
	wait_for 10 "grep -q event=token-refused daemon.log" &&
	test_grep "status=401 .*refused this station.s token (revoked?): re-enrol with .liandong enroll.; not retrying until the token changes" daemon.log &&
	test "$(unauthorized)" = $((base + 1))
'

test_expect_success 'and no request follows it, urgent events or not' '
	urgent_case lyx 令牌错误时又一起 &&
	test_must_fail wait_for 6 "test \$(unauthorized) -gt $((base + 1))" &&
	test "$(count event=token-refused daemon.log)" = 1 &&
	test "$(events_on_server lyx)" = 2
'

test_expect_success 'status says the token was refused, without asking the server' '
	on lyx status >st &&
	test_grep "token: .*refused this station.s token (revoked?)" st &&
	test_grep "not retrying until the token changes" st &&
	on lyx status --json >st.json && jeq st.json d.token_refused true &&
	test "$(unauthorized)" = $((base + 1))
'

test_expect_success 'the right token file put back: the daemon syncs again' '
	cp good.token lyx.db.token &&
	wait_for 10 "grep -q event=token-changed daemon.log" &&
	wait_for 10 "test \"\$(events_on_server lyx)\" = 4" &&
	on lyx status --offline --json >st.json && jeq st.json d.token_refused false
'

# --- refused: a revoked station -----------------------------------------------

test_expect_success 'a revoked token: one refused request, said in the log, then none' '
	"$LDS" station revoke lyx >/dev/null &&
	base=$(unauthorized) &&
	urgent_case lyx 撤销后 &&
	wait_for 10 "test \$(count event=token-refused daemon.log) = 2" &&
	urgent_case lyx 撤销后又一起 &&
	test_must_fail wait_for 6 "test \$(unauthorized) -gt $((base + 1))" &&
	test "$(unauthorized)" = $((base + 1)) &&
	on lyx status >st && test_grep "token: .*revoked" st &&
	kill -0 $daemon
'

kill $daemon 2>/dev/null
wait $daemon 2>/dev/null

base=$(unauthorized)
LIANDONG_DB="$SCRATCH/lyx.db" "$LD" daemon --interval 1h --max-backoff 4s \
	2>daemon2.log &
daemon2=$!
test_when_finished "kill $daemon2 2>/dev/null"

test_expect_success 'a daemon started on a refused token does not ask again' '
	wait_for 10 "grep -q event=token-refused daemon2.log" &&
	test_must_fail wait_for 3 "test \$(unauthorized) -gt $base"
'

test_expect_success 'once re-enrolled (station reissue, enroll), it syncs what waited' '
	"$LDS" station reissue lyx >lyx.code2 &&
	"$LD" enroll --db "$SCRATCH/lyx.db" --ca "$CA" -- \
		"https://127.0.0.1:$(cat proxy.port)" "$(tail -n 1 lyx.code2)" >/dev/null &&
	wait_for 10 "grep -q event=token-changed daemon2.log" &&
	wait_for 10 "test \"\$(events_on_server lyx)\" = 6" &&
	test "$(unauthorized)" = "$base" &&
	on lyx status --offline --json >st.json && jeq st.json d.token_refused false
'
kill $daemon2 2>/dev/null
wait $daemon2 2>/dev/null

# --- 429: the server throttles this address ----------------------------------

stop_server
start_server --listen "127.0.0.1:$SERVER_PORT" --max-auth-failures 3
LIANDONG_DB="$SCRATCH/qbq.db" "$LD" daemon --interval 1h --max-backoff 2m \
	2>qbq.log &
qbqd=$!
test_when_finished "kill $qbqd 2>/dev/null"

test_expect_success 'throttled (429): the daemon waits the throttle window, urgent event or not' '
	wait_for 10 "grep -q \"event=sync \" qbq.log" &&
	for i in 1 2 3 4; do
		curl -s -o /dev/null --cacert "$CA" \
			-H "Authorization: Bearer nobody:wrong$i" \
			"$SERVER_URL/v1/status" || exit 1
	done &&
	urgent_case qbq 限流时 &&
	wait_for 10 "grep -q \"event=sync-failed.*status=429\" qbq.log" &&
	retry=$(sed -n "s/.*status=429 retry_in=\([0-9]*\).*/\1/p" qbq.log) &&
	echo "retry in $retry s" && test "$retry" -ge 30 && test "$retry" -le 60 &&
	test_must_fail wait_for 4 "test \$(count status=429 qbq.log) -gt 1" &&
	test_grep ! event=token-refused qbq.log
'

kill $qbqd 2>/dev/null
wait $qbqd 2>/dev/null

# --- 422: the server refuses this station's clock ---------------------------

stop_server
start_server --listen "127.0.0.1:$SERVER_PORT"
ahead=$(date -u -d "+2 days" +%Y-%m-%dT%H:%M:%S+00:00)
LIANDONG_NOW=$ahead urgent_case qbq 时钟超前
LIANDONG_DB="$SCRATCH/qbq.db" "$LD" daemon --interval 1h --max-backoff 4s \
	2>qbq2.log &
qbqd=$!
test_when_finished "kill $qbqd 2>/dev/null"

test_expect_success 'a clock refused (422) is backed off like a failure' '
	wait_for 30 "test \$(count status=422 qbq2.log) -ge 3" &&
	gaps qbq2.log "event=sync-failed.*status=422" 1.8 &&
	n=$(count "station=qbq status=422" server.log) &&
	echo "422 answers: $n" && test "$n" -le $(($(count status=422 qbq2.log) + 1)) &&
	test "$(events_on_server qbq)" = 1
'

test_done
