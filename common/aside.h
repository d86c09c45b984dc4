/*
 * aside.h - the items of a list worked on a second thread while the
 * thread that takes them, in order, does something else with the ones
 * before: on two cores the work on item i+1 overlaps what the taker does
 * with item i. The agent checks a pulled answer's events so (agent/
 * sync.c) and encodes a batch's records so (common/ledger.c).
 *
 * The two take the items in turn from one counter: when the thread has
 * fallen behind (not scheduled on a busy machine), the taker works the
 * next item itself rather than wait for it, and the thread goes on past
 * it. So every item is worked once, by one of them, and an item taken is
 * always done. The work touches only what item i owns (its own slot):
 * whatever else both threads read must not change meanwhile.
 *
 * Fewer items than min, or a thread that cannot be made: all are worked
 * by the taker, as taken.
 */
#ifndef LD_ASIDE_H
#define LD_ASIDE_H

#include <pthread.h>
#include <stddef.h>

typedef void aside_work_fn(void *arg, size_t i);

struct aside {
	aside_work_fn *work;
	void *arg;
	size_t n;
	int running;           /* the thread was started */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t next;           /* the first item nobody took yet (under mu) */
	unsigned char *done;   /* owned: item i worked (under mu) */
	int stop;              /* the taker gave up (under mu) */
	size_t by_thread;      /* items the thread worked (under mu) */
};

/* Starts working n items, on a thread when there are min or more. */
void aside_start(struct aside *a, size_t n, size_t min, aside_work_fn *work,
    void *arg);
/* Returns once item i (taken in order, each once) has been worked, by
 * the thread or here. */
void aside_take(struct aside *a, size_t i);
/* Stops the thread (the taker may stop before the last item) and
 * returns how many items it worked. a may then be started again. */
size_t aside_end(struct aside *a);

#endif
