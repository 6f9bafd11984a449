/* SPDX-License-Identifier: MIT */
/*
 * The hart's life cycle, run loop, trap entry, interrupt delivery, guest time
 * and the cross-thread requests (interrupt posting, kick, remote flush).
 *
 * Trap entry follows the privileged spec, "Supervisor Trap Handling": scause,
 * sepc, stval are written, SPP <- mode, SPIE <- SIE, SIE <- 0, mode <- S,
 * pc <- stvec (BASE + 4 * cause for interrupts in vectored mode). With no
 * M-mode, every trap goes to S ("full delegation").
 * Interrupt priority among S-level sources: SEI > SSI > STI > LCOFI. An interrupt is
 * taken when pending & sie != 0 and (mode == U or sstatus.SIE).
 */
#include "arch/riscv64/hart.h"
#include "arch/riscv64/sbi.h"

#include "arch/riscv64/debug.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/riscv64/jit.h"

/* Instructions between checks for kicks, the timer and interrupts. */
#define HART_BATCH 1024u
/*
 * The same with the translator on: each batch's end leaves translated code
 * (the block that does not fit the budget runs interpreted to the exact
 * end), so a Debian boot's 3.8 billion instructions in batches of 1024 spent
 * a fifth of their time at batch edges. 8192 keeps a timer interrupt within
 * about 8 us of a 1 GIPS guest.
 */
#define HART_BATCH_JIT 8192u

static uint64_t hart_ld64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint32_t hart_ld32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void hart_wake(struct rv_hart *h)
{
	__atomic_fetch_add(&h->wake_seq, 1, __ATOMIC_SEQ_CST);
	if (h->hal && h->hal->wake)
		h->hal->wake(h->hal->ctx, &h->wake_seq);
}

/* The translator if the config (or AXVM_JIT in the environment) asks for it and it is available. */
static void hart_jit_setup(struct rv_hart *h, const struct axvm_riscv64_config *cfg)
{
	const char *env = getenv("AXVM_JIT");
	bool on = !cfg || cfg->jit != AXVM_RISCV64_JIT_OFF;

	if (env && *env)
		on = env[0] == '1';
	if (on)
		h->jit = rv_jit_create(cfg ? (size_t)cfg->jit_cache_size : 0);
}

/*
 * AXVM_JIT_STATS=1: the translator's counters when the hart goes (a
 * profiling aid; logged at warn level so that it shows without -v).
 */
static void hart_jit_report(const struct rv_hart *h)
{
	const struct rv_jit_stats *s;
	const char *env = getenv("AXVM_JIT_STATS");

	if (!h->jit || !env || env[0] != '1')
		return;
	s = rv_jit_stats(h->jit);
	axvm_log(AXVM_LOG_WARN,
		 "jit hart %u: %" PRIu64 " blocks, %" PRIu64 " guest insns, %" PRIu64
		 " code bytes, %" PRIu64 " us translating, %" PRIu64 " flushes, %" PRIu64
		 " failed, %" PRIu64 " block runs (%" PRIu64 " asks), %" PRIu64 " of %" PRIu64
		 " insns in blocks, %" PRIu64 " TLB refills in blocks",
		 h->id, s->blocks, s->guest_insns, s->code_bytes, s->translate_ns / 1000,
		 s->flushes, s->failed, s->runs, s->asks, s->insns, h->instret, s->refills);
	axvm_log(AXVM_LOG_WARN,
		 "jit hart %u: decoded cache: %" PRIu64 " pages added, %" PRIu64
		 " slots decoded, %" PRIu64 " page resets (epoch), %" PRIu64
		 " pages kept (epoch, same bytes; %" PRIu64
		 " of them unwritten, not compared), %" PRIu64 " full frees, %" PRIu64
		 " slot-resetting stores, %" PRIu64 " epochs",
		 h->id, h->dc.adds, h->dc.decoded, h->dc.resets, h->dc.kept, h->dc.unwritten,
		 h->dc.frees, h->dc.slot_writes, h->dc.epoch);
	for (unsigned i = 0; i < RV_DOP_COUNT; i++)
		if (s->slow_exit_op[i])
			axvm_log(AXVM_LOG_WARN, "jit hart %u: %" PRIu64 " slow exits at op %u",
				 h->id, s->slow_exit_op[i], i);
	for (unsigned i = 0; i < 128; i++)
		if (s->slow_exit_generic[i])
			axvm_log(AXVM_LOG_WARN,
				 "jit hart %u: %" PRIu64 " slow exits at opcode 0x%02x", h->id,
				 s->slow_exit_generic[i], i);
	for (unsigned i = 0; i < 4096; i++)
		if (s->slow_exit_csr[i])
			axvm_log(AXVM_LOG_WARN, "jit hart %u: %" PRIu64 " slow exits at CSR 0x%03x",
				 h->id, s->slow_exit_csr[i], i);
}

