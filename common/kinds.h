/*
 * kinds.h - event kinds and their body schemas.
 *
 * A kind belongs to a record type and is declared in the type's file
 * (common/type-<name>.c, see registry.h): its fields, and a row in the
 * type's kinds. To add a kind to a type: its fields array, its row, and
 * what its step does to the record in the type's fold step. Entities are
 * named "<letter>-<station>-<seq>": the letter gives the entity type, the
 * station and seq are those of the event that created it, which makes ids
 * unique across stations without asking the server.
 */
#ifndef LD_KINDS_H
#define LD_KINDS_H

#include <stddef.h>
#include <jansson.h>

#include "registry.h"

enum field_type {
	F_STR,   /* one line of text */
	F_TEXT,  /* multi-line text */
	F_BOOL,
	F_TIME,  /* canonical ltime string */
	F_ENUM,  /* one of enum_values */
	F_STRS,  /* array of one-line strings */
	F_PHONE, /* digits, spaces, '+' and '-' */
	F_ENTITY, /* id of another entity */
	F_DEADLINE, /* {"due": time, "rule": name, "basis": text, "assumed": bool} */
	F_DECIMAL, /* a positive number with at most one decimal, as text in
		     its one canonical form ("2", "2.5", "0.5"; never "2.0",
		     "02" or "2."): canonical JSON has no reals. max is the
		     largest value, in whole units */
	F_SHA256, /* a SHA-256 as 64 lowercase hex digits (an attachment's) */
	F_COUNT   /* a whole number from 1 to max, a JSON integer (bytes) */
};

struct enum_value {
	const char *name;  /* stored value, ASCII */
	const char *label; /* Chinese label shown to users, also accepted */
};

/* How a command line gives a field (agent/form.c): the option, its help,
 * and the label it is asked for with. Declared with the field, so that
 * the schema, the command's options and its form are one declaration. */
struct field_ui {
	const char *opt;    /* option name; NULL: the field's, '-' for '_' */
	const char *arg;    /* placeholder in the usage ("UNIT") */
	const char *help;   /* N_() */
	const char *prompt; /* N_() label when asked for; NULL: never asked */
	int flags;          /* FIELD_NOW, FIELD_OFFICER */
};

#define FIELD_NOW 1     /* a time: defaults to now */
#define FIELD_OFFICER 2 /* defaults to the officer configured */
#define FIELD_FUTURE 4  /* a time that may be in the future */

/* A field_ui in a field's row. */
#define FIELD_UI(opt, arg, help, prompt, flags) \
	(&(const struct field_ui){ (opt), (arg), (help), (prompt), (flags) })

struct field {
	const char *name;
	enum field_type type;
	int required;
	size_t max;  /* characters; for F_STRS the max items (each STR_MAX) */
	const struct enum_value *values; /* F_ENUM only, NULL-terminated */
	const struct field_ui *ui; /* NULL: no command line gives it (yet:
				      most commands still declare their
				      options themselves) */
};

#define FIELD_STR_MAX 100

/*
 * Authority on the county server (server/merge.c; docs/protocol.md,
 * "Authority"): a unit holds parts on an entity, given by the events
 * that address it, and a kind that does not create its entity may be
 * written only by a unit holding one of its writers' parts.
 */
enum part {
	PART_CREATOR = 1 << 0,   /* made the entity */
	PART_ADDRESSEE = 1 << 1, /* it was sent to (referral, call...) */
	PART_ESCALATED = 1 << 2, /* it was taken up to */
	PART_MEMBER = 1 << 3,    /* a meeting's member unit */
	PART_OWNER = 1 << 4,     /* owns a resolution */
};
#define PART_ALL ((1 << 5) - 1)

struct authority {
	int writers;        /* PART_* whose holders may write the kind; 0
			       for a creating kind (only on its own new
			       entity) and for one nobody may write */
	const char *grant;  /* the body field naming the unit(s) it gives a
			       part to (a unit, or a list), or NULL */
	int part;           /* the part it gives them */
};

#define AUTHORITY(writers, grant, part) { (writers), (grant), (part) }
#define AUTHORITY_NONE AUTHORITY(0, NULL, 0)

struct kind_info {
	const char *name;                  /* "case.opened" */
	const struct entity_type *etype;
	int creates;                       /* first event of its entity */
	int at_least_one;                  /* body must set one field */
	const struct field *fields;        /* terminated by name == NULL */
	int confidential;  /* its body is kept from everyone not addressed:
			      never seen by role, hidden in timelines, never
			      indexed (the complainant's identity) */
	int written_by;    /* ROLE_* (roles.h) that may write it; 0: those
			      of its type */
	struct authority auth; /* on others' entities; none by default */
};

const struct kind_info *kind_find(const char *name);
/* What people call a kind in their language: "case.opened" is 立案 in
 * Chinese (each row marks its name NC_("kind", ...)); the name itself
 * where there is no translation. */
const char *kind_label(const char *name);
/* The i-th kind, walking the types of the registry in order; NULL past
 * the end. */
const struct kind_info *kind_at(size_t i);
const struct field *kind_field(const struct kind_info *k, const char *name);

/* Checks that entity is well formed and of the kind's type. */
int kind_check_entity(const struct kind_info *k, const char *entity,
    char *err);

/* Validates body against the kind's schema; unknown fields refused. */
int kind_validate_body(const struct kind_info *k, const json_t *body,
    char *err);

