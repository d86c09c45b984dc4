#!/bin/sh
# The dashboard's accounts from the command line (issue 17 item 1):
# liandong-server user add|list|disable|enable|passwd and audit. The
# password comes on standard input and is kept only as an Argon2id hash;
# every change and every export is in the audit log. Logins, sessions and
# lock-outs are tests/unit/test-accounts.c's.
. "$(dirname "$0")/lib.sh"
test_plan 10
PW="长期有效的口令-2026"

"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
"$LDS" unit add 县司法局 --role legal >/dev/null
"$LDS" unit add 县自然资源局 --role department >/dev/null

test_expect_success 'user add takes the password on standard input' '
	echo "$PW" | "$LDS" user add wangfang --role legal --unit 县司法局 >out &&
	test_grep wangfang out &&
	"$LDS" user list --json >u.json &&
	jeq u.json "d[\"users\"][0][\"name\"]" wangfang &&
	jeq u.json "d[\"users\"][0][\"role\"]" legal &&
	jeq u.json "d[\"users\"][0][\"disabled\"]" false
'

# whole_db FILE: all the server's database holds, in FILE (SQLite's file
# itself, or PostgreSQL's pg_dump).
whole_db() {
	if server_on_pg; then
		pg_dump "$(sed -n 's/^db *= *//p' "$LIANDONG_SERVER_DIR/server.conf")" >"$1"
	else
		cp "$LIANDONG_SERVER_DIR/server.db" "$1"
	fi
}

test_expect_success 'the database holds an Argon2id hash, never the password' '
	server_sql "SELECT hash FROM accounts" >h &&
	case $(cat h) in "\$argon2id\$"*) ;; *) false ;; esac &&
	whole_db all && test_grep wangfang all &&
	! grep -q "$PW" all
'

test_expect_code 3 'a short password is refused, and nothing is added' '
	echo short | "$LDS" user add lisi --role department --unit 县自然资源局
'

test_expect_success 'a password longer than the line is refused, never cut short' '
	python3 -c "print(\"长\" * 200)" >long &&
	{ "$LDS" user add lisi --role department --unit 县自然资源局 <long 2>err;
	  test $? = 3; } && test_grep "at most" err &&
	"$LDS" user list --json >u.json && jeq u.json "len(d[\"users\"])" 1
'

test_expect_code 3 'a unit outside the directory is refused' '
	echo "$PW" | "$LDS" user add lisi --role department --unit 不存在的局
'

test_expect_code 3 'a name twice is refused' '
	echo "$PW" | "$LDS" user add wangfang --role legal --unit 县司法局
'

test_expect_code 2 'no password at all is a usage error' '
	"$LDS" user add lisi --role department --unit 县自然资源局 </dev/null
'

test_expect_success 'disable, enable and a new password' '
	"$LDS" user disable wangfang >/dev/null &&
	"$LDS" user list --json >u.json &&
	jeq u.json "d[\"users\"][0][\"disabled\"]" true &&
	"$LDS" user enable wangfang >/dev/null &&
	server_sql "SELECT hash FROM accounts" >h1 &&
	echo "另一个足够长的新口令2026" | "$LDS" user passwd wangfang >/dev/null &&
	server_sql "SELECT hash FROM accounts" >h2 &&
	! test_cmp h1 h2 >/dev/null &&
	"$LDS" user list --json >u.json &&
	jeq u.json "len(d[\"users\"])" 1
'

test_expect_code 4 'an account that does not exist' '
	"$LDS" user disable nobody
'

test_expect_success 'the audit log holds every change and every export, no password' '
	"$LDS" report --period 2026-11 --csv >/dev/null &&
	"$LDS" audit --json >a.json &&
	python3 - <<-\PY &&
	import json
	e = [x["event"] for x in json.load(open("a.json"))["entries"]]
	want = ["account-added", "account-disabled", "account-enabled",
	        "password-changed", "report-export"]
	assert e == want, e
	PY
	! grep -q "长期有效" a.json &&
	"$LDS" audit >a.txt && test_grep account-disabled a.txt
'

# The journal (server/journal.h) and a restored copy of server.db: SQLite
# only, PostgreSQL keeps neither (its backups are its own tools').
if server_on_pg; then
	test_done
	exit
fi
test_plan 2
J="$LIANDONG_SERVER_DIR/journal.log"
test_expect_success 'a restored older database gets back the accounts changed since its backup' '
	"$LDS" backup bk.db &&
	echo "$PW" | "$LDS" user add lisi --role department --unit 县自然资源局 >/dev/null &&
	"$LDS" user disable wangfang >/dev/null &&
	echo "第三个足够长的新口令2026" | "$LDS" user passwd lisi >/dev/null &&
	sqlite3 "$LIANDONG_SERVER_DIR/server.db" "SELECT name, hash, disabled, role, unit FROM accounts ORDER BY name" >before &&
	! grep -q "长期有效\|第三个" "$J" && test "$(stat -c %a "$J")" = 600 &&
	cp bk.db "$LIANDONG_SERVER_DIR/server.db" &&
	rm -f "$LIANDONG_SERVER_DIR/server.db-wal" "$LIANDONG_SERVER_DIR/server.db-shm" &&
	"$LDS" user list --json >u.json &&
	jeq u.json "[u[\"name\"] + \":\" + str(u[\"disabled\"]) for u in d[\"users\"]]" "lisi:False wangfang:True" &&
	sqlite3 "$LIANDONG_SERVER_DIR/server.db" "SELECT name, hash, disabled, role, unit FROM accounts ORDER BY name" >after &&
	test_cmp before after
'

test_expect_success 'accounts made before the journal kept them are put in it once' '
	sqlite3 "$LIANDONG_SERVER_DIR/server.db" "DELETE FROM meta WHERE key=\"journal_accounts\"" &&
	grep -v "\"op\":\"account\"" "$J" >j2 && cat j2 >"$J" &&
	"$LDS" user list >/dev/null &&
	test "$(grep -c "\"op\":\"account\"" "$J")" = 2 &&
	"$LDS" user list >/dev/null &&
	test "$(grep -c "\"op\":\"account\"" "$J")" = 2
'

test_done
