/*
 * form.h - turning a command's options into an event body.
 *
 * A command declares, per body field, the option it comes from, how to
 * read it and whether it is required. form_fill reads the options, asks
 * on a terminal for a missing required field, applies defaults (times
 * default to now, the officer to agent.conf or $LIANDONG_OFFICER) and
 * converts values: dates to canonical times, enum values given by name or
 * Chinese label to their name. Nothing is written: the event is validated
 * again by the ledger.
 */
#ifndef LD_FORM_H
#define LD_FORM_H

#include <jansson.h>

#include "cmd.h"
#include "kinds.h"

struct calendar;
struct profile;

enum form_type { FV_STR, FV_TEXT, FV_TIME, FV_ENUM, FV_BOOL, FV_LIST,
	FV_DECIMAL /* "2", "2.5", "2.0": stored canonical (F_DECIMAL) */ };

#define FF_REQUIRED 1
#define FF_NOW 2     /* FV_TIME: defaults to now */
#define FF_OFFICER 4 /* defaults to the configured officer */
#define FF_FUTURE 8  /* FV_TIME: may be in the future (a plan's date) */

struct form_field {
	const char *opt;    /* option name */
	const char *field;  /* body field */
	enum form_type type;
	int flags;
	const struct enum_value *values; /* FV_ENUM */
	const char *prompt; /* label when asking */
};

/*
 * Options and forms declared with a kind's fields (struct field_ui,
 * kinds.h): FORM_FIELDS(kind) in a command's options stands for the
 * options of kind's fields that have a field_ui, in field order, and
 * form_kind_fill reads them into a body as form_fill does. A field is
 * then declared once, in its type's file, for the schema, the option and
 * the prompt.
 */
extern const char form_fields_mark[];
#define FORM_FIELDS(kind) { (kind), CLI_VALUE, form_fields_mark, NULL }

/* opts with every FORM_FIELDS in it replaced by its fields' options (a
 * new array, kept for the life of the program), or opts itself when it
 * has none. cmd.c does this for every command before parsing. */
const struct cli_opt *form_opts(const struct cli_opt *opts);

/* form_fill with the form that kind's fields declare. */
int form_kind_fill(struct cmd_ctx *ctx, const char *kind, json_t *body,
    int partial);

/* form_text_opt for each field of kind that has a field_ui, in order,
 * required when the schema requires it: a value missing or empty is left
 * out, or a usage error when required. An enum or a time is read as
 * form_fill reads it (a FIELD_NOW time missing is now), a flag is true
 * or false, a list is set when given.
 * Fields already in body (a default, a value the command worked out) are
 * left as they are. Returns 0 or an exit code. */
int form_kind_text(struct cmd_ctx *ctx, const char *kind, json_t *body);

/* 1 when missing fields should be asked for (a terminal, or
 * LIANDONG_PROMPT=1 for scripts that answer on stdin). */
int form_interactive(void);

/* Fills body from the options. Returns 0 or an exit code (message
 * printed). With partial set, required fields are not asked for. */
int form_fill(struct cmd_ctx *ctx, const struct form_field *ff, json_t *body,
    int partial);

/* The officer acting: --officer (given), agent.conf, $LIANDONG_OFFICER,
 * else NULL. Once this unit's register of people holds anyone, the name is
 * checked against it: a given name that begins exactly one active
 * person's name completes to it, and a name not held, one that begins
 * several, a person who left and an expired certificate are warned of on
 * stderr, once per name; the name is never refused (form.c). The string
 * returned lives as long as given, or the program. */
const char *form_officer(struct cmd_ctx *ctx, const char *given);



/* Records one event in its own transaction, for audience (NULL: this
 * unit); prints nothing. On success *id (if not NULL) is the entity id,
 * which the caller frees. Returns 0 or an exit code (message printed). */
int form_record(struct cmd_ctx *ctx, const char *kind, const char *entity,
    const char *author, const json_t *audience, const json_t *body,
    char **id);

/* One event of a step that writes more than one. */
struct form_event {
	const char *kind;
	const char *entity;        /* NULL for a kind that creates one */
	const json_t *audience;    /* NULL: this unit */
	const json_t *body;        /* NULL: this one is left out */
};

/* Records the n events of one step by author in one transaction: all or
 * none; *id (if not NULL) is the first one's entity id, which the caller
 * frees. Prints nothing; returns 0 or an exit code (message printed). */
int form_record_all(struct cmd_ctx *ctx, const char *author,
    const struct form_event *evs, size_t n, char **id);

/* Prints the timeline of entity (one line per event) on stdout, or adds
 * it as "events" to doc when doc is not NULL. Confidential bodies are
 * redacted unless show_confidential. Returns 0 or an exit code. */
