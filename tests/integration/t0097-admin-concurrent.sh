#!/bin/sh
# Admin commands run at once on one server directory, with and without a
# running server (four `station add` at once once left 28 of 110 stations
# without a code: a command replaying the journal could add a station
# that another command had journaled but not yet stored, whose own add
# then failed as a duplicate; server/journal.h, rule 7). Every command
# either prints what it made (a code that then enrols its station) or
# fails with an error and leaves nothing behind; the journal and the
# database agree afterwards, and no open finds the database behind the
# journal ("event=journal result=replayed").
# backends: sqlite — the race is between journal.log and server.db; a server on PostgreSQL keeps no journal (server/journal.h, rule 6)
. "$(dirname "$0")/lib.sh"
test_plan 14
PW="长期有效的口令-2026"
# The commands queue on the database's one write lock: each waits as long
# as it would outside the tests (lib.sh shortens it to 2 s).
export LIANDONG_BUSY_TIMEOUT_MS=5000

"$LDS" init --county 测试县 --listen 127.0.0.1:0 >init.out
"$LDS" unit add 县司法局 --role legal >/dev/null
for i in 1 2 3 4; do
	"$LDS" station add --name "r$i" --unit "撤销镇$i" >/dev/null
done

# run NAME CMD...: CMD in the background, its output in NAME.out and
# NAME.err, its exit status in NAME.rc; PIDS gathers the jobs to wait for
# (never a bare wait: the server is a job too).
PIDS=""
run() {
	_name=$1
	shift
	{ "$@" >"$_name.out" 2>"$_name.err" </dev/null; echo $? >"$_name.rc"; } &
	PIDS="$PIDS $!"
}
# shellcheck disable=SC2086
wait_all() { wait $PIDS; PIDS=""; }

# adds PREFIX N: N station adds PREFIX1..PREFIXN, each of a unit of its own.
adds() {
	_i=1
	while [ "$_i" -le "$2" ]; do
		run "$1$_i" "$LDS" station add --name "$1$_i" --unit "$1镇$_i"
		_i=$((_i + 1))
	done
}

