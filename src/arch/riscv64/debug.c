/* SPDX-License-Identifier: MIT */
/*
 * The hart's side of a debugger: the one-instruction-at-a-time run path
 * that checks the trigger module (trigger.h) and single steps, and the
 * backend's debug ops (registers by GDB number, memory by guest-virtual
 * address without side effects, the GDB target description).
 *
 * Register numbers are GDB's for RISC-V: x0-x31 0-31, pc 32, f0-f31 33-64,
 * CSR n at 65 + n (fflags 66, frm 67, fcsr 68, sstatus 321, ...) and the
 * virtual register `priv` at 4161.
 */
#include "arch/riscv64/debug.h"

#include <string.h>

#include "arch/riscv64/decode.h"
#include "arch/riscv64/machine.h"
#include "arch/riscv64/sbi.h"

#define DEBUG_REG_PC 32
#define DEBUG_REG_F0 33
#define DEBUG_REG_CSR0 65
#define DEBUG_REG_PRIV 4161

/* Generated from the register list above (GDB's feature names and numbering). */
static const char debug_target_xml[] =
    "<?xml version=\"1.0\"?>"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
    "<target version=\"1.0\">"
    "<architecture>riscv:rv64</architecture>"
    "<feature name=\"org.gnu.gdb.riscv.cpu\">"
    "<reg name=\"zero\" bitsize=\"64\" type=\"int\" regnum=\"0\"/>"
    "<reg name=\"ra\" bitsize=\"64\" type=\"code_ptr\" regnum=\"1\"/>"
    "<reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\" regnum=\"2\"/>"
    "<reg name=\"gp\" bitsize=\"64\" type=\"data_ptr\" regnum=\"3\"/>"
    "<reg name=\"tp\" bitsize=\"64\" type=\"data_ptr\" regnum=\"4\"/>"
    "<reg name=\"t0\" bitsize=\"64\" type=\"int\" regnum=\"5\"/>"
    "<reg name=\"t1\" bitsize=\"64\" type=\"int\" regnum=\"6\"/>"
    "<reg name=\"t2\" bitsize=\"64\" type=\"int\" regnum=\"7\"/>"
    "<reg name=\"fp\" bitsize=\"64\" type=\"data_ptr\" regnum=\"8\"/>"
    "<reg name=\"s1\" bitsize=\"64\" type=\"int\" regnum=\"9\"/>"
    "<reg name=\"a0\" bitsize=\"64\" type=\"int\" regnum=\"10\"/>"
    "<reg name=\"a1\" bitsize=\"64\" type=\"int\" regnum=\"11\"/>"
    "<reg name=\"a2\" bitsize=\"64\" type=\"int\" regnum=\"12\"/>"
    "<reg name=\"a3\" bitsize=\"64\" type=\"int\" regnum=\"13\"/>"
    "<reg name=\"a4\" bitsize=\"64\" type=\"int\" regnum=\"14\"/>"
    "<reg name=\"a5\" bitsize=\"64\" type=\"int\" regnum=\"15\"/>"
    "<reg name=\"a6\" bitsize=\"64\" type=\"int\" regnum=\"16\"/>"
    "<reg name=\"a7\" bitsize=\"64\" type=\"int\" regnum=\"17\"/>"
    "<reg name=\"s2\" bitsize=\"64\" type=\"int\" regnum=\"18\"/>"
    "<reg name=\"s3\" bitsize=\"64\" type=\"int\" regnum=\"19\"/>"
    "<reg name=\"s4\" bitsize=\"64\" type=\"int\" regnum=\"20\"/>"
    "<reg name=\"s5\" bitsize=\"64\" type=\"int\" regnum=\"21\"/>"
    "<reg name=\"s6\" bitsize=\"64\" type=\"int\" regnum=\"22\"/>"
    "<reg name=\"s7\" bitsize=\"64\" type=\"int\" regnum=\"23\"/>"
    "<reg name=\"s8\" bitsize=\"64\" type=\"int\" regnum=\"24\"/>"
    "<reg name=\"s9\" bitsize=\"64\" type=\"int\" regnum=\"25\"/>"
    "<reg name=\"s10\" bitsize=\"64\" type=\"int\" regnum=\"26\"/>"
    "<reg name=\"s11\" bitsize=\"64\" type=\"int\" regnum=\"27\"/>"
    "<reg name=\"t3\" bitsize=\"64\" type=\"int\" regnum=\"28\"/>"
    "<reg name=\"t4\" bitsize=\"64\" type=\"int\" regnum=\"29\"/>"
    "<reg name=\"t5\" bitsize=\"64\" type=\"int\" regnum=\"30\"/>"
    "<reg name=\"t6\" bitsize=\"64\" type=\"int\" regnum=\"31\"/>"
    "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>"
    "</feature>"
    "<feature name=\"org.gnu.gdb.riscv.fpu\">"
    "<reg name=\"ft0\" bitsize=\"64\" type=\"ieee_double\" regnum=\"33\"/>"
    "<reg name=\"ft1\" bitsize=\"64\" type=\"ieee_double\" regnum=\"34\"/>"
    "<reg name=\"ft2\" bitsize=\"64\" type=\"ieee_double\" regnum=\"35\"/>"
    "<reg name=\"ft3\" bitsize=\"64\" type=\"ieee_double\" regnum=\"36\"/>"
    "<reg name=\"ft4\" bitsize=\"64\" type=\"ieee_double\" regnum=\"37\"/>"
    "<reg name=\"ft5\" bitsize=\"64\" type=\"ieee_double\" regnum=\"38\"/>"
    "<reg name=\"ft6\" bitsize=\"64\" type=\"ieee_double\" regnum=\"39\"/>"
    "<reg name=\"ft7\" bitsize=\"64\" type=\"ieee_double\" regnum=\"40\"/>"
    "<reg name=\"fs0\" bitsize=\"64\" type=\"ieee_double\" regnum=\"41\"/>"
    "<reg name=\"fs1\" bitsize=\"64\" type=\"ieee_double\" regnum=\"42\"/>"
    "<reg name=\"fa0\" bitsize=\"64\" type=\"ieee_double\" regnum=\"43\"/>"
    "<reg name=\"fa1\" bitsize=\"64\" type=\"ieee_double\" regnum=\"44\"/>"
    "<reg name=\"fa2\" bitsize=\"64\" type=\"ieee_double\" regnum=\"45\"/>"
    "<reg name=\"fa3\" bitsize=\"64\" type=\"ieee_double\" regnum=\"46\"/>"
    "<reg name=\"fa4\" bitsize=\"64\" type=\"ieee_double\" regnum=\"47\"/>"
    "<reg name=\"fa5\" bitsize=\"64\" type=\"ieee_double\" regnum=\"48\"/>"
    "<reg name=\"fa6\" bitsize=\"64\" type=\"ieee_double\" regnum=\"49\"/>"
    "<reg name=\"fa7\" bitsize=\"64\" type=\"ieee_double\" regnum=\"50\"/>"
    "<reg name=\"fs2\" bitsize=\"64\" type=\"ieee_double\" regnum=\"51\"/>"
    "<reg name=\"fs3\" bitsize=\"64\" type=\"ieee_double\" regnum=\"52\"/>"
    "<reg name=\"fs4\" bitsize=\"64\" type=\"ieee_double\" regnum=\"53\"/>"
    "<reg name=\"fs5\" bitsize=\"64\" type=\"ieee_double\" regnum=\"54\"/>"
    "<reg name=\"fs6\" bitsize=\"64\" type=\"ieee_double\" regnum=\"55\"/>"
    "<reg name=\"fs7\" bitsize=\"64\" type=\"ieee_double\" regnum=\"56\"/>"
    "<reg name=\"fs8\" bitsize=\"64\" type=\"ieee_double\" regnum=\"57\"/>"
    "<reg name=\"fs9\" bitsize=\"64\" type=\"ieee_double\" regnum=\"58\"/>"
    "<reg name=\"fs10\" bitsize=\"64\" type=\"ieee_double\" regnum=\"59\"/>"
    "<reg name=\"fs11\" bitsize=\"64\" type=\"ieee_double\" regnum=\"60\"/>"
    "<reg name=\"ft8\" bitsize=\"64\" type=\"ieee_double\" regnum=\"61\"/>"
    "<reg name=\"ft9\" bitsize=\"64\" type=\"ieee_double\" regnum=\"62\"/>"
    "<reg name=\"ft10\" bitsize=\"64\" type=\"ieee_double\" regnum=\"63\"/>"
    "<reg name=\"ft11\" bitsize=\"64\" type=\"ieee_double\" regnum=\"64\"/>"
    "<reg name=\"fflags\" bitsize=\"32\" type=\"int\" regnum=\"66\"/>"
    "<reg name=\"frm\" bitsize=\"32\" type=\"int\" regnum=\"67\"/>"
    "<reg name=\"fcsr\" bitsize=\"32\" type=\"int\" regnum=\"68\"/>"
    "</feature>"
    "<feature name=\"org.gnu.gdb.riscv.csr\">"
    "<reg name=\"sstatus\" bitsize=\"64\" type=\"int\" regnum=\"321\"/>"
    "<reg name=\"sie\" bitsize=\"64\" type=\"int\" regnum=\"325\"/>"
    "<reg name=\"stvec\" bitsize=\"64\" type=\"int\" regnum=\"326\"/>"
    "<reg name=\"scounteren\" bitsize=\"64\" type=\"int\" regnum=\"327\"/>"
    "<reg name=\"senvcfg\" bitsize=\"64\" type=\"int\" regnum=\"331\"/>"
    "<reg name=\"sscratch\" bitsize=\"64\" type=\"int\" regnum=\"385\"/>"
    "<reg name=\"sepc\" bitsize=\"64\" type=\"int\" regnum=\"386\"/>"
    "<reg name=\"scause\" bitsize=\"64\" type=\"int\" regnum=\"387\"/>"
    "<reg name=\"stval\" bitsize=\"64\" type=\"int\" regnum=\"388\"/>"
    "<reg name=\"sip\" bitsize=\"64\" type=\"int\" regnum=\"389\"/>"
    "<reg name=\"stimecmp\" bitsize=\"64\" type=\"int\" regnum=\"398\"/>"
    "<reg name=\"satp\" bitsize=\"64\" type=\"int\" regnum=\"449\"/>"
    "<reg name=\"cycle\" bitsize=\"64\" type=\"int\" regnum=\"3137\"/>"
    "<reg name=\"time\" bitsize=\"64\" type=\"int\" regnum=\"3138\"/>"
    "<reg name=\"instret\" bitsize=\"64\" type=\"int\" regnum=\"3139\"/>"
    "</feature>"
    "<feature name=\"org.gnu.gdb.riscv.virtual\">"
    "<reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"4161\"/>"
    "</feature>"
    "</target>";

