#!/bin/sh
# The county dashboard over serve's HTTPS port (issue 17 item 2;
# docs/dashboard.md), with curl and the server's real TLS: the pages and
# ECharts built in, login and its cookie, one answer for a wrong password
# and a lock-out, what a stranger gets, the CSRF token and the origin, the
# report's JSON equal to `report --json`, a department account held to its
# unit however it crafts the call, drill-down to the records and a
# record's timeline without the complainant's identity, the audit log,
# and logout.
. "$(dirname "$0")/lib.sh"
test_plan 21
SERVER_OPTS="--max-clock-ahead 0"
BUREAU=县综合行政执法局
ZRJ=县自然资源局
PW="长期有效的口令-2026"

"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
add_station lyx 龙羊峡镇 township
add_station bureau $BUREAU bureau
add_station zrj $ZRJ department
refresh_directory lyx bureau zrj

C1=$(on lyx case open --source patrol --category 违法建设 --location 东街 \
	--description "现场检查发现" --discovered-at "2026-11-02 09:00")
C2=$(on lyx case open --source patrol --category 非法采砂 --location 河道 \
	--description "现场检查发现" --discovered-at "2026-11-10 09:00" --urgent)
C3=$(on zrj case open --source patrol --category 占用林地 --location 林场 \
	--description "巡查发现" --discovered-at "2026-11-05 09:00")
R1=$(on lyx referral send "$C2" --to $BUREAU --letter "龙移〔2026〕1号" \
	--source-material 现场检查笔录 --evidence 照片)
T=$(on lyx complaint record --type report --channel hotline --matter 违规占道经营 \
	--description "赵六反映夜市摊贩占用消防通道，回电13800138000" \
	--location 龙羊峡镇中街 --name 赵六 --phone 13800138000)
for s in lyx bureau zrj lyx bureau; do on $s sync >/dev/null; done

echo "$PW" | "$LDS" user add leader --role bureau --unit $BUREAU >/dev/null
echo "$PW" | "$LDS" user add ziran --role department --unit $ZRJ >/dev/null
echo "$PW" | "$LDS" user add locked --role legal --unit $BUREAU >/dev/null

CA=$LIANDONG_SERVER_DIR/ca.pem
# get PATH JAR [curl options...]: a GET with the session of JAR and its
# CSRF token (JAR.csrf); the body in out, the status printed.
get() {
	_p=$1 _j=$2
	shift 2
	curl -sS --cacert "$CA" -b "$_j" -o out -w '%{http_code}' \
		-H "X-CSRF-Token: $(cat "$_j.csrf" 2>/dev/null)" "$@" \
		"$SERVER_URL$_p"
}
# login ACCOUNT PASSWORD JAR: prints the status; the answer in JAR.json.
login() {
	curl -sS --cacert "$CA" -c "$3" -D "$3.head" -o "$3.json" \
		-w '%{http_code}' -H "Origin: $SERVER_URL" \
		-H 'Content-Type: application/json' \
		--data "{\"account\": \"$1\", \"password\": \"$2\"}" \
		"$SERVER_URL/dash/login" &&
	{ python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("csrf", ""))' \
		"$3.json" >"$3.csrf" 2>/dev/null || :; }
}

test_expect_success 'the pages and ECharts come from the binary, with a CSP' '
	curl -sS --cacert "$CA" -D h -o index.html "$SERVER_URL/dash/" &&
	test_grep "^HTTP/1.1 200" h && grep -qi "content-security-policy: default-src .self." h &&
	grep -qi "cache-control: no-store" h &&
	test_grep "echarts.min.js" index.html &&
	curl -sS --cacert "$CA" -o e.js "$SERVER_URL/dash/echarts.min.js" &&
	cmp e.js "$TOP/server/dash/vendor/node_modules/echarts/dist/echarts.min.js" &&
	test "$(curl -sS --cacert "$CA" -o /dev/null -w "%{http_code}" "$SERVER_URL/dash/nothing.js")" = 404
'

test_expect_success 'a login sets a Secure, HttpOnly, SameSite=Strict cookie for /dash' '
	test "$(login leader "$PW" lead)" = 200 &&
	grep -i "^set-cookie: ld_dash=" lead.head >c &&
	test_grep "; Secure" c && test_grep "; HttpOnly" c &&
	test_grep "; SameSite=Strict" c && test_grep "Path=/dash;" c &&
	jeq lead.json d.account leader && jeq lead.json d.scope null &&
	test -s lead.csrf
