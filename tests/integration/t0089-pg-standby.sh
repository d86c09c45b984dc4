#!/bin/sh
# A hot standby promoted under a serving instance (issue 19; the procedure
# is docs/operations.md's "A standby promoted"): a primary that waits at
# each commit for a streaming standby made by pg_basebackup -R
# (synchronous_standby_names, synchronous_commit on: tests/tools/pg.sh
# start ... sync, standby); the instance's db names both servers in one
# libpq URL with target_session_attrs=read-write, so that it connects to
# whichever takes writes. Stations push; the primary stops at once (as a
# failure would): 503 with Retry-After, a sync waits; the standby
# promoted, the same instance, neither restarted nor reloaded, reconnects
# to it, the waiting sync goes through, and every event the primary
# acknowledged is on the new primary; the stations sync on and converge.
# Skipped without PostgreSQL (failed in CI), as t0084 is.
# backends: postgresql — starts a primary and a standby PostgreSQL of its own
. "$(dirname "$0")/lib.sh"

pg_needed 6

PRIMARY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/liandong-pg.XXXXXX")
test_when_finished "\"$PGSH\" stop \"$PRIMARY_DIR\""
STANDBY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/liandong-pg.XXXXXX")
test_when_finished "\"$PGSH\" stop \"$STANDBY_DIR\""
CA="$LIANDONG_SERVER_DIR/ca.pem"
BUREAU=县综合行政执法局

# work STATION N: N cases opened and referred to the bureau.
work() {
	_i=0
	while [ $_i -lt "$2" ]; do
		_c=$(on "$1" case open --source patrol --category 违法建设 \
			--location "$1-$_i" --description "$1 第$_i件") &&
		echo "$_c" >>"$SCRATCH/$1.cases" &&
		on "$1" referral send "$_c" --to $BUREAU --letter 移送函 \
			--source-material 检查笔录 --evidence 照片 >/dev/null || return 1
		_i=$((_i + 1))
	done
}

# standby_replayed: the standby shows the schema init made (a commit the
# primary waited for is on the standby's disk, not yet always replayed
# for its readers: synchronous_commit on, not remote_apply).
standby_replayed() {
	test "$(psql_q "${STANDBY%/*}/county" -c "SELECT max(version) FROM schema_version" 2>/dev/null)" = 4
}

# Made at top level (the URLs outlive the checks).
ADMIN=$("$PGSH" start "$PRIMARY_DIR" sync 2>"$SCRATCH/pg-start.log") &&
psql_q "$ADMIN" -c "CREATE DATABASE county" &&
STANDBY=$("$PGSH" standby "$PRIMARY_DIR" "$STANDBY_DIR" 2>>"$SCRATCH/pg-start.log") ||
	cat "$SCRATCH/pg-start.log"
P1=$("$PGSH" port "$PRIMARY_DIR")
P2=$("$PGSH" port "$STANDBY_DIR" 2>/dev/null)
STORE="postgresql://liandong@127.0.0.1:$P1,127.0.0.1:$P2/county?target_session_attrs=read-write"

test_expect_success 'a standby streams from the primary, which waits for it at each commit' '
	test -n "${STANDBY:-}" &&
	test "$(psql_q "$ADMIN" -c "SELECT sync_state FROM pg_stat_replication")" = sync &&
	test "$(psql_q "$ADMIN" -c "SHOW synchronous_commit")" = on &&
	test "$(psql_q "$STANDBY" -c "SELECT pg_is_in_recovery()")" = t
'

test_expect_success 'init and serve on a URL naming both, which connects to the primary' '
	"$LDS" init --county 测试县 --listen 127.0.0.1:0 --store "$STORE" >"$SCRATCH/init.out" &&
	grep -qx "db = $STORE" "$LIANDONG_SERVER_DIR/server.conf" &&
	test "$(psql_q "${ADMIN%/*}/county" -c "SELECT max(version) FROM schema_version")" = 4 &&
	wait_for 10 standby_replayed
'

start_server
add_station lyx 龙羊峡镇
add_station bureau $BUREAU bureau
refresh_directory lyx bureau
test_expect_success 'stations push and pull through the instance on the primary' '
	work lyx 3 && on lyx sync >/dev/null && on bureau sync >/dev/null &&
	on lyx sync >/dev/null &&
	converged lyx 龙羊峡镇 && converged bureau $BUREAU &&
	work lyx 2 && on lyx sync >lyx.out && test_grep ", 0 pending" lyx.out &&
	server_sql "SELECT station, seq, hash FROM events ORDER BY station, seq" >acked.ids &&
	test "$(wc -l <acked.ids)" -ge 10 &&
	test "$(server_sql "SELECT inet_server_port()")" = "$P1"
'

test_expect_success 'the primary stops at once: 503 with Retry-After, a sync waits' '
	work lyx 1 && "$PGSH" halt "$PRIMARY_DIR" &&
	curl -s -D st.head -o /dev/null --cacert "$CA" \
		-H "Authorization: Bearer $(cat lyx.db.token)" "$SERVER_URL/v1/status" &&
	grep -q "^HTTP/[0-9.]* 503" st.head && grep -qi "^Retry-After: [2-4]" st.head &&
	{ on lyx sync >lyx.wait 2>&1 & } &&
	wait_for 20 "grep -q event=busy \"$SCRATCH/lyx.wait\""
'

test_expect_success 'the standby promoted, the instance reconnects to it by itself, nothing acknowledged lost' '
	"$PGSH" promote "$STANDBY_DIR" &&
	wait_for 30 "grep -q synced: \"$SCRATCH/lyx.wait\"" &&
	test_grep "synced: pushed [1-9].*, 0 pending" lyx.wait &&
	kill -0 "$SERVER_PID" &&
	test "$(server_sql "SELECT inet_server_port()")" = "$P2" &&
	test "$(psql_q "${STANDBY%/*}/county" -c "SELECT pg_is_in_recovery()")" = f &&
	server_sql "SELECT station, seq, hash FROM events ORDER BY station, seq" >after.ids &&
	test -z "$(awk "NR == FNR { on[\$0] = 1; next } !(\$0 in on)" after.ids acked.ids)" &&
	test "$(wc -l <after.ids)" -gt "$(wc -l <acked.ids)"
'

test_expect_success 'the stations sync on through the new primary and converge' '
	work lyx 2 && on lyx sync >/dev/null && on bureau sync >/dev/null &&
	on lyx sync >/dev/null &&
	on bureau referral list --incoming --json >in.json &&
	for c in $(cat lyx.cases); do test_grep "$c" in.json || return 1; done &&
	converged lyx 龙羊峡镇 && converged bureau $BUREAU &&
	on lyx verify >/dev/null && on bureau verify >/dev/null
'

test_done
