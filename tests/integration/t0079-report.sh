#!/bin/sh
# liandong-server report (issue 17 item 4): the county's figures over a
# period, from real stations' records, each figure checked against an
# independent count in Python over `dump` (the projections) and `due`
# (the open obligations), for the county and for one unit; CSV for
# Excel and an Excel workbook read back by openpyxl (Debian's
# python3-openpyxl, hence /usr/bin/python3); bad periods refused.
. "$(dirname "$0")/lib.sh"
test_plan 17
SERVER_OPTS="--max-clock-ahead 0"
BUREAU=县综合行政执法局
ZRJ=县自然资源局

export LIANDONG_NOW="2026-11-20T10:00:00+08:00"
"$LDS" init --county 共和县 --listen 127.0.0.1:0 --rules gonghe >/dev/null
start_server
add_station lyx 龙羊峡镇 township
add_station qbq 恰卜恰镇 township
add_station bureau $BUREAU bureau
add_station zrj $ZRJ department
refresh_directory lyx qbq bureau zrj

# open STATION DISCOVERED CATEGORY [options...]: a case; prints its id.
open() {
	_st=$1 _at=$2 _cat=$3
	shift 3
	on $_st case open --source patrol --category "$_cat" --location 东街 \
		--description "现场检查发现" --discovered-at "$_at" "$@"
}

C1=$(open lyx "2026-11-02 09:00" 违法建设)
C2=$(open lyx "2026-11-10 09:00" 非法采砂 --urgent)
C3=$(open lyx "2026-11-15 09:00" 违法建设 --handle own)
C4=$(open lyx "2026-10-20 09:00" 违法建设)
C5=$(open qbq "2026-11-05 09:00" 占用林地)
C6=$(on qbq case open --source report --category 违法建设 --location 西街 \
	--description "群众举报" --discovered-at "2026-11-18 09:00")
on lyx case close "$C3" --reason "已责令整改" >/dev/null
R1=$(on lyx referral send "$C2" --to $BUREAU --letter "龙移〔2026〕1号" \
	--source-material 现场检查笔录 --evidence 照片)
R2=$(LIANDONG_NOW="2026-11-19T09:00:00+08:00" on qbq referral send "$C5" \
	--to $ZRJ --letter "恰移〔2026〕2号" --source-material 现场检查笔录 \
	--evidence 照片 --sent-at "2026-11-12 09:00")
on lyx liaison log --type contact --date "2026-11-18 09:00" \
	--counterpart $BUREAU --place 镇政府 --summary "通报线索" >/dev/null
on qbq liaison log --type contact --date "2026-11-19 09:00" \
	--counterpart $ZRJ --place 镇政府 --summary "通报线索" >/dev/null
for s in lyx qbq bureau zrj lyx qbq bureau zrj; do on $s sync >/dev/null; done
LIANDONG_NOW="2026-11-20T14:00:00+08:00" on bureau referral acknowledge "$R1" >/dev/null
for s in bureau lyx; do on $s sync >/dev/null; done

# Penalty decisions to publish: one recorded to share by the bureau, one
# served on a referral; both name the parties, a phone and an id number.
C7=$(on lyx case open --source patrol --category 违法建设 --location 北街 \
	--description "未批先建" --discovered-at "2026-11-16 09:00" \
	--party 王秀英 --party 青海宏达建筑有限公司)
R3=$(on lyx referral send "$C7" --to $BUREAU --letter "龙移〔2026〕3号" \
	--source-material 现场检查笔录 --evidence 照片)
for s in lyx bureau; do on $s sync >/dev/null; done
on bureau referral accept "$R3" >/dev/null
on bureau referral result "$R3" --decided-at "2026-11-20 09:30" \
	--decision "对王秀英（身份证号630102199001011234，电话13800001111）罚款5000元，青海宏达建筑有限公司限期拆除" >/dev/null
on bureau share record --type penalty --title "共综执罚〔2026〕88号 处罚决定书" \
	--formed-at "2026-11-19 15:00" \
	--summary "当事人赵大勇，电话0974-8512345，罚款3000元" >/dev/null
for s in bureau lyx bureau; do on $s sync >/dev/null; done

