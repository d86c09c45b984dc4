#!/bin/sh
# Attachments on the station (issue 18, first slice: no sync of the
# files yet): `attach` records a "<type>.attached" event and stores the
# file as a blob in the same transaction; show and --json list it;
# `attachment get` gives the same bytes back, never over a file without
# --force; the same file is stored once; verify re-hashes every blob; a
# confidential one follows the complainant-identity rule; the limits
# (size, type, empty, directory) refuse with nothing recorded; and a unit
# with no part in a record is refused by its own station and, pushed by
# a tool that does not check, quarantined by a real county server.
. "$(dirname "$0")/lib.sh"
test_plan 19

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

setup_station lyx 龙羊峡镇
C=$("$LD" case open --source patrol --category 违法建设 --location 查纳村 \
	--description "村民在基本农田上建房" --discovered-at "2026-11-20 09:00")
C2=$("$LD" case open --source patrol --category 市容环境 --location 东街 \
	--description "占道经营" --discovered-at "2026-11-20 09:10")
# A photo (JPEG's magic, then bytes of every value), a scan and a
# recording, made here.
printf '\377\330\377\340\000\020JFIF\000' >现场.jpg
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 2000)' >>现场.jpg
printf '%%PDF-1.4\n%%移送函\n' >移送函.pdf
printf '#!AMR\n\074\001\002' >询问.amr

test_expect_success 'attach records one event per file and stores each file' '
	"$LD" attach "$C" 现场.jpg 移送函.pdf --caption "现场拍照" >ids &&
	test "$(wc -l <ids)" = 2 &&
	test "$(cut -c1-64 ids | head -n 1)" = "$(sha256sum 现场.jpg | cut -c1-64)" &&
	"$LD" log --entity "$C" --json >log.json &&
	jeq log.json "[e[\"kind\"] for e in d.events]" \
		"case.opened case.attached case.attached" &&
	test "$(blobs)" = 2
'

test_expect_success 'show lists the attachments, --json carries them' '
	"$LD" case show "$C" >show &&
	test_grep "^attachment: *现场.jpg (JPEG 图片, 500.0 KB) $(cut -c1-12 ids | head -n 1) — 现场拍照 \[龙羊峡镇\]" show &&
	test_grep "^attachment: *移送函.pdf (PDF 文档" show &&
	"$LD" case show --json "$C" >c.json &&
	jeq c.json "len(d.case.attachments)" 2 &&
	jeq c.json d.case.attachments[0].name 现场.jpg &&
	jeq c.json d.case.attachments[0].type image/jpeg &&
	jeq c.json d.case.attachments[0].size "$(stat -c %s 现场.jpg)" &&
	jeq c.json d.case.attachments[0].caption 现场拍照 &&
	jeq c.json d.case.attachments[0].confidential false &&
	jeq c.json d.case.attachments[0].unit 龙羊峡镇 &&
	jeq c.json d.case.attachments[1].hash "$(sha256sum 移送函.pdf | cut -c1-64)"
'

test_expect_success 'attachment get returns the same bytes, by record:n, by hash and by its start' '
	mkdir got && (cd got && "$LD" attachment get "$C:1" >name) &&
	test "$(cat got/name)" = 现场.jpg && cmp 现场.jpg got/现场.jpg &&
	"$LD" attachment get "$(sed -n 2p ids | cut -c1-64)" -o scan.pdf &&
	cmp 移送函.pdf scan.pdf &&
	"$LD" attachment get "$(head -n 1 ids | cut -c1-10)" --output - >piped &&
	cmp 现场.jpg piped &&
	"$LD" attachment get --json "$C:2" --output s2.pdf >g.json &&
	jeq g.json d.size "$(stat -c %s 移送函.pdf)" && cmp 移送函.pdf s2.pdf
'

test_expect_success 'attachment get never writes over a file without --force' '
	echo 别的文件 >keep.pdf &&
	exits 9 "$LD" attachment get "$C:2" --output keep.pdf &&
	test_grep "exists" err && test "$(cat keep.pdf)" = 别的文件 &&
	"$LD" attachment get "$C:2" --output keep.pdf --force &&
	cmp 移送函.pdf keep.pdf && ! ls keep.pdf.part-* 2>/dev/null &&
	exits 4 "$LD" attachment get "$C:9" &&
	exits 4 "$LD" attachment get ffffffffffff &&
	exits 3 "$LD" attachment get abc
'

