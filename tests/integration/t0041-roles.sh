#!/bin/sh
# The security matrix (DESIGN.md 3, docs/protocol.md "Roles"): each role
# x each event kind, written through the agent (refused before writing,
# exit 11) and pushed by an agent that does not check (stored,
# quarantined and kept to the author's unit by the server); each role x
# each record type, read (the audience, plus what the role sees
# county-wide, never a complainant's identity); each role x each
# endpoint; one role per unit; a unit given a role that sees more
# receives what the county already holds.
. "$(dirname "$0")/lib.sh"
test_plan 16

ANY="$BUILD/tests/tools/anykind"
"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
# Every role is tried without credentials below; t0026 tests the limit.
start_server --max-auth-failures 1000
BUREAU=县综合行政执法局
SCJ=县市场监管局
add_station tw 龙羊峡镇 township
add_station dep $SCJ department
add_station bur $BUREAU bureau
add_station leg 县司法局 legal
add_station pol 县公安局 police
add_station gov 县人民政府 government
add_station adm 县综合行政执法协调办公室 admin
add_station obs 恰卜恰镇 township
refresh_directory tw dep bur leg pol gov adm obs
ROLES="tw dep bur leg pol gov adm"

# Who may write what, written out here on its own (not read from the
# code): the letters of the roles allowed, t d b l p g a.
cat >matrix <<'EOF'
case.opened tdblpg
case.updated tdblpg
case.closed tdblpg
case.referred tdblpg
case.extended tdblpg
case.referral_withdrawn tdblpg
case.decided tdblpg
complaint.recorded tdblpg
complaint.identity tdblpg
complaint.referred tdblpg
complaint.notified tdblpg
complaint.replied tdblpg
liaison.logged tdblpg
referral.sent tdbp
referral.acknowledged tdbp
referral.accepted tdbp
referral.disputed tdbp
referral.escalated tdbpl
referral.decided lg
referral.withdrawn tdbp
referral.returned p
referral.result tdbp
referral.received tdbp
referral.arrived tdbp
assist.requested tdbp
assist.answered tdbp
assist.extended tdbp
assist.received tdbp
whistle.called t
whistle.answered dbp
whistle.escalated t
whistle.received dbp
meeting.scheduled tdblpg
meeting.topic tdblpg
meeting.minutes tdblpg
meeting.resolution tdblpg
meeting.followup tdblpg
meeting.followed tdblpg
share.formed tdblpg
share.sent tdblpg
share.extended tdblpg
supervision.sent tdb
supervision.replied tdb
supervision.received tdb
operation.planned tdbp
operation.answered tdbp
operation.police_notified tdbp
operation.result tdbp
operation.cancelled tdbp
person.registered tdblpg
person.updated tdblpg
person.left tdblpg
person.trained tdblpg
case.attached tdblpg
complaint.attached tdblpg
liaison.attached tdblpg
referral.attached tdbplg
assist.attached tdbp
whistle.attached tdbp
meeting.attached tdblpg
share.attached tdblpg
supervision.attached tdb
operation.attached tdbp
person.attached tdblpg
EOF

letter() {
	case $1 in
	tw) echo t ;; dep) echo d ;; bur) echo b ;; leg) echo l ;;
	pol) echo p ;; gov) echo g ;; adm) echo a ;;
	esac
}

test_expect_success 'the matrix names every kind there is' '
	"$ANY" --kinds | sort >kinds && cut -d" " -f1 matrix | sort >named &&
	test_cmp kinds named
'

test_expect_success 'each station learned its role when it enrolled' '
	for s in $ROLES; do
		test -n "$(sqlite3 $s.db "SELECT value FROM meta WHERE key=\"role\"")" ||
			exit 1
	done &&
	test "$(sqlite3 leg.db "SELECT value FROM meta WHERE key=\"role\"")" = legal
'

# Each station holds one record of every type to act on, made as an
# agent that does not check would.
for s in $ROLES; do
	role=$(sqlite3 $s.db "SELECT value FROM meta WHERE key='role'")
	echo "$role" >$s.role
	sqlite3 $s.db "DELETE FROM meta WHERE key='role'"
	for k in case.opened complaint.recorded liaison.logged referral.sent \
	    assist.requested whistle.called meeting.scheduled share.formed \
	    supervision.sent operation.planned person.registered; do
		"$ANY" $s.db $k --to $BUREAU >$s.${k%%.*} || echo "setup failed: $s $k"
	done
	sqlite3 $s.db "INSERT INTO meta(key, value) VALUES('role', '$role')"
