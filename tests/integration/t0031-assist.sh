#!/bin/sh
# Assistance requests (执法协助) end to end through real sync, under the
# Gonghe profile (3 working days to answer, extendable without a cap): a
# township asks the market regulator for testing; the deadline crosses
# the National Day week; only the asked unit answers, sealed, or extends
# before the deadline; two regulator stations answering at once offline
# give one answer and one conflict, the same on every replica.
. "$(dirname "$0")/lib.sh"
test_plan 16
# The stations' clocks jump days ahead of the server's pinned one.
SERVER_OPTS="--max-clock-ahead 0"

export LIANDONG_NOW="2026-09-29T10:00:00+08:00"
"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
add_station lyx 龙羊峡镇
add_station scj 县市场监管局 department
add_station scj2 县市场监管局 department
add_station lj 县林业局 department
refresh_directory lyx scj scj2 lj
SCJ=县市场监管局

sync_all() {
	for r in 1 2; do
		for s in lyx scj scj2 lj; do
			on $s sync >/dev/null || return 1
		done
	done
}

on lyx case open --source patrol --category 食品安全 --location 查纳村 \
	--description "销售来源不明的熟食" --discovered-at "2026-09-29 09:00" >case

test_expect_code 2 'a request needs its type' '
	on lyx assist request --to $SCJ --subject 熟食样品
'

test_expect_code 3 'an unknown type is refused with the list' '
	on lyx assist request --to $SCJ --type 化验 --subject 熟食样品 2>err
'

test_expect_code 4 'a request for a case this station does not hold is refused' '
	on lyx assist request --to $SCJ --type testing --subject x --case C-lyx-99
'

on lyx assist request --to $SCJ --type 检测 --subject "熟食样品微生物检测" \
	--case "$(cat case)" --urgent >req
A=$(cat req)

test_expect_success 'the request is due in 3 working days, across the National Day week' '
	on lyx assist show --json "$A" >a.json &&
	test_grep "2026-10-09T23:59:59+08:00" a.json &&
	test_grep "gonghe/assist" a.json &&
	on lyx assist list --outgoing >l && test_grep "$A" l && test_grep "检测" l
'

sync_all

test_expect_success 'the regulator sees it incoming and owes the answer; the forester does not see it' '
	on scj assist list --incoming >in && test_grep "$A" in &&
	on scj due --json >d.json && test_grep "$A" d.json &&
	test_grep "2026-10-09T23:59:59+08:00" d.json &&
	on lj assist list --json >lj.json && test_grep ! "$A" lj.json
'

test_expect_code 9 'the requester cannot extend the time to answer' '
	on lyx assist extend "$A" --days 5 --reason 需要更久
'

test_expect_code 2 'an answer must be sealed' '
	on scj assist answer "$A" --conclusion 合格
'

test_expect_code 4 'another unit cannot answer: it does not even hold the request' '
	on lj assist answer "$A" --conclusion 合格 --sealed
'

test_expect_code 3 'an extension must go beyond the 3 working days' '
	on scj assist extend "$A" --days 3 --reason 复杂
'

test_expect_success 'the regulator extends to 5 working days before the deadline' '
	on scj assist extend "$A" --days 5 --reason "需送省级实验室" >/dev/null &&
	sync_all && on lyx assist show "$A" >show &&
	test_grep "2026-10-12 23:59" show && test_grep "需送省级实验室" show
'

test_expect_code 3 'an extension never moves the deadline earlier' '
	on scj assist extend "$A" --days 4 --reason 缩短
'

export LIANDONG_NOW="2026-10-13T09:00:00+08:00"

test_expect_success 'past the extended deadline it is overdue at both ends and on the server' '
	on lyx due --overdue >l && test_grep "OVERDUE" l && test_grep "$A" l &&
	on scj due --overdue >s && test_grep "$A" s &&
	"$LDS" due --overdue >sv && test_grep "$A" sv
'

test_expect_code 9 'no extension once the deadline has passed' '
	on scj assist extend "$A" --days 8 --reason 再延
'

test_expect_success 'two regulator stations answer at once, offline: one answer, one conflict' '
	on scj assist answer "$A" --conclusion "菌落总数超标" --sealed >/dev/null &&
	on scj2 assist answer "$A" --conclusion "合格" --sealed >/dev/null &&
	sync_all &&
	on lyx assist show "$A" >show && test_grep "answered" show &&
	test_grep "already answered" show && test_grep "LATE" show &&
	on scj assist show --json "$A" >a.json &&
	on scj2 assist show --json "$A" >b.json &&
	on lyx assist show --json "$A" >c.json &&
	python3 -c "
import json
a, b, c = (json.load(open(f))[\"assist\"] for f in (\"a.json\", \"b.json\", \"c.json\"))
assert a == b == c, \"replicas differ\"
assert a[\"status\"] == \"answered\" and len(a[\"conflicts\"]) == 1, a
assert a[\"answer\"][\"unit\"] == \"县市场监管局\", a"
'

test_expect_code 9 'a second answer is refused at once' '
	on scj assist answer "$A" --conclusion 复检 --sealed
'

test_expect_success 'nothing is left due; every station converged and verifies' '
	on lyx due --json >d.json && test_grep ! "$A" d.json &&
	converged lyx 龙羊峡镇 && converged scj $SCJ && converged scj2 $SCJ &&
	converged lj 县林业局 &&
	for s in lyx scj scj2 lj; do on $s verify >/dev/null || exit 1; done
'

test_done
