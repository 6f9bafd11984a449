/* SPDX-License-Identifier: MIT */
/*
 * SBI Debug Triggers extension (EID 0x44425452 "DBTR"; SBI spec v3.0
 * chapter "Debug Triggers Extension"):
 *   0 num_triggers(trig_tdata1)            trig_max (16) for 0, else how many
 *                                          triggers take that configuration
 *   1 set_shmem(lo, hi, flags)             lo = hi = -1: disable
 *   2 read_triggers(idx_base, count)       word[0..3] = tstate tdata1 tdata2 tdata3
 *   3 install_triggers(count)              reads word[1..3], writes word[0] = idx
 *   4 update_triggers(count)               word[0] = idx, word[1..3] the new config
 *   5 uninstall_triggers(idx_base, idx_mask)
 *   6 enable_triggers(idx_base, idx_mask)  restore the saved s/u bits
 *   7 disable_triggers(idx_base, idx_mask) clear s/u
 * Shared memory entries are four XLEN words (32 bytes), little-endian, at
 * i * 32 from the guest-physical base, which must be 8-byte aligned RAM
 * large enough for trig_max entries.
 *
 * The triggers are the hart's trigger module (trigger.h), the one the GDB
 * stub's hardware breakpoints and watchpoints use: each logical trig_idx
 * maps to a module slot owned by RV_TRIGGER_OWNER_GUEST, so the guest never
 * sees, edits or removes the debugger's slots and the debugger's removals
 * never touch the guest's. What the module models is what a guest may ask
 * for: type 6 (mcontrol6) with action 0 (breakpoint exception: scause 3,
 * stval = the address), match 0 (address equal: the byte at tdata2 is
 * fetched, or an access overlaps it), the s/u mode filters, any of
 * execute/store/load, and size: for a load/store trigger, sizes 1-5 (8 to
 * 64 bits) widen the match to the accesses overlapping that many bytes from
 * tdata2, as QEMU's Sdtrig does (guests such as kvm-unit-tests set the
 * size of the access they watch); an execute trigger fires at tdata2
 * whatever its size. dmode and m must be 0 (spec: INVALID_PARAM), as must
 * the reserved bits; a field we do not model set to non-zero (chain,
 * sizes 6-7, select, hit, vs/vu, uncertain, another action or match) or a
 * nonzero tdata3 (not implemented) is NOT_SUPPORTED, as is any other
 * trigger type.
 *
 * Departures, noted where the spec's words would refuse whole ranges:
 * read_triggers and install/update take count <= trig_max (the spec's
 * ">= trig_max" would make the last trigger unreadable); a disabled
 * trigger (s = u = 0) stays in the module, so the hart keeps its checked
 * run path until the guest uninstalls it.
 */
#include "arch/riscv64/debug.h"
#include "arch/riscv64/hart.h"
#include "arch/riscv64/sbi.h"

enum {
	SBI_DBTR_NUM_TRIGGERS = 0,
	SBI_DBTR_SET_SHMEM = 1,
	SBI_DBTR_READ_TRIGGERS = 2,
	SBI_DBTR_INSTALL_TRIGGERS = 3,
	SBI_DBTR_UPDATE_TRIGGERS = 4,
	SBI_DBTR_UNINSTALL_TRIGGERS = 5,
	SBI_DBTR_ENABLE_TRIGGERS = 6,
	SBI_DBTR_DISABLE_TRIGGERS = 7,
};

#define DBTR_ENTRY 32u /* four XLEN words */

/* trig_state (spec table "Debug Trigger State Fields"). */
#define DBTR_TS_MAPPED (1ull << 0)
#define DBTR_TS_U (1ull << 1)
#define DBTR_TS_S (1ull << 2)

/* mcontrol6 fields beyond trigger.h's. */
#define MC6_DMODE (1ull << 59)
#define MC6_M (1ull << 6)
#define MC6_TYPE_MASK (0xfull << 60)
/* Reserved: 58:27 and 20:19. */
#define MC6_RESERVED ((((1ull << 32) - 1) << 27) | (3ull << 19))
#define MC6_SIZE_SHIFT 16
#define MC6_SIZE (7ull << MC6_SIZE_SHIFT)
#define MC6_MODELLED                                                                               \
	(MC6_TYPE_MASK | MC6_SIZE | RV_MC6_S | RV_MC6_U | RV_MC6_EXECUTE | RV_MC6_STORE |          \
	 RV_MC6_LOAD)

