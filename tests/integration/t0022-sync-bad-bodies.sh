#!/bin/sh
# Bad request bodies sent straight to the server (curl + zstd): each gets a
# clear 4xx with a JSON {"error": ...} body, stores nothing, and the server
# keeps serving with bounded memory (DESIGN.md 3: request and decompressed
# size, JSON depth and event count are limits the server enforces).
. "$(dirname "$0")/lib.sh"
test_plan 48

CA="$LIANDONG_SERVER_DIR/ca.pem"

# The server's peak resident memory (VmHWM) is bounded by what its limits
# allow (common/proto.h, common/codec.c, server/api.c), over what it held
# after serving the first syncs (the baseline, measured below):
#   - one decompression at a time (under the api lock), with a window of
#     at most 8 MiB (zstd windowLogMax 23), its output at most the cap,
#     16 MiB: a bomb costs the cap and the window;
#   - a little more (SLACK): request bodies being read (a bomb is under
#     100 kB, a refused body at most 4 MiB), answers, parsing.
# So: baseline + 8 + 16 + 8 MiB. A cap twice as large, a second window or
# a buffer that outlives its request passes it.
#
# The server runs with glibc's mmap threshold fixed at 128 kB (its
# default, which glibc otherwise raises after the first large free): each
# large buffer is then its own mapping, returned when freed, and VmHWM
# measures what the server holds, not what an allocator arena keeps for
# later (up to a body and a cap per worker thread). Under AddressSanitizer
# the bound adds what the sanitizer holds: the old buffer beside the new
# one while the output grows (its realloc copies: one more cap), freed
# blocks in the quarantine (kept to 16 MiB below) and the shadow memory
# (an eighth of the memory touched, 8 MiB at most here).
WINDOW_MIB=8 CAP_MIB=16 SLACK_MIB=8
case "$BUILD" in *-san | *-san/) SAN=1 ;; *) SAN=0 ;; esac
ldd "$LDS" 2>/dev/null | grep -q libasan && SAN=1
SAN_MIB=0
[ $SAN = 1 ] && SAN_MIB=$((CAP_MIB + 16 + 8))

# --- local helpers -----------------------------------------------------------

# ev.py builds raw protocol lines (canonical JSON, as cjson.h).
cat >"$SCRATCH/ev.py" <<'EOF'
"""Raw sync lines for the checks.

  ev.py header CURSOR                 a push header
  ev.py event LOG STATION [PATH=JSON...] [--keep-hash]
                                      the station's newest event from a
                                      `liandong log --json` file, canonical,
                                      changed (PATH like body.summary) and
                                      resealed unless --keep-hash
  ev.py chain LOG STATION N           N liaison events continuing the
                                      station's chain
  ev.py field KEY                     a field of the JSON line on stdin
"""
import copy
import hashlib
import json
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


def own(path, station):
    with open(path, encoding="utf-8") as f:
        evs = [e for e in json.load(f)["events"] if e["station"] == station]
    if not evs:
        sys.exit("ev.py: no events of %s in %s" % (station, path))
    return sorted(evs, key=lambda e: e["seq"])


def main(a):
    if a[0] == "header":
        out({"v": 1, "cursor": int(a[1]), "acked": 0, "final": True,
             "digest": {"count": 0, "xor": "0" * 64}})
    elif a[0] == "event":
        e = own(a[1], a[2])[-1]
        if seal(dict(e))["hash"] != e["hash"]:
            sys.exit("ev.py: the newest event does not re-hash")
        for kv in a[3:]:
            if kv == "--keep-hash":
                continue
            path, val = kv.split("=", 1)
            *parents, last = path.split(".")
            o = e
            for p in parents:
                o = o[p]
            o[last] = json.loads(val)
        out(e if "--keep-hash" in a[3:] else seal(e))
    elif a[0] == "chain":
        evs = own(a[1], a[2])
        last = evs[-1]
        tmpl = [e for e in evs if e["kind"] == "liaison.logged"][-1]
        for i in range(1, int(a[3]) + 1):
            e = copy.deepcopy(tmpl)
            e["seq"] = last["seq"] + i
            e["hlc"] = last["hlc"] + i
            e["entity"] = "L-%s-%d" % (a[2], e["seq"])
            e["prev"] = prev if i > 1 else last["hash"]
            e["body"]["summary"] = "批量 %d" % i
            prev = seal(e)["hash"]
            out(e)
    elif a[0] == "field":
        v = json.loads(sys.stdin.readline())[a[1]]
        print(v if isinstance(v, str) else json.dumps(v))


