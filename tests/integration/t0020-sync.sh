#!/bin/sh
# Stations exchange events through the county server over HTTPS and
# converge: each station's projections equal the server's view for its unit.
. "$(dirname "$0")/lib.sh"
test_plan 12

start_server
test_expect_success 'a county server starts on 127.0.0.1 with a trial certificate' '
	test -n "$SERVER_URL" &&
	test_grep "sha256//" "$SCRATCH/init.out" &&
	test -f "$LIANDONG_SERVER_DIR/ca.pem" &&
	test "$(stat -c %a "$LIANDONG_SERVER_DIR/server-key.pem")" = 600
'

add_station lyx 龙羊峡镇
add_station qbq 恰卜恰镇
add_station bureau 县综合行政执法局 bureau
add_station bureau2 县综合行政执法局 bureau
refresh_directory lyx qbq bureau bureau2
test_expect_success 'four stations of three units enroll; tokens are private' '
	test -f bureau2.db.token &&
	test "$(stat -c %a "$SCRATCH/lyx.db.token")" = 600 &&
	"$LDS" station list >list && test_grep "lyx .*active" list
'

test_expect_code 8 'an enrolment code works only once' '
	"$LD" init --db "$SCRATCH/again.db" --station lyx --unit 龙羊峡镇 >/dev/null &&
	"$LD" enroll --db "$SCRATCH/again.db" "$SERVER_URL" "$(tail -n 1 lyx.code)" \
		--ca "$LIANDONG_SERVER_DIR/ca.pem"
'

test_expect_success 'stations record offline, refer, and sync' '
	on lyx case open --source patrol --category 违法建设 --location 查纳村 \
		--description "违法建房" --urgent >lyx.case &&
	on lyx referral send "$(cat lyx.case)" --to 县综合行政执法局 --letter 移送函 --source-material 检查笔录 --evidence 照片 >lyx.ref &&
	on lyx liaison log --type patrol --summary "巡查" >/dev/null &&
	on qbq case open --source report --category 环境污染 --location 工业园 \
		--description "偷排" >qbq.case &&
	on qbq referral send "$(cat qbq.case)" --to 县综合行政执法局 --letter 移送函 --source-material 检查笔录 --evidence 照片 >qbq.ref &&
	on qbq complaint record --type report --channel phone --matter 偷排 \
		--description 夜间 --name 王某 --phone 13800000000 >/dev/null &&
	for s in lyx qbq bureau bureau2; do on $s sync >/dev/null || exit 1; done &&
	for s in lyx qbq bureau bureau2; do on $s sync >/dev/null || exit 1; done
'

test_expect_success 'both referrals reached both bureau stations, nothing else did' '
	on bureau referral list --incoming --json >in.json &&
	test_grep "$(cat lyx.ref)" in.json && test_grep "$(cat qbq.ref)" in.json &&
	on bureau2 referral list --incoming --json >in2.json &&
	test_grep "$(cat lyx.ref)" in2.json &&
	on bureau case list --json >cases.json && test_grep ! "C-" cases.json &&
	on lyx referral list --json >lyx.json && test_grep ! "$(cat qbq.ref)" lyx.json
'

test_expect_success 'every station converged with the server' '
	converged lyx 龙羊峡镇 &&
	converged qbq 恰卜恰镇 &&
	converged bureau 县综合行政执法局 &&
	converged bureau2 县综合行政执法局
'

test_expect_success 'an idle sync costs one request and moves nothing' '
	on lyx sync --json >idle.json &&
	python3 -c "
import json; d = json.load(open(\"idle.json\"))
assert d[\"requests\"] == 1 and d[\"pushed\"] == 0 and d[\"pulled\"] == 0, d"
'

test_expect_success 'status shows nothing pending and the server view' '
	on lyx status >st && test_grep "0 of 4 events not yet" st &&
	test_grep "holds seq 4" st
'

test_expect_success 'a backlog larger than one batch goes in several requests' '
	liaison_n qbq 0 1199 contact "联络 %d" &&
	on qbq sync --json >big.json &&
	python3 -c "
import json; d = json.load(open(\"big.json\"))
assert d[\"pushed\"] == 1200 and d[\"requests\"] >= 3 and d[\"pending\"] == 0, d" &&
	on qbq verify >/dev/null && converged qbq 恰卜恰镇
'

test_expect_success 'every replica verifies' '
	for s in lyx qbq bureau bureau2; do on $s verify >/dev/null || exit 1; done
'

test_expect_success 'the server stops cleanly on SIGTERM' '
	kill -TERM $SERVER_PID && wait_for 10 "! kill -0 $SERVER_PID 2>/dev/null" &&
	test_grep "event=stop" "$SCRATCH/server.log"
'

test_expect_success 'the server log has no tokens and no case content' '
	test_grep ! "$(cut -d: -f2 lyx.db.token)" "$SCRATCH/server.log" &&
	test_grep ! "违法建房" "$SCRATCH/server.log" &&
	test_grep ! "王某" "$SCRATCH/server.log"
'

test_done
