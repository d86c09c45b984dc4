#!/bin/sh
# Who may write and read what through /v1/sync, checked with raw requests
# (curl + zstd) as well as with the agent: re-sending stored events is
# harmless, a fork or a gap is refused (409), a station writes only its own
# events (403) and pulls only what its unit is in the audience of, a bad or
# revoked token gets 401 (and `liandong sync` exits 8), and the agent
# verifies the server against its CA or key pin.
. "$(dirname "$0")/lib.sh"
test_plan 46

CA="$LIANDONG_SERVER_DIR/ca.pem"
ALL="lyx lyx2 qbq dth zrj" # the stations of the audience checks

# --- local helpers -----------------------------------------------------------

# ev.py builds and reads raw protocol lines (canonical JSON, as cjson.h).
cat >"$SCRATCH/ev.py" <<'EOF'
"""Raw sync lines for the checks.

  ev.py header CURSOR                  a push header
  ev.py events LOG STATION [FROM [TO]] the station's events from a
                                       `liandong log --json` file, canonical
  ev.py edit LOG STATION SEQ PATH=JSON...
                                       one of them changed (PATH like
                                       body.description) and resealed
  ev.py field KEY                      a field of the JSON line on stdin
  ev.py plan SEED N STATION:UNIT...    a random workload (see the script)
"""
import hashlib
import json
import random
import sys


def canon(o):
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True)


def seal(e):
    e.pop("hash", None)
    e["hash"] = hashlib.sha256(canon(e).encode("utf-8")).hexdigest()
    return e


def out(o):
    sys.stdout.buffer.write((canon(o) + "\n").encode("utf-8"))


def events(path, station, lo=1, hi=1 << 62):
    with open(path, encoding="utf-8") as f:
        evs = [e for e in json.load(f)["events"]
               if e["station"] == station and lo <= e["seq"] <= hi]
    for e in evs:
        if seal(dict(e))["hash"] != e["hash"]:
            sys.exit("ev.py: %s/%d does not re-hash" % (station, e["seq"]))
    if not evs:
        sys.exit("ev.py: no events of %s in %s" % (station, path))
    return sorted(evs, key=lambda e: e["seq"])


def main(a):
    if a[0] == "header":
        out({"v": 1, "cursor": int(a[1]), "acked": 0, "final": True,
             "digest": {"count": 0, "xor": "0" * 64}})
    elif a[0] == "events":
        for e in events(a[1], a[2], *[int(x) for x in a[3:5]]):
            out(e)
    elif a[0] == "edit":
        e = events(a[1], a[2], int(a[3]), int(a[3]))[0]
        for kv in a[4:]:
            path, val = kv.split("=", 1)
            *parents, last = path.split(".")
            o = e
            for p in parents:
                o = o[p]
            o[last] = json.loads(val)
        out(seal(e))
    elif a[0] == "field":
        v = json.loads(sys.stdin.readline())[a[1]]
        print(v if isinstance(v, str) else json.dumps(v))
    elif a[0] == "plan":
        # Lines "STATION ACTION ARG": open, update K (the station's K-th
        # case), refer K UNIT (once per case, to another unit),
        # complaint, liaison, and "- sync -" now and then.
        rnd = random.Random(int(a[1]))
        st = [s.split(":", 1) for s in a[3:]]
        units = sorted({u for _, u in st})
        opened = {s: 0 for s, _ in st}
        referred = {s: 0 for s, _ in st}
        for i in range(int(a[2])):
            if i % 60 == 59:
                print("- sync -")
            s, u = rnd.choice(st)
            act = rnd.choices(["open", "update", "refer", "complaint",
                               "liaison"], [30, 15, 25, 15, 15])[0]
            if act in ("update", "refer") and opened[s] == referred[s]:
                act = "open"
            if act == "open":
                opened[s] += 1
                print(s, "open", "-")
            elif act == "update":
                print(s, "update", rnd.randint(1, opened[s]))
            elif act == "refer":
                referred[s] += 1
                to = rnd.choice([x for x in units if x != u])
                print(s, "refer", referred[s], to)
            else:
                print(s, act, "-")
        print("- sync -")


