#!/bin/sh
# The station console, `liandong ui` (issue 16, items 4 and 5), with curl:
# it listens on 127.0.0.1 only and answers a request only with the
# session cookie the secret login URL sets, with the right Host, and, for
# a POST, with its Origin and the CSRF token, within the body limit; its
# JSON API gives the documents of the commands' --json, and opens a case
# with the messages of `liandong case open` (docs/console-api.md).
# tests/browser/ drives the pages in chromium.
# backends: sqlite — agent-only, no county server: the store plays no part
. "$(dirname "$0")/lib.sh"
test_plan 34

setup_station lyx01 龙羊峡镇
export LIANDONG_RULES="$TOP/conf/rules/gonghe.ini"
"$LD" case open --source patrol --category 违法建设 --location 城关 \
    --description 基本农田上建房 --discovered-at "2026-11-02 09:00" \
    --handle refer --why 属县自然资源局职责 >c1
"$LD" case open --source report --category 环境保护 --location 东街 \
    --description 夜间偷排污水 --discovered-at "2026-11-19 22:00" >c2
C1=$(cat c1)
T1=$("$LD" complaint record --type complaint --channel phone --matter 夜间施工噪音 \
    --description 工地每晚施工至凌晨 --location 查纳村 --received-at "2026-11-20 08:00" \
    --name 王秀英 --phone 13800001111)

# A browser that only says what it was given, and reads the page.
mkdir bin
cat >bin/xdg-open <<'EOF'
#!/bin/sh
echo "$@" >"$SCRATCH/opened-args"
stat -c %a "$1" >"$SCRATCH/opened-mode"
cat "$1" >"$SCRATCH/opened-page"
EOF
chmod +x bin/xdg-open
export SCRATCH
export XDG_RUNTIME_DIR="$SCRATCH/run"
mkdir -m 700 run

PATH="$SCRATCH/bin:$PATH" "$LD" ui --port 0 >url 2>ui.err &
UI_PID=$!
test_when_finished "kill $UI_PID 2>/dev/null"
wait_for 10 'test -s url && test -s opened-page'
URL=$(cat url)
BASE=${URL%%/login*}
PORT=${BASE##*:}
KEY=${URL##*k=}

# req NAME CURL-ARGS... URL-PATH: the answer's status in NAME.code, its
# headers in NAME.h and its body in NAME.
req() {
	_n=$1
	shift
	curl -sS -o "$_n" -D "$_n.h" -w '%{http_code}' "$@" >"$_n.code"
}
COOKIE=""
CSRF=""
api() { # NAME PATH [CURL-ARGS...]: with the cookie, and the token unless
	# the arguments give one (right or wrong) or NOTOKEN=1
	_n=$1 _p=$2
	shift 2
	case " $* " in
	*X-CSRF-Token*) req "$_n" -H "Cookie: $COOKIE" "$@" "$BASE$_p" ;;
	*) if [ "${NOTOKEN:-0}" = 1 ] || [ -z "$CSRF" ]; then
		req "$_n" -H "Cookie: $COOKIE" "$@" "$BASE$_p"
	   else
		req "$_n" -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" "$@" "$BASE$_p"
	   fi ;;
	esac
}
code_is() { # NAME CODE
	[ "$(cat "$1.code")" = "$2" ] && return 0
	echo "$1: expected HTTP $2, got $(cat "$1.code"):" >&2
	cat "$1" >&2
	return 1
}
# same_json A B [KEY...]: equal JSON documents, KEYs left out of their
# objects at any depth.
same_json() {
	python3 - "$@" <<'EOF'
import json, sys
a, b, drop = sys.argv[1], sys.argv[2], set(sys.argv[3:])
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in drop}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
x, y = strip(json.load(open(a))), strip(json.load(open(b)))
if x != y:
    print("differ:\n" + json.dumps(x, ensure_ascii=False, sort_keys=True, indent=1) +
          "\n" + json.dumps(y, ensure_ascii=False, sort_keys=True, indent=1), file=sys.stderr)
    sys.exit(1)
