/* SPDX-License-Identifier: MIT */
/*
 * SBI Supervisor Software Events extension (EID 0x535345 "SSE"; SBI spec
 * v3.0 chapter "Supervisor Software Events Extension"):
 *   0 read_attrs(event_id, base_attr_id, attr_count, out_lo, out_hi)
 *   1 write_attrs(event_id, base_attr_id, attr_count, in_lo, in_hi)
 *   2 register(event_id, entry_pc, entry_arg)   UNUSED -> REGISTERED
 *   3 unregister(event_id)                      REGISTERED -> UNUSED
 *   4 enable(event_id)                          REGISTERED -> ENABLED
 *   5 disable(event_id)                         ENABLED -> REGISTERED
 *   6 complete()                                RUNNING -> ENABLED, resume
 *   7 inject(event_id, hart_id)
 *   8 hart_unmask()  9 hart_mask()              harts start masked
 * Events: LOCAL_SOFTWARE 0xffff0000 (one per hart, in the hart),
 * GLOBAL_SOFTWARE 0xffff8000 (one per VM, in the machine, under its lock;
 * delivered on its PREFERRED_HART) and LOCAL_PMU_OVERFLOW 0x00010000 (one
 * per hart, where the hart has Sscofpmf: while it is ENABLED or RUNNING,
 * sbi_pmu.c makes it pending where an hpmcounter's overflow would raise
 * LCOFI, as OpenSBI does, and the handler reads scountovf). The other
 * standard events (local and global RAS, double trap) are NOT_SUPPORTED:
 * nothing here raises them; any other ID is INVALID_PARAM.
 *
 * Delivery happens at an instruction boundary, in rv_hart_run's check
 * before interrupts (hart.c calls rv_sbi_sse_deliver while the hart's
 * `signal` word is set; every engine -- interpreter, decoded slots, JIT --
 * returns there at batch ends and after every ecall). The highest-priority
 * (lowest PRIORITY, then lowest ID) ENABLED pending event targeting the
 * hart is injected unless the hart is masked or a running event of higher
 * priority is already in its handler, following the spec's "Software Event
 * Injection": INTERRUPTED_FLAGS = sstatus.SPP | sstatus.SPIE << 1 (no H,
 * Zicfilp or Ssdbltrp: bits 2-5 are 0 at injection; the guest may write
 * them, the attribute being RW with only bits XLEN-1:6 reserved, and they
 * are kept but restore nothing), INTERRUPTED_SEPC/A6/A7 saved; a6 = hart id,
 * a7 = ENTRY_ARG, sepc = the interrupted pc, SPP = the interrupted mode,
 * SPIE = SIE, SIE = 0, mode S, pc = ENTRY_PC. complete undoes it ("Software
 * Event Completion") and leaves a0/a1 alone: the interrupted code resumes
 * with every register as it was.
 *
 * Following OpenSBI where the spec is silent: injecting an event that is
 * neither ENABLED nor RUNNING on the calling hart is INVALID_STATE (another
 * hart's local event is signalled and dropped there if it is not), and
 * read/write_attrs use offset i * 8 for attribute base + i (the size the
 * spec gives, attr_count * 8, leaves no room for its base-relative offset).
 * A write to a read-only attribute (STATUS, ENTRY_PC, ENTRY_ARG, a local
 * event's PREFERRED_HART) is DENIED, as write_attrs' error table says.
 */
#include "arch/riscv64/hart.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/sbi.h"

enum {
	SBI_SSE_READ_ATTRS = 0,
	SBI_SSE_WRITE_ATTRS = 1,
	SBI_SSE_REGISTER = 2,
	SBI_SSE_UNREGISTER = 3,
	SBI_SSE_ENABLE = 4,
	SBI_SSE_DISABLE = 5,
	SBI_SSE_COMPLETE = 6,
	SBI_SSE_INJECT = 7,
	SBI_SSE_HART_UNMASK = 8,
	SBI_SSE_HART_MASK = 9,
};

