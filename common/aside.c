/*
 * aside.c - items worked ahead on a second thread (aside.h).
 */
#include <stdlib.h>
#include <string.h>

#include "aside.h"
#include "util.h"

static void *
aside_run(void *arg)
{
	struct aside *a = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&a->mu);
		if (a->stop || a->next >= a->n) {
			pthread_mutex_unlock(&a->mu);
			return NULL;
		}
		i = a->next++;
		pthread_mutex_unlock(&a->mu);
		a->work(a->arg, i);
		pthread_mutex_lock(&a->mu);
		a->done[i] = 1;
		a->by_thread++;
		pthread_cond_signal(&a->cv);
		pthread_mutex_unlock(&a->mu);
	}
}

void
aside_start(struct aside *a, size_t n, size_t min, aside_work_fn *work,
    void *arg)
{
	memset(a, 0, sizeof *a);
	a->work = work;
	a->arg = arg;
	a->n = n;
	if (n == 0 || n < min)
		return;
	a->done = xcalloc(n, 1);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if (pthread_create(&a->thread, NULL, aside_run, a) == 0) {
		a->running = 1;
		return;
	}
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	free(a->done);
	a->done = NULL;
}

void
aside_take(struct aside *a, size_t i)
{
	if (!a->running) {
		a->work(a->arg, i);
		return;
	}
	pthread_mutex_lock(&a->mu);
	if (a->next <= i) {
		/* The thread is behind: this one here, it goes on past. */
		a->next = i + 1;
		pthread_mutex_unlock(&a->mu);
		a->work(a->arg, i);
		return;
	}
	while (!a->done[i])
		pthread_cond_wait(&a->cv, &a->mu);
	pthread_mutex_unlock(&a->mu);
}

size_t
aside_end(struct aside *a)
{
	size_t by = 0;

	if (a->running) {
		pthread_mutex_lock(&a->mu);
		a->stop = 1;
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->thread, NULL);
		pthread_cond_destroy(&a->cv);
		pthread_mutex_destroy(&a->mu);
		by = a->by_thread;
	}
	free(a->done);
	memset(a, 0, sizeof *a);
	return by;
}
