/*
 * test-cli.c - the command line both programs parse (common/cli.c): the
 * common options before the command as well as after it, a noun's help,
 * and the exit code an LD_E* error leaves with.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util.h"

#define T_JSON 1

static int
run_nothing(struct cli *c)
{
	return 0;
}

static const struct cli_opt open_opts[] = {
	{ "urgent", CLI_FLAG, NULL, "urgent" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd case_open = { "case", "open", NULL, 0, 0,
	open_opts, 0, "open a case", run_nothing };
static const struct cli_cmd case_list = { "case", "list", NULL, 0, 0,
	NULL, T_JSON, "list cases", run_nothing };
static const struct cli_cmd sync_cmd = { "sync", NULL, NULL, 0, 0, NULL, 0,
	"sync once", run_nothing };
static const struct cli_cmd *const cmds[] = { &case_open, &case_list,
	&sync_cmd, NULL };

static const struct cli_opt common[] = {
	{ "db", CLI_VALUE, "PATH", "database" },
	{ "json", CLI_FLAG, NULL, "JSON" },
	{ "help", CLI_FLAG, NULL, "help" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_program prog = { "t", "a test program", cmds,
	common, NULL, T_JSON, "0" };

/* cli_parse of the NULL-terminated words; the result into c. */
static int
parse(struct cli *c, const char *const *words)
{
	char *argv[16];
	int argc = 0;

	while (words[argc] != NULL) {
		argv[argc] = (char *)words[argc];
		argc++;
	}
	argv[argc] = NULL;
	return cli_parse(&prog, argc, argv, c);
}

static void
test_common_options_before_the_command(void **state)
{
	const char *w1[] = { "--db", "x.db", "sync", NULL };
	const char *w2[] = { "--json", "--db=y.db", "case", "list", NULL };
	struct cli c;

	assert_int_equal(parse(&c, w1), -1);
	assert_ptr_equal(c.cmd, &sync_cmd);
	assert_string_equal(cli_common_value(&c, "db"), "x.db");
	assert_int_equal(c.argc, 0);
	cli_release(&c);

	assert_int_equal(parse(&c, w2), -1);
	assert_ptr_equal(c.cmd, &case_list);
	assert_string_equal(cli_common_value(&c, "db"), "y.db");
	assert_int_equal(cli_common_flag(&c, "json"), 1);
	cli_release(&c);
}

static void
test_the_later_one_wins(void **state)
{
	const char *w[] = { "--db", "a.db", "case", "open", "--urgent",
		"--db", "b.db", NULL };
	struct cli c;

	assert_int_equal(parse(&c, w), -1);
	assert_ptr_equal(c.cmd, &case_open);
	assert_string_equal(cli_common_value(&c, "db"), "b.db");
	assert_int_equal(cli_flag(&c, "urgent"), 1);
	cli_release(&c);
}

static void
test_usage_errors_before_the_command(void **state)
{
	const char *unknown[] = { "--frob", "sync", NULL };
	const char *no_value[] = { "--db", NULL };
	const char *not_json[] = { "--json", "case", "open", NULL };
	const char *cmd_opt_first[] = { "--urgent", "case", "open", NULL };
	struct cli c;

	assert_int_equal(parse(&c, unknown), CLI_EXIT_USAGE);
	cli_release(&c);
	assert_int_equal(parse(&c, no_value), CLI_EXIT_USAGE);
	cli_release(&c);
	/* Refused as it is after the command: case open prints no JSON. */
	assert_int_equal(parse(&c, not_json), CLI_EXIT_USAGE);
	cli_release(&c);
	/* A command's own option belongs after it. */
	assert_int_equal(parse(&c, cmd_opt_first), CLI_EXIT_USAGE);
	cli_release(&c);
}

static void
test_noun_help(void **state)
{
	const char *help[] = { "case", "--help", NULL };
	const char *h[] = { "--db", "x.db", "case", "-h", NULL };
	const char *bare[] = { "case", NULL };
	struct cli c;

	assert_int_equal(parse(&c, help), CLI_EXIT_OK);
	cli_release(&c);
	assert_int_equal(parse(&c, h), CLI_EXIT_OK);
	cli_release(&c);
	/* Without --help a noun alone still needs its verb. */
	assert_int_equal(parse(&c, bare), CLI_EXIT_USAGE);
	cli_release(&c);
}

static void
test_fail_exit_codes(void **state)
{
	struct cli c;

	memset(&c, 0, sizeof c);
	c.prog = &prog;
	assert_int_equal(cli_fail(&c, LD_ECONFIG, "no such file"), EXIT_CONFIG);
	assert_int_equal(cli_fail(&c, LD_EAUTH, ""), ld_exit_code(LD_EAUTH));
	assert_int_equal(cli_fail(&c, LD_ENET, NULL), ld_exit_code(LD_ENET));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_options_before_the_command),
		cmocka_unit_test(test_the_later_one_wins),
		cmocka_unit_test(test_usage_errors_before_the_command),
		cmocka_unit_test(test_noun_help),
		cmocka_unit_test(test_fail_exit_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
