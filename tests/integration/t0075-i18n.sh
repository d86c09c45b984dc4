#!/bin/sh
# Chinese everywhere (issue 16): po/zh_CN.po translates every string the
# sources mark (_(), N_(), ngettext()), make compiles it into
# $BUILD/locale/, and the programs speak Chinese under a zh_CN locale and
# English under LANG=C; JSON documents and exit codes are the same in both.
#
# The first check regenerates the template from the sources (make pot) and
# merges it into po/zh_CN.po: a string added without its translation, or
# changed since (msgmerge marks it fuzzy), fails it, and the failure lists
# each such string with where it is. To fix: make po-update, translate the
# entries left empty or marked fuzzy in po/zh_CN.po (drop the fuzzy mark),
# and make.
# backends: sqlite — regenerates and compiles the catalogues with make in the source tree (twice at once would race on it); no store behaviour
. "$(dirname "$0")/lib.sh"
test_plan 10

# A make of its own, as t0050's.
mk() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$TOP" --no-print-directory "$@"
}
# The programs under a locale chosen as users choose it: LANG.
zh() { env -u LC_ALL -u LANGUAGE LANG=zh_CN.UTF-8 "$@"; }
en() { env -u LC_ALL -u LANGUAGE LANG=C "$@"; }

# The entries of a po file but its header: where each is, its flags and
# its English, without the (empty or stale) translation.
entries() { # file
	awk 'BEGIN { RS = ""; ORS = "\n\n" } !/Project-Id-Version:/' "$1" |
		grep -v "^msgstr" | sed "s/^#~.*//"
}

if command -v xgettext >/dev/null && command -v msgmerge >/dev/null &&
	command -v msgattrib >/dev/null; then
	test_expect_success 'po/zh_CN.po translates every string of the sources, none fuzzy' '
		mk pot POT="$SCRATCH/liandong.pot" &&
		msgmerge --quiet --no-wrap --previous -o merged.po "$TOP/po/zh_CN.po" liandong.pot &&
		msgattrib --untranslated --no-obsolete --no-wrap merged.po >untranslated.po &&
		msgattrib --only-fuzzy --no-obsolete --no-wrap merged.po >fuzzy.po &&
		entries untranslated.po >untranslated &&
		entries fuzzy.po >fuzzy &&
		if [ -s untranslated ] || [ -s fuzzy ]; then
			echo "$(grep -c "^msgid" untranslated) strings without a Chinese translation and $(grep -c "^msgid" fuzzy) fuzzy (changed since translated) in po/zh_CN.po; make po-update, translate them (drop the fuzzy marks), make:"
			cat untranslated fuzzy
			exit 1
		fi &&
		msgfmt --check --statistics -o /dev/null merged.po 2>stats &&
		cat stats && test_grep "^[0-9]* translated messages\.$" stats
	'
else
	test_skip 'po/zh_CN.po translates every string of the sources, none fuzzy' \
		"no xgettext, msgmerge or msgattrib (the gettext package; scripts/deps.sh installs it)"
fi

test_expect_success 'make built the catalogue where the programs of the build look' '
	test -s "$BUILD/locale/zh_CN/LC_MESSAGES/liandong.mo" &&
	strings "$BUILD/liandong" | grep -qx "$BUILD/locale"
'

if ! locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\{0,1\}8'; then
	for what in 'liandong --help' 'a command'"'"'s --help' 'a table header' \
		'error messages' 'liandong-server --help' 'JSON is the same' \
		'exit codes are the same' 'LANGUAGE under LANG=C'; do
		test_skip "$what in Chinese and English" \
			"no zh_CN.UTF-8 locale (scripts/deps.sh generates it)"
	done
	test_done
	exit
fi

export LIANDONG_RULES=gonghe
"$LD" init --station lyx01 --unit 龙羊峡镇 >/dev/null 2>&1
"$LD" case open --source patrol --category 违法建设 --location 村委会 \
	--description 施工 --discovered-at "2026-11-02 09:00" >/dev/null

