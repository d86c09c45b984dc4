#!/bin/sh
# A locked, read-only or full database: a clear error, exit 6, nothing
# lost or half-written. Every case acknowledged (exit 0, id printed) on
# the station's database is recorded in acked.main as it is made, and
# each check after a failure requires every one of them to be there,
# with its own text, once; a write that failed is absent or whole.
# backends: sqlite — agent-only, no county server: the store plays no part
. "$(dirname "$0")/lib.sh"
test_plan 11

setup_station
: >acked.main

# open_case TAG [DESCRIPTION]: a case tagged TAG (its matter); on exit 0
# appends "id TAG" to acked.main.
open_case() {
	"$LD" case open --source patrol --category 违法建设 --location 查纳村 \
		--matter "$1" --description "${2:-记录 $1}" >case.id || return
	echo "$(cat case.id) $1" >>acked.main
}

# all_kept [FAILED]: verify passes; every case in acked.main is there
# once, with its id and tag; the case tagged FAILED, whose write failed,
# is absent or there once.
all_kept() {
	"$LD" verify >/dev/null && "$LD" case list --json >list.json &&
	python3 - "${1:-}" <<-\PY
	import json, sys
	cases = json.load(open("list.json"))["cases"]
	by_tag = {}
	for c in cases:
	    by_tag.setdefault(c.get("matter"), []).append(c["entity"])
	acked = [l.split() for l in open("acked.main")]
	missing = [a for a in acked if by_tag.get(a[1]) != [a[0]]]
	assert not missing, "acknowledged but missing or doubled: %s" % missing
	if sys.argv[1]:
	    assert len(by_tag.get(sys.argv[1], [])) <= 1, by_tag[sys.argv[1]]
	print("# %d acknowledged cases kept" % len(acked))
	PY
}

open_case base "基线记录"

snapshot() { "$LD" log --json >"$1" 2>/dev/null; }

test_expect_success 'a baseline case is recorded' '
	snapshot before.json && test_grep "C-lyx01-1" before.json
'

# Holds the write lock from another process through a fifo.
mkfifo lockctl
sqlite3 "$LIANDONG_DB" <lockctl >/dev/null 2>&1 &
locker=$!
exec 3>lockctl
test_when_finished "kill $locker"
# The probe below takes the lock for an instant too: wait for it, or the
# BEGIN fails and the lock is never held.
echo ".timeout 5000" >&3
echo "BEGIN IMMEDIATE; INSERT INTO meta VALUES('lock','1');" >&3

test_expect_success 'the other process holds the write lock' '
	wait_for 5 "! sqlite3 -cmd \".timeout 0\" \"$LIANDONG_DB\" \"BEGIN IMMEDIATE; ROLLBACK;\" 2>/dev/null"
'

test_expect_code 6 'a write while the database is locked fails with exit 6' '
	LIANDONG_BUSY_TIMEOUT_MS=200 "$LD" case open --source patrol \
		--category 违法建设 --location 查纳村 --description "锁定时" 2>err
	st=$?; grep -q "locked" err && exit $st
'

test_expect_success 'reads still work while another process writes' '
	"$LD" case list >out && test_grep "C-lyx01-1" out
'

echo "ROLLBACK;" >&3
exec 3>&-
wait "$locker" 2>/dev/null

test_expect_success 'after the lock is released nothing changed and writes work' '
	snapshot after.json && test_cmp before.json after.json &&
	open_case unlocked "解锁后" && test "$(cat case.id)" = C-lyx01-2
'

snapshot before.json

# Writes that the file system refuses: past RLIMIT_FSIZE the write()
# fails with EFBIG (SIGXFSZ ignored), as it does for a failing disk. The
# limit is 256 KiB past the database's size (ulimit -f counts 512-byte
# blocks): the first cases are acknowledged; then the checkpoint at close
# can no longer grow the database file, and the cases stay in the WAL,
# acknowledged (efbig.inwal counts them); at last the WAL cannot grow
# either: exit 6.
big=$(python3 -c 'print("长" * 1999)')
test_expect_code 6 'a write that the file system refuses fails with exit 6' '
	size=$(stat -c %s "$LIANDONG_DB")
	trap "" XFSZ
	ulimit -f $(((size + 262144) / 512))
	i=0; st=0
	while [ $i -lt 200 ]; do
		open_case "efbig-$i" "$big" 2>err || { st=$?; break; }
		[ ! -s "$LIANDONG_DB-wal" ] || echo "efbig-$i" >>efbig.inwal
		i=$((i + 1))
	done
	echo "efbig-$i" >efbig.failed
	test_grep "liandong: error:" err && exit $st
