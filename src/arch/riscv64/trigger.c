/* SPDX-License-Identifier: MIT */
/* The trigger table (trigger.h): install, remove and match. */
#include "arch/riscv64/trigger.h"

#include "axvm/types.h"

static void trigger_count(struct rv_triggers *tm, const struct rv_trigger *t, int d)
{
	if (t->tdata1 & RV_MC6_EXECUTE)
		tm->nexec += d;
	if (t->tdata1 & (RV_MC6_LOAD | RV_MC6_STORE))
		tm->nmem += d;
}

int rv_trigger_install(struct rv_triggers *tm, unsigned owner, uint64_t tdata1, uint64_t tdata2,
		       uint64_t len, unsigned *idx)
{
	unsigned action = (unsigned)((tdata1 & RV_MC6_ACTION) >> RV_MC6_ACTION_SHIFT);

	/* None of execute/load/store is legal: a trigger that never fires (SBI DBTR installs it).
	 */
	if ((tdata1 >> 60) != 6 || (tdata1 & RV_MC6_MATCH) || action > 1 || len == 0)
		return -AXVM_EINVAL;
	for (unsigned i = 0; i < RV_TRIGGER_MAX; i++) {
		struct rv_trigger *t = &tm->t[i];

		if (t->used)
			continue;
		*t = (struct rv_trigger){.used = true,
					 .owner = (uint8_t)owner,
					 .tdata1 = tdata1,
					 .tdata2 = tdata2,
					 .len = len};
		trigger_count(tm, t, 1);
		if (idx)
			*idx = i;
		return 0;
	}
	return -AXVM_ELIMIT;
}

void rv_trigger_uninstall(struct rv_triggers *tm, unsigned idx)
{
	if (idx >= RV_TRIGGER_MAX || !tm->t[idx].used)
		return;
	trigger_count(tm, &tm->t[idx], -1);
	tm->t[idx].used = false;
}

int rv_trigger_remove(struct rv_triggers *tm, unsigned owner, uint64_t tdata1, uint64_t tdata2,
		      uint64_t len)
{
	for (unsigned i = 0; i < RV_TRIGGER_MAX; i++) {
		const struct rv_trigger *t = &tm->t[i];

		if (t->used && t->owner == owner && t->tdata1 == tdata1 && t->tdata2 == tdata2 &&
		    t->len == len) {
			rv_trigger_uninstall(tm, i);
			return 0;
		}
	}
	return -AXVM_ENOENT;
}

void rv_trigger_clear(struct rv_triggers *tm, unsigned owner)
{
	for (unsigned i = 0; i < RV_TRIGGER_MAX; i++)
		if (tm->t[i].used && tm->t[i].owner == owner)
			rv_trigger_uninstall(tm, i);
}

static bool trigger_mode_ok(const struct rv_trigger *t, unsigned priv)
{
	return t->tdata1 & (priv ? RV_MC6_S : RV_MC6_U);
}

/* [a, a + n) and [b, b + m) overlap (no wrap-around: n, m >= 1). */
static bool trigger_overlap(uint64_t a, uint64_t n, uint64_t b, uint64_t m)
{
	return a <= b + (m - 1) && b <= a + (n - 1);
}

const struct rv_trigger *rv_trigger_match_exec(const struct rv_triggers *tm, uint64_t pc,
					       unsigned priv)
{
	if (!tm->nexec)
		return NULL;
	for (unsigned i = 0; i < RV_TRIGGER_MAX; i++) {
		const struct rv_trigger *t = &tm->t[i];

		if (t->used && (t->tdata1 & RV_MC6_EXECUTE) && trigger_mode_ok(t, priv) &&
		    trigger_overlap(t->tdata2, t->len, pc, 1))
			return t;
	}
	return NULL;
}

const struct rv_trigger *rv_trigger_match_mem(const struct rv_triggers *tm, uint64_t addr,
					      unsigned size, bool load, bool store, unsigned priv)
{
	uint64_t want = (load ? RV_MC6_LOAD : 0) | (store ? RV_MC6_STORE : 0);

	if (!tm->nmem || !size)
		return NULL;
	for (unsigned i = 0; i < RV_TRIGGER_MAX; i++) {
		const struct rv_trigger *t = &tm->t[i];

		if (t->used && (t->tdata1 & want) && trigger_mode_ok(t, priv) &&
		    trigger_overlap(t->tdata2, t->len, addr, size))
			return t;
	}
	return NULL;
}
