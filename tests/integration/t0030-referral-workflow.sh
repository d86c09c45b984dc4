#!/bin/sh
# The referral workflow end to end through real sync, under the Gonghe
# rule profile the county server sends its stations: an urgent case is
# referred, the bureau acknowledges late (overdue at both ends and on the
# server), disputes, the legal office escalates, the county government
# decides; two bureau stations accepting at once is a conflict, kept.
. "$(dirname "$0")/lib.sh"
test_plan 20
# The stations' clocks jump days ahead of the server's pinned one.
SERVER_OPTS="--max-clock-ahead 0"

export LIANDONG_NOW="2026-09-29T10:00:00+08:00"
"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
add_station lyx 龙羊峡镇
add_station bureau 县综合行政执法局 bureau
add_station bureau2 县综合行政执法局 bureau
add_station legal 县司法局 legal
add_station gov 县人民政府 government
refresh_directory lyx bureau bureau2 legal gov
BUREAU=县综合行政执法局

sync_all() { # twice round: what one station pushes, every other pulls
	for r in 1 2; do
		for s in lyx bureau bureau2 legal gov; do
			on $s sync >/dev/null || return 1
		done
	done
}

test_expect_success 'stations received the county rule profile when they enrolled' '
	sqlite3 lyx.db "SELECT value FROM meta WHERE key=\"profile\"" >p &&
	test_grep "gonghe" p && test_grep "5个工作日" p
'

on lyx case open --source patrol --category 违法建设 --location 查纳村 \
	--description "正在施工" --discovered-at "2026-09-29 09:00" --urgent >case

test_expect_success 'an urgent case must be referred within 24 hours' '
	on lyx due --json >due.json &&
	test_grep "2026-09-30T09:00:00+08:00" due.json &&
	test_grep "gonghe/refer_urgent" due.json
'

test_expect_code 2 'a referral without its evidence is refused' '
	on lyx referral send "$(cat case)" --to $BUREAU --letter 移送函 \
		--source-material 笔录
'

on lyx referral send "$(cat case)" --to $BUREAU --letter "龙移〔2026〕1号" \
	--source-material 现场检查笔录 --evidence 照片 --urgent >ref
R=$(cat ref)
sync_all

test_expect_success 'the bureau must acknowledge within 5 working days, across the National Day week' '
	on bureau due --json >bdue.json &&
	test_grep "$R" bdue.json &&
	test_grep "2026-10-12T23:59:59+08:00" bdue.json
'

export LIANDONG_NOW="2026-10-14T09:00:00+08:00"

test_expect_success 'past the due time it is overdue at both ends and on the server' '
	on bureau due --overdue >b && test_grep "OVERDUE" b && test_grep "$R" b &&
	on lyx due --overdue >l && test_grep "OVERDUE" l && test_grep "$R" l &&
	"$LDS" due --overdue >s && test_grep "OVERDUE" s && test_grep "$R" s
'

test_expect_code 9 'only the receiving unit can acknowledge' '
	on lyx referral acknowledge "$R"
'

test_expect_code 4 'the receiver cannot refer the case onward: it holds no case to refer' '
	on bureau referral send "$(cat case)" --to 县自然资源局 --letter x \
		--source-material y --evidence z
'

test_expect_success 'the bureau acknowledges late; the referral shows it at both ends' '
	on bureau referral acknowledge "$R" >/dev/null && sync_all &&
	on lyx referral show "$R" >show && test_grep "LATE" show &&
	on bureau referral show "$R" >show2 && test_grep "LATE" show2
'

test_expect_success 'the bureau disputes jurisdiction; the township sees it' '
	on bureau referral dispute "$R" --reason "属于自然资源部门职责" >/dev/null &&
	sync_all && on lyx referral show "$R" >show && test_grep "disputed" show
'

test_expect_code 9 'a disputed referral cannot be accepted before the decision' '
	on bureau referral accept "$R"
'

test_expect_success 'the dispute goes to the legal office, which receives the whole history' '
	on lyx referral escalate "$R" --to 县司法局 --reason "协商未果" >/dev/null &&
	sync_all &&
	on legal referral show "$R" >lg && test_grep "escalated" lg &&
	on legal log --json >legal.json && test_grep "referral.sent" legal.json &&
	test_grep "referral.disputed" legal.json &&
	test_grep ! "case.opened" legal.json
