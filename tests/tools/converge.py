#!/usr/bin/env python3
# converge.py - the random half of tests/integration/t0040-converge.sh.
#
#   converge.py run        drive OPS random operations over the stations
#   converge.py digests    every station's digest equals the server's
#   converge.py conflicts  the deliberate conflicts, the same everywhere
#   converge.py clocks     the skews really reached the events
#   converge.py figures    one line of figures for docs/reliability.md
#
# Everything is read from the environment the test script sets: BUILD,
# SCRATCH, SEED, OPS, SERVER_PORT, LIANDONG_SERVER_DIR. The stations are
# in $SCRATCH/stations ("name unit role link", link = proxy or direct);
# each proxied station's faultproxy listens on the port in px/NAME.port,
# its pid in px/NAME.pid (the script started the first ones, to enroll
# through them).
#
# Reproducibility: every choice comes from random.Random(SEED), drawn in
# an order that depends only on SEED and OPS, never on what a command
# answered (an id printed is kept, but which record or step comes next is
# decided by the model of what was issued). So a seed replays the same
# operations; timings, and therefore which syncs break and which steps
# find their record already there, may differ.
#
# The model: every record (case, complaint, referral, assistance request,
# call, meeting) knows the step it is at; a step is issued by a station of
# the unit that may take it, at the earliest some operations after the
# previous one (time for the syncs in between). A step may still find the
# record not yet arrived (exit 4) or moved on elsewhere (exit 9): both are
# normal for an offline station. A record's creation (CREATES) must exit
# 0, a sync 0 or 7 (the link broken). Any other exit fails the run.
#
# The run fails too when it does less than it says (finish, FLOORS): when
# the time limit stops it before the planned operations, when too few
# operations or too few of the steps taken on a record from another unit
# succeed, when a kind of step issued often never succeeds, or when the
# links, partitions and proxies did not break enough syncs. The floors are
# far under what the default plans (SEED 4040, 3000 operations, 1000
# under the sanitizers) produce; another seed may, rarely, draw too few
# faults, and is then told so.
#
# Deliberate conflicts, inserted at seeded points:
#   double-accept   both bureau stations accept one referral, partitioned
#   update-close    one bureau station closes a case, the other updates it
#   ack-withdrawn   the township withdraws, the bureau acknowledges
# The bureau station zf2 runs the fastest clock (+7 days, the bound), so
# its step always orders after the other one (hlc): each race yields its
# conflict whatever the other skews are.
import datetime
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

DAY = 86400
BUREAU = "县综合行政执法局"
LEGAL = "县司法局"
GOV = "县人民政府"
POLICE = "县公安局"

# Commands that create a record: nothing to find missing or moved on.
CREATES = {"case open", "complaint record", "liaison log", "assist request",
           "whistle call", "meeting schedule"}
# Steps taken by a unit on a record another unit created, which reaches
# it only through the server: they succeed only if syncs deliver.
RECEIVED = {"referral acknowledge", "referral accept", "referral dispute",
            "referral return", "complaint reply", "assist answer",
            "assist extend", "whistle answer"}

ENV = os.environ
BUILD = ENV.get("BUILD", "build")
SCRATCH = ENV.get("SCRATCH", ".")


class ServerDB:
    """The county server's database read-only, whichever backend its
    server.conf's db names: SQLite's file, or PostgreSQL through psql
    (LIANDONG_TEST_PG, tests/tools/lds-pg.sh). rows(sql, params, types)
    gives the rows as tuples, each column made by types (str or int);
    params fill the ?s as quoted literals."""

    def __init__(self):
        sd = ENV["LIANDONG_SERVER_DIR"]
        self.url = None
        with open(os.path.join(sd, "server.conf"), encoding="utf-8") as f:
            for line in f:
                k, _, v = line.partition("=")
                if k.strip() == "db":
                    v = v.strip()
                    if v.startswith(("postgresql://", "postgres://")):
                        self.url = v
        if self.url is None:
            self.db = sqlite3.connect("file:%s/server.db?mode=ro" % sd,
                                      uri=True)

    def rows(self, sql, params, types):
        if self.url is None:
            return [tuple(t(c) for t, c in zip(types, r))
                    for r in self.db.execute(sql, params)]
        parts = sql.split("?")
        assert len(parts) == len(params) + 1
        q = parts[0]
        for p, rest in zip(params, parts[1:]):
            q += "'" + str(p).replace("'", "''") + "'" + rest
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v",
                              "ON_ERROR_STOP=1", "-F", "\x1f", "-R", "\x1e",
                              self.url, "-c", q], check=True,
                             stdout=subprocess.PIPE).stdout.decode("utf-8")
        out = out[:-1] if out.endswith("\n") else out  # psql's last newline
        return [tuple(t(c) for t, c in zip(types, r.split("\x1f")))
                for r in out.split("\x1e") if r.strip("\n")]
LD = os.path.join(BUILD, "liandong")
LDS = os.path.join(BUILD, "liandong-server")
FP = os.path.join(BUILD, "tests", "tools", "faultproxy")
PX = os.path.join(SCRATCH, "px")
STATS = os.path.join(SCRATCH, "converge.json")


def seed():
    return int(ENV.get("SEED", "0"))


def fail(msg):
    print("converge: %s (seed=%d)" % (msg, seed()), file=sys.stderr)
    sys.exit(1)