/* Makes the id for an entity created by (station, seq). Caller frees. */
char *entity_id_new(const struct entity_type *t, const char *station,
    long long seq);

/* A value of the field's type that passes its checks (NULL for an
 * unknown type), and a body of kind k that passes its schema: every
 * field, or only the required ones. For tests and tools that need one
 * event of every kind. */
json_t *kind_example_value(const struct field *f);
json_t *kind_example_body(const struct kind_info *k, int required_only);

/* A decimal field's value (F_DECIMAL) in tenths ("2.5": 25). decimal_parse
 * reads it as typed: one or more digits, then optionally '.' and one digit
 * ("2", "2.0", "02.5"; at most 999999.9); LD_EINVAL for anything else.
 * decimal_format writes tenths >= 0 in the canonical form the schema
 * wants ("2", "2.5", "0.5"), in buf of at least DECIMAL_LEN bytes. */
#define DECIMAL_LEN 24
int decimal_parse(const char *s, long *tenths);
void decimal_format(long tenths, char *buf);

/* Looks up an enum value by stored name or Chinese label. */
const struct enum_value *enum_lookup(const struct enum_value *vals,
    const char *s);
const char *enum_label(const struct enum_value *vals, const char *name);

/* Enum values the agent names (each defined in its type's file). */
extern const struct enum_value case_sources[];
extern const struct enum_value case_handlings[];
extern const struct enum_value complaint_types[];
extern const struct enum_value complaint_channels[];
extern const struct enum_value liaison_types[];
extern const struct enum_value assist_types[];
extern const struct enum_value meeting_forms[];
extern const struct enum_value followup_states[];
extern const struct enum_value share_forms[];
extern const struct enum_value share_channels[];
extern const struct enum_value supervision_forms[];
extern const struct enum_value operation_forms[];
extern const struct enum_value operation_answers[];
/* How the receipt of a record is known (fold_received, fold.c): "server"
 * (the county server's stamp) or "paper" (a clerk's record of a paper
 * document's arrival). */
extern const struct enum_value receipt_bases[];

/* The fields of a type's receipt kind ("<type>.received", fold_received):
 * when it arrived, on what basis ("server": the county server's stamp,
 * "paper": entered by hand), and the receiver's deadline due_key counted
 * from it. A whole field array: static const struct field
 * x_received_fields[] = { RECEIPT_FIELDS("ack_due") }; */
#define RECEIPT_FIELDS(due_key) \
	RECEIPT_HEAD, \
	{ (due_key), F_DEADLINE, 0, 0, NULL, NULL }, \
	{ NULL, 0, 0, 0, NULL, NULL }
/* The same for a type with more than one deadline owed from receipt:
 * RECEIPT_HEAD, then a F_DEADLINE row for each, then the terminator. */
#define RECEIPT_HEAD \
	{ "received_at", F_TIME, 1, 0, NULL, FIELD_UI(NULL, "DATE", \
	    N_("when the paper document arrived here (required)"), NULL, \
	    0) }, \
	{ "basis", F_ENUM, 1, 0, receipt_bases, NULL }

/*
 * Attachments (issue 18): every type has the kind "<type>.attached", an
 * event of the record whose body names a file by its SHA-256, so the
 * record's hash chain covers it; the bytes are a blob kept apart
 * (blob.h). Its body: hash, size (bytes), type (a media type of
 * attachment_types, sniffed: sniff.h), name (the file's base name),
 * caption (optional) and confidential (true: it follows the
 * complainant-identity rule, kind_body_confidential). fold.c folds every
 * such kind the same way, into the record's "attachments" list.
 *
 * A type declares its kind with one row in its kinds, saying the roles
 * that may write it (0: the type's) and the parts that may attach on a
 * record they did not create (struct authority):
 *   ATTACHED_KIND(NC_("kind", "case.attached"), case, 0, PART_CREATOR),
 */
#define ATTACH_SIZE_MAX ((size_t)1 << 30) /* what any body may say: 1 GiB */
#define ATTACH_NAME_MAX 120
#define ATTACH_CAPTION_MAX 500
extern const struct field attached_fields[];
extern const struct enum_value attachment_types[];
#define ATTACHED_KIND(name, type, roles, writers) \
	{ (name), &type_##type, 0, 0, attached_fields, 0, (roles), \
	    AUTHORITY((writers), NULL, 0) }

/* 1 if k is an attachment kind ("<type>.attached"). */
int kind_is_attached(const struct kind_info *k);
/* The attachment kind of type t, or NULL. */
const struct kind_info *kind_attached_of(const struct entity_type *t);
/* 1 if an event of kind k with body is kept from everyone not addressed:
 * a confidential kind (the complainant's identity), or an attachment
 * whose body says "confidential": true. */
int kind_body_confidential(const struct kind_info *k, const json_t *body);

/* The parts an event gives (docs/protocol.md, "Authority"): fn(unit,
 * part, arg) for its author's unit (PART_CREATOR) when its kind creates
 * its record, and for each unit its kind's grant field names; stops at
 * and returns fn's first non-zero answer. What server/merge.c's
 * merge_grants does, for a station that wants to know, before writing,
 * whether its unit holds a part on a record (agent/cmd-attach.c). */
struct event;
int kind_grants(const struct event *ev,
    int (*fn)(const char *unit, int part, void *arg), void *arg);
/* The parts (PART_* ored) ev gives to unit, as kind_grants reports them;
 * 0 for none. */
int kind_parts_for(const struct event *ev, const char *unit);

#endif