test_expect_success 'the same file twice is stored once' '
	"$LD" attach "$C2" 现场.jpg >again &&
	test "$(cut -c1-64 again)" = "$(head -n 1 ids | cut -c1-64)" &&
	test "$(blobs)" = 2 &&
	test "$(sqlite3 "$LIANDONG_DB" "SELECT count(*) FROM blob_chunks WHERE hash=\"$(cut -c1-64 again)\"")" = 2 &&
	exits 9 "$LD" attach "$C" 现场.jpg && test_grep "attached to $C already" err &&
	exits 3 "$LD" attach "$C2" 询问.amr ./询问.amr && test_grep "same file" err
'

test_expect_success 'every type takes attachments: a person'"'"'s show and a liaison entry'"'"'s list name them' '
	P=$("$LD" person add --name 卓玛 --certificate 青A0012345 \
		--certificate-expires 2028-06-30) &&
	"$LD" attach "$P" 移送函.pdf --caption 执法证扫描件 >/dev/null &&
	"$LD" person show "$P" >ps &&
	test_grep "^attachment: *移送函.pdf (PDF 文档, .*— 执法证扫描件" ps &&
	L=$("$LD" liaison log --type contact --summary 电话联络) &&
	"$LD" attach "$L" 询问.amr >/dev/null &&
	"$LD" attachment list --json "$L" >ll.json &&
	jeq ll.json d.attachments[0].name 询问.amr &&
	jeq ll.json d.attachments[0].type audio/amr
'

n=$(events)
test_expect_success 'limits: an empty file, a directory, a file over max_size, each refused with nothing recorded' '
	: >empty.jpg && mkdir photos &&
	exits 3 "$LD" attach "$C" empty.jpg && test_grep "is empty" err &&
	exits 3 "$LD" attach "$C" photos && test_grep "is a directory" err &&
	printf "[attachments]\nmax_size = 100K\n" >small.conf &&
	exits 3 "$LD" attach --config small.conf "$C" 询问.amr 现场.jpg &&
	test_grep "over the limit of 100.0 KB" err &&
	printf "[attachments]\nmax_size = lots\n" >bad.conf &&
	exits 5 "$LD" attach --config bad.conf "$C" 询问.amr &&
	exits 4 "$LD" attach "$C" 没有这个文件.jpg &&
	exits 4 "$LD" attach C-lyx-99 询问.amr &&
	test "$(events)" = "$n"
'

test_expect_success 'limits: a file that claims one type and is another is refused; one claiming nothing known is stored as octet-stream' '
	cp 移送函.pdf photo.jpg && cp 现场.jpg 录音.mp3 && echo 文本 >说明.pdf &&
	exits 3 "$LD" attach "$C" photo.jpg &&
	test_grep "named as image/jpeg but its content is application/pdf" err &&
	exits 3 "$LD" attach "$C" 录音.mp3 &&
	exits 3 "$LD" attach "$C" 说明.pdf && test_grep "content is not" err &&
	test "$(events)" = "$n" &&
	echo "笔录正文" >笔录.txt &&
	printf "\377\330\377\341另一张" >photo-without-extension &&
	"$LD" attach "$C2" 笔录.txt photo-without-extension 询问.amr >more &&
	"$LD" case show --json "$C2" >c2.json &&
	jeq c2.json "[a[\"type\"] for a in d.case.attachments]" \
		"image/jpeg application/octet-stream image/jpeg audio/amr"
'

test_expect_success 'all the files of one attach or none: one bad file records nothing' '
	n=$(events) && b=$(blobs) && printf "\211PNG\r\n\032\n" >新.png &&
	exits 3 "$LD" attach "$C2" 新.png empty.jpg &&
	test "$(events)" = "$n" && test "$(blobs)" = "$b"
'

test_expect_success 'verify re-hashes every blob: a damaged one is found, exit 10' '
	"$LD" verify >v && test_grep "attachments held, each re-hashed" v &&
	sqlite3 "$LIANDONG_DB" ".backup broken.db" &&
	h=$(head -n 1 ids | cut -c1-64) &&
	sqlite3 broken.db "UPDATE blob_chunks SET data = X'"'"'00'"'"' || substr(data, 2)
		WHERE hash=\"$h\" AND n=1" &&
	exits 10 "$LD" --db broken.db verify &&
	test_grep "do not match its hash (damaged)" err &&
	exits 10 "$LD" --db broken.db attachment get "$C:1" --output broken.jpg &&
	! test -e broken.jpg && ! ls broken.jpg.part-* 2>/dev/null &&
	sqlite3 broken.db "DELETE FROM blob_chunks WHERE hash=\"$h\"" &&
	exits 10 "$LD" --db broken.db verify --json && jeq out d.ok false &&
	test_grep "chunk 0 is missing" err &&
	"$LD" verify >/dev/null
'

