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

enum form_type { FV_STR, FV_TEXT, FV_TIME, FV_ENUM, FV_BOOL, FV_LIST };

#define FF_REQUIRED 1
#define FF_NOW 2     /* FV_TIME: defaults to now */
#define FF_OFFICER 4 /* defaults to the configured officer */

struct form_field {
	const char *opt;    /* option name */
	const char *field;  /* body field */
	enum form_type type;
	int flags;
	const struct enum_value *values; /* FV_ENUM */
	const char *prompt; /* label when asking */
};

/* 1 when missing fields should be asked for (a terminal, or
 * LIANDONG_PROMPT=1 for scripts that answer on stdin). */
int form_interactive(void);

/* Fills body from the options. Returns 0 or an exit code (message
 * printed). With partial set, required fields are not asked for. */
int form_fill(struct cmd_ctx *ctx, const struct form_field *ff, json_t *body,
    int partial);

/* The officer acting: --officer, agent.conf, $LIANDONG_OFFICER, else NULL. */
const char *form_officer(struct cmd_ctx *ctx, const char *given);



/* Records one event in its own transaction; prints nothing. On success
 * *id (if not NULL) is the entity id, which the caller frees. Returns 0
 * or an exit code (message printed). */
int form_record(struct cmd_ctx *ctx, const char *kind, const char *entity,
    const char *author, const json_t *body, char **id);

/* Prints the timeline of entity (one line per event) on stdout, or adds
 * it as "events" to doc when doc is not NULL. Confidential bodies are
 * redacted unless show_confidential. Returns 0 or an exit code. */
int form_timeline(struct cmd_ctx *ctx, const char *entity, json_t *doc,
    int show_confidential);

/* Prints the conflicts of a projection, if any. */
void form_conflicts(const json_t *doc);
/* Reads --since, --until (into the caller's LTIME_LEN buffers) and
 * --limit into q. Returns 0 or an exit code (message printed). */
int list_range(struct cmd_ctx *ctx, struct ledger_query *q, char *since,
    char *until);
/* A deadline for rule started at from_ms under the county's rule profile,
 * as the JSON the kinds expect ({due, rule, basis, assumed}); amount > 0
 * overrides the rule's (an extension). *out is NULL when no profile is
 * loaded or it has no such rule. Returns 0 or an exit code. */
int form_deadline(struct cmd_ctx *ctx, const char *rule, int64_t from_ms,
    int amount, json_t **out);

/* The rule profile in force here (NULL if none), loaded on first use. */
const struct profile *form_profile(struct cmd_ctx *ctx);
#endif
