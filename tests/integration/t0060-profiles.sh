#!/bin/sh
# Rule profiles as a deployment names them and as the seeds word them.
# The agent takes a profile's name as the server does (LIANDONG_RULES=gu,
# [rules] profile = yicheng); an unknown name is an error, never records
# without deadlines. init and due say when no profile is in force, the
# agent's and the server's. Periods in months end on the same date of the
# final month (Civil Code art. 202); a profile may ask for art. 203 (a
# period ending on a rest day runs to the next working day). Yicheng's
# consultation opinion: five working days, then an extension of at most
# ten calendar days after them, across National Day and in an ordinary
# fortnight; the refusal is one short line. Every date is worked out by
# hand from the 2026 schedule (docs/rules.md).
. "$(dirname "$0")/lib.sh"
test_plan 23

# --- a station on its own: no server ----------------------------------

test_expect_success 'init with no profile says that no deadline is counted yet' '
	"$LD" init --db none.db --station none --unit 某乡 >out 2>err &&
	test_grep "no rule profile yet" out && test_grep "gonghe" out &&
	test_grep "baijiantan" out && ! test -s err &&
	"$LD" init --db none2.db --station none2 --unit 某乡 --json >j.json &&
	jeq j.json "d.profile" null
'

test_expect_code 5 'init refuses a profile name that is not installed' '
	LIANDONG_RULES=gux "$LD" init --db gux.db --station gux --unit 某乡 2>err
	st=$?; test_grep "gux" err && test_grep "installed: baijiantan, gonghe, gu, yantai, yicheng" err &&
	! test -e gux.db && exit $st
'

test_expect_success 'init names the profile it counts by' '
	LIANDONG_RULES=gu "$LD" init --db gu.db --station gu1 --unit 县司法局 >out &&
	test_grep "rule profile gu (古县)" out &&
	LIANDONG_RULES=gu "$LD" init --db gu2.db --station gu2 --unit 县司法局 \
		--json >j.json && jeq j.json "d.profile" gu
'

test_expect_success 'due says on every run that no profile is in force' '
	for i in 1 2; do
		LIANDONG_DB=none.db "$LD" due >out 2>err || exit 1
		test_grep "warning: no rule profile" err || exit 1
	done &&
	LIANDONG_DB=none.db "$LD" due --json >d.json 2>err &&
	test_grep "warning: no rule profile" err &&
	jeq d.json "d.profile" null && jeq d.json "len(d[\"obligations\"])" 0
'

export LIANDONG_NOW="2026-08-20T10:00:00+08:00"
LIANDONG_DB=gu.db LIANDONG_RULES=gu "$LD" meeting schedule --kind joint \
	--at "2026-08-31 09:00" --units 县住建局 >gm

test_expect_success 'LIANDONG_RULES=gu is the installed Gu profile: half a year from Aug 31 is Feb 28' '
	LIANDONG_DB=gu.db LIANDONG_RULES=gu LIANDONG_NOW="2026-08-31T15:00:00+08:00" \
		"$LD" meeting minutes "$(cat gm)" --text 纪要 >/dev/null &&
	LIANDONG_DB=gu.db LIANDONG_RULES=gu "$LD" due --json >d.json 2>err &&
	! test -s err && jeq d.json "d.profile" gu &&
	jeq d.json "[o[\"due\"] for o in d[\"obligations\"] if o[\"rule\"] == \"gu/meeting_interval\"]" \
		"2027-02-28T23:59:59+08:00"
'

test_expect_code 5 'an unknown name is an error: nothing is recorded without its deadline' '
	LIANDONG_DB=gu.db "$LD" log --json >before.json &&
	LIANDONG_DB=gu.db LIANDONG_RULES=gux "$LD" meeting schedule --kind joint \
		--at "2026-12-01 09:00" --units 县住建局 2>err
	st=$?
	test_grep "LIANDONG_RULES" err && test_grep "gux" err &&
	test_grep "nothing recorded" err &&
	LIANDONG_DB=gu.db "$LD" log --json >after.json &&
	test_cmp before.json after.json && exit $st
'

test_expect_success 'due with an unknown name still lists, and says why nothing is counted' '
	LIANDONG_DB=gu.db LIANDONG_RULES=gux "$LD" due --json >d.json 2>err &&
	test_grep "no rule profile in force" err && test_grep "gux" err &&
	jeq d.json "d.profile" null &&
	jeq d.json "len(d[\"obligations\"]) > 0" true
