/*
 * test-merge.c - server/merge.c, the decision for one pushed event, tested
 * as the pure function it is: a station record, an event and a fake of the
 * server's state (struct merge_env) in, a verdict out. No database.
 *
 * The authority table and the grants are written here again from
 * docs/protocol.md ("Authority"), not read from merge.c, so that a row
 * changed there without the protocol changing fails a test; and every
 * kind of kinds.c must have its row here, so that a new kind cannot slip
 * in without someone deciding who may write it.
 */
#include "harness.h"

#include <stdio.h>

#include "merge.h"
#include "unit.h"

#define C PART_CREATOR
#define A PART_ADDRESSEE
#define E PART_ESCALATED
#define M PART_MEMBER
#define O PART_OWNER
#define ALL_PARTS (C | A | E | M | O)

#define MINUTE INT64_C(60000)
#define HOUR (60 * MINUTE)

/* The writing station's unit, another unit, and one outside the county. */
#define OWN "甲镇"
#define OTHER "乙局"
#define STRANGER "不存在的单位"

/* docs/protocol.md, "Authority": who may write each kind on an entity it
 * did not create. */
static const struct {
	const char *kind;
	int parts;
} need[] = {
	{ "case.updated", C },
	{ "case.closed", C },
	{ "case.referred", C },
	{ "case.extended", C },
	{ "case.referral_withdrawn", C },
	{ "case.decided", C },
	{ "complaint.identity", C },
	{ "complaint.referred", C },
	{ "complaint.notified", C },
	{ "complaint.replied", A },
	{ "referral.acknowledged", A },
	{ "referral.accepted", A },
	{ "referral.disputed", A },
	{ "referral.returned", A },
	{ "referral.result", A },
	{ "referral.received", A },
	{ "referral.arrived", A },
	{ "referral.withdrawn", C },
	{ "referral.escalated", C | A | E },
	{ "referral.decided", E },
	{ "assist.answered", A },
	{ "assist.extended", A },
	{ "assist.received", A },
	{ "whistle.answered", A },
	{ "whistle.escalated", C },
	{ "whistle.received", A },
	{ "meeting.topic", C | M },
	{ "meeting.minutes", C },
	{ "meeting.resolution", C },
	{ "meeting.followed", C },
	{ "meeting.followup", O },
	{ "share.sent", C },
	{ "share.extended", C },
	{ "supervision.replied", A },
	{ "supervision.received", A },
	{ "operation.answered", M },
	{ "operation.police_notified", C },
	{ "operation.result", C },
	{ "operation.cancelled", C },
	{ "person.updated", C },
	{ "person.left", C },
	{ "person.trained", C },
	{ "case.attached", C },
	{ "complaint.attached", C | A },
	{ "liaison.attached", C },
	{ "referral.attached", C | A | E },
	{ "assist.attached", C | A },
	{ "whistle.attached", C | A },
	{ "meeting.attached", C | M | O },
	{ "share.attached", C },
	{ "supervision.attached", C | A },
	{ "operation.attached", C | M },
	{ "person.attached", C },
};

/* The kinds that create their entity (docs/protocol.md: the events that
 * name their own station and seq's id). */
static const char *const creating[] = {
	"case.opened", "complaint.recorded", "liaison.logged",
	"referral.sent", "assist.requested", "whistle.called",
	"meeting.scheduled", "share.formed", "supervision.sent",
	"operation.planned", "person.registered",
};

/* docs/protocol.md, "Authority", granted by: the body field of a kind
 * that gives a part to the unit(s) it names. */
static const struct {
	const char *kind;
	const char *field;
	int part;
} gives[] = {
	{ "referral.sent", "to", A },
	{ "referral.decided", "handler", A },
	{ "complaint.referred", "to", A },
	{ "assist.requested", "to", A },
	{ "whistle.called", "to", A },
	{ "supervision.sent", "to", A },
	{ "referral.escalated", "to", E },
	{ "whistle.escalated", "to", E },
	{ "meeting.scheduled", "units", M },
	{ "meeting.resolution", "owner", O },
	{ "operation.planned", "units", M },
};

#define NELEM(a) (sizeof (a) / sizeof (a)[0])

/* A role that may write kind (docs/protocol.md, "Roles"), so that the
 * authority tests are not stopped by the role matrix first. */
