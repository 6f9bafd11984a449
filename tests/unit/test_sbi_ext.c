/* SPDX-License-Identifier: MIT */
/*
 * The SBI extensions that keep per-hart state or reach into the hart: PMU,
 * STA, SUSP, FWFT. Calls go through rv_sbi_ecall (a7 = EID, a6 = FID, a0..
 * = arguments); their effects on execution (misaligned delegation, Svade,
 * counted events, the cycle CSR) are checked by running code on a hart
 * (test_hart_util.h's fixture); SUSP and IPI counting use a machine of two
 * harts.
 */
#include <fcntl.h>
#include <unistd.h>

#include "arch/riscv64/machine.h"
#include "arch/riscv64/sbi.h"
#include "axvm/console.h"
#include "test_machine_util.h"

#define A0 10
#define A1 11

#define ERR(h) ((int64_t)(h)->x[A0])
#define VAL(h) ((h)->x[A1])

static int mfx_init(struct mfx *f)
{
	return mfx_init_cfg(f, (struct axvm_riscv64_config){0});
}

#define MFX(f)                                                                                     \
	struct mfx f;                                                                              \
	REQUIRE_OK(mfx_init(&f))

/* ---- PMU ---- */

#define PMU_EV_CYCLES 0x00001u
#define PMU_EV_INSTRUCTIONS 0x00002u
#define PMU_EV_CACHE_L1D_READ 0x10000u
#define PMU_EV_FW(code) (0xf0000u | (code))
#define PMU_EV_FW_SBI_CALLS 0xfffffu /* PLATFORM, event_data 0 */
#define PMU_ALL 0x7ffffu	     /* counters 0-18 */
#define PMU_FW0 11u		     /* the first firmware counter */

TEST(test_sbi_pmu_counters_are_cycle_instret_eight_hpm_and_eight_firmware)
{
	FIX(f);
	fix_sbi(f.h, SBI_EXT_PMU, 0, 0, 0, 0, 0, 0);
	CHECK_U64(19, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 1, 0, 0, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(63ull << 12 | 0xc00, VAL(f.h)); /* hardware, 64 bits, CSR cycle */
	fix_sbi(f.h, SBI_EXT_PMU, 1, 1, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* time is no counter */
	fix_sbi(f.h, SBI_EXT_PMU, 1, 2, 0, 0, 0, 0);
	CHECK_U64(63ull << 12 | 0xc02, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 1, 10, 0, 0, 0, 0);
	CHECK_U64(63ull << 12 | 0xc0a, VAL(f.h)); /* hpmcounter10 */
	fix_sbi(f.h, SBI_EXT_PMU, 1, 18, 0, 0, 0, 0);
	CHECK_U64(1ull << 63 | 63ull << 12, VAL(f.h)); /* firmware */
	fix_sbi(f.h, SBI_EXT_PMU, 1, 19, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	fix_fini(&f);
}

TEST(test_sbi_pmu_config_matching_picks_the_counter_for_each_event)
{
	FIX(f);
	/* Sscofpmf on: hpmcounters first (they overflow), then the fixed ones. */
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, PMU_EV_CYCLES, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(3, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, PMU_EV_INSTRUCTIONS, 0);
	CHECK_U64(4, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, PMU_EV_FW(6), 0);
	CHECK_U64(PMU_FW0, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, PMU_EV_FW(7), 0);
	CHECK_U64(PMU_FW0 + 1, VAL(f.h)); /* 11 is taken */
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, 1, 0x2 /* SKIP_MATCH */, PMU_EV_CYCLES, 0);
	CHECK_U64(0, VAL(f.h));		 /* Linux's legacy mode names cycle itself */
	for (unsigned i = 0; i < 7; i++) /* 5..10, then */
		fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, PMU_EV_INSTRUCTIONS, 0);
	CHECK_U64(2, VAL(f.h)); /* hpmcounters all taken: instret */
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, PMU_EV_CYCLES, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h)); /* every counter for it is taken */
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, PMU_EV_CACHE_L1D_READ, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, 0xfffffu, 7); /* a platform event we lack */
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 2, 13, 1, 0, PMU_EV_INSTRUCTIONS,
		0); /* only counter 13 offered */
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 2, 19, 1, 0, PMU_EV_FW(6), 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* past the last counter */
	/* Reset releases a counter for the next match. */
	fix_sbi(f.h, SBI_EXT_PMU, 4, PMU_FW0, 1, 1, 0, 0);
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, PMU_EV_FW(8), 0);
	CHECK_U64(PMU_FW0, VAL(f.h));
	fix_fini(&f);
}

