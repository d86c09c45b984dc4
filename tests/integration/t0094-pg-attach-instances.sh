#!/bin/sh
# Attachments' files through two 'liandong-server serve' instances on one
# PostgreSQL database (issues 18 and 19; server/blobs-pg.c): a township
# attaches a 300 KB and a 3 MB file through instance A, the bureau
# receives both through instance B byte for byte (the small one by
# itself, the large one by attachment get), nothing kept in either
# instance's blobs/; an upload cut mid-file on A (the agent killed with
# -9) goes on through B from what A acknowledged, each chunk stored once
# over the two; one station's made-up files' parts begun through A count
# through B against its own in-flight space (503), its quota (413) and
# the county's in-flight space (503 to another station); kill -9 of
# instance A in the middle of a file leaves no row past what the part
# says it holds, and the upload goes on through B. Set up as t0087;
# skipped without PostgreSQL (failed in CI), as t0084 is.
# backends: postgresql — starts a PostgreSQL of its own for two instances
. "$(dirname "$0")/lib.sh"

pg_needed 5

pg_start
CA="$LIANDONG_SERVER_DIR/ca.pem"
BUREAU=县综合行政执法局
FP="$BUILD/tests/tools/faultproxy"

# jpeg NAME BYTES: a file NAME of BYTES bytes that sniffs as a JPEG.
jpeg() {
	{ printf '\377\330\377\340'; head -c $(($2 - 4)) /dev/urandom; } >"$1"
}
sha() { sha256sum "$1" | cut -c1-64; }
# stored HASH: the offsets of HASH's chunks either instance stored.
stored() {
	grep -h "event=blob_chunk .*hash=$(echo "$1" | cut -c1-12) .*result=stored" \
		"$SCRATCH/a.log" "$SCRATCH/b.log" | sed 's/.* offset=\([0-9]*\) .*/\1/'
}
# chunks_once HASH SIZE: every chunk of the file stored exactly once.
chunks_once() {
	stored "$1" >offsets &&
	test "$(wc -l <offsets)" -eq $((($2 + 65535) / 65536)) &&
	test -z "$(sort offsets | uniq -d)"
}
# api URL PATH TOKEN [curl options]: a request of our own; the answer in
# ./body, its headers in ./headers, the status printed.
api() {
	_u=$1
	_p=$2
	_t=$3
	shift 3
	curl -s --cacert "$CA" -H "Authorization: Bearer $_t" \
		-o body -D headers -w "%{http_code}" "$@" "$_u$_p"
}

# Made and started at top level (their pids and URLs outlive the checks).
# Room for 3000 KiB from one station, 5500 KiB of quota each, 5000 KiB
# in flight from all: written before instance add copies server.conf.
pg_two_instances "s/^attachment_station_inflight_kib = .*/attachment_station_inflight_kib = 3000/;
	s/^attachment_inflight_kib = .*/attachment_inflight_kib = 5000/;
	s/^attachment_quota_kib = .*/attachment_quota_kib = 5500/"
grep -q "^attachment_quota_kib = 5500$" "$DIR_B/server.conf" ||
	echo "instance B's server.conf lacks the limits" >&2

add_station tw 龙羊峡镇 township "$a_URL"
add_station bur $BUREAU bureau "$b_URL"
add_station hos 恰卜恰镇 township "$b_URL"
add_station ver 河卡镇 township "$a_URL"
refresh_directory tw bur hos ver
on tw case open --source patrol --category 违法建设 --location 查纳村 \
	--description 建房 --discovered-at "2026-11-20 09:00" >tc
on tw referral send "$(cat tc)" --to $BUREAU --letter 龙移〔2026〕1号 \
	--source-material 笔录 --evidence 照片 >tr
R=$(cat tr)
jpeg 现场.jpg 300000
jpeg 录像截图.jpg 3000000
jpeg 断点.jpg 2000000
jpeg 续传.jpg 300000

