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
	{ "kind", CLI_VALUE, "KIND", N_("joint or consultation (联席会议, 会商) (required)") },
	{ "at", CLI_VALUE, "DATE", N_("when the meeting is held, 'YYYY-MM-DD HH:MM' (required)") },
	{ "units", CLI_VALUE, "U1,U2...", N_("the member units invited, comma-separated (required)") },
	{ "follows", CLI_VALUE, "ID", N_("the previous regular meeting, whose next one this is") },
	{ "officer", CLI_VALUE, "NAME", N_("officer convening") },
	{ NULL, 0, NULL, NULL },
};

/* Splits "U1,U2" (also full-width "，" and "、") into a list of units,
 * without duplicates and without this unit. Returns 0 or an exit code. */
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
	if (rc == 0 && json_array_size(units) == 0)
		rc = cmd_usage_error(ctx, _("--units must name at least one other unit"));
	if (rc == 0 && json_array_size(units) > 20)
		rc = cmd_error(ctx, EXIT_INVALID, _("--units names more than 20 units"));
	return rc;
}

static int
meeting_schedule(struct cmd_ctx *ctx)
{
	const char *kind = cmd_value(ctx, "kind"), *at = cmd_value(ctx, "at");
	const char *units = cmd_value(ctx, "units"), *officer;
	const char *follows = cmd_value(ctx, "follows");
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
	list = json_array();
	if ((rc = split_units(ctx, units, list)) != 0) {
		json_decref(list);
		return rc;
	}
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
	{ "topic", CLI_VALUE, "TEXT", N_("the topic proposed (required)") },
	{ "officer", CLI_VALUE, "NAME", N_("officer proposing it") },
	{ NULL, 0, NULL, NULL },
};

static int
meeting_topic(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_text_opt(ctx, body, "topic", "topic", 1)) == 0)
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
	{ "text", CLI_VALUE, "TEXT", N_("the minutes (会议纪要) (required)") },
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

	if ((rc = form_text_opt(ctx, body, "text", "text", 1)) == 0 &&
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
	{ "text", CLI_VALUE, "TEXT", N_("what was resolved (required)") },
	{ "owner", CLI_VALUE, "UNIT", N_("the unit that carries it out (required)") },
	{ "officer", CLI_VALUE, "NAME", N_("officer recording it") },
	{ NULL, 0, NULL, NULL },
};

static int
meeting_resolution(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_text_opt(ctx, body, "text", "text", 1)) == 0 &&
	    (rc = form_text_opt(ctx, body, "owner", "owner", 1)) == 0)
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
	{ "resolution", CLI_VALUE, "N", N_("the resolution's number in 'meeting show', or its ref (required)") },
	{ "status", CLI_VALUE, "STATUS", N_("done or in-progress (已落实, 落实中) (required)") },
	{ "note", CLI_VALUE, "TEXT", N_("what was done (required)") },
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
	if ((rc = form_text_opt(ctx, body, "note", "note", 1)) == 0)
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

static int
meeting_list(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("ID"), N_("KIND"),
		N_("STATUS"), N_("AT"), N_("CONVENER"), N_("OPEN RESOLUTIONS") };
	struct ledger_query q;
	struct table *tab;
	json_t *items, *doc, *r;
	size_t i, j;
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
	tab = table_new(6, headers);
	json_array_foreach(items, i, doc) {
		char t[LTIME_LEN], open[16];
		const char *cells[6];
		int n = 0;
		json_array_foreach(json_object_get(doc, "resolutions"), j, r)
			n += strcmp(cjson_str(r, "status"), "done") != 0;
		snprintf(open, sizeof open, "%d", n);
		cells[0] = cjson_str(doc, "entity");
		cells[1] = enum_label(meeting_forms, cjson_str(doc, "form"));
		cells[2] = cjson_str(doc, "status");
		cells[3] = out_time(cjson_str(doc, "at"), t, sizeof t);
		cells[4] = cjson_str(doc, "unit");
		cells[5] = open;
		table_row(tab, cells);
	}
	table_print(tab, stdout);
	table_free(tab);
	json_decref(items);
	return 0;
}

const struct cmd_entry cmd_meeting_list_entry = {
	{ "meeting", "list", NULL, 0, 0, NULL, CMD_DB | CMD_JSON,
	    N_("list joint meetings and consultations this unit takes part in"),
	    NULL },
	meeting_list,
};

static int
meeting_show(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0];
	json_t *doc, *v, *f;
	char t[LTIME_LEN];
	size_t i, j;
	int rc;

	if ((rc = form_get(ctx, id, "meeting", &doc)) != 0)
		return rc;
	if (ctx->json)
		return form_show_json(ctx, "meeting", id, doc, 0);
	printf("%-14s %s\n", _("meeting:"), id);
	printf("%-14s %s\n", _("kind:"), enum_label(meeting_forms,
	    cjson_str(doc, "form")));
	printf("%-14s %s\n", _("status:"), cjson_str(doc, "status"));
	printf("%-14s %s\n", _("at:"), out_time(cjson_str(doc, "at"), t, sizeof t));
	printf("%-14s %s\n", _("convener:"), cjson_str(doc, "unit"));
	json_array_foreach(json_object_get(doc, "units"), i, v)
		printf("%-14s %s\n", i == 0 ? _("units:") : "",
		    json_string_value(v));
	out_deadline(N_("notice:"), json_object_get(doc, "notice_due"));
	out_deadline(N_("topics by:"), json_object_get(doc, "topics_due"));
	out_deadline(N_("next by:"), json_object_get(doc, "next_due"));
	if (cjson_str(doc, "follows"))
		printf("%-14s %s\n", _("follows:"), cjson_str(doc, "follows"));
	if (cjson_str(doc, "followed_by"))
		printf("%-14s %s\n", _("next:"), cjson_str(doc, "followed_by"));
	json_array_foreach(json_object_get(doc, "topics"), i, v)
		printf("%-14s %s (%s)\n", i == 0 ? _("topics:") : "",
		    cjson_str(v, "topic"), cjson_str(v, "unit"));
	if ((v = json_object_get(doc, "minutes")) != NULL)
		printf("%-14s %s\n", _("minutes:"), cjson_str(v, "text"));
	json_array_foreach(json_object_get(doc, "resolutions"), i, v) {
		printf("%-14s #%lld %s: %s [%s]\n", i == 0 ? _("resolutions:") : "",
		    (long long)json_integer_value(json_object_get(v, "index")),
		    cjson_str(v, "owner"), cjson_str(v, "text"), cjson_str(v, "status"));
		json_array_foreach(json_object_get(v, "followups"), j, f)
			printf("%-14s   %s: %s\n", "", cjson_str(f, "status"),
			    cjson_str(f, "note"));
	}
	form_conflicts(doc);
	json_decref(doc);
	return form_timeline(ctx, id, NULL, 0);
}

const struct cmd_entry cmd_meeting_show_entry = {
	{ "meeting", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show a meeting: topics, minutes, resolutions and their follow-up"),
	    NULL },
	meeting_show,
};
