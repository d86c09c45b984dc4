#!/bin/sh
# Whether the unit that found a matter handles it (自办) or must refer it
# (移送): the time to refer runs only for the latter (Gonghe 三(五)1,3;
# Gu 三(一)2; Yicheng 二(二)1), from discovery; the decision is an event
# (who, when, why). A case opened without saying owes the referral as it
# always did, until decided: nothing is dropped silently, nothing invented.
# Gonghe's profile: 5 working days from discovery; discovered Monday
# 2026-11-02, the day itself not counted: 3, 4, 5, 6 and 9 November, so
# due 2026-11-09 23:59:59. The clock of lib.sh: 2026-11-20.
. "$(dirname "$0")/lib.sh"
test_plan 9

"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
add_station zf 县综合行政执法局 bureau
add_station zj 县住建局 department
refresh_directory zf zj

open_case() { # HANDLING-OPTIONS...
	on zf case open --source patrol --category 违法建设 --location 城关 \
	    --description 施工 --discovered-at "2026-11-02 09:00" "$@"
}

open_case --handle own --why "属本局职责" >own
open_case >undecided
open_case --handle refer --why "属县住建局职责" >refer
OWN=$(cat own) UND=$(cat undecided) REF=$(cat refer)

test_expect_success 'its own case owes no referral: never overdue' '
	on zf case show --json "$OWN" >o.json &&
	jeq o.json d.case.handling own &&
	jeq o.json "\"refer_due\" in d.case" false &&
	on zf due --overdue >d && test_grep ! "$OWN" d
'

test_expect_success 'a case to refer owes it from discovery, 5 working days' '
	on zf case show --json "$REF" >r.json &&
	jeq r.json d.case.refer_due.due 2026-11-09T23:59:59+08:00 &&
	on zf due --overdue >d && test_grep "$REF.*" d &&
	grep "$REF" d | grep -q "refer the case (移送)"
'

test_expect_success 'a case opened without saying owes it too, and says how to decide' '
	on zf due --overdue --json >d.json &&
	jeq d.json "[o[\"obligation\"] for o in d[\"obligations\"] if o[\"record\"] == \"$UND\"][0]" \
	    "refer the case (移送), or decide that this unit handles it (case decide)"
'

test_expect_code 2 'a decision needs its reason' '
	on zf case decide "$UND" --handle own
'

test_expect_success 'decided as its own: the obligation ends, late as it was; who and why are kept' '
	on zf case decide "$UND" --handle 自办 --why "经核实属本局职责" --officer 王某 >/dev/null &&
	on zf due >d && test_grep ! "$UND" d &&
	on zf case show "$UND" >s && test_grep "handling: *自办" s &&
	test_grep "decided: *经核实属本局职责 (王某)" s &&
	on zf case show --json "$UND" >u.json && jeq u.json d.case.decided.by 王某 &&
	jeq u.json d.case.refer_due.late true
'

test_expect_success 'its own case found outside its competence: referral due from discovery, overdue now' '
	on zf case decide "$OWN" --handle refer --why "涉及林地，属县林草局" >/dev/null &&
	on zf case show --json "$OWN" >o2.json &&
	jeq o2.json d.case.refer_due.due 2026-11-09T23:59:59+08:00 &&
	on zf due --overdue >d && test_grep "$OWN" d
'

test_expect_success 'the county server counts the same: the own case is not overdue there' '
	open_case --handle own --why 本局办理 >own2 &&
	on zf sync >/dev/null &&
	"$LDS" due --overdue >s && test_grep ! "$(cat own2)" s &&
	test_grep "$REF" s && test_grep ! "$UND" s
'

on zf referral send "$REF" --to 县住建局 --letter 移送函 \
    --source-material 笔录 --evidence 照片 >/dev/null
test_expect_code 9 'a case referred cannot be decided its own afterwards' '
	on zf case decide "$REF" --handle own --why 改为自办
'

test_expect_success 'JSON of due keeps its fields' '
	on zf due --json >d.json &&
	jeq d.json "sorted(d[\"obligations\"][0].keys()) == sorted(d[\"obligations\"][-1].keys())" true
'

test_done
