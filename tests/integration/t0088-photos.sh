#!/bin/sh
# Photos reduced on the station before upload (issue 18): with [photos]
# in the county's profile, `attach` of a JPEG or PNG over max_side
# attaches a JPEG made by libvips (longest side max_side, the profile's
# quality, EXIF stripped unless exif = keep), its hash in the event; the
# file as given is kept here as a second blob, named in the event as
# "original", and `attachment get --original` gives it back. --original
# attaches a photo as it is; no [photos], nothing is reduced; a "JPEG"
# libvips cannot decode is refused with nothing stored.
# backends: sqlite — looks for the photo's original and its reduction in the server's blobs/ directory; on PostgreSQL the files are in the database (t0094)
. "$(dirname "$0")/lib.sh"
test_plan 13

# exits N CMD...: CMD exits with N (its stderr in err).
exits() {
	_want=$1
	shift
	"$@" >out 2>err
	_got=$?
	[ "$_got" -eq "$_want" ] && return 0
	echo "exit $_got, want $_want: $*"
	cat err
	return 1
}
events() { sqlite3 "$LIANDONG_DB" "SELECT count(*) FROM events"; }
blobs() { sqlite3 "$LIANDONG_DB" "SELECT count(*) FROM blobs"; }
# side FILE: the longest side of an image, as libvips reads it.
side() {
	vipsheader -f width "$1" >w && vipsheader -f height "$1" >h &&
	if [ "$(cat w)" -gt "$(cat h)" ]; then cat w; else cat h; fi
}
has_exif() { grep -c "Exif" "$1" >/dev/null; }

profile() { # file max_side exif
	cat >"$1" <<EOI
[profile]
name = photos
county = 共和县
[photos]
max_side = $2
quality = 75
exif = $3
EOI
}
profile strip.ini 1600 strip
profile keep.ini 1600 keep
printf '[profile]\nname = plain\ncounty = 共和县\n' >plain.ini

# A 3000x2000 photo with some grain, made by libvips, and the same with
# an EXIF block naming a place (as a phone's GPS would).
vips xyz xyz.v 3000 2000 && vips extract_band xyz.v x.v 0 &&
vips linear x.v g.v 0.08 0 && vips gaussnoise n.v 3000 2000 --sigma 12 &&
vips add g.v n.v s.v && vips cast s.v su.v uchar &&
vips cast g.v gu.v uchar && vips bandjoin "su.v gu.v su.v" rgb.v &&
vips copy rgb.v "plain.jpg[Q=92]" && vips copy rgb.v 现场.png || exit 1
python3 - <<'EOI' || exit 1
import struct
d = open('plain.jpg', 'rb').read()
val = b'GPS 36.27N 100.62E\0'
ifd = struct.pack('<H', 1) + struct.pack('<HHII', 0x013b, 2, len(val), 26) \
	+ struct.pack('<I', 0)
app1 = b'Exif\0\0' + b'II*\0' + struct.pack('<I', 8) + ifd + val
seg = b'\xff\xe1' + struct.pack('>H', len(app1) + 2) + app1
open('现场.jpg', 'wb').write(d[:2] + seg + d[2:])
EOI

setup_station lyx 龙羊峡镇
C=$("$LD" case open --source patrol --category 违法建设 --location 查纳村 \
	--description "村民在基本农田上建房" --discovered-at "2026-11-20 09:00")

test_expect_success 'a photo over max_side is attached reduced, EXIF stripped' '
	has_exif 现场.jpg &&
	LIANDONG_RULES=$SCRATCH/strip.ini "$LD" attach "$C" 现场.jpg >ids &&
	"$LD" attachment get "$C:1" -o small.jpg >/dev/null &&
	test "$(cut -c1-64 ids)" = "$(sha256sum small.jpg | cut -c1-64)" &&
	test "$(side small.jpg)" = 1600 &&
	test "$(vipsheader -f width small.jpg)" = 1600 &&
	! has_exif small.jpg &&
	test_grep ! "GPS 36" small.jpg &&
	test "$(stat -c %s small.jpg)" -lt "$(stat -c %s 现场.jpg)" &&
	echo "original $(stat -c %s 现场.jpg) reduced $(stat -c %s small.jpg)" >&2
