/*
 * test-proto.c - the one codec of sync headers (common/proto.h): the
 * exact text a request and an answer header are written as (the names
 * docs/protocol.md gives), what each side requires, and the defaults of
 * what is absent. fuzz-push checks that whatever decodes round-trips.
 */
#include "harness.h"

#include "proto.h"
#include "unit.h"

#define XOR_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define XOR_A16 "aaaaaaaaaaaaaaaa"

static void
test_request_text(void **state)
{
	struct proto_request r, back;
	char err[LD_ERRLEN], *text;

	memset(&r, 0, sizeof r);
	r.cursor = 7;
	r.acked = 3;
	r.epoch = 2;
	r.own = -1;
	r.final = 1;
	r.digest.count = 5;
	memcpy(r.digest.xor, XOR_A, HASH_HEX);
	strcpy(r.held[PROTO_UNITS], "u1");
	strcpy(r.held[PROTO_PROFILE], "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef");
	/* Hashes go short: the first PROTO_HASH_SHORT digits. */
	text = proto_request_encode(&r);
	assert_string_equal(text, "{\"acked\":3,\"cursor\":7,\"digest\":"
	    "{\"count\":5,\"xor\":\"" XOR_A16 "\"},\"epoch\":2,\"final\":true,"
	    "\"profile\":\"0123456789abcdef\",\"units\":\"u1\",\"v\":1}");
	assert_int_equal(proto_request_decode(text, strlen(text), &back, err),
	    0);
	memset(r.digest.xor, 0, sizeof r.digest.xor);
	memcpy(r.digest.xor, XOR_A16, PROTO_HASH_SHORT);
	memset(r.held[PROTO_PROFILE], 0, sizeof r.held[PROTO_PROFILE]);
	memcpy(r.held[PROTO_PROFILE], "0123456789abcdef", PROTO_HASH_SHORT);
	assert_memory_equal(&r, &back, sizeof r);
	free(text);
	/* Asked for: heads and its own events after a seq. */
	r.heads = 1;
	r.own = 0;
	text = proto_request_encode(&r);
	assert_non_null(strstr(text, "\"heads\":true"));
	assert_non_null(strstr(text, "\"own\":0"));
	free(text);
}

static void
test_request_requires(void **state)
{
	static const char *const bad[] = {
		"", "[]", "not json", "{\"cursor\":0}",
		"{\"v\":2,\"cursor\":0}", "{\"v\":1}", "{\"v\":1,\"cursor\":-1}",
		"{\"v\":1,\"cursor\":\"0\"}", "{\"v\":\"1\",\"cursor\":0}",
		"{\"v\":1,\"cursor\":0,\"x\":[[[[[[]]]]]]}",
	};
	struct proto_request r;
	char err[LD_ERRLEN];
	const char *odd;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (proto_request_decode(bad[i], strlen(bad[i]), &r, err) !=
		    LD_EINVAL)
			fail_msg("'%s' should be refused", bad[i]);
	/* The least a request may be, and its defaults. */
	odd = "{\"v\":1,\"cursor\":0}";
	assert_int_equal(proto_request_decode(odd, strlen(odd), &r, err), 0);
	assert_int_equal(r.own, -1);
	assert_int_equal(r.epoch, 0);
	assert_int_equal(r.heads, 0);
	assert_int_equal(r.final, 0);
	assert_string_equal(r.held[PROTO_PROFILE], "");
	/* Members of another type read as absent; a negative own as none. */
	odd = "{\"v\":1,\"cursor\":0,\"own\":-4,\"epoch\":\"9\",\"heads\":1,"
	    "\"profile\":3}";
	assert_int_equal(proto_request_decode(odd, strlen(odd), &r, err), 0);
	assert_int_equal(r.own, -1);
	assert_int_equal(r.epoch, 0);
	assert_int_equal(r.heads, 0);
	assert_string_equal(r.held[PROTO_PROFILE], "");
}

