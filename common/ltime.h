/*
 * ltime.h - wall-clock time for legal records.
 *
 * Times are milliseconds since the Unix epoch. Users type and read them in
 * China Standard Time (UTC+8, no daylight saving since 1991), which is how
 * every legal deadline in the county documents is counted. Tests pin the
 * clock with LIANDONG_NOW (an ISO time or milliseconds), or skew the real
 * one by LIANDONG_CLOCK_SKEW seconds (signed, under a year) to play a
 * station whose clock is wrong.
 */
#ifndef LD_LTIME_H
#define LD_LTIME_H

#include <stddef.h>
#include <stdint.h>

#define LTIME_CST_OFFSET_MS (8 * 3600 * 1000LL)
#define LTIME_LEN 64

/* Current wall clock in ms, or LIANDONG_NOW when set and valid, moved by
 * LIANDONG_CLOCK_SKEW seconds. */
int64_t ltime_now(void);

/* Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]", the same with 'T', each
 * optionally followed by 'Z' or "+HH:MM"/"-HH:MM" (default +08:00).
 * Returns 0 or LD_EINVAL (s NULL too: a field that is absent). */
int ltime_parse(const char *s, int64_t *ms);

/* "2026-11-21T09:30:00+08:00" (seconds precision). */
void ltime_format(int64_t ms, char buf[LTIME_LEN]);

/* "2026-11-21 09:30" for tables. */
void ltime_short(int64_t ms, char buf[LTIME_LEN]);

/* 1 if s is exactly in the canonical form ltime_format writes. */
int ltime_canonical(const char *s);

#endif
