#!/bin/sh
# Joint meetings (联席会议) through real sync, under the Yicheng profile
# (topics collected ten days before the meeting: for a meeting on
# 2026-10-10, before 2026-09-30 begins): member units propose topics, a
# late topic is refused, the convener records minutes and resolutions,
# a resolution's owner outside the invited units receives the whole
# meeting, owners report follow-up, and open resolutions stay in `due`
# for their owners with no due time; the minutes start the quarter to
# the next regular meeting, discharged by scheduling it. Under Gu (notice 5 working days
# before), scheduling is the notice, late or not.
. "$(dirname "$0")/lib.sh"
test_plan 22
# The stations' clocks jump days ahead of the server's pinned one.
SERVER_OPTS="--max-clock-ahead 0"

export LIANDONG_NOW="2026-09-28T10:00:00+08:00"
"$LDS" init --county 峄城区 --listen 127.0.0.1:0 --rules yicheng >/dev/null
start_server
add_station sf 区司法局 legal
add_station zf 区综合行政执法局 bureau
add_station sc 区市场监管局 department
add_station ly 区林业局 department
refresh_directory sf zf sc ly
ZF=区综合行政执法局
SC=区市场监管局

sync_all() {
	for r in 1 2; do
		for s in sf zf sc ly; do
			on $s sync >/dev/null || return 1
		done
	done
}

test_expect_code 3 'an unknown kind of meeting is refused' '
	on sf meeting schedule --kind 座谈会 --at "2026-10-10 09:00" --units $ZF
'

test_expect_code 2 'a meeting needs other units' '
	on sf meeting schedule --kind joint --at "2026-10-10 09:00" --units 区司法局
'

on sf meeting schedule --kind 联席会议 --at "2026-10-10 09:00" \
	--units "$ZF,$SC" >m
M=$(cat m)

test_expect_success 'topics are due before 2026-09-30 begins (yicheng/meeting_topics)' '
	on sf meeting show --json "$M" >m.json &&
	test_grep "2026-09-30T00:00:00+08:00" m.json &&
	test_grep "yicheng/meeting_topics" m.json
'

sync_all

test_expect_success 'the member units received the meeting; the forestry bureau did not' '
	on zf meeting list >l && test_grep "$M" l && test_grep "联席会议" l &&
	on sc meeting list --json >s.json && test_grep "$M" s.json &&
	on ly meeting list --json >ly.json && test_grep ! "$M" ly.json
'

test_expect_success 'a member unit proposes a topic in time' '
	on sc meeting topic "$M" --topic "食品摊贩执法分工" >/dev/null
'

export LIANDONG_NOW="2026-09-30T09:00:00+08:00"

test_expect_code 9 'a topic after the collection deadline is refused' '
	on zf meeting topic "$M" --topic "迟到的议题"
'

test_expect_code 9 'resolutions come with the minutes' '
	on sf meeting resolution "$M" --text 先定 --owner $ZF
'

export LIANDONG_NOW="2026-10-10T15:00:00+08:00"
sync_all

test_expect_code 9 'only the convener records the minutes' '
	on sc meeting minutes "$M" --text 纪要
'

test_expect_success 'the convener records the minutes and two resolutions' '
	on sf meeting minutes "$M" --text "会议明确食品摊贩由执法局查处" >/dev/null &&
	on sf meeting resolution "$M" --text "执法局牵头整治夜市摊贩" --owner $ZF >/dev/null &&
	on sf meeting resolution "$M" --text "林业局核查林地占用" --owner 区林业局 >/dev/null &&
	sync_all &&
	on zf meeting show "$M" >show && test_grep "held" show &&
	test_grep "#1 $ZF" show && test_grep "#2 区林业局" show &&
	test_grep "食品摊贩执法分工" show
'

test_expect_success 'the owner outside the invited units received the whole meeting' '
	on ly meeting show "$M" >ly && test_grep "会议明确食品摊贩由执法局查处" ly &&
	on ly log --json >ly.json && test_grep "meeting.scheduled" ly.json
'

test_expect_success 'open resolutions are due for their owners, with no due time' '
	on zf due --json >z.json &&
	python3 -c "