main(sys.argv[1:])
EOF

# aud.py LOGDIR STATION:UNIT...: every station holds exactly the events
# whose audience includes its unit, and the union of what they hold is what
# the server holds (server.events: "station|seq|hash" lines).
cat >"$SCRATCH/aud.py" <<'EOF'
import json
import sys

held, allev = {}, {}
for arg in sys.argv[1:]:
    st, unit = arg.split(":", 1)
    with open(st + ".log", encoding="utf-8") as f:
        evs = json.load(f)["events"]
    held[st] = (unit, {(e["station"], e["seq"]) for e in evs})
    for e in evs:
        k = (e["station"], e["seq"])
        if unit not in e["audience"]:
            sys.exit("%s holds %s/%d whose audience %s lacks %s"
                     % (st, k[0], k[1], e["audience"], unit))
        if k in allev and allev[k]["hash"] != e["hash"]:
            sys.exit("%s/%d differs between replicas" % k)
        allev[k] = e
server = set()
with open("server.events", encoding="utf-8") as f:
    for line in f:
        s, q, h = line.rstrip("\n").split("|")
        server.add((s, int(q)))
        if (s, int(q)) in allev and allev[(s, int(q))]["hash"] != h:
            sys.exit("%s/%s differs from the server's" % (s, q))
if set(allev) != server:
    sys.exit("stations hold %d events, the server %d"
             % (len(allev), len(server)))
if len(allev) < 300:
    sys.exit("only %d events" % len(allev))
for st, (unit, keys) in held.items():
    want = {k for k, e in allev.items() if unit in e["audience"]}
    if keys != want:
        sys.exit("%s (%s): missing %s, extra %s" % (st, unit,
                 sorted(want - keys)[:5], sorted(keys - want)[:5]))
    got = [e for k, e in allev.items() if unit in e["audience"]
           and e["unit"] != unit]
    if not got:
        sys.exit("%s received nothing from another unit" % st)
    pulled = "%s.pulled" % st
    try:
        f = open(pulled, encoding="utf-8")
    except FileNotFoundError:
        continue
    raw = [json.loads(line) for line in f if line.strip()]
    for e in raw:
        if unit not in e["audience"]:
            sys.exit("a raw pull by %s returned %s/%d (audience %s)"
                     % (st, e["station"], e["seq"], e["audience"]))
    mine = {k for k in want if k[0] == st}
    if {(e["station"], e["seq"]) for e in raw} != want - mine \
            or len(raw) != len(want - mine):
        sys.exit("a raw pull by %s returned %d events, expected %d"
                 % (st, len(raw), len(want - mine)))
print("ok: %d events, %d stations" % (len(allev), len(held)))
EOF

ev() {
	python3 "$SCRATCH/ev.py" "$@"
}

# enrol NAME UNIT [ROLE]: lib.sh's add_station, except that the code comes
# after "--": a code is base64url and may start with "-", which the agent
# would take for an option.
enrol() {
	"$LDS" station add --name "$1" --unit "$2" --role "${3:-township}" \
		>"$SCRATCH/$1.code" || return 1
	"$LD" init --db "$SCRATCH/$1.db" --station "$1" --unit "$2" >/dev/null ||
		return 1
	"$LD" enroll --db "$SCRATCH/$1.db" --ca "$CA" -- "$SERVER_URL" \
		"$(tail -n 1 "$SCRATCH/$1.code")" >/dev/null
}

auth() { # NAME: the Authorization header of station NAME
	echo "Authorization: Bearer $(cat "$SCRATCH/$1.db.token")"
}

# req METHOD PATH [curl options]: the status goes to ./code, the answer to
# ./answer; fails only when no HTTP answer came back.
req() {
	_m=$1 _p=$2
	shift 2
	curl -sS --max-time 60 --cacert "$CA" -X "$_m" -o answer \
		-w '%{http_code}' "$@" "$SERVER_URL$_p" >code
}