# Nothing half-stored: killed (SIGKILL, tests/tools/failsync.c) at each
# write and sync it makes to the database, an attach of a two-chunk file
# leaves its event, its blob row and both chunks, or none of them; verify
# passes every time (it checks this station's attachments have their
# files, and re-hashes them).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
test_expect_success 'killed at each of its writes and syncs, an attach leaves its event and its file both or neither' '
	FS="$BUILD/tests/tools/failsync.so" &&
	LIANDONG_DB="$SCRATCH/k.db" && export LIANDONG_DB &&
	"$LD" init --station k1 --unit 龙羊峡镇 >/dev/null &&
	K=$("$LD" case open --source patrol --category 违法建设 --location 村 \
		--description 建房) &&
	head -c 300000 现场.jpg >k.jpg && cp k.db base.db &&
	test ! -e k.db-wal &&
	env LD_PRELOAD="$FS" FAILSYNC_LOG=twin.log FAILSYNC_OPS=all \
		FAILSYNC_MATCH=k.db "$LD" attach "$K" k.jpg >/dev/null &&
	calls=$(grep -c . twin.log) && test "$calls" -gt 20 && : >bad &&
	n=1 && while [ $n -le "$calls" ]; do
		cp base.db k.db && rm -f k.db-wal k.db-shm &&
		env LD_PRELOAD="$FS" FAILSYNC_NTH=$n FAILSYNC_ACTION=kill \
			FAILSYNC_OPS=all FAILSYNC_MATCH=k.db \
			"$LD" attach "$K" k.jpg >/dev/null 2>&1
		st=$?
		"$LD" verify >/dev/null 2>verify.err ||
			echo "$n: verify: $(cat verify.err)" >>bad
		[ "$st" = 137 ] || echo "$n: exit $st, not killed" >>bad
		got=$(sqlite3 k.db "SELECT (SELECT count(*) FROM events WHERE
			kind=\"case.attached\") || \" \" || (SELECT count(*) FROM blobs)
			|| \" \" || (SELECT count(*) FROM blob_chunks)")
		case $got in
		"0 0 0") echo absent >>seen ;;
		"1 1 2") echo present >>seen ;;
		*) echo "$n: events, blobs, chunks: $got" >>bad ;;
		esac
		n=$((n + 1))
	done &&
	cat bad && test ! -s bad && test_grep absent seen && test_grep present seen
'