'

test_expect_success '[rules] profile takes a name too: a quarter from Mar 20 is Jun 20 (a Saturday, kept)' '
	printf "[rules]\nprofile = yicheng\n" >yc.conf &&
	"$LD" init --config yc.conf --db yc.db --station yc1 --unit 区司法局 >out &&
	test_grep "rule profile yicheng (峄城区)" out &&
	LIANDONG_NOW="2026-03-01T10:00:00+08:00" "$LD" meeting schedule \
		--config yc.conf --db yc.db --kind joint --at "2026-03-20 09:00" \
		--units 区住建局 >ym 2>/dev/null &&
	LIANDONG_NOW="2026-03-20T15:00:00+08:00" "$LD" meeting minutes \
		--config yc.conf --db yc.db "$(cat ym)" --text 纪要 >/dev/null &&
	"$LD" due --config yc.conf --db yc.db --json >d.json &&
	jeq d.json "[o[\"due\"] for o in d[\"obligations\"] if o[\"rule\"] == \"yicheng/meeting_interval\"]" \
		"2026-06-20T23:59:59+08:00"
'

# A county's own profile asking for Civil Code art. 203.
cat >art203.ini <<\EOF
[profile]
name = mou
county = 某县
rest_day = next_workday

[rule meeting_interval]
amount = 3
unit = months
clause = 第六条：例行会议每季度召开一次
EOF

test_expect_success 'a quarter from Jul 1 ends on National Day: Oct 1 as Yicheng counts it, Oct 8 with art. 203' '
	"$LD" init --db q1.db --station q1 --unit 区司法局 >/dev/null &&
	"$LD" init --db q2.db --station q2 --unit 区司法局 >/dev/null &&
	for p in yicheng art203.ini; do
		db=q1.db; [ $p = yicheng ] || db=q2.db
		LIANDONG_RULES=$p LIANDONG_DB=$db LIANDONG_NOW="2026-06-01T10:00:00+08:00" \
			"$LD" meeting schedule --kind joint --at "2026-07-01 09:00" \
			--units 区住建局 >m.$db || exit 1
		LIANDONG_RULES=$p LIANDONG_DB=$db LIANDONG_NOW="2026-07-01T15:00:00+08:00" \
			"$LD" meeting minutes "$(cat m.$db)" --text 纪要 >/dev/null || exit 1
	done &&
	LIANDONG_DB=q1.db "$LD" due --json >d1.json 2>/dev/null &&
	LIANDONG_DB=q2.db "$LD" due --json >d2.json 2>/dev/null &&
	jeq d1.json "[o[\"due\"] for o in d[\"obligations\"] if o[\"rule\"] == \"yicheng/meeting_interval\"]" \
		"2026-10-01T23:59:59+08:00" &&
	jeq d2.json "[o[\"due\"] for o in d[\"obligations\"] if o[\"rule\"] == \"mou/meeting_interval\"]" \
		"2026-10-08T23:59:59+08:00"
'

test_expect_success 'a profile that sets no time says so on due (Yantai)' '
	LIANDONG_DB=none.db LIANDONG_RULES=yantai "$LD" due --json >d.json 2>err &&
	jeq d.json "d.profile" yantai && test_grep "yantai (烟台市) sets no time" err
'

test_expect_success 'Baijiantan loads by name' '
	LIANDONG_DB=none.db LIANDONG_RULES=baijiantan "$LD" due --json >d.json 2>err &&
	jeq d.json "d.profile" baijiantan && ! test -s err
'

# --- the county server --------------------------------------------------

test_expect_success 'server init without --rules warns that no deadline will be counted' '
	LIANDONG_SERVER_DIR="$SCRATCH/s1" "$LDS" init --county 某县 \
		--listen 127.0.0.1:0 >out 2>err &&
	test_grep "warning: no rule profile" err && test_grep "none" err &&
	grep -qx "rules = " "$SCRATCH/s1/server.conf"
'

test_expect_success 'server init --rules none is the explicit choice, said nowhere' '
	LIANDONG_SERVER_DIR="$SCRATCH/s2" "$LDS" init --county 某县 \
		--listen 127.0.0.1:0 --rules none >out 2>err &&
	! test -s err && grep -qx "rules = " "$SCRATCH/s2/server.conf"
'