push() { # AUTH-HEADER FILE: POST /v1/sync with FILE as the zstd body
	req POST /v1/sync -H "$1" -H "Content-Encoding: zstd" \
		--data-binary @"$2"
}

pack() { # FILE: stdin compressed into FILE
	zstd -q -c >"$1"
}

# show FILE: an answer for a failure message: JSON as text, anything else
# summarized, always ending with a newline.
show() {
	python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
if b[:1] in (b"{", b"["):
    print(b[:600].decode("utf-8", "replace"))
else:
    print("(%d bytes, %s)" % (len(b), "zstd" if b[:4] == b"\x28\xb5\x2f\xfd"
                              else "not JSON"))' "$1"
}

# answer_is STATUS: the last answer has STATUS and, if a refusal, a JSON
# {"error": "..."} body.
answer_is() {
	if [ "$(cat code)" != "$1" ]; then
		echo "status $(cat code), expected $1:"
		show answer
		return 1
	fi
	[ "$1" -lt 400 ] && return 0
	python3 -c '
import json; d = json.load(open("answer", encoding="utf-8"))
assert isinstance(d.get("error"), str) and d["error"], d' || {
		show answer
		return 1
	}
}

# error_says TEXT: the last refusal's error message mentions TEXT.
error_says() {
	python3 -c '
import json, sys
e = json.load(open("answer", encoding="utf-8"))["error"]
sys.exit(0 if sys.argv[1] in e else "%r not in the error %r" % (sys.argv[1], e))' "$1"
}

# unpack: a sync answer on stdin, decompressed with the server's
# dictionary (server.conf's "dict"), if it has one.
unpack() {
	if [ -n "$DICT" ]; then
		zstd -dcq -D "$DICT"
	else
		zstd -dcq
	fi
}

# answer_field KEY: a field of the header of the last sync answer.
answer_field() {
	unpack <answer | head -n 1 | ev field "$1"
}

logof() { # NAME: NAME.log, the station's raw event log
	on "$1" log --json >"$SCRATCH/$1.log"
}

status_cursor() { # NAME: the server's cursor for the station
	req GET /v1/status -H "$(auth "$1")" && answer_is 200 &&
		ev field cursor <answer
}

# snapshot FILE: all the server holds (stations, projections, stored events
# and routes), to compare before and after a refused request.
snapshot() {
	"$LDS" station list --json >"$1" &&
	"$LDS" dump >>"$1" &&
	sqlite3 "$LIANDONG_SERVER_DIR/server.db" \
		"SELECT count(*), coalesce(max(cursor), 0) FROM events;
		 SELECT count(*) FROM routes; SELECT * FROM digests;" >>"$1"
}

head_of() { # NAME: the seq the server holds for the station
	"$LDS" station list --json | python3 -c '
import json, sys
print([s["events"] for s in json.load(sys.stdin)["stations"]
       if s["station"] == sys.argv[1]][0])' "$1"
}

alive() {
	kill -0 "$SERVER_PID"
}

# --- set-up: a server, stations of four units, a little history ------------

start_server --max-auth-failures 100000
DICT=$(sed -n 's/^dict *= *//p' "$LIANDONG_SERVER_DIR/server.conf")
enrol lyx 龙羊峡镇
enrol lyx2 龙羊峡镇
enrol qbq 恰卜恰镇
enrol dth 倒淌河镇
enrol zrj 县自然资源局 department
enrol gone 恰卜恰镇
refresh_directory lyx lyx2 qbq dth zrj gone
test_expect_success 'six stations of four units enroll' '
	for s in $ALL gone; do test -s "$s.db.token" || exit 1; done
'

test_expect_success 'stations record and sync a little history' '
	on lyx case open --source patrol --category 违法建设 --location 查纳村 \
		--description "违法建房" >lyx.case &&
	on lyx referral send "$(cat lyx.case)" --to 县自然资源局 \
		--letter 移送函 --source-material 检查笔录 --evidence 照片 >/dev/null &&
	on lyx liaison log --type patrol --summary 巡查 >/dev/null &&
	on qbq liaison log --type contact --summary 联络 >/dev/null &&
	on gone liaison log --type contact --summary 联络 >/dev/null &&
	# Twice: the receiving unit records the receipt of the referral when it
	# pulls it (docs/rules.md), which the others then pull.
	for r in 1 2; do
		for s in $ALL gone; do on "$s" sync >/dev/null || exit 1; done
	done &&
	test "$(head_of lyx)" -ge 3 && test "$(head_of qbq)" = 1
