#!/bin/sh
# The link breaks at random byte offsets during push and pull, at least 100
# times: every sync eventually completes with nothing lost or duplicated.
# Slow, stalled, truncated, half-closed and dropped links are survived too;
# a link that stalls past the agent's limit is given up on with exit 7.
#
# The faults come from tests/tools/faultproxy, put between the stations and
# the server on 127.0.0.1 (TLS is end to end through it). Its random cuts
# are reproducible: SEED is printed, and SEED=N replays a run.
# backends: sqlite — faults of the link between agent and server; its rounds count the cuts that land, which two copies at once (the passes run side by side) starve; the store's part is t0020's and t0024's
. "$(dirname "$0")/lib.sh"
test_plan 16

SEED=${SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "# SEED=$SEED (replay with SEED=$SEED)"
# The agent's stall and connect limits in seconds, for the stall checks
# (LIANDONG_STALL_TIMEOUT, read by agent/cmd-sync.c; a minute otherwise).
STALL=3

test_when_finished 'stop_proxy'

# record NAME N: N liaison entries on station NAME; NAME.n counts them all.
record() {
	liaison_n "$1" 0 $(($2 - 1)) contact "联络 $1 %d"
	_rc=$?
	echo $(($(cat "$SCRATCH/$1.n" 2>/dev/null || echo 0) + LIAISON_DONE)) \
		>"$SCRATCH/$1.n"
	return $_rc
}

# sync_retry NAME [ATTEMPTS]: syncs until one completes. A failed attempt
# must be "server unreachable" (7): the link broke, nothing was refused.
# Appends "NAME STATUS" per attempt to attempts.
sync_retry() {
	_n=0
	while [ $_n -lt "${2:-60}" ]; do
		_n=$((_n + 1))
		on "$1" sync >"$SCRATCH/$1.sync" 2>&1
		_st=$?
		echo "$1 $_st" >>"$SCRATCH/attempts"
		[ $_st -eq 0 ] && return 0
		if [ $_st -ne 7 ]; then
			echo "sync of $1 failed with exit $_st, not 7 (seed $SEED):"
			cat "$SCRATCH/$1.sync"
			return 1
		fi
	done
	echo "sync of $1 did not complete in $_n attempts (seed $SEED):"
	cat "$SCRATCH/$1.sync"
	return 1
}

# counted NAME UNIT: the station holds each of its NAME.n events once, and
# so does the server (its list, its table of events); the station holds
# exactly the events the server routes to its unit, each once.
counted() {
	"$LDS" station list --json >"$SCRATCH/list.json" &&
	on "$1" log --json >"$SCRATCH/$1.log.json" &&
	on "$1" status --offline --json >"$SCRATCH/$1.status.json" &&
	server_sql "SELECT count(*), count(DISTINCT seq), max(seq) FROM events
		WHERE station = \"$1\"" >"$SCRATCH/$1.server" &&
	server_sql "SELECT count(*) FROM routes WHERE unit = \"$2\"" >>"$SCRATCH/$1.server" &&
	python3 - "$1" "$2" "$(cat "$SCRATCH/$1.n")" "$SCRATCH" <<-'EOF'
	import json, sys
	name, unit, n, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
	evs = json.load(open(d + "/" + name + ".log.json"))["events"]
	pairs = [(e["station"], e["seq"]) for e in evs]
	assert len(set(pairs)) == len(pairs), "station holds duplicates"
	own = sorted(s for st, s in pairs if st == name)
	assert own == list(range(1, n + 1)), \
	    "station holds %d own events, recorded %d" % (len(own), n)
	stt = json.load(open(d + "/" + name + ".status.json"))
	assert stt["events"] == n and stt["pending"] == 0, stt
	lst = {s["station"]: s for s in json.load(open(d + "/list.json"))["stations"]}
	assert lst[name]["events"] == n, \
	    "server lists %d events for %s, recorded %d" % (lst[name]["events"], name, n)
	rows = open(d + "/" + name + ".server").read().split()
	c, dc, mx = (int(x) if x else None for x in rows[0].split("|"))
	assert c == dc == mx == n, "server table: %d rows, %d seqs, max %s; recorded %d" % (c, dc, mx, n)
	r = int(rows[1])
	assert r == len(evs), "server routes %d events to %s, station holds %d" % (r, unit, len(evs))
	EOF
}

# enroll_station NAME UNIT URL: lib.sh's add_station, but with "--" before
# the code: one code in 64 starts with "-" and would be taken for an option.
enroll_station() {
	"$LDS" station add --name "$1" --unit "$2" >"$SCRATCH/$1.code" &&
	"$LD" init --db "$SCRATCH/$1.db" --station "$1" --unit "$2" >/dev/null &&
	"$LD" enroll --db "$SCRATCH/$1.db" --ca "$LIANDONG_SERVER_DIR/ca.pem" \
		-- "$3" "$(tail -n 1 "$SCRATCH/$1.code")" >/dev/null
}

start_server
start_proxy enroll
PROXY_URL="https://127.0.0.1:$(cat "$SCRATCH/proxy.fixed")"
enroll_station lyx 龙羊峡镇 "$PROXY_URL"
enroll_station lyx2 龙羊峡镇 "$PROXY_URL"
enroll_station qbq 恰卜恰镇 "$PROXY_URL"
stop_proxy

test_expect_success 'three stations enroll through the proxy, TLS verified end to end' '
	test "$PROXY_URL" != "$SERVER_URL" &&
	test "$(grep -c "fault=none" "$SCRATCH/proxy-enroll.log")" -ge 3 &&
	on lyx status --offline --json >st.json &&
	test_grep "\"server\": \"$PROXY_URL\"" st.json
'

test_expect_success 'stations record a backlog offline (300, 200 and 600 events)' '
	record lyx 300 & a=$!
	record lyx2 200 & b=$!
	record qbq 600 & c=$!
	wait $a && wait $b && wait $c
'

# Round 1 moves the backlogs (qbq's in two batches) through cuts anywhere
# in 40 kB; later rounds add a few events per station and cut within 1.2,
# 1.6 or 2.5 kB: a small sync on a resumed TLS session moves some 1,050
# bytes up and 370-710 down, so the handshake, the request and the answer
# all get hit (with 4 kB most cuts fell past the end: 84 in 60 rounds). Rounds go on until
# 120 cuts landed (at most 60 rounds), then a last pass lets every
# station pull what the others pushed after its sync.
test_expect_success 'syncs through 100+ random resets all complete, each retried until done' '
	round=0
	: >"$SCRATCH/rounds"
	while :; do
		round=$((round + 1))
		cuts=$(cat "$SCRATCH"/proxy-random.log 2>/dev/null | grep -c "fault=reset")
		if [ $round -gt 60 ] || { [ $round -gt 3 ] && [ "$cuts" -ge 120 ]; }; then
			break
		fi
		case $((round % 3)) in
		0) max=1200 ;; 1) max=1600 ;; 2) max=2500 ;;
		esac
		[ $round -eq 1 ] && max=40000
		echo "round $round max $max seed $((SEED + round))" >>"$SCRATCH/rounds"
		start_proxy random --random-reset $max --seed $((SEED + round)) || exit 1
		if [ $round -gt 1 ]; then
			for s in lyx lyx2 qbq; do record $s 4 || exit 1; done
		fi
		for s in lyx lyx2 qbq; do
			sync_retry $s || { echo "round $round max $max"; exit 1; }
		done
	done &&
	start_proxy random --random-reset 4000 --seed $((SEED + 1000)) &&
	for s in lyx lyx2 qbq; do sync_retry $s || exit 1; done &&
	stop_proxy &&
	echo "# $round rounds, $(wc -l <"$SCRATCH/attempts") sync attempts," \
		"$(grep -c " 7$" "$SCRATCH/attempts") broken"
