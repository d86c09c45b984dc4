/*
 * form.c - options to event bodies, with prompts on a terminal.
 */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "form.h"
#include "kinds.h"
#include "ltime.h"
#include "calendar.h"
#include "fold.h"
#include "out.h"
#include "paths.h"
#include "rules.h"
#include "text.h"
#include "units.h"

int
form_interactive(void)
{
	const char *p = getenv("LIANDONG_PROMPT");

	if (p != NULL && strcmp(p, "1") == 0)
		return 1;
	return isatty(0) && isatty(2);
}

/*
 * The officer named in a record, against this unit's register of people
 * (common/type-person.c) once it holds anyone. Officers were free text
 * before the register, and a unit may not have entered everyone, so the
 * register completes and warns but never refuses:
 *
 *  - a name given with --officer that begins exactly one active person's
 *    name completes to that name, said on stderr (the officer configured
 *    in agent.conf or $LIANDONG_OFFICER is a whole name set on purpose,
 *    perhaps of someone not registered yet: it is never completed);
 *  - a name it does not hold is kept as given, with a warning (so is one
 *    that begins several names, or names a person who left);
 *  - an officer whose enforcement certificate was valid only until a day
 *    before today is warned of (持证上岗, Baijiantan 三(二)1).
 *
 * A command that asks twice about one name hears it once: each answer is
 * kept, for the life of the program, in officer_answers ({"<complete>
 * <name>": the register's name}), which the strings returned point into.
 */
static json_t *officer_answers;

/* The people of this unit's register held here (new array: a bureau
 * also holds every other unit's), or NULL when there are none or the
 * database cannot say (it says so itself when the record is written). */
static json_t *
officer_register(struct cmd_ctx *ctx)
{
	struct ledger_query q;
	char err[LD_ERRLEN];
	json_t *items, *mine, *p;
	const char *u;
	size_t i;

	if (ctx->lg == NULL)
		return NULL;
	memset(&q, 0, sizeof q);
	q.type = "person";
	if (ledger_query(ctx->lg, &q, &items, err) != 0)
		return NULL;
	mine = json_array();
	json_array_foreach(items, i, p) {
		u = json_string_value(json_object_get(p, "unit"));
		if (u != NULL && strcmp(u, ledger_unit(ctx->lg)) == 0)
			json_array_append(mine, p);
	}
	json_decref(items);
	if (json_array_size(mine) == 0) {
		json_decref(mine);
		return NULL;
	}
	return mine;
}

/* p[key], or "" when it is no string. */
static const char *
person_str(const json_t *p, const char *key)
{
	const char *s = json_string_value(json_object_get(p, key));

	return s != NULL ? s : "";
}

/* Warns when the certificate of person p ran out before today. */
static void
officer_certificate(const json_t *p)
{
	const char *until = person_str(p, "certificate_expires");
	char today[LTIME_LEN];

	ltime_format(ltime_now(), today);
	if (strlen(until) >= 10 && strncmp(today, until, 10) > 0)
		fprintf(stderr, _("liandong: warning: officer '%s': enforcement "
		    "certificate %s expired on %.10s\n"), person_str(p, "name"),
		    person_str(p, "certificate"), until);
}

/* The register's name for name (borrowed from people or name itself),
 * after saying on stderr what the register makes of it; a beginning is
 * completed only when complete is set. */
static const char *
officer_match(const json_t *people, const char *name, int complete)
{
	const json_t *p, *hit = NULL, *gone = NULL;
	size_t i, n = 0, len = strlen(name);
	char *also = xstrdup("");

	json_array_foreach(people, i, p) {
		const char *pn = person_str(p, "name");
		if (strcmp(person_str(p, "status"), "active") != 0) {
			if (strcmp(pn, name) == 0)
				gone = p;
			continue;
		}
		if (strcmp(pn, name) == 0) {
			hit = p;
			n = 1;
			break;
		}
		if (complete && strncmp(pn, name, len) == 0) {
			char *t = xasprintf("%s%s%s", also, n > 0 ? "、" : "",
			    pn);
			free(also);
			also = t;
			hit = p;
			n++;
		}
	}
	if (n > 1)
		fprintf(stderr, _("liandong: warning: officer '%s' begins %zu "
		    "names in this unit's register (%s): kept as given; give "
		    "the full name\n"), name, n, also);
	else if (n == 0 && gone != NULL)
		fprintf(stderr, _("liandong: warning: officer '%s' left this "
		    "unit on %.10s (%s): kept as given\n"), name,
		    person_str(json_object_get(gone, "left"), "date"),
		    person_str(gone, "entity"));
	else if (n == 0)
		fprintf(stderr, _("liandong: warning: officer '%s' is not in "
		    "this unit's register ('liandong person list'): kept as "
		    "given\n"), name);
	free(also);
	if (n != 1)
		return name;
	if (strcmp(person_str(hit, "name"), name) != 0)
		fprintf(stderr, _("liandong: officer '%s' taken as '%s' (%s), "
		    "from this unit's register\n"), name,
		    person_str(hit, "name"), person_str(hit, "entity"));
	officer_certificate(hit);
	return person_str(hit, "name");
}

/* name, or the register's name for it (see above). */
static const char *
officer_in_register(struct cmd_ctx *ctx, const char *name, int complete)
{
	json_t *people, *a;
	char *key;

	/* Not UTF-8: left for the form to refuse. */
	if (!utf8_valid(name, strlen(name)))
		return name;
	if (officer_answers == NULL)
		officer_answers = json_object();
	key = xasprintf("%d %s", complete, name);
	if ((a = json_object_get(officer_answers, key)) == NULL) {
		if ((people = officer_register(ctx)) == NULL) {
			free(key);
			return name;
		}
		a = json_string(officer_match(people, name, complete));
		json_object_set_new(officer_answers, key, a);
		json_decref(people);
	}
	free(key);
	return json_string_value(a);
}

const char *
form_officer(struct cmd_ctx *ctx, const char *given)
{
	const char *env = getenv("LIANDONG_OFFICER");

	if (given != NULL && *given != '\0')
		return officer_in_register(ctx, given, 1);
	if (ctx->cfg.officer != NULL && *ctx->cfg.officer != '\0')
		return officer_in_register(ctx, ctx->cfg.officer, 0);
	if (env != NULL && *env != '\0')
		return officer_in_register(ctx, env, 0);
	return NULL;
}