'

test_expect_success 'the event names the reduced file and the original kept here' '
	"$LD" case show --json "$C" >c.json &&
	jeq c.json d.case.attachments[0].hash "$(sha256sum small.jpg | cut -c1-64)" &&
	jeq c.json d.case.attachments[0].size "$(stat -c %s small.jpg)" &&
	jeq c.json d.case.attachments[0].type image/jpeg &&
	jeq c.json d.case.attachments[0].original "$(sha256sum 现场.jpg | cut -c1-64)" &&
	jeq c.json d.case.attachments[0].original_size "$(stat -c %s 现场.jpg)" &&
	"$LD" case show "$C" >show &&
	test_grep "^attachment: *现场.jpg (JPEG 图片, [0-9.]* KB) $(cut -c1-12 ids) (reduced from [0-9.]* MB) \[龙羊峡镇\]" show &&
	test "$(blobs)" = 2
'

test_expect_success 'attachment get --original gives the file as it was given' '
	"$LD" attachment get --original "$C:1" -o orig.jpg >/dev/null &&
	cmp orig.jpg 现场.jpg &&
	test_must_fail "$LD" attachment get --original "$(cut -c1-64 ids)" 2>err &&
	test_grep "RECORD:N" err
'

test_expect_success 'only the reduced file is offered to the county (blob refs)' '
	sqlite3 "$LIANDONG_DB" "SELECT json_extract(raw, '\''\$.body.hash'\'')
	    FROM events WHERE json_extract(raw, '\''\$.body.hash'\'') IS NOT NULL" >refs &&
	test "$(cat refs)" = "$(cut -c1-64 ids)"
'

test_expect_success 'exif = keep keeps the EXIF block' '
	cp 现场.jpg 现场2.jpg && printf x >>现场2.jpg &&
	LIANDONG_RULES=$SCRATCH/keep.ini "$LD" attach "$C" 现场2.jpg >/dev/null &&
	"$LD" attachment get "$C:2" -o kept.jpg >/dev/null &&
	test "$(side kept.jpg)" = 1600 &&
	has_exif kept.jpg && test_grep "GPS 36" kept.jpg
'

test_expect_success 'a PNG is attached as a reduced JPEG named .jpg' '
	LIANDONG_RULES=$SCRATCH/strip.ini "$LD" attach "$C" 现场.png >/dev/null &&
	"$LD" case show --json "$C" >c.json &&
	jeq c.json d.case.attachments[2].name 现场.jpg &&
	jeq c.json d.case.attachments[2].type image/jpeg &&
	"$LD" attachment get "$C:3" -o png.jpg >/dev/null &&
	test "$(side png.jpg)" = 1600 &&
	"$LD" attachment get --original "$C:3" -o orig.png >/dev/null &&
	cmp orig.png 现场.png
'

test_expect_success '--original, or no [photos], attaches the file as it is' '
	LIANDONG_RULES=$SCRATCH/strip.ini "$LD" attach "$C" --original plain.jpg >ids2 &&
	test "$(cut -c1-64 ids2)" = "$(sha256sum plain.jpg | cut -c1-64)" &&
	cp plain.jpg plain2.jpg && printf y >>plain2.jpg &&
	LIANDONG_RULES=$SCRATCH/plain.ini "$LD" attach "$C" plain2.jpg >ids3 &&
	test "$(cut -c1-64 ids3)" = "$(sha256sum plain2.jpg | cut -c1-64)" &&
	"$LD" case show --json "$C" >c.json &&
	jeq c.json "\"original\" in d.case.attachments[4]" false
'

