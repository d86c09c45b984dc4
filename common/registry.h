/*
 * registry.h - the record types: one row per type of record a station
 * keeps (a case, a complaint, a referral...), with everything the common
 * code needs to know about it.
 *
 * A type lives in one file, common/type-<name>.c: its kinds and their
 * body fields, its fold step (the state machine), the obligations its
 * records owe, and its row, `const struct entity_type type_<name>`. Its
 * name in REGISTRY_TYPES below puts it in the registry. Everything else
 * dispatches through the row:
 *
 *   kinds.c     kind_find, kind_at, ids and body schemas: row.kinds
 *   fold.c      fold_apply: row.apply, then row.deadlines (done_by) and
 *               row.audience; fold_search_text: row.search;
 *               fold_reason_text: row.reasons
 *   due.c       due_collect: row.owed
 *   roles.c     role_may_write: kind.written_by, else row.written_by;
 *               role_watches: row.watched_by, never a confidential kind
 *   rules.c     rule_known: the rule names in the rows' deadlines
 *   agent       form_all_records walks the rows; form.c hides confidential
 *               kinds' bodies, and builds a command's options and form
 *               from its kind's fields (FORM_FIELDS, field_ui in kinds.h)
 *
 * Its kinds include its attachment kind, "<type>.attached", one line
 * (ATTACHED_KIND, kinds.h), folded by fold.c for every type alike.
 *
 * Adding a type therefore touches, in common/, only its new file and one
 * line of REGISTRY_TYPES (and kinds.h for an extern of an enum its
 * commands name, while they declare their own options); registry_check (tests/unit/test-registry.c)
 * says what its row lacks. Its kinds' authority on the server (who may
 * take a step on a record they did not create, and the part a body field
 * grants: struct authority, kinds.h) is in its file too; server/merge.c
 * reads it. Outside common/ it still touches: its commands
 * (agent/cmd-<name>.c, and cmd.h and cmd.c's table), the rule profiles
 * and docs/rules.md when it has deadlines, docs/protocol.md's role and
 * authority tables, and its tests. docs/architecture.md keeps that list.
 *
 * Defaults are closed: a row that leaves a field out gets no audience
 * growth (and fails registry_check until it says so), no watchers, no
 * writers, no obligations, no deadlines, no search keys.
 */
#ifndef LD_REGISTRY_H
#define LD_REGISTRY_H

#include <stddef.h>
#include <jansson.h>

struct event;
struct kind_info;
struct obligation;

/* Whom a record's later steps reach. */
enum audience_policy {
	AUDIENCE_UNSET = 0, /* not said: treated as closed, refused by
			       registry_check */
	AUDIENCE_CLOSED,    /* the audience it was created with, for good
			       (a referral keeps the one it was sent with) */
	AUDIENCE_GROWS,     /* each applied step adds the units it was
			       addressed to (a call escalated to the county,
			       a resolution's owner), so that the next step
			       reaches them too */
};

/* A legal deadline a record carries: a deadline field of its kinds
 * (kinds.h), computed when its obligation starts by one of its rules
 * (rules.h), and discharged by the steps that do what it asks. */
struct deadline_decl {
	const char *key;             /* body and projection key: "answer_due" */
	const char *const *rules;    /* the rules that compute it,
					NULL-terminated */
	const char *const *done_by;  /* kinds whose applied step marks it done
					(fold_apply), NULL-terminated; NULL:
					none (a cutoff, or done in the step) */
	const char *extended_by;     /* the kind that extends it, or NULL */
};

/* A conflict reason a type's step may give, and its text (N_()). */
struct fold_reason {
	const char *code;
	const char *text;
};

/* The fold step of a type (fold.h): applies ev to doc; NULL if applied,
 * else the reason code of the conflict (doc unchanged). Pure: no clock,
 * no I/O. */
typedef const char *fold_step_fn(json_t *doc, const struct event *ev);

/* The obligations of a record in status st (due.h): calls due_emit for
 * each one open. */
typedef void due_owed_fn(const json_t *doc, const char *st,
    void (*fn)(const struct obligation *o, void *arg), void *arg);

