#!/bin/sh
# case open|list|show|update|close: every flag, Chinese text, defaults,
# the table aligned by display width, filters, JSON, and prompts.
# backends: sqlite — agent-only, no county server: the store plays no part
. "$(dirname "$0")/lib.sh"
test_plan 44



setup_station lyx01 龙羊峡镇
init_other() { # DB STATION
	"$LD" init --db "$SCRATCH/$1" --station "$2" --unit 倒淌河镇 >/dev/null
}

test_expect_success 'case open with every flag prints the new id' '
	"$LD" case open --source patrol --category 违法建设 \
		--location 龙羊峡镇查那村 --party 李四 --party 王五 \
		--matter 违建猪圈 --description "村民在耕地上搭建猪圈，约200平方米" \
		--discovered-at "2026-11-19 09:30" --urgent --officer 马警官 \
		--evidence 照片3张 --evidence 现场笔录 >out 2>err &&
	echo C-lyx01-1 >expect && test_cmp expect out &&
	! test -s err
'

test_expect_success 'every field was recorded as given' '
	"$LD" case show C-lyx01-1 --json >out &&
	jeq out d.v 1 && jeq out d.kind case &&
	jeq out d.case.entity C-lyx01-1 && jeq out d.case.type case &&
	jeq out d.case.status open && jeq out d.case.source patrol &&
	jeq out d.case.category 违法建设 && jeq out d.case.location 龙羊峡镇查那村 &&
	jeq out d.case.parties "李四 王五" && jeq out d.case.matter 违建猪圈 &&
	jeq out d.case.description "村民在耕地上搭建猪圈，约200平方米" &&
	jeq out d.case.discovered_at 2026-11-19T09:30:00+08:00 &&
	jeq out d.case.urgent true && jeq out d.case.officer 马警官 &&
	jeq out d.case.evidence "照片3张 现场笔录" && jeq out d.case.unit 龙羊峡镇
'

test_expect_success 'without --urgent a case is not urgent; optional fields stay absent' '
	"$LD" case open --source report --category 环境保护 --location 恰卜恰镇 \
		--description "夜间向河道排放污水" --discovered-at 2026-11-18 >out &&
	echo C-lyx01-2 >expect && test_cmp expect out &&
	"$LD" case show C-lyx01-2 --json >out &&
	jeq out d.case.urgent false && jeq out d.case.source report &&
	jeq out "\"matter\" in d.case or \"parties\" in d.case or \"evidence\" in d.case" false
'

test_expect_success 'more cases for the list (Chinese and ASCII mixed, a long location)' '
	"$LD" case open --source notice --category 食品安全 --location G214国道K35 \
		--matter 过期食品 --description "超市销售过期食品" \
		--discovered-at "2026-11-17 08:00" >out &&
	echo C-lyx01-3 >expect && test_cmp expect out &&
	"$LD" case open --source assignment --category 违法建设 \
		--location 共和县龙羊峡镇查那村三社东侧二百米处 --matter 私搭乱建 \
		--description "在道路旁搭建彩钢房" --discovered-at 2026-11-16 >out &&
	echo C-lyx01-4 >expect && test_cmp expect out
'

