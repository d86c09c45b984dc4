#!/bin/sh
# The county's unit directory, and every unit a record is addressed to
# checked against it offline: the county adds units without a station
# ('liandong-server unit add'); a station receives the directory when it
# enrols and a new unit with its next sync; a misspelled unit is refused
# before anything is recorded, with the right name suggested; a referral
# sent to the wrong unit is withdrawn and sent again, the case owing its
# referral in between; a complaint sent to the wrong unit is referred
# again by its first-contact unit, the identity going to the new handler
# only; a station that holds no directory warns once and records.
. "$(dirname "$0")/lib.sh"
test_plan 29

"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
WRONG=县市场监督局 # a misspelling of 县市场监管局
SCJ=县市场监管局
ZRJ=县自然资源局
LJ=县林业局

# --- the directory on the server ---------------------------------------------

test_expect_success 'unit add declares a unit without a station; unit list shows it' '
	"$LDS" unit add 县人民政府 --role government >out &&
	test_grep "县人民政府" out &&
	"$LDS" unit list >list && test_grep "^government .* yes .*县人民政府$" list &&
	"$LDS" unit list --json >list.json &&
	jeq list.json "[u.unit for u in d.units]" 县人民政府 &&
	jeq list.json "d.units[0].stations" 0 && jeq list.json "d.units[0].declared" true
'

test_expect_code 3 'an empty name is refused' '"$LDS" unit add ""'
test_expect_code 3 'a name over 40 characters is refused' '
	"$LDS" unit add 县一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十
'
test_expect_code 3 'a name with a space at either end is refused' '"$LDS" unit add "县水务局 "'
test_expect_code 3 'an unknown role is refused' '"$LDS" unit add 县水务局 --role boss'
test_expect_code 3 'a name already in the directory is refused' '
	"$LDS" unit add 县人民政府 2>err; rc=$?; test_grep "already in the directory" err; exit $rc
'
test_expect_success 'unit add, list and remove have --help' '
	"$LDS" unit add --help >h && test_grep "usage: liandong-server unit add" h &&
	test_grep "role ROLE" h &&
	"$LDS" unit list --help >h && test_grep "usage: liandong-server unit list" h &&
	"$LDS" unit remove --help >h && test_grep "usage: liandong-server unit remove" h
'
test_expect_success 'a unit added by mistake is removed; one never added is not found' '
	"$LDS" unit add 县水利局 >/dev/null && "$LDS" unit remove 县水利局 >/dev/null &&
	"$LDS" unit list >list && test_grep ! 县水利局 list &&
	{ "$LDS" unit remove 县水利局 2>err; test $? = 4; } && test_grep "no unit" err
'

start_server
add_station lyx 龙羊峡镇

test_expect_success 'the directory reaches a station when it enrols' '
	on lyx unit list --json >u.json &&
	jeq u.json d.held true && jeq u.json d.units "县人民政府 龙羊峡镇" &&
	on lyx unit list >u && test_grep "龙羊峡镇 .*(this unit)" u && aligned u
'

add_station zrj $ZRJ department
add_station lj $LJ department
add_station scj $SCJ department
add_station bureau 县综合行政执法局 bureau

test_expect_success 'a unit with a station stays in the directory; the declared role passes to the station' '
	{ "$LDS" unit remove $ZRJ 2>err; test $? = 3; } && test_grep "has station" err &&
	"$LDS" station add --name gov --unit 县人民政府 >/dev/null &&
	"$LDS" station list --json >st.json &&
	jeq st.json "[s.role for s in d.stations if s.station == \"gov\"]" government &&
	{ "$LDS" station add --name gov2 --unit 县人民政府 --role township 2>err; test $? = 3; } &&
	test_grep "one role" err
'

test_expect_success 'a unit added on the server reaches the station with its next sync, once' '
	"$LDS" unit add 县水务局 --role department >/dev/null &&
	on lyx sync --json >s1.json && on lyx unit list --json >u.json &&
	jeq u.json d.units "县人民政府 县市场监管局 县林业局 县水务局 县综合行政执法局 县自然资源局 龙羊峡镇" &&
	on lyx sync --json >s2.json && on lyx sync --json >s3.json &&
	jeq s3.json d.bytes_down "$(jv s2.json d.bytes_down)" &&
	test "$(jv s1.json d.bytes_down)" -gt "$(jv s2.json d.bytes_down)"
'