'

test_expect_success 'the legal office escalates to the county government, which decides' '
	on legal referral escalate "$R" --to 县人民政府 --reason "协调未果" >/dev/null &&
	sync_all &&
	on gov referral decide "$R" --handler $BUREAU --reason "由综合行政执法局查处" >/dev/null &&
	sync_all &&
	on lyx referral show "$R" >show && test_grep "decided" show
'

test_expect_success 'the decision shows; the handler too, only when another unit than the addressee' '
	on lyx referral show "$R" >show &&
	test_grep "^decision: *由综合行政执法局查处\$" show &&
	test_grep "^reason: *协调未果\$" show && test_grep ! "^handler:" show
'

test_expect_code 3 'a result with a malformed --decided-at is refused' '
	on bureau referral result "$R" --decision x --decided-at 昨天 2>err; st=$?
	test_grep "^liandong: error: invalid date .昨天. for --decided-at" err &&
	exit $st
'

test_expect_success 'two bureau stations accept at once, offline; one acceptance, one conflict' '
	on bureau referral accept "$R" >/dev/null &&
	on bureau2 referral accept "$R" >/dev/null &&
	sync_all &&
	on lyx referral show "$R" >show && test_grep "accepted" show &&
	test_grep "already accepted" show &&
	on bureau referral show --json "$R" >a.json &&
	on bureau2 referral show --json "$R" >b.json &&
	python3 -c "
import json
a = json.load(open(\"a.json\"))[\"referral\"]
b = json.load(open(\"b.json\"))[\"referral\"]
assert a == b, \"replicas differ\"
assert a[\"status\"] == \"accepted\" and len(a[\"conflicts\"]) == 1, a"
'

test_expect_success 'liandong conflicts lists it, the same at every end' '
	on lyx conflicts --json >c1.json && on bureau2 conflicts --json >c2.json &&
	jeq c1.json "[(c.record, c.kind, c.reason) for c in d.conflicts] == [(\"$R\", \"referral.accepted\", \"accepted_twice\")]" true &&
	jeq c1.json "d.conflicts == json.load(open(\"c2.json\"), object_hook=O)[\"conflicts\"]" true &&
	on lyx conflicts >c.txt && test_grep "already accepted" c.txt
'

test_expect_success 'the result closes the referral; nothing is left due' '
	on bureau referral result "$R" --decision "责令拆除，罚款" >/dev/null &&
	sync_all && on lyx referral show "$R" >show && test_grep "closed" show &&
	on lyx due --json >d.json && test_grep ! "$R" d.json
'

# The county changes its rules: the server now sends Yicheng's.
stop_server
sed -i "s/^rules = .*/rules = yicheng/" "$LIANDONG_SERVER_DIR/server.conf"
start_server --listen "127.0.0.1:$SERVER_PORT"
sync_all

test_expect_success 'a profile change never rewrites a deadline already running' '
	on lyx referral show --json "$R" >r.json &&
	jeq r.json "d.referral.ack_due.due" "2026-10-12T23:59:59+08:00" &&
	jeq r.json "d.referral.ack_due.rule" "gonghe/acknowledge"
'

test_expect_success 'new deadlines count by the new rules (Yicheng: 3 working days)' '
	on lyx case open --source patrol --category 违法建设 --location 查纳村 \
		--description "新规则" --discovered-at "2026-10-14 08:00" >case2 &&
	on lyx due --json >due2.json &&
	test_grep "yicheng/refer" due2.json &&
	test_grep "2026-10-19T23:59:59+08:00" due2.json
'

sync_all
test_expect_success 'every station converged with the server and verifies' '
	converged lyx 龙羊峡镇 && converged bureau $BUREAU &&
	converged bureau2 $BUREAU && converged legal 县司法局 &&
	converged gov 县人民政府 &&
	for s in lyx bureau bureau2 legal gov; do on $s verify >/dev/null || exit 1; done
'

test_done
