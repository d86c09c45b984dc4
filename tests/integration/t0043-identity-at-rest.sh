#!/bin/sh
# The complainant's identity at rest on the county server: sealed in
# server.db, its write-ahead log and a backup (identity.key, mode 0600,
# which a readable copy of stops the server), yet transparent to the
# stations that handle the complaint; left out of dump unless asked for
# (and then logged); re-sealed by key rotate, whose interruption loses
# nothing; sealed on the first start of a directory made before the key.
# backends: sqlite — the identity sealed in server.db's file, its write-ahead log and a backup file; key rotate's faults injected into server.db
. "$(dirname "$0")/lib.sh"
test_plan 21

export LIANDONG_NOW="2026-09-29T10:00:00+08:00"
NAME=王小明
PHONE=13800001234
BUREAU=县综合行政执法局
SD=$LIANDONG_SERVER_DIR
DB=$SD/server.db

# leaks FILE...: prints how many lines of FILE (those that exist) hold
# the name or the phone.
leaks() {
	for f in "$@"; do [ -f "$f" ] && cat "$f"; done |
		grep -a -c -e "$NAME" -e "$PHONE"
}
# no_leak FILE...: none of them does, nor any printable string in them.
no_leak() {
	n=$(leaks "$@")
	[ "$n" = 0 ] || { echo "identity found $n times in $*" >&2; return 1; }
	for f in "$@"; do
		[ -f "$f" ] || continue
		! strings -a "$f" | grep -q "$PHONE" || {
			echo "strings finds the phone in $f" >&2; return 1; }
	done
}
q() { sqlite3 "$DB" "$1"; }
# sealed_ids: the key ids the identity rows are sealed under, one a line.
sealed_ids() {
	q "SELECT DISTINCT substr(raw, 6, 12) FROM events
		WHERE kind='complaint.identity' AND raw LIKE 'ldv1:%' ORDER BY 1"
}
plain_rows() {
	q "SELECT count(*) FROM events WHERE kind='complaint.identity'
		AND raw NOT LIKE 'ldv1:%'"
}
sync_all() {
	for r in 1 2; do
		for s in "$@"; do on $s sync >/dev/null || return 1; done
	done
}
# shows_identity STATION: the station, freshly synced, shows the name
# and phone of complaint $T, and its log verifies (the hashes of what it
# pulled match).
shows_identity() {
	on "$1" sync >/dev/null && on "$1" sync >/dev/null &&
	on "$1" complaint show --show-identity "$T" >"$1.si" &&
	test_grep "$NAME" "$1.si" && test_grep "$PHONE" "$1.si" &&
	on "$1" verify >/dev/null
}

"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >init.out
start_server
PORT=$SERVER_PORT # the stations know this one: every restart keeps it
add_station lyx 龙羊峡镇
add_station bureau $BUREAU bureau
add_station zj 县住建局 department
refresh_directory lyx bureau zj

test_expect_success 'init makes the identity key, mode 0600, and says so' '
	test "$(stat -c %a "$SD/identity.key")" = 600 &&
	test_grep "identity.key" init.out &&
	test "$(q "SELECT value FROM meta WHERE key=\"identity_key\"" | wc -c)" = 13
'

on lyx complaint record --type complaint --channel phone --matter 占道经营 \
	--description "夜市摊贩占用消防通道" --location 龙羊峡镇中街 \
	--name $NAME --phone $PHONE >t
T=$(cat t)
on lyx complaint refer "$T" --to $BUREAU --note 请依法查处 >/dev/null
sync_all lyx bureau zj

test_expect_success 'the handling station receives the identity; its hashes verify' '
	shows_identity bureau &&
	on zj log --json --show-identity >zl.json && test_grep ! "$NAME" zl.json
'

test_expect_success 'the station holds the identity in plain text (the check below can fail)' '
	test "$(leaks lyx.db lyx.db-wal)" -gt 0
'

test_expect_success 'server.db and its write-ahead log hold neither name nor phone' '
	test "$(q "SELECT count(*) FROM events WHERE kind=\"complaint.identity\"")" = 2 &&
	test "$(plain_rows)" = 0 &&
	test "$(sealed_ids)" = "$(q "SELECT value FROM meta WHERE key=\"identity_key\"")" &&
	no_leak "$DB" "$DB-wal" &&
	sqlite3 "$DB" .dump >schema.dump && no_leak schema.dump &&
	no_leak server.log
'