/*
 * The hart (140 KiB, most of it the software TLB, which the reset below
 * fills at once) backed in one system call: as separate first touches it
 * was 35 host page faults, each costly in a virtualized host (a fifth of a
 * small VM's creation). Zeroed, like calloc.
 */
static struct rv_hart *hart_alloc(void)
{
	void *p = mmap(NULL, sizeof(struct rv_hart), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int rv_hart_create(const struct axvm_riscv64_config *cfg, unsigned id, const struct axvm_hal *hal,
		   struct rv_hart **out)
{
	struct rv_hart *h;

	*out = NULL;
	if (!hal || !hal->now_ns)
		return -AXVM_EINVAL;
	h = hart_alloc();
	if (!h)
		return -AXVM_ENOMEM;
	h->id = id;
	h->hal = hal;
	h->timebase_hz = AXVM_RISCV64_DEFAULT_TIMEBASE_HZ;
	h->run_budget = AXVM_RISCV64_DEFAULT_RUN_BUDGET;
	h->ext_on = axvm_riscv64_ext_enabled(cfg ? cfg->ext_off : 0, cfg ? cfg->ext_on : 0);
	if (cfg) {
		if (cfg->timebase_hz)
			h->timebase_hz = cfg->timebase_hz;
		if (cfg->run_budget)
			h->run_budget = cfg->run_budget;
		h->epoch_ns = cfg->epoch_ns;
		h->sstc = cfg->sstc;
		h->sbi.pmu.snap_offered = cfg->pmu_snapshot;
		h->machine = cfg->machine;
	}
	/* Zfh implies Zfhmin. */
	h->fpu.half = (h->ext_on & (1ull << AXVM_RISCV64_EXT_ZFH))	? RV_FPU_HALF_FULL
		      : (h->ext_on & (1ull << AXVM_RISCV64_EXT_ZFHMIN)) ? RV_FPU_HALF_MIN
									: RV_FPU_HALF_NONE;
	h->fpu.zfa = (h->ext_on >> AXVM_RISCV64_EXT_ZFA) & 1;
	h->timecmp = UINT64_MAX;
	rv_sbi_hart_init(h);
	hart_jit_setup(h, cfg);
	h->rvc_memo = calloc(1u << 16, sizeof(*h->rvc_memo)); /* optional: NULL is fine */
	rv_dcache_init(&h->dc); /* optional too: without it every instruction is decoded */
	rv_hart_reset(h, 0);
	*out = h;
	return 0;
}

void rv_hart_destroy(struct rv_hart *h)
{
	if (!h)
		return;
	free(h->rvc_memo);
	rv_dcache_destroy(&h->dc);
	hart_jit_report(h);
	rv_jit_destroy(h->jit);
	munmap(h, sizeof(*h));
}

void rv_hart_set_csr_unclaimed_illegal(struct rv_hart *h, bool on)
{
	h->csr_unclaimed_illegal = on;
}

void rv_hart_flush_tlb_local(struct rv_hart *h)
{
	rv_tlb_flush_all(&h->tlb);
	h->resv_valid = false;
}

void rv_hart_flush_local(struct rv_hart *h)
{
	rv_hart_flush_tlb_local(h);
	rv_dcache_invalidate_all(h);
}

void rv_hart_reset(struct rv_hart *h, uint64_t entry)
{
	enum rv_priv from = h->priv;

	h->pc = entry;
	h->priv = RV_PRIV_S;
	if (from != RV_PRIV_S)
		rv_sbi_pmu_mode_change(h, from);
	h->satp = 0;
	h->sstatus = 0;
	/*
	 * The firmware we stand in for (OpenSBI) enables every counter for
	 * U-mode before entering S-mode, and Linux never writes scounteren:
	 * its vDSO reads `time` from U-mode.
	 */
	h->scounteren = 7;
	h->resv_valid = false;
	h->csr_rmw.active = false;
	rv_hart_flush_local(h);
}

void rv_hart_boot(struct rv_hart *h, uint64_t entry, uint64_t arg)
{
	rv_hart_reset(h, entry);
	h->x[AXVM_RISCV64_REG_A(0)] = h->id;
	h->x[AXVM_RISCV64_REG_A(1)] = arg;
}

uint64_t rv_hart_sstatus_read(const struct rv_hart *h)
{
	uint64_t v = h->sstatus | RV_SSTATUS_UXL_64;

	if ((v & RV_SSTATUS_FS) == RV_SSTATUS_FS)
		v |= RV_SSTATUS_SD;
	return v;
}

/* a * mul / div without intermediate overflow; saturates at UINT64_MAX. */
static uint64_t hart_muldiv(uint64_t a, uint64_t mul, uint64_t div)
{
	unsigned __int128 r = (unsigned __int128)a * mul / div;

	return r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
}

uint64_t rv_hart_time(const struct rv_hart *h)
{
	uint64_t now =
	    h->guest_clock_ns ? h->guest_clock_ns(h->clock_opaque) : h->hal->now_ns(h->hal->ctx);

	if (now <= h->epoch_ns)
		return 0;
	return hart_muldiv(now - h->epoch_ns, h->timebase_hz, 1000000000ull);
}

void rv_hart_set_timer(struct rv_hart *h, uint64_t deadline)
{
	__atomic_store_n(&h->timecmp, deadline, __ATOMIC_RELEASE);
	__atomic_fetch_and(&h->pending, ~RV_MIP_STIP, __ATOMIC_SEQ_CST);
	/* An already-passed deadline raises STIP at the hart's next check. */
	hart_wake(h);
}

void rv_hart_post_interrupt(struct rv_hart *h, unsigned code)
{
	if (code >= 32)
		return;
	__atomic_fetch_or(&h->pending, 1u << code, __ATOMIC_SEQ_CST);
	hart_wake(h);
}

void rv_hart_clear_interrupt(struct rv_hart *h, unsigned code)
{
	if (code >= 32)
		return;
	__atomic_fetch_and(&h->pending, ~(1u << code), __ATOMIC_SEQ_CST);
}

void rv_hart_signal_sse(struct rv_hart *h, uint32_t bits)
{
	__atomic_fetch_or(&h->sbi.sse.signal, bits, __ATOMIC_SEQ_CST);
	hart_wake(h);
}

void rv_hart_kick(struct rv_hart *h)
{
	__atomic_fetch_or(&h->events, RV_EVENT_KICK, __ATOMIC_SEQ_CST);
	hart_wake(h);
}

uint64_t rv_hart_request_tlb_flush(struct rv_hart *h)
{
	uint64_t ticket = __atomic_add_fetch(&h->flush_req, 1, __ATOMIC_SEQ_CST);

	__atomic_fetch_or(&h->events, RV_EVENT_FLUSH, __ATOMIC_SEQ_CST);
	return ticket;
}

uint64_t rv_hart_request_flush(struct rv_hart *h)
{
	/*
	 * The caller (another thread) may have written code behind the hart's
	 * back: counted, so the flush compares every decoded page (dcache.c).
	 */
	if (h->as)
		axvm_addrspace_note_write(h->as);
	/* IFLUSH before the ticket: see rv_hart_service_flush. */
	__atomic_fetch_or(&h->events, RV_EVENT_IFLUSH, __ATOMIC_SEQ_CST);
	return rv_hart_request_tlb_flush(h);
}

bool rv_hart_flush_done(const struct rv_hart *h, uint64_t ticket)
{
	return hart_ld64(&h->flush_done) >= ticket;
}

bool rv_hart_is_running(const struct rv_hart *h)
{
	return hart_ld32(&h->running) != 0;
}

void rv_hart_raise(struct rv_hart *h, enum rv_exc cause, uint64_t tval)
{
	if ((unsigned)cause < RV_STAT_CAUSES) /* hart_take_interrupt counts its own */
		rv_hart_stat_inc(&h->stat_exceptions[cause]);
	if (cause == RV_EXC_ILLEGAL) /* the PMU's ILLEGAL_INSN firmware event */
		rv_sbi_pmu_count(&h->sbi, RV_PMU_FW_ILLEGAL_INSN);
	h->scause = (uint64_t)cause;
	h->sepc = h->pc;
	h->stval = tval;
	rv_hart_enter_s(h);
	h->pc = h->stvec & ~3ull;
}

void rv_hart_enter_s(struct rv_hart *h)
{
	uint64_t s = h->sstatus;

	s &= ~(RV_SSTATUS_SPP | RV_SSTATUS_SPIE);
	if (h->priv == RV_PRIV_S)
		s |= RV_SSTATUS_SPP;
	if (s & RV_SSTATUS_SIE)
		s |= RV_SSTATUS_SPIE;
	s &= ~RV_SSTATUS_SIE;
	h->sstatus = s;
	if (h->priv != RV_PRIV_S) {
		h->priv = RV_PRIV_S;
		rv_sbi_pmu_mode_change(h, RV_PRIV_U); /* the PMU's mode filters */
	}
	h->resv_valid = false;
}

static void hart_take_interrupt(struct rv_hart *h, unsigned code)
{
	uint64_t base = h->stvec & ~3ull;

	rv_hart_raise(h, (enum rv_exc)RV_STAT_CAUSES, 0); /* not counted as an exception */
	if (code < RV_STAT_CAUSES)
		rv_hart_stat_inc(&h->stat_interrupts[code]);
	h->scause = RV_CAUSE_INTERRUPT | code;
	if ((h->stvec & 3) == 1)
		h->pc = base + 4ull * code;
}

/* Raise STIP if the deadline has passed. */
static void hart_check_timer(struct rv_hart *h)
{
	uint64_t cmp = hart_ld64(&h->timecmp);

	if (cmp == UINT64_MAX || (hart_ld32(&h->pending) & RV_MIP_STIP))
		return;
	if (rv_hart_time(h) >= cmp)
		__atomic_fetch_or(&h->pending, RV_MIP_STIP, __ATOMIC_SEQ_CST);
}

uint32_t rv_hart_pending_enabled(struct rv_hart *h)
{
	hart_check_timer(h);
	return hart_ld32(&h->pending) & (uint32_t)h->sie & RV_MIP_S_MASK;
}

/* The interrupt to take now (its code), or -1. */
static int hart_pick_interrupt(struct rv_hart *h)
{
	uint32_t ready = hart_ld32(&h->pending) & (uint32_t)h->sie & RV_MIP_S_MASK;

	if (!ready)
		return -1;
	if (h->priv == RV_PRIV_S && !(h->sstatus & RV_SSTATUS_SIE))
		return -1;
	if (ready & RV_MIP_SEIP)
		return RV_IRQ_SEI;
	if (ready & RV_MIP_SSIP)
		return RV_IRQ_SSI;
	if (ready & RV_MIP_STIP)
		return RV_IRQ_STI;
	return RV_IRQ_LCOFI; /* Sscofpmf: below the standard three */
}

void rv_hart_service_flush(struct rv_hart *h)
{
	uint64_t req;

	/*
	 * Clear the request bit before reading the ticket: a request whose ticket
	 * we miss sets the bit again after this and is serviced next batch.
	 * IFLUSH is taken after reading the ticket: a requester sets it before
	 * taking its ticket, so every ticket <= req that wants the decode cache
	 * reset has its bit visible here (an extra reset is harmless).
	 */
	__atomic_fetch_and(&h->events, ~RV_EVENT_FLUSH, __ATOMIC_SEQ_CST);
	req = __atomic_load_n(&h->flush_req, __ATOMIC_SEQ_CST);
	if (req <= __atomic_load_n(&h->flush_done, __ATOMIC_ACQUIRE))
		return;
	if (__atomic_fetch_and(&h->events, ~RV_EVENT_IFLUSH, __ATOMIC_SEQ_CST) & RV_EVENT_IFLUSH)
		rv_hart_flush_local(h);
	else
		rv_hart_flush_tlb_local(h);
	__atomic_store_n(&h->flush_done, req, __ATOMIC_RELEASE);
}

static void hart_check_generation(struct rv_hart *h)
{
	uint64_t gen = axvm_addrspace_generation(h->as);

	if (gen != h->as_generation) {
		h->as_generation = gen;
		rv_hart_flush_tlb_local(h);
		rv_dcache_free_all(h); /* decoded host pages may be gone: no reset, a free */
	}
}

static void hart_exit_nothing(struct axvm_exit *exit)
{
	memset(exit, 0, sizeof(*exit));
	exit->reason = AXVM_EXIT_NOTHING;
}

int rv_hart_run(struct rv_hart *h, struct axvm_exit *exit)
{
	uint64_t budget = h->run_budget;
	const uint64_t batch = h->jit ? HART_BATCH_JIT : HART_BATCH;
	int ret = 0;

	if (!h->as)
		return -AXVM_ESTATE;
	memset(exit, 0, sizeof(*exit));
	if (h->csr_rmw.active && rv_interp_csr_rmw_finish(h, exit) == RV_STEP_EXIT)
		return 0;
	if (h->sbi.sta_gpa != RV_STA_OFF)
		rv_sbi_sta_update(h); /* the guest is about to run: account its steal time */
	__atomic_store_n(&h->running, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		/* seq_cst: pairs with requesters that set events, then check `running` */
		uint32_t ev = __atomic_load_n(&h->events, __ATOMIC_SEQ_CST);
		uint64_t n;
		int irq, r;

		if (ev & RV_EVENT_FLUSH)
			rv_hart_service_flush(h);
		if (ev & RV_EVENT_KICK) {
			__atomic_fetch_and(&h->events, ~RV_EVENT_KICK, __ATOMIC_SEQ_CST);
			hart_exit_nothing(exit);
			break;
		}
		if (budget == 0) {
			hart_exit_nothing(exit);
			break;
		}
		hart_check_generation(h);
		/*
		 * Reading the clock costs more than a short MMIO exit round trip:
		 * at most once per batch's worth of instructions, however often
		 * run() is entered; at once after an instruction that may have
		 * moved the deadline (stimecmp write, SBI call: h->recheck).
		 */
		if (h->recheck || h->instret - h->timer_checked >= batch ||
		    h->instret < h->timer_checked) {
			h->timer_checked = h->instret;
			hart_check_timer(h);
		}
		/* A started hpmcounter wrapped at the end of the last batch (Sscofpmf). */
		if (h->instret >= h->sbi.pmu.wrap_at)
			rv_sbi_pmu_overflow(h);
		/*
		 * A debugger's single step runs one instruction, no interrupt (as
		 * QEMU's gdbstub). SSE events preempt every interrupt (SBI v3.0):
		 * one delivered here enters its handler with SIE clear, so no
		 * interrupt is taken on top of it.
		 */
		if (!h->dbg.step && __atomic_load_n(&h->sbi.sse.signal, __ATOMIC_RELAXED))
			rv_sbi_sse_deliver(h);
		irq = h->dbg.step ? -1 : hart_pick_interrupt(h);
		if (irq >= 0)
			hart_take_interrupt(h, (unsigned)irq);

		n = budget < batch ? budget : batch;
		/*
		 * Where nothing needs the batch to end exactly, a translated block
		 * may run past it (rv_hart.batch_slack): not the budget's last
		 * instructions (a debugger's step, a test's count), not where an
		 * hpmcounter wraps (pmu.wrap_at > instret here).
		 */
		h->batch_slack = budget - n >= RV_JIT_SLACK ? RV_JIT_SLACK : 0;
		if (h->sbi.pmu.wrap_at - h->instret < n + RV_JIT_SLACK) {
			h->batch_slack = 0;
			if (h->sbi.pmu.wrap_at - h->instret < n)
				n = h->sbi.pmu.wrap_at - h->instret;
		}
		if (h->dbg.active)
			r = rv_debug_batch(h, n, &n, exit);
		else if (h->dc.bucket)
			r = rv_exec_batch(h, n, &n, exit);
		else
			r = rv_interp_batch(h, n, &n, exit);
		budget = n < budget ? budget - n : 0;
		if (r != RV_STEP_NEXT) {
			ret = r < 0 ? r : 0;
			goto out;
		}
	}
out:
	/*
	 * Release is enough here: a requester that still sees 1 just waits a
	 * little longer, and an unserviced request keeps its events bit.
	 */
	__atomic_store_n(&h->running, 0, __ATOMIC_RELEASE);
	/* A flush requested while we ran but not yet serviced is done at the next run(). */
	return ret;
}

int rv_hart_wait_for_interrupt(struct rv_hart *h, uint64_t timeout_ns)
{
	const struct axvm_hal *hal = h->hal;
	uint64_t start = hal->now_ns(hal->ctx);

	for (;;) {
		uint32_t seq = hart_ld32(&h->wake_seq);
		uint64_t now, waited, left, cmp;

		if (hart_ld32(&h->events) & RV_EVENT_KICK)
			return 0;
		hart_check_timer(h);
		if (hart_ld32(&h->pending) & (uint32_t)h->sie & RV_MIP_S_MASK)
			return 0;
		if (rv_sbi_sse_ready(h)) /* run() delivers it, or finds nothing to */
			return 0;
		now = hal->now_ns(hal->ctx);
		waited = now - start;
		if (timeout_ns != UINT64_MAX && waited >= timeout_ns)
			return 0;
		left = timeout_ns == UINT64_MAX ? UINT64_MAX : timeout_ns - waited;
		cmp = hart_ld64(&h->timecmp);
		if (cmp != UINT64_MAX && (h->sie & RV_MIP_STIP)) {
			uint64_t t = rv_hart_time(h), until;

			until = cmp <= t ? 0 : hart_muldiv(cmp - t, 1000000000ull, h->timebase_hz);
			if (until < left)
				left = until;
		}
		if (left == 0)
			continue;
		if (!hal->wait)
			return 0;
		hal->wait(hal->ctx, &h->wake_seq, seq, left);
	}
}
