#!/bin/sh
# The command line as users type it: the common options (--db, --config,
# --json; the server's --dir) before the command as well as after it, and
# a bare noun with --help listing its commands.
. "$(dirname "$0")/lib.sh"
test_plan 9

DB="$SCRATCH/a.db"

test_expect_success 'liandong --db X init, then --db X case list' '
	"$LD" --db "$DB" init --station a1 --unit 龙羊峡镇 >/dev/null &&
	"$LD" --db "$DB" case open --source patrol --category 违法建设 \
		--location 查纳村 --description 违法建房 >id &&
	"$LD" --db="$DB" --json case list >list.json &&
	jeq list.json "d.cases[0].entity" "$(cat id)"
'

test_expect_success 'given before and after the command, the later one wins' '
	"$LD" --db "$SCRATCH/none.db" case show "$(cat id)" --db "$DB" >show &&
	test_grep "查纳村" show
'

test_expect_code 5 'liandong --db X sync runs sync (here: not enrolled, a config error)' '
	"$LD" --db "$DB" sync 2>err; st=$?
	test_grep "not enrolled" err && test_grep ! "unknown command" err && exit $st
'

test_expect_code 2 'an option that is not a common one before the command is a usage error' '
	"$LD" --frob sync 2>err; st=$?
	test_grep "unknown option .--frob." err && test_grep "hint: see .liandong --help." err &&
	exit $st
'

test_expect_code 2 'a common option without its value before the command says so' '
	"$LD" --db 2>err; st=$?
	test_grep "option .--db. needs a value" err && exit $st
'

test_expect_code 2 '--json before a command that prints no JSON is refused as after it' '
	"$LD" --db "$DB" --json dump 2>err; st=$?
	test_grep "unknown option .--json." err && test_grep "^usage: liandong dump" err &&
	exit $st
'

test_expect_success 'liandong case --help lists the case commands with their summaries' '
	"$LD" case --help >out 2>err && test ! -s err &&
	test_grep "^usage: liandong case <command>" out &&
	for v in open list show update close; do
		grep -q "^  case $v  *[a-z]" out || exit 1
	done &&
	test_grep ! "referral send" out &&
	"$LD" --db "$DB" case -h >out2 && test_cmp out out2
'

test_expect_success 'the main help names the common options and where they go' '
	"$LD" --help >out && test_grep "before or after the command" out &&
	test_grep "^  --db PATH" out
'

start_server
test_expect_success 'liandong-server station --help lists its commands; --dir may come first' '
	"$LDS" station --help >out &&
	for v in add list revoke reissue remove; do
		grep -q "^  station $v  *[a-z]" out || exit 1
	done &&
	"$LDS" --dir "$LIANDONG_SERVER_DIR" station add --name s1 --unit 龙羊峡镇 >/dev/null &&
	env -u LIANDONG_SERVER_DIR "$LDS" --dir "$LIANDONG_SERVER_DIR" --json station list >st.json &&
	jeq st.json "[s.station for s in d.stations]" s1
'

test_done