test_expect_success '--source takes each Chinese label for its name' '
	init_other labels.db lbl &&
	for pair in patrol:辖区巡查 assignment:县级转派 notice:业务主管部门通报 report:群众举报; do
		name=${pair%%:*} label=${pair#*:}
		id=$("$LD" case open --db labels.db --source "$label" --category 其他 \
			--location 村委会 --description 测试) || exit 1
		"$LD" case show --db labels.db "$id" --json >out &&
		jeq out d.case.source "$name" || exit 1
		"$LD" case show --db labels.db "$id" >out &&
		test_grep "^source: *$label\$" out || exit 1
	done
'

cat >formats <<'EOF'
2026-11-19|2026-11-19T00:00:00+08:00
2026-11-19 09:30|2026-11-19T09:30:00+08:00
2026-11-19 09:30:15|2026-11-19T09:30:15+08:00
2026-11-19T09:30|2026-11-19T09:30:00+08:00
2026-11-19T09:30:15+08:00|2026-11-19T09:30:15+08:00
2026-11-19T01:30:00Z|2026-11-19T09:30:00+08:00
2026-11-18T20:30:00-05:00|2026-11-19T09:30:00+08:00
2024-02-29 23:59|2024-02-29T23:59:00+08:00
EOF

test_expect_success '--discovered-at accepts each format and stores China time' '
	init_other dates.db dat &&
	while IFS="|" read -r given want; do
		id=$("$LD" case open --db dates.db --source patrol --category 其他 \
			--location 村委会 --description 测试 --discovered-at "$given") || {
			echo "refused: $given"; exit 1; }
		"$LD" case show --db dates.db "$id" --json >out &&
		jeq out d.case.discovered_at "$want" || exit 1
	done <formats
'

test_expect_success '--discovered-at defaults to now (LIANDONG_NOW)' '
	id=$("$LD" case open --db dates.db --source patrol --category 其他 \
		--location 村委会 --description 测试) &&
	"$LD" case show --db dates.db "$id" --json >out &&
	jeq out d.case.discovered_at 2026-11-20T10:00:00+08:00
'

test_expect_success 'ids are C-<station>-<seq of the opening event>' '
	init_other ids.db gh-2 &&
	"$LD" case open --db ids.db --source patrol --category 其他 --location 村委会 \
		--description 一 >out && echo C-gh-2-1 >expect && test_cmp expect out &&
	"$LD" complaint record --db ids.db --type complaint --channel phone \
		--matter 噪音 --description 二 --name 赵六 >out &&
	echo T-gh-2-2 >expect && test_cmp expect out &&
	"$LD" case open --db ids.db --source patrol --category 其他 --location 村委会 \
		--description 三 >out && echo C-gh-2-4 >expect && test_cmp expect out &&
	"$LD" log --db ids.db --json >log.json &&
	jeq log.json "[e.seq for e in d.events if e.kind == \"case.opened\"]" "1 4" &&
	jeq log.json "[e.entity for e in d.events if e.kind == \"case.opened\"]" \
		"C-gh-2-1 C-gh-2-4"
'

test_expect_success 'the officer defaults to $LIANDONG_OFFICER' '
	id=$("$LD" case open --db dates.db --source patrol --category 其他 \
		--location 村委会 --description 测试) &&
	"$LD" case show --db dates.db "$id" --json >out &&
	jeq out d.case.officer 张三 && jeq out d.events[0].author 张三
'

test_expect_success 'agent.conf [station] officer comes before $LIANDONG_OFFICER' '
	mkdir -p "$XDG_CONFIG_HOME/liandong" &&
	printf "[station]\nofficer = 李所长\n" >"$XDG_CONFIG_HOME/liandong/agent.conf" &&
	id=$("$LD" case open --db dates.db --source patrol --category 其他 \
		--location 村委会 --description 测试); st=$?
	rm -f "$XDG_CONFIG_HOME/liandong/agent.conf"
	test $st -eq 0 &&
	"$LD" case show --db dates.db "$id" --json >out &&
	jeq out d.case.officer 李所长 && jeq out d.events[0].author 李所长
'

test_expect_success 'agent.conf from --config and $LIANDONG_CONFIG; --officer beats both' '
	printf "[station]\nofficer = 王指导员\n" >my.conf &&
	id=$(LIANDONG_CONFIG="$SCRATCH/my.conf" "$LD" case open --db dates.db \
		--source patrol --category 其他 --location 村委会 --description 测试) &&
	"$LD" case show --db dates.db "$id" --json >out &&
	jeq out d.case.officer 王指导员 &&
	id=$(LIANDONG_OFFICER= "$LD" case open --config my.conf --db dates.db \
		--source patrol --category 其他 --location 村委会 --description 测试) &&
	"$LD" case show --db dates.db "$id" --json >out &&
	jeq out d.case.officer 王指导员 &&
	id=$("$LD" case open --config my.conf --db dates.db --officer 马警官 \
		--source patrol --category 其他 --location 村委会 --description 测试) &&
	"$LD" case show --db dates.db "$id" --json >out &&
	jeq out d.case.officer 马警官 && jeq out d.events[0].author 马警官
'

test_expect_success 'case close records the reason' '
	"$LD" case close C-lyx01-2 --reason "已责令整改，复查合格" >out &&
	echo C-lyx01-2 >expect && test_cmp expect out &&
	"$LD" case show C-lyx01-2 --json >out &&
	jeq out d.case.status closed &&
	jeq out d.case.closed.reason "已责令整改，复查合格" &&
	jeq out d.case.closed.by 张三
'

test_expect_success 'case list prints every case, newest discovery first' '
	"$LD" case list >out &&
	test "$(ids out)" = "C-lyx01-1 C-lyx01-2 C-lyx01-3 C-lyx01-4" &&
	test "$(sed -n 1p out | tr -s " ")" = "ID STATUS DISCOVERED CATEGORY LOCATION MATTER"
'

test_expect_success 'the table columns line up by display width' '
	test_grep 龙羊峡镇查那村 out && test_grep G214国道K35 out &&
	aligned out
'

test_expect_success 'the alignment check itself catches a table padded by bytes' '
	printf "%-16s%s\n" ID MATTER 违法建设 x >bytes &&
	test_must_fail aligned bytes
'

test_expect_success 'rows show status, urgency, date, and description when no matter' '
	tr -s " " <out >rows &&
	test_grep "^C-lyx01-1 open ! 2026-11-19 09:30 违法建设 龙羊峡镇查那村 违建猪圈\$" rows &&
	test_grep "^C-lyx01-2 closed 2026-11-18 00:00 环境保护 恰卜恰镇 夜间向河道排放污水\$" rows &&
	test_grep "^C-lyx01-3 open 2026-11-17 08:00 食品安全 G214国道K35 过期食品\$" rows
'

test_expect_success 'a long location is cut with an ellipsis to 24 columns' '
	loc=$(grep "^C-lyx01-4 " out | sed "s/.*违法建设  //; s/  .*//") &&
	case "$loc" in 共和县龙羊峡镇查那村*…) ;; *) echo "cell: $loc"; exit 1 ;; esac &&
	w=$(printf "%s" "$loc" | python3 -c "import sys, unicodedata; print(sum(2 if unicodedata.east_asian_width(c) in \"WF\" else 1 for c in sys.stdin.read()))") &&
	test "$w" -le 24 && test "$w" -ge 22
