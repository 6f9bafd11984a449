/* SPDX-License-Identifier: MIT */
/*
 * The software hart: instructions, exits, traps, interrupts and counters,
 * run through the ops table with a real address space.
 */
#include <pthread.h>
#include <time.h>

#include "test_hart_util.h"

#define R (RAM_BASE)

TEST(hart_addi_then_wfi_halts_with_pc_past_wfi)
{
	FIX(f);
	CODE(f, R, ADDI(5, 0, 42), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(42, f.h->x[5]);
	CHECK_U64(R + 8, f.h->pc);
	fix_fini(&f);
}

TEST(hart_x0_stays_zero)
{
	FIX(f);
	CODE(f, R, ADDI(0, 0, 7), ADD(5, 0, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0, f.h->x[0]);
	CHECK_U64(0, f.h->x[5]);
	fix_fini(&f);
}

TEST(hart_run_budget_spent_exits_nothing)
{
	FIX(f);
	CODE(f, R, JAL(0, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_NOTHING, f.exit.reason);
	CHECK_U64(100000, f.h->instret);
	CHECK_U64(R, f.h->pc);
	fix_fini(&f);
}

TEST(hart_kick_before_run_exits_nothing)
{
	FIX(f);
	CODE(f, R, ADDI(5, 0, 1), WFI);
	f.ops->kick(f.be);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_NOTHING, f.exit.reason);
	CHECK_U64(0, f.h->x[5]);
	/* The kick is consumed: the next run executes. */
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	fix_fini(&f);
}

static void *kicker(void *arg)
{
	struct hart_fix *f = arg;
	struct timespec ts = {0, 20 * 1000 * 1000};

	nanosleep(&ts, NULL);
	f->ops->kick(f->be);
	return NULL;
}

TEST(hart_kick_from_another_thread_stops_a_spinning_guest)
{
	static const struct axvm_riscv64_config cfg = {.run_budget = UINT64_MAX};
	struct hart_fix f;
	pthread_t t;

	REQUIRE_OK(fix_init_cfg(&f, &cfg, axvm_hal_linux()));
	CODE(f, R, JAL(0, 0));
	REQUIRE(pthread_create(&t, NULL, kicker, &f) == 0);
	REQUIRE_OK(fix_run(&f));
	pthread_join(t, NULL);
	CHECK_INT(AXVM_EXIT_NOTHING, f.exit.reason);
	CHECK(f.h->instret > 1000);
	fix_fini(&f);
}

TEST(hart_gpr_access_through_ops)
{
	FIX(f);
	uint64_t v = 0;

	REQUIRE_OK(f.ops->set_gpr(f.be, 7, 0x1234));
	REQUIRE_OK(f.ops->set_gpr(f.be, 0, 0x55));
	REQUIRE_OK(f.ops->get_gpr(f.be, 7, &v));
	CHECK_U64(0x1234, v);
	REQUIRE_OK(f.ops->get_gpr(f.be, 0, &v));
	CHECK_U64(0, v);
	REQUIRE_OK(f.ops->get_gpr(f.be, AXVM_RISCV64_REG_PC, &v));
	CHECK_U64(R, v);
	CHECK_INT(-AXVM_EINVAL, f.ops->set_gpr(f.be, AXVM_RISCV64_NR_REGS, 0));
	fix_fini(&f);
}

TEST(hart_mmio_lb_exits_with_sign_extension)
{
	FIX(f);
	f.h->x[6] = MMIO_BASE + 4;
	CODE(f, R, LB(7, 6, 1));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_MMIO_READ, f.exit.reason);
	CHECK_U64(MMIO_BASE + 5, f.exit.mmio_read.addr);
	CHECK_INT(1, f.exit.mmio_read.width);
	CHECK_INT(7, f.exit.mmio_read.reg);
	CHECK_INT(8, f.exit.mmio_read.reg_width);
	CHECK_INT(1, f.exit.mmio_read.sign_ext);
	CHECK_U64(R + 4, f.h->pc);
	fix_fini(&f);
}

TEST(hart_mmio_lbu_lhu_lwu_do_not_sign_extend)
{
	FIX(f);
	f.h->x[6] = MMIO_BASE;
	CODE(f, R, LBU(7, 6, 0), LHU(8, 6, 2), LWU(9, 6, 4), LW(10, 6, 8), LD(11, 6, 16));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(0, f.exit.mmio_read.sign_ext);
	CHECK_INT(1, f.exit.mmio_read.width);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(0, f.exit.mmio_read.sign_ext);
	CHECK_INT(2, f.exit.mmio_read.width);
	CHECK_INT(8, f.exit.mmio_read.reg);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(0, f.exit.mmio_read.sign_ext);
	CHECK_INT(4, f.exit.mmio_read.width);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(1, f.exit.mmio_read.sign_ext);
	CHECK_INT(4, f.exit.mmio_read.width);
	CHECK_U64(MMIO_BASE + 8, f.exit.mmio_read.addr);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(0, f.exit.mmio_read.sign_ext);
	CHECK_INT(8, f.exit.mmio_read.width);
	CHECK_U64(R + 20, f.h->pc);
	fix_fini(&f);
}

TEST(hart_mmio_compressed_lw_exits_with_pc_plus_2)
{
	FIX(f);
	/* c.lw a1, 4(a0): 010 uimm[5:3]=000 rs1'=010 uimm[2]=1 uimm[6]=0 rd'=011 00 */
	uint16_t c[2] = {0x414c, 0x0001 /* c.nop */};

	f.h->x[10] = MMIO_BASE;
	REQUIRE_OK(axvm_addrspace_write(f.as, R, c, sizeof(c)));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_MMIO_READ, f.exit.reason);
	CHECK_U64(MMIO_BASE + 4, f.exit.mmio_read.addr);
	CHECK_INT(4, f.exit.mmio_read.width);
	CHECK_INT(11, f.exit.mmio_read.reg);
	CHECK_INT(1, f.exit.mmio_read.sign_ext);
	CHECK_U64(R + 2, f.h->pc);
	fix_fini(&f);
}

