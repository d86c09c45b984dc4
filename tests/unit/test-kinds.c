/*
 * test-kinds.c - the kind registry and body validation.
 *
 * The bodies the tests start from are written here by hand, not taken
 * from the registry under test (kinds.c): for each kind, the fields a body
 * must have, its smallest valid body and a full one, as the agent records
 * them; then bodies broken the ways a station or a hostile peer would
 * break them (a label for a value, a string for a list, a time without
 * its offset, text over the limits the forms promise), each refused with
 * the field named. A kind in the registry with no hand-written body here
 * fails the test, as does one written here that the registry lacks.
 *
 * The mechanical sweeps after them (every field of every kind: wrong JSON
 * types, unknown names, unlisted enum values, one character over its
 * maximum, control characters) walk the registry for the fields, but
 * break the hand-written full bodies.
 */
#include "harness.h"

#include <stdio.h>

#include "kinds.h"
#include "unit.h"

/* Checks that body (consumed) fails for k with LD_EINVAL and, when name
 * is not NULL, that the message names it. */
static void
assert_body_refused(const struct kind_info *k, json_t *body,
    const char *name, const char *why)
{
	char err[LD_ERRLEN] = "";
	int rc = kind_validate_body(k, body, err);
	char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);

	if (rc != LD_EINVAL)
		fail_msg("%s: %s accepted (rc %d) %s", k->name, why, rc, text);
	if (name != NULL && strstr(err, name) == NULL)
		fail_msg("%s: %s: message does not name '%s': %s", k->name, why,
		    name, err);
	free(text);
	json_decref(body);
}

static void
assert_body_ok(const struct kind_info *k, json_t *body, const char *why)
{
	char err[LD_ERRLEN] = "";
	int rc = kind_validate_body(k, body, err);

	if (rc != 0)
		fail_msg("%s: %s refused: %s", k->name, why, err);
	json_decref(body);
}

/*
 * The bodies, by hand. JSON is written with ' for " (q() turns them back):
 * no value here holds an apostrophe. Deadlines are as agent/form.c writes
 * them: {due, rule "<profile>/<rule>", basis, assumed}.
 */
#define T0 "'2026-11-21T09:30:00+08:00'"
#define DUE(rule, basis) \
	"{'due':'2026-11-27T23:59:59+08:00','rule':'gonghe/" rule "'," \
	"'basis':'" basis "','assumed':false}"

/* An attachment's SHA-256 (kinds.h, attached_fields); a full body also
 * names the original of a reduced photo (agent/photo.h). */
#define ATT_H "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'"