done

# one STATION KIND: records KIND as STATION; prints the exit status.
one() {
	_e=
	case $2 in
	case.opened|complaint.recorded|liaison.logged|referral.sent|\
	assist.requested|whistle.called|meeting.scheduled|share.formed|\
	supervision.sent|operation.planned|person.registered) ;;
	*) _e=$(cat $1.${2%%.*}) ;;
	esac
	"$ANY" $1.db $2 $_e --to $BUREAU >/dev/null 2>>$SCRATCH/any.err
	echo $?
}

test_expect_success 'through the agent: every role x every kind, allowed or refused (exit 11)' '
	bad=0 &&
	for s in $ROLES; do
		l=$(letter $s)
		while read -r k allowed; do
			case $allowed in *$l*) want=0 ;; *) want=11 ;; esac
			got=$(one $s $k)
			if [ "$got" != "$want" ]; then
				echo "$s ($(cat $s.role)) $k: exit $got, want $want"; bad=1
			fi
		done <matrix
	done &&
	test $bad = 0 &&
	grep -q "a township station may not record referral.decided" $SCRATCH/any.err
'

test_expect_code 11 'the agent command says so too' '
	on tw referral decide "$(cat tw.referral)" --reason 由执法局管辖 --handler $BUREAU
'

# Now every station also writes what its role forbids, as an agent that
# does not check, and syncs.
for s in $ROLES; do
	sqlite3 $s.db "DELETE FROM meta WHERE key='role'"
	l=$(letter $s)
	while read -r k allowed; do
		case $allowed in *$l*) ;; *) one $s $k >/dev/null ;; esac
	done <matrix
done
for r in 1 2; do
	for s in $ROLES obs; do on $s sync >/dev/null || echo "sync failed: $s"; done
done

test_expect_success 'through the server: forbidden kinds are stored and quarantined, the rest accepted' '
	bad=0 &&
	for s in $ROLES; do
		l=$(letter $s)
		while read -r k allowed; do
			q=$(server_sql "SELECT count(*) FROM events WHERE station=\"$s\" AND kind=\"$k\" AND quarantine LIKE \"role_forbidden%\"")
			n=$(server_sql "SELECT count(*) FROM events WHERE station=\"$s\" AND kind=\"$k\"")
			case $allowed in *$l*) want=0 ;; *) want=$n ;; esac
			if [ "$n" -eq 0 ] || [ "$q" != "$want" ]; then
				echo "$s $k: $n stored, $q quarantined, want $want"; bad=1
			fi
		done <matrix
	done &&
	test $bad = 0
'

test_expect_success 'a quarantined event reaches no other unit' '
	test "$(server_sql "SELECT count(*) FROM routes r
		JOIN events e ON r.event = e.cursor JOIN stations s ON s.name = e.station
		WHERE e.quarantine LIKE \"role_forbidden%\" AND r.unit <> s.unit")" = 0 &&
	test "$(sqlite3 bur.db "SELECT count(*) FROM events WHERE station=\"tw\" AND kind=\"referral.decided\"")" = 0 &&
	test "$(sqlite3 bur.db "SELECT count(*) FROM events WHERE station=\"adm\"")" = 0
'

test_expect_success 'the county view (dump, due) leaves out what a role or unit may not write' '
	"$LDS" dump >county.dump && "$LDS" dump --unit 龙羊峡镇 >tw.dump &&
	R=$(cat tw.referral) &&
	n=$(server_sql "SELECT count(*) FROM events WHERE entity=\"$R\" AND private=0") &&
	m=$(server_sql "SELECT count(*) FROM events WHERE entity=\"$R\"") &&
	test "$n" -lt "$m" &&
	python3 -c "
