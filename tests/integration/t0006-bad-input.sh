#!/bin/sh
# Bad input: each refusal prints "liandong: error: ..." on stderr, exits
# with its documented code (docs/exit-codes.md) and changes nothing.
# backends: sqlite — agent-only, no county server: the store plays no part
. "$(dirname "$0")/lib.sh"
# 63 checks, and three loops over cases: 4 missing options, 8 dates, 5
# limits.
test_plan $((63 + 4 + 8 + 5 + 4))

# snapshot FILE: the whole database (every table, the clock) and the log.
snapshot() {
	sqlite3 "$LIANDONG_DB" .dump >"$1" &&
	"$LD" log --json --show-identity >>"$1" &&
	sqlite3 "$LIANDONG_DB" "SELECT count(*) FROM events; SELECT count(*) FROM projections" >>"$1"
}

# refused PATTERN CMD...: runs CMD and returns its exit status, or 125
# when CMD crashed, printed anything on stdout, did not start stderr with
# "liandong: error: ", did not mention PATTERN (fixed text), or changed the
# database.
refused() {
	_pat=$1
	shift
	snapshot "$SCRATCH/before" || return 125
	"$@" >"$SCRATCH/stdout" 2>"$SCRATCH/stderr"
	_st=$?
	snapshot "$SCRATCH/after" || return 125
	if [ "$_st" -gt 128 ]; then
		echo "refused: died of signal $((_st - 128))"
		return 125
	fi
	if ! head -n 1 "$SCRATCH/stderr" | grep -q "^liandong: error: ."; then
		echo "refused: stderr does not start with 'liandong: error: ':"
		cat "$SCRATCH/stderr"
		return 125
	fi
	if ! grep -qF -- "$_pat" "$SCRATCH/stderr"; then
		echo "refused: '$_pat' not in the message:"
		cat "$SCRATCH/stderr"
		return 125
	fi
	if [ -s "$SCRATCH/stdout" ]; then
		echo "refused: printed on stdout:"
		cat "$SCRATCH/stdout"
		return 125
	fi
	if ! cmp -s "$SCRATCH/before" "$SCRATCH/after"; then
		echo "refused: the database changed:"
		diff "$SCRATCH/before" "$SCRATCH/after" | head -20
		return 125
	fi
	return "$_st"
}

open_case() { "$LD" case open --source patrol --category 违法建设 --location 查那村 \
	--description 测试 "$@"; }

setup_station lyx01 龙羊峡镇
open_case --discovered-at 2026-11-19 >/dev/null
"$LD" complaint record --type complaint --channel phone --matter 噪音 \
	--description 施工噪音 --name 赵六 --phone 13800138000 >/dev/null
"$LD" liaison log --type patrol --summary 巡查 >/dev/null

test_expect_success 'the station has a case, a complaint and a liaison entry' '
	snapshot base &&
	test "$(tail -n 2 base | tr "\n" " ")" = "4 3 "
'

test_expect_success 'the refusal check itself notices a change, a silent success and a wrong message' '
	sqlite3 "$LIANDONG_DB" ".backup scratch.db" &&
	LIANDONG_DB="$SCRATCH/scratch.db" &&
	refused "" open_case; test $? -eq 125 &&
	refused "no such text" "$LD" case show C-lyx01-99; test $? -eq 125 &&
	refused "" true; test $? -eq 125
'

# --- unknown ids (4)
test_expect_code 4 'case show of an unknown id' '
	refused "no case '"'"'C-lyx01-99'"'"'" "$LD" case show C-lyx01-99
'
test_expect_code 4 'case show of a malformed id' '
	refused "no case" "$LD" case show nonsense
'
test_expect_code 4 'case show of a complaint id' '
	refused "no case '"'"'T-lyx01-3'"'"'" "$LD" case show T-lyx01-3
'
test_expect_code 4 'case update of an unknown id' '
	refused "no case '"'"'C-lyx01-99'"'"'" "$LD" case update C-lyx01-99 --note 进展
'
test_expect_code 4 'case close of an unknown id' '
	refused "no case '"'"'C-lyx01-99'"'"'" "$LD" case close C-lyx01-99 --reason 结案