/* Reads one line from stdin; NULL at end of input. Caller frees. */
static char *
ask(const char *label, const struct enum_value *values)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (values != NULL) {
		fprintf(stderr, "%s (", _(label));
		for (; values->name != NULL; values++)
			fprintf(stderr, " %s=%s",
			    values->name, values->label);
		fprintf(stderr, " ): ");
	} else
		fprintf(stderr, "%s: ", _(label));
	fflush(stderr);
	n = getline(&line, &cap, stdin);
	/* A terminal echoes the answer's newline; otherwise end the prompt's
	 * line here so that the next prompt or an error starts its own. */
	if (n < 0 || !isatty(0))
		fputc('\n', stderr);
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static int
set_value(struct cmd_ctx *ctx, const struct form_field *f, const char *val,
    json_t *body)
{
	const struct enum_value *ev;
	char t[LTIME_LEN];
	int64_t ms;
	long tenths;

	if (!utf8_valid(val, strlen(val)))
		return cmd_error(ctx, EXIT_INVALID,
		    _("'--%s' is not valid UTF-8"), f->opt);
	switch (f->type) {
	case FV_TIME:
		if (ltime_parse(val, &ms) != 0)
			return cmd_error(ctx, EXIT_INVALID,
			    _("invalid date '%s' for --%s: use YYYY-MM-DD or 'YYYY-MM-DD HH:MM'"),
			    val, f->opt);
		if (!(f->flags & FF_FUTURE) &&
		    ms > ltime_now() + 24LL * 3600 * 1000)
			return cmd_error(ctx, EXIT_INVALID,
			    _("--%s '%s' is in the future"), f->opt, val);
		ltime_format(ms, t);
		json_object_set_new(body, f->field, json_string(t));
		return 0;
	case FV_ENUM:
		ev = enum_lookup(f->values, val);
		if (ev == NULL) {
			const struct enum_value *v;
			fprintf(stderr, _("liandong: error: unknown value '%s' for --%s\n"),
			    val, f->opt);
			fprintf(stderr, "%s", _("hint: one of:"));
			for (v = f->values; v->name != NULL; v++)
				fprintf(stderr, " %s (%s)", v->name, v->label);
			fputc('\n', stderr);
			return EXIT_INVALID;
		}
		json_object_set_new(body, f->field, json_string(ev->name));
		return 0;
	case FV_DECIMAL:
		if (decimal_parse(val, &tenths) != 0 || tenths <= 0)
			return cmd_error(ctx, EXIT_INVALID,
			    _("invalid number '%s' for --%s: a positive number "
			    "with at most one decimal, like 2 or 2.5"), val, f->opt);
		decimal_format(tenths, t);
		json_object_set_new(body, f->field, json_string(t));
		return 0;
	default:
		json_object_set_new(body, f->field, json_string(val));
		return 0;
	}
}

int
form_fill(struct cmd_ctx *ctx, const struct form_field *ff, json_t *body,
    int partial)
{
	int interactive = !partial && form_interactive();
	const struct form_field *f;
	char t[LTIME_LEN];
	int rc;

	for (f = ff; f->opt != NULL; f++) {
		const char *val;
		char *answer = NULL;

		if (f->type == FV_BOOL) {
			if (cmd_flag(ctx, f->opt))
				json_object_set_new(body, f->field, json_true());
			else if (!partial)
				json_object_set_new(body, f->field, json_false());
			continue;
		}
		if (f->type == FV_LIST) {
			json_t *l = cmd_list(ctx, f->opt);
			if (l != NULL)
				json_object_set(body, f->field, l);
			continue;
		}
		val = cmd_value(ctx, f->opt);
		if ((f->flags & FF_OFFICER) && (val == NULL || *val != '\0'))
			val = form_officer(ctx, val);
		if (val == NULL && partial)
			continue;
		if (val == NULL && (f->flags & FF_NOW) && !interactive) {
			ltime_format(ltime_now(), t);
			json_object_set_new(body, f->field, json_string(t));
			continue;
		}
		if (val == NULL && !(f->flags & FF_REQUIRED))
			continue;
		if (val == NULL && interactive) {
			answer = ask(f->prompt, f->type == FV_ENUM ? f->values : NULL);
			if (answer == NULL)
				return cmd_error(ctx, EXIT_USAGE,
				    _("input ended before --%s was given"), f->opt);
			if (*answer == '\0' && (f->flags & FF_NOW)) {
				free(answer);
				ltime_format(ltime_now(), t);
				json_object_set_new(body, f->field, json_string(t));
				continue;
			}
			val = answer;
		}
		if (val == NULL || *val == '\0') {
			free(answer);
			return cmd_usage_error(ctx, _("missing required option --%s"),
			    f->opt);
		}
		rc = set_value(ctx, f, val, body);
		free(answer);
		if (rc != 0)
			return rc;
	}
	return 0;
}

const char form_fields_mark[] = "fields";

/* The option of field f: its field_ui's, else its name with '-' for '_'.
 * Caller frees. */
static char *
field_opt(const struct field *f)
{
	char *s = xstrdup(f->ui->opt != NULL ? f->ui->opt : f->name), *p;

	for (p = s; *p != '\0'; p++)
		if (*p == '_')
			*p = '-';
	return s;
}

/* The kind a FORM_FIELDS option names. */
static const struct kind_info *
fields_kind(const struct cli_opt *o)
{
	const struct kind_info *k = kind_find(o->name);

	assert(k != NULL); /* a FORM_FIELDS naming no kind is a typo */
	return k;
}

const struct cli_opt *
form_opts(const struct cli_opt *opts)
{
	const struct cli_opt *o;
	const struct field *f;
	struct cli_opt *out;
	size_t n = 0, i = 0;
	int marked = 0;

	for (o = opts; o != NULL && o->name != NULL; o++) {
		if (o->arg != form_fields_mark) {
			n++;
			continue;
		}
		marked = 1;
		for (f = fields_kind(o)->fields; f->name != NULL; f++)
			n += f->ui != NULL;
	}
	if (!marked)
		return opts;
	out = xcalloc(n + 1, sizeof *out);
	for (o = opts; o->name != NULL; o++) {
		if (o->arg != form_fields_mark) {
			out[i++] = *o;
			continue;
		}
		for (f = fields_kind(o)->fields; f->name != NULL; f++) {
			if (f->ui == NULL)
				continue;
			out[i].name = field_opt(f);
			out[i].type = f->type == F_BOOL ? CLI_FLAG :
			    f->type == F_STRS ? CLI_LIST : CLI_VALUE;
			out[i].arg = f->ui->arg;
			out[i].help = f->ui->help;
			i++;
		}
	}
	return out;
}

