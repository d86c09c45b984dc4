#!/bin/sh
# A confidential attachment a server older than the confidential column
# stored (issue 18): such a server kept it from everyone (an interim
# quarantine) but in plain text. The upgrade seals it at the next start,
# once (meta confidential_sealed), without waiting for a key rotation;
# the sealed event is served as before. The old database is made by hand
# from a new one: the event's text put back in plain, the column dropped,
# the schema's version set back to 7 (store-sqlite.c's migration 8 adds
# the column); then the same on PostgreSQL (a throwaway one,
# tests/tools/pg.sh; its schema set back to 2, store-pg.c's migration 3
# adding the column, 4 the attachments' tables), whose checks fail in CI when its binaries are
# missing, and are skipped elsewhere, as t0084's.
# backends: sqlite — upgrades a SQLite database made by hand, then starts a PostgreSQL of its own for the same on it
. "$(dirname "$0")/lib.sh"
test_plan 5

"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
echo "$SERVER_PID" >"$SCRATCH/server.pid"
test_when_finished 'kill $(cat "$SCRATCH/server.pid") 2>/dev/null'
sed -i "s/^listen = .*/listen = 127.0.0.1:$SERVER_PORT/" "$LIANDONG_SERVER_DIR/server.conf"

# serve_again: the server stopped, then started again on its port.
serve_again() {
	_sp=$(cat "$SCRATCH/server.pid")
	kill "$_sp" 2>/dev/null
	wait_for 10 "gone $_sp" || return 1
	start_server && echo "$SERVER_PID" >"$SCRATCH/server.pid"
}

DB="$LIANDONG_SERVER_DIR/server.db"
add_station tw 龙羊峡镇 township
refresh_directory tw
on tw case open --source patrol --category 违法建设 --location 查纳村 \
	--description 建房 --discovered-at "2026-11-20 09:00" >tc
{ printf '\377\330\377\340'; head -c 20000 /dev/urandom; } >机密.jpg
on tw attach "$(cat tc)" 机密.jpg --confidential --caption 王某提供 >/dev/null
on tw sync >/dev/null
ATT="kind LIKE '%.attached'"
# The event as the station wrote it: its plain text.
sqlite3 "$SCRATCH/tw.db" "SELECT raw FROM events WHERE $ATT" >plain.json

# The database as the older server left it, the server stopped.
kill "$(cat "$SCRATCH/server.pid")"
wait_for 10 "gone $(cat "$SCRATCH/server.pid")"
python3 - "$DB" plain.json <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
plain = open(sys.argv[2], encoding="utf-8").read().rstrip("\n")
db.execute("UPDATE events SET raw=? WHERE kind LIKE '%.attached'", (plain,))
db.execute("ALTER TABLE events DROP COLUMN confidential")
db.execute("DELETE FROM meta WHERE key='confidential_sealed'")
db.execute("PRAGMA user_version=7")
db.commit()
PY

test_expect_success 'the hand-made old database holds the confidential attachment in plain text' '
	test "$(sqlite3 "$DB" "PRAGMA user_version")" = 7 &&
	sqlite3 "$DB" "SELECT raw FROM events WHERE $ATT" >before &&
	test_grep "王某提供" before
'

test_expect_success 'after the upgrade, the server seals it at start: marked confidential, nothing of it in plain' '
	serve_again &&
	test "$(sqlite3 "$DB" "PRAGMA user_version")" -ge 8 &&
	test "$(sqlite3 "$DB" "SELECT confidential FROM events WHERE $ATT")" = 1 &&
	sqlite3 "$DB" "SELECT raw FROM events WHERE $ATT" >after &&
	test "$(cut -c1-5 after)" = "ldv1:" && test_grep ! "王某提供" after &&
	test_grep ! "王某提供" "$DB" &&
	test "$(sqlite3 "$DB" "SELECT value FROM meta WHERE key=\"confidential_sealed\"")" = 1 &&
	test_grep "event=identity-seal result=ok rows=1 " "$SCRATCH/server.log"
'

test_expect_success 'once: the next start leaves it as it is; the sealed event is served as before' '
	serve_again &&
	sqlite3 "$DB" "SELECT raw FROM events WHERE $ATT" >again &&
	test_cmp after again &&
	test "$(grep -c "event=identity-seal" "$SCRATCH/server.log")" = 1 &&
	on tw sync >/dev/null &&
	converged tw 龙羊峡镇 && test_grep "王某提供" "$SCRATCH/tw.server.dump"
