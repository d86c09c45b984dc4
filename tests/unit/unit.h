/*
 * unit.h - helpers shared by the unit tests that build events by hand,
 * without a database. Include after cmocka.h.
 *
 * The helpers are static inline so that a test file that does not use one
 * of them still builds without warnings.
 */
#ifndef LD_TESTS_UNIT_H
#define LD_TESTS_UNIT_H

#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "event.h"
#include "hash.h"
#include "kinds.h"
#include "util.h"

/* 2026-11-21T09:30:00+08:00: the wall clock of most test events. */
#define UNIT_T0_MS INT64_C(1795224600000)

#define UNIT_UNIT "龙羊峡镇"

/* A body for each kind that passes its schema. */
#define BODY_CASE_OPENED \
	"{\"source\":\"patrol\",\"category\":\"市容环境\"," \
	"\"location\":\"龙羊峡镇中街\",\"description\":\"占道经营，堵塞通道\"," \
	"\"discovered_at\":\"2026-11-21T09:30:00+08:00\",\"urgent\":false," \
	"\"officer\":\"张三\"}"
#define BODY_CASE_UPDATED "{\"location\":\"龙羊峡镇东街\"}"
#define BODY_CASE_CLOSED "{\"reason\":\"已责令改正\"}"
#define BODY_COMPLAINT_RECORDED \
	"{\"form\":\"complaint\",\"channel\":\"phone\",\"matter\":\"噪音扰民\"," \
	"\"description\":\"夜间施工噪音\"," \
	"\"received_at\":\"2026-11-21T10:00:00+08:00\",\"officer\":\"李四\"}"
#define BODY_COMPLAINT_IDENTITY "{\"name\":\"王五\",\"phone\":\"138 0000 0000\"}"
#define BODY_LIAISON_LOGGED \
	"{\"activity\":\"meeting\",\"date\":\"2026-11-21T14:00:00+08:00\"," \
	"\"counterpart\":\"县自然资源局\",\"summary\":\"联席会议\"," \
	"\"officer\":\"赵六\"}"

/* n copies of s, concatenated. Caller frees. */
static inline char *
unit_repeat(const char *s, size_t n)
{
	size_t len = strlen(s), i;
	char *out = xmalloc(len * n + 1);

	for (i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return out;
}

/* Parses JSON text that the test itself wrote; fails the test if it is
 * not valid canonical-subset JSON. */
static inline json_t *
unit_json(const char *text)
{
	char err[LD_ERRLEN] = "";
	json_t *v = cjson_parse(text, strlen(text), CJSON_MAX_DEPTH, err);

	if (v == NULL)
		fail_msg("bad test JSON: %s: %s", err, text);
	return v;
}

/* A value of the field's type that passes its checks (kinds.c). */
static inline json_t *
unit_field_value(const struct field *f)
{
	json_t *v = kind_example_value(f);

	if (v == NULL)
		fail_msg("field '%s' has an unknown type %d", f->name, (int)f->type);
	return v;
}

/* A body of kind k that passes its schema: every field, or only the
 * required ones. */
static inline json_t *
unit_body(const struct kind_info *k, int required_only)
{
	return kind_example_body(k, required_only);
}

/*
 * Fills ev (which must be released or fresh) with a sealed event of unit
 * UNIT_UNIT and author 张三, audience the unit alone, at = the hlc's
 * milliseconds. prev NULL means HASH_ZERO.
 */
static inline void
unit_event(struct event *ev, const char *station, int64_t seq, hlc_t hlc,
    const char *kind, const char *entity, const char *body, const char *prev)
{
	event_init(ev);
	ld_strlcpy(ev->station, station, sizeof ev->station);
	ev->seq = seq;
	ev->hlc = hlc;
	ev->at = hlc_ms(hlc) > 0 ? hlc_ms(hlc) : 1;
	ev->unit = xstrdup(UNIT_UNIT);
	ev->author = xstrdup("张三");
	ev->kind = xstrdup(kind);
	ev->entity = xstrdup(entity);
	ev->audience = json_array();
	json_array_append_new(ev->audience, json_string(UNIT_UNIT));
	ev->body = unit_json(body);
	memcpy(ev->prev, prev != NULL ? prev : HASH_ZERO, HASH_HEX);
	event_seal(ev);
}

/* Asserts event_validate(ev) == 0, printing its message when not. */
static inline void
unit_assert_valid(const struct event *ev)
{
	char err[LD_ERRLEN] = "";
	int rc = event_validate(ev, err);

	if (rc != 0)
		fail_msg("event %s/%lld invalid (%d): %s", ev->station,
		    (long long)ev->seq, rc, err);
}

#endif
