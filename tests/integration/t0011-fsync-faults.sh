#!/bin/sh
# Power-loss-like failures of the database file, injected: fsync and
# fdatasync (and write/pwrite) fail on the Nth call, from the Nth call on,
# or at random from a seed, through an LD_PRELOAD shim
# (tests/tools/failsync.c), for the agent's writes, its syncs, and the
# server's handling of pushes. Afterwards: every write acknowledged to the
# user (exit 0, id printed) is present once with its own content; a write
# that failed exited 6 with "liandong: error: ... disk ..." and is either
# absent or present whole (its commit's fate is unknown when the sync
# failed: see docs/reliability.md), never twice; verify passes; the next
# command without the fault works. A push whose commit's fsync failed is
# not acknowledged (503, the station keeps it pending); after the server
# is killed and restarted, it holds everything it acknowledged, and the
# stations re-push and converge.
#
# SEED (printed; SEED=N replays) drives the random faults.
. "$(dirname "$0")/lib.sh"

SEED=${SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "# SEED=$SEED (replay with SEED=$SEED)"
FS="$BUILD/tests/tools/failsync.so"
# The shim is not built with ASan and loads before its runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
FSLOG="$SCRATCH/failsync.log"

# faulty VAR=VALUE... -- CMD...: CMD under the shim, its calls logged.
faulty() {
	_env=""
	while [ "$1" != "--" ]; do
		_env="$_env $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	env LD_PRELOAD="$FS" FAILSYNC_LOG="$FSLOG" $_env "$@"
}

test_expect_success 'the shim fails the Nth fsync and logs every call' '
	test -f "$FS" &&
	faulty FAILSYNC_NTH=2 -- python3 -c "
import os, sys
fd = os.open(\"probe\", os.O_WRONLY | os.O_CREAT)
os.fsync(fd)
try:
    os.fsync(fd)
except OSError as e:
    sys.exit(0 if e.errno == 5 else 1)
sys.exit(1)
" && grep -q "n=2 op=fsync path=$SCRATCH/probe result=fail errno=EIO" "$FSLOG" &&
	grep -q "n=1 op=fsync path=$SCRATCH/probe result=ok" "$FSLOG"
'

setup_station
"$LD" case open --source patrol --category 违法建设 --location 查纳村 \
	--matter base --description "基线" >/dev/null
: >acked
: >failed
: >bad

# write_op I: one write of kind I % 4 tagged fs-I, under $FAULT (shim
# variables, empty for none). Appends "id tag" to acked on exit 0, the
# tag to failed on exit 6 with a disk message, the tag and status to bad
# otherwise.
write_op() {
	_tag=fs-$1
	case $(($1 % 4)) in
	0) set -- case open --source patrol --category 违法建设 --location 查纳村 \
		--matter "$_tag" --description "巡查 $_tag" ;;
	1) set -- complaint record --type report --channel phone --matter "$_tag" \
		--description "举报 $_tag" --name "举报人" --phone 13800000000 ;;
	2) set -- liaison log --type patrol --summary "$_tag" ;;
	3) set -- case update C-lyx01-1 --note "$_tag" ;;
	esac
	if [ -n "$FAULT" ]; then
		# shellcheck disable=SC2086
		faulty $FAULT -- "$LD" "$@" >out 2>err
	else
		"$LD" "$@" >out 2>err
	fi
	_st=$?
	if [ $_st -eq 0 ] && [ -s out ]; then
		echo "$(cat out) $_tag" >>acked
	elif [ $_st -eq 6 ] && grep -q "^liandong: error: .*disk" err; then
		echo "$_tag" >>failed
	else
		echo "$_tag status=$_st $(head -c 200 err)" >>bad
	fi
	return $_st
}

# calls OPS I: how many calls of OPS (sync, write) write I makes, clean.
calls() {
	: >"$SCRATCH/calls.log"
	FAULT="FAILSYNC_OPS=$1 FAILSYNC_LOG=$SCRATCH/calls.log" write_op "$2" ||
		return 1
	grep -c "result=ok" "$SCRATCH/calls.log"
}

