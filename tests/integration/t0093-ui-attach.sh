#!/bin/sh
# Attachments in the station console (issue 18, "and from the station
# console"; docs/console-api.md, "Attachments"): the console lists a
# record's files as `attachment list --json` does, with whether each is
# here; gives a file's bytes through `attachment get RECORD:N`, fetching
# one not here yet, with the link's error when the county server cannot
# be reached; and attaches a file sent as a request's body through
# `attach`, written first to a private file in the station's directory
# and removed after. The refusals: no cookie 401, no token or Origin 403,
# a body over [attachments] max_size 413 (by its Content-Length before
# any of it is read, or as it streams), a body cut short, each with
# nothing recorded and nothing left in the station's directory; a
# confidential file only as the CLI gives it; a record this station does
# not hold, a hash, a position past the end: nothing given.
. "$(dirname "$0")/lib.sh"
test_plan 12


test_when_finished 'stop_proxy'

"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
start_proxy enroll
PROXY_URL="https://127.0.0.1:$(cat "$SCRATCH/proxy.fixed")"
BUREAU=县综合行政执法局
add_station tw 龙羊峡镇 township "$PROXY_URL"
add_station bur $BUREAU bureau "$PROXY_URL"
refresh_directory tw bur
on tw case open --source patrol --category 违法建设 --location 查纳村 \
	--description 建房 --discovered-at "2026-11-20 09:00" >tc
C=$(cat tc)
on tw referral send "$C" --to $BUREAU --letter 龙移〔2026〕1号 \
	--source-material 笔录 --evidence 照片 >tr
R=$(cat tr)

# The work files apart: the station's directory is $SCRATCH.
mkdir w && cd w || exit 1
# The township's console attaches files of 300 KiB at most; a profile
# that reduces photos to 800 pixels.
printf '[attachments]\nmax_size = 300K\n' >tw.conf
printf '[profile]\nname = photos\ncounty = 共和县\n[photos]\nmax_side = 800\nquality = 75\nexif = strip\n' >photos.ini
{ printf '%%PDF-1.4\n%%询问笔录\n'; head -c 20000 /dev/urandom; } >询问笔录.pdf
{ printf '%%PDF-1.4\n%%举报人材料\n'; head -c 5000 /dev/urandom; } >举报材料.pdf
{ printf '%%PDF-1.4\n'; head -c $((300 * 1024 - 9)) /dev/urandom; } >limit.pdf
{ cat limit.pdf; printf x; } >over.pdf
{ printf '%%PDF-1.4\n'; head -c 3000000 /dev/urandom; } >大文件.pdf
vips xyz xyz.v 3000 2000 && vips extract_band xyz.v x.v 0 &&
vips linear x.v g.v 0.08 0 && vips cast g.v gu.v uchar &&
vips bandjoin "gu.v gu.v gu.v" rgb.v && vips copy rgb.v "现场.jpg[Q=90]" || exit 1

# console NAME DB [ENV...]: `liandong ui` on DB, logged in: NAME.base,
# NAME.jar (its cookie), NAME.csrf (its token).
console() {
	_cn=$1 _cdb=$2
	shift 2
	env LIANDONG_DB="$_cdb" "$@" "$LD" ui --port 0 --no-open >"$_cn.url" 2>"$_cn.err" &
	echo $! >"$_cn.pid"
	wait_for 10 "test -s $_cn.url" || return 1
	_cu=$(cat "$_cn.url")
	echo "${_cu%%/login*}" >"$_cn.base"
	curl -s -c "$_cn.jar" -D "$_cn.login" -o /dev/null "$_cu" &&
	sed -n "s/^[Ll]ocation: \/#t=\([A-Za-z0-9_-]*\).*/\1/p" "$_cn.login" | tr -d '\r' >"$_cn.csrf"
}
# What a console killed mid-request left beside the database: a private
# directory two hours old holding a fetched file, and one of a minute
# (another console's request of the moment).
mkdir -p "$SCRATCH/.liandong-ui-old1" "$SCRATCH/.liandong-ui-new1" &&
echo 举报人 >"$SCRATCH/.liandong-ui-old1/举报材料.pdf" &&
touch -d "2 hours ago" "$SCRATCH/.liandong-ui-old1" || exit 1
console tw "$SCRATCH/tw.db" LIANDONG_CONFIG="$SCRATCH/w/tw.conf"
test_when_finished 'kill $(cat "$SCRATCH/w/tw.pid") 2>/dev/null'
console bur "$SCRATCH/bur.db"
test_when_finished 'kill $(cat "$SCRATCH/w/bur.pid") 2>/dev/null'
# A station of a county whose profile reduces photos (one never enrolled:
# the county's profile, synced, would be Gonghe's, which does not).
"$LD" init --db "$SCRATCH/solo.db" --station solo --unit 龙羊峡镇 >/dev/null
SC1=$(LIANDONG_DB="$SCRATCH/solo.db" "$LD" case open --source patrol --category 违法建设 \
	--location 查纳村 --description 建房 --discovered-at "2026-11-20 09:00")