TEST(hart_mmio_store_truncates_data_to_width)
{
	FIX(f);
	f.h->x[6] = MMIO_BASE;
	f.h->x[8] = 0x1122334455667788ull;
	CODE(f, R, SH(8, 6, 2), SD(8, 6, 8));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_MMIO_WRITE, f.exit.reason);
	CHECK_U64(MMIO_BASE + 2, f.exit.mmio_write.addr);
	CHECK_INT(2, f.exit.mmio_write.width);
	CHECK_U64(0x7788, f.exit.mmio_write.data);
	CHECK_U64(R + 4, f.h->pc);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x1122334455667788ull, f.exit.mmio_write.data);
	CHECK_INT(8, f.exit.mmio_write.width);
	fix_fini(&f);
}

TEST(hart_lazy_page_nested_fault_then_reexecuted)
{
	FIX(f);
	f.h->x[10] = LAZY_BASE + 0x2008;
	CODE(f, R, LD(9, 10, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_NESTED_PAGE_FAULT, f.exit.reason);
	CHECK_U64(LAZY_BASE + 0x2008, f.exit.nested_page_fault.addr);
	CHECK_INT(AXVM_ACCESS_READ, f.exit.nested_page_fault.access_flags);
	CHECK_U64(R, f.h->pc);
	REQUIRE_OK(axvm_addrspace_populate(f.as, LAZY_BASE + 0x2008));
	fix_wr64(&f, LAZY_BASE + 0x2008, 0xabcdef);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0xabcdef, f.h->x[9]);
	fix_fini(&f);
}

TEST(hart_load_from_no_region_is_a_load_access_fault)
{
	FIX(f);
	f.h->x[10] = 0x40000000;
	CODE(f, R, NOP, LD(9, 10, 0x10));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(RV_EXC_LOAD_ACCESS, f.h->scause);
	CHECK_U64(0x40000010, f.h->stval);
	CHECK_U64(R + 4, f.h->sepc);
	CHECK_U64(TRAP_END, f.h->pc);
	fix_fini(&f);
}

TEST(hart_store_to_no_region_is_a_store_access_fault)
{
	FIX(f);
	f.h->x[10] = 0x40000000;
	CODE(f, R, SW(9, 10, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_STORE_ACCESS, f.h->scause);
	CHECK_U64(0x40000000, f.h->stval);
	fix_fini(&f);
}

TEST(hart_fetch_from_mmio_is_an_instruction_access_fault)
{
	FIX(f);
	f.h->x[1] = MMIO_BASE + 0x10;
	CODE(f, R, JALR(0, 1, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(RV_EXC_INSN_ACCESS, f.h->scause);
	CHECK_U64(MMIO_BASE + 0x10, f.h->stval);
	CHECK_U64(MMIO_BASE + 0x10, f.h->sepc);
	fix_fini(&f);
}

TEST(hart_illegal_instruction_stval_is_the_instruction)
{
	FIX(f);
	CODE(f, R, 0xffffffffu);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(0xffffffffu, f.h->stval);
	CHECK_U64(R, f.h->sepc);
	fix_fini(&f);
}

TEST(hart_illegal_compressed_stval_is_16_bits)
{
	FIX(f);
	uint16_t c[2] = {0x0000, 0x0000};

	REQUIRE_OK(axvm_addrspace_write(f.as, R, c, sizeof(c)));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(0, f.h->stval);
	fix_fini(&f);
}

TEST(hart_machine_csr_is_illegal_in_s_mode)
{
	FIX(f);
	uint32_t insn = CSRRS(5, 0x300, 0); /* csrr t0, mstatus */

	CODE(f, R, insn);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(insn, f.h->stval);
	fix_fini(&f);
}

TEST(hart_write_to_read_only_time_csr_is_illegal)
{
	FIX(f);
	uint32_t insn = CSRRW(0, CSR_TIME, 5);

	CODE(f, R, insn);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(insn, f.h->stval);
	fix_fini(&f);
}

TEST(hart_ebreak_traps_with_breakpoint_cause)
{
	FIX(f);
	CODE(f, R, NOP, EBREAK);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_BREAKPOINT, f.h->scause);
	CHECK_U64(R + 4, f.h->sepc);
	fix_fini(&f);
}

TEST(hart_ecall_from_s_goes_to_sbi_and_resumes)
{
	FIX(f);
	/*
	 * SBI Base get_spec_version: handled inside (a0 = 0, a1 = v3.0), guest
	 * resumes. (An unknown extension would leave run() as a Hypercall exit.)
	 */
	f.h->x[17] = 0x10;
	f.h->x[16] = 0;
	CODE(f, R, ECALL, WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0, f.h->x[10]);
	CHECK_U64(0x03000000, f.h->x[11]);
	CHECK_U64(R + 8, f.h->pc);
	fix_fini(&f);
}

TEST(hart_ecall_from_s_exit_has_pc_past_ecall)
{
	FIX(f);
	/* SRST system_reset(shutdown, no reason) leaves run() as an exit. */
	f.h->x[17] = 0x53525354;
	f.h->x[16] = 0;
	f.h->x[10] = 0;
	f.h->x[11] = 0;
	CODE(f, R, NOP, ECALL);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_SYSTEM_DOWN, f.exit.reason);
	CHECK_U64(R + 8, f.h->pc);
	fix_fini(&f);
}

TEST(hart_ecall_from_u_is_a_guest_trap)
{
	FIX(f);
	/* sret into U-mode at R + 0x100, where an ecall waits. */
	f.h->sepc = R + 0x100;
	f.h->sstatus = 0; /* SPP = U */
	CODE(f, R, SRET);
	CODE(f, R + 0x100, ECALL);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(RV_EXC_ECALL_U, f.h->scause);
	CHECK_U64(R + 0x100, f.h->sepc);
	CHECK_INT(RV_PRIV_S, f.h->priv);
	CHECK_U64(0, f.h->sstatus & RV_SSTATUS_SPP);
	fix_fini(&f);
}

TEST(hart_trapped_custom_csrs_exit_as_sysreg_accesses)
{
	FIX(f);
	f.h->x[6] = 0x77;
	CODE(f, R, CSRRS(5, 0x5c0, 0), CSRRW(0, 0x9c1, 6));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_SYSREG_READ, f.exit.reason);
	CHECK_U64(0x5c0, f.exit.sysreg_read.addr);
	CHECK_INT(5, f.exit.sysreg_read.reg);
	CHECK_U64(R + 4, f.h->pc);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_SYSREG_WRITE, f.exit.reason);
	CHECK_U64(0x9c1, f.exit.sysreg_write.addr);
	CHECK_U64(0x77, f.exit.sysreg_write.value);
	CHECK_U64(R + 8, f.h->pc);
	fix_fini(&f);
}