static const struct spec {
	const char *kind;
	const char *required; /* the fields a body must have, space-separated */
	const char *min;      /* valid: those fields only */
	const char *full;     /* valid: every field of the kind */
} specs[] = {
	{ "case.opened",
	    "source category location description discovered_at urgent officer",
	    "{'source':'patrol','category':'违法建设','location':'查纳村',"
	    "'description':'基本农田上正在施工','discovered_at':" T0 ","
	    "'urgent':false,'officer':'张三'}",
	    "{'source':'report','category':'违法建设','location':'查纳村二社',"
	    "'parties':['王某','李某'],'matter':'基本农田违法建房',"
	    "'description':'群众举报：\\n夜间施工','discovered_at':" T0 ","
	    "'urgent':true,'officer':'张三','evidence':['照片','现场检查笔录'],"
	    "'handling':'refer','handling_reason':'属县自然资源局职责',"
	    "'refer_due':" DUE("refer", "5 workdays") "}" },
	{ "case.updated", "",
	    "{'note':'已约谈当事人'}",
	    "{'category':'环境污染','location':'龙羊峡镇东街','parties':['赵六'],"
	    "'matter':'夜间偷排污水','description':'补充：\\n排污口在河边',"
	    "'urgent':false,'officer':'李四','evidence':['检测报告'],"
	    "'note':'已责令停止'}" },
	{ "case.closed", "reason",
	    "{'reason':'已责令改正'}", "{'reason':'当事人已整改，\\n结案'}" },
	{ "case.referred", "referral to",
	    "{'referral':'R-lyx01-7','to':'县综合行政执法局'}",
	    "{'referral':'R-longyangxia-02-12','to':'县公安局','sent_at':" T0
	    "}" },
	{ "case.extended", "refer_due reason",
	    "{'refer_due':" DUE("refer", "10 workdays") ",'reason':'需补充证据'}",
	    "{'refer_due':{'due':'2026-12-04T23:59:59+08:00',"
	    "'rule':'gonghe/refer','assumed':true},'reason':'需补充证据'}" },
	{ "case.referral_withdrawn", "referral reason",
	    "{'referral':'R-lyx01-7','reason':'已自行处理'}",
	    "{'referral':'R-lyx01-7','reason':'已自行处理\\n不再移送'}" },
	{ "case.decided", "handling reason",
	    "{'handling':'own','reason':'属本局职责'}",
	    "{'handling':'refer','reason':'属县住建局职责\\n应移送',"
	    "'refer_due':" DUE("refer", "5 workdays") "}" },
	{ "complaint.recorded",
	    "form channel matter description received_at officer",
	    "{'form':'complaint','channel':'phone','matter':'噪音扰民',"
	    "'description':'夜间施工噪音','received_at':" T0 ",'officer':'李四'}",
	    "{'form':'petition','channel':'hotline','matter':'噪音扰民',"
	    "'description':'夜间施工噪音\\n持续一周','received_at':" T0 ","
	    "'location':'恰卜恰镇西街','officer':'李四','case':'C-lyx01-3'}" },
	{ "complaint.identity", "name",
	    "{'name':'王五'}", "{'name':'王五','phone':'+86 138-0000-0000'}" },
	{ "complaint.referred", "to",
	    "{'to':'县住建局'}", "{'to':'县住建局','note':'请于五日内答复'}" },
	{ "complaint.notified", "text",
	    "{'text':'已告知转县住建局'}", "{'text':'电话告知：\\n已转县住建局'}" },
	{ "complaint.replied", "result",
	    "{'result':'已责令停工'}", "{'result':'经查属实，\\n已责令停工'}" },
	{ "liaison.logged", "activity date summary officer",
	    "{'activity':'contact','date':" T0 ",'summary':'联络','officer':'赵六'}",
	    "{'activity':'meeting','date':'2026-11-21T14:00:00+08:00',"
	    "'counterpart':'县自然资源局','place':'镇政府会议室',"
	    "'summary':'联席会议\\n议定三事','officer':'赵六',"
	    "'participants':['张三','李四']}" },
	{ "referral.sent",
	    "case to urgent category location description discovered_at"
	    " officer letter sources evidence",
	    "{'case':'C-lyx01-1','to':'县综合行政执法局','urgent':false,"
	    "'category':'违法建设','location':'查纳村','description':'正在施工',"
	    "'discovered_at':" T0 ",'officer':'张三','letter':'移〔2026〕3号',"
	    "'sources':['现场检查笔录'],'evidence':['照片']}",
	    "{'case':'C-lyx01-1','to':'县公安局','urgent':true,"
	    "'matter':'非法采砂','category':'非法采砂','location':'龙羊峡水库边',"
	    "'description':'夜间采砂\\n已制止','discovered_at':" T0 ","
	    "'officer':'张三','note':'涉嫌犯罪','letter':'移〔2026〕4号',"
	    "'sources':['现场检查笔录','询问笔录'],'evidence':['照片','视频'],"
	    "'criminal':true,'sent_at':" T0 ",'ack_due':" DUE("acknowledge",
	    "2 workdays") ","
	    "'refer_due':" DUE("refer_urgent", "1 workdays") ","
	    "'onsite_due':" DUE("onsite_urgent", "immediately") "}" },
	{ "referral.acknowledged", "", "{}", "{'note':'已收到'}" },
	{ "referral.accepted", "", "{}", "{'note':'本局受理'}" },
	{ "referral.disputed", "reason",
	    "{'reason':'不属本局职责'}", "{'reason':'不属本局职责\\n应由县住建局查处'}" },
	{ "referral.escalated", "to reason",
	    "{'to':'县司法局','reason':'协商未果'}",
	    "{'to':'县人民政府','reason':'协调未果\\n请县政府决定'}" },
	{ "referral.decided", "handler reason",
	    "{'handler':'县住建局','reason':'由县住建局查处'}",
	    "{'handler':'县综合行政执法局','reason':'依三定方案\\n由执法局查处'}" },
	{ "referral.withdrawn", "reason",
	    "{'reason':'已自行处理'}", "{'reason':'已自行处理\\n撤回'}" },
	{ "referral.returned", "reason",
	    "{'reason':'不构成犯罪'}", "{'reason':'不构成犯罪\\n退回'}" },
	{ "referral.result", "decision decided_at",
	    "{'decision':'责令整改','decided_at':" T0 "}",
	    "{'decision':'罚款五千元\\n责令整改','decided_at':" T0 ","
	    "'result_due':" DUE("result", "30 days") "}" },
	{ "referral.received", "received_at basis",
	    "{'received_at':" T0 ",'basis':'server'}",
	    "{'received_at':" T0 ",'basis':'paper','ack_due':" DUE("acknowledge",
	    "7 workdays") ",'onsite_due':" DUE("onsite_urgent", "immediately")
	    "}" },
	{ "referral.arrived", "arrived_at",
	    "{'arrived_at':" T0 "}",
	    "{'arrived_at':" T0 ",'note':'两名队员\\n已到场'}" },
	{ "assist.requested", "to form subject urgent officer",
	    "{'to':'县市场监管局','form':'testing','subject':'水样检测',"
	    "'urgent':false,'officer':'张三'}",
	    "{'to':'县市场监管局','form':'appraisal','subject':'样品鉴定\\n三份',"
	    "'case':'C-lyx01-2','urgent':true,'officer':'张三','sent_at':" T0 ","
	    "'answer_due':" DUE("assist", "5 workdays") "}" },
	{ "assist.answered", "conclusion sealed",
	    "{'conclusion':'不合格','sealed':true}",
	    "{'conclusion':'检测结果：\\n不合格','sealed':true}" },
	{ "assist.extended", "answer_due reason",
	    "{'answer_due':" DUE("assist", "7 workdays") ",'reason':'需送检'}",
	    "{'answer_due':" DUE("assist", "9 workdays") ",'reason':'需送检\\n外地'}" },
	{ "assist.received", "received_at basis",
	    "{'received_at':" T0 ",'basis':'server'}",
	    "{'received_at':" T0 ",'basis':'paper','answer_due':" DUE("assist",
	    "7 workdays") "}" },
	{ "whistle.called", "to matter location officer",
	    "{'to':'县自然资源局','matter':'河道非法采砂','location':'查纳村',"
	    "'officer':'张三'}",
	    "{'to':'县自然资源局','matter':'河道非法采砂','location':'查纳村',"
	    "'officer':'张三','sent_at':" T0 ","
	    "'answer_due':" DUE("consult", "2 hours") "}" },
	{ "whistle.answered", "officer_sent",
	    "{'officer_sent':'卓玛'}", "{'officer_sent':'卓玛','note':'已到场\\n处置'}" },
	{ "whistle.escalated", "to reason",
	    "{'to':'县人民政府','reason':'未到场'}",
	    "{'to':'县人民政府','reason':'两小时未到场\\n请协调'}" },
	{ "whistle.received", "received_at basis",
	    "{'received_at':" T0 ",'basis':'server'}",
	    "{'received_at':" T0 ",'basis':'paper','answer_due':" DUE("whistle_answer",
	    "7 workdays") "}" },
	{ "meeting.scheduled", "form at units officer",
	    "{'form':'joint','at':'2026-12-01T09:00:00+08:00',"
	    "'units':['县住建局','县公安局'],'officer':'王某'}",
	    "{'form':'consultation','at':'2026-12-01T09:00:00+08:00',"
	    "'units':['县住建局','县公安局','龙羊峡镇'],'officer':'王某',"
	    "'notice_due':" DUE("meeting_notice", "3 workdays") ","
	    "'topics_due':" DUE("meeting_topics", "1 workdays") ","
	    "'follows':'M-sfj-2'}" },
	{ "meeting.topic", "topic", "{'topic':'河道采砂'}",
	    "{'topic':'河道采砂\\n与林地占用'}" },
	{ "meeting.minutes", "text", "{'text':'会议明确分工'}",
	    "{'text':'会议明确：\\n一、分工','next_due':" DUE("meeting_interval",
	    "90 days") "}" },
	{ "meeting.followed", "next", "{'next':'M-sfj-9'}", "{'next':'M-sfj-10'}" },
	{ "meeting.resolution", "text owner",
	    "{'text':'三日内拆除','owner':'县住建局'}",
	    "{'text':'三日内拆除\\n并报告','owner':'龙羊峡镇'}" },
	{ "meeting.followup", "resolution status note",
	    "{'resolution':'sfj/4','status':'done','note':'已拆除'}",
	    "{'resolution':'2','status':'in-progress','note':'拆除中\\n预计周五'}" },
	{ "share.formed", "form title formed_at urgent officer",
	    "{'form':'penalty','title':'行政处罚决定书','formed_at':" T0 ","
	    "'urgent':false,'officer':'李四'}",
	    "{'form':'approval','title':'建设工程规划许可','summary':'许可\\n三项',"
	    "'formed_at':" T0 ",'urgent':true,'case':'C-zrz-5','officer':'李四',"
	    "'send_due':" DUE("share_info", "7 days") "}" },
	{ "share.sent", "to via",
	    "{'to':['县综合行政执法局'],'via':'platform'}",
	    "{'to':['县综合行政执法局','龙羊峡镇'],'via':'written',"
	    "'note':'抄送\\n两份'}" },
	{ "share.extended", "send_due reason",
	    "{'send_due':" DUE("share_info", "14 days") ",'reason':'待核实'}",
	    "{'send_due':" DUE("share_info", "21 days") ",'reason':'待核实\\n材料'}" },
	{ "supervision.sent", "form to subject text officer",
	    "{'form':'opinion','to':'县综合行政执法局','subject':'执法意见',"
	    "'text':'建议加强巡查','officer':'李四'}",
	    "{'form':'report','to':'县住建局','subject':'执法办案通报',"
	    "'text':'本月办案\\n五起','case':'C-zf1-8','officer':'李四',"
	    "'sent_at':" T0 ",'reply_due':" DUE("supervision_reply", "10 workdays") "}" },
	{ "supervision.replied", "text", "{'text':'已整改'}",
	    "{'text':'已整改\\n附报告'}" },
	{ "supervision.received", "received_at basis",
	    "{'received_at':" T0 ",'basis':'server'}",
	    "{'received_at':" T0 ",'basis':'paper','reply_due':" DUE("supervision_reply",
	    "7 workdays") "}" },
	{ "operation.planned", "form matter units at place officer",
	    "{'form':'campaign','matter':'河道采砂整治','units':['县水利局'],"
	    "'at':'2026-12-01T09:00:00+08:00','place':'查纳村','officer':'王某'}",
	    "{'form':'inspection','matter':'餐饮一业一查','units':['县市场监管局',"
	    "'县公安局'],'at':'2026-12-01T09:00:00+08:00','place':'城关镇',"
	    "'police':true,'officer':'王某',"
	    "'answer_due':" DUE("operation_answer", "1 workdays") ","
	    "'police_due':" DUE("operation_police", "0 days") "}" },
	{ "operation.answered", "answer", "{'answer':'join'}",
	    "{'answer':'decline','officers_sent':'李四、赵六',"
	    "'note':'当日另有任务\\n无法参加'}" },
	{ "operation.police_notified", "notified_at contact",
	    "{'notified_at':" T0 ",'contact':'城关派出所'}",
	    "{'notified_at':" T0 ",'contact':'城关派出所 张警官'}" },
	{ "operation.result", "summary", "{'summary':'检查十二家'}",
	    "{'summary':'检查十二家\\n立案两起','cases':['C-lyx01-2',"
	    "'C-lyx01-3']}" },
	{ "operation.cancelled", "reason", "{'reason':'天气原因'}",
	    "{'reason':'天气原因\\n改期'}" },
	{ "person.registered", "name", "{'name':'张三'}",
	    "{'name':'张三','post':'执法中队队员','certificate':'新A6200001',"
	    "'certificate_expires':'2027-06-30T00:00:00+08:00','liaison':true,"
	    "'supervisor':false,'phone':'0974-851 2345'}" },
	{ "person.updated", "",
	    "{'certificate_expires':'2029-06-30T00:00:00+08:00'}",
	    "{'name':'张三丰','post':'中队长','certificate':'新A6200002',"
	    "'certificate_expires':'2029-06-30T00:00:00+08:00',"
	    "'liaison':false,'supervisor':true,'phone':'13800000000'}" },
	{ "person.left", "reason date", "{'reason':'调离','date':" T0 "}",
	    "{'reason':'调县市场监管局\\n证件已注销','date':" T0 "}" },
	{ "person.trained", "date hours topic",
	    "{'date':" T0 ",'hours':'2.5','topic':'执法证据采集'}",
	    "{'date':" T0 ",'hours':'60','topic':'年度行政执法人员集中培训'}" },
	{ "case.attached", "hash size type name confidential",
	    "{'hash':" ATT_H ",'size':1,'type':'image/jpeg','name':'现场.jpg',"
	    "'confidential':false}",
	    "{'hash':" ATT_H ",'size':20971520,'type':'audio/amr',"
	    "'name':'询问录音 2026-11-21.amr','caption':'询问当事人\\n第一段',"
	    "'confidential':true,'original':" ATT_H ",'original_size':20971520}" },
	{ "complaint.attached", "hash size type name confidential",
	    "{'hash':" ATT_H ",'size':1,'type':'image/jpeg','name':'现场.jpg',"
	    "'confidential':false}",
	    "{'hash':" ATT_H ",'size':20971520,'type':'audio/amr',"
	    "'name':'询问录音 2026-11-21.amr','caption':'询问当事人\\n第一段',"
	    "'confidential':true,'original':" ATT_H ",'original_size':20971520}" },
	{ "liaison.attached", "hash size type name confidential",
	    "{'hash':" ATT_H ",'size':1,'type':'image/jpeg','name':'现场.jpg',"
	    "'confidential':false}",
	    "{'hash':" ATT_H ",'size':20971520,'type':'audio/amr',"
	    "'name':'询问录音 2026-11-21.amr','caption':'询问当事人\\n第一段',"
	    "'confidential':true,'original':" ATT_H ",'original_size':20971520}" },
	{ "referral.attached", "hash size type name confidential",
	    "{'hash':" ATT_H ",'size':1,'type':'image/jpeg','name':'现场.jpg',"
	    "'confidential':false}",
	    "{'hash':" ATT_H ",'size':20971520,'type':'audio/amr',"
	    "'name':'询问录音 2026-11-21.amr','caption':'询问当事人\\n第一段',"
	    "'confidential':true,'original':" ATT_H ",'original_size':20971520}" },
	{ "assist.attached", "hash size type name confidential",
	    "{'hash':" ATT_H ",'size':1,'type':'image/jpeg','name':'现场.jpg',"
	    "'confidential':false}",
	    "{'hash':" ATT_H ",'size':20971520,'type':'audio/amr',"
	    "'name':'询问录音 2026-11-21.amr','caption':'询问当事人\\n第一段',"
	    "'confidential':true,'original':" ATT_H ",'original_size':20971520}" },
	{ "whistle.attached", "hash size type name confidential",
	    "{'hash':" ATT_H ",'size':1,'type':'image/jpeg','name':'现场.jpg',"
	    "'confidential':false}",
	    "{'hash':" ATT_H ",'size':20971520,'type':'audio/amr',"
	    "'name':'询问录音 2026-11-21.amr','caption':'询问当事人\\n第一段',"
	    "'confidential':true,'original':" ATT_H ",'original_size':20971520}" },
	{ "meeting.attached", "hash size type name confidential",
	    "{'hash':" ATT_H ",'size':1,'type':'image/jpeg','name':'现场.jpg',"
	    "'confidential':false}",
	    "{'hash':" ATT_H ",'size':20971520,'type':'audio/amr',"
	    "'name':'询问录音 2026-11-21.amr','caption':'询问当事人\\n第一段',"
	    "'confidential':true,'original':" ATT_H ",'original_size':20971520}" },
	{ "share.attached", "hash size type name confidential",
	    "{'hash':" ATT_H ",'size':1,'type':'image/jpeg','name':'现场.jpg',"
	    "'confidential':false}",
	    "{'hash':" ATT_H ",'size':20971520,'type':'audio/amr',"
	    "'name':'询问录音 2026-11-21.amr','caption':'询问当事人\\n第一段',"
	    "'confidential':true,'original':" ATT_H ",'original_size':20971520}" },
	{ "supervision.attached", "hash size type name confidential",
	    "{'hash':" ATT_H ",'size':1,'type':'image/jpeg','name':'现场.jpg',"
	    "'confidential':false}",
	    "{'hash':" ATT_H ",'size':20971520,'type':'audio/amr',"
	    "'name':'询问录音 2026-11-21.amr','caption':'询问当事人\\n第一段',"
	    "'confidential':true,'original':" ATT_H ",'original_size':20971520}" },
	{ "operation.attached", "hash size type name confidential",
	    "{'hash':" ATT_H ",'size':1,'type':'image/jpeg','name':'现场.jpg',"
	    "'confidential':false}",
	    "{'hash':" ATT_H ",'size':20971520,'type':'audio/amr',"
	    "'name':'询问录音 2026-11-21.amr','caption':'询问当事人\\n第一段',"
	    "'confidential':true,'original':" ATT_H ",'original_size':20971520}" },
	{ "person.attached", "hash size type name confidential",
	    "{'hash':" ATT_H ",'size':1,'type':'image/jpeg','name':'现场.jpg',"
	    "'confidential':false}",
	    "{'hash':" ATT_H ",'size':20971520,'type':'audio/amr',"
	    "'name':'询问录音 2026-11-21.amr','caption':'询问当事人\\n第一段',"
	    "'confidential':true,'original':" ATT_H ",'original_size':20971520}" },
};
#define NSPECS (sizeof specs / sizeof specs[0])