'
# The seqs the server holds: the raw requests below build on them.
L=$(head_of lyx)
Q=$(head_of qbq)

# --- re-sending ----------------------------------------------------------------

test_expect_success 're-pushing stored events answers 200 and stores nothing' '
	snapshot before &&
	logof lyx && cursor=$(status_cursor lyx) &&
	{ ev header "$cursor" && ev events lyx.log lyx; } | pack again.zst &&
	push "$(auth lyx)" again.zst && answer_is 200 &&
	test "$(answer_field acked)" = "$L" &&
	test "$(answer_field quarantined)" = "[]" &&
	{ ev header "$cursor" && ev events lyx.log lyx 2 "$L" &&
		ev events lyx.log lyx 1 1; } | pack again2.zst &&
	push "$(auth lyx)" again2.zst && answer_is 200 &&
	test "$(answer_field acked)" = "$L" &&
	snapshot after && test_cmp before after &&
	on lyx sync --json >s.json && test_grep "\"pushed\": 0" s.json
'

# --- forks and gaps ------------------------------------------------------------

test_expect_success 'the same seq with a different body (resealed) is a fork: 409' '
	snapshot before &&
	logof lyx &&
	ev edit lyx.log lyx 1 "body.description=\"改过的\"" >fork.line &&
	test_grep ! "$(ev events lyx.log lyx 1 1 | ev field hash)" fork.line &&
	{ ev header 0 && cat fork.line; } | pack fork.zst &&
	push "$(auth lyx)" fork.zst && answer_is 409 && error_says fork &&
	snapshot after && test_cmp before after
'

test_expect_success 'a next event that does not chain to the head is a fork: 409' '
	snapshot before &&
	on lyx liaison log --type contact --summary 待发 >/dev/null && logof lyx &&
	prev1=$(ev events lyx.log lyx 1 1 | ev field hash) &&
	{ ev header 0 && ev edit lyx.log lyx $((L + 1)) "prev=\"$prev1\""; } |
		pack badprev.zst &&
	push "$(auth lyx)" badprev.zst && answer_is 409 &&
	snapshot after && test_cmp before after
'