import json
d = [o for o in json.load(open(\"z.json\"))[\"obligations\"] if o[\"record\"] == \"$M\"]
assert len(d) == 1 and d[0][\"due\"] is None and d[0][\"owed_by\"] == \"$ZF\", d" &&
	on ly due >l && test_grep "$M" l &&
	"$LDS" due --unit 区林业局 >s && test_grep "$M" s
'

test_expect_code 9 'only the owner reports on its resolution' '
	on zf meeting followup "$M" --resolution 2 --status done --note 代报
'

test_expect_code 4 'there is no third resolution' '
	on zf meeting followup "$M" --resolution 3 --status done --note x
'

test_expect_success 'the owners report; a done resolution leaves due' '
	on zf meeting followup "$M" --resolution 1 --status done --note "已整治完毕" >/dev/null &&
	on ly meeting followup "$M" --resolution 2 --status in-progress --note "核查中" >/dev/null &&
	sync_all &&
	on sf meeting show "$M" >show && test_grep "已整治完毕" show &&
	test_grep "核查中" show &&
	on zf due --json >z.json && test_grep ! "$M" z.json &&
	on ly due --json >l.json && test_grep "$M" l.json
'

test_expect_success 'meeting show lists units, topics and follow-ups under their labels' '
	on sf meeting show "$M" >show &&
	for l in "units:         $ZF" "               $SC" \
	    "topics:        食品摊贩执法分工 ($SC)" \
	    "resolutions:   #1 $ZF: 执法局牵头整治夜市摊贩 [done]" \
	    "                 done: 已整治完毕" \
	    "               #2 区林业局: 林业局核查林地占用 [in-progress]" \
	    "                 in-progress: 核查中"; do
		grep -qxF "$l" show || { echo "missing: $l" >&2; cat show >&2; exit 1; }
	done
'

test_expect_code 9 'a done resolution takes no more follow-up' '
	on zf meeting followup "$M" --resolution 1 --status in-progress --note 反复
'

test_expect_success 'the minutes start the quarter to the next regular meeting (3 months: Oct 10 to Jan 10)' '
	on sf due --json >sf.json &&
	test_grep "2027-01-10T23:59:59+08:00" sf.json &&
	test_grep "yicheng/meeting_interval" sf.json
'

test_expect_code 9 'only the convener schedules the next one in its place' '
	on zf meeting schedule --kind joint --at "2027-01-08 09:00" --units $SC \
		--follows "$M"
'

test_expect_success 'scheduling the next regular meeting discharges it' '
	on sf meeting schedule --kind joint --at "2027-01-08 09:00" \
		--units "$ZF,$SC,区林业局" --follows "$M" >m2 &&
	on sf meeting show "$M" >show && test_grep "$(cat m2)" show &&
	on sf due --json >sf.json && test_grep ! "meeting_interval" sf.json &&
	sync_all && on zf meeting list >l && test_grep "$(cat m2)" l
'

test_expect_code 9 'a meeting is followed once' '
	on sf meeting schedule --kind joint --at "2027-01-09 09:00" --units $ZF \
		--follows "$M"
'

test_expect_success 'every station converged with the server and verifies' '
	converged sf 区司法局 && converged zf $ZF && converged sc $SC &&
	converged ly 区林业局 &&
	for s in sf zf sc ly; do on $s verify >/dev/null || exit 1; done
'

test_expect_success 'under Gu, scheduling is the notice: 5 working days before, late when after' '
	"$LD" init --db gu.db --station gu1 --unit 县司法局 >/dev/null &&
	export LIANDONG_DB=gu.db LIANDONG_RULES="$TOP/conf/rules/gu.ini" \
		LIANDONG_NOW="2026-09-29T10:00:00+08:00" &&
	"$LD" meeting schedule --kind joint --at 2026-10-14 --units 县住建局 >g1 &&
	"$LD" meeting show "$(cat g1)" >s1 &&
	test_grep "2026-10-08 00:00 (gu/meeting_notice), done" s1 &&
	test_grep ! "LATE" s1 &&
	LIANDONG_NOW="2026-10-09T10:00:00+08:00" \
		"$LD" meeting schedule --kind 会商 --at 2026-10-14 --units 县住建局 >g2 &&
	"$LD" meeting show "$(cat g2)" >s2 && test_grep "LATE" s2 &&
	test_grep "会商" s2
'

test_done
