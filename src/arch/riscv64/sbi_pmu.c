/* SPDX-License-Identifier: MIT */
/*
 * SBI Performance Monitoring Unit extension (EID 0x504D55 "PMU"; SBI spec
 * v2.0 chapter 11):
 *   0 num_counters()
 *   1 counter_get_info(counter_idx)
 *   2 counter_config_matching(base, mask, config_flags, event_idx, event_data)
 *   3 counter_start(base, mask, start_flags, initial_value)
 *   4 counter_stop(base, mask, stop_flags)
 *   5 counter_fw_read(counter_idx)     6 counter_fw_read_hi(counter_idx)
 *   7 snapshot_set_shmem(lo, hi, flags)
 *   8 event_get_info (SBI 3.0)         -> NOT_SUPPORTED
 *
 * Counters (sbi_state.h): 0 = cycle (CSR 0xc00), 2 = instret (0xc02),
 * 3..10 = hpmcounter3..10 (0xc03..0xc0a): hardware counters, all counting
 * retired instructions -- this hart's cycle is its instret (one instruction
 * per cycle: nothing else to count); 1 is `time`, not a counter; 11..18 are
 * eight firmware counters. Hardware events: only type 0 codes 1
 * (CPU_CYCLES) and 2 (INSTRUCTIONS); with Sscofpmf on, config_matching
 * prefers an hpmcounter for them (they can overflow; cycle and instret
 * cannot), as OpenSBI does. Firmware events (type 0xf): every standard code
 * 0-21 (counted where they happen: misaligned loads/stores the hart
 * performs for the guest (none while FWFT delegates them: the guest takes
 * those), illegal instructions delivered to the guest, set_timer, IPIs and
 * remote fences sent and received; access faults and hfences never happen
 * here and count 0), and code 0xffff (PLATFORM) with event_data 0 = SBI
 * calls made.
 *
 * A started hardware counter is what the guest reads from the CSR: start
 * with an initial value moves it, stop freezes it (as mcountinhibit would;
 * cycle and instret count from reset, as on hardware whose firmware leaves
 * them running). The mode-inhibit config flags SET_SINH and SET_UINH are
 * honoured for hardware counters (the instructions retired are attributed
 * to U or S at every mode change: sret counts in S; an ecall or other
 * instruction that traps from U, which this hart counts as retired though
 * the spec says it does not retire, counts in S); SET_VUINH, SET_VSINH (no H extension: the guest
 * never runs in VS/VU) and SET_MINH (no M-mode code runs on this hart) have
 * nothing to inhibit.
 *
 * Sscofpmf: an hpmcounter wrapping past 2^64 sets its OF bit (scountovf)
 * and, if OF was clear, makes LCOFI (interrupt 13) pending. config_matching
 * sets OF (no interrupt from a counter not yet started: as OpenSBI), start
 * clears it. The run loop ends its batch at the instruction where the first
 * such counter wraps (pmu.wrap_at), so the interrupt is pending before the
 * next instruction; after a mode change inside a batch (a trap taken by the
 * fast path without ending the batch) it is at most one batch (1024
 * instructions) late.
 *
 * Snapshot shared memory (only with axvm_riscv64_config.pmu_snapshot: see
 * there why it is off by default; function 7 then says NOT_SUPPORTED, as
 * OpenSBI does; 4 KiB, page-aligned RAM, zeroed by set_shmem):
 * offset 0 the overflow bitmap, 8 + 8 * i the value of counter base + i
 * (both relative to the call's counter_idx_base). counter_stop with
 * TAKE_SNAPSHOT writes the stopped counters' values and which of them have
 * OF set; counter_start with INIT_SNAPSHOT starts them from the values
 * there. Without shared memory both flags answer NO_SHMEM.
 *
 * Missing: event_get_info (SBI 3.0).
 */
#include "arch/riscv64/gmem.h"
#include "arch/riscv64/hart.h"
#include "arch/riscv64/sbi.h"

enum {
	SBI_PMU_NUM_COUNTERS = 0,
	SBI_PMU_COUNTER_GET_INFO = 1,
	SBI_PMU_COUNTER_CONFIG_MATCHING = 2,
	SBI_PMU_COUNTER_START = 3,
	SBI_PMU_COUNTER_STOP = 4,
	SBI_PMU_COUNTER_FW_READ = 5,
	SBI_PMU_COUNTER_FW_READ_HI = 6,
	SBI_PMU_SNAPSHOT_SET_SHMEM = 7,
	SBI_PMU_EVENT_GET_INFO = 8,
};