test_expect_success 'a seq that skips one is a gap: 409' '
	snapshot before &&
	logof lyx &&
	{ ev header 0 && ev edit lyx.log lyx $((L + 1)) seq=$((L + 2)) \
		entity=\"L-lyx-$((L + 2))\"; } |
		pack gap.zst &&
	push "$(auth lyx)" gap.zst && answer_is 409 && error_says gap &&
	snapshot after && test_cmp before after
'

test_expect_success 'a good event followed by a gap: 409 and neither is stored' '
	snapshot before &&
	{ ev header 0 && ev events lyx.log lyx $((L + 1)) $((L + 1)) &&
		ev edit lyx.log lyx $((L + 1)) seq=$((L + 3)) \
			entity=\"L-lyx-$((L + 3))\"; } | pack half.zst &&
	push "$(auth lyx)" half.zst && answer_is 409 &&
	snapshot after && test_cmp before after && test "$(head_of lyx)" = "$L"
'

test_expect_success 'two versions of the next seq in one push: 409, neither stored' '
	snapshot before &&
	{ ev header 0 && ev events lyx.log lyx $((L + 1)) $((L + 1)) &&
		ev edit lyx.log lyx $((L + 1)) "body.summary=\"另一版本\""; } |
		pack twice.zst &&
	push "$(auth lyx)" twice.zst && answer_is 409 && error_says fork &&
	snapshot after && test_cmp before after
'

test_expect_success 'the next event twice in one push: 200, stored once' '
	n=$(sqlite3 "$LIANDONG_SERVER_DIR/server.db" "SELECT count(*) FROM events") &&
	{ ev header "$(status_cursor lyx)" &&
		ev events lyx.log lyx $((L + 1)) $((L + 1)) &&
		ev events lyx.log lyx $((L + 1)) $((L + 1)); } | pack twice.zst &&
	push "$(auth lyx)" twice.zst && answer_is 200 &&
	test "$(answer_field acked)" = $((L + 1)) &&
	test "$(head_of lyx)" = $((L + 1)) &&
	test "$(sqlite3 "$LIANDONG_SERVER_DIR/server.db" \
		"SELECT count(*) FROM events")" = $((n + 1))
'

test_expect_success 'the agent then syncs normally and verifies' '
	on lyx sync --json >s.json && test_grep "\"pending\": 0" s.json &&
	test "$(head_of lyx)" = $((L + 1)) && on lyx verify >/dev/null
'

# --- writing as someone else ---------------------------------------------------

test_expect_success 'another station'"'"'s event (correctly hashed) under my token: 403' '
	snapshot before &&
	on qbq liaison log --type contact --summary 待发 >/dev/null && logof qbq &&
	{ ev header 0 && ev events qbq.log qbq $((Q + 1)) $((Q + 1)); } |
		pack forged.zst &&
	push "$(auth lyx)" forged.zst && answer_is 403 &&
	snapshot after && test_cmp before after
'

test_expect_success 'an event claiming another unit (resealed): 403' '
	snapshot before &&
	on lyx liaison log --type contact --summary 待发 >/dev/null && logof lyx &&
	{ ev header 0 && ev edit lyx.log lyx $((L + 2)) "unit=\"恰卜恰镇\"" \
		"audience=[\"恰卜恰镇\"]"; } | pack otherunit.zst &&
	push "$(auth lyx)" otherunit.zst && answer_is 403 &&
	snapshot after && test_cmp before after
'

test_expect_success 'my good event followed by a forged one: 403 and neither is stored' '
	snapshot before &&
	{ ev header 0 && ev events lyx.log lyx $((L + 2)) $((L + 2)) &&
		ev events qbq.log qbq $((Q + 1)) $((Q + 1)); } |
		pack mixed.zst &&
	push "$(auth lyx)" mixed.zst && answer_is 403 &&
	snapshot after && test_cmp before after
'

test_expect_success 'both stations then push their own events normally' '
	on lyx sync >/dev/null && on qbq sync >/dev/null &&
	test "$(head_of lyx)" = $((L + 2)) && test "$(head_of qbq)" = $((Q + 1)) &&
	on lyx verify >/dev/null && on qbq verify >/dev/null
'

# --- tokens ----------------------------------------------------------------

printf 'lyx:%s\n' "$(cut -d: -f2 lyx.db.token | tr 'A-Za-z' 'N-ZA-Mn-za-m')" \
	>wrong.token
test_expect_success 'a token with the wrong secret: 401 on sync and status' '
	snapshot before &&
	ev header 0 | pack empty.zst &&
	push "Authorization: Bearer $(cat wrong.token)" empty.zst && answer_is 401 &&
	req GET /v1/status -H "Authorization: Bearer $(cat wrong.token)" &&
	answer_is 401 &&
	snapshot after && test_cmp before after
'

test_expect_success 'no token at all: 401 on sync and status' '
	push "X-No-Token: 1" empty.zst && answer_is 401 &&
	req GET /v1/status && answer_is 401
'

test_expect_success 'malformed tokens: 401 on sync and status' '
	long=$(printf "%040d" 0) &&
	for h in "Bearer" "Bearer " "Bearer lyx" "Bearer :x" "bearer $(cat lyx.db.token)" \
		"Basic $(cat lyx.db.token)" "Bearer $long:x" "Bearer lyx:" \
		"Bearer nobody:$(cut -d: -f2 lyx.db.token)" \
		"Bearer LYX:$(cut -d: -f2 lyx.db.token)"; do
		push "Authorization: $h" empty.zst && answer_is 401 || exit 1
		req GET /v1/status -H "Authorization: $h" && answer_is 401 || exit 1
	done
'

test_expect_code 8 'liandong sync with a wrong token exits 8' '
	cp -p lyx.db.token lyx.token.good &&
	cat wrong.token >lyx.db.token &&
	on lyx sync; rc=$?
	cp -p lyx.token.good lyx.db.token
	exit $rc
'

test_expect_code 8 'liandong sync with a malformed token exits 8' '
	cp -p lyx.db.token lyx.token.good &&
	echo "not-a-token" >lyx.db.token &&
	on lyx sync; rc=$?
	cp -p lyx.token.good lyx.db.token
	exit $rc
'

# The agent cannot send a request without a token: it stops before the
# network with a configuration error (docs/exit-codes.md).
test_expect_code 5 'liandong sync without a token file exits 5 (not enrolled)' '
	mv lyx.db.token lyx.token.good &&
	on lyx sync; rc=$?
	mv lyx.token.good lyx.db.token
	exit $rc
'

test_expect_success 'the right token still works' '
	req GET /v1/status -H "$(auth lyx)" && answer_is 200 &&
	on lyx sync >/dev/null
'

test_expect_success 'revocation takes effect on the very next request' '
	req GET /v1/status -H "$(auth gone)" && answer_is 200 &&
	on gone liaison log --type contact --summary 撤销前 >/dev/null &&
	"$LDS" station revoke gone >/dev/null &&
	snapshot before &&
	{ on gone sync >gone.out 2>&1; test $? = 8; } &&
	snapshot after && test_cmp before after &&
	test "$(head_of gone)" = 1 &&
	"$LDS" station list >list && test_grep "gone .*revoked" list
'

test_expect_success 'a revoked token gets 401 on sync and status' '
	ev header 0 | pack empty.zst &&
	push "$(auth gone)" empty.zst && answer_is 401 &&
	req GET /v1/status -H "$(auth gone)" && answer_is 401
'

test_expect_code 8 'liandong sync of the revoked station exits 8' '
	on gone sync
'

# --- reading only what the unit may see -------------------------------------

test_expect_success 'a few hundred events across five stations of four units' '
	ev plan 2611 300 lyx:龙羊峡镇 lyx2:龙羊峡镇 qbq:恰卜恰镇 dth:倒淌河镇 \
		zrj:县自然资源局 >plan &&
	n=0 &&
	while read -r st act k to; do
		n=$((n + 1))
		case $act in
		open)
			on "$st" case open --source patrol --category 违法建设 \
				--location "村$n" --description "记录 $n" >>"$st.cases" ;;
		update)
			on "$st" case update "$(sed -n "${k}p" "$st.cases")" \
				--note "进展 $n" >/dev/null ;;
		refer)
			on "$st" referral send "$(sed -n "${k}p" "$st.cases")" \
				--to "$to" --letter "移送函 $n" --source-material 检查笔录 \
				--evidence 照片 >/dev/null ;;
		complaint)
			on "$st" complaint record --type complaint --channel phone \
				--matter "事项 $n" --description "描述 $n" --name "某$n" \
				--phone 13800000000 >/dev/null ;;
		liaison)
			on "$st" liaison log --type contact --summary "联络 $n" \
				>/dev/null ;;
		sync)
			for s in $ALL; do on "$s" sync >/dev/null || exit 1; done ;;
		*)
			false ;;
		esac || { echo "plan line $n failed: $st $act $k $to"; exit 1; }
	done <plan &&
	for s in $ALL; do on "$s" sync >/dev/null || exit 1; done &&
	for s in $ALL; do on "$s" sync --json >s.json || exit 1
		test_grep "\"pending\": 0" s.json || exit 1
	done
