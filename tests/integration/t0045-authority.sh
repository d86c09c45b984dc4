#!/bin/sh
# Authority over records (docs/protocol.md, "Authority"): a township
# station holding its own valid token, played by the hostile tool
# (tests/tools/hostile.c), tries every attack of issue 10 against a real
# county server; each fails, and the victims' records, the county's due
# list and every replica's verify stay as they were.
#
#   reading by touching   an event on another unit's case or complaint
#   writing               closing another unit's case, replacing an identity
#   squatting             creating a record under another station's next id
#   bricking              an hlc at the edge of int64 addressed to a victim
#   backdating            an hlc below the station's previous one
#   amplification         made-up units, and widening past the route budget
#
# and a station whose own clock runs two days ahead is told so plainly,
# pushes what it recorded before, and the rest once the server's clock
# reaches it.
#
# HOSTILE may name another way to run the tool (a valgrind wrapper).
. "$(dirname "$0")/lib.sh"
test_plan 15

HOSTILE=${HOSTILE:-$BUILD/tests/tools/hostile}
export LIANDONG_NOW="2026-09-29T10:00:00+08:00"
"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
add_station lyx 龙羊峡镇
add_station scj 县市场监管局 department
add_station bureau 县综合行政执法局 bureau
add_station evil 恰卜恰镇
add_station evil2 恰卜恰镇
add_station obs 恰卜恰镇
refresh_directory lyx scj bureau evil evil2 obs
VICTIMS="lyx scj bureau"

sync_all() {
	for r in 1 2; do
		for s in $VICTIMS obs; do
			on $s sync >/dev/null 2>&1 || return 1
		done
	done
}

# attack STATION OUT: pushes the specs on stdin from STATION (its chain
# kept in STATION.state), the answer in OUT, its header line in OUT.hdr.
attack() {
	$HOSTILE --db "$SCRATCH/$1.db" --state "$SCRATCH/$1.state" >"$2" &&
	sed -n 2p "$2" >"$2.hdr"
}
# status OUT: the HTTP status of an attack's answer.
status() { sed -n 's/^status //p' "$1"; }
# reasons OUT: the quarantine reasons of an answer, one per line.
reasons() { jv "$1.hdr" '"\n".join(q["reason"] for q in d["quarantined"])'; }
# q QUERY: the rows of a query on the server's database, either backend.
q() { server_sql "$1"; }
head_of() { q "SELECT head_seq FROM stations WHERE name='$1'"; }

# The victims' records: a township's urgent case referred to the bureau,
# and a complaint with its complainant referred to the market regulator.
on lyx case open --source patrol --category 违法建设 --location 查纳村 \
	--description "村民在基本农田上建房" --discovered-at "2026-09-29 09:00" \
	--urgent >case
C=$(cat case)
on lyx referral send "$C" --to 县综合行政执法局 --letter 龙移〔2026〕1号 \
	--source-material 现场检查记录 --evidence 照片 >referral
R=$(cat referral)
on lyx complaint record --type report --channel hotline --matter 销售过期食品 \
	--description "超市销售过期食品" --location 龙羊峡镇中街 \
	--name 王小明 --phone 13800001234 >complaint
T=$(cat complaint)
on lyx complaint refer "$T" --to 县市场监管局 >/dev/null
sync_all
for s in $VICTIMS; do on $s dump >$s.before; done
"$LDS" due >due.before
"$LDS" dump >county.before

test_expect_success 'the victims hold their records' '
	test -n "$C" && test -n "$R" && test -n "$T" &&
	test_grep "$C" lyx.before && test_grep "$R" bureau.before &&
	on scj complaint show --show-identity "$T" >id && test_grep 王小明 id &&
	test_grep "$R" due.before
'

test_expect_success 'reading by touching: events on another unit'"'"'s case and complaint widen nothing' '
	attack evil touch <<-EOF &&
	{"kind":"case.updated","entity":"$C","audience":["恰卜恰镇"],"body":{"note":"看看"}}
	{"kind":"complaint.notified","entity":"$T","audience":["恰卜恰镇"],"body":{"text":"看看"}}
	{"kind":"referral.acknowledged","entity":"$R","audience":["恰卜恰镇"],"body":{}}
	EOF
	test "$(status touch)" = 200 &&
	reasons touch >r && test "$(grep -c "^not_entitled: " r)" = 3 &&
	sed 1,2d touch >pulled && test_grep ! "$C" pulled &&
	test_grep ! "$T" pulled && test_grep ! "$R" pulled &&
	test_grep ! 村民在基本农田上建房 pulled &&
	"$LDS" dump --unit 恰卜恰镇 >d && test_grep ! 村民在基本农田上建房 d &&
	test_grep ! 超市销售过期食品 d &&
	test "$(q "SELECT count(*) FROM routes r JOIN events e ON e.cursor=r.event
		WHERE r.unit=\"恰卜恰镇\" AND e.station<>\"evil\"")" = 0
