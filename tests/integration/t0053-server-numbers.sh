#!/bin/sh
# Every number the server reads from its command line or server.conf is
# checked whole (ld_number, common/util.h): a typo is a configuration
# error (exit 5) that names the option and the value, and the server
# listens on nothing; "12abc" is never 12, "99999" never a port.
. "$(dirname "$0")/lib.sh"
test_plan 10

"$LDS" init --county 共和县 --listen 127.0.0.1:0 >/dev/null

# refused 'what' PATTERN OPTIONS...: serve exits 5 naming PATTERN (the
# options hold no spaces).
refused() {
	what=$1 pattern=$2
	shift 2
	opts="$*"
	test_expect_code 5 "$what" '
		timeout 20 "$LDS" serve --port-file bad.port $opts 2>err; st=$?
		cat err; test_grep "$pattern" err && ! test -e bad.port && exit $st
	'
}

refused 'a port past 65535' 'port of listen must be a number from 0 to 65535, not .99999.' \
	--listen 127.0.0.1:99999
refused 'a port with letters after it' 'not .80x.' --listen 127.0.0.1:80x
refused 'an empty port' 'not ..$' --listen 127.0.0.1:
refused 'threads that are not a number' '--threads must be a number from 1 to 256, not .abc.' \
	--listen 127.0.0.1:0 --threads abc
refused 'no threads' 'not .0.' --listen 127.0.0.1:0 --threads 0
refused 'a failure limit with letters after it' '--max-auth-failures must be a number from 1 to 1000000, not .12abc.' \
	--listen 127.0.0.1:0 --max-auth-failures 12abc
refused 'a negative clock limit' 'max-clock-ahead must be a whole number from 0 to .*, not .-1.' \
	--listen 127.0.0.1:0 --max-clock-ahead -1

test_expect_code 5 'a number in server.conf that is not one' '
	conf="$LIANDONG_SERVER_DIR/server.conf" &&
	cp "$conf" keep.conf &&
	printf "max_routes = 2e4\n" >>"$conf" &&
	timeout 20 "$LDS" serve --listen 127.0.0.1:0 --port-file bad.port 2>err; st=$?
	cp keep.conf "$conf" &&
	cat err; test_grep "max.routes must be a whole number from 0 to .*, not .2e4." err &&
	! test -e bad.port && exit $st
'

test_expect_code 3 'an enrolment code valid for "72h" is refused, not 72 hours' '
	"$LDS" station add --name lyx --unit 龙羊峡镇 --expires 72h
'

test_expect_success 'the numbers written right start it' '
	start_server --threads 2 --max-auth-failures 50 --max-clock-ahead 600 &&
	stop_server
'

test_done