'

test_expect_success 'each station holds exactly the events its unit is in the audience of' '
	for s in $ALL; do logof "$s" || exit 1; done &&
	sqlite3 "$LIANDONG_SERVER_DIR/server.db" \
		"SELECT station, seq, hash FROM events" >server.events &&
	python3 "$SCRATCH/aud.py" lyx:龙羊峡镇 lyx2:龙羊峡镇 qbq:恰卜恰镇 \
		dth:倒淌河镇 zrj:县自然资源局
'

test_expect_success 'a raw pull from cursor 0 returns only the unit'"'"'s events, all of them' '
	for s in $ALL; do
		c=0 i=0
		: >"$s.pulled"
		while :; do
			i=$((i + 1))
			[ $i -le 50 ] || { echo "pull of $s does not end"; exit 1; }
			ev header "$c" | pack pull.zst || exit 1
			push "$(auth "$s")" pull.zst && answer_is 200 || exit 1
			unpack <answer >pull.ndjson || exit 1
			sed 1d pull.ndjson >>"$s.pulled"
			c=$(head -n 1 pull.ndjson | ev field cursor) || exit 1
			[ "$(head -n 1 pull.ndjson | ev field more)" = true ] || break
		done
	done &&
	python3 "$SCRATCH/aud.py" lyx:龙羊峡镇 lyx2:龙羊峡镇 qbq:恰卜恰镇 \
		dth:倒淌河镇 zrj:县自然资源局