/* The media types an attachment may have (sniff.h). */
#define ATT_TYPES "image/jpeg image/png application/pdf audio/mpeg " \
	"audio/amr audio/mp4 video/mp4 application/octet-stream"

/* The enum fields' values, as the forms offer them. */
static const struct {
	const char *kind, *field, *values;
} enums[] = {
	{ "case.opened", "source", "patrol assignment notice report" },
	{ "case.opened", "handling", "own refer" },
	{ "case.decided", "handling", "own refer" },
	{ "complaint.recorded", "form", "complaint report petition" },
	{ "complaint.recorded", "channel", "phone visit letter online hotline" },
	{ "liaison.logged", "activity", "contact patrol meeting training" },
	{ "assist.requested", "form",
	    "testing inspection quarantine appraisal opinion consultation" },
	{ "meeting.scheduled", "form", "joint consultation" },
	{ "meeting.followup", "status", "in-progress done" },
	{ "share.formed", "form", "approval document penalty enforcement info" },
	{ "share.sent", "via", "platform written phone" },
	{ "supervision.sent", "form", "opinion report" },
	{ "referral.received", "basis", "server paper" },
	{ "assist.received", "basis", "server paper" },
	{ "whistle.received", "basis", "server paper" },
	{ "supervision.received", "basis", "server paper" },
	{ "operation.planned", "form", "joint campaign patrol inspection" },
	{ "operation.answered", "answer", "join decline" },
	{ "case.attached", "type", ATT_TYPES },
	{ "complaint.attached", "type", ATT_TYPES },
	{ "liaison.attached", "type", ATT_TYPES },
	{ "referral.attached", "type", ATT_TYPES },
	{ "assist.attached", "type", ATT_TYPES },
	{ "whistle.attached", "type", ATT_TYPES },
	{ "meeting.attached", "type", ATT_TYPES },
	{ "share.attached", "type", ATT_TYPES },
	{ "supervision.attached", "type", ATT_TYPES },
	{ "operation.attached", "type", ATT_TYPES },
	{ "person.attached", "type", ATT_TYPES },
};

