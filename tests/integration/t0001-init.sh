#!/bin/sh
# init: creating a station database, where it goes, and refusals.
# backends: sqlite — agent-only, no county server: the store plays no part
. "$(dirname "$0")/lib.sh"
test_plan 13

test_expect_success 'init creates the database under the data directory by default' '
	"$LD" init --station lyx01 --unit 龙羊峡镇 >out &&
	test -f "$XDG_DATA_HOME/liandong/station.db" &&
	test_grep "lyx01" out
'

test_expect_success 'the database and its directory are private to the user' '
	test "$(stat -c %a "$XDG_DATA_HOME/liandong/station.db")" = 600 &&
	test "$(stat -c %a "$XDG_DATA_HOME/liandong")" = 700
'

test_expect_code 6 'init refuses to overwrite an existing station' '
	"$LD" init --station lyx01 --unit 龙羊峡镇
'

test_expect_success '--db overrides LIANDONG_DB which overrides agent.conf' '
	mkdir -p "$XDG_CONFIG_HOME/liandong" &&
	printf "[station]\ndb = %s\n" "$SCRATCH/conf.db" >"$XDG_CONFIG_HOME/liandong/agent.conf" &&
	"$LD" init --station conf1 --unit 恰卜恰镇 &&
	test -f "$SCRATCH/conf.db" &&
	LIANDONG_DB="$SCRATCH/env.db" "$LD" init --station env1 --unit 恰卜恰镇 &&
	test -f "$SCRATCH/env.db" &&
	LIANDONG_DB="$SCRATCH/env2.db" "$LD" init --db "$SCRATCH/flag.db" --station f1 --unit 恰卜恰镇 &&
	test -f "$SCRATCH/flag.db" && ! test -f "$SCRATCH/env2.db"
'

test_expect_success 'init --json prints a versioned document' '
	"$LD" init --db "$SCRATCH/j.db" --station j1 --unit 倒淌河镇 --json >out &&
	test_grep "\"v\": 1" out && test_grep "\"kind\": \"init\"" out &&
	test_grep "倒淌河镇" out
'

test_expect_code 2 'init without --station is a usage error' '
	"$LD" init --db "$SCRATCH/x.db" --unit 龙羊峡镇
'

test_expect_code 3 'init refuses a bad station id' '
	"$LD" init --db "$SCRATCH/x.db" --station "Bad Id" --unit 龙羊峡镇
'

test_expect_success 'nothing was created by the refusals' '
	! test -e "$SCRATCH/x.db"
'

test_expect_code 5 'a broken agent.conf is a config error' '
	printf "[station\nbroken" >bad.conf &&
	"$LD" --help >/dev/null &&
	"$LD" case list --config bad.conf
'

test_expect_code 6 'commands before init say to run init' '
	"$LD" case list --db "$SCRATCH/none.db" 2>err; st=$?;
	grep -q "liandong init" err && exit $st
'

test_expect_success 'every command has --help' '
	for c in "init" "case open" "case list" "case show" "case update" \
	    "case close" "complaint record" "complaint list" "complaint show" \
	    "liaison log" "liaison list" "log" "verify"; do
		"$LD" $c --help >out || exit 1
		grep -q "^usage: liandong $c" out || exit 1
	done
'

test_expect_code 2 'an unknown command suggests the right one' '
	"$LD" csae list 2>err; st=$?; grep -q "did you mean .case." err && exit $st
'

test_expect_code 2 'an unknown option suggests the right one' '
	"$LD" case list --stauts open 2>err; st=$?; grep -q "did you mean .--status." err && exit $st
'

test_done
