/* SPDX-License-Identifier: MIT */
/*
 * The SBI 3.0 extensions that reach into the hart's execution: DBTR (guest
 * triggers in the trigger module the debugger shares, firing as breakpoint
 * exceptions) and SSE (software events entered at an instruction boundary,
 * completed back into the interrupted code). Calls go through rv_sbi_ecall
 * (a7 = EID, a6 = FID); effects are checked by running code on harts, with
 * the translator on and off where delivery lands in a hot loop.
 */
#include <pthread.h>
#include <time.h>

#include "arch/riscv64/jit.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/sbi.h"
#include "arch/riscv64/trigger.h"
#include "test_machine_util.h"

#define A0 10
#define A1 11
#define A6 16
#define A7 17
#define R (RAM_BASE)
#define HANDLER (RAM_BASE + 0x3000)
#define DATA (RAM_BASE + 0x2000)
#define SHMEM (RAM_BASE + 0x10000)

#define ERR(h) ((int64_t)(h)->x[A0])
#define VAL(h) ((h)->x[A1])

/* ---- DBTR ---- */

#define MC6 (6ull << 60)
#define MC6_EXEC_S (MC6 | RV_MC6_S | RV_MC6_EXECUTE)
#define MC6_STORE_S (MC6 | RV_MC6_S | RV_MC6_STORE)

static void dbtr(struct hart_fix *f, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2)
{
	fix_sbi(f->h, SBI_EXT_DBTR, fid, a0, a1, a2, 0, 0);
}

/* Entry i of the DBTR shared memory. */
static void entry_set(struct hart_fix *f, unsigned i, uint64_t w0, uint64_t tdata1, uint64_t tdata2,
		      uint64_t tdata3)
{
	uint64_t w[4] = {w0, tdata1, tdata2, tdata3};

	REQUIRE_OK(axvm_addrspace_write(f->as, SHMEM + 32ull * i, w, sizeof(w)));
}

static uint64_t entry_word(struct hart_fix *f, unsigned i, unsigned w)
{
	return fix_rd64(f, SHMEM + 32ull * i + 8ull * w);
}

/* Install one trigger as entry 0 of the shared memory; the call must succeed. */
static void dbtr_install_one(struct hart_fix *f, uint64_t tdata1, uint64_t tdata2)
{
	entry_set(f, 0, 0, tdata1, tdata2, 0);
	dbtr(f, 3, 1, 0, 0);
	CHECK_INT(0, ERR(f->h));
}

/* Run from R: a trigger must stop the instruction at `at` with a breakpoint exception. */
static void run_expect_breakpoint(struct hart_fix *f, uint64_t at)
{
	f->h->pc = R;
	REQUIRE_OK(fix_run(f));
	CHECK_U64(TRAP_END, f->h->pc);
	CHECK_U64(RV_EXC_BREAKPOINT, f->h->scause);
	CHECK_U64(at, f->h->sepc);
}

TEST(test_dbtr_num_triggers_counts_the_configurations_it_takes)
{
	FIX(f);
	dbtr(&f, 0, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(RV_DBTR_MAX, VAL(f.h));
	dbtr(&f, 0, MC6_EXEC_S, 0, 0);
	CHECK_U64(RV_DBTR_MAX, VAL(f.h));
	dbtr(&f, 0, 6ull << 60, 0, 0); /* the bare type: how many mcontrol6 triggers */
	CHECK_U64(RV_DBTR_MAX, VAL(f.h));
	dbtr(&f, 0, 2ull << 60 | RV_MC6_EXECUTE, 0, 0); /* legacy mcontrol: none */
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(0, VAL(f.h));
	dbtr(&f, 0, MC6_EXEC_S | 1ull << 11 /* chain */, 0, 0);
	CHECK_U64(0, VAL(f.h));
	fix_fini(&f);
}

TEST(test_dbtr_set_shmem_checks_the_address)
{
	FIX(f);
	dbtr(&f, 3, 1, 0, 0);
	CHECK_INT(SBI_ERR_NO_SHMEM, ERR(f.h)); /* install before any shared memory */
	dbtr(&f, 1, SHMEM, 0, 1);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* flags */
	dbtr(&f, 1, SHMEM + 4, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* alignment */
	dbtr(&f, 1, SHMEM, 1, 0);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h)); /* high word */
	dbtr(&f, 1, MMIO_BASE, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h)); /* a device */
	dbtr(&f, 1, 0x1000, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h)); /* nothing there */
	dbtr(&f, 1, RAM_BASE + RAM_SIZE - 64, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h)); /* 16 entries do not fit */
	dbtr(&f, 1, UINT64_MAX - 7, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h)); /* wraps */
	dbtr(&f, 1, SHMEM, 0, 0);
	CHECK_INT(0, ERR(f.h));
	dbtr(&f, 1, UINT64_MAX, UINT64_MAX, 0);
	CHECK_INT(0, ERR(f.h));
	dbtr(&f, 2, 0, 1, 0);
	CHECK_INT(SBI_ERR_NO_SHMEM, ERR(f.h)); /* disabled again */
	fix_fini(&f);
}

