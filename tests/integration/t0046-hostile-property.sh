#!/bin/sh
# A property of authority (docs/protocol.md, "Authority"): thousands of
# random events from a malicious township's stations, each holding its
# own valid token (tests/tools/hostile.c) - random kinds, the entities of
# other units or guessed ids, random audiences of the directory and
# beyond, clocks set back or far ahead - never change a projection of
# another unit, never widen another unit's record to the attacker, and
# leave every replica's verify passing and converged with the server.
#
#   SEED=N EVENTS=N sh t0046-hostile-property.sh   (defaults 46 and 2400)
#
# Bounded: EVENTS events in pushes of 100, over three attacker stations.
. "$(dirname "$0")/lib.sh"
test_plan 5

HOSTILE=${HOSTILE:-$BUILD/tests/tools/hostile}
ANYKIND="$BUILD/tests/tools/anykind"
SEED=${SEED:-46}
EVENTS=${EVENTS:-2400}
export HOSTILE SEED EVENTS SCRATCH TOP

export LIANDONG_NOW="2026-09-29T10:00:00+08:00"
"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
add_station lyx 龙羊峡镇
add_station bureau 县综合行政执法局 bureau
add_station scj 县市场监管局 department
add_station legal 县司法局 legal
for s in ev1 ev2 ev3 obs; do add_station $s 恰卜恰镇; done
VICTIMS="lyx bureau scj legal"
refresh_directory $VICTIMS obs

sync_all() {
	for r in 1 2; do
		for s in $VICTIMS obs; do
			on $s sync >/dev/null 2>$s.sync.err || {
				echo "# sync of $s failed:"; sed "s/^/# /" $s.sync.err
				return 1
			}
		done
	done
}
any() { "$ANYKIND" "$SCRATCH/$1.db" "$2" ${3:+"$3"} ${4:+--to "$4"}; }

# The victims' records, one of each type, addressed among themselves.
BUR=县综合行政执法局 SCJ=县市场监管局
any lyx case.opened >/dev/null
R=$(any lyx referral.sent "" $BUR)
T=$(any lyx complaint.recorded)
any lyx complaint.identity "$T" >/dev/null
any lyx complaint.referred "$T" $SCJ >/dev/null
any lyx liaison.logged >/dev/null
any lyx assist.requested "" $SCJ >/dev/null
any lyx whistle.called "" $SCJ >/dev/null
M=$(any bureau meeting.scheduled "" 龙羊峡镇)
S=$(any scj share.formed)
any scj share.sent "$S" 龙羊峡镇 >/dev/null
any scj supervision.sent "" $BUR >/dev/null
sync_all
any bureau referral.acknowledged "$R" >/dev/null
any lyx meeting.topic "$M" >/dev/null
# Twice: the receipts the addressees record reach the senders.
sync_all && sync_all
for s in $VICTIMS; do on $s dump >$s.before; done
for u in 龙羊峡镇 $BUR $SCJ 县司法局; do "$LDS" due --unit $u; done >due.before
server_sql "SELECT DISTINCT entity FROM events WHERE station NOT LIKE 'ev%'" >victim.ids

test_expect_success 'the victims hold a record of every type' '
	test "$(wc -l <victim.ids)" -ge 9 &&
	test "$(cut -c1 victim.ids | sort -u | tr -d "\n")" = ACLMRSTVW
'

cat >attack.py <<'PY'
import json, os, random, subprocess, sys
S = os.environ["SCRATCH"]
rng = random.Random(int(os.environ["SEED"]))
total = int(os.environ["EVENTS"])
kinds = subprocess.run([os.environ["BUILD"] + "/tests/tools/anykind", "--kinds"],
                       capture_output=True, text=True, check=True).stdout.split()
# Each type's id letter, and the kinds that create their record, from
# the registry itself.
rows = [l.split() for l in subprocess.run([os.environ["BUILD"] +
        "/tests/tools/anykind", "--letters"], capture_output=True, text=True,
        check=True).stdout.splitlines()]
letter = {k.split(".")[0]: l for k, l, _ in rows}
creating = {k for k, _, c in rows if c == "1"}
victims = [l.strip() for l in open(os.path.join(S, "victim.ids")) if l.strip()]
# Each kind's body fields, from the tool's example event of it.
def fields_of(kind):
    t = letter[kind.split(".")[0]]
    p = subprocess.run([os.environ["HOSTILE"], "--db", os.path.join(S, "ev1.db"),
                        "--no-push"], input=json.dumps({"kind": kind,
                        "entity": t + "-x-1"}) + "\n", capture_output=True,
                       text=True, check=True)
    return set(json.loads(p.stdout.splitlines()[0])["body"])
fields = {k: fields_of(k) for k in kinds}
units = ["龙羊峡镇", "县综合行政执法局", "县市场监管局", "县司法局", "恰卜恰镇"]
made_up = ["县市场监督局", "不存在的单位", "龙羊峡", "县人民政府"]
ME = "恰卜恰镇"

def entity_for(kind):
    t = letter[kind.split(".")[0]]
    pool = [e for e in victims if e[0] == t]
    r = rng.random()
    if pool and r < 0.6:
        return rng.choice(pool)
    if r < 0.9:  # a guess at another station's ids
        return "%s-%s-%d" % (t, rng.choice(["lyx", "bureau", "scj", "legal", "obs"]),
                             rng.randint(1, 40))
    return None  # the tool's own id (creating) or its example entity