enum {
	SSE_ATTR_STATUS = 0,
	SSE_ATTR_PRIORITY = 1,
	SSE_ATTR_CONFIG = 2,
	SSE_ATTR_PREFERRED_HART = 3,
	SSE_ATTR_ENTRY_PC = 4,
	SSE_ATTR_ENTRY_ARG = 5,
	SSE_ATTR_INTERRUPTED_SEPC = 6,
	SSE_ATTR_INTERRUPTED_FLAGS = 7,
	SSE_ATTR_INTERRUPTED_A6 = 8,
	SSE_ATTR_INTERRUPTED_A7 = 9,
	SSE_ATTR_COUNT = 10,
};

#define SSE_STATUS_PENDING (1ull << 2)
#define SSE_STATUS_INJECTABLE (1ull << 3)
#define SSE_CONFIG_ONESHOT 1ull
#define SSE_FLAG_SPP 1ull
#define SSE_FLAG_SPIE 2ull
/* Bits 2-5: hstatus.SPV, hstatus.SPVP, sstatus.SPELP, sstatus.SDT; 6 and up reserved. */
#define SSE_FLAGS_DEFINED 0x3full
#define SSE_GLOBAL_BIT 0x8000u

#define A6 16
#define A7 17

/* The events one hart may handle: its two local ones and the global one. */
#define SSE_MAX_CANDIDATES 3

/* The standard events we do not raise (spec table "SSE Event ID Space"). */
static const uint32_t sse_unsupported[] = {
    0x00000000, /* local high-priority RAS */
    0x00000001, /* local double trap */
    0x00008000, /* global high-priority RAS */
    0x00100000, /* local low-priority RAS */
    0x00108000, /* global low-priority RAS */
};

/* ---- the machine's lock over the global event ---- */

static void sse_lock(struct rv_machine *m)
{
	while (__atomic_exchange_n(&m->sse_lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&m->sse_lock, __ATOMIC_RELAXED))
			; /* the holder runs a few stores */
}

static void sse_unlock(struct rv_machine *m)
{
	__atomic_store_n(&m->sse_lock, 0, __ATOMIC_RELEASE);
}

/*
 * The event `id` names for the calling hart, with the machine's lock held
 * when it is the global one (release with sse_put); or the spec's error.
 */
static int64_t sse_get(const struct rv_sbi_call *call, uint64_t id, struct rv_sse_event **out)
{
	struct rv_hart *h = call->hart;

	*out = NULL;
	if ((uint32_t)id == RV_SSE_LOCAL_SOFTWARE) {
		h->sbi.sse.local.id = RV_SSE_LOCAL_SOFTWARE;
		h->sbi.sse.local.hart = h->id;
		*out = &h->sbi.sse.local;
		return SBI_SUCCESS;
	}
	if ((uint32_t)id == RV_SSE_LOCAL_PMU_OVERFLOW) {
		if (!((h->ext_on >> AXVM_RISCV64_EXT_SSCOFPMF) & 1))
			return SBI_ERR_NOT_SUPPORTED; /* no counter overflows: nothing raises it */
		h->sbi.sse.pmu_ovf.id = RV_SSE_LOCAL_PMU_OVERFLOW;
		h->sbi.sse.pmu_ovf.hart = h->id;
		*out = &h->sbi.sse.pmu_ovf;
		return SBI_SUCCESS;
	}
	if ((uint32_t)id == RV_SSE_GLOBAL_SOFTWARE) {
		if (!call->machine)
			return SBI_ERR_NOT_SUPPORTED; /* a lone hart without a VM: no global state
						       */
		sse_lock(call->machine);
		*out = &call->machine->sse_global;
		return SBI_SUCCESS;
	}
	for (unsigned i = 0; i < sizeof(sse_unsupported) / sizeof(sse_unsupported[0]); i++)
		if ((uint32_t)id == sse_unsupported[i])
			return SBI_ERR_NOT_SUPPORTED;
	return SBI_ERR_INVALID_PARAM;
}

static bool sse_is_global(const struct rv_sse_event *e)
{
	return e->id & SSE_GLOBAL_BIT;
}

static void sse_put(const struct rv_sbi_call *call, const struct rv_sse_event *e)
{
	if (e && sse_is_global(e))
		sse_unlock(call->machine);
}

/* The hart `id` names for the caller, or NULL. */
static struct rv_hart *sse_hart(const struct rv_sbi_call *call, uint64_t id)
{
	if (!call->machine)
		return id == call->hart->id ? call->hart : NULL;
	return rv_machine_hart(call->machine, id);
}

