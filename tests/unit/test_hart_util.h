/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the hart unit tests: instruction encoders and a fixture with a
 * real address space (RAM at 0x80000000, an MMIO page at 0x10000000, a lazy
 * region at 0x90000000) and one hart created through the ops table.
 */
#ifndef TEST_HART_UTIL_H
#define TEST_HART_UTIL_H

#include <stdlib.h>

#include "arch/riscv64/hart.h"
#include "arch/riscv64/sbi.h"
#include "axvm/riscv64.h"
#include "test.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4ull << 20)
#define MMIO_BASE 0x10000000ull
#define LAZY_BASE 0x90000000ull
#define LAZY_SIZE (64ull << 10)
/* Holds "csrw sie, zero; wfi": any trap ends in a Halt exit with pc = TRAP_END. */
#define TRAP_VEC (RAM_BASE + 0x1000)
#define TRAP_END (TRAP_VEC + 8)

static inline uint32_t enc_r(unsigned op, unsigned rd, unsigned f3, unsigned rs1, unsigned rs2,
			     unsigned f7)
{
	return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
static inline uint32_t enc_i(unsigned op, unsigned rd, unsigned f3, unsigned rs1, int32_t imm)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
static inline uint32_t enc_s(unsigned op, unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
	uint32_t u = (uint32_t)imm & 0xfff;

	return (u >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | op;
}
static inline uint32_t enc_b(unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
	       ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}
static inline uint32_t enc_j(unsigned rd, int32_t imm)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
	       ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}
#define ADDI(rd, rs1, imm) enc_i(0x13, rd, 0, rs1, imm)
#define ADDIW(rd, rs1, imm) enc_i(0x1b, rd, 0, rs1, imm)
#define LUI(rd, imm20) ((uint32_t)(imm20) << 12 | (rd) << 7 | 0x37)
#define ADD(rd, a, b) enc_r(0x33, rd, 0, a, b, 0)
#define LB(rd, rs1, imm) enc_i(0x03, rd, 0, rs1, imm)
#define LH(rd, rs1, imm) enc_i(0x03, rd, 1, rs1, imm)
#define LW(rd, rs1, imm) enc_i(0x03, rd, 2, rs1, imm)
#define LD(rd, rs1, imm) enc_i(0x03, rd, 3, rs1, imm)
#define LBU(rd, rs1, imm) enc_i(0x03, rd, 4, rs1, imm)
#define LHU(rd, rs1, imm) enc_i(0x03, rd, 5, rs1, imm)
#define LWU(rd, rs1, imm) enc_i(0x03, rd, 6, rs1, imm)
#define SB(rs2, rs1, imm) enc_s(0x23, 0, rs1, rs2, imm)
#define SH(rs2, rs1, imm) enc_s(0x23, 1, rs1, rs2, imm)
#define SW(rs2, rs1, imm) enc_s(0x23, 2, rs1, rs2, imm)
#define SD(rs2, rs1, imm) enc_s(0x23, 3, rs1, rs2, imm)
#define JAL(rd, imm) enc_j(rd, imm)
#define JALR(rd, rs1, imm) enc_i(0x67, rd, 0, rs1, imm)
#define BEQ(a, b, imm) enc_b(0, a, b, imm)
#define BNE(a, b, imm) enc_b(1, a, b, imm)
#define CSRRW(rd, csr, rs1) enc_i(0x73, rd, 1, rs1, (int32_t)(csr))
#define CSRRS(rd, csr, rs1) enc_i(0x73, rd, 2, rs1, (int32_t)(csr))
#define CSRRC(rd, csr, rs1) enc_i(0x73, rd, 3, rs1, (int32_t)(csr))
#define CSRRWI(rd, csr, uimm) enc_i(0x73, rd, 5, uimm, (int32_t)(csr))
#define CSRRSI(rd, csr, uimm) enc_i(0x73, rd, 6, uimm, (int32_t)(csr))
#define MULDIV(f3, rd, a, b) enc_r(0x33, rd, f3, a, b, 1)
#define MULDIVW(f3, rd, a, b) enc_r(0x3b, rd, f3, a, b, 1)
#define AMO(f5, f3, rd, rs1, rs2) enc_r(0x2f, rd, f3, rs1, rs2, (unsigned)(f5) << 2)
#define ECALL 0x00000073u
#define EBREAK 0x00100073u
#define SRET 0x10200073u
#define WFI 0x10500073u
#define SFENCE_VMA enc_r(0x73, 0, 0, 0, 0, 0x09)
#define FENCE_I 0x0000100fu
#define NOP ADDI(0, 0, 0)

#define CSR_SSTATUS 0x100
#define CSR_SIE 0x104
#define CSR_STVEC 0x105
#define CSR_SEPC 0x141
#define CSR_SIP 0x144
#define CSR_STIMECMP 0x14d
#define CSR_SATP 0x180
#define CSR_TIME 0xc01

struct hart_fix {
	const struct axvm_hal *hal;
	struct axvm_addrspace *as;
	const struct axvm_vcpu_ops *ops;
	void *be;
	struct rv_hart *h;
	struct axvm_exit exit;
};

static inline int fix_init_cfg(struct hart_fix *f, const struct axvm_riscv64_config *cfg,
			       const struct axvm_hal *hal)
{
	struct axvm_vcpu_create_info ci = {.id = 0, .hal = hal, .arch_config = cfg};
	struct axvm_vcpu_setup_info si = {.entry = RAM_BASE};
	int r;

	memset(f, 0, sizeof(*f));
	f->hal = hal;
	f->ops = axvm_riscv64_vcpu_ops();
	if ((r = axvm_addrspace_create(hal, &f->as)))
		return r;
	if ((r = axvm_addrspace_map_linear(f->as, RAM_BASE, RAM_SIZE,
					   AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC)))
		return r;
	if ((r = axvm_addrspace_map_mmio(f->as, MMIO_BASE, 0x1000)))
		return r;
	if ((r = axvm_addrspace_map_lazy(f->as, LAZY_BASE, LAZY_SIZE,
					 AXVM_MEM_READ | AXVM_MEM_WRITE | AXVM_MEM_EXEC)))
		return r;
	if ((r = f->ops->create(&ci, &f->be)))
		return r;
	f->h = f->be;
	si.addrspace = f->as;
	if ((r = f->ops->setup(f->be, &si)))
		return r;
	const uint32_t vec[2] = {CSRRW(0, CSR_SIE, 0), WFI};
	if ((r = axvm_addrspace_write(f->as, TRAP_VEC, vec, sizeof(vec))))
		return r;
	f->h->stvec = TRAP_VEC;
	return 0;
}

static inline int fix_init(struct hart_fix *f)
{
	static const struct axvm_riscv64_config cfg = {.run_budget = 100000};

	return fix_init_cfg(f, &cfg, axvm_hal_linux());
}

static inline void fix_fini(struct hart_fix *f)
{
	if (f->be)
		f->ops->destroy(f->be);
	if (f->as)
		axvm_addrspace_destroy(f->as);
}

/* Write instruction words at gpa. */
static inline int fix_code(struct hart_fix *f, uint64_t gpa, const uint32_t *words, size_t n)
{
	return axvm_addrspace_write(f->as, gpa, words, n * 4);
}

static inline int fix_run(struct hart_fix *f)
{
	return f->ops->run(f->be, &f->exit);
}

static inline uint64_t fix_rd64(struct hart_fix *f, uint64_t gpa)
{
	uint64_t v = 0;

	axvm_addrspace_read(f->as, gpa, &v, 8);
	return v;
}

static inline void fix_wr64(struct hart_fix *f, uint64_t gpa, uint64_t v)
{
	axvm_addrspace_write(f->as, gpa, &v, 8);
}

#define FIX(f)                                                                                     \
	struct hart_fix f;                                                                         \
	int fix_r_ = fix_init(&f);                                                                 \
	if (fix_r_) {                                                                              \
		test_fail_at(__FILE__, __LINE__, "fixture: %d", fix_r_);                           \
		fix_fini(&f);                                                                      \
		return;                                                                            \
	}

/* An SBI call on hart h as the guest's ecall makes it (a7 = eid, a6 = fid, a0..a4, a5 = 0). */
static inline void fix_sbi(struct rv_hart *h, uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1,
			   uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct axvm_exit e;

	h->x[17] = eid;
	h->x[16] = fid;
	h->x[10] = a0;
	h->x[11] = a1;
	h->x[12] = a2;
	h->x[13] = a3;
	h->x[14] = a4;
	h->x[15] = 0;
	CHECK(rv_sbi_ecall(h, &e) > 0);
}

#define CODE(f, gpa, ...)                                                                          \
	do {                                                                                       \
		const uint32_t w_[] = {__VA_ARGS__};                                               \
		REQUIRE_OK(fix_code(&(f), gpa, w_, sizeof(w_) / sizeof(w_[0])));                   \
	} while (0)

#endif