TEST(hart_trapped_csrrw_with_rd_reads_then_writes)
{
	FIX(f);
	f.h->x[6] = 0x2222;
	f.h->x[7] = 0x3333;
	CODE(f, R, CSRRW(6, 0x5c0, 7), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_SYSREG_READ, f.exit.reason);
	CHECK_U64(0x5c0, f.exit.sysreg_read.addr);
	CHECK_INT(AXVM_RISCV64_REG_CSR_TMP, f.exit.sysreg_read.reg);
	CHECK_U64(R, f.h->pc);
	REQUIRE_OK(f.ops->set_gpr(f.be, f.exit.sysreg_read.reg, 0x1111));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_SYSREG_WRITE, f.exit.reason);
	CHECK_U64(0x5c0, f.exit.sysreg_write.addr);
	CHECK_U64(0x3333, f.exit.sysreg_write.value);
	CHECK_U64(0x1111, f.h->x[6]);
	CHECK_U64(R + 4, f.h->pc);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	fix_fini(&f);
}

TEST(hart_trapped_csrrs_and_csrrci_modify_the_old_value)
{
	FIX(f);
	f.h->x[6] = 0xf0;
	CODE(f, R, CSRRS(0, 0x5c2, 6), enc_i(0x73, 5, 7, 3, 0x9c3) /* csrrci t0, 0x9c3, 3 */);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_RISCV64_REG_CSR_TMP, f.exit.sysreg_read.reg);
	REQUIRE_OK(f.ops->set_gpr(f.be, AXVM_RISCV64_REG_CSR_TMP, 0x0f));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_SYSREG_WRITE, f.exit.reason);
	CHECK_U64(0xff, f.exit.sysreg_write.value);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_SYSREG_READ, f.exit.reason);
	CHECK_U64(0x9c3, f.exit.sysreg_read.addr);
	REQUIRE_OK(f.ops->set_gpr(f.be, AXVM_RISCV64_REG_CSR_TMP, 0x0f));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x0c, f.exit.sysreg_write.value);
	CHECK_U64(0x0f, f.h->x[5]);
	CHECK_U64(R + 8, f.h->pc);
	fix_fini(&f);
}

TEST(hart_trapped_csr_read_half_dropped_when_pc_moves)
{
	FIX(f);
	f.h->x[7] = 0x3333;
	CODE(f, R, CSRRW(6, 0x5c0, 7));
	CODE(f, R + 0x40, WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_SYSREG_READ, f.exit.reason);
	REQUIRE_OK(f.ops->set_gpr(f.be, AXVM_RISCV64_REG_PC, R + 0x40));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0, f.h->x[6]);
	fix_fini(&f);
}

static int sysreg_dev_read(void *opaque, uint64_t offset, unsigned width, uint64_t *value)
{
	*value = 0;
	return 0;
}

static int sysreg_dev_write(void *opaque, uint64_t offset, unsigned width, uint64_t value)
{
	return 0;
}

/* The VM layer's lookup, as it hands it over in the setup info. */
static bool sysreg_bus_claims(void *opaque, uint64_t addr)
{
	return axvm_bus_find(opaque, addr) != NULL;
}

TEST(hart_unclaimed_custom_csr_is_illegal_when_the_vm_says_so)
{
	static const struct axvm_device_ops ops = {.read = sysreg_dev_read,
						   .write = sysreg_dev_write};
	struct axvm_device_desc desc = {.name = "csr5c1", .base = 0x5c1, .size = 1, .ops = &ops};
	struct axvm_bus *bus;
	uint32_t bad = CSRRS(5, 0x5c0, 0);

	FIX(f);
	REQUIRE_OK(axvm_bus_create(AXVM_BUS_SYSREG, &bus));
	REQUIRE_OK(axvm_bus_register(bus, &desc));
	f.h->sysreg_claimed = sysreg_bus_claims;
	f.h->sysreg_opaque = bus;
	rv_hart_set_csr_unclaimed_illegal(f.h, true);
	f.h->x[5] = 0x1111;
	CODE(f, R, CSRRS(6, 0x5c1, 0), bad);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_SYSREG_READ, f.exit.reason); /* claimed */
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(bad, f.h->stval);
	CHECK_U64(R + 4, f.h->sepc);
	CHECK_U64(0x1111, f.h->x[5]);
	axvm_bus_destroy(bus);
	fix_fini(&f);
}

