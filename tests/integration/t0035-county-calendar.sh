#!/bin/sh
# The county server sends its holiday calendars to its stations with the
# rule profile, so that every station counts working days the same way:
# a station that lacks a year counts plain weekdays and says so; once the
# county adds the year, its stations count on it; deadlines already
# recorded keep what they were; a broken calendar stops the server.
. "$(dirname "$0")/lib.sh"
test_plan 8
# The stations' clocks jump days ahead of the server's pinned one.
SERVER_OPTS="--max-clock-ahead 0"

# Tuesday 2026-12-29: five working days (Gonghe's "refer") reach into 2027.
export LIANDONG_NOW="2026-12-29T10:00:00+08:00"
CAL="$SCRATCH/county-calendar"
mkdir -p "$CAL" && cp "$TOP"/conf/calendar/*.ini "$CAL"/
"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
sed -i "s|^calendar =.*|calendar = $CAL|" "$LIANDONG_SERVER_DIR/server.conf"
start_server
add_station lyx 龙羊峡镇
add_station qbq 恰卜恰镇

open_case() { # station description
	on "$1" case open --source patrol --category 违法建设 --location 查纳村 \
		--description "$2" --discovered-at "2026-12-29 09:00"
}

test_expect_success 'stations received the county calendars when they enrolled' '
	sqlite3 lyx.db "SELECT value FROM meta WHERE key=\"calendar\"" >c &&
	test_grep "year = 2025" c && test_grep "year = 2026" c &&
	test_grep ! "year = 2027" c
'

test_expect_success 'a year the county has no calendar for is counted on weekdays, and said so' '
	open_case lyx "年底发现" >case1 2>warn &&
	test_grep "no holiday calendar" warn &&
	on lyx case show --json "$(cat case1)" >c1.json &&
	jeq c1.json "d.case.refer_due.due" "2027-01-05T23:59:59+08:00" &&
	jeq c1.json "d.case.refer_due.assumed" true
'

# The county adds its 2027 schedule (made up for this test: New Year
# 2027-01-01..03 off, Saturday 2027-01-09 worked) and restarts.
cat >"$CAL/2027.ini" <<'INI'
; A test county's own 2027 schedule, not the State Council's.
[calendar]
year = 2027
source = 测试县 2026-12
holidays = 2027-01-01..2027-01-03
workdays = 2027-01-09
INI
stop_server
start_server --listen "127.0.0.1:$SERVER_PORT"
on lyx sync >/dev/null
on qbq sync >/dev/null

test_expect_success 'the next sync brings the new calendar to every station' '
	for s in lyx qbq; do
		sqlite3 $s.db "SELECT value FROM meta WHERE key=\"calendar\"" >c.$s &&
		test_grep "year = 2027" c.$s || exit 1
	done &&
	test "$(sqlite3 lyx.db "SELECT value FROM meta WHERE key=\"calendar_hash\"")" = \
		"$(sqlite3 qbq.db "SELECT value FROM meta WHERE key=\"calendar_hash\"")"
'

test_expect_success 'new deadlines count the county holidays, with no warning' '
	open_case qbq "新年前发现" >case2 2>warn2 &&
	test_grep ! "calendar" warn2 &&
	on qbq case show --json "$(cat case2)" >c2.json &&
	jeq c2.json "d.case.refer_due.due" "2027-01-06T23:59:59+08:00" &&
	jeq c2.json "d.case.refer_due.assumed" false
'

test_expect_success 'a deadline already recorded keeps what it was' '
	on lyx case show --json "$(cat case1)" >c1b.json &&
	jeq c1b.json "d.case.refer_due.due" "2027-01-05T23:59:59+08:00"
'

test_expect_success 'the county calendar wins over the one shipped with the agent' '
	LIANDONG_CALENDAR="$SCRATCH/empty" open_case lyx "本地无日历" >case3 2>warn3 &&
	test_grep ! "calendar" warn3 &&
	on lyx case show --json "$(cat case3)" >c3.json &&
	jeq c3.json "d.case.refer_due.due" "2027-01-06T23:59:59+08:00"
'

printf '[calendar]\nyear = 2028\nholidays = 2028-02-30\n' >"$CAL/2028.ini"
stop_server
# Were the server to start regardless, it would serve until stopped: the
# timeout stops it (exit 124, not the 5 wanted), and the check fails.
test_expect_code 5 'a broken calendar file stops the server, naming the file' '
	timeout -k 5 20 "$LDS" serve --listen 127.0.0.1:0 2>err; st=$?; cat err >&2;
	[ $st = 124 ] && echo "the server started and was stopped after 20 s";
	grep -q "2028.ini" err || exit 99; exit $st
'
rm -f "$CAL/2028.ini"

test_expect_success 'a missing calendar directory only warns: stations keep theirs' '
	sed -i "s|^calendar =.*|calendar = $SCRATCH/nowhere|" "$LIANDONG_SERVER_DIR/server.conf" &&
	start_server --listen "127.0.0.1:$SERVER_PORT" &&
	on lyx sync >/dev/null &&
	sqlite3 lyx.db "SELECT value FROM meta WHERE key=\"calendar\"" >c4 &&
	test_grep "year = 2027" c4 &&
	stop_server
'

test_done
