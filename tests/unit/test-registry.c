/*
 * test-registry.c - the registry of record types (common/registry.h).
 *
 * The registered rows keep the registry's invariants (registry_check):
 * every kind belongs to a registered type, every type has a fold step and
 * says its audience policy, no two types share a letter, roles and
 * deadlines are ones that exist. A row broken in each of those ways is
 * refused, with the fault named. And what the rows say for the types
 * registered before the registry existed is pinned here: who writes and
 * who watches each kind (the matrix roles.c held), whose audience grows.
 * A new type needs nothing here: it is checked by walking the rows.
 */
#include "harness.h"

#include <stdio.h>

#include "fold.h"
#include "registry.h"
#include "roles.h"
#include "rules.h"
#include "unit.h"

static void
test_registered_rows_pass(void **state)
{
	char err[LD_ERRLEN] = "";

	if (registry_check(err) != 0)
		fail_msg("registry_check: %s", err);
}

/* Every kind kind_at() walks is one of its type's kinds, and the type is
 * registered; every row's kinds are walked. */
static void
test_every_kind_belongs_to_a_registered_type(void **state)
{
	const struct entity_type *t;
	const struct kind_info *k, *own;
	size_t i, nkinds = 0, nrows = 0;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		assert_non_null(k->etype);
		assert_ptr_equal(entity_type_find(k->etype->name), k->etype);
		for (own = k->etype->kinds; own->name != NULL && own != k; own++)
			;
		assert_ptr_equal(own, k);
		nkinds++;
	}
	for (i = 0; (t = entity_type_at(i)) != NULL; i++) {
		assert_non_null(t->apply);
		assert_true(t->audience == AUDIENCE_CLOSED ||
		    t->audience == AUDIENCE_GROWS);
		for (k = t->kinds; k->name != NULL; k++)
			nrows++;
	}
	assert_int_equal(nkinds, nrows);
	assert_true(i >= 9);
	assert_null(entity_type_at(i));
	assert_null(entity_type_find("no_such_type"));
	assert_null(entity_type_find(NULL));
}

/* Every reason a row declares has its text; the common ones too. */
static void
test_reasons_have_texts(void **state)
{
	const struct entity_type *t;
	const struct fold_reason *r;
	size_t i;

	for (i = 0; (t = entity_type_at(i)) != NULL; i++)
		for (r = t->reasons; r != NULL && r->code != NULL; r++)
			assert_string_equal(fold_reason_text(r->code), r->text);
	assert_string_not_equal(fold_reason_text("not_own_id"), "not_own_id");
	assert_string_equal(fold_reason_text("no_such_reason"),
	    "no_such_reason");
}

/* The rules the rows' deadlines name are the vocabulary. */
static void
test_deadline_rules_are_known(void **state)
{
	const struct entity_type *t;
	const struct deadline_decl *d;
	size_t i, j, n = 0;

	for (i = 0; (t = entity_type_at(i)) != NULL; i++)
		for (d = t->deadlines; d != NULL && d->key != NULL; d++)
			for (j = 0; d->rules[j] != NULL; j++, n++)
				assert_true(rule_known(d->rules[j]));
	assert_true(n >= 19);
	assert_false(rule_known("no_such_rule"));
}

/*
 * A row of its own, rebuilt before each case, then broken one way.
 */
static const char *
fake_apply(json_t *doc, const struct event *ev)
{
	return NULL;
}