test_expect_success 'a "JPEG" libvips cannot decode is refused, nothing stored' '
	e=$(events) && b=$(blobs) &&
	head -c 4000 plain.jpg >broken.jpg &&
	printf "\377\330\377\340\000\020JFIF\000garbage" >bad.jpg &&
	exits 3 env LIANDONG_RULES=$SCRATCH/strip.ini \
		"$LD" attach "$C" bad.jpg &&
	test_grep "bad.jpg" err &&
	test_must_fail env LIANDONG_RULES=$SCRATCH/strip.ini \
		"$LD" attach "$C" broken.jpg 2>err &&
	test "$(events)" = "$e" && test "$(blobs)" = "$b"
'

test_expect_success 'a photo within max_side is sent without its EXIF under exif = strip, as given under keep' '
	vips resize 现场.jpg 小.v 0.25 && vips copy 小.v "小0.jpg[Q=92]" &&
	python3 - <<-\EOI &&
	import struct
	d = open("小0.jpg", "rb").read()
	val = b"GPS 36.27N 100.62E\0"
	ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x013b, 2, len(val), 26) + struct.pack("<I", 0)
	app1 = b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + ifd + val
	open("小.jpg", "wb").write(d[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + d[2:])
	EOI
	has_exif 小.jpg && test "$(side 小.jpg)" = 750 &&
	LIANDONG_RULES=$SCRATCH/strip.ini "$LD" attach "$C" 小.jpg >sid &&
	"$LD" case show --json "$C" >c.json &&
	n=$(python3 -c "import json; print(len(json.load(open(\"c.json\"))[\"case\"][\"attachments\"]))") &&
	"$LD" attachment get "$C:$n" -o 小-got.jpg >/dev/null &&
	! has_exif 小-got.jpg && test_grep ! "GPS 36" 小-got.jpg &&
	test "$(vipsheader -f width 小-got.jpg)" = "$(vipsheader -f width 小.jpg)" &&
	test "$(vipsheader -f height 小-got.jpg)" = "$(vipsheader -f height 小.jpg)" &&
	"$LD" attachment get --original "$C:$n" -o 小-orig.jpg >/dev/null &&
	cmp 小.jpg 小-orig.jpg &&
	cp 小.jpg 小2.jpg && printf z >>小2.jpg &&
	LIANDONG_RULES=$SCRATCH/keep.ini "$LD" attach "$C" 小2.jpg >kid &&
	test "$(cut -c1-64 kid)" = "$(sha256sum 小2.jpg | cut -c1-64)"
'

test_expect_success 'a photo whose header claims over 100 megapixels is refused undecoded' '
	e=$(events) && b=$(blobs) &&
	python3 - <<-\EOI &&
	import struct, zlib
	def chunk(t, d):
	    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
	rows = zlib.compress(b"\0" * 20001 * 4, 9)
	open("huge.png", "wb").write(b"\x89PNG\r\n\x1a\n" +
	    chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)) +
	    chunk(b"IDAT", rows) + chunk(b"IEND", b""))
	d = bytearray(open("plain.jpg", "rb").read())
	i = 2
	while d[i + 1] not in (0xc0, 0xc2):
	    i += 2 + struct.unpack(">H", d[i + 2:i + 4])[0]
	d[i + 5:i + 9] = struct.pack(">HH", 60000, 60000)
	open("huge.jpg", "wb").write(d)
	EOI
	test "$(stat -c %s huge.png)" -lt 10000 &&
	exits 3 env LIANDONG_RULES=$SCRATCH/strip.ini "$LD" attach "$C" huge.png &&
	test_grep "huge.png.*20000x20000 pixels, more than the 100 megapixels" err &&
	exits 3 env LIANDONG_RULES=$SCRATCH/strip.ini "$LD" attach "$C" huge.jpg &&
	test_grep "huge.jpg.*60000x60000 pixels" err &&
	test "$(events)" = "$e" && test "$(blobs)" = "$b"