/*
 * Bodies broken on purpose: the kind's full body with field set to value
 * (or, when value is NULL, to rep repeated n times). ok says whether it
 * must pass: the limits the forms promise are tried at, and one over.
 */
static const struct change {
	const char *kind, *field, *value, *rep;
	size_t n;
	int ok;
	const char *why;
} changes[] = {
	{ "case.opened", "source", "'辖区巡查'", NULL, 0, 0, "the label, not the value" },
	{ "case.opened", "source", "'Patrol'", NULL, 0, 0, "a value in capitals" },
	{ "case.opened", "urgent", "'false'", NULL, 0, 0, "a boolean as text" },
	{ "case.opened", "urgent", "0", NULL, 0, 0, "a boolean as a number" },
	{ "case.opened", "discovered_at", "'2026-11-21 09:30'", NULL, 0, 0, "a time as typed" },
	{ "case.opened", "discovered_at", "'2026-11-21T01:30:00Z'", NULL, 0, 0, "a time in UTC" },
	{ "case.opened", "discovered_at", "'2026-02-30T09:30:00+08:00'", NULL, 0, 0, "no such day" },
	{ "case.opened", "category", "''", NULL, 0, 0, "empty text" },
	{ "case.opened", "category", "'   '", NULL, 0, 0, "blank text" },
	{ "case.opened", "location", "'查纳村\\n二社'", NULL, 0, 0, "a newline in one line" },
	{ "case.opened", "parties", "'王某'", NULL, 0, 0, "one name, not a list" },
	{ "case.opened", "parties", "['王某','']", NULL, 0, 0, "an empty name in the list" },
	{ "case.opened", "evidence", "[1]", NULL, 0, 0, "a number in the list" },
	{ "case.opened", "refer_due", "{'due':'2026-11-27','rule':'gonghe/refer','assumed':false}",
	    NULL, 0, 0, "a deadline with a bare date" },
	{ "case.opened", "refer_due", "{'due':'2026-11-27T23:59:59+08:00','rule':'gonghe/refer'}",
	    NULL, 0, 0, "a deadline without assumed" },
	{ "case.opened", "refer_due", "{'due':'2026-11-27T23:59:59+08:00','rule':'gonghe/refer','assumed':false,'x':'1'}",
	    NULL, 0, 0, "a deadline with an unknown key" },
	{ "case.opened", "refer_due", "'2026-11-27T23:59:59+08:00'", NULL, 0, 0, "a deadline as a time" },
	{ "case.opened", "description", NULL, "字", 2000, 1, "2000 characters" },
	{ "case.opened", "description", NULL, "字", 2001, 0, "2001 characters" },
	{ "case.opened", "officer", NULL, "张", 32, 1, "an officer of 32 characters" },
	{ "case.opened", "officer", NULL, "张", 33, 0, "an officer of 33 characters" },
	{ "case.opened", "category", NULL, "类", 33, 0, "a category of 33 characters" },
	{ "case.opened", "location", NULL, "地", 100, 1, "a place of 100 characters" },
	{ "case.opened", "location", NULL, "地", 101, 0, "a place of 101 characters" },
	{ "case.opened", "matter", NULL, "事", 61, 0, "a matter of 61 characters" },
	{ "case.opened", "parties", NULL, NULL, 21, 0, "21 parties" },
	{ "case.updated", "urgent", "null", NULL, 0, 0, "null for a boolean" },
	{ "case.closed", "reason", NULL, "因", 500, 1, "a reason of 500 characters" },
	{ "case.closed", "reason", NULL, "因", 501, 0, "a reason of 501 characters" },
	{ "case.referred", "referral", "'R-lyx01-0'", NULL, 0, 0, "seq 0" },
	{ "case.referred", "referral", "'R-lyx01'", NULL, 0, 0, "an id without seq" },
	{ "case.referred", "to", NULL, "单", 41, 0, "a unit of 41 characters" },
	{ "complaint.recorded", "channel", "'12345热线'", NULL, 0, 0, "the label, not the value" },
	{ "complaint.recorded", "case", "'case-1'", NULL, 0, 0, "not an id" },
	{ "complaint.identity", "phone", "'138 0000 0000'", NULL, 0, 1, "a phone with spaces" },
	{ "complaint.identity", "phone", "'138abc'", NULL, 0, 0, "letters in a phone" },
	{ "complaint.identity", "phone", "'１３８'", NULL, 0, 0, "full-width digits" },
	{ "complaint.identity", "phone", NULL, "1", 20, 1, "a phone of 20 digits" },
	{ "complaint.identity", "phone", NULL, "1", 21, 0, "a phone of 21 digits" },
	{ "liaison.logged", "summary", NULL, "记", 2001, 0, "a summary of 2001 characters" },
	{ "liaison.logged", "participants", NULL, NULL, 51, 0, "51 participants" },
	{ "liaison.logged", "participants", NULL, NULL, 50, 1, "50 participants" },
	{ "referral.sent", "sources", "'现场检查笔录'", NULL, 0, 0, "one source, not a list" },
	{ "referral.sent", "criminal", "'yes'", NULL, 0, 0, "a boolean as text" },
	{ "referral.arrived", "note", NULL, "到", 501, 0, "a note of 501 characters" },
	{ "referral.arrived", "arrived_at", "'2026-11-20'", NULL, 0, 0, "a bare date" },
	{ "referral.sent", "case", "'C-lyx01-01'", NULL, 0, 0, "a seq with a leading zero" },
	{ "assist.answered", "sealed", "'true'", NULL, 0, 0, "a boolean as text" },
	{ "meeting.minutes", "text", NULL, "纪", 4000, 1, "minutes of 4000 characters" },
	{ "meeting.minutes", "text", NULL, "纪", 4001, 0, "minutes of 4001 characters" },
	{ "meeting.resolution", "text", NULL, "议", 1001, 0, "a resolution of 1001 characters" },
	{ "meeting.followup", "status", "'已落实'", NULL, 0, 0, "the label, not the value" },
	{ "meeting.scheduled", "units", "['县住建局',['县公安局']]", NULL, 0, 0, "a list in the list" },
	{ "share.sent", "to", "'县综合行政执法局'", NULL, 0, 0, "one unit, not a list" },
	{ "share.sent", "via", "'email'", NULL, 0, 0, "an unlisted channel" },
	{ "person.registered", "certificate_expires", "'2027-06-30'", NULL, 0, 0, "a bare date" },
	{ "person.registered", "phone", "'0974-八五一'", NULL, 0, 0, "digits in Chinese" },
	{ "person.registered", "name", NULL, "张", 32, 1, "a name of 32 characters" },
	{ "person.registered", "name", NULL, "张", 33, 0, "a name of 33 characters" },
	{ "person.trained", "hours", "'0.5'", NULL, 0, 1, "half an hour" },
	{ "person.trained", "hours", "'200'", NULL, 0, 1, "the most one entry holds" },
	{ "person.trained", "hours", "'199.9'", NULL, 0, 1, "one decimal" },
	{ "person.trained", "hours", "'200.1'", NULL, 0, 0, "over the most" },
	{ "person.trained", "hours", "'0'", NULL, 0, 0, "no hours" },
	{ "person.trained", "hours", "'0.0'", NULL, 0, 0, "no hours, with a decimal" },
	{ "person.trained", "hours", "'2.0'", NULL, 0, 0, "a decimal of nothing (not canonical)" },
	{ "person.trained", "hours", "'02'", NULL, 0, 0, "a leading zero (not canonical)" },
	{ "person.trained", "hours", "'2.55'", NULL, 0, 0, "two decimals" },
	{ "person.trained", "hours", "'2.'", NULL, 0, 0, "a point without a decimal" },
	{ "person.trained", "hours", "'.5'", NULL, 0, 0, "a decimal without a whole part" },
	{ "person.trained", "hours", "'-1'", NULL, 0, 0, "a negative number" },
	{ "person.trained", "hours", "'1e2'", NULL, 0, 0, "an exponent" },
	{ "person.trained", "hours", "' 2'", NULL, 0, 0, "a space" },
	{ "person.trained", "hours", "'2,5'", NULL, 0, 0, "a decimal comma" },
	{ "person.trained", "hours", "'２'", NULL, 0, 0, "a full-width digit" },
	{ "person.trained", "hours", "2", NULL, 0, 0, "a number, not text" },
	{ "person.trained", "hours", "''", NULL, 0, 0, "empty" },
};

