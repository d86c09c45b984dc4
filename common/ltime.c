/*
 * ltime.c - parsing and printing times in China Standard Time.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "ltime.h"
#include "util.h"

int64_t
ltime_now(void)
{
	const char *pin = getenv("LIANDONG_NOW");
	const char *skew = getenv("LIANDONG_CLOCK_SKEW");
	struct timeval tv;
	int64_t ms;

	if (pin != NULL && *pin != '\0') {
		char *end;
		long long v = strtoll(pin, &end, 10);
		if (*end == '\0' && v > 0)
			return v;
		if (ltime_parse(pin, &ms) == 0)
			return ms;
	}
	gettimeofday(&tv, NULL);
	ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	if (skew != NULL && *skew != '\0') {
		char *end;
		long long v = strtoll(skew, &end, 10);
		if (*end == '\0' && v > -366LL * 86400 && v < 366LL * 86400)
			ms += (int64_t)v * 1000;
	}
	return ms;
}

static int
digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int
ltime_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 8, om = 0, sign = 1;
	const char *p = s;
	struct tm tm;
	time_t t;

	if (s == NULL)
		return LD_EINVAL;
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return LD_EINVAL;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return LD_EINVAL;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &se))
				return LD_EINVAL;
		}
		if (*p == 'Z') {
			oh = 0;
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om))
				return LD_EINVAL;
		}
	}
	if (*p != '\0')
		return LD_EINVAL;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59 ||
	    oh > 14 || om > 59)
		return LD_EINVAL;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	*ms = (int64_t)t * 1000 - sign * ((int64_t)oh * 3600 + om * 60) * 1000;
	return 0;
}

static void
cst_tm(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)((ms + LTIME_CST_OFFSET_MS) / 1000);

	if (ms + LTIME_CST_OFFSET_MS < 0 && (ms + LTIME_CST_OFFSET_MS) % 1000)
		t--;
	gmtime_r(&t, tm);
}

void
ltime_format(int64_t ms, char buf[LTIME_LEN])
{
	struct tm tm;

	cst_tm(ms, &tm);
	snprintf(buf, LTIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d+08:00",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}

void
ltime_short(int64_t ms, char buf[LTIME_LEN])
{
	struct tm tm;

	cst_tm(ms, &tm);
	snprintf(buf, LTIME_LEN, "%04d-%02d-%02d %02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min);
}

int
ltime_canonical(const char *s)
{
	char buf[LTIME_LEN];
	int64_t ms;

	if (strlen(s) != 25 || ltime_parse(s, &ms) != 0)
		return 0;
	ltime_format(ms, buf);
	return strcmp(buf, s) == 0;
}