'

test_expect_success 'a wrong password and a lock-out get the same answer' '
	test "$(login locked wrong-password-1 l)" = 401 && cp l.json wrong.json &&
	for i in 2 3 4 5; do test "$(login locked wrong-password-$i l)" = 401 || return 1; done &&
	test "$(login locked "$PW" l)" = 401 &&
	jv l.json d[\"error\"] >locked.msg && jv wrong.json d[\"error\"] >wrong.msg &&
	test_cmp wrong.msg locked.msg &&
	test "$(login nobody "$PW" l)" = 401 && jv l.json d[\"error\"] >nobody.msg &&
	test_cmp wrong.msg nobody.msg && ! grep -i set-cookie l.head
'

test_expect_success 'a stranger gets 401 and no body of his is read' '
	test "$(get "/dash/api/report?period=2026-11" nojar)" = 401 &&
	head -c 100000 /dev/zero >big &&
	test "$(curl -sS --cacert "$CA" -o out -w "%{http_code}" -H "Expect: 100-continue" -H "Origin: $SERVER_URL" \
		--data-binary @big "$SERVER_URL/dash/logout")" = 401 &&
	test "$(curl -sS --cacert "$CA" -o out -w "%{http_code}" -b "ld_dash=$(printf "%064d" 0)" \
		"$SERVER_URL/dash/api/session")" = 401
'

test_expect_success 'a login body over 4096 bytes is refused unread (413)' '
	head -c 4097 /dev/zero | tr "\\0" a >long &&
	test "$(curl -sS --cacert "$CA" -o out -w "%{http_code}" -H "Expect: 100-continue" -H "Origin: $SERVER_URL" \
		-H "Content-Type: application/x-www-form-urlencoded" --data-binary @long \
		"$SERVER_URL/dash/login")" = 413 &&
	head -c 4000 /dev/zero | tr "\\0" a >fits &&
	test "$(curl -sS --cacert "$CA" -o out -w "%{http_code}" -H "Expect: 100-continue" -H "Origin: $SERVER_URL" \
		-H "Content-Type: application/x-www-form-urlencoded" --data-binary @fits \
		"$SERVER_URL/dash/login")" = 400
'

test_expect_success 'the API needs the CSRF token, and a POST its own origin' '
	test "$(curl -sS --cacert "$CA" -b lead -o out -w "%{http_code}" \
		"$SERVER_URL/dash/api/report?period=2026-11")" = 403 &&
	test "$(curl -sS --cacert "$CA" -b lead -o out -w "%{http_code}" -H "X-CSRF-Token: $(printf "%064d" 0)" \
		"$SERVER_URL/dash/api/report?period=2026-11")" = 403 &&
	test "$(curl -sS --cacert "$CA" -b lead -o out -w "%{http_code}" -H "X-CSRF-Token: $(cat lead.csrf)" \
		-H "Origin: https://evil.example" -X POST "$SERVER_URL/dash/logout")" = 403 &&
	test "$(curl -sS --cacert "$CA" -o out -w "%{http_code}" -H "Origin: https://evil.example" \
		-H "Content-Type: application/json" --data "{}" "$SERVER_URL/dash/login")" = 403 &&
	test "$(get /dash/api/session lead)" = 200 && jeq out d.csrf "$(cat lead.csrf)"
'

test_expect_success 'the report over HTTP is byte for byte report --json' '
	test "$(get "/dash/api/report?period=2026-11" lead)" = 200 && mv out http.json &&
	"$LDS" report --period 2026-11 --json >cli.json && test_cmp cli.json http.json &&
	jeq http.json d.report.cases.total.opened 3 &&
	test "$(get "/dash/api/report?period=2026-Q4&unit=%E9%BE%99%E7%BE%8A%E5%B3%A1%E9%95%87" lead)" = 200 &&
	"$LDS" report --period 2026-Q4 --unit 龙羊峡镇 --json >cli-u.json && test_cmp cli-u.json out &&
	test "$(get "/dash/api/report?period=2026-13" lead)" = 400
'

# The release each station tells the county (X-Liandong-Version).
VER=$("$LD" --version | sed "s/^liandong //")
export VER

test_expect_success 'the stations page: county-wide accounts only, as station list says' '
	"$LDS" station add --name newcomer --unit 龙羊峡镇 --role township >/dev/null &&
	test "$(get /dash/api/stations lead)" = 200 && mv out st.json &&
	"$LDS" station list --json >cli-st.json &&
	python3 - <<-\PY &&
	import json, os
	http = json.load(open("st.json"))
	cli = json.load(open("cli-st.json"))
	assert [s["station"] for s in http["stations"]] == [s["station"] for s in cli["stations"]]
	for h, c in zip(http["stations"], cli["stations"]):
	    assert (h["status"], h["events"], h["backlog"], h["unit"]) == \
	        (c["status"], c["events"], c["backlog"], c["unit"]), (h, c)
	    # Each told its release on its first sync (X-Liandong-Version);
	    # one added and never synced has none.
	    if h["station"] == "newcomer":
	        assert h["last_sync"] is None and h["version"] is None, h
	        continue
	    assert h["last_sync"] is not None and h["version"] == os.environ["VER"], h
	    # The stations run with the server clock pinned: no offset.
	    assert h["clock_offset_ms"] == 0 or c["events"] == 0, h
	assert http["certificate_expires"].startswith("20"), http
	PY
	test "$(login ziran "$PW" zr)" = 200 &&
	test "$(get /dash/api/stations zr)" = 403
'

test_expect_success 'a station tells its release once after an upgrade, not on every sync' '
	server_sql "DELETE FROM meta WHERE key=\"station_version:lyx\"" &&
	on lyx sync >/dev/null &&
	test -z "$(server_sql "SELECT value FROM meta WHERE key=\"station_version:lyx\"")" &&
	sqlite3 "$SCRATCH/lyx.db" "DELETE FROM meta WHERE key=\"version_told\"" &&
	on lyx sync >/dev/null &&
	test "$(server_sql "SELECT value FROM meta WHERE key=\"station_version:lyx\"")" = "$VER"