test_expect_success 'backup FILE: a consistent copy, mode 0600, identities sealed' '
	"$LDS" backup "$SCRATCH/b1.db" >backup.out &&
	test "$(stat -c %a b1.db)" = 600 &&
	test "$(sqlite3 b1.db "PRAGMA integrity_check")" = ok &&
	test "$(sqlite3 b1.db "SELECT count(*) FROM events")" = \
		"$(q "SELECT count(*) FROM events")" &&
	no_leak b1.db && test_grep "apart" backup.out
'

test_expect_code 6 'backup never overwrites a file' '
	echo keep >exists.db && "$LDS" backup exists.db 2>err;
	st=$? && test_grep "already exists" err && test "$(cat exists.db)" = keep &&
	exit $st
'

test_expect_success 'backup and key rotate have --help' '
	"$LDS" backup --help >h && test_grep "<file>" h &&
	"$LDS" key rotate --help >h && test_grep "re-seal" h
'

test_expect_success 'dump leaves identities out; dump --identities shows them and logs who' '
	"$LDS" dump >d 2>d.err && test_grep "$T" d && no_leak d &&
	test_grep ! identities-shown d.err &&
	"$LDS" dump --unit $BUREAU >db 2>/dev/null && test_grep "$T" db && no_leak db &&
	"$LDS" due --json >due.json && no_leak due.json &&
	"$LDS" dump --identities >di 2>di.err &&
	test_grep "$NAME" di && test_grep "$PHONE" di &&
	test_grep "event=identities-shown command=dump" di.err &&
	test_grep "user=$(id -un)" di.err && test_grep "ts=" di.err &&
	test "$(wc -l <di.err)" = 1 && no_leak di.err &&
	"$LDS" dump --identities --unit 县住建局 >dz 2>/dev/null && no_leak dz
'

test_expect_code 6 'key rotate refuses while the server runs' '
	"$LDS" key rotate 2>err; st=$?; test_grep "in use" err; exit $st
'

stop_server
test_expect_code 5 'a key file that others may read stops the server' '
	chmod 644 "$SD/identity.key" &&
	timeout 10 "$LDS" serve --listen 127.0.0.1:0 2>err; st=$?
	chmod 600 "$SD/identity.key"
	test_grep "identity.key.* is readable by others: chmod 600 it" err &&
	exit $st
'

test_expect_success 'key rotate re-seals every identity under a new key; the old one is kept, 0600' '
	old=$(sealed_ids) && cp "$SD/identity.key" old.key &&
	"$LDS" key rotate >rot.out 2>rot.err &&
	new=$(sealed_ids) && test -n "$new" && test "$new" != "$old" &&
	test_grep "$old -> $new, 2 identities" rot.out &&
	test_cmp old.key "$SD/identity.key.$old" &&
	test "$(stat -c %a "$SD/identity.key.$old")" = 600 &&
	test "$(stat -c %a "$SD/identity.key")" = 600 &&
	! cmp -s old.key "$SD/identity.key" && ! test -e "$SD/identity.key.new" &&
	test "$(q "SELECT value FROM meta WHERE key=\"identity_key\"")" = "$new" &&
	test "$(grep -a -c "$old" "$DB")" = 0 && ! test -s "$DB-wal" &&
	no_leak "$DB" "$DB-wal" && no_leak rot.out rot.err &&
	echo "$old" >old.id
'

start_server --listen "127.0.0.1:$PORT"
add_station bureau2 $BUREAU bureau
test_expect_success 'after the rotation a new station of the handling unit pulls the identity' '
	shows_identity bureau2 && shows_identity bureau &&
	converged lyx 龙羊峡镇 && converged bureau $BUREAU &&
	converged bureau2 $BUREAU && converged zj 县住建局
'

test_expect_success 'a new identity is sealed under the new key' '
	on lyx complaint record --type report --channel visit --matter 噪音 \
		--description 夜间施工 --name 李小红 --phone 13900004321 >t2 &&
	on lyx sync >/dev/null &&
	test "$(q "SELECT count(*) FROM events WHERE kind=\"complaint.identity\"")" = 3 &&
	test "$(sealed_ids)" = "$(q "SELECT value FROM meta WHERE key=\"identity_key\"")" &&
	test "$(grep -a -c 李小红 "$DB" "$DB-wal" | grep -c -v ":0$")" = 0
'

