#!/bin/sh
# The hostile-station tool (tests/tools/hostile.c) against a real county
# server on 127.0.0.1: it pushes sealed, chained events of its own making
# with a station's real token over HTTPS and prints the answer; --state
# carries its chain across runs without touching the station's database;
# --no-push prints events whose hashes verify; --raw sends any bytes.
#
# HOSTILE may name another way to run the tool (a valgrind wrapper).
. "$(dirname "$0")/lib.sh"
test_plan 14

HOSTILE=${HOSTILE:-$BUILD/tests/tools/hostile}
hostile() { $HOSTILE "$@"; }

# hdr FILE: the answer's header line (line 2 of the tool's output) into
# FILE.hdr, for jv/jeq.
hdr() { sed -n 2p "$1" >"$1.hdr"; }

# events_ok: every line on stdin is a canonical event whose hash is the
# SHA-256 of its canonical text without "hash", and each chains to the
# one before (seq + 1, prev = its hash).
cat >"$SCRATCH/check.py" <<'EOF'
import hashlib, json, sys

def canon(o):
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True)

last = None
n = 0
for line in sys.stdin.read().splitlines():
    e = json.loads(line)
    if canon(e) != line:
        sys.exit("not canonical: " + line)
    h = e.pop("hash")
    if hashlib.sha256(canon(e).encode("utf-8")).hexdigest() != h:
        sys.exit("hash does not verify: " + line)
    if last is not None and (e["seq"] != last[0] + 1 or e["prev"] != last[1]):
        sys.exit("does not chain: " + line)
    last = (e["seq"], h)
    n += 1
print(n)
EOF
events_ok() { python3 "$SCRATCH/check.py"; }
# ev_seq: the seq of the event on the first line of stdin.
ev_seq() { python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["seq"])'; }

# held STATION SEQ KEY: a member of an event the server stores (on
# either backend: server_sql).
held() {
	if server_on_pg; then _m="raw::json ->> '$3'"; else _m="json_extract(raw, '\$.$3')"; fi
	server_sql "SELECT $_m FROM events WHERE station = '$1' AND seq = $2"
}

start_server
add_station hx 龙羊峡镇
add_station hy 恰卜恰镇
sqlite3 hx.db .dump >hx.before
sqlite3 hy.db .dump >hy.before

test_expect_success 'the tool prints its usage; a missing --db is a usage error' '
	hostile --help >help && test_grep "^usage: hostile --db" help &&
	{ hostile </dev/null 2>err; test $? = 2; } && test_grep "usage:" err &&
	{ hostile --db hx.db --bogus </dev/null 2>err; test $? = 2; }
'

test_expect_success 'a default spec: a case opened, answered 200, in the county dump' '
	echo "{}" | hostile --db hx.db --state hx.state >out &&
	test "$(head -n 1 out)" = "status 200" &&
	hdr out && jeq out.hdr d.acked 1 && jeq out.hdr d.quarantined "" &&
	"$LDS" dump >dump && test_grep "C-hx-1" dump &&
	test "$(held hx 1 author)" = 攻击者
'

test_expect_success 'two runs in a row chain through --state (acked 2)' '
	echo "{}" | hostile --db hy.db --state hy.state >out1 &&
	test "$(head -n 1 out1)" = "status 200" && hdr out1 &&
	jeq out1.hdr d.acked 1 &&
	echo "{\"kind\":\"liaison.logged\"}" |
		hostile --db hy.db --state hy.state >out2 &&
	test "$(head -n 1 out2)" = "status 200" && hdr out2 &&
	jeq out2.hdr d.acked 2 &&
	read seq hash hlc <hy.state && test "$seq" = 2 &&
	test "$hash" = "$(held hy 2 hash)" && test "$hlc" = "$(held hy 2 hlc)"
'

test_expect_success 'a spec whose prev does not chain: 409, state left as it was' '
	cp hy.state hy.state.before &&
	printf "{\"prev\":\"%s\"}\n" "$(printf "%064d" 1)" |
		hostile --db hy.db --state hy.state >out &&
	test "$(head -n 1 out)" = "status 409" &&
	sed 1d out >err.json && jeq err.json d.status 409 &&
	test_cmp hy.state.before hy.state
'

test_expect_success '--no-push prints canonical, chained events whose hashes verify' '
	{ echo "{}" &&
	  echo "{\"kind\":\"case.updated\",\"entity\":\"C-hy-1\",\"audience\":[\"县公安局\"],\"body_merge\":{\"note\":\"改\"}}" &&
	  echo "{\"kind\":\"no.such.kind\",\"entity\":\"X-1\",\"hlc\":1,\"body\":[1,{\"a\":null}]}"
	} | hostile --db hy.db --state hy.state --no-push >events &&
	test "$(events_ok <events)" = 3 &&
	test "$(sed -n 1p events | ev_seq)" = 3 &&
	test_grep "\"entity\":\"C-hy-3\"" events &&
	test_grep "\"note\":\"改\"" events &&
	test_grep "\"hlc\":1," events && test_cmp hy.state.before hy.state
'

