/*
 * hlc.c - hybrid logical clock (see hlc.h for the rules).
 */
#include <stdio.h>

#include "hlc.h"
#include "ltime.h"

hlc_t
hlc_tick(hlc_t last, int64_t now_ms)
{
	hlc_t phys = (hlc_t)now_ms << HLC_SHIFT;

	return phys > last ? phys : last + 1;
}

hlc_t
hlc_recv(hlc_t last, hlc_t remote, int64_t now_ms)
{
	hlc_t h = hlc_tick(last, now_ms);

	return remote >= h ? remote + 1 : h;
}

void
hlc_format(hlc_t h, char buf[HLC_LEN])
{
	char t[LTIME_LEN];

	ltime_format(hlc_ms(h), t);
	snprintf(buf, HLC_LEN, "%s#%u", t, hlc_counter(h));
}