int form_timeline(struct cmd_ctx *ctx, const char *entity, json_t *doc,
    int show_confidential);

/* 1 if this unit handles the record doc: made it, or is in its audience
 * (it was addressed to it); a unit that sees it by its role does not. */
int form_handles(struct cmd_ctx *ctx, const json_t *doc);

/* The complainant-identity rule for attachments (issue 18): unless
 * show_confidential was asked for and this unit handles the record
 * (form_handles), each confidential one in doc's "attachments" is
 * replaced by {confidential: true, hidden: hint, at, unit}: no hash, name
 * or caption. */
void form_attachments_redact(struct cmd_ctx *ctx, json_t *doc,
    int show_confidential, const char *hint);

/* The lines of a record's attachments in a show (OUT_ATTACHMENTS). */
struct out_col;
extern const struct out_col *const form_attachment_lines;

/* Prints the conflicts of a projection, if any. */
void form_conflicts(const json_t *doc);
/* Reads --since, --until (into the caller's LTIME_LEN buffers),
 * --limit and --offset into q. Returns 0 or an exit code (message
 * printed). */
int list_range(struct cmd_ctx *ctx, struct ledger_query *q, char *since,
    char *until);
/* A deadline for rule started at from_ms under the county's rule profile,
 * as the JSON the kinds expect ({due, rule, basis, assumed}); amount > 0
 * overrides the rule's (an extension). *out is NULL when no profile is
 * loaded or it has no such rule. Returns 0 or an exit code. */
int form_deadline(struct cmd_ctx *ctx, const char *rule, int64_t from_ms,
    int amount, json_t **out);

/* The deadline of rule name started at from_ms under profile p (may be
 * NULL) and calendar cal, as form_deadline makes it (new reference), or
 * NULL when p has no such rule; *assumed: it counted plain weekdays. */
json_t *form_deadline_of(const struct profile *p, const struct calendar *cal,
    const char *name, int64_t from_ms, int amount, int *assumed);

/* 1 if rule is one of those type t declares for its deadline key. */
struct entity_type;
int deadline_rule_ok(const struct entity_type *t, const char *key,
    const char *rule);

/* The body of a receipt of the record doc (its kind "<type>.received",
 * fold_received in fold.h): received_at, basis ("server", "paper") and
 * each of its type's deadlines counted from receipt (registry.h,
 * from_receipt), counted again from received_at by the rule the record's
 * deadline names, under p and cal; one the record carries no rule for,
 * or whose rule p lacks, is left out. New reference. */
json_t *form_receipt_body(const struct profile *p, const struct calendar *cal,
    const json_t *doc, int64_t received_at, const char *basis);

/* When the deadlines a record's addressee owes count from: its receipt
 * ("received".at), else its sent_at, else when it was entered. */
int64_t form_received_from(const json_t *doc);

/* The start of a sent record's deadlines: body's sent_at (--sent-at: a
 * paper letter that left before it was entered), else now, in *ms; a
 * sent_at in the future is refused. Returns 0 or an exit code. */
int form_sent_at(struct cmd_ctx *ctx, const json_t *body, int64_t *ms);

/* `<type> receive <id> --received-at DATE`: records, as the unit the
 * record was addressed to, when its paper document arrived (basis
 * "paper"), neither in the future nor before the record was sent (its
 * sent_at, else when the sender entered it), with the deadlines owed
 * from receipt counted again from then. Prints the id. Returns 0 or an
 * exit code (message printed). */
int form_receive(struct cmd_ctx *ctx, const char *type);

/* An extension of the deadline current of rule name, started at from_ms:
 * --days N (the new total in the rule's unit) and --reason must be given,
 * the rule must allow an extension (a cap, or words allowing one without
 * a cap), N within the cap, current not passed yet, and the new deadline
 * later than current.
 * Sets *due (new reference). Returns 0 or an exit code (message printed). */
int form_extend(struct cmd_ctx *ctx, const char *name, int64_t from_ms,
    const json_t *current, json_t **due);

/* The rule profile in force here (NULL if none), loaded on first use. */
const struct profile *form_profile(struct cmd_ctx *ctx);

/*
 * The steps of a workflow record (referral, assistance request, whistle
 * call, meeting): each is checked against the fold before it is written.
 */

/* The projection of id, which must be of entity type (new reference in
 * *doc). Returns 0, or EXIT_NOTFOUND with "no <type> '<id>'" printed when
 * there is none, or the exit code of the database's error (it is not
 * called "not found": a locked or damaged database is said as such). */
int form_get(struct cmd_ctx *ctx, const char *id, const char *type,
    json_t **doc);