static enum form_type
form_type_of(enum field_type t)
{
	switch (t) {
	case F_TEXT:
		return FV_TEXT;
	case F_TIME:
		return FV_TIME;
	case F_ENUM:
		return FV_ENUM;
	case F_BOOL:
		return FV_BOOL;
	case F_STRS:
		return FV_LIST;
	case F_DECIMAL:
		return FV_DECIMAL;
	default:
		return FV_STR;
	}
}

int
form_kind_fill(struct cmd_ctx *ctx, const char *kind, json_t *body,
    int partial)
{
	const struct field *f;
	struct form_field *ff;
	size_t n = 0, i;
	int rc;

	assert(kind_find(kind) != NULL);
	for (f = kind_find(kind)->fields; f->name != NULL; f++)
		n++;
	ff = xcalloc(n + 1, sizeof *ff);
	for (f = kind_find(kind)->fields, n = 0; f->name != NULL; f++) {
		if (f->ui == NULL)
			continue;
		ff[n].opt = field_opt(f);
		ff[n].field = f->name;
		ff[n].type = form_type_of(f->type);
		ff[n].flags = (f->required ? FF_REQUIRED : 0) |
		    (f->ui->flags & FIELD_NOW ? FF_NOW : 0) |
		    (f->ui->flags & FIELD_OFFICER ? FF_OFFICER : 0) |
		    (f->ui->flags & FIELD_FUTURE ? FF_FUTURE : 0);
		ff[n].values = f->values;
		ff[n].prompt = f->ui->prompt;
		n++;
	}
	rc = form_fill(ctx, ff, body, partial);
	for (i = 0; i < n; i++)
		free((char *)ff[i].opt);
	free(ff);
	return rc;
}

int
form_kind_text(struct cmd_ctx *ctx, const char *kind, json_t *body)
{
	const struct field *f;
	struct form_field ff;
	const char *v;
	int rc = 0;

	assert(kind_find(kind) != NULL);
	for (f = kind_find(kind)->fields; rc == 0 && f->name != NULL; f++) {
		if (f->ui == NULL || json_object_get(body, f->name) != NULL)
			continue;
		memset(&ff, 0, sizeof ff);
		ff.opt = field_opt(f);
		ff.field = f->name;
		ff.type = form_type_of(f->type);
		ff.values = f->values;
		if (f->type == F_BOOL)
			json_object_set_new(body, f->name,
			    json_boolean(cmd_flag(ctx, ff.opt)));
		else if (f->type == F_STRS && cmd_list(ctx, ff.opt) != NULL)
			json_object_set(body, f->name, cmd_list(ctx, ff.opt));
		else if (f->type != F_STRS &&
		    (v = cmd_value(ctx, ff.opt)) != NULL && *v != '\0')
			rc = set_value(ctx, &ff, v, body);
		else if (f->type == F_TIME && (f->ui->flags & FIELD_NOW)) {
			char t[LTIME_LEN];
			ltime_format(ltime_now(), t);
			json_object_set_new(body, f->name, json_string(t));
		} else if (f->required)
			rc = cmd_usage_error(ctx, _("missing required option --%s"),
			    ff.opt);
		free((char *)ff.opt);
	}
	return rc;
}

int
form_record(struct cmd_ctx *ctx, const char *kind, const char *entity,
    const char *author, const json_t *audience, const json_t *body,
    char **id)
{
	const struct form_event ev = { kind, entity, audience, body };

	return form_record_all(ctx, author, &ev, 1, id);
}

