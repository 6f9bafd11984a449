/* SPDX-License-Identifier: MIT */
/*
 * The hart's debugger support through the vCPU ops (src/arch/riscv64/debug.c
 * and trigger.c): breakpoints also on decoded code, watchpoints that stop
 * before the access, exact single steps (also into a trap), the guest's own
 * ebreak left to the guest, registers by GDB number, and memory by virtual
 * address without side effects.
 */
#include "arch/riscv64/trigger.h"
#include "test_hart_util.h"

#define R (RAM_BASE)
#define DATA (RAM_BASE + 0x2000)

static int set_point(struct hart_fix *f, enum axvm_debug_point t, uint64_t addr, uint64_t len,
		     bool insert)
{
	return f->ops->debug_set_point(f->be, t, addr, len, insert);
}

TEST(hart_debug_breakpoint_on_already_decoded_code)
{
	FIX(f);
	CODE(f, R, ADDI(5, 5, 1), ADDI(6, 0, 7), WFI);
	REQUIRE_OK(fix_run(&f)); /* decodes and runs the page once */
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(7, f.h->x[6]);
	f.h->x[6] = 0;
	f.h->pc = R;
	REQUIRE_OK(set_point(&f, AXVM_DEBUG_SW_BREAK, R + 4, 4, true));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_DEBUG, f.exit.reason);
	CHECK_INT(AXVM_DEBUG_STOP_SW_BREAK, f.exit.debug.kind);
	CHECK_U64(R + 4, f.exit.debug.addr);
	CHECK_U64(R + 4, f.h->pc); /* stopped before it */
	CHECK_U64(2, f.h->x[5]);
	CHECK_U64(0, f.h->x[6]);
	/* Guest memory was never changed: the instruction is still there. */
	CHECK_U64(ADDI(6, 0, 7), (uint32_t)fix_rd64(&f, R + 4));
	CHECK_INT(-AXVM_ENOENT, set_point(&f, AXVM_DEBUG_HW_BREAK, R + 4, 4, false));
	REQUIRE_OK(set_point(&f, AXVM_DEBUG_SW_BREAK, R + 4, 4, false));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(7, f.h->x[6]);
	fix_fini(&f);
}

TEST(hart_debug_step_is_one_instruction_also_into_a_trap)
{
	FIX(f);
	CODE(f, R, ADDI(5, 0, 1), ADDI(5, 5, 1), 0 /* illegal */, WFI);
	REQUIRE_OK(f.ops->debug_set_step(f.be, true));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_DEBUG, f.exit.reason);
	CHECK_INT(AXVM_DEBUG_STOP_STEP, f.exit.debug.kind);
	CHECK_U64(R + 4, f.h->pc);
	CHECK_U64(1, f.h->x[5]);
	REQUIRE_OK(f.ops->debug_set_step(f.be, true));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(R + 8, f.h->pc);
	CHECK_U64(2, f.h->x[5]);
	/* The illegal instruction: one step lands on the trap vector, nothing run there. */
	REQUIRE_OK(f.ops->debug_set_step(f.be, true));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_DEBUG, f.exit.reason);
	CHECK_U64(TRAP_VEC, f.h->pc);
	CHECK_U64(2, f.h->scause);
	CHECK_U64(R + 8, f.h->sepc);
	REQUIRE_OK(f.ops->debug_set_step(f.be, false));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(TRAP_END, f.h->pc);
	fix_fini(&f);
}

TEST(hart_debug_watchpoints_stop_before_the_access)
{
	FIX(f);
	/* x10 = DATA (set below); sd x5, 8(x10); ld x6, 8(x10) */
	CODE(f, R, NOP, ADDI(5, 0, 0x55), SD(5, 10, 8), LD(6, 10, 8), WFI);
	f.h->x[10] = DATA;
	REQUIRE_OK(set_point(&f, AXVM_DEBUG_WATCH_WRITE, DATA + 12, 2, true));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_DEBUG, f.exit.reason);
	CHECK_INT(AXVM_DEBUG_STOP_WATCH_WRITE, f.exit.debug.kind);
	CHECK_U64(DATA + 12, f.exit.debug.addr); /* the watched address */
	CHECK_U64(R + 8, f.h->pc);
	CHECK_U64(0, fix_rd64(&f, DATA + 8)); /* not written yet */
	/* A step runs the store even though the trigger matches (gdb steps over its stops). */
	REQUIRE_OK(f.ops->debug_set_step(f.be, true));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x55, fix_rd64(&f, DATA + 8));
	CHECK_U64(R + 12, f.h->pc);
	REQUIRE_OK(f.ops->debug_set_step(f.be, false));
	/* A write watchpoint ignores the load; a read one stops it. */
	REQUIRE_OK(set_point(&f, AXVM_DEBUG_WATCH_READ, DATA + 8, 8, true));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_DEBUG, f.exit.reason);
	CHECK_INT(AXVM_DEBUG_STOP_WATCH_READ, f.exit.debug.kind);
	CHECK_U64(R + 12, f.h->pc);
	CHECK_U64(0, f.h->x[6]);
	REQUIRE_OK(set_point(&f, AXVM_DEBUG_WATCH_READ, DATA + 8, 8, false));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x55, f.h->x[6]);
	fix_fini(&f);
}

