/*
 * mask.h - private data taken out of a text before it is published
 * (Gonghe 三(六)6, Baijiantan 三(三)1: penalty decisions made public with
 * private data removed; docs/report.md, "Publication").
 *
 * What is masked:
 *   - each name given (the case's parties): all but its first character,
 *     张三 -> 张某, 王秀英 -> 王某某, wherever it occurs;
 *   - a run of 11 or more digits, ASCII or full-width (０-９), one space
 *     or hyphen at most between two (138-0000-1111, 0974 8512345, an
 *     identity card number in groups, with its final X): all but the
 *     first 3 and the last 2 digits, each masked digit an asterisk.
 * Shorter numbers (amounts, dates, document numbers) are kept.
 */
#ifndef LD_MASK_H
#define LD_MASK_H

#include <jansson.h>

/* text with the names (an array of strings, may be NULL) and long
 * numbers masked (new string). */
char *mask_text(const char *text, const json_t *names);

/* One name masked (new string): its first character, then 某 for each
 * other character. */
char *mask_name(const char *name);

#endif