'

test_expect_success 'case list --status' '
	"$LD" case list --status open >out &&
	test "$(ids out)" = "C-lyx01-1 C-lyx01-3 C-lyx01-4" &&
	"$LD" case list --status closed >out &&
	test "$(ids out)" = "C-lyx01-2"
'

test_expect_success 'case list --category matches the whole category' '
	"$LD" case list --category 违法建设 >out &&
	test "$(ids out)" = "C-lyx01-1 C-lyx01-4" &&
	"$LD" case list --category 违法 >out &&
	test "$(ids out)" = ""
'

test_expect_success 'case list --since is inclusive and --until exclusive' '
	"$LD" case list --since 2026-11-18 >out &&
	test "$(ids out)" = "C-lyx01-1 C-lyx01-2" &&
	"$LD" case list --until 2026-11-18 >out &&
	test "$(ids out)" = "C-lyx01-3 C-lyx01-4" &&
	"$LD" case list --since 2026-11-17 --until "2026-11-19 09:30" >out &&
	test "$(ids out)" = "C-lyx01-2 C-lyx01-3" &&
	"$LD" case list --since "2026-11-17 08:00:01" --until 2026-11-19T01:30:01Z >out &&
	test "$(ids out)" = "C-lyx01-1 C-lyx01-2"
'

test_expect_success 'case list --search with three or more Chinese characters' '
	"$LD" case list --search 排放污水 >out &&
	test "$(ids out)" = "C-lyx01-2" &&
	"$LD" case list --search 查那村 >out &&
	test "$(ids out)" = "C-lyx01-1 C-lyx01-4" &&
	"$LD" case list --search 复查合格 >out &&
	test "$(ids out)" = "C-lyx01-2" &&
	"$LD" case list --search 马警官 >out &&
	test "$(ids out)" = "C-lyx01-1" &&
	"$LD" case list --search 李四 >out &&
	test "$(ids out)" = "C-lyx01-1" &&
	"$LD" case list --search 不存在的 >out &&
	test "$(ids out)" = ""
'