main(sys.argv[1:])
EOF

ev() {
	python3 "$SCRATCH/ev.py" "$@"
}

# enrol NAME UNIT: lib.sh's add_station, except that the code comes after
# "--": a code is base64url and may start with "-", which the agent would
# take for an option.
enrol() {
	"$LDS" station add --name "$1" --unit "$2" >"$SCRATCH/$1.code" ||
		return 1
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

push() { # FILE [curl options]: POST /v1/sync as s1, FILE the zstd body
	_f=$1
	shift
	req POST /v1/sync -H "$(auth s1)" -H "Content-Encoding: zstd" \
		--data-binary @"$_f" "$@"
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

# answer_is STATUS...: the last answer has one of the STATUSes and, if a
# refusal, a JSON {"error": "..."} body.
answer_is() {
	for _s in "$@"; do
		[ "$(cat code)" = "$_s" ] && break
	done
	if [ "$(cat code)" != "$_s" ]; then
		echo "status $(cat code), expected $*:"
		show answer
		return 1
	fi
	[ "$_s" -lt 400 ] && return 0
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

# snapshot FILE: all the server holds (stations, projections, stored events
# and routes), to compare before and after a refused request.
snapshot() {
	"$LDS" station list --json >"$1" &&
	"$LDS" dump >>"$1" &&
	server_sql \
		"SELECT count(*), coalesce(max(cursor), 0) FROM events;
		 SELECT count(*) FROM routes; SELECT * FROM digests;" >>"$1"
}

# fresh: station s1 records an event it has not synced yet; s1.log is its
# log and fresh.line the event's canonical line, which a refused request
# carries so that a partial store would show.
fresh() {
	on s1 liaison log --type contact --summary 待发 >/dev/null &&
	on s1 log --json >s1.log &&
	ev event s1.log s1 >fresh.line
}

head_of() { # NAME: the seq the server holds for the station
	"$LDS" station list --json | python3 -c '
import json, sys
print([s["events"] for s in json.load(sys.stdin)["stations"]
       if s["station"] == sys.argv[1]][0])' "$1"
}

hwm_kb() { # the server's peak resident memory so far, in kB
	sed -n 's/^VmHWM:[^0-9]*\([0-9]*\) kB$/\1/p' "/proc/$SERVER_PID/status"
}

# refusal STATUS... -- CMD...: runs CMD (a request filling ./code and
# ./answer) and checks that the answer has one of the STATUSes and a JSON
# error, that the server stored nothing, is alive, and that s1 then syncs
# normally: everything it has (the fresh event too) reaches the server.
refusal() {
	_want=""
	while [ "$1" != "--" ]; do
		_want="$_want $1"
		shift
	done
	shift
	snapshot before || return 1
	"$@" || { echo "no answer from the server"; return 1; }
	# shellcheck disable=SC2086
	answer_is $_want || return 1
	snapshot after && test_cmp before after || return 1
	kill -0 "$SERVER_PID" || { echo "the server died"; return 1; }
	on s1 sync --json >sync.json && test_grep "\"pending\": 0" sync.json
}

# --- set-up -----------------------------------------------------------------

# Under AddressSanitizer (build-san) freed blocks wait in a quarantine of
# 256 MB by default, which counts as the server's memory: keep it small so
# that the bound measures the server, not the sanitizer.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
export ASAN_OPTIONS
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072
start_server --max-auth-failures 100000
unset GLIBC_TUNABLES
enrol s1 龙羊峡镇
enrol s2 恰卜恰镇
enrol bulk 倒淌河镇
"$LDS" station add --name late --unit 倒淌河镇 >late.code
test_expect_success 'three stations with a little history, one not enrolled' '
	on s1 case open --source patrol --category 违法建设 --location 查纳村 \
		--description 违法建房 >/dev/null &&
	on s2 liaison log --type contact --summary 联络 >/dev/null &&
	on bulk liaison log --type contact --summary 联络 >/dev/null &&
	for s in s1 s2 bulk; do on "$s" sync >/dev/null || exit 1; done &&
	"$LDS" station list >list && test_grep "late .*pending" list &&
	test "$(hwm_kb)" -gt 0
'
BASE_KB=$(hwm_kb)
HWM_MAX_KB=$((${BASE_KB:-0} + (WINDOW_MIB + CAP_MIB + SLACK_MIB + SAN_MIB) * 1024))
[ -n "$BASE_KB" ] || HWM_MAX_KB=0 # no baseline: every bound fails
echo "# peak memory after set-up ${BASE_KB:-?} kB; bound $HWM_MAX_KB kB"

test_expect_success 'a well-formed raw push is accepted (the helpers work)' '
	fresh &&
	{ ev header 0 && cat fresh.line; } | pack good.zst &&
	push good.zst && answer_is 200 &&
	test "$(head_of s1)" = "$(ev field seq <fresh.line)" &&
	on s1 sync --json >sync.json && test_grep "\"pending\": 0" sync.json
'

# --- compression ---------------------------------------------------------------

test_expect_success 'a zstd body cut in half: 400' '
	fresh &&
	{ ev header 0 && cat fresh.line; } | pack whole.zst &&
	head -c $(($(wc -c <whole.zst) / 2)) whole.zst >half.zst &&
	refusal 400 -- push half.zst
'

test_expect_success 'a zstd body missing only its last byte: 400' '
	fresh &&
	{ ev header 0 && cat fresh.line; } | pack whole.zst &&
	head -c $(($(wc -c <whole.zst) - 1)) whole.zst >short.zst &&
	refusal 400 -- push short.zst
'

test_expect_success 'an empty body: 400' '
	: >empty.zst && refusal 400 -- push empty.zst
'

test_expect_success 'a zstd bomb (200 MB of zeros): 413, memory stays bounded' '
	head -c 200000000 /dev/zero | zstd -19 -q -c >bomb.zst &&
	test "$(wc -c <bomb.zst)" -lt 100000 &&
	refusal 413 -- push bomb.zst &&
	echo "VmHWM $(hwm_kb) kB, bound $HWM_MAX_KB kB" &&
	test "$(hwm_kb)" -le $HWM_MAX_KB
'

test_expect_success 'a bomb behind a valid header and event: 413, nothing stored' '
	fresh &&
	{ ev header 0 && cat fresh.line && head -c 100000000 /dev/zero; } |
		zstd -19 -q -c >bomb2.zst &&
	refusal 413 -- push bomb2.zst &&
	test "$(hwm_kb)" -le $HWM_MAX_KB
'

test_expect_success 'four bombs at once: all 413, memory stays bounded' '
	snapshot before &&
	for i in 1 2 3 4; do
		curl -sS --max-time 60 --cacert "$CA" -o "bomb$i.answer" \
			-w "%{http_code}" -H "$(auth s1)" -H "Content-Encoding: zstd" \
			--data-binary @bomb.zst "$SERVER_URL/v1/sync" >"bomb$i.code" &
	done
	wait &&
	for i in 1 2 3 4; do
		test "$(cat "bomb$i.code")" = 413 || { show "bomb$i.answer"; exit 1; }
	done &&
	snapshot after && test_cmp before after &&
	echo "VmHWM $(hwm_kb) kB, bound $HWM_MAX_KB kB" &&
	test "$(hwm_kb)" -le $HWM_MAX_KB
'

test_expect_success 'a body one byte over the compressed limit (4 MiB): 413' '
	head -c 4194305 /dev/urandom >big.zst &&
	refusal 413 -- push big.zst &&
	test "$(hwm_kb)" -le $HWM_MAX_KB
'

test_expect_success 'a chunked body over the limit (no Content-Length): 413' '
	head -c 10000000 /dev/urandom >chunked.zst &&
	refusal 413 -- push chunked.zst -H "Transfer-Encoding: chunked" &&
	test "$(hwm_kb)" -le $HWM_MAX_KB
'

test_expect_success 'a frame that needs a 2 GB window (zstd --long=31): 400 or 413' '
	fresh &&
	{ ev header 0 && cat fresh.line && head -c 50000000 /dev/zero; } |
		zstd -q -c --long=31 >long.zst &&
	refusal 400 413 -- push long.zst &&
	test "$(hwm_kb)" -le $HWM_MAX_KB
'

test_expect_success 'a body of exactly the limit is read (garbage: 400, not 413)' '
	head -c 4194304 /dev/urandom >limit.zst &&
	refusal 400 -- push limit.zst
'

test_expect_success 'not zstd at all, though labelled zstd: 400' '
	fresh &&
	{ ev header 0 && cat fresh.line; } >plain.ndjson &&
	refusal 400 -- push plain.ndjson
'

# A sync body is always zstd: the agent says nothing of it (issue 15), and
# a body without Content-Encoding is read as one; one that is not zstd is
# refused all the same.
test_expect_success 'no Content-Encoding: read as zstd, as the agent sends it' '
	ev header 0 | pack idle.zst &&
	req POST /v1/sync -H "$(auth s1)" --data-binary @idle.zst &&
	answer_is 200
'

test_expect_success 'no Content-Encoding, not zstd at all: 400' '
	fresh &&
	{ ev header 0 && cat fresh.line; } >plain.ndjson &&
	refusal 400 -- req POST /v1/sync -H "$(auth s1)" \
		--data-binary @plain.ndjson
'

test_expect_success 'Content-Encoding: gzip: 415 or 400' '
	fresh &&
	{ ev header 0 && cat fresh.line; } | gzip -c >body.gz &&
	refusal 415 400 -- req POST /v1/sync -H "$(auth s1)" \
		-H "Content-Encoding: gzip" --data-binary @body.gz
'

# --- JSON -------------------------------------------------------------------------

test_expect_success 'invalid JSON in the header: 400' '
	fresh &&
	{ printf "{\"v\":1,\"cursor\":0,\n" && cat fresh.line; } | pack bad.zst &&
	refusal 400 -- push bad.zst
'

test_expect_success 'a header that is not an object, or of another version: 400' '
	fresh &&
	{ echo "[1,2]" && cat fresh.line; } | pack bad.zst &&
	refusal 400 -- push bad.zst &&
	fresh &&
	{ echo "{\"v\":2,\"cursor\":0}" && cat fresh.line; } | pack bad.zst &&
	refusal 400 -- push bad.zst &&
	fresh &&
	{ echo "{\"cursor\":0}" && cat fresh.line; } | pack bad.zst &&
	refusal 400 -- push bad.zst
'

test_expect_success 'invalid JSON in an event line, after a good one: 400' '
	fresh &&
	{ ev header 0 && cat fresh.line && echo "{\"v\":1,\"station\":\"s1\","; } |
		pack bad.zst &&
	refusal 400 -- push bad.zst
'

test_expect_success 'an event line with a NUL byte or invalid UTF-8: 400' '
	fresh &&
	{ ev header 0 && sed "s/待发/@/" fresh.line | tr @ "\000"; } |
		pack bad.zst &&
	refusal 400 -- push bad.zst &&
	fresh &&
	{ ev header 0 && sed "s/待发/@/" fresh.line | tr @ "\377"; } |
		pack bad.zst &&
	refusal 400 -- push bad.zst
'

test_expect_success 'an event line that is not an object: 400' '
	fresh &&
	{ ev header 0 && cat fresh.line && echo "[]"; } | pack bad.zst &&
	refusal 400 -- push bad.zst
'

test_expect_success 'a header nested deeper than the limit: 400' '
	fresh &&
	{ echo "{\"v\":1,\"cursor\":0,\"x\":[[[[[1]]]]]}" && cat fresh.line; } |
		pack bad.zst &&
	refusal 400 -- push bad.zst && error_says nested
'

test_expect_success 'an event nested deeper than the limit (resealed): 400' '
	fresh &&
	deep=$(python3 -c "print(\"[\" * 20 + \"1\" + \"]\" * 20)") &&
	{ ev header 0 && ev event s1.log s1 "body.x=$deep"; } | pack bad.zst &&
	refusal 400 -- push bad.zst && error_says nested
'

test_expect_success 'a line of 100000 open brackets: 400, no crash' '
	fresh &&
	python3 -c "print(\"[\" * 100000)" >brackets &&
	{ ev header 0 && cat fresh.line brackets; } | pack bad.zst &&
	refusal 400 -- push bad.zst &&
	{ cat brackets fresh.line; } | pack bad.zst &&
	refusal 400 -- push bad.zst
'

test_expect_success 'the cursor as a string: 400' '
	fresh &&
	{ echo "{\"v\":1,\"cursor\":\"0\",\"final\":true}" && cat fresh.line; } |
		pack bad.zst &&
	refusal 400 -- push bad.zst
'

test_expect_success 'a negative cursor: 400' '
	fresh &&
	{ echo "{\"v\":1,\"cursor\":-1,\"final\":true}" && cat fresh.line; } |
		pack bad.zst &&
	refusal 400 -- push bad.zst
'

test_expect_success 'seq as a string (resealed): 400' '
	fresh && seq=$(ev field seq <fresh.line) &&
	{ ev header 0 && ev event s1.log s1 "seq=\"$seq\""; } | pack bad.zst &&
	refusal 400 -- push bad.zst
'

test_expect_success 'body as an array (resealed): 400' '
	fresh &&
	{ ev header 0 && ev event s1.log s1 "body=[]"; } | pack bad.zst &&
	refusal 400 -- push bad.zst
'

test_expect_success 'audience as a string, a real number, a negative hlc (resealed): 400' '
	fresh &&
	{ ev header 0 && ev event s1.log s1 "audience=\"龙羊峡镇\""; } |
		pack bad.zst &&
	refusal 400 -- push bad.zst &&
	fresh &&
	{ ev header 0 && ev event s1.log s1 "at=1.5"; } | pack bad.zst &&
	refusal 400 -- push bad.zst &&
	fresh &&
	{ ev header 0 && ev event s1.log s1 "hlc=-1"; } | pack bad.zst &&
	refusal 400 -- push bad.zst
'

test_expect_success 'an unknown field in an event (resealed): 400' '
	fresh &&
	{ ev header 0 && ev event s1.log s1 "extra=1"; } | pack bad.zst &&
	refusal 400 -- push bad.zst
'

test_expect_success 'an event over the size limit (resealed): 400' '
	fresh &&
	{ ev header 0 && ev event s1.log s1 \
		"body.summary=\"$(head -c 70000 /dev/zero | tr "\000" x)\""; } |
		pack bad.zst &&
	refusal 400 -- push bad.zst
'

# --- hashes and counts ------------------------------------------------------------

test_expect_success 'an event whose hash does not match its content: 400' '
	fresh &&
	{ ev header 0 && ev event s1.log s1 "body.summary=\"改过\"" --keep-hash; } |
		pack bad.zst &&
	refusal 400 -- push bad.zst &&
	fresh &&
	{ ev header 0 && ev event s1.log s1 \
		"hash=\"$(printf "%064d" 0)\"" --keep-hash; } | pack bad.zst &&
	refusal 400 -- push bad.zst
'

# --- endpoints and methods ----------------------------------------------------------

test_expect_success 'an unknown endpoint: 404' '
	refusal 404 -- req GET /v1/nothing -H "$(auth s1)" &&
	refusal 404 -- req POST /v2/sync -H "$(auth s1)" \
		-H "Content-Encoding: zstd" --data-binary @good.zst &&
	refusal 404 -- req GET /
'

test_expect_success 'GET on /v1/sync: 405' '
	refusal 405 -- req GET /v1/sync -H "$(auth s1)"
'

test_expect_success 'other wrong methods: 405' '
	refusal 405 -- req PUT /v1/sync -H "$(auth s1)" \
		-H "Content-Encoding: zstd" --data-binary @good.zst &&
	refusal 405 -- req GET /v1/enroll &&
	refusal 405 -- req POST /v1/status -H "$(auth s1)" --data-binary x
'

# req_cut METHOD PATH [curl options]: req, tried again (up to 5 times)
# when the server closed the connection while curl was still sending: a
# server that answers before reading the whole request and then closes
# may reset the connection, and curl loses the answer (exit 55 or 56).
req_cut() {
	for _try in 1 2 3 4 5; do
		req "$@"
		_rc=$?
		case $_rc in 55 | 56) echo "# curl exit $_rc: the send was cut short, again" ;; *) return $_rc ;; esac
	done
	return $_rc
}

# These are refused by libmicrohttpd before any handler runs (its answer is
# its own short HTML page, not the JSON error of the handlers).
test_expect_success 'request headers or a URL over the server'"'"'s limit: 431/414, still serving' '
	snapshot before &&
	req_cut GET /v1/status \
		-H "Authorization: Bearer s1:$(head -c 70000 /dev/zero | tr "\000" x)" &&
	test "$(cat code)" = 431 &&
	req_cut GET "/v1/$(head -c 70000 /dev/zero | tr "\000" x)" &&
	test "$(cat code)" = 414 &&
	snapshot after && test_cmp before after &&
	kill -0 "$SERVER_PID" &&
	fresh && on s1 sync --json >sync.json &&
	test_grep "\"pending\": 0" sync.json
'

# --- enrolment bodies ---------------------------------------------------------------

# Each bad enrolment body carries the pending station's valid code: were it
# accepted, the station would turn active and the snapshot would differ.
test_expect_success 'an enrolment body over its limit (4096 bytes): 413' '
	python3 -c "
import json, sys
print(json.dumps({\"station\": \"late\", \"code\": sys.argv[1], \"pad\": \"x\" * 5000}))
" "$(tail -n 1 late.code)" >enroll.json &&
	test "$(wc -c <enroll.json)" -gt 4096 &&
	refusal 413 -- req POST /v1/enroll -H "Content-Type: application/json" \
		--data-binary @enroll.json
'

test_expect_success 'an enrolment body over the request limit (5 MB): 413' '
	python3 -c "
import json, sys
print(json.dumps({\"station\": \"late\", \"code\": sys.argv[1], \"pad\": \"x\" * 5000000}))
" "$(tail -n 1 late.code)" >enroll.json &&
	refusal 413 -- req POST /v1/enroll -H "Content-Type: application/json" \
		--data-binary @enroll.json
'

test_expect_success 'enrolment bodies that are not valid JSON or too deep: 400' '
	code=$(tail -n 1 late.code) &&
	refusal 400 -- req POST /v1/enroll --data-binary "{\"station\":\"late\",\"code\":\"$code\"" &&
	refusal 400 -- req POST /v1/enroll --data-binary "{\"station\":\"late\",\"code\":\"$code\",\"x\":[[[[1]]]]}" &&
	refusal 400 -- req POST /v1/enroll --data-binary "{\"station\":[\"late\"],\"code\":\"$code\"}" &&
	refusal 400 -- req POST /v1/enroll --data-binary "[\"late\",\"$code\"]"
'

test_expect_success 'after all that the code still enrolls the station' '
	"$LD" init --db "$SCRATCH/late.db" --station late --unit 倒淌河镇 >/dev/null &&
	on late enroll --ca "$CA" -- "$SERVER_URL" "$(tail -n 1 late.code)" \
		>/dev/null &&
	on late liaison log --type contact --summary 联络 >/dev/null &&
	on late sync --json >sync.json && test_grep "\"pushed\": 1" sync.json
'

test_expect_success 'peak memory through every bad body stayed within the bound' '
	echo "VmHWM $(hwm_kb) kB, bound $HWM_MAX_KB kB" &&
	test "$(hwm_kb)" -le $HWM_MAX_KB
'

# --- event counts --------------------------------------------------------------

# After the memory bound: a push within the cap of 1000 events costs the
# parsing of its events, which is not the cap's to bound (under the
# sanitizer's allocator, tens of megabytes for these 400 kB).
on bulk log --json >bulk.log
test_expect_success 'more events than the per-request limit (1001): 413' '
	{ ev header 0 && ev chain bulk.log bulk 1001; } >chain.ndjson &&
	test "$(wc -l <chain.ndjson)" = 1002 &&
	zstd -q -c chain.ndjson >chain.zst &&
	snapshot before &&
	req POST /v1/sync -H "$(auth bulk)" -H "Content-Encoding: zstd" \
		--data-binary @chain.zst &&
	answer_is 413 &&
	snapshot after && test_cmp before after && kill -0 "$SERVER_PID"
'

# A push of 64 events or more is parsed in two halves on two threads
# (server/api.c, parse_push): the answer names the first bad event of
# all, as one pass in order did, and nothing of the push is stored.
test_expect_success 'a push of 100 whose 80th does not match its hash: 400 naming it' '
	head -n 101 chain.ndjson | sed "s/\"批量 80\"/\"批量 800\"/" >bad80.ndjson &&
	test "$(grep -c "批量 800" bad80.ndjson)" = 1 &&
	zstd -q -c bad80.ndjson >bad80.zst &&
	snapshot before &&
	req POST /v1/sync -H "$(auth bulk)" -H "Content-Encoding: zstd" \
		--data-binary @bad80.zst &&
	answer_is 400 && error_says "event 80: hash of event bulk/" &&
	snapshot after && test_cmp before after
'

test_expect_success 'with the 30th and the 80th altered: 400 naming the 30th' '
	sed "s/\"批量 30\"/\"批量 300\"/" bad80.ndjson | zstd -q -c >bad30.zst &&
	snapshot before &&
	req POST /v1/sync -H "$(auth bulk)" -H "Content-Encoding: zstd" \
		--data-binary @bad30.zst &&
	answer_is 400 && error_says "event 30: hash of event bulk/" &&
	snapshot after && test_cmp before after
'

test_expect_success 'the same chain cut to the limit (1000) is accepted whole' '
	head -n 1001 chain.ndjson | zstd -q -c >chain1000.zst &&
	req POST /v1/sync -H "$(auth bulk)" -H "Content-Encoding: zstd" \
		--data-binary @chain1000.zst &&
	answer_is 200 && test "$(head_of bulk)" = 1001
'

# --- the end -----------------------------------------------------------------------

test_expect_success 'every replica verifies and converged with the server' '
	on s1 sync >/dev/null && on s2 sync >/dev/null &&
	on s1 verify >/dev/null && on s2 verify >/dev/null &&
	converged s1 龙羊峡镇 && converged s2 恰卜恰镇
'

test_expect_success 'the server answered no request with 500 and logged each refusal' '
	test_grep ! "status=5[0-9][0-9]" "$SCRATCH/server.log" &&
	test_grep "result=bad-body status=413" "$SCRATCH/server.log"
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
