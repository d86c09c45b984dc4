#!/bin/sh
# The bytes a sync reports (sync --json: bytes_up, bytes_down) are the
# bytes its requests and answers took on the wire at the HTTP level:
# request line, headers and body up; status line, headers and body down.
# The server runs plain HTTP here (--insecure-http, for local tests) behind
# tests/tools/faultproxy with no fault, whose log counts every byte of
# each connection: without TLS those are exactly the HTTP bytes.
. "$(dirname "$0")/lib.sh"
test_plan 6

FP="$BUILD/tests/tools/faultproxy"
export LIANDONG_INSECURE_HTTP=1

start_server --insecure-http
"$FP" --to "127.0.0.1:$SERVER_PORT" --port-file "$SCRATCH/proxy.port" \
	--log "$SCRATCH/proxy.log" 2>>"$SCRATCH/proxy.err" &
PROXY_PID=$!
test_when_finished "kill $PROXY_PID 2>/dev/null"
wait_for 10 '[ -s "$SCRATCH/proxy.port" ]'
PROXY_URL="http://127.0.0.1:$(cat "$SCRATCH/proxy.port")"

# proxied UP|DOWN: the bytes of every connection the proxy has logged
# so far, that way.
proxied() {
	sed -n "s/.* $1=\([0-9]*\) .*/\1/p" "$SCRATCH/proxy.log" |
		awk '{ s += $1 } END { print s + 0 }'
}

# logged N: the proxy has logged N connections (it logs one when the
# connection ends; curl closes it when the agent exits).
logged() {
	wait_for 10 '[ "$(wc -l <"$SCRATCH/proxy.log" 2>/dev/null || echo 0)" -ge '"$1"' ]'
}

add_station lyx 龙羊峡镇 township "$PROXY_URL"
on lyx sync >/dev/null # the first sync confirms the enrolment
test_expect_success 'a station enrolls and syncs through the proxy over plain HTTP' '
	test -f lyx.db.token
'
n=$(wc -l <"$SCRATCH/proxy.log" 2>/dev/null || echo 0)
up0=$(proxied up) down0=$(proxied down)

test_expect_success 'an idle sync takes one request' '
	on lyx sync --json >idle.json &&
	jeq idle.json "d[\"requests\"]" 1 && jeq idle.json "d[\"pushed\"]" 0
'

# close A B: A is within 2% (and 16 bytes) of B.
close() {
	echo "reported $1, on the wire $2"
	[ $(( ($1 - $2) * ($1 - $2) )) -le $(( ($2 / 50 + 16) * ($2 / 50 + 16) )) ]
}

test_expect_success 'the bytes up it reports are the bytes it sent' '
	logged $((n + 1)) &&
	close "$(jv idle.json "d[\"bytes_up\"]")" $(($(proxied up) - up0))
'

test_expect_success 'the bytes down it reports are the bytes it received, headers included' '
	close "$(jv idle.json "d[\"bytes_down\"]")" $(($(proxied down) - down0))
'

# A body curl cannot send with the request's headers (over 64 KiB):
# summaries of random text, which the dictionary cannot shrink.
i=0
while [ $i -lt 60 ]; do
	on lyx liaison log --type contact \
		--summary "$(head -c 1500 /dev/urandom | base64 -w 0)" >/dev/null || break
	i=$((i + 1))
done
n=$(wc -l <"$SCRATCH/proxy.log")
up0=$(proxied up) down0=$(proxied down)
test_expect_success 'a push of 60 long entries sends more than 64 KiB' '
	on lyx sync --json >big.json &&
	jeq big.json "d[\"pushed\"]" 60 &&
	logged $((n + 1)) &&
	[ $(($(proxied up) - up0)) -gt 65536 ]
'

test_expect_success 'the bytes up and down it reports are the bytes on the wire' '
	close "$(jv big.json "d[\"bytes_up\"]")" $(($(proxied up) - up0)) &&
	close "$(jv big.json "d[\"bytes_down\"]")" $(($(proxied down) - down0))
'

test_done
