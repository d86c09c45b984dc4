#!/bin/sh
# SQL metacharacters, format strings, path tricks, shell syntax, JSON and
# HTML syntax, bidirectional and zero-width Unicode, and text as long as
# each field allows, in every text field of every agent command that
# records something: each is stored as text, byte for byte (show --json
# and the event log give it back unchanged), harms nothing (verify passes,
# the event count is what was recorded, no file appears, the databases
# pass their integrity check with the same tables), travels through a
# real server to another station of the unit and to the bureau
# byte-identical, and the server's dump holds it as text. Unit names
# (--to, --units) are text too: the county's directory holds them as
# given, and they become audiences the server routes as such. FTS5 and LIKE syntax in searches is searched for
# literally. What the product refuses (control characters, invalid
# UTF-8, a phone that is not a number) is refused with exit 3 and a
# message naming the field, and nothing is stored.
#
# The commands run from the Python driver below, so that every value
# reaches the agent's argv exactly as written.
. "$(dirname "$0")/lib.sh"
test_plan 16

BUREAU=县综合行政执法局
start_server
add_station a 龙羊峡镇
add_station b 龙羊峡镇
add_station bur "$BUREAU" bureau
add_station u 河卡镇
refresh_directory a b bur u
export LD LDS SCRATCH BUREAU

cat >hostile.py <<'PY'
"""Drives the agent with hostile text; see t0012-hostile-text.sh."""
import json, os, subprocess, sys

LD, SCRATCH, BUREAU = os.environ["LD"], os.environ["SCRATCH"], os.environ["BUREAU"]

# Each at most 32 characters: it fits every text field.
VALUES = [
    "'); DROP TABLE events;--",
    '" OR 1=1 --',
    "%_\\%' || '' LIKE '%",
    "%s%n%x%p%%%1$s%.999999d",
    "../../etc/passwd",
    "/dev/null",
    "$(touch pwned)",
    "`touch pwned2`",
    "; rm -rf ~ #&& | > /tmp/ld-pwned",
    "<script>alert(1)</script>&amp;",
    '{"v":1,"kind":"x"}]\\"\\u0000',
    "\\0\\n\\x1b[2J\\r",
    "\u202e告示\u202c\u200b\u200c\u200d\ufeff\u2066x\u2069",
    "👮\u200d♂️ e\u0301 𠀀 \U0010fffd",
    'NEAR(违法 建房,2) OR "x"* ^c:',
    "-1 --help --db=/dev/null",
    "  leading and trailing  ",
    "'",
]