test_expect_success 'case list --search with one or two Chinese characters' '
	"$LD" case list --search 猪圈 >out &&
	test "$(ids out)" = "C-lyx01-1" &&
	"$LD" case list --search 污 >out &&
	test "$(ids out)" = "C-lyx01-2" &&
	"$LD" case list --search 食 >out &&
	test "$(ids out)" = "C-lyx01-3" &&
	"$LD" case list --search 建 >out &&
	test "$(ids out)" = "C-lyx01-1 C-lyx01-4" &&
	"$LD" case list --search 鱼 >out &&
	test "$(ids out)" = ""
'

test_expect_success 'a short search takes % and _ literally' '
	"$LD" case list --search % >out && test "$(ids out)" = "" &&
	"$LD" case list --search _ >out && test "$(ids out)" = ""
'

test_expect_success 'case list --limit, alone and with a filter' '
	"$LD" case list --limit 2 >out &&
	test "$(ids out)" = "C-lyx01-1 C-lyx01-2" &&
	"$LD" case list --limit 1 --status open --category 违法建设 >out &&
	test "$(ids out)" = "C-lyx01-1"
'

test_expect_success 'case list --offset: a page, pages that meet, the rest without --limit' '
	"$LD" case list --limit 2 --offset 1 >out &&
	test "$(ids out)" = "C-lyx01-2 C-lyx01-3" &&
	"$LD" case list --limit 2 --offset 3 >out &&
	test "$(ids out)" = "C-lyx01-4" &&
	"$LD" case list --offset 2 >out &&
	test "$(ids out)" = "C-lyx01-3 C-lyx01-4" &&
	"$LD" case list --offset 9 >out && test "$(ids out)" = ""
'

test_expect_success 'case list --json is a versioned document with the fields' '
	"$LD" case list --json >out &&
	jeq out d.v 1 && jeq out d.kind case.list &&
	jeq out "[c.entity for c in d.cases]" "C-lyx01-1 C-lyx01-2 C-lyx01-3 C-lyx01-4" &&
	jeq out d.cases[0].status open && jeq out d.cases[0].urgent true &&
	jeq out d.cases[0].category 违法建设 && jeq out d.cases[0].parties "李四 王五" &&
	jeq out d.cases[0].discovered_at 2026-11-19T09:30:00+08:00 &&
	jeq out d.cases[3].location 共和县龙羊峡镇查那村三社东侧二百米处 &&
	jeq out d.cases[1].closed.reason "已责令整改，复查合格"
'

test_expect_success 'case list --json takes the filters too' '
	"$LD" case list --json --status closed >out &&
	jeq out "[c.entity for c in d.cases]" C-lyx01-2 &&
	"$LD" case list --json --search 猪圈 --limit 5 >out &&
	jeq out "[c.entity for c in d.cases]" C-lyx01-1 &&
	"$LD" case list --json --search 鱼 >out &&
	jeq out d.kind case.list && jeq out "len(d.cases)" 0
'

test_expect_success 'case show prints the fields and the timeline' '
	"$LD" case show C-lyx01-1 >out &&
	test_grep "^case: *C-lyx01-1\$" out &&
	test_grep "^status: *open\$" out &&
	test_grep "^urgent: *yes\$" out &&
	test_grep "^source: *辖区巡查\$" out &&
	test_grep "^matter: *违建猪圈\$" out &&
	test_grep "^category: *违法建设\$" out &&
	test_grep "^location: *龙羊峡镇查那村\$" out &&
	test_grep "^parties: *李四、王五\$" out &&
	test_grep "^discovered: *2026-11-19 09:30\$" out &&
	test_grep "^officer: *马警官\$" out &&
	test_grep "^unit: *龙羊峡镇\$" out &&
	test_grep "^evidence: *照片3张、现场笔录\$" out &&
	test_grep "^description: *村民在耕地上搭建猪圈，约200平方米\$" out &&
	test_grep "^timeline:\$" out &&
	test_grep "^  2026-11-20 10:00  case.opened  *龙羊峡镇 马警官 (lyx01/1)\$" out &&
	test "$(grep -c "^  2026-" out)" = 1
'

test_expect_success 'case show --json gives the record and its events' '
	"$LD" case show C-lyx01-2 --json >out &&
	jeq out d.v 1 && jeq out d.kind case && jeq out d.case.entity C-lyx01-2 &&
	jeq out "[e.kind for e in d.events]" "case.opened case.closed" &&
	jeq out "[e.seq for e in d.events]" "2 5" &&
	jeq out d.events[0].body.description 夜间向河道排放污水 &&
	jeq out d.events[1].body.reason "已责令整改，复查合格" &&
	jeq out "all(len(e.hash) == 64 for e in d.events)" true