static const char *
role_for(const char *kind)
{
	if (strcmp(kind, "referral.decided") == 0)
		return "legal";
	if (strcmp(kind, "referral.returned") == 0)
		return "police";
	if (strcmp(kind, "whistle.answered") == 0 ||
	    strcmp(kind, "whistle.received") == 0)
		return "department";
	return "township";
}

static int
is_creating(const char *kind)
{
	size_t i;

	for (i = 0; i < NELEM(creating); i++)
		if (strcmp(creating[i], kind) == 0)
			return 1;
	return 0;
}

/* The server's state as merge_decide asks for it: which parts one unit
 * holds on one entity, and which units are in the directory. */
struct fake {
	const char *entity;
	const char *unit;
	int parts;
	const char *known[4];
	int asked;               /* parts() calls */
	char asked_entity[ENTITY_MAX + 1];
	char asked_unit[128];
};

static int
fake_parts(const char *entity, const char *unit, void *arg)
{
	struct fake *f = arg;

	f->asked++;
	ld_strlcpy(f->asked_entity, entity, sizeof f->asked_entity);
	ld_strlcpy(f->asked_unit, unit, sizeof f->asked_unit);
	if (f->entity != NULL && strcmp(f->entity, entity) == 0 &&
	    f->unit != NULL && strcmp(f->unit, unit) == 0)
		return f->parts;
	return 0;
}

static int
fake_known(const char *unit, void *arg)
{
	struct fake *f = arg;
	size_t i;

	for (i = 0; i < NELEM(f->known) && f->known[i] != NULL; i++)
		if (strcmp(f->known[i], unit) == 0)
			return 1;
	return 0;
}

/* The station s1 of OWN, having pushed 4 events, the last at T0. */
#define HEAD_SEQ 4
#define HEAD_HLC ((hlc_t)UNIT_T0_MS << HLC_SHIFT)

struct world {
	char head_hash[HASH_HEX];
	struct merge_station st;
	struct fake fake;
	struct merge_env env;
	struct event ev;
	struct merge_decision d;
};

static void
world_init(struct world *w, const char *role)
{
	memset(w, 0, sizeof *w);
	memcpy(w->head_hash,
	    "4444444444444444444444444444444444444444444444444444444444444444",
	    HASH_HEX);
	w->st.name = "s1";
	w->st.unit = OWN;
	w->st.role = role;
	w->st.head_seq = HEAD_SEQ;
	w->st.head_hash = w->head_hash;
	w->st.head_hlc = HEAD_HLC;
	w->fake.known[0] = OWN;
	w->fake.known[1] = OTHER;
	w->env.now_ms = UNIT_T0_MS + MINUTE;
	w->env.max_ahead_ms = HOUR;
	w->env.unit_known = fake_known;
	w->env.parts = fake_parts;
	w->env.arg = &w->fake;
	event_init(&w->ev);
}

static void
world_release(struct world *w)
{
	event_release(&w->ev);
}

/*
 * Makes w->ev: station s1's next event (seq HEAD_SEQ + 1, chained to the
 * head, a second after it) of kind on entity, with an example body of
 * every field, audience OWN and OTHER. The caller may change fields and
 * seal again.
 */
static void
make_event(struct world *w, const char *kind, const char *entity)
{
	const struct kind_info *k = kind_find(kind);
	struct event *ev = &w->ev;

	assert_non_null(k);
	event_release(ev);
	event_init(ev);
	ld_strlcpy(ev->station, "s1", sizeof ev->station);
	ev->seq = HEAD_SEQ + 1;
	ev->hlc = HEAD_HLC + ((hlc_t)1000 << HLC_SHIFT);
	ev->at = hlc_ms(ev->hlc);
	ev->unit = xstrdup(OWN);
	ev->author = xstrdup("张三");
	ev->kind = xstrdup(kind);
	ev->entity = xstrdup(entity);
	ev->audience = json_array();
	json_array_append_new(ev->audience, json_string(OWN));
	json_array_append_new(ev->audience, json_string(OTHER));
	ev->body = unit_body(k, 0);
	memcpy(ev->prev, w->head_hash, HASH_HEX);
	event_seal(ev);
	unit_assert_valid(ev);
}

/* An entity of kind's type created by another station. */
static char *
foreign_entity(const char *kind)
{
	const struct kind_info *k = kind_find(kind);

	assert_non_null(k);
	return xasprintf("%c-s9-3", k->etype->letter);
}

