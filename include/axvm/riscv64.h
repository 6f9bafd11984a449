/* SPDX-License-Identifier: MIT */
/*
 * The riscv64 vCPU backend: a software RV64IMAFDC hart in S/U-mode that
 * behaves like a hardware-virtualized (VS-mode) hart. Generic code reaches it
 * only through the ops table below (axvm_vcpu_create(..., ops, &config, ...)).
 *
 * Registers for set_gpr/get_gpr: 0..31 = x0..x31 (writes to x0 are ignored;
 * AXVM_RISCV64_REG_A(n) = an, the argument registers of SBI calls),
 * AXVM_RISCV64_REG_PC (32) = pc, AXVM_RISCV64_REG_CSR_TMP (33) = the hidden
 * register a SysRegRead exit names when it is the read half of a CSR
 * instruction that also writes the CSR (csrrw/csrrs/csrrc needing the old
 * value): the VMM writes it like any other register, and the next run()
 * completes the instruction with a SysRegWrite exit (pc past it).
 *
 * Trapped CSRs are the custom S-mode ranges 0x5c0-0x5ff, 0x9c0-0x9ff and
 * 0xdc0-0xdff (read-only). On a VM with an attached machine (below; the
 * board has one), a CSR number no sysreg device claims raises an
 * illegal-instruction exception in the guest instead of exiting: the hart
 * asks the VM through the lookup the VM handed it at setup.
 *
 * Boot protocol (axvm_vcpu_set_boot_args): pc = entry in S-mode with the
 * MMU off, a0 = hart id, a1 = arg. Hypercall results
 * (axvm_vcpu_set_hypercall_result): a0 = SBI error, a1 = value.
 * Interrupt vectors for inject_interrupt/clear_interrupt: the scause
 * interrupt codes AXVM_RISCV64_IRQ_SSI (1), _STI (5), _SEI (9).
 */
#ifndef AXVM_RISCV64_H
#define AXVM_RISCV64_H

#include "types.h"
#include "vcpu.h"

#define AXVM_RISCV64_REG_A(n) (10u + (n)) /* a0..a7 = x10..x17 */
#define AXVM_RISCV64_REG_PC 32u
#define AXVM_RISCV64_REG_CSR_TMP 33u
#define AXVM_RISCV64_NR_REGS 34u

#define AXVM_RISCV64_IRQ_SSI 1u
#define AXVM_RISCV64_IRQ_STI 5u
#define AXVM_RISCV64_IRQ_SEI 9u

/* Defaults used when a config field is 0. */
#define AXVM_RISCV64_DEFAULT_TIMEBASE_HZ 10000000ull
#define AXVM_RISCV64_DEFAULT_RUN_BUDGET (1ull << 22)

/*
 * ISA extensions beyond RV64GC (plus Zicntr, Zicsr, Zifencei, which are
 * always there) that a VM can turn off one by one, as QEMU's -cpu
 * properties do: bit n of axvm_riscv64_config.ext_off is extension n. A
 * turned-off extension is not in the device tree and its instructions raise
 * illegal-instruction (its other effects revert to what the plain RV64GC
 * hart does; see each below). All are on by default except those in
 * AXVM_RISCV64_EXT_DEFAULT_OFF, which ext_on turns on (QEMU's default CPU
 * leaves them off too). Numbers are stable (append only).
 */