'
touch efbig.inwal
echo "# $(grep -c " efbig-" acked.main) cases acknowledged before the file size limit, $(grep -c . efbig.inwal) of them left in the WAL"

test_expect_success 'after the failed write the database verifies and kept every acknowledged case' '
	test "$(grep -c " efbig-" acked.main)" -gt "$(grep -c . efbig.inwal)" &&
	test "$(grep -c . efbig.inwal)" -gt 0 &&
	all_kept "$(cat efbig.failed)"
'

# A really full disk: a 1 MiB tmpfs (root, or a user namespace).
full_disk() {
	cat >fill.sh <<-EOF2
	set -u
	mount -t tmpfs -o size=600k tmpfs "$SCRATCH/small" || exit 77
	export LIANDONG_DB="$SCRATCH/small/full.db"
	"$LD" init --station full1 --unit 龙羊峡镇 >/dev/null || exit 1
	acked=0; st=0; i=0
	while [ \$i -lt 500 ]; do
		if "$LD" case open --source patrol --category 违法建设 --location 查纳村 \
			--description "$big" >>"$SCRATCH/acked" 2>"$SCRATCH/full.err"; then
			i=\$((i + 1))
		else
			st=\$?; break
		fi
	done
	echo "\$st" >"$SCRATCH/full.status"
	"$LD" verify >"$SCRATCH/full.verify" 2>&1
	echo "\$?" >>"$SCRATCH/full.status"
	"$LD" case list --json >"$SCRATCH/full.list" 2>/dev/null
	umount "$SCRATCH/small"
	EOF2
	mkdir -p small
	if [ "$(id -u)" = 0 ]; then
		sh fill.sh
	else
		unshare -rm sh fill.sh
	fi
}

test_expect_success 'on a full disk a write fails with exit 6 and "disk is full"' '
	full_disk &&
	test "$(sed -n 1p full.status)" = 6 &&
	test_grep "disk is full" full.err
'

test_expect_success 'the full database still verifies and holds every acknowledged case' '
	test "$(sed -n 2p full.status)" = 0 &&
	n=$(wc -l <acked) && test "$n" -gt 0 &&
	python3 -c "
import json
ids={c[\"entity\"] for c in json.load(open(\"full.list\"))[\"cases\"]}
acked=[l.strip() for l in open(\"acked\") if l.strip()]
missing=[a for a in acked if a not in ids]
assert not missing, missing
"
'

# Read-only: for root, file modes do not stop writes; a read-only mount does.
readonly_db() {
	cp "$LIANDONG_DB" ro-src.db
	rm -f ro-src.db-wal ro-src.db-shm
	sqlite3 ro-src.db "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
	cat >ro.sh <<-EOF2
	set -u
	mount -t tmpfs -o size=4m tmpfs "$SCRATCH/ro" || exit 77
	cp "$SCRATCH/ro-src.db" "$SCRATCH/ro/ro.db"
	mount -o remount,ro "$SCRATCH/ro" || exit 77
	LIANDONG_DB="$SCRATCH/ro/ro.db" "$LD" case open --source patrol \
		--category 违法建设 --location 查纳村 --description "只读" \
		>/dev/null 2>"$SCRATCH/ro.err"
	echo \$? >"$SCRATCH/ro.status"
	umount "$SCRATCH/ro"
	EOF2
	mkdir -p ro
	if [ "$(id -u)" = 0 ]; then
		sh ro.sh
	else
		unshare -rm sh ro.sh
	fi
}

test_expect_success 'a write to a read-only database fails with exit 6 and says so' '
	readonly_db && test "$(cat ro.status)" = 6 &&
	test_grep "liandong: error:" ro.err && test_grep "read-only" ro.err
'

test_expect_success 'at the end the station still holds every case it acknowledged' '
	all_kept
'

test_done