/* The riscv64 boot protocol, written once (rv_hart_boot): S-mode, MMU off, a0 = id, a1 = arg. */
TEST(hart_boot_args_follow_the_sbi_entry_protocol)
{
	FIX(f);
	f.h->priv = RV_PRIV_U;
	f.h->satp = 8ull << 60;
	REQUIRE_OK(f.ops->set_boot_args(f.be, R + 0x100, 0x87654321));
	CHECK_U64(R + 0x100, f.h->pc);
	CHECK_INT(RV_PRIV_S, f.h->priv);
	CHECK_U64(0, f.h->satp);
	CHECK_U64(f.h->id, f.h->x[AXVM_RISCV64_REG_A(0)]);
	CHECK_U64(0x87654321, f.h->x[AXVM_RISCV64_REG_A(1)]);
	fix_fini(&f);
}

/* An SBI call no extension serves exits preloaded with "not supported"; the VMM may answer. */
TEST(hart_hypercall_result_is_sbi_error_and_value)
{
	FIX(f);
	f.h->x[AXVM_RISCV64_REG_A(7)] = 0x0a000000; /* a vendor EID nobody serves */
	CODE(f, R, 0x00000073 /* ecall */, WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HYPERCALL, f.exit.reason);
	CHECK_U64((uint64_t)-2, f.h->x[AXVM_RISCV64_REG_A(0)]); /* SBI_ERR_NOT_SUPPORTED */
	CHECK_U64(0, f.h->x[AXVM_RISCV64_REG_A(1)]);
	REQUIRE_OK(f.ops->set_hypercall_result(f.be, 0, 0x1234));
	CHECK_U64(0, f.h->x[AXVM_RISCV64_REG_A(0)]);
	CHECK_U64(0x1234, f.h->x[AXVM_RISCV64_REG_A(1)]);
	fix_fini(&f);
}

TEST(hart_trapped_csr_write_to_read_only_range_is_illegal)
{
	FIX(f);
	uint32_t insn = CSRRW(0, 0xdc0, 5);

	CODE(f, R, insn);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(insn, f.h->stval);
	fix_fini(&f);
}

TEST(hart_division_by_zero_and_overflow)
{
	FIX(f);
	f.h->x[1] = 7;
	f.h->x[2] = 0;
	f.h->x[3] = 0x8000000000000000ull;
	f.h->x[4] = (uint64_t)-1;
	CODE(f, R, MULDIV(4, 10, 1, 2), MULDIV(5, 11, 1, 2), MULDIV(6, 12, 1, 2),
	     MULDIV(7, 13, 1, 2), MULDIV(4, 14, 3, 4), MULDIV(6, 15, 3, 4), MULDIVW(4, 16, 1, 2),
	     MULDIVW(7, 17, 1, 2), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(UINT64_MAX, f.h->x[10]);
	CHECK_U64(UINT64_MAX, f.h->x[11]);
	CHECK_U64(7, f.h->x[12]);
	CHECK_U64(7, f.h->x[13]);
	CHECK_U64(0x8000000000000000ull, f.h->x[14]);
	CHECK_U64(0, f.h->x[15]);
	CHECK_U64(UINT64_MAX, f.h->x[16]);
	CHECK_U64(7, f.h->x[17]);
	fix_fini(&f);
}

TEST(hart_divw_overflow_and_mulh)
{
	FIX(f);
	f.h->x[1] = 0xffffffff80000000ull; /* INT32_MIN */
	f.h->x[2] = (uint64_t)-1;
	f.h->x[3] = 0x8000000000000000ull;
	CODE(f, R, MULDIVW(4, 10, 1, 2), MULDIVW(6, 11, 1, 2), MULDIV(1, 12, 3, 3),
	     MULDIV(3, 13, 2, 2), MULDIV(2, 14, 2, 2), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0xffffffff80000000ull, f.h->x[10]);
	CHECK_U64(0, f.h->x[11]);
	CHECK_U64(0x4000000000000000ull, f.h->x[12]); /* mulh(min, min) */
	CHECK_U64(0xfffffffffffffffeull, f.h->x[13]); /* mulhu(-1, -1) */
	CHECK_U64(0xffffffffffffffffull, f.h->x[14]); /* mulhsu(-1, 2^64-1) */
	fix_fini(&f);
}

TEST(hart_w_ops_sign_extend_and_shift_by_31)
{
	FIX(f);
	f.h->x[1] = 0x7fffffff;
	f.h->x[2] = 1;
	f.h->x[3] = 31;
	CODE(f, R, enc_r(0x3b, 10, 0, 1, 2, 0),	 /* addw */
	     enc_r(0x3b, 11, 1, 2, 3, 0),	 /* sllw 1 << 31 */
	     enc_i(0x13, 12, 1, 2, 63),		 /* slli 1 << 63 */
	     enc_i(0x1b, 13, 5, 11, 0x400 | 31), /* sraiw */
	     WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0xffffffff80000000ull, f.h->x[10]);
	CHECK_U64(0xffffffff80000000ull, f.h->x[11]);
	CHECK_U64(0x8000000000000000ull, f.h->x[12]);
	CHECK_U64(UINT64_MAX, f.h->x[13]);
	fix_fini(&f);
}

TEST(hart_misaligned_load_and_store_to_ram_are_performed)
{
	FIX(f);
	f.h->x[10] = R + 0x2ffd; /* crosses into the next page */
	f.h->x[11] = 0x0102030405060708ull;
	CODE(f, R, SD(11, 10, 0), LD(12, 10, 0), LW(13, 10, 1), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x0102030405060708ull, f.h->x[12]);
	CHECK_U64(0x04050607, f.h->x[13]);
	CHECK_U64(0x0607080000000000ull, fix_rd64(&f, R + 0x2ff8) & 0xffffff0000000000ull);
	CHECK_U64(0x0102030405, fix_rd64(&f, R + 0x3000) & 0xffffffffffull);
	fix_fini(&f);
}

TEST(hart_compressed_program_computes)
{
	FIX(f);
	/*
	 * c.li a0, 5; c.addi a0, 3; c.mv a1, a0; c.add a1, a0; c.slli a1, 2;
	 * c.beqz a2, +4 (skips the c.li a0, 0); c.li a0, 0; c.j +2 (next); wfi
	 */
	uint16_t c[] = {0x4515, 0x050d, 0x85aa, 0x95aa, 0x058a, 0xc211, 0x4501, 0xa009};
	uint32_t wfi = WFI;

	f.h->x[12] = 0;
	REQUIRE_OK(axvm_addrspace_write(f.as, R, c, sizeof(c)));
	REQUIRE_OK(axvm_addrspace_write(f.as, R + sizeof(c), &wfi, 4));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(8, f.h->x[10]);
	CHECK_U64(64, f.h->x[11]);
	CHECK_U64(R + sizeof(c) + 4, f.h->pc);
	fix_fini(&f);
}

TEST(hart_compressed_stack_loads_and_stores)
{
	FIX(f);
	/* c.sdsp a0, 8(sp); c.ldsp a1, 8(sp); c.swsp a0, 4(sp); c.lwsp a2, 4(sp) */
	uint16_t c[] = {0xe42a, 0x65a2, 0xc22a, 0x4612};
	uint32_t wfi = WFI;

	f.h->x[2] = R + 0x3000;
	f.h->x[10] = 0xfedcba9876543210ull;
	REQUIRE_OK(axvm_addrspace_write(f.as, R, c, sizeof(c)));
	REQUIRE_OK(axvm_addrspace_write(f.as, R + sizeof(c), &wfi, 4));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0xfedcba9876543210ull, f.h->x[11]);
	CHECK_U64(0x76543210, f.h->x[12]);
	fix_fini(&f);
}