EOF
}

test_expect_success 'ui prints its URL on 127.0.0.1 and opens it through a page of mode 0600' '
	echo "$URL" | grep -Eq "^http://127\.0\.0\.1:[0-9]+/login\?k=[A-Za-z0-9_-]{32}$" &&
	test "$(cat opened-mode)" = 600 &&
	grep -qF "$URL" opened-page &&
	test_grep ! "$KEY" opened-args &&
	case $(cat opened-args) in "$SCRATCH"/run/liandong-ui-*.html) ;; *) false ;; esac
'

test_expect_success 'it listens on loopback only' '
	! curl -s -o /dev/null --max-time 5 "http://$(hostname -I 2>/dev/null | cut -d" " -f1):$PORT/" ||
	test -z "$(hostname -I 2>/dev/null)"
'

test_expect_success 'a wrong key is refused; the right one sets an HttpOnly SameSite=Strict cookie' '
	req bad "$BASE/login?k=x$KEY" && code_is bad 403 &&
	req nokey "$BASE/login" && code_is nokey 403 &&
	test_grep ! -i set-cookie bad.h &&
	req login "$URL" && code_is login 303 &&
	grep -i "^Location: /#t=[A-Za-z0-9_-]*" login.h &&
	grep -i "^Set-Cookie: liandong_ui_$PORT=" login.h | grep HttpOnly | grep -q "SameSite=Strict"
'
COOKIE=$(sed -n "s/^[Ss]et-[Cc]ookie: \(liandong_ui_$PORT=[^;]*\);.*/\1/p" login.h)
# The API's token: only in the login's redirect, in its fragment.
CSRF=$(sed -n "s/^[Ll]ocation: \/#t=\([A-Za-z0-9_-]*\).*/\1/p" login.h)

test_expect_success 'the cookie alone opens no API (browsers send it to every port of 127.0.0.1)' '
	test -n "$CSRF" &&
	NOTOKEN=1 api alone /api/due && code_is alone 403 &&
	NOTOKEN=1 api alone2 /api/session && code_is alone2 403 &&
	api wrongt /api/due -H "X-CSRF-Token: x$CSRF" && code_is wrongt 403 &&
	api withit /api/session && code_is withit 200 &&
	! grep -q "$CSRF" withit &&
	NOTOKEN=1 api page / && code_is page 200
'

test_expect_success 'without the cookie every page and API answers 401' '
	for p in / /app.js /api/due /api/cases /api/cases/$C1 /api/status /api/session /api/strings; do
		req no "$BASE$p" && code_is no 401 || exit 1
	done &&
	req wrong -H "Cookie: liandong_ui_$PORT=x${COOKIE#*=}" "$BASE/api/due" &&
	code_is wrong 401
'

test_expect_success 'a Host other than 127.0.0.1:PORT or localhost:PORT is refused (DNS rebinding)' '
	api host /api/due -H "Host: attacker.example:$PORT" && code_is host 421 &&
	api host /api/due -H "Host: 127.0.0.1" && code_is host 421 &&
	api host "/login?k=$KEY" -H "Host: attacker.example" && code_is host 421 &&
	api local /api/due -H "Host: localhost:$PORT" && code_is local 200
'

BODY='{"source":"patrol","category":"违法建设","location":"西村","description":"占道经营","discovered_at":"2026-11-19 08:00"}'
cases_held() { "$LD" case list --json >held.json && jv held.json "len(d.cases)"; }