SC2=$(LIANDONG_DB="$SCRATCH/solo.db" "$LD" case open --source patrol --category 违法建设 \
	--location 东街 --description 建房 --discovered-at "2026-11-20 09:10")
console solo "$SCRATCH/solo.db" LIANDONG_RULES="$SCRATCH/w/photos.ini"
test_when_finished 'kill $(cat "$SCRATCH/w/solo.pid") 2>/dev/null'
TB=$(cat tw.base)

test_expect_success 'a console starting removes the private directories older than its commands can be, not a fresh one' '
	! test -e "$SCRATCH/.liandong-ui-old1" &&
	test -d "$SCRATCH/.liandong-ui-new1"
'

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
# ui NAME CONSOLE PATH [CURL-ARGS...]: a request with the cookie and the
# token of CONSOLE (tw or bur): its body in NAME, its status in NAME.code.
ui() {
	_n=$1 _c=$2 _p=$3
	shift 3
	curl -sS -b "$_c.jar" -H "X-CSRF-Token: $(cat "$_c.csrf")" -o "$_n" -D "$_n.h" \
		-w '%{http_code}' "$@" "$(cat "$_c.base")$_p" >"$_n.code"
}
# upload NAME CONSOLE RECORD FILE [QUERY] [CURL-ARGS...]: the file posted
# to the console, as the page posts it.
upload() {
	_n=$1 _c=$2 _r=$3 _f=$4 _q=${5:-}
	shift 4
	[ $# -gt 0 ] && shift
	ui "$_n" "$_c" "/api/attachments/$_r?name=$(enc "$_f")$_q" \
		-H "Origin: $(cat "$_c.base")" -H "Content-Type: application/octet-stream" \
		--data-binary "@$_f" "$@"
}
code_is() { # NAME CODE
	[ "$(cat "$1.code")" = "$2" ] && return 0
	echo "$1: expected HTTP $2, got $(cat "$1.code"):" >&2
	cat "$1" >&2
	return 1
}
events() { sqlite3 "$SCRATCH/tw.db" "SELECT count(*) FROM events"; }
# left: what is in the station's directory now (the database's WAL aside,
# and the harness's .out).
left() { ls -A "$SCRATCH" | grep -v -e '-wal$' -e '-shm$' -e '^proxy' -e '^\.out$'; }
left >before

test_expect_success 'an upload without the cookie is 401; without the token or its Origin 403; nothing left behind' '
	n=$(events) &&
	curl -s -o no -w "%{http_code}" -H "Origin: $TB" -H "X-CSRF-Token: $(cat tw.csrf)" \
	    --data-binary @询问笔录.pdf "$TB/api/attachments/$R?name=a.pdf" | grep -qx 401 &&
	curl -sS -b tw.jar -o t1 -w "%{http_code}" -H "X-CSRF-Token: x$(cat tw.csrf)" -H "Origin: $TB" \
	    --data-binary @询问笔录.pdf "$TB/api/attachments/$R?name=a.pdf" | grep -qx 403 &&
	curl -sS -b tw.jar -o t2 -w "%{http_code}" -H "Origin: $TB" --data-binary @询问笔录.pdf \
	    "$TB/api/attachments/$R?name=a.pdf" | grep -qx 403 &&
	ui t3 tw "/api/attachments/$R?name=a.pdf" --data-binary @询问笔录.pdf && code_is t3 403 &&
	ui t4 tw "/api/attachments/$R?name=a.pdf" -H "Origin: http://attacker.example" \
	    --data-binary @询问笔录.pdf && code_is t4 403 &&
	curl -sS -b tw.jar -o t5 -w "%{http_code}" "$TB/api/attachments/$R" | grep -qx 403 &&
	curl -sS -b tw.jar -o t6 -w "%{http_code}" "$TB/api/attachments/$R/1" | grep -qx 403 &&
	test "$(events)" = "$n" && left | test_cmp before -
'

test_expect_success 'an upload is attached as attach attaches it; the list is attachment list --json' '
	ui l0 tw "/api/attachments/$C" && code_is l0 200 && jeq l0 "len(d.attachments)" 0 &&
	upload up1 tw "$R" 询问笔录.pdf "&caption=$(enc 询问笔录第一页)" && code_is up1 201 &&
	test "$(jv up1 d.kind)" = attached && test "$(jv up1 d.record)" = "$R" &&
	test "$(jv up1 "d.attachments[0].name")" = 询问笔录.pdf &&
	test "$(jv up1 "d.attachments[0].hash")" = "$(sha256sum 询问笔录.pdf | cut -c1-64)" &&
	ui l1 tw "/api/attachments/$R" && code_is l1 200 &&
	on tw attachment list --json "$R" >l1.json && test_cmp l1.json l1 &&
	jeq l1 "d.attachments[0].caption" 询问笔录第一页 && jeq l1 "d.attachments[0].held" true &&
	jeq l1 "d.attachments[0].type" application/pdf &&
	on tw referral show "$R" >show &&
	test_grep "询问笔录.pdf" show &&
	left | test_cmp before - && test_grep "event=ui-command command=\"attach\" exit=0" tw.err
'

test_expect_success 'a confidential one is hidden in the list unless asked, as the CLI hides it' '
	upload up2 tw "$R" 举报材料.pdf "&confidential=1" && code_is up2 201 &&
	jeq up2 "d.attachments[0].confidential" true &&
	ui l2 tw "/api/attachments/$R" && on tw attachment list --json "$R" >l2.json && test_cmp l2.json l2 &&
	test_grep ! 举报材料 l2 && jeq l2 "d.attachments[1].hidden" "(confidential)" &&
	ui l3 tw "/api/attachments/$R?confidential=1" &&
	on tw attachment list --json --confidential "$R" >l3.json && test_cmp l3.json l3 &&
	jeq l3 "d.attachments[1].name" 举报材料.pdf &&
	ui g1 tw "/api/attachments/$R/2" && code_is g1 403 && test_grep "confidential" g1 &&
	ui g2 tw "/api/attachments/$R/2?confidential=1" && code_is g2 200 && cmp g2 举报材料.pdf
'

test_expect_success 'GET /api/attachments/RECORD/N gives the bytes, as a download' '
	ui g3 tw "/api/attachments/$R/1" && code_is g3 200 && cmp g3 询问笔录.pdf &&
	grep -qi "^Content-Type: application/octet-stream" g3.h &&
	grep -qi "^Content-Disposition: attachment" g3.h &&
	grep -qi "^Cache-Control: no-store" g3.h &&
	left | test_cmp before - && test_grep "command=\"attachment get\" exit=0" tw.err
'

test_expect_success 'a photo is reduced as attach reduces it (the profile of the console)' '
	upload up3 tw "$R" 现场.jpg && code_is up3 201 &&
	upload up4 solo "$SC1" 现场.jpg && code_is up4 201 &&
	jeq up4 "d.attachments[0].original_size" "$(stat -c %s 现场.jpg)" &&
	ui g4 solo "/api/attachments/$SC1/1" && code_is g4 200 &&
	test "$(vipsheader -f width g4)" = 800 &&
	LIANDONG_DB="$SCRATCH/solo.db" LIANDONG_RULES="$SCRATCH/w/photos.ini" \
	    "$LD" attach "$SC2" 现场.jpg --json >cli.json &&
	test "$(jv cli.json "d.attachments[0].hash")" = "$(jv up4 "d.attachments[0].hash")" &&
	left | test_cmp before -
'

test_expect_success 'a file of [attachments] max_size is taken; a byte more is refused by its length, before its body' '
	upload lim tw "$C" limit.pdf && code_is lim 201 &&
	n=$(events) &&
	upload big tw "$C" over.pdf "" -H "Expect: 100-continue" && code_is big 413 &&
	# Refused on its headers: curl, waiting for "100 Continue", sent
	# none of the body.
	curl -sS -b tw.jar -H "X-CSRF-Token: $(cat tw.csrf)" -H "Origin: $TB" -H "Expect: 100-continue" \
	    --expect100-timeout 30 --data-binary @over.pdf -o big2 -w "%{http_code} %{size_upload}" \
	    "$TB/api/attachments/$C?name=over.pdf" >big2.out && test "$(cat big2.out)" = "413 0" &&
	jv big d.error | grep -q "over the limit of 300.0 KB (\[attachments\] max_size in agent.conf)" &&
	test_grep "event=ui-refused status=413 rule=size" tw.err &&
	test "$(events)" = "$n" && left | test_cmp before -
'

test_expect_success 'over the limit as it streams (chunked), or cut short: refused, nothing left behind' '
	n=$(events) &&
	upload ch tw "$C" over.pdf "" -H "Transfer-Encoding: chunked" && code_is ch 413 &&
	jv ch d.error | grep -q "over the limit of 300.0 KB" &&
	python3 - "$(cat tw.base)" "$(cat tw.jar | awk "/liandong_ui/ {print \$6 \"=\" \$7}")" "$(cat tw.csrf)" "$R" <<-\EOF &&
	import socket, sys, urllib.parse
	base, cookie, csrf, rec = sys.argv[1:]
	host = base.split("//")[1]
	h, p = host.split(":")
	s = socket.create_connection((h, int(p)))
	s.sendall(("POST /api/attachments/%s?name=cut.pdf HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\n"
	    "X-CSRF-Token: %s\r\nOrigin: %s\r\nContent-Length: 200000\r\n\r\n" % (
	    urllib.parse.quote(rec), host, cookie, csrf, base)).encode() + b"%PDF-1.4\n" + b"x" * 50000)
	s.close()
	EOF
	wait_for 20 "left | cmp -s before -" &&
	test "$(events)" = "$n"
'

test_expect_success 'a name with a slash or none, and an id that looks like an option, are refused' '
	ui n1 tw "/api/attachments/$R?name=..%2Fx.pdf" -H "Origin: $TB" --data-binary @询问笔录.pdf &&
	code_is n1 400 &&
	ui n2 tw "/api/attachments/$R" -H "Origin: $TB" --data-binary @询问笔录.pdf && code_is n2 400 &&
	upload n3 tw "--help" 询问笔录.pdf && code_is n3 404 &&
	ui n4 tw "/api/attachments/--help" && code_is n4 404 &&
	left | test_cmp before -
'

test_expect_success 'the bureau lists what arrived and what is still to fetch' '
	on tw attach "$R" 大文件.pdf >/dev/null && on tw sync >/dev/null && on bur sync >/dev/null &&
	ui b1 bur "/api/attachments/$R" && code_is b1 200 &&
	jeq b1 "[str(a.get(\"held\")) for a in d.attachments]" "True None True False"
'

test_expect_success 'a record not held, a hash, a position past the end: nothing given' '
	ui o1 bur "/api/attachments/$C/1" && code_is o1 404 && test_grep "no record" o1 &&
	ui o2 bur "/api/attachments/$C" && code_is o2 404 &&
	h=$(sha256sum limit.pdf | cut -c1-64) &&
	ui o3 bur "/api/attachments/$h" && code_is o3 404 &&
	ui o4 bur "/api/attachments/$R/9" && code_is o4 404 &&
	ui o5 bur "/api/attachments/$R/0" && code_is o5 404 &&
	ui o6 bur "/api/attachments/$R/1/x" && code_is o6 404 &&
	ui o7 tw "/api/attachments/$C:1" && code_is o7 404 &&
	! cmp -s o1 limit.pdf
'

test_expect_success 'the link down, the fetch says so; back up, it fetches the file' '
	stop_proxy &&
	ui f1 bur "/api/attachments/$R/4" && code_is f1 404 &&
	jv f1 d.error | grep -q "has not arrived here yet" &&
	jv f1 d.messages | grep -qi "server" &&
	start_proxy back &&
	ui f2 bur "/api/attachments/$R/4" && code_is f2 200 && cmp f2 大文件.pdf &&
	ui b2 bur "/api/attachments/$R" && jeq b2 "d.attachments[3].held" true
'

test_done