/* config_flags of counter_config_matching. */
#define SBI_PMU_CFG_SKIP_MATCH (1u << 0)
#define SBI_PMU_CFG_CLEAR_VALUE (1u << 1)
#define SBI_PMU_CFG_AUTO_START (1u << 2)
#define SBI_PMU_CFG_SET_VUINH (1u << 3)
#define SBI_PMU_CFG_SET_VSINH (1u << 4)
#define SBI_PMU_CFG_SET_UINH (1u << 5)
#define SBI_PMU_CFG_SET_SINH (1u << 6)
#define SBI_PMU_CFG_SET_MINH (1u << 7)
#define SBI_PMU_CFG_ALL 0xffu
/* start_flags / stop_flags. */
#define SBI_PMU_START_SET_INIT_VALUE (1u << 0)
#define SBI_PMU_START_INIT_SNAPSHOT (1u << 1)
#define SBI_PMU_STOP_RESET (1u << 0)
#define SBI_PMU_STOP_TAKE_SNAPSHOT (1u << 1)

/* event_idx: type in bits 19:16, code in 15:0. */
#define SBI_PMU_TYPE_HW 0x0u
#define SBI_PMU_TYPE_FW 0xfu
#define SBI_PMU_HW_CPU_CYCLES 1u
#define SBI_PMU_HW_INSTRUCTIONS 2u
#define SBI_PMU_FW_PLATFORM 0xffffu
#define SBI_PMU_FW_PLATFORM_SBI_CALLS 0u /* our event_data for PLATFORM */

#define PMU_SNAP_SIZE 4096u
#define PMU_SNAP_VALUES 8u /* offset of counter_values[0] */
#define PMU_CSR_CYCLE 0xc00u
#define PMU_INFO_TYPE_FW (1ull << 63)
#define PMU_INFO_WIDTH_64 (63ull << 12)

static bool pmu_valid(unsigned idx)
{
	return idx < RV_PMU_NUM_COUNTERS && idx != 1;
}

static bool pmu_is_fw(unsigned idx)
{
	return idx >= RV_PMU_NUM_HW;
}

static bool pmu_sscofpmf(const struct rv_hart *h)
{
	return (h->ext_on >> AXVM_RISCV64_EXT_SSCOFPMF) & 1;
}

/* Instructions retired in the modes that inh does not exclude. */
static uint64_t pmu_retired(const struct rv_hart *h, unsigned inh)
{
	const struct rv_pmu *p = &h->sbi.pmu;
	uint64_t n = 0;

	if (!inh)
		return h->instret;
	if (!(inh & RV_PMU_INH_U))
		n +=
		    p->mode_ret[RV_PRIV_U] + (h->priv == RV_PRIV_U ? h->instret - p->mode_mark : 0);
	if (!(inh & RV_PMU_INH_S))
		n +=
		    p->mode_ret[RV_PRIV_S] + (h->priv == RV_PRIV_S ? h->instret - p->mode_mark : 0);
	return n;
}

static uint64_t pmu_source(const struct rv_hart *h, unsigned idx)
{
	if (!pmu_is_fw(idx))
		return pmu_retired(h, h->sbi.pmu.inh[idx]);
	return __atomic_load_n(&h->sbi.pmu.events[h->sbi.pmu.fw_event[idx]], __ATOMIC_RELAXED);
}

static uint64_t pmu_value(const struct rv_hart *h, unsigned idx)
{
	const struct rv_pmu *p = &h->sbi.pmu;

	return (p->started & (1u << idx)) ? pmu_source(h, idx) + p->offset[idx] : p->offset[idx];
}

/*
 * The instret at which the first started hpmcounter counting in the current
 * mode wraps (Sscofpmf on), UINT64_MAX if none. A counter at 0 would wrap
 * after 2^64 instructions: never.
 */
static void pmu_arm(struct rv_hart *h)
{
	struct rv_pmu *p = &h->sbi.pmu;
	unsigned mode_inh = h->priv == RV_PRIV_U ? RV_PMU_INH_U : RV_PMU_INH_S;
	uint32_t run = p->started & RV_PMU_HPM_MASK;
	uint64_t at = UINT64_MAX;

	if (!pmu_sscofpmf(h))
		run = 0;
	while (run) {
		unsigned i = (unsigned)__builtin_ctz(run);
		uint64_t left = -pmu_value(h, i);

		run &= run - 1;
		if ((p->inh[i] & mode_inh) || left == 0)
			continue;
		if (left < UINT64_MAX - h->instret && h->instret + left < at)
			at = h->instret + left;
	}
	p->wrap_at = at;
}