static void
test_answer(void **state)
{
	struct proto_answer a, back;
	char err[LD_ERRLEN], *text;

	memset(&a, 0, sizeof a);
	a.acked = 4;
	a.cursor = 9;
	a.backlog = 2;
	a.epoch = 3;
	a.time = 1000;
	a.more = 1;
	a.has_digest = 1;
	a.digest.count = 1;
	memcpy(a.digest.xor, XOR_A, HASH_HEX);
	a.quarantined = json_pack("[{s:i, s:s}]", "seq", 4, "reason", "r");
	a.docs[PROTO_NEXT_CA] = json_string("PEM");
	text = proto_answer_encode(&a);
	assert_string_equal(text, "{\"acked\":4,\"backlog\":2,\"cursor\":9,"
	    "\"digest\":{\"count\":1,\"xor\":\"" XOR_A "\"},\"epoch\":3,"
	    "\"more\":true,\"next_ca\":\"PEM\",\"quarantined\":[{\"reason\":"
	    "\"r\",\"seq\":4}],\"time\":1000,\"v\":1}");
	assert_int_equal(proto_answer_decode(text, strlen(text), &back, err), 0);
	assert_int_equal(back.acked, 4);
	assert_int_equal(back.cursor, 9);
	assert_int_equal(back.backlog, 2);
	assert_int_equal(back.more, 1);
	assert_true(back.has_digest);
	assert_true(json_equal(back.quarantined, a.quarantined));
	assert_string_equal(json_string_value(back.docs[PROTO_NEXT_CA]), "PEM");
	assert_null(back.docs[PROTO_PROFILE]);
	assert_null(back.heads);
	free(text);
	proto_answer_release(&back);
	proto_answer_release(&a);
	/* Its own events come with whether more wait. */
	memset(&a, 0, sizeof a);
	a.own = 2;
	a.own_more = 1;
	text = proto_answer_encode(&a);
	assert_non_null(strstr(text, "\"own\":2,\"own_more\":true"));
	free(text);
	/* An answer without acked or cursor is malformed; the rest may
	 * be absent. */
	assert_int_equal(proto_answer_decode("{\"acked\":1}",
	    strlen("{\"acked\":1}"), &a, err), LD_EINVAL);
	assert_int_equal(proto_answer_decode("{\"acked\":1,\"cursor\":2}",
	    strlen("{\"acked\":1,\"cursor\":2}"), &a, err), 0);
	assert_false(a.has_digest);
	assert_int_equal(json_array_size(a.quarantined), 0);
	assert_int_equal(a.time, 0);
	assert_null(a.received);
	proto_answer_release(&a);
}

/* Short hashes: a document held matches by its first 16 digits or more,
 * digests agree over the shorter XOR, and an answer's digest is cut to
 * the length of the request's. */
static void
test_short_hashes(void **state)
{
	struct proto_request r;
	struct proto_answer a;
	struct digest d, e;

	assert_true(proto_hash_matches(XOR_A, XOR_A));
	assert_true(proto_hash_matches(XOR_A16, XOR_A));
	assert_false(proto_hash_matches("aaaaaaaaaaaaaaa", XOR_A));
	assert_false(proto_hash_matches("", XOR_A));
	assert_false(proto_hash_matches("aaaaaaaaaaaaaaab", XOR_A));
	assert_false(proto_hash_matches(XOR_A, XOR_A16));
	memset(&d, 0, sizeof d);
	memset(&e, 0, sizeof e);
	d.count = e.count = 3;
	strcpy(d.xor, XOR_A);
	strcpy(e.xor, XOR_A16);
	assert_true(proto_digest_same(&d, &e));
	assert_true(proto_digest_same(&e, &d));
	e.count = 4;
	assert_false(proto_digest_same(&d, &e));
	e.count = 3;
	e.xor[15] = 'b';
	assert_false(proto_digest_same(&d, &e));
	strcpy(e.xor, "aaaa");
	assert_false(proto_digest_same(&d, &e));
	/* Cut to the request's length, never below 16, never longer. */
	memset(&r, 0, sizeof r);
	memset(&a, 0, sizeof a);
	strcpy(r.digest.xor, XOR_A16);
	strcpy(a.digest.xor, XOR_A);
	proto_answer_like(&a, &r);
	assert_string_equal(a.digest.xor, XOR_A16);
	strcpy(r.digest.xor, XOR_A);
	strcpy(a.digest.xor, XOR_A);
	proto_answer_like(&a, &r);
	assert_string_equal(a.digest.xor, XOR_A);
	strcpy(r.digest.xor, "aaaa");
	proto_answer_like(&a, &r);
	assert_string_equal(a.digest.xor, XOR_A);
}

/* The compact form: the same members under short names, written and
 * read; an answer takes the form of its request, and to a long one says
 * that the server reads compact ones. */
