#!/bin/sh
# log and verify: the raw event log, its hash chain, and tampering with
# the SQLite file found by verify (exit 10).
# backends: sqlite — agent-only, no county server: the store plays no part
. "$(dirname "$0")/lib.sh"
test_plan 18


# chain.py FILE: checks a `log --json` document: seqs 1..n, the first prev
# all zeros, each prev the hash of the event before, and each hash the
# SHA-256 of the event's canonical text (compact JSON, sorted keys,
# UTF-8) without its hash.
cat >"$SCRATCH/chain.py" <<'EOF'
import hashlib, json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
prev, bad = "0" * 64, 0
for n, e in enumerate(d["events"], 1):
    body = {k: v for k, v in e.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    want = hashlib.sha256(text.encode("utf-8")).hexdigest()
    for what, ok in (("seq", e["seq"] == n), ("prev", e["prev"] == prev),
                     ("hash", e["hash"] == want)):
        if not ok:
            print("event %d: bad %s" % (n, what), file=sys.stderr)
            bad = 1
    prev = e["hash"]
if not d["events"]:
    bad = 1
sys.exit(bad)
EOF
# tampered NAME: a fresh copy of the station database to break.
tampered() { rm -f "$1" && sqlite3 "$LIANDONG_DB" ".backup '$1'"; }
# sql DB STATEMENTS: runs them and fails unless exactly one row changed.
sql() {
	_n=$(sqlite3 "$1" "$2; SELECT changes();") || return 1
	[ "$_n" = 1 ] || { echo "sql: $_n rows changed by: $2" >&2; return 1; }
}

setup_station lyx01 龙羊峡镇
"$LD" case open --source report --category 环境保护 --location 恰卜恰镇 \
	--description "工厂夜间排污" --discovered-at 2026-11-19 >/dev/null &&
"$LD" complaint record --type complaint --channel phone --matter 排污 \
	--description "河水发黑有异味" --name 赵六 --phone 13800138000 \
	--officer 马警官 >/dev/null &&
"$LD" case update C-lyx01-1 --note "已取样送检" >/dev/null &&
"$LD" liaison log --type contact --counterpart 县生态环境局 \
	--summary "移交水样检测" >/dev/null &&
"$LD" case close C-lyx01-1 --reason "已停产整改" --officer 马警官 >/dev/null

test_expect_success 'log lists the events in stored order' '
	"$LD" log >out &&
	test "$(sed -n 1p out | tr -s " ")" = "EVENT CLOCK KIND RECORD AUTHOR HASH" &&
	awk "NR > 1 { print \$1, \$3, \$4, \$5 }" out >actual &&
	cat >expect <<-EOF &&
	lyx01/1 case.opened C-lyx01-1 张三
	lyx01/2 complaint.recorded T-lyx01-2 马警官
	lyx01/3 complaint.identity T-lyx01-2 马警官
	lyx01/4 case.updated C-lyx01-1 张三
	lyx01/5 liaison.logged L-lyx01-5 张三
	lyx01/6 case.closed C-lyx01-1 马警官
	EOF
	test_cmp expect actual
'

test_expect_success 'log prints the clock and the start of each hash' '
	"$LD" log --json >log.json &&
	awk "NR > 1 { print \$2 }" out >actual &&
	for i in 0 1 2 3 4 5; do echo "2026-11-20T10:00:00+08:00#$i"; done >expect &&
	test_cmp expect actual &&
	awk "NR > 1 { print \$6 }" out >actual &&
	python3 -c "import json; [print(e[\"hash\"][:12] + \"\u2026\") for e in json.load(open(\"log.json\"))[\"events\"]]" >expect &&
	test_cmp expect actual
'

test_expect_success 'log --entity keeps only that record'"'"'s events' '
	"$LD" log --entity C-lyx01-1 >out &&
	awk "NR > 1 { print \$1, \$3 }" out >actual &&
	printf "%s\n" "lyx01/1 case.opened" "lyx01/4 case.updated" "lyx01/6 case.closed" >expect &&
	test_cmp expect actual &&
	"$LD" log --entity T-lyx01-2 --json >out &&
	jeq out "[e.seq for e in d.events]" "2 3" &&
	"$LD" log --entity C-lyx01-99 >out && test "$(wc -l <out)" = 1
'

test_expect_success 'log --json gives every event with its envelope' '
	"$LD" log --json >out &&
	jeq out d.v 1 && jeq out d.kind log && jeq out d.station lyx01 &&
	jeq out "[e.seq for e in d.events]" "1 2 3 4 5 6" &&
	jeq out "[e.kind for e in d.events]" \
		"case.opened complaint.recorded complaint.identity case.updated liaison.logged case.closed" &&
	jeq out "[e.entity for e in d.events]" \
		"C-lyx01-1 T-lyx01-2 T-lyx01-2 C-lyx01-1 L-lyx01-5 C-lyx01-1" &&
	jeq out "set(e.station for e in d.events) == {\"lyx01\"}" true &&
	jeq out "set(e.unit for e in d.events) == {\"龙羊峡镇\"}" true &&
	jeq out "all(e.audience == [\"龙羊峡镇\"] for e in d.events)" true &&
	jeq out "[e.hlc for e in d.events] == sorted(set(e.hlc for e in d.events))" true &&
	jeq out d.events[3].body.note 已取样送检 &&
	jeq out d.events[5].body.reason 已停产整改
'

test_expect_success 'log --json: each prev is the hash before, the first all zeros' '
	"$LD" log --json >out &&
	jeq out d.events[0].prev 0000000000000000000000000000000000000000000000000000000000000000 &&
	jeq out "all(len(e.hash) == 64 and int(e.hash, 16) >= 0 for e in d.events)" true &&
	jeq out "len(set(e.hash for e in d.events))" 6 &&
	jeq out "all(d.events[i].prev == d.events[i - 1].hash for i in range(1, 6))" true
'

test_expect_success 'log --json: every hash is SHA-256 of the canonical event' '
	"$LD" log --json --show-identity >out &&
	python3 "$SCRATCH/chain.py" out
'

test_expect_success 'the chain check itself fails on a broken link' '
	sed "0,/\"prev\": \"0000/s//\"prev\": \"1000/" out >broken &&
	! cmp -s out broken && test_must_fail python3 "$SCRATCH/chain.py" broken
'

test_expect_success 'verify passes on a healthy database' '
	"$LD" verify >out 2>err &&
	echo "6 events from 1 station, 3 records: ok" >expect && test_cmp expect out &&
	! test -s err &&
	"$LD" verify --json >out &&
	jeq out d.v 1 && jeq out d.kind verify && jeq out d.ok true &&
	jeq out d.events 6 && jeq out d.records 3 && jeq out d.problems 0
'

test_expect_code 10 'verify finds a changed event body (events.raw)' '
	tampered t1.db &&
	sql t1.db "UPDATE events SET raw = replace(raw, \"工厂夜间排污\", \"工厂白天排污\") WHERE seq = 1" &&
	"$LD" verify --db t1.db >out 2>err; st=$?
	test_grep "PROBLEMS FOUND" out &&
	test_grep "^liandong: error: verify found .* lyx01/1: hash of event lyx01/1 does not match" err &&
	exit $st
'

test_expect_code 10 'verify --json reports the changed body too' '
	"$LD" verify --db t1.db --json >out 2>err; st=$?
	jeq out d.ok false && jeq out "d.problems >= 1" true &&
	jeq out "\"lyx01/1\" in d.first_problem" true && exit $st
'

test_expect_code 10 'log refuses to print a changed event' '
	"$LD" log --db t1.db >out 2>err; st=$?
	test_grep "^liandong: error: .*lyx01/1" err && exit $st
'

test_expect_code 10 'verify finds a changed projection (projections.doc)' '
	tampered t2.db &&
	sql t2.db "UPDATE projections SET doc = replace(doc, \"已停产整改\", \"不予立案\") WHERE entity = \"C-lyx01-1\"" &&
	"$LD" case show --db t2.db C-lyx01-1 >shown && test_grep 不予立案 shown &&
	"$LD" verify --db t2.db >out 2>err; st=$?
	test_grep "^liandong: error: .*record C-lyx01-1: projection differs" err &&
	exit $st
'

test_expect_code 10 'verify finds a deleted event row' '
	tampered t3.db &&
	sql t3.db "DELETE FROM events WHERE seq = 4" &&
	"$LD" verify --db t3.db >out 2>err; st=$?
	test_grep "^5 events" out &&
	test_grep "^liandong: error: .*gap before seq 5" err && exit $st
'

test_expect_code 10 'verify finds a column that differs from the event text' '
	tampered t4.db &&
	sql t4.db "UPDATE events SET author = \"李四\" WHERE seq = 5" &&
	"$LD" verify --db t4.db >out 2>err; st=$?
	test_grep "^liandong: error: .*lyx01/5: stored columns differ" err && exit $st
'

test_expect_code 10 'verify finds a deleted projection' '
	tampered t5.db &&
	sql t5.db "DELETE FROM projections WHERE entity = \"L-lyx01-5\"" &&
	"$LD" verify --db t5.db >out 2>err; st=$?
	test_grep "^liandong: error: .*record L-lyx01-5: projection missing" err && exit $st
'

# A careful forger: changes event 5 and recomputes its hash, and fixes the
# projection and search row to match. Only the chain can tell.
cat >"$SCRATCH/forge.py" <<'EOF'
import hashlib, json, sys
e = json.loads(sys.stdin.read())
e["body"]["summary"] = "未移交"
del e["hash"]
e["hash"] = hashlib.sha256(json.dumps(e, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False).encode("utf-8")).hexdigest()
raw = json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
print("UPDATE events SET raw = '%s', hash = '%s' WHERE seq = 5;" % (raw.replace("'", "''"), e["hash"]))
EOF

test_expect_code 10 'verify finds a re-hashed event by the broken link after it' '
	tampered t6.db &&
	sqlite3 t6.db "SELECT raw FROM events WHERE seq = 5" | python3 "$SCRATCH/forge.py" >forge.sql &&
	sqlite3 t6.db <forge.sql &&
	sql t6.db "UPDATE projections SET doc = replace(doc, \"移交水样检测\", \"未移交\") WHERE entity = \"L-lyx01-5\"" &&
	sql t6.db "UPDATE search SET body = replace(body, \"移交水样检测\", \"未移交\") WHERE rowid = (SELECT id FROM projections WHERE entity = \"L-lyx01-5\")" &&
	"$LD" liaison list --db t6.db >shown && test_grep 未移交 shown &&
	"$LD" verify --db t6.db >out 2>err; st=$?
	test_grep "^liandong: error: verify found 1 problem; the first: event lyx01/6: prev does not match the hash of seq 5" err &&
	exit $st
'

# A projection nested deeper than the agent parses (64 levels): valid
# JSON to SQLite, damage to the agent.
cat >"$SCRATCH/deep.py" <<'EOF'
print("UPDATE projections SET doc = '{\"type\":\"case\",\"x\":%s%s}'"
    " WHERE entity = 'C-lyx01-1';" % ("[" * 100, "]" * 100))
EOF

test_expect_code 10 'a projection that does not parse is said as damage (exit 10), not as "no case"' '
	tampered t7.db &&
	python3 "$SCRATCH/deep.py" | sqlite3 t7.db &&
	"$LD" case show C-lyx01-1 --db t7.db >out 2>err; st=$?
	test_grep ! "no case" err && exit $st
'

test_expect_success 'the station database itself still verifies' '
	"$LD" verify >out && test_grep ": ok\$" out
'

test_done