test_expect_success 'an orphan blob (no event names it) is a note for verify, and the next attach of its bytes uses it' '
	sqlite3 "$LIANDONG_DB" ".backup orphan.db" &&
	h=$(printf x | sha256sum | cut -c1-64) &&
	sqlite3 orphan.db "INSERT INTO blobs VALUES(\"$h\", 1, 1, 0);
		INSERT INTO blob_chunks(hash, n, data) VALUES(\"$h\", 0, CAST(\"x\" AS BLOB))" &&
	"$LD" --db orphan.db verify >v &&
	test_grep "1 attachment held that no event names" v &&
	"$LD" --db orphan.db verify --json >v.json &&
	jeq v.json d.attachments_orphaned 1 &&
	printf x >x.bin && "$LD" --db orphan.db attach --json "$C2" x.bin >a.json &&
	jeq a.json d.attachments[0].stored false &&
	"$LD" --db orphan.db verify --json >v.json &&
	jeq v.json d.attachments_orphaned 0 && jeq v.json d.ok true
'

T=$("$LD" complaint record --type report --channel hotline --matter 夜间偷排污水 \
	--description "每晚十点后有异味" --name 王某 --phone 13800000000)
test_expect_success 'a confidential attachment of a complaint is hidden in show without --show-identity' '
	printf "#!AMR\n\074举报人录音" >举报录音.amr &&
	"$LD" attach "$T" 举报录音.amr --confidential --caption "王某的电话录音" >conf &&
	"$LD" complaint show "$T" >s &&
	test_grep "^attachment: *(confidential: add --show-identity) \[龙羊峡镇\]" s &&
	test_grep ! 举报录音 s && test_grep ! 王某的电话录音 s &&
	"$LD" complaint show --json "$T" >s.json &&
	jeq s.json d.complaint.attachments[0].hidden "(confidential)" &&
	jeq s.json "\"hash\" in d.complaint.attachments[0]" false &&
	jeq s.json "[e[\"body\"] for e in d.events if e[\"kind\"] == \"complaint.attached\"]" \
		"(confidential)" &&
	"$LD" log --json >l.json && test_grep ! 王某的电话录音 l.json &&
	"$LD" complaint show --show-identity "$T" >si &&
	test_grep "举报录音.amr (AMR 录音, .*(confidential) — 王某的电话录音" si &&
	"$LD" attachment list "$T" >al && test_grep "add --confidential" al &&
	"$LD" attachment list --confidential "$T" >al2 && test_grep 举报录音 al2
'

test_expect_success 'attachment get refuses a confidential one unless asked, and gives it when asked' '
	exits 11 "$LD" attachment get "$T:1" --output x.amr &&
	test_grep "is confidential" err && ! test -e x.amr &&
	"$LD" attachment get "$T:1" --confidential --output x.amr &&
	cmp 举报录音.amr x.amr
'

# A county: the township refers its case to the bureau; the legal office
# watches referrals by its role but has no part in this one.
"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
BUREAU=县综合行政执法局
add_station tw 龙羊峡镇
add_station bur $BUREAU bureau
add_station leg 县司法局 legal
refresh_directory tw bur leg
on tw case open --source patrol --category 违法建设 --location 查纳村 \
	--description 建房 --discovered-at "2026-11-20 09:00" >tc
on tw referral send "$(cat tc)" --to $BUREAU --letter 龙移〔2026〕1号 \
	--source-material 笔录 --evidence 照片 >tr
R=$(cat tr)
on tw attach "$R" 现场.jpg >/dev/null
on tw sync >/dev/null && on bur sync >/dev/null && on leg sync >/dev/null

test_expect_success 'the unit a referral is addressed to attaches to it; the server takes it and the sender receives it' '
	on bur attach "$R" 移送函.pdf --caption 回执 >/dev/null &&
	on bur sync >sync.out && on tw sync >/dev/null &&
	server_sql "SELECT count(*) FROM events WHERE kind=\"referral.attached\"" >held &&
	test "$(cat held)" = 2 &&
	on tw referral show --json "$R" >r.json &&
	jeq r.json "[a[\"unit\"] for a in d.referral.attachments]" "龙羊峡镇 $BUREAU" &&
	on bur referral show "$R" >rb && test_grep "现场.jpg" rb
'

test_expect_success 'files of other stations travel with the sync (t0086 has the rest): verify re-hashes them, get gives them' '
	on tw verify >tv && test_grep "2 attachments held, each re-hashed" tv && ! grep -q "not received yet" tv &&
	on tw attachment get "$R:2" --output r2.pdf &&
	test_cmp 移送函.pdf r2.pdf
'

test_expect_success 'a confidential attachment goes to the units handling the record only, as an identity' '
	on tw attach "$R" 举报录音.amr --confidential --caption 当事人陈述 >/dev/null &&
	on tw sync >tsync 2>&1 && ! grep -q quarantin tsync &&
	on bur sync >/dev/null && on leg sync >/dev/null &&
	on leg referral show --json "$R" >lj.json && jeq lj.json "len(d.referral.attachments)" 2 &&
	on bur referral show --json "$R" >bj.json && jeq bj.json "len(d.referral.attachments)" 3 &&
	! grep -q 当事人陈述 "$SCRATCH/leg.db" &&
	server_sql "SELECT DISTINCT r.unit FROM routes r JOIN events e ON e.cursor=r.event WHERE e.confidential=1 ORDER BY r.unit" >held.units &&
	printf "%s\n" 县综合行政执法局 龙羊峡镇 | sort >want.units && sort held.units >got.units &&
	test_cmp want.units got.units &&
	"$LDS" report --period 2026-11 >/dev/null && "$LDS" report --period 2026-11 --unit 县综合行政执法局 >/dev/null &&
	! grep -q 当事人陈述 "$LIANDONG_SERVER_DIR"/server.db* &&
	on bur referral show "$R" >bs && ! grep -q 当事人陈述 bs &&
	on bur attachment list --confidential "$R" >bl && test_grep 当事人陈述 bl &&
	on tw attachment list --confidential "$R" >tl && test_grep 当事人陈述 tl
'

test_expect_code 11 'a unit with no part in a record is refused by its own station' '
	on leg referral show "$R" >/dev/null && on leg attach "$R" 询问.amr
'

test_expect_success 'pushed anyway by a tool that does not check, the server quarantines it' '
	h=$(sha256sum 询问.amr | cut -c1-64) &&
	$BUILD/tests/tools/hostile --db "$SCRATCH/leg.db" --state "$SCRATCH/leg.state" >push <<-EOF &&
	{"kind":"referral.attached","entity":"$R","audience":["县司法局"],"body":{"hash":"$h","size":9,"type":"audio/amr","name":"询问.amr","confidential":false}}
	EOF
	test "$(sed -n "s/^status //p" push)" = 200 &&
	sed -n 2p push >push.hdr &&
	jv push.hdr "\"\n\".join(q[\"reason\"] for q in d[\"quarantined\"])" >reasons &&
	test_grep "^not_entitled: unit 县司法局 may not write referral.attached" reasons &&
	on tw sync >/dev/null && on tw referral show --json "$R" >r2.json &&
	jeq r2.json "len(d.referral.attachments)" 3
'

test_done
