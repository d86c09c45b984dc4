/*
 * test-hlc.c - the hybrid logical clock under wall clocks that misbehave.
 *
 * Station PCs in townships run for months without time sync, get their
 * clock fixed by hand (backwards), or boot with a dead CMOS battery. The
 * clock must stay strictly increasing through all of it, and must order a
 * station's next event after anything it has seen from others.
 */
#include "harness.h"

#include "hlc.h"

#define T0 INT64_C(1795224600000) /* 2026-11-21T09:30:00+08:00 */
#define HOUR INT64_C(3600000)
#define DAY (24 * HOUR)

static hlc_t
at(int64_t ms, unsigned counter)
{
	return ((hlc_t)ms << HLC_SHIFT) | counter;
}

static void
test_tick_follows_wall_clock(void **state)
{
	hlc_t h = hlc_tick(0, T0);

	assert_int_equal(h, at(T0, 0));
	assert_int_equal(hlc_ms(h), T0);
	assert_int_equal(hlc_counter(h), 0);
	/* Same millisecond: the counter moves. */
	h = hlc_tick(h, T0);
	assert_int_equal(h, at(T0, 1));
	h = hlc_tick(h, T0);
	assert_int_equal(h, at(T0, 2));
	/* The wall clock moves on: back to counter 0 at the new time. */
	h = hlc_tick(h, T0 + 1);
	assert_int_equal(h, at(T0 + 1, 0));
	h = hlc_tick(h, T0 + DAY);
	assert_int_equal(h, at(T0 + DAY, 0));
}

static void
test_clock_back_an_hour(void **state)
{
	hlc_t last = hlc_tick(0, T0), h;
	int i;

	/* Someone sets the clock back an hour: time stands still, the
	 * counter carries the order. */
	for (i = 1; i <= 100; i++) {
		h = hlc_tick(last, T0 - HOUR + i * 10);
		assert_true(h > last);
		assert_int_equal(hlc_ms(h), T0);
		assert_int_equal(hlc_counter(h), (unsigned)i);
		last = h;
	}
	/* Once the wall clock passes the old time it leads again. */
	h = hlc_tick(last, T0 + 5);
	assert_true(h > last);
	assert_int_equal(h, at(T0 + 5, 0));
}

/* A long run under a clock that jumps back by days and forward again. */
static void
test_monotonic_under_jumps(void **state)
{
	static const int64_t wall[] = { T0, T0 + 10, T0 - HOUR, T0 - HOUR + 1,
		T0 - 3 * DAY, T0 - 400 * DAY, T0 - 400 * DAY, T0 + 20, T0 + 20,
		T0 + 19, T0 + 2 * DAY, T0 - 2 * DAY, 1, T0 + 2 * DAY + 1 };
	hlc_t last = 0, h;
	int64_t high = 0;
	size_t i;
	int round;

	for (round = 0; round < 50; round++) {
		for (i = 0; i < sizeof wall / sizeof wall[0]; i++) {
			h = hlc_tick(last, wall[i] + round);
			assert_true(h > last);
			/* Never behind the highest wall clock seen. */
			if (wall[i] + round > high)
				high = wall[i] + round;
			assert_true(hlc_ms(h) >= high);
			last = h;
		}
	}
}

static void
test_recv_remote_days_ahead(void **state)
{
	hlc_t last = hlc_tick(0, T0);
	hlc_t remote = at(T0 + 3 * DAY, 7);
	hlc_t h, prev;
	int i;

	h = hlc_recv(last, remote, T0 + 1);
	assert_true(h > remote);
	assert_true(h > last);
	assert_int_equal(h, remote + 1);
	/* Local events after it stay ahead of the remote and keep rising,
	 * though the local wall clock is three days behind. */
	prev = h;
	for (i = 0; i < 1000; i++) {
		h = hlc_tick(prev, T0 + 2 + i);
		assert_true(h > prev);
		assert_true(h > remote);
		assert_int_equal(hlc_ms(h), T0 + 3 * DAY);
		prev = h;
	}
	/* When the wall clock reaches it, physical time takes over. */
	h = hlc_tick(prev, T0 + 3 * DAY + 1);
	assert_int_equal(h, at(T0 + 3 * DAY + 1, 0));
}

