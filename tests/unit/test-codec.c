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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_plain),
		cmocka_unit_test(test_levels_dict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
