/* SPDX-License-Identifier: MIT */
/*
 * The A extension (unprivileged spec, "A" chapter): LR/SC and the AMOs, .W
 * and .D, as real host atomics on guest RAM so that they are atomic with
 * respect to every other vCPU thread. All atomics are sequentially
 * consistent, which satisfies any aq/rl combination.
 *
 * LR records the host address and the value it read; SC is a
 * compare-and-swap against that value, so it fails if the reservation was
 * lost (trap, sret, another LR/SC) or the word changed since the LR.
 * Misaligned LR raises load-address-misaligned (4), misaligned SC/AMO
 * store/AMO-address-misaligned (6); LR/SC/AMO on an emulated (MMIO) page
 * raises an access fault (5 for LR, 7 otherwise).
 * Which encodings exist, their width and access is insn_table.h's AMO rows:
 * they name the helpers defined here (one per row, from the row's funct5).
 */
#include <string.h>

#include "arch/riscv64/decode.h"
#include "arch/riscv64/interp.h"

enum amo_op {
	AMO_ADD = 0x00,
	AMO_SWAP = 0x01,
	AMO_LR = 0x02,
	AMO_SC = 0x03,
	AMO_XOR = 0x04,
	AMO_OR = 0x08,
	AMO_AND = 0x0c,
	AMO_MIN = 0x10,
	AMO_MAX = 0x14,
	AMO_MINU = 0x18,
	AMO_MAXU = 0x1c,
};

/*
 * One AMO on host memory, as one host atomic: fetch-and-op where the host
 * has it, else a compare-and-swap loop. Defined for both widths by one body
 * (utype: the width; stype: the same width signed, for min/max).
 */
#define AMO_FN(name, utype, stype)                                                                 \
	static utype name(unsigned op, utype *p, utype v)                                          \
	{                                                                                          \
		utype old, nv;                                                                     \
                                                                                                   \
		switch (op) {                                                                      \
		case AMO_ADD:                                                                      \
			return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);                         \
		case AMO_SWAP:                                                                     \
			return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);                        \
		case AMO_XOR:                                                                      \
			return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);                         \
		case AMO_OR:                                                                       \
			return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);                          \
		case AMO_AND:                                                                      \
			return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);                         \
		}                                                                                  \
		old = __atomic_load_n(p, __ATOMIC_SEQ_CST);                                        \
		do {                                                                               \
			switch (op) {                                                              \
			case AMO_MIN:                                                              \
				nv = (stype)old < (stype)v ? old : v;                              \
				break;                                                             \
			case AMO_MAX:                                                              \
				nv = (stype)old > (stype)v ? old : v;                              \
				break;                                                             \
			case AMO_MINU:                                                             \
				nv = old < v ? old : v;                                            \
				break;                                                             \
			default:                                                                   \
				nv = old > v ? old : v;                                            \
				break;                                                             \
			}                                                                          \
		} while (!__atomic_compare_exchange_n(p, &old, nv, false, __ATOMIC_SEQ_CST,        \
						      __ATOMIC_SEQ_CST));                          \
		return old;                                                                        \
	}

AMO_FN(amo_d, uint64_t, int64_t)
AMO_FN(amo_w, uint32_t, int32_t)

/* The operation on host memory at p (naturally aligned, in guest RAM): x[rd]'s new value. */
static inline uint64_t amo_host(struct rv_hart *h, unsigned op, unsigned width, uint8_t *p,
				uint64_t src)
{
	uint64_t res;

	if (op == AMO_LR) {
		uint64_t v = width == 4 ? __atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST)
					: __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST);

		h->resv_valid = true;
		h->resv_addr = (uintptr_t)p;
		h->resv_value = v;
		res = width == 4 ? (uint64_t)(int64_t)(int32_t)v : v;
	} else if (op == AMO_SC) {
		bool ok = false;

		if (h->resv_valid && h->resv_addr == (uintptr_t)p) {
			if (width == 4) {
				uint32_t exp = (uint32_t)h->resv_value;

				ok = __atomic_compare_exchange_n((uint32_t *)p, &exp, (uint32_t)src,
								 false, __ATOMIC_SEQ_CST,
								 __ATOMIC_SEQ_CST);
			} else {
				uint64_t exp = h->resv_value;

				ok =
				    __atomic_compare_exchange_n((uint64_t *)p, &exp, src, false,
								__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			}
		}
		h->resv_valid = false;
		res = ok ? 0 : 1;
	} else if (width == 4) {
		res = (uint64_t)(int64_t)(int32_t)amo_w(op, (uint32_t *)p, (uint32_t)src);
	} else {
		res = amo_d(op, (uint64_t *)p, src);
	}
	return res;
}

/* The rows' helpers: amo_host with the row's operation (funct5) and width. */
#define AMO_ROW_FN(n, s, opc, mask, match, width, acc, fn)                                         \
	uint64_t fn(struct rv_hart *h, uint8_t *p, uint64_t src)                                   \
	{                                                                                          \
		return amo_host(h, (match) >> 27, (width), p, src);                                \
	}
RV_INSN_AMO(AMO_ROW_FN)
#undef AMO_ROW_FN

int rv_amo_run(struct rv_hart *h, uint32_t insn, unsigned width, enum rv_acc acc, rv_amo_fn *fn,
	       struct axvm_exit *exit)
{
	uint64_t va = h->x[rv_rs1(insn)], src = h->x[rv_rs2(insn)], res;
	bool lr = acc == RV_ACC_R;
	struct rv_span sp;
	enum rv_mem m;

	if (va & (width - 1)) {
		rv_hart_raise(h, lr ? RV_EXC_LOAD_MISALIGNED : RV_EXC_STORE_MISALIGNED, va);
		return RV_STEP_NEXT;
	}
	m = rv_interp_mem(h, va, width, acc, &sp, exit);
	if (m == RV_MEM_EXIT)
		return RV_STEP_EXIT;
	if (m == RV_MEM_TRAP)
		return RV_STEP_NEXT;
	if (m == RV_MEM_MMIO) {
		rv_hart_raise(h, lr ? RV_EXC_LOAD_ACCESS : RV_EXC_STORE_ACCESS, va);
		return RV_STEP_NEXT;
	}
	/* Aligned, so the access lies in one page: sp.p[0] is naturally aligned on the host. */
	res = fn(h, sp.p[0], src);
	h->x[rv_rd(insn)] = res;
	h->pc += 4;
	return RV_STEP_NEXT;
}

int rv_amo_fast_run(struct rv_hart *h, uint32_t insn, unsigned width, enum rv_acc acc,
		    rv_amo_fn *fn)
{
	unsigned rd = rv_rd(insn);
	uint64_t va = h->x[rv_rs1(insn)], res;
	uint8_t *p;

	if (va & (width - 1))
		return 1;
	/* A W entry never maps a page holding decoded code (its stores must be noted). */
	p = rv_tlb_lookup(&h->tlb, h->priv, acc, va);
	/*
	 * A miss walks in place, as a translated load or store's does (mmu.c's
	 * rv_mmu_refill: NULL, nothing raised, for a fault, MMIO or a code page):
	 * a Debian boot left its blocks 44,000 times at AMOs that missed.
	 */
	if (!p)
		p = rv_mmu_refill(h, va, acc);
	if (!p)
		return 1;
	res = fn(h, p, h->x[rv_rs2(insn)]);
	if (rd)
		h->x[rd] = res;
	return 0;
}
