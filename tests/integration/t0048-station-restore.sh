#!/bin/sh
# A station that went back in time recovers (issue 12): its database is
# restored from an older copy. The server gives it back its own events it
# lacks; what it recorded since the copy, which the server never got, is
# numbered again after them (new seq, hlc and hash; a record it created
# gets the id of its new seq, and what names it follows), with a notice.
# Nothing the server acknowledged is rewritten; every replica converges.
# A copy used on a second computer is not a restore: once the other copy
# has synced after it, it is refused, never silently merged.
. "$(dirname "$0")/lib.sh"
test_plan 5

start_server
add_station lyx 龙羊峡镇
add_station bur 县综合行政执法局 bureau
refresh_directory lyx bur
caseopen() { # DESC: prints the case id
	on lyx case open --source patrol --category 违法建设 --location 查纳村 \
		--description "$1" --discovered-at "2026-11-20 09:00"
}
head_of() { server_sql \
	"SELECT head_seq FROM stations WHERE name='$1'"; }

caseopen 备份前的案件 >c1 && on lyx sync >/dev/null
sqlite3 lyx.db ".backup lyx.bak"
# After the copy: two more records, synced, so the server holds them.
caseopen 备份后的案件 >c2 && on lyx case update "$(cat c2)" --note 已到现场 >/dev/null
on lyx sync >/dev/null
N=$(head_of lyx)

restore() {
	rm -f lyx.db-wal lyx.db-shm && cp lyx.bak lyx.db
}

test_expect_success 'the copy is behind the server' '
	test "$N" = 3 && test "$(cat c2)" = C-lyx-2 && restore &&
	test "$(sqlite3 lyx.db "SELECT max(seq) FROM events WHERE station=\"lyx\"")" = 1
'

test_expect_success 'restored, with new records since: they are numbered after the server'"'"'s' '
	caseopen 恢复后的新案件 >c3 && test "$(cat c3)" = C-lyx-2 &&
	on lyx case update C-lyx-2 --note 新案件的备注 >/dev/null &&
	on lyx sync >/dev/null 2>err &&
	test_grep "numbered again" err && test_grep "record C-lyx-2 is now C-lyx-4" err &&
	test "$(head_of lyx)" = 5 &&
	on lyx case show --json C-lyx-2 >a.json && jeq a.json d.case.description 备份后的案件 &&
	on lyx case show --json C-lyx-4 >b.json && jeq b.json d.case.description 恢复后的新案件 &&
	jeq b.json "[n.note for n in d.case.notes]" 新案件的备注 &&
	jeq b.json "len(d.case.conflicts)" 0 &&
	on lyx verify >/dev/null && converged lyx 龙羊峡镇
'

test_expect_success 'restored with nothing new: its own events come back, nothing renumbered' '
	restore && on lyx sync >/dev/null 2>err && test_grep ! "numbered again" err &&
	test "$(sqlite3 lyx.db "SELECT max(seq) FROM events WHERE station=\"lyx\"")" = 5 &&
	on lyx verify >/dev/null && converged lyx 龙羊峡镇 &&
	caseopen 之后照常 >c5 && test "$(cat c5)" = C-lyx-6 && on lyx sync >/dev/null &&
	test "$(head_of lyx)" = 6
'

test_expect_success 'one database on two computers: the copy that synced later is the station, the other is refused' '
	sqlite3 lyx.db ".backup pc2.db" && cp lyx.db.token pc2.db.token &&
	on lyx liaison log --type contact --summary 一号机 >/dev/null && on lyx sync >/dev/null &&
	on pc2 liaison log --type contact --summary 二号机 >/dev/null &&
	on pc2 sync >/dev/null 2>err && test_grep "numbered again" err &&
	on lyx liaison log --type contact --summary 一号机又记 >/dev/null &&
	{ on lyx sync 2>err; test $? = 9; } &&
	test_grep "another copy of this station.s database has synced since this one" err &&
	on pc2 liaison log --type contact --summary 二号机照常 >/dev/null && on pc2 sync >/dev/null &&
	on pc2 verify >/dev/null && converged pc2 龙羊峡镇 &&
	test_grep "result=replaced-copy" "$SCRATCH/server.log"
'

test_expect_success 'the other station holds one chain of lyx, and verifies' '
	on bur sync >/dev/null && on bur verify >/dev/null && converged bur 县综合行政执法局
'

test_done