/* ---- memory by guest-virtual address, without side effects ---- */

/*
 * Walk the guest's page table as the MMU would, reading PTEs through the
 * address space: no A/D update, no fault raised, permissions ignored (a
 * debugger may read what the guest cannot). The physical address, or
 * -AXVM_EFAULT.
 */
static int debug_translate(struct rv_hart *h, uint64_t va, uint64_t *pa)
{
	unsigned mode = (unsigned)(h->satp >> RV_SATP_MODE_SHIFT);
	int levels = mode == RV_SATP_MODE_SV39 ? 3 : mode == RV_SATP_MODE_SV48 ? 4 : 0;
	uint64_t table = (h->satp & ((1ull << 44) - 1)) << 12;
	unsigned vabits;

	if (mode == RV_SATP_MODE_BARE) {
		*pa = va;
		return 0;
	}
	if (!levels)
		return -AXVM_EFAULT;
	vabits = 12 + 9 * (unsigned)levels;
	if ((uint64_t)((int64_t)(va << (64 - vabits)) >> (64 - vabits)) != va)
		return -AXVM_EFAULT; /* not canonical */
	for (int i = levels - 1; i >= 0; i--) {
		unsigned shift = 12 + 9 * (unsigned)i;
		uint64_t pte, ppn;

		if (axvm_addrspace_read(h->as, table + ((va >> shift) & 511) * 8, &pte, 8))
			return -AXVM_EFAULT;
		if (!(pte & 1) || (!(pte & 2) && (pte & 4)))
			return -AXVM_EFAULT;
		ppn = (pte >> 10) & ((1ull << 44) - 1);
		if (pte & 0xa) { /* R or X: a leaf */
			uint64_t off = (1ull << shift) - 1;

			*pa = ((ppn << 12) & ~off) | (va & off);
			return 0;
		}
		table = ppn << 12;
	}
	return -AXVM_EFAULT;
}

