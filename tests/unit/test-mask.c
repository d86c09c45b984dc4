/*
 * test-mask.c - private data masked before publication (common/mask.h):
 * names, phones, identity numbers; amounts, dates and document numbers
 * kept.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "mask.h"
#include "unit.h"

static void
masked(const char *text, const char *names, const char *want)
{
	json_t *n = names != NULL ? unit_json(names) : NULL;
	char *got = mask_text(text, n);

	if (strcmp(got, want) != 0)
		fail_msg("'%s' masked as '%s', want '%s'", text, got, want);
	free(got);
	json_decref(n);
}

static void
test_names(void **state)
{
	char *m = mask_name("王秀英");

	assert_string_equal(m, "王某某");
	free(m);
	m = mask_name("张三");
	assert_string_equal(m, "张某");
	free(m);
	m = mask_name("");
	assert_string_equal(m, "");
	free(m);
	masked("当事人王秀英在东街违法建设，王秀英已整改。", "[\"王秀英\"]",
	    "当事人王某某在东街违法建设，王某某已整改。");
	/* The longer name first: 王秀英 is not 王秀 plus 英. */
	masked("王秀与王秀英", "[\"王秀\",\"王秀英\"]", "王某与王某某");
	/* A one-character name would mask every such character: kept. */
	masked("王某在王庄", "[\"王\"]", "王某在王庄");
	masked("no names here", "[]", "no names here");
	masked("no names here", NULL, "no names here");
}

static void
test_numbers(void **state)
{
	masked("电话13800001111", NULL, "电话138******11");
	masked("身份证号630102199001011234", NULL,
	    "身份证号630*************34");
	masked("身份证号63010219900101123X", NULL,
	    "身份证号630*************3X");
	masked("座机0974-8512345。", NULL, "座机097*-*****45。");
	/* Amounts, dates, document numbers: kept. */
	masked("罚款50000元，2026年11月20日，共移〔2026〕3号", NULL,
	    "罚款50000元，2026年11月20日，共移〔2026〕3号");
	masked("20261120", NULL, "20261120");
	masked("1380000111", NULL, "1380000111");
	masked("2026-11-20 09:30", NULL, "2026-11-20 09:30");
	/* The ways people write them: grouped, spaced, full-width. */
	masked("138-0000-1111", NULL, "138-****-**11");
	masked("138 0000 1111", NULL, "138 **** **11");
	masked("电话0974 8512345", NULL, "电话097* *****45");
	masked("630102 19900101 1234", NULL, "630*** ******** **34");
	masked("１３８００００１１１１", NULL, "１３８******１１");
	/* Two spaces, or a comma, end a number. */
	masked("1380000  1111", NULL, "1380000  1111");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
