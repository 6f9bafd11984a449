/* SPDX-License-Identifier: MIT */
/* The x86-64 encoder (see jit_x86.h). */
#include "arch/riscv64/jit_x86.h"

#include <string.h>

void x86_init(struct x86_buf *b, void *start, size_t len)
{
	b->p = start;
	b->end = (uint8_t *)start + len;
	b->full = false;
}

void x86_byte(struct x86_buf *b, uint8_t v)
{
	if (b->p >= b->end) {
		b->full = true;
		return;
	}
	*b->p++ = v;
}

void x86_u32(struct x86_buf *b, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		x86_byte(b, (uint8_t)(v >> (8 * i)));
}

/* REX prefix for reg (ModRM.reg) and rm (ModRM.rm / base); omitted when it would be 0x40. */
static void x86_rex(struct x86_buf *b, bool w, unsigned reg, unsigned rm, bool force)
{
	uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0));

	if (rex != 0x40 || force)
		x86_byte(b, rex);
}

/* ModRM (+ SIB) + displacement for [base + disp]. */
static void x86_mem(struct x86_buf *b, unsigned reg, unsigned base, int32_t disp)
{
	unsigned mod = disp == 0 && (base & 7) != 5 ? 0 : disp >= -128 && disp <= 127 ? 1 : 2;

	x86_byte(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
	if ((base & 7) == 4)
		x86_byte(b, 0x24); /* SIB: no index, base = rsp/r12 */
	if (mod == 1)
		x86_byte(b, (uint8_t)(int8_t)disp);
	else if (mod == 2)
		x86_u32(b, (uint32_t)disp);
}

static void x86_modrm_rr(struct x86_buf *b, unsigned reg, unsigned rm)
{
	x86_byte(b, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

void x86_mov_load(struct x86_buf *b, enum x86_reg dst, enum x86_reg base, int32_t disp)
{
	x86_rex(b, true, dst, base, false);
	x86_byte(b, 0x8b);
	x86_mem(b, dst, base, disp);
}

void x86_mov_store(struct x86_buf *b, enum x86_reg base, int32_t disp, enum x86_reg src)
{
	x86_rex(b, true, src, base, false);
	x86_byte(b, 0x89);
	x86_mem(b, src, base, disp);
}

static void x86_rex_idx(struct x86_buf *b, bool w, unsigned reg, unsigned index, unsigned base,
			bool force);
static void x86_mem_idx(struct x86_buf *b, unsigned reg, unsigned base, unsigned index,
			int32_t disp);
static void x86_idx_order(enum x86_reg *base, enum x86_reg *index, int32_t disp);

/* A load's opcode bytes and REX (index: an x86_reg, or -1 for none). */
static void x86_load_op(struct x86_buf *b, enum x86_load kind, enum x86_reg dst, enum x86_reg base,
			int index)
{
	static const struct {
		bool w;
		uint8_t op0, op1; /* op1 0: one-byte opcode op0 */
	} ops[] = {
	    [X86_LD_S8] = {true, 0x0f, 0xbe},  [X86_LD_U8] = {false, 0x0f, 0xb6},
	    [X86_LD_S16] = {true, 0x0f, 0xbf}, [X86_LD_U16] = {false, 0x0f, 0xb7},
	    [X86_LD_S32] = {true, 0x63, 0},    [X86_LD_U32] = {false, 0x8b, 0},
	    [X86_LD_64] = {true, 0x8b, 0},
	};

	if (index >= 0)
		x86_rex_idx(b, ops[kind].w, dst, (unsigned)index, base, false);
	else
		x86_rex(b, ops[kind].w, dst, base, false);
	x86_byte(b, ops[kind].op0);
	if (ops[kind].op1)
		x86_byte(b, ops[kind].op1);
}

void x86_load_idx(struct x86_buf *b, enum x86_load kind, enum x86_reg dst, enum x86_reg base,
		  enum x86_reg index, int32_t disp)
{
	x86_idx_order(&base, &index, disp);
	x86_load_op(b, kind, dst, base, (int)index);
	x86_mem_idx(b, dst, base, index, disp);
}

void x86_load(struct x86_buf *b, enum x86_load kind, enum x86_reg dst, enum x86_reg base,
	      int32_t disp)
{
	switch (kind) {
	case X86_LD_S8: /* movsx r64, byte */
		x86_rex(b, true, dst, base, false);
		x86_byte(b, 0x0f);
		x86_byte(b, 0xbe);
		break;
	case X86_LD_U8: /* movzx r32, byte */
		x86_rex(b, false, dst, base, false);
		x86_byte(b, 0x0f);
		x86_byte(b, 0xb6);
		break;
	case X86_LD_S16:
		x86_rex(b, true, dst, base, false);
		x86_byte(b, 0x0f);
		x86_byte(b, 0xbf);
		break;
	case X86_LD_U16:
		x86_rex(b, false, dst, base, false);
		x86_byte(b, 0x0f);
		x86_byte(b, 0xb7);
		break;
	case X86_LD_S32: /* movsxd r64, dword */
		x86_rex(b, true, dst, base, false);
		x86_byte(b, 0x63);
		break;
	case X86_LD_U32: /* mov r32, dword */
		x86_rex(b, false, dst, base, false);
		x86_byte(b, 0x8b);
		break;
	case X86_LD_64:
		x86_rex(b, true, dst, base, false);
		x86_byte(b, 0x8b);
		break;
	}
	x86_mem(b, dst, base, disp);
}

void x86_store(struct x86_buf *b, unsigned size, enum x86_reg base, int32_t disp, enum x86_reg src)
{
	if (size == 2)
		x86_byte(b, 0x66);
	/* A byte store of sil/dil/... needs a REX to mean them rather than dh/bh. */
	x86_rex(b, size == 8, src, base, size == 1 && src >= X86_RSP);
	x86_byte(b, size == 1 ? 0x88 : 0x89);
	x86_mem(b, src, base, disp);
}

void x86_store_imm32(struct x86_buf *b, enum x86_reg base, int32_t disp, int32_t imm)
{
	x86_rex(b, true, 0, base, false);
	x86_byte(b, 0xc7);
	x86_mem(b, 0, base, disp);
	x86_u32(b, (uint32_t)imm);
}

void x86_mov_rr(struct x86_buf *b, enum x86_reg dst, enum x86_reg src)
{
	x86_rex(b, true, src, dst, false);
	x86_byte(b, 0x89);
	x86_modrm_rr(b, src, dst);
}

void x86_mov_rr32(struct x86_buf *b, enum x86_reg dst, enum x86_reg src)
{
	x86_rex(b, false, src, dst, false);
	x86_byte(b, 0x89);
	x86_modrm_rr(b, src, dst);
}

void x86_mov_imm(struct x86_buf *b, enum x86_reg dst, uint64_t imm)
{
	if (imm == 0) {
		x86_alu_rr(b, X86_XOR, false, dst, dst);
	} else if (imm <= UINT32_MAX) { /* mov r32, imm32 zero-extends */
		x86_rex(b, false, 0, dst, false);
		x86_byte(b, (uint8_t)(0xb8 | (dst & 7)));
		x86_u32(b, (uint32_t)imm);
	} else if ((int64_t)imm == (int32_t)imm) { /* mov r/m64, imm32 sign-extends */
		x86_rex(b, true, 0, dst, false);
		x86_byte(b, 0xc7);
		x86_modrm_rr(b, 0, dst);
		x86_u32(b, (uint32_t)imm);
	} else {
		x86_rex(b, true, 0, dst, false);
		x86_byte(b, (uint8_t)(0xb8 | (dst & 7)));
		x86_u32(b, (uint32_t)imm);
		x86_u32(b, (uint32_t)(imm >> 32));
	}
}

void x86_movsxd(struct x86_buf *b, enum x86_reg dst, enum x86_reg src)
{
	x86_rex(b, true, dst, src, false);
	x86_byte(b, 0x63);
	x86_modrm_rr(b, dst, src);
}

void x86_lea(struct x86_buf *b, enum x86_reg dst, enum x86_reg base, int32_t disp)
{
	x86_rex(b, true, dst, base, false);
	x86_byte(b, 0x8d);
	x86_mem(b, dst, base, disp);
}

void x86_alu_rr(struct x86_buf *b, enum x86_alu op, bool w64, enum x86_reg dst, enum x86_reg src)
{
	x86_rex(b, w64, src, dst, false);
	x86_byte(b, (uint8_t)(op << 3 | 1)); /* op r/m, r */
	x86_modrm_rr(b, src, dst);
}

void x86_alu_rm(struct x86_buf *b, enum x86_alu op, bool w64, enum x86_reg dst, enum x86_reg base,
		int32_t disp)
{
	x86_rex(b, w64, dst, base, false);
	x86_byte(b, (uint8_t)(op << 3 | 3)); /* op r, r/m */
	x86_mem(b, dst, base, disp);
}

void x86_alu_imm(struct x86_buf *b, enum x86_alu op, bool w64, enum x86_reg dst, int32_t imm)
{
	x86_rex(b, w64, 0, dst, false);
	if (imm >= -128 && imm <= 127) {
		x86_byte(b, 0x83);
		x86_modrm_rr(b, op, dst);
		x86_byte(b, (uint8_t)(int8_t)imm);
	} else {
		x86_byte(b, 0x81);
		x86_modrm_rr(b, op, dst);
		x86_u32(b, (uint32_t)imm);
	}
}

void x86_cmp_mr(struct x86_buf *b, enum x86_reg base, int32_t disp, enum x86_reg reg)
{
	x86_rex(b, true, reg, base, false);
	x86_byte(b, 0x39);
	x86_mem(b, reg, base, disp);
}

void x86_test_rr(struct x86_buf *b, bool w64, enum x86_reg a, enum x86_reg c)
{
	x86_rex(b, w64, c, a, false);
	x86_byte(b, 0x85);
	x86_modrm_rr(b, c, a);
}

void x86_shift_imm(struct x86_buf *b, enum x86_shift op, bool w64, enum x86_reg dst, unsigned count)
{
	x86_rex(b, w64, 0, dst, false);
	x86_byte(b, 0xc1);
	x86_modrm_rr(b, op, dst);
	x86_byte(b, (uint8_t)count);
}

void x86_shift_cl(struct x86_buf *b, enum x86_shift op, bool w64, enum x86_reg dst)
{
	x86_rex(b, w64, 0, dst, false);
	x86_byte(b, 0xd3);
	x86_modrm_rr(b, op, dst);
}

void x86_imul_rr(struct x86_buf *b, bool w64, enum x86_reg dst, enum x86_reg src)
{
	x86_rex(b, w64, dst, src, false);
	x86_byte(b, 0x0f);
	x86_byte(b, 0xaf);
	x86_modrm_rr(b, dst, src);
}

void x86_unary(struct x86_buf *b, enum x86_unary op, bool w64, enum x86_reg r)
{
	x86_rex(b, w64, 0, r, false);
	x86_byte(b, 0xf7);
	x86_modrm_rr(b, op, r);
}

void x86_cqo(struct x86_buf *b, bool w64)
{
	if (w64)
		x86_byte(b, 0x48);
	x86_byte(b, 0x99);
}

void x86_setcc(struct x86_buf *b, enum x86_cc cc, enum x86_reg dst)
{
	x86_rex(b, false, 0, dst, dst >= X86_RSP);
	x86_byte(b, 0x0f);
	x86_byte(b, (uint8_t)(0x90 | cc));
	x86_modrm_rr(b, 0, dst);
	/* movzx r32, r8 */
	x86_rex(b, false, dst, dst, dst >= X86_RSP);
	x86_byte(b, 0x0f);
	x86_byte(b, 0xb6);
	x86_modrm_rr(b, dst, dst);
}

uint8_t *x86_jcc32(struct x86_buf *b, enum x86_cc cc)
{
	uint8_t *rel;

	x86_byte(b, 0x0f);
	x86_byte(b, (uint8_t)(0x80 | cc));
	rel = b->p;
	x86_u32(b, 0);
	return b->full ? NULL : rel;
}

uint8_t *x86_jmp32(struct x86_buf *b)
{
	uint8_t *rel;

	x86_byte(b, 0xe9);
	rel = b->p;
	x86_u32(b, 0);
	return b->full ? NULL : rel;
}

void x86_patch_rel32(uint8_t *rel, const uint8_t *target)
{
	int32_t d;

	if (!rel)
		return; /* the buffer ran out: the block is thrown away */
	d = (int32_t)(target - (rel + 4));
	memcpy(rel, &d, 4);
}

void x86_jmp_reg(struct x86_buf *b, enum x86_reg r)
{
	x86_rex(b, false, 0, r, false);
	x86_byte(b, 0xff);
	x86_modrm_rr(b, 4, r);
}

void x86_call_reg(struct x86_buf *b, enum x86_reg r)
{
	x86_rex(b, false, 0, r, false);
	x86_byte(b, 0xff);
	x86_modrm_rr(b, 2, r);
}

void x86_lock_or0(struct x86_buf *b, enum x86_reg base, int32_t disp)
{
	x86_byte(b, 0xf0); /* lock */
	x86_rex(b, false, 0, base, false);
	x86_byte(b, 0x83);
	x86_mem(b, 1, base, disp); /* /1: or */
	x86_byte(b, 0);
}

void x86_push(struct x86_buf *b, enum x86_reg r)
{
	x86_rex(b, false, 0, r, false);
	x86_byte(b, (uint8_t)(0x50 | (r & 7)));
}

void x86_pop(struct x86_buf *b, enum x86_reg r)
{
	x86_rex(b, false, 0, r, false);
	x86_byte(b, (uint8_t)(0x58 | (r & 7)));
}

void x86_ret(struct x86_buf *b)
{
	x86_byte(b, 0xc3);
}

/*
 * [base + index + disp] operands (scale 1; index is never rsp): the
 * translator's TLB check indexes the table register directly, and its
 * fused "add then access" forms compute rs1 + rs2 in one lea.
 */
static void x86_rex_idx(struct x86_buf *b, bool w, unsigned reg, unsigned index, unsigned base,
			bool force)
{
	uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) |
				((base & 8) ? 1 : 0));

	if (rex != 0x40 || force)
		x86_byte(b, rex);
}

/*
 * [rbp + i] and [r13 + i] need a zero displacement byte, and a lea or load
 * with base, index and displacement is a slower form on some cores (AMD's
 * "complex" LEA): with no displacement, rbp/r13 go in the index instead.
 */
static void x86_idx_order(enum x86_reg *base, enum x86_reg *index, int32_t disp)
{
	if (disp == 0 && (*base & 7) == 5 && (*index & 7) != 5) {
		enum x86_reg t = *base;

		*base = *index;
		*index = t;
	}
}

static void x86_mem_idx(struct x86_buf *b, unsigned reg, unsigned base, unsigned index,
			int32_t disp)
{
	unsigned mod = disp == 0 && (base & 7) != 5 ? 0 : disp >= -128 && disp <= 127 ? 1 : 2;

	x86_byte(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | 4)); /* SIB follows */
	x86_byte(b, (uint8_t)((index & 7) << 3 | (base & 7)));
	if (mod == 1)
		x86_byte(b, (uint8_t)(int8_t)disp);
	else if (mod == 2)
		x86_u32(b, (uint32_t)disp);
}

