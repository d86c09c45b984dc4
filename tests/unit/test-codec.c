/*
 * test-codec.c - zstd framing (common/codec.h): the level of a codec
 * changes between frames, with and without a dictionary, and every frame
 * decompresses to what was compressed whatever level made it.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "paths.h"
#include "util.h"

/* Some NDJSON-like text that compresses differently by level. */
static char *
sample(size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int i;

	for (i = 0; i < 2000; i++)
		fprintf(f, "{\"seq\":%d,\"kind\":\"case.opened\",\"body\":"
		    "{\"place\":\"place %d\",\"note\":\"%x-%x\"}}\n", i, i % 37,
		    i * 7919, i * 104729);
	fclose(f);
	*len = n;
	return buf;
}

static void
round_trip(struct codec *c, const char *text, size_t len, size_t *zlen)
{
	char err[LD_ERRLEN];
	void *z, *back;
	size_t blen;

	assert_int_equal(codec_compress(c, text, len, &z, zlen, err), 0);
	assert_int_equal(codec_decompress(c, z, *zlen, len, &back, &blen, err),
	    0);
	assert_int_equal(blen, len);
	assert_memory_equal(back, text, len);
	free(back);
	free(z);
}

/* The shipped dictionary: in $TOP/conf (tests/run.sh exports TOP), else
 * the DATADIR compiled in. NULL for none. */
static void
levels(const char *dict)
{
	char err[LD_ERRLEN], path[4096];
	const char *top = getenv("TOP");
	struct codec *c;
	size_t len, z19, z1, again;
	char *text = sample(&len);

	if (dict == NULL)
		assert_int_equal(codec_new(NULL, 0, 19, &c, err), 0);
	else {
		snprintf(path, sizeof path, "%s/%s", top != NULL && *top != '\0' ?
		    top : paths_data(), dict);
		if (codec_load(path, 19, &c, err) != 0)
			fail_msg("cannot load %s (set TOP to the source tree): %s",
			    path, err);
		assert_true(codec_dict_id(c) != 0);
	}
	assert_int_equal(codec_level(c), 19);
	round_trip(c, text, len, &z19);
	assert_int_equal(codec_set_level(c, 1, err), 0);
	assert_int_equal(codec_level(c), 1);
	round_trip(c, text, len, &z1);
	/* Level 1 is a faster, larger frame here. */
	assert_true(z1 > z19);
	assert_int_equal(codec_set_level(c, 19, err), 0);
	round_trip(c, text, len, &again);
	assert_int_equal(again, z19);
	assert_int_equal(codec_set_level(c, 0, err), LD_EINVAL);
	assert_int_equal(codec_set_level(c, CODEC_LEVEL_MAX + 1, err),
	    LD_EINVAL);
	assert_int_equal(codec_level(c), 19);
	codec_free(c);
	free(text);
}

static void
test_levels_plain(void **state)
{
	levels(NULL);
}

static void
test_levels_dict(void **state)
{
	levels(getenv("TOP") != NULL ? "conf/liandong.dict" : "liandong.dict");
}

/* The level of a sync run's requests from the link's pace. */
static void
test_pace(void **state)
{
	struct codec_pace p = { 0, 0 };
	int i;

	/* Nothing measured: 19, however much is left. */
	assert_int_equal(codec_pace_level(&p, 100000), CODEC_LEVEL_MAX);
	/* A request too small to say anything is not taken in. */
	codec_pace_note(&p, CODEC_PACE_MIN_BYTES - 1, 0.001);
	assert_int_equal(p.measured, 0);
	/* One fast request: a bulk push adapts, a small one stays at 19. */
	codec_pace_note(&p, 40000, 0.01);
	assert_int_equal(codec_pace_level(&p, 100000), 1);
	assert_int_equal(codec_pace_level(&p, CODEC_PACE_BULK - 1),
	    CODEC_LEVEL_MAX);
	/* Measured CODEC_PACE_TRUST times, the tail of a bulk push keeps
	 * the level of the link (it went back to 19 for its last 2,000). */
	for (i = 1; i < CODEC_PACE_TRUST; i++)
		codec_pace_note(&p, 40000, 0.01);
	assert_int_equal(codec_pace_level(&p, CODEC_PACE_BULK - 1), 1);
	assert_int_equal(codec_pace_level(&p, 0), 1);
	/* A link that slows to 64 kbit/s: back to 19 once the smoothed rate
	 * is under CODEC_PACE_SLOW, through 14. */
	for (i = 0; i < 20 && p.rate >= CODEC_PACE_MEDIUM; i++)
		codec_pace_note(&p, 40000, 0.4); /* 100 KB/s */
	assert_int_equal(codec_pace_level(&p, 0), 14);
	for (i = 0; i < 8; i++)
		codec_pace_note(&p, 40000, 5.0); /* 8 KB/s */
	assert_true(p.rate < CODEC_PACE_SLOW);
	assert_int_equal(codec_pace_level(&p, 100000), CODEC_LEVEL_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_plain),
		cmocka_unit_test(test_levels_dict),
		cmocka_unit_test(test_pace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
