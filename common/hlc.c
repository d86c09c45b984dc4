/*
 * hlc.c - hybrid logical clock (see hlc.h for the rules).
 */
#include <stdio.h>

#include "hlc.h"
#include "ltime.h"

hlc_t
hlc_tick(hlc_t last, int64_t now_ms)
{
	hlc_t phys;

	if (now_ms < 0)
		now_ms = 0;
	phys = now_ms > hlc_ms(HLC_MAX) ? HLC_MAX : (hlc_t)now_ms << HLC_SHIFT;
	if (last >= HLC_MAX)
		return HLC_MAX;
	return phys > last ? phys : last + 1;
}

hlc_t
hlc_recv(hlc_t last, hlc_t remote, int64_t now_ms)
{
	hlc_t h = hlc_tick(last, now_ms);

	if (remote >= HLC_MAX)
		return HLC_MAX;
	return remote >= h ? remote + 1 : h;
}

void
hlc_format(hlc_t h, char buf[HLC_LEN])
{
	char t[LTIME_LEN];

	ltime_format(hlc_ms(h), t);
	snprintf(buf, HLC_LEN, "%s#%u", t, hlc_counter(h));
}