void rv_sbi_pmu_overflow(struct rv_hart *h)
{
	struct rv_pmu *p = &h->sbi.pmu;
	uint32_t run = p->started & RV_PMU_HPM_MASK;

	while (run && pmu_sscofpmf(h)) {
		unsigned i = (unsigned)__builtin_ctz(run);
		uint64_t v = pmu_value(h, i);

		run &= run - 1;
		if (v < p->last[i]) {
			/* The SSE PMU-overflow event, when the guest enabled it, instead of LCOFI.
			 */
			if (!(p->of & (1u << i)) && !rv_sbi_sse_pmu_overflow(h))
				__atomic_fetch_or(&h->pending, RV_MIP_LCOFIP, __ATOMIC_SEQ_CST);
			p->of |= 1u << i;
		}
		p->last[i] = v;
	}
	pmu_arm(h);
}

void rv_sbi_pmu_mode_change(struct rv_hart *h, unsigned from)
{
	struct rv_pmu *p = &h->sbi.pmu;

	p->mode_ret[from] += h->instret - p->mode_mark;
	p->mode_mark = h->instret;
	if (p->started & RV_PMU_HPM_MASK) {
		/* Counters inhibited in one of the modes wrap at another point now. */
		rv_sbi_pmu_overflow(h);
		h->recheck = true;
	}
}

uint64_t rv_sbi_pmu_scountovf(const struct rv_hart *h)
{
	return h->sbi.pmu.of & RV_PMU_HPM_MASK;
}

static void pmu_set_value(struct rv_hart *h, unsigned idx, uint64_t v)
{
	struct rv_pmu *p = &h->sbi.pmu;

	p->offset[idx] = (p->started & (1u << idx)) ? v - pmu_source(h, idx) : v;
	p->last[idx] = v;
}

static void pmu_start(struct rv_hart *h, unsigned idx)
{
	struct rv_pmu *p = &h->sbi.pmu;
	uint64_t v = pmu_value(h, idx);

	p->started |= 1u << idx;
	pmu_set_value(h, idx, v);
}

static void pmu_stop(struct rv_hart *h, unsigned idx)
{
	struct rv_pmu *p = &h->sbi.pmu;

	p->offset[idx] = pmu_value(h, idx);
	p->started &= ~(1u << idx);
}

uint64_t rv_sbi_pmu_hw_read(const struct rv_hart *h, unsigned idx)
{
	return pmu_value(h, idx);
}

/*
 * The fast paths must hand misaligned accesses to interp.c while the guest
 * takes them itself or a started counter counts them; the new value is
 * read at the next batch (recheck ends this one).
 */
void rv_sbi_update_misaligned(struct rv_hart *h)
{
	const struct rv_pmu *p = &h->sbi.pmu;
	bool counting = false;

	for (unsigned i = RV_PMU_NUM_HW; i < RV_PMU_NUM_COUNTERS; i++)
		if ((p->started & (1u << i)) && (p->fw_event[i] == RV_PMU_FW_MISALIGNED_LOAD ||
						 p->fw_event[i] == RV_PMU_FW_MISALIGNED_STORE))
			counting = true;
	h->sbi.misaligned_slow = h->sbi.misaligned_deleg || counting;
	h->recheck = true;
}

bool rv_sbi_misaligned_access(struct rv_hart *h, uint64_t va, bool store)
{
	if (h->sbi.misaligned_deleg) {
		rv_hart_raise(h, store ? RV_EXC_STORE_MISALIGNED : RV_EXC_LOAD_MISALIGNED, va);
		return true;
	}
	rv_sbi_pmu_count(&h->sbi, store ? RV_PMU_FW_MISALIGNED_STORE : RV_PMU_FW_MISALIGNED_LOAD);
	return false;
}

void rv_sbi_hart_init(struct rv_hart *h)
{
	/* cycle and instret count from reset, as this hart's CSRs always did. */
	h->sbi.pmu.started = (1u << RV_PMU_CTR_CYCLE) | (1u << RV_PMU_CTR_INSTRET);
	h->sbi.pmu.wrap_at = UINT64_MAX;
	h->sbi.pmu.snap_gpa = RV_PMU_SNAP_OFF;
	h->sbi.sta_gpa = RV_STA_OFF;
	h->sbi.ad_hw_off = rv_sbi_fwft_ad_hw_off_at_reset(h);
}