static void
decide(struct world *w, const char *existing_hash)
{
	memset(&w->d, 0, sizeof w->d);
	w->d.private_ = -1;
	merge_decide(&w->st, &w->ev, existing_hash, &w->env, &w->d);
}

static void
expect(struct world *w, enum merge_verdict v, int private_)
{
	if (w->d.verdict != v || w->d.private_ != private_)
		fail_msg("%s on %s: verdict %d private %d (%s), expected %d"
		    " private %d", w->ev.kind, w->ev.entity, (int)w->d.verdict,
		    w->d.private_, w->d.reason, (int)v, private_);
}

static int
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The tables above cover every kind of kinds.c, each once, and only
 * kinds that exist. */
static void
test_tables_cover_every_kind(void **state)
{
	const struct kind_info *k;
	size_t i, j, rows;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		rows = 0;
		for (j = 0; j < NELEM(need); j++)
			rows += strcmp(need[j].kind, k->name) == 0;
		if (k->creates != is_creating(k->name))
			fail_msg("kind %s: creates %d in kinds.c, the protocol"
			    " says %d", k->name, k->creates,
			    is_creating(k->name));
		if (rows != (k->creates ? 0u : 1u))
			fail_msg("kind %s has %zu rows in the authority table",
			    k->name, rows);
	}
	for (j = 0; j < NELEM(need); j++) {
		k = kind_find(need[j].kind);
		assert_non_null(k);
		assert_false(k->creates);
	}
	for (j = 0; j < NELEM(gives); j++) {
		k = kind_find(gives[j].kind);
		assert_non_null(k);
		assert_non_null(kind_field(k, gives[j].field));
	}
}

/* A creating event is entitled on the id its own station and seq make,
 * whoever holds what; on any other id it is not, even with every part. */
static void
test_creating_needs_own_id(void **state)
{
	size_t i;

	for (i = 0; i < NELEM(creating); i++) {
		const struct kind_info *k = kind_find(creating[i]);
		char *own, *other_station, *other_seq;
		struct world w;

		assert_non_null(k);
		world_init(&w, role_for(creating[i]));
		own = xasprintf("%c-s1-%d", k->etype->letter, HEAD_SEQ + 1);
		other_station = xasprintf("%c-s2-%d", k->etype->letter,
		    HEAD_SEQ + 1);
		other_seq = xasprintf("%c-s1-%d", k->etype->letter, HEAD_SEQ);

		make_event(&w, creating[i], own);
		decide(&w, NULL);
		expect(&w, MERGE_ACCEPT, 0);

		w.fake.unit = OWN;
		w.fake.parts = ALL_PARTS;
		w.fake.entity = other_station;
		make_event(&w, creating[i], other_station);
		decide(&w, NULL);
		expect(&w, MERGE_QUARANTINE, 1);
		assert_true(starts_with(w.d.reason, MERGE_NOT_ENTITLED));

		w.fake.entity = other_seq;
		make_event(&w, creating[i], other_seq);
		decide(&w, NULL);
		expect(&w, MERGE_QUARANTINE, 1);
		assert_true(starts_with(w.d.reason, MERGE_NOT_ENTITLED));

		free(own);
		free(other_station);
		free(other_seq);
		world_release(&w);
	}
}

/* Every cell of the table: each kind with each single part, with none,
 * and with every part but the ones it needs. */
static void
test_authority_table(void **state)
{
	static const int parts[] = { C, A, E, M, O };
	size_t i, j;

	for (i = 0; i < NELEM(need); i++) {
		char *entity = foreign_entity(need[i].kind);
		struct world w;

		world_init(&w, role_for(need[i].kind));
		make_event(&w, need[i].kind, entity);
		w.fake.entity = entity;
		w.fake.unit = OWN;
		for (j = 0; j < NELEM(parts); j++) {
			int ok = (need[i].parts & parts[j]) != 0;

			w.fake.parts = parts[j];
			w.fake.asked = 0;
			decide(&w, NULL);
			if (ok)
				expect(&w, MERGE_ACCEPT, 0);
			else
				expect(&w, MERGE_QUARANTINE, 1);
			/* Asked about its own unit on its own entity. */
			assert_true(w.fake.asked > 0);
			assert_string_equal(w.fake.asked_entity, entity);
			assert_string_equal(w.fake.asked_unit, OWN);
		}
		w.fake.parts = 0;
		decide(&w, NULL);
		expect(&w, MERGE_QUARANTINE, 1);
		w.fake.parts = ALL_PARTS & ~need[i].parts;
		decide(&w, NULL);
		expect(&w, MERGE_QUARANTINE, 1);
		w.fake.parts = need[i].parts;
		decide(&w, NULL);
		expect(&w, MERGE_ACCEPT, 0);
		/* The parts another unit holds are not the author's. */
		w.fake.unit = OTHER;
		w.fake.parts = ALL_PARTS;
		decide(&w, NULL);
		expect(&w, MERGE_QUARANTINE, 1);
		free(entity);
		world_release(&w);
	}
}

