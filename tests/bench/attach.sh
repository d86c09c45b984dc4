#!/bin/sh
# Attachments over a 64 kbit/s link (issue 18): a township station's
# files go up through tests/tools/faultproxy at ATTACH_RATE bytes/s each
# way (default 8,000: 64 kbit/s) with LATENCY_MS each way (default 100).
#
#  1. A 2 MB photo attached as it is (--original), then a referral of the
#     same case: both queued when the sync starts. Bytes up against the
#     file's size (goal within 1.05x); the sync's time against the link
#     minimum (the fuller direction's bytes over the rate); when the
#     referral reached the county, against the same referral synced
#     alone (the referral must not wait for the file).
#  2. The same photo reduced on the station by the county's [photos]
#     profile (max_side 1600, quality 80): its size against the
#     original's, its bytes on the wire against its size.
#  3. Unless ATTACH_CUTS=0: a 5 MB file through the link cut ATTACH_CUTS
#     times (default 5) at random offsets (--random-reset, seeded): the
#     sync run again after each failure, as the daemon would; the
#     server's log must show each 64 KiB chunk stored exactly once, and
#     the county's copy must hash as the station's. Eleven minutes at
#     64 kbit/s, so not a test in make check (t0086 cuts the link five
#     times at loopback speed).
#
# Nothing here passes or fails on a speed; the script fails when a file
# did not arrive intact or a chunk was stored twice.
. "$(dirname "$0")/lib.sh"

RATE=${ATTACH_RATE:-8000}
LATENCY_MS=${LATENCY_MS:-100}
CUTS=${ATTACH_CUTS:-5}
BUREAU=县综合行政执法局

# A photo with grain (libvips, as t0088 makes one), about 2 MB as a JPEG.
vips xyz xyz.v 2400 1600 && vips extract_band xyz.v x.v 0 &&
	vips linear x.v g.v 0.1 0 && vips gaussnoise n.v 2400 1600 --sigma 14 &&
	vips add g.v n.v s.v && vips cast s.v su.v uchar &&
	vips cast g.v gu.v uchar && vips bandjoin "su.v gu.v su.v" rgb.v &&
	vips copy rgb.v "photo.jpg[Q=95]" || { echo "attach: vips failed" >&2; exit 1; }