static const struct field fake_fields[] = {
	{ "to", F_STR, 1, 40, NULL, NULL },
	{ "reply_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct field fake_deadline_option[] = {
	{ "reply_due", F_DEADLINE, 0, 0, NULL, FIELD_UI(NULL, "DATE",
	    "a deadline", NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct field fake_received_fields[] = {
	{ "received_at", F_TIME, 1, 0, NULL, NULL },
	{ "basis", F_ENUM, 1, 0, receipt_bases, NULL },
	{ "reply_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct field fake_received_no_due[] = {
	{ "received_at", F_TIME, 1, 0, NULL, NULL },
	{ "basis", F_ENUM, 1, 0, receipt_bases, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct field fake_replied_fields[] = {
	{ "replied_at", F_TIME, 0, 0, NULL, NULL },
	{ "reply_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};
static const char *const fake_acted_at[] = { "fake.replied", "replied_at",
	"replied_at", NULL };
static const char *const fake_acted_not_time[] = { "fake.replied", "to",
	"replied_at", NULL };
static const char *const fake_acted_not_done[] = { "fake.secret", "secret",
	"replied_at", NULL };
static const char *const fake_acted_no_kind[] = { "fake.nothing",
	"replied_at", "replied_at", NULL };
static const char *const fake_acted_no_floor[] = { "fake.replied",
	"replied_at", "nowhere_at", NULL };
static const char *const fake_acted_received[] = { "fake.replied",
	"replied_at", "received", NULL };

static const char *const fake_from_receipt[] = { "reply_due", NULL };
static const char *const fake_from_nothing[] = { "answer_due", NULL };

static const struct field fake_secret_fields[] = {
	{ "secret", F_STR, 1, 40, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const char *const fake_rules[] = { "fake_reply", NULL };
static const char *const fake_done[] = { "fake.replied", NULL };
static const char *const fake_search[] = { "to", "notes[].note", NULL };
static const char *const no_rules[] = { NULL };
static const char *const other_done[] = { "case.closed", NULL };

static const char *const fake_statuses[] = { "sent", NULL };
static struct kind_info fake_kinds[6];
static struct deadline_decl fake_deadlines[2];
static struct fold_reason fake_reasons[2];
static struct entity_type fake;

static void
fake_reset(void)
{
	memset(&fake, 0, sizeof fake);
	fake.name = "fake";
	fake.label = "fake";
	fake.statuses = fake_statuses;
	fake.letter = 'Z';
	fake.kinds = fake_kinds;
	fake.apply = fake_apply;
	fake.audience = AUDIENCE_CLOSED;
	fake.search = fake_search;
	fake.watched_by = ROLE_ADMIN;
	fake.written_by = ROLES_UNITS;
	fake.deadlines = fake_deadlines;
	fake.reasons = fake_reasons;
	memset(fake_kinds, 0, sizeof fake_kinds);
	fake_kinds[0] = (struct kind_info){ "fake.sent", &fake, 1, 0,
	    fake_fields, 0, 0, AUTHORITY(0, "to", PART_ADDRESSEE) };
	fake_kinds[1] = (struct kind_info){ "fake.replied", &fake, 0, 0,
	    fake_fields, 0, ROLE_DEPARTMENT, AUTHORITY(PART_ADDRESSEE, NULL,
	    0) };
	fake_kinds[2] = (struct kind_info){ "fake.secret", &fake, 0, 0,
	    fake_secret_fields, 1, 0, AUTHORITY(PART_CREATOR, NULL, 0) };
	fake_kinds[3] = (struct kind_info){ "fake.attached", &fake, 0, 0,
	    attached_fields, 0, 0, AUTHORITY(PART_CREATOR, NULL, 0) };
	memset(fake_deadlines, 0, sizeof fake_deadlines);
	fake_deadlines[0] = (struct deadline_decl){ "reply_due", fake_rules,
	    fake_done, "fake.replied" };
	memset(fake_reasons, 0, sizeof fake_reasons);
	fake_reasons[0] = (struct fold_reason){ "not_faked", "not faked" };
}

/* registry_check_types over the registered rows and the fake one. */
static int
check_with_fake(char *err)
{
	const struct entity_type *rows[64], *t;
	size_t n = 0;

	while ((t = entity_type_at(n)) != NULL && n < 63)
		rows[n++] = t;
	rows[n++] = &fake;
	return registry_check_types(rows, n, err);
}

/* The fake row, as broken by the caller, is refused, err naming why. */
static void
assert_refused(const char *why, const char *says)
{
	char err[LD_ERRLEN] = "";

	if (check_with_fake(err) != LD_EINVAL)
		fail_msg("%s: accepted", why);
	if (strstr(err, says) == NULL)
		fail_msg("%s: '%s' does not say '%s'", why, err, says);
	fake_reset();
}

/* Rule 9: the time of a discharging act is a time field of a kind that
 * discharges a deadline of the row. */
static void
test_acted_at_rows(void **state)
{
	char err[LD_ERRLEN] = "";

	fake_reset();
	fake.acted_at = fake_acted_at;
	fake_kinds[1].fields = fake_replied_fields;
	if (check_with_fake(err) != 0)
		fail_msg("a good acted_at refused: %s", err);
	fake_reset();
	fake.acted_at = fake_acted_at;
	assert_refused("no such field", "acted_at fake.replied");
	fake.acted_at = fake_acted_not_time;
	assert_refused("not a time", "acted_at fake.replied");
	fake.acted_at = fake_acted_not_done;
	assert_refused("discharges nothing", "acted_at fake.secret");
	fake.acted_at = fake_acted_no_kind;
	assert_refused("no such kind", "acted_at fake.nothing");
	fake.acted_at = fake_acted_no_floor;
	fake_kinds[1].fields = fake_replied_fields;
	assert_refused("no such floor", "acted_at fake.replied");
	/* "received" needs a row that counts from receipt. */
	fake.acted_at = fake_acted_received;
	fake_kinds[1].fields = fake_replied_fields;
	assert_refused("no receipt", "acted_at fake.replied");
}

/* Rule 10: an owner is a unit field of the row; what is carried and
 * owned is a deadline of the row. */
static void
test_owner_rows(void **state)
{
	static const char *const good[] = { "reply_due", "to", NULL };
	static const char *const not_unit[] = { "reply_due", "reply_due", NULL };
	static const char *const not_due[] = { "to", "to", NULL };
	static const char *const carried_good[] = { "reply_due", NULL };
	static const char *const carried_bad[] = { "answer_due", NULL };
	char err[LD_ERRLEN] = "";

	fake_reset();
	fake.owners = good;
	fake.carried = carried_good;
	if (check_with_fake(err) != 0)
		fail_msg("good owners refused: %s", err);
	fake_reset();
	fake.owners = not_unit;
	assert_refused("an owner that is a deadline", "owner of reply_due");
	fake.owners = not_due;
	assert_refused("the owner of no deadline", "owner of to");
	fake.carried = carried_bad;
	assert_refused("carrying no deadline", "carried answer_due");
}

/* Rule 8: a deadline counted from receipt needs a receipt kind, by the
 * addressee, carrying it, on a record addressed to a unit. */
static void
test_receipt_rows(void **state)
{
	char err[LD_ERRLEN] = "";

	fake_reset();
	fake.from_receipt = fake_from_receipt;
	assert_refused("no receipt kind", "without a kind fake.received");
	fake.from_receipt = fake_from_receipt;
	fake_kinds[4] = (struct kind_info){ "fake.received", &fake, 0, 0,
	    fake_received_fields, 0, 0, AUTHORITY(PART_ADDRESSEE, NULL, 0) };
	if (check_with_fake(err) != 0)
		fail_msg("a good receipt refused: %s", err);
	fake.from_receipt = fake_from_receipt;
	fake_kinds[4] = (struct kind_info){ "fake.received", &fake, 0, 0,
	    fake_received_fields, 0, 0, AUTHORITY(PART_CREATOR, NULL, 0) };
	assert_refused("a receipt by the creator", "written by its addressee");
	fake.from_receipt = fake_from_receipt;
	fake_kinds[4] = (struct kind_info){ "fake.received", &fake, 0, 0,
	    fake_received_no_due, 0, 0, AUTHORITY(PART_ADDRESSEE, NULL, 0) };
	assert_refused("a receipt without the deadline", "does not carry");
	fake.from_receipt = fake_from_nothing;
	fake_kinds[4] = (struct kind_info){ "fake.received", &fake, 0, 0,
	    fake_received_fields, 0, 0, AUTHORITY(PART_ADDRESSEE, NULL, 0) };
	assert_refused("not a deadline", "is not its deadline");
	fake.from_receipt = fake_from_receipt;
	fake_kinds[4] = (struct kind_info){ "fake.received", &fake, 0, 0,
	    fake_received_fields, 0, 0, AUTHORITY(PART_ADDRESSEE, NULL, 0) };
	fake_kinds[0].auth = (struct authority)AUTHORITY(0, NULL, 0);
	assert_refused("addressed to nobody", "addressed to no unit");
}

static void
test_broken_rows_are_refused(void **state)
{
	char err[LD_ERRLEN] = "";

	fake_reset();
	if (check_with_fake(err) != 0)
		fail_msg("a good row refused: %s", err);

	fake.apply = NULL;
	assert_refused("no step", "no fold step");
	fake.audience = AUDIENCE_UNSET;
	assert_refused("no audience policy", "audience policy");
	fake.letter = 'C';
	assert_refused("a case's letter", "letter C");
	fake.name = "whistle";
	assert_refused("a second whistle", "share a name");
	fake.name = "Fake";
	assert_refused("a capital in the name", "lowercase name");
	fake.watched_by = ROLE_ALL + 1;
	assert_refused("watched by an unknown role", "unknown role");
	fake.written_by = 1 << 12;
	assert_refused("written by an unknown role", "unknown role");
	fake.written_by = 0;
	assert_refused("written by nobody", "written by no role");
	fake.kinds = NULL;
	assert_refused("no kinds", "no kinds");
	fake_kinds[3].name = NULL;
	assert_refused("no attachment kind", "0 attachment kinds");
	fake_kinds[3].name = "fake.evidence";
	assert_refused("an attachment kind misnamed", "not a step fake.attached");
	fake_kinds[3].fields = fake_fields;
	fake_kinds[3].name = "fake.attached";
	assert_refused("an attached step of other fields", "not an attachment kind");
	fake_kinds[4] = fake_kinds[3];
	fake_kinds[4].fields = attached_fields;
	fake_kinds[4].name = "fake.attached";
	fake_kinds[3].fields = attached_fields;
	assert_refused("two attachment kinds", "declared twice");
	fake_kinds[1].creates = 1;
	assert_refused("two creating kinds", "not one");
	fake_kinds[0].creates = 0;
	assert_refused("no creating kind", "not one");
	fake_kinds[1].etype = &type_case;
	assert_refused("a kind of another type", "point back");
	fake_kinds[1].name = "case.replied";
	assert_refused("a kind named for another type", "fake.<step>");
	fake_kinds[1].name = "fake.sent";
	assert_refused("a kind declared twice", "declared twice");
	fake_kinds[0].auth.writers = PART_CREATOR;
	assert_refused("a creating kind with writers", "creating kind");
	fake_kinds[1].auth.writers = 0;
	assert_refused("a step nobody may write", "no part may write");
	fake_kinds[1].auth.writers = PART_ALL + 1;
	assert_refused("a step written by an unknown part", "unknown one");
	fake_kinds[0].auth.grant = "reply_due";
	assert_refused("a grant through a deadline", "no unit field");
	fake_kinds[0].auth.grant = "nowhere";
	assert_refused("a grant through no field", "no unit field");
	fake_kinds[0].auth.part = PART_CREATOR | PART_OWNER;
	assert_refused("a grant of two parts", "no single part");
	fake_kinds[1].auth.part = PART_OWNER;
	assert_refused("a part granted through nothing", "through no field");
	fake_kinds[1].fields = fake_deadline_option;
	assert_refused("a deadline given by an option", "no option");
	fake_deadlines[0].key = "to";
	assert_refused("a deadline that is no deadline field",
	    "no deadline field");
	fake_deadlines[0].rules = no_rules;
	assert_refused("a deadline without a rule", "no rule");
	fake_deadlines[0].done_by = other_done;
	assert_refused("a deadline done by another type's kind",
	    "not its kind");
	fake_deadlines[0].extended_by = "fake.secret";
	assert_refused("an extension that does not carry the deadline",
	    "extended by");
	fake.search = (const char *const[]){ "secret", NULL };
	assert_refused("a confidential field indexed", "confidential");
	fake.search = (const char *const[]){ "notes[", NULL };
	assert_refused("a malformed search key", "bad search key");
	fake_reasons[0] = (struct fold_reason){ "not_convener", "again" };
	assert_refused("another type's reason", "declared twice");
	fake_reasons[0] = (struct fold_reason){ "no_text", NULL };
	assert_refused("a reason without a text", "without a text");

	/* Not registered, the fake type is unknown: nobody watches it. */
	assert_false(role_watches("admin", "fake", "fake.sent"));
	assert_false(role_may_write("township", "fake.sent"));
}

/* The role matrix roles.c held before the registry, per kind: who writes
 * it and who watches its type (docs/protocol.md, "Roles"). */
#define T ROLE_TOWNSHIP
#define D ROLE_DEPARTMENT
#define B ROLE_BUREAU
#define L ROLE_LEGAL
#define P ROLE_POLICE
#define G ROLE_GOVERNMENT
#define A ROLE_ADMIN
#define U ROLES_UNITS
#define H ROLES_HANDLERS
static const struct {
	const char *kind;
	int writers, watchers;
} matrix[] = {
	{ "case.opened", U, A }, { "case.updated", U, A },
	{ "case.closed", U, A }, { "case.referred", U, A },
	{ "case.extended", U, A }, { "case.referral_withdrawn", U, A },
	{ "complaint.recorded", U, A }, { "complaint.identity", U, 0 },
	{ "complaint.referred", U, A }, { "complaint.notified", U, A },
	{ "complaint.replied", U, A },
	{ "liaison.logged", U, A | B | G },
	{ "referral.sent", H, A | L | B },
	{ "referral.acknowledged", H, A | L | B },
	{ "referral.accepted", H, A | L | B },
	{ "referral.disputed", H, A | L | B },
	{ "referral.escalated", H | L, A | L | B },
	{ "referral.decided", L | G, A | L | B },
	{ "referral.withdrawn", H, A | L | B },
	{ "referral.returned", P, A | L | B },
	{ "referral.result", H, A | L | B },
	{ "referral.received", H, A | L | B },
	{ "referral.arrived", H, A | L | B },
	{ "assist.requested", H, A | L }, { "assist.answered", H, A | L },
	{ "assist.extended", H, A | L }, { "assist.received", H, A | L },
	{ "whistle.called", T, A | L | B },
	{ "whistle.answered", D | B | P, A | L | B },
	{ "whistle.escalated", T, A | L | B },
	{ "whistle.received", D | B | P, A | L | B },
	{ "meeting.scheduled", U, A | L }, { "meeting.topic", U, A | L },
	{ "meeting.minutes", U, A | L }, { "meeting.resolution", U, A | L },
	{ "meeting.followup", U, A | L }, { "meeting.followed", U, A | L },
	{ "share.formed", U, A | L }, { "share.sent", U, A | L },
	{ "share.extended", U, A | L },
	{ "supervision.sent", T | D | B, A | L },
	{ "supervision.replied", T | D | B, A | L },
	{ "supervision.received", T | D | B, A | L },
	{ "person.registered", U, A | B | G }, { "person.updated", U, A | B | G },
	{ "person.left", U, A | B | G }, { "person.trained", U, A | B | G },
	/* Attachments: written as the type's other steps, seen as them. */
	{ "case.attached", U, A }, { "complaint.attached", U, A },
	{ "liaison.attached", U, A | B | G },
	{ "referral.attached", H | L | G, A | L | B },
	{ "assist.attached", H, A | L },
	{ "whistle.attached", T | D | B | P, A | L | B },
	{ "meeting.attached", U, A | L }, { "share.attached", U, A | L },
	{ "supervision.attached", T | D | B, A | L },
	{ "operation.attached", H, A | L | B },
	{ "person.attached", U, A | B | G },
};

static void
test_role_matrix(void **state)
{
	const struct kind_info *k;
	size_t i, r;

	for (i = 0; i < sizeof matrix / sizeof matrix[0]; i++) {
		k = kind_find(matrix[i].kind);
		assert_non_null(k);
		for (r = 0; role_names[r] != NULL; r++) {
			int bit = 1 << r;
			if (role_may_write(role_names[r], k->name) !=
			    ((matrix[i].writers & bit) != 0))
				fail_msg("%s writing %s", role_names[r], k->name);
			if (role_watches(role_names[r], k->etype->name, k->name) !=
			    ((matrix[i].watchers & bit) != 0))
				fail_msg("%s watching %s", role_names[r], k->name);
		}
	}
	for (r = 0; role_names[r] != NULL; r++)
		assert_int_equal(role_bit(role_names[r]), 1 << r);
	assert_int_equal(role_bit("nobody"), 0);
	assert_false(role_may_write("admin", "case.opened"));
	assert_false(role_may_write("nobody", "case.opened"));
	assert_false(role_may_write("township", "case.deleted"));
	assert_false(role_may_write("township", NULL));
	/* A role watching an unknown type, or with no type, sees nothing. */
	assert_false(role_watches("admin", "no_such_type", "case.opened"));
	assert_false(role_watches("admin", NULL, "case.opened"));
	assert_false(role_watches("nobody", "case", "case.opened"));
}

/* The types whose audience grew before the registry still do; the rest
 * keep theirs. */
static void
test_audience_policies(void **state)
{
	static const char *const grows[] = { "complaint", "assist", "whistle",
		"meeting", "share", "supervision", NULL };
	static const char *const closed[] = { "case", "liaison", "referral",
		"person", NULL };
	size_t i;

	for (i = 0; grows[i] != NULL; i++)
		assert_int_equal(entity_type_find(grows[i])->audience,
		    AUDIENCE_GROWS);
	for (i = 0; closed[i] != NULL; i++)
		assert_int_equal(entity_type_find(closed[i])->audience,
		    AUDIENCE_CLOSED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered_rows_pass),
		cmocka_unit_test(test_every_kind_belongs_to_a_registered_type),
		cmocka_unit_test(test_reasons_have_texts),
		cmocka_unit_test(test_deadline_rules_are_known),
		cmocka_unit_test(test_broken_rows_are_refused),
		cmocka_unit_test(test_receipt_rows),
		cmocka_unit_test(test_acted_at_rows),
		cmocka_unit_test(test_owner_rows),
		cmocka_unit_test(test_role_matrix),
		cmocka_unit_test(test_audience_policies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
