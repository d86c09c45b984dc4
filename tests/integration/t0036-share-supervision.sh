#!/bin/sh
# Information sharing (信息共享) and supervision (监督) through real sync.
# Under Yicheng's rules: an approval copied to the bureau (5 working
# days), a superior document passed on at once when urgent, a penalty
# decision copied to the departments and a letter asking for help with
# execution (5 working days each), general information with no time; a
# consultation opinion (5 working days, extendable to 10). Then the
# county switches to Gonghe's rules: a department's written opinion on
# the bureau's enforcement and the bureau's case report (7 working days
# each), information shared the day it forms, extendable.
. "$(dirname "$0")/lib.sh"
test_plan 28
# The stations' clocks jump days ahead of the server's pinned one.
SERVER_OPTS="--max-clock-ahead 0"

export LIANDONG_NOW="2026-11-20T10:00:00+08:00"   # a Friday
"$LDS" init --county 峄城区 --listen 127.0.0.1:0 --rules yicheng >/dev/null
start_server
add_station yp 阴平镇
add_station zrj 区自然资源局 department
add_station zjj 区住建局 department
add_station bureau 区综合行政执法局 bureau
refresh_directory yp zrj zjj bureau
BUREAU=区综合行政执法局
ALL="yp zrj zjj bureau"

sync_all() {
	for r in 1 2; do
		for s in $ALL; do
			on $s sync >/dev/null || return 1
		done
	done
}

test_expect_code 2 'information needs its type' '
	on zrj share record --title "规划许可"
'

test_expect_code 3 'an unknown type is refused with the list' '
	on zrj share record --type 通知 --title x 2>err; st=$?;
	grep -q "行政审批" err || exit 99; exit $st
'

test_expect_code 3 'information is not passed on to its own unit' '
	on zrj share record --type approval --title x --to 区自然资源局
'

on zrj share record --type 行政审批 --title "峄自然资规〔2026〕12号 临时用地审批" \
	--formed-at "2026-11-19 15:00" >appr
S1=$(cat appr)

test_expect_success 'an approval is to be copied within 5 working days of being made' '
	on zrj share show --json "$S1" >s1.json &&
	jeq s1.json "d.share.send_due.due" "2026-11-26T23:59:59+08:00" &&
	jeq s1.json "d.share.send_due.rule" "yicheng/copy_approval" &&
	on zrj due --json >d.json && test_grep "$S1" d.json &&
	test_grep "抄送审批" d.json
'

test_expect_code 9 'Yicheng allows no extension of copying an approval' '
	on zrj share extend "$S1" --days 7 --reason 材料未齐
'

test_expect_success 'copying it to the bureau discharges it, on time' '
	on zrj share send "$S1" --to $BUREAU --via written >/dev/null &&
	on zrj share show --json "$S1" >s1b.json &&
	jeq s1b.json "d.share.status" "shared" &&
	jeq s1b.json "d.share.send_due.late" false &&
	on zrj due --json >d2.json && test_grep ! "$S1" d2.json
'

test_expect_success 'an urgent superior document is passed on at once, by phone' '
	on zrj share record --type document --title "省厅关于违法用地整治的通知" \
		--urgent --to $BUREAU --via phone --note "电话告知，纸质文件随后移交" >doc &&
	on zrj share show --json "$(cat doc)" >doc.json &&
	jeq doc.json "d.share.send_due.rule" "yicheng/pass_documents_urgent" &&
	jeq doc.json "d.share.send_due.basis" "immediate" &&
	jeq doc.json "d.share.send_due.late" false &&
	jeq doc.json "d.share.sent[0].via" "phone"
'

test_expect_success 'share show marks it urgent and says when, how and to whom it went' '
	on zrj share show "$(cat doc)" >doc.txt &&
	test_grep "^status: *shared (urgent)$" doc.txt &&
	test_grep "^pass on: *due 2026-11-20 11:00 (yicheng/pass_documents_urgent), done 2026-11-20 10:00$" doc.txt &&
	test_grep "^sent: *2026-11-20 10:00 电话: $BUREAU$" doc.txt