test_expect_success 'a 300 KB and a 3 MB file attached through A reach the bureau through B byte for byte, kept in the database alone' '
	on tw attach "$R" 现场.jpg >/dev/null &&
	on tw attach "$R" 录像截图.jpg >/dev/null &&
	on tw sync >s1 && test_grep "attachments: 2 sent" s1 &&
	grep -q "event=blob_chunk .*result=stored" a.log &&
	! grep -q "event=blob_chunk" b.log &&
	on bur sync >s2 && test_grep "attachments: 0 sent, 1 received" s2 &&
	on bur attachment get "$R:1" --output got1.jpg && cmp 现场.jpg got1.jpg &&
	on bur attachment get "$R:2" --output got2.jpg && cmp 录像截图.jpg got2.jpg &&
	grep -q "event=blob_sent .*hash=$(sha 录像截图.jpg | cut -c1-12)" b.log &&
	! grep -q "event=blob_sent" a.log &&
	chunks_once "$(sha 现场.jpg)" 300000 &&
	chunks_once "$(sha 录像截图.jpg)" 3000000 &&
	test "$(psql_q "$STORE" -c "SELECT count(*) FROM blob_files")" = 2 &&
	test "$(psql_q "$STORE" -c "SELECT count(*) FROM blob_parts")" = 0 &&
	! ls "$DIR_A/blobs" "$DIR_B/blobs" 2>/dev/null | grep -q .
'

test_expect_success 'an upload cut mid-file on A goes on through B from what A acknowledged, each chunk stored once' '
	h=$(sha 断点.jpg) &&
	on tw attach "$R" 断点.jpg >/dev/null &&
	rm -f proxy.port &&
	{ "$FP" --to "127.0.0.1:$a_PORT" --port 0 --port-file proxy.port \
		--log proxy.log --rate 262144 2>proxy.err & echo $! >proxy.pid; } &&
	wait_for 10 "[ -s proxy.port ]" &&
	point tw "https://127.0.0.1:$(cat proxy.port)" &&
	{ LIANDONG_DB="$SCRATCH/tw.db" "$LD" sync >/dev/null 2>&1 & echo $! >agent.pid; } &&
	wait_for 60 "test \$(stored $h | wc -l) -ge 5" &&
	kill -9 "$(cat agent.pid)" && wait_for 10 "gone $(cat agent.pid)" &&
	kill "$(cat proxy.pid)" && wait_for 10 "gone $(cat proxy.pid)" &&
	held=$(psql_q "$STORE" -c "SELECT have FROM blob_parts WHERE hash='\''$h'\''") &&
	test "$held" -eq $(($(stored $h | wc -l) * 65536)) &&
	test "$held" -lt 2000000 &&
	point tw "$b_URL" &&
	on tw sync >s3 && test_grep "attachments: 1 sent" s3 &&
	chunks_once "$h" 2000000 &&
	first_b=$(grep "event=blob_chunk .*hash=$(echo $h | cut -c1-12) .*result=stored" b.log |
		head -n 1 | sed "s/.* offset=\([0-9]*\) .*/\1/") &&
	test "$first_b" -eq "$held" &&
	point bur "$a_URL" && on bur sync >/dev/null &&
	on bur attachment get "$R:3" --output got3.jpg && cmp 断点.jpg got3.jpg
'

HOS_TOKEN=$(cat "$SCRATCH/hos.db.token")
VER_TOKEN=$(cat "$SCRATCH/ver.db.token")
on hos case open --source patrol --category 违法建设 --location 查纳村 \
	--description 建房 --discovered-at "2026-11-20 10:00" >hc
on ver case open --source patrol --category 违法建设 --location 河卡村 \
	--description 建房 --discovered-at "2026-11-20 10:00" >vc
on hos sync >/dev/null
on ver sync >/dev/null
jpeg 假一.jpg 2900000
jpeg 假二.jpg 200000
jpeg 假三.jpg 2900000
jpeg 假四.jpg 2500000

# name_file STATION CASE FILE: STATION (its chain taken over by the
# hostile tool) writes an attachment of its record CASE naming FILE (its
# true hash and size: only the station holds the bytes).
name_file() {
	"$BUILD/tests/tools/hostile" --db "$SCRATCH/$1.db" --state "$SCRATCH/$1.state" >push <<-EOF &&
	{"kind":"case.attached","entity":"$2","body":{"hash":"$(sha "$3")","size":$(stat -c %s "$3"),"type":"image/jpeg","name":"$3","confidential":false}}
	EOF
	test "$(sed -n "s/^status //p" push)" = 200
}
# send_chunk URL TOKEN CASE FILE OFFSET: FILE's chunk at OFFSET POSTed.
send_chunk() {
	tail -c +$(($5 + 1)) "$4" | head -c 65536 >chunk &&
	api "$1" "/v1/blob?hash=$(sha "$4")&record=$3&offset=$5&chunk=$(sha chunk)" "$2" \
		--data-binary @chunk
}