def spec():
    kind = rng.choice(kinds)
    s = {"kind": kind}
    e = entity_for(kind)
    if e is None and kind not in creating:
        e = rng.choice(victims) if rng.random() < 0.5 else "C-lyx-1"
        if e[0] != letter[kind.split(".")[0]]:
            e = "%s-lyx-%d" % (letter[kind.split(".")[0]], rng.randint(1, 30))
    if e is not None:
        s["entity"] = e
    aud = [ME] + rng.sample(units[:4], rng.randint(0, 4))
    if rng.random() < 0.2:
        aud += rng.sample(made_up, rng.randint(1, 2))
    s["audience"] = aud
    merge = {}
    for f, many in (("to", kind == "share.sent"), ("handler", False),
                    ("owner", False), ("units", True)):
        if f in fields[kind] and rng.random() < 0.7:
            v = rng.sample(units + made_up, rng.randint(1, 3)) if many else rng.choice(units + made_up)
            merge[f] = v
    s["body_merge"] = merge
    return s

def push(station, specs):
    p = subprocess.run([os.environ["HOSTILE"], "--db", os.path.join(S, station + ".db"),
                        "--state", os.path.join(S, station + ".state")],
                       input="".join(json.dumps(x, ensure_ascii=False) + "\n" for x in specs),
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit("hostile failed: " + p.stderr)
    lines = p.stdout.splitlines()
    return int(lines[0].split()[1]), lines[1:]

def head(station):
    return subprocess.run([os.path.join(os.environ["TOP"], "tests/tools/server-sql.sh"),
                           "SELECT head_seq FROM stations WHERE name='%s'" % station],
                          capture_output=True, text=True).stdout.strip()

figures = {"pushes": 0, "events": 0, "stored": 0, "clock_refused": 0, "reasons": {}}
sent = 0
while sent < total:
    st = rng.choice(["ev1", "ev2", "ev3"])
    specs = [spec() for _ in range(min(100, total - sent))]
    wrong_clock = rng.random() < 0.1
    if wrong_clock:  # one event set back or far ahead spoils the push
        specs[rng.randrange(len(specs))]["hlc"] = rng.choice(
            [65536, 9223372036854775806, (1 << 62)])
    h0 = head(st)
    status, out = push(st, specs)
    figures["pushes"] += 1
    figures["events"] += len(specs)
    sent += len(specs)
    if wrong_clock:
        if status != 422 or head(st) != h0:
            sys.exit("seed %s: a push with a wrong clock: status %d, head %s -> %s"
                     % (os.environ["SEED"], status, h0, head(st)))
        figures["clock_refused"] += 1
        continue
    if status != 200:
        sys.exit("seed %s: push refused %d: %s" % (os.environ["SEED"], status, out[:1]))
    hdr = json.loads(out[0])
    figures["stored"] += len(specs)
    for q in hdr["quarantined"]:
        r = q["reason"].split(":")[0]
        figures["reasons"][r] = figures["reasons"].get(r, 0) + 1
    for line in out[1:]:  # what came back: the attacker's unit's own only
        ev = json.loads(line)
        if ev["unit"] != ME and ev["entity"] in victims:
            sys.exit("seed %s: pulled %s/%s of %s" % (os.environ["SEED"],
                     ev["station"], ev["seq"], ev["entity"]))
json.dump(figures, open(os.path.join(S, "figures.json"), "w"), ensure_ascii=False)
print("# %s" % json.dumps(figures, ensure_ascii=False))
PY

test_expect_success "$EVENTS random hostile events: stored or quarantined, wrong clocks refused, nothing pulled" '
	python3 attack.py || { echo "# seed=$SEED"; exit 1; }
'

test_expect_success 'no record of another unit was routed (widened) to the attacker' '
	test "$(server_sql "SELECT count(*) FROM routes r JOIN events e
		ON e.cursor=r.event WHERE r.unit=\"恰卜恰镇\"
		AND e.station NOT IN (\"ev1\",\"ev2\",\"ev3\",\"obs\")")" = 0 &&
	"$LDS" dump --unit 恰卜恰镇 >att.dump &&
	python3 - <<-\EOF
	import json
	ids = {l.strip() for l in open("victim.ids")}
	for line in open("att.dump", encoding="utf-8"):
	    d = json.loads(line)
	    if d["entity"] in ids:
	        assert d.get("status") is None and d.get("unit") is None, d["entity"]
	EOF
'

test_expect_success 'every victim projection is as it was; their due lists too' '
	sync_all && sync_all &&
	for s in $VICTIMS; do
		on $s dump >$s.after &&
		records_kept $s.before $s.after || exit 1
	done &&
	for u in 龙羊峡镇 $BUR $SCJ 县司法局; do "$LDS" due --unit $u; done >due.after &&
	python3 - <<-\EOF
	ids = {l.strip() for l in open("victim.ids")}
	def mine(path):
	    return sorted(l for l in open(path, encoding="utf-8") if any(i in l for i in ids))
	assert mine("due.before") == mine("due.after"), (mine("due.before"), mine("due.after"))
	EOF
'

test_expect_success 'every replica verifies and equals the server view of its unit' '
	for s in $VICTIMS obs; do
		on $s verify >/dev/null || exit 1
		converged $s "$(sqlite3 $s.db "SELECT value FROM meta WHERE key=\"unit\"")" ||
			exit 1
	done
'

test_done