/* The hart that handles `e` was told something may be deliverable there. */
static void sse_signal(const struct rv_sbi_call *call, const struct rv_sse_event *e)
{
	struct rv_hart *t = sse_is_global(e) ? sse_hart(call, e->hart) : call->hart;

	if (t)
		rv_hart_signal_sse(t, RV_SSE_SIGNAL_LOOK);
}

/* ---- delivery and completion (the hart's own thread) ---- */

/* a takes precedence over b: lower PRIORITY, then lower event ID. */
static bool sse_before(const struct rv_sse_event *a, const struct rv_sse_event *b)
{
	return a->prio < b->prio || (a->prio == b->prio && a->id < b->id);
}

/* The candidates on hart h: its local events and, if it handles it, the global one. */
static unsigned sse_candidates(struct rv_hart *h, struct rv_sse_event *ev[SSE_MAX_CANDIDATES])
{
	struct rv_machine *m = h->machine;
	unsigned n = 0;

	if (h->sbi.sse.local.state != RV_SSE_STATE_UNUSED)
		ev[n++] = &h->sbi.sse.local;
	if (h->sbi.sse.pmu_ovf.state != RV_SSE_STATE_UNUSED)
		ev[n++] = &h->sbi.sse.pmu_ovf;
	if (m && m->sse_global.state != RV_SSE_STATE_UNUSED && m->sse_global.hart == h->id)
		ev[n++] = &m->sse_global;
	return n;
}

static void sse_inject(struct rv_hart *h, struct rv_sse_event *e)
{
	uint64_t s = h->sstatus;

	e->state = RV_SSE_STATE_RUNNING;
	e->pending = false;
	e->i_flags =
	    ((s & RV_SSTATUS_SPP) ? SSE_FLAG_SPP : 0) | ((s & RV_SSTATUS_SPIE) ? SSE_FLAG_SPIE : 0);
	e->i_sepc = h->sepc;
	e->i_a6 = h->x[A6];
	e->i_a7 = h->x[A7];
	h->x[A6] = h->id;
	h->x[A7] = e->entry_arg;
	h->sepc = h->pc;
	rv_hart_enter_s(h);
	h->pc = e->entry_pc;
}

bool rv_sbi_sse_pmu_overflow(struct rv_hart *h)
{
	struct rv_sse_event *e = &h->sbi.sse.pmu_ovf;

	if (e->state != RV_SSE_STATE_ENABLED && e->state != RV_SSE_STATE_RUNNING)
		return false;
	e->pending = true; /* a RUNNING one goes again after complete */
	rv_hart_signal_sse(h, RV_SSE_SIGNAL_LOOK);
	return true;
}

bool rv_sbi_sse_ready(struct rv_hart *h)
{
	return __atomic_load_n(&h->sbi.sse.signal, __ATOMIC_ACQUIRE) != 0;
}

bool rv_sbi_sse_deliver(struct rv_hart *h)
{
	struct rv_sse_hart *s = &h->sbi.sse;
	struct rv_machine *m = h->machine;
	struct rv_sse_event *ev[SSE_MAX_CANDIDATES], *best = NULL, *running = NULL;
	uint32_t sig = __atomic_exchange_n(&s->signal, 0, __ATOMIC_SEQ_CST);
	unsigned n;

	if ((sig & RV_SSE_SIGNAL_INJECT_LOCAL) &&
	    (s->local.state == RV_SSE_STATE_ENABLED || s->local.state == RV_SSE_STATE_RUNNING))
		s->local.pending = true; /* another hart's inject (dropped if not enabled) */
	if ((sig & RV_SSE_SIGNAL_INJECT_PMU) &&
	    (s->pmu_ovf.state == RV_SSE_STATE_ENABLED || s->pmu_ovf.state == RV_SSE_STATE_RUNNING))
		s->pmu_ovf.pending = true;
	if (!s->unmasked)
		return false; /* hart_unmask signals again */
	if (m)
		sse_lock(m);
	n = sse_candidates(h, ev);
	for (unsigned i = 0; i < n; i++) {
		if (ev[i]->state == RV_SSE_STATE_RUNNING &&
		    (!running || sse_before(ev[i], running)))
			running = ev[i];
		if (ev[i]->state == RV_SSE_STATE_ENABLED && ev[i]->pending &&
		    (!best || sse_before(ev[i], best)))
			best = ev[i];
	}
	/* A pending event behind a running one of higher priority waits for complete. */
	if (best && running && !sse_before(best, running))
		best = NULL;
	if (best)
		sse_inject(h, best);
	if (m)
		sse_unlock(m);
	return best != NULL;
}

