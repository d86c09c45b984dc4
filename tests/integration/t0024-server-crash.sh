#!/bin/sh
# The county server is killed with kill -9 while two stations push a
# backlog of 2000 events (1000 each, two batches apiece, at the same time),
# and restarted on the same directory and port: every batch the server
# acknowledged survived the crash, the syncs then complete, and nothing is
# lost or duplicated (server event count == station head, each event
# stored once, stations verify and converge).
#
# Each round starts again from the same snapshot (server directory and
# station databases, the backlog not yet pushed), kills the server twice
# at random moments of the push (the second time while the push resumes
# after the first restart), then lets the sync finish. The moments are
# spread over the time a clean push takes here, measured first (every
# other round the first kill counts from the first batch the server
# stored, within an eighth of that), and are reproducible from SEED (printed; SEED=N replays). CRASH_ROUNDS (default
# 10) sets the number of rounds. About 40 s here, 2 minutes under the
# sanitizers (recording the backlog is a third of it).
. "$(dirname "$0")/lib.sh"

SEED=${SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
ROUNDS=${CRASH_ROUNDS:-10}
test_plan $((4 + 2 * ROUNDS)) # two checks a round, four around them
BACKLOG=1000
echo "# SEED=$SEED (replay with SEED=$SEED)"

# enroll_station NAME UNIT: lib.sh's add_station, but with "--" before the
# code: one code in 64 starts with "-" and would be taken for an option.
enroll_station() {
	"$LDS" station add --name "$1" --unit "$2" >"$SCRATCH/$1.code" &&
	"$LD" init --db "$SCRATCH/$1.db" --station "$1" --unit "$2" >/dev/null &&
	"$LD" enroll --db "$SCRATCH/$1.db" --ca "$LIANDONG_SERVER_DIR/ca.pem" \
		-- "$SERVER_URL" "$(tail -n 1 "$SCRATCH/$1.code")" >/dev/null
}

# record NAME N: N liaison entries on station NAME.
record() { liaison_n "$1" 0 $(($2 - 1)) contact "联络 $1 %d"; }

# snapshot / restore: the server directory and both station databases
# (with their WAL files and tokens), taken and put back while no process
# has them open.
# snapshot and restore (the server stopped): the server's directory and
# the stations' databases copied and put back; on PostgreSQL the database
# too, as a copy made from it (CREATE DATABASE ... TEMPLATE).
pg_db() { sed -n 's/^db *= *//p' "$LIANDONG_SERVER_DIR/server.conf"; }
pg_admin() { psql -X -q -v ON_ERROR_STOP=1 "${1%/*}/postgres" -c "$2" >/dev/null; }
snapshot() {
	mkdir -p "$SCRATCH/snap" &&
	cp -a "$LIANDONG_SERVER_DIR" "$SCRATCH/snap/county" &&
	cp -a "$SCRATCH"/big1.db* "$SCRATCH"/big2.db* "$SCRATCH/snap/" || return 1
	if server_on_pg; then
		_db=$(pg_db) &&
		pg_admin "$_db" "CREATE DATABASE ${_db##*/}_snap TEMPLATE ${_db##*/}" &&
		test_when_finished "pg_admin \"$_db\" \"DROP DATABASE IF EXISTS ${_db##*/}_snap WITH (FORCE)\""
	fi
}

restore() {
	rm -rf "$LIANDONG_SERVER_DIR" "$SCRATCH"/big1.db* "$SCRATCH"/big2.db* &&
	cp -a "$SCRATCH/snap/county" "$LIANDONG_SERVER_DIR" &&
	cp -a "$SCRATCH"/snap/big*.db* "$SCRATCH/" || return 1
	if server_on_pg; then
		_db=$(pg_db) &&
		pg_admin "$_db" "DROP DATABASE ${_db##*/} WITH (FORCE)" &&
		pg_admin "$_db" "CREATE DATABASE ${_db##*/} TEMPLATE ${_db##*/}_snap"
	fi
}

# restart: the server again, on the port the stations enrolled with.
restart() {
	start_server --listen "127.0.0.1:$PORT" 2>/dev/null &&
	test "$SERVER_PORT" = "$PORT"
}

# crash MS [batch]: kill -9 the server MS milliseconds after both stations
# started syncing, or with "batch" MS after the server logged the first
# batch it stored in this push (so that the kill lands between a station's
# two batches: timed from the start alone, on a loaded machine most kills
# came before any batch was stored); their exit statuses go to codes (0 if
# done before the kill, 7 if the link went down under it; anything else is
# wrong).
crash() {
	_stored=$(grep -c " stored=[1-9]" "$SCRATCH/server.log")
	on big1 sync >"$SCRATCH/big1.out" 2>&1 &
	_p1=$!
	on big2 sync >"$SCRATCH/big2.out" 2>&1 &
	_p2=$!
	if [ "${2:-}" = batch ]; then
		_n=0
		while [ "$(grep -c " stored=[1-9]" "$SCRATCH/server.log")" -le "$_stored" ] &&
			[ $_n -lt 2000 ]; do
			sleep 0.01
			_n=$((_n + 1))
		done
	fi
	sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')"
	kill -9 "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
	wait $_p1
	_c1=$?
	wait $_p2
	echo "$_c1 $?" >"$SCRATCH/codes"
}

# delay R K: the K-th kill moment of round R, in ms: the first within the
# first four fifths of the time a clean push takes (its last fifth is
# mostly the answer on its way and the agent's commit, when a kill no
# longer interrupts anything), the second (the push resumed, shorter)
# within half of that.
delay() {
	awk -v s="$SEED" -v n=$((2 * $1 + $2)) -v span=$((SPAN * 4 / 5 / $2)) \
		'BEGIN { srand(s); for (i = 0; i < n; i++) x = rand(); printf "%d", x * span }'
}

# acked_survived: the server still holds every event it acknowledged to
# each station before the crash (its head >= the station's "acked").
acked_survived() {
	"$LDS" station list --json >"$SCRATCH/list.json" &&
	on big1 status --offline --json >"$SCRATCH/big1.st" &&
	on big2 status --offline --json >"$SCRATCH/big2.st" &&
	python3 - "$SCRATCH" <<-'EOF'
	import json, sys
	d = sys.argv[1]
	held = {s["station"]: s["events"] for s in json.load(open(d + "/list.json"))["stations"]}
	for n in ("big1", "big2"):
	    st = json.load(open(d + "/" + n + ".st"))
	    acked = st["events"] - st["pending"]
	    assert held[n] >= acked, "%s: the server acknowledged %d events but holds %d after the crash" % (n, acked, held[n])
	    print("# %s: acked %d, server holds %d" % (n, acked, held[n]))
	EOF
}

# intact: both stations hold their 1000 events once and everything of
# their unit once; the server holds each station's events once, its head
# equal to the station's.
intact() {
	"$LDS" station list --json >"$SCRATCH/list.json" &&
	on big1 log --json >"$SCRATCH/big1.log.json" &&
	on big2 log --json >"$SCRATCH/big2.log.json" &&
	on big1 status --offline --json >"$SCRATCH/big1.st" &&
	on big2 status --offline --json >"$SCRATCH/big2.st" &&
	for _s in big1 big2; do
		server_sql "SELECT count(*), count(DISTINCT seq), max(seq) FROM events
			WHERE station = \"$_s\"" >"$SCRATCH/$_s.server" || return 1
	done &&
	server_sql "SELECT count(*) FROM routes WHERE unit = \"龙羊峡镇\"" >"$SCRATCH/routes.server" &&
	python3 - "$SCRATCH" "$BACKLOG" <<-'EOF'
	import json, sys
	d, n = sys.argv[1], int(sys.argv[2])
	lst = {s["station"]: s for s in json.load(open(d + "/list.json"))["stations"]}
	for name in ("big1", "big2"):
	    evs = json.load(open(d + "/" + name + ".log.json"))["events"]
	    pairs = [(e["station"], e["seq"]) for e in evs]
	    assert len(set(pairs)) == len(pairs), name + " holds duplicates"
	    assert len(pairs) == 2 * n, "%s holds %d events, not %d" % (name, len(pairs), 2 * n)
	    own = sorted(s for st, s in pairs if st == name)
	    assert own == list(range(1, n + 1)), name + " lost own events"
	    st = json.load(open(d + "/" + name + ".st"))
	    assert st["events"] == n and st["pending"] == 0, st
	    assert lst[name]["events"] == n, "server head of %s is %d, station's %d" % (name, lst[name]["events"], n)
	    c, dc, mx = (int(x) if x else None
	        for x in open(d + "/" + name + ".server").read().strip().split("|"))
	    assert c == dc == mx == n, "server stores %d rows, %d seqs, max %s of %s" % (c, dc, mx, name)
	r = int(open(d + "/routes.server").read())
	assert r == 2 * n, "server routes %d events to the unit, not %d" % (r, 2 * n)
	EOF
}

start_server
PORT=$SERVER_PORT
enroll_station big1 龙羊峡镇
enroll_station big2 龙羊峡镇
test_expect_success "two stations record $BACKLOG events each, offline" '
	record big1 $BACKLOG & a=$!
	record big2 $BACKLOG & b=$!
	wait $a && wait $b
'
stop_server
snapshot

# sync_both: each station syncs, and then each again, so that both also
# pull what the other pushed. Bounded: at most 3 tries per station and
# pass.
sync_both() {
	for _pass in 1 2; do
		for _s in big1 big2; do
			_n=0
			until on $_s sync >"$SCRATCH/$_s.out" 2>&1; do
				_n=$((_n + 1))
				if [ $_n -ge 3 ]; then
					cat "$SCRATCH/$_s.out"
					return 1
				fi
			done
		done
	done
}

# codes_ok: each sync killed under ended with 0 (done before the kill) or
# 7 (server unreachable), never a refusal, a conflict or a crash.
codes_ok() {
	for _c in $(cat "$SCRATCH/codes"); do
		case $_c in
		0 | 7) ;;
		*)
			echo "a sync ended with exit $_c (seed $SEED):"
			cat "$SCRATCH/big1.out" "$SCRATCH/big2.out"
			return 1
			;;
		esac
	done
}