/* The reason names the unit, kind and entity and nothing else: the same
 * words whether the entity is unknown or held by another unit. */
static void
test_not_entitled_reason(void **state)
{
	struct world w;
	char first[sizeof w.d.reason];

	world_init(&w, "township");
	make_event(&w, "case.updated", "C-s9-3");
	decide(&w, NULL);
	expect(&w, MERGE_QUARANTINE, 1);
	assert_string_equal(w.d.reason,
	    "not_entitled: unit " OWN " may not write case.updated on C-s9-3");
	ld_strlcpy(first, w.d.reason, sizeof first);

	w.fake.entity = "C-s9-3";
	w.fake.unit = OTHER;
	w.fake.parts = C;
	decide(&w, NULL);
	assert_string_equal(w.d.reason, first);
	world_release(&w);
}

/* A confidential attachment, entitled as any other, is accepted and
 * shared (not private): the store routes it to its audience only, as a
 * complainant's identity (test-store). */
static void
test_confidential_attachment_accepted(void **state)
{
	struct world w;

	world_init(&w, "township");
	make_event(&w, "case.attached", "C-s9-3");
	w.fake.entity = "C-s9-3";
	w.fake.unit = OWN;
	w.fake.parts = C;
	json_object_set_new(w.ev.body, "confidential", json_true());
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_ACCEPT, 0);
	json_object_set_new(w.ev.body, "confidential", json_false());
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_ACCEPT, 0);
	world_release(&w);
}

/* The role matrix applies first: a kind the role may not write is
 * role_forbidden, kept to its unit, even with every part; an unknown role
 * and the administrator write nothing. */
static void
test_role_before_authority(void **state)
{
	struct world w;

	world_init(&w, "township");
	make_event(&w, "referral.decided", "R-s9-3");
	w.fake.entity = "R-s9-3";
	w.fake.unit = OWN;
	w.fake.parts = ALL_PARTS;
	decide(&w, NULL);
	expect(&w, MERGE_QUARANTINE, 1);
	assert_true(starts_with(w.d.reason, MERGE_ROLE_FORBIDDEN));

	/* Forbidden and not entitled: the role is what it says. */
	w.fake.parts = 0;
	decide(&w, NULL);
	expect(&w, MERGE_QUARANTINE, 1);
	assert_true(starts_with(w.d.reason, MERGE_ROLE_FORBIDDEN));

	/* The same event from a legal office is entitled. */
	w.st.role = "legal";
	w.fake.parts = E;
	decide(&w, NULL);
	expect(&w, MERGE_ACCEPT, 0);

	w.st.role = "admin";
	make_event(&w, "case.opened", "C-s1-5");
	decide(&w, NULL);
	expect(&w, MERGE_QUARANTINE, 1);
	assert_true(starts_with(w.d.reason, MERGE_ROLE_FORBIDDEN));

	w.st.role = "mayor";
	decide(&w, NULL);
	expect(&w, MERGE_QUARANTINE, 1);
	assert_true(starts_with(w.d.reason, MERGE_ROLE_FORBIDDEN));
	world_release(&w);
}

/* An audience unit outside the directory quarantines an entitled event,
 * which stays shared (routed to the known units); a not-entitled one is
 * not_entitled first. */