enum axvm_riscv64_ext {
	AXVM_RISCV64_EXT_ZBA = 0,     /* address generation (sh*add, add.uw, slli.uw) */
	AXVM_RISCV64_EXT_ZBB,	      /* basic bit manipulation */
	AXVM_RISCV64_EXT_ZBC,	      /* carry-less multiplication */
	AXVM_RISCV64_EXT_ZBS,	      /* single-bit instructions */
	AXVM_RISCV64_EXT_ZICOND,      /* czero.eqz / czero.nez */
	AXVM_RISCV64_EXT_ZICBOM,      /* cbo.clean / cbo.flush / cbo.inval */
	AXVM_RISCV64_EXT_ZICBOP,      /* prefetch.i/r/w hints (advertised only) */
	AXVM_RISCV64_EXT_ZICBOZ,      /* cbo.zero (64-byte blocks) */
	AXVM_RISCV64_EXT_ZIHINTPAUSE, /* pause (a hint; advertised only) */
	AXVM_RISCV64_EXT_ZIHINTNTL,   /* ntl.* hints (advertised only) */
	AXVM_RISCV64_EXT_ZAWRS,	      /* wrs.nto / wrs.sto */
	AXVM_RISCV64_EXT_ZKT,	      /* data-independent execution latency (advertised only) */
	AXVM_RISCV64_EXT_SVINVAL,     /* sinval.vma, sfence.w.inval, sfence.inval.ir */
	AXVM_RISCV64_EXT_SVPBMT,      /* PTE bits 62:61 (off: they are reserved, a page fault) */
	AXVM_RISCV64_EXT_SVNAPOT,     /* 64 KiB NAPOT PTEs (off: bit 63 is reserved) */
	AXVM_RISCV64_EXT_SVADU,	      /* the hart sets A/D itself (off: Svade, a page fault) */
	AXVM_RISCV64_EXT_ZFHMIN,      /* half precision: flh/fsh, fmv, fcvt to/from S and D */
	AXVM_RISCV64_EXT_ZFH,	      /* half-precision arithmetic (implies Zfhmin) */
	AXVM_RISCV64_EXT_ZFA,	      /* fli, fminm/fmaxm, fround(nx), fcvtmod.w.d, fleq/fltq */
	AXVM_RISCV64_EXT_SSCOFPMF,    /* hpmcounter overflow: scountovf, LCOFI (interrupt 13) */
	/*
	 * Svade listed beside Svadu (off by default): the hart starts with A/D
	 * updating off (a clear A, or D on a store, is a page fault) and the
	 * guest turns it on through SBI FWFT's PTE_AD_HW_UPDATING, as OpenSBI
	 * does when the ISA string has both. Off, a hart with Svadu updates A/D
	 * from reset and FWFT has no PTE_AD_HW_UPDATING (OpenSBI's answer too).
	 */
	AXVM_RISCV64_EXT_SVADE,
	AXVM_RISCV64_EXT_COUNT
};
#define AXVM_RISCV64_EXT_ALL ((1ull << AXVM_RISCV64_EXT_COUNT) - 1)
/* The extensions that are off unless turned on (ext_on, `--cpu rv64,svade=on`). */
#define AXVM_RISCV64_EXT_DEFAULT_OFF (1ull << AXVM_RISCV64_EXT_SVADE)
/* The extensions a hart has, given the config's ext_off and ext_on. */
static inline uint64_t axvm_riscv64_ext_enabled(uint64_t ext_off, uint64_t ext_on)
{
	return AXVM_RISCV64_EXT_ALL & ~ext_off & (~AXVM_RISCV64_EXT_DEFAULT_OFF | ext_on);
}
/* The cache-block size of Zicbom/Zicboz/Zicbop (cbo.zero clears this many bytes). */
#define AXVM_RISCV64_CBO_BLOCK 64u

/* The extension's lower-case name ("zbb"), NULL if ext is out of range. */
AXVM_API const char *axvm_riscv64_ext_name(unsigned ext);
/*
 * Parse a QEMU-style CPU model: "rv64" then ",name=on|off" (also true/false)
 * for each extension to change, into *ext_off (bits set for the extensions
 * turned off) and *ext_on (bits set for those turned on; only the
 * AXVM_RISCV64_EXT_DEFAULT_OFF ones matter); an extension not named keeps
 * its bits. Returns 0, or -AXVM_EINVAL with the error message naming the
 * bad item.
 */
AXVM_API int axvm_riscv64_cpu_parse(const char *spec, uint64_t *ext_off, uint64_t *ext_on);
/* The translator setting of a hart (axvm_riscv64_config.jit). */
enum axvm_riscv64_jit {
	AXVM_RISCV64_JIT_DEFAULT = 0, /* on where available */
	AXVM_RISCV64_JIT_ON,
	AXVM_RISCV64_JIT_OFF,
};