# Round 0, no crash, twice: measures how long pushing both backlogs at
# once takes here (sanitizer builds are slower; the first run is colder),
# to spread the kills over it.
clean_push() {
	restore && restart || return 1
	_t0=$(date +%s%N)
	on big1 sync >"$SCRATCH/big1.out" 2>&1 &
	_a=$!
	on big2 sync >"$SCRATCH/big2.out" 2>&1 &
	_b=$!
	wait $_a
	_c1=$?
	wait $_b
	_c2=$?
	_ms=$((($(date +%s%N) - _t0) / 1000000))
	if [ -z "${SPAN:-}" ] || [ $_ms -lt "$SPAN" ]; then
		SPAN=$_ms
	fi
	echo "$_c1 $_c2" >"$SCRATCH/codes"
}
SPAN=
clean_push
test_expect_success 'without a crash both backlogs go up in one sync each, in batches' '
	test "$(cat "$SCRATCH/codes")" = "0 0" &&
	test "$(grep -c "event=sync station=big1 status=200 pushed=500 stored=500" "$SCRATCH/server.log")" -eq 2 &&
	sync_both && intact
'
stop_server
clean_push
stop_server
echo "# a clean push of $((2 * BACKLOG)) events by two stations takes $SPAN ms here"

: >"$SCRATCH/rounds"
r=1
while [ $r -le "$ROUNDS" ]; do
	d1=$(delay $r 1)
	d2=$(delay $r 2)
	# Every other round, the first kill follows the first stored batch
	# within a tenth of the push (d1 scaled down), not the push's start.
	mode=start
	if [ $((r % 2)) -eq 0 ]; then
		mode=batch
		d1=$((d1 / 8))
	fi
	if ! { restore && restart; }; then
		test_expect_success "round $r: the server starts from the snapshot" 'false'
		break
	fi
	crash "$d1" $mode
	codes1=$(cat "$SCRATCH/codes")
	if ! restart; then
		test_expect_success "round $r: the server restarts after kill -9 on port $PORT" '
			tail -n 5 "$SCRATCH/server.log"; false'
		break
	fi
	test_expect_success "round $r: killed ${d1} ms after the push's $mode (exits $codes1); all it acknowledged survived" '
		codes_ok && acked_survived
	'
	"$LDS" station list --json >"$SCRATCH/list.json"
	heads=$(python3 -c "
import json; l = json.load(open('$SCRATCH/list.json'))['stations']
h = {s['station']: s['events'] for s in l}; print(h['big1'], h['big2'])")
	crash "$d2"
	codes2=$(cat "$SCRATCH/codes")
	if ! restart; then
		test_expect_success "round $r: the server restarts after the second kill -9" '
			tail -n 5 "$SCRATCH/server.log"; false'
		break
	fi
	echo "$r $d1 $codes1 $heads $d2 $codes2" >>"$SCRATCH/rounds"
	test_expect_success "round $r: killed again ${d2} ms into the resumed push (exits $codes2); then syncs complete, nothing lost or duplicated" '
		codes_ok && acked_survived && sync_both && intact &&
		on big1 verify >/dev/null && on big2 verify >/dev/null &&
		converged big1 龙羊峡镇 && converged big2 龙羊峡镇
	'
	stop_server
	r=$((r + 1))
done

# rounds: "round d1 code1 code2 head1 head2 d2 code1 code2"
echo "# round, kill 1 (ms, exits, server heads after), kill 2 (ms, exits):"
sed 's/^/#   /' "$SCRATCH/rounds"
test_expect_success 'the kills landed inside pushes: interrupted syncs, partial progress' '
	cat "$SCRATCH/rounds" &&
	test "$(wc -l <"$SCRATCH/rounds")" -eq "$ROUNDS" &&
	interrupted=$(awk "\$3 == 7 || \$4 == 7 || \$8 == 7 || \$9 == 7" "$SCRATCH/rounds" | wc -l) &&
	partial=$(awk "(\$5 > 0 && \$5 < $BACKLOG) || (\$6 > 0 && \$6 < $BACKLOG)" "$SCRATCH/rounds" | wc -l) &&
	echo "# $interrupted rounds interrupted a sync, $partial left a push half done" &&
	test "$interrupted" -ge $((ROUNDS / 2)) && test "$partial" -ge $((ROUNDS / 5))
'

test_expect_success 'the restarted server refused nothing: no fork, no gap, no error' '
	test_grep ! "status=4" "$SCRATCH/server.log" &&
	test_grep ! "status=5" "$SCRATCH/server.log"
'

[ "$test_failures" -gt 0 ] && echo "# failed with SEED=$SEED"
test_done