static void sse_complete(struct rv_sbi_call *call)
{
	struct rv_hart *h = call->hart;
	struct rv_machine *m = call->machine;
	struct rv_sse_event *ev[SSE_MAX_CANDIDATES], *e = NULL;
	uint64_t s;
	unsigned n;

	if (m)
		sse_lock(m);
	n = sse_candidates(h, ev);
	for (unsigned i = 0; i < n; i++)
		if (ev[i]->state == RV_SSE_STATE_RUNNING && (!e || sse_before(ev[i], e)))
			e = ev[i];
	if (!e) {
		if (m)
			sse_unlock(m);
		return; /* nothing running: SBI_SUCCESS, nothing else */
	}
	e->state =
	    (e->config & SSE_CONFIG_ONESHOT) ? RV_SSE_STATE_REGISTERED : RV_SSE_STATE_ENABLED;
	s = h->sstatus;
	h->pc = h->sepc;
	h->priv = (s & RV_SSTATUS_SPP) ? RV_PRIV_S : RV_PRIV_U;
	if (h->priv != RV_PRIV_S) {
		/* As sret: this ecall retires in S (the caller counts it after we return). */
		h->instret++;
		rv_sbi_pmu_mode_change(h, RV_PRIV_S);
		h->instret--;
	}
	s &= ~(RV_SSTATUS_SIE | RV_SSTATUS_SPIE | RV_SSTATUS_SPP);
	if (h->sstatus & RV_SSTATUS_SPIE)
		s |= RV_SSTATUS_SIE;
	if (e->i_flags & SSE_FLAG_SPIE)
		s |= RV_SSTATUS_SPIE;
	if (e->i_flags & SSE_FLAG_SPP)
		s |= RV_SSTATUS_SPP;
	h->sstatus = s;
	h->x[A7] = e->i_a7;
	h->x[A6] = e->i_a6;
	h->sepc = e->i_sepc;
	h->resv_valid = false;
	if (m)
		sse_unlock(m);
	/* a0/a1 are the interrupted code's: the dispatcher must not write them. */
	call->regs_set = true;
	/* An event signalled while this one ran, or one it preempted, may go next. */
	rv_hart_signal_sse(h, RV_SSE_SIGNAL_LOOK);
}

/* ---- attributes ---- */

static uint64_t sse_attr(const struct rv_sse_event *e, unsigned id)
{
	switch (id) {
	case SSE_ATTR_STATUS:
		return e->state | (e->pending ? SSE_STATUS_PENDING : 0) | SSE_STATUS_INJECTABLE;
	case SSE_ATTR_PRIORITY:
		return e->prio;
	case SSE_ATTR_CONFIG:
		return e->config;
	case SSE_ATTR_PREFERRED_HART:
		return e->hart;
	case SSE_ATTR_ENTRY_PC:
		return e->entry_pc;
	case SSE_ATTR_ENTRY_ARG:
		return e->entry_arg;
	case SSE_ATTR_INTERRUPTED_SEPC:
		return e->i_sepc;
	case SSE_ATTR_INTERRUPTED_FLAGS:
		return e->i_flags;
	case SSE_ATTR_INTERRUPTED_A6:
		return e->i_a6;
	default:
		return e->i_a7;
	}
}

