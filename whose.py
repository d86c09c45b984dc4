import json, os, subprocess, sys
S = os.environ["SCRATCH"]
DB = os.environ["LIANDONG_SERVER_DIR"] + "/server.db"
roles = {"tw": "t", "dep": "d", "bur": "b", "leg": "l", "pol": "p", "gov": "g", "adm": "a"}
matrix = dict(l.split() for l in open(os.path.join(S, "matrix")))
parts = dict(l.split() for l in open(os.path.join(S, "parts")))
creating = {"case": "case.opened", "complaint": "complaint.recorded",
            "referral": "referral.sent", "assist": "assist.requested",
            "whistle": "whistle.called", "meeting": "meeting.scheduled",
            "share": "share.formed", "supervision": "supervision.sent"}
letter = {"case": "C", "complaint": "T", "referral": "R", "assist": "A",
          "whistle": "W", "meeting": "M", "share": "S", "supervision": "V"}

def unit(s):
    return subprocess.run(["sqlite3", os.path.join(S, s + ".db"),
        "SELECT value FROM meta WHERE key='unit'"], capture_output=True,
        text=True).stdout.strip()

def head(st):
    return int(subprocess.run(["sqlite3", DB, "SELECT head_seq FROM stations"
        " WHERE name='%s'" % st], capture_output=True, text=True).stdout)

def push(st, specs):
    h = head(st)
    p = subprocess.run([os.environ["BUILD"] + "/tests/tools/hostile", "--db",
        os.path.join(S, st + ".db"), "--state", os.path.join(S, st + ".state")],
        input="".join(json.dumps(x, ensure_ascii=False) + "\n" for x in specs),
        capture_output=True, text=True, timeout=60)
    out = p.stdout.splitlines()
    if p.returncode != 0 or out[0] != "status 200":
        sys.exit("%s: %s %s" % (st, out[:2], p.stderr))
    q = {x["seq"]: x["reason"] for x in json.loads(out[1])["quarantined"]}
    return [(h + 1 + i, q.get(h + 1 + i, "")) for i in range(len(specs))]

def records(st, me, to):
    """One record of each type by st (unit me), addressed to unit to:
    returns {type: entity}."""
    specs, types = [], []
    aud = [me] + ([to] if to != me else [])
    for t, k in creating.items():
        m = {}
        if t in ("referral", "assist", "whistle", "supervision"):
            m["to"] = to
        if t == "meeting":
            m["units"] = [to]
        specs.append({"kind": k, "audience": aud, "body_merge": m})
        types.append(t)
    seqs = push(st, specs)
    ids = {t: "%s-%s-%d" % (letter[t], st, seq) for t, (seq, _) in zip(types, seqs)}
    more = []
    if to != me:  # the rest of what makes to a party
        T, R, M = ids["complaint"], ids["referral"], ids["meeting"]
        more = [{"kind": "complaint.referred", "entity": T, "audience": aud, "body_merge": {"to": to}},
                {"kind": "referral.escalated", "entity": R, "audience": aud, "body_merge": {"to": to}},
                {"kind": "meeting.resolution", "entity": M, "audience": aud, "body_merge": {"owner": to}}]
        for seq, reason in push(st, more):
            if reason:
                sys.exit("setup %s/%d quarantined: %s" % (st, seq, reason))
    return ids

obs_unit = unit("obsh")
units = {s: unit(s + "h") for s in roles}
names = list(roles)
bad = []
n = 0
for s, l in roles.items():
    me = units[s]
    other = units[names[(names.index(s) + 1) % len(names)]]
    whose = {"own": records(s + "h", me, me),
             "addressed": records("obsh", obs_unit, me),
             "other": records("obsh", obs_unit, other)}
    for w, ids in whose.items():
        specs, want = [], []
        for k, need in parts.items():
            t = k.split(".")[0]
            if t not in ids:
                continue
            if l not in matrix[k]:
                expect = "role_forbidden"
            elif w == "own":
                ok = "c" in need and l in matrix[creating[t]]
                expect = "" if ok else "not_entitled"
            elif w == "addressed":
                held = {"complaint": "a", "referral": "ae", "assist": "a",
                        "whistle": "a", "meeting": "mo", "supervision": "a"}.get(t, "")
                expect = "" if set(held) & set(need) else "not_entitled"
            else:
                expect = "not_entitled"
            m = {}
            if k == "meeting.followup":
                m["resolution"] = "1"
            specs.append({"kind": k, "entity": ids[t], "audience": [me], "body_merge": m})
            want.append((k, expect))
        for (seq, reason), (k, expect) in zip(push(s + "h", specs), want):
            n += 1
            if reason.split(":")[0] != expect:
                bad.append("%s %s on %s's %s: %r, want %r" % (s, k, w, k.split(".")[0], reason, expect))
print("# %d cells" % n)
assert not bad, "\n".join(bad)
