#!/bin/sh
# complaint record|list|show: types and channels by name or label, the
# link to a case, and the complainant's identity kept out of every list
# and log unless --show-identity is given.
# backends: sqlite — agent-only, no county server: the store plays no part
. "$(dirname "$0")/lib.sh"
test_plan 23

# no_identity FILE: neither the complainant's name nor phone is in FILE.
no_identity() { test_grep ! 赵六 "$1" && test_grep ! 13800138000 "$1"; }
# snapshot FILE: the whole database and the event log.
snapshot() { sqlite3 "$LIANDONG_DB" .dump >"$1" && "$LD" log --json >>"$1"; }

setup_station lyx01 龙羊峡镇
"$LD" case open --source report --category 噪声污染 --location 恰卜恰镇工地 \
	--description "工地夜间施工扰民" --discovered-at 2026-11-19 >/dev/null

test_expect_success 'complaint record with identity and a case link prints the id' '
	"$LD" complaint record --type complaint --channel phone --matter 夜间施工噪音 \
		--description "工地每晚施工至凌晨两点" --location 恰卜恰镇工地 \
		--received-at "2026-11-19 22:15" --officer 马警官 --case C-lyx01-1 \
		--name 赵六 --phone 13800138000 >out 2>err &&
	echo T-lyx01-2 >expect && test_cmp expect out && ! test -s err
'

test_expect_success 'the complaint and the identity are two events of one record' '
	"$LD" log --json --show-identity >out &&
	jeq out "[e.kind for e in d.events]" \
		"case.opened complaint.recorded complaint.identity" &&
	jeq out "[e.entity for e in d.events]" "C-lyx01-1 T-lyx01-2 T-lyx01-2" &&
	jeq out d.events[2].body.name 赵六 && jeq out d.events[2].body.phone 13800138000
'

test_expect_success '--type and --channel by Chinese label' '
	"$LD" complaint record --type 举报 --channel 12345热线 --matter 非法采砂 \
		--description "黄河边有人夜间采砂" --received-at 2026-11-18 >out &&
	echo T-lyx01-4 >expect && test_cmp expect out &&
	"$LD" complaint show T-lyx01-4 --json >out &&
	jeq out d.complaint.form report && jeq out d.complaint.channel hotline &&
	jeq out d.complaint.officer 张三 &&
	jeq out d.complaint.received_at 2026-11-18T00:00:00+08:00 &&
	jeq out "\"identity\" in d.complaint" false
'

test_expect_success 'every type and channel, by name and by label' '
	"$LD" init --db "$SCRATCH/enum.db" --station enm --unit 倒淌河镇 >/dev/null &&
	for pair in complaint:投诉 report:举报 petition:信访; do
		for given in "${pair%%:*}" "${pair#*:}"; do
			id=$("$LD" complaint record --db enum.db --type "$given" --channel visit \
				--matter 测试 --description 测试) || exit 1
			"$LD" complaint show --db enum.db "$id" --json >out &&
			jeq out d.complaint.form "${pair%%:*}" || exit 1
		done
	done &&
	for pair in phone:电话 visit:来访 letter:来信 online:网上 hotline:12345热线; do
		for given in "${pair%%:*}" "${pair#*:}"; do
			id=$("$LD" complaint record --db enum.db --type petition --channel "$given" \
				--matter 测试 --description 测试) || exit 1
			"$LD" complaint show --db enum.db "$id" --json >out &&
			jeq out d.complaint.channel "${pair%%:*}" || exit 1
			"$LD" complaint show --db enum.db "$id" >out &&
			test_grep "^channel: *${pair#*:}\$" out || exit 1
		done
	done
'

test_expect_success 'a name alone is accepted (the phone is optional)' '
	"$LD" complaint record --type 信访 --channel 来访 --matter 土地纠纷 \
		--description "反映宅基地被占" --name 孙七 >out &&
	echo T-lyx01-5 >expect && test_cmp expect out &&
	"$LD" complaint show T-lyx01-5 --show-identity --json >out &&
	jeq out d.complaint.identity.name 孙七 &&
	jeq out "\"phone\" in d.complaint.identity" false
'

test_expect_success 'complaint list shows the complaints, never the complainant' '
	"$LD" complaint list >out &&
	test "$(ids out)" = "T-lyx01-5 T-lyx01-2 T-lyx01-4" &&
	tr -s " " <out >rows &&
	test_grep "^T-lyx01-2 投诉 2026-11-19 22:15 电话 received 夜间施工噪音\$" rows &&
	test_grep "^T-lyx01-4 举报 2026-11-18 00:00 12345热线 received 非法采砂\$" rows &&
	no_identity out && test_grep ! 孙七 out
'

test_expect_success 'complaint list --json never carries the complainant' '
	"$LD" complaint list --json >out &&
	jeq out d.v 1 && jeq out d.kind complaint.list &&
	jeq out "[c.entity for c in d.complaints]" "T-lyx01-5 T-lyx01-2 T-lyx01-4" &&
	jeq out d.complaints[1].identity "(confidential)" &&
	jeq out d.complaints[1].matter 夜间施工噪音 &&
	jeq out d.complaints[1].case C-lyx01-1 &&
	no_identity out && test_grep ! 孙七 out
'

