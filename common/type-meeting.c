/*
 * type-meeting.c - the record type "meeting" (registry.h): a joint
 * meeting (联席会议) or consultation (会商), its topics, minutes and
 * resolutions.
 *
 * Here: its kinds and their body fields, its fold step, what its records
 * owe, and its row in the registry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "due.h"
#include "fold.h"
#include "kinds.h"
#include "registry.h"
#include "roles.h"
#include "util.h"

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

/*
 * The fields of a meeting's kinds are declared once, with the options that
 * give them (agent/cmd-meeting.c: meeting
 * schedule|topic|minutes|resolution|followup): the schema and the options
 * are this one table. The deadlines are the county's rules', and
 * "followed" is written by scheduling with --follows: none is an option.
 */

/* A joint meeting (联席会议) or consultation (会商). "at" is the meeting's
 * time, usually in the future; the deadlines count back from it. Each
 * --units may name several units, comma-separated. */
static const struct field meeting_scheduled_fields[] = {
	{ "form", F_ENUM, 1, 0, meeting_forms, FIELD_UI("kind", "KIND",
	    N_("joint or consultation (联席会议, 会商) (required)"), NULL, 0) },
	{ "at", F_TIME, 1, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when the meeting is held, 'YYYY-MM-DD HH:MM' (required)"),
	    NULL, 0) },
	{ "units", F_STRS, 1, 20, NULL, FIELD_UI(NULL, "U1,U2",
	    N_("the member units invited, comma-separated (required)"),
	    NULL, 0) },
	{ "follows", F_ENTITY, 0, 0, NULL, FIELD_UI(NULL, "ID",
	    N_("the previous regular meeting, whose next one this is"),
	    NULL, 0) },
	{ "officer", F_STR, 1, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("officer convening"), NULL, FIELD_OFFICER) },
	{ "notice_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ "topics_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct field meeting_topic_fields[] = {
	{ "topic", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("the topic proposed (required)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* 会议纪要; next_due: when the next regular meeting is owed (rule
 * meeting_interval, from the meeting's day). */
static const struct field meeting_minutes_fields[] = {
	{ "text", F_TEXT, 1, 4000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("the minutes (会议纪要) (required)"), NULL, 0) },
	{ "next_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The next regular meeting was scheduled: written on this one with it. */
static const struct field meeting_followed_fields[] = {
	{ "next", F_ENTITY, 1, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* A resolution to follow up; the fold numbers them 1, 2, ... */
static const struct field meeting_resolution_fields[] = {
	{ "text", F_TEXT, 1, 1000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("what was resolved (required)"), NULL, 0) },
	{ "owner", F_STR, 1, 40, NULL, FIELD_UI(NULL, "UNIT",
	    N_("the unit that carries it out (required)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The owner's report on a resolution: its ref "station/seq" (fold.c), or
 * its number, as recorded before refs (the command takes either and
 * records the ref). */
static const struct field meeting_followup_fields[] = {
	{ "resolution", F_STR, 1, 60, NULL, FIELD_UI(NULL, "N",
	    N_("the resolution's number in 'meeting show', or its ref (required)"),
	    NULL, 0) },
	{ "status", F_ENUM, 1, 0, followup_states, FIELD_UI(NULL, "STATUS",
	    N_("done or in-progress (已落实, 落实中) (required)"), NULL, 0) },
	{ "note", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("what was done (required)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct kind_info meeting_kinds[] = {
	{ NC_("kind", "meeting.scheduled"), &type_meeting,
	    1, 0, meeting_scheduled_fields,
	    0, 0, AUTHORITY(0, "units", PART_MEMBER) },
	{ NC_("kind", "meeting.topic"), &type_meeting,
	    0, 0, meeting_topic_fields, 0, 0,
	    AUTHORITY(PART_CREATOR | PART_MEMBER, NULL, 0) },
	{ NC_("kind", "meeting.minutes"), &type_meeting,
	    0, 0, meeting_minutes_fields,
	    0, 0, AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "meeting.resolution"), &type_meeting,
	    0, 0, meeting_resolution_fields,
	    0, 0, AUTHORITY(PART_CREATOR, "owner", PART_OWNER) },
	{ NC_("kind", "meeting.followup"), &type_meeting,
	    0, 0, meeting_followup_fields,
	    0, 0, AUTHORITY(PART_OWNER, NULL, 0) },
	{ NC_("kind", "meeting.followed"), &type_meeting,
	    0, 0, meeting_followed_fields,
	    0, 0, AUTHORITY(PART_CREATOR, NULL, 0) },
	ATTACHED_KIND(NC_("kind", "meeting.attached"), meeting, 0,
	    PART_CREATOR | PART_MEMBER | PART_OWNER),
	{ 0 },
};

/* The resolution named by the text idx: its ref ("zf1/14", the station
 * and seq of the event that made it), or, as followups recorded before
 * refs existed say, its number in fold order ("1", "2"...). NULL if none. */
static json_t *
resolution_at(const json_t *doc, const char *idx)
{
	json_t *rs = json_object_get(doc, "resolutions"), *r;
	char *end;
	size_t i;
	long n;

	if (idx != NULL && strchr(idx, '/') != NULL) {
		json_array_foreach(rs, i, r)
			if (strcmp(json_string_value(json_object_get(r, "ref")),
			    idx) == 0)
				return r;
		return NULL;
	}
	if (idx == NULL || *idx < '1' || *idx > '9')
		return NULL;
	n = strtol(idx, &end, 10);
	if (*end != '\0' || n < 1 || (size_t)n > json_array_size(rs))
		return NULL;
	return json_array_get(rs, (size_t)n - 1);
}

/*
 * A joint meeting (联席会议) or consultation (会商):
 *
 *   scheduled --topic (any unit, before topics_due)--> scheduled
 *       \--minutes (the convening unit)--> held --resolution (convener)--> held
 *                                                  --followup (owner)--> held
 *
 * Scheduling is the notice to the member units: notice_due is done when
 * the meeting is scheduled. The minutes of a regular meeting carry
 * next_due (rule meeting_interval), done when the convener schedules the
 * next one (meeting.followed, any state). Resolutions are numbered in
 * fold order for people, and named for followups by a ref that a
 * resolution recorded elsewhere, folded in before it, cannot shift; each
 * is open until its owner reports it done.
 */
static const char *
apply_meeting(json_t *doc, const struct event *ev)
{
	const char *st = fold_status(doc), *k = ev->kind;
	const char *convener = json_string_value(json_object_get(doc, "unit"));

	if (strcmp(k, "meeting.scheduled") == 0) {
		if (*st != '\0')
			return "already_created";
		fold_created(doc, ev, "scheduled");
		json_object_set_new(doc, "topics", json_array());
		json_object_set_new(doc, "resolutions", json_array());
		fold_stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(k, "meeting.topic") == 0) {
		json_t *t, *due = json_object_get(doc, "topics_due"), *u;
		size_t i;
		int invited = convener != NULL && strcmp(ev->unit, convener) == 0;
		json_array_foreach(json_object_get(doc, "units"), i, u)
			invited |= fold_is_unit(u, ev->unit);
		if (!invited)
			return "not_invited";
		if (strcmp(st, "held") == 0)
			return "topic_after_meeting";
		if (due != NULL && fold_past_due(due, ev->at))
			return "topic_after_deadline";
		t = fold_act(ev);
		json_object_set(t, "topic", json_object_get(ev->body, "topic"));
		fold_append(doc, "topics", t);
		fold_stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "meeting.minutes") == 0) {
		json_t *m;
		if (strcmp(st, "held") == 0)
			return "minutes_twice";
		if (convener == NULL || strcmp(ev->unit, convener) != 0)
			return "not_convener";
		m = fold_act(ev);
		json_object_set(m, "text", json_object_get(ev->body, "text"));
		json_object_set_new(doc, "minutes", m);
		if (json_object_get(ev->body, "next_due") != NULL) {
			json_object_set_new(doc, "next_due", json_deep_copy(
			    json_object_get(ev->body, "next_due")));
			/* Followed already: the next meeting was scheduled
			 * before these minutes arrived here. */
			if (json_object_get(doc, "followed_by") != NULL)
				fold_done(doc, "next_due", ev->at, ev->unit);
		}
		json_object_set_new(doc, "status", json_string("held"));
		fold_stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "meeting.resolution") == 0) {
		json_t *rs = json_object_get(doc, "resolutions"), *r;
		char ref[STATION_MAX + 24];
		if (strcmp(st, "held") != 0)
			return "resolution_before_minutes";
		if (convener == NULL || strcmp(ev->unit, convener) != 0)
			return "not_convener";
		r = fold_act(ev);
		json_object_set_new(r, "index", json_integer(
		    (json_int_t)json_array_size(rs) + 1));
		snprintf(ref, sizeof ref, "%s/%lld", ev->station,
		    (long long)ev->seq);
		json_object_set_new(r, "ref", json_string(ref));
		json_object_set(r, "text", json_object_get(ev->body, "text"));
		json_object_set(r, "owner", json_object_get(ev->body, "owner"));
		json_object_set_new(r, "status", json_string("open"));
		json_array_append_new(rs, r);
		fold_stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "meeting.followed") == 0) {
		if (convener == NULL || strcmp(ev->unit, convener) != 0)
			return "not_convener";
		if (json_object_get(doc, "followed_by") != NULL)
			return "already_followed";
		json_object_set(doc, "followed_by", json_object_get(ev->body,
		    "next"));
		fold_stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "meeting.followup") == 0) {
		json_t *r = resolution_at(doc, json_string_value(
		    json_object_get(ev->body, "resolution"))), *f;
		const char *owner;
		if (r == NULL)
			return "no_such_resolution";
		owner = json_string_value(json_object_get(r, "owner"));
		if (owner == NULL || strcmp(ev->unit, owner) != 0)
			return "not_owner";
		if (strcmp(json_string_value(json_object_get(r, "status")),
		    "done") == 0)
			return "resolution_done";
		json_object_set(r, "status", json_object_get(ev->body, "status"));
		f = fold_act(ev);
		json_object_set(f, "status", json_object_get(ev->body, "status"));
		json_object_set(f, "note", json_object_get(ev->body, "note"));
		fold_append(r, "followups", f);
		fold_stamp(doc, ev);
		return NULL;
	}
	return "unknown_kind";
}

static void
meeting_owed(const json_t *doc, const char *st,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	json_t *r;
	size_t i;

	if (json_object_get(doc, "next_due") != NULL)
		due_emit(doc, cjson_str(doc, "unit"),
		    N_("hold the next regular joint meeting (例行会议)"),
		    json_object_get(doc, "next_due"), fn, arg);
	json_array_foreach(json_object_get(doc, "resolutions"), i, r)
		if (strcmp(cjson_str(r, "status"), "done") != 0)
			due_emit(doc, cjson_str(r, "owner"),
			    N_("carry out the resolution, report at the next meeting"),
			    NULL, fn, arg);
}

/* The notice, done by scheduling; the topics' collection, a cutoff that
 * no step discharges; the next regular meeting, done when it is
 * scheduled (and by minutes that arrive after that, apply_meeting). */
static const char *const meeting_notice_rules[] = { "meeting_notice", NULL };
static const char *const meeting_notice_done[] = { "meeting.scheduled",
	NULL };
static const char *const meeting_topics_rules[] = { "meeting_topics", NULL };
static const char *const meeting_next_rules[] = { "meeting_interval", NULL };
static const char *const meeting_next_done[] = { "meeting.followed", NULL };

static const struct deadline_decl meeting_deadlines[] = {
	{ "notice_due", meeting_notice_rules, meeting_notice_done, NULL },
	{ "topics_due", meeting_topics_rules, NULL, NULL },
	{ "next_due", meeting_next_rules, meeting_next_done, NULL },
	{ NULL, NULL, NULL, NULL },
};

/* What the full-text index holds of it (fold_search_text). */
static const char *const meeting_search[] = { "officer", NULL };

static const struct fold_reason meeting_reasons[] = {
	{ "topic_after_meeting", N_("the meeting was already held") },
	{ "topic_after_deadline", N_("topics were due before the collection deadline") },
	{ "minutes_twice", N_("the minutes were already recorded") },
	{ "not_convener", N_("only the convening unit may do this") },
	{ "resolution_before_minutes", N_("resolutions come with the minutes: record the minutes first") },
	{ "no_such_resolution", N_("the meeting has no such resolution") },
	{ "not_owner", N_("only the unit owning the resolution may report on it") },
	{ "resolution_done", N_("the resolution was already reported done") },
	{ "already_followed", N_("the next meeting was already scheduled") },
	{ "not_invited", N_("only the convener and the invited units may propose topics") },
	{ NULL, NULL },
};

/* The states its records go through (fold step above), as `show` and
 * `list` name them: pgettext("status", ...). */
static const char *const meeting_statuses[] = {
	NC_("status", "scheduled"), NC_("status", "held"), NULL,
};

const struct entity_type type_meeting = {
	.name = "meeting",
	.statuses = meeting_statuses,
	.label = N_("joint meeting"),
	.letter = 'M',
	.kinds = meeting_kinds,
	.apply = apply_meeting,
	.owed = meeting_owed,
	.deadlines = meeting_deadlines,
	.audience = AUDIENCE_GROWS,
	.search = meeting_search,
	.watched_by = ROLE_ADMIN | ROLE_LEGAL,
	.written_by = ROLES_UNITS,
	.reasons = meeting_reasons,
};
