#!/bin/sh
# Power-loss-like failures of the database file, injected: fsync and
# fdatasync (and write/pwrite) fail on the Nth call, from the Nth call on,
# or at random from a seed, through an LD_PRELOAD shim
# (tests/tools/failsync.c), for the agent's writes, its syncs, and the
# server's handling of pushes.
#
# Every fault is attributed. Before each faulty write its clean twin (the
# same write on a copy of the database: the same calls), every call
# logged, says what each point n is: which file (the database, its WAL,
# its shared-memory index, their directory) and which call. The commit's
# sync is found in that log by file and order: the WAL's sync that
# follows the transaction's last write to the WAL (a WAL sync right after
# another sync starts the checkpoint at close). Each point then has one
# outcome, and every faulty run must give it (table: points.py, OUTCOME):
#
#   before  a call before the commit's sync (index, WAL header, frames):
#           exit 6 with a disk message, nothing printed, nothing stored
#   commit  the commit's sync: exit 6, "may have been stored all the
#           same"; the write is then absent or whole, never twice
#   dir     SQLite's sync of the directory of a WAL it has just created:
#           SQLite ignores its result (the unix VFS does); exit 0, kept
#           (the checkpoint before exit syncs the database file itself)
#   after   the checkpoint at close (WAL sync, database writes and sync):
#           exit 0, the id printed, kept
#
# and the faulty run's log must show the fault at that very call, after
# the same calls as its twin. A run with random faults must give the
# outcome of its first fault that SQLite does not ignore, placed by the
# same rule in its own log. Afterwards verify passes, every
# acknowledged write is present once with its own content, and each
# faulted write is present or absent as its point says; the next command
# without the fault works. A station's sync is swept the same way, by a
# clean sync logged first: a failing sync of any of its transactions
# exits 6 but of the last, the note of the run's outcome (last_sync),
# which the agent does not report (exit 0). A push whose commit's
# fsync failed is not acknowledged (503, the station keeps it pending);
# after the server is killed and restarted, it holds everything it
# acknowledged, and the stations re-push and converge.
#
# SEED (printed; SEED=N replays) drives the random faults.
# backends: sqlite — fsync faults injected into SQLite's files: the stations', then the server's server.db
. "$(dirname "$0")/lib.sh"
test_plan 15

