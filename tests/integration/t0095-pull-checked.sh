#!/bin/sh
# Every event a station pulls is checked (its fields, its canonical text,
# its SHA-256) before it is stored, now on a second thread while the
# events before it are stored (agent/sync.c, struct parser): an answer
# holding, late in it, one event whose hash does not match its content
# is refused whole, none of it kept; once the server holds the true
# event again, the same pull takes all of it. The same for a bad event
# in a later answer of a long pull, whose events are decompressed and
# checked as soon as it arrives, while the answer before it is still
# being stored (agent/sync.c, ahead_unpack): the answers before it are
# kept, that one refused whole.
. "$(dirname "$0")/lib.sh"
test_plan 8

# tamper N: the server's copy of lyx's N-th patrol says N+1, its hash
# kept; untamper N: the true text back.
tamper() {
	server_sql "UPDATE events SET raw = replace(raw, \"巡查第$1次\", \"巡查第$(($1 + 1))次\")
		WHERE station = \"lyx\" AND raw LIKE \"%巡查第$1次%\"" &&
	test "$(server_sql "SELECT count(*) FROM events WHERE raw LIKE \"%巡查第$(($1 + 1))次%\"")" = 2
}
untamper() {
	server_sql "UPDATE events SET raw = replace(raw, \"巡查第$(($1 + 1))次\", \"巡查第$1次\")
		WHERE station = \"lyx\" AND hash = (SELECT hash FROM events
		WHERE station = \"lyx\" AND raw LIKE \"%巡查第$(($1 + 1))次%\"
		ORDER BY seq LIMIT 1)"
}

start_server
add_station lyx 龙羊峡镇
add_station lyx2 龙羊峡镇
test_expect_success 'a station records 60 events and pushes them' '
	liaison_n lyx 1 60 patrol "巡查第%d次" &&
	on lyx sync >/dev/null &&
	test "$(server_sql "SELECT count(*) FROM events WHERE station = \"lyx\"")" -ge 60
'

test_expect_success 'the server s copy of the 45th is altered, its hash kept' '
	tamper 45
'

test_expect_success 'a fresh station refuses the answer whole, naming the event' '
	test_must_fail on lyx2 sync >out 2>err &&
	test_grep "does not match its content" err &&
	test "$(sqlite3 lyx2.db "SELECT count(*) FROM events WHERE station = '\''lyx'\''")" = 0
'

test_expect_success 'with the true event back, the same pull takes all 60' '
	untamper 45 &&
	on lyx2 sync >/dev/null &&
	test "$(sqlite3 lyx2.db "SELECT count(*) FROM events WHERE station = '\''lyx'\''")" = \
		"$(sqlite3 lyx.db "SELECT count(*) FROM events")" &&
	converged lyx2 龙羊峡镇
'

test_expect_success 'the station records 1,100 more and pushes them' '
	liaison_n lyx 61 1160 patrol "巡查第%d次" &&
	on lyx sync >/dev/null &&
	test "$(server_sql "SELECT count(*) FROM events WHERE station = \"lyx\"")" -ge 1160
'

test_expect_success 'the server s copy of the 900th is altered, its hash kept' '
	tamper 900
'

# The 900th is in the second or third answer of 500: the first is kept
# whole, the one holding it not at all.
test_expect_success 'a fresh station keeps the answers before it, none of its own' '
	add_station lyx3 龙羊峡镇 &&
	test_must_fail on lyx3 sync >out 2>err &&
	test_grep "does not match its content" err &&
	held=$(sqlite3 lyx3.db "SELECT count(*) FROM events WHERE station = '\''lyx'\''") &&
	top=$(sqlite3 lyx3.db "SELECT coalesce(max(seq), 0) FROM events WHERE station = '\''lyx'\''") &&
	test "$held" -ge 400 && test "$held" -lt 900 && test "$top" = "$held" &&
	test "$(sqlite3 lyx3.db "SELECT count(*) FROM events WHERE raw LIKE '\''%巡查第900次%'\''")" = 0 &&
	on lyx3 verify >/dev/null
'

test_expect_success 'with the true event back, the pull takes the rest' '
	untamper 900 &&
	on lyx3 sync >/dev/null &&
	test "$(sqlite3 lyx3.db "SELECT count(*) FROM events WHERE station = '\''lyx'\''")" = \
		"$(sqlite3 lyx.db "SELECT count(*) FROM events")" &&
	on lyx3 verify >/dev/null &&
	converged lyx3 龙羊峡镇
'
test_done
