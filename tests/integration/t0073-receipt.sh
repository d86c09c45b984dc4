#!/bin/sh
# A receiving unit's deadlines count from when the record was delivered
# to it (issue 14 item 2; docs/rules.md, "What a deadline counts from").
# Under Gonghe's rules a written supervision opinion is answered "在收到
# 书面意见7个工作日内" (三(七)): 7 working days from receipt.
#
# A department records an opinion offline on Thursday 2026-04-30 and first
# syncs on Wednesday 2026-05-20, when the county server (its clock pinned
# there) first holds it. By the 2026 calendar (May 1-5 holidays, Saturday
# May 9 a working day), counted by hand:
#   from 04-30: May 6, 7, 8, 9 (Sat, worked), 11, 12, 13 -> due 2026-05-13
#   from 05-20: May 21, 22, 25, 26, 27, 28, 29            -> due 2026-05-29
#   from 05-08: May 9 (Sat, worked), 11, 12, 13, 14, 15, 18 -> due 2026-05-18
# The bureau's agent records the receipt (supervision.received, basis
# "server") when it takes the opinion in; the sender sees the same due
# once it syncs; a paper receipt dated 05-08 moves it earlier. A kill -9
# at every write and sync of the pull that records a receipt loses
# nothing and never records it twice.
. "$(dirname "$0")/lib.sh"
test_plan 13
SERVER_OPTS="--max-clock-ahead 0"
FS="$BUILD/tests/tools/failsync.so"
# The shim is not built with ASan and loads before its runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
BUREAU=县综合行政执法局
ZRJ=县自然资源局

export LIANDONG_NOW="2026-05-20T09:00:00+08:00"   # the server's clock
"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
add_station zrj $ZRJ department
add_station bureau $BUREAU bureau
add_station bureau2 $BUREAU bureau
refresh_directory zrj bureau bureau2

# opinion AT SUBJECT: a written opinion from zrj to the bureau, recorded
# at AT; prints its id.
opinion() {
	LIANDONG_NOW="$1" on zrj supervision send --type opinion --to $BUREAU \
		--subject "$2" --text "执法程序不规范，请书面回复" --officer 王芳
}

V1=$(opinion "2026-04-30T10:00:00+08:00" "占用林地处罚程序")

test_expect_success 'recorded offline on 04-30, the sender counts 7 working days from then' '
	on zrj supervision show --json "$V1" >v1.json &&
	jeq v1.json d.supervision.reply_due.due 2026-05-13T23:59:59+08:00 &&
	jeq v1.json d.supervision.reply_due.rule gonghe/supervision_reply
'

on zrj sync >/dev/null
on bureau sync >/dev/null

test_expect_success 'the bureau, receiving it on 05-20, owes the reply 7 working days from 05-20' '
	on bureau due --json >due.json &&
	python3 - "$V1" <<-\PY
	import json, sys
	d = json.load(open("due.json"))
	items = [o for o in d["obligations"] if o["record"] == sys.argv[1]]
	assert len(items) == 1, items
	assert items[0]["due"] == "2026-05-29T23:59:59+08:00", items[0]
	assert not items[0].get("overdue"), items[0]
	PY
'

test_expect_success 'the receipt is an event of the bureau, from the server stamp' '
	on bureau supervision show --json "$V1" >b1.json &&
	jeq b1.json d.supervision.received.at 2026-05-20T09:00:00+08:00 &&
	jeq b1.json d.supervision.received.basis server &&
	jeq b1.json d.supervision.received.unit $BUREAU &&
	jeq b1.json "sum(1 for e in d[\"events\"] if e[\"kind\"] == \"supervision.received\")" 1
'

on bureau sync >/dev/null
on zrj sync >/dev/null

test_expect_success 'the sender sees the same due once it syncs' '
	on zrj supervision show --json "$V1" >v1.json &&
	jeq v1.json d.supervision.reply_due.due 2026-05-29T23:59:59+08:00 &&
	jeq v1.json d.supervision.received.at 2026-05-20T09:00:00+08:00
'

test_expect_success 'show prints when it was entered, sent and received' '
	on zrj supervision show "$V1" >show.txt &&
	grep "entered:.*2026-04-30 10:00" show.txt &&
	grep "received:.*2026-05-20 09:00" show.txt
'

test_expect_code 3 'a paper receipt cannot be in the future' '
	on bureau supervision receive "$V1" --received-at "2026-05-21 10:00" \
		--officer 李强
'

test_expect_code 3 'nor before the opinion was sent' '
	on bureau supervision receive "$V1" --received-at "2026-04-29 10:00" \
		--officer 李强
'

