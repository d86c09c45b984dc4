/*
 * fuzz-config.c - the shipped configuration formats: a rule profile
 * (profile_parse) and a year's calendar (calendar_add_text), both read
 * from the same input. A profile that parses must survive profile_json
 * and profile_from_json unchanged, and its rules must give a due time
 * on the calendar just read.
 */
#include <string.h>

#include "calendar.h"
#include "cjson.h"
#include "fuzz.h"
#include "rules.h"
#include "util.h"

static void
round_trip(const struct profile *p)
{
	char err[LD_ERRLEN];
	struct profile *back = NULL;
	json_t *j1, *j2;
	char *t1, *t2;

	j1 = profile_json(p);
	FUZZ_CHECK(j1 != NULL);
	if (profile_from_json(j1, &back, err) != 0) {
		fprintf(stderr, "profile_from_json refuses profile_json: %s\n",
		    err);
		abort();
	}
	j2 = profile_json(back);
	t1 = cjson_encode(j1, err);
	t2 = cjson_encode(j2, err);
	FUZZ_CHECK(t1 != NULL && t2 != NULL);
	FUZZ_CHECK(strcmp(t1, t2) == 0);
	free(t1);
	free(t2);
	json_decref(j1);
	json_decref(j2);
	profile_free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[LD_ERRLEN];
	struct profile *p = NULL;
	struct calendar *cal;
	char *text;
	size_t i;

	if (size > 256 << 10)
		return 0;
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	cal = calendar_new();
	(void)calendar_add_text(cal, text, err);
	if (profile_parse(text, &p, err) == 0) {
		FUZZ_CHECK(p != NULL);
		round_trip(p);
		for (i = 0; i < p->n; i++) {
			const struct rule *r = &p->rules[i];
			/* 2026-02-10 10:00 CST, in a year the seeds hold. */
			const int64_t from = 1770688800000LL;
			int assumed = 0;
			int64_t due = rule_due(r, cal, from, 0, &assumed);
			int64_t cap = rule_extend_cap(r, cal, from, &assumed);

			/* A deadline after its start (before it, for a
			 * "before" rule), and the cap of an extension, where
			 * there is one, never earlier. */
			if (r->direction == RULE_BEFORE) {
				FUZZ_CHECK(due <= from);
			} else {
				FUZZ_CHECK(due >= from);
				FUZZ_CHECK(r->extend_max == 0 || cap >= due);
			}
		}
		profile_free(p);
	}
	calendar_free(cal);
	free(text);
	return 0;
}
