/*
 * cmd-meeting.c - joint meetings (联席会议) and consultations (会商):
 * meeting schedule|topic|minutes|resolution|followup|list|show.
 *
 * The convening unit (the joint-meeting office) schedules a meeting for
 * its member units: the record is addressed to all of them, and
 * scheduling it is the notice. The county's "before" rules count back
 * from the meeting's day: meeting_notice (Gu: notify 5 working days
 * before) is marked done, late or not, when the meeting is scheduled;
 * meeting_topics (Yicheng: topics collected ten days before) closes the
 * collection of topics. After the meeting the convener records the
 * minutes (会议纪要) and the resolutions, each owned by a unit that reports
 * its follow-up until it is done; an open resolution has no legal due
 * time: it is reported at the next meeting. The minutes of a joint
 * meeting start the time to hold the next regular one (meeting_interval:
 * Gu every half year, Yicheng every quarter), which ends when the next is
 * scheduled with --follows.
 *
 * The options that give the body's fields are declared with the fields,
 * in common/type-meeting.c (FORM_FIELDS, form.h); lists and shows are
 * declared as columns and lines (out_list, out_show: out.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "cmd.h"
#include "form.h"
#include "kinds.h"
#include "ltime.h"
#include "out.h"
#include "text.h"
#include "units.h"

static const struct cli_opt schedule_opts[] = {
	FORM_FIELDS("meeting.scheduled"),
	{ NULL, 0, NULL, NULL },
};

/* Splits "U1,U2" (also full-width "，" and "、") into units, added to the
 * list units without duplicates and without this unit. Returns 0 or an
 * exit code. */
static int
split_units(struct cmd_ctx *ctx, const char *s, json_t *units)
{
	char *copy = xstrdup(s), *p = copy, *q;
	int rc = 0;

	for (;;) {
		char *next = NULL;
		size_t n;
		q = strchr(p, ',');
		if (q != NULL)
			next = q + 1;
		{
			char *fw = strstr(p, "，"), *dun = strstr(p, "、");
			if (fw != NULL && (q == NULL || fw < q)) {
				q = fw;
				next = fw + strlen("，");
			}
			if (dun != NULL && (q == NULL || dun < q)) {
				q = dun;
				next = dun + strlen("、");
			}
		}
		if (q != NULL)
			*q = '\0';
		p += strspn(p, " ");
		n = strlen(p);
		while (n > 0 && p[n - 1] == ' ')
			p[--n] = '\0';
		if (*p != '\0') {
			if (text_check("units", p, UNIT_MAX, 0, ctx->err) != 0) {
				rc = cmd_fail(ctx, LD_EINVAL);
				break;
			}
			if (strcmp(p, ledger_unit(ctx->lg)) != 0) {
				if ((rc = units_check(ctx, p)) != 0)
					break;
				form_audience_add(units, p);
			}
		}
		if (q == NULL)
			break;
		p = next;
	}
	free(copy);
	return rc;
}

/* The units of every --units, as a new list (*units). Returns 0 or an
 * exit code. */
static int
invited_units(struct cmd_ctx *ctx, const json_t *given, json_t **units)
{
	const json_t *s;
	size_t i;
	int rc = 0;

	*units = json_array();
	json_array_foreach(given, i, s)
		if (rc == 0)
			rc = split_units(ctx, json_string_value(s), *units);
	if (rc == 0 && json_array_size(*units) == 0)
		rc = cmd_usage_error(ctx, _("--units must name at least one other unit"));
	if (rc == 0 && json_array_size(*units) > 20)
		rc = cmd_error(ctx, EXIT_INVALID, _("--units names more than 20 units"));
	if (rc != 0) {
		json_decref(*units);
		*units = NULL;
	}
	return rc;
}