rm -f ./*.v
psize=$(wc -c <photo.jpg)

cat >photos.ini <<EOI
[profile]
name = gonghe_photos
county = 共和县
[photos]
max_side = 1600
quality = 80
exif = strip
EOI
county_init county --rules "$SCRATCH/photos.ini" || exit 1
county_serve county || exit 1
sdb="$SCRATCH/county/server.db"

proxy fast.log || exit 1
station_new st.db st001 龙羊峡镇 county "https://127.0.0.1:$pport" || exit 1
county_station county bur1 $BUREAU >/dev/null
# fast_sync: a sync through a clean proxy on the same port.
fast_sync() {
	[ -n "${PROXY_PID:-}" ] || proxy fast.log || return 1
	"$LD" sync --db st.db >/dev/null
}
fast_sync || exit 1

case_open() { # prints the case's id
	"$LD" case open --db st.db --source patrol --category 违法建设 \
		--location 查纳村 --description 建房 --discovered-at "2026-11-20 09:00"
}
refer() { # CASE: prints the referral's id
	"$LD" referral send --db st.db "$1" --to $BUREAU --letter "龙移〔2026〕$2号" \
		--source-material 笔录 --evidence 现场照片
}
arrived() { # RECORD: its events at the county
	sqlite3 "$sdb" "SELECT count(*) FROM events WHERE entity = '$1'"
}
# slow_sync LOG [proxy options]: syncs through the slow link until a run
# completes (at most 20 runs, 30 minutes); SYNC_MS its wall time, REF_MS
# when REF (if set) first had an event at the county.
slow_sync() {
	_log=$1
	shift
	proxy "$_log" --rate "$RATE" --latency "$LATENCY_MS" "$@" || return 1
	_t0=$(now_ms)
	REF_MS=""
	if [ -n "${REF:-}" ]; then
		(while [ "$(arrived "$REF")" = 0 ] && [ $(($(now_ms) - _t0)) -lt 1800000 ]; do
			sleep 0.1
		done
		echo $(($(now_ms) - _t0)) >ref.ms) &
		_watch=$!
	fi
	_n=0
	_st=1
	while [ "$_n" -lt 20 ] && [ $(($(now_ms) - _t0)) -lt 1800000 ]; do
		_n=$((_n + 1))
		"$LD" sync --db st.db >sync.out 2>sync.err
		_st=$?
		[ "$_st" -eq 0 ] && break
		[ "$_st" -eq 7 ] || { cat sync.err >&2; break; }
	done
	SYNC_MS=$(($(now_ms) - _t0))
	SYNC_RUNS=$_n
	if [ -n "${REF:-}" ]; then
		wait "$_watch"
		REF_MS=$(cat ref.ms)
	fi
	kill "$PROXY_PID"
	wait "$PROXY_PID" 2>/dev/null
	PROXY_PID=""
	[ "$_st" -eq 0 ] || { echo "attach: sync did not complete" >&2; return 1; }
	UP=$(awk '{ sub(/.*up=/, ""); s += $1 } END { print s }' "$_log")
	DOWN=$(awk '{ sub(/.*down=/, ""); s += $1 } END { print s }' "$_log")
}
# county_has FILE: the county holds FILE's bytes, whole.
county_has() {
	_h=$(sha256sum "$1" | cut -c1-64)
	_f=$(find "$SCRATCH/county/blobs" -name "$_h*" ! -name '*.part' \
		! -name '*.units' | head -n 1)
	[ -n "$_f" ] && [ "$(sha256sum "$_f" | cut -c1-64)" = "$_h" ] ||
		{ echo "attach: the county has no intact copy of $1" >&2; return 1; }
}

# 0. The referral alone, for the comparison.
c0=$(case_open) || exit 1
fast_sync || exit 1
REF=$(refer "$c0" 1) || exit 1
slow_sync alone.log || exit 1
alone_ms=$REF_MS

# 1. A 2 MB photo as it is, then a referral, both queued.
c1=$(case_open) || exit 1
fast_sync || exit 1
"$LD" attach --db st.db --original --caption 现场 "$c1" photo.jpg >/dev/null || exit 1
REF=$(refer "$c1" 2) || exit 1
slow_sync photo.log || exit 1
county_has photo.jpg || exit 1
whole_ms=$SYNC_MS ref_ms=$REF_MS up1=$UP down1=$DOWN

# 2. The same photo reduced by the profile.
REF=""
c2=$(case_open) || exit 1
fast_sync || exit 1
"$LD" attach --db st.db "$c2" photo.jpg >/dev/null || exit 1
"$LD" attachment get --db st.db "$c2:1" -o reduced.jpg >/dev/null || exit 1
rsize=$(wc -c <reduced.jpg)
slow_sync reduced.log || exit 1
county_has reduced.jpg || exit 1
red_ms=$SYNC_MS up2=$UP down2=$DOWN

linkmin1=$(calc "($up1 > $down1 ? $up1 : $down1) / $RATE")
linkmin2=$(calc "($up2 > $down2 ? $up2 : $down2) / $RATE")
cat <<TABLE
attachments over $RATE bytes/s each way, ${LATENCY_MS} ms each way
  referral alone: at the county after       $(calc "$alone_ms / 1000") s
  2 MB photo as it is ($psize bytes) and a referral queued together:
    referral at the county after            $(calc "$ref_ms / 1000") s  ($(calc "$ref_ms / $alone_ms")x the referral alone)
    bytes up / down                         $up1 / $down1
    bytes up / the file's size              $(calc "$up1 / $psize")  (goal <= 1.05)
    wall time                               $(calc "$whole_ms / 1000") s
    link minimum                            $linkmin1 s
    ratio to link minimum                   $(calc "$whole_ms / 1000 / $linkmin1")  (goal <= 1.30)
  the photo reduced (max_side 1600, quality 80): $rsize bytes, $(calc "$rsize / $psize") of the original
    bytes up / down                         $up2 / $down2
    bytes up / the reduced size             $(calc "$up2 / $rsize")
    wall time                               $(calc "$red_ms / 1000") s, $(calc "$red_ms / 1000 / $linkmin2")x the link minimum ($linkmin2 s)
TABLE
bench_line attach photo_bytes="$psize" photo_up="$up1" \
	up_ratio="$(calc "$up1 / $psize")" \
	time_ratio="$(calc "$whole_ms / 1000 / $linkmin1")" \
	referral_alone_s="$(calc "$alone_ms / 1000")" \
	referral_queued_s="$(calc "$ref_ms / 1000")" \
	reduced_bytes="$rsize" reduced_ratio="$(calc "$rsize / $psize")"

[ "$CUTS" -gt 0 ] || exit 0

# 3. 5 MB through the link cut CUTS times at random offsets.
FIVE=$((5 * 1024 * 1024))
{ printf '%%PDF-1.4\n'; head -c $((FIVE - 9)) /dev/urandom; } >five.pdf
c3=$(case_open) || exit 1
fast_sync || exit 1
"$LD" attach --db st.db "$c3" five.pdf >/dev/null || exit 1
h=$(sha256sum five.pdf | cut -c1-64)
# Cuts within 900,000 bytes of their connection: all five fire in 5 MB.
slow_sync cut.log --random-reset 900000 --dir up --seed "${ATTACH_SEED:-18}" \
	--faulty-conns "$CUTS" || exit 1
county_has five.pdf || exit 1
grep "event=blob_chunk .*hash=$(echo "$h" | cut -c1-12) .*result=stored" \
	"$SCRATCH/county.log" | sed 's/.* offset=\([0-9]*\) .*/\1/' >offsets
chunks=$(((FIVE + 65535) / 65536))
stored=$(wc -l <offsets)
twice=$(sort offsets | uniq -d | wc -l)
broken=$(grep -c 'fault=reset' cut.log)
linkmin3=$(calc "($UP > $DOWN ? $UP : $DOWN) / $RATE")
cat <<TABLE
5 MB file, link cut at random offsets
  connections broken                        $broken (sync runs: $SYNC_RUNS)
  chunks stored / in the file               $stored / $chunks ($twice stored twice)
  bytes up / the file's size                $(calc "$UP / $FIVE")
  wall time                                 $(calc "$SYNC_MS / 1000") s, $(calc "$SYNC_MS / 1000 / $linkmin3")x the link minimum ($linkmin3 s)
TABLE
bench_line attach_cut cuts="$broken" chunks="$chunks" stored="$stored" \
	twice="$twice" up_ratio="$(calc "$UP / $FIVE")" \
	time_ratio="$(calc "$SYNC_MS / 1000 / $linkmin3")"
[ "$stored" -eq "$chunks" ] && [ "$twice" -eq 0 ] && [ "$broken" -eq "$CUTS" ] ||
	{ echo "attach: chunks stored $stored of $chunks, $twice twice, $broken cuts" >&2; exit 1; }
