/*
 * cmd-person.c - a unit's register of people (人员名册): person
 * add|update|leave|train|list|show.
 *
 * A unit registers its enforcement officers with their certificates
 * (持证上岗, Baijiantan 三(二)1), its designated liaison officers and, at
 * the bureau, the liaison supervisor (Gonghe 三(一)); it enters each
 * training attended, and `person list --training YEAR` adds up each
 * person's hours in the year against the county's yearly quota
 * (Baijiantan 三(二)2: at least 60 hours). `--officer` on every command
 * completes from the register and warns of an expired certificate
 * (form_officer, form.c).
 *
 * The records sync like any other: only the unit that registered a
 * person changes the record; the bureau and the county government
 * receive every unit's register (common/type-person.c). The options
 * that give the body's fields are declared with the fields there
 * (FORM_FIELDS, form.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "cmd.h"
#include "form.h"
#include "ledger.h"
#include "ltime.h"
#include "out.h"
#include "rules.h"

/*
 * The yearly training quota of one officer, in tenths of an hour, or -1
 * when the county's rule profile sets none (Baijiantan 三(二)2:
 * "每名执法人员年度培训时间不少于60个学时", [quota training_hours] in
 * its profile, 600 here): the report then shows the hours without a
 * quota and says that none is set.
 */
static long
training_quota(struct cmd_ctx *ctx)
{
	const struct profile *p = form_profile(ctx);
	const struct quota *q = p != NULL ? profile_quota(p,
	    "training_hours") : NULL;

	if (q == NULL || q->unit != QUOTA_HOURS || q->per != QUOTA_YEAR)
		return -1;
	return (long)q->amount * 10;
}

/* doc[key] when it is a string, else NULL; text(): else "". */
static const char *
str(const json_t *doc, const char *key)
{
	return cjson_str(doc, key);
}

static const char *
text(const json_t *doc, const char *key)
{
	const char *s = cjson_str(doc, key);

	return s != NULL ? s : "";
}

/* The people held here (new array, newest first): of unit (NULL: any),
 * with those who left when all is set. Returns 0 or an exit code. */
