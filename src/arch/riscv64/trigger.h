/* SPDX-License-Identifier: MIT */
/*
 * The hart's trigger module: address breakpoints and watchpoints in the
 * shape of the RISC-V debug spec's Sdtrig mcontrol6 triggers (type 6), so
 * that the SBI Debug Triggers extension (DBTR) can install guest-owned
 * triggers through the same table the host debugger uses.
 *
 * A trigger is (tdata1, tdata2, len): tdata1 in the mcontrol6 layout with
 * the fields modelled here -- action[15:12], match[10:7] (only 0: "address
 * equal", widened to the range [tdata2, tdata2 + len)), s[4], u[3],
 * execute[2], store[1], load[0] -- and tdata2 the address. Action 0 raises
 * a breakpoint exception in the guest (what DBTR's triggers do); action 1
 * ("enter Debug Mode") stops the hart for the host debugger instead.
 * Execute triggers fire before the instruction at the address; load/store
 * triggers fire before the access (the instruction has not executed).
 *
 * Checking costs nothing while the table is empty: the hart only takes its
 * one-instruction-at-a-time path (debug.c) while a trigger or a step is set.
 */
#ifndef AXVM_ARCH_RISCV64_TRIGGER_H
#define AXVM_ARCH_RISCV64_TRIGGER_H

#include <stdbool.h>
#include <stdint.h>

#define RV_TRIGGER_MAX 64

#define RV_MC6_TYPE (6ull << 60)
#define RV_MC6_ACTION_SHIFT 12
#define RV_MC6_ACTION (0xfull << RV_MC6_ACTION_SHIFT)
#define RV_MC6_MATCH (0xfull << 7)
#define RV_MC6_S (1ull << 4)
#define RV_MC6_U (1ull << 3)
#define RV_MC6_EXECUTE (1ull << 2)
#define RV_MC6_STORE (1ull << 1)
#define RV_MC6_LOAD (1ull << 0)

enum rv_trigger_action {
	RV_TRIGGER_ACTION_BREAKPOINT = 0, /* breakpoint exception in the guest */
	RV_TRIGGER_ACTION_DEBUGGER = 1,	  /* stop for the host debugger */
};

/* Who installed a trigger: removal by the debugger never touches the guest's. */
enum rv_trigger_owner {
	RV_TRIGGER_OWNER_GUEST,	 /* SBI DBTR */
	RV_TRIGGER_OWNER_GDB_SW, /* the debugger's software breakpoint (Z0) */
	RV_TRIGGER_OWNER_GDB_HW, /* the debugger's hardware points (Z1-Z4) */
};

struct rv_trigger {
	bool used;
	uint8_t owner; /* enum rv_trigger_owner */
	uint64_t tdata1;
	uint64_t tdata2;
	uint64_t len; /* bytes from tdata2 that match (>= 1) */
};

struct rv_triggers {
	struct rv_trigger t[RV_TRIGGER_MAX];
	unsigned nexec; /* installed triggers with execute set */
	unsigned nmem;	/* ... with load or store set */
};

/* Install a trigger in a free slot; -AXVM_EINVAL for a tdata1 we do not model, -AXVM_ELIMIT when
 * full. */
int rv_trigger_install(struct rv_triggers *tm, unsigned owner, uint64_t tdata1, uint64_t tdata2,
		       uint64_t len, unsigned *idx);
/* Remove the first trigger of `owner` with exactly this tdata1/tdata2/len; -AXVM_ENOENT if none. */
int rv_trigger_remove(struct rv_triggers *tm, unsigned owner, uint64_t tdata1, uint64_t tdata2,
		      uint64_t len);
void rv_trigger_uninstall(struct rv_triggers *tm, unsigned idx);
/* Remove every trigger of `owner`. */
void rv_trigger_clear(struct rv_triggers *tm, unsigned owner);
/* The first execute trigger matching pc in privilege mode priv (0 = U, 1 = S), or NULL. */
const struct rv_trigger *rv_trigger_match_exec(const struct rv_triggers *tm, uint64_t pc,
					       unsigned priv);
/* The first load (store) trigger overlapping [addr, addr + size), or NULL. */
const struct rv_trigger *rv_trigger_match_mem(const struct rv_triggers *tm, uint64_t addr,
					      unsigned size, bool load, bool store, unsigned priv);

#endif
