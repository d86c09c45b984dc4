#!/bin/sh
# Joint enforcement operations (联合执法, Yicheng 七(二): the police told
# in advance) through real sync: the bureau plans one with a department
# and the police station; each unit owes its answer and answers once;
# the bureau owes the notice to the police until it records it, late once
# the operation has started; the result links the cases opened from it;
# a unit not taking part neither receives it nor can answer it.
. "$(dirname "$0")/lib.sh"
test_plan 13
SERVER_OPTS="--max-clock-ahead 0"

export LIANDONG_NOW="2026-10-12T09:00:00+08:00"
"$LDS" init --county 宜城区 --listen 127.0.0.1:0 --rules yicheng >/dev/null
start_server
add_station zf 区综合行政执法局 bureau
add_station sj 区市场监管局 department
add_station ga 城关派出所 police
add_station xz 乙镇
refresh_directory zf sj ga xz
SJ=区市场监管局
GA=城关派出所

sync_all() {
	for r in 1 2; do
		for s in zf sj ga xz; do
			on $s sync >/dev/null || return 1
		done
	done
}

test_expect_code 2 'a plan needs its place' '
	on zf operation plan --type campaign --matter 餐饮油烟专项整治 \
	    --unit $SJ --at "2026-10-14 09:00"
'

test_expect_code 2 'a unit outside the directory is refused before anything is recorded' '
	on zf operation plan --type campaign --matter 餐饮油烟专项整治 \
	    --unit 不存在的局 --at "2026-10-14 09:00" --place 城关
'

on zf operation plan --type 专项整治 --matter 餐饮油烟专项整治 --unit $SJ \
    --unit $GA --at "2026-10-14 09:00" --place "城关镇 美食街" >o
O=$(cat o)

# Yicheng 七(二): the police told before the operation; the profile's rule
# operation_police ("提前", no number: 0 days before) makes every plan owe
# it by the start of the operation's day, 2026-10-14 00:00.
test_expect_success 'the plan: the lead owes the police notice by the profile, before the day' '
	on zf operation show "$O" >s && test_grep "专项整治" s &&
	test_grep "2026-10-14 09:00" s && test_grep "not yet" s &&
	on zf due >d && test_grep "tell the police" d && test_grep "$O" d &&
	on zf operation show --json "$O" >o.json &&
	jeq o.json d.operation.police_due.due 2026-10-14T00:00:00+08:00 &&
	jeq o.json d.operation.police_due.rule yicheng/operation_police
'

# A station of a county whose profile has no such rule (Gonghe's).
"$LD" init --db "$SCRATCH/solo.db" --station solo --unit 共和县综合行政执法局 >/dev/null
solo() { LIANDONG_DB="$SCRATCH/solo.db" LIANDONG_RULES=gonghe "$LD" "$@"; }

test_expect_success 'without the rule, --police owes it by the start itself; unsaid, nothing' '
	solo operation plan --type patrol --matter 巡察 --unit 共和县市场监管局 \
	    --at "2026-10-20 09:00" --place 城关 --police --officer 王某 >o2 2>/dev/null &&
	solo operation show --json "$(cat o2)" >o2.json &&
	jeq o2.json d.operation.police_due.due 2026-10-20T09:00:00+08:00 &&
	solo operation plan --type patrol --matter 巡察 --unit 共和县市场监管局 \
	    --at "2026-10-20 09:00" --place 城关 --officer 王某 >o3 2>/dev/null &&
	solo operation show --json "$(cat o3)" >o3.json &&
	jeq o3.json "\"police_due\" in d.operation" false
'

sync_all

test_expect_success 'each unit taking part sees it and owes its answer' '
	on sj operation list --incoming >l && test_grep "$O" l &&
	on sj due >d && test_grep "takes part" d &&
	on ga due >g && test_grep "$O" g
'

test_expect_success 'a township not taking part does not receive it' '
	on xz log --json >x.json && ! grep -q "$O" x.json
'

test_expect_code 4 'a unit not taking part holds no such operation to answer' '
	on xz operation answer "$O" --answer join
'

test_expect_success 'the department answers once; its obligation ends' '
	on sj operation answer "$O" --answer 参加 --officers-sent "李四、赵六" >/dev/null &&
	on sj due >d && ! grep -q "$O" d
'

test_expect_code 9 'answering twice is refused' '
	on sj operation answer "$O" --answer decline --note 改主意
'

export LIANDONG_NOW="2026-10-14T10:00:00+08:00"

test_expect_success 'told after the start of the day: the police notice is done, late' '
	on zf operation police "$O" --contact "城关派出所 值班室" \
	    --notified-at "2026-10-14 09:30" >/dev/null &&
	on zf operation show "$O" >s && test_grep "LATE" s &&
	test_grep "城关派出所 值班室" s
'

on zf case open --matter 油烟直排 --category 环保 --location "美食街3号" \
    --description "油烟未经净化直排" --source patrol --officer 王某 >c
C=$(cat c)

test_expect_code 4 'a result can only link cases held here' '
	on zf operation result "$O" --summary 检查十二家 --case C-nowhere-1
'

test_expect_success 'told before the day, it is not late' '
	solo operation police "$(cat o2)" --contact 城关派出所 --officer 王某 \
	    --notified-at "2026-10-13 16:00" >/dev/null &&
	solo operation show --json "$(cat o2)" >p.json &&
	jeq p.json d.operation.police_due.late false
'

test_expect_success 'the result links the case; every unit taking part sees it' '
	on zf operation result "$O" --summary "检查十二家，立案一起" --case "$C" >/dev/null &&
	sync_all &&
	on sj operation show "$O" >s && test_grep "done" s && test_grep "$C" s &&
	test_grep "参加" s && test_grep "李四、赵六" s &&
	on ga operation show --json "$O" >g.json && test_grep "operation.result" g.json
'

test_done
