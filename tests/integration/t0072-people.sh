#!/bin/sh
# The register of people per unit (人员名册): officers and their
# certificates (持证上岗, Baijiantan 三(二)1), designated liaison officers
# and the liaison supervisor (Gonghe 三(一)), the trainings each attended
# and the hours of a year (Baijiantan 三(二)2); through real sync: the
# bureau's liaison supervisor and the county government see every unit's
# register, another township does not, and only the unit that registered
# a person changes the record.
. "$(dirname "$0")/lib.sh"
test_plan 30

# Records are made in 2027 below, ahead of the server's pinned clock.
SERVER_OPTS="--max-clock-ahead 0"
start_server
add_station xz 龙羊峡镇
add_station yz 恰卜恰镇
add_station zf 县综合行政执法局 bureau
add_station gov 县人民政府 government
refresh_directory xz yz zf gov
XZ=龙羊峡镇

sync_all() {
	for s in xz yz zf gov; do
		on $s sync >/dev/null || return 1
	done
}

# The clock of lib.sh: 2026-11-20. 张三's certificate ran out in June.
on xz person add --name 张三丰 --certificate 新A6200001 \
    --certificate-expires 2027-06-30 --liaison --phone 13800000000 >p1
on xz person add --name 张三 --post 执法队员 --certificate 新A6200002 \
    --certificate-expires 2026-06-30 >p2
on xz person add --name 李四 --liaison >p3
on zf person add --name 马明 --supervisor >p4
P1=$(cat p1) P2=$(cat p2) P3=$(cat p3) P4=$(cat p4)

test_expect_success 'the register: names, roles, certificates, the one past its last day marked' '
	on xz person list >l && aligned l &&
	test_grep "$P1.*张三丰.*执法人员、联络员.*新A6200001.*2027-06-30 " l &&
	test_grep "$P2.*张三 .*执法人员.*2026-06-30 (expired)" l &&
	test_grep "$P3.*李四.*联络员" l &&
	on zf person show "$P4" >s && test_grep "roles: *联络监督员" s
'

test_expect_code 2 'a certificate number goes with its last day' '
	on xz person add --name 王五 --certificate 新A6200003
'

test_expect_code 2 'a last day goes with a certificate number' '
	on xz person add --name 王五 --certificate-expires 2027-01-01
'

test_expect_code 3 'one name once in a unit' '
	on xz person add --name 李四 2>err; s=$?
	test_grep "register already ($P3)" err && return $s
'

test_expect_code 3 'hours are a positive number with at most one decimal' '
	on xz person train "$P1" --date 2026-03-02 --hours 2.55 --topic 证据采集 2>err; s=$?
	test_grep "at most one decimal" err && return $s
'

test_expect_code 3 'no training of no hours' '
	on xz person train "$P1" --date 2026-03-02 --hours 0 --topic 证据采集
'

test_expect_code 3 'at most 200 hours in one entry' '
	on xz person train "$P1" --date 2026-03-02 --hours 200.5 --topic 证据采集
'

on xz person train "$P1" --date 2026-03-02 --hours 8 --topic 执法证据采集 >/dev/null
on xz person train "$P1" --date 2026-09-15 --hours 2.5 --topic 案卷评查 >/dev/null
on xz person train "$P1" --date 2025-12-30 --hours 40 --topic 年度集中培训 >/dev/null
on xz person train "$P2" --date 2026-05-01 --hours 4.0 --topic 裁量基准 >/dev/null

test_expect_success 'a year'"'"'s hours per person; a liaison officer with none is marked; no quota is set' '
	on xz person list --training 2026 >t && sed "\$d" t >table && aligned table &&
	test_grep "$P1.*张三丰.*10.5 *2 " t &&
	test_grep "$P2.*张三 .*4 *1 " t &&
	test_grep "$P3.*李四.*联络员 *0 *0 *no training this year" t &&
	test_grep ! "$P1.*no training" t &&
	test_grep "quota: none set" t &&
	on xz person list --training 2025 >t5 && test_grep "$P1.*40 *1 " t5
'

