/* SPDX-License-Identifier: MIT */
/*
 * SBI dispatch (SBI spec v2.0, chapter 3 "Binary Encoding"): a7 = EID,
 * a6 = FID, a0..a5 = arguments; the result goes back in a0 (error) and a1
 * (value). EIDs and FIDs are signed 32-bit values, so an a7 that is not the
 * sign extension of its low 32 bits names no extension. Legacy extensions
 * (EIDs 0x00-0x0F, v0.1) ignore a6 and return only a0.
 *
 * Also the helpers the extensions share: hart masks, IPIs, remote flushes.
 */
#include "arch/riscv64/sbi.h"

#include <sched.h>
#include <string.h>
#include <time.h>

#include "arch/riscv64/hart.h"
#include "arch/riscv64/machine.h"
#include "axvm/log.h"
#include "core/trace.h"

static const struct rv_sbi_ext *const sbi_exts[] = {
    &rv_sbi_ext_legacy, &rv_sbi_ext_base, &rv_sbi_ext_time, &rv_sbi_ext_ipi, &rv_sbi_ext_rfence,
    &rv_sbi_ext_hsm,	&rv_sbi_ext_srst, &rv_sbi_ext_dbcn, &rv_sbi_ext_pmu, &rv_sbi_ext_sta,
    &rv_sbi_ext_susp,	&rv_sbi_ext_fwft, &rv_sbi_ext_dbtr, &rv_sbi_ext_sse,
};

#define SBI_EXT_COUNT (sizeof(sbi_exts) / sizeof(sbi_exts[0]))
_Static_assert(SBI_EXT_COUNT <= RV_STAT_SBI_EXTS, "hart.h: RV_STAT_SBI_EXTS is too small");

/* The slot of the extension serving eid, or -1. */
static int sbi_find_slot(uint64_t eid)
{
	for (size_t i = 0; i < SBI_EXT_COUNT; i++)
		if (eid >= sbi_exts[i]->eid_min && eid <= sbi_exts[i]->eid_max)
			return (int)i;
	return -1;
}

const struct rv_sbi_ext *rv_sbi_find_ext(uint64_t eid)
{
	int slot = sbi_find_slot(eid);

	return slot < 0 ? NULL : sbi_exts[slot];
}

const struct rv_sbi_ext *rv_sbi_ext_at(unsigned slot)
{
	return slot < SBI_EXT_COUNT ? sbi_exts[slot] : NULL;
}

/* The statistics' function slot of a call: its FID, or a legacy call's EID. */
static uint64_t ext_fn_index(const struct rv_sbi_ext *ext, const struct rv_sbi_call *call)
{
	uint64_t fn = ext->legacy ? call->eid - ext->eid_min : call->fid;

	return fn < RV_STAT_SBI_FIDS - 1 ? fn : RV_STAT_SBI_FIDS - 1;
}

/* --trace sbi: the call and its answer (a0/a1 as the guest will see them). */
static void sbi_trace(const struct rv_sbi_call *call, const struct rv_sbi_ext *ext)
{
	const uint64_t *a = call->hart->x + AXVM_RISCV64_REG_A(0);

	axvm_trace_emit(call->hart->tracer, call->hart->id, "sbi",
			"%s eid 0x%llx fid %llu args 0x%llx 0x%llx 0x%llx -> %s%lld 0x%llx",
			ext ? ext->name : "(unserved)", (unsigned long long)call->eid,
			(unsigned long long)call->fid, (unsigned long long)call->args[0],
			(unsigned long long)call->args[1], (unsigned long long)call->args[2],
			call->retry ? "retry " : "", (long long)a[0], (unsigned long long)a[1]);
}

int64_t rv_sbi_shmem_check(const struct rv_sbi_call *call, uint64_t lo, uint64_t hi, uint64_t size,
			   bool write)
{
	struct axvm_region_info r;

	/* RV64: an address needing the high word does not exist. */
	if (hi != 0 || lo + size < lo || axvm_addrspace_find(call->hart->as, lo, &r) != 0 ||
	    r.kind == AXVM_REGION_MMIO || !(r.flags & AXVM_MEM_READ) ||
	    (write && !(r.flags & AXVM_MEM_WRITE)) || r.size - (lo - r.gpa) < size) {
		rv_sbi_log_guest(call, "shared memory is not guest RAM");
		return SBI_ERR_INVALID_ADDRESS;
	}
	return SBI_SUCCESS;
}

/*
 * The rate-limit state is the calling hart's own: only its vCPU thread
 * touches it, so the counters need no lock, one VM's guest cannot silence
 * another's messages, and harts without a machine have one too.
 */
void rv_sbi_log_guest(const struct rv_sbi_call *call, const char *what)
{
	unsigned id = call->hart->id;

	axvm_log_ratelimited(&call->hart->sbi_log_limit, AXVM_LOG_DEBUG,
			     "hart %u: SBI eid 0x%llx fid %llu: %s (pc 0x%llx)", id,
			     (unsigned long long)call->eid, (unsigned long long)call->fid, what,
			     (unsigned long long)call->hart->pc);
}