/* Applies kind with body, as this unit now, to a copy of doc: returns 0
 * when the state machine takes it, else EXIT_CONFLICT with the reason
 * printed, so that the user hears "no" at once instead of recording a
 * conflict (EXIT_FORBIDDEN first if this station's role may not write
 * kind at all). */
int form_precheck(struct cmd_ctx *ctx, const json_t *doc, const char *kind,
    const json_t *body);

/* Adds unit to the audience array unless it is NULL or already there. */
void form_audience_add(json_t *aud, const char *unit);

/* Records kind with body on the record ctx->cli.argv[0] of entity type,
 * after form_precheck, addressed to the record's audience, this unit and
 * extra (may be NULL); the author is --officer or the configured one.
 * Prints the id. Returns 0 or an exit code (message printed). */
int form_step(struct cmd_ctx *ctx, const char *type, const char *kind,
    json_t *body, const char *extra);
/* form_step with a body of kind's fields from the options alone
 * (form_kind_fill). Returns 0 or an exit code. */
int form_kind_step(struct cmd_ctx *ctx, const char *type, const char *kind);

/* Sets body[field] from --opt, checking it is UTF-8; a missing option is
 * a usage error when required. Returns 0 or an exit code. */
int form_text_opt(struct cmd_ctx *ctx, json_t *body, const char *opt,
    const char *field, int required);

/* Prints a new record's id, or {"kind":"recorded","id":...} with --json. */
int form_recorded(struct cmd_ctx *ctx, const char *id);
/* The records of type that concern this unit, as --incoming ("to" is
 * this unit; for records without a single "to", made by another unit)
 * and --outgoing ("unit" is this unit) ask, newest first. With
 * --json they are printed as {"kind": kind, key: [...]} and *keep is
 * NULL; otherwise the caller prints *keep and frees it. Returns 0 or an
 * exit code. */
int form_list_directed(struct cmd_ctx *ctx, const char *type,
    const char *kind, const char *key, json_t **keep);
/* Records a new record of kind addressed to one other unit, from body
 * (filled by the caller, with "to" and "officer"): "to" must be a unit
 * name other than this unit's, a "case" it names must be held here,
 * due_key gets rule's deadline counted from its sent_at (form_sent_at),
 * else now, when the profile has the rule, and the audience is this unit and "to". Prints the id. Returns 0
 * or an exit code (message printed). */
int form_send(struct cmd_ctx *ctx, const char *kind, json_t *body,
    const char *rule, const char *due_key);
/* Every record held here of the types keep returns true for (NULL: every
 * type), each type newest first (*all a new array). Returns 0 or an exit
 * code (message printed). */
int form_all_records(struct cmd_ctx *ctx,
    int (*keep)(const struct entity_type *), json_t **all);
/* Prints {"v", "kind": type, type: doc, "events": [timeline]} for a show
 * command; takes doc. Returns 0 or an exit code. */
int form_show_json(struct cmd_ctx *ctx, const char *type, const char *id,
    json_t *doc, int show_confidential);

struct out_col;
/* The show command of a record of type, ctx->cli.argv[0]: as JSON with
 * --json, else its lines (out_show), then more(doc) for an irregular
 * part when more is not NULL, its conflicts and its timeline. Returns 0
 * or an exit code. */
int form_show(struct cmd_ctx *ctx, const char *type,
    const struct out_col *lines, void (*more)(const json_t *doc));

/*
 * For the console (agent/ui.c), which opens a record by running its
 * command: the form of kind's fields and the options that fill it.
 */

/* The fields of kind a command line gives, in order, as the console's
 * form shows them: [{field, option, type (text, textarea, time, enum,
 * bool, list, number), required (must be typed: not a flag, nor a time
 * or officer with a default), label and help (translated), max,
 * values: [{name, label}] for an enum}]. New reference; NULL for no
 * such kind. */
json_t *form_kind_describe(const char *kind);

/* Appends to args (an array of strings) the options that give body, an
 * object of kind's field names: "--opt=value" for a string (an empty one
 * is left out, as a value not given), "--opt" for true, one "--opt=item"
 * per item of a list. Returns 0, or -1 with *bad the field that is not
 * one of kind's or has the wrong JSON type. */
int form_kind_args(const char *kind, const json_t *body, json_t *args,
    const char **bad);

/* The options of a command as declared (FORM_FIELDS not yet expanded),
 * as the console's form shows them: each option of a kind's fields as
 * form_kind_describe describes it, with "kind"; any other {option, type
 * (bool for a flag, list, time for a DATE or TIME, else text), required
 * false (the command says what it requires), label (its help,
 * translated), help "", arg}. New reference. */
json_t *form_opts_describe(const struct cli_opt *opts);

/* The field of kind whose option is the len bytes at opt, or NULL. */
const char *form_kind_field(const char *kind, const char *opt, size_t len);
#endif
