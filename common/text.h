/*
 * text.h - checks on user text and its width on a terminal.
 *
 * Every text field that enters an event passes text_check: valid UTF-8, no
 * control characters (newline and tab only where multi-line text is
 * allowed), and at most a given number of characters. Widths count a CJK
 * character as two columns, as a terminal shows it.
 */
#ifndef LD_TEXT_H
#define LD_TEXT_H

#include <stddef.h>

/* 1 if s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t len);

/* Number of code points in a valid UTF-8 string. */
size_t utf8_chars(const char *s);

#define TEXT_MULTILINE 1

/* Returns 0 or LD_EINVAL with err naming the field. */
int text_check(const char *field, const char *s, size_t maxchars, int flags,
    char *err);

/* Display width of a UTF-8 string in terminal columns. */
size_t text_width(const char *s);

/* Copies s into a new string of at most maxwidth columns, ending in an
 * ellipsis when cut; newlines and tabs become spaces. Caller frees. */
char *text_fit(const char *s, size_t maxwidth);
/* text_fit, and its width into *width (if not NULL). */
char *text_fit_width(const char *s, size_t maxwidth, size_t *width);

/* Strings longer than this (in code points) are not compared. */
#define TEXT_DISTANCE_MAX 256

/* The edit distance (Levenshtein: insertions, deletions, substitutions)
 * between two UTF-8 strings, counted in code points, so that a mistyped
 * Chinese character is one edit, not three. A byte that is not part of
 * valid UTF-8 counts as one character. SIZE_MAX when either string is
 * longer than TEXT_DISTANCE_MAX code points. */
size_t text_distance(const char *a, const char *b);

#endif