test_expect_code 5 'server init refuses a profile name that is not installed, listing those that are' '
	LIANDONG_SERVER_DIR="$SCRATCH/s3" "$LDS" init --county 某县 \
		--listen 127.0.0.1:0 --rules gux 2>err
	st=$?; test_grep "installed: baijiantan, gonghe, gu, yantai, yicheng" err &&
	! test -e "$SCRATCH/s3/server.conf" && exit $st
'

test_expect_success 'server due without a profile says so, and "profile": null' '
	LIANDONG_SERVER_DIR="$SCRATCH/s2" "$LDS" due --json >d.json 2>err &&
	test_grep "warning: no rule profile" err && jeq d.json "d.profile" null &&
	LIANDONG_SERVER_DIR="$SCRATCH/s2" "$LDS" due >/dev/null 2>err &&
	test_grep "warning: no rule profile" err
'

# Yicheng's consultation opinion through a real server. The stations'
# clocks move ahead of the server's pinned one.
SERVER_OPTS="--max-clock-ahead 0"
export LIANDONG_NOW="2026-09-22T15:00:00+08:00"   # a Tuesday
"$LDS" init --county 峄城区 --listen 127.0.0.1:0 --rules yicheng >/dev/null
start_server
add_station bureau 区综合行政执法局 bureau
add_station zrj 区自然资源局 department
refresh_directory bureau zrj

sync_both() {
	for r in 1 2; do
		on bureau sync >/dev/null && on zrj sync >/dev/null || return 1
	done
}

test_expect_success 'server due names the profile it counts by' '
	"$LDS" due --json >d.json 2>err && ! test -s err &&
	jeq d.json "d.profile" yicheng
'

on bureau assist request --to 区自然资源局 --type consultation \
	--subject "国庆前的咨询" >a1
sync_both

test_expect_success 'across National Day: 5 working days from Tue Sep 22 end on Sep 30' '
	on zrj assist show --json "$(cat a1)" >a.json &&
	jeq a.json "d.assist.answer_due.due" "2026-09-30T23:59:59+08:00" &&
	jeq a.json "d.assist.answer_due.rule" "yicheng/consult"
'

test_expect_code 3 'ten days after Sep 30 is Sat Oct 10: 9 working days in all (Oct 12) pass it' '
	on zrj assist extend "$(cat a1)" --days 9 --reason 复杂 2>err
	st=$?; cat err
	test_grep "2026-10-12" err && test_grep "2026-10-10" err &&
	test_grep "四(二)2" err && exit $st
'

test_expect_success 'the refusal is one short line, without the clause' '
	test "$(wc -l <err)" -eq 1 && test "$(wc -m <err)" -lt 160 &&
	test_grep ! "征询" err
'

test_expect_success '8 working days in all reach the cap: Sep 30, Oct 8, 9, 10W' '
	on zrj assist extend "$(cat a1)" --days 8 --reason "需现场勘查" >/dev/null &&
	on zrj assist show --json "$(cat a1)" >a.json &&
	jeq a.json "d.assist.answer_due.due" "2026-10-10T23:59:59+08:00" &&
	jeq a.json "d.assist.answer_due.basis" "8 workdays"
'

export LIANDONG_NOW="2026-11-20T15:00:00+08:00"   # a Friday
on bureau assist request --to 区自然资源局 --type consultation \
	--subject "平常两周的咨询" >a2
sync_both

test_expect_success 'an ordinary fortnight: 5 working days from Fri Nov 20 end on Nov 27' '
	on zrj assist show --json "$(cat a2)" >a.json &&
	jeq a.json "d.assist.answer_due.due" "2026-11-27T23:59:59+08:00"
'

test_expect_success 'Nov 27 + 10 days is Mon Dec 7: 11 working days in all are allowed' '
	on zrj assist extend "$(cat a2)" --days 11 --reason 复杂 >/dev/null &&
	on zrj assist show --json "$(cat a2)" >a.json &&
	jeq a.json "d.assist.answer_due.due" "2026-12-07T23:59:59+08:00" &&
	sync_both && on bureau due --json >d.json &&
	jeq d.json "[o[\"due\"] for o in d[\"obligations\"] if o[\"record\"] == \"$(cat a2)\"]" \
		"2026-12-07T23:59:59+08:00"
'

test_expect_code 3 'and 12 (Dec 8) are not' '
	on zrj assist extend "$(cat a2)" --days 12 --reason 再延
'

test_done