TEST(hart_debug_guest_ebreak_still_goes_to_the_guest)
{
	FIX(f);
	CODE(f, R, NOP, EBREAK, WFI);
	REQUIRE_OK(set_point(&f, AXVM_DEBUG_HW_BREAK, R + 0x100, 2, true)); /* elsewhere */
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(TRAP_END, f.h->pc);
	CHECK_U64(3, f.h->scause); /* breakpoint, delivered to the guest */
	CHECK_U64(R + 4, f.h->sepc);
	fix_fini(&f);
}

TEST(hart_debug_registers_by_gdb_number)
{
	uint64_t v;

	FIX(f);
	REQUIRE_OK(f.ops->debug_set_reg(f.be, 5, 0x1234));
	CHECK_U64(0x1234, f.h->x[5]);
	REQUIRE_OK(f.ops->debug_set_reg(f.be, 0, 99)); /* x0 stays 0 */
	REQUIRE_OK(f.ops->debug_get_reg(f.be, 0, &v));
	CHECK_U64(0, v);
	REQUIRE_OK(f.ops->debug_set_reg(f.be, 32, R + 0x40));
	CHECK_U64(R + 0x40, f.h->pc);
	REQUIRE_OK(f.ops->debug_set_reg(f.be, 33 + 3, 0x4008000000000000ull));
	CHECK_U64(0x4008000000000000ull, f.h->fpu.f[3]);
	REQUIRE_OK(f.ops->debug_set_reg(f.be, 68, 0x85)); /* fcsr */
	REQUIRE_OK(f.ops->debug_get_reg(f.be, 67, &v));	  /* frm */
	CHECK_U64(4, v);
	REQUIRE_OK(f.ops->debug_get_reg(f.be, 66, &v)); /* fflags */
	CHECK_U64(5, v);
	f.h->sepc = 0xabc;
	REQUIRE_OK(f.ops->debug_get_reg(f.be, 65 + 0x141, &v)); /* sepc */
	CHECK_U64(0xabc, v);
	REQUIRE_OK(f.ops->debug_set_reg(f.be, 65 + 0x140, 0x77)); /* sscratch */
	CHECK_U64(0x77, f.h->sscratch);
	REQUIRE_OK(f.ops->debug_get_reg(f.be, 4161, &v)); /* priv */
	CHECK_U64(1, v);
	CHECK_INT(-AXVM_ENOENT, f.ops->debug_get_reg(f.be, 5000, &v));
	CHECK_INT(-AXVM_ENOENT, f.ops->debug_get_reg(f.be, 65 + 0x7c0, &v));
	CHECK(strstr(f.ops->debug_target_xml(f.be), "name=\"sstatus\" bitsize=\"64\"") != NULL);
	fix_fini(&f);
}

TEST(hart_debug_memory_by_virtual_address_without_side_effects)
{
	const uint64_t root = R + 0x10000;
	uint64_t pte = (R >> 12) << 10 | 0xf; /* V R W X, A and D clear: a gigapage at VA 0 */
	uint32_t word = 0;
	uint64_t v;

	FIX(f);
	CODE(f, R, ADDI(6, 0, 7), WFI);
	REQUIRE_OK(fix_run(&f)); /* decoded */
	fix_wr64(&f, root, pte);
	f.h->satp = 8ull << 60 | root >> 12;
	REQUIRE_OK(f.ops->debug_read_mem(f.be, 0x0, &word, 4));
	CHECK_U64(ADDI(6, 0, 7), word);
	CHECK_U64(pte, fix_rd64(&f, root));					 /* no A bit set */
	CHECK_INT(-AXVM_EFAULT, f.ops->debug_read_mem(f.be, 0x40000000, &v, 8)); /* unmapped */
	CHECK_INT(-AXVM_EFAULT, f.ops->debug_read_mem(f.be, 1ull << 40, &v, 8)); /* not canonical */
	CHECK_U64(0, f.h->scause); /* no guest fault */
	/* A write through the debugger replaces decoded code. */
	word = ADDI(6, 0, 9);
	REQUIRE_OK(f.ops->debug_write_mem(f.be, 0x0, &word, 4));
	f.h->satp = 0;
	f.h->pc = R;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(9, f.h->x[6]);
	fix_fini(&f);
}