TEST(hart_instruction_straddling_a_page_executes)
{
	FIX(f);
	uint16_t cnop = 0x0001;
	uint32_t addi = ADDI(5, 0, 99), wfi = WFI;

	/* jump to R + 0x1ffe where a 32-bit addi spans two pages */
	f.h->x[1] = R + 0x1ffe;
	CODE(f, R, JALR(0, 1, 0));
	REQUIRE_OK(axvm_addrspace_write(f.as, R + 0x1ffe, &addi, 4));
	REQUIRE_OK(axvm_addrspace_write(f.as, R + 0x2002, &cnop, 2));
	REQUIRE_OK(axvm_addrspace_write(f.as, R + 0x2004, &wfi, 4));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(99, f.h->x[5]);
	CHECK_U64(R + 0x2008, f.h->pc);
	fix_fini(&f);
}

TEST(hart_interrupt_priority_sei_then_ssi_then_sti)
{
	FIX(f);
	CODE(f, R, JAL(0, 0));
	f.h->sie = RV_MIP_S_MASK;
	f.h->sstatus = RV_SSTATUS_SIE;
	REQUIRE_OK(f.ops->inject_interrupt(f.be, 5));
	REQUIRE_OK(f.ops->inject_interrupt(f.be, 1));
	REQUIRE_OK(f.ops->inject_interrupt(f.be, 9));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason); /* the wfi at stvec, SIE now 0 */
	CHECK_U64(RV_CAUSE_INTERRUPT | 9, f.h->scause);
	CHECK_U64(R, f.h->sepc);
	CHECK(f.h->sstatus & RV_SSTATUS_SPIE);
	CHECK(!(f.h->sstatus & RV_SSTATUS_SIE));

	REQUIRE_OK(f.ops->clear_interrupt(f.be, 9));
	f.h->pc = R;
	f.h->sie = RV_MIP_S_MASK;
	f.h->sstatus = RV_SSTATUS_SIE;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_CAUSE_INTERRUPT | 1, f.h->scause);

	REQUIRE_OK(f.ops->clear_interrupt(f.be, 1));
	f.h->pc = R;
	f.h->sie = RV_MIP_S_MASK;
	f.h->sstatus = RV_SSTATUS_SIE;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_CAUSE_INTERRUPT | 5, f.h->scause);
	CHECK_INT(-AXVM_EINVAL, f.ops->inject_interrupt(f.be, 3));
	fix_fini(&f);
}

TEST(hart_interrupt_masked_in_s_mode_without_sie)
{
	FIX(f);
	CODE(f, R, ADDI(5, 0, 1), WFI, CSRRW(0, CSR_SIE, 0), WFI);
	f.h->sie = RV_MIP_S_MASK;
	f.h->sstatus = 0;
	REQUIRE_OK(f.ops->inject_interrupt(f.be, 9));
	REQUIRE_OK(fix_run(&f));
	/* not taken, and the first wfi does not halt since one is pending and enabled */
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0, f.h->scause);
	CHECK_U64(1, f.h->x[5]);
	CHECK_U64(R + 16, f.h->pc);
	fix_fini(&f);
}

TEST(hart_interrupt_taken_in_u_mode_even_without_sie)
{
	FIX(f);
	f.h->sepc = R + 0x100;
	CODE(f, R, SRET);
	CODE(f, R + 0x100, JAL(0, 0));
	f.h->sie = RV_MIP_SSIP;
	f.h->sstatus = 0;
	REQUIRE_OK(f.ops->inject_interrupt(f.be, 1));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_CAUSE_INTERRUPT | 1, f.h->scause);
	CHECK_U64(R + 0x100, f.h->sepc);
	CHECK_U64(0, f.h->sstatus & RV_SSTATUS_SPP);
	fix_fini(&f);
}

TEST(hart_vectored_stvec_interrupt_goes_to_base_plus_4_cause)
{
	FIX(f);
	const uint32_t vec[2] = {CSRRW(0, CSR_SIE, 0), WFI};

	CODE(f, R, JAL(0, 0));
	REQUIRE_OK(axvm_addrspace_write(f.as, R + 0x2000 + 4 * 9, vec, sizeof(vec)));
	f.h->stvec = (R + 0x2000) | 1;
	f.h->sie = RV_MIP_SEIP;
	f.h->sstatus = RV_SSTATUS_SIE;
	REQUIRE_OK(f.ops->inject_interrupt(f.be, 9));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(R + 0x2000 + 4 * 9 + 8, f.h->pc);
	fix_fini(&f);
}

