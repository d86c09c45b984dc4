/*
 * cjson.h - canonical JSON: one byte sequence per value, so that a hash
 * over it is the same on every replica.
 *
 * The canonical form is jansson's compact output with object keys sorted
 * by their UTF-8 bytes, no insignificant whitespace, strings as UTF-8 with
 * only '"', '\\' and control characters escaped, integers in decimal.
 * Real numbers are not part of the form (an event never needs one, and
 * their text is not portable): they are refused, as are duplicate keys on
 * input and nesting deeper than the caller allows.
 */
#ifndef LD_CJSON_H
#define LD_CJSON_H

#include <stddef.h>
#include <jansson.h>

/* Nesting limit for event bodies and for anything read off the network. */
#define CJSON_MAX_DEPTH 16

/* Checks v can be encoded canonically: no reals, depth <= maxdepth.
 * Returns 0 or LD_EINVAL with err filled. */
int cjson_check(const json_t *v, int maxdepth, char *err);

/* Returns the canonical text of v (caller frees with free()), or NULL with
 * err filled when cjson_check fails. */
char *cjson_encode(const json_t *v, char *err);

/* The string at o[key], or NULL when o is not an object, has no key or
 * holds something else there. */
const char *cjson_str(const json_t *o, const char *key);

/* 1 if the n bytes at s are UTF-8 as jansson reads it: no overlong
 * forms, surrogates or code points past U+10FFFF. */
int cjson_utf8_valid(const char *s, size_t n);

/* Parses exactly len bytes of one JSON value. Refuses invalid UTF-8,
 * duplicate keys, reals and depth > maxdepth. Returns a new reference or
 * NULL with err filled. */
json_t *cjson_parse(const char *buf, size_t len, int maxdepth, char *err);

/* The canonical form read fast: one value from the start of the len
 * bytes at buf, in the form cjson_encode writes it (no space, no escape,
 * keys sorted, integers only), no deeper than maxdepth. Its new reference
 * and in *used the bytes it took; NULL when the bytes are not in that form
 * (not an error: cjson_parse decides them, and gives the same value for
 * any that are). The value may be followed by more: a caller checks what
 * comes after *used (a number or a literal at the top may be the start
 * of something else, "1" of "1.5"). */
json_t *cjson_read(const char *buf, size_t len, int maxdepth, size_t *used);

/* The bytes of the string at s (before end), quotes included, when it is
 * plain: UTF-8 as jansson reads it, without escapes or control
 * characters; else 0. */
size_t cjson_plain_str(const char *s, const char *end);

#endif