static int
people(struct cmd_ctx *ctx, const char *unit, int all, json_t **out)
{
	struct ledger_query q;
	json_t *items, *p;
	size_t i;
	int rc;

	memset(&q, 0, sizeof q);
	q.type = "person";
	if ((rc = ledger_query(ctx->lg, &q, &items, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	*out = json_array();
	json_array_foreach(items, i, p) {
		if (unit != NULL && strcmp(text(p, "unit"), unit) != 0)
			continue;
		if (!all && strcmp(text(p, "status"), "active") != 0)
			continue;
		json_array_append(*out, p);
	}
	json_decref(items);
	return 0;
}

/* A usage error when name is already an active person's of this unit
 * other than id's: the register completes officers' names from it, and
 * two people of one name would be told apart by nobody. */
static int
name_free(struct cmd_ctx *ctx, const char *name, const char *id)
{
	json_t *all, *p;
	size_t i;
	int rc;

	if (name == NULL)
		return 0;
	if ((rc = people(ctx, ledger_unit(ctx->lg), 0, &all)) != 0)
		return rc;
	json_array_foreach(all, i, p) {
		if (strcmp(text(p, "name"), name) != 0 ||
		    (id != NULL && strcmp(text(p, "entity"), id) == 0))
			continue;
		rc = cmd_error(ctx, EXIT_INVALID, _("'%s' is in this unit's "
		    "register already (%s)"), name, text(p, "entity"));
		fprintf(stderr, "%s", _("hint: two people of one name: add what "
		    "tells them apart to the name, like 张伟（二中队）\n"));
		break;
	}
	json_decref(all);
	return rc;
}

/* A certificate number goes with the last day it is valid. */
static int
certificate_pair(struct cmd_ctx *ctx, const json_t *body, const json_t *doc)
{
	int number = json_object_get(body, "certificate") != NULL;
	int until = json_object_get(body, "certificate_expires") != NULL;

	if (number && !until)
		return cmd_usage_error(ctx, _("--certificate needs "
		    "--certificate-expires: the last day it is valid"));
	if (until && !number && str(doc, "certificate") == NULL)
		return cmd_usage_error(ctx, _("--certificate-expires needs "
		    "--certificate: the certificate's number"));
	return 0;
}

/* The author: --officer or the configured officer. */
static const char *
author(struct cmd_ctx *ctx)
{
	const char *o = form_officer(ctx, cmd_value(ctx, "officer"));

	if (o == NULL)
		cmd_usage_error(ctx, _("missing required option --officer"));
	return o;
}

static const struct cli_opt add_opts[] = {
	FORM_FIELDS("person.registered"),
	{ "officer", CLI_VALUE, "NAME", N_("officer registering") },
	{ NULL, 0, NULL, NULL },
};

static int
person_add(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	const char *officer;
	char *id = NULL;
	int rc;

	if ((rc = form_kind_fill(ctx, "person.registered", body, 0)) == 0 &&
	    (rc = certificate_pair(ctx, body, NULL)) == 0 &&
	    (rc = name_free(ctx, str(body, "name"), NULL)) == 0) {
		if ((officer = author(ctx)) == NULL)
			rc = EXIT_USAGE;
		else
			rc = form_record(ctx, "person.registered", NULL, officer,
			    NULL, body, &id);
	}
	if (rc == 0)
		rc = form_recorded(ctx, id);
	free(id);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_person_add_entry = {
	{ "person", "add", NULL, 0, 0, add_opts, CMD_DB | CMD_JSON,
	    N_("register a person of this unit: an officer and the "
	    "certificate, a liaison officer, the liaison supervisor"),
	    NULL },
	person_add,
};

static const struct cli_opt update_opts[] = {
	FORM_FIELDS("person.updated"),
	{ "no-liaison", CLI_FLAG, NULL, N_("no longer a liaison officer") },
	{ "no-supervisor", CLI_FLAG, NULL,
	    N_("no longer the liaison supervisor") },
	{ "officer", CLI_VALUE, "NAME", N_("officer recording the change") },
	{ NULL, 0, NULL, NULL },
};

/* --ROLE and --no-ROLE into body[role]. */
static int
role_flags(struct cmd_ctx *ctx, json_t *body, const char *role,
    const char *no)
{
	if (!cmd_flag(ctx, no))
		return 0;
	if (json_is_true(json_object_get(body, role)))
		return cmd_usage_error(ctx, _("--%s and --%s contradict each "
		    "other"), role, no);
	json_object_set_new(body, role, json_false());
	return 0;
}

static int
person_update(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0];
	json_t *body = json_object(), *doc = NULL;
	int rc;

	if ((rc = form_kind_fill(ctx, "person.updated", body, 1)) != 0 ||
	    (rc = role_flags(ctx, body, "liaison", "no-liaison")) != 0 ||
	    (rc = role_flags(ctx, body, "supervisor", "no-supervisor")) != 0)
		goto out;
	if (json_object_size(body) == 0) {
		rc = cmd_usage_error(ctx, _("nothing to change: give at least "
		    "one field"));
		goto out;
	}
	if ((rc = form_get(ctx, id, "person", &doc)) == 0 &&
	    (rc = certificate_pair(ctx, body, doc)) == 0 &&
	    (rc = name_free(ctx, str(body, "name"), id)) == 0)
		rc = form_step(ctx, "person", "person.updated", body, NULL);
out:
	json_decref(doc);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_person_update_entry = {
	{ "person", "update", "<id>", 1, 1, update_opts, CMD_DB,
	    N_("change a person of this unit: a renewed certificate, a role "
	    "given or taken away"),
	    NULL },
	person_update,
};

static const struct cli_opt leave_opts[] = {
	FORM_FIELDS("person.left"),
	{ "officer", CLI_VALUE, "NAME", N_("officer recording it") },
	{ NULL, 0, NULL, NULL },
};

static int
person_leave(struct cmd_ctx *ctx)
{
	return form_kind_step(ctx, "person", "person.left");
}

const struct cmd_entry cmd_person_leave_entry = {
	{ "person", "leave", "<id>", 1, 1, leave_opts, CMD_DB,
	    N_("record that a person is no longer at this unit"),
	    NULL },
	person_leave,
};

static const struct cli_opt train_opts[] = {
	FORM_FIELDS("person.trained"),
	{ "officer", CLI_VALUE, "NAME", N_("officer recording it") },
	{ NULL, 0, NULL, NULL },
};

static int
person_train(struct cmd_ctx *ctx)
{
	return form_kind_step(ctx, "person", "person.trained");
}

const struct cmd_entry cmd_person_train_entry = {
	{ "person", "train", "<id>", 1, 1, train_opts, CMD_DB,
	    N_("record a training a person attended (学时)"),
	    NULL },
	person_train,
};

/* "执法人员、联络员": the roles the record gives p, in buf. */
static void
roles_text(const json_t *p, char *buf, size_t len)
{
	const char *role[3];
	size_t i, n = 0, used = 0;

	buf[0] = '\0';
	if (str(p, "certificate") != NULL)
		role[n++] = "执法人员";
	if (json_is_true(json_object_get(p, "liaison")))
		role[n++] = "联络员";
	if (json_is_true(json_object_get(p, "supervisor")))
		role[n++] = "联络监督员";
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		    i > 0 ? "、" : "", role[i]);
}

/* 1 if p's certificate was valid only until a day before today. */
static int
expired(const json_t *p)
{
	const char *until = str(p, "certificate_expires");
	char today[LTIME_LEN];

	ltime_format(ltime_now(), today);
	return until != NULL && strncmp(today, until, 10) > 0;
}

/* A copy of p with what a table shows worked out: "_roles", "_until"
 * (the certificate's last day, marked once past) and "_left". */
static json_t *
shown(const json_t *p)
{
	json_t *c = json_deep_copy(p);
	const char *until = str(p, "certificate_expires");
	const json_t *left = json_object_get(p, "left");
	char buf[256];

	roles_text(p, buf, sizeof buf);
	json_object_set_new(c, "_roles", json_string(buf));
	if (until != NULL) {
		if (expired(p))
			snprintf(buf, sizeof buf, _("%.10s (expired)"), until);
		else
			snprintf(buf, sizeof buf, "%.10s", until);
		json_object_set_new(c, "_until", json_string(buf));
	}
	if (left != NULL) {
		snprintf(buf, sizeof buf, "%.10s, %s", text(left, "date"),
		    text(left, "reason"));
		json_object_set_new(c, "_left", json_string(buf));
	}
	return c;
}

static const struct cli_opt list_opts[] = {
	{ "unit", CLI_VALUE, "UNIT", N_("only this unit's register (the "
	    "bureau and the county government hold every unit's)") },
	{ "all", CLI_FLAG, NULL, N_("also the people who left") },
	{ "training", CLI_VALUE, "YEAR", N_("each person's training hours "
	    "in YEAR, against the county's yearly quota") },
	{ NULL, 0, NULL, NULL },
};

static const struct out_col list_cols[] = {
	{ N_("ID"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("UNIT"), "unit", OUT_TEXT, NULL, NULL, 20 },
	{ N_("NAME"), "name", OUT_TEXT, NULL, NULL, 0 },
	{ N_("ROLES"), "_roles", OUT_TEXT, NULL, NULL, 0 },
	{ N_("CERTIFICATE"), "certificate", OUT_TEXT, NULL, NULL, 0 },
	{ N_("VALID UNTIL"), "_until", OUT_TEXT, NULL, NULL, 0 },
	{ N_("PHONE"), "phone", OUT_TEXT, NULL, NULL, 0 },
	{ N_("STATUS"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

/* The year of --training, or 0 with the error printed. */
static int
training_year(struct cmd_ctx *ctx, const char *s)
{
	int y = 0, i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= 4 || s[i] < '0' || s[i] > '9') {
			y = 0;
			break;
		}
		y = y * 10 + (s[i] - '0');
	}
	if (i != 4 || y < 2000 || y > 2099) {
		cmd_usage_error(ctx, _("invalid year '%s' for --training: "
		    "like 2026"), s);
		return 0;
	}
	return y;
}

/* p's training hours in year (tenths) and how many trainings. */
static long
hours_in(const json_t *p, int year, size_t *n)
{
	const json_t *t;
	char y[8];
	long sum = 0, h;
	size_t i;

	snprintf(y, sizeof y, "%04d-", year);
	*n = 0;
	json_array_foreach(json_object_get(p, "training"), i, t) {
		const char *d = str(t, "date"), *hs = str(t, "hours");
		if (d == NULL || strncmp(d, y, 5) != 0 || hs == NULL ||
		    decimal_parse(hs, &h) != 0)
			continue;
		sum += h;
		(*n)++;
	}
	return sum;
}

/*
 * The training report: per person, the hours attended in year against
 * the quota (tenths, -1 unknown). Marked: an officer (a certificate
 * holder, Baijiantan 三(二)2 "每名执法人员") under the quota, and a
 * liaison officer or supervisor with no training at all that year
 * (Gonghe 三(一)5: all liaison officers are trained every year), which
 * needs no quota.
 */
static int
training_report(struct cmd_ctx *ctx, const json_t *list, int year)
{
	static const char *const headers[] = { N_("ID"), N_("UNIT"),
		N_("NAME"), N_("ROLES"), N_("HOURS"), N_("TRAININGS"),
		N_("NOTE") };
	long quota = training_quota(ctx), sum;
	char hours[DECIMAL_LEN], q[DECIMAL_LEN], roles[256], count[24];
	json_t *doc = NULL, *rows = json_array(), *p;
	struct table *tab = NULL;
	size_t i, n;

	if (quota >= 0)
		decimal_format(quota, q);
	json_array_foreach(list, i, p) {
		int active = strcmp(text(p, "status"), "active") == 0;
		int officer = str(p, "certificate") != NULL;
		int liaison = json_is_true(json_object_get(p, "liaison")) ||
		    json_is_true(json_object_get(p, "supervisor"));
		int under, untrained;

		sum = hours_in(p, year, &n);
		under = active && officer && quota >= 0 && sum < quota;
		untrained = active && liaison && n == 0;
		decimal_format(sum, hours);
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s,"
		    " s:b, s:b, s:b, s:s, s:I, s:b, s:b}",
		    "entity", text(p, "entity"), "unit", text(p, "unit"),
		    "name", text(p, "name"), "status", text(p, "status"),
		    "officer", officer,
		    "liaison", json_is_true(json_object_get(p, "liaison")),
		    "supervisor", json_is_true(json_object_get(p, "supervisor")),
		    "hours", hours, "trainings", (json_int_t)n,
		    "under_quota", under, "untrained", untrained));
	}
	if (ctx->json) {
		doc = out_doc("person.training");
		json_object_set_new(doc, "year", json_integer(year));
		json_object_set_new(doc, "quota", quota >= 0 ?
		    json_string(q) : json_null());
		json_object_set_new(doc, "people", rows);
		out_json(doc);
		return 0;
	}
	tab = table_new(7, headers);
	json_array_foreach(rows, i, p) {
		const json_t *orig = json_array_get(list, i);
		const char *cells[7];
		char note[128] = "";
		roles_text(orig, roles, sizeof roles);
		snprintf(count, sizeof count, "%lld", (long long)
		    json_integer_value(json_object_get(p, "trainings")));
		if (json_is_true(json_object_get(p, "under_quota")))
			snprintf(note, sizeof note, _("under the quota of %s"), q);
		else if (json_is_true(json_object_get(p, "untrained")))
			snprintf(note, sizeof note, "%s",
			    _("no training this year"));
		cells[0] = str(p, "entity");
		cells[1] = str(p, "unit");
		cells[2] = str(p, "name");
		cells[3] = roles;
		cells[4] = str(p, "hours");
		cells[5] = count;
		cells[6] = note;
		table_row(tab, cells);
	}
	table_max(tab, 1, 20);
	table_print(tab, stdout);
	table_free(tab);
	json_decref(rows);
	if (quota >= 0)
		printf(_("quota: %s hours a year for each officer\n"), q);
	else
		printf("%s", _("quota: none set in the county's rule profile: "
		    "hours are shown without one\n"));
	return 0;
}

static int
person_list(struct cmd_ctx *ctx)
{
	const char *ty = cmd_value(ctx, "training");
	json_t *list, *doc, *p;
	int year = 0, rc;
	size_t i;

	if (ty != NULL && (year = training_year(ctx, ty)) == 0)
		return EXIT_USAGE;
	if ((rc = people(ctx, cmd_value(ctx, "unit"), cmd_flag(ctx, "all"),
	    &list)) != 0)
		return rc;
	if (year != 0) {
		rc = training_report(ctx, list, year);
		json_decref(list);
		return rc;
	}
	if (ctx->json) {
		doc = out_doc("person.list");
		json_object_set_new(doc, "people", list);
		out_json(doc);
		return 0;
	}
	doc = json_array();
	json_array_foreach(list, i, p)
		json_array_append_new(doc, shown(p));
	out_list(list_cols, doc);
	json_decref(doc);
	json_decref(list);
	return 0;
}

const struct cmd_entry cmd_person_list_entry = {
	{ "person", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list the register of people, or their training hours in a "
	    "year"),
	    NULL },
	person_list,
};

static const struct out_col show_lines[] = {
	{ N_("person:"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("status:"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ N_("unit:"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("name:"), "name", OUT_TEXT, NULL, NULL, 0 },
	{ N_("post:"), "post", OUT_TEXT, NULL, NULL, 0 },
	{ N_("roles:"), "_roles", OUT_TEXT, NULL, NULL, 0 },
	{ N_("certificate:"), "certificate", OUT_TEXT, NULL, NULL, 0 },
	{ N_("valid until:"), "_until", OUT_TEXT, NULL, NULL, 0 },
	{ N_("phone:"), "phone", OUT_TEXT, NULL, NULL, 0 },
	{ N_("left:"), "_left", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

/* One line per training, in the order of the record, then the hours of
 * each year, newest first. */
static void
show_training(const json_t *doc)
{
	const json_t *tr = json_object_get(doc, "training"), *t;
	char total[DECIMAL_LEN];
	int year = 0, next;
	size_t i, n;

	json_array_foreach(tr, i, t)
		out_line(i == 0 ? N_("training:") : "", "%.10s  %s h  %s",
		    text(t, "date"), text(t, "hours"), text(t, "topic"));
	for (;;) {
		next = 0;
		json_array_foreach(tr, i, t) {
			int y = atoi(text(t, "date"));
			if ((year == 0 || y < year) && y > next)
				next = y;
		}
		if (next == 0)
			break;
		decimal_format(hours_in(doc, next, &n), total);
		out_line(year == 0 ? N_("hours:") : "", _("%s in %d (%zu)"),
		    total, next, n);
		year = next;
	}
}

static int
person_show(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0];
	json_t *doc, *c;
	int rc;

	if ((rc = form_get(ctx, id, "person", &doc)) != 0)
		return rc;
	form_attachments_redact(ctx, doc, 0, ctx->json ? "(confidential)" :
	    _("(confidential: liandong attachment list --confidential)"));
	if (ctx->json)
		return form_show_json(ctx, "person", id, doc, 0);
	c = shown(doc);
	out_show(show_lines, c);
	show_training(doc);
	out_show(form_attachment_lines, doc);
	form_conflicts(doc);
	json_decref(c);
	json_decref(doc);
	return form_timeline(ctx, id, NULL, 0);
}

const struct cmd_entry cmd_person_show_entry = {
	{ "person", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show a person of the register, the trainings and the "
	    "timeline"),
	    NULL },
	person_show,
};
