#!/bin/sh
# Restoring the county server from a backup (issue 11; docs/operations.md,
# "Restoring"): what changed after the backup survives it, because
# credentials and the directory are journaled outside the database
# (server/journal.h); the stations converge again in a bounded number of
# syncs, each pushing again what the server lost of its own, and a
# station that holds other stations' events the server lost says so
# instead of pulling everything again at every sync.
# backends: sqlite — restores server.db from a backup file and replays the journal, which PostgreSQL has neither of
. "$(dirname "$0")/lib.sh"
test_plan 9

ANY="$BUILD/tests/tools/anykind"
start_server
PORT=$SERVER_PORT
add_station a 龙羊峡镇
add_station b 恰卜恰镇
add_station rv 河卡镇
refresh_directory a b rv
any() { "$ANY" "$SCRATCH/$1.db" case.opened --to 恰卜恰镇 >/dev/null; }
# syncj NAME: syncs; the report in NAME.sync.json.
syncj() { on "$1" sync --json >"$1.sync.json"; }

any a && any a && any a && syncj a && syncj b

test_expect_success 'backup makes a consistent copy while serving' '
	"$LDS" backup bk.db && test "$(stat -c %a bk.db)" = 600 &&
	test "$(sqlite3 bk.db "SELECT count(*) FROM events")" = 3
'

# After the backup: more events, a revocation, a declared unit, a station.
any a && any a && syncj a && syncj b
"$LDS" station revoke rv >/dev/null
"$LDS" unit add 县人民政府 --role government >/dev/null
add_station c 倒淌河镇
on c liaison log --type contact --summary 联络 >/dev/null
on c sync >/dev/null

test_expect_success 'before the restore: b holds a'"'"'s five events, c is enrolled, rv is revoked' '
	test "$(sqlite3 b.db "SELECT count(*) FROM events WHERE station=\"a\"")" = 5 &&
	test_must_fail on rv sync 2>/dev/null
'

# The restore: stop, put the backup in place of the database, start
# (logging warnings and errors only, from here on).
stop_server
cp bk.db "$LIANDONG_SERVER_DIR/server.db"
rm -f "$LIANDONG_SERVER_DIR/server.db-wal" "$LIANDONG_SERVER_DIR/server.db-shm"
echo "log_level = warn" >>"$LIANDONG_SERVER_DIR/server.conf"
grep -c "level=info" "$SCRATCH/server.log" >info.before
start_server --listen "127.0.0.1:$PORT"

test_expect_success 'the revocation survives the restore' '
	{ on rv sync 2>err; test $? = 8; } && test_grep "401" err &&
	"$LDS" station list --json >st.json &&
	jeq st.json "[s.status for s in d.stations if s.station == \"rv\"]" revoked
'

test_expect_success 'a station enrolled after the backup keeps working, its events pushed again' '
	on c sync >/dev/null &&
	test "$(sqlite3 "$LIANDONG_SERVER_DIR/server.db" "SELECT head_seq FROM stations WHERE name=\"c\"")" = 1
'

test_expect_success 'a unit declared after the backup is still in the directory' '
	"$LDS" unit list >units && test_grep 县人民政府 units &&
	test_grep "event=journal result=replayed" "$SCRATCH/server.log"
'

test_expect_success 'b, holding events the server lost, says so in a bounded number of requests' '
	syncj b 2>err && test_grep "holds 2 events the county server lacks" err &&
	jeq b.sync.json d.requests 2 &&
	on b status --json >bs.json && jeq bs.json d.beyond_server.count 2 &&
	jeq bs.json d.beyond_server.stations.a 2 &&
	on b status >bs && test_grep "lost there" bs
'

test_expect_success 'a second sync neither repeats the warning nor pulls everything again' '
	syncj b 2>err && test ! -s err &&
	jeq b.sync.json d.repaired false && jeq b.sync.json d.pulled 0 &&
	jeq b.sync.json "d.requests <= 2" true
'

test_expect_success 'a pushes again what the server lost; then every station converges' '
	syncj a && jeq a.sync.json d.pushed 2 && syncj b &&
	on b status --json >bs.json && jeq bs.json d.beyond_server.count 0 &&
	for s in a b c; do
		u=$(sqlite3 $s.db "SELECT value FROM meta WHERE key=\"unit\"")
		converged $s "$u" && on $s verify >/dev/null || exit 1
	done
'

test_expect_success 'log_level = warn leaves out the info lines; a bad level is refused' '
	test "$(grep -c "level=info" "$SCRATCH/server.log")" = "$(cat info.before)" &&
	sed "s/^log_level = warn/log_level = loud/" "$LIANDONG_SERVER_DIR/server.conf" >conf &&
	cp conf "$LIANDONG_SERVER_DIR/server.conf" &&
	{ "$LDS" station list 2>err; test $? = 5; } && test_grep "log_level must be" err
'

test_done
