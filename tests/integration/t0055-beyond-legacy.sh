#!/bin/sh
# What a station holds beyond the county server (events a restored server
# lost, t0029) is kept in one meta key, beyond_server. Databases written
# before kept its count twice, in beyond_count too, and when nothing was
# beyond any more reset only beyond_count to "0", leaving beyond_server
# as it was: such a database still reads right, and the first write
# retires the old key.
# backends: sqlite — the server loses events by restoring server.db from a backup file; what is tested is the station's meta
. "$(dirname "$0")/lib.sh"
test_plan 5

ANY="$BUILD/tests/tools/anykind"
start_server
PORT=$SERVER_PORT
add_station a 龙羊峡镇
add_station b 恰卜恰镇
refresh_directory a b
"$LDS" backup bk.db >/dev/null
"$ANY" "$SCRATCH/a.db" case.opened --to 恰卜恰镇 >/dev/null
"$ANY" "$SCRATCH/a.db" case.opened --to 恰卜恰镇 >/dev/null
on a sync >/dev/null && on b sync >/dev/null

# meta NAME KEY [VALUE]: reads (or sets) a key of station NAME's meta.
meta() {
	if [ $# -eq 3 ]; then
		sqlite3 "$SCRATCH/$1.db" "INSERT INTO meta(key, value) VALUES('$2', '$3')
			ON CONFLICT(key) DO UPDATE SET value=excluded.value"
	else
		sqlite3 "$SCRATCH/$1.db" "SELECT value FROM meta WHERE key='$2'"
	fi
}

# The state an older agent left once the server had everything again.
meta b beyond_server '{"count":5,"stations":{"a":5}}'
meta b beyond_count 0
test_expect_success 'an old database whose beyond_count is 0 reads as nothing beyond' '
	on b status --offline --json >bs.json &&
	jeq bs.json d.beyond_server.count 0 &&
	jeq bs.json "d.beyond_server.stations" "{}" &&
	on b status --offline >bs && test_grep ! "lost there" bs
'

meta b beyond_count 5
test_expect_success 'an old database with both keys reads its count and stations' '
	on b status --offline --json >bs.json &&
	jeq bs.json d.beyond_server.count 5 &&
	jeq bs.json d.beyond_server.stations.a 5
'
meta b beyond_count 0

# The server loses a's two events (restored from the backup).
stop_server
cp bk.db "$LIANDONG_SERVER_DIR/server.db"
rm -f "$LIANDONG_SERVER_DIR/server.db-wal" "$LIANDONG_SERVER_DIR/server.db-shm"
start_server --listen "127.0.0.1:$PORT"

test_expect_success 'the next sync keeps what it finds in beyond_server alone and retires the old key' '
	on b sync 2>err >/dev/null &&
	test_grep "holds 2 events the county server lacks" err &&
	on b status --offline --json >bs.json &&
	jeq bs.json d.beyond_server.count 2 &&
	jeq bs.json d.beyond_server.stations.a 2 &&
	test "$(meta b beyond_count)" = "" &&
	test "$(meta b beyond_server)" = "{\"count\":2,\"stations\":{\"a\":2}}"
'

test_expect_success 'a second sync does not warn again' '
	on b sync 2>err >/dev/null && test ! -s err
'

test_expect_success 'once a has pushed them again, nothing is beyond' '
	on a sync >/dev/null && on b sync >/dev/null &&
	on b status --offline --json >bs.json &&
	jeq bs.json d.beyond_server.count 0 &&
	test "$(meta b beyond_server)" = "{\"count\":0,\"stations\":{}}" &&
	test "$(meta b beyond_count)" = ""
'

test_done