# next K: sets i to a fresh write number of kind K (tests run in a
# subshell: each starts i from its own base).
next() { i=$(((i / 4 + 1) * 4 + $1)); }

# sweep OPS ERRNO BASE: each write kind once per N, failing its Nth call
# of OPS with ERRNO; each followed by the same write without a fault.
# Write numbers start from BASE.
sweeps=0
sweep() {
	i=$3
	for k in 0 1 2 3; do
		next $k
		n=$(calls "$1" $i) || { echo "a clean $1 count failed" >>bad; return 1; }
		_n=1
		while [ $_n -le "$n" ]; do
			next $k
			FAULT="FAILSYNC_OPS=$1 FAILSYNC_ERRNO=$2 FAILSYNC_NTH=$_n" write_op $i
			next $k
			FAULT="" write_op $i ||
				echo "clean write after $1 fault $_n failed" >>bad
			_n=$((_n + 1))
			sweeps=$((sweeps + 1))
		done
	done
}

# check_ledger: verify passes; every acknowledged write is there once with
# its content; no tag stored twice; a failed write is absent or whole (a
# complaint with its identity); prints how many failed writes survived.
check_ledger() {
	"$LD" verify >/dev/null &&
	"$LD" log --json >log.json &&
	python3 - <<-'PY'
	import json
	events = json.load(open("log.json"))["events"]
	tags = {}
	for e in events:
	    b = e["body"] if isinstance(e["body"], dict) else {}
	    t = b.get("matter") or b.get("summary") or b.get("note")
	    if t and t.startswith("fs-"):
	        tags.setdefault(t, []).append(e)
	dup = {t: len(v) for t, v in tags.items() if len(v) != 1}
	assert not dup, "stored twice: %s" % dup
	missing = []
	for line in open("acked"):
	    ident, tag = line.split()
	    got = tags.get(tag)
	    if not got or got[0]["entity"] != ident:
	        missing.append(line.strip())
	assert not missing, "acknowledged but missing: %s" % missing
	rec = {e["entity"] for e in events if e["kind"] == "complaint.recorded"}
	ids = {e["entity"] for e in events if e["kind"] == "complaint.identity"}
	assert rec == ids, "complaint without its identity: %s" % (rec ^ ids)
	survived = [t.strip() for t in open("failed") if t.strip() in tags]
	with open("figures", "w") as f:
	    print("# %d writes acknowledged, %d failed with exit 6 (%d of those stored whole all the same), 0 lost, 0 duplicated"
	          % (sum(1 for _ in open("acked")), sum(1 for _ in open("failed")), len(survived)), file=f)
	PY
}

test_expect_success 'a failing fsync at each point of each write: exit 6 or acknowledged, and the next write works' '
	sweep sync EIO 100 && echo "# $sweeps faulty writes" &&
	test ! -s bad && test -s failed
'
test_expect_success 'after fsync failures the ledger verifies and lost nothing acknowledged' '
	check_ledger
'

test_expect_success 'a failing write (ENOSPC) at each point of each write' '
	sweep write ENOSPC 2000 && echo "# $sweeps faulty writes" &&
	test ! -s bad && grep -q . failed
'
test_expect_success 'after write failures the ledger verifies and lost nothing acknowledged' '
	check_ledger
'

# A disk that stays broken: every fsync fails, for several commands in a
# row. A first write whose checkpoint failed (its 4th fsync) leaves the
# WAL behind; then the frames a failed commit wrote stay in it (the
# checkpoint at close fails too) and the next process's WAL recovery may
# find that commit whole. Then the disk recovers.
test_expect_success 'a disk whose fsync keeps failing: every write exits 6, then the disk recovers' '
	FAULT="FAILSYNC_NTH=4" write_op 4999
	FAULT="FAILSYNC_FROM=1" write_op 5000
	FAULT="FAILSYNC_FROM=1" write_op 5001
	FAULT="FAILSYNC_FROM=1" write_op 5002
	FAULT="FAILSYNC_FROM=1" write_op 5003
	test ! -s bad && test "$(grep -c "^fs-500[0-3]$" failed)" -eq 4 &&
	grep -q "disk I/O error (the change may have been stored all the same" err &&
	FAULT="" write_op 5004 && FAULT="" write_op 5005