test_expect_success 'a POST without its Origin, from another Origin or without the CSRF token is refused' '
	api p1 /api/cases -H "X-CSRF-Token: $CSRF" -H "Content-Type: application/json" -d "$BODY" &&
	code_is p1 403 &&
	api p2 /api/cases -H "Origin: http://attacker.example" -H "X-CSRF-Token: $CSRF" -d "$BODY" &&
	code_is p2 403 &&
	NOTOKEN=1 api p3 /api/cases -H "Origin: $BASE" -d "$BODY" && code_is p3 403 &&
	api p4 /api/cases -H "Origin: $BASE" -H "X-CSRF-Token: x$CSRF" -d "$BODY" &&
	code_is p4 403 &&
	req p5 -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -d "$BODY" "$BASE/api/cases" &&
	code_is p5 401 &&
	test "$(cases_held)" = 2
'

test_expect_success 'a body over 64 KiB is refused, by its length or as it streams' '
	python3 -c "print(\"{\\\"description\\\":\\\"\" + \"x\" * 70000 + \"\\\"}\")" >big.json &&
	api big /api/cases -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" \
	    -H "Content-Type: application/json" --data-binary @big.json &&
	code_is big 413 &&
	api chunked /api/cases -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" \
	    -H "Transfer-Encoding: chunked" --data-binary @big.json &&
	code_is chunked 413 &&
	test "$(cases_held)" = 2
'

test_expect_success 'PUT and DELETE need the Origin and token too, then are refused' '
	NOTOKEN=1 api put /api/cases -X PUT -H "Origin: $BASE" -d "{}" && code_is put 403 &&
	api del "/api/cases/$C1" -X DELETE -H "X-CSRF-Token: $CSRF" && code_is del 403 &&
	api put /api/cases -X PUT -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -d "{}" &&
	code_is put 405 &&
	api del "/api/cases/$C1" -X DELETE -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" &&
	code_is del 405 &&
	"$LD" case show "$C1" >/dev/null
'

test_expect_success 'GET /api/due is `due --json`, each obligation with its text' '
	api due /api/due && code_is due 200 &&
	"$LD" due --json >due.json &&
	same_json due due.json obligation_label &&
	jv due "d.obligations[0].record" | grep -q "$C1" &&
	jv due "d.obligations[0].overdue" | grep -q true &&
	jv due "d.obligations[0].obligation_label" | grep -q "refer the case"
'

test_expect_success 'GET /api/cases is `case list --json`, with its search and filters' '
	api all /api/cases && "$LD" case list --json >all.json && same_json all all.json status_label &&
	api s "/api/cases?search=%E5%81%B7%E6%8E%92&status=open&category=%E7%8E%AF%E5%A2%83%E4%BF%9D%E6%8A%A4" &&
	"$LD" case list --json --search 偷排 --status open --category 环境保护 >s.json &&
	same_json s s.json status_label && test "$(jv s "len(d.cases)")" = 1 &&
	api lim "/api/cases?limit=1&since=2026-11-10" &&
	"$LD" case list --json --limit 1 --since 2026-11-10 >lim.json && same_json lim lim.json status_label &&
	api page "/api/cases?limit=1&offset=1" &&
	"$LD" case list --json --limit 1 --offset 1 >page.json && same_json page page.json status_label &&
	api badst "/api/cases?status=maybe" && code_is badst 400 &&
	"$LD" case list --status maybe 2>badst.err; jv badst d.error >badst.msg &&
	test "liandong: error: $(cat badst.msg)" = "$(cat badst.err)"
'

test_expect_success 'GET /api/cases/ID is `case show --json ID`; an unknown one is 404' '
	api show "/api/cases/$C1" && code_is show 200 &&
	"$LD" case show --json "$C1" >show.json && same_json show show.json status_label &&
	api none /api/cases/C-lyx01-99 && code_is none 404 &&
	jv none d.error | grep -q "C-lyx01-99"
'

test_expect_success 'GET /api/status is `status --offline --json`' '
	api st /api/status && code_is st 200 &&
	"$LD" status --offline --json >st.json && same_json st st.json
'