static void
test_recv_remote_behind_or_equal(void **state)
{
	hlc_t last = at(T0, 5);

	/* A remote from the past changes nothing: like a local tick. */
	assert_int_equal(hlc_recv(last, at(T0 - DAY, 9), T0),
	    hlc_tick(last, T0));
	assert_int_equal(hlc_recv(last, at(T0 - DAY, 9), T0 + 10),
	    at(T0 + 10, 0));
	/* A remote equal to what the tick would give: one after it. */
	assert_int_equal(hlc_recv(last, at(T0, 6), T0), at(T0, 7));
	/* Same ms as the wall clock but a higher counter. */
	assert_int_equal(hlc_recv(at(T0 - 1, 0), at(T0, 3), T0), at(T0, 4));
}

static void
test_counter_overflow_carries(void **state)
{
	hlc_t last = at(T0, 0xffff), h;
	int i;

	h = hlc_tick(last, T0);
	assert_true(h > last);
	assert_int_equal(hlc_ms(h), T0 + 1);
	assert_int_equal(hlc_counter(h), 0);
	/* The same through receive. */
	h = hlc_recv(at(T0 - 5, 0), at(T0, 0xffff), T0);
	assert_int_equal(h, at(T0 + 1, 0));
	/* A burst of 200,000 events in one frozen millisecond. */
	last = hlc_tick(0, T0);
	for (i = 0; i < 200000; i++) {
		h = hlc_tick(last, T0);
		assert_true(h > last);
		last = h;
	}
	assert_int_equal(hlc_ms(last), T0 + 200000 / 65536);
	assert_int_equal(hlc_counter(last), 200000 % 65536);
}

/* A hostile remote clock at the edge of int64 saturates: every later
 * local tick still gives a positive value, none overflows. */
static void
test_recv_saturates(void **state)
{
	hlc_t last = hlc_tick(0, T0), h;
	int i;

	h = hlc_recv(last, INT64_MAX - 1, T0);
	assert_int_equal(h, HLC_MAX);
	h = hlc_recv(h, INT64_MAX, T0);
	assert_int_equal(h, HLC_MAX);
	for (i = 0; i < 1000; i++) {
		hlc_t next = hlc_tick(h, T0 + i);
		assert_true(next > 0);
		assert_true(next >= h);
		h = next;
	}
	/* Just below the ceiling, ticks still move forward. */
	h = hlc_recv(last, HLC_MAX - 10, T0);
	assert_int_equal(h, HLC_MAX - 9);
	assert_int_equal(hlc_tick(h, T0), HLC_MAX - 8);
	/* A wall clock beyond the ceiling's millisecond, or negative. */
	assert_int_equal(hlc_tick(0, INT64_MAX), HLC_MAX);
	assert_int_equal(hlc_tick(at(T0, 0), -5), at(T0, 1));
}

static void
test_format(void **state)
{
	char buf[HLC_LEN];

	hlc_format(at(T0, 3), buf);
	assert_string_equal(buf, "2026-11-21T09:30:00+08:00#3");
	hlc_format(at(T0, 0), buf);
	assert_string_equal(buf, "2026-11-21T09:30:00+08:00#0");
	hlc_format(at(T0 + 999, 0xffff), buf);
	assert_string_equal(buf, "2026-11-21T09:30:00+08:00#65535");
	/* 16:00 UTC is midnight the next day in Beijing. */
	hlc_format(at(INT64_C(1795276800000), 12), buf);
	assert_string_equal(buf, "2026-11-22T00:00:00+08:00#12");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tick_follows_wall_clock),
		cmocka_unit_test(test_clock_back_an_hour),
		cmocka_unit_test(test_monotonic_under_jumps),
		cmocka_unit_test(test_recv_remote_days_ahead),
		cmocka_unit_test(test_recv_remote_behind_or_equal),
		cmocka_unit_test(test_counter_overflow_carries),
		cmocka_unit_test(test_recv_saturates),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