struct entity_type {
	const char *name;     /* "case": the projection's "type" */
	const char *label;    /* what people call it: N_("referral") */
	const char *const *statuses; /* every "status" its fold step sets,
					NULL-terminated, marked NC_("status",
					...) for the catalogue */
	char letter;          /* 'C': ids are "C-<station>-<seq>" */
	const struct kind_info *kinds; /* its kinds, ended by name == NULL;
					  exactly one creates the record */
	fold_step_fn *apply;
	due_owed_fn *owed;    /* NULL: it never owes anything */
	enum audience_policy audience;
	const char *const *search;   /* projection keys put in the full-text
					index, NULL-terminated: "key" (text),
					"key[]" (list of texts), "key.sub",
					"key[].sub"; never a confidential one */
	int watched_by;       /* ROLE_* (roles.h) of the units that receive
				 every record of the type in the county */
	int written_by;       /* ROLE_* that may write its kinds, unless a
				 kind says otherwise */
	const struct deadline_decl *deadlines; /* ended by key == NULL;
						  may be NULL */
	const struct fold_reason *reasons;     /* its own conflict reasons,
						  ended by code == NULL; may
						  be NULL */
	/* The keys of its deadlines that the unit a record is addressed to
	 * owes, counted from when the record was delivered to it, not from
	 * when the sender recorded it (docs/rules.md, "What a deadline
	 * counts from"): the time the county server first held it, or the
	 * earlier moment a clerk records for a paper document. Each is
	 * carried, counted again from that moment, by the type's receipt
	 * kind "<type>.received" (fold_received, fold.h), which the
	 * agent records when it takes in such a record (agent/sync.c).
	 * NULL-terminated; NULL: none. (A member of the type rather than of
	 * struct deadline_decl, whose rows are positional.) */
	const char *const *from_receipt;
	/* Triples of a kind, its body's time field saying when the act was
	 * done (a paper letter's day: "referral.sent", "sent_at"), and the
	 * floor it cannot precede: a projection time key ("discovered_at")
	 * or "received" (its receipt, else its sending). A deadline the kind
	 * discharges is done then, never later than the event itself nor
	 * before the floor (fold_acted_at, fold.h). NULL-terminated; NULL,
	 * or a kind not named: when the event was recorded. */
	const char *const *acted_at;
	/* Pairs of a deadline key and the projection field naming the unit
	 * that owes it, where that is neither the record's unit nor, for a
	 * deadline owed from receipt, the unit it was addressed to
	 * (due_owner, due.h): a referral's result is the handler's.
	 * NULL-terminated; NULL: none. */
	const char *const *owners;
	/* The keys of deadlines that are another record's, carried here for
	 * whoever sees this one (a referral's copy of its case's time to
	 * refer): counted once, on the record that owes them (stats.c).
	 * NULL-terminated; NULL: none. */
	const char *const *carried;
};

/*
 * The registered types, in the order kind_at() and listings walk them.
 * A new type: its file, and its name here.
 */
#define REGISTRY_TYPES(X) \
	X(case) \
	X(complaint) \
	X(liaison) \
	X(referral) \
	X(assist) \
	X(whistle) \
	X(meeting) \
	X(share) \
	X(supervision) \
	X(operation) \
	X(person)

#define REGISTRY_DECLARE(name) extern const struct entity_type type_##name;
REGISTRY_TYPES(REGISTRY_DECLARE)
#undef REGISTRY_DECLARE

/* The i-th registered type; NULL past the end. */
const struct entity_type *entity_type_at(size_t i);
/* The type named name ("case"), or NULL. */
const struct entity_type *entity_type_find(const char *name);
/* The type of an entity id by its letter ("C-s1-1": case), or NULL. */
const struct entity_type *entity_type_of(const char *entity);

/*
 * Checks the registry's invariants and returns 0, or LD_EINVAL with the
 * first fault in err:
 *  1. names are lowercase words and letters capitals, each used once;
 *  2. every row has kinds, exactly one of which creates its record, each
 *     named "<type>.<step>", pointing back at its row, named once in the
 *     registry, and written by some role; a field given by an option
 *     (field_ui) has a help and a placeholder, and is no deadline;
 *  3. every row has a label, its states and a fold step, and says its
 *     audience policy;
 *  4. watchers and writers are roles (ROLE_ALL);
 *  5. a deadline is a deadline field of one of the row's kinds, computed
 *     by at least one rule, and discharged and extended by the row's own
 *     kinds (an extension carrying the field);
 *  6. search keys are well formed and never a field of a confidential
 *     kind;
 *  7. a type's own conflict reasons have texts and are no other type's;
 *  8. a deadline counted from receipt (from_receipt) is one of the row's
 *     deadlines, its record is created addressed to a unit (the
 *     creating kind grants PART_ADDRESSEE), and the row has a receipt
 *     kind "<type>.received" written by that addressee only, carrying
 *     received_at (a time), basis and that deadline field;
 *  9. a triple of acted_at names a kind of the row that discharges one
 *     of its deadlines, a time field of that kind and a floor: a time
 *     field of one of its kinds, or "received" where the row counts
 *     from receipt;
 * 10. owners and carried name deadlines of the row, and an owner is a
 *     unit field of one of its kinds (F_STR);
 * 11. every row has one attachment kind (ATTACHED_KIND, kinds.h), the
 *     step "<type>.attached", and no other kind has that name.
 */
int registry_check(char *err);

/* The same checks on n rows (for tests of broken rows). */
int registry_check_types(const struct entity_type *const *types, size_t n,
    char *err);

#endif