static void
test_compact(void **state)
{
	struct proto_request r, back;
	struct proto_answer a, aback;
	char err[LD_ERRLEN], *text;

	memset(&r, 0, sizeof r);
	r.compact = 1;
	r.cursor = 7;
	r.acked = 3;
	r.epoch = 2;
	r.own = 5;
	r.final = 1;
	r.heads = 1;
	r.digest.count = 5;
	strcpy(r.digest.xor, XOR_A16);
	strcpy(r.held[PROTO_UNITS], "0123456789abcdef");
	text = proto_request_encode(&r);
	assert_string_equal(text, "{\"a\":3,\"c\":7,\"d\":[5,\"" XOR_A16
	    "\"],\"e\":2,\"f\":1,\"h\":1,\"o\":5,"
	    "\"u\":\"0123456789abcdef\",\"v\":1}");
	assert_int_equal(proto_request_decode(text, strlen(text), &back, err),
	    0);
	assert_memory_equal(&r, &back, sizeof r);
	free(text);
	/* The answer to it is compact too. */
	memset(&a, 0, sizeof a);
	a.acked = 4;
	a.cursor = 9;
	a.more = 1;
	a.time = 1000;
	a.has_digest = 1;
	a.digest.count = 1;
	strcpy(a.digest.xor, XOR_A);
	a.received = json_pack("[I]", (json_int_t)1000);
	proto_answer_like(&a, &r);
	text = proto_answer_encode(&a);
	assert_string_equal(text, "{\"a\":4,\"c\":9,\"d\":[1,\"" XOR_A16
	    "\"],\"e\":0,\"m\":1,\"r\":[1000],\"t\":1000,\"v\":1}");
	assert_int_equal(proto_answer_decode(text, strlen(text), &aback, err),
	    0);
	assert_true(aback.compact);
	assert_true(aback.reads_compact);
	assert_int_equal(aback.acked, 4);
	assert_int_equal(aback.cursor, 9);
	assert_int_equal(aback.more, 1);
	assert_int_equal(aback.time, 1000);
	assert_true(aback.has_digest);
	assert_string_equal(aback.digest.xor, XOR_A16);
	assert_true(json_equal(aback.received, a.received));
	free(text);
	proto_answer_release(&aback);
	/* To a long request: long, and "compact":1. */
	r.compact = 0;
	strcpy(a.digest.xor, XOR_A);
	proto_answer_like(&a, &r);
	text = proto_answer_encode(&a);
	assert_non_null(strstr(text, "\"compact\":1"));
	assert_non_null(strstr(text, "\"cursor\":9"));
	assert_int_equal(proto_answer_decode(text, strlen(text), &aback, err),
	    0);
	assert_false(aback.compact);
	assert_true(aback.reads_compact);
	free(text);
	proto_answer_release(&aback);
	proto_answer_release(&a);
	/* A long header is never taken for a compact one, and the long
	 * form's flags stay true only. */
	text = "{\"v\":1,\"cursor\":0,\"c\":5,\"final\":1}";
	assert_int_equal(proto_request_decode(text, strlen(text), &back, err),
	    0);
	assert_false(back.compact);
	assert_int_equal(back.cursor, 0);
	assert_int_equal(back.final, 0);
	text = "{\"v\":1,\"c\":-1}";
	assert_int_equal(proto_request_decode(text, strlen(text), &back, err),
	    LD_EINVAL);
}

/* What reads as its default is left out of a compact answer; the long
 * form is written as it always was. */
static void
test_answer_defaults(void **state)
{
	struct proto_answer a;
	char *text;

	memset(&a, 0, sizeof a);
	a.acked = 1;
	a.cursor = 2;
	a.quarantined = json_array();
	a.received = json_array();
	text = proto_answer_encode(&a);
	assert_string_equal(text, "{\"acked\":1,\"backlog\":0,\"cursor\":2,"
	    "\"epoch\":0,\"more\":false,\"quarantined\":[],\"received\":[],"
	    "\"time\":0,\"v\":1}");
	free(text);
	a.compact = 1;
	text = proto_answer_encode(&a);
	assert_string_equal(text, "{\"a\":1,\"c\":2,\"e\":0,\"t\":0,\"v\":1}");
	free(text);
	proto_answer_release(&a);
}

/* When the server first held each pulled event, in the order of the
 * lines: written when given, read back; anything but a list of integers
 * reads as none (the agent then records no receipt). */