/*
 * The counters named by (base, mask) as a bitmap over counter indices, or
 * INVALID_PARAM when the range names indices past the last counter.
 * `strict`: the counter 1 hole is invalid too (start/stop); matching just
 * skips it (Linux passes a mask over every index).
 */
static int64_t pmu_mask(uint64_t base, uint64_t mask, bool strict, uint32_t *out)
{
	uint32_t all = (1u << RV_PMU_NUM_COUNTERS) - 1;

	*out = 0;
	if (base >= RV_PMU_NUM_COUNTERS || (mask << base) >> base != mask ||
	    ((mask << base) & ~(uint64_t)all))
		return SBI_ERR_INVALID_PARAM;
	*out = (uint32_t)(mask << base);
	if (*out & 2u) {
		if (strict)
			return SBI_ERR_INVALID_PARAM;
		*out &= ~2u;
	}
	return SBI_SUCCESS;
}

/* The counters that can count event_idx/event_data, and the firmware event. */
static uint32_t pmu_capable(uint64_t event_idx, uint64_t event_data, uint8_t *fw)
{
	unsigned type = (unsigned)(event_idx >> 16) & 0xf, code = (unsigned)event_idx & 0xffff;
	uint32_t fw_ctrs = ((1u << RV_PMU_NUM_COUNTERS) - 1) & ~((1u << RV_PMU_NUM_HW) - 1);

	if (event_idx >> 20)
		return 0;
	if (type == SBI_PMU_TYPE_HW && code == SBI_PMU_HW_CPU_CYCLES)
		return 1u << RV_PMU_CTR_CYCLE | RV_PMU_HPM_MASK;
	if (type == SBI_PMU_TYPE_HW && code == SBI_PMU_HW_INSTRUCTIONS)
		return 1u << RV_PMU_CTR_INSTRET | RV_PMU_HPM_MASK;
	if (type != SBI_PMU_TYPE_FW)
		return 0;
	if (code < RV_PMU_FW_STD_COUNT) {
		*fw = (uint8_t)code;
		return fw_ctrs;
	}
	if (code == SBI_PMU_FW_PLATFORM && event_data == SBI_PMU_FW_PLATFORM_SBI_CALLS) {
		*fw = RV_PMU_FW_SBI_CALL;
		return fw_ctrs;
	}
	return 0;
}

static void pmu_config_matching(struct rv_sbi_call *call)
{
	struct rv_hart *h = call->hart;
	struct rv_pmu *p = &h->sbi.pmu;
	uint64_t flags = call->args[2];
	uint32_t sel, can;
	uint8_t fw = 0;
	unsigned idx;

	call->error = pmu_mask(call->args[0], call->args[1], false, &sel);
	if (call->error)
		return;
	if (!sel || (flags & ~(uint64_t)SBI_PMU_CFG_ALL)) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	if (flags & SBI_PMU_CFG_SKIP_MATCH) {
		/* Re-use the first named counter as it was configured. */
		idx = (unsigned)__builtin_ctz(sel);
		if (pmu_is_fw(idx) && !(p->in_use & (1u << idx))) {
			call->error = SBI_ERR_INVALID_PARAM;
			return;
		}
	} else {
		can = pmu_capable(call->args[3], call->args[4], &fw) & sel & ~p->in_use;
		if (!can) {
			call->error = SBI_ERR_NOT_SUPPORTED;
			return;
		}
		/* With Sscofpmf an hpmcounter (it can overflow), else a fixed one first. */
		if (pmu_sscofpmf(h) && (can & RV_PMU_HPM_MASK))
			can &= RV_PMU_HPM_MASK;
		else if (can & ~RV_PMU_HPM_MASK)
			can &= ~RV_PMU_HPM_MASK;
		idx = (unsigned)__builtin_ctz(can);
		if (p->started & (1u << idx))
			pmu_stop(h, idx);
		p->fw_event[idx] = fw;
		if (pmu_is_fw(idx))
			p->offset[idx] = 0; /* a new event: no carried-over count */
	}
	if (!pmu_is_fw(idx)) {
		bool run = p->started & (1u << idx);

		/* New mode filters apply from here: the value carries over. */
		if (run)
			pmu_stop(h, idx);
		p->inh[idx] = (uint8_t)(((flags & SBI_PMU_CFG_SET_UINH) ? RV_PMU_INH_U : 0) |
					((flags & SBI_PMU_CFG_SET_SINH) ? RV_PMU_INH_S : 0));
		if (run)
			pmu_start(h, idx);
		/* OF set: no overflow interrupt until counter_start clears it (as OpenSBI). */
		if ((RV_PMU_HPM_MASK >> idx) & 1 && pmu_sscofpmf(h))
			p->of |= 1u << idx;
	}
	p->in_use |= 1u << idx;
	if (flags & SBI_PMU_CFG_CLEAR_VALUE)
		pmu_set_value(h, idx, 0);
	if ((flags & SBI_PMU_CFG_AUTO_START) && !(p->started & (1u << idx))) {
		pmu_start(h, idx);
		p->of &= ~(1u << idx);
	}
	rv_sbi_update_misaligned(h);
	pmu_arm(h);
	call->value = idx;
}

