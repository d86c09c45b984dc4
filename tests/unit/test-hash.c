/*
 * test-hash.c - SHA-256 as hex, and the event chain built on it.
 *
 * The chain's promise (event.h, invariant 2) is that changing any field of
 * any event, or the order of a station's events, shows: the event's own
 * hash no longer matches, or the next event's prev no longer does. Also
 * here: the base64 form used for certificate pins, tokens, and the
 * order-free digest of a set of events used by anti-entropy.
 */
#include "harness.h"

#include "unit.h"

#define CHAIN_LEN 5

static void
test_sha256_known_values(void **state)
{
	char out[HASH_HEX];

	hash_hex("", 0, out);
	assert_string_equal(out,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hash_hex("abc", 3, out);
	assert_string_equal(out,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hash_hex("联动", strlen("联动"), out);
	assert_string_equal(out,
	    "6f24351d9f52af86505a775ad1ab39ba93b166fdffe4a6ba5e844e8a6a0db208");
	/* Exactly len bytes: a NUL inside counts. */
	hash_hex("abc\0", 4, out);
	assert_string_not_equal(out,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_hash_valid(void **state)
{
	char s[HASH_HEX + 1];

	assert_true(hash_valid(HASH_ZERO));
	assert_true(hash_valid(
	    "6f24351d9f52af86505a775ad1ab39ba93b166fdffe4a6ba5e844e8a6a0db208"));
	/* Upper case is not the canonical spelling. */
	assert_false(hash_valid(
	    "6F24351D9F52AF86505A775AD1AB39BA93B166FDFFE4A6BA5E844E8A6A0DB208"));
	assert_false(hash_valid(
	    "6f24351d9f52af86505a775ad1ab39ba93b166fdffe4a6ba5e844e8a6a0db20g"));
	assert_false(hash_valid(""));
	assert_false(hash_valid(
	    "6f24351d9f52af86505a775ad1ab39ba93b166fdffe4a6ba5e844e8a6a0db20"));
	memcpy(s, HASH_ZERO, HASH_HEX - 1);
	s[64] = '0';
	s[65] = '\0';
	assert_false(hash_valid(s));
}

static void
test_hash_equal(void **state)
{
	assert_true(hash_equal("abcdef", "abcdef", 6));
	assert_false(hash_equal("abcdef", "abcdeF", 6));
	assert_true(hash_equal("abcdef", "abcxyz", 3));
}

/* Five events of station s1 on one case, each linked to the one before. */
static void
build_chain(struct event evs[CHAIN_LEN])
{
	static const char *const kinds[CHAIN_LEN] = { "case.opened",
		"case.updated", "case.updated", "case.updated", "case.closed" };
	static const char *const bodies[CHAIN_LEN] = { BODY_CASE_OPENED,
		BODY_CASE_UPDATED, "{\"urgent\":true}", "{\"note\":\"已现场劝阻\"}",
		BODY_CASE_CLOSED };
	size_t i;

	for (i = 0; i < CHAIN_LEN; i++)
		unit_event(&evs[i], "s1", (int64_t)i + 1,
		    (UNIT_T0_MS + (int64_t)i * 60000) << HLC_SHIFT, kinds[i],
		    "C-s1-1", bodies[i], i == 0 ? NULL : evs[i - 1].hash);
}

static void
release_chain(struct event evs[CHAIN_LEN])
{
	size_t i;

	for (i = 0; i < CHAIN_LEN; i++)
		event_release(&evs[i]);
}

static void
test_chain_links(void **state)
{
	struct event evs[CHAIN_LEN];
	char want[HASH_HEX];
	size_t i, j;
	char *s;

	build_chain(evs);
	assert_string_equal(evs[0].prev, HASH_ZERO);
	for (i = 0; i < CHAIN_LEN; i++) {
		unit_assert_valid(&evs[i]);
		assert_true(hash_valid(evs[i].hash));
		if (i > 0)
			assert_string_equal(evs[i].prev, evs[i - 1].hash);
		for (j = 0; j < i; j++)
			assert_string_not_equal(evs[i].hash, evs[j].hash);
		/* The hash is that of the canonical text without "hash". */
		s = event_canonical(&evs[i], 0);
		assert_null(strstr(s, "\"hash\""));
		hash_hex(s, strlen(s), want);
		free(s);
		assert_string_equal(evs[i].hash, want);
	}
	release_chain(evs);
}

/* Re-seals a changed copy of ev and checks its hash moved. */
static void
assert_hash_moves(const struct event *ev, struct event *copy, const char *what)
{
	event_seal(copy);
	if (strcmp(copy->hash, ev->hash) == 0)
		fail_msg("changing %s did not change the hash", what);
	event_release(copy);
}

static void
test_every_field_changes_hash(void **state)
{
	struct event evs[CHAIN_LEN], c;
	const struct event *ev;

	build_chain(evs);
	ev = &evs[1];

	event_copy(&c, ev);
	c.station[1] = '2';
	assert_hash_moves(ev, &c, "station");
	event_copy(&c, ev);
	c.seq++;
	assert_hash_moves(ev, &c, "seq");
	event_copy(&c, ev);
	c.hlc++;
	assert_hash_moves(ev, &c, "hlc");
	event_copy(&c, ev);
	c.at++;
	assert_hash_moves(ev, &c, "at");
	event_copy(&c, ev);
	free(c.unit);
	c.unit = xstrdup("龙羊峡乡");
	assert_hash_moves(ev, &c, "unit");
	event_copy(&c, ev);
	free(c.author);
	c.author = xstrdup("张四");
	assert_hash_moves(ev, &c, "author");
	event_copy(&c, ev);
	free(c.kind);
	c.kind = xstrdup("case.closed");
	assert_hash_moves(ev, &c, "kind");
	event_copy(&c, ev);
	free(c.entity);
	c.entity = xstrdup("C-s1-2");
	assert_hash_moves(ev, &c, "entity");
	event_copy(&c, ev);
	json_array_append_new(c.audience, json_string("县综合行政执法局"));
	assert_hash_moves(ev, &c, "audience");
	event_copy(&c, ev);
	json_object_set_new(c.body, "location", json_string("龙羊峡镇西街"));
	assert_hash_moves(ev, &c, "a body value");
	event_copy(&c, ev);
	json_object_set_new(c.body, "urgent", json_true());
	assert_hash_moves(ev, &c, "a body key");
	event_copy(&c, ev);
	c.prev[0] = c.prev[0] == 'a' ? 'b' : 'a';
	assert_hash_moves(ev, &c, "prev");

	release_chain(evs);
}

/* The hash depends on content only, not on how the JSON was built. */
static void
test_hash_ignores_key_order(void **state)
{
	struct event a, b;

	unit_event(&a, "s1", 1, UNIT_T0_MS << HLC_SHIFT, "case.opened", "C-s1-1",
	    BODY_CASE_OPENED, NULL);
	unit_event(&b, "s1", 1, UNIT_T0_MS << HLC_SHIFT, "case.opened", "C-s1-1",
	    "{\"urgent\":false,\"officer\":\"张三\",\"source\":\"patrol\","
	    "\"location\":\"龙羊峡镇中街\",\"category\":\"市容环境\","
	    "\"discovered_at\":\"2026-11-21T09:30:00+08:00\","
	    "\"description\":\"\\u5360\\u9053\\u7ecf\\u8425\\uff0c堵塞通道\"}",
	    NULL);
	assert_string_equal(a.hash, b.hash);
	event_release(&a);
	event_release(&b);
}

static void
test_tampered_event_detected(void **state)
{
	struct event evs[CHAIN_LEN], c;
	char err[LD_ERRLEN];

	build_chain(evs);

	/* A body edited after sealing. */
	event_copy(&c, &evs[0]);
	json_object_set_new(c.body, "description", json_string("无照经营"));
	err[0] = '\0';
	assert_int_equal(event_validate(&c, err), LD_EINTEGRITY);
	assert_true(err[0] != '\0');
	event_release(&c);

	/* An added body field that the schema allows. */
	event_copy(&c, &evs[1]);
	json_object_set_new(c.body, "urgent", json_true());
	assert_int_equal(event_validate(&c, err), LD_EINTEGRITY);
	event_release(&c);

	/* The envelope: author, time, audience, prev. */
	event_copy(&c, &evs[2]);
	free(c.author);
	c.author = xstrdup("李四");
	assert_int_equal(event_validate(&c, err), LD_EINTEGRITY);
	event_release(&c);
	event_copy(&c, &evs[2]);
	c.at -= 86400000;
	assert_int_equal(event_validate(&c, err), LD_EINTEGRITY);
	event_release(&c);
	event_copy(&c, &evs[2]);
	memcpy(c.prev, evs[0].hash, HASH_HEX);
	assert_int_equal(event_validate(&c, err), LD_EINTEGRITY);
	event_release(&c);

	/* The hash itself. */
	event_copy(&c, &evs[3]);
	c.hash[10] = c.hash[10] == '0' ? '1' : '0';
	assert_int_equal(event_validate(&c, err), LD_EINTEGRITY);
	event_release(&c);

	release_chain(evs);
}

/* Tampering with the stored text is caught when it is read back. */
static void
test_tampered_text_detected(void **state)
{
	struct event evs[CHAIN_LEN], back;
	char err[LD_ERRLEN];
	char *text, *p;

	build_chain(evs);
	text = event_canonical(&evs[0], 1);
	assert_int_equal(event_parse(text, strlen(text), &back, err), 0);
	assert_string_equal(back.hash, evs[0].hash);
	event_release(&back);

	/* Same byte length, different matter: 占道 -> 摆摊. */
	p = strstr(text, "占道");
	assert_non_null(p);
	memcpy(p, "摆摊", strlen("摆摊"));
	err[0] = '\0';
	assert_int_equal(event_parse(text, strlen(text), &back, err),
	    LD_EINTEGRITY);
	assert_true(err[0] != '\0');
	free(text);
	release_chain(evs);
}

/* Re-sealing a tampered event hides it from event_validate but breaks
 * the link to the next event: the chain still tells. */
static void
test_resealed_event_breaks_chain(void **state)
{
	struct event evs[CHAIN_LEN];

	build_chain(evs);
	json_object_set_new(evs[2].body, "urgent", json_false());
	event_seal(&evs[2]);
	unit_assert_valid(&evs[2]);
	assert_string_not_equal(evs[3].prev, evs[2].hash);
	assert_string_equal(evs[2].prev, evs[1].hash);
	release_chain(evs);
}

static void
test_first_event_needs_zero_prev(void **state)
{
	struct event ev;
	char err[LD_ERRLEN];

	unit_event(&ev, "s1", 1, UNIT_T0_MS << HLC_SHIFT, "case.opened",
	    "C-s1-1", BODY_CASE_OPENED,
	    "6f24351d9f52af86505a775ad1ab39ba93b166fdffe4a6ba5e844e8a6a0db208");
	assert_int_equal(event_validate(&ev, err), LD_EINVAL);
	event_release(&ev);
}

static void
test_base64_and_tokens(void **state)
{
	char b64[HASH_B64], t1[64], t2[64];
	size_t i;

	hash_base64("abc", 3, b64);
	assert_string_equal(b64, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
	/* 32 random bytes: 43 URL-safe characters, no padding, never twice
	 * the same. */
	random_token(32, t1, sizeof t1);
	random_token(32, t2, sizeof t2);
	assert_int_equal(strlen(t1), 43);
	assert_int_equal(strspn(t1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
	    "rstuvwxyz0123456789-_"), 43);
	assert_string_not_equal(t1, t2);
	for (i = 0; i < 43; i++)
		assert_true(t1[i] != '=' && t1[i] != '+' && t1[i] != '/');
}

/* The digest of a set does not depend on the order it was added in. */
static void
test_digest_order_free(void **state)
{
	static const size_t orders[][CHAIN_LEN] = { { 0, 1, 2, 3, 4 },
		{ 4, 3, 2, 1, 0 }, { 2, 0, 4, 1, 3 } };
	struct event evs[CHAIN_LEN];
	struct digest d, first;
	size_t o, i;

	build_chain(evs);
	digest_init(&d);
	assert_int_equal(d.count, 0);
	assert_string_equal(d.xor, HASH_ZERO);
	/* One hash: the digest is that hash. */
	digest_add(&d, evs[0].hash);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.xor, evs[0].hash);
	/* The same hash twice cancels out, but still counts. */
	digest_add(&d, evs[0].hash);
	assert_int_equal(d.count, 2);
	assert_string_equal(d.xor, HASH_ZERO);

	for (o = 0; o < sizeof orders / sizeof orders[0]; o++) {
		digest_init(&d);
		for (i = 0; i < CHAIN_LEN; i++)
			digest_add(&d, evs[orders[o][i]].hash);
		assert_int_equal(d.count, CHAIN_LEN);
		assert_true(hash_valid(d.xor));
		if (o == 0)
			first = d;
		else
			assert_string_equal(d.xor, first.xor);
	}
	/* A different set: one event fewer. */
	digest_init(&d);
	for (i = 1; i < CHAIN_LEN; i++)
		digest_add(&d, evs[i].hash);
	assert_string_not_equal(d.xor, first.xor);
	release_chain(evs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_known_values),
		cmocka_unit_test(test_hash_valid),
		cmocka_unit_test(test_hash_equal),
		cmocka_unit_test(test_chain_links),
		cmocka_unit_test(test_every_field_changes_hash),
		cmocka_unit_test(test_hash_ignores_key_order),
		cmocka_unit_test(test_tampered_event_detected),
		cmocka_unit_test(test_tampered_text_detected),
		cmocka_unit_test(test_resealed_event_breaks_chain),
		cmocka_unit_test(test_first_event_needs_zero_prev),
		cmocka_unit_test(test_base64_and_tokens),
		cmocka_unit_test(test_digest_order_free),
	};

	return cmocka_run_group_tests(tests, harness_sodium, NULL);
}