static void
test_answer_received(void **state)
{
	static const char *const bad[] = {
		"{\"acked\":1,\"cursor\":2,\"received\":7}",
		"{\"acked\":1,\"cursor\":2,\"received\":[1,\"2\"]}",
		"{\"acked\":1,\"cursor\":2,\"received\":[1,null]}",
	};
	struct proto_answer a, back;
	char err[LD_ERRLEN], *text;
	size_t i;

	memset(&a, 0, sizeof a);
	a.cursor = 2;
	a.received = json_pack("[I, I]", (json_int_t)1777514400000LL,
	    (json_int_t)1779240600000LL);
	text = proto_answer_encode(&a);
	assert_non_null(strstr(text,
	    "\"received\":[1777514400000,1779240600000]"));
	assert_int_equal(proto_answer_decode(text, strlen(text), &back, err), 0);
	assert_true(json_equal(back.received, a.received));
	free(text);
	proto_answer_release(&back);
	proto_answer_release(&a);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(proto_answer_decode(bad[i], strlen(bad[i]), &a,
		    err), 0);
		assert_null(a.received);
		proto_answer_release(&a);
	}
}

/* The pause before a timed-out connection is tried again: half the
 * connect timeout (at least 0.5 s) times [0.5, 1.5), doubled each try. */
static void
test_connect_pause(void **state)
{
	(void)state;
	assert_int_equal(proto_connect_pause_ms(20, 1, 0), 5000);
	assert_int_equal(proto_connect_pause_ms(20, 1, 0x80000000u), 10000);
	assert_true(proto_connect_pause_ms(20, 1, 0xffffffffu) < 15000);
	assert_true(proto_connect_pause_ms(20, 1, 0xffffffffu) > 14990);
	assert_int_equal(proto_connect_pause_ms(20, 3, 0), 20000);
	/* A connect timeout under a second still pauses half a second. */
	assert_int_equal(proto_connect_pause_ms(0, 1, 0x80000000u), 500);
	assert_int_equal(proto_connect_pause_ms(1, 2, 0), 500);
	/* The last try's pause, at the agent's 20 s, is under a minute
	 * (the callers keep the sum within PROTO_CONNECT_WAIT). */
	assert_true(proto_connect_pause_ms(20, PROTO_CONNECT_TRIES,
	    0xffffffffu) < 60000);
}

/* A busy server's 503 with Retry-After is waited out at most 10 times
 * and 300 s for one request; one without Retry-After never. */
static void
test_busy_wait(void **state)
{
	long waited = 0;
	int tries;

	(void)state;
	assert_int_equal(PROTO_BUSY_TRIES, 10);
	assert_int_equal(PROTO_BUSY_WAIT, 300);
	/* No Retry-After (the disk full or failing): the answer at once. */
	assert_false(proto_busy_wait(0, 0, 0, PROTO_BUSY_WAIT));
	/* The tries: the server's longest Retry-After (25 s, server/http.c)
	 * ten times is waited out, 250 s, more than the slowest burst took
	 * to drain (99 s); the eleventh 503 is the answer. */
	for (tries = 0; tries < 10; tries++) {
		assert_true(proto_busy_wait(tries, waited, 25, PROTO_BUSY_WAIT));
		waited += 25;
	}
	assert_false(proto_busy_wait(tries, waited, 25, PROTO_BUSY_WAIT));
	assert_false(proto_busy_wait(10, 10, 1, PROTO_BUSY_WAIT));
	/* The seconds: up to 300 in all, not one more. */
	assert_true(proto_busy_wait(9, 276, 24, PROTO_BUSY_WAIT));
	assert_false(proto_busy_wait(9, 277, 24, PROTO_BUSY_WAIT));
	assert_true(proto_busy_wait(0, 0, 300, PROTO_BUSY_WAIT));
	assert_false(proto_busy_wait(0, 0, 301, PROTO_BUSY_WAIT));
	/* A refusal for a while (Retry-After past PROTO_BUSY_LONG, the
	 * attachments' space: 60 s) is waited out once, first, as before
	 * the bounds grew, not five times. */
	assert_true(proto_busy_wait(0, 0, 60, PROTO_BUSY_WAIT));
	assert_false(proto_busy_wait(1, 60, 60, PROTO_BUSY_WAIT));
	assert_false(proto_busy_wait(1, 1, PROTO_BUSY_LONG + 1,
	    PROTO_BUSY_WAIT));
	assert_true(proto_busy_wait(1, 60, PROTO_BUSY_LONG, PROTO_BUSY_WAIT));
	/* A shorter bound (the tests'). */
	assert_true(proto_busy_wait(0, 0, 5, 5));
	assert_false(proto_busy_wait(1, 5, 1, 5));
	assert_false(proto_busy_wait(0, 0, 1, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_text),
		cmocka_unit_test(test_request_requires),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_answer_received),
		cmocka_unit_test(test_short_hashes),
		cmocka_unit_test(test_answer_defaults),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_connect_pause),
		cmocka_unit_test(test_busy_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
