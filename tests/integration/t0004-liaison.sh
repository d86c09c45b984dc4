#!/bin/sh
# liaison log|list: the liaison officer's ledger (联络员工作台账).
# backends: sqlite — agent-only, no county server: the store plays no part
. "$(dirname "$0")/lib.sh"
test_plan 15



setup_station lyx01 龙羊峡镇

test_expect_success 'liaison log with every option prints the new id' '
	"$LD" liaison log --type contact --date "2026-11-18 09:00" \
		--counterpart 县自然资源局 --place 县政府二楼会议室 \
		--summary "通报查那村违建线索，约定联合踏勘" --officer 马警官 \
		--participant 马警官 --participant 李科长 --participant 王干事 >out 2>err &&
	echo L-lyx01-1 >expect && test_cmp expect out && ! test -s err
'

test_expect_success 'every field was recorded, participants in order' '
	"$LD" liaison list --json >out &&
	jeq out d.entries[0].entity L-lyx01-1 && jeq out d.entries[0].activity contact &&
	jeq out d.entries[0].date 2026-11-18T09:00:00+08:00 &&
	jeq out d.entries[0].counterpart 县自然资源局 &&
	jeq out d.entries[0].place 县政府二楼会议室 &&
	jeq out d.entries[0].summary "通报查那村违建线索，约定联合踏勘" &&
	jeq out d.entries[0].officer 马警官 &&
	jeq out d.entries[0].participants "马警官 李科长 王干事" &&
	jeq out d.entries[0].unit 龙羊峡镇
'

test_expect_success 'the other types by name; officer and date default' '
	"$LD" liaison log --type patrol --place 黄河沿岸 --summary 巡查河道采砂 >out &&
	echo L-lyx01-2 >expect && test_cmp expect out &&
	"$LD" liaison log --type meeting --counterpart 县综合执法局 \
		--summary "联席会议：部署冬季安全检查" --date "2026-11-19 15:00" >out &&
	echo L-lyx01-3 >expect && test_cmp expect out &&
	"$LD" liaison log --type training --summary "参加执法规范化培训" \
		--date 2026-11-10 --participant 张三 >out &&
	echo L-lyx01-4 >expect && test_cmp expect out &&
	"$LD" liaison list --json >out &&
	jeq out "[e.entity for e in d.entries]" "L-lyx01-2 L-lyx01-3 L-lyx01-1 L-lyx01-4" &&
	jeq out "[e.activity for e in d.entries]" "patrol meeting contact training" &&
	jeq out d.entries[0].officer 张三 &&
	jeq out d.entries[0].date 2026-11-20T10:00:00+08:00 &&
	jeq out "\"participants\" in d.entries[0]" false
'

test_expect_success 'each type by its Chinese label' '
	"$LD" init --db "$SCRATCH/labels.db" --station lbl --unit 倒淌河镇 >/dev/null &&
	for pair in contact:联络 patrol:巡查 meeting:会议 training:培训; do
		"$LD" liaison log --db labels.db --type "${pair#*:}" --summary 测试 >/dev/null ||
			exit 1
		"$LD" liaison list --db labels.db --limit 1 --json >out &&
		jeq out d.entries[0].activity "${pair%%:*}" || exit 1
	done &&
	"$LD" liaison list --db labels.db --json >out && jeq out "len(d.entries)" 4
'

test_expect_success 'liaison list shows labels, newest first' '
	"$LD" liaison list >out &&
	test "$(ids out)" = "L-lyx01-2 L-lyx01-3 L-lyx01-1 L-lyx01-4" &&
	tr -s " " <out >rows &&
	test_grep "^ID DATE TYPE OFFICER COUNTERPART SUMMARY\$" rows &&
	test_grep "^L-lyx01-2 2026-11-20 10:00 巡查 张三 - 巡查河道采砂\$" rows &&
	test_grep "^L-lyx01-3 2026-11-19 15:00 会议 张三 县综合执法局 联席会议：部署冬季安全检查\$" rows &&
	test_grep "^L-lyx01-1 2026-11-18 09:00 联络 马警官 县自然资源局 通报查那村违建线索，约定联合踏勘\$" rows &&
	test_grep "^L-lyx01-4 2026-11-10 00:00 培训 张三 - 参加执法规范化培训\$" rows
'

test_expect_success 'the table columns line up by display width' '
	aligned out
'

test_expect_success 'liaison list --type by name and by label' '
	"$LD" liaison list --type patrol >out && test "$(ids out)" = L-lyx01-2 &&
	"$LD" liaison list --type 培训 >out && test "$(ids out)" = L-lyx01-4 &&
	"$LD" liaison list --type 联络 --json >out &&
	jeq out "[e.entity for e in d.entries]" L-lyx01-1
'

test_expect_success 'liaison list --since (inclusive) and --until (exclusive)' '
	"$LD" liaison list --since "2026-11-18 09:00" >out &&
	test "$(ids out)" = "L-lyx01-2 L-lyx01-3 L-lyx01-1" &&
	"$LD" liaison list --until "2026-11-18 09:00" >out &&
	test "$(ids out)" = L-lyx01-4 &&
	"$LD" liaison list --since 2026-11-11 --until 2026-11-20 >out &&
	test "$(ids out)" = "L-lyx01-3 L-lyx01-1"
'

test_expect_success 'liaison list --search, long and short' '
	"$LD" liaison list --search 冬季安全 >out && test "$(ids out)" = L-lyx01-3 &&
	"$LD" liaison list --search 自然资源局 >out && test "$(ids out)" = L-lyx01-1 &&
	"$LD" liaison list --search 黄河沿岸 >out && test "$(ids out)" = L-lyx01-2 &&
	"$LD" liaison list --search 培训 >out && test "$(ids out)" = L-lyx01-4 &&
	"$LD" liaison list --search 河 >out && test "$(ids out)" = L-lyx01-2 &&
	"$LD" liaison list --search 无此内容 >out && test "$(ids out)" = ""
'

test_expect_success 'liaison list --limit, and filters together' '
	"$LD" liaison list --limit 2 >out &&
	test "$(ids out)" = "L-lyx01-2 L-lyx01-3" &&
	"$LD" liaison list --since 2026-11-11 --limit 1 --search 会议 >out &&
	test "$(ids out)" = L-lyx01-3
'

test_expect_success 'liaison list --json is a versioned document' '
	"$LD" liaison list --json --type meeting >out &&
	jeq out d.v 1 && jeq out d.kind liaison.list && jeq out "len(d.entries)" 1 &&
	jeq out d.entries[0].type liaison && jeq out d.entries[0].status logged &&
	jeq out d.entries[0].counterpart 县综合执法局 &&
	"$LD" liaison list --json --search 无此内容 >out &&
	jeq out d.kind liaison.list && jeq out "len(d.entries)" 0
'

test_expect_code 3 'an unknown --type for liaison log is refused (exit 3)' '
	"$LD" liaison log --type party --summary x 2>err; st=$?
	test_grep "^liandong: error: unknown value .party. for --type" err &&
	test_grep "contact (联络)" err && exit $st
'

test_expect_code 3 'an unknown --type for liaison list is refused (exit 3)' '
	"$LD" liaison list --type 宴请 2>err; st=$?
	test_grep "^liandong: error: unknown --type" err && exit $st
'

test_expect_code 2 'liaison log without --summary is a usage error' '
	"$LD" liaison log --type contact 2>err; st=$?
	test_grep "^liandong: error: missing required option --summary" err && exit $st
'

test_expect_success 'the refusals recorded nothing' '
	"$LD" log --json >out && jeq out "len(d.events)" 4
'

test_done