'
echo "# $(cat "$SCRATCH/rounds" 2>/dev/null | wc -l) rounds," \
	"$(cat "$SCRATCH/attempts" 2>/dev/null | wc -l) sync attempts," \
	"$(grep -c " 7$" "$SCRATCH/attempts" 2>/dev/null) broken," \
	"$(grep -c "fault=reset" "$SCRATCH/proxy-random.log" 2>/dev/null) links cut"

test_expect_success 'the proxy really cut links, at least 100 times, both ways' '
	log="$SCRATCH/proxy-random.log" &&
	cuts=$(grep -c "fault=reset" "$log") &&
	up=$(grep -c "fault=reset dir=up" "$log") &&
	down=$(grep -c "fault=reset dir=down" "$log") &&
	echo "# $(wc -l <"$log") connections, $cuts cut ($up up, $down down)" &&
	test "$cuts" -ge 100 && test "$up" -ge 10 && test "$down" -ge 10 &&
	test "$(grep -c " 7$" "$SCRATCH/attempts")" -ge 50
'

test_expect_success 'answers lost after the server stored a push were re-sent harmlessly' '
	resent=$(grep "event=sync" "$SCRATCH/server.log" | grep -v " pushed=0 " |
		grep -c " stored=0 ") &&
	echo "# $resent pushes re-sent after their answer was lost" &&
	test "$resent" -ge 3
'

test_expect_success 'every station verifies after the cuts' '
	for s in lyx lyx2 qbq; do on $s verify >/dev/null || exit 1; done
'

test_expect_success 'every station converged with the server' '
	converged lyx 龙羊峡镇 && converged lyx2 龙羊峡镇 && converged qbq 恰卜恰镇
'

test_expect_success 'nothing lost or duplicated: each event once at its station and the server' '
	counted lyx 龙羊峡镇 && counted lyx2 龙羊峡镇 && counted qbq 恰卜恰镇
