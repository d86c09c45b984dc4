/*
 * test-aside.c - items worked ahead on a second thread (common/aside.h):
 * each item worked once, by one thread or the other, and done when taken;
 * a taker that stops early; the thread really working some; none below
 * the minimum.
 */
#include "harness.h"

#include <stdlib.h>
#include <time.h>

#include "aside.h"

struct items {
	int *worked;          /* times item i was worked */
	pthread_t *by;        /* the thread that worked it */
	long work_us;         /* each item's work takes this long */
};

static void
pause_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	if (us > 0)
		nanosleep(&ts, NULL);
}

static void
work(void *arg, size_t i)
{
	struct items *it = arg;

	pause_us(it->work_us);
	it->by[i] = pthread_self();
	__atomic_add_fetch(&it->worked[i], 1, __ATOMIC_RELEASE);
}

static void
items_init(struct items *it, size_t n, long work_us)
{
	it->worked = calloc(n, sizeof *it->worked);
	it->by = calloc(n, sizeof *it->by);
	it->work_us = work_us;
}

static void
items_free(struct items *it)
{
	free(it->worked);
	free(it->by);
}

/* Takes all n items (pausing taker_us after each): each is done when
 * taken and worked once; returns how many the thread worked, which
 * matches the items no taker worked. */
static size_t
take_all(size_t n, size_t min, long work_us, long taker_us)
{
	struct items it;
	struct aside a;
	size_t i, by, mine = 0;
	pthread_t me = pthread_self();

	items_init(&it, n, work_us);
	aside_start(&a, n, min, work, &it);
	for (i = 0; i < n; i++) {
		aside_take(&a, i);
		assert_int_equal(__atomic_load_n(&it.worked[i],
		    __ATOMIC_ACQUIRE), 1);
		pause_us(taker_us);
	}
	by = aside_end(&a);
	for (i = 0; i < n; i++) {
		assert_int_equal(it.worked[i], 1);
		if (pthread_equal(it.by[i], me))
			mine++;
	}
	assert_int_equal(by + mine, n);
	items_free(&it);
	return by;
}

static void
test_each_once(void **state)
{
	size_t by;

	(void)state;
	/* The thread slow: the taker works most itself. */
	by = take_all(300, 16, 1000, 0);
	assert_true(by < 300);
	/* The taker slow: the thread works ahead of it. */
	by = take_all(200, 16, 0, 1000);
	assert_true(by > 0);
	/* Both as fast as they go. */
	take_all(5000, 16, 0, 0);
}

static void
test_below_min(void **state)
{
	struct items it;
	struct aside a;
	size_t i;

	(void)state;
	items_init(&it, 15, 0);
	aside_start(&a, 15, 16, work, &it);
	assert_false(a.running);
	for (i = 0; i < 15; i++) {
		aside_take(&a, i);
		assert_true(pthread_equal(it.by[i], pthread_self()));
	}
	assert_int_equal(aside_end(&a), 0);
	items_free(&it);
	/* None at all. */
	aside_start(&a, 0, 0, work, &it);
	assert_false(a.running);
	assert_int_equal(aside_end(&a), 0);
}

/* A taker that gives up at item 10 of 1,000: the thread stops, nothing
 * is worked twice, and the struct can be started again. */
static void
test_stop_early(void **state)
{
	struct items it;
	struct aside a;
	size_t i, worked = 0, by;

	(void)state;
	items_init(&it, 1000, 50);
	aside_start(&a, 1000, 16, work, &it);
	for (i = 0; i < 10; i++)
		aside_take(&a, i);
	by = aside_end(&a);
	for (i = 0; i < 1000; i++) {
		assert_true(it.worked[i] <= 1);
		worked += (size_t)it.worked[i];
	}
	assert_true(worked < 1000);
	assert_true(by <= worked);
	items_free(&it);
	assert_true(take_all(100, 16, 0, 100) <= 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_once),
		cmocka_unit_test(test_below_min),
		cmocka_unit_test(test_stop_early),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