'

test_expect_success 'a profile whose [photos] is wrong: nothing attached' '
	e=$(events) &&
	printf "[profile]\nname = x\ncounty = y\n[photos]\nmax_side = 10\n" >bad1.ini &&
	exits 5 env LIANDONG_RULES=$SCRATCH/bad1.ini \
		"$LD" attach "$C" broken.jpg &&
	test_grep "max_side must be" err &&
	printf "[profile]\nname = x\ncounty = y\n[photos]\nquality = 50\n" >bad2.ini &&
	exits 5 env LIANDONG_RULES=$SCRATCH/bad2.ini \
		"$LD" attach "$C" broken.jpg &&
	test_grep "need max_side" err &&
	test "$(events)" = "$e"
'

# Through the county: the server's profile has [photos]; a station
# learns it with its sync, attaches a photo to a referral, and the unit
# addressed gets the reduced JPEG; the original reaches nobody.
"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules "$SCRATCH/strip.ini" \
	>/dev/null || exit 1
start_server || exit 1
BUREAU=县综合行政执法局
add_station tw 龙羊峡镇 township && add_station bur $BUREAU bureau &&
refresh_directory tw bur || exit 1

test_expect_success 'the county profile reduces a photo; the unit addressed gets the reduced one only' '
	on tw case open --source patrol --category 违法建设 --location 查纳村 \
		--description 建房 --discovered-at "2026-11-20 09:00" >tc &&
	on tw referral send "$(cat tc)" --to $BUREAU --letter 龙移〔2026〕1号 \
		--source-material 笔录 --evidence 照片 >tr &&
	R=$(cat tr) &&
	on tw attach "$R" 现场.jpg >rid &&
	on tw attachment get "$R:1" -o tw.jpg >/dev/null &&
	test "$(side tw.jpg)" = 1600 &&
	on tw sync >/dev/null && on bur sync >/dev/null &&
	on bur attachment get "$R:1" -o bur.jpg >/dev/null &&
	cmp tw.jpg bur.jpg && ! has_exif bur.jpg &&
	orig=$(sha256sum 现场.jpg | cut -c1-64) &&
	test -z "$(find "$LIANDONG_SERVER_DIR" -name "$orig*")" &&
	test -n "$(find "$LIANDONG_SERVER_DIR" -name "$(cut -c1-64 rid)*")" &&
	exits 4 on bur attachment get --original "$R:1" -o x.jpg &&
	test_grep "only on the station that attached it" err
'

# The bureau's station turned hostile (tests/tools/hostile, with its
# token): it saw the original's hash in the routed event, and names it
# as a file of its own attachment to the referral, routed to the
# township. The township's sync must not send the original.
test_expect_success 'another unit naming the original in its own event does not make the station send it' '
	R=$(cat tr) && orig=$(sha256sum 现场.jpg | cut -c1-64) &&
	"$BUILD/tests/tools/hostile" --db "$SCRATCH/bur.db" --state "$SCRATCH/bur.state" >push <<-EOF &&
	{"kind":"referral.attached","entity":"$R","audience":["龙羊峡镇","$BUREAU"],"body":{"hash":"$orig","size":$(stat -c %s 现场.jpg),"type":"image/jpeg","name":"要原图.jpg","confidential":false}}
	EOF
	test "$(sed -n "s/^status //p" push)" = 200 && test_grep ! not_entitled push &&
	on tw sync >ts && cat ts >&2 &&
	test "$(sqlite3 "$SCRATCH/tw.db" "SELECT count(*) FROM events WHERE
	    json_extract(raw, '\''\$.body.hash'\'') = '\''$orig'\''")" = 1 &&
	test_grep ! "event=blob_chunk station=tw hash=$(echo $orig | cut -c1-12)" "$SCRATCH/server.log" &&
	test -z "$(find "$LIANDONG_SERVER_DIR" -name "$orig*")"
'

test_done