/* s with every ' turned into " (new string). */
static char *
q(const char *s)
{
	char *t = xstrdup(s), *p;

	for (p = t; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

static json_t *
qjson(const char *s)
{
	char *t = q(s);
	json_t *v = unit_json(t);

	free(t);
	return v;
}

static const struct spec *
spec_of(const char *kind)
{
	size_t i;

	for (i = 0; i < NSPECS; i++)
		if (strcmp(specs[i].kind, kind) == 0)
			return &specs[i];
	fail_msg("kind '%s' has no hand-written body in test-kinds.c", kind);
	return NULL;
}

/* The hand-written full body of k (new reference). */
static json_t *
full_body(const struct kind_info *k)
{
	return qjson(spec_of(k->name)->full);
}

/* 1 if name is one of the space-separated words of list. */
static int
listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* A full body of k with field f set to v (consumed). */
static json_t *
with(const struct kind_info *k, const struct field *f, json_t *v)
{
	json_t *body = full_body(k);

	json_object_set_new(body, f->name, v);
	return body;
}

static size_t
nkinds(void)
{
	size_t n = 0;

	while (kind_at(n) != NULL)
		n++;
	return n;
}

static void
test_registry(void **state)
{
	const struct kind_info *k, *k2;
	const struct field *f;
	size_t i, j, creators;

	assert_true(nkinds() >= 6);
	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		char id[16];

		assert_ptr_equal(kind_find(k->name), k);
		assert_non_null(k->etype);
		assert_ptr_equal(entity_type_find(k->etype->name), k->etype);
		/* Letters are distinct: an id names its type. */
		snprintf(id, sizeof id, "%c-s1-1", k->etype->letter);
		assert_ptr_equal(entity_type_of(id), k->etype);
		/* "case.opened" belongs to "case". */
		assert_int_equal(strncmp(k->name, k->etype->name,
		    strlen(k->etype->name)), 0);
		assert_int_equal(k->name[strlen(k->etype->name)], '.');
		for (j = 0; j < i; j++)
			assert_string_not_equal(kind_at(j)->name, k->name);
		for (f = k->fields; f->name != NULL; f++) {
			assert_ptr_equal(kind_field(k, f->name), f);
			if (f->type == F_ENUM) {
				assert_non_null(f->values);
				assert_non_null(f->values[0].name);
			}
			if (f->type == F_STR || f->type == F_TEXT ||
			    f->type == F_STRS || f->type == F_PHONE)
				assert_true(f->max > 0);
		}
		assert_null(kind_field(k, "no_such_field"));
	}
	assert_null(kind_at(i));
	assert_null(kind_at(i + 100));
	assert_null(kind_find("case.deleted"));
	assert_null(kind_find(""));

	/* Each entity type is created by exactly one kind. */
	for (j = 0; (k = kind_at(j)) != NULL; j++) {
		creators = 0;
		for (i = 0; (k2 = kind_at(i)) != NULL; i++)
			if (k2->creates && k2->etype == k->etype)
				creators++;
		assert_int_equal(creators, 1);
	}
}

static void
test_entity_types(void **state)
{
	char *id;

	assert_int_equal(entity_type_find("case")->letter, 'C');
	assert_int_equal(entity_type_find("complaint")->letter, 'T');
	assert_int_equal(entity_type_find("liaison")->letter, 'L');
	assert_null(entity_type_find("no_such_type"));
	assert_string_equal(entity_type_of("C-s1-1")->name, "case");
	assert_string_equal(entity_type_of("T-s1-1")->name, "complaint");
	assert_string_equal(entity_type_of("L-s1-1")->name, "liaison");
	assert_null(entity_type_of("X-s1-1"));
	assert_null(entity_type_of("c-s1-1"));
	assert_null(entity_type_of("C"));
	assert_null(entity_type_of("Cs1"));
	assert_null(entity_type_of(""));
	assert_null(entity_type_of(NULL));

	id = entity_id_new(entity_type_find("case"), "longyangxia", 7);
	assert_string_equal(id, "C-longyangxia-7");
	assert_int_equal(kind_check_entity(kind_find("case.updated"), id, NULL),
	    0);
	free(id);
}

static void
test_enums(void **state)
{
	assert_string_equal(enum_lookup(case_sources, "patrol")->label,
	    "辖区巡查");
	assert_string_equal(enum_lookup(case_sources, "群众举报")->name,
	    "report");
	assert_string_equal(enum_lookup(complaint_channels, "12345热线")->name,
	    "hotline");
	assert_string_equal(enum_lookup(liaison_types, "培训")->name,
	    "training");
	assert_string_equal(enum_lookup(complaint_types, "petition")->label,
	    "信访");
	assert_null(enum_lookup(case_sources, "Patrol"));
	assert_null(enum_lookup(case_sources, ""));
	assert_string_equal(enum_label(case_sources, "notice"),
	    "业务主管部门通报");
	assert_string_equal(enum_label(case_sources, "other"), "other");
}

/* Every kind has its hand-written bodies, and only the registry's kinds
 * have them; a full body names every field of its kind. */
static void
test_specs_match_registry(void **state)
{
	const struct kind_info *k;
	const struct field *f;
	size_t i, nfields;
	json_t *full;

	assert_int_equal(nkinds(), NSPECS);
	for (i = 0; i < NSPECS; i++)
		if (kind_find(specs[i].kind) == NULL)
			fail_msg("'%s' is written here but not in the registry",
			    specs[i].kind);
	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		full = full_body(k);
		nfields = 0;
		for (f = k->fields; f->name != NULL; f++) {
			nfields++;
			if (json_object_get(full, f->name) == NULL)
				fail_msg("%s: the full body here lacks '%s'", k->name,
				    f->name);
		}
		assert_int_equal(json_object_size(full), nfields);
		json_decref(full);
	}
}