/* One opcode with a register operand and [base + index + disp] (the *_idx forms). */
static void x86_op_idx(struct x86_buf *b, bool w64, uint8_t opcode, enum x86_reg reg,
		       enum x86_reg base, enum x86_reg index, int32_t disp)
{
	x86_idx_order(&base, &index, disp);
	x86_rex_idx(b, w64, reg, index, base, false);
	x86_byte(b, opcode);
	x86_mem_idx(b, reg, base, index, disp);
}

void x86_lea_idx(struct x86_buf *b, enum x86_reg dst, enum x86_reg base, enum x86_reg index,
		 int32_t disp)
{
	x86_op_idx(b, true, 0x8d, dst, base, index, disp);
}

void x86_alu_rm_idx(struct x86_buf *b, enum x86_alu op, bool w64, enum x86_reg dst,
		    enum x86_reg base, enum x86_reg index, int32_t disp)
{
	x86_op_idx(b, w64, (uint8_t)(op << 3 | 3), dst, base, index, disp); /* op r, r/m */
}

void x86_cmp_mr_idx(struct x86_buf *b, enum x86_reg base, enum x86_reg index, int32_t disp,
		    enum x86_reg reg)
{
	x86_op_idx(b, true, 0x39, reg, base, index, disp);
}

void x86_mov_load_idx(struct x86_buf *b, enum x86_reg dst, enum x86_reg base, enum x86_reg index,
		      int32_t disp)
{
	x86_op_idx(b, true, 0x8b, dst, base, index, disp);
}

void x86_rorx(struct x86_buf *b, enum x86_reg dst, enum x86_reg src, unsigned count)
{
	x86_byte(b, 0xc4); /* VEX3: ~R ~X ~B, map 0F3A */
	x86_byte(b, (uint8_t)((dst & 8 ? 0 : 0x80) | 0x40 | (src & 8 ? 0 : 0x20) | 0x03));
	x86_byte(b, 0xfb); /* W1, vvvv unused, L0, pp F2 */
	x86_byte(b, 0xf0);
	x86_modrm_rr(b, dst, src);
	x86_byte(b, (uint8_t)count);
}

void x86_store_idx(struct x86_buf *b, unsigned size, enum x86_reg base, enum x86_reg index,
		   int32_t disp, enum x86_reg src)
{
	x86_idx_order(&base, &index, disp);
	if (size == 2)
		x86_byte(b, 0x66);
	/* A byte store of sil/dil/... needs a REX to mean them rather than dh/bh. */
	x86_rex_idx(b, size == 8, src, index, base, size == 1 && src >= X86_RSP);
	x86_byte(b, size == 1 ? 0x88 : 0x89);
	x86_mem_idx(b, src, base, index, disp);
}