'

test_expect_success 'exports: the workbook and CSV of report, the publication, audited' '
	test "$(get "/dash/api/export?period=2026-11&format=xlsx" lead -D xh)" = 200 && mv out d.xlsx &&
	grep -qi "content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" xh &&
	grep -qi "cache-control: no-store" xh &&
	"$LDS" report --period 2026-11 --xlsx c.xlsx >/dev/null &&
	/usr/bin/python3 - <<-\PY &&
	import openpyxl
	def cells(p):
	    wb = openpyxl.load_workbook(p)
	    return {ws.title: [[c.value for c in r] for r in ws.iter_rows()] for ws in wb}
	d, c = cells("d.xlsx"), cells("c.xlsx")
	assert d == c, [k for k in d if d.get(k) != c.get(k)]
	assert "Cases by unit" in d and d["Cases by unit"][1][1] >= 1, d["Cases by unit"]
	PY
	test "$(get "/dash/api/export?period=2026-11&format=csv&table=cases.by_unit" lead)" = 200 &&
	head -c 3 out | od -An -tx1 | grep -q "ef bb bf" && test_grep "Cases by unit" out &&
	test_grep ! "Cases by category" out &&
	test "$(get "/dash/api/export?period=2026-11&format=csv" lead)" = 200 &&
	"$LDS" report --period 2026-11 --csv >c.csv && test_cmp c.csv out &&
	test "$(get "/dash/api/export?period=2026-11&format=xlsx&what=publication" lead)" = 200 &&
	test "$(get "/dash/api/export?period=2026-11&format=pdf" lead)" = 400 &&
	test "$(get "/dash/api/export?period=2026-11&format=csv&table=nothing" lead)" = 400 &&
	test "$(login ziran "$PW" zr)" = 200 &&
	test "$(get "/dash/api/export?period=2026-11&format=csv" zr)" = 200 &&
	test_grep ! 龙羊峡镇 out &&
	test "$(get "/dash/api/export?period=2026-11&format=csv&unit=%E9%BE%99%E7%BE%8A%E5%B3%A1%E9%95%87" zr)" = 403 &&
	"$LDS" audit --json >audit.txt &&
	test_grep "format=xlsx via=dashboard" audit.txt &&
	jeq audit.txt "any(e[\"event\"] == \"publication-export\" and \"via=dashboard\" in e[\"detail\"] for e in d[\"entries\"])" true
'

