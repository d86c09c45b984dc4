/*
 * due.c - open obligations of cases and referrals (see due.h).
 *
 *   case      open, not referred, with refer_due   the case's unit refers it
 *   referral  sent, with ack_due                   the handler acknowledges
 *             sent/acknowledged/decided            the handler accepts or disputes
 *             accepted                             the handler reports the result
 *             disputed/escalated                   the escalation unit settles it
 *   complaint referred, not notified               the first-contact unit tells
 *                                                  the complainant where it went
 *             referred                             the handler replies (no time)
 *   assist    requested, with or without answer_due  the asked unit answers
 *   whistle   called/escalated                     the department reports (报到)
 *             escalated                            the county sees that it does
 *   meeting   held, with next_due, not followed    the convener holds the next one
 *             any resolution not done              its owner reports at the
 *                                                  next meeting (no due time)
 *   share     formed, not yet sent                 the holding unit passes it on
 *   supervision sent                               the unit addressed replies
 */
#include <string.h>

#include "cjson.h"
#include "due.h"
#include "ltime.h"
#include "util.h"

static void
emit(const json_t *doc, const char *owed_by, const char *what,
    const json_t *deadline,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	struct obligation o;

	o.due = DUE_NONE;
	if (deadline != NULL && (json_object_get(deadline, "done_at") != NULL ||
	    ltime_parse(cjson_str(deadline, "due"), &o.due) != 0))
		return;
	o.owed_by = owed_by;
	o.what = what;
	o.entity = cjson_str(doc, "entity");
	o.rule = deadline ? cjson_str(deadline, "rule") : NULL;
	o.assumed = deadline && json_is_true(json_object_get(deadline,
	    "assumed"));
	if (o.owed_by != NULL)
		fn(&o, arg);
}

void
due_collect(const json_t *doc,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	const char *type = cjson_str(doc, "type"), *st = cjson_str(doc, "status");
	const char *handler = cjson_str(doc, "handler");

	if (type == NULL || st == NULL)
		return;
	if (strcmp(type, "case") == 0) {
		if (strcmp(st, "open") == 0 && !json_object_get(doc, "referred") &&
		    json_object_get(doc, "refer_due") != NULL)
			emit(doc, cjson_str(doc, "unit"), N_("refer the case (移送)"),
			    json_object_get(doc, "refer_due"), fn, arg);
		return;
	}
	if (strcmp(type, "complaint") == 0) {
		if (json_object_get(doc, "referred") != NULL &&
		    json_object_get(doc, "notified") == NULL)
			emit(doc, cjson_str(doc, "unit"),
			    N_("tell the complainant where the complaint went"),
			    NULL, fn, arg);
		if (strcmp(st, "referred") == 0)
			emit(doc, handler, N_("reply with the result (结果答复)"),
			    NULL, fn, arg);
		return;
	}
	if (strcmp(type, "assist") == 0) {
		if (strcmp(st, "requested") == 0)
			emit(doc, cjson_str(doc, "to"),
			    N_("answer the assistance request in writing, sealed (执法协助)"),
			    json_object_get(doc, "answer_due"), fn, arg);
		return;
	}
	if (strcmp(type, "whistle") == 0) {
		if (strcmp(st, "called") != 0 && strcmp(st, "escalated") != 0)
			return;
		emit(doc, cjson_str(doc, "to"), N_("report to the township's call (部门报到)"),
		    json_object_get(doc, "answer_due"), fn, arg);
		if (strcmp(st, "escalated") == 0)
			emit(doc, cjson_str(doc, "escalated_to"),
			    N_("see that the department reports (吹哨升级)"), NULL,
			    fn, arg);
		return;
	}
	if (strcmp(type, "meeting") == 0) {
		json_t *r;
		size_t i;
		if (json_object_get(doc, "next_due") != NULL)
			emit(doc, cjson_str(doc, "unit"),
			    N_("hold the next regular joint meeting (例行会议)"),
			    json_object_get(doc, "next_due"), fn, arg);
		json_array_foreach(json_object_get(doc, "resolutions"), i, r)
			if (strcmp(cjson_str(r, "status"), "done") != 0)
				emit(doc, cjson_str(r, "owner"),
				    N_("carry out the resolution, report at the next meeting"),
				    NULL, fn, arg);
		return;
	}
	if (strcmp(type, "share") == 0) {
		static const struct { const char *form, *what; } owed[] = {
			{ "approval", N_("copy the approval to the bureau (抄送审批)") },
			{ "document", N_("tell the bureau of the superior document (告知上级文件)") },
			{ "penalty", N_("copy the penalty decision to the units concerned (抄送处罚决定)") },
			{ "enforcement", N_("write to the unit whose help the execution needs (书面函告)") },
			{ "info", N_("share the information (信息共享)") },
		};
		const char *form = cjson_str(doc, "form");
		size_t i;
		if (strcmp(st, "formed") != 0 || form == NULL)
			return;
		for (i = 0; i < sizeof owed / sizeof owed[0]; i++)
			if (strcmp(owed[i].form, form) == 0)
				emit(doc, cjson_str(doc, "unit"), owed[i].what,
				    json_object_get(doc, "send_due"), fn, arg);
		return;
	}
	if (strcmp(type, "supervision") == 0) {
		const char *form = cjson_str(doc, "form");
		if (strcmp(st, "sent") == 0 && form != NULL)
			emit(doc, cjson_str(doc, "to"), strcmp(form, "opinion") == 0 ?
			    N_("reply in writing to the supervision opinion (书面回复)") :
			    N_("send the supervision results back in writing (监督结果反馈)"),
			    json_object_get(doc, "reply_due"), fn, arg);
		return;
	}
	if (strcmp(type, "referral") != 0)
		return;
	if (strcmp(st, "sent") == 0 && json_object_get(doc, "ack_due") != NULL)
		emit(doc, handler, N_("acknowledge the referral (受理告知)"),
		    json_object_get(doc, "ack_due"), fn, arg);
	else if (strcmp(st, "sent") == 0 || strcmp(st, "acknowledged") == 0 ||
	    strcmp(st, "decided") == 0)
		emit(doc, handler, N_("accept or dispute the referral"), NULL,
		    fn, arg);
	else if (strcmp(st, "accepted") == 0)
		emit(doc, handler,
		    N_("report the result when the decision is served"), NULL,
		    fn, arg);
	else if (strcmp(st, "disputed") == 0 || strcmp(st, "escalated") == 0)
		emit(doc, cjson_str(doc, "escalated_to") ? cjson_str(doc, "escalated_to") :
		    cjson_str(doc, "unit"), N_("settle the jurisdiction dispute"), NULL,
		    fn, arg);
}