def load_stations():
    out = []
    with open(os.path.join(SCRATCH, "stations"), encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if len(p) == 4:
                out.append({"name": p[0], "unit": p[1], "role": p[2],
                            "link": p[3]})
    return out


# --- texts --------------------------------------------------------------

CATEGORIES = ["违法建设", "环境污染", "食品安全", "占道经营", "非法采砂",
              "林地占用", "消防隐患", "无证经营"]
PLACES = ["查纳村", "工业园", "东街", "沙珠玉乡道", "龙羊峡水库边",
          "恰卜恰镇西街", "倒淌河服务区", "夜市"]
MATTERS = ["基本农田违法建房", "夜间偷排污水", "销售过期食品",
           "占用消防通道", "河道非法采砂", "擅自砍伐林木", "液化气泄漏隐患"]
NOTES = ["已拍照取证", "已约谈当事人", "已责令停止", "补充笔录",
         "现场复查", "当事人已整改", "等待检测结果"]
NAMES = ["王某", "李某", "赵六", "卓玛", "马某", "才让"]
ASSIST_TYPES = ["testing", "inspection", "quarantine", "appraisal",
                "opinion"]
SOURCES = ["patrol", "assignment", "notice", "report"]


# --- the faultproxy in front of each proxied station --------------------

def gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[-1].split()[0] == "Z"
    except OSError:
        return True


class Proxy:
    MODES = [("clean", 30), ("latency", 15), ("slow", 8), ("flaky", 32),
             ("drop", 10), ("stall", 5)]

    def __init__(self, name, server_port):
        self.name = name
        self.server_port = server_port
        with open(os.path.join(PX, name + ".port")) as f:
            self.port = int(f.read().split()[0])
        self.proc = None
        self.starts = 0
        self.mode = "clean"

    def pid(self):
        try:
            with open(os.path.join(PX, self.name + ".pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        pid = self.pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        if self.proc is not None and self.proc.pid == pid:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                fail("proxy of %s did not stop" % self.name)
            self.proc = None
        else:
            t = time.time() + 10
            while not gone(pid):
                if time.time() > t:
                    fail("proxy of %s did not stop" % self.name)
                time.sleep(0.02)
        os.unlink(os.path.join(PX, self.name + ".pid"))

    def start(self, mode, args):
        self.stop()
        self.starts += 1
        pf = os.path.join(PX, "%s.pf" % self.name)
        log = os.path.join(PX, "%s-%d.log" % (self.name, self.starts))
        # The port is the one the station enrolled with. Between two
        # proxies an outgoing connection may briefly hold it as its local
        # port: then binding fails, and a later try succeeds.
        for attempt in range(8):
            if os.path.exists(pf):
                os.unlink(pf)
            with open(os.path.join(PX, self.name + ".err"), "a") as err:
                self.proc = subprocess.Popen(
                    [FP, "--to", "127.0.0.1:%d" % self.server_port,
                     "--port", str(self.port), "--port-file", pf,
                     "--log", log] + args,
                    stdout=subprocess.DEVNULL, stderr=err)
            with open(os.path.join(PX, self.name + ".pid"), "w") as f:
                f.write("%d\n" % self.proc.pid)
            t = time.time() + 10
            while not (os.path.exists(pf) and os.path.getsize(pf) > 0):
                if self.proc.poll() is not None or time.time() > t:
                    break
                time.sleep(0.01)
            else:
                self.mode = mode
                return
            self.stop()
            time.sleep(0.25 * (attempt + 1))
        fail("proxy of %s did not start on port %d (mode %s)" %
             (self.name, self.port, mode))


def proxy_args(rng, mode):
    """The faultproxy options of a link mode (draws a fixed count)."""
    a, b, c = rng.randint(2, 15), rng.randint(1500, 12000), rng.randint(2, 4)
    d, e = rng.randint(50000, 200000), rng.randint(1, 1 << 30)
    f, g = rng.randint(300, 3000), rng.randint(100, 400)
    return {
        "clean": [],
        "latency": ["--latency", str(a)],
        "slow": ["--latency", "5", "--rate", str(d)],
        "flaky": ["--random-reset", str(b), "--seed", str(e)],
        "drop": ["--drop-every", str(c)],
        "stall": ["--stall-after", str(f), "--stall-for", str(g),
                  "--dir", "down"],
    }[mode]


# --- the model ------------------------------------------------------------

class Record:
    """One record as issued: its type, creator, state and step history."""

    def __init__(self, typ, station, unit, step, **kw):
        self.typ = typ
        self.station = station
        self.unit = unit
        self.id = None
        self.state = "new"
        self.last = step      # operation index of the last step issued
        self.__dict__.update(kw)


class Driver:
    def __init__(self):
        self.seed = seed()
        self.ops = int(ENV.get("OPS", "2000"))
        self.limit = float(ENV.get("CONVERGE_TIME_LIMIT", "420"))
        self.rng = random.Random(self.seed)
        self.stations = load_stations()
        self.by_name = {s["name"]: s for s in self.stations}
        self.units = {}
        for s in self.stations:
            self.units.setdefault(s["unit"], []).append(s["name"])
        self.server_port = int(ENV["SERVER_PORT"])
        self.proxies = {s["name"]: Proxy(s["name"], self.server_port)
                        for s in self.stations if s["link"] == "proxy"}
        self.records = {t: [] for t in ("case", "complaint", "referral",
                                        "assist", "whistle", "meeting")}
        self.step = 0          # operations issued, syncs included
        self.writes = 0        # workflow commands issued
        self.partition_until = {}
        self.scenarios = []
        self.unexpected = []
        self.st = {"commands": {}, "syncs": {"attempts": 0, "ok": 0,
                   "failed": 0, "skipped": 0, "repaired": 0},
                   "partitions": 0, "partitions_random": 0,
                   "partition_steps": [],
                   "link_changes": {}, "clock_jumps": []}
        self.t0 = time.time()
        # Every command issued, with its exit: SEED replays the same list
        # (ids and meeting times aside, and what each command answered).
        self.oplog = open(os.path.join(SCRATCH, "ops.log"), "w",
                          encoding="utf-8")
        self.skews = {}
        for s in self.stations:
            self.skews[s["name"]] = self.rng.randint(-7 * DAY, 7 * DAY)
        # The bounds and the jump the test is about.
        self.skews["zf2"] = 7 * DAY
        self.skews["qbq"] = 3 * DAY
        self.jump_at = None
        for n, v in self.skews.items():
            self.write_skew(n, v)

    def write_skew(self, name, v):
        self.skews[name] = v
        with open(os.path.join(SCRATCH, name + ".skew"), "w") as f:
            f.write("%d\n" % v)

    # --- running the agent ------------------------------------------------

    def agent(self, name, args, what):
        env = dict(ENV)
        env.pop("LIANDONG_NOW", None)
        env["LIANDONG_DB"] = os.path.join(SCRATCH, name + ".db")
        env["LIANDONG_CLOCK_SKEW"] = str(self.skews[name])
        env["LIANDONG_STALL_TIMEOUT"] = "5"
        t = time.time()
        try:
            p = subprocess.run([LD] + args, env=env, capture_output=True,
                               timeout=120)
        except subprocess.TimeoutExpired:
            self.unexpect(name, args, "timed out after 120 s", "")
            return None, ""
        self.oplog.write("%d %s skew=%d %s\t=> %d\n" % (
            self.step, name, self.skews[name], " ".join(args), p.returncode))
        h = self.st["commands"].setdefault(what, {})
        h[str(p.returncode)] = h.get(str(p.returncode), 0) + 1
        h["ms"] = h.get("ms", 0) + int((time.time() - t) * 1000)
        out = p.stdout.decode("utf-8", "replace").strip()
        ok = (0, 7) if what == "sync" else (0,) if what in CREATES else \
            (0, 4, 9)
        if p.returncode not in ok:
            self.unexpect(name, args, "exit %d" % p.returncode,
                          p.stderr.decode("utf-8", "replace"))
        return p.returncode, out

    def unexpect(self, name, args, why, err):
        line = "step %d: %s: liandong %s: %s: %s" % (
            self.step, name, " ".join(args), why, err.strip()[:300])
        print("# UNEXPECTED " + line, file=sys.stderr)
        self.unexpected.append(line)

    def write(self, name, args, what):
        self.writes += 1
        self.step += 1
        return self.agent(name, args, what)

    def create(self, rec, name, args, what):
        rc, out = self.write(name, args, what)
        if rc == 0 and out:
            rec.id = out.split()[-1]
        self.records[rec.typ].append(rec)
        return rc

    def act(self, rec, name, args, what, state=None):
        """Issues a step on rec (skipped if rec was never created)."""
        rec.last = self.step
        if state is not None:
            rec.state = state
        if rec.id is None:
            self.writes += 1
            self.step += 1
            h = self.st["commands"].setdefault(what, {})
            h["skipped"] = h.get("skipped", 0) + 1
            return None
        return self.write(name, args + [rec.id], what)[0]

    # --- links -------------------------------------------------------------

    def sync(self, name, attempts=1):
        self.step += 1
        for _ in range(attempts):
            self.st["syncs"]["attempts"] += 1
            rc, out = self.agent(name, ["sync", "--json"], "sync")
            if rc == 0:
                self.st["syncs"]["ok"] += 1
                try:
                    if json.loads(out).get("repaired"):
                        self.st["syncs"]["repaired"] += 1
                except ValueError:
                    self.unexpect(name, ["sync", "--json"], "bad JSON", out)
                return True
            self.st["syncs"]["failed"] += 1
        return False

    def set_link(self, name, mode):
        """Restarts name's proxy in mode (draws the same for any station)."""
        args = proxy_args(self.rng, mode)
        self.oplog.write("%d %s link %s %s\n" % (self.step, name, mode,
                                                 " ".join(args)))
        if name in self.proxies:
            self.proxies[name].start(mode, args)
            lc = self.st["link_changes"]
            lc[mode] = lc.get(mode, 0) + 1

    def partition(self, name, steps, random_one=False):
        if name in self.partition_until:
            self.partition_until[name] = max(self.partition_until[name],
                                             self.step + steps)
            return
        self.partition_until[name] = self.step + steps
        self.oplog.write("%d %s partition for %d steps\n" % (self.step, name,
                                                            steps))
        self.st["partitions"] += 1
        if random_one:
            self.st["partitions_random"] += 1
        self.st["partition_steps"].append(steps)
        if name in self.proxies:
            self.proxies[name].stop()
            self.proxies[name].mode = "down"

    def heal(self, name, mode="clean"):
        self.partition_until.pop(name, None)
        if name not in self.proxies or self.proxies[name].mode != mode:
            self.set_link(name, mode)

    def heal_expired(self):
        for name in sorted(self.partition_until):
            if self.partition_until[name] <= self.step:
                self.heal(name, self.pick_mode())

    def pick_mode(self):
        modes = [m for m, _ in Proxy.MODES]
        return self.rng.choices(modes, [w for _, w in Proxy.MODES])[0]

    def reliable_sync(self, name):
        """A sync that must get through: heals the link first."""
        self.heal(name)
        return self.sync(name, attempts=4)

    # --- choosing --------------------------------------------------------

    def names_of(self, roles):
        return [s["name"] for s in self.stations if s["role"] in roles]

    def units_of(self, roles):
        seen = []
        for s in self.stations:
            if s["role"] in roles and s["unit"] not in seen:
                seen.append(s["unit"])
        return seen

    def station_of(self, unit):
        return self.rng.choice(self.units[unit])

    def ripe(self, typ, states, wait=40):
        """Records of typ in one of states whose last step is old enough."""
        return [r for r in self.records[typ]
                if r.state in states and self.step - r.last >= wait]

    def text(self, pool):
        return self.rng.choice(pool) + " " + str(self.rng.randint(1, 9999))

    def skewed_now(self, name):
        return time.time() + self.skews[name]

    # --- operations --------------------------------------------------------

    def op_case_open(self, name=None, urgent=None):
        rng = self.rng
        if name is None:
            name = rng.choice(self.names_of(("township", "department",
                                             "bureau")))
        u = rng.random() < 0.15 if urgent is None else urgent
        args = ["case", "open", "--source", rng.choice(SOURCES),
                "--category", rng.choice(CATEGORIES),
                "--location", rng.choice(PLACES),
                "--matter", rng.choice(MATTERS),
                "--description", self.text(MATTERS),
                "--party", rng.choice(NAMES)]
        if u:
            args.append("--urgent")
        rec = Record("case", name, self.by_name[name]["unit"], self.step,
                     urgent=u, days=5)
        self.create(rec, name, args, "case open")
        rec.state = "open"
        return rec

    def op_case_step(self):
        rng = self.rng
        cands = self.ripe("case", ("open",), wait=25)
        if not cands:
            return self.op_case_open()
        rec = rng.choice(cands)
        name = self.station_of(rec.unit)
        x = rng.random()
        if x < 0.08 and not rec.urgent and rec.days < 10 and \
                not getattr(rec, "referred", 0):
            # Gonghe: 5 working days to refer, extendable to 10.
            rec.days += rng.randint(1, 2)
            return self.act(rec, name, ["referral", "extend", "--days",
                                        str(min(rec.days, 10)), "--reason",
                                        "需补充证据"], "referral extend")
        if x < 0.6:
            return self.act(rec, name, ["case", "update", "--note",
                                        self.text(NOTES)], "case update")
        if x < 0.75:
            return self.act(rec, name, ["case", "update", "--location",
                                        rng.choice(PLACES)], "case update")
        return self.act(rec, name, ["case", "close", "--reason",
                                    self.text(NOTES)], "case close", "closed")

    def op_liaison(self):
        rng = self.rng
        name = rng.choice([s["name"] for s in self.stations])
        self.write(name, ["liaison", "log", "--type",
                          rng.choice(["contact", "patrol", "meeting",
                                      "training"]),
                          "--summary", self.text(NOTES),
                          "--counterpart", rng.choice(list(self.units))],
                   "liaison log")

    def op_complaint(self):
        rng = self.rng
        name = rng.choice(self.names_of(("township", "department",
                                         "bureau")))
        args = ["complaint", "record", "--type",
                rng.choice(["complaint", "report", "petition"]),
                "--channel", rng.choice(["phone", "visit", "letter",
                                         "online", "hotline"]),
                "--matter", rng.choice(MATTERS),
                "--description", self.text(MATTERS),
                "--location", rng.choice(PLACES),
                "--name", rng.choice(NAMES),
                "--phone", "138%08d" % rng.randint(0, 99999999)]
        rec = Record("complaint", name, self.by_name[name]["unit"],
                     self.step, handler=None, notified=False)
        self.create(rec, name, args, "complaint record")
        rec.state = "received"

    def op_complaint_step(self):
        rng = self.rng
        cands = self.ripe("complaint", ("received", "referred"))
        if not cands:
            return self.op_complaint()
        rec = rng.choice(cands)
        if rec.state == "received":
            to = rng.choice([u for u in self.units_of(("bureau",
                            "department", "township")) if u != rec.unit])
            rec.handler = to
            return self.act(rec, self.station_of(rec.unit),
                            ["complaint", "refer", "--to", to, "--note",
                             self.text(NOTES)], "complaint refer",
                            "referred")
        if not rec.notified and rng.random() < 0.5:
            rec.notified = True
            return self.act(rec, self.station_of(rec.unit),
                            ["complaint", "notify", "--text",
                             "已告知转" + rec.handler], "complaint notify")
        return self.act(rec, self.station_of(rec.handler),
                        ["complaint", "reply", "--result", self.text(NOTES)],
                        "complaint reply", "replied")

    def op_referral_send(self, case=None, to=None):
        rng = self.rng
        if case is None:
            cands = [r for r in self.records["case"]
                     if r.state == "open" and not getattr(r, "referred", 0)]
            if not cands:
                return self.op_case_open()
            case = rng.choice(cands)
        if to is None:
            x = rng.random()
            if self.by_name[case.station]["role"] == "bureau":
                to = rng.choice(self.units_of(("department", "police")))
            elif x < 0.7:
                to = BUREAU
            elif x < 0.85:
                to = POLICE
            else:
                to = rng.choice([u for u in self.units_of(("department",))
                                 if u != case.unit])
        case.referred = 1
        args = ["referral", "send", "--to", to,
                "--letter", "移〔2026〕%d号" % rng.randint(1, 999),
                "--source-material", "现场检查笔录",
                "--evidence", rng.choice(["照片", "视频", "检测报告"])]
        if to == POLICE:
            args.append("--criminal")
        if rng.random() < 0.2:
            args.append("--urgent")
        rec = Record("referral", case.station, case.unit, self.step,
                     handler=to, criminal=to == POLICE)
        case.last = self.step
        if case.id is None:
            self.records["referral"].append(rec)
            self.writes += 1
            self.step += 1
            return rec
        self.create(rec, case.station, args + [case.id], "referral send")
        rec.state = "sent"
        return rec

    def op_referral_step(self):
        rng = self.rng
        cands = self.ripe("referral", ("sent", "acknowledged", "accepted",
                                       "disputed", "escalated1",
                                       "escalated2", "decided"))
        if not cands:
            return self.op_referral_send()
        rec = rng.choice(cands)
        x = rng.random()
        h = self.station_of(rec.handler)
        s = self.station_of(rec.unit)
        why = self.text(NOTES)
        if rec.state in ("sent", "acknowledged"):
            if rec.criminal and x < 0.3:
                return self.act(rec, h, ["referral", "return", "--reason",
                                         why], "referral return", "returned")
            if rec.state == "sent" and x < 0.55:
                return self.act(rec, h, ["referral", "acknowledge", "--note",
                                         why], "referral acknowledge",
                                "acknowledged")
            if x < 0.8:
                return self.act(rec, h, ["referral", "accept"],
                                "referral accept", "accepted")
            if x < 0.93:
                return self.act(rec, h, ["referral", "dispute", "--reason",
                                         why], "referral dispute", "disputed")
            return self.act(rec, s, ["referral", "withdraw", "--reason", why],
                            "referral withdraw", "withdrawn")
        if rec.state == "accepted":
            return self.act(rec, h, ["referral", "result", "--decision",
                                     "责令整改 " + why], "referral result",
                            "closed")
        if rec.state == "disputed":
            return self.act(rec, s, ["referral", "escalate", "--to", LEGAL,
                                     "--reason", "协商未果"],
                            "referral escalate", "escalated1")
        if rec.state in ("escalated1", "escalated2"):
            by = LEGAL if rec.state == "escalated1" else GOV
            if rec.state == "escalated1" and x < 0.4:
                return self.act(rec, self.station_of(LEGAL),
                                ["referral", "escalate", "--to", GOV,
                                 "--reason", "协调未果"],
                                "referral escalate", "escalated2")
            rec.handler = rng.choice([u for u in self.units_of((
                "bureau", "department")) if u != rec.unit])
            return self.act(rec, self.station_of(by),
                            ["referral", "decide", "--handler", rec.handler,
                             "--reason", "由" + rec.handler + "查处"],
                            "referral decide", "decided")
        # decided: the unit named accepts
        return self.act(rec, h, ["referral", "accept"], "referral accept",
                        "accepted")

    def op_assist(self):
        rng = self.rng
        name = rng.choice(self.names_of(("township", "bureau")))
        args = ["assist", "request", "--to",
                rng.choice(self.units_of(("department",))),
                "--type", rng.choice(ASSIST_TYPES),
                "--subject", self.text(MATTERS)]
        if rng.random() < 0.2:
            args.append("--urgent")
        own = [r for r in self.records["case"] if r.station == name]
        if own and rng.random() < 0.3:
            case = rng.choice(own)
            if case.id is not None:
                args += ["--case", case.id]
        rec = Record("assist", name, self.by_name[name]["unit"], self.step,
                     to=args[3], days=3)
        self.create(rec, name, args, "assist request")
        rec.state = "requested"

    def op_assist_step(self):
        rng = self.rng
        cands = self.ripe("assist", ("requested",))
        if not cands:
            return self.op_assist()
        rec = rng.choice(cands)
        name = self.station_of(rec.to)
        if rng.random() < 0.25 and rec.days < 12:
            rec.days += 2
            return self.act(rec, name, ["assist", "extend", "--days",
                                        str(rec.days), "--reason", "需送检"],
                            "assist extend")
        return self.act(rec, name, ["assist", "answer", "--conclusion",
                                    self.text(NOTES), "--sealed"],
                        "assist answer", "answered")

    def op_whistle(self):
        rng = self.rng
        name = rng.choice(self.names_of(("township",)))
        to = rng.choice(self.units_of(("department",)))
        rec = Record("whistle", name, self.by_name[name]["unit"], self.step,
                     to=to)
        self.create(rec, name, ["whistle", "call", "--to", to, "--matter",
                                rng.choice(MATTERS), "--location",
                                rng.choice(PLACES)], "whistle call")
        rec.state = "called"

    def op_whistle_step(self):
        rng = self.rng
        cands = self.ripe("whistle", ("called", "escalated"))
        if not cands:
            return self.op_whistle()
        rec = rng.choice(cands)
        if rec.state == "called" and rng.random() < 0.3:
            return self.act(rec, self.station_of(rec.unit),
                            ["whistle", "escalate", "--to", GOV, "--reason",
                             "未到场"], "whistle escalate", "escalated")
        return self.act(rec, self.station_of(rec.to),
                        ["whistle", "answer", "--officer-sent",
                         rng.choice(NAMES)], "whistle answer", "answered")

    def op_meeting(self):
        rng = self.rng
        name = rng.choice(self.names_of(("legal", "bureau", "government")))
        unit = self.by_name[name]["unit"]
        others = [u for u in self.units if u != unit]
        members = rng.sample(others, rng.randint(2, 3))
        days = rng.randint(3, 25)
        when = datetime.datetime.fromtimestamp(
            self.skewed_now(name) + days * DAY,
            datetime.timezone(datetime.timedelta(hours=8)))
        rec = Record("meeting", name, unit, self.step, members=members,
                     resolutions=[])
        self.create(rec, name, ["meeting", "schedule", "--kind",
                                rng.choice(["joint", "consultation"]),
                                "--at", when.strftime("%Y-%m-%d %H:%M"),
                                "--units", ",".join(members)],
                    "meeting schedule")
        rec.state = "scheduled"

    def op_meeting_step(self):
        rng = self.rng
        cands = self.ripe("meeting", ("scheduled", "held"))
        if not cands:
            return self.op_meeting()
        rec = rng.choice(cands)
        x = rng.random()
        if rec.state == "scheduled":
            if x < 0.5:
                u = rng.choice(rec.members)
                return self.act(rec, self.station_of(u),
                                ["meeting", "topic", "--topic",
                                 self.text(MATTERS)], "meeting topic")
            return self.act(rec, self.station_of(rec.unit),
                            ["meeting", "minutes", "--text",
                             "会议明确" + self.text(NOTES)],
                            "meeting minutes", "held")
        open_res = [i for i, r in enumerate(rec.resolutions) if r != "done"]
        if x < 0.4 and len(rec.resolutions) < 4 or not open_res:
            # Now and then a unit not invited: it receives the meeting.
            owner = rng.choice(rec.members if rng.random() < 0.7 else
                               [u for u in self.units if u != rec.unit])
            rec.resolutions.append(owner)
            return self.act(rec, self.station_of(rec.unit),
                            ["meeting", "resolution", "--text",
                             self.text(MATTERS), "--owner", owner],
                            "meeting resolution")
        i = rng.choice(open_res)
        owner = rec.resolutions[i]
        status = "done" if rng.random() < 0.6 else "in-progress"
        if status == "done":
            rec.resolutions[i] = "done"
            if len(rec.resolutions) >= 4 and all(
                    r == "done" for r in rec.resolutions):
                rec.state = "finished"
        return self.act(rec, self.station_of(owner),
                        ["meeting", "followup", "--resolution", str(i + 1),
                         "--status", status, "--note", self.text(NOTES)],
                        "meeting followup")

    # --- the deliberate conflicts -------------------------------------------

    def arm(self, kind, rec, reason, rcs, holders):
        armed = rec is not None and rec.id is not None and \
            all(rc == 0 for rc in rcs)
        self.scenarios.append({"kind": kind, "entity": rec.id if rec else
                               None, "reason": reason, "armed": armed,
                               "exits": rcs, "step": self.step,
                               "holders": holders})

    def partition_pair(self, names):
        for n in names:
            self.partition(n, self.rng.randint(20, 150))

    def sc_double_accept(self):
        t = self.rng.choice(self.names_of(("township",)))
        case = self.op_case_open(t)
        ref = self.op_referral_send(case, BUREAU)
        self.reliable_sync(t)
        self.reliable_sync("zf1")
        self.reliable_sync("zf2")
        self.partition_pair(["zf1", "zf2"])
        a = self.act(ref, "zf1", ["referral", "accept", "--note", "本局受理"],
                     "referral accept")
        b = self.act(ref, "zf2", ["referral", "accept", "--note", "本局受理"],
                     "referral accept", "accepted")
        # Left alone a while, so that the two acceptances usually meet
        # before the result: if a result orders between them, the second
        # one is a conflict still, "after_closed".
        ref.last = self.step + 200
        self.arm("double-accept", ref, ["accepted_twice", "after_closed"],
                 [a, b], [t, "zf1", "zf2"])

    def sc_update_close(self):
        case = self.op_case_open("zf1")
        self.reliable_sync("zf1")
        self.reliable_sync("zf2")
        self.partition_pair(["zf1", "zf2"])
        a = self.act(case, "zf1", ["case", "close", "--reason", "已办结"],
                     "case close", "closed")
        b = self.act(case, "zf2", ["case", "update", "--note", "补充证据"],
                     "case update")
        self.arm("update-close", case, ["edit_after_close"], [a, b],
                 ["zf1", "zf2"])

    def sc_ack_withdrawn(self):
        t = self.rng.choice(self.names_of(("township",)))
        case = self.op_case_open(t)
        ref = self.op_referral_send(case, BUREAU)
        self.reliable_sync(t)
        self.reliable_sync("zf2")
        self.partition_pair([t, "zf2"])
        a = self.act(ref, t, ["referral", "withdraw", "--reason", "已自行处理"],
                     "referral withdraw", "withdrawn")
        b = self.act(ref, "zf2", ["referral", "acknowledge"],
                     "referral acknowledge")
        self.arm("ack-withdrawn", ref, ["after_withdrawn"], [a, b],
                 [t, "zf1", "zf2"])

    # --- the run ------------------------------------------------------------

    def run(self):
        rng = self.rng
        print("# seed=%d ops=%d stations=%d" % (self.seed, self.ops,
                                                len(self.stations)))
        ops = [(self.op_case_open, 9), (self.op_case_step, 9),
               (self.op_liaison, 6), (self.op_complaint, 5),
               (self.op_complaint_step, 5), (self.op_referral_send, 7),
               (self.op_referral_step, 14), (self.op_assist, 4),
               (self.op_assist_step, 4), (self.op_whistle, 3),
               (self.op_whistle_step, 3), (self.op_meeting, 2),
               (self.op_meeting_step, 5)]
        fns, weights = [f for f, _ in ops], [w for _, w in ops]
        per = max(1, self.ops // 800)
        kinds = [self.sc_double_accept, self.sc_update_close,
                 self.sc_ack_withdrawn]
        plan = {}
        for k in kinds:
            for _ in range(per):
                plan.setdefault(rng.randint(self.ops // 20, self.ops - 30),
                                []).append(k)
        jump = self.ops // 2
        names = [s["name"] for s in self.stations]
        # Every proxied station starts on a link of its own: the first
        # ones on each mode in turn, the faulty modes first, so that every
        # kind of fault is set from the start (the draw is made all the
        # same: the sequence of choices stays that of the seed). The
        # stations the deliberate races use come last: a race heals their
        # links to clean.
        racing = set(self.names_of(("township",))) | {"zf1", "zf2"}
        modes = ["stall", "drop", "flaky", "slow", "latency", "clean"]
        for i, n in enumerate(sorted(self.proxies,
                                     key=lambda n: (n in racing, n))):
            drawn = self.pick_mode()
            self.set_link(n, modes[i] if i < len(modes) else drawn)
        stopped = False
        while self.writes < self.ops:
            if time.time() - self.t0 > self.limit:
                print("# time limit of %d s reached after %d operations" %
                      (self.limit, self.writes))
                stopped = True
                break
            self.heal_expired()
            if self.jump_at is None and self.writes >= jump:
                old = self.skews["qbq"]
                self.write_skew("qbq", -4 * DAY)
                self.oplog.write("%d qbq clock jumps from %+d to %+d s\n" % (
                    self.step, old, -4 * DAY))
                self.jump_at = self.writes
                self.st["clock_jumps"].append({"station": "qbq", "from": old,
                                               "to": -4 * DAY,
                                               "at_op": self.writes})
            w = self.writes
            for at in sorted(a for a in plan if a <= w):
                for k in plan.pop(at):
                    k()
            if self.writes != w:
                continue
            x = rng.random()
            if x < 0.27:
                n = rng.choice(names)
                if n in self.partition_until and (
                        n not in self.proxies or rng.random() < 0.7):
                    self.st["syncs"]["skipped"] += 1
                    self.step += 1
                else:
                    self.sync(n, attempts=rng.choice([1, 1, 2]))
            elif x < 0.29:
                n = rng.choice(sorted(self.proxies))
                mode = self.pick_mode()
                if n not in self.partition_until:
                    self.set_link(n, mode)
            elif x < 0.302:
                n = rng.choice(names)
                steps = rng.randint(30, 400)
                if len(self.partition_until) < 4:
                    self.partition(n, steps, random_one=True)
            else:
                rng.choices(fns, weights)[0]()
        # Leave every link clean and whole for the final round.
        for n in sorted(self.partition_until):
            self.heal(n)
        for n in sorted(self.proxies):
            if self.proxies[n].mode != "clean":
                self.set_link(n, "clean")
        self.finish(stopped)

    def finish(self, stopped):
        self.oplog.close()
        faults = {}
        conns = 0
        for f in sorted(os.listdir(PX)):
            if not f.endswith(".log"):
                continue
            with open(os.path.join(PX, f)) as fh:
                for line in fh:
                    conns += 1
                    for tok in line.split():
                        if tok.startswith("fault=") and tok != "fault=none":
                            faults[tok[6:]] = faults.get(tok[6:], 0) + 1
                        if tok.startswith("stalls=") and tok != "stalls=0":
                            faults["stall"] = faults.get("stall", 0) + 1
        ok = sum(h.get("0", 0) for k, h in self.st["commands"].items()
                 if k != "sync")
        self.st.update({
            "seed": self.seed, "ops": self.ops, "writes": self.writes,
            "writes_ok": ok, "steps": self.step, "stopped_early": stopped,
            "stations": len(self.stations), "skews": self.skews,
            "proxy_connections": conns, "proxy_faults": faults,
            "scenarios": self.scenarios, "unexpected": self.unexpected,
            "seconds": round(time.time() - self.t0, 1)})
        with open(STATS, "w", encoding="utf-8") as f:
            json.dump(self.st, f, ensure_ascii=False, indent=1,
                      sort_keys=True)
        sy = self.st["syncs"]
        print("# %d operations (%d succeeded), %d sync attempts (%d failed,"
              " %d skipped while partitioned), %d partitions, %d proxy"
              " connections, faults %s, %.0f s" % (
                  self.writes, ok, sy["attempts"], sy["failed"],
                  sy["skipped"], self.st["partitions"], conns,
                  json.dumps(faults, sort_keys=True), time.time() - self.t0))
        for k in sorted(self.st["commands"]):
            print("#   %-22s %s" % (k, json.dumps(self.st["commands"][k],
                                                  sort_keys=True)))
        if self.unexpected:
            fail("%d unexpected exits, first: %s" % (len(self.unexpected),
                                                     self.unexpected[0]))
        if stopped:
            fail("the time limit of %d s stopped the run after %d of %d"
                 " operations: fewer than planned (raise"
                 " CONVERGE_TIME_LIMIT, or lower OPS)" % (
                     self.limit, self.writes, self.ops))
        low = [f for f in self.floors(faults) if not f[2]]
        if low:
            fail("%d floor(s) not reached, first: %s" % (len(low), low[0][0]))

    def floors(self, faults):
        """What the run must have done to have tested anything: each floor
        is printed, with what was reached; returns [(text, value, ok)]."""
        ops = self.ops
        cmds = self.st["commands"]
        sy = self.st["syncs"]

        def issued(h):  # commands run (not skipped: record never made)
            return sum(v for k, v in h.items() if k not in ("ms", "skipped"))

        ok_all = sum(h.get("0", 0) for k, h in cmds.items() if k != "sync")
        rec = [h for k, h in cmds.items() if k in RECEIVED]
        rec_ok, rec_n = sum(h.get("0", 0) for h in rec), sum(issued(h)
                                                             for h in rec)
        out = [
            ("operations that succeeded (exit 0) >= 75%% of the %d planned"
             % ops, ok_all, ok_all >= 0.75 * ops),
            ("steps on records from another unit that succeeded >= 50%% of"
             " the %d issued" % rec_n, rec_ok, rec_ok >= 0.5 * rec_n > 0),
            ("syncs that succeeded >= 50%% of the %d attempts"
             % sy["attempts"], sy["ok"], sy["ok"] >= 0.5 * sy["attempts"]),
            ("syncs broken by the links >= %d (OPS/50)" % (ops // 50),
             sy["failed"], sy["failed"] >= ops // 50),
            # the deliberate conflicts partition two stations each: these
            # are the others, at random moments
            ("random partitions >= %d (OPS/250)" % (ops // 250),
             self.st["partitions_random"],
             self.st["partitions_random"] >= ops // 250),
            ("proxy faults >= %d (OPS/50)" % (ops // 50),
             sum(faults.values()), sum(faults.values()) >= ops // 50),
        ]
        for kind in ("reset", "drop", "stall"):
            out.append(("proxy faults of kind %s >= 1" % kind,
                        faults.get(kind, 0), faults.get(kind, 0) >= 1))
        for k in sorted(cmds):
            if k != "sync" and issued(cmds[k]) >= 5:
                out.append(("%s, issued %d times, succeeded at least once"
                            % (k, issued(cmds[k])), cmds[k].get("0", 0),
                            cmds[k].get("0", 0) >= 1))
        for text, value, good in out:
            print("# floor: %s: %d%s" % (text, value,
                                         "" if good else "  NOT REACHED"))
        return out


# --- the checks after the final round -------------------------------------

def xor_of(hashes):
    x = 0
    n = 0
    for h in hashes:
        x ^= int(h, 16)
        n += 1
    return n, "%064x" % x


def cmd_digests():
    """Each station's digest (kept with every insert) equals the XOR of the
    hashes it holds and the server's digest of its unit, which equals what
    the server routes to the unit."""
    bad = []
    sv = ServerDB()
    for s in load_stations():
        db = sqlite3.connect("file:%s/%s.db?mode=ro" % (SCRATCH, s["name"]),
                             uri=True)
        v = db.execute("SELECT value FROM meta WHERE key='digest'").fetchone()
        kept = (int(v[0].split(":")[0]), v[0].split(":")[1]) if v else (0, "")
        held = xor_of(h for h, in db.execute("SELECT hash FROM events"))
        row = sv.rows("SELECT count, xor FROM digests WHERE unit=?",
                      (s["unit"],), (int, str))
        server = row[0] if row else (0, "")
        routed = xor_of(h for h, in sv.rows(
            "SELECT e.hash FROM routes r JOIN events e ON e.cursor=r.event"
            " WHERE r.unit=?", (s["unit"],), (str,)))
        if not kept == held == server == routed:
            bad.append("%s (%s): kept %s, held %s, server %s, routed %s" % (
                s["name"], s["unit"], kept, held, server, routed))
        else:
            print("# %-4s %5d events, digest %s..." % (s["name"], kept[0],
                                                      kept[1][:16]))
        with open(os.path.join(SCRATCH, s["name"] + ".final.json")) as f:
            fin = json.load(f)
        if fin.get("repaired") or fin.get("pushed") or fin.get("pulled"):
            bad.append("%s: the last sync still moved or repaired: %s" %
                       (s["name"], fin))
    for b in bad:
        print("digests differ: " + b)
    if bad:
        fail("digests differ")


def dump_lines(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                out[json.loads(line)["entity"]] = line
    return out


def cmd_conflicts():
    """Each armed deliberate conflict shows, with its reason, in the same
    projection at every station holding the record and on the server."""
    st = json.load(open(STATS, encoding="utf-8"))
    stations = load_stations()
    dumps = {s["name"]: dump_lines(os.path.join(SCRATCH, s["name"] + ".dump"))
             for s in stations}
    sdumps = {s["name"]: dump_lines(os.path.join(SCRATCH, s["name"] +
                                                 ".server.dump"))
              for s in stations}
    full = dump_lines(os.path.join(SCRATCH, "server.all.dump"))
    bad = []
    armed = {}
    for sc in st["scenarios"]:
        if not sc["armed"]:
            print("# not armed: %s (exits %s)" % (sc["kind"], sc["exits"]))
            continue
        e = sc["entity"]
        views = {}
        for n, d in dumps.items():
            if e in d:
                views["station " + n] = d[e]
            if e in sdumps[n]:
                views["server for " + n] = sdumps[n][e]
        if e in full:
            views["server"] = full[e]
        missing = [h for h in sc["holders"] if "station " + h not in views]
        if missing:
            bad.append("%s %s: not held at %s" % (sc["kind"], e, missing))
        if len(set(views.values())) != 1:
            bad.append("%s %s: %d different projections among %s" % (
                sc["kind"], e, len(set(views.values())), sorted(views)))
            continue
        doc = json.loads(next(iter(views.values())))
        reasons = [c["reason"] for c in doc.get("conflicts", [])]
        if not set(sc["reason"]) & set(reasons):
            bad.append("%s %s: conflict %s not shown (conflicts %s)" % (
                sc["kind"], e, sc["reason"], reasons))
            continue
        armed[sc["kind"]] = armed.get(sc["kind"], 0) + 1
        print("# %s %s: %s at %d replicas" % (
            sc["kind"], e, ",".join(r for r in reasons if r in sc["reason"]),
            len(views)))
    for k in ("double-accept", "update-close", "ack-withdrawn"):
        if not armed.get(k):
            bad.append("no %s conflict was produced" % k)
    total = {}
    for line in full.values():
        for c in json.loads(line).get("conflicts", []):
            total[c["reason"]] = total.get(c["reason"], 0) + 1
    st["conflicts"] = total
    st["deliberate"] = armed
    with open(STATS, "w", encoding="utf-8") as f:
        json.dump(st, f, ensure_ascii=False, indent=1, sort_keys=True)
    print("# conflicts in the county's projections: %d %s" % (
        sum(total.values()), json.dumps(total, sort_keys=True)))
    for b in bad:
        print(b)
    if bad:
        fail("conflicts differ or missing")


def cmd_clocks():
    """Each station's events carry its skewed clock: their "at" minus the
    server's receipt time is at most the skew (they wait offline), and for
    the station that jumped, some event is older than the one before."""
    st = json.load(open(STATS, encoding="utf-8"))
    sv = ServerDB()
    bad = []
    for s in load_stations():
        n = s["name"]
        # identities are sealed at rest (server/vault.h): not JSON there
        rows = sv.rows("SELECT raw, received_at FROM events WHERE"
                       " station=? AND kind<>'complaint.identity'"
                       " ORDER BY seq", (n,), (str, int))
        ats = [json.loads(r)["at"] for r, _ in rows]
        skews = {st["skews"][n]}
        for j in st["clock_jumps"]:
            if j["station"] == n:
                skews |= {j["from"], j["to"]}
        for (r, recv), at in zip(rows, ats):
            # the server keeps its receipt time in seconds
            off = at / 1000.0 - (recv if recv < 10**11 else recv / 1000.0)
            # received after it was written: off <= skew (+ a little), and
            # within the test's life of it
            if not any(-1000 - 3600 <= off - k * 1.0 <= 5 for k in skews):
                bad.append("%s: event at %d received %d: offset %.0f s,"
                           " skews %s" % (n, at, recv, off, sorted(skews)))
                break
        back = sum(1 for a, b in zip(ats, ats[1:]) if b < a - 6 * DAY * 1000)
        if len(skews) > 1 and back == 0:
            bad.append("%s: no event written after its clock jumped back" % n)
        print("# %-4s skew %+8.2f days, %d events%s" % (
            n, st["skews"][n] / DAY, len(rows),
            ", clock jumped back %d time(s)" % back if len(skews) > 1 else ""))
    for b in bad:
        print(b)
    if bad:
        fail("skews not as set")


def cmd_figures():
    st = json.load(open(STATS, encoding="utf-8"))
    sy = st["syncs"]
    sk = sorted(st["skews"].values())
    print("# figures: seed %d, %d stations, %d operations (%d succeeded,"
          " the rest found their record not yet there or moved on), %d sync"
          " attempts (%d failed, %d anti-entropy repairs), %d partitions, %d proxy connections, proxy"
          " faults %s, skews %+.1f to %+.1f days, clock jump %s,"
          " conflicts %s (deliberate %s), %.0f s" % (
              st["seed"], st["stations"], st["writes"], st["writes_ok"],
              sy["attempts"], sy["failed"], sy["repaired"],
              st["partitions"], st["proxy_connections"],
              json.dumps(st["proxy_faults"], sort_keys=True),
              sk[0] / DAY, sk[-1] / DAY,
              "; ".join("%s %+d to %+d days at op %d" % (
                  j["station"], j["from"] // DAY, j["to"] // DAY, j["at_op"])
                  for j in st["clock_jumps"]),
              json.dumps(st.get("conflicts", {}), sort_keys=True),
              json.dumps(st.get("deliberate", {}), sort_keys=True),
              st["seconds"]))
    for k in sorted(st["commands"]):
        print("#   %-22s exits %s" % (k, json.dumps(st["commands"][k],
                                                    sort_keys=True)))


def main():
    cmds = {"run": lambda: Driver().run(), "digests": cmd_digests,
            "conflicts": cmd_conflicts, "clocks": cmd_clocks,
            "figures": cmd_figures}
    if len(sys.argv) != 2 or sys.argv[1] not in cmds:
        print("usage: converge.py run|digests|conflicts|clocks|figures",
              file=sys.stderr)
        sys.exit(2)
    cmds[sys.argv[1]]()


if __name__ == "__main__":
    main()