/* Whether attribute `id` of `e` may take `v` now: SBI_SUCCESS or the spec's error. */
static int64_t sse_attr_check(const struct rv_sbi_call *call, const struct rv_sse_event *e,
			      unsigned id, uint64_t v)
{
	switch (id) {
	case SSE_ATTR_PRIORITY:
	case SSE_ATTR_CONFIG:
		if (e->state >= RV_SSE_STATE_ENABLED)
			return SBI_ERR_INVALID_STATE;
		if (id == SSE_ATTR_PRIORITY ? v > UINT32_MAX : (v & ~SSE_CONFIG_ONESHOT))
			return SBI_ERR_INVALID_PARAM;
		return SBI_SUCCESS;
	case SSE_ATTR_PREFERRED_HART:
		if (!sse_is_global(e))
			return SBI_ERR_DENIED; /* read-only for local events */
		if (e->state >= RV_SSE_STATE_ENABLED)
			return SBI_ERR_INVALID_STATE;
		return sse_hart(call, v) ? SBI_SUCCESS : SBI_ERR_INVALID_PARAM;
	case SSE_ATTR_INTERRUPTED_FLAGS:
		if (v & ~SSE_FLAGS_DEFINED)
			return SBI_ERR_INVALID_PARAM;
		__attribute__((fallthrough));
	case SSE_ATTR_INTERRUPTED_SEPC:
	case SSE_ATTR_INTERRUPTED_A6:
	case SSE_ATTR_INTERRUPTED_A7:
		if (e->state != RV_SSE_STATE_RUNNING)
			return SBI_ERR_INVALID_STATE;
		if (e->hart != call->hart->id)
			return SBI_ERR_INVALID_PARAM; /* a global event another hart is handling */
		return SBI_SUCCESS;
	default:
		return SBI_ERR_DENIED; /* STATUS, ENTRY_PC, ENTRY_ARG: read-only */
	}
}

static void sse_attr_set(struct rv_sse_event *e, unsigned id, uint64_t v)
{
	switch (id) {
	case SSE_ATTR_PRIORITY:
		e->prio = (uint32_t)v;
		break;
	case SSE_ATTR_CONFIG:
		e->config = v;
		break;
	case SSE_ATTR_PREFERRED_HART:
		e->hart = v;
		break;
	case SSE_ATTR_INTERRUPTED_SEPC:
		e->i_sepc = v;
		break;
	case SSE_ATTR_INTERRUPTED_FLAGS:
		e->i_flags = v;
		break;
	case SSE_ATTR_INTERRUPTED_A6:
		e->i_a6 = v;
		break;
	default:
		e->i_a7 = v;
		break;
	}
}

static void sse_attrs(struct rv_sbi_call *call, bool write)
{
	uint32_t base = (uint32_t)call->args[1], count = (uint32_t)call->args[2];
	uint64_t lo = call->args[3], hi = call->args[4];
	uint64_t v[SSE_ATTR_COUNT] = {0};
	struct rv_sse_event *e;

	if (count == 0) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	if ((uint64_t)base + count > SSE_ATTR_COUNT) {
		call->error = SBI_ERR_BAD_RANGE;
		return;
	}
	if (lo & 7) {
		call->error = SBI_ERR_INVALID_ADDRESS;
		return;
	}
	call->error = rv_sbi_shmem_check(call, lo, hi, 8ull * count, !write);
	if (call->error)
		return;
	if (write && axvm_addrspace_read(call->hart->as, lo, v, 8ull * count)) {
		call->error = SBI_ERR_FAILED;
		return;
	}
	call->error = sse_get(call, call->args[0], &e);
	if (call->error)
		return;
	if (!write) {
		for (uint32_t i = 0; i < count; i++)
			v[i] = sse_attr(e, base + i);
		if (axvm_addrspace_write(call->hart->as, lo, v, 8ull * count))
			call->error = SBI_ERR_FAILED;
		sse_put(call, e);
		return;
	}
	/* All or nothing: check every value first. */
	for (uint32_t i = 0; i < count && !call->error; i++)
		call->error = sse_attr_check(call, e, base + i, v[i]);
	for (uint32_t i = 0; i < count && !call->error; i++)
		sse_attr_set(e, base + i, v[i]);
	sse_put(call, e);
}

/* ---- state changes ---- */

static void sse_register(struct rv_sbi_call *call)
{
	struct rv_sse_event *e;

	if (call->args[1] & 1) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	call->error = sse_get(call, call->args[0], &e);
	if (call->error)
		return;
	if (e->state != RV_SSE_STATE_UNUSED) {
		call->error = SBI_ERR_INVALID_STATE;
	} else {
		e->entry_pc = call->args[1];
		e->entry_arg = call->args[2];
		e->state = RV_SSE_STATE_REGISTERED;
	}
	sse_put(call, e);
}

