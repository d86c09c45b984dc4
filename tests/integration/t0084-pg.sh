#!/bin/sh
# The county server on PostgreSQL: init --store puts it there, serve runs
# on it, stations sync a referral end to end and converge; the events are
# in PostgreSQL's tables, the complainant's identity sealed there too; a
# restarted server serves on from the same database; backup is pg_dump's.
# PostgreSQL is a throwaway one (tests/tools/pg.sh), stopped and removed
# at the end whatever happens; without its binaries the script is skipped
# (failed in CI).
# backends: postgresql — starts a PostgreSQL of its own (tests/tools/pg.sh)
. "$(dirname "$0")/lib.sh"

pg_needed 8

pg_start

test_expect_success 'init --store puts the server on an empty PostgreSQL database' '
	psql_q "$ADMIN" -c "CREATE DATABASE county" &&
	"$LDS" init --county 测试县 --listen 127.0.0.1:0 --store "$STORE" >"$SCRATCH/init.out" &&
	grep -qx "db = $STORE" "$LIANDONG_SERVER_DIR/server.conf" &&
	! test -e "$LIANDONG_SERVER_DIR/server.db" &&
	test "$(psql_q "$STORE" -c "SELECT max(version) FROM schema_version")" = 4
'

test_expect_code 6 'a second init on the same database is refused' '
	LIANDONG_SERVER_DIR="$SCRATCH/again" "$LDS" init --county 测试县 --store "$STORE"
'

start_server
add_station lyx 龙羊峡镇
add_station bureau 县综合行政执法局 bureau
refresh_directory lyx bureau
test_expect_success 'a township refers a case and a complaint; the bureau receives them' '
	on lyx case open --source patrol --category 违法建设 --location 查纳村 \
		--description "违法建房" --urgent >lyx.case &&
	on lyx referral send "$(cat lyx.case)" --to 县综合行政执法局 --letter 移送函 \
		--source-material 检查笔录 --evidence 照片 >lyx.ref &&
	on lyx complaint record --type report --channel phone --matter 偷排 \
		--description 夜间 --name 王某某 --phone 13812345678 >lyx.t &&
	on lyx complaint refer "$(cat lyx.t)" --to 县综合行政执法局 >/dev/null &&
	on lyx sync >/dev/null && on bureau sync >/dev/null && on lyx sync >/dev/null &&
	on bureau referral list --incoming --json >in.json &&
	test_grep "$(cat lyx.ref)" in.json &&
	on bureau complaint show "$(cat lyx.t)" --show-identity >t.show &&
	test_grep 王某某 t.show
'

test_expect_success 'both stations converged with the server on PostgreSQL' '
	converged lyx 龙羊峡镇 &&
	converged bureau 县综合行政执法局
'

test_expect_success 'the events are in PostgreSQL, the identity sealed' '
	n=$(psql_q "$STORE" -c "SELECT count(*) FROM events") &&
	test "$n" -ge 5 &&
	psql_q "$STORE" -c "SELECT raw FROM events" >raw.txt &&
	test_grep 偷排 raw.txt &&
	test_grep ! 王某某 raw.txt && test_grep ! 13812345678 raw.txt
'

# Restarted at top level (its port and pid outlive the check), on the
# port the stations enrolled with.
stop_server
start_server --listen "127.0.0.1:$SERVER_PORT"
test_expect_success 'a restarted server serves on from the same database' '
	on bureau case list --json >before.json &&
	on lyx case update "$(cat lyx.case)" --note "补充照片" >/dev/null &&
	on lyx sync >/dev/null && on bureau sync >/dev/null &&
	converged bureau 县综合行政执法局 &&
	"$LDS" station list >list && test_grep "lyx .*active" list
'

test_expect_success 'PostgreSQL restarted under the server: it connects again, nothing lost' '
	"$PGSH" restart "$PG_DIR" &&
	on lyx case update "$(cat lyx.case)" --note "复查" >/dev/null &&
	on lyx sync >/dev/null && on bureau sync >/dev/null &&
	converged lyx 龙羊峡镇 && converged bureau 县综合行政执法局 &&
	test_grep "复查" "$SCRATCH/lyx.server.dump"
'

test_expect_success 'backup writes a pg_dump archive, mode 0600, that restores' '
	"$LDS" backup "$SCRATCH/county.dump" &&
	test "$(stat -c %a "$SCRATCH/county.dump")" = 600 &&
	psql_q "$ADMIN" -c "CREATE DATABASE restored" &&
	"$PGBIN/pg_restore" --no-owner --exit-on-error --dbname "${ADMIN%/*}/restored" "$SCRATCH/county.dump" &&
	test "$(psql_q "${ADMIN%/*}/restored" -c "SELECT count(*) FROM events")" = \
		"$(psql_q "$STORE" -c "SELECT count(*) FROM events")"
'

test_done
