#!/bin/sh
# Enrolling a station set up with another id than the county added it
# with: the code is the secret, so its holder is told which station it is
# for (409, the code still valid, exit 5); a code that is no live code of
# any station gets one answer whatever the station id (401, exit 8),
# naming only what the station sent: a stranger learns nothing of which
# stations exist.
. "$(dirname "$0")/lib.sh"
test_plan 5

CA="$LIANDONG_SERVER_DIR/ca.pem"
start_server
"$LDS" station add --name lyx --unit 龙羊峡镇 >lyx.code
"$LDS" station add --name qbq --unit 恰卜恰镇 >qbq.code
code_of() { tail -n 1 "$SCRATCH/$1.code"; }
# enrol DB STATION CODE: sets DB up as STATION of 龙羊峡镇 (once), enrols it.
enrol() {
	[ -f "$SCRATCH/$1.db" ] ||
		"$LD" init --db "$SCRATCH/$1.db" --station "$2" --unit 龙羊峡镇 >/dev/null
	"$LD" enroll --db "$SCRATCH/$1.db" --ca "$CA" -- "$SERVER_URL" "$3"
}
status_of() { "$LDS" station list --json | jv /dev/stdin \
	"[s.status for s in d.stations if s.station == \"$1\"][0]"; }

test_expect_code 5 'a typo in the station id: told which station the code is for, the code kept' '
	enrol typo lxy "$(code_of lyx)" 2>err; st=$?
	cat err &&
	test_grep "for station .lyx. of unit .龙羊峡镇., but this station was set up as .lxy." err &&
	test_grep "set it up again with --station lyx --unit 龙羊峡镇" err &&
	test_grep "the code is still valid" err &&
	test "$(status_of lyx)" = pending && exit $st
'

test_expect_code 8 'a wrong code for a station that does not exist: not valid for it, with what to check' '
	enrol ghost ghost BADCODE00000 2>err; st=$?
	cat err &&
	test_grep "this enrolment code is not valid for station .ghost." err &&
	test_grep "invalid, used or expired" err &&
	test_grep "the id the county added it with" err && exit $st
'

test_expect_success 'a wrong code for a station that exists gets the same words' '
	enrol real lyx BADCODE00000 2>err2; test $? = 8 &&
	sed "s/station .ghost./STATION/" err >a &&
	sed "s/station .lyx./STATION/" err2 >b && test_cmp a b &&
	test "$(status_of lyx)" = pending
'

test_expect_success 'set up again with the id the code is for, it enrols' '
	rm -f typo.db typo.db-wal typo.db-shm &&
	"$LD" init --db "$SCRATCH/typo.db" --station lyx --unit 龙羊峡镇 >/dev/null &&
	enrol typo lyx "$(code_of lyx)" >/dev/null &&
	"$LD" sync --db "$SCRATCH/typo.db" >/dev/null &&
	test "$(status_of lyx)" = active
'

test_expect_code 8 'a used-up code of another station is refused like any wrong code' '
	enrol typo2 lxy "$(code_of lyx)" 2>err; st=$?
	test_grep "not valid for station .lxy." err &&
	test_grep ! "code is for station" err && exit $st
'

test_done
