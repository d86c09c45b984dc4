/*
 * test-util.c - common/util.c: one exit code per error code, the same in
 * both programs, and the table of docs/exit-codes.md ("From error to
 * exit code") says what the code does: read from $TOP/docs (tests/run.sh
 * sets TOP), every LD_E* row must give ld_exit_code's number, and every
 * code must have a row. And ld_number, the one way numbers are read from
 * options and configuration: whole, in range, no overflow.
 */
#include "harness.h"

#include <stdio.h>

#include "textfile.h"
#include "unit.h"

static const struct {
	const char *name;
	int code;
} codes[] = {
	{ "LD_EINVAL", LD_EINVAL }, { "LD_ENOTFOUND", LD_ENOTFOUND },
	{ "LD_EDB", LD_EDB }, { "LD_EFULL", LD_EFULL },
	{ "LD_EINTEGRITY", LD_EINTEGRITY }, { "LD_ECONFIG", LD_ECONFIG },
	{ "LD_EEXIST", LD_EEXIST }, { "LD_ELOCKED", LD_ELOCKED },
	{ "LD_EREADONLY", LD_EREADONLY }, { "LD_EINTERNAL", LD_EINTERNAL },
	{ "LD_ETOOBIG", LD_ETOOBIG }, { "LD_EAUTH", LD_EAUTH },
	{ "LD_EFORK", LD_EFORK }, { "LD_ENET", LD_ENET },
	{ "LD_EREFUSED", LD_EREFUSED }, { "LD_EPERM", LD_EPERM },
};
#define NCODES (sizeof codes / sizeof codes[0])

static void
test_every_code_has_text_and_exit(void **state)
{
	size_t i;

	assert_int_equal(ld_exit_code(LD_OK), EXIT_OK);
	for (i = 0; i < NCODES; i++) {
		assert_string_not_equal(ld_strerror(codes[i].code),
		    "unknown error");
		assert_true(ld_exit_code(codes[i].code) > EXIT_OK);
		assert_true(ld_exit_code(codes[i].code) <= EXIT_FORBIDDEN);
	}
	/* Only a bug is an internal error; only ENOTFOUND is "not found". */
	for (i = 0; i < NCODES; i++) {
		assert_true((ld_exit_code(codes[i].code) == EXIT_INTERNAL) ==
		    (codes[i].code == LD_EINTERNAL));
		assert_true((ld_exit_code(codes[i].code) == EXIT_NOTFOUND) ==
		    (codes[i].code == LD_ENOTFOUND));
	}
	/* A code past the table is a bug, not a crash. */
	assert_int_equal(ld_exit_code(-1000), EXIT_INTERNAL);
	assert_string_equal(ld_strerror(-1000), "unknown error");
}

static void
test_the_documented_table_is_the_code(void **state)
{
	const char *top = getenv("TOP");
	char *path, *text = NULL, err[LD_ERRLEN];
	size_t i, rows = 0;

	path = xasprintf("%s/docs/exit-codes.md", top ? top : ".");
	assert_int_equal(textfile_read(path, 1 << 20, &text, err), 0);
	for (i = 0; i < NCODES; i++) {
		char row[64], *at;
		int exit_ = -1;

		snprintf(row, sizeof row, "| `%s` | ", codes[i].name);
		at = strstr(text, row);
		if (at == NULL)
			fail_msg("docs/exit-codes.md has no row for %s",
			    codes[i].name);
		assert_int_equal(sscanf(at + strlen(row), "%d", &exit_), 1);
		if (exit_ != ld_exit_code(codes[i].code))
			fail_msg("%s: the docs say %d, the code %d",
			    codes[i].name, exit_, ld_exit_code(codes[i].code));
		rows++;
	}
	assert_int_equal(rows, NCODES);
	free(text);
	free(path);
}

static void
test_numbers(void **state)
{
	static const struct {
		const char *s;
		long long min, max;
		int ok;
		long long want;
	} cases[] = {
		{ "0", 0, 10, 1, 0 }, { "10", 0, 10, 1, 10 },
		{ "11", 0, 10, 0, 0 }, { "-1", 0, 10, 0, 0 },
		{ "-1", -5, 10, 1, -1 }, { "007", 0, 10, 1, 7 },
		{ "", 0, 10, 0, 0 }, { " 5", 0, 10, 0, 0 },
		{ "5 ", 0, 10, 0, 0 }, { "+5", 0, 10, 0, 0 },
		{ "12abc", 0, 100, 0, 0 }, { "2e4", 0, 100000, 0, 0 },
		{ "0x10", 0, 100, 0, 0 }, { "abc", 0, 100, 0, 0 },
		{ "-", -5, 5, 0, 0 },
		{ "9223372036854775807", 0, INT64_MAX, 1, INT64_MAX },
		{ "9223372036854775808", 0, INT64_MAX, 0, 0 },
		{ "99999999999999999999999", 0, INT64_MAX, 0, 0 },
		{ "65535", 0, 65535, 1, 65535 }, { "65536", 0, 65535, 0, 0 },
	};
	const char *rest;
	long long n;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = -42;
		if (cases[i].ok) {
			if (ld_number(cases[i].s, cases[i].min, cases[i].max, &n,
			    NULL) != 0 || n != cases[i].want)
				fail_msg("'%s' should read as %lld", cases[i].s,
				    cases[i].want);
		} else if (ld_number(cases[i].s, cases[i].min, cases[i].max,
		    &n, NULL) != LD_EINVAL || n != -42)
			fail_msg("'%s' should be refused, out unchanged",
			    cases[i].s);
	}
	assert_int_equal(ld_number(NULL, 0, 1, &n, NULL), LD_EINVAL);
	/* With rest: the digits, then what follows them. */
	assert_int_equal(ld_number("90s", 1, 100, &n, &rest), 0);
	assert_int_equal(n, 90);
	assert_string_equal(rest, "s");
	assert_int_equal(ld_number("h", 1, 100, &n, &rest), LD_EINVAL);
	assert_int_equal(ld_number("500m", 1, 100, &n, &rest), LD_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_has_text_and_exit),
		cmocka_unit_test(test_the_documented_table_is_the_code),
		cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