'
test_expect_code 4 'complaint show of an unknown id' '
	refused "no complaint '"'"'T-lyx01-99'"'"'" "$LD" complaint show T-lyx01-99
'
test_expect_code 4 'complaint show of a case id' '
	refused "no complaint" "$LD" complaint show C-lyx01-1 --show-identity
'

# --- missing required fields (2)
for opt in source category location description; do
	test_expect_code 2 "case open without --$opt" '
		set -- --source patrol --category 违法建设 --location 查那村 --description 测试
		args=""
		while [ $# -gt 0 ]; do
			[ "$1" = "--'$opt'" ] || args="$args $1 $2"
			shift 2
		done
		refused "missing required option --'$opt'" "$LD" case open $args
	'
done
test_expect_code 2 'a usage error ends with the usage and a hint' '
	refused "missing required option --source" "$LD" case open; st=$?
	test_grep "^usage: liandong case open" stderr &&
	test_grep "^hint: see .liandong case open --help." stderr && exit $st
'
test_expect_code 2 'case open with no officer anywhere' '
	LIANDONG_OFFICER= refused "missing required option --officer" open_case
'
test_expect_code 2 'case open with an empty --category' '
	refused "missing required option --category" "$LD" case open --source patrol \
		--category "" --location 查那村 --description 测试
'
test_expect_code 2 'case open with an empty --discovered-at' '
	refused "missing required option --discovered-at" open_case --discovered-at ""
'
test_expect_code 2 'case close without --reason' '
	refused "missing required option --reason" "$LD" case close C-lyx01-1
'
test_expect_code 2 'case show without an id' '
	refused "missing <id>" "$LD" case show
'
test_expect_code 2 'complaint record without --matter' '
	refused "missing required option --matter" "$LD" complaint record \
		--type complaint --channel phone --description 测试
'
test_expect_code 2 'liaison log without --type' '
	refused "missing required option --type" "$LD" liaison log --summary 测试
'

# --- malformed dates (3)
for d in 2026-02-30 2026/11/20 yesterday "2026-11-19 25:00" 2026-11-19T09:60 \
    2026-13-01 "2026-11-19 9:30" 2026-11-19T09:30+0800; do
	test_expect_code 3 "--discovered-at '$d'" '
		refused "invalid date '"'$d'"' for --discovered-at" open_case --discovered-at "'"$d"'"
	'
done
test_expect_code 3 'complaint --received-at 2026-02-30' '
	refused "invalid date '"'"'2026-02-30'"'"' for --received-at" "$LD" complaint record \
		--type complaint --channel phone --matter m --description d --received-at 2026-02-30
'
test_expect_code 3 'liaison --date yesterday' '
	refused "invalid date '"'"'yesterday'"'"' for --date" "$LD" liaison log --type patrol \
		--summary s --date yesterday
'
test_expect_code 3 'case list --since 2026/11/20' '
	refused "invalid date '"'"'2026/11/20'"'"' for --since" "$LD" case list --since 2026/11/20
'
test_expect_code 3 'case list --until with hour 25' '
	refused "for --until" "$LD" case list --until "2026-11-19 25:00"
'

# --- dates in the future (3); now is 2026-11-20 10:00 (LIANDONG_NOW)
test_expect_code 3 'a --discovered-at next month' '
	refused "is in the future" open_case --discovered-at 2026-12-25
'
test_expect_code 3 'a --discovered-at two days ahead' '
	refused "--discovered-at '"'"'2026-11-22 10:00'"'"' is in the future" \
		open_case --discovered-at "2026-11-22 10:00"
'
test_expect_code 3 'a --received-at next year' '
	refused "--received-at '"'"'2027-01-01'"'"' is in the future" "$LD" complaint record \
		--type complaint --channel phone --matter m --description d --received-at 2027-01-01
'
test_expect_code 3 'a liaison --date in the future' '
	refused "is in the future" "$LD" liaison log --type patrol --summary s --date 2030-01-01
'

# --- over-long text (3)
long2001=$(python3 -c 'print("长" * 2001)')
long33=$(python3 -c 'print("类" * 33)')
test_expect_code 3 'a description of 2001 characters' '
	refused "'"'"'description'"'"' is too long: 2001 characters, at most 2000" \
		"$LD" case open --source patrol --category 违法建设 --location 查那村 \
		--description "$long2001"
'
test_expect_code 3 'a category of 33 characters' '
	refused "'"'"'category'"'"' is too long: 33 characters, at most 32" \
		"$LD" case open --source patrol --category "$long33" --location 查那村 \
		--description 测试
'
test_expect_code 3 'a matter of 61 characters' '
	refused "'"'"'matter'"'"' is too long" open_case \
		--matter "$(python3 -c "print(\"题\" * 61)")"
'
test_expect_code 3 'case update with a category of 33 characters' '
	refused "'"'"'category'"'"' is too long" "$LD" case update C-lyx01-1 --category "$long33"
'
test_expect_code 3 'a complaint description of 2001 characters' '
	refused "is too long" "$LD" complaint record --type complaint --channel phone \
		--matter m --description "$long2001"
'

# --- invalid UTF-8 (3)
bad=$(printf '\377\376')
test_expect_code 3 'invalid UTF-8 in --category' '
	refused "'"'"'--category'"'"' is not valid UTF-8" "$LD" case open --source patrol \
		--category "$bad" --location 查那村 --description 测试
'
test_expect_code 3 'invalid UTF-8 inside --description' '
	refused "'"'"'--description'"'"' is not valid UTF-8" "$LD" case open --source patrol \
		--category 违法建设 --location 查那村 --description "排污${bad}严重"
'
test_expect_code 3 'invalid UTF-8 in a repeated --party' '
	refused "'"'"'--party'"'"' is not valid UTF-8" open_case --party 李四 --party "$bad"
'
test_expect_code 3 'invalid UTF-8 in --note' '
	refused "'"'"'--note'"'"' is not valid UTF-8" "$LD" case update C-lyx01-1 --note "$bad"
'
test_expect_code 3 'invalid UTF-8 in --reason' '
	refused "'"'"'--reason'"'"' is not valid UTF-8" "$LD" case close C-lyx01-1 --reason "$bad"
'
test_expect_code 3 'invalid UTF-8 in a complainant name' '
	refused "not valid UTF-8" "$LD" complaint record --type complaint --channel phone \
		--matter m --description d --name "$bad"
'
test_expect_code 3 'invalid UTF-8 in a liaison --summary' '
	refused "not valid UTF-8" "$LD" liaison log --type patrol --summary "$bad"
'

# --- control characters in one-line fields (3)
test_expect_code 3 'a tab in --category' '
	refused "'"'"'category'"'"' contains a control character" "$LD" case open \
		--source patrol --category "$(printf "违法\t建设")" --location 查那村 --description 测试
'
test_expect_code 3 'a newline in --location' '
	refused "'"'"'location'"'"' contains a control character" "$LD" case open \
		--source patrol --category 违法建设 --location "$(printf "查那\n村")" --description 测试
'
test_expect_code 3 'an escape in --matter' '
	refused "'"'"'matter'"'"' contains a control character" open_case \
		--matter "$(printf "\033[31m红色")"
'
test_expect_code 3 'a newline in a --party' '
	refused "'"'"'parties'"'"' contains a control character" open_case \
		--party "$(printf "李\n四")"
'
test_expect_code 3 'a carriage return in --description' '
	refused "'"'"'description'"'"' contains a control character" "$LD" case open \
		--source patrol --category 违法建设 --location 查那村 --description "$(printf "a\rb")"
'
test_expect_code 3 'a control character in the officer from the environment' '
	LIANDONG_OFFICER="$(printf "张\001三")" refused "contains a control character" \
		"$LD" case update C-lyx01-1 --note 进展
'

# --- unknown enum values (3)
test_expect_code 3 'an unknown --source lists the accepted ones' '
	refused "unknown value '"'"'巡逻'"'"' for --source" "$LD" case open --source 巡逻 \
		--category 违法建设 --location 查那村 --description 测试; st=$?
	test_grep "^hint: one of: patrol (辖区巡查) assignment (县级转派)" stderr && exit $st
'
test_expect_code 3 'a --source in the wrong case' '
	refused "unknown value '"'"'Patrol'"'"' for --source" "$LD" case open --source Patrol \
		--category 违法建设 --location 查那村 --description 测试
'
test_expect_code 3 'an unknown complaint --type' '
	refused "unknown value '"'"'suggestion'"'"' for --type" "$LD" complaint record \
		--type suggestion --channel phone --matter m --description d
'
test_expect_code 3 'an unknown case list --status' '
	refused "--status must be" "$LD" case list --status pending
'

# --- unknown options (2)
test_expect_code 2 'an unknown option' '
	refused "unknown option '"'"'--bogus'"'"'" open_case --bogus
'
test_expect_code 2 'a near miss suggests the option' '
	refused "did you mean '"'"'--category'"'"'" "$LD" case open --catgory 违法建设
'
test_expect_code 2 'a short option' '
	refused "unknown option '"'"'-x'"'"'" "$LD" case list -x
'
test_expect_code 2 'an option missing its value' '
	refused "option '"'"'--category'"'"' needs a value" "$LD" case list --category
'
test_expect_code 2 'a value given to a flag' '
	refused "option '"'"'--urgent'"'"' takes no value" open_case --urgent=yes
'
test_expect_code 2 'an option of another command' '
	refused "unknown option '"'"'--show-identity'"'"'" "$LD" case list --show-identity
'
test_expect_code 2 'an extra argument' '
	refused "unexpected argument '"'"'C-lyx01-2'"'"'" "$LD" case show C-lyx01-1 C-lyx01-2
'

# --- --limit (3)
for n in 0 -1 abc 1.5 ""; do
	test_expect_code 3 "--limit '$n'" '
		refused "--limit must be a positive number, not '"'$n'"'" \
			"$LD" case list --limit "'"$n"'"
	'
done
test_expect_code 3 'complaint list --limit 0' '
	refused "--limit must be a positive number" "$LD" complaint list --limit 0
'
test_expect_code 3 'liaison list --limit 0' '
	refused "--limit must be a positive number" "$LD" liaison list --limit 0
'
for n in -1 abc 1.5 ""; do
	test_expect_code 3 "--offset '$n'" '
		refused "--offset must be a number, not '"'$n'"'" \
			"$LD" case list --offset "'"$n"'"
	'
done

# --- conflicts (9) and other refusals also change nothing
"$LD" case open --source patrol --category 违法建设 --location 查那村 \
	--description 待结案 >/dev/null && "$LD" case close C-lyx01-5 --reason 结案 >/dev/null
test_expect_code 9 'closing a closed case' '
	refused "already closed" "$LD" case close C-lyx01-5 --reason 再次
'
test_expect_code 9 'changing a closed case' '
	refused "is closed and cannot be changed" "$LD" case update C-lyx01-5 --note 补充
'
test_expect_code 2 'nothing to change' '
	refused "nothing to change" "$LD" case update C-lyx01-1
'

# --- the limits are exactly where they are documented
test_expect_success 'the refusals left the ledger as it was' '
	"$LD" verify >/dev/null &&
	"$LD" log --json >out && python3 -c "import json; assert len(json.load(open(\"out\"))[\"events\"]) == 6"
'
test_expect_success 'a description of exactly 2000 characters and a category of 32 are accepted' '
	long2000=$(python3 -c "print(\"长\" * 2000)") &&
	long32=$(python3 -c "print(\"类\" * 32)") &&
	id=$("$LD" case open --source patrol --category "$long32" --location 查那村 \
		--description "$long2000") &&
	"$LD" case show "$id" --json >out &&
	python3 -c "import json; c = json.load(open(\"out\"))[\"case\"]; assert len(c[\"description\"]) == 2000 and len(c[\"category\"]) == 32"
'
test_expect_success 'newlines and tabs are accepted in a multi-line description' '
	id=$(open_case --description "$(printf "第一行\n\t第二行")") &&
	"$LD" case show "$id" --json >out &&
	python3 -c "import json; assert json.load(open(\"out\"))[\"case\"][\"description\"] == \"第一行\n\t第二行\""
'
test_expect_success 'a --discovered-at of today and of earlier this morning are accepted' '
	open_case --discovered-at 2026-11-20 >/dev/null &&
	open_case --discovered-at "2026-11-20 09:59" >/dev/null
'

test_done
