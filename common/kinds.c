/*
 * kinds.c - event kinds, their body schemas and entity ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "kinds.h"
#include "ltime.h"
#include "text.h"
#include "util.h"

static const struct entity_type etypes[] = {
	{ "case", 'C' },
	{ "complaint", 'T' },
	{ "liaison", 'L' },
	{ "referral", 'R' },
	{ "assist", 'A' },
	{ "whistle", 'W' },
	{ "meeting", 'M' },
	{ "share", 'S' },
	{ "supervision", 'V' },
	{ NULL, 0 },
};
#define ET_CASE (&etypes[0])
#define ET_COMPLAINT (&etypes[1])
#define ET_LIAISON (&etypes[2])
#define ET_REFERRAL (&etypes[3])
#define ET_ASSIST (&etypes[4])
#define ET_WHISTLE (&etypes[5])
#define ET_MEETING (&etypes[6])
#define ET_SHARE (&etypes[7])
#define ET_SUPERVISION (&etypes[8])

const struct enum_value case_sources[] = {
	{ "patrol", "辖区巡查" },
	{ "assignment", "县级转派" },
	{ "notice", "业务主管部门通报" },
	{ "report", "群众举报" },
	{ NULL, NULL },
};

const struct enum_value complaint_types[] = {
	{ "complaint", "投诉" },
	{ "report", "举报" },
	{ "petition", "信访" },
	{ NULL, NULL },
};

const struct enum_value complaint_channels[] = {
	{ "phone", "电话" },
	{ "visit", "来访" },
	{ "letter", "来信" },
	{ "online", "网上" },
	{ "hotline", "12345热线" },
	{ NULL, NULL },
};

const struct enum_value liaison_types[] = {
	{ "contact", "联络" },
	{ "patrol", "巡查" },
	{ "meeting", "会议" },
	{ "training", "培训" },
	{ NULL, NULL },
};

const struct enum_value assist_types[] = {
	{ "testing", "检测" },
	{ "inspection", "检验" },
	{ "quarantine", "检疫" },
	{ "appraisal", "技术鉴定" },
	{ "opinion", "认定" },
	{ "consultation", "咨询意见" },
	{ NULL, NULL },
};

/* What information a unit passes on (信息共享), each with its own rule in
 * the profiles that set one (docs/rules.md). */
const struct enum_value share_forms[] = {
	{ "approval", "行政审批" },
	{ "document", "上级文件" },
	{ "penalty", "处罚决定" },
	{ "enforcement", "配合执行函" },
	{ "info", "执法信息" },
	{ NULL, NULL },
};

const struct enum_value share_channels[] = {
	{ "platform", "平台" },
	{ "written", "书面" },
	{ "phone", "电话" },
	{ NULL, NULL },
};

/* Supervision between the bureau and the departments (共和县 三(七)). */
const struct enum_value supervision_forms[] = {
	{ "opinion", "书面意见" },
	{ "report", "执法办案通报" },
	{ NULL, NULL },
};

const struct enum_value meeting_forms[] = {
	{ "joint", "联席会议" },
	{ "consultation", "会商" },
	{ NULL, NULL },
};

const struct enum_value followup_states[] = {
	{ "in-progress", "落实中" },
	{ "done", "已落实" },
	{ NULL, NULL },
};