'

test_expect_success 'the refusal says nothing of the entity, not even whether it exists' '
	attack evil ghost <<-EOF &&
	{"kind":"case.updated","entity":"C-lyx-999","audience":["恰卜恰镇"],"body":{"note":"看看"}}
	EOF
	reasons ghost | sed "s/C-lyx-999/ID/" >a &&
	reasons touch | head -n 1 | sed "s/$C/ID/" >b &&
	test_cmp a b
'

test_expect_success 'writing: closing another township'"'"'s case and replacing an identity are quarantined' '
	attack evil write <<-EOF &&
	{"kind":"case.closed","entity":"$C","audience":["恰卜恰镇","龙羊峡镇"],"body":{"reason":"已处理"}}
	{"kind":"complaint.identity","entity":"$T","audience":["恰卜恰镇","县市场监管局"],"body":{"name":"假名","phone":"110"}}
	{"kind":"referral.withdrawn","entity":"$R","audience":["恰卜恰镇","县综合行政执法局"],"body":{"reason":"撤回"}}
	EOF
	test "$(status write)" = 200 && reasons write >r &&
	test "$(grep -c "^not_entitled: " r)" = 3 &&
	sync_all &&
	on lyx case show "$C" >cs && test_grep ! 已处理 cs &&
	on lyx case show --json "$C" >c.json && jeq c.json d.case.status open &&
	on scj complaint show --show-identity "$T" >id && test_grep 王小明 id &&
	test_grep ! 假名 id &&
	on bureau referral show "$R" >rs && test_grep ! 撤回 rs &&
	"$LDS" due >due.after && test_cmp due.before due.after
'

test_expect_success 'squatting: a record made under another station'"'"'s next id is not that station'"'"'s' '
	next=$(( $(sqlite3 lyx.db "SELECT max(seq) FROM events WHERE station=\"lyx\"") + 1 )) &&
	attack evil2 squat <<-EOF &&
	{"kind":"case.opened","entity":"C-lyx-$next","hlc":65536,"audience":["恰卜恰镇","龙羊峡镇"],"body_merge":{"description":"攻击者的内容"}}
	EOF
	test "$(status squat)" = 200 && reasons squat >r &&
	test_grep "^not_entitled: " r &&
	on lyx case open --source patrol --category 违法建设 --location 东街 \
		--description "本站的真案件" --discovered-at "2026-09-29 09:30" >own &&
	test "$(cat own)" = "C-lyx-$next" && sync_all &&
	on lyx case show --json "C-lyx-$next" >o.json &&
	jeq o.json d.case.description 本站的真案件 &&
	jeq o.json "len(d.case.conflicts)" 0 &&
	"$LDS" dump >county.dump && test_grep ! 攻击者的内容 county.dump &&
	test_grep 本站的真案件 county.dump
'

test_expect_success 'bricking: an hlc at the edge of int64 is refused (422), the victim writes on' '
	h0=$(head_of evil) &&
	attack evil brick <<-EOF &&
	{"kind":"case.opened","hlc":9223372036854775806,"audience":["恰卜恰镇","龙羊峡镇"]}
	EOF
	test "$(status brick)" = 422 &&
	test_grep "ahead of the county server" brick &&
	jeq brick.hdr "d.time > 0" true &&
	test "$(head_of evil)" = "$h0" &&
	sync_all && on lyx liaison log --type contact --date "2026-09-29 10:00" \
		--summary 联络 >/dev/null && on lyx sync >/dev/null && on lyx verify >/dev/null
'

test_expect_success 'backdating: an hlc below the station'"'"'s previous event is refused (422)' '
	h0=$(head_of evil) &&
	attack evil back <<-EOF &&
	{"kind":"case.opened","hlc":65536}
	EOF
	test "$(status back)" = 422 && test_grep "not after" back &&
	test "$(head_of evil)" = "$h0"
'

test_expect_success 'amplification: made-up units are quarantined and get no routes' '
	python3 - >specs <<-\EOF &&
	import json
	made_up = ["不存在的单位%d" % i for i in range(30)]
	print(json.dumps({"kind": "case.opened", "audience": ["恰卜恰镇"]}, ensure_ascii=False))
	for i in range(60):
	    print(json.dumps({"kind": "case.updated", "entity": "ENTITY",
	        "audience": ["恰卜恰镇"] + made_up, "body": {"note": "第%d次" % i}},
	        ensure_ascii=False))
	EOF
	seq=$(( $(head_of evil) + 1 )) && sed "s/ENTITY/C-evil-$seq/" specs >specs2 &&
	attack evil amp <specs2 && test "$(status amp)" = 200 &&
	reasons amp >r && test "$(grep -c "^unknown_unit" r)" = 60 &&
	test "$(q "SELECT count(*) FROM routes WHERE unit LIKE \"不存在的单位%\"")" = 0 &&
	echo "C-evil-$seq" >long
