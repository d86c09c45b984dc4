#!/bin/sh
# Attachments' files over days (issue 18, docs/protocol.md "Attachments"):
# a station that claims made-up files and sends their first chunk holds
# only its own in-flight space (attachment_station_inflight_kib): its next
# file waits (503, Retry-After), one larger than that space alone is
# refused (413), another station's files go through; its parts resume
# within attachment_part_days and are removed after them (at serve start),
# counted back from its quota and from the files in flight; a bureau that
# does not sync for weeks, the server's clock moving on and the sweeps
# running meanwhile, then receives the township's files intact (the small
# one by itself, the large one by attachment get); a sync with a bad
# X-Liandong-Version is answered as any other, the value not kept.
#
# The clock is LIANDONG_NOW, for the server (restarted to read it) and the
# stations alike; each chunk writes it into its part's mtime, which the
# expiry reads.
# backends: sqlite — ages and counts the parts in the server's blobs/ directory; on PostgreSQL the same limits and expiry are test-blobs@postgresql's and t0094's
. "$(dirname "$0")/lib.sh"
test_plan 6

DAY=86400000
T0=1795140000000 # 2026-11-20T10:00:00+08:00, lib.sh's LIANDONG_NOW
export LIANDONG_NOW=$T0

# jpeg NAME BYTES: a file NAME of BYTES bytes that sniffs as a JPEG.
jpeg() {
	{ printf '\377\330\377\340'; head -c $(($2 - 4)) /dev/urandom; } >"$1"
}

sha() { sha256sum "$1" | cut -c1-64; }

"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
# Room for 3 MB from one station, 6 MB from all: without the station's
# own limit, hos's made-up files (2.9 + 0.2 + 2 MB) would leave too little
# of the county's for tw's 2.5 MB.
sed -i "s/^attachment_station_inflight_kib = .*/attachment_station_inflight_kib = 3000/;
	s/^attachment_inflight_kib = .*/attachment_inflight_kib = 6000/" \
	"$LIANDONG_SERVER_DIR/server.conf"
grep -q "^attachment_part_days = 14$" "$LIANDONG_SERVER_DIR/server.conf" ||
	echo "server.conf lacks attachment_part_days = 14" >&2
start_server
echo "$SERVER_PID" >"$SCRATCH/server.pid"
# The same port after each restart: the stations enrolled with it.
sed -i "s/^listen = .*/listen = 127.0.0.1:$SERVER_PORT/" "$LIANDONG_SERVER_DIR/server.conf"
test_when_finished 'kill $(cat "$SCRATCH/server.pid") 2>/dev/null'

# serve_at MS: the server stopped and started again with its clock at MS
# (the stations' too, from then on: LIANDONG_NOW is exported).
serve_at() {
	_sp=$(cat "$SCRATCH/server.pid")
	kill "$_sp" 2>/dev/null
	wait_for 10 "gone $_sp" || return 1
	LIANDONG_NOW=$1
	start_server && echo "$SERVER_PID" >"$SCRATCH/server.pid"
}

BUREAU=县综合行政执法局
add_station tw 龙羊峡镇 township
add_station bur $BUREAU bureau
add_station hos 恰卜恰镇 township
add_station ver 河卡镇 township
refresh_directory tw bur hos
on tw case open --source patrol --category 违法建设 --location 查纳村 \
	--description 建房 --discovered-at "2026-11-20 09:00" >tc
on tw referral send "$(cat tc)" --to $BUREAU --letter 龙移〔2026〕1号 \
	--source-material 笔录 --evidence 照片 >tr
R=$(cat tr)
on hos case open --source patrol --category 违法建设 --location 查纳村 \
	--description 建房 --discovered-at "2026-11-20 10:00" >hc
HC=$(cat hc)
on hos sync >/dev/null
HOS_TOKEN=$(cat "$SCRATCH/hos.db.token")
jpeg 现场.jpg 300000
jpeg 大图.jpg 2500000
jpeg 假一.jpg 2900000
jpeg 假二.jpg 200000
jpeg 假三.jpg 3100000
jpeg 假四.jpg 2000000

# api PATH TOKEN [curl options]: a request of our own; the answer in
# ./body, its headers in ./headers, the status printed.
api() {
	_p=$1
	_t=$2
	shift 2
	curl -s --cacert "$LIANDONG_SERVER_DIR/ca.pem" -H "Authorization: Bearer $_t" \
		-o body -D headers -w "%{http_code}" "$@" "$SERVER_URL$_p"
}

# name_file FILE: the station hos (its chain taken over by the hostile
# tool) writes an attachment of its record naming FILE (its true hash
# and size: only the station holds the bytes).
name_file() {
	"$BUILD/tests/tools/hostile" --db "$SCRATCH/hos.db" --state "$SCRATCH/hos.state" >push <<-EOF &&
	{"kind":"case.attached","entity":"$HC","body":{"hash":"$(sha "$1")","size":$(stat -c %s "$1"),"type":"image/jpeg","name":"$1","confidential":false}}
	EOF
	test "$(sed -n "s/^status //p" push)" = 200
}

# send_chunk FILE OFFSET: hos POSTs FILE's chunk at OFFSET.
send_chunk() {
	tail -c +$(($2 + 1)) "$1" | head -c 65536 >chunk &&
	api "/v1/blob?hash=$(sha "$1")&record=$HC&offset=$2&chunk=$(sha chunk)" "$HOS_TOKEN" \
		--data-binary @chunk
}

quota() { cat "$LIANDONG_SERVER_DIR/blobs/quota/$1"; }

