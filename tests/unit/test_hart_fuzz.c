/* SPDX-License-Identifier: MIT */
/*
 * Random bytes as guest code: the hart must only ever produce guest traps or
 * VM exits, never touch host memory outside guest RAM (run under
 * SANITIZE=address,undefined to prove it) and never return an error.
 * Several seeds; each fills 4 MiB of RAM with random bytes and executes
 * millions of instructions, restarting at random addresses in random modes
 * (S/U, Bare/Sv39/Sv48 with random roots) so that every decoder path, the
 * page-table walker and the trap paths are exercised. Two more seeds run
 * with the translator forced on and translating a slot at its first entry
 * (AXVM_JIT_HOT=1), so random code also runs as generated host code.
 */
#include <stdlib.h>

#include "arch/riscv64/jit.h"
#include "test_hart_util.h"

static uint64_t fuzz_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Returns the number of instructions executed, or 0 on a failure (reported). */
static uint64_t fuzz_seed_with(uint64_t seed, uint64_t insns, bool jit)
{
	static const struct axvm_riscv64_config cfg = {.run_budget = 5000, .sstc = true};
	struct hart_fix f;
	uint64_t s = seed * 0x9e3779b97f4a7c15ull | 1, done = 0, exits = 0;
	uint8_t *buf;

	if (fix_init_cfg(&f, &cfg, axvm_hal_linux())) {
		test_fail_at(__FILE__, __LINE__, "fixture");
		fix_fini(&f);
		return 0;
	}
	rv_jit_destroy(f.h->jit); /* AXVM_JIT in the environment must not decide */
	f.h->jit = NULL;
	if (jit) {
		setenv("AXVM_JIT_HOT", "1", 1);
		f.h->jit = rv_jit_create(0);
		unsetenv("AXVM_JIT_HOT");
		if (!f.h->jit) {
			test_fail_at(__FILE__, __LINE__, "rv_jit_create");
			fix_fini(&f);
			return 0;
		}
	}
	buf = malloc(RAM_SIZE);
	if (!buf) {
		fix_fini(&f);
		return 0;
	}
	for (uint64_t i = 0; i < RAM_SIZE; i += 8) {
		uint64_t v = fuzz_next(&s);

		memcpy(buf + i, &v, 8);
	}
	axvm_addrspace_write(f.as, RAM_BASE, buf, RAM_SIZE);
	free(buf);

	while (done < insns) {
		uint64_t before = f.h->instret;
		int r;

		if ((exits & 15) == 0) {
			/* restart somewhere random, in a random mode and translation */
			uint64_t v = fuzz_next(&s);
			static const uint64_t modes[4] = {0, 8, 9, 0};

			f.h->pc = RAM_BASE + ((v >> 8) % RAM_SIZE & ~1ull);
			f.h->priv = (v & 1) ? RV_PRIV_U : RV_PRIV_S;
			f.h->satp = modes[(v >> 1) & 3] << 60 |
				    ((RAM_BASE + (fuzz_next(&s) % RAM_SIZE)) >> 12);
			f.h->stvec = RAM_BASE + (fuzz_next(&s) % RAM_SIZE & ~3ull);
			f.h->sstatus = fuzz_next(&s) & (RV_SSTATUS_SUM | RV_SSTATUS_MXR |
							RV_SSTATUS_FS | RV_SSTATUS_SIE);
			for (int i = 1; i < 32; i++)
				f.h->x[i] =
				    (i & 1) ? fuzz_next(&s) : RAM_BASE + fuzz_next(&s) % RAM_SIZE;
			rv_hart_flush_local(f.h);
		}
		r = fix_run(&f);
		exits++;
		if (r < 0) {
			test_fail_at(__FILE__, __LINE__, "seed %llu: run failed: %d",
				     (unsigned long long)seed, r);
			break;
		}
		switch (f.exit.reason) {
		case AXVM_EXIT_NESTED_PAGE_FAULT:
			if (axvm_addrspace_populate(f.as, f.exit.nested_page_fault.addr)) {
				test_fail_at(__FILE__, __LINE__, "populate 0x%llx failed",
					     (unsigned long long)f.exit.nested_page_fault.addr);
				goto out;
			}
			break;
		case AXVM_EXIT_MMIO_READ:
			f.ops->set_gpr(f.be, f.exit.mmio_read.reg, 0);
			break;
		default:
			break;
		}
		/* A clear of pending interrupts keeps random sie/SIE from livelocking on STI. */
		rv_hart_clear_interrupt(f.h, RV_IRQ_STI);
		done += f.h->instret - before + 1;
	}
out:
	if (jit && rv_jit_stats(f.h->jit)->insns < insns / 4) {
		test_fail_at(__FILE__, __LINE__, "seed %llu: only %llu instructions ran translated",
			     (unsigned long long)seed,
			     (unsigned long long)rv_jit_stats(f.h->jit)->insns);
		done = 0;
	}
	fix_fini(&f);
	return done;
}

static uint64_t fuzz_seed(uint64_t seed, uint64_t insns)
{
	return fuzz_seed_with(seed, insns, false);
}

TEST(hart_random_code_seed_1_only_traps_or_exits)
{
	CHECK(fuzz_seed(1, 8000000) >= 8000000);
}

TEST(hart_random_code_seed_2_only_traps_or_exits)
{
	CHECK(fuzz_seed(2, 8000000) >= 8000000);
}

TEST(hart_random_code_seed_3_only_traps_or_exits)
{
	CHECK(fuzz_seed(3, 8000000) >= 8000000);
}

TEST(hart_random_code_seed_4_only_traps_or_exits)
{
	CHECK(fuzz_seed(4, 8000000) >= 8000000);
}

TEST(hart_random_code_through_the_translator_seed_5_only_traps_or_exits)
{
	if (!rv_jit_supported()) {
		test_skip("no translator on this host (x86-64 Linux only)");
		return;
	}
	CHECK(fuzz_seed_with(5, 8000000, true) >= 8000000);
}

TEST(hart_random_code_through_the_translator_seed_6_only_traps_or_exits)
{
	if (!rv_jit_supported()) {
		test_skip("no translator on this host (x86-64 Linux only)");
		return;
	}
	CHECK(fuzz_seed_with(6, 8000000, true) >= 8000000);
}
