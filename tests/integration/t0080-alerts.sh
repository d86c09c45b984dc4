#!/bin/sh
# Alerts (issue 16 item 3): a referral that arrives for this unit, and an
# obligation of this unit entering its last day (its last 4 hours for a
# rule of 24 hours), each said once: kept for `liandong alerts`, and shown
# through notify-send (a stand-in here records what it was asked to show)
# unless [alerts] show says otherwise; never a complainant's identity.
# The daemon looks after every sync.
. "$(dirname "$0")/lib.sh"
test_plan 12
# Checks below look ahead with LIANDONG_NOW; the server takes what they record.
SERVER_OPTS="--max-clock-ahead 0"
BUREAU=县综合行政执法局

"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
add_station tw 龙羊峡镇 township
add_station bureau $BUREAU bureau
refresh_directory tw bureau

# The desktop: a notify-send that writes down its arguments.
mkdir bin
cat >bin/notify-send <<EOF
#!/bin/sh
printf '%s|' "\$@" >>"$SCRATCH/shown"
echo >>"$SCRATCH/shown"
EOF
chmod +x bin/notify-send
: >shown
export PATH="$SCRATCH/bin:$PATH"

# alerts STATION: the alerts kept, as JSON.
alerts() { on "$1" alerts --json; }

test_expect_success 'the first look starts from now: nothing old is announced' '
	on bureau alerts --check >out &&
	alerts bureau >a.json && jeq a.json "len(d[\"alerts\"])" 0 &&
	! test -s shown
'

CASE=$(on tw case open --source patrol --category 违法建设 --location 查纳村 \
	--description "正在施工" --discovered-at "2026-11-20 09:00" --urgent)
R=$(on tw referral send "$CASE" --to $BUREAU --letter "龙移〔2026〕1号" \
	--source-material 现场检查笔录 --evidence 照片 --urgent)
T=$(on tw complaint record --type complaint --channel phone \
	--matter 夜间施工噪音 --description "工地每晚施工至凌晨" --location 查纳村 \
	--received-at "2026-11-20 08:00" --name 王秀英 --phone 13800001111)
on tw complaint refer "$T" --to $BUREAU >/dev/null
on tw sync >/dev/null
on bureau sync >/dev/null

test_expect_success 'a referral that arrived is alerted, urgent, on the desktop too' '
	on bureau alerts --check >out &&
	alerts bureau >a.json &&
	jeq a.json "len(d[\"alerts\"])" 1 &&
	jeq a.json "d[\"alerts\"][0][\"record\"]" "$R" &&
	jeq a.json "d[\"alerts\"][0][\"kind\"]" arrival &&
	jeq a.json "d[\"alerts\"][0][\"urgent\"]" true &&
	jeq a.json "d[\"alerts\"][0][\"read\"]" false &&
	test_grep "$R" shown && test_grep "urgency=critical" shown &&
	test_grep 违法建设 shown
'

test_expect_success 'said once: looking again raises nothing' '
	cp shown shown.before &&
	on bureau alerts --check >/dev/null &&
	alerts bureau >a.json && jeq a.json "len(d[\"alerts\"])" 1 &&
	test_cmp shown.before shown
'