# Issue 17's other figures: a township's calls (one answered, one not),
# assistance requests (one answered, one overdue), a joint meeting with
# two resolutions (one reported done), a training with participants.
W1=$(on lyx whistle call --to $ZRJ --matter 占道经营 --location 东街)
W2=$(on qbq whistle call --to $BUREAU --matter 夜间施工 --location 西街)
A1=$(on bureau assist request --to $ZRJ --type appraisal --subject 土地性质认定)
A2=$(LIANDONG_NOW="2026-11-19T09:00:00+08:00" on lyx assist request --to $ZRJ \
	--type testing --subject 水样检测 --sent-at "2026-11-03 09:00")
M1=$(on bureau meeting schedule --kind joint --at "2026-11-18 15:00" \
	--units 龙羊峡镇,$ZRJ)
on lyx liaison log --type training --date "2026-11-17 09:00" \
	--summary "执法业务培训" --participant 卓玛 --participant 李明 >/dev/null
# Training hours (学时) of a township's people: two in the month, one
# before it; and a department's.
P1=$(on lyx person add --name 卓玛 --liaison)
P2=$(on lyx person add --name 李明)
P3=$(on zrj person add --name 马明)
on lyx person train "$P1" --date 2026-11-17 --hours 3.5 --topic 执法业务 >/dev/null
on lyx person train "$P2" --date 2026-11-17 --hours 3.5 --topic 执法业务 >/dev/null
on lyx person train "$P2" --date 2026-10-08 --hours 2 --topic 案卷评查 >/dev/null
on zrj person train "$P3" --date 2026-11-03 --hours 0.5 --topic 安全生产 >/dev/null
for s in lyx qbq bureau zrj lyx qbq bureau zrj; do on $s sync >/dev/null; done
on zrj whistle answer "$W1" --officer-sent 张三 >/dev/null
on zrj assist answer "$A1" --conclusion 属基本农田 --sealed >/dev/null
on bureau meeting minutes "$M1" --text 会议纪要 >/dev/null
on bureau meeting resolution "$M1" --text 联合整治 --owner 龙羊峡镇 >/dev/null
on bureau meeting resolution "$M1" --text 复核地类 --owner $ZRJ >/dev/null
for s in zrj bureau lyx zrj; do on $s sync >/dev/null; done
on lyx meeting followup "$M1" --resolution 1 --status done --note 已整治 >/dev/null
for s in lyx bureau; do on $s sync >/dev/null; done

"$LDS" dump >dump.ndjson
"$LDS" due --json >due.json

# check.py REPORT.json [UNIT]: every figure of the report against a
# count of its own over dump.ndjson and due.json.
cat >check.py <<-\PY
import json, sys
from collections import Counter, defaultdict
from datetime import datetime

import os
rep = json.load(open(sys.argv[1]))["report"]
unit = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
cat = sys.argv[3] if len(sys.argv) > 3 else None
docs = [json.loads(l) for l in open("dump.ndjson")]
due = json.load(open(os.environ.get("DUE", "due.json")))["obligations"]
if cat is not None:
    # Only the records of the category, and what they owe.
    docs = [d for d in docs if d.get("category") == cat]
    due = [o for o in due if o["record"] in set(d["entity"] for d in docs)]
lo, hi = rep["from"], rep["to"]
def ms(t): return int(datetime.fromisoformat(t).timestamp() * 1000)
def inp(t): return ms(lo) <= t < ms(hi)
def want(u): return unit is None or u == unit
bad = []
def same(what, got, exp):
    if got != exp:
        bad.append("%s: report %r, counted %r" % (what, got, exp))

cases = [d for d in docs if d["type"] == "case" and
         inp(ms(d["discovered_at"])) and want(d["unit"])]
by_unit = defaultdict(Counter)
for d in cases:
    c = by_unit[d["unit"]]
    c["opened"] += 1
    c["closed"] += d["status"] == "closed"
    c["referred"] += "referred" in d
    c["own"] += d.get("handling") == "own"
    c["urgent"] += bool(d.get("urgent"))
same("cases by unit", {r["unit"]: {k: v for k, v in r.items() if k != "unit" and v}
                       for r in rep["cases"]["by_unit"]},
     {u: {k: v for k, v in c.items() if v} for u, c in by_unit.items()})
for key, name in (("category", "by_category"), ("source", "by_source")):
    same("cases " + name, {r[key]: r["opened"] for r in rep["cases"][name]},
         dict(Counter(d[key] for d in cases)))