SEED=${SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "# SEED=$SEED (replay with SEED=$SEED)"
FS="$BUILD/tests/tools/failsync.so"
# The shim is not built with ASan and loads before its runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
mkdir runs

# faulty LOG VAR=VALUE... -- CMD...: CMD under the shim, its calls logged
# in LOG.
faulty() {
	_log=$1
	shift
	with_env LD_PRELOAD="$FS" FAILSYNC_LOG="$_log" "$@"
}

test_expect_success 'the shim fails the Nth fsync and logs every call' '
	test -f "$FS" &&
	faulty probe.log FAILSYNC_NTH=2 -- python3 -c "
import os, sys
fd = os.open(\"probe\", os.O_WRONLY | os.O_CREAT)
os.fsync(fd)
try:
    os.fsync(fd)
except OSError as e:
    sys.exit(0 if e.errno == 5 else 1)
sys.exit(1)
" && grep -q "n=2 op=fsync path=$SCRATCH/probe result=fail errno=EIO" probe.log &&
	grep -q "n=1 op=fsync path=$SCRATCH/probe result=ok" probe.log
'

setup_station

# points.py: reads the shim's logs of runs/TAG.log and says what each
# point must give (see the top of this file); "sweep LIST", "random
# LIST", "station LIST" and "first-after TAG" below, the database of
# each log line known by its name (.db, .db-wal, .db-shm). Its tables and
# figures go to the file report, shown after each check (report).
cat >points.py <<-\PY
import os, re, sys

REPORT = open("report", "a")


def say(line):
    """Figures and tables go to report, printed after the check."""
    print(line, file=REPORT)


SYNC = {"fsync", "fdatasync"}
LINE = re.compile(r"pid=\d+ n=(\d+) op=(\S+) path=(.*) result=(ok|fail|kill)")
KINDS = ["case open", "complaint record", "liaison log", "case update"]
# class of a point: (exit status, what the ledger then holds of the write)
OUTCOME = {"before": (6, "absent"), "commit": (6, "either"),
           "dir": (0, "present"), "after": (0, "present")}


def role(path):
    """Which file (a twin's database is a copy, elsewhere)."""
    for end, name in ((".db-wal", "wal"), (".db-shm", "shm"), (".db", "db")):
        if path.endswith(end):
            return name
    return "dir" if os.path.isdir(path) else "other"


def calls(tag):
    """The calls logged by run TAG (none when the shim never logged)."""
    out = []
    if not os.path.exists("runs/%s.log" % tag):
        return out
    for line in open("runs/%s.log" % tag):
        m = LINE.match(line)
        assert m, "%s: unreadable log line %r" % (tag, line)
        out.append({"n": int(m[1]), "op": m[2], "path": m[3], "res": m[4],
                    "file": role(m[3]),
                    "kind": "sync" if m[2] in SYNC else "write"})
    return out


def ends_writes(cs, i):
    """Whether call i is a sync of the WAL right after a write to it: the
    sync of a new WAL's header, or a commit's sync."""
    return (i > 0 and cs[i]["file"] == "wal" and cs[i]["kind"] == "sync" and
            cs[i - 1]["file"] == "wal" and cs[i - 1]["kind"] == "write")


def classify(cs):
    """Each call of a clean, fully logged run gets its class; the commit's
    sync is the last WAL sync that ends writes to the WAL."""
    ends = [i for i in range(len(cs)) if ends_writes(cs, i)]
    assert ends, "no commit's sync in a clean run"
    c = ends[-1]
    for i, x in enumerate(cs):
        if x["file"] == "other":
            x["cls"] = "other"
        elif i < c:
            x["cls"] = "dir" if x["file"] == "dir" else "before"
        else:
            x["cls"] = "commit" if i == c else "after"
    return cs


def runs(table):
    """"1-8 pwrite64 shm before" for each run of like calls."""
    out, start = [], 0
    key = lambda x: (x["op"], x["file"], x["cls"])
    for i in range(1, len(table) + 1):
        if i == len(table) or key(table[i]) != key(table[start]):
            r = str(start + 1) if i - start == 1 else "%d-%d" % (start + 1, i)
            out.append("%s %s %s %s" % ((r,) + key(table[start])))
            start = i
    return ", ".join(out)


def check_point(bad, where, got, table, n):
    """The faulty run's log has its one fault at n, after the same calls
    as the clean run's, on the same files."""
    fails = [x["n"] for x in got if x["res"] == "fail"]
    if fails != [n]:
        bad.append("%s: faults injected at %s" % (where, fails))
    elif [(x["op"], x["file"]) for x in got[:n]] != \
            [(x["op"], x["file"]) for x in table[:n]]:
        bad.append("%s: other calls than the clean run's before the fault"
                   % where)


def sweep(listfile):
    """LIST: "TAG OPS N STATUS": write TAG with its OPS call N failing,
    judged by its clean twin (TAG.twin: the same write on a copy of the
    database, every call logged)."""
    bad, expect, seen, fig = [], [], {}, {}
    acked = {l.split()[1] for l in open("acked")}
    failed = {l.strip() for l in open("failed")}
    for line in open(listfile):
        tag, ops, n, st = line.split()[0], line.split()[1], \
            int(line.split()[2]), int(line.split()[3])
        table = classify(calls(tag + ".twin"))
        kind = KINDS[int(tag[3:]) % 4]
        points = [x for x in table if x["kind"] == ops]
        if (kind, ops) not in seen:
            seen[(kind, ops)] = set()
            say("# %s, %s points: %s" % (kind, ops, runs(points)))
        row = points[n - 1]
        seen[(kind, ops)].add(row["cls"])
        where = "%s (%s, %s point %d: %s %s, %s)" % (
            tag, kind, ops, n, row["op"], row["file"], row["cls"])
        check_point(bad, where, calls(tag), points, n)
        want, held = OUTCOME.get(row["cls"], (None, None))
        err = open("runs/%s.err" % tag).read()
        if want is None:
            bad.append("%s: a call on %s" % (where, row["path"]))
        elif st != want:
            bad.append("%s: exit %d, want %d: %s" % (where, st, want, err[:200]))
        elif want == 6 and tag not in failed:
            bad.append("%s: exit 6 without a disk message: %s" % (where, err[:200]))
        elif want == 0 and tag not in acked:
            bad.append("%s: exit 0 without an id" % where)
        elif row["cls"] == "commit" and "stored all the same" not in err:
            bad.append("%s: the message does not say it may be stored" % where)
        expect.append("%s %s\n" % (tag, held))
        k = (ops, row["cls"])
        fig[k] = fig.get(k, 0) + 1
    with open("expect", "a") as e:
        e.writelines(expect)
    for ops in ("sync", "write"):
        c = {k[1]: v for k, v in fig.items() if k[0] == ops}
        if c:
            say("# %d %s points: %s" % (sum(c.values()), ops, ", ".join(
                "%d %s (exit %d, %s)" % (c[k], k, OUTCOME[k][0], OUTCOME[k][1])
                for k in OUTCOME if k in c)))
    assert not bad, "\n".join(bad)
    # every kind swept, and through every class its calls have
    short = {k: v for k, v in seen.items() if v != (
        {"before", "dir", "commit", "after"} if k[1] == "sync" else
        {"before", "after"})}
    assert len(seen) == 4 and not short, seen


def first_fault(cs):
    """The class of a run's first fault that SQLite does not ignore: its
    calls before the fault are a clean run's."""
    for i, x in enumerate(cs):
        if x["res"] != "fail" or x["file"] == "dir":
            continue
        if x["file"] in ("shm", "wal") and x["kind"] == "write":
            return "before"
        if x["file"] == "wal":
            return "commit" if ends_writes(cs, i) else "after"
        return "after" if x["file"] == "db" else "other"
    return None


def random(listfile):
    """LIST: "TAG STATUS", runs with random faults on every call."""
    bad, expect, faults, hit = [], [], 0, {}
    for line in open(listfile):
        tag, st = line.split()[0], int(line.split()[1])
        cs = calls(tag)
        faults += sum(1 for x in cs if x["res"] == "fail")
        cls = first_fault(cs)
        hit[cls] = hit.get(cls, 0) + 1
        want, held = OUTCOME.get(cls or "after", (None, None))
        if st != want:
            bad.append("%s: first fault %s: exit %d, want %s" % (tag, cls, st, want))
        expect.append("%s %s\n" % (tag, held))
    with open("expect", "a") as e:
        e.writelines(expect)
    say("# %d faults injected; first fault that counts, per write: %s" % (
        faults, ", ".join("%s %d" % (k or "none", v) for k, v in sorted(
            hit.items(), key=lambda kv: str(kv[0])))))
    assert not bad, "\n".join(bad)
    assert faults >= 20, "only %d faults injected" % faults
    assert hit.get("before", 0) + hit.get("commit", 0) >= 10, hit


def first_after(tag):
    """The number of the first sync after the commit's in a clean run."""
    syncs = [x for x in classify(calls(tag)) if x["kind"] == "sync"]
    print(next(i + 1 for i, x in enumerate(syncs) if x["cls"] == "after"))


def station(listfile):
    """LIST: "TAG measure" (a clean sync, every call logged) or "TAG fault
    N STATUS PENDING" (a station's sync with its Nth sync failing, and
    its pending events after it). A sync's transactions fail it (exit 6)
    but the last, the note of the run's outcome (last_sync), which the
    agent does not report; the rest (directory, checkpoint) exit 0."""
    bad, fig, table = [], {}, None
    want = {"tx": 6, "note": 0, "dir": 0, "after": 0}
    for line in open(listfile):
        f = line.split()
        if f[1] == "measure":
            cs = calls(f[0])
            ends = [i for i in range(len(cs)) if ends_writes(cs, i)]
            assert len(ends) >= 2, "a clean sync without its transactions"
            for i, x in enumerate(cs):
                x["cls"] = ("tx" if i in ends[:-1] else "note" if i == ends[-1]
                            else x["file"] if x["file"] in ("dir", "other")
                            else "after")
            table = [x for x in cs if x["kind"] == "sync"]
            say("# a station's sync, sync points: %s" % runs(table))
            continue
        tag, n, st, pending = f[0], int(f[2]), int(f[3]), int(f[4])
        row = table[n - 1]
        where = "%s (sync point %d: %s %s, %s)" % (tag, n, row["op"],
                                                   row["file"], row["cls"])
        check_point(bad, where, calls(tag), table, n)
        err = open("runs/%s.err" % tag).read()
        if st != want.get(row["cls"]):
            bad.append("%s: exit %d, want %s: %s" % (where, st,
                       want.get(row["cls"]), err[:200]))
        elif st == 6 and not re.search("^liandong: error: .*disk I/O error",
                                       err, re.M):
            bad.append("%s: exit 6 without a disk message: %s" % (where, err))
        elif st == 0 and pending != 0:
            bad.append("%s: exit 0 with %d events pending" % (where, pending))
        fig[row["cls"]] = fig.get(row["cls"], 0) + 1
    say("# %d sync points of a station's sync: %s" % (sum(fig.values()),
          ", ".join("%d %s (exit %d)" % (v, k, want[k]) for k, v in
                    sorted(fig.items()) if k in want)))
    assert not bad, "\n".join(bad)
    assert sum(fig.values()) == len(table) >= 5, (fig, len(table))


if __name__ == "__main__":
    {"sweep": sweep, "random": random, "station": station,
     "first-after": first_after}[
        sys.argv[1]](sys.argv[2])
PY

"$LD" case open --source patrol --category 违法建设 --location 查纳村 \
	--matter base --description "基线" >/dev/null
: >acked
: >failed
: >bad
: >expect
: >report
report() { cat report; : >report; }

# write_op I: one write of kind I % 4 tagged fs-I, under the shim when
# $FAULT (shim variables) is not empty, its calls logged in runs/fs-I.log,
# its stderr kept as runs/fs-I.err (fs-I.twin.* and nothing else with
# TWIN=.twin). Appends "id tag" to acked on exit 0, the tag to failed on
# exit 6 with a disk message and nothing on stdout, the tag and status to
# bad otherwise; sets _st.
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
	_run=runs/$_tag${TWIN:-}
	if [ -n "$FAULT" ]; then
		# shellcheck disable=SC2086
		faulty "$_run.log" $FAULT -- "$LD" "$@" >out 2>"$_run.err"
	else
		"$LD" "$@" >out 2>"$_run.err"
	fi
	_st=$?
	[ -z "${TWIN:-}" ] || return $_st
	if [ $_st -eq 0 ] && [ -s out ]; then
		echo "$(cat out) $_tag" >>acked
	elif [ $_st -eq 6 ] && [ ! -s out ] &&
	    grep -q "^liandong: error: .*disk" "runs/$_tag.err"; then
		echo "$_tag" >>failed
	else
		echo "$_tag status=$_st $(head -c 200 "runs/$_tag.err")" >>bad
	fi
	return $_st
}

# next K: sets i to a fresh write number of kind K (tests run in a
# subshell: each starts i from its own base).
next() { i=$(((i / 4 + 1) * 4 + $1)); }

# twin I: write I, its calls logged in runs/fs-I.twin.log, without a
# fault, on a copy of the database in twin/ (the same write on the same
# data: the same calls); the clean run that write I's fault is judged by.
twin() {
	mkdir -p twin && rm -f twin/* && cp "$LIANDONG_DB" twin/lyx01.db &&
	test ! -e "$LIANDONG_DB-wal" && test ! -e "$LIANDONG_DB-shm" || return 1
	(FAULT="FAILSYNC_OPS=all" LIANDONG_DB="$SCRATCH/twin/lyx01.db" \
		TWIN=.twin && write_op "$1")
}

# sweep OPS ERRNO BASE LIST: for each write kind, for each point n of OPS
# (sync, write) of its clean twin: the write with its nth call of OPS
# failing with ERRNO, then the same write without a fault, which must
# succeed (and leaves the database alone, without WAL or index). Write
# numbers start from BASE; LIST gets "tag OPS n status" for points.py.
sweep() {
	i=$3
	case $1 in
	sync) _re="op=f\(data\)\{0,1\}sync " ;;
	*) _re="op=p\{0,1\}write\(64\)\{0,1\} " ;;
	esac
	for k in 0 1 2 3; do
		_n=1
		while :; do
			next $k
			twin $i || { echo "fs-$i: its twin failed" >>bad; return 1; }
			[ $_n -le "$(grep -c "$_re" runs/fs-$i.twin.log)" ] || break
			FAULT="FAILSYNC_OPS=$1 FAILSYNC_ERRNO=$2 FAILSYNC_NTH=$_n" write_op $i
			echo "fs-$i $1 $_n $_st" >>"$4"
			next $k
			FAULT="" write_op $i ||
				echo "clean write after $1 fault $_n failed" >>bad
			_n=$((_n + 1))
		done
	done
}

# check_ledger: verify passes; every acknowledged write is there once with
# its content; no tag stored twice; a failed write is absent or whole (a
# complaint with its identity); each write in expect is present, absent
# or either as its fault point says; prints how many failed writes
# survived.
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
	wrong = [l.strip() for l in open("expect") if
	         (l.split()[1] == "absent" and l.split()[0] in tags) or
	         (l.split()[1] == "present" and l.split()[0] not in tags)]
	assert not wrong, "not as its fault point says: %s" % wrong
	survived = [t.strip() for t in open("failed") if t.strip() in tags]
	with open("figures", "w") as f:
	    print("# %d writes acknowledged, %d failed with exit 6 (%d of those stored whole all the same), 0 lost, 0 duplicated"
	          % (sum(1 for _ in open("acked")), sum(1 for _ in open("failed")), len(survived)), file=f)
	PY
}

test_expect_success 'a failing fsync at each point of each write: the outcome of its point, the next write works' '
	sweep sync EIO 100 sync.runs && test ! -s bad &&
	python3 points.py sweep sync.runs
'
report
test_expect_success 'after fsync failures the ledger verifies, kept every write acknowledged, dropped every write failed before its commit' '
	check_ledger
'

test_expect_success 'a failing write (ENOSPC) at each point of each write: the outcome of its point' '
	sweep write ENOSPC 2000 write.runs && test ! -s bad &&
	python3 points.py sweep write.runs
'
report
test_expect_success 'after write failures the ledger verifies, kept every write acknowledged, dropped every write failed before its commit' '
	check_ledger
'

# A disk that stays broken: every fsync fails, for several commands in a
# row. A first write whose checkpoint failed (its first sync after the
# commit's) leaves the WAL behind; then the frames a failed commit wrote
# stay in it (the checkpoint at close fails too) and the next process's
# WAL recovery may find that commit whole. Then the disk recovers.
test_expect_success 'a disk whose fsync keeps failing: every write exits 6, then the disk recovers' '
	FAULT="FAILSYNC_OPS=all" write_op 4998 &&
	ckpt=$(python3 points.py first-after fs-4998) &&
	FAULT="FAILSYNC_NTH=$ckpt" write_op 4999 && test -s "$LIANDONG_DB-wal" &&
	grep -q "n=$ckpt op=fdatasync path=$LIANDONG_DB-wal result=fail" runs/fs-4999.log &&
	echo "fs-4999 present" >>expect || exit 1
	for n in 5000 5001 5002 5003; do
		FAULT="FAILSYNC_FROM=1" write_op $n
		test $_st -eq 6 || exit 1
	done
	test ! -s bad && test "$(grep -c "^fs-500[0-3]$" failed)" -eq 4 &&
	grep -q "disk I/O error (the change may have been stored all the same" runs/fs-5003.err &&
	FAULT="" write_op 5004 && FAULT="" write_op 5005
'
test_expect_success 'after the broken disk the ledger verifies and lost nothing acknowledged' '
	check_ledger
'

# Random faults on every fsync and write, from the seed: each process
# draws its own (seed + write number). Each run must give the outcome of
# its first fault that counts (points.py random).
test_expect_success 'random fsync and write failures over 60 writes: each the outcome of its first fault' '
	j=0
	while [ $j -lt 60 ]; do
		e=EIO; [ $((j % 2)) -eq 0 ] && e=ENOSPC
		FAULT="FAILSYNC_OPS=all FAILSYNC_ERRNO=$e FAILSYNC_SEED=$((SEED + j)) FAILSYNC_PERMILLE=40" \
			write_op $((6000 + j))
		echo "fs-$((6000 + j)) $_st" >>random.runs
		j=$((j + 1))
	done
	test ! -s bad && python3 points.py random random.runs
'
report
test_expect_success 'after random failures the ledger verifies and lost nothing acknowledged' '
	check_ledger && FAULT="" write_op 7000
'

agent_faults=$(cat runs/fs-*.log | grep -c "result=fail")
echo "# agent: $agent_faults faults injected in $(cat runs/fs-[0-9]*[0-9].log | grep -c .) calls"
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

# A station's sync with its Nth fsync failing, for every n of a clean
# sync (logged first, it gives each point's file and class: points.py
# station); each followed by a clean sync. Each round at its own minute,
# so that the note of the sync's outcome (last_sync) is a change: a sync
# always ends with that transaction.
sync_round() { # N
	LIANDONG_NOW=$(printf "2026-11-20T10:%02d:00+08:00" "$1")
	export LIANDONG_NOW
	on s2 liaison log --type contact --summary "s2-$1" >/dev/null &&
	on s2 sync >/dev/null 2>&1 &&
	on s1 liaison log --type contact --summary "s1-$1" >/dev/null
}
test_expect_success 'a station whose fsync fails at each point of a sync: the outcome of its point, the next sync converges' '
	: >sync.bad
	sync_round 0 && faulty runs/sync-0.log FAILSYNC_OPS=all \
		LIANDONG_DB="$SCRATCH/s1.db" -- "$LD" sync >/dev/null 2>runs/sync-0.err &&
	echo "sync-0 measure" >station.runs || exit 1
	n=1
	while [ $n -le "$(grep -c "op=f\(data\)\{0,1\}sync " runs/sync-0.log)" ]; do
		sync_round $n || exit 1
		faulty runs/sync-$n.log FAILSYNC_NTH=$n LIANDONG_DB="$SCRATCH/s1.db" \
			-- "$LD" sync >/dev/null 2>runs/sync-$n.err
		st=$?
		echo "sync-$n fault $n $st $(pending s1)" >>station.runs
		on s1 sync >/dev/null 2>&1 && test "$(pending s1)" -eq 0 ||
			echo "n=$n: clean sync failed" >>sync.bad
		n=$((n + 1))
	done
	test ! -s sync.bad || { cat sync.bad; exit 1; }
	python3 points.py station station.runs &&
	on s2 sync >/dev/null && on s1 verify >/dev/null && on s2 verify >/dev/null &&
	converged s1 龙羊峡镇 && converged s2 龙羊峡镇
'
report

# The server, its database's fsync failing at random (seeded) once it
# serves (armed after its start, whose commits are not what is tested): a
# push whose commit failed gets 503 and stays pending on the station.
stop_server
export LD_PRELOAD="$FS" FAILSYNC_LOG="$SCRATCH/server-fs.log" \
	FAILSYNC_MATCH="$LIANDONG_SERVER_DIR/server.db" \
	FAILSYNC_SEED=$SEED FAILSYNC_PERMILLE=300 \
	FAILSYNC_ARMED="$SCRATCH/server-fs.armed"
start_server --listen "127.0.0.1:$PORT"
unset LD_PRELOAD FAILSYNC_LOG FAILSYNC_MATCH FAILSYNC_SEED FAILSYNC_PERMILLE \
	FAILSYNC_ARMED
: >"$SCRATCH/server-fs.armed"

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
	open("push.refused", "w").write("%d\n" % refused)
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

test_expect_success 'the server had a fault for each push it refused' '
	test "$server_faults" -ge "$(cat push.refused)"
'

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

echo "# faults injected: $agent_faults in the agent's writes, $(cat runs/sync-*.log | grep -c "result=fail") in its syncs, $server_faults in the server"
test_done