test_expect_success 'the station holds the hash of what it holds, as the server computes it' '
	h=$(sqlite3 lyx.db "SELECT value FROM meta WHERE key=\"units_hash\"") &&
	sqlite3 lyx.db "SELECT value FROM meta WHERE key=\"units\"" | tr -d "\n" |
		sha256sum | cut -d" " -f1 >want &&
	echo "$h" >got && test_cmp want got
'

# --- a misspelled unit, refused offline ------------------------------------

on lyx case open --source patrol --category 无证经营 --location 查纳村 \
	--description "无证经营熟食" --discovered-at "2026-11-19 09:00" >c
C=$(cat c)
on lyx complaint record --type report --channel phone --matter 无证经营 \
	--description "集市无证售卖熟食" --name 赵六 --phone 13800138000 >t
T=$(cat t)
on lyx whistle call --to $SCJ --matter 熟食安全隐患 --location 集市 >w
W=$(cat w)
on lyx share record --type info --title 巡查通报 >s
S=$(cat s)
stop_server

# refused CMD...: exits 2, names the unit, suggests the right one, and
# records nothing (the station's log is what it was).
refused() {
	on lyx log --json >before.json &&
	{ on lyx "$@" >out 2>err; rc=$?; } ; test $rc = 2 || {
		echo "exit $rc: $*"; cat err; return 1; } &&
	test_grep "liandong: error: no unit '$WRONG' in the county's directory" err &&
	test_grep "hint: did you mean $SCJ?" err &&
	on lyx log --json >after.json && test_cmp before.json after.json
}

test_expect_success 'complaint refer to a misspelled unit: refused, offline, nothing recorded' '
	refused complaint refer "$T" --to $WRONG
'
test_expect_success 'referral send to a misspelled unit: refused, the case still owes its referral' '
	refused referral send "$C" --to $WRONG --letter 移送函 \
		--source-material 检查笔录 --evidence 照片 &&
	on lyx due >d && test_grep "$C" d && test_grep "refer the case" d
'
test_expect_success 'every command that addresses a unit checks it the same way' '
	refused assist request --to $WRONG --type testing --subject 熟食样品 &&
	refused supervision send --type opinion --to $WRONG --subject 意见 --text 建议 &&
	refused whistle escalate "$W" --to $WRONG --reason 未到场 &&
	refused share record --type info --title 通报 --to $LJ --to $WRONG &&
	refused share send "$S" --to $ZRJ --to $WRONG &&
	refused meeting schedule --kind consultation --at "2026-12-10 09:00" \
		--units "$LJ,$WRONG"
'
test_expect_code 2 'a name nothing resembles is refused with a pointer to the list' '
	on lyx complaint refer "$T" --to 县教育局 2>err; rc=$?
	test_grep "no unit .县教育局." err && test_grep "liandong unit list" err &&
	test_grep "liandong sync" err && exit $rc
'

start_server --listen "127.0.0.1:$SERVER_PORT"

# --- a referral to the wrong unit, withdrawn and sent again ---------------

test_expect_success 'a referral sent to an existing but wrong unit cannot simply be sent again' '
	on lyx referral send "$C" --to $LJ --letter 移送函 --source-material 检查笔录 \
		--evidence 照片 >r1 &&
	{ on lyx referral send "$C" --to $ZRJ --letter 移送函 --source-material 检查笔录 \
		--evidence 照片 2>err; test $? = 9; } &&
	test_grep "one case, one referral" err &&
	test_grep "referral withdraw $(cat r1)" err
'

test_expect_success 'withdrawn, the case is referred no more and owes its referral again' '
	on lyx referral withdraw "$(cat r1)" --reason "误送林业局，应移送自然资源局" >/dev/null &&
	on lyx case show --json "$C" >c.json &&
	jeq c.json "\"referred\" in d.case" false &&
	jeq c.json "d.case.withdrawn_referrals[0].referral" "$(cat r1)" &&
	jeq c.json "\"done_at\" in d.case.refer_due" false &&
	on lyx due >d && test_grep "$C" d && test_grep "refer the case" d &&
	on lyx case show "$C" >cs && test_grep "withdrawn:" cs &&
	on lyx sync >/dev/null && "$LDS" due --json >sd.json &&
	jeq sd.json "[o.owed_by for o in d.obligations if o.record == \"$C\"]" 龙羊峡镇
'

test_expect_success 'sent again to the right unit, it stands: the case is referred by it' '
	on lyx referral send "$C" --to $ZRJ --letter 移送函 --source-material 检查笔录 \
		--evidence 照片 >r2 &&
	on lyx case show --json "$C" >c.json &&
	jeq c.json d.case.referred.referral "$(cat r2)" &&
	jeq c.json d.case.refer_due.late false &&
	on lyx due >d && test_grep ! "refer the case" d