/* from -> to for register's inverse, enable and disable. */
static void sse_move(struct rv_sbi_call *call, uint8_t from, uint8_t to)
{
	struct rv_sse_event *e;

	call->error = sse_get(call, call->args[0], &e);
	if (call->error)
		return;
	if (e->state != from) {
		call->error = SBI_ERR_INVALID_STATE;
	} else {
		e->state = to;
		if (to == RV_SSE_STATE_ENABLED && e->pending)
			sse_signal(call, e);
	}
	sse_put(call, e);
}

static void sse_inject_call(struct rv_sbi_call *call)
{
	struct rv_sse_event *e;
	struct rv_hart *t = NULL;

	call->error = sse_get(call, call->args[0], &e);
	if (call->error)
		return;
	if (!sse_is_global(e) && !(t = sse_hart(call, call->args[1]))) {
		call->error = SBI_ERR_INVALID_PARAM; /* no such hart */
	} else if (t && t != call->hart) {
		/* Another hart's local event: that hart decides whether it is enabled. */
		rv_hart_signal_sse(t, (e->id == RV_SSE_LOCAL_PMU_OVERFLOW
					   ? RV_SSE_SIGNAL_INJECT_PMU
					   : RV_SSE_SIGNAL_INJECT_LOCAL) |
					  RV_SSE_SIGNAL_LOOK);
	} else if (e->state != RV_SSE_STATE_ENABLED && e->state != RV_SSE_STATE_RUNNING) {
		call->error = SBI_ERR_INVALID_STATE;
	} else {
		e->pending = true;
		sse_signal(call, e);
	}
	sse_put(call, e);
}

static void sse_mask(struct rv_sbi_call *call, bool unmask)
{
	struct rv_sse_hart *s = &call->hart->sbi.sse;

	if (s->unmasked == unmask) {
		call->error = unmask ? SBI_ERR_ALREADY_STARTED : SBI_ERR_ALREADY_STOPPED;
		return;
	}
	s->unmasked = unmask;
	if (unmask)
		rv_hart_signal_sse(call->hart, RV_SSE_SIGNAL_LOOK);
}

void rv_sbi_sse_hart_stop(struct rv_hart *h)
{
	struct rv_machine *m = h->machine;

	h->sbi.sse.local = (struct rv_sse_event){.id = RV_SSE_LOCAL_SOFTWARE, .hart = h->id};
	h->sbi.sse.pmu_ovf = (struct rv_sse_event){.id = RV_SSE_LOCAL_PMU_OVERFLOW, .hart = h->id};
	h->sbi.sse.unmasked = false;
	/* A global event this hart was handling will never complete: it is ready again. */
	if (m) {
		sse_lock(m);
		if (m->sse_global.hart == h->id && m->sse_global.state == RV_SSE_STATE_RUNNING)
			m->sse_global.state = RV_SSE_STATE_ENABLED;
		sse_unlock(m);
	}
}

static int sbi_sse_handler(struct rv_sbi_call *call)
{
	switch (call->fid) {
	case SBI_SSE_READ_ATTRS:
	case SBI_SSE_WRITE_ATTRS:
		sse_attrs(call, call->fid == SBI_SSE_WRITE_ATTRS);
		break;
	case SBI_SSE_REGISTER:
		sse_register(call);
		break;
	case SBI_SSE_UNREGISTER:
		sse_move(call, RV_SSE_STATE_REGISTERED, RV_SSE_STATE_UNUSED);
		break;
	case SBI_SSE_ENABLE:
		sse_move(call, RV_SSE_STATE_REGISTERED, RV_SSE_STATE_ENABLED);
		break;
	case SBI_SSE_DISABLE:
		sse_move(call, RV_SSE_STATE_ENABLED, RV_SSE_STATE_REGISTERED);
		break;
	case SBI_SSE_COMPLETE:
		sse_complete(call);
		break;
	case SBI_SSE_INJECT:
		sse_inject_call(call);
		break;
	case SBI_SSE_HART_UNMASK:
	case SBI_SSE_HART_MASK:
		sse_mask(call, call->fid == SBI_SSE_HART_UNMASK);
		break;
	default:
		rv_sbi_log_guest(call, "unknown SSE function");
		call->error = SBI_ERR_NOT_SUPPORTED;
		break;
	}
	return 1;
}

const struct rv_sbi_ext rv_sbi_ext_sse = {
    .name = "SSE",
    .eid_min = SBI_EXT_SSE,
    .eid_max = SBI_EXT_SSE,
    .handler = sbi_sse_handler,
};
