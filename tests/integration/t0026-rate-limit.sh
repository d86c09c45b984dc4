#!/bin/sh
# Brute-forcing enrolment codes and tokens is rate-limited: past 20 failed
# attempts a minute from one address, every attempt from that address
# gets 429 before any work, the right credential included. Only the
# address that fails is held back: a stranger who knows a station's name
# (it is in every record id) cannot lock that station out.
. "$(dirname "$0")/lib.sh"
test_plan 6

start_server
add_station lyx 龙羊峡镇
"$LDS" station add --name qbq --unit 恰卜恰镇 >qbq.code

CA="$LIANDONG_SERVER_DIR/ca.pem"
status_of() { # [curl options]: HTTP status of GET /v1/status
	curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$@" \
		"$SERVER_URL/v1/status"
}
enroll_status() { # address code
	curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" \
		--interface "$1" -H 'Content-Type: application/json' \
		-d "{\"station\":\"qbq\",\"code\":\"$2\"}" "$SERVER_URL/v1/enroll"
}

test_expect_success '20 wrong tokens get 401, the next attempts 429' '
	i=0; : >codes
	while [ $i -lt 25 ]; do
		status_of -H "Authorization: Bearer lyx:wrong$i" >>codes; echo >>codes
		i=$((i + 1))
	done
	test "$(grep -c 401 codes)" = 20 && test "$(grep -c 429 codes)" = 5
'

test_expect_success 'while blocked, even the right token gets 429' '
	test "$(status_of -H "Authorization: Bearer $(cat lyx.db.token)")" = 429
'

test_expect_success 'the station named is not locked out: from another address its token works' '
	test "$(status_of --interface 127.0.0.2 \
		-H "Authorization: Bearer $(cat lyx.db.token)")" = 200
'

test_expect_success 'another address with another station is not blocked' '
	"$LDS" station list --json >/dev/null &&
	test "$(status_of --interface 127.0.0.3 -H "Authorization: Bearer qbq:x")" = 401
'

test_expect_success 'guessing enrolment codes is blocked the same way' '
	i=0; : >codes
	while [ $i -lt 21 ]; do
		enroll_status 127.0.0.4 "GUESS$i" >>codes; echo >>codes
		i=$((i + 1))
	done
	test "$(grep -c 429 codes)" -ge 1 &&
	test "$(enroll_status 127.0.0.4 "$(tail -n 1 qbq.code)")" = 429 &&
	test "$(enroll_status 127.0.0.5 "$(tail -n 1 qbq.code)")" = 200
'

test_expect_success 'refused attempts are logged without the secrets' '
	test_grep "result=refused" "$SCRATCH/server.log" &&
	test_grep ! "wrong1" "$SCRATCH/server.log" &&
	test_grep ! "GUESS" "$SCRATCH/server.log"
'

test_done