'
test_expect_success 'after the broken disk the ledger verifies and lost nothing acknowledged' '
	check_ledger
'

# Random faults on every fsync and write, from the seed: each process
# draws its own (seed + write number).
test_expect_success 'random fsync and write failures over 60 writes' '
	j=0
	while [ $j -lt 60 ]; do
		e=EIO; [ $((j % 2)) -eq 0 ] && e=ENOSPC
		FAULT="FAILSYNC_OPS=all FAILSYNC_ERRNO=$e FAILSYNC_SEED=$((SEED + j)) FAILSYNC_PERMILLE=40" \
			write_op $((6000 + j))
		j=$((j + 1))
	done
	test ! -s bad && echo "# $(wc -l <acked) acknowledged, $(wc -l <failed) failed so far"
'
test_expect_success 'after random failures the ledger verifies and lost nothing acknowledged' '
	check_ledger && FAULT="" write_op 7000
'

agent_faults=$(grep -c "result=fail" "$FSLOG")
echo "# agent: $agent_faults faults injected in $(grep -c . "$FSLOG") calls"
cat figures

# --- sync --------------------------------------------------------------

start_server
PORT=$SERVER_PORT
add_station s1 龙羊峡镇
add_station s2 龙羊峡镇

# pending NAME: events the station has not had acknowledged.
pending() {
	on "$1" status --offline --json >"$SCRATCH/$1.st" &&
	jv "$SCRATCH/$1.st" 'd["pending"]'
}

# An agent whose fsync fails during sync: it receives s2's events and
# pushes its own; the failure exits 6, the next sync completes.
test_expect_success 'a station whose fsync fails at each point of a sync: exit 0 or 6, the next sync converges' '
	: >sync.bad
	n=1
	while [ $n -le 8 ]; do
		on s2 liaison log --type contact --summary "s2-$n" >/dev/null &&
		on s2 sync >/dev/null 2>&1 &&
		on s1 liaison log --type contact --summary "s1-$n" >/dev/null || exit 1
		faulty FAILSYNC_NTH=$n LIANDONG_DB="$SCRATCH/s1.db" -- "$LD" sync >out 2>err
		st=$?
		echo $st >>sync.codes
		case $st in
		0) ;;
		6) grep -q "^liandong: error: .*disk I/O error" err ||
			echo "n=$n: $(cat err)" >>sync.bad ;;
		*) echo "n=$n: exit $st: $(cat err)" >>sync.bad ;;
		esac
		on s1 sync >/dev/null 2>&1 || echo "n=$n: clean sync failed" >>sync.bad
		n=$((n + 1))
	done
	test ! -s sync.bad || { cat sync.bad; exit 1; }
	on s2 sync >/dev/null && on s1 verify >/dev/null && on s2 verify >/dev/null &&
	converged s1 龙羊峡镇 && converged s2 龙羊峡镇
'
echo "# station syncs with one fsync failing: $(grep -c "^0$" sync.codes) completed, $(grep -c "^6$" sync.codes) exited 6"

# The server, its database's fsync failing at random (seeded): a push
# whose commit failed gets 503 and stays pending on the station.
stop_server
export LD_PRELOAD="$FS" FAILSYNC_LOG="$SCRATCH/server-fs.log" \
	FAILSYNC_MATCH="$LIANDONG_SERVER_DIR/server.db" \
	FAILSYNC_SEED=$SEED FAILSYNC_PERMILLE=300
start_server --listen "127.0.0.1:$PORT"
unset LD_PRELOAD FAILSYNC_LOG FAILSYNC_MATCH FAILSYNC_SEED FAILSYNC_PERMILLE

