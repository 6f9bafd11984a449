/* SPDX-License-Identifier: MIT */
/*
 * RV64F/D results and fflags as a guest sees them, on the real hart.
 *
 * Part 1 executes named instructions written out in assembly (static and
 * dynamic rounding modes, NaN boxing through FLW, sign extension of FMV.X.W
 * and FCVT.W, fflags accrual through the CSRs) and checks literal bit
 * patterns. Part 2 replays every reference case recorded from QEMU
 * (tests/unit/test_fpu_qemu_vectors.inc): each instruction is written into a
 * code buffer, made visible with fence.i and run by fp_exec (fp_exec.S), so
 * the hart decodes it exactly as it would any other guest instruction.
 */
#include "guest.h"

GUEST_PROGRAM("fp");

#define FPV_XD 1
#define FPV_ILLEGAL 2

struct fpv_case {
	u16 group;
	u32 insn;
	u8 frm;
	u16 a, b, c;
	u64 result;
	u8 flags;
	u8 kind;
};

#include "../../tests/unit/test_fpu_qemu_vectors.inc"

#define NX 0x01
#define UF 0x02
#define OF 0x04
#define DZ 0x08
#define NV 0x10

static u64 fflags_swap(u64 v)
{
	u64 old;

	__asm__ volatile("fsflags %0, %1" : "=r"(old) : "r"(v));
	return old;
}

static void frm_set(u64 v)
{
	__asm__ volatile("fsrm %0" ::"r"(v));
}

static u64 fpr_bits_d(double d)
{
	u64 v;

	__asm__ volatile("fmv.x.d %0, %1" : "=r"(v) : "f"(d));
	return v;
}

static double fpr_d(u64 v)
{
	double d;

	__asm__ volatile("fmv.d.x %0, %1" : "=f"(d) : "r"(v));
	return d;
}

static void test_fadd_s_static_rounding_modes(void)
{
	u64 one = 0xffffffff3f800000ull, half_ulp = 0xffffffff33800000ull, r;

	fflags_swap(0);
	__asm__ volatile("fmv.d.x ft1, %1\n\tfmv.d.x ft2, %2\n\t"
			 "fadd.s ft0, ft1, ft2, rne\n\tfmv.x.d %0, ft0"
			 : "=r"(r)
			 : "r"(one), "r"(half_ulp)
			 : "ft0", "ft1", "ft2");
	CHECK_EQ(r, 0xffffffff3f800000ull);
	__asm__ volatile("fmv.d.x ft1, %1\n\tfmv.d.x ft2, %2\n\t"
			 "fadd.s ft0, ft1, ft2, rmm\n\tfmv.x.d %0, ft0"
			 : "=r"(r)
			 : "r"(one), "r"(half_ulp)
			 : "ft0", "ft1", "ft2");
	CHECK_EQ(r, 0xffffffff3f800001ull);
	__asm__ volatile("fmv.d.x ft1, %1\n\tfmv.d.x ft2, %2\n\t"
			 "fadd.s ft0, ft1, ft2, rup\n\tfmv.x.d %0, ft0"
			 : "=r"(r)
			 : "r"(one), "r"(half_ulp)
			 : "ft0", "ft1", "ft2");
	CHECK_EQ(r, 0xffffffff3f800001ull);
	CHECK_EQ(fflags_swap(0), NX);
}

static void test_fadd_d_dynamic_rounding_mode(void)
{
	double one = fpr_d(0x3ff0000000000000ull), tiny = fpr_d(0x3c30000000000000ull), r;

	frm_set(3); /* RUP */
	__asm__ volatile("fadd.d %0, %1, %2, dyn" : "=f"(r) : "f"(one), "f"(tiny));
	CHECK_EQ(fpr_bits_d(r), 0x3ff0000000000001ull);
	frm_set(2); /* RDN */
	__asm__ volatile("fadd.d %0, %1, %2, dyn" : "=f"(r) : "f"(one), "f"(tiny));
	CHECK_EQ(fpr_bits_d(r), 0x3ff0000000000000ull);
	frm_set(0);
	CHECK_EQ(fflags_swap(0), NX);
}

static void test_tininess_after_rounding(void)
{
	u64 a = 0xffffffff3f800001ull, b = 0xffffffff007fffffull, r;

	fflags_swap(0);
	__asm__ volatile("fmv.d.x ft1, %1\n\tfmv.d.x ft2, %2\n\t"
			 "fmul.s ft0, ft1, ft2, rne\n\tfmv.x.d %0, ft0"
			 : "=r"(r)
			 : "r"(a), "r"(b)
			 : "ft0", "ft1", "ft2");
	CHECK_EQ(r, 0xffffffff00800000ull);
	CHECK_EQ(fflags_swap(0), NX);
}