test_expect_success 'a station holding its own in-flight space waits for its next file (503, Retry-After); one larger than that space alone is refused (413)' '
	name_file 假一.jpg && name_file 假二.jpg && name_file 假三.jpg && name_file 假四.jpg &&
	code=$(send_chunk 假一.jpg 0) && test "$code" = 200 && jeq body "d.have" 65536 &&
	test "$(quota hos)" -eq 2900000 &&
	code=$(send_chunk 假二.jpg 0) && test "$code" = 503 &&
	grep -qi "^retry-after: [1-9]" headers &&
	test_grep "station hos has 2900000 bytes of files being received (at most 3072000 at once)" body &&
	code=$(send_chunk 假三.jpg 0) && test "$code" = 413 &&
	test_grep "the file is 3100000 bytes, more than the 3072000 this server receives from one station at once" body &&
	! ls "$LIANDONG_SERVER_DIR"/blobs/$(sha 假二.jpg)* "$LIANDONG_SERVER_DIR"/blobs/$(sha 假三.jpg)* 2>/dev/null &&
	test "$(quota hos)" -eq 2900000
'

test_expect_success 'whatever else that station claims, another station'"'"'s files go through: the county'"'"'s space is not one station'"'"'s' '
	send_chunk 假四.jpg 0 >/dev/null &&
	on tw attach "$R" 现场.jpg >/dev/null && on tw attach "$R" 大图.jpg >/dev/null &&
	on tw sync >s1 && test_grep "attachments: 2 sent" s1 &&
	cmp 现场.jpg "$LIANDONG_SERVER_DIR/blobs/$(sha 现场.jpg)" &&
	cmp 大图.jpg "$LIANDONG_SERVER_DIR/blobs/$(sha 大图.jpg)" &&
	! ls "$LIANDONG_SERVER_DIR"/blobs/$(sha 假四.jpg)* 2>/dev/null
'

serve_at $((T0 + 10 * DAY))
test_expect_success 'ten days on, the part is kept and resumes where it was: nothing sent twice' '
	test_grep ! "event=blob_expired" "$SCRATCH/server.log" &&
	code=$(api "/v1/blob?hash=$(sha 假一.jpg)&record=$HC" "$HOS_TOKEN") && test "$code" = 200 &&
	jeq body "d.have" 65536 &&
	code=$(send_chunk 假一.jpg 65536) && test "$code" = 200 && jeq body "d.have" 131072 &&
	test "$(quota hos)" -eq 2900000
'

# Fourteen days after its last chunk (day 10): abandoned.
serve_at $((T0 + 24 * DAY))
test_expect_success 'fourteen days without a chunk, the part is removed at start and counted back: the station'"'"'s next file goes' '
	test_grep "event=blob_expired station=hos hash=$(sha 假一.jpg | cut -c1-12) size=2900000" "$SCRATCH/server.log" &&
	! ls "$LIANDONG_SERVER_DIR"/blobs/*.part 2>/dev/null &&
	test "$(quota hos)" -eq 0 &&
	code=$(api "/v1/blob?hash=$(sha 假一.jpg)&record=$HC" "$HOS_TOKEN") && test "$code" = 200 &&
	jeq body "d.have" 0 &&
	code=$(send_chunk 假二.jpg 0) && test "$code" = 200 &&
	code=$(send_chunk 假二.jpg 65536) && test "$code" = 200 &&
	code=$(send_chunk 假二.jpg 131072) && test "$code" = 200 &&
	code=$(send_chunk 假二.jpg 196608) && test "$code" = 200 &&
	jeq body "d.complete" true && test "$(quota hos)" -eq 200000 &&
	cmp 假二.jpg "$LIANDONG_SERVER_DIR/blobs/$(sha 假二.jpg)"
'

test_expect_success 'a bureau offline for 24 days receives the township'"'"'s files intact: the small one with its sync, the large one by attachment get' '
	on bur sync >s2 && test_grep "attachments: 0 sent, 1 received" s2 &&
	on bur attachment get "$R:1" --output got1.jpg && cmp 现场.jpg got1.jpg &&
	on bur attachment get "$R:2" --output got2.jpg && cmp 大图.jpg got2.jpg &&
	on bur verify >v && test_grep "2 attachments held, each re-hashed" v
'

# A sync of its own: the header alone (a station with no events), with
# the X-Liandong-Version given; the answer's first line is its header.
printf '{"v":1,"cursor":0,"acked":0,"final":true}\n' | zstd -q -c >hdr.zst
VER_TOKEN=$(cat "$SCRATCH/ver.db.token")
sync_told() {
	api /v1/sync "$VER_TOKEN" -H "Content-Encoding: zstd" -H "$1" --data-binary @hdr.zst >code &&
	test "$(cat code)" = 200 &&
	zstd -q -d -c -D "$TOP/conf/liandong.dict" body | head -n 1 >answer &&
	jeq answer "type(d.cursor).__name__" int
}
told() { server_sql "SELECT value FROM meta WHERE key=\"station_version:ver\""; }
A32=01234567890123456789012345678901

test_expect_success 'a bad X-Liandong-Version (not 1 to 32 of [0-9A-Za-z.+~-]) is not kept, the sync answered as any; a good one of 32 is' '
	for v in "${A32}x" "0.2 beta" "0.2;x" "版本0.2" "0.2/../x" ""; do
		sync_told "X-Liandong-Version: $v" && test -z "$(told)" || {
			echo "kept or refused: [$v]"; return 1; }
	done &&
	sync_told "X-Liandong-Version;" && test -z "$(told)" &&
	sync_told "X-Liandong-Version: $A32" && test "$(told)" = "$A32" &&
	sync_told "X-Liandong-Version: 0.2.0~rc1+g.1-x" && test "$(told)" = "0.2.0~rc1+g.1-x" &&
	sync_told "X-Liandong-Version: 0.2 beta" && test "$(told)" = "0.2.0~rc1+g.1-x"
'

test_done