static void
test_unknown_unit(void **state)
{
	struct world w;

	world_init(&w, "township");
	make_event(&w, "case.opened", "C-s1-5");
	json_array_append_new(w.ev.audience, json_string(STRANGER));
	event_seal(&w.ev);
	unit_assert_valid(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_QUARANTINE, 0);
	assert_string_equal(w.d.reason, MERGE_UNKNOWN_UNIT);

	/* Known once the directory has it. */
	w.fake.known[2] = STRANGER;
	decide(&w, NULL);
	expect(&w, MERGE_ACCEPT, 0);
	w.fake.known[2] = NULL;

	make_event(&w, "case.updated", "C-s9-3");
	json_array_append_new(w.ev.audience, json_string(STRANGER));
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_QUARANTINE, 1);
	assert_true(starts_with(w.d.reason, MERGE_NOT_ENTITLED));
	world_release(&w);
}

/* Rule 1: an event of another station, or of another unit than the
 * station's, is forged, before anything else is looked at. */
static void
test_forged(void **state)
{
	struct world w;

	world_init(&w, "township");
	make_event(&w, "case.opened", "C-s1-5");
	w.st.name = "s2";
	decide(&w, NULL);
	expect(&w, MERGE_FORGED, 0);

	/* Even for a seq the other station holds with this very hash. */
	w.ev.seq = 2;
	event_seal(&w.ev);
	decide(&w, w.ev.hash);
	expect(&w, MERGE_FORGED, 0);
	world_release(&w);

	world_init(&w, "township");
	make_event(&w, "case.opened", "C-s1-5");
	w.st.unit = OTHER;
	decide(&w, NULL);
	expect(&w, MERGE_FORGED, 0);
	world_release(&w);
}

/* Rules 2 to 4: the chain. */
static void
test_chain(void **state)
{
	struct world w;
	char other[HASH_HEX];

	world_init(&w, "township");

	/* A re-sent event: the same hash is a duplicate, whatever its
	 * clock (older than the head's: it was the head's past). */
	make_event(&w, "case.opened", "C-s1-3");
	w.ev.seq = 3;
	w.ev.hlc = HEAD_HLC - 5;
	event_seal(&w.ev);
	decide(&w, w.ev.hash);
	expect(&w, MERGE_DUPLICATE, 0);
	w.ev.seq = HEAD_SEQ;
	decide(&w, w.ev.hash);
	expect(&w, MERGE_DUPLICATE, 0);

	/* Another hash at a held seq, or none known: a fork. */
	memcpy(other, w.ev.hash, HASH_HEX);
	other[0] = other[0] == 'a' ? 'b' : 'a';
	decide(&w, other);
	expect(&w, MERGE_FORK, 0);
	decide(&w, NULL);
	expect(&w, MERGE_FORK, 0);

	/* Beyond the next seq: a gap, saying which seq it expected. */
	make_event(&w, "case.opened", "C-s1-7");
	w.ev.seq = HEAD_SEQ + 2;
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_GAP, 0);
	assert_non_null(strstr(w.d.reason, "expected seq 5"));

	/* The next seq chained elsewhere: a fork. */
	make_event(&w, "case.opened", "C-s1-5");
	w.ev.prev[0] = w.ev.prev[0] == '4' ? '5' : '4';
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_FORK, 0);

	/* The first event of a station. */
	w.st.head_seq = 0;
	w.st.head_hash = HASH_ZERO;
	w.st.head_hlc = 0;
	make_event(&w, "case.opened", "C-s1-1");
	w.ev.seq = 1;
	memcpy(w.ev.prev, HASH_ZERO, HASH_HEX);
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_ACCEPT, 0);
	world_release(&w);
}

/* Rule 5: an hlc not above the station's previous one is refused; one
 * tick above it is enough. */
static void
test_clock_after_previous(void **state)
{
	struct world w;

	world_init(&w, "township");
	make_event(&w, "case.opened", "C-s1-5");

	w.ev.hlc = HEAD_HLC;
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_CLOCK, 0);
	assert_non_null(strstr(w.d.reason, "not after"));

	w.ev.hlc = HEAD_HLC - 1;
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_CLOCK, 0);

	w.ev.hlc = HEAD_HLC + 1;
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_ACCEPT, 0);
	world_release(&w);
}

/* Rule 5: a physical time leading the server's clock by exactly
 * max_ahead is accepted (whatever its counter), by one ms more refused;
 * a bound of 0 is none (docs/protocol.md, limits). */
