/*
 * hlc.h - hybrid logical clock.
 *
 * An HLC value is one int64: the physical time in milliseconds shifted left
 * by 16 bits, plus a 16-bit counter. Comparing two values as integers
 * compares them as clocks. Rules:
 *
 *   local event:  h = max(now << 16, last + 1)
 *   receive r:    h = max(now << 16, last + 1, r + 1)
 *
 * so a station's clock never goes backwards even when its wall clock does,
 * and after seeing a remote event it orders its own next event after it.
 * A counter that overflows carries into the millisecond, which keeps the
 * value monotonic; it can only happen above 65,536 events in one ms.
 * Both saturate at HLC_MAX.
 */
#ifndef LD_HLC_H
#define LD_HLC_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t hlc_t;

/*
 * The most a clock is moved to by what it receives, or ticks from: far
 * beyond any real time (its milliseconds are in the year 4200s) and far
 * enough below INT64_MAX that a station can still tick 2^62 times. A
 * remote value above it counts as it, so no event, however hostile, can
 * make a later local write overflow (the server also refuses an event
 * whose clock leads its own by more than an hour: merge.h).
 */
#define HLC_MAX (INT64_MAX / 2)

#define HLC_SHIFT 16
#define HLC_LEN 80

static inline int64_t hlc_ms(hlc_t h) { return h >> HLC_SHIFT; }
static inline unsigned hlc_counter(hlc_t h) { return (unsigned)(h & 0xffff); }

/* Next value for a local event, given the last one and the wall clock. */
hlc_t hlc_tick(hlc_t last, int64_t now_ms);

/* Next value after receiving remote. */
hlc_t hlc_recv(hlc_t last, hlc_t remote, int64_t now_ms);

/* "2026-11-21T09:30:00+08:00#3" */
void hlc_format(hlc_t h, char buf[HLC_LEN]);

#endif