test_expect_success 'a category: the report and its drill-down as report --category' '
	test "$(get "/dash/api/report?period=2026-11&category=%E9%9D%9E%E6%B3%95%E9%87%87%E7%A0%82" lead)" = 200 &&
	"$LDS" report --period 2026-11 --category 非法采砂 --json >cli-c.json && test_cmp cli-c.json out &&
	jeq out d.report.cases.total.opened 1 &&
	test "$(get "/dash/api/records?period=2026-11&category=%E9%9D%9E%E6%B3%95%E9%87%87%E7%A0%82&table=cases.by_unit" lead)" = 200 &&
	jeq out "[r[\"entity\"] for r in d[\"records\"]]" "$C2" &&
	test "$(get "/dash/api/records?period=2026-11&table=referrals.steps" lead)" = 200 &&
	test "$(get "/dash/api/records?period=2026-11&table=meetings.followup" lead)" = 200
'

test_expect_success 'a department account sees its own unit, however it asks' '
	test "$(login ziran "$PW" zr)" = 200 && jeq zr.json d.scope "$ZRJ" &&
	test "$(get "/dash/api/report?period=2026-11" zr)" = 200 &&
	"$LDS" report --period 2026-11 --unit $ZRJ --json >cli-z.json && test_cmp cli-z.json out &&
	test_grep ! 龙羊峡镇 out &&
	test "$(get "/dash/api/report?period=2026-11&unit=%E9%BE%99%E7%BE%8A%E5%B3%A1%E9%95%87" zr)" = 403 &&
	test "$(get "/dash/api/records?period=2026-11&table=cases.by_unit&unit=%E9%BE%99%E7%BE%8A%E5%B3%A1%E9%95%87" zr)" = 403 &&
	test "$(get "/dash/api/record/$C1" zr)" = 404 &&
	test "$(get "/dash/api/record/$C3" zr)" = 200 &&
	test "$(get "/dash/api/records?period=2026-11&table=cases.by_unit" zr)" = 200 &&
	jeq out "[r[\"entity\"] for r in d[\"records\"]]" "$C3"
'

test_expect_success 'drill-down gives the records behind a figure' '
	test "$(get "/dash/api/records?period=2026-11&table=cases.by_unit&key=%E9%BE%99%E7%BE%8A%E5%B3%A1%E9%95%87&figure=opened" lead)" = 200 &&
	jeq out "sorted(r[\"entity\"] for r in d[\"records\"])" "$(printf "%s\n" "$C1" "$C2" | sort | tr "\n" " " | sed "s/ $//")" &&
	jeq out d.total 2 && jeq out d.more false &&
	test "$(get "/dash/api/records?period=2026-11&table=cases.by_unit&figure=urgent" lead)" = 200 &&
	jeq out "[r[\"entity\"] for r in d[\"records\"]]" "$C2" &&
	test "$(get "/dash/api/records?period=2026-11&table=referrals.by_receiver&key=%E5%8E%BF%E7%BB%BC%E5%90%88%E8%A1%8C%E6%94%BF%E6%89%A7%E6%B3%95%E5%B1%80" lead)" = 200 &&
	jeq out "[r[\"entity\"] for r in d[\"records\"]]" "$R1" &&
	test "$(get "/dash/api/records?period=2026-11&table=timeliness.by_unit" lead)" = 200 &&
	jeq out "d[\"total\"] > 0" true &&
	test "$(get "/dash/api/records?period=2026-11&table=nothing" lead)" = 400
'

test_expect_success 'a drill-down lists at most its limit (1 to 1000)' '
	test "$(get "/dash/api/records?period=2026-11&table=cases.by_unit&limit=1" lead)" = 200 &&
	jeq out "len(d[\"records\"])" 1 && jeq out d.total 3 && jeq out d.more true &&
	test "$(get "/dash/api/records?period=2026-11&table=cases.by_unit&limit=1000" lead)" = 200 &&
	jeq out d.more false &&
	test "$(get "/dash/api/records?period=2026-11&table=cases.by_unit&limit=1001" lead)" = 400 &&
	test "$(get "/dash/api/records?period=2026-11&table=cases.by_unit&limit=0" lead)" = 400
'