import json, sys
def events(path):
    for line in open(path, encoding=\"utf-8\"):
        line = line.strip()
        if line.startswith(\"{\") and \"$R\" in line:
            d = json.loads(line)
            if d.get(\"entity\") == \"$R\":
                return d[\"events\"]
assert events(\"county.dump\") == $n, (events(\"county.dump\"), $n)
assert events(\"tw.dump\") == $m, (events(\"tw.dump\"), $m)
"
'

test_expect_success 'the station is told which of its events were quarantined, and why' '
	on tw status --json >st.json && test_grep "role_forbidden" st.json &&
	on tw conflicts >cf && test_grep "quarantined by the server: tw/.*may not write referral.decided" cf
'

test_expect_success 'every station still converges and verifies' '
	for s in $ROLES obs; do
		u=$(sqlite3 $s.db "SELECT value FROM meta WHERE key=\"unit\"")
		converged $s "$u" && on $s verify >/dev/null || exit 1
	done
'

# Reading: a township records one of everything addressed to the market
# regulator only, then each role's station pulls.
on obs case open --source patrol --category 食品安全 --location 工业园 --description 无证经营 >c
on obs complaint record --type complaint --channel phone --matter 噪音 \
	--description 夜间施工 --name 王某 --phone 13800000000 >t
on obs complaint refer "$(cat t)" --to $SCJ >/dev/null
on obs liaison log --type contact --summary 电话联络 >/dev/null
on obs referral send "$(cat c)" --to $SCJ --letter 移送函 --source-material 笔录 --evidence 照片 >r
on obs assist request --to $SCJ --type testing --subject 抽检 >a
on obs whistle call --to $SCJ --matter 食品安全隐患 --location 集市 >w
on obs meeting schedule --kind consultation --at "2026-12-10 09:00" --units $SCJ >m
on obs share record --type info --title 巡查通报 --to $SCJ >sh
on obs supervision send --type opinion --to $SCJ --subject 执法意见 --text 建议 >v
on obs operation plan --type patrol --matter 联合巡察 --unit $SCJ --at "2026-12-10 09:00" --place 集市 >op
on obs person add --name 王某 --liaison >pe
for r in 1 2; do
	for s in obs $ROLES; do on $s sync >/dev/null || echo "sync failed: $s"; done
done

# sees STATION TYPE: 1 if the station holds obs's record of TYPE.
sees() {
	sqlite3 $1.db "SELECT count(*) > 0 FROM projections WHERE entity LIKE '_-obs-%' AND json_extract(doc, '$.type') = '$2'"
}

test_expect_success 'each role x each record type: the audience, plus what the role sees county-wide' '
	bad=0 &&
	for s in dep bur leg pol gov adm; do
		for t in case complaint liaison referral assist whistle meeting share supervision operation person; do
			want=0
			case $s:$t in
			dep:case|dep:liaison|dep:person) ;;
			dep:*) want=1 ;;
			adm:*) want=1 ;;
			leg:referral|leg:assist|leg:whistle|leg:meeting|leg:share|leg:supervision|leg:operation) want=1 ;;
			bur:referral|bur:whistle|bur:operation|bur:liaison|bur:person) want=1 ;;
			gov:liaison|gov:person) want=1 ;;
			esac
			got=$(sees $s $t)
			if [ "$got" != "$want" ]; then
				echo "$s sees $t: $got, want $want"; bad=1
			fi
		done
	done &&
	test $bad = 0
'

test_expect_success 'what a unit sees only by its role is not in its own due list' '
	on dep due --json >dd.json && test_grep "$(cat r)" dd.json &&
	on bur due --json >bd.json && test_grep ! "$(cat r)" bd.json &&
	on leg due --json >ld.json && test_grep ! "$(cat a)" ld.json &&
	on bur due --unit $SCJ --json >bud.json && test_grep "$(cat r)" bud.json
'

test_expect_success 'the complainant is known only where the complaint is handled' '
	test "$(sqlite3 dep.db "SELECT count(*) FROM events WHERE kind=\"complaint.identity\"")" = 1 &&
	for s in bur leg pol gov adm; do
		test "$(sqlite3 $s.db "SELECT count(*) FROM events WHERE kind=\"complaint.identity\"")" = 0 || exit 1
		grep -c "13800000000" $s.db >/dev/null && exit 1
	done; true
'

