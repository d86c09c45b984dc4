/*
 * log.c - timestamped key=value lines on stderr, one write per line so
 * that lines from several threads do not interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *const levels[] = { "debug", "info", "warn", "error",
	NULL };
static int threshold = 1; /* info */

/* The rank of a level name; an unknown name is written always. */
static int
rank(const char *level)
{
	int i;

	for (i = 0; levels[i] != NULL; i++)
		if (strcmp(levels[i], level) == 0)
			return i;
	return 3;
}

int
log_set_level(const char *level)
{
	int i;

	for (i = 0; levels[i] != NULL; i++)
		if (strcmp(levels[i], level) == 0) {
			threshold = i;
			return 0;
		}
	return -1;
}

void
log_line(const char *level, const char *fmt, ...)
{
	char buf[1024];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int n;

	if (rank(level) < threshold)
		return;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = snprintf(buf, sizeof buf,
	    "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03dZ level=%s ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000), level);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	(void)!write(2, buf, (size_t)n);
}