/*
 * The snapshot area's host address, or NULL (none set, or the guest's RAM
 * there is gone: the flags then answer NO_SHMEM).
 */
static uintptr_t pmu_snap(const struct rv_hart *h)
{
	void *hva;
	uint64_t avail;

	if (h->sbi.pmu.snap_gpa == RV_PMU_SNAP_OFF ||
	    axvm_addrspace_translate(h->as, h->sbi.pmu.snap_gpa, AXVM_ACCESS_WRITE, &hva, &avail,
				     NULL) != 0 ||
	    avail < PMU_SNAP_SIZE)
		return 0;
	/* The caller writes it at once, on this thread: counted for decoded code (dcache.c). */
	axvm_addrspace_note_write(h->as);
	return (uintptr_t)hva;
}

static void pmu_snapshot_set_shmem(struct rv_sbi_call *call)
{
	static const uint8_t zeros[PMU_SNAP_SIZE];
	struct rv_hart *h = call->hart;
	uint64_t lo = call->args[0], hi = call->args[1];
	struct axvm_region_info r;

	if (!h->sbi.pmu.snap_offered) {
		call->error = SBI_ERR_NOT_SUPPORTED;
		return;
	}
	if (call->args[2] != 0) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	if (lo == UINT64_MAX && hi == UINT64_MAX) {
		h->sbi.pmu.snap_gpa = RV_PMU_SNAP_OFF;
		return;
	}
	if (lo % PMU_SNAP_SIZE) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	/* RV64: an address needing the high word does not exist. */
	if (hi != 0 || axvm_addrspace_find(h->as, lo, &r) != 0 || r.kind == AXVM_REGION_MMIO ||
	    !(r.flags & AXVM_MEM_WRITE) || r.size - (lo - r.gpa) < PMU_SNAP_SIZE ||
	    axvm_addrspace_write(h->as, lo, zeros, PMU_SNAP_SIZE) != 0) {
		rv_sbi_log_guest(call, "PMU snapshot_set_shmem: not writable RAM");
		call->error = SBI_ERR_INVALID_ADDRESS;
		return;
	}
	h->sbi.pmu.snap_gpa = lo;
}

static void pmu_counter_start(struct rv_sbi_call *call)
{
	struct rv_hart *h = call->hart;
	struct rv_pmu *p = &h->sbi.pmu;
	uint64_t flags = call->args[2];
	uintptr_t snap = 0;
	uint32_t sel;

	call->error = pmu_mask(call->args[0], call->args[1], true, &sel);
	if (call->error)
		return;
	if (flags & ~(uint64_t)(SBI_PMU_START_SET_INIT_VALUE | SBI_PMU_START_INIT_SNAPSHOT)) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	if ((flags & SBI_PMU_START_INIT_SNAPSHOT) && !(snap = pmu_snap(h))) {
		call->error = SBI_ERR_NO_SHMEM;
		return;
	}
	/* A firmware counter without an event has nothing to count. */
	if (sel & ~p->in_use & ~((1u << RV_PMU_NUM_HW) - 1)) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	for (unsigned i = 0; i < RV_PMU_NUM_COUNTERS; i++) {
		if (!(sel & (1u << i)))
			continue;
		if (p->started & (1u << i)) {
			call->error = SBI_ERR_ALREADY_STARTED;
			continue;
		}
		if (snap)
			rv_gmem_load(&p->offset[i],
				     snap + PMU_SNAP_VALUES + 8 * (i - (unsigned)call->args[0]), 8);
		else if (flags & SBI_PMU_START_SET_INIT_VALUE)
			p->offset[i] = call->args[3];
		pmu_start(h, i);
		p->of &= ~(1u << i); /* overflow interrupt enabled again */
	}
	rv_sbi_update_misaligned(h);
	pmu_arm(h);
}