/*
 * An extension we do not implement leaves run() as a Hypercall exit so an
 * embedder can serve its own: nr = EID (a7), fid = FID (a6), args = a0..a5.
 * a0/a1 are preset to SBI_ERR_NOT_SUPPORTED/0, so a caller that ignores the
 * exit gives the guest the answer the spec asks for.
 */
static int sbi_exit_hypercall(struct rv_sbi_call *call)
{
	struct axvm_exit *exit = call->exit;

	exit->reason = AXVM_EXIT_HYPERCALL;
	exit->hypercall.nr = call->eid;
	exit->hypercall.fid = call->fid;
	for (int i = 0; i < 6; i++)
		exit->hypercall.args[i] = call->args[i];
	call->error = SBI_ERR_NOT_SUPPORTED;
	call->value = 0;
	return 0;
}

int rv_sbi_ecall(struct rv_hart *h, struct axvm_exit *exit)
{
	struct rv_sbi_call call = {
	    .hart = h,
	    .machine = h->machine,
	    .eid = h->x[AXVM_RISCV64_REG_A(7)],
	    .fid = h->x[AXVM_RISCV64_REG_A(6)],
	    .exit = exit,
	};
	const struct rv_sbi_ext *ext = NULL;
	int ret = 1, slot;

	memset(exit, 0, sizeof(*exit));
	exit->reason = AXVM_EXIT_NOTHING; /* only meaningful when a handler returns 0 */
	rv_sbi_pmu_count(&h->sbi, RV_PMU_FW_SBI_CALL);
	for (int i = 0; i < 6; i++)
		call.args[i] = h->x[AXVM_RISCV64_REG_A(i)];
	if ((uint64_t)(int64_t)(int32_t)call.eid != call.eid) {
		/* Not an EID at all (spec: EIDs are signed 32-bit): nobody could serve it. */
		rv_sbi_log_guest(&call, "EID is not a sign-extended 32-bit value");
		call.error = SBI_ERR_NOT_SUPPORTED;
	} else if ((slot = sbi_find_slot(call.eid)) < 0) {
		rv_hart_stat_inc(&h->stat_sbi_unserved);
		ret = sbi_exit_hypercall(&call);
	} else {
		/* Legacy calls have no FID (a6 is garbage): each EID is the function. */
		uint64_t fn = ext_fn_index(sbi_exts[slot], &call);

		ext = sbi_exts[slot];
		rv_hart_stat_inc(&h->stat_sbi[slot][fn]);
		ret = ext->handler(&call);
		if (ret < 0)
			return ret;
	}
	if (call.retry) {
		/*
		 * Not retired: back to the ecall (never compressed), and undo
		 * the count the caller adds for it (interp.c counts every
		 * executed instruction after it returns).
		 */
		h->pc -= 4;
		h->instret--;
		memset(exit, 0, sizeof(*exit));
		exit->reason = AXVM_EXIT_NOTHING;
		if (axvm_tracing(h->tracer, AXVM_TRACE_SBI))
			sbi_trace(&call, ext);
		return 0;
	}
	if (!call.regs_set) {
		h->x[AXVM_RISCV64_REG_A(0)] = (uint64_t)call.error;
		if (!ext || !ext->legacy)
			h->x[AXVM_RISCV64_REG_A(1)] = call.value;
	}
	if (axvm_tracing(h->tracer, AXVM_TRACE_SBI))
		sbi_trace(&call, ext);
	return ret;
}

int64_t rv_sbi_hart_mask(const struct rv_sbi_call *call, uint64_t hart_mask,
			 uint64_t hart_mask_base, uint64_t *targets)
{
	struct rv_machine *m = call->machine;
	unsigned nharts = m ? m->nharts : 1;
	uint64_t all = nharts >= 64 ? UINT64_MAX : (1ull << nharts) - 1;
	uint64_t sel;

	*targets = 0;
	if (!m) {
		/* A hart without a machine knows only itself. */
		all = call->hart->id < 64 ? 1ull << call->hart->id : 0;
	} else {
		for (unsigned i = 0; i < nharts; i++)
			if (!m->harts[i])
				all &= ~(1ull << i);
	}
	if (hart_mask_base == UINT64_MAX) {
		*targets = all;
		return SBI_SUCCESS;
	}
	/* The base must name an available hart itself, even with an empty mask. */
	if (hart_mask_base >= 64 || !(all & (1ull << hart_mask_base)))
		return SBI_ERR_INVALID_PARAM;
	if (hart_mask == 0)
		return SBI_SUCCESS;
	/* Bits shifted out past hart 63 name harts that cannot exist. */
	if (hart_mask_base && (hart_mask >> (64 - hart_mask_base)))
		return SBI_ERR_INVALID_PARAM;
	sel = hart_mask << hart_mask_base;
	if (sel & ~all)
		return SBI_ERR_INVALID_PARAM;
	*targets = sel;
	return SBI_SUCCESS;
}