/* Split at page boundaries (each page translates on its own). */
static int debug_access(struct rv_hart *h, uint64_t va, void *buf, uint64_t len, bool write)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t chunk = 4096 - (va & 4095), pa;
		int ret;

		if (chunk > len)
			chunk = len;
		ret = debug_translate(h, va, &pa);
		if (!ret)
			ret = write ? axvm_addrspace_write(h->as, pa, p, chunk)
				    : axvm_addrspace_read(h->as, pa, p, chunk);
		if (ret)
			return -AXVM_EFAULT;
		va += chunk;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

int rv_debug_read_mem(struct rv_hart *h, uint64_t va, void *buf, uint64_t len)
{
	return debug_access(h, va, buf, len, false);
}

int rv_debug_write_mem(struct rv_hart *h, uint64_t va, const void *buf, uint64_t len)
{
	struct rv_machine *m = h->machine;
	int ret = debug_access(h, va, (void *)buf, len, true);

	/*
	 * The write bypassed every hart's store path, so no decoded slot knows
	 * (dcache.h): every hart resets its decoded pages before its next
	 * instruction, as after a remote fence.i. The harts are not running.
	 */
	if (!m) {
		rv_hart_request_flush(h);
		return ret;
	}
	for (unsigned i = 0; i < m->nharts; i++)
		if (m->harts[i])
			rv_hart_request_flush(m->harts[i]);
	return ret;
}