test_expect_success 'each role x each endpoint: enrol once, sync and status with its token, nothing without' '
	for s in $ROLES; do
		test_must_fail "$LD" enroll --db "$SCRATCH/$s.db" --ca "$LIANDONG_SERVER_DIR/ca.pem" \
			-- "$SERVER_URL" "$(tail -n 1 $s.code)" 2>/dev/null || exit 1
		on $s sync >/dev/null && on $s status >/dev/null || exit 1
		for ep in sync status; do
			code=$(curl -s -o /dev/null -w "%{http_code}" --cacert "$LIANDONG_SERVER_DIR/ca.pem" \
				-H "Content-Type: application/x-ndjson" -H "Content-Encoding: zstd" \
				--data-binary @/dev/null -X POST "$SERVER_URL/v1/$ep")
			[ "$ep" = status ] && code=$(curl -s -o /dev/null -w "%{http_code}" \
				--cacert "$LIANDONG_SERVER_DIR/ca.pem" "$SERVER_URL/v1/status")
			[ "$code" = 401 ] || { echo "$s $ep without a token: $code"; exit 1; }
		done
	done
'

test_expect_code 3 'a unit has one role: a second station of it with another is refused' '
	"$LDS" station add --name leg2 --unit 县司法局 --role township
'

test_expect_success 'a unit given a role that sees more receives what the county already holds' '
	add_station adm2 县数据管理局 admin &&
	on adm2 sync >/dev/null && on adm2 sync >/dev/null &&
	test "$(sees adm2 referral)" = 1 && test "$(sees adm2 case)" = 1 &&
	test "$(sqlite3 adm2.db "SELECT count(*) FROM events WHERE kind=\"complaint.identity\"")" = 0 &&
	test "$(sqlite3 adm2.db "SELECT count(*) FROM events WHERE station=\"tw\" AND kind=\"referral.decided\"")" = 0 &&
	converged adm2 县数据管理局
'

# Roles x kinds x whose entity: for each role, a station of its unit that
# does not check (the hostile tool, tests/tools/hostile.c) writes every
# kind that acts on a record on three records of each type: its own, one
# another township made addressed to its unit (to, units, owner,
# escalated to), and one that township addressed to another unit. The
# server accepts it only where the role may write the kind and the unit
# holds a part the kind needs (docs/protocol.md, "Authority"), written
# out here on its own: c creator, a addressee, e escalated, m member,
# o owner.
cat >parts <<'EOF'
case.updated c
case.closed c
case.referred c
case.extended c
case.referral_withdrawn c
case.decided c
complaint.identity c
complaint.referred c
complaint.notified c
complaint.replied a
referral.acknowledged a
referral.accepted a
referral.disputed a
referral.escalated cae
referral.decided e
referral.withdrawn c
referral.returned a
referral.result a
referral.received a
referral.arrived a
assist.answered a
assist.extended a
assist.received a
whistle.answered a
whistle.escalated c
whistle.received a
meeting.topic cm
meeting.minutes c
meeting.resolution c
meeting.followup o
meeting.followed c
share.sent c
share.extended c
supervision.replied a
supervision.received a
operation.answered m
operation.police_notified c
operation.result c
operation.cancelled c
person.updated c
person.left c
person.trained c
case.attached c
complaint.attached ca
referral.attached cae
assist.attached ca
whistle.attached ca
meeting.attached cmo
share.attached c
supervision.attached ca
operation.attached cm
person.attached c
EOF
for s in $ROLES; do
	u=$(sqlite3 $s.db "SELECT value FROM meta WHERE key='unit'")
	add_station ${s}h "$u" "$(cat $s.role)"
done
add_station obsh 恰卜恰镇 township
refresh_directory twh deph burh legh polh govh admh obsh

export SCRATCH TOP
cat >whose.py <<'PY'
import json, os, subprocess, sys
S = os.environ["SCRATCH"]
SERVER_SQL = os.path.join(os.environ["TOP"], "tests/tools/server-sql.sh")
roles = {"tw": "t", "dep": "d", "bur": "b", "leg": "l", "pol": "p", "gov": "g", "adm": "a"}
matrix = dict(l.split() for l in open(os.path.join(S, "matrix")))
parts = dict(l.split() for l in open(os.path.join(S, "parts")))
creating = {"case": "case.opened", "complaint": "complaint.recorded",
            "referral": "referral.sent", "assist": "assist.requested",
            "whistle": "whistle.called", "meeting": "meeting.scheduled",
            "share": "share.formed", "supervision": "supervision.sent",
            "operation": "operation.planned", "person": "person.registered"}