test_expect_success 'POST /api/cases: a bad field comes back with the message of case open, and its field' '
	api e1 /api/cases -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" \
	    -d "{\"source\":\"patrol\",\"category\":\"违法建设\",\"location\":\"西村\",\"description\":\"占道\",\"discovered_at\":\"yesterday\"}" &&
	code_is e1 400 && test "$(jv e1 d.field)" = discovered_at &&
	test_must_fail "$LD" case open --source patrol --category 违法建设 --location 西村 \
	    --description 占道 --discovered-at yesterday 2>e1.err &&
	test "liandong: error: $(jv e1 d.error)" = "$(cat e1.err)" &&
	api e2 /api/cases -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" \
	    -d "{\"category\":\"违法建设\",\"location\":\"西村\",\"description\":\"占道\"}" &&
	code_is e2 400 && test "$(jv e2 d.field)" = source &&
	jv e2 d.error | grep -qx "missing required option --source" &&
	api e3 /api/cases -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -d "{\"colour\":\"red\"}" &&
	code_is e3 400 && test "$(jv e3 d.field)" = colour &&
	api e4 /api/cases -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -d "[1]" &&
	code_is e4 400 &&
	test "$(cases_held)" = 2
'

test_expect_success 'its errors are in the language the request asks for' '
	api zh /api/cases -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -H "Accept-Language: zh-CN,zh;q=0.9" \
	    -d "{\"source\":\"patrol\",\"category\":\"违法建设\",\"location\":\"西村\",\"description\":\"占道\",\"discovered_at\":\"yesterday\"}" &&
	code_is zh 400 && test "$(jv zh d.field)" = discovered_at &&
	test_must_fail env LC_ALL=zh_CN.UTF-8 "$LD" case open --source patrol --category 违法建设 \
	    --location 西村 --description 占道 --discovered-at yesterday 2>zh.err &&
	grep -q "$(jv zh d.error)" zh.err && jv zh d.error | grep -q "无效"
'

test_expect_success 'POST /api/cases opens the case case open would' '
	api ok /api/cases -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" \
	    -H "Content-Type: application/json" \
	    -d "{\"source\":\"patrol\",\"category\":\"违法建设\",\"location\":\"西村\",\"description\":\"占道\",\"discovered_at\":\"2026-11-19 08:00\",\"urgent\":true,\"parties\":[\"李某\",\"王某\"],\"handling\":\"refer\",\"handling_reason\":\"不属本镇\"}" &&
	code_is ok 201 && ID=$(jv ok d.id) &&
	"$LD" case open --source patrol --category 违法建设 --location 西村 --description 占道 \
	    --discovered-at "2026-11-19 08:00" --urgent --party 李某 --party 王某 \
	    --handle refer --why 不属本镇 >cli-id &&
	"$LD" case show --json "$ID" >web.json && "$LD" case show --json "$(cat cli-id)" >cli.json &&
	same_json web.json cli.json entity last created_at events &&
	test "$(cases_held)" = 4
'

post() { # NAME PATH BODY [CURL-ARGS...]: a POST with the Origin and token
	_n=$1 _p=$2 _b=$3
	shift 3
	api "$_n" "$_p" -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" \
	    -H "Content-Type: application/json" -d "$_b" "$@"
}

test_expect_success 'the record, sync and alert endpoints: 401 without the cookie, 403 for a POST without Origin or token' '
	for p in /api/sync /api/alerts /api/conflicts /api/commands/referral/send \
	    "/api/run/case/list" "/api/run/complaint/show?id=$T1&show-identity=1"; do
		req no "$BASE$p" && code_is no 401 && test_grep ! 王秀英 no || exit 1
	done &&
	for p in /api/sync /api/alerts/read /api/run/case/close; do
		req no -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" -d "{}" "$BASE$p" &&
		code_is no 401 &&
		api o "$p" -H "X-CSRF-Token: $CSRF" -d "{}" && code_is o 403 &&
		NOTOKEN=1 api c "$p" -H "Origin: $BASE" -d "{}" && code_is c 403 || exit 1
	done &&
	api st /api/sync && test "$(jv st d.state)" = idle
'

test_expect_success 'POST /api/sync runs `liandong sync` apart: 202 running, then failed with its message' '
	post s1 /api/sync "{}" && code_is s1 202 && test "$(jv s1 d.state)" = running &&
	wait_for 30 "api s2 /api/sync && test \"\$(jv s2 d.state)\" = failed" &&
	test_must_fail "$LD" sync 2>sync.err &&
	test "liandong: error: $(jv s2 d.error)" = "$(cat sync.err)" &&
	test "$(jv s2 d.exit)" != 0 &&
	api due /api/due && code_is due 200
'

test_expect_success 'GET /api/alerts is `alerts --json`; POST /api/alerts/read marks them read' '
	"$LD" alerts --check >/dev/null &&
	api al /api/alerts && code_is al 200 && "$LD" alerts --json >al.json && same_json al al.json &&
	post rd /api/alerts/read "{}" && code_is rd 200 &&
	"$LD" alerts --json >al2.json && jeq al2.json "all(a[\"read\"] for a in d[\"alerts\"])" true
'

test_expect_success 'GET /api/conflicts is `conflicts --json`' '
	api cf /api/conflicts && code_is cf 200 && "$LD" conflicts --json >cf.json &&
	same_json cf cf.json status_label
'

test_expect_success 'GET /api/commands/NOUN/VERB says what a command takes; the console runs no other' '
	api d /api/commands/referral/dispute && code_is d 200 &&
	jeq d "[o[\"option\"] for o in d[\"options\"] if o[\"required\"]]" reason &&
	jeq d "d[\"write\"]" true && jeq d "d[\"min_args\"]" 1 &&
	api d2 /api/commands/referral/send && jeq d2 "[o[\"option\"] for o in d[\"options\"] if o[\"type\"] == \"list\"]" "source-material evidence" &&
	for c in init enroll sync daemon ui export dump log verify case/frobnicate; do
		api n "/api/commands/$c" && code_is n 404 &&
		api n "/api/run/$c" && code_is n 404 || exit 1
	done
'

test_expect_success 'GET /api/run/NOUN/VERB is its --json, with status_label; a write command is not a GET' '
	api l "/api/run/case/list?status=open&search=%E5%81%B7%E6%8E%92" && code_is l 200 &&
	"$LD" case list --json --status open --search 偷排 >l.json && same_json l l.json status_label &&
	jeq l "d[\"cases\"][0][\"status_label\"]" open &&
	api w "/api/run/case/close?id=$C1" && code_is w 405 &&
	post r /api/run/case/list "{}" && code_is r 405 &&
	api bad "/api/run/case/list?colour=red" && code_is bad 400 && test "$(jv bad d.field)" = colour &&
	api dash "/api/run/case/show?id=--help" && code_is dash 404
'

test_expect_success 'a complaint shows its complainant only when asked, as complaint show --show-identity' '
	api cl /api/run/complaint/list && code_is cl 200 && test_grep ! 王秀英 cl &&
	test_grep ! 13800001111 cl &&
	api cs "/api/run/complaint/show?id=$T1" && code_is cs 200 && test_grep ! 王秀英 cs &&
	test_grep ! 13800001111 cs &&
	"$LD" complaint show --json "$T1" >cs.json && same_json cs cs.json status_label &&
	api ci "/api/run/complaint/show?id=$T1&show-identity=1" && code_is ci 200 &&
	test_grep 王秀英 ci && test_grep 13800001111 ci
'

test_expect_success 'POST /api/run/referral/send refers a case; an error names its option' '
	post e "/api/run/referral/send" "{\"args\":[\"$C1\"],\"options\":{\"to\":\"县自然资源局\",\"letter\":\"龙移〔2026〕7号\",\"evidence\":[\"照片\"]}}" &&
	code_is e 400 && test "$(jv e d.field)" = source-material &&
	post ok "/api/run/referral/send" "{\"args\":[\"$C1\"],\"options\":{\"to\":\"县自然资源局\",\"letter\":\"龙移〔2026〕7号\",\"source-material\":[\"现场检查笔录\"],\"evidence\":[\"照片\",\"--json\"]}}" &&
	code_is ok 200 && R=$(jv ok d.id) &&
	"$LD" referral show --json "$R" >r.json && jeq r.json "d[\"referral\"][\"evidence\"]" "照片 --json" &&
	api rs "/api/run/referral/show?id=$R" && same_json rs r.json status_label &&
	post x "/api/run/referral/send" "{\"args\":[\"$C1\"],\"options\":{\"colour\":\"red\"}}" &&
	code_is x 400 && test "$(jv x d.field)" = colour &&
	post y "/api/run/case/close" "{\"args\":\"$C1\"}" && code_is y 400
'

# A daemon with the console, started here so that it is stopped whatever
# its check says.
"$LD" daemon --ui --port 0 --interval 1h >d-url 2>d.err &
D_PID=$!
test_when_finished "kill $D_PID 2>/dev/null"

test_expect_success 'daemon --ui serves the console in the same process; its 同步 asks the daemon' '
	wait_for 10 "test -s d-url && grep -q event=sync-failed d.err" &&
	# The key is not in the output (a log others may read), but in a
	# file of this user only, which the output names.
	! grep -q "login?k=" d-url d.err &&
	UF=$(head -n 1 d-url) && test "$(stat -c %a "$UF")" = 600 &&
	DURL=$(head -n 1 "$UF") && DB=${DURL%%/login*} &&
	curl -s -c djar -D dlogin.h -o /dev/null "$DURL" &&
	DCSRF=$(sed -n "s/^[Ll]ocation: \/#t=\([A-Za-z0-9_-]*\).*/\1/p" dlogin.h) &&
	curl -s -b djar -H "X-CSRF-Token: $DCSRF" -o ddue -w "%{http_code}" "$DB/api/due" | grep -qx 200 &&
	# 202, or 409 when a retry of the daemon runs just then.
	curl -s -b djar -o dsync -w "%{http_code}" -H "Origin: $DB" -H "X-CSRF-Token: $DCSRF" -d "{}" "$DB/api/sync" |
	    grep -Eqx "202|409" &&
	# 409 while the sync asked for runs; a sync that fails at once may
	# be over already (tests/browser holds one on a slow link).
	curl -s -b djar -o dsync2 -w "%{http_code}" -H "Origin: $DB" -H "X-CSRF-Token: $DCSRF" -d "{}" "$DB/api/sync" |
	    grep -Eqx "202|409" &&
	wait_for 10 "curl -s -b djar -H \"X-CSRF-Token: $DCSRF\" -o dsync3 \"$DB/api/sync\" && test \"\$(jv dsync3 d.state)\" = failed" &&
	jv dsync3 d.error | grep -q "not enrolled" &&
	test "$(grep -c event=console-sync d.err)" -le 2 &&
	test "$(grep -c event=console-sync d.err)" -ge 1 &&
	! test -e "run/liandong-ui-${DB##*:}.html" &&
	kill -TERM $D_PID && wait_for 10 "grep -q event=daemon-stop d.err" &&
	grep -q event=ui-stop d.err && ! test -e "$UF" &&
	test_must_fail "$LD" daemon --port 0 2>dport.err && test_grep "give --ui" dport.err
'

test_expect_success 'a step that prints only its id answers "done"; /api/strings names every type and its states' '
	post ms /api/run/meeting/schedule "{\"options\":{\"kind\":\"joint\",\"at\":\"2026-11-25 09:00\",\"units\":[\"县综合行政执法局\"]}}" &&
	code_is ms 200 && test "$(jv ms d.kind)" = recorded && M=$(jv ms d.id) &&
	post mt /api/run/meeting/topic "{\"args\":[\"$M\"],\"options\":{\"topic\":\"违建整治\"}}" &&
	code_is mt 200 && test "$(jv mt d.kind)" = done && jv mt d.output | grep -qx "$M" &&
	"$LD" meeting show --json "$M" >m.json && jeq m.json "d[\"meeting\"][\"topics\"][0][\"topic\"]" 违建整治 &&
	api ty /api/strings && jeq ty "d[\"types\"][\"referral\"][\"letter\"]" R &&
	jeq ty "sorted(d[\"types\"])" "assist case complaint liaison meeting operation person referral share supervision whistle" &&
	jeq ty "\"acknowledged\" in d[\"types\"][\"referral\"][\"statuses\"]" true
'

# The same console in Chinese, and one with no xdg-open to run.
LC_ALL=zh_CN.UTF-8 "$LD" ui --port 0 --no-open >zh-url 2>/dev/null &
ZH_PID=$!
test_when_finished "kill $ZH_PID 2>/dev/null"
mkdir nobin
ln -s "$(command -v sh)" nobin/sh
PATH="$SCRATCH/nobin" "$LD" ui --port 0 >u2 2>e2 &
NB_PID=$!
test_when_finished "kill $NB_PID 2>/dev/null"
wait_for 10 'test -s zh-url && test -s u2'

test_expect_success 'what looks like an option in a value or an id stays a value' '
	api inj /api/cases -H "Origin: $BASE" -H "X-CSRF-Token: $CSRF" \
	    -d "{\"source\":\"patrol\",\"category\":\"--urgent\",\"location\":\"--db=/tmp/x.db\",\"description\":\"--help\",\"parties\":[\"--json\"]}" &&
	code_is inj 201 && "$LD" case show --json "$(jv inj d.id)" >inj.json &&
	test "$(jv inj.json d.case.location)" = "--db=/tmp/x.db" &&
	test "$(jv inj.json d.case.category)" = "--urgent" &&
	test "$(jv inj.json d.case.urgent)" = false &&
	test "$(jv inj.json d.case.parties)" = "--json" && ! test -e /tmp/x.db &&
	api dash /api/cases/--help && code_is dash 404 &&
	test "$(jv dash d.kind)" = error
'

test_expect_success 'a command'"'"'s words reach the child in its environment, not in argv' '
	LIANDONG_UI_ARGV="[\"case\",\"list\",\"--json\"]" "$LD" >envlist &&
	"$LD" case list --json >arglist && cmp envlist arglist &&
	{ LIANDONG_UI_ARGV="{\"a\":1}" "$LD" case list 2>badenv; test $? = 2; } &&
	test_grep "LIANDONG_UI_ARGV" badenv &&
	! grep -q "words\[\|argv\[k++\] = (char \*)json_string_value" "$TOP/agent/ui.c"
'

# A console whose program file an upgrade then removes; it waits long
# for the database.
cp "$LD" ld-old
LIANDONG_BUSY_TIMEOUT_MS=60000 ./ld-old ui --port 0 --no-open >old-url 2>/dev/null &
OLD_PID=$!
test_when_finished "kill $OLD_PID 2>/dev/null"
wait_for 10 'test -s old-url'
OURL=$(cat old-url)
OB=${OURL%%/login*}
curl -s -c ojar -D ologin.h -o /dev/null "$OURL"
OT=$(sed -n "s/^[Ll]ocation: \/#t=\([A-Za-z0-9_-]*\).*/\1/p" ologin.h)
oapi() { # NAME PATH [CURL-ARGS...]: the same, to that console
	_n=$1 _p=$2
	shift 2
	req "$_n" -b ojar -H "X-CSRF-Token: $OT" "$@" "$OB$_p"
}

test_expect_success 'its file removed (an upgrade), the console still runs its commands: its own program' '
	rm ld-old && oapi olist /api/cases && code_is olist 200 &&
	"$LD" case list --json >olist.json && same_json olist olist.json status_label
'

test_expect_success 'a command waiting on the database does not hold the other requests' '
	/usr/bin/python3 -c "
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute(\"BEGIN EXCLUSIVE\")
open(sys.argv[2], \"w\").close()
for i in range(300):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.1)
c.execute(\"COMMIT\")
" "$LIANDONG_DB" locked release &
	LOCK_PID=$! &&
	wait_for 10 "test -e locked" &&
	{ oapi held /api/cases -H "Origin: $OB" \
	    -d "{\"source\":\"patrol\",\"category\":\"违法建设\",\"location\":\"西街\",\"description\":\"锁等待\"}" & } &&
	HELD=$! &&
	oapi free /api/due && code_is free 200 && ! test -s held.code &&
	touch release && wait $HELD && code_is held 201 && wait $LOCK_PID
'

test_expect_success 'the pages are built in, and every string they show is translated' '
	api index / && code_is index 200 && grep -qi "^Content-Security-Policy: default-src .self." index.h &&
	grep -q "/app.js" index &&
	api js /app.js && code_is js 200 && cmp js "$TOP/agent/ui/app.js" &&
	api strs /api/strings && test "$(jv strs d.lang)" = en &&
	ZURL=$(cat zh-url) && ZB=${ZURL%%/login*} &&
	curl -s -c zjar -D zlogin.h -o /dev/null "$ZURL" &&
	ZT=$(sed -n "s/^[Ll]ocation: \/#t=\([A-Za-z0-9_-]*\).*/\1/p" zlogin.h) &&
	curl -s -b zjar -H "X-CSRF-Token: $ZT" -o zstrs "$ZB/api/strings" &&
	test "$(jv zstrs d.lang)" = zh-CN &&
	test "$(jv zstrs "d.strings[\"Workbench\"]")" = 工作台 &&
	python3 - "$TOP/agent/ui/app.js" strs zstrs <<-\EOF
	import json, re, sys
	js = open(sys.argv[1], encoding="utf-8").read()
	used = {m.replace(chr(92) + chr(39), chr(39)) for m in re.findall(r"\bT\(\x27(.*?)\x27\)", js)}
	en = json.load(open(sys.argv[2]))["strings"]
	zh = json.load(open(sys.argv[3]))["strings"]
	bad = [s for s in sorted(used) if s not in en or zh.get(s, s) == s]
	assert len(used) > 20, used
	if bad:
	    sys.exit("not served or not translated: %s" % bad)
	EOF
'

test_expect_success 'with no xdg-open it still serves, and says how to open it' '
	wait_for 10 "grep -q xdg-open e2" &&
	U2=$(cat u2) && curl -s -o /dev/null -w "%{http_code}" "$U2" | grep -q 303 &&
	P2=${U2%%/login*} && P2=${P2##*:} && ! test -e "run/liandong-ui-$P2.html"
'

test_expect_success 'a bad port, a port in use and a station with no database are refused' '
	test_expect_code_of() { "$@"; test $? = "$want"; } &&
	want=2 test_expect_code_of "$LD" ui --port 70000 --no-open 2>bad-port &&
	test_grep "port must be a number from 0 to 65535" bad-port &&
	want=1 test_expect_code_of "$LD" ui --port "$PORT" --no-open >in-use 2>in-use.err &&
	test_grep "cannot listen on 127.0.0.1:$PORT" in-use.err && ! test -s in-use &&
	want=6 test_expect_code_of "$LD" ui --db "$SCRATCH/none.db" --no-open 2>no-db &&
	test_grep "liandong init" no-db
'

test_expect_success 'SIGTERM stops it cleanly and its page is removed' '
	kill -TERM $UI_PID &&
	wait_for 10 "! test -e run/liandong-ui-$PORT.html" &&
	! curl -s -o /dev/null --max-time 5 "$BASE/"
'

test_done
