/*
 * test-directory.c - the county's unit directory as a station holds it:
 * what a well-formed one is, exact membership, and the near misses a
 * mistyped --to is answered with.
 */
#include "harness.h"

#include "directory.h"
#include "unit.h"

/* A directory from a NULL-terminated list of names. */
static json_t *
dir(const char *first, ...)
{
	json_t *a = json_array();
	const char *s;
	va_list ap;

	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *))
		json_array_append_new(a, json_string(s));
	va_end(ap);
	return a;
}

static json_t *
county(void)
{
	return dir("县人民政府", "县住建局", "县公安局", "县司法局",
	    "县市场监管局", "县林业局", "县综合行政执法局", "龙羊峡镇",
	    NULL);
}

static void
test_check_accepts_a_sorted_directory(void **state)
{
	char err[LD_ERRLEN];
	json_t *d = county(), *e = json_array();

	assert_int_equal(directory_check(d, err), 0);
	/* Empty is well formed: it names nothing. */
	assert_int_equal(directory_check(e, err), 0);
	json_decref(d);
	json_decref(e);
}

static void
test_check_refuses_malformed(void **state)
{
	char err[LD_ERRLEN], long_name[3 * 41 + 1];
	json_t *d;
	size_t i;

	d = json_object();
	assert_int_equal(directory_check(d, err), LD_EINVAL);
	json_decref(d);
	d = dir("县公安局", "县公安局", NULL);            /* repeated */
	assert_int_equal(directory_check(d, err), LD_EINVAL);
	assert_non_null(strstr(err, "县公安局"));
	json_decref(d);
	d = dir("龙羊峡镇", "县公安局", NULL);            /* not sorted */
	assert_int_equal(directory_check(d, err), LD_EINVAL);
	json_decref(d);
	d = dir("", NULL);
	assert_int_equal(directory_check(d, err), LD_EINVAL);
	json_decref(d);
	d = dir("县公\n安局", NULL);
	assert_int_equal(directory_check(d, err), LD_EINVAL);
	json_decref(d);
	d = json_pack("[s, i]", "县公安局", 7);
	assert_int_equal(directory_check(d, err), LD_EINVAL);
	json_decref(d);
	/* 41 characters: one over UNIT_MAX. */
	for (i = 0; i < 41; i++)
		memcpy(long_name + 3 * i, "局", 3);
	long_name[3 * 41] = '\0';
	d = dir(long_name, NULL);
	assert_int_equal(directory_check(d, err), LD_EINVAL);
	json_decref(d);
	/* jansson never parses it, but a directory built by hand may. */
	d = json_array();
	json_array_append_new(d, json_string_nocheck("\xe5\xbf"));
	assert_int_equal(directory_check(d, err), LD_EINVAL);
	json_decref(d);
	d = json_array();
	for (i = 0; i <= DIRECTORY_MAX; i++) {
		char name[16];
		snprintf(name, sizeof name, "u%05zu", i);
		json_array_append_new(d, json_string(name));
	}
	assert_int_equal(directory_check(d, err), LD_EINVAL);
	json_array_remove(d, 0);
	assert_int_equal(directory_check(d, err), 0);
	json_decref(d);
}

static void
test_has_is_exact(void **state)
{
	json_t *d = county();

	assert_true(directory_has(d, "县市场监管局"));
	assert_true(directory_has(d, "龙羊峡镇"));
	assert_false(directory_has(d, "县市场监督局"));
	assert_false(directory_has(d, "市场监管局"));
	assert_false(directory_has(d, "县市场监管局 "));
	assert_false(directory_has(d, ""));
	json_decref(d);
}

static void
test_suggest_near_misses(void **state)
{
	const char *best[4];
	json_t *d = county();

	/* One character wrong, missing or extra. */
	assert_int_equal(directory_suggest(d, "县市场监督局", best, 4), 1);
	assert_string_equal(best[0], "县市场监管局");
	assert_int_equal(directory_suggest(d, "市场监管局", best, 4), 1);
	assert_string_equal(best[0], "县市场监管局");
	assert_int_equal(directory_suggest(d, "县综合执法局", best, 4), 1);
	assert_string_equal(best[0], "县综合行政执法局");
	assert_int_equal(directory_suggest(d, "公安局", best, 4), 1);
	assert_string_equal(best[0], "县公安局");
	/* Too far: three edits, or two in a four-character name. */
	assert_int_equal(directory_suggest(d, "县市场管理局局", best, 4), 0);
	assert_int_equal(directory_suggest(d, "县自然资源局", best, 4), 0);
	assert_int_equal(directory_suggest(d, "乡政府", best, 4), 0);
	/* A name held is not a near miss of itself. */
	assert_int_equal(directory_suggest(d, "县公安局", best, 4), 0);
	json_decref(d);
}

static void
test_suggest_ties_in_directory_order(void **state)
{
	const char *best[4];
	json_t *d = dir("县林业局", "县水务局", "县水利局", NULL);

	assert_int_equal(directory_suggest(d, "县水X局", best, 4), 2);
	assert_string_equal(best[0], "县水务局");
	assert_string_equal(best[1], "县水利局");
	/* Only as many as asked for, and a closer one wins. */
	assert_int_equal(directory_suggest(d, "县水X局", best, 1), 1);
	assert_string_equal(best[0], "县水务局");
	assert_int_equal(directory_suggest(d, "县水利", best, 4), 1);
	assert_string_equal(best[0], "县水利局");
	json_decref(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_accepts_a_sorted_directory),
		cmocka_unit_test(test_check_refuses_malformed),
		cmocka_unit_test(test_has_is_exact),
		cmocka_unit_test(test_suggest_near_misses),
		cmocka_unit_test(test_suggest_ties_in_directory_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