: >push.log
# push NAME ROUND: one event and a sync; logs "NAME round status pending
# before, after".
push() {
	on "$1" liaison log --type contact --summary "$1-r$2" >/dev/null || return 1
	_p0=$(pending "$1") || return 1
	on "$1" sync >"$SCRATCH/$1.out" 2>"$SCRATCH/$1.err"
	_st=$?
	_p1=$(pending "$1") || return 1
	echo "$1 $2 $_st $_p0 $_p1 $(head -c 120 "$SCRATCH/$1.err")" >>push.log
}

test_expect_success 'pushes to a server whose fsync fails: 503 and nothing acknowledged, or stored' '
	r=1
	while [ $r -le 30 ]; do
		push s1 $r && push s2 $r || exit 1
		r=$((r + 1))
	done
	python3 - <<-PY
	bad, refused, ok = [], 0, 0
	for line in open("push.log"):
	    f = line.split(None, 5)
	    name, st, p0, p1 = f[0], int(f[2]), int(f[3]), int(f[4])
	    err = f[5] if len(f) > 5 else ""
	    if st == 0 and p1 == 0:
	        ok += 1
	    elif st == 7 and "503" in err and "disk I/O error" in err and p1 == p0:
	        refused += 1
	    else:
	        bad.append(line.strip())
	assert not bad, bad
	assert refused > 0 and ok > 0, (refused, ok)
	with open("figures", "w") as f:
	    print("# %d pushes acknowledged, %d refused with 503 (kept pending)" % (ok, refused), file=f)
	PY
'
cat figures

test_expect_success 'the server with a failing disk still serves' '
	kill -0 "$SERVER_PID" && test "$(grep -c "status=503" server.log)" -gt 0
'

# Killed and restarted: the WAL is recovered, so a push whose commit's
# sync failed may be there after all; everything acknowledged must be.
kill -9 "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
server_faults=$(grep -c "result=fail" "$SCRATCH/server-fs.log")
echo "# server: $server_faults faults injected"
start_server --listen "127.0.0.1:$PORT"

test_expect_success 'after kill -9 and restart the server holds every push it acknowledged' '
	"$LDS" station list --json >list.json &&
	pending s1 >/dev/null && pending s2 >/dev/null &&
	python3 - <<-PY
	import json
	held = {s["station"]: s["events"] for s in json.load(open("list.json"))["stations"]}
	for n in ("s1", "s2"):
	    st = json.load(open(n + ".st"))
	    acked = st["events"] - st["pending"]
	    assert held[n] >= acked, "%s: acknowledged %d, server holds %d" % (n, acked, held[n])
	    print("# %s: acknowledged %d, server holds %d of %d" % (n, acked, held[n], st["events"]))
	PY
'
"$LDS" station list --json >list.json && pending s1 >/dev/null && pending s2 >/dev/null &&
python3 - <<-PY
import json
held = {s["station"]: s["events"] for s in json.load(open("list.json"))["stations"]}
for n in ("s1", "s2"):
    st = json.load(open(n + ".st"))
    print("# %s after the restart: %d acknowledged, the server holds %d of its %d events"
          % (n, st["events"] - st["pending"], held[n], st["events"]))
PY

test_expect_success 'the stations re-push and converge, each event stored once' '
	wait_for 20 "on s1 sync >/dev/null 2>&1 && on s2 sync >/dev/null 2>&1 &&
		test \$(pending s1) -eq 0 && test \$(pending s2) -eq 0" &&
	on s1 sync >/dev/null && on s2 sync >/dev/null &&
	on s1 verify >/dev/null && on s2 verify >/dev/null &&
	converged s1 龙羊峡镇 && converged s2 龙羊峡镇 &&
	python3 - "$LIANDONG_SERVER_DIR/server.db" <<-PY
	import sqlite3, sys
	db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
	for n in ("s1", "s2"):
	    c, dc, mx = db.execute("SELECT count(*), count(DISTINCT seq), max(seq)"
	        " FROM events WHERE station=?", (n,)).fetchone()
	    assert c == dc == mx, "%s: %d rows, %d seqs, max %s" % (n, c, dc, mx)
	PY
'

echo "# faults injected: $(grep -c "result=fail" "$FSLOG") in the agent (writes, then syncs), $server_faults in the server"
test_done