static int
meeting_schedule(struct cmd_ctx *ctx)
{
	const char *kind = cmd_value(ctx, "kind"), *at = cmd_value(ctx, "at");
	const json_t *units = cmd_list(ctx, "units");
	const char *follows = cmd_value(ctx, "follows"), *officer;
	const struct enum_value *form;
	json_t *body, *list, *aud, *due, *prev = NULL, *fb = NULL;
	char t[LTIME_LEN], *id = NULL;
	int64_t ms;
	size_t i;
	json_t *u;
	int rc;

	if (kind == NULL || at == NULL || units == NULL)
		return cmd_usage_error(ctx, _("give --kind, --at and --units"));
	if ((form = enum_lookup(meeting_forms, kind)) == NULL)
		return cmd_error(ctx, EXIT_INVALID,
		    _("unknown --kind '%s': joint or consultation (联席会议, 会商)"),
		    kind);
	if (ltime_parse(at, &ms) != 0)
		return cmd_error(ctx, EXIT_INVALID,
		    _("invalid date '%s' for --at: use YYYY-MM-DD or 'YYYY-MM-DD HH:MM'"),
		    at);
	if ((officer = form_officer(ctx, cmd_value(ctx, "officer"))) == NULL)
		return cmd_usage_error(ctx, _("missing required option --officer"));
	if ((rc = invited_units(ctx, units, &list)) != 0)
		return rc;
	body = json_object();
	ltime_format(ms, t);
	json_object_set_new(body, "form", json_string(form->name));
	json_object_set_new(body, "at", json_string(t));
	json_object_set_new(body, "units", list);
	json_object_set_new(body, "officer", json_string(officer));
	if ((rc = form_deadline(ctx, "meeting_notice", ms, 0, &due)) == 0 &&
	    due != NULL)
		json_object_set_new(body, "notice_due", due);
	if (rc == 0 && (rc = form_deadline(ctx, "meeting_topics", ms, 0,
	    &due)) == 0 && due != NULL)
		json_object_set_new(body, "topics_due", due);
	if (rc == 0 && follows != NULL) {
		/* Checked now; its "next" is only known once recorded. */
		fb = json_pack("{s:s}", "next", "M-x-1");
		if ((rc = form_get(ctx, follows, "meeting", &prev)) == 0)
			rc = form_precheck(ctx, prev, "meeting.followed", fb);
		json_object_set_new(body, "follows", json_string(follows));
	}
	if (rc != 0) {
		json_decref(prev);
		json_decref(fb);
		json_decref(body);
		return rc;
	}
	aud = json_array();
	form_audience_add(aud, ledger_unit(ctx->lg));
	json_array_foreach(list, i, u)
		form_audience_add(aud, json_string_value(u));
	if ((rc = ledger_begin(ctx->lg, ctx->err)) == 0) {
		rc = ledger_record(ctx->lg, "meeting.scheduled", NULL, officer,
		    aud, body, &id, NULL, ctx->err);
		if (rc == 0 && prev != NULL) {
			json_t *pa = json_deep_copy(json_object_get(prev,
			    "audience"));
			form_audience_add(pa, ledger_unit(ctx->lg));
			json_object_set_new(fb, "next", json_string(id));
			rc = ledger_record(ctx->lg, "meeting.followed", follows,
			    officer, pa, fb, NULL, NULL, ctx->err);
			json_decref(pa);
		}
		if (rc == 0)
			rc = ledger_commit(ctx->lg, ctx->err);
		if (rc != 0)
			ledger_rollback(ctx->lg);
	}
	json_decref(aud);
	json_decref(body);
	json_decref(prev);
	json_decref(fb);
	if (rc != 0) {
		free(id);
		return cmd_fail(ctx, rc);
	}
	rc = form_recorded(ctx, id);
	free(id);
	return rc;
}

const struct cmd_entry cmd_meeting_schedule_entry = {
	{ "meeting", "schedule", NULL, 0, 0, schedule_opts, CMD_DB | CMD_JSON,
	    N_("schedule a joint meeting or consultation and notify its units"),
	    NULL },
	meeting_schedule,
};

static const struct cli_opt topic_opts[] = {
	FORM_FIELDS("meeting.topic"),
	{ "officer", CLI_VALUE, "NAME", N_("officer proposing it") },
	{ NULL, 0, NULL, NULL },
};