test_expect_success 'the report as JSON: hours as text, the quota null' '
	on xz person list --training 2026 --json >t.json &&
	jeq t.json "d[\"kind\"]" person.training &&
	jeq t.json "d[\"year\"]" 2026 &&
	jeq t.json "d[\"quota\"]" null &&
	jeq t.json "[p[\"hours\"] for p in d[\"people\"] if p[\"entity\"] == \"$P1\"][0]" 10.5 &&
	jeq t.json "[p[\"untrained\"] for p in d[\"people\"] if p[\"entity\"] == \"$P3\"][0]" true &&
	jeq t.json "[p[\"under_quota\"] for p in d[\"people\"] if p[\"entity\"] == \"$P1\"][0]" false
'

test_expect_code 2 'a year is four digits' '
	on xz person list --training 26
'

test_expect_success 'show: each training, and the hours of each year' '
	on xz person show "$P1" >s &&
	test_grep "2026-03-02  8 h  执法证据采集" s &&
	test_grep "hours: *10.5 in 2026 (2)" s && test_grep "40 in 2025 (1)" s &&
	on xz person show --json "$P1" >s.json &&
	jeq s.json "[t[\"hours\"] for t in d[\"person\"][\"training\"]]" "8 2.5 40" &&
	on xz person show --json "$P2" >s2.json &&
	jeq s2.json "d[\"person\"][\"training\"][0][\"hours\"]" 4
'

test_expect_success 'a renewed certificate, a role taken away' '
	on xz person update "$P2" --certificate 新A6200009 --certificate-expires 2029-06-30 >/dev/null &&
	on xz person update "$P1" --no-liaison >/dev/null &&
	on xz person list >l &&
	test_grep "$P2.*新A6200009.*2029-06-30" l && test_grep ! "expired" l &&
	test_grep "$P1.*张三丰 *执法人员  " l &&
	on xz person update "$P2" --certificate-expires 2030-06-30 >/dev/null &&
	on xz person list >l && test_grep "$P2.*新A6200009.*2030-06-30" l
'

test_expect_code 2 'a last day alone needs a certificate on the record' '
	on xz person update "$P3" --certificate-expires 2030-06-30
'

test_expect_code 2 'a role given and taken at once' '
	on xz person update "$P3" --supervisor --no-supervisor
'

test_expect_code 3 'renamed to a name the register holds' '
	on xz person update "$P3" --name 张三
'

# The officer named in a record, against the register (form_officer).
test_expect_success 'an officer named by the beginning of one name completes to it, and says so' '
	on xz case open --source patrol --category 违法建设 --location 查纳村 \
	    --description 施工 --officer 李 >c 2>err &&
	test_grep "officer .李. taken as .李四. ($P3)" err &&
	on xz case show "$(cat c)" >s && test_grep "officer: *李四" s
'

test_expect_success 'a whole name is taken as it is, though it begins another' '
	on xz case update "$(cat c)" --note 复查 --officer 张三 2>err >/dev/null &&
	test_grep ! "taken as" err && test_grep ! "begins" err &&
	on xz case show "$(cat c)" >s && test_grep "case.updated .*张三 " s
'

test_expect_success 'a beginning of several names is kept as given, with both named' '
	on xz liaison log --type contact --summary 电话联络 --officer 张 >l 2>err &&
	test_grep "officer .张. begins 2 names" err &&
	test_grep "张三丰" err && on xz liaison list >ll && test_grep "$(cat l).*张 " ll
'

test_expect_success 'a name not in the register still records, with a warning' '
	on xz case close "$(cat c)" --reason 已整改 --officer 赵六 2>err >/dev/null &&
	test_grep "officer .赵六. is not in this unit.s register" err &&
	on xz case show "$(cat c)" >s && test_grep "case.closed .*赵六" s
'

test_expect_success 'the configured officer is a whole name: checked, never completed' '
	LIANDONG_OFFICER=李 on xz liaison log --type contact --summary 电话联络 >l 2>err &&
	test_grep "officer .李. is not in this unit.s register" err &&
	test_grep ! "taken as" err &&
	on xz liaison list >ll && test_grep "$(cat l).*李 " ll
'

export LIANDONG_NOW="2027-07-02T09:00:00+08:00"
test_expect_success 'an officer whose certificate ran out is warned of, at the time of the record' '
	on xz case open --source patrol --category 违法建设 --location 查纳村 \
	    --description 夜间施工 --officer 张三丰 >c2 2>err &&
	test_grep "officer .张三丰.: enforcement certificate 新A6200001 expired on 2027-06-30" err &&
	on xz case show "$(cat c2)" >s && test_grep "officer: *张三丰" s