'

test_expect_success 'it arrives at the right unit with its due time; the wrong one owes nothing' '
	on lyx sync >/dev/null && on zrj sync >/dev/null && on lj sync >/dev/null &&
	on zrj referral show --json "$(cat r2)" >r2.json &&
	jeq r2.json d.referral.status sent &&
	jeq r2.json d.referral.ack_due.due 2026-11-27T23:59:59+08:00 &&
	jeq r2.json d.referral.refer_due.due 2026-11-26T23:59:59+08:00 &&
	on zrj due --json >zd.json && test_grep "$(cat r2)" zd.json &&
	test_grep "2026-11-27T23:59:59+08:00" zd.json &&
	on lj referral show --json "$(cat r1)" >r1.json &&
	jeq r1.json d.referral.status withdrawn &&
	on lj due --json >ld.json && test_grep ! "$(cat r1)" ld.json &&
	"$LDS" due --json >sd.json &&
	jeq sd.json "[o.obligation for o in d.obligations if o.record == \"$C\"]" ""
'

# --- a complaint to the wrong unit, referred again ------------------------

test_expect_success 'a complaint referred to an existing but wrong unit carries the identity there' '
	on lyx complaint refer "$T" --to $LJ --note 请核查 >/dev/null &&
	on lyx complaint notify "$T" --text "已告知转县林业局" >/dev/null &&
	on lyx sync >/dev/null && on lj sync >/dev/null &&
	on lj complaint show --show-identity "$T" >lj && test_grep 赵六 lj
'

test_expect_success 'the first-contact unit refers it again; the new handler gets it and the identity' '
	on lyx complaint refer "$T" --to $SCJ --note "误转林业局，改转市场监管局" >/dev/null &&
	on lyx sync >/dev/null && on scj sync >/dev/null && on lj sync >/dev/null &&
	on scj complaint show --show-identity --json "$T" >scj.json &&
	jeq scj.json d.complaint.handler $SCJ &&
	jeq scj.json d.complaint.identity.name 赵六 &&
	jeq scj.json d.complaint.earlier_referrals[0].to $LJ &&
	on scj due >sd && test_grep "$T" sd && test_grep "reply with the result" sd
'

test_expect_success 'the complainant must be told again where it went; the old handler owes nothing' '
	on lyx due >d && test_grep "$T" d && test_grep "tell the complainant" d &&
	on lj due >ld && test_grep ! "$T" ld &&
	on lj complaint show --json "$T" >lj.json && jeq lj.json d.complaint.handler $SCJ
'

test_expect_success 'the identity went to the old handler once, never again' '
	on lj log --json --show-identity >ljl.json &&
	test "$(grep -c "\"complaint.identity\"" ljl.json)" -eq 1
'

test_expect_code 9 'the unit it left cannot reply' '
	on lj complaint reply "$T" --result 非本局职责
'
test_expect_code 9 'referring again to the unit that handles it is refused' '
	on lyx complaint refer "$T" --to $SCJ
'
test_expect_success 'after the reply it cannot be referred again' '
	on scj complaint reply "$T" --result 已责令停止销售 >/dev/null &&
	on scj sync >/dev/null && on lyx sync >/dev/null &&
	{ on lyx complaint refer "$T" --to $ZRJ 2>err; test $? = 9; } &&
	test_grep "already replied" err
'

test_expect_success 'every station converged with the server and verifies' '
	for s in lyx zrj lj scj bureau; do on $s sync >/dev/null || exit 1; done &&
	converged lyx 龙羊峡镇 && converged zrj $ZRJ && converged lj $LJ &&
	converged scj $SCJ &&
	for s in lyx zrj lj scj; do on $s verify >/dev/null || exit 1; done
'

# --- a station that holds no directory ---------------------------------------

test_expect_success 'a station with no directory warns once and records' '
	"$LD" init --db solo.db --station solo --unit 河卡镇 >/dev/null &&
	LIANDONG_DB=$SCRATCH/solo.db "$LD" share record --type info --title 通报 \
		--to 任意单位 --to 另一单位 >id 2>err &&
	test -s id && test "$(grep -c "warning: .*no unit directory" err)" -eq 1 &&
	LIANDONG_DB=$SCRATCH/solo.db "$LD" unit list --json >solo.json 2>err &&
	jeq solo.json d.held false && test_grep "no unit directory" err
'

test_done