static int
meeting_topic(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_kind_text(ctx, "meeting.topic", body)) == 0)
		rc = form_step(ctx, "meeting", "meeting.topic", body, NULL);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_meeting_topic_entry = {
	{ "meeting", "topic", "<id>", 1, 1, topic_opts, CMD_DB,
	    N_("propose a topic, before the county's collection deadline"),
	    NULL },
	meeting_topic,
};

static const struct cli_opt minutes_opts[] = {
	FORM_FIELDS("meeting.minutes"),
	{ "officer", CLI_VALUE, "NAME", N_("officer recording them") },
	{ NULL, 0, NULL, NULL },
};

/* The minutes of a regular joint meeting start the time to hold the next
 * one (rule meeting_interval, from the meeting's day). */
static int
meeting_minutes(struct cmd_ctx *ctx)
{
	json_t *body = json_object(), *doc = NULL, *due = NULL;
	int64_t at;
	int rc;

	if ((rc = form_kind_text(ctx, "meeting.minutes", body)) == 0 &&
	    (rc = form_get(ctx, ctx->cli.argv[0], "meeting", &doc)) == 0 &&
	    strcmp(cjson_str(doc, "form"), "joint") == 0 &&
	    ltime_parse(cjson_str(doc, "at"), &at) == 0 &&
	    (rc = form_deadline(ctx, "meeting_interval", at, 0, &due)) == 0 &&
	    due != NULL)
		json_object_set_new(body, "next_due", due);
	json_decref(doc);
	if (rc == 0)
		rc = form_step(ctx, "meeting", "meeting.minutes", body, NULL);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_meeting_minutes_entry = {
	{ "meeting", "minutes", "<id>", 1, 1, minutes_opts, CMD_DB,
	    N_("record the minutes of a meeting held (会议纪要), as the convening unit"),
	    NULL },
	meeting_minutes,
};

static const struct cli_opt resolution_opts[] = {
	FORM_FIELDS("meeting.resolution"),
	{ "officer", CLI_VALUE, "NAME", N_("officer recording it") },
	{ NULL, 0, NULL, NULL },
};

static int
meeting_resolution(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_kind_text(ctx, "meeting.resolution", body)) == 0)
		rc = form_step(ctx, "meeting", "meeting.resolution", body,
		    cmd_value(ctx, "owner"));
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_meeting_resolution_entry = {
	{ "meeting", "resolution", "<id>", 1, 1, resolution_opts, CMD_DB,
	    N_("record a resolution and the unit owning it (numbered 1, 2... in 'meeting show')"),
	    NULL },
	meeting_resolution,
};

static const struct cli_opt followup_opts[] = {
	FORM_FIELDS("meeting.followup"),
	{ "officer", CLI_VALUE, "NAME", N_("officer reporting") },
	{ NULL, 0, NULL, NULL },
};

/* The ref of the resolution the user named by its number (as shown here
 * now) or by its ref: the ref is what the followup records, so that a
 * resolution recorded elsewhere and folded in before it cannot make the
 * report land on another one. NULL (message printed) if there is none. */
static char *
resolution_ref(struct cmd_ctx *ctx, const char *given)
{
	json_t *doc, *r;
	const char *ref = NULL;
	size_t i;
	char *out;

	if (form_get(ctx, ctx->cli.argv[0], "meeting", &doc) != 0)
		return NULL;
	json_array_foreach(json_object_get(doc, "resolutions"), i, r) {
		char num[24];
		snprintf(num, sizeof num, "%zu", i + 1);
		if (strcmp(given, num) == 0 || strcmp(given, cjson_str(r, "ref")) == 0)
			ref = cjson_str(r, "ref");
	}
	out = ref ? xstrdup(ref) : NULL;
	json_decref(doc);
	if (out == NULL)
		cmd_error(ctx, EXIT_NOTFOUND,
		    _("meeting '%s' has no resolution '%s' (see 'liandong meeting show')"),
		    ctx->cli.argv[0], given);
	return out;
}

