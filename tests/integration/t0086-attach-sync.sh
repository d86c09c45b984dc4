#!/bin/sh
# Attachments' files over sync (issue 18, docs/protocol.md "Attachments"):
# a township attaches to a referral, and the bureau it is addressed to
# receives the same bytes (small ones by themselves, large ones on
# demand; the sync's "N requests" counts the files' requests); a 5 MB
# file goes through a link cut five times at random offsets (seeded:
# SEED=N replays a run) with each
# chunk acknowledged once (the server's log: one "stored" line per
# offset; the agent reconnects within one sync, or the next goes on); an
# agent, or the server, killed with -9 mid-file goes on from what the
# server holds; the server refuses a chunk that does not match its hash,
# another unit's token, a file named only by a quarantined event, and a
# station over its quota, each with a clear error; an urgent record's
# files go first. A file is given by proof of possession, not by its
# hash: a station naming another unit's file on its own record is refused
# its bytes, while a unit attaching the same bytes sends them (compared,
# not stored again) and may read them back; a file refused whole is
# counted back from the quota; a file started while the in-flight limit
# is held is told to wait (503, Retry-After) and goes through later.
#
# The cut link runs at loopback speed, not 64 kbit/s: 5 MB at 64 kbit/s
# takes eleven minutes, too long for a test run; the cuts, not the speed,
# are what the resume logic sees. The kill tests throttle to 256 KB/s so
# that the agent or the server is caught mid-file.
# backends: sqlite — reads the server's blobs/ directory (its parts and files); on PostgreSQL the files are in the database, which t0094 tests through two instances
. "$(dirname "$0")/lib.sh"
test_plan 17
SEED=${SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "# SEED=$SEED (replay with SEED=$SEED)"


test_when_finished 'stop_proxy'

# jpeg NAME BYTES: a file NAME of BYTES bytes that sniffs as a JPEG.
jpeg() {
	{ printf '\377\330\377\340'; head -c $(($2 - 4)) /dev/urandom; } >"$1"
}

# stored HASH: the offsets of HASH's chunks the server stored, one a line.
stored() {
	grep "event=blob_chunk .*hash=$(echo "$1" | cut -c1-12) .*result=stored" \
		"$SCRATCH/server.log" | sed 's/.* offset=\([0-9]*\) .*/\1/'
}

# chunks_once HASH SIZE: every chunk of the file stored exactly once.
chunks_once() {
	stored "$1" >offsets &&
	test "$(wc -l <offsets)" -eq $((($2 + 65535) / 65536)) &&
	test -z "$(sort offsets | uniq -d)"
}

sha() { sha256sum "$1" | cut -c1-64; }

"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
# The running server's pid, kept in a file: a test body runs in a
# subshell, where start_server's own clean-up and SERVER_PID are lost.
echo "$SERVER_PID" >"$SCRATCH/server.pid"
test_when_finished 'kill $(cat "$SCRATCH/server.pid") 2>/dev/null'
# serve_again [-9]: stops the server (kill -9 with -9), starts it again.
serve_again() {
	_sp=$(cat "$SCRATCH/server.pid")
	kill ${1:-} "$_sp" 2>/dev/null
	wait_for 10 "gone $_sp" || return 1
	start_server && echo "$SERVER_PID" >"$SCRATCH/server.pid"
}
start_proxy enroll
PROXY_URL="https://127.0.0.1:$(cat "$SCRATCH/proxy.fixed")"
BUREAU=县综合行政执法局
add_station tw 龙羊峡镇 township "$PROXY_URL"
add_station bur $BUREAU bureau "$PROXY_URL"
add_station oth 恰卜恰镇 township "$PROXY_URL"
refresh_directory tw bur oth
on tw case open --source patrol --category 违法建设 --location 查纳村 \
	--description 建房 --discovered-at "2026-11-20 09:00" >tc
on tw referral send "$(cat tc)" --to $BUREAU --letter 龙移〔2026〕1号 \
	--source-material 笔录 --evidence 照片 >tr
R=$(cat tr)
jpeg 现场.jpg 300000
jpeg 大图.jpg 5000000
jpeg 录像截图.jpg 3000000
jpeg 服务器.jpg 2000000
jpeg 普通.jpg 200000
jpeg 紧急.jpg 200000

test_expect_success 'attached on one station, the unit addressed gets the same bytes with its next sync' '
	on tw attach "$R" 现场.jpg >/dev/null &&
	on tw sync >s1 && test_grep "attachments: 1 sent" s1 &&
	on bur sync >s2 && test_grep "attachments: 0 sent, 1 received" s2 &&
	n=$(sed -n "s/.* in \([0-9]*\) requests.*/\1/p" s2) &&
	test "$n" -ge $((1 + (300000 + 65535) / 65536)) &&
	on bur attachment get "$R:1" --output got1.jpg && cmp 现场.jpg got1.jpg &&
	chunks_once "$(sha 现场.jpg)" 300000
'

test_expect_success 'a 5 MB file through a link cut five times at random offsets arrives whole, each chunk acknowledged once' '
	on tw attach "$R" 大图.jpg >/dev/null &&
	# Each cut within the first 900,000 bytes of its connection: five
	# of them move at most 4.5 MB, so all five fire before the file ends.
	start_proxy cut --random-reset 900000 --seed $SEED --dir up --faulty-conns 5 &&
	n=0 && while ! on tw sync >s3 2>e3 && [ $n -lt 12 ]; do n=$((n + 1)); done &&
	test "$(grep -c "fault=reset dir=up" "$SCRATCH/proxy-cut.log")" -eq 5 &&
	chunks_once "$(sha 大图.jpg)" 5000000 &&
	test -f "$LIANDONG_SERVER_DIR/blobs/$(sha 大图.jpg)" &&
	cmp 大图.jpg "$LIANDONG_SERVER_DIR/blobs/$(sha 大图.jpg)"
'

test_expect_success 'a file over auto_fetch waits for attachment get, which fetches it' '
	start_proxy clean &&
	on bur sync >s4 && test_grep ! "received" s4 &&
	on bur attachment get "$R:2" --output got2.jpg && cmp 大图.jpg got2.jpg &&
	on bur verify >v && test_grep "2 attachments held, each re-hashed" v
'

TW_TOKEN=$(cat "$SCRATCH/tw.db.token")
OTH_TOKEN=$(cat "$SCRATCH/oth.db.token")
# api PATH TOKEN [curl options]: a request of our own, through the proxy
# (whose port stays the same when a test restarts the server).
api() {
	_p=$1
	_t=$2
	shift 2
	curl -s --cacert "$LIANDONG_SERVER_DIR/ca.pem" -H "Authorization: Bearer $_t" \
		-o body -w "%{http_code}" "$@" "$PROXY_URL$_p"
}

# A third file through a slow link, the agent killed mid-file.
H3=$(sha 录像截图.jpg)
on tw attach "$R" 录像截图.jpg >/dev/null
start_proxy slow --rate 262144
LIANDONG_DB="$SCRATCH/tw.db" "$LD" sync >/dev/null 2>&1 &
KPID=$!
test_when_finished "kill -9 $KPID 2>/dev/null"

test_expect_success 'kill -9 of the agent mid-file leaves the chunks acknowledged held' '
	wait_for 60 "test \$(stored $H3 | wc -l) -ge 5" &&
	kill -9 $KPID && wait_for 10 "gone $KPID" &&
	stop_proxy &&
	part=$(ls "$LIANDONG_SERVER_DIR"/blobs/$H3.*.part) &&
	wait_for 10 "s=\$(stat -c %s $part); sleep 0.2; test \$s = \$(stat -c %s $part)" &&
	test "$(stat -c %s "$part")" -eq $(($(stored $H3 | wc -l) * 65536))
'

test_expect_success 'a chunk whose bytes do not match its hash is refused, nothing written' '
	start_proxy direct &&
	part=$(ls "$LIANDONG_SERVER_DIR"/blobs/$H3.*.part) &&
	have=$(stat -c %s "$part") &&
	tail -c +$((have + 1)) 录像截图.jpg | head -c 65536 >c0 &&
	wrong=$(printf x | sha256sum | cut -c1-64) &&
	code=$(api "/v1/blob?hash=$H3&record=$R&offset=$have&chunk=$wrong" "$TW_TOKEN" \
		--data-binary @c0 -H "Content-Type: application/octet-stream") &&
	test "$code" = 422 && test_grep "does not match its hash" body &&
	test "$(stat -c %s "$part")" -eq "$have" &&
	code=$(api "/v1/blob?hash=$H3&record=$R" "$TW_TOKEN") && test "$code" = 200 &&
	jeq body "d.have" "$have" && jeq body "d.complete" false
'

test_expect_success 'the next sync goes on from what the server holds: every chunk stored once' '
	start_proxy clean2 &&
	on tw sync >s5 && test_grep "attachments: 1 sent" s5 &&
	chunks_once "$H3" 3000000 &&
	cmp 录像截图.jpg "$LIANDONG_SERVER_DIR/blobs/$H3" &&
	! ls "$LIANDONG_SERVER_DIR"/blobs/*.part 2>/dev/null
'

test_expect_success 'another unit'"'"'s token is refused, both ways, in the same words for any file' '
	h=$(sha 现场.jpg) &&
	code=$(api "/v1/blob?hash=$h&record=$R" "$OTH_TOKEN") &&
	test "$code" = 403 && test_grep "no record unit 恰卜恰镇 can see names this attachment" body &&
	code=$(api "/v1/blob/data?hash=$h&record=$R&offset=0" "$OTH_TOKEN") &&
	test "$code" = 403 &&
	code=$(api "/v1/blob?hash=$H3&record=$R&offset=0&chunk=$h" "$OTH_TOKEN" --data-binary @c0) &&
	test "$code" = 403 &&
	code=$(api "/v1/blob?hash=$h&record=R-nowhere-1" "$OTH_TOKEN") &&
	test "$code" = 403 && test_grep "no record unit 恰卜恰镇 can see names" body &&
	code=$(api "/v1/blob?hash=$h&record=$R" "$TW_TOKEN") && test "$code" = 200 &&
	jeq body "d.complete" true &&
	test "$(cat "$LIANDONG_SERVER_DIR/blobs/quota/tw")" -eq $((300000 + 5000000 + 3000000))
'

test_expect_success 'a file named only by an event quarantined for want of authority is refused to its author' '
	jpeg 伪造.jpg 70000 && h=$(sha 伪造.jpg) &&
	$BUILD/tests/tools/hostile --db "$SCRATCH/oth.db" --state "$SCRATCH/oth.state" >push <<-EOF &&
	{"kind":"referral.attached","entity":"$R","audience":["恰卜恰镇"],"body":{"hash":"$h","size":70000,"type":"image/jpeg","name":"伪造.jpg","confidential":false}}
	EOF
	test "$(sed -n "s/^status //p" push)" = 200 && test_grep not_entitled push &&
	head -c 65536 伪造.jpg >f0 &&
	code=$(api "/v1/blob?hash=$h&record=$R&offset=0&chunk=$(sha f0)" "$OTH_TOKEN" --data-binary @f0) &&
	test "$code" = 403 && test_grep "no record unit 恰卜恰镇 can see names" body &&
	code=$(api "/v1/blob?hash=$H3&record=$R" "$OTH_TOKEN") && test "$code" = 403 &&
	! ls "$LIANDONG_SERVER_DIR"/blobs/$h* 2>/dev/null
'

# The server killed with -9 mid-file (the agent too, if it has not
# given up on the server already).
H5=$(sha 服务器.jpg)
on tw attach "$R" 服务器.jpg >/dev/null
start_proxy slow2 --rate 262144
LIANDONG_DB="$SCRATCH/tw.db" "$LD" sync >/dev/null 2>&1 &
APID=$!
test_when_finished "kill -9 $APID 2>/dev/null"

test_expect_success 'kill -9 of the server mid-file: restarted, it goes on from what it had fsynced, no chunk stored twice' '
	wait_for 60 "test \$(stored $H5 | wc -l) -ge 5" &&
	serve_again -9 &&
	{ kill -9 $APID 2>/dev/null; wait_for 30 "gone $APID"; } &&
	start_proxy clean5 &&
	on tw sync >s8 && test_grep "attachments: 1 sent" s8 &&
	cmp 服务器.jpg "$LIANDONG_SERVER_DIR/blobs/$H5" &&
	stored $H5 >offsets5 && test -z "$(sort offsets5 | uniq -d)" &&
	test "$(wc -l <offsets5)" -ge $(((2000000 + 65535) / 65536 - 1))
'

test_expect_success 'an urgent record'"'"'s files go before the others queued with them' '
	on tw case open --urgent --source patrol --category 违法建设 --location 查纳村 \
		--description 正在施工 --discovered-at "2026-11-21 09:00" >tc2 &&
	on tw attach "$R" 普通.jpg >/dev/null &&
	on tw attach "$(cat tc2)" 紧急.jpg >/dev/null &&
	on tw sync >/dev/null &&
	first() { grep -n "event=blob_chunk .*hash=$(sha "$1" | cut -c1-12)" "$SCRATCH/server.log" | head -n 1 | cut -d: -f1; } &&
	test "$(first 紧急.jpg)" -lt "$(first 普通.jpg)"
'

# A second station of 恰卜恰镇 with a record of its own, for the hostile
# tool (oth's chain is the tool's now), and two stations of 河卡镇. The
# hostile one also names the file to 河卡镇, which may not read it either:
# an event gives a file only when its author's unit holds it.
add_station hos 恰卜恰镇 township "$PROXY_URL"
add_station sec 河卡镇 township "$PROXY_URL"
add_station sec2 河卡镇 township "$PROXY_URL"
on hos case open --source patrol --category 违法建设 --location 查纳村 \
	--description 建房 --discovered-at "2026-11-20 10:00" >hc
HC=$(cat hc)
on hos sync >/dev/null
HOS_TOKEN=$(cat "$SCRATCH/hos.db.token")
SEC_TOKEN=$(cat "$SCRATCH/sec.db.token")
jpeg 机密.jpg 200000
HK=$(sha 机密.jpg)

# name_file HASH SIZE TYPE NAME: the hostile station hos writes an
# attachment of its own record naming the file.
name_file() {
	"$BUILD/tests/tools/hostile" --db "$SCRATCH/hos.db" --state "$SCRATCH/hos.state" >push <<-EOF
	{"kind":"case.attached","entity":"$HC","body":{"hash":"$1","size":$2,"type":"$3","name":"$4","confidential":false}}
	EOF
	test "$(sed -n "s/^status //p" push)" = 200
}

# send_chunk TOKEN RECORD FILE OFFSET: POSTs the chunk of FILE at OFFSET.
send_chunk() {
	tail -c +$(($4 + 1)) "$3" | head -c 65536 >chunk &&
	api "/v1/blob?hash=$(sha "$3")&record=$2&offset=$4&chunk=$(sha chunk)" "$1" \
		--data-binary @chunk -D headers
}

test_expect_success 'a station naming another unit'"'"'s confidential file on its own record is refused its bytes' '
	on tw attach "$R" 机密.jpg --confidential >/dev/null &&
	on tw sync >s9 && test_grep "attachments: 1 sent" s9 &&
	test_grep "^龙羊峡镇$" "$LIANDONG_SERVER_DIR/blobs/$HK.units" &&
	name_file "$HK" 200000 image/jpeg 机密.jpg &&
	code=$(api "/v1/blob?hash=$HK&record=$HC" "$HOS_TOKEN") && test "$code" = 200 &&
	jeq body "d.have" 0 && jeq body "d.complete" false &&
	code=$(api "/v1/blob/data?hash=$HK&record=$HC&offset=0" "$HOS_TOKEN") &&
	test "$code" = 403 && test_grep "no record unit 恰卜恰镇 can see names this attachment" body &&
	code=$(api "/v1/blob/data?hash=$HK&record=$HC&offset=131072" "$HOS_TOKEN") &&
	test "$code" = 403 &&
	head -c 65536 /dev/urandom >fake && code=$(api "/v1/blob?hash=$HK&record=$HC&offset=0&chunk=$(sha fake)" \
		"$HOS_TOKEN" --data-binary @fake) && test "$code" = 200 && jeq body "d.have" 65536 &&
	cmp 机密.jpg "$LIANDONG_SERVER_DIR/blobs/$HK" &&
	test_grep ! "恰卜恰镇" "$LIANDONG_SERVER_DIR/blobs/$HK.units" &&
	"$BUILD/tests/tools/hostile" --db "$SCRATCH/hos.db" --state "$SCRATCH/hos.state" >push2 <<-EOF &&
	{"kind":"case.attached","entity":"$HC","audience":["恰卜恰镇","河卡镇"],"body":{"hash":"$HK","size":200000,"type":"image/jpeg","name":"机密.jpg","confidential":false}}
	EOF
	test "$(sed -n "s/^status //p" push2)" = 200 &&
	code=$(api "/v1/blob?hash=$HK&record=$HC" "$SEC_TOKEN") && test "$code" = 200 &&
	code=$(api "/v1/blob/data?hash=$HK&record=$HC&offset=0" "$SEC_TOKEN") &&
	test "$code" = 403 && test_grep "no record unit 河卡镇 can see names this attachment" body
'

test_expect_success 'a claim shorter than the file proves nothing: its first byte does not make a holder' '
	jpeg 机密2.jpg 150000 && HK2=$(sha 机密2.jpg) &&
	on tw attach "$R" 机密2.jpg --confidential >/dev/null &&
	on tw sync >/dev/null && test -f "$LIANDONG_SERVER_DIR/blobs/$HK2" &&
	name_file "$HK2" 1 image/jpeg 一字节.jpg &&
	head -c 1 机密2.jpg >byte1 &&
	code=$(api "/v1/blob?hash=$HK2&record=$HC&offset=0&chunk=$(sha byte1)" \
		"$HOS_TOKEN" --data-binary @byte1) && test "$code" = 422 &&
	test_grep ! "恰卜恰镇" "$LIANDONG_SERVER_DIR/blobs/$HK2.units" &&
	code=$(api "/v1/blob/data?hash=$HK2&record=$HC&offset=0" "$HOS_TOKEN") &&
	test "$code" = 403
'

test_expect_success 'a second unit attaching the same bytes proves them, nothing rewritten, and reads them back' '
	before=$(stat -c "%i %Y" "$LIANDONG_SERVER_DIR/blobs/$HK") &&
	on sec case open --source patrol --category 违法建设 --location 河卡村 \
		--description 建房 --discovered-at "2026-11-20 11:00" >sc &&
	on sec attach "$(cat sc)" 机密.jpg >/dev/null &&
	on sec sync >s10 && test_grep "attachments: 1 sent" s10 &&
	test "$(grep -c "event=blob_chunk station=sec hash=$(echo $HK | cut -c1-12) .*result=proved" "$SCRATCH/server.log")" -eq 4 &&
	test "$(stat -c "%i %Y" "$LIANDONG_SERVER_DIR/blobs/$HK")" = "$before" &&
	test_grep "^河卡镇$" "$LIANDONG_SERVER_DIR/blobs/$HK.units" &&
	test "$(cat "$LIANDONG_SERVER_DIR/blobs/quota/sec" 2>/dev/null || echo 0)" -eq 0 &&
	code=$(api "/v1/blob/data?hash=$HK&record=$(cat sc)&offset=0" "$SEC_TOKEN") && test "$code" = 200 &&
	head -c 65536 机密.jpg | cmp - body &&
	on sec2 sync >s11 && test_grep "1 received (0 and 4 chunks)" s11 &&
	on sec2 attachment get "$(cat sc):1" --output got-sec.jpg && cmp 机密.jpg got-sec.jpg &&
	code=$(api "/v1/blob/data?hash=$HK&record=$HC&offset=0" "$HOS_TOKEN") && test "$code" = 403
'

test_expect_success 'a file refused whole is counted back from the quota, sent again or not' '
	head -c 60000 /dev/urandom >假图.jpg && h=$(sha 假图.jpg) &&
	name_file "$h" 60000 image/jpeg 假图.jpg &&
	used=$(cat "$LIANDONG_SERVER_DIR/blobs/quota/hos" 2>/dev/null || echo 0) &&
	code=$(send_chunk "$HOS_TOKEN" "$HC" 假图.jpg 0) && test "$code" = 422 &&
	test_grep "not of the type" body &&
	test "$(cat "$LIANDONG_SERVER_DIR/blobs/quota/hos")" -eq "$used" &&
	code=$(send_chunk "$HOS_TOKEN" "$HC" 假图.jpg 0) && test "$code" = 422 &&
	test "$(cat "$LIANDONG_SERVER_DIR/blobs/quota/hos")" -eq "$used" &&
	! ls "$LIANDONG_SERVER_DIR"/blobs/$h* 2>/dev/null &&
	jpeg 真图.jpg 100000 && name_file "$(sha 真图.jpg)" 100000 image/jpeg 真图.jpg &&
	code=$(send_chunk "$HOS_TOKEN" "$HC" 真图.jpg 0) && test "$code" = 200 &&
	test "$(cat "$LIANDONG_SERVER_DIR/blobs/quota/hos")" -eq $((used + 100000)) &&
	code=$(send_chunk "$HOS_TOKEN" "$HC" 真图.jpg 65536) && test "$code" = 200 &&
	jeq body "d.complete" true &&
	test "$(cat "$LIANDONG_SERVER_DIR/blobs/quota/hos")" -eq $((used + 100000))
'

test_expect_success 'over its quota, a station is refused with a clear error, and the sync says so' '
	sed -i "s/^attachment_quota_kib = .*/attachment_quota_kib = 9000/; s/^attachment_max_kib = .*/attachment_max_kib = 2500/" \
		"$LIANDONG_SERVER_DIR/server.conf" &&
	serve_again && start_proxy clean4 &&
	jpeg 超额.jpg 2000000 &&
	on tw attach "$R" 超额.jpg >/dev/null &&
	! on tw sync >s7 2>e7 &&
	test_grep "attachment quota is full" e7 && test_grep "(413)" e7 &&
	! ls "$LIANDONG_SERVER_DIR"/blobs/$(sha 超额.jpg)* 2>/dev/null
'

test_expect_success 'a file over attachment_max_kib is refused (413) before a byte is kept' '
	jpeg 过大.jpg 2600000 && h=$(sha 过大.jpg) &&
	on tw attach "$R" 过大.jpg >/dev/null &&
	! on tw sync >/dev/null 2>&1 &&
	grep -q "event=blob_chunk .*hash=$(echo $h | cut -c1-12) offset=0 result=refused" "$SCRATCH/server.log" &&
	head -c 65536 过大.jpg >g0 &&
	code=$(api "/v1/blob?hash=$h&record=$R&offset=0&chunk=$(sha g0)" "$TW_TOKEN" --data-binary @g0) &&
	test "$code" = 413 && test_grep "the file is 2600000 bytes, more than the 2560000 this server takes" body &&
	! ls "$LIANDONG_SERVER_DIR"/blobs/$h* 2>/dev/null
'

test_expect_success 'a file started while attachment_inflight_kib is held is told 503 with Retry-After, and goes through later' '
	sed -i "s/^attachment_inflight_kib = .*/attachment_inflight_kib = 300/" \
		"$LIANDONG_SERVER_DIR/server.conf" &&
	serve_again && start_proxy clean6 &&
	jpeg 占位.jpg 250000 && name_file "$(sha 占位.jpg)" 250000 image/jpeg 占位.jpg &&
	code=$(send_chunk "$HOS_TOKEN" "$HC" 占位.jpg 0) && test "$code" = 200 &&
	jpeg 后到.jpg 100000 && on sec attach "$(cat sc)" 后到.jpg >/dev/null &&
	! LIANDONG_TEST_BUSY_WAIT=0 LIANDONG_DB="$SCRATCH/sec.db" "$LD" sync >s12 2>e12 &&
	test_grep "(503)" e12 && test_grep "try again later" e12 &&
	code=$(send_chunk "$SEC_TOKEN" "$(cat sc)" 后到.jpg 0) && test "$code" = 503 &&
	grep -qi "^retry-after: [1-9]" headers && test_grep "try again later" body &&
	! ls "$LIANDONG_SERVER_DIR"/blobs/$(sha 后到.jpg)* 2>/dev/null &&
	for o in 65536 131072 196608; do
		code=$(send_chunk "$HOS_TOKEN" "$HC" 占位.jpg $o) && test "$code" = 200 || return 1
	done &&
	jeq body "d.complete" true &&
	on sec sync >s13 && test_grep "attachments: 1 sent" s13 &&
	cmp 后到.jpg "$LIANDONG_SERVER_DIR/blobs/$(sha 后到.jpg)"
'

[ "$test_failures" -gt 0 ] && echo "# failed with SEED=$SEED"
test_done