'

stop_server
start_server --listen "127.0.0.1:$SERVER_PORT" --max-routes 100

test_expect_success 'a push past the route budget is refused (413) and stores nothing' '
	L=$(cat long) && h0=$(head_of evil) &&
	n0=$(q "SELECT count(*) FROM routes") &&
	attack evil wide <<-EOF &&
	{"kind":"case.updated","entity":"$L","audience":["恰卜恰镇","龙羊峡镇","县市场监管局"],"body":{"note":"扩散"}}
	EOF
	test "$(status wide)" = 413 && test_grep "route more than 100" wide &&
	test "$(head_of evil)" = "$h0" &&
	test "$(q "SELECT count(*) FROM routes")" = "$n0"
'

test_expect_success 'an audience over 32 units is refused (413)' '
	python3 -c "
import json
print(json.dumps({\"kind\": \"case.opened\", \"audience\": [\"恰卜恰镇\"] +
    [\"单位%d\" % i for i in range(32)]}, ensure_ascii=False))" >big &&
	h0=$(head_of evil) && attack evil aud <big &&
	test "$(status aud)" = 413 && test "$(head_of evil)" = "$h0"
'

stop_server
start_server --listen "127.0.0.1:$SERVER_PORT"

test_expect_success 'a station whose clock runs two days ahead: told plainly, what came before is pushed' '
	add_station fast 恰卜恰镇 && refresh_directory fast &&
	on fast liaison log --type contact --summary 准时 >/dev/null &&
	LIANDONG_NOW="2026-10-01T10:00:00+08:00" on fast liaison log --type contact \
		--summary 超前 >/dev/null &&
	{ LIANDONG_NOW="2026-10-01T10:00:00+08:00" on fast sync 2>err; test $? = 8; } &&
	test_grep "minutes ahead of the county server" err &&
	test_grep "set this station.s clock right" err &&
	test "$(head_of fast)" = 1 &&
	on fast status --json >st.json && jeq st.json "d.pending" 1
'

test_expect_success 'an answer that refuses carries the server'"'"'s time' '
	curl -s --cacert "$LIANDONG_SERVER_DIR/ca.pem" -X POST \
		-H "Authorization: Bearer nobody:x" "$SERVER_URL/v1/sync" >ans &&
	jeq ans "d.time > 0" true
'

test_expect_success 'asked for heads, a station learns only of chains routed to its unit' '
	h=$(head_of evil2) &&
	z=$(printf "%064d" 0) &&
	printf "{\"acked\":%s,\"cursor\":0,\"digest\":{\"count\":0,\"xor\":\"%s\"},\"final\":true,\"heads\":true,\"v\":1}\n" \
		"$h" "$z" >heads.body &&
	$HOSTILE --db "$SCRATCH/evil2.db" --raw <heads.body >heads.out &&
	test "$(status heads.out)" = 200 &&
	sed -n 2p heads.out >heads.hdr &&
	jv heads.hdr "json.dumps(d[\"heads\"], sort_keys=True)" >got &&
	q "SELECT r.station, max(e.seq) FROM routes r JOIN events e
		ON e.cursor=r.event WHERE r.unit=\"恰卜恰镇\" GROUP BY r.station" |
	python3 -c "import sys, json; print(json.dumps({l.split(\"|\")[0]: int(l.split(\"|\")[1]) for l in sys.stdin}, sort_keys=True))" >want &&
	test_cmp want got &&
	for v in $VICTIMS; do test_grep ! "\"$v\"" got || exit 1; done &&
	test_grep "\"evil2\"" got
'

stop_server
LIANDONG_NOW="2026-10-01T10:30:00+08:00" start_server --listen "127.0.0.1:$SERVER_PORT"

test_expect_success 'once the server'"'"'s clock reaches them, they are accepted' '
	LIANDONG_NOW="2026-10-01T10:30:00+08:00" on fast sync >/dev/null &&
	test "$(head_of fast)" = 2
'

test_expect_success 'the victims'"'"' records are as they were; every replica verifies' '
	sync_all &&
	for s in $VICTIMS; do
		on $s dump >$s.after &&
		records_kept $s.before $s.after || exit 1
		on $s verify >/dev/null || exit 1
		converged $s "$(sqlite3 $s.db "SELECT value FROM meta WHERE key=\"unit\"")" || exit 1
	done &&
	on obs verify >/dev/null && converged obs 恰卜恰镇
'

test_done