'

# --- the same on PostgreSQL -------------------------------------------------
kill "$(cat "$SCRATCH/server.pid")"
wait_for 10 "gone $(cat "$SCRATCH/server.pid")"
PGSH="$TOP/tests/tools/pg.sh"
if ! PGBIN=$("$PGSH" bindir 2>/dev/null); then
	if [ "${CI:-}" = true ]; then
		test_expect_success 'PostgreSQL is installed (scripts/deps.sh)' 'false'
		test_expect_success 'PostgreSQL is installed (scripts/deps.sh)' 'false'
	else
		test_skip 'on PostgreSQL, sealed at start' 'PostgreSQL is missing'
		test_skip 'on PostgreSQL, once' 'PostgreSQL is missing'
	fi
	test_done
	exit
fi
PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/liandong-pg.XXXXXX")
test_when_finished "\"$PGSH\" stop \"$PG_DIR\""
ADMIN=$("$PGSH" start "$PG_DIR" 2>"$SCRATCH/pg-start.log") || cat "$SCRATCH/pg-start.log"
STORE=${ADMIN%/*}/county
psql_q "$ADMIN" -c "CREATE DATABASE county"
export LIANDONG_SERVER_DIR="$SCRATCH/county-pg"
"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe --store "$STORE" >/dev/null
start_server
echo "$SERVER_PID" >"$SCRATCH/server.pid"
sed -i "s/^listen = .*/listen = 127.0.0.1:$SERVER_PORT/" "$LIANDONG_SERVER_DIR/server.conf"
add_station tp 龙羊峡镇 township
refresh_directory tp
on tp case open --source patrol --category 违法建设 --location 查纳村 \
	--description 建房 --discovered-at "2026-11-20 09:00" >tc2
on tp attach "$(cat tc2)" 机密.jpg --confidential --caption 王某提供 >/dev/null
on tp sync >/dev/null
sqlite3 "$SCRATCH/tp.db" "SELECT raw FROM events WHERE $ATT" >plain2.json
kill "$(cat "$SCRATCH/server.pid")"
wait_for 10 "gone $(cat "$SCRATCH/server.pid")"
SEALS=$(grep -c "event=identity-seal" "$SCRATCH/server.log")
psql_q "$STORE" -v plain="$(cat plain2.json)" <<'SQL'
UPDATE events SET raw = :'plain' WHERE kind LIKE '%.attached';
ALTER TABLE events DROP COLUMN confidential;
DELETE FROM meta WHERE key = 'confidential_sealed';
DELETE FROM schema_version WHERE version >= 3;
DROP TABLE blob_files, blob_chunks, blob_parts, blob_holders, blob_proofs, blob_quota;
SQL
pg_att() { psql_q "$STORE" -c "SELECT $1 FROM events WHERE $ATT"; }

test_expect_success 'on PostgreSQL, the old database'"'"'s plain attachment is sealed at the upgraded server'"'"'s start' '
	pg_att raw >pbefore && test_grep "王某提供" pbefore &&
	serve_again &&
	test "$(psql_q "$STORE" -c "SELECT max(version) FROM schema_version")" = 4 &&
	test "$(pg_att confidential)" = 1 &&
	pg_att raw >pafter && test "$(cut -c1-5 pafter)" = "ldv1:" &&
	test_grep ! "王某提供" pafter &&
	test "$(psql_q "$STORE" -c "SELECT value FROM meta WHERE key = '"'"'confidential_sealed'"'"'")" = 1 &&
	test "$(grep -c "event=identity-seal result=ok rows=1 " "$SCRATCH/server.log")" = 2
'

test_expect_success 'on PostgreSQL, once: the next start leaves it; the sealed event is served as before' '
	serve_again &&
	pg_att raw >pagain && test_cmp pafter pagain &&
	test "$(grep -c "event=identity-seal" "$SCRATCH/server.log")" = $((SEALS + 1)) &&
	on tp sync >/dev/null &&
	converged tp 龙羊峡镇 && test_grep "王某提供" "$SCRATCH/tp.server.dump"
'

test_done