TEST(hart_vectored_stvec_exception_goes_to_base)
{
	FIX(f);
	uint32_t wfi = WFI;

	CODE(f, R, EBREAK);
	REQUIRE_OK(axvm_addrspace_write(f.as, R + 0x2000, &wfi, 4));
	f.h->stvec = (R + 0x2000) | 1;
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(R + 0x2004, f.h->pc);
	fix_fini(&f);
}

TEST(hart_ssip_is_guest_writable_through_sip)
{
	FIX(f);
	f.h->x[5] = RV_MIP_SSIP | RV_MIP_STIP | RV_MIP_SEIP;
	CODE(f, R, CSRRS(0, CSR_SIP, 5), CSRRS(6, CSR_SIP, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_MIP_SSIP, f.h->x[6]);
	fix_fini(&f);
}

TEST(hart_sret_restores_mode_and_interrupt_enable)
{
	FIX(f);
	f.h->sepc = R + 0x40;
	f.h->sstatus = RV_SSTATUS_SPP | RV_SSTATUS_SPIE;
	CODE(f, R, SRET);
	CODE(f, R + 0x40, CSRRS(5, CSR_SSTATUS, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(RV_PRIV_S, f.h->priv);
	CHECK_U64(RV_SSTATUS_SIE | RV_SSTATUS_SPIE | RV_SSTATUS_UXL_64, f.h->x[5]);
	fix_fini(&f);
}

TEST(hart_sret_in_u_mode_is_illegal)
{
	FIX(f);
	f.h->sepc = R + 0x40;
	CODE(f, R, SRET);
	CODE(f, R + 0x40, SRET);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(SRET, f.h->stval);
	fix_fini(&f);
}

TEST(hart_set_timer_in_the_past_raises_sti)
{
	FIX(f);
	CODE(f, R, JAL(0, 0));
	f.h->sie = RV_MIP_STIP;
	f.h->sstatus = RV_SSTATUS_SIE;
	rv_hart_set_timer(f.h, 0);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_CAUSE_INTERRUPT | 5, f.h->scause);
	/* A future deadline clears STIP. */
	rv_hart_set_timer(f.h, UINT64_MAX - 1);
	CHECK_U64(0, f.h->pending & RV_MIP_STIP);
	fix_fini(&f);
}

TEST(hart_stimecmp_with_sstc)
{
	static const struct axvm_riscv64_config cfg = {.run_budget = 100000, .sstc = true};
	struct hart_fix f;

	REQUIRE_OK(fix_init_cfg(&f, &cfg, axvm_hal_linux()));
	/* stimecmp = 0 (in the past), enable STIE and SIE: the timer interrupt fires */
	f.h->x[5] = RV_MIP_STIP;
	CODE(f, R, CSRRW(0, CSR_STIMECMP, 0), CSRRS(0, CSR_SIE, 5), CSRRSI(0, CSR_SSTATUS, 2),
	     JAL(0, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_CAUSE_INTERRUPT | 5, f.h->scause);
	CHECK_U64(R + 12, f.h->sepc);
	fix_fini(&f);
}

TEST(hart_stimecmp_without_sstc_is_illegal)
{
	FIX(f);
	CODE(f, R, CSRRS(5, CSR_STIMECMP, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	fix_fini(&f);
}

TEST(hart_time_csr_counts_at_the_timebase)
{
	static const struct axvm_riscv64_config cfg = {.run_budget = 1000, .timebase_hz = 1000000};
	struct fake_hal_clock;
	struct hart_fix f;

	REQUIRE_OK(fix_init_cfg(&f, &cfg, axvm_hal_linux()));
	f.h->epoch_ns = 0;
	CODE(f, R, CSRRS(5, CSR_TIME, 0), WFI);
	uint64_t before = f.hal->now_ns(f.hal->ctx) / 1000;
	REQUIRE_OK(fix_run(&f));
	uint64_t after = f.hal->now_ns(f.hal->ctx) / 1000;
	CHECK(f.h->x[5] >= before);
	CHECK(f.h->x[5] <= after);
	fix_fini(&f);
}

TEST(hart_counters_are_enabled_for_u_mode_at_reset)
{
	FIX(f);
	CHECK_U64(7, f.h->scounteren);
	f.h->sepc = R + 0x40;
	CODE(f, R, SRET);
	CODE(f, R + 0x40, CSRRS(5, CSR_TIME, 0), ECALL);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ECALL_U, f.h->scause);
	fix_fini(&f);
}

TEST(hart_time_csr_in_u_mode_needs_scounteren_tm)
{
	FIX(f);
	f.h->scounteren = 0;
	f.h->sepc = R + 0x40;
	CODE(f, R, SRET);
	CODE(f, R + 0x40, CSRRS(5, CSR_TIME, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	f.h->scounteren = 2;
	f.h->pc = R;
	f.h->sepc = R + 0x40;
	f.h->sstatus = 0;
	CODE(f, R + 0x44, ECALL);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ECALL_U, f.h->scause);
	fix_fini(&f);
}

static void *poster(void *arg)
{
	struct hart_fix *f = arg;
	struct timespec ts = {0, 20 * 1000 * 1000};

	nanosleep(&ts, NULL);
	f->ops->inject_interrupt(f->be, 9);
	return NULL;
}

TEST(hart_wait_for_interrupt_wakes_on_post_from_another_thread)
{
	FIX(f);
	pthread_t t;

	f.h->sie = RV_MIP_SEIP;
	REQUIRE(pthread_create(&t, NULL, poster, &f) == 0);
	uint64_t t0 = f.hal->now_ns(f.hal->ctx);
	REQUIRE_OK(f.ops->wait_for_interrupt(f.be, 5000000000ull));
	uint64_t t1 = f.hal->now_ns(f.hal->ctx);
	pthread_join(t, NULL);
	CHECK(f.h->pending & RV_MIP_SEIP);
	CHECK(t1 - t0 < 2000000000ull);
	fix_fini(&f);
}

TEST(hart_wait_for_interrupt_wakes_at_timer_deadline)
{
	FIX(f);
	f.h->sie = RV_MIP_STIP;
	rv_hart_set_timer(f.h, rv_hart_time(f.h) + 300000); /* 30 ms at 10 MHz */
	uint64_t t0 = f.hal->now_ns(f.hal->ctx);
	REQUIRE_OK(f.ops->wait_for_interrupt(f.be, 5000000000ull));
	uint64_t t1 = f.hal->now_ns(f.hal->ctx);
	CHECK(f.h->pending & RV_MIP_STIP);
	CHECK(t1 - t0 >= 25000000ull);
	CHECK(t1 - t0 < 2000000000ull);
	fix_fini(&f);
}

TEST(hart_wait_for_interrupt_times_out)
{
	FIX(f);
	uint64_t t0 = f.hal->now_ns(f.hal->ctx);
	REQUIRE_OK(f.ops->wait_for_interrupt(f.be, 20000000ull));
	uint64_t t1 = f.hal->now_ns(f.hal->ctx);
	CHECK(t1 - t0 >= 20000000ull);
	CHECK_U64(0, f.h->pending);
	fix_fini(&f);
}

TEST(hart_fp_instruction_with_fs_off_is_illegal)
{
	FIX(f);
	uint32_t fld = enc_i(0x07, 1, 3, 10, 0);

	f.h->x[10] = R + 0x3000;
	CODE(f, R, fld);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(fld, f.h->stval);
	fix_fini(&f);
}

TEST(hart_flw_nan_boxes_and_sets_fs_dirty)
{
	FIX(f);
	uint32_t one = 0x3f800000;

	f.h->x[10] = R + 0x3000;
	f.h->sstatus = 1ull << RV_SSTATUS_FS_SHIFT; /* Initial */
	REQUIRE_OK(axvm_addrspace_write(f.as, R + 0x3000, &one, 4));
	CODE(f, R, enc_i(0x07, 1, 2, 10, 0), CSRRS(5, CSR_SSTATUS, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0xffffffff3f800000ull, f.h->fpu.f[1]);
	CHECK_U64(RV_SSTATUS_FS, f.h->x[5] & RV_SSTATUS_FS);
	CHECK(f.h->x[5] & RV_SSTATUS_SD);
	fix_fini(&f);
}

TEST(hart_satp_write_with_unsupported_mode_is_ignored)
{
	FIX(f);
	f.h->x[5] = 8ull << 60 | 0x80100;  /* Sv39 */
	f.h->x[6] = 10ull << 60 | 0x80200; /* Sv57: not supported */
	CODE(f, R, CSRRW(0, CSR_SATP, 6), CSRRS(7, CSR_SATP, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0, f.h->x[7]);
	fix_fini(&f);
}

TEST(hart_fcsr_access_with_fs_off_is_illegal)
{
	FIX(f);
	uint32_t insn = CSRRS(5, 0x003, 0);

	CODE(f, R, insn);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(insn, f.h->stval);
	fix_fini(&f);
}

TEST(hart_frm_and_fflags_are_fields_of_fcsr)
{
	FIX(f);
	f.h->sstatus = 1ull << RV_SSTATUS_FS_SHIFT;
	/* fcsr = 0xff; frm <- 2; fflags <- 0x01; read fcsr */
	CODE(f, R, ADDI(5, 0, 0xff), CSRRW(0, 0x003, 5), CSRRWI(0, 0x002, 2), CSRRWI(0, 0x001, 1),
	     CSRRS(6, 0x003, 0), CSRRS(7, 0x002, 0), CSRRS(8, 0x001, 0), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x41, f.h->x[6]);
	CHECK_U64(2, f.h->x[7]);
	CHECK_U64(1, f.h->x[8]);
	CHECK_U64(RV_SSTATUS_FS, f.h->sstatus & RV_SSTATUS_FS);
	fix_fini(&f);
}

TEST(hart_fsw_stores_the_low_word_and_fld_fsd_round_trip)
{
	FIX(f);
	f.h->sstatus = 1ull << RV_SSTATUS_FS_SHIFT;
	f.h->fpu.f[3] = 0x1122334455667788ull;
	f.h->x[10] = R + 0x3000;
	fix_wr64(&f, R + 0x3000, 0);
	CODE(f, R, enc_s(0x27, 2, 10, 3, 0), /* fsw f3, 0(a0) */
	     enc_s(0x27, 3, 10, 3, 8),	     /* fsd f3, 8(a0) */
	     enc_i(0x07, 4, 3, 10, 8),	     /* fld f4, 8(a0) */
	     WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x55667788, fix_rd64(&f, R + 0x3000));
	CHECK_U64(0x1122334455667788ull, fix_rd64(&f, R + 0x3008));
	CHECK_U64(0x1122334455667788ull, f.h->fpu.f[4]);
	fix_fini(&f);
}

TEST(hart_op_fp_goes_to_the_fpu_and_sets_fs_dirty)
{
	FIX(f);
	f.h->sstatus = 1ull << RV_SSTATUS_FS_SHIFT;
	f.h->x[5] = 0x400921fb54442d18ull;
	CODE(f, R, enc_r(0x53, 1, 0, 5, 0, 0x79), /* fmv.d.x f1, t0 */
	     enc_r(0x53, 6, 0, 1, 0, 0x71),	  /* fmv.x.d t1, f1 */
	     WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(0x400921fb54442d18ull, f.h->fpu.f[1]);
	CHECK_U64(0x400921fb54442d18ull, f.h->x[6]);
	CHECK_U64(RV_SSTATUS_FS, f.h->sstatus & RV_SSTATUS_FS);
	fix_fini(&f);
}

TEST(hart_compressed_fp_load_store_need_fs)
{
	FIX(f);
	uint16_t c[2] = {0x2104 /* c.fld f9, 0(a0) */, 0x0001};

	f.h->x[10] = R + 0x3000;
	REQUIRE_OK(axvm_addrspace_write(f.as, R, c, sizeof(c)));
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(0x2104, f.h->stval);
	fix_fini(&f);
}

TEST(hart_fetch_from_unpopulated_lazy_page_is_a_nested_fault_for_exec)
{
	FIX(f);
	const uint32_t code[2] = {ADDI(5, 0, 11), WFI};

	f.h->x[1] = LAZY_BASE + 0x1000;
	CODE(f, R, JALR(0, 1, 0));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_NESTED_PAGE_FAULT, f.exit.reason);
	CHECK_U64(LAZY_BASE + 0x1000, f.exit.nested_page_fault.addr);
	CHECK_INT(AXVM_ACCESS_EXEC, f.exit.nested_page_fault.access_flags);
	CHECK_U64(LAZY_BASE + 0x1000, f.h->pc);
	REQUIRE_OK(axvm_addrspace_populate(f.as, LAZY_BASE + 0x1000));
	REQUIRE_OK(fix_code(&f, LAZY_BASE + 0x1000, code, 2));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(11, f.h->x[5]);
	fix_fini(&f);
}

TEST(hart_store_to_unpopulated_lazy_page_is_a_nested_fault_for_write)
{
	FIX(f);
	f.h->x[10] = LAZY_BASE + 0x3000;
	f.h->x[11] = 0x5a5a;
	CODE(f, R, SD(11, 10, 8), WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_NESTED_PAGE_FAULT, f.exit.reason);
	CHECK_U64(LAZY_BASE + 0x3008, f.exit.nested_page_fault.addr);
	CHECK_INT(AXVM_ACCESS_WRITE, f.exit.nested_page_fault.access_flags);
	REQUIRE_OK(axvm_addrspace_populate(f.as, LAZY_BASE + 0x3008));
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(0x5a5a, fix_rd64(&f, LAZY_BASE + 0x3008));
	fix_fini(&f);
}

TEST(hart_wait_for_interrupt_returns_on_kick)
{
	FIX(f);
	pthread_t t;

	REQUIRE(pthread_create(&t, NULL, kicker, &f) == 0);
	uint64_t t0 = f.hal->now_ns(f.hal->ctx);
	REQUIRE_OK(f.ops->wait_for_interrupt(f.be, 5000000000ull));
	uint64_t t1 = f.hal->now_ns(f.hal->ctx);
	pthread_join(t, NULL);
	CHECK(t1 - t0 < 2000000000ull);
	/* the kick still makes the next run return Nothing */
	CODE(f, R, WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_INT(AXVM_EXIT_NOTHING, f.exit.reason);
	fix_fini(&f);
}

TEST(hart_wfi_in_u_mode_is_illegal)
{
	FIX(f);
	f.h->sepc = R + 0x40;
	CODE(f, R, SRET);
	CODE(f, R + 0x40, WFI);
	REQUIRE_OK(fix_run(&f));
	CHECK_U64(RV_EXC_ILLEGAL, f.h->scause);
	CHECK_U64(WFI, f.h->stval);
	fix_fini(&f);
}

static void *runner(void *arg)
{
	struct hart_fix *f = arg;

	fix_run(f);
	return NULL;
}

TEST(hart_remote_flush_is_acknowledged_while_running)
{
	static const struct axvm_riscv64_config cfg = {.run_budget = UINT64_MAX};
	struct hart_fix f;
	struct timespec ts = {0, 1000 * 1000};
	pthread_t t;
	uint64_t ticket;
	int spins = 0;

	REQUIRE_OK(fix_init_cfg(&f, &cfg, axvm_hal_linux()));
	CODE(f, R, JAL(0, 0));
	REQUIRE(pthread_create(&t, NULL, runner, &f) == 0);
	while (!rv_hart_is_running(f.h) && spins++ < 2000)
		nanosleep(&ts, NULL);
	ticket = rv_hart_request_flush(f.h);
	spins = 0;
	while (!rv_hart_flush_done(f.h, ticket) && spins++ < 2000)
		nanosleep(&ts, NULL);
	CHECK(rv_hart_flush_done(f.h, ticket));
	CHECK(rv_hart_is_running(f.h));
	f.ops->kick(f.be);
	pthread_join(t, NULL);
	CHECK_INT(AXVM_EXIT_NOTHING, f.exit.reason);
	fix_fini(&f);
}

TEST(hart_interrupt_posted_by_another_thread_reaches_a_running_guest)
{
	static const struct axvm_riscv64_config cfg = {.run_budget = UINT64_MAX};
	struct hart_fix f;
	pthread_t t;

	REQUIRE_OK(fix_init_cfg(&f, &cfg, axvm_hal_linux()));
	CODE(f, R, JAL(0, 0));
	f.h->sie = RV_MIP_SEIP;
	f.h->sstatus = RV_SSTATUS_SIE;
	REQUIRE(pthread_create(&t, NULL, poster, &f) == 0);
	REQUIRE_OK(fix_run(&f));
	pthread_join(t, NULL);
	CHECK_INT(AXVM_EXIT_HALT, f.exit.reason);
	CHECK_U64(RV_CAUSE_INTERRUPT | 9, f.h->scause);
	CHECK_U64(R, f.h->sepc);
	fix_fini(&f);
}
