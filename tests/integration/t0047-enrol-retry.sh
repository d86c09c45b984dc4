#!/bin/sh
# Enrolment a bad link or a typo cannot burn (issue 12): the code stays
# valid until the station's first request with its token, so an answer
# lost on the way is asked for again with the same code; the unit is
# checked before anything changes; `station reissue` gives a station that
# lost its token (or was revoked by mistake) a new code, its chain kept.
#
# The enrolment answer is cut by the fault proxy at COUNT random byte
# offsets (default 100, SEED 47), a new station each time: each enrols
# exactly once, with one token that works.
. "$(dirname "$0")/lib.sh"
test_plan 11

FP="$BUILD/tests/tools/faultproxy"
COUNT=${COUNT:-100}
SEED=${SEED:-47}
CA="$LIANDONG_SERVER_DIR/ca.pem"
# Each station below tries its used-up code once more, on purpose.
start_server --max-auth-failures 100000
"$LDS" unit add 县综合行政执法局 --role bureau >/dev/null

# enrol NAME CODE [URL]: enrols station NAME's database (made already).
enrol() {
	"$LD" enroll --db "$SCRATCH/$1.db" --ca "$CA" -- "${3:-$SERVER_URL}" "$2"
}
code_of() { tail -n 1 "$SCRATCH/$1.code"; }
status_of() { "$LDS" station list --json | jv /dev/stdin \
	"[s.status for s in d.stations if s.station == \"$1\"][0]"; }

"$LDS" station add --name lyx --unit 龙羊峡镇 >lyx.code
"$LD" init --db lyx.db --station lyx --unit 龙羊峡 >/dev/null
on lyx liaison log --type contact --summary 离线记录 >/dev/null

test_expect_success 'a unit typo at init is refused before the code is used, naming both units' '
	{ enrol lyx "$(code_of lyx)" 2>err; test $? = 5; } &&
	test_grep "龙羊峡镇" err && test_grep "龙羊峡'"'"'" err &&
	test_grep "the code is still valid" err &&
	test "$(status_of lyx)" = pending
'

test_expect_success 'set up again with the right unit, the same code enrols it' '
	rm -f lyx.db lyx.db-wal lyx.db-shm &&
	"$LD" init --db lyx.db --station lyx --unit 龙羊峡镇 >/dev/null &&
	on lyx liaison log --type contact --summary 离线记录 >/dev/null &&
	enrol lyx "$(code_of lyx)" >/dev/null && on lyx sync >/dev/null &&
	test "$(status_of lyx)" = active &&
	test "$(server_sql "SELECT head_seq FROM stations WHERE name=\"lyx\"")" = 1
'

test_expect_success 'once the station has used its token, the code is used up' '
	{ enrol lyx "$(code_of lyx)" 2>err; test $? = 8; } &&
	test_grep "invalid, used or expired" err && on lyx sync >/dev/null
'

# proxy [faultproxy options]: starts one in front of the server; its URL
# in $url, its pid in $pp.
proxy() {
	rm -f proxy.port
	"$FP" --to "127.0.0.1:$SERVER_PORT" --port-file proxy.port "$@" \
		2>>proxy.err &
	pp=$!
	wait_for 10 "[ -s proxy.port ]" || return 1
	url="https://127.0.0.1:$(cat proxy.port)"
}

# How many bytes a whole enrolment answer is, TLS included: the offsets
# are drawn below it.
"$LDS" station add --name cal --unit 恰卜恰镇 >cal.code
"$LD" init --db cal.db --station cal --unit 恰卜恰镇 >/dev/null
proxy --log cal.log && enrol cal "$(code_of cal)" "$url" >/dev/null
kill $pp; wait $pp 2>/dev/null
DOWN=$(sed -n '1s/.* down=\([0-9]*\) .*/\1/p' cal.log)
cat >offsets.py <<'PY'
import random, sys
rng = random.Random(int(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    print(rng.randrange(0, int(sys.argv[3])))
PY
python3 offsets.py "$SEED" "$COUNT" "${DOWN:-0}" >offsets

test_expect_success "the answer cut at $COUNT random offsets: each station enrols exactly once" '
	test "${DOWN:-0}" -gt 1000 && bad=0 first_ok=0 i=0 &&
	while read -r off; do
		i=$((i + 1)); s=cut$i
		"$LDS" station add --name $s --unit 恰卜恰镇 >$s.code &&
		"$LD" init --db $s.db --station $s --unit 恰卜恰镇 >/dev/null &&
		on $s liaison log --type contact --summary 未同步 >/dev/null || exit 1
		proxy --reset-after "$off" --dir down --faulty-conns 1 || exit 1
		if enrol $s "$(code_of $s)" "$url" >/dev/null 2>$s.err1; then
			first_ok=$((first_ok + 1))
		else
			enrol $s "$(code_of $s)" "$url" >/dev/null 2>$s.err2 ||
				{ echo "cut $i at $off: retry failed: $(cat $s.err2)"; bad=1; }
		fi
		on $s sync >/dev/null 2>$s.err3 ||
			{ echo "cut $i at $off: sync failed: $(cat $s.err3)"; bad=1; }
		st=$(status_of $s)
		[ "$st" = active ] || { echo "cut $i at $off: status $st"; bad=1; }
		# One token works, the one the station holds; the code is used up.
		{ enrol $s "$(code_of $s)" "$url" >/dev/null 2>&1 && {
			echo "cut $i at $off: the code enrolled a third time"; bad=1; }; } || true
		kill $pp 2>/dev/null; wait $pp 2>/dev/null
	done <offsets
	echo "# an enrolment is $DOWN bytes down; $first_ok of $COUNT first attempts went through whole" >>figures &&
	test $bad = 0 &&
	test "$(server_sql "SELECT count(*) FROM stations WHERE name LIKE \"cut%\" AND head_seq=1")" = "$COUNT"
'

test_expect_success 'reissue: a station that lost its token gets a new code, its chain kept' '
	cp lyx.db.token old.token && rm lyx.db.token &&
	on lyx liaison log --type contact --summary 换机前 >/dev/null &&
	"$LDS" station reissue lyx >re.code && test "$(status_of lyx)" = pending &&
	curl -s -o /dev/null -w "%{http_code}" --cacert "$CA" \
		-H "Authorization: Bearer $(cat old.token)" "$SERVER_URL/v1/status" >old.status &&
	test "$(cat old.status)" = 401 &&
	enrol lyx "$(tail -n 1 re.code)" >/dev/null && on lyx sync >/dev/null &&
	test "$(status_of lyx)" = active &&
	test "$(server_sql "SELECT head_seq FROM stations WHERE name=\"lyx\"")" = 2