/* The arch_config given to axvm_vcpu_create (NULL = all defaults). */
struct axvm_riscv64_config {
	uint64_t timebase_hz; /* guest time/stimecmp frequency; 0 = 10 MHz */
	bool sstc;	      /* expose the Sstc extension (stimecmp) */
	uint64_t run_budget;  /* instructions per run() before AXVM_EXIT_NOTHING; 0 = default */
	uint64_t epoch_ns;    /* host monotonic ns at which guest time reads 0 */
	void *machine;	      /* the VM's struct axvm_riscv64_machine * (below), or NULL */
	uint64_t ext_off;     /* extensions turned off (1ull << AXVM_RISCV64_EXT_*); 0 = all on */
	uint64_t ext_on;      /* of AXVM_RISCV64_EXT_DEFAULT_OFF, those turned on */
	/*
	 * Translate hot guest code to host code: on by default where it is
	 * available (x86-64 Linux; elsewhere the hart runs the interpreter).
	 * The environment variable AXVM_JIT=1 / =0 overrides this for every
	 * hart of the process (how the test suite is run both ways).
	 */
	enum axvm_riscv64_jit jit;
	uint64_t jit_cache_size; /* bytes of translated code kept; 0 = 32 MiB */
	/*
	 * Offer the SBI PMU snapshot shared memory (snapshot_set_shmem). Off
	 * by default: Debian's 6.12 kernel, when it has one, restarts the
	 * counters after an overflow with counter_idx_base 4096 (a driver
	 * bug; the SBI answers INVALID_PARAM, as OpenSBI and KVM do), so
	 * `perf record` loses its samples. Without it Linux reads the CSRs.
	 */
	bool pmu_snapshot;
};

/* The software hart's vCPU ops table. */
AXVM_API const struct axvm_vcpu_ops *axvm_riscv64_vcpu_ops(void);
/* True if this build can translate guest code (the `jit` field above): x86-64 Linux hosts. */
AXVM_API bool axvm_riscv64_jit_available(void);

/*
 * The per-VM riscv64 machine: what the harts of one VM share for the SBI --
 * the hart table that IPIs, remote fences and HSM calls address, each hart's
 * HSM state (hart 0 STARTED, the others STOPPED until an HSM hart_start),
 * and the console behind the SBI console calls (DBCN, legacy putchar and
 * getchar). A hart without a machine knows only itself: no SBI console
 * output, no HSM hart_start of another hart. The virt board creates one; a
 * VM built without the board creates its own:
 *
 *	axvm_riscv64_machine_create(cfg->cpu_num, &m);
 *	axvm_riscv64_machine_set_console(m, con);      (optional)
 *	rvcfg.machine = m; cfg->vcpu_arch_config = &rvcfg;
 *	axvm_create(cfg, &vm); axvm_init(vm);
 *	axvm_riscv64_machine_attach(m, vm);
 *	... axvm_boot, axvm_run_vcpu on each vCPU's thread ...
 *	axvm_destroy(vm); axvm_riscv64_machine_destroy(m);
 *
 * HSM hart_start then reaches the caller of axvm_run_vcpu as a CpuUp exit:
 * the VMM starts that vCPU with axvm_vcpu_set_boot_args(vcpu, entry_point,
 * arg) on its own thread and runs it.
 *
 * Threads: create, set_console, attach and destroy from one thread while no
 * vCPU of the VM runs; the machine must outlive the VM's vCPUs.
 */
struct axvm;
struct axvm_console;
struct axvm_riscv64_machine;

/* A machine for `nharts` (1..AXVM_CONFIG_MAX_VCPUS) harts, no console. */
AXVM_API int axvm_riscv64_machine_create(unsigned nharts, struct axvm_riscv64_machine **out);
AXVM_API void axvm_riscv64_machine_destroy(struct axvm_riscv64_machine *m);
/* Where SBI console output goes and input comes from (NULL = output dropped, no input). */
AXVM_API void axvm_riscv64_machine_set_console(struct axvm_riscv64_machine *m,
					       struct axvm_console *con);
/*
 * SBI Base probe_extension's answer for an extension the SBI layer does not
 * serve, i.e. one you serve through Hypercall exits: return 0 (not
 * available) or an extension-specific nonzero value. Called on vCPU threads,
 * possibly several at once. NULL (the default) answers 0 for all of them.
 */
AXVM_API void axvm_riscv64_machine_set_probe(struct axvm_riscv64_machine *m,
					     long (*probe)(void *opaque, uint64_t eid),
					     void *opaque);
/*
 * After axvm_init: record every vCPU of `vm` (riscv64 backend, created with
 * this machine in its config) as the hart with its id. -AXVM_EINVAL if the
 * VM's vCPU count is not the machine's hart count.
 */
AXVM_API int axvm_riscv64_machine_attach(struct axvm_riscv64_machine *m, struct axvm *vm);

#endif