# settled NAME...: each command printed what it made, or failed with an
# error of the command's own ("liandong-server: error:"), never a crash.
# A failure is one of the database being busy for longer than its wait
# (the only one expected here: the names are all new); those are listed
# in failed. Fewer than half of them may fail so (none did in any run):
# commands that all gave up would prove nothing of the others' checks.
settled() {
	_f=0
	for _n in "$@"; do
		_rc=$(cat "$_n.rc")
		if [ "$_rc" = 0 ]; then
			test -s "$_n.out" || { echo "$_n: nothing printed" >&2; return 1; }
		elif grep -q "liandong-server: error:.*locked" "$_n.err"; then
			echo "$_n" >>failed
			_f=$((_f + 1))
		else
			echo "$_n: exit $_rc" >&2
			cat "$_n.err" >&2
			return 1
		fi
	done
	[ $((2 * _f)) -lt $# ] || { echo "$_f of $# failed on a busy database" >&2; return 1; }
}

# agree: the journal's last line of each station, unit and account is
# what the database holds (station list, unit list, user list --json).
agree() {
	"$LDS" station list --json >st.json 2>>cmd.log &&
	"$LDS" unit list --json >un.json 2>>cmd.log &&
	"$LDS" user list --json >us.json 2>>cmd.log &&
	python3 - "$LIANDONG_SERVER_DIR/journal.log" <<-'EOF'
	import json, sys
	last = {}
	for line in open(sys.argv[1], encoding="utf-8"):
	    j = json.loads(line)
	    kind = {"station": "s", "station_removed": "s", "unit": "u",
	            "unit_removed": "u", "account": "a"}.get(j["op"])
	    if kind:
	        last[kind, j["name"]] = j
	def status(j):
	    if j["revoked_at"]:
	        return "revoked"
	    if j["code_hash"]:
	        return "pending"
	    return "active" if j["enrolled_at"] else "expired"
	want = {n: status(j) for (k, n), j in last.items()
	        if k == "s" and j["op"] == "station"}
	have = {s["station"]: s["status"]
	        for s in json.load(open("st.json"))["stations"]}
	units = {n for (k, n), j in last.items() if k == "u" and j["op"] == "unit"}
	declared = {u["unit"] for u in json.load(open("un.json"))["units"]
	            if u["declared"]}
	users = {(n, j["disabled"]) for (k, n), j in last.items() if k == "a"}
	has_users = {(u["name"], u["disabled"])
	             for u in json.load(open("us.json"))["users"]}
	bad = [(n, want.get(n), have.get(n)) for n in set(want) | set(have)
	       if want.get(n) != have.get(n)]
	if bad or units != declared or users != has_users:
	    print("journal and database differ:", bad, units ^ declared,
	          users ^ has_users, file=sys.stderr)
	    sys.exit(1)
	EOF
}

# enrol NAME: the station whose add wrote NAME.out enrols with the code
# printed there. A server that found its database busy for longer than
# it waits says so (503, "try again later", the code not spent): then
# once more, listed in busy.
enrol() {
	_st=$(sed -n "s/^station '\(.*\)' (.*) added.*/\1/p" "$1.out")
	_unit=$(sed -n "s/^station '.*' (\(.*\)) added.*/\1/p" "$1.out")
	"$LD" init --db "$1.db" --station "$_st" --unit "$_unit" >/dev/null &&
	set -- "$1" "$(tail -n 1 "$1.out")" &&
	if ! "$LD" enroll --db "$1.db" --ca "$LIANDONG_SERVER_DIR/ca.pem" \
		-- "$SERVER_URL" "$2" >/dev/null 2>"$1.enrol-err"; then
		grep -q "(503)" "$1.enrol-err" || { cat "$1.enrol-err" >&2; return 1; }
		echo "$1" >>busy
		"$LD" enroll --db "$1.db" --ca "$LIANDONG_SERVER_DIR/ca.pem" \
			-- "$SERVER_URL" "$2" >/dev/null
	fi
}

# No server: 20 adds, the same name added four times, units added and
# removed, stations removed and accounts added, all at once.
: >failed
: >busy
adds a 20
for i in 1 2 3 4; do
	run "dup$i" "$LDS" station add --name dup --unit 同名镇
	run "rm$i" "$LDS" station remove "r$i"
done
for i in 1 2 3; do
	run "unit$i" "$LDS" unit add "县第${i}局" --role bureau
done
for i in 1 2; do
	run "user$i" sh -c "echo '$PW' | '$LDS' user add 'user$i' --role legal --unit 县司法局"
done
wait_all
cat ./*.err >>cmd.log

test_expect_success 'each station add, unit add, station remove and user add printed its result or failed with an error' '
	settled a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 a17 \
		a18 a19 a20 rm1 rm2 rm3 rm4 unit1 unit2 unit3 user1 user2
'

test_expect_success 'a station add that failed left no station behind' '
	"$LDS" station list --json >st.json &&
	for n in $(cat failed); do
		case $n in a*) jeq st.json "[s.station for s in d.stations if s.station == \"$n\"]" "" || exit 1 ;; esac
	done
'

test_expect_success 'of four adds of one name, one printed its code, the others failed' '
	test "$(cat dup1.rc dup2.rc dup3.rc dup4.rc | grep -c "^0$")" = 1 &&
	for i in 1 2 3 4; do
		test "$(cat dup$i.rc)" = 0 || grep -Eq "already exists|locked" dup$i.err || exit 1
	done
'

test_expect_success 'the journal and the database agree' '
	agree
'

test_expect_success 'no open found the database behind the journal' '
	test_grep ! "event=journal" cmd.log
'

# A server running: the stations added above enrol (the server journals
# each enrolment and each code spent) while 20 more are added at once.
start_server
: >cmd.log
enrolled=""
for f in a*.rc dup*.rc; do
	n=${f%.rc}
	[ "$(cat "$f")" = 0 ] && enrolled="$enrolled $n"
done
for n in $enrolled; do
	run "enrol-$n" enrol "$n"
done
adds b 20
wait_all
cat ./b*.err >>cmd.log

test_expect_success 'every code printed without a server enrols its station' '
	for n in $enrolled; do
		test "$(cat enrol-$n.rc)" = 0 || { cat enrol-$n.err; exit 1; }
	done
'

test_expect_success 'the adds beside the server printed their codes or failed with an error' '
	settled b1 b2 b3 b4 b5 b6 b7 b8 b9 b10 b11 b12 b13 b14 b15 b16 b17 \
		b18 b19 b20
'

# Enrolments and a sync for each (spending the codes) beside revocations.
for f in b*.rc; do
	n=${f%.rc}
	[ "$(cat "$f")" = 0 ] && run "enrol-$n" enrol "$n"
done
wait_all
for n in $enrolled; do
	run "sync-$n" on "$n" sync
done
for i in 1 2 3 4; do
	run "rv$i" "$LDS" station revoke "a$i"
done
# The disable lands while passwd hashes its password (Argon2id, the
# longest step): an account read before that and written after it would
# lose the disable. The pause only makes that likelier; nothing waits on
# it.
run passwd sh -c "echo '$PW-2' | '$LDS' user passwd user2"
sleep 0.05
run disable "$LDS" user disable user2
wait_all
cat ./rv*.err disable.err passwd.err >>cmd.log

test_expect_success 'every code printed beside the server enrols its station' '
	for f in b*.rc; do
		n=${f%.rc}
		test "$(cat $f)" != 0 || test "$(cat enrol-$n.rc)" = 0 ||
			{ cat enrol-$n.err; exit 1; }
	done
'

test_expect_success 'the revocations beside the syncs took' '
	cat rv1.rc rv2.rc rv3.rc rv4.rc >rcs && test "$(sort -u rcs)" = 0 &&
	"$LDS" station list --json >st.json &&
	jeq st.json "sorted(s.status for s in d.stations if s.station in (\"a1\", \"a2\", \"a3\", \"a4\"))" \
		"revoked revoked revoked revoked"
'

test_expect_success 'a user disable and a user passwd at once both took' '
	test "$(cat disable.rc passwd.rc)" = "0
0" &&
	"$LDS" user list --json >us.json &&
	jeq us.json "next(u.disabled for u in d.users if u.name == \"user2\")" true &&
	python3 -c "
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if \"user2\" in l]
first, last = lines[0], lines[-1]
sys.exit(not (last[\"disabled\"] and last[\"hash\"] != first[\"hash\"]))
" "$LIANDONG_SERVER_DIR/journal.log"
'

# One after the other: a second add of a name is refused before its line
# is journaled, which the next open would otherwise replay over the first
# add's code.
"$LDS" station add --name twice --unit 两次镇 >twice.out
test_expect_success 'a second add of a name fails and leaves the first code working' '
	test_must_fail "$LDS" station add --name twice --unit 两次镇 2>err &&
	test_grep "already exists" err &&
	"$LDS" station list >/dev/null 2>>cmd.log &&
	enrol twice
'

test_expect_success 'the journal and the database agree, the server running' '
	agree
'

stop_server
echo "# $(wc -l <failed) of the commands failed on a busy database: $(tr '\n' ' ' <failed)"
echo "# $(wc -l <busy) enrolments were answered 503 once: $(tr '\n' ' ' <busy)"
test_expect_success 'the journal and the database agree, the server stopped' '
	agree
'

test_expect_success 'no open, command or server, found the database behind the journal' '
	test_grep ! "event=journal" cmd.log &&
	test_grep ! "event=journal" server.log
'

test_done