/*
 * Whether a trigger can take (tdata1, tdata3): SBI_SUCCESS or the spec's
 * error. A trigger with none of execute/store/load set (or neither s nor u)
 * is legal and never fires, as in Sdtrig: guests install such a trigger
 * and update it later, and num_triggers' bare type query (tdata1 = type 6
 * and nothing else) counts the mcontrol6 triggers.
 */
static int64_t dbtr_check_config(uint64_t tdata1, uint64_t tdata3)
{
	unsigned type = (unsigned)(tdata1 >> 60);

	if (type == 0 || type == 15 || (tdata1 & (MC6_DMODE | MC6_M)))
		return SBI_ERR_INVALID_PARAM; /* no trigger, or one M-mode/Debug Mode owns */
	if (type != 6)
		return SBI_ERR_NOT_SUPPORTED; /* the module has mcontrol6 triggers only */
	if (tdata1 & MC6_RESERVED)
		return SBI_ERR_INVALID_PARAM;
	if ((tdata1 & ~MC6_MODELLED) || tdata3 || ((tdata1 & MC6_SIZE) >> MC6_SIZE_SHIFT) > 5)
		return SBI_ERR_NOT_SUPPORTED;
	return SBI_SUCCESS;
}

/* The bytes from tdata2 a trigger matches: its access size for loads and stores, else 1. */
static uint64_t dbtr_match_len(uint64_t tdata1)
{
	static const uint8_t bytes[6] = {1, 1, 2, 4, 6, 8}; /* size 0 (any): the byte at tdata2 */

	if (tdata1 & RV_MC6_EXECUTE)
		return 1;
	return bytes[(tdata1 & MC6_SIZE) >> MC6_SIZE_SHIFT];
}

static uint64_t dbtr_saved_modes(uint64_t tdata1)
{
	return ((tdata1 & RV_MC6_U) ? DBTR_TS_U : 0) | ((tdata1 & RV_MC6_S) ? DBTR_TS_S : 0);
}

static int64_t dbtr_need_shmem(const struct rv_sbi_call *call)
{
	const struct rv_dbtr *d = &call->hart->sbi.dbtr;

	if (!d->shmem_on)
		return SBI_ERR_NO_SHMEM;
	/* The guest's memory map may have changed since set_shmem (hotplug, a VMM's remap). */
	return rv_sbi_shmem_check(call, d->shmem, 0, (uint64_t)RV_DBTR_MAX * DBTR_ENTRY, true);
}

static int dbtr_read_entry(struct rv_hart *h, unsigned i, uint64_t w[4])
{
	return axvm_addrspace_read(h->as, h->sbi.dbtr.shmem + (uint64_t)i * DBTR_ENTRY, w,
				   DBTR_ENTRY);
}

static int dbtr_write_words(struct rv_hart *h, unsigned i, const uint64_t *w, unsigned n)
{
	return axvm_addrspace_write(h->as, h->sbi.dbtr.shmem + (uint64_t)i * DBTR_ENTRY, w, 8u * n);
}

/* The module slot's current tdata1 (s/u cleared while disabled). */
static struct rv_trigger *dbtr_slot(struct rv_hart *h, unsigned idx)
{
	return &h->dbg.trig.t[h->sbi.dbtr.slot[idx]];
}