/* ---- registers ---- */

int rv_debug_get_reg(struct rv_hart *h, unsigned regno, uint64_t *value)
{
	*value = 0;
	if (regno < 32)
		*value = h->x[regno];
	else if (regno == DEBUG_REG_PC)
		*value = h->pc;
	else if (regno < DEBUG_REG_F0 + 32)
		*value = h->fpu.f[regno - DEBUG_REG_F0];
	else if (regno == DEBUG_REG_PRIV)
		*value = h->priv;
	else if (regno == DEBUG_REG_CSR0 + 1) /* the FP CSRs, whatever sstatus.FS says */
		*value = h->fpu.fcsr & 0x1f;
	else if (regno == DEBUG_REG_CSR0 + 2)
		*value = (h->fpu.fcsr >> 5) & 7;
	else if (regno == DEBUG_REG_CSR0 + 3)
		*value = h->fpu.fcsr & 0xff;
	else if (regno < DEBUG_REG_CSR0 + 4096 &&
		 rv_csr_read(h, regno - DEBUG_REG_CSR0, value) == 0)
		return 0;
	else
		return -AXVM_ENOENT;
	return 0;
}

int rv_debug_set_reg(struct rv_hart *h, unsigned regno, uint64_t value)
{
	if (regno < 32) {
		if (regno)
			h->x[regno] = value;
	} else if (regno == DEBUG_REG_PC) {
		h->pc = value & ~1ull;
	} else if (regno < DEBUG_REG_F0 + 32) {
		h->fpu.f[regno - DEBUG_REG_F0] = value;
	} else if (regno == DEBUG_REG_PRIV) {
		if (value > RV_PRIV_S)
			return -AXVM_EINVAL;
		if (h->priv != (enum rv_priv)value) {
			enum rv_priv from = h->priv;

			h->priv = (enum rv_priv)value;
			rv_sbi_pmu_mode_change(h, from);
		}
		rv_hart_flush_tlb_local(h); /* the TLB is per mode, but mappings may differ */
	} else if (regno == DEBUG_REG_CSR0 + 1) {
		h->fpu.fcsr = (h->fpu.fcsr & ~0x1fu) | (uint32_t)(value & 0x1f);
	} else if (regno == DEBUG_REG_CSR0 + 2) {
		h->fpu.fcsr = (h->fpu.fcsr & 0x1fu) | (uint32_t)(value & 7) << 5;
	} else if (regno == DEBUG_REG_CSR0 + 3) {
		h->fpu.fcsr = (uint32_t)(value & 0xff);
	} else if (regno >= DEBUG_REG_CSR0 + 4096 ||
		   rv_csr_write(h, regno - DEBUG_REG_CSR0, value) != 0) {
		return -AXVM_ENOENT;
	}
	return 0;
}