static void
test_valid_bodies_pass(void **state)
{
	const struct kind_info *k;
	const char *key;
	json_t *min, *v;
	size_t i;

	for (i = 0; i < NSPECS; i++) {
		k = kind_find(specs[i].kind);
		assert_non_null(k);
		min = qjson(specs[i].min);
		/* The smallest body holds the required fields, no other (but
		 * for a kind that must change something, with none required). */
		json_object_foreach(min, key, v)
			if (specs[i].required[0] != '\0' &&
			    !listed(specs[i].required, key))
				fail_msg("%s: '%s' in the smallest body is not required",
				    k->name, key);
		assert_body_ok(k, min, "the smallest body");
		assert_body_ok(k, qjson(specs[i].full), "the full body");
	}
	/* The example bodies other tests and tools use pass too. */
	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		assert_body_ok(k, kind_example_body(k, 0), "example body");
		if (!k->at_least_one)
			assert_body_ok(k, kind_example_body(k, 1),
			    "example body, required fields");
	}
}

/* Each required field missing from a full body is refused, naming it;
 * any other field may be left out. */
static void
test_required_fields(void **state)
{
	const struct kind_info *k;
	size_t i, required = 0, optional = 0;
	const char *key;
	json_t *full, *b, *v;

	for (i = 0; i < NSPECS; i++) {
		k = kind_find(specs[i].kind);
		full = qjson(specs[i].full);
		json_object_foreach(full, key, v) {
			b = json_deep_copy(full);
			json_object_del(b, key);
			if (listed(specs[i].required, key)) {
				assert_body_refused(k, b, key, "missing field");
				required++;
			} else {
				assert_body_ok(k, b, key);
				optional++;
			}
		}
		json_decref(full);
		/* A kind that must change something refuses an empty body. */
		if (strcmp(specs[i].kind, "case.updated") == 0)
			assert_body_refused(k, json_object(), k->name, "empty body");
	}
	assert_true(required >= 80);
	assert_true(optional >= 40);
}

/* The bodies broken on purpose (changes[]), and the limits tried. */
static void
test_changed_bodies(void **state)
{
	const struct kind_info *k;
	const struct field *f;
	size_t i, j, refused = 0;
	json_t *b, *v;
	char *s;

	for (i = 0; i < sizeof changes / sizeof changes[0]; i++) {
		const struct change *c = &changes[i];

		k = kind_find(c->kind);
		assert_non_null(k);
		f = kind_field(k, c->field);
		if (f == NULL)
			fail_msg("%s has no field '%s'", c->kind, c->field);
		if (c->value != NULL) {
			v = qjson(c->value);
		} else if (c->rep != NULL) {
			s = unit_repeat(c->rep, c->n);
			v = json_string(s);
			free(s);
		} else {
			v = json_array();
			for (j = 0; j < c->n; j++)
				json_array_append_new(v, json_string("甲"));
		}
		b = with(k, f, v);
		if (c->ok) {
			assert_body_ok(k, b, c->why);
		} else {
			assert_body_refused(k, b, c->field, c->why);
			refused++;
		}
	}
	assert_true(refused >= 40);
}

/* Values of the wrong JSON type for f, as an array (new reference). */
static json_t *
wrong_values(const struct field *f)
{
	json_t *w = json_array();

	json_array_append_new(w, json_null());
	if (f->type != F_COUNT)
		json_array_append_new(w, json_integer(7));
	json_array_append_new(w, json_object());
	switch (f->type) {
	case F_COUNT: /* a size in bytes: a whole number, 1 to max */
		json_array_append_new(w, json_string("7"));
		json_array_append_new(w, json_true());
		json_array_append_new(w, json_pack("[i]", 7));
		json_array_append_new(w, json_integer(0));
		json_array_append_new(w, json_integer(-1));
		json_array_append_new(w, json_integer((json_int_t)f->max + 1));
		break;
	case F_SHA256: /* text, but only 64 lowercase hex digits */
		json_array_append_new(w, json_true());
		json_array_append_new(w, json_string(""));
		json_array_append_new(w, json_string("E3B0C44298FC1C149AFBF4C8996FB924"
		    "27AE41E4649B934CA495991B7852B855"));
		json_array_append_new(w, json_string("e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b85"));
		json_array_append_new(w, json_string("e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b8555"));
		json_array_append_new(w, json_string("g3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b855"));
		break;
	case F_BOOL:
		json_array_append_new(w, json_string("true"));
		json_array_append_new(w, json_integer(1));
		json_array_append_new(w, json_array());
		break;
	case F_STRS:
		json_array_append_new(w, json_string("甲"));
		json_array_append_new(w, json_true());
		json_array_append_new(w, json_pack("[i]", 1));
		json_array_append_new(w, json_pack("[s,n]", "甲", NULL));
		json_array_append_new(w, json_pack("[[s]]", "甲"));
		json_array_append_new(w, json_pack("[s,s]", "甲", ""));
		json_array_append_new(w, json_pack("[s]", "一\n二"));
		break;
	default:
		json_array_append_new(w, json_true());
		json_array_append_new(w, json_pack("[s]", "甲"));
		break;
	}
	return w;
}