'

test_expect_success 'every station converged with the server and verifies' '
	for s in $ALL; do on "$s" sync >/dev/null && on "$s" verify >/dev/null ||
		exit 1; done &&
	converged lyx 龙羊峡镇 && converged lyx2 龙羊峡镇 &&
	converged qbq 恰卜恰镇 && converged dth 倒淌河镇 &&
	converged zrj 县自然资源局
'

# --- TLS ---------------------------------------------------------------------

OTHER="$SCRATCH/other"
"$LDS" init --dir "$OTHER" --county 别县 --listen 127.0.0.1:0 >other.out
PIN=$(sed -n 's/^server key pin: //p' init.out)
OTHER_PIN=$(sed -n 's/^server key pin: //p' other.out)
"$LDS" station add --name tls1 --unit 倒淌河镇 >tls1.code
"$LDS" station add --name tls2 --unit 倒淌河镇 >tls2.code
"$LD" init --db "$SCRATCH/tls1.db" --station tls1 --unit 倒淌河镇 >/dev/null
"$LD" init --db "$SCRATCH/tls2.db" --station tls2 --unit 倒淌河镇 >/dev/null

test_expect_success 'another county CA and its key pin exist' '
	test -f "$OTHER/ca.pem" && ! cmp -s "$OTHER/ca.pem" "$CA" &&
	case "$PIN" in sha256//?*) ;; *) exit 1 ;; esac &&
	case "$OTHER_PIN" in sha256//?*) ;; *) exit 1 ;; esac &&
	test "$PIN" != "$OTHER_PIN"
'

test_expect_code 7 'enrolling with the wrong CA exits 7' '
	on tls1 enroll --ca "$OTHER/ca.pem" -- "$SERVER_URL" "$(tail -n 1 tls1.code)"
'

test_expect_success '... and changes nothing: no token, code still unused' '
	test ! -e tls1.db.token &&
	"$LDS" station list >list && test_grep "tls1 .*pending" list &&
	{ on tls1 sync; test $? = 5; }
'

test_expect_code 7 'enrolling with a wrong pin exits 7' '
	on tls2 enroll --pin "$OTHER_PIN" -- "$SERVER_URL" "$(tail -n 1 tls2.code)"
'

test_expect_success 'a made-up pin fails too, and neither changed anything' '
	test_must_fail on tls2 enroll --pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" \
		-- "$SERVER_URL" "$(tail -n 1 tls2.code)" &&
	test ! -e tls2.db.token &&
	"$LDS" station list >list && test_grep "tls2 .*pending" list
'

test_expect_success 'enrolling with the right CA works (the code was still good)' '
	on tls1 enroll --ca "$CA" -- "$SERVER_URL" "$(tail -n 1 tls1.code)" \
		>/dev/null && test -s tls1.db.token
'

test_expect_success 'enrolling and syncing with the right pin alone works' '
	on tls2 enroll --pin "$PIN" -- "$SERVER_URL" "$(tail -n 1 tls2.code)" \
		>/dev/null && test -s tls2.db.token &&
	on tls2 liaison log --type contact --summary 固定公钥 >/dev/null &&
	on tls2 sync --json >s.json && test_grep "\"pushed\": 1" s.json