int
form_record_all(struct cmd_ctx *ctx, const char *author,
    const struct form_event *evs, size_t n, char **id)
{
	size_t i;
	int rc;

	if ((rc = ledger_begin(ctx->lg, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	for (i = 0; rc == 0 && i < n; i++)
		if (evs[i].body != NULL)
			rc = ledger_record(ctx->lg, evs[i].kind, evs[i].entity,
			    author, evs[i].audience, evs[i].body,
			    i == 0 ? id : NULL, NULL, ctx->err);
	if (rc == 0)
		rc = ledger_commit(ctx->lg, ctx->err);
	if (rc != 0) {
		ledger_rollback(ctx->lg);
		return cmd_fail(ctx, rc);
	}
	return 0;
}

/* Events whose body is confidential: the complainant's identity, a
 * confidential attachment. */
static int
confidential(const struct event *ev)
{
	return kind_body_confidential(kind_find(ev->kind), ev->body);
}

int
form_handles(struct cmd_ctx *ctx, const json_t *doc)
{
	const char *me = ledger_unit(ctx->lg);
	json_t *u;
	size_t i;

	if (fold_is_unit(json_object_get(doc, "unit"), me))
		return 1;
	json_array_foreach(json_object_get(doc, "audience"), i, u)
		if (fold_is_unit(u, me))
			return 1;
	return 0;
}

void
form_attachments_redact(struct cmd_ctx *ctx, json_t *doc,
    int show_confidential, const char *hint)
{
	int open = show_confidential && form_handles(ctx, doc);
	json_t *a, *h;
	size_t i;

	json_array_foreach(json_object_get(doc, "attachments"), i, a) {
		if (open || !json_is_true(json_object_get(a, "confidential")))
			continue;
		h = json_object();
		json_object_set_new(h, "confidential", json_true());
		json_object_set_new(h, "hidden", json_string(hint));
		json_object_set(h, "at", json_object_get(a, "at"));
		json_object_set(h, "unit", json_object_get(a, "unit"));
		json_array_set_new(json_object_get(doc, "attachments"), i, h);
	}
}

int
form_timeline(struct cmd_ctx *ctx, const char *entity, json_t *doc,
    int show_confidential)
{
	struct event *evs;
	json_t *arr = NULL;
	size_t n, i;
	int rc;

	if ((rc = ledger_events_of(ctx->lg, entity, &evs, &n, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	if (doc != NULL)
		arr = json_array();
	else
		printf("\n%s\n", _("timeline:"));
	for (i = 0; i < n; i++) {
		const struct event *ev = &evs[i];
		int hide = confidential(ev) && !show_confidential;
		char t[LTIME_LEN];
		const char *lbl;
		size_t w;

		if (arr != NULL) {
			json_t *o = event_json(ev, 1);
			if (hide)
				json_object_set_new(o, "body",
				    json_string("(confidential)"));
			json_array_append_new(arr, o);
			continue;
		}
		ltime_short(ev->at, t);
		lbl = kind_label(ev->kind);
		w = text_width(lbl);
		printf("  %s  %s%*s %s %s (%s/%lld)\n", t, lbl,
		    w < 20 ? (int)(20 - w) : 0, "", ev->unit, ev->author,
		    ev->station, (long long)ev->seq);
	}
	if (arr != NULL)
		json_object_set_new(doc, "events", arr);
	events_free(evs, n);
	return 0;
}

void
form_conflicts(const json_t *doc)
{
	json_t *c = json_object_get(doc, "conflicts"), *item;
	size_t i;

	if (json_array_size(c) == 0)
		return;
	printf("\n%s\n", _("conflicts:"));
	json_array_foreach(c, i, item)
		printf(_("  %s %s/%lld by %s: %s\n"),
		    kind_label(json_string_value(json_object_get(item, "kind"))),
		    json_string_value(json_object_get(item, "station")),
		    (long long)json_integer_value(json_object_get(item, "seq")),
		    json_string_value(json_object_get(item, "author")),
		    fold_reason_text(json_string_value(json_object_get(item,
		    "reason"))));
}

int
list_range(struct cmd_ctx *ctx, struct ledger_query *q, char *since,
    char *until)
{
	const char *s = cmd_value(ctx, "since"), *u = cmd_value(ctx, "until");
	const char *l = cmd_value(ctx, "limit"), *o = cmd_value(ctx, "offset");
	int64_t ms;

	if (s != NULL) {
		if (ltime_parse(s, &ms) != 0)
			return cmd_error(ctx, EXIT_INVALID,
			    _("invalid date '%s' for --since"), s);
		ltime_format(ms, since);
		q->since = since;
	}
	if (u != NULL) {
		if (ltime_parse(u, &ms) != 0)
			return cmd_error(ctx, EXIT_INVALID,
			    _("invalid date '%s' for --until"), u);
		ltime_format(ms, until);
		q->until = until;
	}
	if (l != NULL) {
		long long n;

		if (ld_number(l, 1, LONG_MAX, &n, NULL) != 0)
			return cmd_error(ctx, EXIT_INVALID,
			    _("--limit must be a positive number, not '%s'"), l);
		q->limit = (long)n;
	}
	if (o != NULL) {
		long long n;

		if (ld_number(o, 0, LONG_MAX, &n, NULL) != 0)
			return cmd_error(ctx, EXIT_INVALID,
			    _("--offset must be a number, not '%s'"), o);
		q->offset = (long)n;
	}
	return 0;
}

/*
 * The rule profile: the county's, received from the server (meta
 * "profile"), else the one $LIANDONG_RULES or [rules] profile in
 * agent.conf names, as the server names one: an installed profile's name
 * (gonghe) or a file (profile_path). The calendars likewise: the
 * county's (meta "calendar"), else $LIANDONG_CALENDAR, else the shipped
 * ones.
 *
 * ctx->profile_loaded is 0 until the first call, then 1, or -1 when the
 * profile named here cannot be loaded (an unknown name, a broken file):
 * ctx->err says why right after that call, and form_deadline and
 * form_extend refuse (profile_error) rather than record without a
 * deadline.
 */

/* The local setting and where it comes from, or NULL when there is none
 * ("" counts as none, as conf/agent.conf's empty example). */
static const char *
local_setting(struct cmd_ctx *ctx, const char **from)
{
	const char *env = getenv("LIANDONG_RULES");

	if (env != NULL && *env != '\0') {
		*from = "$LIANDONG_RULES";
		return env;
	}
	*from = "[rules] profile";
	return ctx->cfg.rules != NULL && *ctx->cfg.rules != '\0' ?
	    ctx->cfg.rules : NULL;
}

const struct profile *
form_profile(struct cmd_ctx *ctx)
{
	const char *cal = getenv("LIANDONG_CALENDAR"), *from;
	const char *setting = local_setting(ctx, &from);
	char *text = NULL, why[LD_ERRLEN] = "";
	int have_cal = 0, broken = 0;

	if (ctx->profile_loaded)
		return ctx->profile;
	ctx->profile_loaded = 1;
	if (ctx->lg != NULL &&
	    ledger_meta_get(ctx->lg, "profile", &text, NULL) == 0 &&
	    text != NULL) {
		json_t *o = json_loads(text, 0, NULL);
		if (o != NULL)
			profile_from_json(o, &ctx->profile, NULL);
		json_decref(o);
		free(text);
		text = NULL;
	}
	if (ctx->profile == NULL && setting != NULL &&
	    profile_load_setting(setting, &ctx->profile, why) != 0)
		broken = 1;
	ctx->calendar = calendar_new();
	if (ctx->lg != NULL &&
	    ledger_meta_get(ctx->lg, "calendar", &text, NULL) == 0 &&
	    text != NULL) {
		json_t *o = json_loads(text, 0, NULL);
		have_cal = o != NULL &&
		    calendar_add_texts(ctx->calendar, o, ctx->err) == 0;
		json_decref(o);
		free(text);
		if (!have_cal) {
			/* Checked when it arrived; a half-loaded one is not used. */
			calendar_free(ctx->calendar);
			ctx->calendar = calendar_new();
		}
	}
	if (!have_cal) {
		char *dir = cal ? xstrdup(cal) :
		    xasprintf("%s/calendar", paths_data());
		if (calendar_load_dir(ctx->calendar, dir, ctx->err) != 0)
			fprintf(stderr, "liandong: warning: %s\n", ctx->err);
		free(dir);
	}
	ctx->err[0] = '\0';
	if (broken) {
		char *msg = xasprintf("%s: %s", from, why);

		ctx->profile_loaded = -1;
		ld_strlcpy(ctx->err, msg, sizeof ctx->err);
		free(msg);
	}
	return ctx->profile;
}

/* The refusal of a command that would record a deadline while the
 * profile named here cannot be loaded: the same words as form_profile
 * found, EXIT_CONFIG. */
static int
profile_error(struct cmd_ctx *ctx)
{
	const char *from, *setting = local_setting(ctx, &from);
	struct profile *p = NULL;
	char why[LD_ERRLEN] = "";

	if (setting != NULL)
		profile_load_setting(setting, &p, why);
	profile_free(p);
	return cmd_error(ctx, EXIT_CONFIG,
	    _("%s: %s (nothing recorded: it would have no deadline)"), from,
	    why);
}

json_t *
form_deadline_of(const struct profile *p, const struct calendar *cal,
    const char *name, int64_t from_ms, int amount, int *assumed)
{
	const struct rule *r = profile_rule(p, name);
	char t[LTIME_LEN], *rule, *basis;
	json_t *out;
	int64_t due;

	*assumed = 0;
	if (r == NULL)
		return NULL;
	due = rule_due(r, cal, from_ms, amount, assumed);
	ltime_format(due, t);
	rule = xasprintf("%s/%s", p->name, r->name);
	basis = r->unit == RULE_IMMEDIATE ? xstrdup("immediate") :
	    xasprintf("%d %s", amount > 0 ? amount : r->amount,
	    rule_unit_name(r->unit));
	out = json_object();
	json_object_set_new(out, "due", json_string(t));
	json_object_set_new(out, "rule", json_string(rule));
	json_object_set_new(out, "basis", json_string(basis));
	json_object_set_new(out, "assumed", json_boolean(*assumed));
	free(rule);
	free(basis);
	return out;
}

json_t *
form_receipt_body(const struct profile *p, const struct calendar *cal,
    const json_t *doc, int64_t received_at, const char *basis)
{
	const struct entity_type *t = entity_type_find(json_string_value(
	    json_object_get(doc, "type")));
	json_t *body = json_object(), *due;
	char at[LTIME_LEN];
	const char *rule, *slash;
	size_t i;
	int assumed;

	ltime_format(received_at, at);
	json_object_set_new(body, "received_at", json_string(at));
	json_object_set_new(body, "basis", json_string(basis));
	for (i = 0; t != NULL && t->from_receipt != NULL &&
	    t->from_receipt[i] != NULL; i++) {
		/* The rule the sender's deadline was counted by: which one
		 * (an opinion's or a report's) is the record's to say. */
		rule = json_string_value(json_object_get(json_object_get(doc,
		    t->from_receipt[i]), "rule"));
		if (rule == NULL)
			continue;
		slash = strchr(rule, '/');
		rule = slash ? slash + 1 : rule;
		/* Only a rule the type declares for that deadline: the
		 * sender does not choose the receiver's time. */
		if (!deadline_rule_ok(t, t->from_receipt[i], rule))
			continue;
		if ((due = form_deadline_of(p, cal, rule,
		    received_at, 0, &assumed)) != NULL)
			json_object_set_new(body, t->from_receipt[i], due);
	}
	return body;
}

int
deadline_rule_ok(const struct entity_type *t, const char *key,
    const char *rule)
{
	const struct deadline_decl *d;
	size_t i;

	for (d = t->deadlines; d != NULL && d->key != NULL; d++)
		if (strcmp(d->key, key) == 0)
			for (i = 0; d->rules[i] != NULL; i++)
				if (strcmp(d->rules[i], rule) == 0)
					return 1;
	return 0;
}

int
form_deadline(struct cmd_ctx *ctx, const char *name, int64_t from_ms,
    int amount, json_t **out)
{
	const struct profile *p = form_profile(ctx);
	int assumed = 0;

	*out = NULL;
	if (ctx->profile_loaded < 0)
		return profile_error(ctx);
	if ((*out = form_deadline_of(p, ctx->calendar, name, from_ms, amount,
	    &assumed)) == NULL)
		return 0;
	if (assumed)
		fprintf(stderr, _("liandong: warning: the deadline %s counts plain weekdays: no holiday calendar is loaded for its year\n"),
		    json_string_value(json_object_get(*out, "due")));
	return 0;
}

int
form_get(struct cmd_ctx *ctx, const char *id, const char *type, json_t **doc)
{
	const char *t;
	int rc;

	*doc = NULL;
	if ((rc = ledger_get(ctx->lg, id, doc, ctx->err)) != 0 &&
	    rc != LD_ENOTFOUND)
		return cmd_fail(ctx, rc); /* the database, not the id */
	if (rc != 0 ||
	    (t = json_string_value(json_object_get(*doc, "type"))) == NULL ||
	    strcmp(t, type) != 0) {
		json_decref(*doc);
		*doc = NULL;
		return cmd_error(ctx, EXIT_NOTFOUND, _("no %s '%s'"), type, id);
	}
	return 0;
}

int
form_precheck(struct cmd_ctx *ctx, const json_t *doc, const char *kind,
    const json_t *body)
{
	json_t *copy;
	const char *reason = NULL;
	struct event ev;
	int conflict, rc;

	/* Not this station's part at all: say so before any state. */
	if ((rc = ledger_may_write(ctx->lg, kind, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	copy = json_deep_copy(doc);
	event_init(&ev);
	ld_strlcpy(ev.station, ledger_station(ctx->lg), sizeof ev.station);
	ev.seq = 1;
	ev.hlc = 1;
	ev.at = ltime_now();
	ev.unit = (char *)ledger_unit(ctx->lg);
	ev.author = (char *)"-";
	ev.kind = (char *)kind;
	ev.body = (json_t *)body;
	conflict = fold_apply(copy, &ev);
	if (conflict) {
		json_t *c = json_object_get(copy, "conflicts");
		reason = json_string_value(json_object_get(json_array_get(c,
		    json_array_size(c) - 1), "reason"));
	}
	if (conflict)
		conflict = cmd_error(ctx, EXIT_CONFLICT, _("%s refused for '%s': %s"),
		    kind, json_string_value(json_object_get(doc, "entity")),
		    fold_reason_text(reason));
	json_decref(copy);
	return conflict;
}

void
form_audience_add(json_t *aud, const char *unit)
{
	json_t *v;
	size_t i;

	if (unit == NULL)
		return;
	json_array_foreach(aud, i, v)
		if (strcmp(json_string_value(v), unit) == 0)
			return;
	json_array_append_new(aud, json_string(unit));
}

int
form_step(struct cmd_ctx *ctx, const char *type, const char *kind,
    json_t *body, const char *extra)
{
	const char *id = ctx->cli.argv[0], *officer;
	json_t *doc = NULL, *aud;
	int rc;

	officer = form_officer(ctx, cmd_value(ctx, "officer"));
	if (officer == NULL)
		return cmd_usage_error(ctx, _("missing required option --officer"));
	if ((rc = form_get(ctx, id, type, &doc)) != 0)
		return rc;
	if ((rc = form_precheck(ctx, doc, kind, body)) != 0 ||
	    (extra != NULL && (rc = units_check(ctx, extra)) != 0)) {
		json_decref(doc);
		return rc;
	}
	aud = json_deep_copy(json_object_get(doc, "audience"));
	json_decref(doc);
	form_audience_add(aud, ledger_unit(ctx->lg));
	form_audience_add(aud, extra);
	rc = form_record(ctx, kind, id, officer, aud, body, NULL);
	json_decref(aud);
	if (rc == 0)
		printf("%s\n", id);
	return rc;
}

int
form_kind_step(struct cmd_ctx *ctx, const char *type, const char *kind)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_kind_fill(ctx, kind, body, 0)) == 0)
		rc = form_step(ctx, type, kind, body, NULL);
	json_decref(body);
	return rc;
}

/* 1 if the rule's clause allows an extension without a cap: the county's
 * words say so (延期 / 延长), and the profile then leaves extend_max out
 * (docs/rules.md). */
static int
uncapped_extension(const struct rule *r)
{
	return r->extend_max == 0 && r->clause != NULL &&
	    strstr(r->clause, "延") != NULL;
}

/* "2026-12-07" of a due time, for messages. */
static void
due_day(int64_t ms, char buf[LTIME_LEN])
{
	ltime_format(ms, buf);
	buf[10] = '\0';
}

/*
 * --days N is the new total in the rule's unit, counted from the start,
 * whatever the cap: above the rule's own amount, and not past the cap
 * (rule_extend_cap), which a profile gives as a total in the rule's unit
 * (Gonghe: 10 working days in all) or in a unit of its own after the
 * rule's due time (Yicheng: 十日 after the five working days). Refusals
 * cite the clause by its section number only.
 */
static int
extension_refused(struct cmd_ctx *ctx, const struct rule *r, long long n,
    int64_t next, int64_t cap)
{
	char ref[128], d1[LTIME_LEN], d2[LTIME_LEN];

	rule_clause_ref(r, ref, sizeof ref);
	if (r->extend_max == 0)
		return cmd_error(ctx, EXIT_INVALID,
		    _("--days must be above %d, the %s the rule already gives "
		    "(%s)"), r->amount, rule_unit_name(r->unit), ref);
	if (r->extend_unit == r->unit && r->extend_from == RULE_FROM_START)
		return cmd_error(ctx, EXIT_INVALID,
		    _("--days must be above %d and at most %d %s in all (%s)"),
		    r->amount, r->extend_max, rule_unit_name(r->unit), ref);
	due_day(next, d1);
	due_day(cap, d2);
	if (n <= r->amount)
		return cmd_error(ctx, EXIT_INVALID,
		    _("--days must be above %d, the %s the rule already gives, "
		    "and end by %s (%s)"), r->amount, rule_unit_name(r->unit),
		    d2, ref);
	return cmd_error(ctx, EXIT_INVALID,
	    _("--days %lld would end on %s, past %s: an extension of at most %d "
	    "%s after the due time (%s)"), n, d1, d2, r->extend_max,
	    rule_unit_name(r->extend_unit), ref);
}

int
form_extend(struct cmd_ctx *ctx, const char *name, int64_t from_ms,
    const json_t *current, json_t **due)
{
	const char *days = cmd_value(ctx, "days");
	const struct rule *r = profile_rule(form_profile(ctx), name);
	int64_t cur, next, cap;
	long long n;
	int rc, assumed = 0;

	*due = NULL;
	if (days == NULL || cmd_value(ctx, "reason") == NULL)
		return cmd_usage_error(ctx, _("give --days and --reason"));
	if (ld_number(days, 1, RULE_AMOUNT_MAX, &n, NULL) != 0)
		return cmd_error(ctx, EXIT_INVALID, _("--days must be a number"));
	if (ctx->profile_loaded < 0)
		return profile_error(ctx);
	if (r == NULL || r->unit == RULE_IMMEDIATE ||
	    (r->extend_max == 0 && !uncapped_extension(r)))
		return cmd_error(ctx, EXIT_CONFLICT,
		    _("the county's rules allow no extension of this time"));
	next = rule_due(r, ctx->calendar, from_ms, (int)n, &assumed);
	cap = rule_extend_cap(r, ctx->calendar, from_ms, &assumed);
	if (n <= r->amount || next > cap)
		return extension_refused(ctx, r, n, next, cap);
	if (ltime_parse(json_string_value(json_object_get(current, "due")),
	    &cur) == 0 && ltime_now() > cur)
		return cmd_error(ctx, EXIT_CONFLICT,
		    _("the deadline %s has already passed: an extension must be announced before it"),
		    json_string_value(json_object_get(current, "due")));
	if ((rc = form_deadline(ctx, name, from_ms, (int)n, due)) != 0)
		return rc;
	/* An extension moves the deadline later, never earlier. */
	if (*due != NULL && ltime_parse(json_string_value(json_object_get(
	    current, "due")), &cur) == 0 && ltime_parse(json_string_value(
	    json_object_get(*due, "due")), &next) == 0 && next <= cur) {
		json_decref(*due);
		*due = NULL;
		return cmd_error(ctx, EXIT_INVALID,
		    _("%lld %s is not later than the deadline already set"), n,
		    rule_unit_name(r->unit));
	}
	return 0;
}

int
form_text_opt(struct cmd_ctx *ctx, json_t *body, const char *opt,
    const char *field, int required)
{
	const char *v = cmd_value(ctx, opt);

	if (v == NULL || *v == '\0')
		return required ? cmd_usage_error(ctx,
		    _("missing required option --%s"), opt) : 0;
	if (!utf8_valid(v, strlen(v)))
		return cmd_error(ctx, EXIT_INVALID, _("'--%s' is not valid UTF-8"),
		    opt);
	json_object_set_new(body, field, json_string(v));
	return 0;
}

int
form_recorded(struct cmd_ctx *ctx, const char *id)
{
	if (ctx->json) {
		json_t *o = out_doc("recorded");
		json_object_set_new(o, "id", json_string(id));
		out_json(o);
	} else
		printf("%s\n", id);
	return 0;
}

int
form_list_directed(struct cmd_ctx *ctx, const char *type, const char *kind,
    const char *key, json_t **keep)
{
	int in = cmd_flag(ctx, "incoming"), outg = cmd_flag(ctx, "outgoing");
	const char *unit = ledger_unit(ctx->lg);
	struct ledger_query q;
	json_t *items, *doc;
	size_t i;
	int rc;

	*keep = NULL;
	memset(&q, 0, sizeof q);
	q.type = type;
	if ((rc = ledger_query(ctx->lg, &q, &items, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	*keep = json_array();
	json_array_foreach(items, i, doc) {
		const char *to = json_string_value(json_object_get(doc, "to"));
		const char *from = json_string_value(json_object_get(doc, "unit"));
		/* A record with no single addressee (information shared with
		 * several units) is incoming wherever it came from elsewhere. */
		int mine = from != NULL && strcmp(from, unit) == 0;
		if ((in && (to != NULL ? strcmp(to, unit) != 0 : mine)) ||
		    (outg && !mine))
			continue;
		json_array_append(*keep, doc);
	}
	json_decref(items);
	if (ctx->json) {
		doc = out_doc(kind);
		json_object_set_new(doc, key, *keep);
		out_json(doc);
		*keep = NULL;
	}
	return 0;
}

int64_t
form_received_from(const json_t *doc)
{
	const char *t = json_string_value(json_object_get(json_object_get(doc,
	    "received"), "at"));
	int64_t ms;

	if (t != NULL && ltime_parse(t, &ms) == 0)
		return ms;
	return fold_sent_at(doc);
}

int
form_sent_at(struct cmd_ctx *ctx, const json_t *body, int64_t *ms)
{
	const char *t = json_string_value(json_object_get(body, "sent_at"));

	*ms = ltime_now();
	if (t == NULL)
		return 0;
	if (ltime_parse(t, ms) != 0)
		return cmd_error(ctx, EXIT_INVALID, _("invalid date '%s' for --%s"),
		    t, "sent-at");
	if (*ms > ltime_now())
		return cmd_error(ctx, EXIT_INVALID,
		    _("--sent-at '%s' is in the future"), t);
	return 0;
}

int
form_receive(struct cmd_ctx *ctx, const char *type)
{
	const char *id = ctx->cli.argv[0], *t, *why;
	char kind[64];
	json_t *doc = NULL, *given = json_object(), *body;
	int64_t at;
	int rc;

	snprintf(kind, sizeof kind, "%s.received", type);
	if ((rc = form_kind_text(ctx, kind, given)) != 0 ||
	    (rc = form_get(ctx, id, type, &doc)) != 0)
		goto out;
	t = json_string_value(json_object_get(given, "received_at"));
	if (t == NULL || ltime_parse(t, &at) != 0) {
		rc = cmd_usage_error(ctx, _("missing required option --%s"),
		    "received-at");
		goto out;
	}
	why = fold_receipt_refused(doc, at, ltime_now(), RECEIPT_ENTERED);
	if (why != NULL && strcmp(why, "received_in_future") == 0) {
		rc = cmd_error(ctx, EXIT_INVALID,
		    _("--received-at '%s' is in the future"), t);
		goto out;
	}
	if (why != NULL) {
		char s[LTIME_LEN];

		ltime_format(fold_sent_at(doc), s);
		rc = cmd_error(ctx, EXIT_INVALID,
		    _("--received-at is before '%s' was sent (%s)"), id, s);
		goto out;
	}
	form_profile(ctx);
	if (ctx->profile_loaded < 0) {
		rc = profile_error(ctx);
		goto out;
	}
	body = form_receipt_body(ctx->profile, ctx->calendar, doc, at, "paper");
	rc = form_step(ctx, type, kind, body, NULL);
	json_decref(body);
out:
	json_decref(doc);
	json_decref(given);
	return rc;
}

int
form_send(struct cmd_ctx *ctx, const char *kind, json_t *body,
    const char *rule, const char *due_key)
{
	const char *to = json_string_value(json_object_get(body, "to"));
	const char *cs = json_string_value(json_object_get(body, "case"));
	json_t *doc = NULL, *aud, *due = NULL;
	char *id = NULL;
	int64_t sent;
	int rc;

	if (text_check("to", to, UNIT_MAX, 0, ctx->err) != 0)
		return cmd_fail(ctx, LD_EINVAL);
	if (strcmp(to, ledger_unit(ctx->lg)) == 0)
		return cmd_error(ctx, EXIT_INVALID,
		    _("--to '%s' is this station's own unit: address another unit"),
		    to);
	if ((rc = ledger_may_write(ctx->lg, kind, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	if ((rc = units_check(ctx, to)) != 0)
		return rc;
	if (cs != NULL && (rc = form_get(ctx, cs, "case", &doc)) != 0)
		return rc;
	json_decref(doc);
	if ((rc = form_sent_at(ctx, body, &sent)) != 0 ||
	    (rc = form_deadline(ctx, rule, sent, 0, &due)) != 0)
		return rc;
	if (due != NULL)
		json_object_set_new(body, due_key, due);
	aud = json_array();
	form_audience_add(aud, ledger_unit(ctx->lg));
	form_audience_add(aud, to);
	rc = form_record(ctx, kind, NULL, json_string_value(json_object_get(body,
	    "officer")), aud, body, &id);
	if (rc == 0)
		rc = form_recorded(ctx, id);
	free(id);
	json_decref(aud);
	return rc;
}

int
form_all_records(struct cmd_ctx *ctx, int (*keep)(const struct entity_type *),
    json_t **all)
{
	const struct entity_type *t;
	struct ledger_query q;
	json_t *arr;
	size_t i;
	int rc;

	*all = json_array();
	for (i = 0; (t = entity_type_at(i)) != NULL; i++) {
		if (keep != NULL && !keep(t))
			continue;
		memset(&q, 0, sizeof q);
		q.type = t->name;
		if ((rc = ledger_query(ctx->lg, &q, &arr, ctx->err)) != 0) {
			json_decref(*all);
			*all = NULL;
			return cmd_fail(ctx, rc);
		}
		json_array_extend(*all, arr);
		json_decref(arr);
	}
	return 0;
}

int
form_show_json(struct cmd_ctx *ctx, const char *type, const char *id,
    json_t *doc, int show_confidential)
{
	json_t *out = out_doc(type);
	int rc;

	json_object_set_new(out, type, doc);
	rc = form_timeline(ctx, id, out, show_confidential);
	if (rc == 0)
		out_json(out);
	else
		json_decref(out);
	return rc;
}

static const struct out_col attachment_lines[] = {
	{ N_("attachment:"), "attachments", OUT_ATTACHMENTS, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};
const struct out_col *const form_attachment_lines = attachment_lines;

int
form_show(struct cmd_ctx *ctx, const char *type, const struct out_col *lines,
    void (*more)(const json_t *doc))
{
	const char *id = ctx->cli.argv[0];
	json_t *doc;
	int rc;

	if ((rc = form_get(ctx, id, type, &doc)) != 0)
		return rc;
	if (ctx->json) {
		form_attachments_redact(ctx, doc, 0, "(confidential)");
		return form_show_json(ctx, type, id, doc, 0);
	}
	out_show(lines, doc);
	if (more != NULL)
		more(doc);
	form_attachments_redact(ctx, doc, 0,
	    _("(confidential: liandong attachment list --confidential)"));
	out_show(form_attachment_lines, doc);
	form_conflicts(doc);
	json_decref(doc);
	return form_timeline(ctx, id, NULL, 0);
}

/*
 * The console (agent/ui.c) opens records through the same commands: the
 * form it shows is described from the kind's fields, and what the user
 * typed goes back to the command as its options.
 */

json_t *
form_kind_describe(const char *kind)
{
	static const char *const types[] = { [FV_STR] = "text",
		[FV_TEXT] = "textarea", [FV_TIME] = "time", [FV_ENUM] = "enum",
		[FV_BOOL] = "bool", [FV_LIST] = "list", [FV_DECIMAL] = "number" };
	const struct kind_info *k = kind_find(kind);
	const struct field *f;
	const struct enum_value *v;
	json_t *out, *o, *vals;
	char *opt;

	if (k == NULL)
		return NULL;
	out = json_array();
	for (f = k->fields; f->name != NULL; f++) {
		if (f->ui == NULL)
			continue;
		o = json_object();
		opt = field_opt(f);
		json_object_set_new(o, "field", json_string(f->name));
		json_object_set_new(o, "option", json_string(opt));
		json_object_set_new(o, "type",
		    json_string(types[form_type_of(f->type)]));
		json_object_set_new(o, "required", json_boolean(f->required &&
		    f->type != F_BOOL && !(f->ui->flags & (FIELD_NOW |
		    FIELD_OFFICER))));
		json_object_set_new(o, "label", json_string(f->ui->prompt != NULL ?
		    _(f->ui->prompt) : opt));
		json_object_set_new(o, "help", json_string(f->ui->help != NULL ?
		    _(f->ui->help) : ""));
		if (f->max > 0)
			json_object_set_new(o, "max", json_integer((json_int_t)f->max));
		if (f->values != NULL) {
			vals = json_array();
			for (v = f->values; v->name != NULL; v++)
				json_array_append_new(vals, json_pack("{s:s,s:s}",
				    "name", v->name, "label", v->label));
			json_object_set_new(o, "values", vals);
		}
		json_array_append_new(out, o);
		free(opt);
	}
	return out;
}

int
form_kind_args(const char *kind, const json_t *body, json_t *args,
    const char **bad)
{
	const struct kind_info *k = kind_find(kind);
	const struct field *f;
	const char *key;
	json_t *val, *item;
	size_t i;
	char *opt;

	*bad = NULL;
	if (k == NULL || !json_is_object(body))
		return -1;
	json_object_foreach((json_t *)body, key, val) {
		for (f = k->fields; f->name != NULL; f++)
			if (f->ui != NULL && strcmp(f->name, key) == 0)
				break;
		*bad = f->name != NULL ? f->name : key;
		if (f->name == NULL)
			return -1;
		opt = field_opt(f);
		if (f->type == F_BOOL) {
			if (!json_is_boolean(val)) {
				free(opt);
				return -1;
			}
			if (json_is_true(val))
				json_array_append_new(args, json_sprintf("--%s", opt));
		} else if (f->type == F_STRS) {
			if (!json_is_array(val)) {
				free(opt);
				return -1;
			}
			json_array_foreach(val, i, item) {
				if (!json_is_string(item)) {
					free(opt);
					return -1;
				}
				json_array_append_new(args, json_sprintf("--%s=%s",
				    opt, json_string_value(item)));
			}
		} else if (json_is_string(val)) {
			/* An empty value is a value not given: the command
			 * says so of a required one, as on the command line. */
			if (*json_string_value(val) != '\0')
				json_array_append_new(args, json_sprintf("--%s=%s",
				    opt, json_string_value(val)));
		} else if (!json_is_null(val)) {
			free(opt);
			return -1;
		}
		free(opt);
	}
	*bad = NULL;
	return 0;
}

const char *
form_kind_field(const char *kind, const char *opt, size_t len)
{
	const struct kind_info *k = kind_find(kind);
	const struct field *f;
	const char *name = NULL;
	char *o;

	for (f = k != NULL ? k->fields : NULL; f != NULL && f->name != NULL;
	    f++) {
		if (f->ui == NULL)
			continue;
		o = field_opt(f);
		if (strlen(o) == len && strncmp(o, opt, len) == 0)
			name = f->name;
		free(o);
		if (name != NULL)
			break;
	}
	return name;
}

json_t *
form_opts_describe(const struct cli_opt *opts)
{
	const struct cli_opt *o;
	json_t *out = json_array(), *f, *d;
	size_t i;

	for (o = opts; o != NULL && o->name != NULL; o++) {
		if (o->arg == form_fields_mark) {
			f = form_kind_describe(o->name);
			json_array_foreach(f, i, d) {
				/* A field with no prompt of its own is called
				 * by its help. */
				if (strcmp(json_string_value(json_object_get(d,
				    "label")), json_string_value(json_object_get(d,
				    "option"))) == 0 && *json_string_value(
				    json_object_get(d, "help")) != '\0') {
					json_object_set(d, "label",
					    json_object_get(d, "help"));
					json_object_set_new(d, "help",
					    json_string(""));
				}
				json_object_set_new(d, "kind", json_string(o->name));
				json_array_append(out, d);
			}
			json_decref(f);
			continue;
		}
		d = json_object();
		json_object_set_new(d, "option", json_string(o->name));
		json_object_set_new(d, "type", json_string(o->type == CLI_FLAG ?
		    "bool" : o->type == CLI_LIST ? "list" : o->arg != NULL &&
		    (strcmp(o->arg, "DATE") == 0 || strcmp(o->arg, "TIME") == 0) ?
		    "time" : "text"));
		json_object_set_new(d, "required", json_false());
		json_object_set_new(d, "label", json_string(o->help != NULL ?
		    _(o->help) : o->name));
		json_object_set_new(d, "help", json_string(""));
		if (o->arg != NULL)
			json_object_set_new(d, "arg", json_string(o->arg));
		json_array_append_new(out, d);
	}
	return out;
}