'

test_expect_success 'a revocation taken back with reissue' '
	"$LDS" station revoke lyx >/dev/null && test_must_fail on lyx sync 2>/dev/null &&
	"$LDS" station reissue lyx >re2.code &&
	enrol lyx "$(tail -n 1 re2.code)" >/dev/null && on lyx sync >/dev/null &&
	on lyx verify >/dev/null
'

test_expect_success 'a clock years behind the certificate is named, not left as a TLS error' '
	{ ASAN_OPTIONS=verify_asan_link_order=0 LIANDONG_NOW= \
		faketime "2020-01-01 08:00:00" env LIANDONG_DB="$SCRATCH/lyx.db" \
		"$LD" sync 2>err; test $? = 7; } &&
	test_grep "not yet valid" err &&
	test_grep "this computer.s clock says 2020-01-01" err
'

test_expect_success 'station remove: one added by mistake goes; one with events is refused' '
	"$LDS" station add --name lyxx --unit 龙羊峡镇 >/dev/null &&
	"$LDS" station remove lyxx >/dev/null &&
	"$LDS" station list >list && test_grep ! lyxx list &&
	{ "$LDS" station remove lyx 2>err; test $? = 3; } &&
	test_grep "revoke it instead" err && on lyx sync >/dev/null &&
	{ server_on_pg || test_grep "station_removed" "$LIANDONG_SERVER_DIR/journal.log"; }
'

test_expect_success 'moving to a new laptop: export and import lose nothing, the old one stops' '
	on lyx liaison log --type contact --summary 搬迁前未同步 >/dev/null &&
	n=$(sqlite3 lyx.db "SELECT count(*) FROM events WHERE station=\"lyx\"") &&
	on lyx export move.db >/dev/null && test "$(stat -c %a move.db)" = 600 &&
	test -f move.db.token &&
	{ on lyx liaison log --type contact --summary 旧机 2>err; test $? = 11; } &&
	test_grep "exported on" err &&
	{ on lyx sync 2>err; test $? = 11; } &&
	{ "$LD" import --db "$SCRATCH/laptop/station.db" move.db >/dev/null; } &&
	LIANDONG_DB="$SCRATCH/laptop/station.db" "$LD" sync >/dev/null &&
	test "$(server_sql "SELECT head_seq FROM stations WHERE name=\"lyx\"")" = "$n" &&
	LIANDONG_DB="$SCRATCH/laptop/station.db" "$LD" liaison log --type contact --summary 新机 >/dev/null &&
	LIANDONG_DB="$SCRATCH/laptop/station.db" "$LD" sync >/dev/null &&
	LIANDONG_DB="$SCRATCH/laptop/station.db" "$LD" verify >/dev/null &&
	{ "$LD" import --db "$SCRATCH/laptop/station.db" move.db 2>err; test $? = 3; } &&
	test_grep "already exists" err
'

test_expect_success 'station list says when the certificate ends, and warns in its last 30 days' '
	"$LDS" station list >list && test_grep "^certificate: valid until" list &&
	"$LDS" station list --json >l.json &&
	end=$(jv l.json d.certificate_expires) && test "$end" -gt 0 &&
	"$LDS" station list 2>err >/dev/null && test ! -s err &&
	LIANDONG_NOW=$((end - 10 * 86400000)) "$LDS" station list 2>err >/dev/null &&
	test_grep "certificate .* ends on" err
'

test_expect_success 'init --hostname/--ip: stations reach the trial server by the names it gives' '
	export LIANDONG_SERVER_DIR="$SCRATCH/county2"
	{ "$LDS" init --county 测试县 --ip 300.1.1.1 2>err; test $? = 3; } &&
	test_grep "not an IP address" err &&
	"$LDS" init --county 测试县 --listen 127.0.0.9:0 --ip 127.0.0.9 \
		--hostname county.example >/dev/null &&
	openssl x509 -in county2/server.pem -noout -text >cert.txt &&
	test_grep "DNS:county.example" cert.txt &&
	test_grep "IP Address:127.0.0.9" cert.txt || exit 1
	"$LDS" serve --port-file port2 2>>server2.log &
	p2=$!
	wait_for 10 "[ -s port2 ]" &&
	"$LDS" station add --name far --unit 恰卜恰镇 >far.code &&
	"$LD" init --db far.db --station far --unit 恰卜恰镇 >/dev/null &&
	"$LD" enroll --db far.db --ca county2/ca.pem -- \
		"https://127.0.0.9:$(cat port2)" "$(tail -n 1 far.code)" >/dev/null
	rc=$?
	kill $p2; wait $p2
	test $rc = 0
'

[ -f figures ] && cat figures
test_done
