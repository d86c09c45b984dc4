#!/bin/sh
# Complaint referral through real sync, under the Gonghe profile: a
# township that received a complaint refers it to the bureau; the bureau
# receives the complaint and, through its own copy addressed to both
# units, the complainant's identity, which a third unit never sees; the
# township tells the complainant where it went; the bureau replies with
# the result. Steps by the wrong unit are refused; replicas converge.
. "$(dirname "$0")/lib.sh"
test_plan 12

export LIANDONG_NOW="2026-09-29T10:00:00+08:00"
"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
add_station lyx 龙羊峡镇
add_station bureau 县综合行政执法局 bureau
add_station zj 县住建局 department
BUREAU=县综合行政执法局

sync_all() {
	for r in 1 2; do
		for s in lyx bureau zj; do
			on $s sync >/dev/null || return 1
		done
	done
}

on lyx complaint record --type report --channel hotline --matter 违规占道经营 \
	--description "夜市摊贩占用消防通道" --location 龙羊峡镇中街 \
	--name 赵六 --phone 13800138000 >t
T=$(cat t)
sync_all

test_expect_success 'before the referral the bureau holds nothing of the complaint' '
	on bureau complaint list --json >b.json && test_grep ! "$T" b.json
'

test_expect_code 9 'notifying the complainant before a referral is refused' '
	on lyx complaint notify "$T" --text 已告知
'

test_expect_code 2 'a referral needs its unit' '
	on lyx complaint refer "$T"
'

test_expect_success 'the township refers the complaint; the bureau receives it with the identity' '
	on lyx complaint refer "$T" --to $BUREAU --note 请依法查处 >/dev/null &&
	sync_all &&
	on bureau complaint show "$T" >s && test_grep "referred" s &&
	test_grep "夜市摊贩占用消防通道" s && test_grep ! 赵六 s &&
	on bureau complaint show --show-identity "$T" >si &&
	test_grep 赵六 si && test_grep 13800138000 si
'

test_expect_success 'the identity copy is not a conflict where it was first recorded' '
	on lyx complaint show --json "$T" >l.json &&
	python3 -c "
import json
d = json.load(open(\"l.json\"))[\"complaint\"]
assert d[\"conflicts\"] == [] and d[\"status\"] == \"referred\", d"
'

test_expect_success 'both ends owe their step in due; a third unit holds nothing' '
	on lyx due >l && test_grep "$T" l && test_grep "tell the complainant" l &&
	on bureau due >b && test_grep "$T" b && test_grep "reply with the result" b &&
	on zj complaint list --json >z.json && test_grep ! "$T" z.json &&
	on zj log --json --show-identity >zl.json && test_grep ! 赵六 zl.json
'

test_expect_code 9 'a second referral to the unit that handles it is refused' '
	on lyx complaint refer "$T" --to $BUREAU
'

test_expect_code 9 'the bureau cannot refer a complaint it did not receive first' '
	on bureau complaint refer "$T" --to 县住建局
'

test_expect_code 9 'only the handling unit replies' '
	on lyx complaint reply "$T" --result 已处理
'

test_expect_success 'the township tells the complainant; the bureau replies; both ends see it' '
	on lyx complaint notify "$T" --text "已电话告知转县综合行政执法局办理" >/dev/null &&
	on bureau complaint reply "$T" --result "已责令摊贩撤离，罚款200元" >/dev/null &&
	sync_all &&
	on lyx complaint show "$T" >s && test_grep "replied" s &&
	test_grep "罚款200元" s &&
	on bureau complaint show "$T" >b && test_grep "已电话告知" b
'

test_expect_code 9 'a second reply is refused' '
	on bureau complaint reply "$T" --result 再次答复
'

test_expect_success 'nothing is left due; every station converged and verifies' '
	on lyx due --json >d.json && test_grep ! "$T" d.json &&
	on bureau due --json >d2.json && test_grep ! "$T" d2.json &&
	converged lyx 龙羊峡镇 && converged bureau $BUREAU && converged zj 县住建局 &&
	for s in lyx bureau zj; do on $s verify >/dev/null || exit 1; done
'

test_done