const char *rv_debug_target_xml(void)
{
	return debug_target_xml;
}

/* ---- debug points and steps ---- */

static uint64_t debug_tdata1(enum axvm_debug_point type)
{
	static const uint64_t kinds[] = {
	    [AXVM_DEBUG_SW_BREAK] = RV_MC6_EXECUTE,
	    [AXVM_DEBUG_HW_BREAK] = RV_MC6_EXECUTE,
	    [AXVM_DEBUG_WATCH_WRITE] = RV_MC6_STORE,
	    [AXVM_DEBUG_WATCH_READ] = RV_MC6_LOAD,
	    [AXVM_DEBUG_WATCH_ACCESS] = RV_MC6_LOAD | RV_MC6_STORE,
	};

	return RV_MC6_TYPE | (uint64_t)RV_TRIGGER_ACTION_DEBUGGER << RV_MC6_ACTION_SHIFT |
	       RV_MC6_S | RV_MC6_U | kinds[type];
}

void rv_debug_refresh(struct rv_hart *h)
{
	h->dbg.active = h->dbg.step || h->dbg.trig.nexec || h->dbg.trig.nmem;
}

int rv_debug_set_point(struct rv_hart *h, enum axvm_debug_point type, uint64_t addr, uint64_t len,
		       bool insert)
{
	unsigned owner =
	    type == AXVM_DEBUG_SW_BREAK ? RV_TRIGGER_OWNER_GDB_SW : RV_TRIGGER_OWNER_GDB_HW;
	uint64_t tdata1;
	int ret;

	if ((unsigned)type > AXVM_DEBUG_WATCH_ACCESS)
		return -AXVM_EINVAL;
	tdata1 = debug_tdata1(type);
	if (type <= AXVM_DEBUG_HW_BREAK)
		len = 1; /* the kind (instruction length) does not widen a breakpoint */
	if (!len)
		return -AXVM_EINVAL;
	ret = insert ? rv_trigger_install(&h->dbg.trig, owner, tdata1, addr, len, NULL)
		     : rv_trigger_remove(&h->dbg.trig, owner, tdata1, addr, len);
	rv_debug_refresh(h);
	return ret;
}

int rv_debug_set_step(struct rv_hart *h, bool on)
{
	h->dbg.step = on;
	h->dbg.stepped = false;
	rv_debug_refresh(h);
	return 0;
}

/* The stop kind a trigger reports. */
static enum axvm_debug_stop debug_stop_kind(const struct rv_trigger *t)
{
	uint64_t ls = t->tdata1 & (RV_MC6_LOAD | RV_MC6_STORE);

	if (t->tdata1 & RV_MC6_EXECUTE)
		return t->owner == RV_TRIGGER_OWNER_GDB_SW ? AXVM_DEBUG_STOP_SW_BREAK
							   : AXVM_DEBUG_STOP_HW_BREAK;
	if (ls == RV_MC6_STORE)
		return AXVM_DEBUG_STOP_WATCH_WRITE;
	return ls == RV_MC6_LOAD ? AXVM_DEBUG_STOP_WATCH_READ : AXVM_DEBUG_STOP_WATCH_ACCESS;
}

/*
 * The data access the instruction at pc is about to make: its address,
 * size and direction, decoded from the instruction without executing it
 * (loads, stores, FP loads/stores, AMOs, LR/SC). False for anything else
 * or an instruction that cannot be fetched (it will fault on its own).
 */