'
export LIANDONG_NOW="2026-11-20T10:00:00+08:00"

test_expect_success 'the configured officer is checked too; on its last day a certificate is valid' '
	LIANDONG_OFFICER=张三丰 LIANDONG_NOW="2027-06-30T18:00:00+08:00" on xz whistle call \
	    --to 县综合行政执法局 --matter 河道采砂 --location 查纳村 2>err >/dev/null &&
	test_grep ! "expired" err && test_grep ! "register" err &&
	LIANDONG_OFFICER=张三丰 LIANDONG_NOW="2027-07-01T08:00:00+08:00" on xz whistle call \
	    --to 县综合行政执法局 --matter 河道采砂 --location 查纳村 2>err >/dev/null &&
	test_grep "expired on 2027-06-30" err
'

on xz person leave "$P3" --reason "调县市场监管局" --date 2026-11-01 >/dev/null

test_expect_success 'who left is off the register, but listed with --all, and named when given' '
	on xz person list >l && test_grep ! "$P3" l &&
	on xz person list --all >a && test_grep "$P3.*left" a &&
	on xz person show "$P3" >s && test_grep "left: *2026-11-01, 调县市场监管局" s &&
	on xz liaison log --type contact --summary 联络 --officer 李四 2>err >/dev/null &&
	test_grep "officer .李四. left this unit on 2026-11-01" err
'

test_expect_code 9 'no training after the day of leaving' '
	on xz person train "$P3" --date 2026-11-10 --hours 2 --topic 联络员培训
'

test_expect_success 'a training before it may still be entered' '
	on xz person train "$P3" --date 2026-10-10 --hours 2 --topic 联络员培训 >/dev/null
'

test_expect_success 'a station whose register is empty hears nothing of it' '
	on yz case open --source patrol --category 违法建设 --location 东村 \
	    --description 施工 --officer 赵六 >/dev/null 2>err &&
	test ! -s err
'

sync_all
sync_all

test_expect_success 'the bureau and the county government hold every unit'"'"'s register; another township does not' '
	on zf person list >z && test_grep "$P1.*$XZ" z && test_grep "$P4.*县综合行政执法局" z &&
	on zf person list --unit $XZ --training 2026 >zt && test_grep "$P1.*10.5" zt &&
	test_grep ! "$P4" zt &&
	on gov person list --all >g && test_grep "$P3.*left" g &&
	on yz person list >y && test_grep ! "$P1" y &&
	converged zf 县综合行政执法局 && converged gov 县人民政府 && converged yz 恰卜恰镇
'

test_expect_success 'the bureau completes from its own register only, not from the townships'"'"'' '
	on zf case open --source patrol --category 违法建设 --location 城关 \
	    --description 施工 --officer 张三丰 >/dev/null 2>err &&
	test_grep "officer .张三丰. is not in this unit.s register" err &&
	on zf case open --source patrol --category 违法建设 --location 城关 \
	    --description 施工 --officer 马 >/dev/null 2>err &&
	test_grep "taken as .马明." err
'

test_expect_code 9 'only the unit that registered a person changes the record' '
	on zf person update "$P1" --phone 0974-8512345
'

# Under Baijiantan's profile (三(二)2: at least 60 hours a year), a
# certificate holder with 10.5 hours is under the quota, one with 60 is not.
test_expect_success 'the profile'"'"'s quota: 60 hours a year; under it is marked' '
	LIANDONG_RULES=baijiantan on xz person list --training 2026 --json >b.json &&
	jeq b.json "d[\"quota\"]" 60 &&
	jeq b.json "[p[\"under_quota\"] for p in d[\"people\"] if p[\"entity\"] == \"$P1\"][0]" true &&
	on xz person train "$P1" --date 2026-10-09 --hours 49.5 --topic 年度轮训 >/dev/null &&
	LIANDONG_RULES=baijiantan on xz person list --training 2026 >b &&
	test_grep "quota: 60" b &&
	LIANDONG_RULES=baijiantan on xz person list --training 2026 --json >b2.json &&
	jeq b2.json "[p[\"under_quota\"] for p in d[\"people\"] if p[\"entity\"] == \"$P1\"][0]" false
'

test_done
