/* SPDX-License-Identifier: MIT */
/*
 * The device-register lock (src/devices/dev_lock.h): mutual exclusion
 * between threads, and a waiter that does not burn a CPU while the holder
 * is blocked.
 */
#include <pthread.h>
#include <time.h>

#include "devices/dev_lock.h"
#include "test.h"

#define LOCK_THREADS 4
#define LOCK_ROUNDS 200000

struct lock_shared {
	struct dev_lock lock;
	uint64_t counter; /* plain: only the lock makes the increments safe */
};

static void *lock_hammer(void *arg)
{
	struct lock_shared *s = arg;

	for (int i = 0; i < LOCK_ROUNDS; i++) {
		dev_lock(&s->lock);
		s->counter++;
		dev_unlock(&s->lock);
	}
	return NULL;
}

TEST(dev_lock_makes_increments_from_four_threads_exact)
{
	static struct lock_shared s;
	pthread_t t[LOCK_THREADS];

	for (int i = 0; i < LOCK_THREADS; i++)
		REQUIRE(pthread_create(&t[i], NULL, lock_hammer, &s) == 0);
	for (int i = 0; i < LOCK_THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_U64((uint64_t)LOCK_THREADS * LOCK_ROUNDS, s.counter);
}

static uint64_t lock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *lock_waiter(void *arg)
{
	struct lock_shared *s = arg;
	uint64_t cpu = lock_ns(CLOCK_THREAD_CPUTIME_ID);

	dev_lock(&s->lock);
	s->counter = lock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu;
	dev_unlock(&s->lock);
	return NULL;
}

TEST(dev_lock_waiter_sleeps_while_the_holder_is_blocked)
{
	static struct lock_shared s;
	struct timespec hold = {0, 200 * 1000 * 1000};
	pthread_t t;

	dev_lock(&s.lock);
	REQUIRE(pthread_create(&t, NULL, lock_waiter, &s) == 0);
	nanosleep(&hold, NULL); /* a holder blocked in a write, 200 ms */
	dev_unlock(&s.lock);
	pthread_join(t, NULL);
	/* Spinning would use ~200 ms of CPU; sleeping in 20 us steps a few ms. */
	CHECK(s.counter < 50ull * 1000 * 1000);
}
