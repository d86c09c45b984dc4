#!/bin/sh
# Baijiantan 三(一)5: "接到移送的执法部门应及时处理,情况紧急的应立即派员
# 到达现场进行执法". Under its profile (立即 read as 60 minutes) the unit an
# urgent case is referred to owes officers at the scene within an hour of
# receiving the referral, counted from its receipt like every receiver's
# deadline (issue 14; docs/rules.md, "What a deadline counts from").
#
# A township sends an urgent referral at 08:30 while offline; the county
# server (its clock pinned at 10:00) first holds it when the township
# syncs: the bureau owes officers there by 11:00, not by 09:30.
. "$(dirname "$0")/lib.sh"
test_plan 10
SERVER_OPTS="--max-clock-ahead 0"
BUREAU=县综合行政执法局

export LIANDONG_NOW="2026-11-20T10:00:00+08:00"   # the server's clock
"$LDS" init --county 白碱滩区 --listen 127.0.0.1:0 --rules baijiantan >/dev/null
start_server
add_station tw 三平镇 township
add_station bureau $BUREAU bureau
refresh_directory tw bureau

# refer AT [--urgent]: a case opened and referred to the bureau at AT;
# prints the referral's id.
refer() {
	_at=$1
	shift
	LIANDONG_NOW="$_at" on tw case open --source patrol --category 燃气安全 \
		--location 东街 --description "燃气泄漏" "$@" >case.id &&
	LIANDONG_NOW="$_at" on tw referral send "$(cat case.id)" --to $BUREAU \
		--letter "白移〔2026〕1号" --source-material 现场检查笔录 \
		--evidence 照片 "$@"
}

R=$(refer "2026-11-20T08:30:00+08:00" --urgent)
N=$(refer "2026-11-20T08:40:00+08:00")

test_expect_success 'the sender counts the hour from when it sent the referral' '
	on tw referral show --json "$R" >r.json &&
	jeq r.json d.referral.onsite_due.due 2026-11-20T09:30:00+08:00 &&
	jeq r.json d.referral.onsite_due.rule baijiantan/onsite_urgent
'

test_expect_success 'a referral that is not urgent owes no officers at the scene' '
	on tw referral show --json "$N" >n.json &&
	jeq n.json "d[\"referral\"].get(\"onsite_due\")" null
'

on tw sync >/dev/null
on bureau sync >/dev/null

test_expect_success 'the bureau, receiving it at 10:00, owes officers there by 11:00' '
	LIANDONG_NOW=2026-11-20T10:05:00+08:00 on bureau due --json >due.json &&
	python3 - "$R" "$N" <<-\PY
	import json, sys
	d = json.load(open("due.json"))
	mine = [o for o in d["obligations"] if o["record"] == sys.argv[1]]
	onsite = [o for o in mine if o["rule"] == "baijiantan/onsite_urgent"]
	assert len(onsite) == 1, mine
	assert onsite[0]["due"] == "2026-11-20T11:00:00+08:00", onsite[0]
	assert not onsite[0].get("overdue"), onsite[0]
	other = [o for o in d["obligations"] if o["record"] == sys.argv[2]
	         and o["rule"] == "baijiantan/onsite_urgent"]
	assert other == [], other
	PY
'

test_expect_code 9 'the township that sent it cannot record the arrival' '
	on tw referral arrive "$R" --officer 张三
'

test_expect_code 3 'an arrival before the referral reached the bureau is refused' '
	on bureau referral arrive "$R" --arrived-at "2026-11-20 09:50" --officer 李四
'

test_expect_code 3 'a referral sent before its case was discovered is refused' '
	LIANDONG_NOW=2026-11-20T08:45:00+08:00 on tw case open --source patrol \
		--category 燃气安全 --location 西街 --description "燃气泄漏" \
		--discovered-at "2026-11-20 08:30" --urgent >c2 &&
	LIANDONG_NOW=2026-11-20T08:50:00+08:00 on tw referral send "$(cat c2)" \
		--to $BUREAU --letter "白移〔2026〕2号" --source-material 现场检查笔录 \
		--evidence 照片 --urgent --sent-at "2026-11-20 08:00"
'

test_expect_success 'officers on the scene at 10:40, entered at 11:30: done at 10:40, on time' '
	LIANDONG_NOW=2026-11-20T11:30:00+08:00 on bureau referral arrive "$R" \
		--arrived-at "2026-11-20 10:40" --officer 李四 \
		--note "两名队员到场处置" >/dev/null &&
	on bureau referral show --json "$R" >b.json &&
	jeq b.json d.referral.arrived_at 2026-11-20T10:40:00+08:00 &&
	jeq b.json d.referral.onsite_due.done_at 1795142400000 &&
	jeq b.json d.referral.onsite_due.done_by $BUREAU &&
	jeq b.json "d[\"referral\"][\"onsite_due\"].get(\"late\", False)" false &&
	on bureau due --json >due2.json &&
	! grep -q baijiantan/onsite_urgent due2.json
'

test_expect_code 9 'a second arrival is refused: the first one stands' '
	on bureau referral arrive "$R" --officer 李四
'

test_expect_success 'a station folded by an earlier release folds its records again when opened' '
	sqlite3 bureau.db "UPDATE meta SET value=1 WHERE key=\"fold_version\";
		UPDATE projections SET doc=json_remove(doc, \"\$.onsite_due.done_by\")
		WHERE entity=\"$R\"" &&
	on bureau referral show --json "$R" >old.json 2>err &&
	test_grep "folded again" err &&
	jeq old.json d.referral.onsite_due.done_by $BUREAU &&
	on bureau verify >/dev/null 2>err2 && ! test -s err2 &&
	sqlite3 bureau.db "SELECT value FROM meta WHERE key=\"fold_version\"" >v &&
	test "$(cat v)" -ge 2
'

on bureau sync >/dev/null
on tw sync >/dev/null

test_expect_success 'the township sees when the bureau reached the scene' '
	on tw referral show "$R" >show.txt &&
	test_grep "on the scene:" show.txt &&
	test_grep "2026-11-20 10:40" show.txt
'

test_done