static int
meeting_followup(struct cmd_ctx *ctx)
{
	const char *n = cmd_value(ctx, "resolution");
	const char *status = cmd_value(ctx, "status");
	const struct enum_value *v;
	json_t *body;
	char *ref;
	int rc;

	if (n == NULL || status == NULL)
		return cmd_usage_error(ctx, _("give --resolution, --status and --note"));
	if ((v = enum_lookup(followup_states, status)) == NULL)
		return cmd_error(ctx, EXIT_INVALID,
		    _("unknown --status '%s': done or in-progress"), status);
	if ((ref = resolution_ref(ctx, n)) == NULL)
		return EXIT_NOTFOUND;
	body = json_object();
	json_object_set_new(body, "resolution", json_string(ref));
	free(ref);
	json_object_set_new(body, "status", json_string(v->name));
	/* --resolution and --status worked out above; --note. */
	if ((rc = form_kind_text(ctx, "meeting.followup", body)) == 0)
		rc = form_step(ctx, "meeting", "meeting.followup", body, NULL);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_meeting_followup_entry = {
	{ "meeting", "followup", "<id>", 1, 1, followup_opts, CMD_DB,
	    N_("report on a resolution, as the unit owning it"),
	    NULL },
	meeting_followup,
};

static const struct out_col list_cols[] = {
	{ N_("ID"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("KIND"), "form", OUT_ENUM, meeting_forms, NULL, 0 },
	{ N_("STATUS"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ N_("AT"), "at", OUT_TIME, NULL, NULL, 0 },
	{ N_("CONVENER"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("OPEN RESOLUTIONS"), "resolutions", OUT_OPEN, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
meeting_list(struct cmd_ctx *ctx)
{
	struct ledger_query q;
	json_t *items, *doc;
	int rc;

	memset(&q, 0, sizeof q);
	q.type = "meeting";
	if ((rc = ledger_query(ctx->lg, &q, &items, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	if (ctx->json) {
		doc = out_doc("meeting.list");
		json_object_set_new(doc, "meetings", items);
		out_json(doc);
		return 0;
	}
	out_list(list_cols, items);
	json_decref(items);
	return 0;
}

const struct cmd_entry cmd_meeting_list_entry = {
	{ "meeting", "list", NULL, 0, 0, NULL, CMD_DB | CMD_JSON,
	    N_("list joint meetings and consultations this unit takes part in"),
	    NULL },
	meeting_list,
};

static const struct out_col show_lines[] = {
	{ N_("meeting:"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("kind:"), "form", OUT_ENUM, meeting_forms, NULL, 0 },
	{ N_("status:"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ N_("at:"), "at", OUT_TIME, NULL, NULL, 0 },
	{ N_("convener:"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("units:"), "units", OUT_LINES, NULL, NULL, 0 },
	{ N_("notice:"), "notice_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("topics by:"), "topics_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("next by:"), "next_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("follows:"), "follows", OUT_TEXT, NULL, NULL, 0 },
	{ N_("next:"), "followed_by", OUT_TEXT, NULL, NULL, 0 },
	{ N_("topics:"), "topics", OUT_LINES, NULL, "topic", 0 },
	{ N_("minutes:"), "minutes.text", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

/* Each resolution, "#N owner: text [status]", with its follow-ups under
 * it, after the lines. */
static void
show_resolutions(const json_t *doc)
{
	const char *label = N_("resolutions:");
	const json_t *r, *f;
	size_t i, j;

	json_array_foreach(json_object_get(doc, "resolutions"), i, r) {
		out_line(label, "#%lld %s: %s [%s]",
		    (long long)json_integer_value(json_object_get(r, "index")),
		    cjson_str(r, "owner"), cjson_str(r, "text"),
		    cjson_str(r, "status"));
		label = "";
		json_array_foreach(json_object_get(r, "followups"), j, f)
			out_line("", "  %s: %s", cjson_str(f, "status"),
			    cjson_str(f, "note"));
	}
}

static int
meeting_show(struct cmd_ctx *ctx)
{
	return form_show(ctx, "meeting", show_lines, show_resolutions);
}

const struct cmd_entry cmd_meeting_show_entry = {
	{ "meeting", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show a meeting: topics, minutes, resolutions and their follow-up"),
	    NULL },
	meeting_show,
};