static void test_flw_nan_boxes_and_fmv_x_w_sign_extends(void)
{
	static volatile u32 word = 0xbf800000; /* -1.0f */
	u64 boxed, x;

	__asm__ volatile("flw ft0, 0(%2)\n\tfmv.x.d %0, ft0\n\tfmv.x.w %1, ft0"
			 : "=r"(boxed), "=r"(x)
			 : "r"(&word)
			 : "ft0", "memory");
	CHECK_EQ(boxed, 0xffffffffbf800000ull);
	CHECK_EQ(x, 0xffffffffbf800000ull);
}

static void test_unboxed_single_reads_as_canonical_nan(void)
{
	u64 r, flags;

	fflags_swap(0);
	/* fld of 1.0f without the box: to fadd.s it is the canonical (quiet) NaN. */
	__asm__ volatile("fmv.d.x ft1, %1\n\tfadd.s ft0, ft1, ft1\n\tfmv.x.d %0, ft0"
			 : "=r"(r)
			 : "r"(0x000000003f800000ull)
			 : "ft0", "ft1");
	flags = fflags_swap(0);
	CHECK_EQ(r, 0xffffffff7fc00000ull);
	CHECK_EQ(flags, 0);
}

static void test_fcvt_w_saturates_and_sign_extends(void)
{
	long w;

	fflags_swap(0);
	__asm__ volatile("fcvt.w.d %0, %1, rtz" : "=r"(w) : "f"(fpr_d(0x41f0000000000000ull)));
	CHECK_EQ(w, 0x7fffffff); /* 2^32 */
	__asm__ volatile("fcvt.w.d %0, %1, rtz" : "=r"(w) : "f"(fpr_d(0xc1f0000000000000ull)));
	CHECK_EQ(w, 0xffffffff80000000ull);
	__asm__ volatile("fcvt.wu.d %0, %1, rtz" : "=r"(w) : "f"(fpr_d(0x7ff8000000000000ull)));
	CHECK_EQ(w, 0xffffffffffffffffull);
	CHECK_EQ(fflags_swap(0), NV);
}

static void test_fmadd_rounds_once(void)
{
	double r;

	__asm__ volatile("fmadd.d %0, %1, %2, %3, rne"
			 : "=f"(r)
			 : "f"(fpr_d(0x3ff0000000400000ull)), "f"(fpr_d(0x3fefffffff800000ull)),
			   "f"(fpr_d(0xbff0000000000000ull)));
	CHECK_EQ(fpr_bits_d(r), 0xbc30000000000000ull);
}

static void test_fflags_accrue_across_instructions(void)
{
	double r;
	u64 fcsr;

	fflags_swap(0);
	__asm__ volatile("fdiv.d %0, %1, %2" : "=f"(r) : "f"(fpr_d(0x3ff0000000000000ull)),
			 "f"(fpr_d(0)));
	__asm__ volatile("fsqrt.d %0, %1" : "=f"(r) : "f"(fpr_d(0xbff0000000000000ull)));
	__asm__ volatile("frcsr %0" : "=r"(fcsr));
	CHECK_EQ(fcsr, DZ | NV);
	CHECK_EQ(fpr_bits_d(r), 0x7ff8000000000000ull);
	fflags_swap(0);
}

static void test_reserved_rounding_mode_is_illegal(void)
{
	trap_expect();
	/* fadd.d ft0, ft1, ft2 with rm = 5 */
	__asm__ volatile(".4byte 0x0220d053" ::: "ft0");
	CHECK_EQ(last_trap.count, 1);
	CHECK_EQ(last_trap.cause, EXC_ILLEGAL);
	CHECK_EQ(last_trap.tval, 0x0220d053);
	frm_set(6);
	__asm__ volatile("fadd.d ft0, ft1, ft2, dyn" ::: "ft0");
	CHECK_EQ(last_trap.count, 2);
	frm_set(0);
	trap_expect_none();
}

struct fp_io {
	u64 a, b, c, fcsr, code;
	u64 f4, x12, fcsr_out;
};

void fp_exec(struct fp_io *io);

static u32 fp_code[2] __attribute__((aligned(8)));

/*
 * Encodings that QEMU 7.2's default rv64 (where the cases were recorded)
 * rejects but that Zfh (fmt H) or Zfa define: a hart with those extensions
 * (axvm's default) executes them, so their "illegal" cases do not apply.
 * tests/unit/test_fpu_qemu.c still checks them illegal with the extensions
 * off; tests/diff (class fh) and tests/unit/test_fpu_zfa.c test them on.
 */