static void dbtr_set_shmem(struct rv_sbi_call *call)
{
	struct rv_dbtr *d = &call->hart->sbi.dbtr;
	uint64_t lo = call->args[0], hi = call->args[1];

	if (call->args[2] != 0) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	if (lo == UINT64_MAX && hi == UINT64_MAX) {
		d->shmem_on = false;
		return;
	}
	if (lo & 7) {
		call->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	call->error = rv_sbi_shmem_check(call, lo, hi, (uint64_t)RV_DBTR_MAX * DBTR_ENTRY, true);
	if (call->error)
		return;
	d->shmem = lo;
	d->shmem_on = true;
}

/*
 * The checks every shared-memory call starts with: the shared memory is
 * set, and entries [base, base + count) are within the table. False with
 * call->error set when not.
 */
static bool dbtr_table_range_ok(struct rv_sbi_call *call, uint64_t base, uint64_t count)
{
	call->error = dbtr_need_shmem(call);
	if (call->error)
		return false;
	if (base >= RV_DBTR_MAX || count > RV_DBTR_MAX - base) {
		call->error = SBI_ERR_BAD_RANGE;
		return false;
	}
	return true;
}

static void dbtr_read(struct rv_sbi_call *call)
{
	struct rv_hart *h = call->hart;
	uint64_t base = call->args[0], count = call->args[1];

	if (!dbtr_table_range_ok(call, base, count))
		return;
	for (unsigned i = 0; i < count; i++) {
		unsigned idx = (unsigned)base + i;
		uint64_t w[4] = {0};

		if (h->sbi.dbtr.mapped & (1u << idx)) {
			const struct rv_trigger *t = dbtr_slot(h, idx);

			w[0] = h->sbi.dbtr.tstate[idx];
			w[1] = t->tdata1;
			w[2] = t->tdata2;
		}
		if (dbtr_write_words(h, i, w, 4)) {
			call->error = SBI_ERR_FAILED;
			return;
		}
	}
}

/* Install one checked configuration as trig_idx `idx`: 0 or -AXVM_ELIMIT (module full). */
static int dbtr_map(struct rv_hart *h, unsigned idx, uint64_t tdata1, uint64_t tdata2)
{
	unsigned slot;
	int err;

	/* Action 0 (breakpoint exception), match 0: the only values dbtr_check_config lets by. */
	err = rv_trigger_install(&h->dbg.trig, RV_TRIGGER_OWNER_GUEST, tdata1, tdata2,
				 dbtr_match_len(tdata1), &slot);
	if (err)
		return err;
	h->sbi.dbtr.slot[idx] = (uint8_t)slot;
	h->sbi.dbtr.mapped |= 1u << idx;
	h->sbi.dbtr.tstate[idx] = DBTR_TS_MAPPED | dbtr_saved_modes(tdata1);
	return 0;
}

static void dbtr_unmap(struct rv_hart *h, unsigned idx)
{
	rv_trigger_uninstall(&h->dbg.trig, h->sbi.dbtr.slot[idx]);
	h->sbi.dbtr.mapped &= ~(1u << idx);
	h->sbi.dbtr.tstate[idx] = 0;
}

static void dbtr_install(struct rv_sbi_call *call)
{
	struct rv_hart *h = call->hart;
	uint64_t count = call->args[0];
	uint8_t done[RV_DBTR_MAX];
	unsigned idx = 0;

	if (!dbtr_table_range_ok(call, 0, count))
		return;
	/* Check every entry before installing any: the call installs all or none. */
	for (unsigned i = 0; i < count; i++) {
		uint64_t w[4];

		if (dbtr_read_entry(h, i, w)) {
			call->error = SBI_ERR_FAILED;
			call->value = i;
			return;
		}
		call->error = dbtr_check_config(w[1], w[3]);
		if (call->error) {
			call->value = i;
			return;
		}
	}
	if ((unsigned)__builtin_popcount(h->sbi.dbtr.mapped) + count > RV_DBTR_MAX) {
		call->error = SBI_ERR_FAILED; /* no free trig_idx */
		call->value = 0;
		return;
	}
	for (unsigned i = 0; i < count; i++, idx++) {
		uint64_t w[4];

		while (h->sbi.dbtr.mapped & (1u << idx))
			idx++;
		if (dbtr_read_entry(h, i, w) || dbtr_map(h, idx, w[1], w[2])) {
			/* The module is full (the debugger holds slots): undo this call's. */
			for (unsigned j = 0; j < i; j++)
				dbtr_unmap(h, done[j]);
			call->error = SBI_ERR_FAILED;
			call->value = i;
			break;
		}
		done[i] = (uint8_t)idx;
		w[0] = idx;
		dbtr_write_words(h, i, w, 1);
	}
	rv_debug_refresh(h);
}

static void dbtr_update(struct rv_sbi_call *call)
{
	struct rv_hart *h = call->hart;
	uint64_t count = call->args[0];

	if (!dbtr_table_range_ok(call, 0, count))
		return;
	for (unsigned i = 0; i < count; i++) {
		uint64_t w[4];
		unsigned idx;

		call->value = i;
		if (dbtr_read_entry(h, i, w)) {
			call->error = SBI_ERR_FAILED;
			break;
		}
		if (w[0] >= RV_DBTR_MAX) {
			call->error = SBI_ERR_INVALID_PARAM;
			break;
		}
		idx = (unsigned)w[0];
		if (!(h->sbi.dbtr.mapped & (1u << idx))) {
			call->error = SBI_ERR_FAILED;
			break;
		}
		call->error = dbtr_check_config(w[1], w[3]);
		if (call->error)
			break;
		/*
		 * Through the module's own uninstall/install so its execute/
		 * memory counts stay right; the slot just freed is free again.
		 */
		dbtr_unmap(h, idx);
		if (dbtr_map(h, idx, w[1], w[2])) {
			call->error = SBI_ERR_FAILED;
			break;
		}
	}
	if (!call->error)
		call->value = 0;
	rv_debug_refresh(h);
}

/* The trig_idx set named by (base, mask), or INVALID_PARAM if one is past trig_max or unmapped. */
static int64_t dbtr_set_of(const struct rv_hart *h, uint64_t base, uint64_t mask, uint32_t *set)
{
	*set = 0;
	if (!mask)
		return SBI_SUCCESS;
	if (base >= RV_DBTR_MAX || (mask << base) >> base != mask || (mask << base) >> RV_DBTR_MAX)
		return SBI_ERR_INVALID_PARAM;
	*set = (uint32_t)(mask << base);
	if (*set & ~h->sbi.dbtr.mapped)
		return SBI_ERR_INVALID_PARAM;
	return SBI_SUCCESS;
}

static void dbtr_each(struct rv_sbi_call *call)
{
	struct rv_hart *h = call->hart;
	uint32_t set;

	call->error = dbtr_set_of(h, call->args[0], call->args[1], &set);
	if (call->error)
		return;
	for (unsigned idx = 0; idx < RV_DBTR_MAX; idx++) {
		struct rv_trigger *t;

		if (!(set & (1u << idx)))
			continue;
		t = dbtr_slot(h, idx);
		if (call->fid == SBI_DBTR_UNINSTALL_TRIGGERS) {
			dbtr_unmap(h, idx);
		} else if (call->fid == SBI_DBTR_DISABLE_TRIGGERS) {
			t->tdata1 &= ~(RV_MC6_S | RV_MC6_U);
		} else {
			uint64_t ts = h->sbi.dbtr.tstate[idx];

			t->tdata1 |=
			    ((ts & DBTR_TS_S) ? RV_MC6_S : 0) | ((ts & DBTR_TS_U) ? RV_MC6_U : 0);
		}
	}
	rv_debug_refresh(h);
}

void rv_sbi_dbtr_hart_stop(struct rv_hart *h)
{
	for (unsigned idx = 0; idx < RV_DBTR_MAX; idx++)
		if (h->sbi.dbtr.mapped & (1u << idx))
			dbtr_unmap(h, idx);
	h->sbi.dbtr.shmem_on = false;
	rv_debug_refresh(h);
}

static int sbi_dbtr_handler(struct rv_sbi_call *call)
{
	switch (call->fid) {
	case SBI_DBTR_NUM_TRIGGERS:
		/* Every logical trigger takes every configuration we model. */
		call->value =
		    call->args[0] == 0 || dbtr_check_config(call->args[0], 0) == SBI_SUCCESS
			? RV_DBTR_MAX
			: 0;
		break;
	case SBI_DBTR_SET_SHMEM:
		dbtr_set_shmem(call);
		break;
	case SBI_DBTR_READ_TRIGGERS:
		dbtr_read(call);
		break;
	case SBI_DBTR_INSTALL_TRIGGERS:
		dbtr_install(call);
		break;
	case SBI_DBTR_UPDATE_TRIGGERS:
		dbtr_update(call);
		break;
	case SBI_DBTR_UNINSTALL_TRIGGERS:
	case SBI_DBTR_ENABLE_TRIGGERS:
	case SBI_DBTR_DISABLE_TRIGGERS:
		dbtr_each(call);
		break;
	default:
		rv_sbi_log_guest(call, "unknown DBTR function");
		call->error = SBI_ERR_NOT_SUPPORTED;
		break;
	}
	return 1;
}

const struct rv_sbi_ext rv_sbi_ext_dbtr = {
    .name = "DBTR",
    .eid_min = SBI_EXT_DBTR,
    .eid_max = SBI_EXT_DBTR,
    .handler = sbi_dbtr_handler,
};