static void
test_wrong_types_fail(void **state)
{
	const struct kind_info *k;
	const struct field *f;
	json_t *w, *v;
	size_t i, j;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (f = k->fields; f->name != NULL; f++) {
			w = wrong_values(f);
			json_array_foreach(w, j, v)
				assert_body_refused(k, with(k, f, json_incref(v)),
				    f->name, "wrong type");
			json_decref(w);
		}
		/* The body itself must be an object. */
		v = json_array();
		assert_int_equal(kind_validate_body(k, v, NULL), LD_EINVAL);
		json_decref(v);
		assert_int_equal(kind_validate_body(k, NULL, NULL), LD_EINVAL);
	}
}

static void
test_unknown_fields_fail(void **state)
{
	static const char *const names[] = { "unknown", "Matter", "hash",
		"identity", "status", "", NULL };
	const struct kind_info *k;
	size_t i, j;
	json_t *b;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (j = 0; names[j] != NULL; j++) {
			if (kind_field(k, names[j]) != NULL)
				continue;
			b = full_body(k);
			json_object_set_new(b, names[j], json_string("x"));
			assert_body_refused(k, b, NULL, "unknown field");
		}
	}
	/* A field of another kind is unknown here too. */
	assert_body_refused(kind_find("case.closed"),
	    unit_json("{\"reason\":\"已办结\",\"urgent\":true}"), "urgent",
	    "field of another kind");
}

static void
test_enum_values_outside_list_fail(void **state)
{
	const struct kind_info *k;
	const struct field *f;
	const struct enum_value *ev;
	size_t i, n = 0;

	/* The values the forms offer pass, and the registry has no other. */
	for (i = 0; i < sizeof enums / sizeof enums[0]; i++) {
		const char *p = enums[i].values;
		size_t words = 0, have = 0;

		k = kind_find(enums[i].kind);
		f = kind_field(k, enums[i].field);
		assert_non_null(f);
		assert_int_equal(f->type, F_ENUM);
		while (*p != '\0') {
			size_t len = strcspn(p, " ");
			char v[32];

			snprintf(v, sizeof v, "%.*s", (int)len, p);
			assert_body_ok(k, with(k, f, json_string(v)), v);
			words++;
			p += len + (p[len] == ' ');
		}
		for (ev = f->values; ev->name != NULL; ev++)
			have++;
		if (have != words)
			fail_msg("%s %s: the registry has %zu values, the forms %zu",
			    k->name, f->name, have, words);
	}
	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (f = k->fields; f->name != NULL; f++) {
			char *upper;
			size_t c;
			if (f->type != F_ENUM)
				continue;
			n++;
			assert_body_refused(k, with(k, f, json_string("bogus")),
			    f->name, "unlisted value");
			assert_body_refused(k, with(k, f, json_string("")),
			    f->name, "empty value");
			upper = xstrdup(f->values[0].name);
			for (c = 0; upper[c] != '\0'; c++)
				upper[c] = (char)(upper[c] - 'a' + 'A');
			assert_body_refused(k, with(k, f, json_string(upper)),
			    f->name, "upper-case value");
			free(upper);
			/* Bodies store the value, never its Chinese label. */
			assert_body_refused(k,
			    with(k, f, json_string(f->values[0].label)), f->name,
			    "label instead of value");
		}
	}
	assert_int_equal(n, sizeof enums / sizeof enums[0]);
}

/* Text fields: max characters pass, max+1 fail, whatever the script. */
static void
test_over_long_text_fails(void **state)
{
	const struct kind_info *k;
	const struct field *f;
	size_t i, n = 0;
	char *s;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (f = k->fields; f->name != NULL; f++) {
			json_t *a;
			size_t j;
			switch (f->type) {
			case F_STR:
			case F_TEXT:
				n++;
				s = unit_repeat("字", f->max);
				assert_body_ok(k, with(k, f, json_string(s)),
				    f->name);
				free(s);
				s = unit_repeat("字", f->max + 1);
				assert_body_refused(k, with(k, f, json_string(s)),
				    f->name, "too long");
				free(s);
				s = unit_repeat("a", f->max + 1);
				assert_body_refused(k, with(k, f, json_string(s)),
				    f->name, "too long (ASCII)");
				free(s);
				break;
			case F_STRS:
				n++;
				a = json_array();
				for (j = 0; j < f->max; j++)
					json_array_append_new(a, json_string("甲"));
				assert_body_ok(k, with(k, f, json_incref(a)),
				    f->name);
				json_array_append_new(a, json_string("甲"));
				assert_body_refused(k, with(k, f, a), f->name,
				    "too many entries");
				s = unit_repeat("字", FIELD_STR_MAX);
				assert_body_ok(k, with(k, f, json_pack("[s]", s)),
				    f->name);
				free(s);
				s = unit_repeat("字", FIELD_STR_MAX + 1);
				assert_body_refused(k, with(k, f, json_pack("[s]", s)),
				    f->name, "entry too long");
				free(s);
				break;
			case F_PHONE:
				n++;
				s = unit_repeat("1", f->max);
				assert_body_ok(k, with(k, f, json_string(s)),
				    f->name);
				free(s);
				s = unit_repeat("1", f->max + 1);
				assert_body_refused(k, with(k, f, json_string(s)),
				    f->name, "too long");
				free(s);
				break;
			default:
				break;
			}
		}
	}
	assert_true(n >= 15);
}

static void
test_bad_text_content_fails(void **state)
{
	const struct kind_info *k;
	const struct field *f;
	size_t i;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (f = k->fields; f->name != NULL; f++) {
			if (f->type != F_STR && f->type != F_TEXT)
				continue;
			assert_body_refused(k, with(k, f, json_string("")),
			    f->name, "empty");
			assert_body_refused(k, with(k, f, json_string(" \t ")),
			    f->name, "blank");
			assert_body_refused(k, with(k, f, json_string("a\x01" "b")),
			    f->name, "control character");
			assert_body_refused(k, with(k, f, json_string("a\rb")),
			    f->name, "carriage return");
			if (f->type == F_STR)
				assert_body_refused(k,
				    with(k, f, json_string("一\n二")), f->name,
				    "newline in one-line text");
			else
				assert_body_ok(k, with(k, f, json_string("一\n二")),
				    f->name);
		}
	}
}