'

# --- slow, stalled, truncated, half-closed and dropped links -------------

test_expect_success 'a slow link (100 ms each way, 4 kB/s) still syncs, and is slow' '
	record lyx 60 &&
	start_proxy slow --latency 100 --rate 4000 &&
	t0=$(date +%s%N) &&
	on lyx sync >/dev/null && on lyx2 sync >/dev/null &&
	t1=$(date +%s%N) &&
	echo "# two syncs took $(((t1 - t0) / 1000000)) ms" &&
	test $(((t1 - t0) / 1000000)) -ge 1500 &&
	counted lyx 龙羊峡镇 && converged lyx2 龙羊峡镇
'

# The answer lyx2 pulls (60 events, some 3 kB) stalls after the handshake.
test_expect_success 'a link that stalls a while, within the agent limit, still syncs' '
	record lyx 60 &&
	start_proxy clean && on lyx sync >/dev/null &&
	start_proxy stall-short --stall-after 1500 --stall-for 1500 --dir down &&
	t0=$(date +%s%N) &&
	LIANDONG_STALL_TIMEOUT=$STALL on lyx2 sync >/dev/null &&
	t1=$(date +%s%N) &&
	wait_for 10 "grep -q stalls=1 \"\$SCRATCH/proxy-stall-short.log\"" &&
	test $(((t1 - t0) / 1000000)) -ge 1400 &&
	converged lyx2 龙羊峡镇
'

test_expect_code 7 'a link stalled past the agent limit is given up on: exit 7, in bounded time' '
	record lyx 60 && start_proxy clean && on lyx sync >/dev/null &&
	start_proxy stall --stall-after 1500 --dir down || exit 1
	t0=$(date +%s%N)
	LIANDONG_STALL_TIMEOUT=$STALL on lyx2 sync
	st=$?
	t1=$(date +%s%N)
	echo "# gave up after $(((t1 - t0) / 1000000)) ms"
	wait_for 10 "grep -q stalls=1 \"\$SCRATCH/proxy-stall.log\"" || exit 1
	test $(((t1 - t0) / 1000000)) -ge $((STALL * 1000)) || exit 1
	test $(((t1 - t0) / 1000000)) -lt $((STALL * 1000 + 15000)) || exit 1
	exit $st
'

test_expect_success 'after the stall the station says why, and the next sync completes' '
	on lyx2 status --offline --json >st.json &&
	test_grep "cannot reach" st.json &&
	start_proxy clean && on lyx2 sync >/dev/null &&
	counted lyx 龙羊峡镇 && counted lyx2 龙羊峡镇 && converged lyx2 龙羊峡镇
'

# Again lyx2 pulls 80 events (some 4 kB): the answer is cut short.
test_expect_success 'answers truncated or half-closed mid-way: exit 7, then a clean sync' '
	record lyx 80 && start_proxy clean && on lyx sync >/dev/null &&
	start_proxy truncate --truncate-after 1800 &&
	{ on lyx2 sync >out 2>&1; test $? -eq 7 || { cat out; exit 1; }; } &&
	start_proxy half-close --half-close-after 1800 &&
	{ on lyx2 sync >out 2>&1; test $? -eq 7 || { cat out; exit 1; }; } &&
	# The proxy logs a connection when both its ends are closed, which
	# may be after the agent has given up.
	wait_for 10 "grep -q fault=truncate \"\$SCRATCH/proxy-truncate.log\"" &&
	wait_for 10 "grep -q fault=half-close \"\$SCRATCH/proxy-half-close.log\"" &&
	start_proxy clean && on lyx2 sync >/dev/null &&
	counted lyx2 龙羊峡镇 && converged lyx2 龙羊峡镇
'

test_expect_success 'with every second connection dropped, syncs complete by retrying' '
	record lyx 10 && record lyx2 10 && record qbq 10 &&
	start_proxy drop --drop-every 2 &&
	for s in lyx lyx2 qbq lyx lyx2 qbq; do sync_retry $s 4 || exit 1; done &&
	test "$(grep -c "fault=drop" "$SCRATCH/proxy-drop.log")" -ge 2 &&
	counted lyx 龙羊峡镇 && counted lyx2 龙羊峡镇 && counted qbq 恰卜恰镇 &&
	converged lyx 龙羊峡镇 && converged lyx2 龙羊峡镇 && converged qbq 恰卜恰镇
'

test_expect_success 'every replica still verifies' '
	for s in lyx lyx2 qbq; do on $s verify >/dev/null || exit 1; done
'

test_expect_success 'through all of it the server refused nothing and failed nothing' '
	test_grep ! "status=4" "$SCRATCH/server.log" &&
	test_grep ! "status=5" "$SCRATCH/server.log"
'

[ "$test_failures" -gt 0 ] && echo "# failed with SEED=$SEED"
test_done
