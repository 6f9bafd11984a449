/* SPDX-License-Identifier: MIT */
/*
 * A lock for a device model's registers. Its critical sections are a few
 * register updates, taken on every MMIO access of a vCPU and now and then by
 * another thread (console input, a second vCPU), so the uncontended path is
 * what counts: one exchange to take it and a plain release store to give it
 * back, against about fifty instructions and two locked operations for a
 * pthread mutex (make bench: ~3 ns of a ~34 ns UART exit round trip).
 * Contention spins briefly, then yields, then sleeps in short steps, so a
 * holder that blocks (console output to a stalled terminal) does not make
 * the others burn a CPU.
 */
#ifndef AXVM_DEVICES_DEV_LOCK_H
#define AXVM_DEVICES_DEV_LOCK_H

#include <sched.h>
#include <time.h>

struct dev_lock {
	int held;
};

static inline void dev_lock_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

static inline void dev_lock(struct dev_lock *l)
{
	unsigned spins = 0;

	while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->held, __ATOMIC_RELAXED)) {
			if (++spins < 64) {
				dev_lock_relax();
			} else if (spins < 128) {
				sched_yield();
			} else {
				struct timespec ts = {0, 20 * 1000};

				nanosleep(&ts, NULL);
			}
		}
	}
}

static inline void dev_unlock(struct dev_lock *l)
{
	__atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

#endif
