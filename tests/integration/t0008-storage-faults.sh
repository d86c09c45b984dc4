#!/bin/sh
# A locked, read-only or full database: a clear error, exit 6, nothing
# lost or half-written.
. "$(dirname "$0")/lib.sh"

setup_station
"$LD" case open --source patrol --category 违法建设 --location 查纳村 \
	--description "基线记录" >/dev/null

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
	"$LD" case open --source patrol --category 违法建设 --location 查纳村 \
		--description "解锁后" >id && test "$(cat id)" = C-lyx01-2
'

snapshot before.json

# Writes that the file system refuses: past RLIMIT_FSIZE the write()
# fails with EFBIG (SIGXFSZ ignored), as it does for a failing disk.
big=$(python3 -c 'print("长" * 1999)')
test_expect_code 6 'a write that the file system refuses fails with exit 6' '
	size=$(du -k "$LIANDONG_DB" "$LIANDONG_DB-wal" | awk "{s+=\$1} END {print s}")
	trap "" XFSZ
	ulimit -f $((size / 2 + 1))
	i=0; st=0
	while [ $i -lt 200 ]; do
		"$LD" case open --source patrol --category 违法建设 --location 查纳村 \
			--description "$big" >/dev/null 2>err || { st=$?; break; }
		i=$((i + 1))
	done
	test_grep "liandong: error:" err && exit $st
'

test_expect_success 'after the failed write the database verifies and kept every acknowledged case' '
	"$LD" verify && "$LD" case list --json >list.json &&
	python3 -c "
import json,sys
d=json.load(open(\"list.json\"))
ids={c[\"entity\"] for c in d[\"cases\"]}
assert {\"C-lyx01-1\",\"C-lyx01-2\"} <= ids, ids
"
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

test_done