static void
test_clock_ahead_boundary(void **state)
{
	struct world w;
	int64_t limit;

	world_init(&w, "township");
	limit = w.env.now_ms + w.env.max_ahead_ms;
	make_event(&w, "case.opened", "C-s1-5");

	w.ev.hlc = (hlc_t)limit << HLC_SHIFT;
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_ACCEPT, 0);

	w.ev.hlc = ((hlc_t)limit << HLC_SHIFT) | 0xffff;
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_ACCEPT, 0);

	w.ev.hlc = (hlc_t)(limit + 1) << HLC_SHIFT;
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_CLOCK, 0);
	assert_non_null(strstr(w.d.reason, "ahead of the county server's clock"));

	w.env.max_ahead_ms = 0;
	w.ev.hlc = (hlc_t)(w.env.now_ms + 30 * 24 * HOUR) << HLC_SHIFT;
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_ACCEPT, 0);
	world_release(&w);
}

/* The clock is judged before the role and the authority: a refusal, not
 * a quarantine that would store the event. */
static void
test_clock_before_quarantine(void **state)
{
	struct world w;

	world_init(&w, "township");
	make_event(&w, "referral.decided", "R-s9-3");
	w.ev.hlc = HEAD_HLC;
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_CLOCK, 0);

	w.st.role = "legal";
	w.ev.hlc = (hlc_t)(w.env.now_ms + w.env.max_ahead_ms + 1) << HLC_SHIFT;
	event_seal(&w.ev);
	decide(&w, NULL);
	expect(&w, MERGE_CLOCK, 0);
	world_release(&w);
}

/* One grant as merge_grants reports it. */
struct grant {
	char unit[64];
	int part;
};

struct grants {
	struct grant g[16];
	size_t n;
	size_t stop_at;  /* return 7 at this call (1-based), 0: never */
};

static int
collect(const char *unit, int part, void *arg)
{
	struct grants *gs = arg;

	assert_true(gs->n < NELEM(gs->g));
	ld_strlcpy(gs->g[gs->n].unit, unit, sizeof gs->g[gs->n].unit);
	gs->g[gs->n].part = part;
	gs->n++;
	return gs->n == gs->stop_at ? 7 : 0;
}

static int
has_grant(const struct grants *gs, const char *unit, int part)
{
	size_t i;

	for (i = 0; i < gs->n; i++)
		if (strcmp(gs->g[i].unit, unit) == 0 && gs->g[i].part == part)
			return 1;
	return 0;
}

/*
 * Every kind, its body with every field and every text field naming a
 * unit of its own ("U.<field>", lists "U.<field>.1" and "U.<field>.2"):
 * the grants are the creator (creating kinds) and the units of the fields
 * the protocol lists, each once, and nothing else.
 */