def long_text(n):
    """n characters of hostile text, multi-line, mixing 1- to 4-byte characters."""
    unit = "'); DROP TABLE events;--\n\t\"%s%n 建房 ../ $(x) `y` \u202e\u200b😀 "
    return (unit * (n // len(unit) + 1))[:n]

def run(station, *args, ok=True):
    r = subprocess.run([LD] + list(args), capture_output=True,
                       env=dict(os.environ, LIANDONG_DB=os.path.join(SCRATCH, station + ".db")))
    out, err = r.stdout.decode(), r.stderr.decode()
    if ok and r.returncode != 0:
        sys.exit("%s: exit %d: %s" % (" ".join(args[:2]), r.returncode, err))
    return r.returncode, out, err

def record(station, *args):
    _, out, _ = run(station, *args)
    ident = out.strip().split("\n")[0]
    assert ident and " " not in ident, "no id printed: %r" % out
    return ident

def state():
    try:
        return json.load(open("hostile.json"))
    except FileNotFoundError:
        return {"expect": [], "ids": {}}

def save(st):
    json.dump(st, open("hostile.json", "w"), ensure_ascii=False, indent=0)

def expect(st, station, entity, key, value):
    st["expect"].append([station, entity, key, value])

def forms(st, v, t):
    """Every recording command of the township, v in its short fields, t
    (up to the field's limit) in its long ones."""
    a = "a"
    c = record(a, "case", "open", "--source", "patrol", "--category", v,
               "--location", v, "--party", v, "--party", v + "2", "--matter", v,
               "--description", t(2000), "--officer", v, "--evidence", v)
    for k in ("category", "location", "matter", "officer"):
        expect(st, a, c, k, v)
    expect(st, a, c, "parties", [v, v + "2"])
    expect(st, a, c, "evidence", [v])
    expect(st, a, c, "description", t(2000))
    record(a, "case", "update", c, "--category", v[:31] + "u", "--location", v + "u",
           "--party", v + "u", "--matter", v + "u", "--description", t(1999),
           "--officer", v[:31] + "u", "--evidence", v + "u", "--note", t(500))
    for k in ("location", "matter"):
        expect(st, a, c, k, v + "u")
    for k in ("category", "officer"):
        expect(st, a, c, k, v[:31] + "u")
    expect(st, a, c, "description", t(1999))
    expect(st, a, c, "note", t(500))
    r = record(a, "case", "open", "--source", "patrol", "--category", v,
               "--location", v, "--description", t(2000))
    r = record(a, "referral", "send", r, "--to", BUREAU, "--letter", v,
               "--source-material", v, "--source-material", v + "2",
               "--evidence", v, "--note", t(500), "--officer", v)
    for k in ("letter", "officer"):
        expect(st, a, r, k, v)
    expect(st, a, r, "sources", [v, v + "2"])
    expect(st, a, r, "evidence", [v])
    expect(st, a, r, "note", t(500))
    st["ids"].setdefault("referral", []).append([r, v, t(500)])
    record(a, "case", "close", c, "--reason", t(500), "--officer", v)
    expect(st, a, c, "reason", t(500))
    p = record(a, "complaint", "record", "--type", "report", "--channel", "phone",
               "--matter", v, "--description", t(2000), "--location", v,
               "--officer", v, "--name", v, "--phone", "13800000000")
    for k in ("matter", "location", "officer"):
        expect(st, a, p, k, v)
    expect(st, a, p, "description", t(2000))
    expect(st, a, p, "name", v)
    record(a, "complaint", "refer", p, "--to", BUREAU, "--note", t(500))
    expect(st, a, p, "note", t(500))
    record(a, "complaint", "notify", p, "--text", t(500))
    expect(st, a, p, "text", t(500))
    st["ids"].setdefault("complaint", []).append([p, v, t(2000)])
    l = record(a, "liaison", "log", "--type", "contact", "--counterpart", v,
               "--place", v, "--summary", t(2000), "--officer", v,
               "--participant", v, "--participant", v + "2")
    for k in ("counterpart", "place", "officer"):
        expect(st, a, l, k, v)
    expect(st, a, l, "summary", t(2000))
    expect(st, a, l, "participants", [v, v + "2"])
    s = record(a, "assist", "request", "--to", BUREAU, "--type", "testing",
               "--subject", t(500), "--officer", v)
    expect(st, a, s, "subject", t(500))
    expect(st, a, s, "officer", v)
    st["ids"].setdefault("assist", []).append([s, v, t(2000)])
    w = record(a, "whistle", "call", "--to", BUREAU, "--matter", v,
               "--location", v, "--officer", v)
    for k in ("matter", "location", "officer"):
        expect(st, a, w, k, v)
    st["ids"].setdefault("whistle", []).append([w, v[:31] + "w", t(500)])
    m = record(a, "meeting", "schedule", "--kind", "joint", "--at", "2026-12-10 09:00",
               "--units", BUREAU, "--officer", v)
    expect(st, a, m, "officer", v)
    record(a, "meeting", "topic", m, "--topic", t(500), "--officer", v)
    expect(st, a, m, "topic", t(500))
    m = record(a, "meeting", "schedule", "--kind", "joint", "--at", "2026-11-18 09:00",
               "--units", BUREAU)
    record(a, "meeting", "minutes", m, "--text", t(4000), "--officer", v)
    expect(st, a, m, "text", t(4000))
    record(a, "meeting", "resolution", m, "--text", t(1000), "--owner", BUREAU)
    expect(st, a, m, "text", t(1000))
    st["ids"].setdefault("meeting", []).append([m, v, t(500)])
    h = record(a, "share", "record", "--type", "info", "--title", v,
               "--summary", t(2000), "--officer", v)
    for k in ("title", "officer"):
        expect(st, a, h, k, v)
    expect(st, a, h, "summary", t(2000))

def bureau(st):
    """The bureau answers in every text field it has."""
    for r, v, t in st["ids"]["referral"]:
        record("bur", "referral", "dispute", r, "--reason", t, "--officer", v)
        expect(st, "bur", r, "reason", t)
    for p, v, t in st["ids"]["complaint"]:
        record("bur", "complaint", "reply", p, "--result", t, "--officer", v)
        expect(st, "bur", p, "result", t)
    for s, v, t in st["ids"]["assist"]:
        record("bur", "assist", "answer", s, "--conclusion", t, "--sealed", "--officer", v)
        expect(st, "bur", s, "conclusion", t)
    for w, v, t in st["ids"]["whistle"]:
        record("bur", "whistle", "answer", w, "--officer-sent", v, "--note", t[:500])
        expect(st, "bur", w, "officer_sent", v)
        expect(st, "bur", w, "note", t[:500])
    for m, v, t in st["ids"]["meeting"]:
        record("bur", "meeting", "followup", m, "--resolution", "1", "--status", "done",
               "--note", t, "--officer", v)
        expect(st, "bur", m, "note", t)

def leaves(doc, acc):
    if isinstance(doc, dict):
        for x in doc.values():
            leaves(x, acc)
    elif isinstance(doc, list):
        for x in doc:
            leaves(x, acc)
            if all(isinstance(y, str) for y in doc):
                acc.add(tuple(doc))
    elif isinstance(doc, str):
        acc.add(doc)
    return acc

SHOW = {"C": "case", "T": "complaint", "R": "referral", "A": "assist",
        "W": "whistle", "M": "meeting", "S": "share"}

def check(st, station, writers):
    """Every expected value is in the event log of station, as the body of
    an event of its entity, and in the entity's show --json."""
    _, out, _ = run(station, "log", "--json")
    bodies = {}
    for e in json.loads(out)["events"]:
        if isinstance(e["body"], dict):
            bodies.setdefault(e["entity"], []).append(e["body"])
    _, out, _ = run(station, "liaison", "list", "--json")
    shown = {"L": leaves(json.loads(out), set())}
    bad, n = [], 0
    for who, entity, key, value in st["expect"]:
        if who not in writers:
            continue
        n += 1
        want = tuple(value) if isinstance(value, list) else value
        if key != "name" and not any(
                (tuple(b.get(key)) if isinstance(b.get(key), list) else b.get(key)) == want
                for b in bodies.get(entity, [])):
            bad.append("log: %s %s %r" % (entity, key, value[:40]))
        if entity[0] != "L" and entity not in shown:
            args = [SHOW[entity[0]], "show", entity, "--json"]
            if entity[0] == "T":
                args.append("--show-identity")
            _, out, _ = run(station, *args)
            shown[entity] = leaves(json.loads(out), set())
        if entity[0] != "L" and want not in shown[entity]:
            bad.append("show: %s %s %r" % (entity, key, value[:40]))
        elif entity[0] == "L" and want not in shown["L"]:
            bad.append("list: %s %s %r" % (entity, key, value[:40]))
    assert n > 0, "no value to check"
    assert not bad, "%d of %d values not given back:\n%s" % (len(bad), n, "\n".join(bad[:20]))
    print("# %s: %d values given back byte for byte" % (station, n))

def refused(st):
    """Control characters, invalid UTF-8 and a bad phone: exit 3, the field
    named, nothing stored."""
    c = record("a", "case", "open", "--source", "patrol", "--category", "c",
               "--location", "x", "--description", "d")
    before = count("a")
    cases = []
    for bad in ("\x1b[31m", "a\x01b", "a\x7fb", "a\rb", "a\x08b"):
        cases += [
            ("category", ["case", "open", "--source", "patrol", "--category", bad,
                          "--location", "x", "--description", "d"]),
            ("description", ["case", "open", "--source", "patrol", "--category", "c",
                             "--location", "x", "--description", bad]),
            ("author", ["liaison", "log", "--type", "contact", "--summary", "s",
                         "--officer", bad]),
            ("summary", ["liaison", "log", "--type", "contact", "--summary", bad]),
            ("name", ["complaint", "record", "--type", "report", "--channel", "phone",
                      "--matter", "m", "--description", "d", "--name", bad]),
            ("note", ["case", "update", c, "--note", bad]),
            ("matter", ["whistle", "call", "--to", BUREAU, "--matter", bad,
                        "--location", "x"]),
            ("subject", ["assist", "request", "--to", BUREAU, "--type", "testing",
                         "--subject", bad]),
        ]
    # newline and tab: multi-line text only
    cases += [(k, a) for k, a in [
        ("location", ["case", "open", "--source", "patrol", "--category", "c",
                      "--location", "a\nb", "--description", "d"]),
        ("matter", ["case", "open", "--source", "patrol", "--category", "c",
                    "--location", "x", "--matter", "a\tb", "--description", "d"]),
    ]]
    wrong = []
    for key, args in cases:
        code, out, err = run("a", *args, ok=False)
        if code != 3 or not err.startswith("liandong: error: ") or \
                "'%s'" % key not in err or out:
            wrong.append("%s: exit %d: %s" % (" ".join(args[:2]) + " " + key, code, err.strip()))
    # invalid UTF-8 reaches argv as bytes
    for args in (["case", "open", "--source", "patrol", "--category", "c",
                  "--location", b"a\xffb", "--description", "d"],
                 ["liaison", "log", "--type", "contact", "--summary", b"\xc0\xaf../"]):
        r = subprocess.run([LD.encode()] + [x if isinstance(x, bytes) else x.encode() for x in args],
                           capture_output=True,
                           env=dict(os.environ, LIANDONG_DB=os.path.join(SCRATCH, "a.db")))
        if r.returncode != 3 or b"not valid UTF-8" not in r.stderr:
            wrong.append("utf-8: exit %d: %r" % (r.returncode, r.stderr))
        cases.append(("utf8", args))
    for phone in ("'); DROP TABLE events;--", "$(touch pwned)", "../../etc/passwd", "138\x1b0"):
        code, out, err = run("a", "complaint", "record", "--type", "report", "--channel",
                             "phone", "--matter", "m", "--description", "d", "--name", "n",
                             "--phone", phone, ok=False)
        if code != 3 or "'phone'" not in err:
            wrong.append("phone %r: exit %d: %s" % (phone, code, err.strip()))
        cases.append(("phone", phone))
    after = count("a")
    assert not wrong, "\n".join(wrong)
    assert after == before, "refused writes stored %d events" % (after - before)
    print("# %d refused writes: exit 3, field named, nothing stored" % len(cases))

def search():
    """FTS5 and LIKE syntax is searched for literally: a query that occurs
    in a case's text finds that case, and nothing fails."""
    c = record("a", "case", "open", "--source", "patrol", "--category", "搜索",
               "--location", "x", "--description",
               'NEAR(违法 建房, 2) OR "引号 * ^前缀 col:列 AND NOT {a b} %_\\ (括号)')
    wrong = []
    for q in ['"', '*', 'NEAR(', 'NEAR(违法', 'OR', '^', '^前缀', '"引号', 'col:列',
              'AND NOT', '{a b}', '(括号)', '%_', '\\', ') OR (', '" OR "1"="1',
              "'", "%", "_", "NEAR", "*)", "*\"", "违法 建房"]:
        for noun in ("case", "complaint"):
            code, out, err = run("a", noun, "list", "--search", q, "--json", ok=False)
            if code != 0:
                wrong.append("%s list --search %r: exit %d: %s" % (noun, q, code, err.strip()))
                continue
            ids = [x.get("entity") for x in json.loads(out).get(noun + "s", [])]
            if noun == "case" and q in ('"', '*', 'NEAR(', 'NEAR(违法', 'OR', '^前缀',
                                        '"引号', 'col:列', 'AND NOT', '{a b}', '(括号)',
                                        '%_', '\\', 'NEAR', "违法 建房") and c not in ids:
                wrong.append("case list --search %r does not find %s" % (q, c))
            if q in ("%", "_", "%_") and noun == "case" and len(ids) > 20:
                wrong.append("%r matched %d cases: a wildcard" % (q, len(ids)))
    assert not wrong, "\n".join(wrong)
    print("# searches with FTS5 and LIKE syntax: literal")

UNITS = ["'); DROP TABLE routes;--", '" OR 1=1 --', "../../etc/passwd", "/dev/null",
         "$(touch pwned)", "`touch pwned2`", "%s%n%x", "\u202e局\u200b"]

def units(st):
    """Unit names (--to, --units) are text too: the county adds them to its
    directory as they are, station u receives them with its next sync,
    and they become the audience of the event there (u's unit no other
    station shares)."""
    bad = []
    for v in UNITS:
        r = subprocess.run([os.environ["LDS"], "unit", "add", v], capture_output=True)
        assert r.returncode == 0, "unit add %r: %s" % (v, r.stderr.decode())
    run("u", "sync")
    _, out, _ = run("u", "unit", "list", "--json")
    held = json.loads(out)["units"]
    assert all(v in held for v in UNITS), held
    for v in UNITS:
        ids = [record("u", "whistle", "call", "--to", v, "--matter", "m", "--location", "l"),
               record("u", "meeting", "schedule", "--kind", "joint", "--at", "2026-12-10 09:00",
                      "--units", v),
               record("u", "assist", "request", "--to", v, "--type", "testing", "--subject", "s"),
               record("u", "share", "record", "--type", "info", "--title", "t", "--to", v)]
        c = record("u", "case", "open", "--source", "patrol", "--category", "c",
                   "--location", "x", "--description", "d")
        ids.append(record("u", "referral", "send", c, "--to", v, "--letter", "l",
                          "--source-material", "s", "--evidence", "e"))
        st["ids"].setdefault("units", []).append([v, ids])
    _, out, _ = run("u", "log", "--json")
    aud = {}
    for e in json.loads(out)["events"]:
        aud.setdefault(e["entity"], set()).update(e["audience"])
    for v, ids in st["ids"]["units"]:
        for i in ids:
            if v not in aud.get(i, ()):
                bad.append("%s: audience %r lacks %r" % (i, aud.get(i), v))
    assert not bad, "\n".join(bad)

def units_on_server():
    """Declared in the county's directory (unit add), the server routes
    them to a unit of that name, as text."""
    st, bad = state(), []
    for v, ids in st["ids"]["units"]:
        r = subprocess.run([os.environ["LDS"], "dump", "--unit", v], capture_output=True)
        got = {json.loads(l)["entity"] for l in r.stdout.decode().splitlines() if l.strip()}
        if r.returncode != 0 or not set(ids) <= got:
            bad.append("dump --unit %r: exit %d, %s of %s" % (v, r.returncode, sorted(got), ids))
    assert not bad, "\n".join(bad)

def count(station):
    _, out, _ = run(station, "log", "--json")
    return len(json.loads(out)["events"])

def main():
    st = state()
    try:
        step(st, sys.argv[1])
    finally:
        save(st)

def step(st, what):
    if what == "record":
        # A benign round first: each hostile round must add as many events.
        n0 = count("a")
        forms(st, "benign", lambda n: "benign")
        per = count("a") - n0
        rounds = [(v, (lambda n, v=v: v + "\n\t" + v)) for v in VALUES]
        rounds.append(("长" * 32, long_text))   # every field at its limit
        for v, t in rounds:
            n0 = count("a")
            forms(st, v, t)
            assert count("a") - n0 == per, "%r: %d events, not %d" % (v, count("a") - n0, per)
        st["events"] = count("a")
        with open("figures", "a") as f:
            print("# %d rounds of %d events: %d values stored, %d events"
                  % (len(rounds), per, len(st["expect"]), st["events"]), file=f)
    elif what == "bureau":
        bureau(st)
    elif what == "check":
        check(st, sys.argv[2], sys.argv[3].split(","))
    elif what == "units":
        units(st)
    elif what == "units-server":
        units_on_server()
    elif what == "refused":
        refused(st)
    elif what == "search":
        search()
    elif what == "values":
        for v in VALUES:
            print(json.dumps(v, ensure_ascii=False))

main()
PY

# What must not change: the tables of the database, the files here and
# the ones the values name.
tables() { sqlite3 "$1" "SELECT type, name FROM sqlite_master ORDER BY 1, 2"; }
# server_tables: the same of the server's database, on either backend
# (server_sql); server_intact: SQLite's integrity check (PostgreSQL has
# no such check a test can run without an extension).
server_tables() {
	if server_on_pg; then
		server_sql "SELECT 'table', tablename FROM pg_tables
			WHERE schemaname = current_schema() UNION ALL
			SELECT 'index', indexname FROM pg_indexes
			WHERE schemaname = current_schema() ORDER BY 1, 2"
	else
		server_sql "SELECT type, name FROM sqlite_master ORDER BY 1, 2"
	fi
}
server_intact() { server_on_pg || test "$(server_sql "PRAGMA integrity_check")" = ok; }
tables a.db >tables.before
server_tables >tables.server.before
stat -c '%Y %s' /etc/passwd >passwd.before
# files: every file here that the test did not make itself.
files() {
	find "$SCRATCH" "$HOME" -type f | sed "s|^$SCRATCH/||" | grep -v \
		-e '^[a-z]*\.db\(-wal\|-shm\)\?$' -e '\.json$' -e '\.code$' -e '^\.out$' \
		-e '^tables\.' -e '^passwd\.' -e '^files\.' -e '^hostile\.py$' -e '^figures$' \
		-e '^init\.out$' -e '^server\.log$' -e '^port$' -e '^dump\.' \
		-e '^county/\(server\.\(conf\|db\|db-wal\|db-shm\|pem\)\|ca\.pem\|\(ca\|server\)-key\.pem\)$' \
		-e '\.dump$' -e '\.st$' -e '/liandong/token$' | sort
}
files >files.before
events() { on "$1" log --json >"$1.log.json" && jv "$1.log.json" 'len(d["events"])'; }

test_expect_success 'hostile text in every field of every recording command is recorded' '
	python3 hostile.py record
'
cat figures 2>/dev/null
test_expect_success 'the township station gives every value back byte for byte (log, show --json)' '
	python3 hostile.py check a a
'
test_expect_success 'nothing is harmed: verify, integrity, same tables, no file appears or changes' '
	on a verify >/dev/null &&
	test "$(sqlite3 a.db "PRAGMA integrity_check")" = ok &&
	tables a.db >tables.after && test_cmp tables.before tables.after &&
	files >files.after && test_cmp files.before files.after &&
	test ! -e pwned && test ! -e pwned2 && test ! -e /tmp/ld-pwned &&
	stat -c "%Y %s" /etc/passwd >passwd.after && test_cmp passwd.before passwd.after &&
	test -c /dev/null
'
test_expect_success 'the event count is what was recorded' '
	test "$(events a)" -eq "$(jv hostile.json "d[\"events\"]")"
'

test_expect_success 'hostile unit names (--to, --units) are stored as text in the audience' '
	python3 hostile.py units && on u verify >/dev/null
'

test_expect_success 'values the product refuses: exit 3, the field named, nothing stored' '
	python3 hostile.py refused
'
test_expect_success 'FTS5 and LIKE syntax in searches is searched for literally' '
	python3 hostile.py search
'

test_expect_success 'the hostile records sync to the server and to the other stations' '
	on a sync >/dev/null && on b sync >/dev/null && on bur sync >/dev/null
'
test_expect_success 'the bureau answers with hostile text in every field it has' '
	python3 hostile.py bureau && on bur sync >/dev/null && on a sync >/dev/null &&
	on b sync >/dev/null
'
test_expect_success 'the bureau gives its answers back byte for byte' '
	python3 hostile.py check bur bur
'
test_expect_success 'the township gets the answers, and the other station everything, byte for byte' '
	python3 hostile.py check a a,bur && python3 hostile.py check b a,bur
'
test_expect_success 'events arrive byte-identical: the same events on every station that sees them' '
	events a >/dev/null && events b >/dev/null && events bur >/dev/null &&
	python3 - <<-\EOF
	import json
	def load(n):
	    return {(e["station"], e["seq"]): json.dumps(e, sort_keys=True, ensure_ascii=False)
	            for e in json.load(open(n + ".log.json"))["events"]}
	a, b, bur = load("a"), load("b"), load("bur")
	assert a == b, "a and b differ: %d vs %d events" % (len(a), len(b))
	shared = set(a) & set(bur)
	assert len(shared) > 100, len(shared)
	diff = [k for k in shared if a[k] != bur[k]]
	assert not diff, diff[:5]
	print("# %d events on a and b, %d of them on bur too, identical" % (len(a), len(shared)))
	EOF
'
test_expect_success 'hostile unit names, declared in the directory, sync and the server routes them as text' '
	on u sync >/dev/null && on u sync >/dev/null && on u verify >/dev/null &&
	python3 hostile.py units-server && converged u 河卡镇
'
test_expect_success 'every station verifies and equals the server view of its unit' '
	on bur sync >/dev/null &&
	on a verify >/dev/null && on b verify >/dev/null && on bur verify >/dev/null &&
	converged a 龙羊峡镇 && converged b 龙羊峡镇 && converged bur "$BUREAU"
'
test_expect_success 'the server dump holds every hostile value as text' '
	"$LDS" dump --unit 龙羊峡镇 >dump.server &&
	python3 hostile.py values >values.json &&
	python3 - <<-\EOF
	import json
	def leaves(d, acc):
	    if isinstance(d, dict):
	        for x in d.values(): leaves(x, acc)
	    elif isinstance(d, list):
	        for x in d: leaves(x, acc)
	    elif isinstance(d, str):
	        acc.add(d)
	    return acc
	got = set()
	for line in open("dump.server", encoding="utf-8"):
	    if line.strip():
	        leaves(json.loads(line), got)
	want = [json.loads(l) for l in open("values.json", encoding="utf-8")]
	missing = [w for w in want if w not in got]
	assert not missing, "not in the server dump: %r" % missing
	EOF
'
test_expect_success 'every database is intact with the same tables, no file appeared' '
	server_intact &&
	server_tables >tables.server.after && test -s tables.server.after &&
	test_cmp tables.server.before tables.server.after &&
	for db in a b bur u; do
		test "$(sqlite3 $db.db "PRAGMA integrity_check")" = ok || exit 1
	done &&
	files >files.end && test_cmp files.before files.end
'
test_done