test_expect_success 'complaint list filters: --type, --since/--until, --search, --limit' '
	"$LD" complaint list --type 举报 >out && test "$(ids out)" = T-lyx01-4 &&
	"$LD" complaint list --type petition >out && test "$(ids out)" = T-lyx01-5 &&
	"$LD" complaint list --since 2026-11-19 >out &&
	test "$(ids out)" = "T-lyx01-5 T-lyx01-2" &&
	"$LD" complaint list --until 2026-11-19 >out && test "$(ids out)" = T-lyx01-4 &&
	"$LD" complaint list --search 施工至凌晨 >out && test "$(ids out)" = T-lyx01-2 &&
	"$LD" complaint list --search 采砂 >out && test "$(ids out)" = T-lyx01-4 &&
	"$LD" complaint list --limit 1 >out && test "$(ids out)" = T-lyx01-5
'

test_expect_success 'searching for the complainant finds nothing' '
	"$LD" complaint list --search 赵六 >out && test "$(ids out)" = "" &&
	"$LD" complaint list --search 13800138000 >out && test "$(ids out)" = "" &&
	"$LD" complaint list --search 孙七 --json >out && jeq out "len(d.complaints)" 0
'

test_expect_success 'complaint show hides the identity and says how to see it' '
	"$LD" complaint show T-lyx01-2 >out &&
	test_grep "^complaint: *T-lyx01-2\$" out && test_grep "^type: *投诉\$" out &&
	test_grep "^channel: *电话\$" out && test_grep "^matter: *夜间施工噪音\$" out &&
	test_grep "^received: *2026-11-19 22:15\$" out &&
	test_grep "^first contact: *马警官\$" out && test_grep "^case: *C-lyx01-1\$" out &&
	test_grep "^complainant: .*--show-identity" out &&
	test_grep "complaint.identity" out &&
	no_identity out
'

test_expect_success 'complaint show --json hides the identity and its event body' '
	"$LD" complaint show T-lyx01-2 --json >out &&
	jeq out d.v 1 && jeq out d.kind complaint &&
	jeq out d.complaint.identity "(confidential)" &&
	jeq out "[e.kind for e in d.events]" "complaint.recorded complaint.identity" &&
	jeq out d.events[1].body "(confidential)" &&
	no_identity out
'

test_expect_success 'complaint show --show-identity shows the name and phone' '
	"$LD" complaint show T-lyx01-2 --show-identity >out &&
	test_grep "^complainant: *赵六\$" out && test_grep "^phone: *13800138000\$" out &&
	"$LD" complaint show T-lyx01-2 --show-identity --json >out &&
	jeq out d.complaint.identity.name 赵六 &&
	jeq out d.complaint.identity.phone 13800138000 &&
	jeq out d.events[1].body.name 赵六
'

test_expect_success 'a complaint without identity shows no complainant line' '
	"$LD" complaint show T-lyx01-4 >out &&
	test_grep ! "^complainant:" out && test_grep "^channel: *12345热线\$" out
'

test_expect_success 'log and log --json do not print the identity' '
	"$LD" log >out && test_grep "complaint.identity" out && no_identity out &&
	"$LD" log --json >out &&
	jeq out "[e.body for e in d.events if e.kind == \"complaint.identity\"]" \
		"(confidential) (confidential)" &&
	no_identity out && test_grep ! 孙七 out &&
	"$LD" log --json --entity T-lyx01-2 >out &&
	jeq out "len(d.events)" 2 && no_identity out
'

test_expect_success 'log --json --show-identity prints it' '
	"$LD" log --json --show-identity >out &&
	test_grep 赵六 out && test_grep 13800138000 out && test_grep 孙七 out
'

test_expect_success 'the case a complaint links to is shown on the complaint' '
	"$LD" complaint list --json >out &&
	jeq out "[c.entity for c in d.complaints if \"case\" in c]" T-lyx01-2
'

snapshot before

test_expect_code 4 '--case naming an unknown case is refused (exit 4)' '
	"$LD" complaint record --type complaint --channel phone --matter m \
		--description d --case C-lyx01-99 --name 周八 >out 2>err; st=$?
	test_grep "^liandong: error: no case .C-lyx01-99." err && ! test -s out && exit $st
'

test_expect_code 4 '--case naming a complaint, not a case, is refused (exit 4)' '
	"$LD" complaint record --type complaint --channel phone --matter m \
		--description d --case T-lyx01-2 2>err; st=$?
	test_grep "^liandong: error: no case .T-lyx01-2." err && exit $st
'

test_expect_code 2 '--phone without --name is refused (exit 2)' '
	"$LD" complaint record --type complaint --channel phone --matter m \
		--description d --phone 13900139000 >out 2>err; st=$?
	test_grep "^liandong: error: --phone needs --name" err && ! test -s out &&
	exit $st
'

test_expect_code 3 'an invalid phone is refused after the complaint passed (exit 3)' '
	"$LD" complaint record --type complaint --channel phone --matter m \
		--description d --name 周八 --phone "call me" 2>err; st=$?
	test_grep "^liandong: error: .phone. must be a phone number" err && exit $st
'

test_expect_code 3 'a control character in the name is refused (exit 3)' '
	"$LD" complaint record --type complaint --channel phone --matter m \
		--description d --name "$(printf "周\t八")" 2>err; st=$?
	test_grep "^liandong: error: .name. contains a control character" err && exit $st
'

test_expect_code 3 'an unknown channel is refused (exit 3)' '
	"$LD" complaint record --type complaint --channel fax --matter m \
		--description d 2>err; st=$?
	test_grep "^liandong: error: unknown value .fax. for --channel" err && exit $st
'

test_expect_success 'nothing was stored by the refusals' '
	snapshot after && test_cmp before after &&
	"$LD" verify >/dev/null
'

test_done