static int defined_by_zfh_or_zfa(u32 insn)
{
	u32 opc = insn & 0x7f, f5 = insn >> 27, fmt = (insn >> 25) & 3, rs2 = (insn >> 20) & 31;
	u32 f3 = (insn >> 12) & 7;

	if (opc == 0x43 || opc == 0x47 || opc == 0x4b || opc == 0x4f)
		return fmt == 2;
	if (opc != 0x53)
		return 0;
	if (fmt == 2 || (f5 == 0x08 && rs2 == 2))
		return 1; /* Zfh, and FCVT.S.H / FCVT.D.H */
	return (f5 == 0x05 && (f3 == 2 || f3 == 3)) || (f5 == 0x14 && (f3 == 4 || f3 == 5)) ||
	       (f5 == 0x08 && (rs2 == 4 || rs2 == 5)) || (f5 == 0x18 && rs2 == 8 && fmt == 1) ||
	       (f5 == 0x1e && rs2 == 1 && f3 == 0);
}

/*
 * Every recorded case with fcsr = frm | `nx` (expected flags: the recorded
 * ones plus nx), each run twice: the translator takes a slot at its second
 * run (decoded by the first) under AXVM_JIT_HOT=1 (tests/guest/test_fp.c).
 * With nx clear the cases QEMU trapped on must trap here too (except the
 * encodings Zfh/Zfa define); with nx set they are left out. Returns the
 * number of cases that differ; *run and *skipped count the others.
 */
static unsigned run_reference_cases(u64 nx, unsigned *run, unsigned *skipped)
{
	unsigned n = sizeof(fpv_cases) / sizeof(fpv_cases[0]), bad = 0;

	*run = *skipped = 0;
	trap_expect();
	for (unsigned i = 0; i < n; i++) {
		const struct fpv_case *k = &fpv_cases[i];
		struct fp_io io = {
			.a = fpv_values[k->a],
			.b = fpv_values[k->b],
			.c = fpv_values[k->c],
			.fcsr = (u64)k->frm << 5 | nx,
			.code = (u64)(uintptr_t)fp_code,
		};
		unsigned long traps = last_trap.count;
		int illegal = k->kind & FPV_ILLEGAL;
		u64 result, flags = k->flags | nx;
		int ok;

		if (illegal && (nx || defined_by_zfh_or_zfa(k->insn))) {
			++*skipped;
			continue;
		}
		++*run;
		fp_code[0] = k->insn;
		fp_code[1] = 0x00008067; /* ret */
		fence_i();
		fp_exec(&io);
		result = (k->kind & FPV_XD) ? io.x12 : io.f4;
		if (!illegal && result == k->result && (io.fcsr_out & 0x1f) == flags) {
			io.f4 = io.x12 = io.fcsr_out = 0;
			fp_exec(&io);
			result = (k->kind & FPV_XD) ? io.x12 : io.f4;
		}
		if (illegal)
			ok = last_trap.count == traps + 1 && last_trap.cause == EXC_ILLEGAL;
		else
			ok = last_trap.count == traps && result == k->result &&
			     (io.fcsr_out & 0x1f) == flags;
		if (!ok && ++bad <= 10)
			printf("  case %u %s insn %x frm %u a %lx b %lx c %lx: want %lx/%lx%s, "
			       "got %lx/%lx traps %lu\n",
			       i, fpv_groups[k->group], k->insn, k->frm, io.a, io.b, io.c,
			       k->result, flags, illegal ? " illegal" : "", result,
			       io.fcsr_out & 0x1f, last_trap.count - traps);
	}
	trap_expect_none();
	return bad;
}

static void test_qemu_reference_cases(void)
{
	unsigned run, skipped, bad = run_reference_cases(0, &run, &skipped);

	printf("  %u reference cases, %u differ, %u skipped (Zfh/Zfa encodings)\n", run + skipped, bad,
	       skipped);
	CHECK_EQ(bad, 0);
}

/*
 * The same cases again with fflags.NX already set: the state most FP code
 * runs in, and the one where the translator computes D arithmetic inline
 * with SSE without reading MXCSR's flags (jit.c).
 */
static void test_qemu_reference_cases_with_nx_set(void)
{
	unsigned run, skipped, bad = run_reference_cases(NX, &run, &skipped);

	printf("  %u reference cases with NX set, %u differ\n", run, bad);
	CHECK_EQ(bad, 0);
}

int main(unsigned long hartid, unsigned long dtb)
{
	csr_set(sstatus, SSTATUS_FS);
	RUN(test_fadd_s_static_rounding_modes);
	RUN(test_fadd_d_dynamic_rounding_mode);
	RUN(test_tininess_after_rounding);
	RUN(test_flw_nan_boxes_and_fmv_x_w_sign_extends);
	RUN(test_unboxed_single_reads_as_canonical_nan);
	RUN(test_fcvt_w_saturates_and_sign_extends);
	RUN(test_fmadd_rounds_once);
	RUN(test_fflags_accrue_across_instructions);
	RUN(test_reserved_rounding_mode_is_illegal);
	RUN(test_qemu_reference_cases);
	RUN(test_qemu_reference_cases_with_nx_set);
	return test_failures();
}
