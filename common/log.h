/*
 * log.h - one line per happening on stderr: a UTC timestamp, a level and
 * key=value pairs. Never log case content, tokens or a complainant's
 * identity: ids and counts only.
 */
#ifndef LD_LOG_H
#define LD_LOG_H

/* log_line("info", "event=sync station=%s events=%d", ...) */
void log_line(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
