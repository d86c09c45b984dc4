#!/bin/sh
# Crashes of the agent in the middle of a write.
#
# Swept: a case, a liaison entry and a complaint (its record and identity
# events, one transaction) are each killed (SIGKILL) exactly at their
# 1st, 2nd ... last write or sync, through the shim tests/tools/failsync.c
# with FAILSYNC_ACTION=kill: the call is not made, the process dies. The
# shim's log shows the kill landed at that call, after the same calls as a
# clean twin of the write (the same write on a copy of the database, which
# makes the same calls). The twin's log also says what each point is: the
# commit's frames are the transaction's last write to the WAL. Then:
# verify passes; the killed write is absent when killed at or before that
# write, and there whole after it (at the commit's sync or in the
# checkpoint at close: a process that dies leaves what it wrote to the
# OS, and WAL recovery finds the commit); never half there (a complaint
# has both events or neither); every acknowledged write is kept.
#
# Random: kill -9 at random moments during a loop of writes, under the
# same shim only logging, so that each kill is placed: before the write's
# first write or sync (in exec, start-up), inside, or after its last.
# Afterwards verify passes and every acknowledged write is there, none
# twice.
#
# CRASH_ROUNDS (default 200) sets how many writes are started and killed
# at random.
# backends: sqlite — agent-only, no county server: the store plays no part
. "$(dirname "$0")/lib.sh"
test_plan 5

rounds=${CRASH_ROUNDS:-200}
FS="$BUILD/tests/tools/failsync.so"
# The shim is not built with ASan and loads before its runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
setup_station
mkdir runs twin
: >acked
: >sweep.runs
: >random.runs

# record I TAG [WRAPPER...]: write I, of kind I % 3, tagged TAG, run under
# WRAPPER (a command that runs the rest of its arguments).
record() {
	_i=$1 _t=$2
	shift 2
	case $((_i % 3)) in
	0) "$@" "$LD" case open --source patrol --category 违法建设 \
		--location 查纳村 --matter "$_t" --description "崩溃测试 $_t" ;;
	1) "$@" "$LD" liaison log --type patrol --summary "巡查 $_t" ;;
	2) "$@" "$LD" complaint record --type report --channel phone \
		--matter "$_t" --description "举报 $_t" --name "举报人$_i" \
		--phone 13800000000 ;;
	esac
}

# shim LOG VAR=VALUE...: a WRAPPER for record: the shim, logging to LOG.
shim() {
	_log=$1
	shift
	env LD_PRELOAD="$FS" FAILSYNC_LOG="$_log" FAILSYNC_OPS=all "$@"
}