letter = {"case": "C", "complaint": "T", "referral": "R", "assist": "A",
          "whistle": "W", "meeting": "M", "share": "S", "supervision": "V",
          "operation": "O", "person": "P"}
# The parts the unit addressed holds on a record of each type.
addressed = {"complaint": "a", "referral": "ae", "assist": "a", "whistle": "a",
             "meeting": "mo", "supervision": "a", "operation": "m"}

def unit(s):
    return subprocess.run(["sqlite3", os.path.join(S, s + ".db"),
        "SELECT value FROM meta WHERE key='unit'"], capture_output=True,
        text=True).stdout.strip()

def head(st):
    return int(subprocess.run([SERVER_SQL, "SELECT head_seq FROM stations"
        " WHERE name='%s'" % st], capture_output=True, text=True).stdout)

def push(st, specs):
    """Pushes specs from st; returns (seq, quarantine reason) of each."""
    h = head(st)
    p = subprocess.run([os.environ["BUILD"] + "/tests/tools/hostile", "--db",
        os.path.join(S, st + ".db"), "--state", os.path.join(S, st + ".state")],
        input="".join(json.dumps(x, ensure_ascii=False) + "\n" for x in specs),
        capture_output=True, text=True, timeout=60)
    out = p.stdout.splitlines()
    if p.returncode != 0 or not out or out[0] != "status 200":
        sys.exit("%s: %s %s" % (st, out[:2], p.stderr))
    q = {x["seq"]: x["reason"] for x in json.loads(out[1])["quarantined"]}
    return [(h + 1 + i, q.get(h + 1 + i, "")) for i in range(len(specs))]

def records(st, me, to):
    """One record of each type by st (of unit me) addressed to unit to,
    and what makes to a party of it: {type: entity}. Its own records
    (to == me) it addresses to the other township, so that it holds
    nothing on them but being their creator."""
    specs, types = [], []
    aud = [me] + ([to] if to != me else [])
    addr = to if to != me else obs_unit
    for t, k in creating.items():
        m = {}
        if t in ("referral", "assist", "whistle", "supervision"):
            m["to"] = addr
        if t in ("meeting", "operation"):
            m["units"] = [addr]
        specs.append({"kind": k, "audience": aud, "body_merge": m})
        types.append(t)
    ids = {t: "%s-%s-%d" % (letter[t], st, seq)
           for t, (seq, _) in zip(types, push(st, specs))}
    if to != me:
        T, R, M = ids["complaint"], ids["referral"], ids["meeting"]
        more = [{"kind": "complaint.referred", "entity": T, "audience": aud,
                 "body_merge": {"to": to}},
                {"kind": "referral.escalated", "entity": R, "audience": aud,
                 "body_merge": {"to": to}},
                {"kind": "meeting.resolution", "entity": M, "audience": aud,
                 "body_merge": {"owner": to}}]
        for seq, reason in push(st, more):
            if reason:
                sys.exit("setup %s/%d quarantined: %s" % (st, seq, reason))
    return ids

obs_unit = unit("obsh")
units = {s: unit(s + "h") for s in roles}
names = list(roles)
bad, n = [], 0
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
            if l not in matrix[k]:
                expect = "role_forbidden"
            elif w == "own":
                # Its own record exists for it only if its role may create it.
                held = "c" if l in matrix[creating[t]] else ""
                expect = "" if set(held) & set(need) else "not_entitled"
            elif w == "addressed":
                expect = "" if set(addressed.get(t, "")) & set(need) else "not_entitled"
            else:
                expect = "not_entitled"
            m = {"resolution": "1"} if k == "meeting.followup" else {}
            specs.append({"kind": k, "entity": ids[t], "audience": [me],
                          "body_merge": m})
            want.append((k, expect))
        for (seq, reason), (k, expect) in zip(push(s + "h", specs), want):
            n += 1
            if reason.split(":")[0] != expect:
                bad.append("%s %s on the %s %s: %r, want %r" %
                           (s, k, w, k.split(".")[0], reason, expect))
print("# %d cells: roles x kinds x whose entity" % n)
assert not bad, "\n".join(bad)
PY

test_expect_success 'each role x each kind x whose entity (its own, addressed to it, another unit'"'"'s)' '
	python3 whose.py
'

test_done