test_expect_success 'a paper receipt of 05-08 moves the reply to 7 working days from 05-08' '
	on bureau supervision receive "$V1" --received-at "2026-05-08 10:00" \
		--officer 李强 >/dev/null &&
	on bureau supervision show --json "$V1" >b1.json &&
	jeq b1.json d.supervision.reply_due.due 2026-05-18T23:59:59+08:00 &&
	jeq b1.json d.supervision.received.basis paper &&
	on bureau sync >/dev/null && on zrj sync >/dev/null &&
	on zrj supervision show --json "$V1" >v1.json &&
	jeq v1.json d.supervision.reply_due.due 2026-05-18T23:59:59+08:00 &&
	on bureau due --json --overdue >od.json && test_grep "$V1" od.json
'

test_expect_success '--sent-at: a paper letter that left on 04-28, entered on 05-20' '
	on zrj supervision send --type opinion --to $BUREAU --subject 纸质来函 \
		--text 请回复 --officer 王芳 --sent-at "2026-04-28 16:00" >v2 &&
	on zrj supervision show --json "$(cat v2)" >v2.json &&
	jeq v2.json d.supervision.sent_at 2026-04-28T16:00:00+08:00 &&
	jeq v2.json d.supervision.reply_due.due 2026-05-11T23:59:59+08:00
'

# 04-28 16:00 (Tue): Apr 29, 30, May 6, 7, 8, 9 (Sat, worked), 11 -> 05-11.

V3=$(opinion "2026-05-19T10:00:00+08:00" "第三份意见")
on zrj sync >/dev/null

# The pull that takes V3 in on bureau2, killed at each write and sync
# in turn until one run finishes: after each, the database verifies, and
# it holds V3 with exactly one receipt, or neither.
test_expect_success 'kill -9 during the pull that records a receipt: one receipt or none, never the record alone' '
	n=1 kills=0 &&
	while [ $n -le 80 ]; do
		with_env LD_PRELOAD="$FS" FAILSYNC_OPS=all \
			FAILSYNC_MATCH=bureau2.db FAILSYNC_NTH=$n \
			FAILSYNC_ACTION=kill -- \
			env LIANDONG_DB="$SCRATCH/bureau2.db" "$LD" sync \
			>/dev/null 2>&1
		st=$?
		on bureau2 verify >/dev/null || { echo "verify after kill $n"; exit 1; }
		if on bureau2 supervision show --json "$V3" >v3.json 2>/dev/null; then
			jeq v3.json "sum(1 for e in d[\"events\"] if e[\"kind\"] == \"supervision.received\")" 1 ||
				{ echo "kill $n"; exit 1; }
		fi
		[ $st -eq 137 ] || break
		kills=$((kills + 1)) n=$((n + 1))
	done &&
	echo "# $kills kills" && [ $kills -ge 3 ] && [ $st -eq 0 ]
'

test_expect_success 'after the kills: one receipt, the due from the server stamp, everywhere' '
	on bureau2 sync >/dev/null && on bureau sync >/dev/null &&
	on zrj sync >/dev/null &&
	for s in bureau bureau2 zrj; do
		on $s supervision show --json "$V3" >v3.json &&
		jeq v3.json "sum(1 for e in d[\"events\"] if e[\"kind\"] == \"supervision.received\")" 1 &&
		jeq v3.json d.supervision.reply_due.due 2026-05-29T23:59:59+08:00 ||
		exit 1
	done
'

# An assistance request the bureau recorded on 04-30, received by the
# department on 05-20: Gonghe's 3 working days (三(二)4) from 05-20 are
# May 21, 22, 25 -> 05-25; extended to 5 in all, from the same receipt:
# May 21, 22, 25, 26, 27 -> 05-27 (from 04-30 it would be 05-11, earlier
# than the due it extends, and refused).
test_expect_success 'an extension counts from the receipt too' '
	LIANDONG_NOW="2026-04-30T11:00:00+08:00" on bureau assist request \
		--to $ZRJ --type appraisal --subject 林地面积鉴定 --officer 李强 >a1 &&
	on bureau sync >/dev/null && on zrj sync >/dev/null &&
	on zrj assist show --json "$(cat a1)" >a1.json &&
	jeq a1.json d.assist.answer_due.due 2026-05-25T23:59:59+08:00 &&
	on zrj assist extend "$(cat a1)" --days 5 --reason 需现场测量 \
		--officer 王芳 >/dev/null &&
	on zrj assist show --json "$(cat a1)" >a1.json &&
	jeq a1.json d.assist.answer_due.due 2026-05-27T23:59:59+08:00
'

test_expect_success 'the replicas converge' '
	on zrj sync >/dev/null &&
	on bureau sync >/dev/null && on bureau2 sync >/dev/null &&
	converged zrj $ZRJ && converged bureau $BUREAU &&
	converged bureau2 $BUREAU
'

test_done