static bool debug_access_of(struct rv_hart *h, uint64_t *addr, unsigned *size, bool *load,
			    bool *store)
{
	uint16_t lo;
	uint32_t insn;
	unsigned op, f3, rs1;
	int64_t imm;

	if (rv_debug_read_mem(h, h->pc, &lo, 2))
		return false;
	if ((lo & 3) != 3) {
		insn = rv_expand_compressed(lo);
		if (insn == RV_RVC_ILLEGAL)
			return false;
	} else if (rv_debug_read_mem(h, h->pc, &insn, 4)) {
		return false;
	}
	op = insn & 0x7f;
	f3 = (insn >> 12) & 7;
	rs1 = (insn >> 15) & 31;
	*load = *store = false;
	switch (op) {
	case 0x03: /* LOAD */
	case 0x07: /* LOAD-FP */
		if (op == 0x07 && f3 != 2 && f3 != 3)
			return false;
		imm = (int32_t)insn >> 20;
		*size = 1u << (f3 & 3);
		*load = true;
		break;
	case 0x23: /* STORE */
	case 0x27: /* STORE-FP */
		if (op == 0x27 && f3 != 2 && f3 != 3)
			return false;
		/* int32_t throughout: an unsigned operand would drop the sign */
		imm = (int32_t)(((int32_t)insn >> 25) * 32 + (int32_t)((insn >> 7) & 31));
		*size = 1u << (f3 & 3);
		*store = true;
		break;
	case 0x2f: /* AMO, LR, SC */
		if (f3 != 2 && f3 != 3)
			return false;
		imm = 0;
		*size = 1u << f3;
		*load = (insn >> 27) != 3;  /* all but SC read */
		*store = (insn >> 27) != 2; /* all but LR write */
		break;
	default:
		return false;
	}
	*addr = h->x[rs1] + (uint64_t)imm;
	return true;
}

static int debug_stop(struct rv_hart *h, struct axvm_exit *exit, enum axvm_debug_stop kind,
		      uint64_t addr)
{
	memset(exit, 0, sizeof(*exit));
	exit->reason = AXVM_EXIT_DEBUG;
	exit->debug.kind = kind;
	exit->debug.addr = addr;
	return RV_STEP_EXIT;
}

int rv_debug_batch(struct rv_hart *h, uint64_t n, uint64_t *done, struct axvm_exit *exit)
{
	*done = 0;
	while (*done < n) {
		const struct rv_trigger *t;
		uint64_t one = 0, addr = 0;
		unsigned size = 0;
		bool load, store;
		int r;

		if (h->dbg.step && h->dbg.stepped)
			return debug_stop(h, exit, AXVM_DEBUG_STOP_STEP, h->pc);
		t = rv_trigger_match_exec(&h->dbg.trig, h->pc, h->priv);
		if (t) {
			addr = h->pc;
		} else if (h->dbg.trig.nmem && debug_access_of(h, &addr, &size, &load, &store)) {
			t = rv_trigger_match_mem(&h->dbg.trig, addr, size, load, store, h->priv);
			if (t && addr < t->tdata2)
				addr = t->tdata2; /* report the watched address gdb asked for */
		}
		/* A step's one instruction runs even on a trigger: gdb steps over its stops. */
		if (t && !h->dbg.step) {
			if (((t->tdata1 & RV_MC6_ACTION) >> RV_MC6_ACTION_SHIFT) ==
			    RV_TRIGGER_ACTION_DEBUGGER)
				return debug_stop(h, exit, debug_stop_kind(t), addr);
			rv_hart_raise(h, RV_EXC_BREAKPOINT, addr);
			*done += 1;
			continue;
		}
		h->dbg.stepped = true;
		/*
		 * The one-instruction interpreter, not the decoded slots: a fused
		 * slot (auipc + store) would run a second instruction unchecked.
		 */
		r = rv_interp_batch(h, 1, &one, exit);
		*done += one ? one : 1;
		if (r != RV_STEP_NEXT || h->recheck)
			return r;
	}
	return RV_STEP_NEXT;
}
