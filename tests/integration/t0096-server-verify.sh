#!/bin/sh
# liandong-server verify (issue 18: "verify checks every blob it holds"):
# every attachment's file the county holds is read back whole and hashed
# again, wherever its store keeps it (blobs/ beside SQLite, the database
# on PostgreSQL: the script runs in both passes). A file whose bytes
# rotted is named, with exit status 6 (EXIT_DATABASE) and a line saying
# what to do; the sound ones are counted.
. "$(dirname "$0")/lib.sh"
test_plan 4

sha() { sha256sum "$1" | cut -c1-64; }

"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
add_station tw 龙羊峡镇 township || exit 1
on tw case open --source patrol --category 违法建设 --location 查纳村 \
	--description 建房 --discovered-at "2026-11-20 09:00" >tc || exit 1
{ printf '%%PDF-1.4\n'; head -c 200000 /dev/urandom; } >笔录.pdf
{ printf '%%PDF-1.4\n'; head -c 90000 /dev/urandom; } >通知.pdf
H1=$(sha 笔录.pdf)
H2=$(sha 通知.pdf)

test_expect_success 'a county holding two files finds both sound' '
	on tw attach "$(cat tc)" 笔录.pdf 通知.pdf >/dev/null &&
	on tw sync >s && test_grep "attachments: 2 sent" s &&
	"$LDS" verify >out &&
	test_grep "2 attachments held, each re-hashed; 0 damaged" out
'

# rot HASH: one byte of the county's copy of HASH changed, its size kept.
rot() {
	if server_on_pg; then
		server_sql "UPDATE blob_chunks SET data = set_byte(data, 10, get_byte(data, 10) # 255) WHERE hash = \"$1\" AND idx = 0" >/dev/null
	else
		_f=$LIANDONG_SERVER_DIR/blobs/$1
		_b=$(dd if="$_f" bs=1 skip=10 count=1 2>/dev/null | od -An -tu1 | tr -d " ")
		printf "$(printf '\\%03o' $((_b ^ 255)))" |
			dd of="$_f" bs=1 seek=10 count=1 conv=notrunc 2>/dev/null
	fi
}

test_expect_success 'a file whose bytes rotted is named, exit 6' '
	rot "$H1" &&
	{ "$LDS" verify >out 2>err; test $? -eq 6; } &&
	test_grep "2 attachments held, each re-hashed; 1 damaged" out &&
	test_grep "damaged: $H1: " out &&
	test_grep ! "$H2" out &&
	test_grep "do not hash to their names" err
'

test_expect_success '--json says the same' '
	{ "$LDS" verify --json >doc 2>/dev/null; test $? -eq 6; } &&
	python3 -c "
import json, sys
d = json.load(open(\"doc\"))
assert d[\"attachments\"] == 2, d
assert [x[\"hash\"] for x in d[\"damaged\"]] == [sys.argv[1]], d
" "$H1"
'

test_expect_success 'a county holding no file verifies none' '
	rm -rf "$SCRATCH/empty" && mkdir "$SCRATCH/empty" &&
	LIANDONG_SERVER_DIR=$SCRATCH/empty "$LDS" init --county 共和县 \
		--listen 127.0.0.1:0 >/dev/null &&
	LIANDONG_SERVER_DIR=$SCRATCH/empty "$LDS" verify >out &&
	test_grep "0 attachments held, each re-hashed; 0 damaged" out
'

test_done