'

# set_meta NAME KEY FILE: the station's stored server setting KEY, from FILE
set_meta() {
	sqlite3 "$SCRATCH/$1.db" "UPDATE meta SET value = CAST(readfile('$3') AS TEXT)
		WHERE key = '$2'; SELECT changes();" | grep -qx 1
}

on tls1 liaison log --type contact --summary 待发 >/dev/null
sqlite3 tls1.db "SELECT value FROM meta WHERE key = 'server_ca'" >tls1.ca
test_expect_code 7 'syncing against a server the station'"'"'s CA did not sign exits 7' '
	snapshot before &&
	set_meta tls1 server_ca "$OTHER/ca.pem" && on tls1 sync
'

test_expect_success '... and changes nothing on either side' '
	snapshot after && test_cmp before after &&
	on tls1 status >st && test_grep "1 of 1 events not yet" st
'

test_expect_success 'with its own CA back, the station syncs' '
	set_meta tls1 server_ca "$CA" &&
	on tls1 sync --json >s.json && test_grep "\"pushed\": 1" s.json
'

printf '%s' "$OTHER_PIN" >other.pin
printf '%s' "$PIN" >good.pin
on tls2 liaison log --type contact --summary 待发 >/dev/null
test_expect_code 7 'syncing with a wrong pin exits 7' '
	snapshot before &&
	set_meta tls2 server_pin other.pin && on tls2 sync
'

test_expect_success '... changes nothing, and the right pin syncs again' '
	snapshot after && test_cmp before after &&
	set_meta tls2 server_pin good.pin &&
	on tls2 sync --json >s.json && test_grep "\"pushed\": 1" s.json
'

test_expect_success 'curl with the wrong CA is refused by TLS too' '
	test_must_fail curl -sS --max-time 10 --cacert "$OTHER/ca.pem" \
		-H "$(auth lyx)" "$SERVER_URL/v1/status"
'

# --- plain HTTP to the HTTPS port ---------------------------------------------

test_expect_success 'plain http:// to the HTTPS port fails at once, no answer' '
	PLAIN="http://127.0.0.1:$SERVER_PORT" &&
	curl -sS --max-time 10 -o plain.out -w "%{http_code}" -H "$(auth lyx)" \
		"$PLAIN/v1/status" >plain.code; rc=$?
	echo "curl exit $rc, status $(cat plain.code)"
	test $rc -ne 0 && test $rc -ne 28 && test "$(cat plain.code)" = 000
'

"$LDS" station add --name plain --unit 倒淌河镇 >plain.code
"$LD" init --db "$SCRATCH/plain.db" --station plain --unit 倒淌河镇 >/dev/null
test_expect_code 7 'enrolling over plain http:// to the HTTPS port exits 7' '
	LIANDONG_INSECURE_HTTP=1 on plain enroll --ca "$CA" -- \
		"http://127.0.0.1:$SERVER_PORT" "$(tail -n 1 plain.code)"
'

test_expect_success '... and the server keeps serving; the code is still good' '
	alive && req GET /v1/status -H "$(auth lyx)" && answer_is 200 &&
	"$LDS" station list >list && test_grep "plain .*pending" list &&
	on plain enroll --ca "$CA" -- "$SERVER_URL" "$(tail -n 1 plain.code)" \
		>/dev/null
'

# --- the end -------------------------------------------------------------------

test_expect_success 'the server log has no tokens' '
	for s in $ALL gone tls1 tls2; do
		test_grep ! "$(cut -d: -f2 "$s.db.token")" "$SCRATCH/server.log" ||
			exit 1
	done
'

kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
SERVER_RC=$?
test_expect_success 'the server stops cleanly, with no sanitizer report' '
	echo "server exit $SERVER_RC" &&
	test "$SERVER_RC" = 0 && test_grep "event=stop" "$SCRATCH/server.log" &&
	test_grep ! "Sanitizer\|runtime error" "$SCRATCH/server.log"
'

test_done