test_expect_success 'a station'"'"'s part begun through A counts through B: its own in-flight space (503), its quota (413)' '
	HC=$(cat hc) &&
	name_file hos "$HC" 假一.jpg && name_file hos "$HC" 假二.jpg && name_file hos "$HC" 假三.jpg &&
	code=$(send_chunk "$a_URL" "$HOS_TOKEN" "$HC" 假一.jpg 0) && test "$code" = 200 &&
	jeq body "d.have" 65536 &&
	test "$(psql_q "$STORE" -c "SELECT used FROM blob_quota WHERE station='\''hos'\''")" = 2900000 &&
	code=$(send_chunk "$b_URL" "$HOS_TOKEN" "$HC" 假二.jpg 0) && test "$code" = 503 &&
	grep -qi "^retry-after: [1-9]" headers &&
	test_grep "station hos has 2900000 bytes of files being received (at most 3072000 at once)" body &&
	code=$(send_chunk "$b_URL" "$HOS_TOKEN" "$HC" 假三.jpg 0) && test "$code" = 413 &&
	test_grep "attachment quota is full (2900000 of 5632000 bytes used)" body &&
	code=$(api "$b_URL" "/v1/blob?hash=$(sha 假一.jpg)&record=$HC" "$HOS_TOKEN") &&
	test "$code" = 200 && jeq body "d.have" 65536 &&
	code=$(send_chunk "$b_URL" "$HOS_TOKEN" "$HC" 假一.jpg 65536) && test "$code" = 200 &&
	jeq body "d.have" 131072
'

test_expect_success 'the county'"'"'s in-flight space taken through A is full through B for another station (503)' '
	VC=$(cat vc) &&
	name_file ver "$VC" 假四.jpg &&
	code=$(send_chunk "$b_URL" "$VER_TOKEN" "$VC" 假四.jpg 0) && test "$code" = 503 &&
	test_grep "the server is receiving too many files now" body &&
	test "$(psql_q "$STORE" -c "SELECT count(*) FROM blob_parts WHERE station='\''ver'\''")" = 0 &&
	test "$(psql_q "$STORE" -c "SELECT count(*) FROM blob_quota WHERE station='\''ver'\'' AND used > 0")" = 0
'

test_expect_success 'kill -9 of instance A mid-file: no row past what its part holds, the upload goes on through B, each chunk stored once' '
	# tw has 332000 bytes of its quota left: a small file, a slow link
	# (16 KiB/s: the kill comes seconds before the file could end).
	h=$(sha 续传.jpg) && q="hash='\''$h'\''" &&
	on tw attach "$R" 续传.jpg >/dev/null &&
	rm -f proxy2.port &&
	{ "$FP" --to "127.0.0.1:$a_PORT" --port 0 --port-file proxy2.port \
		--log proxy2.log --rate 16384 2>proxy2.err & echo $! >proxy2.pid; } &&
	wait_for 10 "[ -s proxy2.port ]" &&
	point tw "https://127.0.0.1:$(cat proxy2.port)" &&
	{ LIANDONG_DB="$SCRATCH/tw.db" "$LD" sync >/dev/null 2>&1 & echo $! >agent2.pid; } &&
	wait_for 60 "test \$(stored $h | wc -l) -ge 2" &&
	kill -9 "$a_PID" && wait_for 10 "gone $a_PID" &&
	{ kill -9 "$(cat agent2.pid)" 2>/dev/null; wait_for 10 "gone $(cat agent2.pid)"; } &&
	kill "$(cat proxy2.pid)" && wait_for 10 "gone $(cat proxy2.pid)" &&
	held=$(psql_q "$STORE" -c "SELECT have FROM blob_parts WHERE $q") &&
	rows=$(psql_q "$STORE" -c "SELECT count(*), coalesce(sum(length(data)), 0) FROM blob_chunks WHERE $q") &&
	test "$rows" = "$(((held + 65535) / 65536))|$held" &&
	test "$held" -lt 300000 &&
	point tw "$b_URL" &&
	on tw sync >s5 && test_grep "attachments: 1 sent" s5 &&
	test -z "$(stored $h | sort | uniq -d)" &&
	test "$(psql_q "$STORE" -c "SELECT count(*) FROM blob_chunks WHERE $q AND length(station) = 0")" = 5 &&
	test "$(psql_q "$STORE" -c "SELECT count(*) FROM blob_parts WHERE $q")" = 0 &&
	point bur "$b_URL" && on bur sync >/dev/null &&
	on bur attachment get "$R:4" --output got4.jpg && cmp 续传.jpg got4.jpg
'

test_done