ACK=$(on bureau due --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([o["due"] for o in d["obligations"] if o["record"] == sys.argv[1]][0])' "$R")
at() { python3 -c '
import datetime, sys
t = datetime.datetime.fromisoformat(sys.argv[1]) - datetime.timedelta(hours=int(sys.argv[2]))
print(t.isoformat())' "$ACK" "$1"; }

test_expect_success 'the time to acknowledge: nothing 30 hours before, an alert 20 hours before' '
	LIANDONG_NOW=$(at 30) on bureau alerts --check >/dev/null &&
	alerts bureau >a.json && jeq a.json "len(d[\"alerts\"])" 1 &&
	LIANDONG_NOW=$(at 20) on bureau alerts --check >/dev/null &&
	alerts bureau >a.json && jeq a.json "len(d[\"alerts\"])" 2 &&
	jeq a.json "d[\"alerts\"][0][\"kind\"]" due &&
	jeq a.json "d[\"alerts\"][0][\"record\"]" "$R"
'

# The township's own urgent case: 24 hours to refer (from 11-20 09:00),
# referred already; a second one not referred.
C2=$(on tw case open --source patrol --category 违法建设 --location 东街 \
	--description "连夜施工" --discovered-at "2026-11-20 09:00" --urgent)

test_expect_success 'a 24-hour rule is alerted in its last 4 hours, not before' '
	on tw alerts --check >/dev/null &&
	LIANDONG_NOW=2026-11-21T04:30:00+08:00 on tw alerts --check >/dev/null &&
	alerts tw >t.json && jeq t.json "len(d[\"alerts\"])" 0 &&
	LIANDONG_NOW=2026-11-21T05:30:00+08:00 on tw alerts --check >/dev/null &&
	alerts tw >t.json && jeq t.json "len(d[\"alerts\"])" 1 &&
	jeq t.json "d[\"alerts\"][0][\"record\"]" "$C2"
'

test_expect_success 'overdue when first seen: said as overdue' '
	LIANDONG_NOW=2026-11-23T09:00:00+08:00 on tw case open --source patrol \
		--category 违法建设 --location 南街 --description "夜间施工" \
		--discovered-at "2026-11-20 09:00" --urgent >c3 &&
	LIANDONG_NOW=2026-11-23T09:00:00+08:00 on tw alerts --check >/dev/null &&
	alerts tw >t.json &&
	jeq t.json "d[\"alerts\"][0][\"record\"]" "$(cat c3)" &&
	jeq t.json "d[\"alerts\"][0][\"title\"].startswith(\"OVERDUE\")" true
'

test_expect_success 'never a complainant identity, in what is kept or shown' '
	on bureau complaint show --show-identity "$T" >si && test_grep 王秀英 si &&
	alerts bureau >a.json && alerts tw >t.json &&
	! grep -q 王秀英 a.json t.json shown && ! grep -q 13800001111 a.json t.json shown
'

test_expect_success 'alerts lists them newest first, unread marked; --read marks them' '
	on bureau alerts >list &&
	test_grep "^\*" list &&
	on bureau alerts --read >/dev/null &&
	on bureau alerts >list &&
	! grep -q "^\*" list &&
	alerts bureau >a.json && jeq a.json "all(a[\"read\"] for a in d[\"alerts\"])" true
'

test_expect_success '[alerts] show = quiet keeps them off the desktop; off raises none' '
	printf "[alerts]\nshow = quiet\n" >quiet.conf &&
	printf "[alerts]\nshow = off\n" >off.conf &&
	: >shown &&
	LIANDONG_NOW=2026-11-27T09:00:00+08:00 on tw --config quiet.conf \
		case open --source patrol --category 违法建设 --location 北街 \
		--description "x" --discovered-at "2026-11-27 08:00" --urgent >c4 &&
	LIANDONG_NOW=2026-11-28T06:00:00+08:00 on tw --config off.conf alerts --check >/dev/null &&
	alerts tw >before.json &&
	LIANDONG_NOW=2026-11-28T06:00:00+08:00 on tw --config quiet.conf alerts --check >/dev/null &&
	alerts tw >after.json &&
	python3 -c "
import json
b = json.load(open(\"before.json\"))[\"alerts\"]
a = json.load(open(\"after.json\"))[\"alerts\"]
assert len(a) > len(b), (len(a), len(b))
assert a[0][\"record\"] == open(\"c4\").read().strip(), a[0]
" && ! test -s shown
'

test_expect_success 'the daemon alerts after its sync' '
	R2=$(on tw referral send "$C2" --to $BUREAU --letter "龙移〔2026〕2号" \
		--source-material 现场检查笔录 --evidence 照片 --urgent) &&
	on tw sync >/dev/null &&
	{ LIANDONG_DB="$SCRATCH/bureau.db" "$LD" daemon --interval 1h \
		>daemon.log 2>&1 & echo $! >daemon.pid; } &&
	for i in $(seq 1 100); do
		alerts bureau >a.json &&
		jeq a.json "any(a[\"record\"] == \"$R2\" for a in d[\"alerts\"])" true \
			2>/dev/null && break
		sleep 0.1
	done &&
	kill $(cat daemon.pid) && wait_for 10 "! kill -0 $(cat daemon.pid)" &&
	jeq a.json "any(a[\"record\"] == \"$R2\" for a in d[\"alerts\"])" true &&
	test_grep "event=alert kind=arrival record=$R2" daemon.log
'

# trace FILE KEY: KEY's value in the LIANDONG_ALERT_TRACE line of FILE
# ("alerts: full=F read=N open=N": a full look or not, the records read
# for obligations, those with one of this unit's open by a due time).
trace() { sed -n "s/^alerts: .*$2=\([0-9]*\).*/\1/p" "$1"; }

test_expect_success 'a look reads the records with an open obligation and those just changed, not all' '
	export LIANDONG_ALERT_TRACE=1 &&
	LIANDONG_NOW=2026-11-29T07:00:00+08:00 on tw alerts --check \
		>/dev/null 2>tr.a &&
	for i in $(seq 1 12); do
		c=$(on tw case open --source patrol --category 违法建设 \
			--location "西街$i" --description "已整改" \
			--discovered-at "2026-11-20 09:00") &&
		on tw case close "$c" --reason 已整改 >/dev/null &&
		on tw liaison log --type contact --summary "联络 $i" >/dev/null ||
		return 1
	done &&
	LIANDONG_NOW=2026-11-29T07:01:00+08:00 on tw alerts --check \
		>/dev/null 2>tr.b &&
	LIANDONG_NOW=2026-11-29T07:02:00+08:00 on tw alerts --check \
		>/dev/null 2>tr.c &&
	cat tr.a tr.b tr.c &&
	cases=$(on tw case list --json | python3 -c "
import json, sys
print(len(json.load(sys.stdin)[\"cases\"]))") &&
	echo "# cases: $cases" &&
	test "$(trace tr.a full)" = 1 &&
	test "$(trace tr.b full)" = 0 && test "$(trace tr.c full)" = 0 &&
	test "$(trace tr.b read)" -ge 12 &&
	test "$(trace tr.c read)" = "$(trace tr.c open)" &&
	test "$(trace tr.c open)" = "$(trace tr.a open)" &&
	test "$(trace tr.c read)" -lt "$cases" &&
	test "$(trace tr.c read)" -lt "$(trace tr.a read)"
'

test_expect_success 'a look that reads only those raises and keeps what a full look does' '
	export LIANDONG_ALERT_TRACE=1 &&
	for p in 东 西; do
		LIANDONG_NOW=2026-11-29T08:30:00+08:00 on tw case open \
			--source patrol --category 违法建设 --location "${p}村" \
			--description "夜间施工" --discovered-at "2026-11-29 08:00" \
			--urgent >/dev/null ||
		return 1
	done &&
	LIANDONG_NOW=2026-11-30T01:00:00+08:00 on tw alerts --check \
		>/dev/null 2>tr.d &&
	sqlite3 tw.db ".backup tw-full.db" &&
	sqlite3 tw-full.db "DELETE FROM meta WHERE key = '"'"'alert_watch'"'"'" &&
	LIANDONG_NOW=2026-11-30T05:00:00+08:00 on tw alerts --check \
		>/dev/null 2>tr.e &&
	LIANDONG_NOW=2026-11-30T05:00:00+08:00 on tw-full alerts --check \
		>/dev/null 2>tr.f &&
	cat tr.d tr.e tr.f &&
	test "$(trace tr.e full)" = 0 && test "$(trace tr.f full)" = 1 &&
	on tw alerts --json >inc.json && on tw-full alerts --json >full.json &&
	test_cmp full.json inc.json &&
	jeq inc.json "[a[\"kind\"] for a in d[\"alerts\"][:2]]" "due due" &&
	for k in alerted alert_watch; do
		sqlite3 tw.db "SELECT value FROM meta WHERE key = '"'"'$k'"'"'" >inc.$k &&
		sqlite3 tw-full.db "SELECT value FROM meta WHERE key = '"'"'$k'"'"'" >full.$k ||
		return 1
	done &&
	test_cmp full.alerted inc.alerted &&
	test "$(jv full.alert_watch "sorted(d[\"open\"])")" = \
		"$(jv inc.alert_watch "sorted(d[\"open\"])")"
'

test_done