'

test_expect_success 'case update changes the fields given and prints the id' '
	"$LD" case update C-lyx01-3 --category 食品药品 --location 恰卜恰镇市场 \
		--matter 销售过期食品 --description "超市销售过期牛奶" --urgent \
		--party 某超市 --party 店长刘某 --evidence 扣押清单 --officer 马警官 >out &&
	echo C-lyx01-3 >expect && test_cmp expect out &&
	"$LD" case show C-lyx01-3 --json >out &&
	jeq out d.case.category 食品药品 && jeq out d.case.location 恰卜恰镇市场 &&
	jeq out d.case.matter 销售过期食品 && jeq out d.case.description 超市销售过期牛奶 &&
	jeq out d.case.urgent true && jeq out d.case.parties "某超市 店长刘某" &&
	jeq out d.case.evidence 扣押清单 && jeq out d.case.officer 马警官 &&
	jeq out d.case.source notice && jeq out d.case.status open &&
	jeq out "[e.kind for e in d.events]" "case.opened case.updated" &&
	jeq out d.events[1].author 马警官
'

test_expect_success 'case update --note adds a progress note' '
	"$LD" case update C-lyx01-3 --note "已约谈店长，责令下架" >out &&
	"$LD" case update C-lyx01-3 --note "复查：已全部下架" >>out &&
	printf "C-lyx01-3\nC-lyx01-3\n" >expect && test_cmp expect out &&
	"$LD" case show C-lyx01-3 --json >out &&
	jeq out "[n.note for n in d.case.notes]" "已约谈店长，责令下架 复查：已全部下架" &&
	jeq out d.case.notes[0].by 张三 && jeq out d.case.category 食品药品 &&
	"$LD" case show C-lyx01-3 >out &&
	test_grep "^note: *已约谈店长，责令下架\$" out &&
	test "$(grep -c "case.updated" out)" = 3 &&
	"$LD" case list --search 全部下架 >out && test "$(ids out)" = C-lyx01-3
'

test_expect_success 'case update with nothing to change is a usage error, nothing recorded' '
	"$LD" log --json >before &&
	"$LD" case update C-lyx01-3 >out 2>err; st=$?
	test $st -eq 2 && test_grep "^liandong: error: nothing to change" err &&
	test_grep "usage: liandong case update" err && ! test -s out &&
	"$LD" case update C-lyx01-3 --officer 马警官 2>err; st=$?
	test $st -eq 2 && test_grep "nothing to change" err &&
	"$LD" log --json >after && test_cmp before after
'

test_expect_success 'case close requires --reason (exit 2) and leaves the case open' '
	"$LD" case close C-lyx01-3 >out 2>err; st=$?
	test $st -eq 2 && test_grep "^liandong: error: missing required option --reason" err &&
	"$LD" case close C-lyx01-3 --reason "" 2>err; st=$?
	test $st -eq 2 &&
	"$LD" case show C-lyx01-3 --json >out && jeq out d.case.status open
'

test_expect_success 'case close, then show prints the reason' '
	"$LD" case close C-lyx01-3 --reason 已下架并罚款 --officer 马警官 >out &&
	echo C-lyx01-3 >expect && test_cmp expect out &&
	"$LD" case show C-lyx01-3 >out &&
	test_grep "^status: *closed\$" out && test_grep "^closed: *已下架并罚款\$" out &&
	test_grep "case.closed  *龙羊峡镇 马警官" out
'

test_expect_code 9 'closing a closed case is a conflict' '
	"$LD" case close C-lyx01-3 --reason 再次 2>err; st=$?
	test_grep "^liandong: error: .*already closed" err && exit $st
'

test_expect_code 9 'updating a closed case is a conflict' '
	"$LD" case update C-lyx01-3 --note 补充 2>err; st=$?
	test_grep "^liandong: error: .*closed" err && exit $st
'