same("cases by month", {r["month"]: r["opened"] for r in rep["cases"]["by_month"]},
     dict(Counter(d["discovered_at"][:7] for d in cases)))

refs = [d for d in docs if d["type"] == "referral" and
        inp(ms(d["sent_at"]) if "sent_at" in d else d["created_at"])]
same("referrals sent", {r["unit"]: r["sent"] for r in rep["referrals"]["by_sender"]},
     dict(Counter(d["unit"] for d in refs if want(d["unit"]))))
recv = defaultdict(Counter)
for d in refs:
    if want(d["to"]):
        recv[d["to"]]["received"] += 1
        recv[d["to"]]["unanswered" if d["status"] == "sent" else d["status"]] += 1
same("referrals received",
     {r["unit"]: {k: v for k, v in r.items()
                  if k not in ("unit", "ack_hours_median") and v}
      for r in rep["referrals"]["by_receiver"]},
     {u: dict(c) for u, c in recv.items()})

logs = Counter(d["unit"] for d in docs if d["type"] == "liaison" and
               inp(d["created_at"]) and want(d["unit"]))
same("liaison", {r["unit"]: r["logs"] for r in rep["liaison"]}, dict(logs))

# Who owes each deadline, written out here from docs/report.md.
owner = {("referral", "result_due"): "handler", ("referral", "ack_due"): "to",
         ("referral", "onsite_due"): "to", ("assist", "answer_due"): "to",
         ("whistle", "answer_due"): "to", ("supervision", "reply_due"): "to"}
carried = {("referral", "refer_due")}  # the case's, counted there
tl = defaultdict(Counter)
for d in docs:
    for k, v in d.items():
        if (k.endswith("_due") and isinstance(v, dict) and "done_at" in v
                and (d["type"], k) not in carried
                and inp(ms(v["due"]))):
            u = v.get("done_by") or d[owner.get((d["type"], k), "unit")]
            if want(u):
                tl[(u, v["rule"])]["late" if v.get("late") else "on_time"] += 1
for o in due:
    if o["due"] and o["rule"] and inp(ms(o["due"])) and want(o["owed_by"]):
        tl[(o["owed_by"], o["rule"])]["overdue" if o["overdue"] else "open"] += 1
same("timeliness by unit and rule",
     {(r["unit"], r["rule"]): {k: r[k] for k in ("on_time", "late", "open", "overdue") if r[k]}
      for r in rep["timeliness"]["by_rule"]},
     {k: dict(c) for k, c in tl.items()})
for r in rep["timeliness"]["by_unit"]:
    met = r["on_time"] + r["late"] + r["overdue"]
    same("rate of " + r["unit"], r["rate"],
         None if met == 0 else round(r["on_time"] / met, 3))
ranks = [r["rate"] if r["rate"] is not None else -1 for r in rep["timeliness"]["by_unit"]]
same("ranking order", ranks, sorted(ranks, reverse=True))
# The time each step took (the referral's "steps": when each state was
# first reached), per unit, in hours: median and 90th percentile.
H = 3600000
def arrived(d):
    r = d.get("received", {}).get("at")
    return ms(r) if r else (ms(d["sent_at"]) if "sent_at" in d else d["created_at"])