TEST(test_sbi_pmu_cycle_csr_takes_the_start_value_and_freezes_when_stopped)
{
	FIX(f);
	uint64_t v;

	/* Linux stops every counter first; then starts cycle at a value. */
	fix_sbi(f.h, SBI_EXT_PMU, 4, 0, PMU_ALL & ~2u, 1, 0, 0);
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, 1, 0, PMU_EV_CYCLES, 0);
	CHECK_U64(0, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 3, 0, 1, 1, 1000000, 0);
	CHECK_INT(0, ERR(f.h));
	f.h->pc = RAM_BASE;
	CODE(f, RAM_BASE, NOP, NOP, NOP, CSRRS(5, 0xc00, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(1000003, f.h->x[5]); /* three instructions retired before the read */
	fix_sbi(f.h, SBI_EXT_PMU, 4, 0, 1, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	REQUIRE_OK(rv_csr_read(f.h, 0xc00, &v));
	f.h->instret += 50;
	REQUIRE_OK(rv_csr_read(f.h, 0xc00, &f.h->x[6]));
	CHECK_U64(v, f.h->x[6]); /* stopped: frozen */
	fix_sbi(f.h, SBI_EXT_PMU, 4, 0, 1, 0, 0, 0);
	CHECK_INT(SBI_ERR_ALREADY_STOPPED, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 3, 0, 1, 0, 0, 0);
	fix_sbi(f.h, SBI_EXT_PMU, 3, 0, 1, 0, 0, 0);
	CHECK_INT(SBI_ERR_ALREADY_STARTED, ERR(f.h));
	fix_fini(&f);
}

TEST(test_sbi_pmu_counters_run_from_reset_like_the_csrs_always_did)
{
	FIX(f);
	uint64_t c, i;

	f.h->instret = 1234;
	REQUIRE_OK(rv_csr_read(f.h, 0xc00, &c));
	REQUIRE_OK(rv_csr_read(f.h, 0xc02, &i));
	CHECK_U64(1234, c);
	CHECK_U64(1234, i);
	fix_fini(&f);
}

TEST(test_sbi_pmu_firmware_counter_counts_sbi_calls)
{
	FIX(f);
	unsigned idx;

	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 4 /* AUTO_START */, PMU_EV_FW_SBI_CALLS, 0);
	CHECK_INT(0, ERR(f.h));
	idx = (unsigned)VAL(f.h);
	CHECK(idx >= PMU_FW0);
	fix_sbi(f.h, SBI_EXT_BASE, 0, 0, 0, 0, 0, 0);
	fix_sbi(f.h, SBI_EXT_BASE, 0, 0, 0, 0, 0, 0);
	fix_sbi(f.h, SBI_EXT_PMU, 5, idx, 0, 0, 0, 0); /* counts itself: it is a call too */
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(3, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 6, idx, 0, 0, 0, 0);
	CHECK_U64(0, VAL(f.h)); /* read_hi on RV64 */
	fix_sbi(f.h, SBI_EXT_PMU, 4, idx, 1, 0, 0, 0);
	fix_sbi(f.h, SBI_EXT_PMU, 5, idx, 0, 0, 0, 0);
	CHECK_U64(5, VAL(f.h)); /* read_hi and stop were the last ones counted */
	fix_sbi(f.h, SBI_EXT_PMU, 3, idx, 1, 1, 100, 0); /* restart at 100 */
	fix_sbi(f.h, SBI_EXT_PMU, 5, idx, 0, 0, 0, 0);
	CHECK_U64(101, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 5, 0, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* not a firmware counter */
	fix_fini(&f);
}

TEST(test_sbi_pmu_errors_for_unconfigured_counters_snapshots_and_bad_masks)
{
	FIX(f);
	fix_sbi(f.h, SBI_EXT_PMU, 3, 13, 1, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* no event configured */
	fix_sbi(f.h, SBI_EXT_PMU, 3, 0, 3, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* names counter 1 */
	fix_sbi(f.h, SBI_EXT_PMU, 3, 0, 1, 2 /* INIT_SNAPSHOT */, 0, 0);
	CHECK_INT(SBI_ERR_NO_SHMEM, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 4, 0, 1, 2 /* TAKE_SNAPSHOT */, 0, 0);
	CHECK_INT(SBI_ERR_NO_SHMEM, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 7, RAM_BASE + 0x10000, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h)); /* no snapshot memory by default */
	fix_sbi(f.h, SBI_EXT_PMU, 4, 0, 1ull << 40, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	fix_fini(&f);
}

TEST(test_sbi_pmu_counts_illegal_instructions_and_misaligned_loads_where_they_happen)
{
	FIX(f);
	unsigned ill, mis;

	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 4, PMU_EV_FW(4), 0);
	ill = (unsigned)VAL(f.h);
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 4, PMU_EV_FW(0), 0);
	mis = (unsigned)VAL(f.h);
	fix_wr64(&f, RAM_BASE + 0x2000, 0x1122334455667788ull);
	f.h->x[10] = RAM_BASE + 0x2000;
	f.h->pc = RAM_BASE;
	/* Aligned first (fills the TLB: the misaligned one would hit the fast path). */
	CODE(f, RAM_BASE, LD(5, 10, 0), LW(6, 10, 1), LW(7, 10, 4), 0 /* illegal */);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(0x44556677u, f.h->x[6]); /* performed */
	fix_sbi(f.h, SBI_EXT_PMU, 5, ill, 0, 0, 0, 0);
	CHECK_U64(1, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 5, mis, 0, 0, 0, 0);
	CHECK_U64(1, VAL(f.h));
	fix_fini(&f);
}

TEST(test_sbi_pmu_counts_ipis_sent_and_received_on_each_side)
{
	MFX(f);
	fix_sbi(f.h[0], SBI_EXT_PMU, 2, 0, PMU_ALL, 4, PMU_EV_FW(6), 0);
	CHECK_INT(0, ERR(f.h[0]));
	fix_sbi(f.h[1], SBI_EXT_PMU, 2, 0, PMU_ALL, 4, PMU_EV_FW(7), 0);
	fix_sbi(f.h[0], SBI_EXT_IPI, 0, 3, 0, 0, 0, 0); /* harts 0 and 1 */
	fix_sbi(f.h[0], SBI_EXT_PMU, 5, PMU_FW0, 0, 0, 0, 0);
	CHECK_U64(2, VAL(f.h[0]));
	fix_sbi(f.h[1], SBI_EXT_PMU, 5, PMU_FW0, 0, 0, 0, 0);
	CHECK_U64(1, VAL(f.h[1]));
	mfx_fini(&f);
}

TEST(test_sbi_pmu_counts_remote_fences_and_set_timer)
{
	MFX(f);
	fix_sbi(f.h[0], SBI_EXT_PMU, 2, 0, PMU_ALL, 4, PMU_EV_FW(8), 0); /* FENCE_I_SENT: 11 */
	fix_sbi(f.h[0], SBI_EXT_PMU, 2, 0, PMU_ALL, 4, PMU_EV_FW(12),
		0); /* SFENCE_VMA_ASID_SENT: 12 */
	fix_sbi(f.h[0], SBI_EXT_PMU, 2, 0, PMU_ALL, 4, PMU_EV_FW(5), 0); /* SET_TIMER: 13 */
	fix_sbi(f.h[1], SBI_EXT_PMU, 2, 0, PMU_ALL, 4, PMU_EV_FW(9), 0); /* FENCE_I_RECEIVED: 11 */
	fix_sbi(f.h[1], SBI_EXT_PMU, 2, 0, PMU_ALL, 4, PMU_EV_FW(13),
		0);					   /* ..._ASID_RECEIVED: 12 */
	fix_sbi(f.h[0], SBI_EXT_RFENCE, 0, 2, 0, 0, 0, 0); /* fence.i on hart 1 */
	fix_sbi(f.h[0], SBI_EXT_RFENCE, 2, 3, 0, 0, 0, 7); /* sfence.vma.asid on both */
	fix_sbi(f.h[0], SBI_EXT_TIME, 0, 12345, 0, 0, 0, 0);
	fix_sbi(f.h[0], SBI_EXT_PMU, 5, PMU_FW0, 0, 0, 0, 0);
	CHECK_U64(1, VAL(f.h[0]));
	fix_sbi(f.h[0], SBI_EXT_PMU, 5, PMU_FW0 + 1, 0, 0, 0, 0);
	CHECK_U64(2, VAL(f.h[0]));
	fix_sbi(f.h[0], SBI_EXT_PMU, 5, PMU_FW0 + 2, 0, 0, 0, 0);
	CHECK_U64(1, VAL(f.h[0]));
	fix_sbi(f.h[1], SBI_EXT_PMU, 5, PMU_FW0, 0, 0, 0, 0);
	CHECK_U64(1, VAL(f.h[1]));
	fix_sbi(f.h[1], SBI_EXT_PMU, 5, PMU_FW0 + 1, 0, 0, 0, 0);
	CHECK_U64(1, VAL(f.h[1]));
	mfx_fini(&f);
}

/* Sscofpmf: a started hpmcounter that wraps sets OF and takes LCOFI before the next instruction. */
TEST(test_sbi_pmu_hpmcounter_wrap_sets_of_and_raises_lcofi_at_once)
{
	FIX(f);
	uint64_t v;

	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, PMU_EV_INSTRUCTIONS, 0);
	CHECK_U64(3, VAL(f.h));
	REQUIRE_OK(rv_csr_read(f.h, 0xda0, &v));
	CHECK_U64(1u << 3, v); /* configured, not started: OF set, so no interrupt */
	fix_sbi(f.h, SBI_EXT_PMU, 3, 3, 1, 1 /* SET_INIT_VALUE */, (uint64_t)-5, 0);
	CHECK_INT(0, ERR(f.h));
	REQUIRE_OK(rv_csr_read(f.h, 0xda0, &v));
	CHECK_U64(0, v); /* start cleared it */
	REQUIRE_OK(rv_csr_write(f.h, 0x104, RV_MIP_LCOFIP));
	f.h->sstatus |= RV_SSTATUS_SIE;
	f.h->pc = RAM_BASE;
	CODE(f, RAM_BASE, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(RV_CAUSE_INTERRUPT | 13, f.h->scause);
	CHECK_U64(RAM_BASE + 5 * 4, f.h->sepc); /* exactly after the fifth: the wrap */
	REQUIRE_OK(rv_csr_read(f.h, 0xda0, &v));
	CHECK_U64(1u << 3, v);
	REQUIRE_OK(rv_csr_read(f.h, 0x144, &v));
	CHECK_U64(RV_MIP_LCOFIP, v & RV_MIP_LCOFIP);
	REQUIRE_OK(rv_csr_read(f.h, 0xc03, &v));
	CHECK_U64(2, v); /* the trap vector's csrw and wfi */

	/* OF still set: a second wrap raises nothing (the handler cleared LCOFIP). */
	REQUIRE_OK(rv_csr_write(f.h, 0x144, 0));
	f.h->sbi.pmu.offset[3] = (uint64_t)-3 - f.h->instret;
	f.h->sbi.pmu.last[3] = (uint64_t)-3;
	rv_sbi_pmu_overflow(f.h);
	REQUIRE_OK(rv_csr_write(f.h, 0x104, RV_MIP_LCOFIP));
	f.h->sstatus |= RV_SSTATUS_SIE;
	f.h->pc = RAM_BASE;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(RAM_BASE + 10 * 4, f.h->pc); /* ran on through the wfi */
	REQUIRE_OK(rv_csr_read(f.h, 0x144, &v));
	CHECK_U64(0, v & RV_MIP_LCOFIP);
	REQUIRE_OK(rv_csr_read(f.h, 0xc03, &v));
	CHECK_U64(7, v); /* wrapped at the third nop; six more and the wfi */
	/* Stop with reset releases the counter and its OF bit. */
	fix_sbi(f.h, SBI_EXT_PMU, 4, 3, 1, 1 /* RESET */, 0, 0);
	REQUIRE_OK(rv_csr_read(f.h, 0xda0, &v));
	CHECK_U64(0, v);
	fix_fini(&f);
}

/* The snapshot area: start takes initial values from it, stop writes values and overflows. */
TEST(test_sbi_pmu_snapshot_start_reads_and_stop_writes_values_and_overflow)
{
	static const struct axvm_riscv64_config cfg = {.run_budget = 100000, .pmu_snapshot = true};
	const uint64_t snap = RAM_BASE + 0x10000;
	struct hart_fix f;

	REQUIRE_OK(fix_init_cfg(&f, &cfg, axvm_hal_linux()));
	fix_sbi(f.h, SBI_EXT_PMU, 7, RAM_BASE + 0x10800, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* not page-aligned */
	fix_sbi(f.h, SBI_EXT_PMU, 7, snap, 0, 1, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* flags must be 0 */
	fix_sbi(f.h, SBI_EXT_PMU, 7, MMIO_BASE, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 7, RAM_BASE, 1, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h)); /* no RAM above 2^64 */
	fix_wr64(&f, snap + 8, 0x1234);		      /* zeroed by set_shmem */
	fix_sbi(f.h, SBI_EXT_PMU, 7, snap, 0, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(0, fix_rd64(&f, snap + 8));
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, PMU_EV_INSTRUCTIONS, 0);
	CHECK_U64(3, VAL(f.h));
	fix_wr64(&f, snap + 8, (uint64_t)-2); /* counter_values[0]: base 3 + 0 */
	fix_sbi(f.h, SBI_EXT_PMU, 3, 3, 1, 2 /* INIT_SNAPSHOT */, 77, 0);
	CHECK_INT(0, ERR(f.h));
	f.h->pc = RAM_BASE;
	CODE(f, RAM_BASE, NOP, NOP, NOP, NOP, NOP, WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	fix_sbi(f.h, SBI_EXT_PMU, 4, 3, 1, 2 /* TAKE_SNAPSHOT */, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(4, fix_rd64(&f, snap + 8)); /* -2 + six instructions: wrapped */
	CHECK_U64(1, fix_rd64(&f, snap));     /* overflow bitmap, relative to base 3 */
	/* Relative to base 0, counter 3 is counter_values[3] and bitmap bit 3. */
	fix_sbi(f.h, SBI_EXT_PMU, 3, 3, 1, 0, 0, 0);
	fix_sbi(f.h, SBI_EXT_PMU, 4, 0, 1u << 3, 2, 0, 0);
	CHECK_U64(4, fix_rd64(&f, snap + 8 + 3 * 8));
	CHECK_U64(0, fix_rd64(&f, snap));			       /* start cleared OF */
	fix_sbi(f.h, SBI_EXT_PMU, 7, UINT64_MAX, UINT64_MAX, 0, 0, 0); /* off */
	CHECK_INT(0, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 4, 3, 1, 2, 0, 0);
	CHECK_INT(SBI_ERR_NO_SHMEM, ERR(f.h));
	fix_fini(&f);
}

/* SET_SINH counts only U-mode instructions, SET_UINH only S-mode ones (perf's :u and :k). */
TEST(test_sbi_pmu_inhibit_flags_count_only_the_allowed_mode)
{
	FIX(f);
	uint64_t u, k, start;

	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 2 | 4 | 1u << 6 /* CLEAR, AUTO_START, SINH */,
		PMU_EV_INSTRUCTIONS, 0);
	CHECK_U64(3, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 2 | 4 | 1u << 5 /* CLEAR, AUTO_START, UINH */,
		PMU_EV_INSTRUCTIONS, 0);
	CHECK_U64(4, VAL(f.h));
	start = f.h->instret;
	f.h->sepc = RAM_BASE + 0x100;
	f.h->sstatus &= ~RV_SSTATUS_SPP;
	f.h->pc = RAM_BASE;
	CODE(f, RAM_BASE, NOP, SRET);
	CODE(f, RAM_BASE + 0x100, NOP, NOP, NOP, NOP, ECALL);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(RV_EXC_ECALL_U, f.h->scause);
	REQUIRE_OK(rv_csr_read(f.h, 0xc03, &u));
	REQUIRE_OK(rv_csr_read(f.h, 0xc04, &k));
	/* sret counts in S, where it runs; the trapping ecall in the mode it traps to. */
	CHECK_U64(4, u);
	CHECK_U64(f.h->instret - start, u + k);
	CHECK(k >= 3); /* nop, ecall, the trap vector's csrw (and its wfi) */
	fix_fini(&f);
}

TEST(test_sbi_pmu_sscofpmf_off_no_scountovf_no_lcofie_fixed_counters_first)
{
	static const struct axvm_riscv64_config cfg = {
	    .run_budget = 100000, .ext_off = 1ull << AXVM_RISCV64_EXT_SSCOFPMF};
	struct hart_fix f;
	uint64_t v;

	REQUIRE_OK(fix_init_cfg(&f, &cfg, axvm_hal_linux()));
	CHECK_INT(-1, rv_csr_read(f.h, 0xda0, &v));
	REQUIRE_OK(rv_csr_write(f.h, 0x104, RV_MIP_LCOFIP | RV_MIP_SSIP));
	REQUIRE_OK(rv_csr_read(f.h, 0x104, &v));
	CHECK_U64(RV_MIP_SSIP, v);
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, PMU_EV_CYCLES, 0);
	CHECK_U64(0, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_PMU, 2, 0, PMU_ALL, 0, PMU_EV_CYCLES, 0);
	CHECK_U64(3, VAL(f.h)); /* hpmcounters still count, without overflow */
	fix_fini(&f);
}

/* ---- FWFT ---- */

TEST(test_sbi_fwft_reset_values_and_unsupported_features)
{
	FIX(f);
	fix_sbi(f.h, SBI_EXT_FWFT, 1, 0, 0, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(0, VAL(f.h)); /* misaligned accesses performed by the hart */
	/* Svadu alone (the default CPU): A/D updating is not the guest's to switch. */
	fix_sbi(f.h, SBI_EXT_FWFT, 1, 4, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	/* The feature is 32 bits: a0's upper half is not part of it. */
	fix_sbi(f.h, SBI_EXT_FWFT, 0, 1ull << 32 | 0, 1, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_FWFT, 1, 1ull << 40 | 0, 0, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(1, VAL(f.h));
	for (uint64_t feat = 1; feat <= 5; feat++) {
		fix_sbi(f.h, SBI_EXT_FWFT, 1, feat, 0, 0, 0, 0);
		CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
		fix_sbi(f.h, SBI_EXT_FWFT, 0, feat, 1, 0, 0, 0);
		CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	}
	static const uint64_t denied[] = {6,	      0x3fffffff, 0x40000000,
					  0x80000000, 0xc0000000, 1ull << 32 | 6};
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		fix_sbi(f.h, SBI_EXT_FWFT, 1, denied[i], 0, 0, 0, 0);
		CHECK_INT(SBI_ERR_DENIED, ERR(f.h));
		fix_sbi(f.h, SBI_EXT_FWFT, 0, denied[i], 0, 0, 0, 0);
		CHECK_INT(SBI_ERR_DENIED, ERR(f.h));
	}
	fix_sbi(f.h, SBI_EXT_FWFT, 2, 0, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	fix_fini(&f);
}

/* A hart offered Svade beside Svadu (--cpu rv64,svade=on), as after its reset. */
static void fwft_svade_on(struct hart_fix *f)
{
	f->h->ext_on |= 1ull << AXVM_RISCV64_EXT_SVADE;
	rv_sbi_hart_stop(f->h);
}

TEST(test_sbi_fwft_set_checks_value_and_flags_and_honours_the_lock_until_hart_stop)
{
	FIX(f);
	fwft_svade_on(&f);
	fix_sbi(f.h, SBI_EXT_FWFT, 0, 0, 2, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_FWFT, 0, 0, 1, 2, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_FWFT, 0, 0, 1, 1 /* LOCK */, 0, 0);
	CHECK_INT(0, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_FWFT, 1, 0, 0, 0, 0, 0);
	CHECK_U64(1, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_FWFT, 0, 0, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_DENIED_LOCKED, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_FWFT, 0, 4, 1, 0, 0, 0); /* another feature is not locked */
	CHECK_INT(0, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_FWFT, 1, 4, 0, 0, 0, 0);
	CHECK_U64(1, VAL(f.h));
	rv_sbi_hart_stop(f.h); /* hart_stop: local features reset and unlock */
	fix_sbi(f.h, SBI_EXT_FWFT, 1, 0, 0, 0, 0, 0);
	CHECK_U64(0, VAL(f.h));
	fix_sbi(f.h, SBI_EXT_FWFT, 1, 4, 0, 0, 0, 0);
	CHECK_U64(0, VAL(f.h)); /* PTE_AD_HW_UPDATING resets to 0 */
	fix_sbi(f.h, SBI_EXT_FWFT, 0, 0, 1, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	fix_fini(&f);
}

TEST(test_sbi_fwft_misaligned_delegation_makes_the_guest_take_the_trap_even_on_a_tlb_hit)
{
	FIX(f);
	fix_wr64(&f, RAM_BASE + 0x2000, 0x1122334455667788ull);
	fix_sbi(f.h, SBI_EXT_FWFT, 0, 0, 1, 0, 0, 0);
	f.h->x[10] = RAM_BASE + 0x2000;
	f.h->x[7] = 0xabcd;
	f.h->pc = RAM_BASE;
	CODE(f, RAM_BASE, LD(5, 10, 0), LW(6, 10, 2), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(RV_EXC_LOAD_MISALIGNED, f.h->scause);
	CHECK_U64(RAM_BASE + 0x2002, f.h->stval);
	CHECK_U64(RAM_BASE + 4, f.h->sepc);
	CHECK_U64(0, f.h->x[6]);
	/* A store: the same, and memory is untouched (new code: the old is decoded). */
	f.h->pc = RAM_BASE + 0x100;
	CODE(f, RAM_BASE + 0x100, SD(0, 10, 8), SH(7, 10, 9), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_STORE_MISALIGNED, f.h->scause);
	CHECK_U64(RAM_BASE + 0x2009, f.h->stval);
	CHECK_U64(0, fix_rd64(&f, RAM_BASE + 0x2008));
	/* Off again: the hart performs it. */
	fix_sbi(f.h, SBI_EXT_FWFT, 0, 0, 0, 0, 0, 0);
	f.h->x[10] = RAM_BASE + 0x2000; /* the call's a0 */
	f.h->pc = RAM_BASE + 0x100;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RAM_BASE + 0x10c, f.h->pc);
	CHECK_U64(0xabcd00ull, fix_rd64(&f, RAM_BASE + 0x2008));
	fix_fini(&f);
}

TEST(test_sbi_fwft_pte_ad_hw_updating_off_makes_missing_a_or_d_a_page_fault)
{
	FIX(f);
	fwft_svade_on(&f);
	const uint64_t root = RAM_BASE + 0x100000, l1 = root + 0x1000, l0 = root + 0x2000;
	const uint64_t data = RAM_BASE + 0x200000, va = 0x40000000ull;

	/* Code identity-mapped by a 1 GiB page with A and D set; va -> data without A/D. */
	fix_wr64(&f, root + 2 * 8, (RAM_BASE >> 12) << 10 | 0xcf);
	fix_wr64(&f, root + 1 * 8, (l1 >> 12) << 10 | 1);
	fix_wr64(&f, l1, (l0 >> 12) << 10 | 1);
	fix_wr64(&f, l0, (data >> 12) << 10 | 0x07); /* V R W */
	f.h->satp = 8ull << 60 | (root >> 12);
	fix_sbi(f.h, SBI_EXT_FWFT, 1, 4, 0, 0, 0, 0); /* off from reset */
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(0, VAL(f.h));
	f.h->x[10] = va;
	f.h->pc = RAM_BASE;
	CODE(f, RAM_BASE, LD(5, 10, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(RV_EXC_LOAD_PAGE, f.h->scause);
	CHECK_U64((data >> 12) << 10 | 0x07, fix_rd64(&f, l0)); /* untouched */
	/* With A set, a store still faults for D. */
	fix_wr64(&f, l0, (data >> 12) << 10 | 0x47);
	f.h->pc = RAM_BASE + 0x100;
	CODE(f, RAM_BASE + 0x100, LD(5, 10, 0), SD(5, 10, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_STORE_PAGE, f.h->scause);
	CHECK_U64(RAM_BASE + 0x104, f.h->sepc);
	/* Back on: the walk sets D itself. */
	fix_sbi(f.h, SBI_EXT_FWFT, 0, 4, 1, 0, 0, 0);
	f.h->x[10] = va; /* the call's a0 */
	f.h->pc = RAM_BASE + 0x100;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RAM_BASE + 0x10c, f.h->pc);
	CHECK_U64((data >> 12) << 10 | 0xc7, fix_rd64(&f, l0));
	fix_fini(&f);
}

/*
 * PTE_AD_HW_UPDATING needs Svade and Svadu both: with Svadu alone (the
 * default; test_sbi_fwft_reset_values_and_unsupported_features) the hart
 * sets A/D itself, without Svadu (--cpu rv64,svadu=off,svade=on) it is
 * Svade only. Neither has the feature to set or get.
 */
TEST(test_sbi_fwft_pte_ad_hw_updating_needs_svade_and_svadu)
{
	FIX(f);

	fwft_svade_on(&f);
	fix_sbi(f.h, SBI_EXT_FWFT, 1, 4, 0, 0, 0, 0); /* get */
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(0, f.h->x[11]);
	f.h->ext_on &= ~(1ull << AXVM_RISCV64_EXT_SVADU);
	fix_sbi(f.h, SBI_EXT_FWFT, 1, 4, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_FWFT, 0, 4, 1, 0, 0, 0); /* set */
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	fix_fini(&f);
}

/* ---- STA ---- */

static uint64_t fake_wait;
static uint64_t fake_wait_ns(void *ctx)
{
	(void)ctx;
	return fake_wait;
}

TEST(test_sbi_sta_set_shmem_checks_its_arguments)
{
	FIX(f);
	fix_sbi(f.h, SBI_EXT_STA, 0, RAM_BASE + 0x3000, 0, 1, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* flags */
	fix_sbi(f.h, SBI_EXT_STA, 0, RAM_BASE + 0x3020, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* not 64-byte aligned */
	fix_sbi(f.h, SBI_EXT_STA, 0, RAM_BASE + 0x3000, 1, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h)); /* high word */
	fix_sbi(f.h, SBI_EXT_STA, 0, MMIO_BASE, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h));
	fix_sbi(f.h, SBI_EXT_STA, 0, 0x1000, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h)); /* no memory there */
	fix_sbi(f.h, SBI_EXT_STA, 1, 0, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	CHECK_U64(RV_STA_OFF, f.h->sbi.sta_gpa);
	fix_fini(&f);
}

TEST(test_sbi_sta_reports_steal_time_with_the_sequence_protocol_until_disabled)
{
	FIX(f);
	struct axvm_hal hal = *axvm_hal_linux();
	const uint64_t rec = RAM_BASE + 0x3000;
	uint8_t ff[64];

	hal.thread_wait_ns = fake_wait_ns;
	f.h->hal = &hal;
	memset(ff, 0xff, sizeof(ff));
	REQUIRE_OK(axvm_addrspace_write(f.as, rec, ff, sizeof(ff)));
	fake_wait = 5000;
	fix_sbi(f.h, SBI_EXT_STA, 0, rec, 0, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(0, fix_rd64(&f, rec));      /* zeroed by set_shmem */
	CHECK_U64(0, fix_rd64(&f, rec + 56)); /* all 64 bytes */
	fake_wait = 5000 + 1234567;
	f.h->pc = RAM_BASE;
	CODE(f, RAM_BASE, WFI);
	REQUIRE_OK(fix_run(&f));		       /* entering the guest updates the record */
	CHECK_U64(2, fix_rd64(&f, rec) & 0xffffffffu); /* sequence: odd once, even again */
	CHECK_U64(1234567, fix_rd64(&f, rec + 8));
	CHECK_U64(0, fix_rd64(&f, rec + 16) & 0xff); /* not preempted */
	/* Updates accumulate, at most once per millisecond. */
	fake_wait += 1000;
	f.h->sbi.sta_next_ns = 0;
	rv_sbi_sta_update(f.h);
	CHECK_U64(1234567 + 1000, fix_rd64(&f, rec + 8));
	CHECK_U64(4, fix_rd64(&f, rec) & 0xffffffffu);
	fake_wait += 1000;
	f.h->sbi.sta_next_ns = UINT64_MAX; /* the period not over yet: nothing */
	rv_sbi_sta_update(f.h);
	CHECK_U64(1234567 + 1000, fix_rd64(&f, rec + 8));
	/* Disabled: the record is left alone. */
	fix_sbi(f.h, SBI_EXT_STA, 0, UINT64_MAX, UINT64_MAX, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	fake_wait += 1000000;
	f.h->sbi.sta_next_ns = 0;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(1234567 + 1000, fix_rd64(&f, rec + 8));
	f.h->hal = axvm_hal_linux();
	fix_fini(&f);
}

TEST(test_sbi_sta_probe_follows_whether_the_host_can_measure)
{
	FIX(f);
	struct axvm_hal hal = *axvm_hal_linux();

	hal.thread_wait_ns = NULL;
	fix_sbi(f.h, SBI_EXT_BASE, 3, SBI_EXT_STA, 0, 0, 0, 0);
	CHECK_U64(1, VAL(f.h));
	f.h->hal = &hal;
	fix_sbi(f.h, SBI_EXT_BASE, 3, SBI_EXT_STA, 0, 0, 0, 0);
	CHECK_U64(0, VAL(f.h));
	f.h->hal = axvm_hal_linux();
	fix_fini(&f);
}

TEST(test_sbi_sta_linux_hal_reads_the_run_delay_of_this_thread)
{
	const struct axvm_hal *hal = axvm_hal_linux();
	int fd = open("/proc/thread-self/schedstat", O_RDONLY);
	uint64_t a, b;

	if (fd < 0)
		TEST_SKIP("no /proc/thread-self/schedstat (kernel without schedstats)");
	close(fd);
	a = hal->thread_wait_ns(hal->ctx);
	for (int i = 0; i < 20; i++)
		usleep(100);
	b = hal->thread_wait_ns(hal->ctx);
	CHECK(a != UINT64_MAX);
	CHECK(b >= a);
}

/* ---- SUSP ---- */

TEST(test_sbi_susp_suspend_to_ram_needs_every_other_hart_stopped)
{
	MFX(f);
	struct axvm_exit e;

	rv_machine_set_hsm_state(f.m, 1, RV_HSM_STARTED);
	fix_sbi(f.h[0], SBI_EXT_SUSP, 0, 0, RAM_BASE, 0, 0, 0);
	CHECK_INT(SBI_ERR_DENIED, ERR(f.h[0]));
	rv_machine_set_hsm_state(f.m, 1, RV_HSM_STOPPED);
	f.h[0]->sstatus |= RV_SSTATUS_SIE;
	f.h[0]->satp = 8ull << 60;
	f.h[0]->x[17] = SBI_EXT_SUSP;
	f.h[0]->x[16] = 0;
	f.h[0]->x[10] = 0;
	f.h[0]->x[11] = RAM_BASE + 0x400;
	f.h[0]->x[12] = 0xfeed;
	CHECK_INT(0, rv_sbi_ecall(f.h[0], &e));
	CHECK_INT(AXVM_EXIT_HALT, e.reason);
	CHECK_U64(RAM_BASE + 0x400, f.h[0]->pc);
	CHECK_U64(0, f.h[0]->x[10]); /* hart id */
	CHECK_U64(0xfeed, f.h[0]->x[11]);
	CHECK_U64(0, f.h[0]->satp);
	CHECK_U64(0, f.h[0]->sstatus & RV_SSTATUS_SIE);
	CHECK_INT(RV_HSM_SUSPENDED, rv_machine_hsm_status(f.m, 0));
	mfx_fini(&f);
}

TEST(test_sbi_susp_rejects_other_sleep_types_and_bad_resume_addresses)
{
	MFX(f);
	fix_sbi(f.h[0], SBI_EXT_SUSP, 0, 1, RAM_BASE, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h[0]));
	fix_sbi(f.h[0], SBI_EXT_SUSP, 0, 0x80000000u, RAM_BASE, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h[0]));
	fix_sbi(f.h[0], SBI_EXT_SUSP, 0, 0, 0x1000, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h[0]));
	fix_sbi(f.h[0], SBI_EXT_SUSP, 1, 0, RAM_BASE, 0, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h[0]));
	CHECK_INT(RV_HSM_STARTED, rv_machine_hsm_status(f.m, 0));
	mfx_fini(&f);
}