test_expect_success 'the refused close and update recorded nothing' '
	"$LD" case show C-lyx01-3 --json >out &&
	jeq out "[e.kind for e in d.events]" \
		"case.opened case.updated case.updated case.updated case.closed" &&
	jeq out d.case.closed.reason 已下架并罚款
'

printf '辖区巡查\n违法用地\n塘格木镇\n在草原上挖沙\n\n' >answers1
printf '违法用地\n在草原上挖沙，面积约500平方米\n2026-11-19 08:00\n' >answers2

test_expect_success 'with LIANDONG_PROMPT=1 case open asks for every missing field' '
	LIANDONG_PROMPT=1 "$LD" case open <answers1 >out 2>err &&
	id=$(cat out) && test "$(wc -l <out)" = 1 &&
	case "$id" in C-lyx01-[0-9]*) ;; *) exit 1 ;; esac &&
	test_grep "source" err && test_grep "category" err &&
	test_grep "location" err && test_grep "description" err &&
	test_grep "discovered at" err &&
	"$LD" case show "$id" --json >out &&
	jeq out d.case.source patrol && jeq out d.case.category 违法用地 &&
	jeq out d.case.location 塘格木镇 && jeq out d.case.description 在草原上挖沙 &&
	jeq out d.case.discovered_at 2026-11-20T10:00:00+08:00 &&
	jeq out d.case.officer 张三 && jeq out d.case.urgent false
'

test_expect_success 'prompts only ask for fields not given as options' '
	LIANDONG_PROMPT=1 "$LD" case open --source notice --location 河卡镇 --urgent \
		<answers2 >out 2>err &&
	id=$(cat out) &&
	! grep -q "source" err && ! grep -q "location" err &&
	test_grep "category" err &&
	"$LD" case show "$id" --json >out &&
	jeq out d.case.source notice && jeq out d.case.location 河卡镇 &&
	jeq out d.case.category 违法用地 &&
	jeq out d.case.description 在草原上挖沙，面积约500平方米 &&
	jeq out d.case.discovered_at 2026-11-19T08:00:00+08:00 &&
	jeq out d.case.urgent true
'

test_expect_success 'prompts that run out of input record nothing (exit 2)' '
	"$LD" log --json >before &&
	printf "patrol\n违法用地\n" | LIANDONG_PROMPT=1 "$LD" case open >out 2>err; st=$?
	test $st -eq 2 && test_grep "^liandong: error: .*--location" err &&
	! test -s out &&
	"$LD" log --json >after && test_cmp before after
'

test_expect_success 'a bad answer is refused like a bad option (exit 3)' '
	printf "bogus\n" | LIANDONG_PROMPT=1 "$LD" case open >out 2>err; st=$?
	test $st -eq 3 && test_grep "^liandong: error: unknown value .bogus. for --source" err &&
	"$LD" log --json >after && test_cmp before after
'

test_expect_success 'without LIANDONG_PROMPT and no terminal nothing is asked' '
	"$LD" case open <answers1 >out 2>err; st=$?
	test $st -eq 2 && ! grep -q "category:" err &&
	test_grep "^liandong: error: missing required option --source" err &&
	"$LD" log --json >after && test_cmp before after
'

test_expect_success 'case open --help lists the options its kind declares, with their help' '
	"$LD" case open --help >out &&
	test_grep "^  --source SOURCE  *patrol, assignment, notice or report" out &&
	test_grep "^  --party NAME\.\.\.  *a party concerned (repeat for several)\$" out &&
	test_grep "^  --discovered-at DATE  *when it was found (default: now)\$" out &&
	test_grep "^  --urgent  *urgent: evidence may be lost" out &&
	"$LD" case update --help >out &&
	test_grep "^  --note TEXT  *a progress note\$" out &&
	test_grep "^  --officer NAME  *officer making the change\$" out
'

test_expect_success 'case show prints every party and evidence item, however long the list' '
	set -- &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		set -- "$@" --party "当事人$i号某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某尾" \
			--evidence "证据$i"
	done &&
	id=$("$LD" case open --source patrol --category 其他 --location 村委会 \
		--description 测试 "$@") &&
	"$LD" case show "$id" >out &&
	test_grep "^parties: .*当事人1号某*尾、当事人2号" out &&
	test_grep "、当事人20号某*尾\$" out &&
	test_grep "^evidence: *证据1、证据2、.*、证据20\$" out
'

test_done
