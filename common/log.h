/*
 * log.h - one line per happening on stderr: a UTC timestamp, a level and
 * key=value pairs. Never log case content, tokens or a complainant's
 * identity: ids and counts only.
 */
#ifndef LD_LOG_H
#define LD_LOG_H

/* log_line("info", "event=sync station=%s events=%d", ...); a line below
 * the level set is not written. */
void log_line(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The least level written: "debug", "info" (the default), "warn" or
 * "error". Returns -1 (and changes nothing) for another name. Set it
 * before threads start. */
int log_set_level(const char *level);

#endif