'

test_expect_success 'share record and share send take --to, --via and --note alike' '
	on zrj share record --help >rh && on zrj share send --help >sh &&
	grep -E "^  --(to|via|note) " rh >r.opts && grep -E "^  --(to|via|note) " sh >s.opts &&
	[ "$(wc -l <r.opts)" -eq 3 ] && test_cmp r.opts s.opts
'

test_expect_success 'a superior document not urgent: 3 working days' '
	on zjj share record --type document --title "市住建局文件" >doc2 &&
	on zjj share show --json "$(cat doc2)" >doc2.json &&
	jeq doc2.json "d.share.send_due.due" "2026-11-25T23:59:59+08:00"
'

on bureau share record --type penalty --title "峄综执罚〔2026〕88号 处罚决定书" \
	--summary "责令拆除违法建筑" >pen
S3=$(cat pen)
on bureau share record --type enforcement --title "关于协助执行拆除的函" >enf
on bureau share record --type info --title "本月执法统计" >info

test_expect_success 'penalty decisions and letters for help are due in 5 working days' '
	on bureau share show --json "$S3" >s3.json &&
	jeq s3.json "d.share.send_due.due" "2026-11-27T23:59:59+08:00" &&
	jeq s3.json "d.share.send_due.rule" "yicheng/copy_penalty" &&
	on bureau share show --json "$(cat enf)" >enf.json &&
	jeq enf.json "d.share.send_due.rule" "yicheng/enforce_request"
'

test_expect_success 'Yicheng sets no time for general information: owed, with no due time' '
	on bureau share show --json "$(cat info)" >info.json &&
	jeq info.json "\"send_due\" in d[\"share\"]" false &&
	on bureau due --json >bd.json &&
	jeq bd.json "[o[\"due\"] for o in d[\"obligations\"] if o[\"record\"] == \"$(cat info)\"] == [None]" true
'

on bureau assist request --to 区自然资源局 --type consultation \
	--subject "临时用地超期使用适用的法条和处罚标准" >cons
A=$(cat cons)
sync_all

test_expect_success 'the bureau received the approval and the document; the township did not' '
	on bureau share list --incoming >in && test_grep "$S1" in &&
	test_grep "$(cat doc)" in &&
	on bureau share list --incoming --json >in.json && test_grep ! "$S3" in.json &&
	on yp share list --json >yp.json && test_grep ! "S-" yp.json
'

test_expect_success 'a consultation opinion counts by its own rule: 5 working days' '
	on zrj assist show --json "$A" >a.json &&
	jeq a.json "d.assist.answer_due.due" "2026-11-27T23:59:59+08:00" &&
	jeq a.json "d.assist.answer_due.rule" "yicheng/consult"
'

test_expect_code 3 'its extension is capped at 10 days after the 5 working days (Dec 7): 12 working days in all (Dec 8) pass it' '
	on zrj assist extend "$A" --days 12 --reason 复杂
'

test_expect_success 'extended to 10 working days before the deadline' '
	on zrj assist extend "$A" --days 10 --reason "需现场勘查" >/dev/null &&
	on zrj assist show --json "$A" >a2.json &&
	jeq a2.json "d.assist.answer_due.due" "2026-12-04T23:59:59+08:00"
'

# The county changes to Gonghe's rules.
sed -i "s/^rules = .*/rules = gonghe/" "$LIANDONG_SERVER_DIR/server.conf"
stop_server
start_server --listen "127.0.0.1:$SERVER_PORT"
sync_all

test_expect_success 'deadlines already running keep Yicheng rules' '
	on bureau share show --json "$S3" >s3b.json &&
	jeq s3b.json "d.share.send_due.rule" "yicheng/copy_penalty"
'

test_expect_success 'under Gonghe an approval falls under sharing: the same day' '
	on zjj share record --type approval --title "施工许可" >appr2 &&
	on zjj share show --json "$(cat appr2)" >appr2.json &&
	jeq appr2.json "d.share.send_due.due" "2026-11-20T23:59:59+08:00" &&
	jeq appr2.json "d.share.send_due.rule" "gonghe/share_info"