test_expect_success 'a backup made before the rotation opens with the retired key, not without' '
	mkdir restore && cp "$SD/server.conf" "$SD/identity.key" restore/ &&
	cp b1.db restore/server.db &&
	test_must_fail env LIANDONG_SERVER_DIR="$SCRATCH/restore" "$LDS" dump \
		--identities 2>err && test_grep "identity.key.$(cat old.id)" err &&
	cp -p "$SD/identity.key.$(cat old.id)" restore/ &&
	LIANDONG_SERVER_DIR="$SCRATCH/restore" "$LDS" dump --identities \
		>r.dump 2>/dev/null && test_grep "$NAME" r.dump
'

test_expect_code 5 'a database sealed under a key, without identity.key, is refused' '
	mv restore/identity.key restore/moved &&
	LIANDONG_SERVER_DIR="$SCRATCH/restore" "$LDS" station list 2>err; st=$?
	test_grep "restore the key file" err && ! test -e restore/identity.key &&
	exit $st
'
stop_server

# A rotation cut short after its commit (the copy of the old key cannot
# be synced: the second fsync of a key file fails): the next command
# finishes it.
FS="$BUILD/tests/tools/failsync.so"
test_expect_success 'a rotation interrupted after its commit is finished by the next command' '
	before=$(sealed_ids) &&
	test_must_fail env LD_PRELOAD="$FS" ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" \
		FAILSYNC_MATCH=identity.key.tmp FAILSYNC_NTH=2 \
		"$LDS" key rotate >/dev/null 2>err &&
	test -e "$SD/identity.key.new" && after=$(sealed_ids) &&
	test "$after" != "$before" && ! test -e "$SD/identity.key.$before" &&
	"$LDS" station list >/dev/null 2>list.err &&
	test_grep "event=key-rotate result=finished key=$after" list.err &&
	! test -e "$SD/identity.key.new" &&
	test "$(stat -c %a "$SD/identity.key.$before")" = 600 &&
	"$LDS" dump --identities >d 2>/dev/null && test_grep "$NAME" d &&
	test "$(sealed_ids)" = "$after" &&
	! ls "$SD" | grep -q tmp
'

test_expect_success 'a rotation whose commit fails loses nothing, whichever way it went' '
	test_must_fail env LD_PRELOAD="$FS" ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" \
		FAILSYNC_MATCH=server.db FAILSYNC_FROM=1 \
		"$LDS" key rotate >/dev/null 2>err &&
	"$LDS" station list >/dev/null 2>list.err &&
	! test -e "$SD/identity.key.new" &&
	test "$(sealed_ids | wc -l)" = 1 &&
	test "$(q "SELECT value FROM meta WHERE key=\"identity_key\"")" = "$(sealed_ids)" &&
	"$LDS" dump --identities >d 2>/dev/null && test_grep "$NAME" d &&
	test_grep 李小红 d
'

test_expect_success 'a new key left by a rotation that never committed is removed' '
	LIANDONG_SERVER_DIR="$SCRATCH/other" "$LDS" init --county 别县 >/dev/null &&
	cp -p other/identity.key "$SD/identity.key.new" &&
	"$LDS" station list >/dev/null 2>list.err &&
	test_grep "event=key-rotate result=abandoned" list.err &&
	! test -e "$SD/identity.key.new" &&
	"$LDS" dump --identities >d 2>/dev/null && test_grep "$NAME" d
'

# A directory made before the key files: plain identity rows (the
# stations' own texts) and no key.
sqlite3 "$DB" "ATTACH '$SCRATCH/lyx.db' AS st;
	UPDATE events SET raw = (SELECT s.raw FROM st.events s
		WHERE s.station = events.station AND s.seq = events.seq)
		WHERE kind = 'complaint.identity';
	DELETE FROM meta WHERE key = 'identity_key';"
rm -f "$SD"/identity.key*
test_expect_success 'the hand-made old directory holds identities in plain text' '
	test "$(plain_rows)" = 3 && test "$(leaks "$DB" "$DB-wal")" -gt 0
'

start_server --listen "127.0.0.1:$PORT"
add_station bureau3 $BUREAU bureau
test_expect_success 'its first start makes a key and seals every identity, leaving no trace' '
	test "$(stat -c %a "$SD/identity.key")" = 600 &&
	test_grep "event=identity-seal result=ok rows=3" server.log &&
	test "$(plain_rows)" = 0 && test "$(sealed_ids | wc -l)" = 1 &&
	no_leak "$DB" "$DB-wal" &&
	shows_identity bureau3 && shows_identity bureau &&
	converged bureau3 $BUREAU
'

test_expect_success 'no log holds an identity' '
	no_leak server.log dump.log
'

test_done