def med(v):
    if not v: return None
    v = sorted(v); n = len(v)
    m = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) // 2
    return (m * 10 + H // 2) // H / 10
def p90(v):
    if not v: return None
    v = sorted(v)
    return (v[-(-len(v) * 9 // 10) - 1] * 10 + H // 2) // H / 10
steps = defaultdict(lambda: defaultdict(list))
for d in refs:
    st = d.get("steps", {})
    if "acknowledged" in st and want(d["to"]):
        steps[d["to"]]["acknowledged"].append(max(0, st["acknowledged"] - arrived(d)))
    ans = [st[k] for k in ("accepted", "disputed", "returned") if k in st]
    if ans and want(d["to"]):
        steps[d["to"]]["answered"].append(max(0, min(ans) - arrived(d)))
    if "closed" in st and "accepted" in st and want(d["handler"]):
        steps[d["handler"]]["result"].append(max(0, st["closed"] - st["accepted"]))
exp = {}
for u, c in steps.items():
    exp[u] = {}
    for k in ("acknowledged", "answered", "result"):
        exp[u][k] = len(c[k])
        exp[u][k + "_median_hours"] = med(c[k])
        exp[u][k + "_p90_hours"] = p90(c[k])
same("referral steps", {r["unit"]: {k: v for k, v in r.items() if k != "unit"}
                        for r in rep["referrals"]["steps"]}, exp)

acts = defaultdict(Counter)
for d in docs:
    if d["type"] == "liaison" and inp(d["created_at"]) and want(d["unit"]):
        acts[d["unit"]][d["activity"]] += 1
        if d["activity"] == "training":
            acts[d["unit"]]["trained"] += len(d.get("participants", []))
    if d["type"] == "person" and want(d["unit"]):
        for t in d.get("training", []):
            if inp(ms(t["date"])):
                acts[d["unit"]]["training_hours"] += round(float(t["hours"]) * 10)
for c in acts.values():
    if c["training_hours"]:
        c["training_hours"] /= 10
same("liaison by activity", {r["unit"]: {k: v for k, v in r.items() if k != "unit" and v}
                             for r in rep["liaison_activity"]},
     {u: {k: v for k, v in c.items() if v} for u, c in acts.items()})

def answered(kind):
    out = {}
    for d in docs:
        sent = ms(d["sent_at"]) if "sent_at" in d else d.get("created_at")
        if d["type"] != kind or not inp(sent) or not want(d["to"]):
            continue
        c = out.setdefault(d["to"], Counter())
        c["received"] += 1
        dl = d.get("answer_due")
        if "answer" in d:
            c["answered"] += 1
            c.setdefault("hours", [])
            c["hours"] = c["hours"] + [max(0, d["answer"]["at"] - arrived(d))]
            if dl and "done_at" in dl:
                c["late" if dl.get("late") else "on_time"] += 1
        elif dl and ms(due_now) > ms(dl["due"]):
            c["overdue"] += 1
    exp = {}
    for u, c in out.items():
        h = c.pop("hours", [])
        e = {k: c[k] for k in ("received", "answered", "on_time", "late", "overdue")}
        met = e["on_time"] + e["late"] + e["overdue"]
        e["rate"] = None if met == 0 else round(e["on_time"] / met, 3)
        e["answer_median_hours"], e["answer_p90_hours"] = med(h), p90(h)
        exp[u] = e
    return exp
due_now = os.environ["LIANDONG_NOW"]
same("township calls by department",
     {r["unit"]: {k: v for k, v in r.items() if k != "unit"}
      for r in rep["whistles"]["by_department"]}, answered("whistle"))
same("assistance by unit",
     {r["unit"]: {k: v for k, v in r.items() if k != "unit"}
      for r in rep["assists"]["by_unit"]}, answered("assist"))
callers = defaultdict(Counter)
for d in docs:
    sent = ms(d["sent_at"]) if "sent_at" in d else d.get("created_at")
    if d["type"] == "whistle" and inp(sent) and want(d["unit"]):
        callers[d["unit"]]["called"] += 1
        callers[d["unit"]]["escalated"] += d.get("escalation_level", 0) > 0
same("township calls by caller", {r["unit"]: {k: v for k, v in r.items() if k != "unit" and v}
                                  for r in rep["whistles"]["by_caller"]},
     {u: {k: v for k, v in c.items() if v} for u, c in callers.items()})

meets, follow = defaultdict(Counter), defaultdict(Counter)
for d in docs:
    if d["type"] != "meeting" or not inp(ms(d["at"])):
        continue
    if want(d["unit"]):
        meets[d["unit"]]["scheduled"] += 1
        meets[d["unit"]]["held"] += d["status"] == "held"
        meets[d["unit"]]["resolutions"] += len(d.get("resolutions", []))
    for r in d.get("resolutions", []):
        if want(r["owner"]):
            follow[r["owner"]]["resolutions"] += 1
            follow[r["owner"]][{"open": "unreported", "in-progress": "in_progress"}
                               .get(r["status"], r["status"])] += 1
same("meetings", {r["unit"]: {k: v for k, v in r.items() if k != "unit" and v}
                  for r in rep["meetings"]["by_unit"]},
     {u: {k: v for k, v in c.items() if v} for u, c in meets.items()})
same("resolutions followed up", {r["unit"]: {k: v for k, v in r.items() if k != "unit" and v}
                                 for r in rep["meetings"]["followup"]},
     {u: {k: v for k, v in c.items() if v} for u, c in follow.items()})

if bad:
    print("\n".join(bad))
    sys.exit(1)
print("checked", len(cases), "cases", len(refs), "referrals", sum(logs.values()),
      "logs", sum(sum(c.values()) for c in tl.values()), "obligations")
PY

test_expect_success 'the county report for 2026-11 equals an independent count' '
	"$LDS" report --period 2026-11 --json >nov.json &&
	python3 check.py nov.json >checked &&
	cat checked &&
	jeq nov.json d.report.cases.total.opened 6 &&
	jeq nov.json d.report.referrals.total.sent 3 &&
	jeq nov.json "[r[\"ack_hours_median\"] for r in d[\"report\"][\"referrals\"][\"by_receiver\"]]" "[2.0, null]"
'

test_expect_success 'the figures are not empty: each kind of timeliness occurs' '
	jeq nov.json "sum(r[\"on_time\"] for r in d[\"report\"][\"timeliness\"][\"by_rule\"]) > 0" true &&
	jeq nov.json "sum(r[\"overdue\"] for r in d[\"report\"][\"timeliness\"][\"by_rule\"]) > 0" true &&
	jeq nov.json "sum(r[\"open\"] for r in d[\"report\"][\"timeliness\"][\"by_rule\"]) > 0" true
'

test_expect_success 'the time each referral step took, calls, assistance, meetings, training' '
	jeq nov.json "[(r[\"unit\"], r[\"acknowledged\"], r[\"answered\"], r[\"result\"]) for r in d[\"report\"][\"referrals\"][\"steps\"]]" \
		"[[\"$BUREAU\", 1, 1, 1]]" &&
	jeq nov.json "[(r[\"unit\"], r[\"received\"], r[\"answered\"]) for r in d[\"report\"][\"whistles\"][\"by_department\"]]" \
		"[[\"$BUREAU\", 1, 0], [\"$ZRJ\", 1, 1]]" &&
	jeq nov.json "[(r[\"unit\"], r[\"called\"]) for r in d[\"report\"][\"whistles\"][\"by_caller\"]]" \
		"[[\"恰卜恰镇\", 1], [\"龙羊峡镇\", 1]]" &&
	jeq nov.json "[(r[\"received\"], r[\"answered\"], r[\"on_time\"]) for r in d[\"report\"][\"assists\"][\"by_unit\"]]" \
		"[[2, 1, 1]]" &&
	jeq nov.json "[(r[\"held\"], r[\"resolutions\"]) for r in d[\"report\"][\"meetings\"][\"by_unit\"]]" "[[1, 2]]" &&
	jeq nov.json "[(r[\"unit\"], r[\"done\"], r[\"unreported\"]) for r in d[\"report\"][\"meetings\"][\"followup\"]]" \
		"[[\"$ZRJ\", 0, 1], [\"龙羊峡镇\", 1, 0]]" &&
	jeq nov.json "[(r[\"unit\"], r[\"training\"], r[\"trained\"]) for r in d[\"report\"][\"liaison_activity\"] if r[\"training\"]]" \
		"[[\"龙羊峡镇\", 1, 2]]" &&
	jeq nov.json "[(r[\"unit\"], r[\"training_hours\"]) for r in d[\"report\"][\"liaison_activity\"] if r[\"training_hours\"]]" \
		"[[\"$ZRJ\", 0.5], [\"龙羊峡镇\", 7.0]]"
'

test_expect_success 'a month later: assistance and calls overdue, counted the same' '
	LIANDONG_NOW="2026-12-20T10:00:00+08:00" "$LDS" due --json >due-dec.json &&
	LIANDONG_NOW="2026-12-20T10:00:00+08:00" "$LDS" report --period 2026-11 --json >dec.json &&
	LIANDONG_NOW="2026-12-20T10:00:00+08:00" DUE=due-dec.json python3 check.py dec.json &&
	jeq dec.json "[r[\"overdue\"] for r in d[\"report\"][\"assists\"][\"by_unit\"]]" 1
'

test_expect_success 'a category filter: only its cases and referrals, and what they owe' '
	"$LDS" report --period 2026-11 --category 违法建设 --json >cat.json &&
	python3 check.py cat.json "" 违法建设 &&
	jeq cat.json d.report.category 违法建设 &&
	jeq cat.json "sorted(set(r[\"category\"] for r in d[\"report\"][\"cases\"][\"by_category\"]))" 违法建设 &&
	jeq cat.json "len(d[\"report\"][\"whistles\"][\"by_caller\"])" 0 &&
	"$LDS" report --period 2026-11 --unit 龙羊峡镇 --category 违法建设 --json >catu.json &&
	python3 check.py catu.json 龙羊峡镇 违法建设
'

test_expect_success 'one unit sees its own figures, and they equal the count' '
	"$LDS" report --period 2026-11 --unit 龙羊峡镇 --json >lyx.json &&
	python3 check.py lyx.json 龙羊峡镇 &&
	jeq lyx.json "\",\".join(sorted(set(r[\"unit\"] for r in d[\"report\"][\"cases\"][\"by_unit\"])))" 龙羊峡镇 &&
	jeq lyx.json d.report.cases.total.opened 4
'

test_expect_success 'a quarter and a range of days count the same way' '
	"$LDS" report --period 2026-Q4 --json >q4.json &&
	python3 check.py q4.json &&
	jeq q4.json d.report.cases.total.opened 7 &&
	"$LDS" report --period 2026-11-01..2026-11-09 --json >days.json &&
	python3 check.py days.json &&
	jeq days.json d.report.cases.total.opened 2
'

test_expect_success 'CSV for Excel: a byte order mark, every table, the same numbers' '
	"$LDS" report --period 2026-11 --csv >nov.csv &&
	python3 - <<-\PY
	import csv, json
	raw = open("nov.csv", "rb").read()
	assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]
	rows = list(csv.reader(raw[3:].decode("utf-8").splitlines()))
	i = rows.index(["Cases by unit"])
	assert rows[i + 1][:2] == ["UNIT", "OPENED"], rows[i + 1]
	rep = json.load(open("nov.json"))["report"]
	for k, r in enumerate(rep["cases"]["by_unit"]):
	    assert rows[i + 2 + k][:2] == [r["unit"], str(r["opened"])], rows[i + 2 + k]
	assert ["Timeliness by unit, ranked"] in rows
	PY
'

test_expect_success 'an Excel workbook: a sheet per table, numbers as numbers, dates as dates' '
	"$LDS" report --period 2026-11 --xlsx nov.xlsx >out &&
	test_grep "nov.xlsx" out && test -z "$(ls | grep "^nov.xlsx.")" &&
	/usr/bin/python3 - <<-\PY
	import datetime, json, openpyxl
	wb = openpyxl.load_workbook("nov.xlsx")
	rep = json.load(open("nov.json"))["report"]
	assert wb.sheetnames[0] == "Report", wb.sheetnames
	assert "Cases by unit" in wb.sheetnames and "Timeliness by unit and rule" in wb.sheetnames
	first = wb["Report"]
	assert first["B2"].value == "2026-11", first["B2"].value
	assert first["B3"].value == datetime.datetime(2026, 11, 1), first["B3"].value
	ws = wb["Cases by unit"]
	assert [c.value for c in ws[1]][:2] == ["UNIT", "OPENED"]
	for k, r in enumerate(rep["cases"]["by_unit"]):
	    row = [c.value for c in ws[k + 2]]
	    assert row[0] == r["unit"] and row[1] == r["opened"], row
	    assert isinstance(row[1], (int, float)), row
	ws = wb["Timeliness by unit, ranked"]
	heads = [c.value for c in ws[1]]
	col = heads.index("RATE")
	rates = [(r["rate"], ws.cell(k + 2, col + 1)) for k, r in
	         enumerate(rep["timeliness"]["by_unit"])]
	assert all((c.value is None) == (v is None) and (v is None or c.value == v)
	           for v, c in rates), [(v, c.value) for v, c in rates]
	assert any(c.number_format == "0.0%" for v, c in rates if v is not None)
	PY
'

test_expect_success 'a workbook that cannot be written leaves nothing behind' '
	mkdir adir &&
	{ "$LDS" report --period 2026-11 --xlsx adir 2>err; test $? = 6; } &&
	test -z "$(ls | grep "^adir.")" && test -d adir &&
	{ "$LDS" report --period 2026-11 --xlsx no/such/dir/r.xlsx 2>err; test $? = 6; }
'

test_expect_success 'the table for people names every section' '
	"$LDS" report --period 2026-11 >nov.txt &&
	test_grep "Cases by unit" nov.txt && test_grep "Referrals received" nov.txt &&
	test_grep "Timeliness by unit, ranked" nov.txt && test_grep 龙羊峡镇 nov.txt
'

test_expect_success 'publication: the period'"'"'s penalty decisions, names, phones and id numbers masked' '
	"$LDS" publish --period 2026-11 --json >pub.json &&
	jeq pub.json "len(d[\"publication\"][\"decisions\"])" 1 &&
	! grep -q -e 王秀英 -e 630102199001011234 -e 13800001111 \
		-e 青海宏达建筑有限公司 -e 8512345 -e 赵大勇 pub.json &&
	jeq pub.json "[x[\"text\"] for x in d[\"publication\"][\"decisions\"] if x[\"record\"] == \"$R3\"][0]" \
		"对王某某（身份证号630*************34，电话138******11）罚款5000元，青某某某某某某某某某限期拆除" &&
	jeq pub.json "[x[\"parties\"] for x in d[\"publication\"][\"decisions\"] if x[\"record\"] == \"$R3\"][0]" \
		"王某某、青某某某某某某某某某" &&
	jeq pub.json "[x[\"unit\"] for x in d[\"publication\"][\"decisions\"] if x[\"record\"] == \"$R3\"][0]" \
		$BUREAU &&
	jeq pub.json "len(d[\"publication\"][\"held_back\"])" 1 &&
	"$LDS" publish --period 2026-11 >/dev/null 2>err &&
	test_grep "1 decisions held back" err
'

test_expect_success 'publication as CSV and a workbook: the same masked rows' '
	"$LDS" publish --period 2026-11 --csv >pub.csv &&
	! grep -q 王秀英 pub.csv && test_grep 王某某 pub.csv &&
	"$LDS" publish --period 2026-11 --xlsx pub.xlsx >/dev/null &&
	/usr/bin/python3 -c "
import openpyxl
ws = openpyxl.load_workbook(\"pub.xlsx\")[\"Decisions to publish\"]
cells = [c.value for row in ws.iter_rows() for c in row if c.value]
assert not any(\"王秀英\" in str(v) for v in cells), cells
assert any(\"王某某\" in str(v) for v in cells), cells
"
'

test_expect_success 'a CSV cell Excel would read as a formula stays text, a leading TAB too' '
	TAB=$(printf "\t") &&
	C8=$(on lyx case open --source patrol --category 违法建设 --location 北街 \
		--description "未批先建" --discovered-at "2026-10-01 09:00" \
		--party "=HYPERLINK") &&
	R8=$(on lyx referral send "$C8" --to $BUREAU --letter "龙移〔2026〕8号" \
		--source-material 现场检查笔录 --evidence 照片 \
		--sent-at "2026-10-02 09:00") &&
	on lyx sync >/dev/null && on bureau sync >/dev/null &&
	on bureau referral accept "$R8" >/dev/null &&
	on bureau referral result "$R8" --decided-at "2026-10-09 09:30" \
		--decision "${TAB}=1+1 对=HYPERLINK罚款100元" >/dev/null &&
	on bureau sync >/dev/null &&
	"$LDS" publish --period 2026-10 --csv >dec.csv &&
	/usr/bin/python3 -c "
import csv
rows = list(csv.reader(open(\"dec.csv\", encoding=\"utf-8-sig\").read().splitlines()))
cells = [c for r in rows for c in r]
assert any(c.startswith(\"\x27=\") for c in cells), cells
assert any(c.startswith(\"\x27\t=1+1\") for c in cells), cells
assert not any(c[:1] in \"=+@\t\r\" and c for c in cells), cells
"
'

test_expect_code 2 'a period that is none of the forms is refused' '
	"$LDS" report --period 2026-13
'

test_expect_code 2 'a day that does not exist is refused' '
	"$LDS" report --period 2026-02-28..2026-02-30
'

test_expect_code 2 'the period is required' '
	"$LDS" report
'

test_done