'

test_expect_success 'sharing may be extended, before the day ends' '
	on zjj share extend "$(cat appr2)" --days 2 --reason "资料整理中" >/dev/null &&
	on zjj share show --json "$(cat appr2)" >appr2b.json &&
	jeq appr2b.json "d.share.send_due.due" "2026-11-22T23:59:59+08:00" &&
	jeq appr2b.json "d.share.extensions[0].reason" "资料整理中"
'

test_expect_code 9 'but not after the deadline' '
	LIANDONG_NOW="2026-11-23T09:00:00+08:00" \
		on zjj share extend "$(cat appr2)" --days 5 --reason 再延
'

test_expect_code 3 'supervision goes to another unit' '
	on zrj supervision send --type opinion --to 区自然资源局 --subject x --text y
'

on zrj supervision send --type 书面意见 --to $BUREAU \
	--subject "临时用地案处罚偏轻" --text "建议按《土地管理法》第七十七条重新裁量" >op
V1=$(cat op)
on bureau supervision send --type report --to 区住建局 \
	--subject "11月住建领域执法办案情况" --text "共办理案件12件" >rep
V2=$(cat rep)

test_expect_success 'a written opinion and a case report are answered within 7 working days' '
	on zrj supervision show --json "$V1" >v1.json &&
	jeq v1.json "d.supervision.reply_due.due" "2026-12-01T23:59:59+08:00" &&
	jeq v1.json "d.supervision.reply_due.rule" "gonghe/supervision_reply" &&
	on bureau supervision show --json "$V2" >v2.json &&
	jeq v2.json "d.supervision.reply_due.rule" "gonghe/supervision_result"
'

test_expect_code 9 'the unit that sent the opinion cannot answer it' '
	on zrj supervision reply "$V1" --text 自答
'

sync_all
export LIANDONG_NOW="2026-12-02T09:00:00+08:00"

test_expect_success 'unanswered and uncopied, each is overdue where it is owed and on the server' '
	on bureau due --overdue --json >bo.json &&
	test_grep "$V1" bo.json && test_grep "$S3" bo.json &&
	on zjj due --overdue --json >zo.json && test_grep "$V2" zo.json &&
	test_grep ! "$V1" zo.json &&
	"$LDS" due --overdue --json >so.json &&
	test_grep "$V1" so.json && test_grep "$V2" so.json && test_grep "$S3" so.json
'

test_expect_success 'the bureau replies late, and the lateness is kept' '
	on bureau supervision reply "$V1" --text "已重新裁量" >/dev/null &&
	on bureau share send "$S3" --to 区自然资源局 --to 区住建局 >/dev/null &&
	on bureau supervision show --json "$V1" >v1b.json &&
	jeq v1b.json "d.supervision.status" "replied" &&
	jeq v1b.json "d.supervision.reply_due.late" true &&
	on bureau share show --json "$S3" >s3c.json &&
	jeq s3c.json "d.share.send_due.late" true
'

sync_all

test_expect_code 9 'a unit a decision was copied to cannot pass it on as its own' '
	on zjj share send "$S3" --to 阴平镇
'

test_expect_success 'both departments received the penalty decision; the township did not' '
	on zrj share list --incoming >zi && test_grep "$S3" zi &&
	on zjj share list --incoming >ji && test_grep "$S3" ji &&
	on yp share list --json >yp2.json && test_grep ! "$S3" yp2.json &&
	on zrj supervision show --json "$V1" >v1c.json &&
	jeq v1c.json "d.supervision.reply.text" "已重新裁量"
'

test_expect_success 'every station converged with the server and verifies' '
	converged yp 阴平镇 && converged zrj 区自然资源局 &&
	converged zjj 区住建局 && converged bureau $BUREAU &&
	for s in $ALL; do on $s verify >/dev/null || exit 1; done
'

test_done