static void pmu_counter_stop(struct rv_sbi_call *call)
{
	struct rv_hart *h = call->hart;
	struct rv_pmu *p = &h->sbi.pmu;
	uint64_t flags = call->args[2], ovf = 0;
	unsigned base = (unsigned)call->args[0];
	uintptr_t snap = 0;
	uint32_t sel;

	call->error = pmu_mask(call->args[0], call->args[1], true, &sel);
	if (call->error)
		return;
	if (flags & ~(uint64_t)(SBI_PMU_STOP_RESET | SBI_PMU_STOP_TAKE_SNAPSHOT)) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	if ((flags & SBI_PMU_STOP_TAKE_SNAPSHOT) && !(snap = pmu_snap(h))) {
		call->error = SBI_ERR_NO_SHMEM;
		return;
	}
	for (unsigned i = 0; i < RV_PMU_NUM_COUNTERS; i++) {
		if (!(sel & (1u << i)))
			continue;
		if (p->started & (1u << i))
			pmu_stop(h, i);
		else
			call->error = SBI_ERR_ALREADY_STOPPED;
		if (snap) {
			uint64_t v = pmu_value(h, i);

			rv_gmem_store(snap + PMU_SNAP_VALUES + 8 * (i - base), &v, 8);
			if (p->of & (1u << i) & RV_PMU_HPM_MASK)
				ovf |= 1ull << (i - base);
		}
		/* Reset releases the counter even if it was already stopped (as OpenSBI). */
		if (flags & SBI_PMU_STOP_RESET) {
			p->in_use &= ~(1u << i);
			p->of &= ~(1u << i);
			p->inh[i] = 0;
		}
	}
	if (snap)
		rv_gmem_store(snap, &ovf, 8);
	rv_sbi_update_misaligned(h);
	pmu_arm(h);
}

static int sbi_pmu_handler(struct rv_sbi_call *call)
{
	uint64_t idx = call->args[0];

	switch (call->fid) {
	case SBI_PMU_NUM_COUNTERS:
		call->value = RV_PMU_NUM_COUNTERS;
		break;
	case SBI_PMU_COUNTER_GET_INFO:
		if (idx >= RV_PMU_NUM_COUNTERS || !pmu_valid((unsigned)idx))
			call->error = SBI_ERR_INVALID_PARAM;
		else if (pmu_is_fw((unsigned)idx))
			call->value = PMU_INFO_TYPE_FW | PMU_INFO_WIDTH_64;
		else
			call->value = PMU_INFO_WIDTH_64 | (PMU_CSR_CYCLE + idx);
		break;
	case SBI_PMU_COUNTER_CONFIG_MATCHING:
		pmu_config_matching(call);
		break;
	case SBI_PMU_COUNTER_START:
		pmu_counter_start(call);
		break;
	case SBI_PMU_COUNTER_STOP:
		pmu_counter_stop(call);
		break;
	case SBI_PMU_COUNTER_FW_READ:
	case SBI_PMU_COUNTER_FW_READ_HI:
		if (idx >= RV_PMU_NUM_COUNTERS || !pmu_is_fw((unsigned)idx))
			call->error = SBI_ERR_INVALID_PARAM;
		else if (call->fid == SBI_PMU_COUNTER_FW_READ)
			call->value = pmu_value(call->hart, (unsigned)idx);
		else
			call->value = 0; /* RV64: the low read has all 64 bits */
		break;
	case SBI_PMU_SNAPSHOT_SET_SHMEM:
		pmu_snapshot_set_shmem(call);
		break;
	case SBI_PMU_EVENT_GET_INFO:
	default:
		rv_sbi_log_guest(call, "PMU function not supported");
		call->error = SBI_ERR_NOT_SUPPORTED;
		break;
	}
	return 1;
}

const struct rv_sbi_ext rv_sbi_ext_pmu = {
    .name = "PMU",
    .eid_min = SBI_EXT_PMU,
    .eid_max = SBI_EXT_PMU,
    .handler = sbi_pmu_handler,
};