# twin I TAG: write I without a fault on a copy of the database (twin/),
# every call logged in runs/TAG.twin.log. The database must be alone, as
# every killed run finds it (no WAL or index left by the one before).
twin() {
	rm -f twin/* && cp "$LIANDONG_DB" twin/lyx01.db &&
	test ! -e "$LIANDONG_DB-wal" && test ! -e "$LIANDONG_DB-shm" || return 1
	LIANDONG_DB="$SCRATCH/twin/lyx01.db" record "$1" "$2" \
		shim "runs/$2.twin.log" >/dev/null 2>&1
}

# kill_sweep BASE: for each kind, for each call n of its twin, the write
# killed at its nth call, then verify (which also recovers the WAL and
# checkpoints it). Lines "TAG N STATUS VERIFY" in sweep.runs.
kill_sweep() {
	i=$1
	for k in 0 1 2; do
		n=1
		while :; do
			i=$(((i / 3 + 1) * 3 + k))
			twin $i kill-$i || { echo "kill-$i: its twin failed"; return 1; }
			[ $n -le "$(grep -c . runs/kill-$i.twin.log)" ] || break
			record $i kill-$i shim runs/kill-$i.log FAILSYNC_NTH=$n \
				FAILSYNC_ACTION=kill >/dev/null 2>&1
			st=$?
			"$LD" verify >/dev/null 2>runs/kill-$i.verify
			echo "kill-$i $n $st $?" >>sweep.runs
			n=$((n + 1))
		done
	done
}

test_expect_success 'a write killed at each of its writes and syncs: the kill lands there, verify passes' '
	kill_sweep 0 && python3 - <<-\PY
	import os, re
	from collections import Counter
	LINE = re.compile(r"pid=\d+ n=(\d+) op=(\S+) path=(.*) result=(ok|fail|kill)")
	def calls(name):
	    out = []
	    for line in open("runs/%s.log" % name):
	        m = LINE.match(line)
	        assert m, line
	        f = ("wal" if m[3].endswith(".db-wal") else "shm" if m[3].endswith(".db-shm")
	             else "db" if m[3].endswith(".db") else "dir" if os.path.isdir(m[3]) else "other")
	        out.append((int(m[1]), m[2], f, m[4]))
	    return out
	bad, points, expect = [], {}, []  # points: kind -> Counter of classes
	for line in open("sweep.runs"):
	    tag, n, st, ver = line.split()
	    n, st = int(n), int(st)
	    twin = calls(tag + ".twin")
	    # the commit: its last write to the WAL; a kill after it keeps it
	    last = max(i for i, c in enumerate(twin) if c[2] == "wal" and not c[1].endswith("sync"))
	    i = n - 1
	    cls = ("unwritten" if i <= last else "commit" if i == last + 1 else "checkpoint")
	    assert twin[last + 1][1:3] == ("fdatasync", "wal"), (tag, twin[last + 1])
	    got = calls(tag)
	    where = "%s point %d (%s %s, %s)" % (tag, n, twin[i][1], twin[i][2], cls)
	    if st != 137:
	        bad.append("%s: exit %d, not killed" % (where, st))
	    if not got or got[-1][0] != n or got[-1][3] != "kill":
	        bad.append("%s: the kill did not land there: %s" % (where, got[-1:]))
	    elif [c[1:3] for c in got] != [c[1:3] for c in twin[:n]]:
	        bad.append("%s: other calls than its twin before the kill" % where)
	    if ver != "0":
	        bad.append("%s: verify exited %s: %s" % (where, ver, open("runs/%s.verify" % tag).read()))
	    expect.append("%s %s\n" % (tag, "absent" if cls == "unwritten" else "present"))
	    points.setdefault(int(tag[5:]) % 3, Counter())[cls] += 1
	open("expect", "w").writelines(expect)
	with open("figures", "w") as f:
	    for k, c in sorted(points.items()):
	        print("# %s: %d points swept: %s" % (("case open", "liaison log",
	              "complaint record")[k], sum(c.values()), ", ".join("%d %s" % (
	              c[x], x) for x in ("unwritten", "commit", "checkpoint"))), file=f)
	assert not bad, "\n".join(bad)
	short = [(k, c) for k, c in points.items()
	         if c["unwritten"] < 20 or c["commit"] < 1 or c["checkpoint"] < 4]
	assert len(points) == 3 and not short, points
	PY
'
cat figures

# check_kept: verify passes; each write in expect is there whole or
# absent as said; every acknowledged write is present with its own
# content; none is stored twice; complaints have their identity event.
check_kept() {
	"$LD" verify >/dev/null && "$LD" log --json >log.json &&
	python3 - <<-\PY
	import json
	events = json.load(open("log.json"))["events"]
	created = {}
	for e in events:
	    if e["kind"] in ("case.opened", "liaison.logged", "complaint.recorded"):
	        b = e["body"]
	        text = b.get("matter") or b.get("summary") or "-"
	        created.setdefault(text.split()[-1], []).append(e["entity"])
	dup = {t: v for t, v in created.items() if len(v) != 1}
	assert not dup, "stored twice: %s" % dup
	wrong = [l.strip() for l in open("expect")
	         if (l.split()[0] in created) != (l.split()[1] == "present")]
	assert not wrong, "killed writes not as their points say: %s" % wrong
	missing = [l.strip() for l in open("acked")
	           if created.get(l.split()[1]) != [l.split()[0]]]
	assert not missing, "acknowledged but missing: %s" % missing
	rec = {e["entity"] for e in events if e["kind"] == "complaint.recorded"}
	ids = {e["entity"] for e in events if e["kind"] == "complaint.identity"}
	assert rec == ids, "complaint without its identity: %s" % (rec ^ ids)
	PY
}

test_expect_success 'each killed write is there whole or absent as its point says, nothing half there' '
	check_kept
'

unset LIANDONG_NOW # real time, so the clock moves between writes

# How long one write takes here under the shim (sanitizer builds are
# slower), so that the kills land spread over the whole life of a write.
# The machine's load changes meanwhile: after each 10 writes the span
# doubles when at most 2 of them completed, and halves when at most 2
# were killed.
t0=$(date +%s%N)
for n in 1 2 3 4 5; do
	record $n time-$n shim runs/time-$n.log >/dev/null
done
span_us=$((($(date +%s%N) - t0) / 5000))
echo "# one write takes about $span_us us"

rand_delay() { # uniform in (0, 3 spans]: timeout(1) and exec take some
	n=$(od -An -N4 -tu4 /dev/urandom | tr -d " ")
	us=$((n % (3 * span_us) + 1))
	printf '%d.%06d' $((us / 1000000)) $((us % 1000000))
}

killed=0
i=0
w_acked=0
w_killed=0
while [ $i -lt $rounds ]; do
	if [ $i -gt 0 ] && [ $((i % 10)) -eq 0 ]; then
		if [ $w_acked -le 2 ]; then
			span_us=$((span_us * 2))
		elif [ $w_killed -le 2 ] && [ $span_us -gt 2000 ]; then
			span_us=$((span_us / 2))
		fi
		w_acked=0
		w_killed=0
	fi
	record $i crash-$i timeout -s KILL "$(rand_delay)" env LD_PRELOAD="$FS" \
		FAILSYNC_LOG="runs/crash-$i.log" FAILSYNC_OPS=all >out 2>/dev/null
	st=$?
	if [ $st -eq 0 ]; then
		echo "$(cat out) crash-$i" >>acked
		w_acked=$((w_acked + 1))
	elif [ $st -eq 137 ]; then
		killed=$((killed + 1))
		w_killed=$((w_killed + 1))
	else
		echo "# write $i failed with status $st"
	fi
	echo "crash-$i $st" >>random.runs
	i=$((i + 1))
done
echo "# $rounds writes: $(wc -l <acked) acknowledged, $killed killed by signal 9 (span at the end $span_us us)"
# Where the kills landed, from each killed write's log: no call yet, or
# its last call the database's sync that ends the checkpoint at close.
python3 - <<-\PY
import collections, re
where = collections.Counter()
for tag, st in (l.split() for l in open("random.runs")):
    if st == "137":
        try:
            log = open("runs/%s.log" % tag).read().splitlines()
        except FileNotFoundError:  # no call made: the shim opens it at the first
            log = []
        where["before its first write or sync" if not log else "after its last"
              if re.search(r"op=fdatasync path=\S*\.db result", log[-1])
              else "inside"] += 1
print("# kills: %s" % ", ".join("%d %s" % (v, k) for k, v in sorted(where.items())))
PY

test_expect_success "kills landed both before and after writes completed" '
	test $killed -ge $((rounds / 10)) &&
	test "$(wc -l <acked)" -ge $((rounds / 10))
'

test_expect_success 'verify passes after the crashes; every acknowledged write is present, with its own content' '
	check_kept
'

test_expect_success 'the station keeps recording after the crashes' '
	"$LD" case open --source patrol --category 违法建设 --location 查纳村 \
		--description "崩溃之后" >id && "$LD" case show "$(cat id)" >/dev/null &&
	"$LD" verify
'

test_done
