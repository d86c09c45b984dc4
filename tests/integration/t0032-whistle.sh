#!/bin/sh
# "Township whistles, departments report" (乡镇吹哨、部门报到) through real
# sync, under the Gu profile (a department called to a serious hazard
# reports immediately: due within the hour): an unanswered call is
# overdue everywhere, escalates to the county government, which receives
# the whole record; the department reports late; after the answer there
# is no escalation. Under a profile without the rule, a call has no due
# time but stays open.
. "$(dirname "$0")/lib.sh"
test_plan 11
# The stations' clocks jump days ahead of the server's pinned one.
SERVER_OPTS="--max-clock-ahead 0"

export LIANDONG_NOW="2026-09-29T10:00:00+08:00"
"$LDS" init --county 古县 --listen 127.0.0.1:0 --rules gu >/dev/null
start_server
add_station yl 岳阳镇
add_station yj 县应急管理局 department
add_station gov 县人民政府 government
refresh_directory yl yj gov
YJ=县应急管理局

sync_all() {
	for r in 1 2; do
		for s in yl yj gov; do
			on $s sync >/dev/null || return 1
		done
	done
}

test_expect_code 2 'a call needs its location' '
	on yl whistle call --to $YJ --matter 燃气泄漏隐患
'

on yl whistle call --to $YJ --matter "液化气站泄漏隐患" --location "岳阳镇东街" >w
W=$(cat w)

test_expect_success 'the department must report within the hour (gu/whistle_answer)' '
	on yl whistle show --json "$W" >w.json &&
	test_grep "2026-09-29T11:00:00+08:00" w.json &&
	test_grep "gu/whistle_answer" w.json &&
	on yl whistle list --outgoing >l && test_grep "$W" l
'

sync_all

test_expect_success 'the department sees the call and owes the report' '
	on yj whistle list --incoming >in && test_grep "$W" in &&
	on yj due >d && test_grep "$W" d && test_grep "报到" d
'

test_expect_code 11 'the department cannot escalate its own call: not its role' '
	on yj whistle escalate "$W" --to 县人民政府 --reason 自己升级
'

export LIANDONG_NOW="2026-09-29T11:30:00+08:00"

test_expect_success 'unanswered past the hour: overdue at both ends and on the server' '
	on yl due --overdue >l && test_grep "OVERDUE" l && test_grep "$W" l &&
	on yj due --overdue >d && test_grep "$W" d &&
	"$LDS" due --overdue >s && test_grep "$W" s
'

test_expect_success 'the township escalates; the county government receives the whole call' '
	on yl whistle escalate "$W" --to 县人民政府 --reason "一小时未到场" >/dev/null &&
	sync_all &&
	on gov whistle show "$W" >g && test_grep "escalated" g &&
	test_grep "液化气站泄漏隐患" g &&
	on gov log --json >gov.json && test_grep "whistle.called" gov.json &&
	on gov due >gd && test_grep "$W" gd && test_grep "see that the department" gd
'

test_expect_success 'the department reports, late; the call is answered everywhere' '
	on yj whistle answer "$W" --officer-sent "王强、李明" --note 已到场处置 >/dev/null &&
	sync_all &&
	on yl whistle show "$W" >s && test_grep "answered" s &&
	test_grep "LATE" s && test_grep "王强、李明" s &&
	on gov whistle show "$W" >g && test_grep "answered" g
'

test_expect_code 9 'an answered call cannot be escalated' '
	on yl whistle escalate "$W" --to 县人民政府 --reason 迟到
'

test_expect_code 9 'nor answered twice' '
	on yj whistle answer "$W" --officer-sent 赵六
'

test_expect_success 'nothing is left due; every station converged and verifies' '
	on yl due --json >d.json && test_grep ! "$W" d.json &&
	"$LDS" due --json >s.json && test_grep ! "$W" s.json &&
	converged yl 岳阳镇 && converged yj $YJ && converged gov 县人民政府 &&
	for s in yl yj gov; do on $s verify >/dev/null || exit 1; done
'

test_expect_success 'without a whistle_answer rule a call is open with no due time' '
	"$LD" init --db solo.db --station solo --unit 龙羊峡镇 >/dev/null &&
	LIANDONG_DB=solo.db LIANDONG_RULES="$TOP/conf/rules/gonghe.ini" \
		"$LD" whistle call --to 县住建局 --matter 危房 --location 查纳村 >sw &&
	LIANDONG_DB=solo.db "$LD" due --json >sd.json &&
	python3 -c "
import json
d = json.load(open(\"sd.json\"))[\"obligations\"]
assert len(d) == 1 and d[0][\"due\"] is None and d[0][\"owed_by\"] == \"县住建局\", d"
'

test_done