TEST(hart_trigger_table_shared_shape)
{
	struct rv_triggers tm = {0};
	uint64_t exec = RV_MC6_TYPE | RV_MC6_S | RV_MC6_EXECUTE;
	unsigned idx;

	CHECK_INT(-AXVM_EINVAL, rv_trigger_install(&tm, RV_TRIGGER_OWNER_GUEST, 0, 0, 1, &idx));
	/* Type 6 with nothing to match: installed, counted nowhere, never matches. */
	REQUIRE_OK(rv_trigger_install(&tm, RV_TRIGGER_OWNER_GUEST, RV_MC6_TYPE | RV_MC6_S, 0x1000,
				      1, &idx));
	CHECK_INT(0, (int)(tm.nexec + tm.nmem));
	CHECK(rv_trigger_match_exec(&tm, 0x1000, 1) == NULL);
	CHECK(rv_trigger_match_mem(&tm, 0x1000, 8, true, true, 1) == NULL);
	rv_trigger_uninstall(&tm, idx);
	CHECK_INT(-AXVM_EINVAL, rv_trigger_install(&tm, RV_TRIGGER_OWNER_GUEST, exec, 0, 0, &idx));
	REQUIRE_OK(rv_trigger_install(&tm, RV_TRIGGER_OWNER_GUEST, exec, 0x1000, 1, &idx));
	CHECK(rv_trigger_match_exec(&tm, 0x1000, 1) != NULL);
	CHECK(rv_trigger_match_exec(&tm, 0x1000, 0) == NULL); /* S only */
	CHECK(rv_trigger_match_exec(&tm, 0x1002, 1) == NULL);
	CHECK(rv_trigger_match_mem(&tm, 0x1000, 8, true, true, 1) == NULL);
	rv_trigger_clear(&tm, RV_TRIGGER_OWNER_GDB_HW); /* not the guest's */
	CHECK_INT(1, (int)tm.nexec);
	rv_trigger_uninstall(&tm, idx);
	CHECK_INT(0, (int)tm.nexec);
	for (unsigned i = 0; i < RV_TRIGGER_MAX; i++)
		REQUIRE_OK(rv_trigger_install(&tm, RV_TRIGGER_OWNER_GDB_HW, exec, i, 1, NULL));
	CHECK_INT(-AXVM_ELIMIT, rv_trigger_install(&tm, RV_TRIGGER_OWNER_GDB_HW, exec, 0, 1, NULL));
}

/*
 * auipc + store with a negative offset (the gdb guest's bump(); a pair the
 * decoder fuses): the store is still checked, at the right address.
 */
TEST(hart_debug_watchpoint_on_a_fused_auipc_store)
{
	FIX(f);
	/* auipc a4, 0x2; sd a5, -1442(a4) (the gdb guest's bump()) */
	CODE(f, R, NOP, 0x00002717u, 0xa4f73f23u, WFI);
	REQUIRE_OK(fix_run(&f)); /* decoded (and fused) once */
	f.h->pc = R;
	REQUIRE_OK(set_point(&f, AXVM_DEBUG_WATCH_WRITE, R + 4 + 0x2000 - 1442, 8, true));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_DEBUG, f.exit.reason);
	CHECK_U64(R + 8, f.h->pc);
	fix_fini(&f);
}

/* Counts the VM's MMIO fast-path calls (axvm_vcpu_setup_info.mmio_access). */
static int fast_count(void *opaque, uint64_t addr, unsigned width, uint64_t *value, bool write)
{
	(*(unsigned *)opaque)++;
	*value = 0;
	return 0;
}

/*
 * A watchpoint on a device register stops before the access even though
 * the VM's MMIO fast path would complete it without an exit.
 */
TEST(hart_debug_watchpoint_on_an_mmio_register_with_the_fast_path)
{
	unsigned calls = 0;

	FIX(f);
	/* sb x0, 0(x10) (exits: the MMIO TLB learns the page); sb x5, 4(x10); sb x5, 5(x10) */
	CODE(f, R, SB(0, 10, 0), SB(5, 10, 4), SB(5, 10, 5), WFI);
	f.h->x[10] = MMIO_BASE;
	f.h->mmio_access = fast_count;
	f.h->mmio_opaque = &calls;
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_MMIO_WRITE, f.exit.reason);
	REQUIRE_OK(set_point(&f, AXVM_DEBUG_WATCH_WRITE, MMIO_BASE + 4, 1, true));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_DEBUG, f.exit.reason);
	CHECK_INT(AXVM_DEBUG_STOP_WATCH_WRITE, f.exit.debug.kind);
	CHECK_U64(R + 4, f.h->pc);
	CHECK_INT(0, (int)calls);
	/* Removed: the rest runs, its accesses through the fast path. */
	REQUIRE_OK(set_point(&f, AXVM_DEBUG_WATCH_WRITE, MMIO_BASE + 4, 1, false));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_INT(2, (int)calls);
	fix_fini(&f);
}