test_expect_success 'a bad spec is a usage error and sends nothing' '
	n=$(server_sql "SELECT count(*) FROM events") &&
	{ echo "{\"seq\":\"x\"}" | hostile --db hy.db >out 2>err; test $? = 2; } &&
	test_grep "seq" err && test ! -s out &&
	{ echo "{\"kind\":\"case.updated\"}" | hostile --db hy.db 2>err; test $? = 2; } &&
	{ echo "{\"sneaky\":1}" | hostile --db hy.db 2>err; test $? = 2; } &&
	test "$(server_sql \
		"SELECT count(*) FROM events")" = "$n"
'

test_expect_success '--raw with garbage: 400 with a JSON error' '
	printf "not json at all\n" | hostile --db hx.db --raw >out &&
	test "$(head -n 1 out)" = "status 400" &&
	sed 1d out >err.json && jeq err.json d.status 400
'

test_expect_success '--raw with what --no-push made pushes it, and --state follows' '
	{ printf "{\"acked\":2,\"cursor\":0,\"digest\":{\"count\":0,\"xor\":\"%s\"},\"final\":true,\"v\":1}\n" \
		"$(printf "%064d" 0)" &&
	  echo "{\"kind\":\"liaison.logged\"}" |
		hostile --db hy.db --state hy.state --no-push; } >body &&
	hostile --db hy.db --state hy.state --raw <body >out &&
	test "$(head -n 1 out)" = "status 200" && hdr out && jeq out.hdr d.acked 3 &&
	read seq hash hlc <hy.state && test "$seq" = 3
'

test_expect_success 'an authentic event the role may not write: 200, quarantined' '
	echo "{\"kind\":\"referral.decided\",\"entity\":\"R-hy-1\"}" |
		hostile --db hy.db --state hy.state >out &&
	test "$(head -n 1 out)" = "status 200" && hdr out &&
	jeq out.hdr d.acked 4 &&
	jeq out.hdr "d.quarantined[0].reason.split(\":\")[0]" role_forbidden
'

test_expect_success 'the pulled events follow the header: hx sees what it is in the audience of' '
	echo "{\"audience\":[\"恰卜恰镇\",\"龙羊峡镇\"]}" |
		hostile --db hy.db --state hy.state >out &&
	test "$(head -n 1 out)" = "status 200" &&
	echo "{\"kind\":\"liaison.logged\"}" | hostile --db hx.db --state hx.state >out &&
	test "$(head -n 1 out)" = "status 200" && hdr out && jeq out.hdr d.acked 2 &&
	sed 1,2d out >pulled && test "$(wc -l <pulled)" = 1 &&
	test_grep "\"entity\":\"C-hy-5\"" pulled && test "$(events_ok <pulled)" = 1
'

test_expect_success 'the station databases were never changed' '
	sqlite3 hx.db .dump >hx.after && test_cmp hx.before hx.after &&
	sqlite3 hy.db .dump >hy.after && test_cmp hy.before hy.after
'

# A station enrolled with the key pin alone, and copies of stations whose
# stored CA or pin is another county's: the tool verifies the server.
PIN=$(sed -n 's/^server key pin: //p' init.out)
"$LDS" init --dir "$SCRATCH/other" --county 别县 --listen 127.0.0.1:0 >other.out
OTHER_PIN=$(sed -n 's/^server key pin: //p' other.out)
"$LDS" station add --name hp --unit 倒淌河镇 >hp.code
"$LD" init --db "$SCRATCH/hp.db" --station hp --unit 倒淌河镇 >/dev/null
"$LD" enroll --db "$SCRATCH/hp.db" --pin "$PIN" -- "$SERVER_URL" \
	"$(tail -n 1 hp.code)" >/dev/null
# twin NAME COPY KEY VALUE: COPY.db, a copy of station NAME with its token,
# whose meta KEY is VALUE.
twin() {
	cp "$1.db" "$2.db" && cp -p "$1.db.token" "$2.db.token" &&
	sqlite3 "$2.db" "UPDATE meta SET value = CAST(readfile('$4') AS TEXT)
		WHERE key = '$3'; SELECT changes();" | grep -qx 1
}
printf '%s' "$OTHER_PIN" >other.pin

test_expect_success 'a station enrolled with a pin alone pushes (the pin checked)' '
	test -n "$PIN" && test -z "$(sqlite3 hp.db \
		"SELECT value FROM meta WHERE key = '"'server_ca'"'")" &&
	echo "{}" | hostile --db hp.db >out &&
	test "$(head -n 1 out)" = "status 200"
'

test_expect_success 'another county'"'"'s CA or pin: exit 1, nothing sent' '
	n=$(server_sql "SELECT count(*) FROM events") &&
	twin hx badca server_ca "$SCRATCH/other/ca.pem" &&
	{ echo "{}" | hostile --db badca.db --state hx.state >out 2>err
	  test $? = 1; } && test ! -s out && test_grep "SSL certificate problem" err &&
	twin hp badpin server_pin other.pin &&
	{ echo "{}" | hostile --db badpin.db >out 2>err; test $? = 1; } &&
	test ! -s out && test_grep "pinned public key" err &&
	test "$(server_sql \
		"SELECT count(*) FROM events")" = "$n"
'

stop_server
test_expect_success 'no server: exit 1, a message, no status line' '
	{ echo "{}" | hostile --db hx.db >out 2>err; test $? = 1; } &&
	test ! -s out && test_grep "cannot reach" err
'

test_done