/* Fields a case can be opened with; updates may change the mutable ones. */
static const struct field case_opened_fields[] = {
	{ "source", F_ENUM, 1, 0, case_sources },
	{ "category", F_STR, 1, 32, NULL },
	{ "location", F_STR, 1, 100, NULL },
	{ "parties", F_STRS, 0, 20, NULL },
	{ "matter", F_STR, 0, 60, NULL },
	{ "description", F_TEXT, 1, 2000, NULL },
	{ "discovered_at", F_TIME, 1, 0, NULL },
	{ "urgent", F_BOOL, 1, 0, NULL },
	{ "officer", F_STR, 1, 32, NULL },
	{ "evidence", F_STRS, 0, 20, NULL },
	{ "refer_due", F_DEADLINE, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The case was referred (written with the referral, same transaction). */
static const struct field case_referred_fields[] = {
	{ "referral", F_ENTITY, 1, 0, NULL },
	{ "to", F_STR, 1, 40, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The case's referral was withdrawn by the referring unit (written with
 * the withdrawal, same transaction): the case may be referred again. */
static const struct field case_referral_withdrawn_fields[] = {
	{ "referral", F_ENTITY, 1, 0, NULL },
	{ "reason", F_TEXT, 1, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The deadline to refer was extended, announced before it passed. */
static const struct field case_extended_fields[] = {
	{ "refer_due", F_DEADLINE, 1, 0, NULL },
	{ "reason", F_TEXT, 1, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct field case_updated_fields[] = {
	{ "category", F_STR, 0, 32, NULL },
	{ "location", F_STR, 0, 100, NULL },
	{ "parties", F_STRS, 0, 20, NULL },
	{ "matter", F_STR, 0, 60, NULL },
	{ "description", F_TEXT, 0, 2000, NULL },
	{ "urgent", F_BOOL, 0, 0, NULL },
	{ "officer", F_STR, 0, 32, NULL },
	{ "evidence", F_STRS, 0, 20, NULL },
	{ "note", F_TEXT, 0, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct field case_closed_fields[] = {
	{ "reason", F_TEXT, 1, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct field complaint_recorded_fields[] = {
	{ "form", F_ENUM, 1, 0, complaint_types },
	{ "channel", F_ENUM, 1, 0, complaint_channels },
	{ "matter", F_STR, 1, 60, NULL },
	{ "description", F_TEXT, 1, 2000, NULL },
	{ "received_at", F_TIME, 1, 0, NULL },
	{ "location", F_STR, 0, 100, NULL },
	{ "officer", F_STR, 1, 32, NULL },
	{ "case", F_ENTITY, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The complainant's identity travels in its own event so that its
 * audience can be narrower than the complaint's. */
static const struct field complaint_identity_fields[] = {
	{ "name", F_STR, 1, 32, NULL },
	{ "phone", F_PHONE, 0, 20, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The complaint referred to the unit that handles it; the audience of
 * this event is what brings the complaint to that unit. */
static const struct field complaint_referred_fields[] = {
	{ "to", F_STR, 1, 40, NULL },
	{ "note", F_TEXT, 0, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The complainant was told where the complaint went. */
static const struct field complaint_notified_fields[] = {
	{ "text", F_TEXT, 1, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The handling unit's reply with the result. */
static const struct field complaint_replied_fields[] = {
	{ "result", F_TEXT, 1, 2000, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct field liaison_logged_fields[] = {
	{ "activity", F_ENUM, 1, 0, liaison_types },
	{ "date", F_TIME, 1, 0, NULL },
	{ "counterpart", F_STR, 0, 60, NULL },
	{ "place", F_STR, 0, 100, NULL },
	{ "summary", F_TEXT, 1, 2000, NULL },
	{ "officer", F_STR, 1, 32, NULL },
	{ "participants", F_STRS, 0, 50, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* A case referred to another unit (案件移送). The receiver does not see
 * the case's own events, so the referral carries what it needs of it. */
static const struct field referral_sent_fields[] = {
	{ "case", F_ENTITY, 1, 0, NULL },
	{ "to", F_STR, 1, 40, NULL },
	{ "urgent", F_BOOL, 1, 0, NULL },
	{ "matter", F_STR, 0, 60, NULL },
	{ "category", F_STR, 1, 32, NULL },
	{ "location", F_STR, 1, 100, NULL },
	{ "description", F_TEXT, 1, 2000, NULL },
	{ "discovered_at", F_TIME, 1, 0, NULL },
	{ "officer", F_STR, 1, 32, NULL },
	{ "note", F_TEXT, 0, 500, NULL },
	{ "letter", F_STR, 1, 100, NULL },
	{ "sources", F_STRS, 1, 20, NULL },
	{ "evidence", F_STRS, 1, 20, NULL },
	{ "criminal", F_BOOL, 0, 0, NULL },
	{ "ack_due", F_DEADLINE, 0, 0, NULL },
	{ "refer_due", F_DEADLINE, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The steps of a referral after it is sent; each is a state-machine
 * transition checked in fold.c. */
static const struct field referral_note_fields[] = {
	{ "note", F_TEXT, 0, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct field referral_reason_fields[] = {
	{ "reason", F_TEXT, 1, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct field referral_escalated_fields[] = {
	{ "to", F_STR, 1, 40, NULL },
	{ "reason", F_TEXT, 1, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct field referral_decided_fields[] = {
	{ "handler", F_STR, 1, 40, NULL },
	{ "reason", F_TEXT, 1, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct field referral_result_fields[] = {
	{ "decision", F_TEXT, 1, 2000, NULL },
	{ "decided_at", F_TIME, 1, 0, NULL },
	{ "result_due", F_DEADLINE, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* An assistance request (执法协助): testing, inspection, quarantine,
 * technical appraisal or an opinion asked of a department, answered in
 * writing under its seal (fold.c: requested -> answered). */
static const struct field assist_requested_fields[] = {
	{ "to", F_STR, 1, 40, NULL },
	{ "form", F_ENUM, 1, 0, assist_types },
	{ "subject", F_TEXT, 1, 500, NULL },
	{ "case", F_ENTITY, 0, 0, NULL },
	{ "urgent", F_BOOL, 1, 0, NULL },
	{ "officer", F_STR, 1, 32, NULL },
	{ "answer_due", F_DEADLINE, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The written answer; sealed must be true (the unit's seal is on it). */
static const struct field assist_answered_fields[] = {
	{ "conclusion", F_TEXT, 1, 2000, NULL },
	{ "sealed", F_BOOL, 1, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The time to answer extended by the asked unit, before it passed. */
static const struct field assist_extended_fields[] = {
	{ "answer_due", F_DEADLINE, 1, 0, NULL },
	{ "reason", F_TEXT, 1, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* Information a unit holds and must pass on: an approval it made, a
 * superior department's document it received, a penalty decision, a
 * letter asking for help to execute one, other enforcement information.
 * "formed_at" is when it formed (made or received); the time to pass it
 * on counts from then (fold.c: formed -> shared). */
static const struct field share_formed_fields[] = {
	{ "form", F_ENUM, 1, 0, share_forms },
	{ "title", F_STR, 1, 100, NULL },
	{ "summary", F_TEXT, 0, 2000, NULL },
	{ "formed_at", F_TIME, 1, 0, NULL },
	{ "urgent", F_BOOL, 1, 0, NULL },
	{ "case", F_ENTITY, 0, 0, NULL },
	{ "officer", F_STR, 1, 32, NULL },
	{ "send_due", F_DEADLINE, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* Passed on to units (copied, told, sent); may happen more than once. */
static const struct field share_sent_fields[] = {
	{ "to", F_STRS, 1, 20, NULL },
	{ "via", F_ENUM, 1, 0, share_channels },
	{ "note", F_TEXT, 0, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The time to pass it on extended, before it passed, where allowed. */
static const struct field share_extended_fields[] = {
	{ "send_due", F_DEADLINE, 1, 0, NULL },
	{ "reason", F_TEXT, 1, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* A department's written opinion on the bureau's enforcement, or the
 * bureau's report of its cases to a department; the unit addressed owes
 * a written reply (fold.c: sent -> replied). */
static const struct field supervision_sent_fields[] = {
	{ "form", F_ENUM, 1, 0, supervision_forms },
	{ "to", F_STR, 1, 40, NULL },
	{ "subject", F_STR, 1, 100, NULL },
	{ "text", F_TEXT, 1, 2000, NULL },
	{ "case", F_ENTITY, 0, 0, NULL },
	{ "officer", F_STR, 1, 32, NULL },
	{ "reply_due", F_DEADLINE, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct field supervision_replied_fields[] = {
	{ "text", F_TEXT, 1, 2000, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* "Township whistles, departments report" (乡镇吹哨、部门报到). */
static const struct field whistle_called_fields[] = {
	{ "to", F_STR, 1, 40, NULL },
	{ "matter", F_STR, 1, 60, NULL },
	{ "location", F_STR, 1, 100, NULL },
	{ "officer", F_STR, 1, 32, NULL },
	{ "answer_due", F_DEADLINE, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct field whistle_answered_fields[] = {
	{ "officer_sent", F_STR, 1, 32, NULL },
	{ "note", F_TEXT, 0, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* An unanswered call taken to the county. */
static const struct field whistle_escalated_fields[] = {
	{ "to", F_STR, 1, 40, NULL },
	{ "reason", F_TEXT, 1, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* A joint meeting (联席会议) or consultation (会商). "at" is the meeting's
 * time, usually in the future; the deadlines count back from it. */
static const struct field meeting_scheduled_fields[] = {
	{ "form", F_ENUM, 1, 0, meeting_forms },
	{ "at", F_TIME, 1, 0, NULL },
	{ "units", F_STRS, 1, 20, NULL },
	{ "officer", F_STR, 1, 32, NULL },
	{ "notice_due", F_DEADLINE, 0, 0, NULL },
	{ "topics_due", F_DEADLINE, 0, 0, NULL },
	{ "follows", F_ENTITY, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct field meeting_topic_fields[] = {
	{ "topic", F_TEXT, 1, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* 会议纪要; next_due: when the next regular meeting is owed (rule
 * meeting_interval, from the meeting's day). */
static const struct field meeting_minutes_fields[] = {
	{ "text", F_TEXT, 1, 4000, NULL },
	{ "next_due", F_DEADLINE, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The next regular meeting was scheduled: written on this one with it. */
static const struct field meeting_followed_fields[] = {
	{ "next", F_ENTITY, 1, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* A resolution to follow up; the fold numbers them 1, 2, ... */
static const struct field meeting_resolution_fields[] = {
	{ "text", F_TEXT, 1, 1000, NULL },
	{ "owner", F_STR, 1, 40, NULL },
	{ NULL, 0, 0, 0, NULL },
};

/* The owner's report on a resolution: its ref "station/seq" (fold.c), or
 * its number, as recorded before refs. */
static const struct field meeting_followup_fields[] = {
	{ "resolution", F_STR, 1, 60, NULL },
	{ "status", F_ENUM, 1, 0, followup_states },
	{ "note", F_TEXT, 1, 500, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct kind_info kinds[] = {
	{ "case.opened", ET_CASE, 1, 0, case_opened_fields },
	{ "case.updated", ET_CASE, 0, 1, case_updated_fields },
	{ "case.closed", ET_CASE, 0, 0, case_closed_fields },
	{ "case.referred", ET_CASE, 0, 0, case_referred_fields },
	{ "case.extended", ET_CASE, 0, 0, case_extended_fields },
	{ "case.referral_withdrawn", ET_CASE, 0, 0,
	    case_referral_withdrawn_fields },
	{ "complaint.recorded", ET_COMPLAINT, 1, 0, complaint_recorded_fields },
	{ "complaint.identity", ET_COMPLAINT, 0, 0, complaint_identity_fields },
	{ "complaint.referred", ET_COMPLAINT, 0, 0, complaint_referred_fields },
	{ "complaint.notified", ET_COMPLAINT, 0, 0, complaint_notified_fields },
	{ "complaint.replied", ET_COMPLAINT, 0, 0, complaint_replied_fields },
	{ "liaison.logged", ET_LIAISON, 1, 0, liaison_logged_fields },
	{ "referral.sent", ET_REFERRAL, 1, 0, referral_sent_fields },
	{ "referral.acknowledged", ET_REFERRAL, 0, 0, referral_note_fields },
	{ "referral.accepted", ET_REFERRAL, 0, 0, referral_note_fields },
	{ "referral.disputed", ET_REFERRAL, 0, 0, referral_reason_fields },
	{ "referral.escalated", ET_REFERRAL, 0, 0, referral_escalated_fields },
	{ "referral.decided", ET_REFERRAL, 0, 0, referral_decided_fields },
	{ "referral.withdrawn", ET_REFERRAL, 0, 0, referral_reason_fields },
	{ "referral.returned", ET_REFERRAL, 0, 0, referral_reason_fields },
	{ "referral.result", ET_REFERRAL, 0, 0, referral_result_fields },
	{ "assist.requested", ET_ASSIST, 1, 0, assist_requested_fields },
	{ "assist.answered", ET_ASSIST, 0, 0, assist_answered_fields },
	{ "assist.extended", ET_ASSIST, 0, 0, assist_extended_fields },
	{ "whistle.called", ET_WHISTLE, 1, 0, whistle_called_fields },
	{ "whistle.answered", ET_WHISTLE, 0, 0, whistle_answered_fields },
	{ "whistle.escalated", ET_WHISTLE, 0, 0, whistle_escalated_fields },
	{ "meeting.scheduled", ET_MEETING, 1, 0, meeting_scheduled_fields },
	{ "meeting.topic", ET_MEETING, 0, 0, meeting_topic_fields },
	{ "meeting.minutes", ET_MEETING, 0, 0, meeting_minutes_fields },
	{ "meeting.resolution", ET_MEETING, 0, 0, meeting_resolution_fields },
	{ "meeting.followup", ET_MEETING, 0, 0, meeting_followup_fields },
	{ "meeting.followed", ET_MEETING, 0, 0, meeting_followed_fields },
	{ "share.formed", ET_SHARE, 1, 0, share_formed_fields },
	{ "share.sent", ET_SHARE, 0, 0, share_sent_fields },
	{ "share.extended", ET_SHARE, 0, 0, share_extended_fields },
	{ "supervision.sent", ET_SUPERVISION, 1, 0, supervision_sent_fields },
	{ "supervision.replied", ET_SUPERVISION, 0, 0, supervision_replied_fields },
	{ NULL, NULL, 0, 0, NULL },
};

const struct kind_info *
kind_find(const char *name)
{
	size_t i;

	for (i = 0; kinds[i].name != NULL; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

const struct kind_info *
kind_at(size_t i)
{
	if (i >= sizeof kinds / sizeof kinds[0] - 1)
		return NULL;
	return &kinds[i];
}

const struct entity_type *
entity_type_at(size_t i)
{
	if (i >= sizeof etypes / sizeof etypes[0] - 1)
		return NULL;
	return &etypes[i];
}

const struct entity_type *
entity_type_find(const char *name)
{
	size_t i;

	for (i = 0; etypes[i].name != NULL; i++)
		if (strcmp(etypes[i].name, name) == 0)
			return &etypes[i];
	return NULL;
}

const struct entity_type *
entity_type_of(const char *entity)
{
	size_t i;

	if (entity == NULL || entity[0] == '\0' || entity[1] != '-')
		return NULL;
	for (i = 0; etypes[i].name != NULL; i++)
		if (etypes[i].letter == entity[0])
			return &etypes[i];
	return NULL;
}

const struct field *
kind_field(const struct kind_info *k, const char *name)
{
	const struct field *f;

	for (f = k->fields; f->name != NULL; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* "<letter>-<station>-<seq>": the letter of a known entity type, station
 * syntax, then a positive number. */
static int
entity_valid(const char *e)
{
	const char *dash = strrchr(e, '-');
	char station[STATION_MAX + 1];
	size_t n;
	const char *p;

	if (strlen(e) > ENTITY_MAX || entity_type_of(e) == NULL ||
	    dash == NULL || dash <= e + 2)
		return 0;
	n = (size_t)(dash - (e + 2));
	if (n > STATION_MAX)
		return 0;
	memcpy(station, e + 2, n);
	station[n] = '\0';
	if (!station_id_valid(station))
		return 0;
	if (dash[1] < '1' || dash[1] > '9')
		return 0;
	for (p = dash + 1; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return dash - e + 1 < (long)strlen(e) && strlen(dash + 1) <= 18;
}

int
kind_check_entity(const struct kind_info *k, const char *entity, char *err)
{
	if (!entity_valid(entity) || entity[0] != k->etype->letter)
		return ld_fail(err, LD_EINVAL,
		    _("'%.70s' is not a valid %s id"), entity, k->etype->name);
	return 0;
}

char *
entity_id_new(const struct entity_type *t, const char *station, long long seq)
{
	return xasprintf("%c-%s-%lld", t->letter, station, seq);
}

const struct enum_value *
enum_lookup(const struct enum_value *vals, const char *s)
{
	for (; vals->name != NULL; vals++)
		if (strcmp(vals->name, s) == 0 || strcmp(vals->label, s) == 0)
			return vals;
	return NULL;
}

const char *
enum_label(const struct enum_value *vals, const char *name)
{
	const struct enum_value *v = enum_lookup(vals, name);

	return v != NULL ? v->label : name;
}

/* A deadline computed when its obligation started (rules.h). */
static int
check_deadline(const struct field *f, const json_t *v, char *err)
{
	const char *key;
	json_t *item;

	if (!json_is_object(v) ||
	    !json_is_string(json_object_get(v, "due")) ||
	    !ltime_canonical(json_string_value(json_object_get(v, "due"))) ||
	    !json_is_string(json_object_get(v, "rule")) ||
	    !json_is_boolean(json_object_get(v, "assumed")))
		return ld_fail(err, LD_EINVAL,
		    _("'%s' must be a deadline {due, rule, basis, assumed}"), f->name);
	json_object_foreach((json_t *)v, key, item) {
		if (strcmp(key, "due") == 0 || strcmp(key, "assumed") == 0)
			continue;
		if (strcmp(key, "rule") != 0 && strcmp(key, "basis") != 0)
			return ld_fail(err, LD_EINVAL,
			    _("'%s' has an unknown key '%.20s'"), f->name, key);
		if (!json_is_string(item) ||
		    text_check(f->name, json_string_value(item), 60, 0, err) != 0)
			return ld_fail(err, LD_EINVAL, _("'%s' has a bad '%s'"),
			    f->name, key);
	}
	return 0;
}

static int
check_field(const struct field *f, const json_t *v, char *err)
{
	const char *s;
	json_t *item;
	size_t i;
	int rc;

	switch (f->type) {
	case F_BOOL:
		if (!json_is_boolean(v))
			return ld_fail(err, LD_EINVAL, _("'%s' must be true or false"),
			    f->name);
		return 0;
	case F_DEADLINE:
		return check_deadline(f, v, err);
	case F_STRS:
		if (!json_is_array(v))
			return ld_fail(err, LD_EINVAL, _("'%s' must be a list"),
			    f->name);
		if (json_array_size(v) > f->max)
			return ld_fail(err, LD_EINVAL,
			    _("'%s' has more than %zu entries"), f->name, f->max);
		json_array_foreach(v, i, item) {
			if (!json_is_string(item))
				return ld_fail(err, LD_EINVAL,
				    _("'%s' entries must be text"), f->name);
			if ((rc = text_check(f->name, json_string_value(item),
			    FIELD_STR_MAX, 0, err)) != 0)
				return rc;
			if (json_string_value(item)[0] == '\0')
				return ld_fail(err, LD_EINVAL,
				    _("'%s' has an empty entry"), f->name);
		}
		return 0;
	default:
		break;
	}
	if (!json_is_string(v))
		return ld_fail(err, LD_EINVAL, _("'%s' must be text"), f->name);
	s = json_string_value(v);
	switch (f->type) {
	case F_STR:
	case F_TEXT:
		if ((rc = text_check(f->name, s, f->max,
		    f->type == F_TEXT ? TEXT_MULTILINE : 0, err)) != 0)
			return rc;
		if (s[strspn(s, " \t\n")] == '\0')
			return ld_fail(err, LD_EINVAL, _("'%s' must not be empty"),
			    f->name);
		return 0;
	case F_TIME:
		if (!ltime_canonical(s))
			return ld_fail(err, LD_EINVAL,
			    _("'%s' must be a time like 2026-11-21T09:30:00+08:00"),
			    f->name);
		return 0;
	case F_ENUM:
		for (i = 0; f->values[i].name != NULL; i++)
			if (strcmp(f->values[i].name, s) == 0)
				return 0;
		return ld_fail(err, LD_EINVAL, _("'%s' has an unknown value"),
		    f->name);
	case F_PHONE:
		if (s[0] == '\0' || strlen(s) > f->max ||
		    s[strspn(s, "0123456789+- ")] != '\0')
			return ld_fail(err, LD_EINVAL,
			    _("'%s' must be a phone number"), f->name);
		return 0;
	case F_ENTITY:
		if (!entity_valid(s))
			return ld_fail(err, LD_EINVAL, _("'%s' is not a valid id"),
			    f->name);
		return 0;
	default:
		return ld_fail(err, LD_EINTERNAL, "bad field type");
	}
}

int
kind_validate_body(const struct kind_info *k, const json_t *body, char *err)
{
	const struct field *f;
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(body))
		return ld_fail(err, LD_EINVAL, _("body must be an object"));
	json_object_foreach((json_t *)body, key, v) {
		if (kind_field(k, key) == NULL)
			return ld_fail(err, LD_EINVAL,
			    _("unknown field '%.40s' for %s"), key, k->name);
	}
	for (f = k->fields; f->name != NULL; f++) {
		v = json_object_get(body, f->name);
		if (v == NULL) {
			if (f->required)
				return ld_fail(err, LD_EINVAL,
				    _("missing required field '%s'"), f->name);
			continue;
		}
		if ((rc = check_field(f, v, err)) != 0)
			return rc;
	}
	if (k->at_least_one && json_object_size(body) == 0)
		return ld_fail(err, LD_EINVAL, _("%s changes nothing"), k->name);
	return 0;
}

json_t *
kind_example_value(const struct field *f)
{
	json_t *a;

	switch (f->type) {
	case F_STR:
		return json_string("甲乙");
	case F_TEXT:
		return json_string("第一行\n\t第二行");
	case F_BOOL:
		return json_true();
	case F_TIME:
		return json_string("2026-11-21T09:30:00+08:00");
	case F_ENUM:
		return json_string(f->values[0].name);
	case F_STRS:
		a = json_array();
		json_array_append_new(a, json_string("甲"));
		json_array_append_new(a, json_string("乙 丙"));
		return a;
	case F_PHONE:
		return json_string("+86 138-0000-0000");
	case F_ENTITY:
		return json_string("C-s1-1");
	case F_DEADLINE:
		return json_pack("{s:s, s:s, s:s, s:b}", "due",
		    "2026-11-27T23:59:59+08:00", "rule", "gonghe/refer",
		    "basis", "5 workdays", "assumed", 0);
	}
	return NULL;
}

json_t *
kind_example_body(const struct kind_info *k, int required_only)
{
	const struct field *f;
	json_t *body = json_object();

	for (f = k->fields; f->name != NULL; f++)
		if (f->required || !required_only)
			json_object_set_new(body, f->name, kind_example_value(f));
	return body;
}