static struct rv_hart *sbi_target(const struct rv_sbi_call *call, unsigned id)
{
	if (!call->machine)
		return id == call->hart->id ? call->hart : NULL;
	return rv_machine_hart(call->machine, id);
}

void rv_sbi_send_ipi(struct rv_sbi_call *call, uint64_t targets)
{
	for (unsigned i = 0; targets; i++, targets >>= 1) {
		struct rv_hart *t = (targets & 1) ? sbi_target(call, i) : NULL;

		if (t) {
			rv_sbi_pmu_count(&call->hart->sbi, RV_PMU_FW_IPI_SENT);
			rv_sbi_pmu_count(&t->sbi, RV_PMU_FW_IPI_RECEIVED);
			rv_hart_post_interrupt(t, RV_IRQ_SSI);
		}
	}
}

/* Upper bound on waiting for one hart's acknowledgement: a hart never hangs the caller. */
#define SBI_FLUSH_TIMEOUT_NS 2000000000ull

static uint64_t sbi_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void rv_sbi_remote_flush(struct rv_sbi_call *call, uint64_t targets, bool icache)
{
	uint64_t tickets[64] = {0};
	uint64_t pending = 0;
	uint64_t start;
	/* The PMU's firmware events: legacy fences count as their RFENCE forms. */
	enum rv_pmu_fw_event sent = icache ? RV_PMU_FW_FENCE_I_SENT
				    : call->eid == SBI_EXT_RFENCE && call->fid == 2
					? RV_PMU_FW_SFENCE_VMA_ASID_SENT
					: RV_PMU_FW_SFENCE_VMA_SENT;

	for (unsigned i = 0; i < 64; i++) {
		struct rv_hart *t;

		if (!(targets & (1ull << i)) || !(t = sbi_target(call, i)))
			continue;
		rv_sbi_pmu_count(&call->hart->sbi, sent);
		rv_sbi_pmu_count(&t->sbi, (enum rv_pmu_fw_event)(sent + 1)); /* its _RECEIVED */
		if (t == call->hart) {
			if (icache)
				rv_hart_flush_local(t);
			else
				rv_hart_flush_tlb_local(t);
			continue;
		}
		tickets[i] = icache ? rv_hart_request_flush(t) : rv_hart_request_tlb_flush(t);
		pending |= 1ull << i;
	}
	/*
	 * A hart outside run() flushes before its next instruction; one inside
	 * services the request at its next batch boundary (a few thousand
	 * instructions at most), so the wait is short: yield, do not sleep.
	 */
	start = sbi_now_ns();
	while (pending) {
		for (unsigned i = 0; i < 64; i++) {
			struct rv_hart *t;

			if (!(pending & (1ull << i)))
				continue;
			t = sbi_target(call, i);
			if (rv_hart_flush_done(t, tickets[i]) || !rv_hart_is_running(t))
				pending &= ~(1ull << i);
		}
		if (!pending)
			break;
		/* Two harts fencing each other at once would otherwise wait for each other. */
		rv_hart_service_flush(call->hart);
		if (sbi_now_ns() - start > SBI_FLUSH_TIMEOUT_NS) {
			rv_sbi_log_guest(call, "remote fence: a hart did not acknowledge in 2 s");
			break;
		}
		sched_yield();
	}
}

/*
 * How long a blocking console call waits for the host to drain the console
 * before it lets the VMM look at the vCPU (a stop request) and tries again.
 */
#define SBI_CONSOLE_WAIT_NS 20000000ull

const char rv_sbi_console_consumer;

void rv_sbi_console_claim(struct axvm_console *con)
{
	if (axvm_console_input_owner(con) != RV_SBI_CONSOLE_CONSUMER) {
		axvm_debug("sbi: console read: the SBI console takes the console input");
		axvm_console_claim_input(con, RV_SBI_CONSOLE_CONSUMER);
	}
}

void rv_sbi_console_put_blocking(struct rv_sbi_call *call, uint8_t byte)
{
	struct axvm_console *con = call->machine ? call->machine->console : NULL;

	if (!con || axvm_console_write(con, &byte, 1) == 1)
		return;
	if (axvm_console_wait_output_room(con, 1, SBI_CONSOLE_WAIT_NS) &&
	    axvm_console_write(con, &byte, 1) == 1)
		return;
	call->retry = true;
}

void rv_sbi_exit_system_down(struct rv_sbi_call *call, enum axvm_system_down_type type,
			     uint64_t code)
{
	memset(call->exit, 0, sizeof(*call->exit));
	call->exit->reason = AXVM_EXIT_SYSTEM_DOWN;
	call->exit->system_down.type = type;
	call->exit->system_down.code = code;
}
