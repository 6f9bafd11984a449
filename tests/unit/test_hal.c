/* SPDX-License-Identifier: MIT */
#include "test.h"

#include <axvm/hal.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static const struct axvm_hal *hal(void)
{
	return axvm_hal_linux();
}

TEST(test_hal_linux_memory_is_zeroed_and_writable)
{
	uint8_t *p = hal()->mem_alloc(hal()->ctx, 1 << 20);

	REQUIRE(p);
	CHECK_INT(0, p[0] | p[(1 << 20) - 1]);
	p[12345] = 7;
	CHECK_INT(7, p[12345]);
	hal()->mem_free(hal()->ctx, p, 1 << 20);
}

TEST(test_hal_linux_clock_is_monotonic)
{
	uint64_t a = hal()->now_ns(hal()->ctx), b = hal()->now_ns(hal()->ctx);

	CHECK(a > 0);
	CHECK(b >= a);
}

TEST(test_hal_linux_pin_moves_thread_into_set)
{
	axvm_cpumask_t old = 0;
	int cpu = hal()->current_cpu(hal()->ctx);

	REQUIRE(cpu >= 0 && cpu < 64);
	REQUIRE_OK(hal()->pin_thread(hal()->ctx, 1ull << 0, &old));
	CHECK_INT(0, hal()->current_cpu(hal()->ctx));
	CHECK(old & 1);
	REQUIRE_OK(hal()->pin_thread(hal()->ctx, old, NULL));
}

TEST(test_hal_linux_pin_to_absent_cpu_fails)
{
	int n = hal()->cpu_count(hal()->ctx);

	REQUIRE(n >= 1);
	if (n < 64)
		CHECK_INT(-AXVM_EAFFINITY, hal()->pin_thread(hal()->ctx, 1ull << 63, NULL));
}

TEST(test_hal_linux_wait_times_out)
{
	uint32_t word = 0;
	uint64_t t0 = hal()->now_ns(hal()->ctx);

	hal()->wait(hal()->ctx, &word, 0, 20 * 1000 * 1000);
	CHECK(hal()->now_ns(hal()->ctx) - t0 >= 15 * 1000 * 1000);
}

TEST(test_hal_linux_wait_returns_when_word_differs)
{
	uint32_t word = 1;
	uint64_t t0 = hal()->now_ns(hal()->ctx);

	hal()->wait(hal()->ctx, &word, 0, 5ull * 1000 * 1000 * 1000);
	CHECK(hal()->now_ns(hal()->ctx) - t0 < 1000ull * 1000 * 1000);
}

static uint32_t wake_word;

static void *waker(void *arg)
{
	struct timespec ts = {0, 20 * 1000 * 1000};

	nanosleep(&ts, NULL);
	__atomic_store_n(&wake_word, 1, __ATOMIC_SEQ_CST);
	hal()->wake(hal()->ctx, &wake_word);
	return NULL;
}

TEST(test_hal_linux_wake_ends_wait)
{
	pthread_t t;
	uint64_t t0 = hal()->now_ns(hal()->ctx);

	wake_word = 0;
	pthread_create(&t, NULL, waker, NULL);
	while (__atomic_load_n(&wake_word, __ATOMIC_SEQ_CST) == 0)
		hal()->wait(hal()->ctx, &wake_word, 0, 10ull * 1000 * 1000 * 1000);
	pthread_join(t, NULL);
	CHECK(hal()->now_ns(hal()->ctx) - t0 < 5ull * 1000 * 1000 * 1000);
}