test_expect_success 'liandong --help: Chinese under zh_CN, English under C' '
	zh "$LD" --help >zh.out && en "$LD" --help >en.out &&
	test_grep "^用法：liandong <命令> \[选项\] \[参数\]" zh.out &&
	test_grep "联动站点代理：离线记录案件" zh.out &&
	test_grep "^usage: liandong <command> \[options\] \[args\]" en.out &&
	test_grep "Liandong station agent: records cases" en.out &&
	test_grep ! "usage: liandong <command>" zh.out
'

test_expect_success 'a command'"'"'s --help: its summary and options in Chinese' '
	zh "$LD" case open --help >zh.out && en "$LD" case open --help >en.out &&
	test_grep "新建案件台账" zh.out &&
	test_grep "^  --category TEXT  *事项所属领域，例如 违法建设$" zh.out &&
	test_grep "open a case ledger entry" en.out &&
	test_grep "^  --category TEXT  *domain of the matter, e.g. 违法建设$" en.out
'

test_expect_success 'a table header and a state: liandong due' '
	zh "$LD" due >zh.out 2>zh.err && en "$LD" due >en.out 2>en.err &&
	test_grep "^期限  *状态  *义务单位  *应办事项  *记录  *规则$" zh.out &&
	test_grep "已逾期  龙羊峡镇  移送案件（移送）" zh.out &&
	test_grep "^DUE  *STATE  *OWED BY  *OBLIGATION  *RECORD  *RULE$" en.out &&
	test_grep "OVERDUE  龙羊峡镇  refer the case (移送)" en.out
'

test_expect_success 'error messages, with the same exit code' '
	st_zh=0 st_en=0 &&
	{ zh "$LD" case list --status bogus >/dev/null 2>zh.err || st_zh=$?; } &&
	{ en "$LD" case list --status bogus >/dev/null 2>en.err || st_en=$?; } &&
	test_grep "--status 只能是“open”或“closed”，而不是“bogus”" zh.err &&
	test_grep "--status must be .open. or .closed., not .bogus." en.err &&
	test "$st_zh" -ne 0 && test "$st_zh" = "$st_en" &&
	{ zh "$LD" case show C-lyx01-99 2>zh.err; echo $? >zh.st; } &&
	{ en "$LD" case show C-lyx01-99 2>en.err; echo $? >en.st; } &&
	test_grep "“C-lyx01-99”不存在" zh.err &&
	test_grep "no case .C-lyx01-99." en.err &&
	test "$(cat zh.st)" -ne 0 && test_cmp en.st zh.st
'

test_expect_success 'liandong-server --help: Chinese under zh_CN, English under C' '
	zh "$LDS" --help >zh.out && en "$LDS" --help >en.out &&
	test_grep "^用法：liandong-server <命令>" zh.out &&
	test_grep "联动县级服务器：接收各站点的事件并进行路由。" zh.out &&
	test_grep "创建服务器目录：配置、数据库、试用证书" zh.out &&
	test_grep "^usage: liandong-server <command>" en.out &&
	test_grep "Liandong county server: receives every station" en.out
'

test_expect_success '--json: the same bytes in both languages' '
	for cmd in "case list" "case show C-lyx01-1" "due" "log"; do
		zh "$LD" $cmd --json >zh.json 2>/dev/null &&
		en "$LD" $cmd --json >en.json 2>/dev/null &&
		test -s en.json && test_cmp en.json zh.json || { echo "$cmd"; exit 1; }
	done
'

test_expect_success 'exit codes are the same in both languages' '
	for cmd in "--help" "case show C-lyx01-1" "case close" "case nosuch" \
		"referral send C-lyx01-1" "init --station lyx01 --unit 龙羊峡镇" \
		"verify" "unknown"; do
		zh "$LD" $cmd >/dev/null 2>&1 </dev/null; z=$?
		en "$LD" $cmd >/dev/null 2>&1 </dev/null; e=$?
		test "$z" = "$e" || { echo "$cmd: $z under zh_CN, $e under C"; exit 1; }
	done
'

test_expect_success 'LANGUAGE under LANG=C stays English (gettext ignores it there)' '
	env -u LC_ALL LANG=C LANGUAGE=zh_CN "$LD" --help >en.out &&
	test_grep "^usage: liandong <command>" en.out
'

test_done