test_expect_success 'a record and its timeline, never the complainant identity' '
	test "$(get "/dash/api/record/$C2" lead)" = 200 &&
	jeq out d.record.entity "$C2" && jeq out "len(d[\"timeline\"]) >= 1" true &&
	test "$(get "/dash/api/record/$T" lead)" = 200 && cp out complaint.json &&
	test_grep 夜市摊贩 complaint.json &&
	test_grep ! 赵六 complaint.json && test_grep ! 13800138000 complaint.json &&
	test_grep ! "complaint.identity" complaint.json &&
	jeq complaint.json "\"identity\" in d[\"record\"]" false &&
	test "$(get "/dash/api/record/no-such-1" lead)" = 404 &&
	test "$(get "/dash/api/record/..%2Fx" lead)" = 404
'

test_expect_success 'every login, figure and record shown is in the audit log' '
	"$LDS" audit --json >a.json &&
	python3 - <<-\PY
	import json
	e = json.load(open("a.json"))["entries"]
	ev = [x["event"] for x in e]
	for want in ("login", "login-failed", "account-locked", "login-locked",
	             "report-export", "records-view", "record-view"):
	    assert want in ev, (want, ev)
	assert any(x["event"] == "report-export" and "format=dashboard" in x["detail"]
	           and x["account"] == "ziran" for x in e), e
	assert all("长期有效" not in json.dumps(x, ensure_ascii=False) for x in e)
	PY
'

test_expect_success 'the pages words come in Chinese when the browser asks' '
	curl -sS --cacert "$CA" -H "Accept-Language: zh-CN,zh;q=0.9" -o zh.json "$SERVER_URL/dash/strings" &&
	jeq zh.json d.lang zh-CN && jeq zh.json "d[\"strings\"][\"Overview\"] != \"Overview\"" true &&
	curl -sS --cacert "$CA" -H "Accept-Language: en" -o en.json "$SERVER_URL/dash/strings" &&
	jeq en.json d.lang en
'

test_expect_success 'with a session, no API request may send a body (413, unread)' '
	test "$(curl -sS --cacert "$CA" -b zr -o out -w "%{http_code}" -H "X-CSRF-Token: $(cat zr.csrf)" \
		-X GET --data x "$SERVER_URL/dash/api/session")" = 413 &&
	test "$(curl -sS --cacert "$CA" -b zr -o out -w "%{http_code}" -H "X-CSRF-Token: $(cat zr.csrf)" \
		-H "Expect: 100-continue" -H "Origin: $SERVER_URL" --data-binary @big "$SERVER_URL/dash/logout")" = 413 &&
	test "$(get /dash/api/session zr)" = 200
'

test_expect_success 'logout ends the session, on the server too' '
	cp lead old-cookies && cp lead.csrf old-cookies.csrf &&
	test "$(curl -sS --cacert "$CA" -b lead -c lead -o out -w "%{http_code}" -H "X-CSRF-Token: $(cat lead.csrf)" \
		-H "Origin: $SERVER_URL" -X POST "$SERVER_URL/dash/logout")" = 200 &&
	test "$(get "/dash/api/report?period=2026-11" old-cookies)" = 401 &&
	"$LDS" audit --json >a.json && jeq a.json "d[\"entries\"][-1][\"event\"]" logout
'

# A session lasts 8 hours: the server's clock moved past them.
stop_server
export LIANDONG_NOW="2026-11-20T18:00:01+08:00"
start_server

test_expect_success 'a session ends after 8 hours' '
	test "$(get /dash/api/session zr)" = 401 &&
	test "$(login ziran "$PW" zr2)" = 200 && test "$(get /dash/api/session zr2)" = 200
'

# Last: it turns 127.0.0.1 away for a while.
test_expect_success 'a name no account can have is refused and kept out of the audit log; an address failing too often is turned away at the door' '
	test "$(login "x\\nforged login leader 10.1.2.3\\u001b[2J" "$PW" f)" = 401 &&
	"$LDS" audit --json >fa.json && ! grep -q "forged" fa.json &&
	"$LDS" audit >fa.txt && ! grep -q "$(printf "\033")" fa.txt &&
	n=0 &&
	while [ "$(login leader wrong-password f)" = 401 ] && [ $n -lt 30 ]; do
		n=$((n + 1))
	done &&
	test "$(cat f.head | head -n 1 | cut -d" " -f2)" = 429 && test $n -le 20 &&
	test "$(login leader "$PW" f)" = 429
'

test_done