static void
test_grants_every_kind(void **state)
{
	const struct kind_info *k;
	size_t i, j;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		struct grants gs = { .n = 0 };
		struct event ev;
		const struct field *f;
		size_t expected = 0;
		char *entity;

		entity = k->creates ? xasprintf("%c-s1-5", k->etype->letter) :
		    xasprintf("%c-s9-3", k->etype->letter);
		event_init(&ev);
		ld_strlcpy(ev.station, "s1", sizeof ev.station);
		ev.seq = 5;
		ev.hlc = HEAD_HLC;
		ev.at = UNIT_T0_MS;
		ev.unit = xstrdup(OWN);
		ev.author = xstrdup("张三");
		ev.kind = xstrdup(k->name);
		ev.entity = entity;
		ev.audience = json_array();
		json_array_append_new(ev.audience, json_string(OWN));
		ev.body = unit_body(k, 0);
		for (f = k->fields; f->name != NULL; f++) {
			char *a = xasprintf("U.%s", f->name);
			char *b = xasprintf("U.%s.1", f->name);
			char *c = xasprintf("U.%s.2", f->name);

			if (f->type == F_STR)
				json_object_set_new(ev.body, f->name,
				    json_string(a));
			else if (f->type == F_STRS)
				json_object_set_new(ev.body, f->name,
				    json_pack("[s, s]", b, c));
			free(a);
			free(b);
			free(c);
		}
		memcpy(ev.prev, HASH_ZERO, HASH_HEX);
		event_seal(&ev);
		unit_assert_valid(&ev);

		assert_int_equal(merge_grants(&ev, collect, &gs), 0);
		if (is_creating(k->name)) {
			if (!has_grant(&gs, OWN, C))
				fail_msg("%s does not make its unit creator",
				    k->name);
			expected++;
		}
		for (j = 0; j < NELEM(gives); j++) {
			char *u;

			if (strcmp(gives[j].kind, k->name) != 0)
				continue;
			f = kind_field(k, gives[j].field);
			if (f->type == F_STRS) {
				u = xasprintf("U.%s.1", f->name);
				assert_true(has_grant(&gs, u, gives[j].part));
				free(u);
				u = xasprintf("U.%s.2", f->name);
				assert_true(has_grant(&gs, u, gives[j].part));
				expected += 2;
			} else {
				u = xasprintf("U.%s", f->name);
				if (!has_grant(&gs, u, gives[j].part))
					fail_msg("%s does not give part %d to"
					    " its %s", k->name, gives[j].part,
					    f->name);
				expected++;
			}
			free(u);
		}
		if (gs.n != expected)
			fail_msg("%s gives %zu parts, expected %zu (first: %s"
			    " part %d)", k->name, gs.n, expected,
			    gs.n > 0 ? gs.g[0].unit : "-",
			    gs.n > 0 ? gs.g[0].part : 0);
		/* The station's copy (kinds.h, kind_grants: what `attach`
		 * checks before writing) gives the same, in the same order. */
		{
			struct grants ks = { .n = 0 };

			assert_int_equal(kind_grants(&ev, collect, &ks), 0);
			assert_int_equal(ks.n, gs.n);
			for (j = 0; j < ks.n; j++) {
				assert_string_equal(ks.g[j].unit, gs.g[j].unit);
				assert_int_equal(ks.g[j].part, gs.g[j].part);
			}
		}
		/* kind_parts_for: every part a unit is given, ored, and
		 * nothing for a unit not named. */
		for (j = 0; j < gs.n; j++) {
			size_t m;
			int want = 0;

			for (m = 0; m < gs.n; m++)
				if (strcmp(gs.g[m].unit, gs.g[j].unit) == 0)
					want |= gs.g[m].part;
			assert_int_equal(kind_parts_for(&ev, gs.g[j].unit),
			    want);
		}
		assert_int_equal(kind_parts_for(&ev, "U.nobody"), 0);
		event_release(&ev);
	}
}

/* The grants of a meeting: the convener creator, every invited unit a
 * member; the first non-zero answer of fn stops it and is returned. */
static void
test_grants_stop(void **state)
{
	struct grants gs = { .n = 0 };
	struct world w;

	world_init(&w, "township");
	make_event(&w, "meeting.scheduled", "M-s1-5");
	json_object_set_new(w.ev.body, "units",
	    json_pack("[s, s, s]", OTHER, "丙办", "丁所"));
	event_seal(&w.ev);
	unit_assert_valid(&w.ev);

	assert_int_equal(merge_grants(&w.ev, collect, &gs), 0);
	assert_int_equal(gs.n, 4);
	assert_true(has_grant(&gs, OWN, C));
	assert_true(has_grant(&gs, OTHER, M));
	assert_true(has_grant(&gs, "丙办", M));
	assert_true(has_grant(&gs, "丁所", M));

	memset(&gs, 0, sizeof gs);
	gs.stop_at = 2;
	assert_int_equal(merge_grants(&w.ev, collect, &gs), 7);
	assert_int_equal(gs.n, 2);

	/* The convener inviting its own unit holds both parts. */
	json_object_set_new(w.ev.body, "units", json_pack("[s, s]", OTHER,
	    OWN));
	event_seal(&w.ev);
	assert_int_equal(kind_parts_for(&w.ev, OWN), C | M);
	assert_int_equal(kind_parts_for(&w.ev, OTHER), M);
	world_release(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_cover_every_kind),
		cmocka_unit_test(test_creating_needs_own_id),
		cmocka_unit_test(test_authority_table),
		cmocka_unit_test(test_not_entitled_reason),
		cmocka_unit_test(test_confidential_attachment_accepted),
		cmocka_unit_test(test_role_before_authority),
		cmocka_unit_test(test_unknown_unit),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_clock_after_previous),
		cmocka_unit_test(test_clock_ahead_boundary),
		cmocka_unit_test(test_clock_before_quarantine),
		cmocka_unit_test(test_grants_every_kind),
		cmocka_unit_test(test_grants_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