static void
test_bad_times_phones_entities_fail(void **state)
{
	static const char *const times[] = { "2026-11-21", "2026-11-21 09:30",
		"2026-11-21T09:30:00", "2026-11-21T01:30:00Z",
		"2026-11-21T09:30:00+09:00", "2026-02-30T09:30:00+08:00",
		"now", NULL };
	static const char *const phones[] = { "", "138abc", "138 0000 x",
		"(0974) 123", "１３８", NULL };
	static const char *const ids[] = { "", "C", "C-", "C-s1", "C-s1-",
		"C-s1-0", "C-s1-01", "C-S1-1", "C--1", "C-s1-1x", "case-1",
		"C_s1_1", "C-s1-1234567890123456789", "X-s1-1", "c-s1-1",
		"1-s1-1", NULL };
	const struct kind_info *k;
	const struct field *f;
	size_t i, j;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (f = k->fields; f->name != NULL; f++) {
			const char *const *bad = f->type == F_TIME ? times :
			    f->type == F_PHONE ? phones :
			    f->type == F_ENTITY ? ids : NULL;
			if (bad == NULL)
				continue;
			for (j = 0; bad[j] != NULL; j++)
				assert_body_refused(k, with(k, f,
				    json_string(bad[j])), f->name, bad[j]);
		}
	}
}

static void
test_entity_ids(void **state)
{
	static const char *const bad[] = { "", "C", "C-", "C-s1", "C-s1-",
		"C-s1-0", "C-s1-01", "C-S1-1", "C--1", "C-_a-1",
		"C-s1-1x", "C-s1-1-", "C-s1-+1", "C-s1- 1", "c-s1-1", "CC-s1-1",
		"C_s1_1", "C-龙羊峡-1", "C-s1-1234567890123456789",
		"C-abcdefghijklmnopqrstuvwxyz0123456-1", NULL };
	const struct kind_info *k;
	char err[LD_ERRLEN];
	char id[128];
	size_t i, j;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		char letter = k->etype->letter;

		snprintf(id, sizeof id, "%c-s1-1", letter);
		assert_int_equal(kind_check_entity(k, id, err), 0);
		/* Stations may contain '-': the seq is after the last one. */
		snprintf(id, sizeof id, "%c-longyangxia-02-123", letter);
		assert_int_equal(kind_check_entity(k, id, err), 0);
		snprintf(id, sizeof id, "%c-s1-123456789012345678", letter);
		assert_int_equal(kind_check_entity(k, id, err), 0);
		snprintf(id, sizeof id, "%c-abcdefghijklmnopqrstuvwxyz012345-1",
		    letter);
		assert_int_equal(kind_check_entity(k, id, err), 0);

		for (j = 0; bad[j] != NULL; j++) {
			/* Put the kind's own letter in front of each. */
			snprintf(id, sizeof id, "%s", bad[j]);
			if (id[0] == 'C')
				id[0] = letter;
			err[0] = '\0';
			if (kind_check_entity(k, id, err) != LD_EINVAL)
				fail_msg("%s: entity '%s' accepted", k->name, id);
			assert_true(err[0] != '\0');
		}
		/* Another type's id. */
		for (j = 0; kind_at(j) != NULL; j++) {
			const struct entity_type *other = kind_at(j)->etype;
			if (other == k->etype)
				continue;
			snprintf(id, sizeof id, "%c-s1-1", other->letter);
			assert_int_equal(kind_check_entity(k, id, err), LD_EINVAL);
		}
	}
}

/* Decimals (F_DECIMAL): what a user types, read into tenths, and the
 * one text each value is stored as. */
static void
test_decimals(void **state)
{
	static const struct {
		const char *typed;
		long tenths;
		const char *canonical;
	} ok[] = {
		{ "2", 20, "2" }, { "2.5", 25, "2.5" }, { "2.0", 20, "2" },
		{ "02", 20, "2" }, { "0.5", 5, "0.5" }, { "0", 0, "0" },
		{ "60", 600, "60" }, { "999999.9", 9999999, "999999.9" },
	};
	static const char *const bad[] = { "", ".", ".5", "2.", "2.55",
		"-1", "+1", "1e2", " 2", "2 ", "2,5", "２", "1234567", "2.5.1",
		"0x10", "2.a", NULL };
	const struct kind_info *k;
	const struct field *f;
	char buf[DECIMAL_LEN];
	size_t i;
	long t;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		t = -1;
		assert_int_equal(decimal_parse(ok[i].typed, &t), 0);
		assert_int_equal(t, ok[i].tenths);
		decimal_format(t, buf);
		assert_string_equal(buf, ok[i].canonical);
	}
	for (i = 0; bad[i] != NULL; i++)
		if (decimal_parse(bad[i], &t) != LD_EINVAL)
			fail_msg("decimal '%s' read", bad[i]);
	/* Every decimal field's example passes, and its maximum is whole. */
	for (i = 0; (k = kind_at(i)) != NULL; i++)
		for (f = k->fields; f->name != NULL; f++)
			if (f->type == F_DECIMAL) {
				assert_true(f->max > 0);
				snprintf(buf, sizeof buf, "%zu", f->max);
				assert_body_ok(k, with(k, f, json_string(buf)),
				    "the maximum");
				snprintf(buf, sizeof buf, "%zu.1", f->max);
				assert_body_refused(k, with(k, f,
				    json_string(buf)), f->name, "over it");
			}
	/* A person's update must change something. */
	assert_body_refused(kind_find("person.updated"), json_object(),
	    "person.updated", "empty body");
}

/* Which bodies are kept from the units not addressed: a confidential
 * kind's, and an attachment's that says so (kinds.h). */
static void
test_body_confidential(void **state)
{
	json_t *yes = json_pack("{s:b}", "confidential", 1);
	json_t *no = json_pack("{s:b}", "confidential", 0);
	const struct kind_info *k;
	size_t i, n = 0;

	assert_true(kind_body_confidential(kind_find("complaint.identity"), no));
	assert_true(kind_body_confidential(kind_find("case.attached"), yes));
	assert_false(kind_body_confidential(kind_find("case.attached"), no));
	assert_false(kind_body_confidential(kind_find("case.attached"), NULL));
	assert_false(kind_body_confidential(kind_find("case.updated"), yes));
	assert_false(kind_body_confidential(NULL, yes));
	/* Every type has exactly one attachment kind, "<type>.attached". */
	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		char *name = xasprintf("%s.attached", k->etype->name);

		assert_int_equal(kind_is_attached(k), strcmp(k->name, name) == 0);
		assert_ptr_equal(kind_attached_of(k->etype), kind_find(name));
		n += kind_is_attached(k);
		free(name);
	}
	for (i = 0; entity_type_at(i) != NULL; i++)
		;
	assert_int_equal(n, i);
	json_decref(yes);
	json_decref(no);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_entity_types),
		cmocka_unit_test(test_enums),
		cmocka_unit_test(test_specs_match_registry),
		cmocka_unit_test(test_valid_bodies_pass),
		cmocka_unit_test(test_required_fields),
		cmocka_unit_test(test_changed_bodies),
		cmocka_unit_test(test_wrong_types_fail),
		cmocka_unit_test(test_unknown_fields_fail),
		cmocka_unit_test(test_enum_values_outside_list_fail),
		cmocka_unit_test(test_over_long_text_fails),
		cmocka_unit_test(test_bad_text_content_fails),
		cmocka_unit_test(test_bad_times_phones_entities_fail),
		cmocka_unit_test(test_entity_ids),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_body_confidential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