TEST(test_dbtr_execute_trigger_raises_breakpoint_with_the_address)
{
	FIX(f);
	CODE(f, R, ADDI(5, 0, 1), ADDI(6, 0, 2), ADDI(7, 0, 3), WFI);
	dbtr(&f, 1, SHMEM, 0, 0);
	entry_set(&f, 0, 99, MC6_EXEC_S, R + 4, 0);
	dbtr(&f, 3, 1, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(0, VAL(f.h));
	CHECK_U64(0, entry_word(&f, 0, 0)); /* trig_idx 0 written back */
	f.h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(RV_EXC_BREAKPOINT, f.h->scause);
	CHECK_U64(R + 4, f.h->stval);
	CHECK_U64(R + 4, f.h->sepc);
	CHECK_U64(1, f.h->x[5]);
	CHECK_U64(0, f.h->x[6]); /* before the instruction */
	/* read_triggers: mapped with its saved s bit, the config as installed. */
	dbtr(&f, 2, 0, 1, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(1 | 4, entry_word(&f, 0, 0));
	CHECK_U64(MC6_EXEC_S, entry_word(&f, 0, 1));
	CHECK_U64(R + 4, entry_word(&f, 0, 2));
	/* Disabled, it lets the code run; enabled again, it fires again. */
	dbtr(&f, 7, 0, 1, 0);
	CHECK_INT(0, ERR(f.h));
	dbtr(&f, 2, 0, 1, 0);
	CHECK_U64(MC6 | RV_MC6_EXECUTE, entry_word(&f, 0, 1)); /* s cleared */
	CHECK_U64(1 | 4, entry_word(&f, 0, 0));		       /* still saved */
	f.h->pc = R;
	f.h->sie = 0;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(R + 16, f.h->pc);
	CHECK_U64(2, f.h->x[6]);
	dbtr(&f, 6, 0, 1, 0);
	CHECK_INT(0, ERR(f.h));
	f.h->pc = R;
	f.h->x[6] = 0;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(0, f.h->x[6]);
	/* Uninstalled: gone from the module, the hart leaves the checked path. */
	dbtr(&f, 5, 0, 1, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_INT(0, f.h->dbg.trig.nexec);
	CHECK(!f.h->dbg.active);
	fix_fini(&f);
}

TEST(test_dbtr_mode_filter_u_only_does_not_fire_in_s)
{
	FIX(f);
	CODE(f, R, ADDI(5, 0, 1), ADDI(6, 0, 2), WFI);
	dbtr(&f, 1, SHMEM, 0, 0);
	entry_set(&f, 0, 0, MC6 | RV_MC6_U | RV_MC6_EXECUTE, R + 4, 0);
	dbtr(&f, 3, 1, 0, 0);
	CHECK_INT(0, ERR(f.h));
	f.h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(R + 12, f.h->pc);
	CHECK_U64(2, f.h->x[6]);
	fix_fini(&f);
}

TEST(test_dbtr_store_trigger_fires_before_the_store)
{
	FIX(f);
	/* x5 = DATA, x6 = 7; sd x6, 8(x5) */
	CODE(f, R, ADDI(6, 0, 7), SD(6, 5, 8), WFI);
	f.h->x[5] = DATA;
	fix_wr64(&f, DATA + 8, 0x1234);
	dbtr(&f, 1, SHMEM, 0, 0);
	entry_set(&f, 0, 0, MC6_STORE_S, DATA + 8, 0);
	entry_set(&f, 1, 0, MC6 | RV_MC6_S | RV_MC6_LOAD, DATA + 8, 0);
	dbtr(&f, 3, 2, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(0, entry_word(&f, 0, 0));
	CHECK_U64(1, entry_word(&f, 1, 0));
	f.h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(RV_EXC_BREAKPOINT, f.h->scause);
	CHECK_U64(DATA + 8, f.h->stval);
	CHECK_U64(R + 4, f.h->sepc);
	CHECK_U64(0x1234, fix_rd64(&f, DATA + 8)); /* not stored */
	fix_fini(&f);
}

/*
 * mcontrol6's size: a 32-bit store trigger at tdata2 watches the four bytes
 * from it (QEMU's reading), so a byte store to its last byte fires; with
 * size 0 only the byte at tdata2 matches. Sizes past 64 bits are refused.
 */
TEST(test_dbtr_store_trigger_size_widens_the_match)
{
	FIX(f);
	CODE(f, R, ADDI(6, 0, 7), SB(6, 5, 7), WFI);
	f.h->x[5] = DATA;
	dbtr(&f, 1, SHMEM, 0, 0);
	dbtr_install_one(&f, MC6_STORE_S | 3ull << 16, DATA + 4);
	run_expect_breakpoint(&f, R + 4);
	dbtr(&f, 5, 0, 1, 0); /* uninstall; the byte-sized one does not fire */
	CHECK_INT(0, ERR(f.h));
	dbtr_install_one(&f, MC6_STORE_S, DATA + 4);
	f.h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(R + 12, f.h->pc);
	CHECK_U64(7, fix_rd64(&f, DATA) >> 56);
	entry_set(&f, 0, 0, MC6_STORE_S | 6ull << 16, DATA + 4, 0); /* 80 bits */
	dbtr(&f, 3, 1, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	fix_fini(&f);
}

/* A trigger that matches nothing installs (and never fires); update then arms it. */
TEST(test_dbtr_inert_trigger_installs_and_update_arms_it)
{
	FIX(f);
	CODE(f, R, ADDI(6, 0, 7), SD(6, 5, 8), WFI);
	f.h->x[5] = DATA;
	dbtr(&f, 1, SHMEM, 0, 0);
	dbtr_install_one(&f, MC6, DATA + 8);
	f.h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(R + 12, f.h->pc); /* inert: the store went through */
	CHECK_U64(7, fix_rd64(&f, DATA + 8));
	entry_set(&f, 0, 0, MC6_STORE_S, DATA + 8, 0);
	dbtr(&f, 4, 1, 0, 0);
	CHECK_INT(0, ERR(f.h));
	run_expect_breakpoint(&f, R + 4);
	fix_fini(&f);
}

TEST(test_dbtr_guest_and_debugger_triggers_stay_apart)
{
	FIX(f);
	CODE(f, R, ADDI(5, 0, 1), ADDI(6, 0, 2), ADDI(7, 0, 3), WFI);
	/* The debugger's hardware breakpoint first: the guest never sees or removes it. */
	REQUIRE_OK(f.ops->debug_set_point(f.be, AXVM_DEBUG_HW_BREAK, R + 8, 4, true));
	dbtr(&f, 1, SHMEM, 0, 0);
	entry_set(&f, 0, 0, MC6_EXEC_S, R + 4, 0);
	dbtr(&f, 3, 1, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(0, entry_word(&f, 0, 0)); /* its own index space starts at 0 */
	dbtr(&f, 2, 0, 2, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(R + 4, entry_word(&f, 0, 2));
	CHECK_U64(0, entry_word(&f, 1, 0)); /* trig_idx 1: unmapped, not the debugger's */
	CHECK_U64(0, entry_word(&f, 1, 1));
	dbtr(&f, 5, 0, 3, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* 1 is not the guest's */
	dbtr(&f, 5, 0, 1, 0);
	CHECK_INT(0, ERR(f.h));
	/* The debugger's point is still there and still stops for the debugger. */
	f.h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_DEBUG, f.exit.reason);
	CHECK_U64(R + 8, f.h->pc);
	/* And the debugger removing its own leaves the guest's alone. */
	dbtr(&f, 3, 1, 0, 0);
	CHECK_INT(0, ERR(f.h));
	REQUIRE_OK(f.ops->debug_set_point(f.be, AXVM_DEBUG_HW_BREAK, R + 8, 4, false));
	CHECK_INT(-AXVM_ENOENT, f.ops->debug_set_point(f.be, AXVM_DEBUG_HW_BREAK, R + 4, 4, false));
	f.h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_BREAKPOINT, f.h->scause);
	CHECK_U64(R + 4, f.h->sepc);
	fix_fini(&f);
}

TEST(test_dbtr_hostile_arguments_get_the_spec_errors)
{
	FIX(f);
	dbtr(&f, 1, SHMEM, 0, 0);
	entry_set(&f, 0, 0, MC6_EXEC_S, R, 0);
	entry_set(&f, 1, 0, MC6_EXEC_S | 1ull << 59 /* dmode */, R, 0);
	dbtr(&f, 3, 2, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	CHECK_U64(1, VAL(f.h));		   /* the failing entry */
	CHECK_INT(0, f.h->dbg.trig.nexec); /* all or nothing */
	entry_set(&f, 1, 0, MC6_EXEC_S | 1ull << 6 /* m */, R, 0);
	dbtr(&f, 3, 2, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	entry_set(&f, 1, 0, 2ull << 60 | RV_MC6_EXECUTE, R, 0);
	dbtr(&f, 3, 2, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h)); /* mcontrol: not modelled */
	entry_set(&f, 1, 0, MC6_EXEC_S | 1ull << 12 /* action 1: Debug Mode */, R, 0);
	dbtr(&f, 3, 2, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	entry_set(&f, 1, 0, MC6_EXEC_S, R, 5 /* tdata3 */);
	dbtr(&f, 3, 2, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	entry_set(&f, 1, 0, MC6 | 6ull << 16, R, 0); /* an 80-bit access size */
	dbtr(&f, 3, 2, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	entry_set(&f, 1, 0, 0, R, 0); /* type 0 */
	dbtr(&f, 3, 2, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	dbtr(&f, 3, RV_DBTR_MAX + 1, 0, 0);
	CHECK_INT(SBI_ERR_BAD_RANGE, ERR(f.h));
	dbtr(&f, 2, RV_DBTR_MAX, 1, 0);
	CHECK_INT(SBI_ERR_BAD_RANGE, ERR(f.h));
	dbtr(&f, 2, 2, UINT64_MAX, 0);
	CHECK_INT(SBI_ERR_BAD_RANGE, ERR(f.h));
	dbtr(&f, 5, 100, 1, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	dbtr(&f, 6, 15, 3, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* 16 is past trig_max */
	dbtr(&f, 7, 0, 1ull << 63, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	/* update: an index past trig_max, then one not installed. */
	entry_set(&f, 0, 99, MC6_EXEC_S, R, 0);
	dbtr(&f, 4, 1, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	entry_set(&f, 0, 3, MC6_EXEC_S, R, 0);
	dbtr(&f, 4, 1, 0, 0);
	CHECK_INT(SBI_ERR_FAILED, ERR(f.h));
	/* Sixteen fit, the seventeenth finds no trig_idx. */
	for (unsigned i = 0; i < RV_DBTR_MAX; i++)
		entry_set(&f, i, 0, MC6_STORE_S, DATA + i, 0);
	dbtr(&f, 3, RV_DBTR_MAX, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(15, entry_word(&f, 15, 0));
	dbtr(&f, 3, 1, 0, 0);
	CHECK_INT(SBI_ERR_FAILED, ERR(f.h));
	/* update moves trigger 3 to another address; the module keeps its counts right. */
	entry_set(&f, 0, 3, MC6_EXEC_S, R + 0x40, 0);
	dbtr(&f, 4, 1, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_INT(1, f.h->dbg.trig.nexec);
	CHECK_INT(RV_DBTR_MAX - 1, f.h->dbg.trig.nmem);
	dbtr(&f, 2, 3, 1, 0);
	CHECK_U64(R + 0x40, entry_word(&f, 0, 2));
	/* unknown function */
	dbtr(&f, 8, 0, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	fix_fini(&f);
}

/* ---- SSE ---- */

#define LOCAL_SW 0xffff0000ull
#define GLOBAL_SW 0xffff8000ull
#define ATTRS (RAM_BASE + 0x20000)

static void sse(struct rv_hart *h, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	fix_sbi(h, SBI_EXT_SSE, fid, a0, a1, a2, a3, 0);
}

static uint64_t sse_attr_as(struct axvm_addrspace *as, struct rv_hart *h, uint64_t ev, unsigned id)
{
	uint64_t v = 0;

	sse(h, 0, ev, id, 1, ATTRS);
	CHECK_INT(0, ERR(h));
	axvm_addrspace_read(as, ATTRS, &v, 8);
	return v;
}
#define sse_attr(f, h, ev, id) sse_attr_as((f)->as, h, ev, id)

/* Register, enable and unmask the local event with its handler at HANDLER (a wfi). */
static void sse_arm_local(struct hart_fix *f, struct rv_hart *h, uint64_t arg)
{
	const uint32_t wfi = WFI;

	REQUIRE_OK(axvm_addrspace_write(f->as, HANDLER, &wfi, 4));
	sse(h, 2, LOCAL_SW, HANDLER, arg, 0);
	CHECK_INT(0, ERR(h));
	sse(h, 4, LOCAL_SW, 0, 0, 0);
	CHECK_INT(0, ERR(h));
	sse(h, 8, 0, 0, 0, 0);
	CHECK_INT(0, ERR(h));
}

TEST(test_sse_event_ids_and_state_machine)
{
	FIX(f);
	sse(f.h, 2, 0x00000000, HANDLER, 0, 0); /* local RAS */
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	sse(f.h, 2, 0x00012345, HANDLER, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	sse(f.h, 2, LOCAL_SW, HANDLER + 1, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* entry_pc not 2-byte aligned */
	sse(f.h, 3, LOCAL_SW, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_STATE, ERR(f.h)); /* unregister UNUSED */
	sse(f.h, 4, LOCAL_SW, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_STATE, ERR(f.h)); /* enable UNUSED */
	sse(f.h, 2, LOCAL_SW, HANDLER, 7, 0);
	CHECK_INT(0, ERR(f.h));
	sse(f.h, 2, LOCAL_SW, HANDLER, 7, 0);
	CHECK_INT(SBI_ERR_INVALID_STATE, ERR(f.h));
	CHECK_U64(1 | 8, sse_attr(&f, f.h, LOCAL_SW, 0)); /* REGISTERED, injectable */
	CHECK_U64(HANDLER, sse_attr(&f, f.h, LOCAL_SW, 4));
	CHECK_U64(7, sse_attr(&f, f.h, LOCAL_SW, 5));
	sse(f.h, 7, LOCAL_SW, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_STATE, ERR(f.h)); /* inject while only REGISTERED */
	sse(f.h, 4, LOCAL_SW, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	sse(f.h, 3, LOCAL_SW, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_STATE, ERR(f.h)); /* unregister ENABLED */
	sse(f.h, 5, LOCAL_SW, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	sse(f.h, 3, LOCAL_SW, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(8, sse_attr(&f, f.h, LOCAL_SW, 0));
	/* hart_mask / hart_unmask: masked at reset. */
	sse(f.h, 9, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_ALREADY_STOPPED, ERR(f.h));
	sse(f.h, 8, 0, 0, 0, 0);
	CHECK_INT(0, ERR(f.h));
	sse(f.h, 8, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_ALREADY_STARTED, ERR(f.h));
	sse(f.h, 10, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	/* A hart without a machine has no global state to offer. */
	sse(f.h, 2, GLOBAL_SW, HANDLER, 0, 0);
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(f.h));
	fix_fini(&f);
}

TEST(test_sse_attrs_hostile_arguments)
{
	FIX(f);
	sse(f.h, 0, LOCAL_SW, 0, 0, ATTRS);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* count 0 */
	sse(f.h, 0, LOCAL_SW, 9, 2, ATTRS);
	CHECK_INT(SBI_ERR_BAD_RANGE, ERR(f.h));
	sse(f.h, 0, LOCAL_SW, 0xffffffff, 2, ATTRS);
	CHECK_INT(SBI_ERR_BAD_RANGE, ERR(f.h)); /* no 32-bit wrap */
	sse(f.h, 0, LOCAL_SW, 0, 1, ATTRS + 4);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h));
	sse(f.h, 0, LOCAL_SW, 0, 1, MMIO_BASE);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h));
	sse(f.h, 0, LOCAL_SW, 0, 10, RAM_BASE + RAM_SIZE - 8);
	CHECK_INT(SBI_ERR_INVALID_ADDRESS, ERR(f.h));
	sse(f.h, 0, 0x4242, 0, 1, ATTRS);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	/* Reads all ten at once, at offsets 0..72. */
	sse(f.h, 2, LOCAL_SW, HANDLER, 0x77, 0);
	sse(f.h, 0, LOCAL_SW, 0, 10, ATTRS);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(0x77, fix_rd64(&f, ATTRS + 5 * 8));
	CHECK_U64(0, fix_rd64(&f, ATTRS + 3 * 8)); /* PREFERRED_HART: this hart, 0 */
	/* Writes: read-only ones are DENIED; priority only while not enabled. */
	fix_wr64(&f, ATTRS, 5);
	for (unsigned ro = 0; ro <= 5; ro++) {
		if (ro == 0 || ro >= 3) { /* STATUS, local PREFERRED_HART, ENTRY_PC, ENTRY_ARG */
			sse(f.h, 1, LOCAL_SW, ro, 1, ATTRS);
			CHECK_INT(SBI_ERR_DENIED, ERR(f.h));
		}
	}
	CHECK_U64(0x77, sse_attr(&f, f.h, LOCAL_SW, 5)); /* unchanged */
	fix_wr64(&f, ATTRS, 5);				 /* sse_attr read over it */
	sse(f.h, 1, LOCAL_SW, 1, 1, ATTRS);
	CHECK_INT(0, ERR(f.h));
	CHECK_U64(5, sse_attr(&f, f.h, LOCAL_SW, 1));
	fix_wr64(&f, ATTRS, 1ull << 32);
	sse(f.h, 1, LOCAL_SW, 1, 1, ATTRS);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	fix_wr64(&f, ATTRS, 2);
	sse(f.h, 1, LOCAL_SW, 2, 1, ATTRS);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h)); /* config bit 1 */
	sse(f.h, 1, LOCAL_SW, 6, 1, ATTRS);
	CHECK_INT(SBI_ERR_INVALID_STATE, ERR(f.h)); /* interrupted state while not RUNNING */
	sse(f.h, 4, LOCAL_SW, 0, 0, 0);
	fix_wr64(&f, ATTRS, 9);
	sse(f.h, 1, LOCAL_SW, 1, 1, ATTRS);
	CHECK_INT(SBI_ERR_INVALID_STATE, ERR(f.h));
	CHECK_U64(5, sse_attr(&f, f.h, LOCAL_SW, 1));
	/* inject names a hart that does not exist */
	sse(f.h, 7, LOCAL_SW, 3, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(f.h));
	fix_fini(&f);
}

TEST(test_sse_local_inject_enters_the_handler_and_complete_resumes)
{
	FIX(f);
	struct rv_hart *h = f.h;

	CODE(f, R, ECALL, ADDI(5, 5, 1), WFI);
	sse_arm_local(&f, h, 0xabc);
	/* The guest's own ecall injects; the event is taken right after it. */
	h->x[A7] = SBI_EXT_SSE;
	h->x[A6] = 7;
	h->x[A0] = LOCAL_SW;
	h->x[A1] = 0;
	h->x[9] = 0x5151;
	h->sepc = 0x1111;
	h->sstatus = RV_SSTATUS_SIE | RV_SSTATUS_SPIE;
	h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(HANDLER + 4, h->pc);	     /* in the handler (its wfi) */
	CHECK_U64(0, h->x[A6]);		     /* hart id */
	CHECK_U64(0xabc, h->x[A7]);	     /* ENTRY_ARG */
	CHECK_U64(R + 4, h->sepc);	     /* the interrupted pc */
	CHECK_U64(0, h->x[A0]);		     /* inject's own result */
	CHECK_U64(0, h->x[5]);		     /* nothing after the ecall ran yet */
	CHECK(h->sstatus & RV_SSTATUS_SPP);  /* interrupted in S */
	CHECK(h->sstatus & RV_SSTATUS_SPIE); /* with SIE set */
	CHECK(!(h->sstatus & RV_SSTATUS_SIE));
	CHECK_U64(3, sse_attr(&f, h, LOCAL_SW, 0) & 3); /* RUNNING */
	CHECK_U64(0x1111, sse_attr(&f, h, LOCAL_SW, 6));
	CHECK_U64(2, sse_attr(&f, h, LOCAL_SW, 7)); /* SPP 0, SPIE 1 as interrupted */
	CHECK_U64(7, sse_attr(&f, h, LOCAL_SW, 8));
	CHECK_U64(SBI_EXT_SSE, sse_attr(&f, h, LOCAL_SW, 9));
	/*
	 * INTERRUPTED_FLAGS is RW with bits 0-5 defined (SPP, SPIE, SPV, SPVP,
	 * SPELP, SDT): each is kept as written, even those of extensions this
	 * hart lacks; bit 6 up is reserved.
	 */
	for (uint64_t bit = 1; bit <= 0x20; bit <<= 1) {
		fix_wr64(&f, ATTRS, bit);
		sse(h, 1, LOCAL_SW, 7, 1, ATTRS);
		CHECK_INT(0, ERR(h));
		CHECK_U64(bit, sse_attr(&f, h, LOCAL_SW, 7));
	}
	fix_wr64(&f, ATTRS, 0x40);
	sse(h, 1, LOCAL_SW, 7, 1, ATTRS);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(h));
	fix_wr64(&f, ATTRS, 2 | 0x3c); /* SPIE as interrupted, plus bits that restore nothing */
	sse(h, 1, LOCAL_SW, 7, 1, ATTRS);
	CHECK_INT(0, ERR(h));
	/* Unregister while running: refused, nothing breaks. */
	sse(h, 3, LOCAL_SW, 0, 0, 0);
	CHECK_INT(SBI_ERR_INVALID_STATE, ERR(h));
	/* complete: back after the ecall with the interrupted a0/a1/a6/a7, sepc, sstatus. */
	sse(h, 6, 0x4444, 0x5555, 0, 0); /* a0/a1 as the handler left them */
	CHECK_U64(R + 4, h->pc);
	CHECK_U64(7, h->x[A6]);
	CHECK_U64(SBI_EXT_SSE, h->x[A7]);
	CHECK_U64(0x4444, h->x[A0]); /* complete writes no result over the interrupted code's */
	CHECK_U64(0x5555, h->x[A1]);
	CHECK_U64(0x1111, h->sepc);
	CHECK_U64(0x5151, h->x[9]);
	CHECK_U64(RV_SSTATUS_SIE | RV_SSTATUS_SPIE, h->sstatus);
	CHECK_U64(2, sse_attr(&f, h, LOCAL_SW, 0) & 3); /* ENABLED */
	/* Complete with nothing running: SUCCESS, nothing moves. */
	h->pc = R + 4;
	sse(h, 6, 0, 0, 0, 0);
	CHECK_INT(0, ERR(h));
	CHECK_U64(R + 4, h->pc);
	fix_fini(&f);
}

/*
 * The PMU-overflow event (Sscofpmf): while it is enabled, an hpmcounter's
 * wrap enters its handler right after the wrapping instruction instead of
 * raising LCOFI; disabled, the wrap raises LCOFI again. Without Sscofpmf
 * nothing overflows: NOT_SUPPORTED.
 */
#define PMU_OVF 0x00010000ull
TEST(test_sse_pmu_overflow_event_takes_the_wrap_instead_of_lcofi)
{
	FIX(f);
	struct rv_hart *h = f.h;
	const uint32_t wfi = WFI;
	uint64_t v;

	REQUIRE_OK(axvm_addrspace_write(f.as, HANDLER, &wfi, 4));
	CODE(f, R, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, NOP, WFI);
	sse(h, 2, PMU_OVF, HANDLER, 0x77, 0);
	CHECK_INT(0, ERR(h));
	sse(h, 4, PMU_OVF, 0, 0, 0);
	CHECK_INT(0, ERR(h));
	sse(h, 8, 0, 0, 0, 0); /* unmask */
	CHECK_INT(0, ERR(h));
	/* hpmcounter3 counts instructions from 5 below the wrap. */
	fix_sbi(h, SBI_EXT_PMU, 2, 0, 0x7ffff, 0, 2 /* INSTRUCTIONS */, 0);
	CHECK_U64(3, VAL(h));
	fix_sbi(h, SBI_EXT_PMU, 3, 3, 1, 1 /* SET_INIT_VALUE */, (uint64_t)-5, 0);
	CHECK_INT(0, ERR(h));
	REQUIRE_OK(rv_csr_write(h, 0x104, RV_MIP_LCOFIP));
	h->sstatus |= RV_SSTATUS_SIE;
	h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(HANDLER + 4, h->pc); /* in the handler (its wfi) */
	CHECK_U64(0x77, h->x[A7]);     /* ENTRY_ARG */
	CHECK_U64(R + 5 * 4, h->sepc); /* exactly after the fifth nop: the wrap */
	REQUIRE_OK(rv_csr_read(h, 0xda0, &v));
	CHECK_U64(1u << 3, v); /* the handler finds the counter in scountovf */
	REQUIRE_OK(rv_csr_read(h, 0x144, &v));
	CHECK_U64(0, v & RV_MIP_LCOFIP);	       /* and no interrupt */
	CHECK_U64(3, sse_attr(&f, h, PMU_OVF, 0) & 3); /* RUNNING */
	sse(h, 6, 0, 0, 0, 0);			       /* complete */
	CHECK_U64(R + 5 * 4, h->pc);

	/* Disabled: the next wrap (OF cleared by a restart) raises LCOFI. */
	sse(h, 5, PMU_OVF, 0, 0, 0);
	CHECK_INT(0, ERR(h));
	fix_sbi(h, SBI_EXT_PMU, 4, 3, 1, 0, 0, 0); /* stop */
	CHECK_INT(0, ERR(h));
	fix_sbi(h, SBI_EXT_PMU, 3, 3, 1, 1 /* SET_INIT_VALUE */, (uint64_t)-2, 0);
	CHECK_INT(0, ERR(h));
	h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_CAUSE_INTERRUPT | 13, h->scause);
	CHECK_U64(R + 2 * 4, h->sepc);
	fix_fini(&f);
}

TEST(test_sse_pmu_overflow_event_needs_sscofpmf)
{
	static const struct axvm_riscv64_config cfg = {
	    .run_budget = 100000, .ext_off = 1ull << AXVM_RISCV64_EXT_SSCOFPMF};
	struct hart_fix g;

	REQUIRE_OK(fix_init_cfg(&g, &cfg, axvm_hal_linux()));
	sse(g.h, 2, PMU_OVF, HANDLER, 0, 0); /* no overflow to report */
	CHECK_INT(SBI_ERR_NOT_SUPPORTED, ERR(g.h));
	fix_fini(&g);
}

/*
 * An event taken from U-mode enters S, and complete returns to U, as a trap
 * and an sret do for the PMU's per-mode counters (perf's :u and :k): the
 * handler's instructions count in S, the interrupted code's in U.
 */
TEST(test_sse_entry_and_complete_keep_the_pmu_mode_split)
{
	FIX(f);
	struct rv_hart *h = f.h;
	uint64_t u, k, uidx, kidx;

	fix_sbi(h, SBI_EXT_PMU, 2, 0, 0x7ffff, 2 | 4 | 1u << 6 /* CLEAR, AUTO_START, SINH */,
		2 /* instructions */, 0);
	CHECK_INT(0, ERR(h));
	uidx = VAL(h);
	fix_sbi(h, SBI_EXT_PMU, 2, 0, 0x7ffff, 2 | 4 | 1u << 5 /* CLEAR, AUTO_START, UINH */,
		2 /* instructions */, 0);
	CHECK_INT(0, ERR(h));
	kidx = VAL(h);
	sse_arm_local(&f, h, 0);
	sse(h, 7, LOCAL_SW, 0, 0, 0); /* injected: taken at the next instruction boundary */
	CHECK_INT(0, ERR(h));
	/* The hart is in U-mode at R, as after an sret (the PMU told, as sret does). */
	CODE(f, R, NOP, NOP, ECALL);
	h->priv = RV_PRIV_U;
	rv_sbi_pmu_mode_change(h, RV_PRIV_S);
	h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(HANDLER + 4, h->pc); /* halted in the handler's wfi, before any U instruction */
	REQUIRE_OK(rv_csr_read(h, 0xc00 + (unsigned)uidx, &u));
	REQUIRE_OK(rv_csr_read(h, 0xc00 + (unsigned)kidx, &k));
	CHECK_U64(0, u);
	/* complete (an ecall in the handler: the interpreter counts it after the call) */
	sse(h, 6, 0, 0, 0, 0);
	h->instret++;
	CHECK_U64(R, h->pc);
	CHECK_INT(RV_PRIV_U, h->priv);
	REQUIRE_OK(fix_run(&f)); /* nop, nop, then the ecall traps to S */
	CHECK_U64(RV_EXC_ECALL_U, h->scause);
	REQUIRE_OK(rv_csr_read(h, 0xc00 + (unsigned)uidx, &u));
	CHECK_U64(2, u);
	REQUIRE_OK(rv_csr_read(h, 0xc00 + (unsigned)kidx, &k));
	CHECK(k >= 1); /* the complete ecall, and the trap vector's code */
	fix_fini(&f);
}

TEST(test_sse_masked_or_running_events_wait_then_go)
{
	FIX(f);
	struct rv_hart *h = f.h;

	CODE(f, R, ADDI(5, 5, 1), ADDI(5, 5, 1), WFI);
	sse_arm_local(&f, h, 1);
	sse(h, 9, 0, 0, 0, 0); /* masked */
	sse(h, 7, LOCAL_SW, 0, 0, 0);
	CHECK_INT(0, ERR(h));
	CHECK_U64(2 | 4 | 8, sse_attr(&f, h, LOCAL_SW, 0)); /* ENABLED, pending */
	h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(R + 12, h->pc); /* ran to its wfi: not delivered */
	sse(h, 8, 0, 0, 0, 0);	  /* unmask */
	h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(HANDLER + 4, h->pc);
	CHECK_U64(R, h->sepc);
	/* Signalled again while running: taken once complete returns. */
	sse(h, 7, LOCAL_SW, 0, 0, 0);
	CHECK_INT(0, ERR(h));
	h->pc = HANDLER;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(HANDLER + 4, h->pc); /* the running one is not preempted by itself */
	h->x[A6] = h->x[A7] = 0;
	sse(h, 6, 0, 0, 0, 0);
	CHECK_U64(R, h->pc);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(HANDLER + 4, h->pc);
	CHECK_U64(R, h->sepc); /* entered again before the first instruction */
	sse(h, 6, 0, 0, 0, 0);
	/* One-shot: completes into REGISTERED. */
	sse(h, 5, LOCAL_SW, 0, 0, 0);
	fix_wr64(&f, ATTRS, 1);
	sse(h, 1, LOCAL_SW, 2, 1, ATTRS);
	CHECK_INT(0, ERR(h));
	sse(h, 4, LOCAL_SW, 0, 0, 0);
	sse(h, 7, LOCAL_SW, 0, 0, 0);
	h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(HANDLER + 4, h->pc);
	sse(h, 6, 0, 0, 0, 0);
	CHECK_U64(1 | 8, sse_attr(&f, h, LOCAL_SW, 0));
	fix_fini(&f);
}

static void wr64(struct axvm_addrspace *as, uint64_t gpa, uint64_t v)
{
	axvm_addrspace_write(as, gpa, &v, 8);
}

static int mfx_init(struct mfx *f, enum axvm_riscv64_jit jit)
{
	return mfx_init_cfg(f, (struct axvm_riscv64_config){.run_budget = 20000, .jit = jit});
}

/*
 * Another hart injects into a hart spinning in a hot loop (translated when
 * the translator is on): the event is taken at a boundary inside the loop,
 * and complete puts the loop back exactly where it was.
 */
static void sse_cross_hart_into_hot_loop(enum axvm_riscv64_jit jit)
{
	struct mfx f;
	struct rv_hart *h;
	const uint32_t loop[] = {ADDI(5, 5, 1), ADDI(6, 6, 2), JAL(0, -8)};
	const uint32_t wfi = WFI;
	uint64_t x5, x6, sepc;

	if (mfx_init(&f, jit)) {
		test_fail_at(__FILE__, __LINE__, "machine fixture");
		mfx_fini(&f);
		return;
	}
	h = f.h[0];
	REQUIRE_OK(axvm_addrspace_write(f.as, R, loop, sizeof(loop)));
	REQUIRE_OK(axvm_addrspace_write(f.as, HANDLER, &wfi, 4));
	sse(h, 2, LOCAL_SW, HANDLER, 0x5e, 0);
	sse(h, 4, LOCAL_SW, 0, 0, 0);
	sse(h, 8, 0, 0, 0, 0);
	h->pc = R;
	h->x[A6] = 0x66;
	h->x[A7] = 0x77;
	REQUIRE_OK(rv_hart_run(h, &f.exit)); /* the loop gets hot */
	CHECK_INT(AXVM_EXIT_NOTHING, f.exit.reason);
	if (jit == AXVM_RISCV64_JIT_ON && h->jit)
		CHECK(rv_jit_stats(h->jit)->runs > 0);
	sse(f.h[1], 7, LOCAL_SW, 0, 0, 0); /* hart 1 injects into hart 0 */
	CHECK_INT(0, ERR(f.h[1]));
	REQUIRE_OK(rv_hart_run(h, &f.exit));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(HANDLER + 4, h->pc);
	CHECK_U64(0, h->x[A6]);
	CHECK_U64(0x5e, h->x[A7]);
	sepc = h->sepc;
	CHECK(sepc >= R && sepc <= R + 8);
	x5 = h->x[5];
	x6 = h->x[6];
	CHECK(x5 > 1000);
	/* The loop's registers agree with the boundary it was interrupted at. */
	CHECK_U64(2 * x5 - (sepc == R + 4 ? 2 : 0), x6);
	sse(h, 6, 0, 0, 0, 0);
	CHECK_U64(sepc, h->pc);
	CHECK_U64(0x66, h->x[A6]);
	CHECK_U64(0x77, h->x[A7]);
	REQUIRE_OK(rv_hart_run(h, &f.exit));
	CHECK_INT(AXVM_EXIT_NOTHING, f.exit.reason);
	CHECK(h->x[5] > x5);
	CHECK_U64(2, sse_attr(&f, h, LOCAL_SW, 0) & 3);
	mfx_fini(&f);
}

TEST(test_sse_cross_hart_inject_into_a_hot_loop_interpreted)
{
	sse_cross_hart_into_hot_loop(AXVM_RISCV64_JIT_OFF);
}

TEST(test_sse_cross_hart_inject_into_a_hot_loop_translated)
{
	if (!rv_jit_supported()) {
		TEST_SKIP("no translator on this host");
		return;
	}
	sse_cross_hart_into_hot_loop(AXVM_RISCV64_JIT_ON);
}

#define HANDLER2 (RAM_BASE + 0x3100)

/*
 * The global event (registered from hart 1, handled on its preferred hart
 * 0) with priority 1 preempts hart 0's running local event of priority 5
 * and, completed, resumes it; the other way round it waits.
 */
TEST(test_sse_global_event_preempts_a_lower_priority_local_one)
{
	struct mfx f;
	struct rv_hart *h, *o;
	const uint32_t wait[] = {WFI, JAL(0, -4)}; /* each handler waits in place */

	REQUIRE_OK(mfx_init(&f, AXVM_RISCV64_JIT_DEFAULT));
	h = f.h[0];
	o = f.h[1];
	REQUIRE_OK(axvm_addrspace_write(f.as, HANDLER, wait, sizeof(wait)));
	REQUIRE_OK(axvm_addrspace_write(f.as, HANDLER2, wait, sizeof(wait)));
	REQUIRE_OK(axvm_addrspace_write(f.as, R, wait, sizeof(wait)));
	wr64(f.as, ATTRS, 5);
	sse(h, 1, LOCAL_SW, 1, 1, ATTRS); /* priority 5 */
	CHECK_INT(0, ERR(h));
	sse(h, 2, LOCAL_SW, HANDLER, 0x10, 0);
	sse(h, 4, LOCAL_SW, 0, 0, 0);
	sse(h, 8, 0, 0, 0, 0);
	wr64(f.as, ATTRS, 1);
	sse(o, 1, GLOBAL_SW, 1, 1, ATTRS); /* priority 1 */
	CHECK_INT(0, ERR(o));
	wr64(f.as, ATTRS, 7);
	sse(o, 1, GLOBAL_SW, 3, 1, ATTRS);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(o)); /* no hart 7 */
	sse(o, 2, GLOBAL_SW, HANDLER2, 0x20, 0);
	CHECK_INT(0, ERR(o));
	sse(o, 4, GLOBAL_SW, 0, 0, 0);
	CHECK_INT(0, ERR(o));
	sse(h, 2, GLOBAL_SW, HANDLER2, 0x20, 0);
	CHECK_INT(SBI_ERR_INVALID_STATE, ERR(h)); /* one state for every hart */
	CHECK_U64(2 | 8, sse_attr_as(f.as, h, GLOBAL_SW, 0));
	/* Local first. */
	sse(h, 7, LOCAL_SW, 0, 0, 0);
	h->pc = R;
	REQUIRE_OK(rv_hart_run(h, &f.exit));
	CHECK_U64(HANDLER + 4, h->pc);
	/* The global one, injected from hart 1, preempts it on hart 0. */
	sse(o, 7, GLOBAL_SW, 1 /* ignored */, 0, 0);
	CHECK_INT(0, ERR(o));
	REQUIRE_OK(rv_hart_run(h, &f.exit));
	CHECK_U64(HANDLER2 + 4, h->pc);
	CHECK_U64(0x20, h->x[A7]);
	CHECK_U64(HANDLER + 4, h->sepc);
	CHECK_U64(3, sse_attr_as(f.as, o, GLOBAL_SW, 0) & 3);
	/* Only the hart running it may rewrite its interrupted state. */
	wr64(f.as, ATTRS, 0x99);
	sse(o, 1, GLOBAL_SW, 8, 1, ATTRS);
	CHECK_INT(SBI_ERR_INVALID_PARAM, ERR(o));
	/* complete: the global one ends, the local handler resumes with its a6/a7. */
	sse(h, 6, 0, 0, 0, 0);
	CHECK_U64(HANDLER + 4, h->pc);
	CHECK_U64(0, h->x[A6]);
	CHECK_U64(0x10, h->x[A7]);
	CHECK_U64(R, h->sepc); /* taken before the first instruction */
	CHECK_U64(3, sse_attr_as(f.as, h, LOCAL_SW, 0) & 3);
	sse(h, 6, 0, 0, 0, 0);
	CHECK_U64(R, h->pc);
	/* Global running, the lower-priority local one waits for it. */
	sse(o, 7, GLOBAL_SW, 0, 0, 0);
	h->pc = R;
	REQUIRE_OK(rv_hart_run(h, &f.exit));
	CHECK_U64(HANDLER2 + 4, h->pc);
	sse(h, 7, LOCAL_SW, 0, 0, 0);
	REQUIRE_OK(rv_hart_run(h, &f.exit));
	CHECK_U64(HANDLER2 + 4, h->pc); /* wfi again, still in the global handler */
	sse(h, 6, 0, 0, 0, 0);
	CHECK_U64(R, h->pc);
	REQUIRE_OK(rv_hart_run(h, &f.exit));
	CHECK_U64(HANDLER + 4, h->pc); /* now the local one */
	CHECK_U64(R, h->sepc);
	mfx_fini(&f);
}

TEST(test_sse_and_dbtr_reset_when_the_hart_stops)
{
	FIX(f);
	sse_arm_local(&f, f.h, 0);
	dbtr(&f, 1, SHMEM, 0, 0);
	entry_set(&f, 0, 0, MC6_EXEC_S, R, 0);
	dbtr(&f, 3, 1, 0, 0);
	CHECK_INT(1, f.h->dbg.trig.nexec);
	rv_sbi_hart_stop(f.h);
	CHECK_INT(0, f.h->dbg.trig.nexec);
	CHECK_U64(8, sse_attr(&f, f.h, LOCAL_SW, 0)); /* UNUSED */
	sse(f.h, 9, 0, 0, 0, 0);
	CHECK_INT(SBI_ERR_ALREADY_STOPPED, ERR(f.h)); /* masked again */
	dbtr(&f, 2, 0, 1, 0);
	CHECK_INT(SBI_ERR_NO_SHMEM, ERR(f.h));
	fix_fini(&f);
}

/*
 * Real threads: hart 0 runs on its own thread (first halted in a wfi and
 * waiting as the runtime waits, then spinning in a loop) while the main
 * thread injects through hart 1's SBI. The signal word and the wake are
 * the only things crossing threads; each inject must reach the handler.
 */
struct sse_runner {
	struct mfx *f;
	int halts_in_handler;
};

static void *sse_runner_thread(void *arg)
{
	struct sse_runner *r = arg;
	struct rv_hart *h = r->f->h[0];
	struct axvm_exit e;

	const struct axvm_hal *hal = axvm_hal_linux();

	for (int round = 0; round < 2; round++) {
		uint64_t start = hal->now_ns(hal->ctx);

		while (hal->now_ns(hal->ctx) - start < 5000000000ull) {
			if (rv_hart_run(h, &e))
				return NULL;
			if (e.reason != AXVM_EXIT_HALT)
				continue;
			if (h->pc == HANDLER + 4)
				break;
			rv_hart_wait_for_interrupt(
			    h, 5000000000ull); /* halted: wait as the runtime does */
		}
		if (h->pc != HANDLER + 4)
			return NULL;
		__atomic_add_fetch(&r->halts_in_handler, 1, __ATOMIC_RELEASE);
		/* Round 2 spins in a loop instead of a wfi. */
		sse(h, 6, 0, 0, 0, 0);
		h->pc = R + 8;
	}
	return NULL;
}

TEST(test_sse_inject_from_another_thread_wakes_and_reaches_the_hart)
{
	struct mfx f;
	struct sse_runner r = {.f = &f};
	const uint32_t code[] = {WFI, JAL(0, -4), ADDI(5, 5, 1), JAL(0, -4)};
	const uint32_t wfi = WFI;
	pthread_t t;

	REQUIRE_OK(mfx_init(&f, AXVM_RISCV64_JIT_DEFAULT));
	REQUIRE_OK(axvm_addrspace_write(f.as, R, code, sizeof(code)));
	REQUIRE_OK(axvm_addrspace_write(f.as, HANDLER, &wfi, 4));
	sse(f.h[0], 2, LOCAL_SW, HANDLER, 0, 0);
	sse(f.h[0], 4, LOCAL_SW, 0, 0, 0);
	sse(f.h[0], 8, 0, 0, 0, 0);
	f.h[0]->pc = R;
	REQUIRE_OK(pthread_create(&t, NULL, sse_runner_thread, &r));
	for (int round = 0; round < 2; round++) {
		struct timespec ts = {0, 20000000};
		int waited = 0;

		nanosleep(&ts, NULL); /* let hart 0 reach its wfi, then its loop */
		sse(f.h[1], 7, LOCAL_SW, 0, 0, 0);
		CHECK_INT(0, ERR(f.h[1]));
		/* The runner gives up after 5 s per round; so does this. */
		while (__atomic_load_n(&r.halts_in_handler, __ATOMIC_ACQUIRE) == round &&
		       waited++ < 300)
			nanosleep(&ts, NULL);
	}
	pthread_join(t, NULL);
	CHECK_INT(2, r.halts_in_handler);
	CHECK(f.h[0]->x[5] > 0); /* round 2 interrupted the loop */
	mfx_fini(&f);
}
