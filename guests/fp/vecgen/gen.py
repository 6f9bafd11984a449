#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate RV64F/D reference vectors with QEMU.

    python3 guests/fp/vecgen/gen.py [--out tests/unit/test_fpu_qemu_vectors.inc]

Builds a list of cases (instruction encoding, frm, up to three register
values): special values (+-0, +-inf, qNaN, sNaN, subnormals, min/max normals),
halfway and tininess-after-rounding cases, saturating conversions, and
seeded random operands, each under the five rounding modes (static and
dynamic) where rounding matters, plus reserved rounding modes. It compiles
vecgen.c + ../fp_exec.S with the guest library, runs the image under
qemu-system-riscv64 (which implements RISC-V floating point exactly), and
writes the results as a C table for the host unit test. The test never runs
QEMU itself: the table is committed, this script only regenerates it.

Register convention of a case: f1 = x11 = a, f2 = b, f3 = c; the instruction
writes f4 (rd = 4) or x12 (rd = 12).
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

BOX = 0xFFFFFFFF00000000


class Fmt:
    def __init__(self, name, code, p, ebits):
        self.name, self.code, self.p, self.ebits = name, code, p, ebits
        self.bias = (1 << (ebits - 1)) - 1
        self.width = p + ebits
        self.sign = 1 << (self.width - 1)
        self.emax_field = (1 << ebits) - 1
        self.frac_mask = (1 << (p - 1)) - 1
        self.inf = self.emax_field << (p - 1)
        self.qnan = self.inf | (1 << (p - 2))

    def reg(self, bits):
        """The 64-bit register value holding `bits` (NaN-boxed for S)."""
        return BOX | bits if self.width == 32 else bits

    def make(self, sign, exp_field, frac):
        return (self.sign if sign else 0) | (exp_field << (self.p - 1)) | frac

    def value(self, bits):
        """Exact rational value of a finite bit pattern."""
        s = -1 if bits & self.sign else 1
        e = (bits >> (self.p - 1)) & self.emax_field
        f = bits & self.frac_mask
        if e == 0:
            return s * Fraction(f) * Fraction(2) ** (1 - self.bias - (self.p - 1))
        return s * Fraction(f | (1 << (self.p - 1))) * Fraction(2) ** (e - self.bias - (self.p - 1))

    def nearest(self, x):
        """A finite float near positive rational x (truncated: good enough for inputs)."""
        e = 0
        while x >= 2:
            x /= 2
            e += 1
        while x < 1:
            x *= 2
            e -= 1
        field = e + self.bias
        if field <= 0:
            frac = int(x * (1 << (self.p - 1)) / (Fraction(2) ** (1 - field)))
            return frac
        if field >= self.emax_field:
            return self.inf - 1
        return self.make(0, field, int(x * (1 << (self.p - 1))) & self.frac_mask)


S = Fmt("s", 0, 24, 8)
D = Fmt("d", 1, 53, 11)

OPFP, MADD, MSUB, NMSUB, NMADD = 0x53, 0x43, 0x47, 0x4B, 0x4F


def opfp(funct5, fmt, rs2, rs1, rm, rd):
    return (funct5 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | OPFP


def r4(opc, fmt, rm):
    return (3 << 27) | (fmt << 25) | (2 << 20) | (1 << 15) | (rm << 12) | (4 << 7) | opc


def specials(F):
    p = F.p
    one = F.make(0, F.bias, 0)
    v = [
        0, F.sign,                                   # +0 -0
        1, F.sign | F.frac_mask,                     # min subnormal, -max subnormal
        1 << (p - 2),                                # a mid subnormal
        F.make(0, 1, 0), F.make(1, 1, 0),            # +-min normal
        F.inf - 1, F.sign | (F.inf - 1),             # +-max normal
        one, F.sign | one, one | 1,                  # 1, -1, 1 + ulp
        F.make(0, F.bias, 1 << (p - 2)),             # 1.5
        F.make(1, F.bias + 1, 1 << (p - 2)),         # -3
        F.make(0, F.bias - p, 0),                    # 2^-p (half an ulp of 1)
        F.make(0, F.emax_field - 1, 0),              # 2^emax
        F.inf, F.sign | F.inf,
        F.qnan, F.sign | F.qnan | 1,                 # canonical qNaN, -qNaN with payload
        F.inf | 1, F.sign | F.inf | (1 << (p - 3)),  # sNaN, -sNaN
    ]
    regs = [F.reg(x) for x in v]
    if F is S:
        regs.append(0x000000003F800000)              # 1.0 not NaN-boxed: reads as qNaN
    return regs


def rand_bits(F, rnd):
    k = rnd.random()
    sign = rnd.getrandbits(1)
    frac = rnd.getrandbits(F.p - 1)
    m = rnd.random()
    if m < 0.15:
        frac &= ~((1 << rnd.randrange(F.p - 1)) - 1)  # trailing zeros
    elif m < 0.3:
        frac |= (1 << rnd.randrange(F.p - 1)) - 1     # trailing ones
    if k < 0.35:
        e = F.bias + rnd.randint(-8, 8)
    elif k < 0.6:
        e = rnd.randint(1, F.emax_field - 1)
    elif k < 0.75:
        e = rnd.randint(1, 4)
    elif k < 0.85:
        e = rnd.randint(F.emax_field - 4, F.emax_field - 1)
    elif k < 0.95:
        e = 0
    else:
        return rnd.choice([0, F.inf, F.qnan, F.inf | 1]) | (F.sign if sign else 0)
    return F.make(sign, e, frac)


def near(F, a, rnd):
    """A value whose exponent is close to a's (cancellation, carries, halfway)."""
    e = (a >> (F.p - 1)) & F.emax_field
    e2 = max(0, min(F.emax_field - 1, e - rnd.randint(0, F.p + 3)))
    frac = rnd.getrandbits(F.p - 1)
    if rnd.random() < 0.4:
        frac = (a & F.frac_mask) ^ (1 << rnd.randrange(F.p - 1))
    return F.make(rnd.getrandbits(1), e2, frac)


def scaled(F, rnd, target_exp):
    """A random normal value with unbiased exponent target_exp (clamped)."""
    field = max(1, min(F.emax_field - 1, target_exp + F.bias))
    return F.make(rnd.getrandbits(1), field, rnd.getrandbits(F.p - 1))


def tiny_products(F, rnd, n):
    """Pairs (a, b) with a*b just below the smallest normal: rounds up to it or not."""
    out = []
    min_normal = Fraction(2) ** (1 - F.bias)
    ulp = Fraction(2) ** -(F.p - 1)
    tries = 0
    while len(out) < n and tries < 20000:
        tries += 1
        a = F.make(0, F.bias, rnd.getrandbits(F.p - 1))
        t = min_normal * (1 - ulp * Fraction(rnd.randint(1, 6), 8))
        b = F.nearest(t / F.value(a))
        for bb in (b, b + 1, b - 1):
            prod = F.value(a) * F.value(bb)
            if min_normal * (1 - ulp) < prod < min_normal:
                out.append((F.reg(a), F.reg(bb)))
                break
    return out


class Cases:
    def __init__(self):
        self.values = []
        self.index = {}
        self.cases = []  # (group, insn, frm, ia, ib, ic, xd)
        self.groups = []

    def val(self, v):
        if v not in self.index:
            self.index[v] = len(self.values)
            self.values.append(v)
        return self.index[v]

    def group(self, name):
        if name not in self.groups:
            self.groups.append(name)
        return self.groups.index(name)

    def add(self, group, insn, frm, a, b=0, c=0, xd=False):
        self.cases.append((self.group(group), insn, frm, self.val(a), self.val(b), self.val(c), xd))


ARITH = [("fadd", 0x00), ("fsub", 0x01), ("fmul", 0x02), ("fdiv", 0x03)]
FMAS = [("fmadd", MADD), ("fmsub", MSUB), ("fnmsub", NMSUB), ("fnmadd", NMADD)]


def rounding_modes(rnd):
    """(rm field, frm) for each mode: static, or dynamic with frm, chosen at random."""
    out = []
    for m in range(5):
        out.append((7, m) if rnd.random() < 0.3 else (m, rnd.randrange(5)))
    return out


def gen(seed, nrand):
    rnd = random.Random(seed)
    cs = Cases()
    for F in (S, D):
        sp = specials(F)
        fs = F.name
        # Binary arithmetic: every pair of specials in every rounding mode.
        for name, f5 in ARITH:
            g = f"{name}.{fs}"
            for a in sp:
                for b in sp:
                    for rm, frm in rounding_modes(rnd):
                        cs.add(g, opfp(f5, F.code, 2, 1, rm, 4), frm, a, b)
            for _ in range(nrand):
                a = rand_bits(F, rnd)
                if name in ("fadd", "fsub") and rnd.random() < 0.6:
                    b = near(F, a, rnd)
                elif name == "fmul" and rnd.random() < 0.4:
                    ea = ((a >> (F.p - 1)) & F.emax_field) - F.bias
                    edge = rnd.choice([1 - F.bias, F.bias, -F.bias - F.p + 2])
                    b = scaled(F, rnd, edge - ea + rnd.randint(-2, 2))
                elif name == "fdiv" and rnd.random() < 0.4:
                    ea = ((a >> (F.p - 1)) & F.emax_field) - F.bias
                    edge = rnd.choice([1 - F.bias, F.bias])
                    b = scaled(F, rnd, ea - edge + rnd.randint(-2, 2))
                else:
                    b = rand_bits(F, rnd)
                for rm, frm in rounding_modes(rnd):
                    cs.add(g, opfp(f5, F.code, 2, 1, rm, 4), frm, F.reg(a), F.reg(b))
        # Halfway cases of addition: 1 + half an ulp, (1 + ulp) + half an ulp.
        one = F.make(0, F.bias, 0)
        half_ulp = F.make(0, F.bias - F.p, 0)
        for a in (one, one | 1, F.sign | one, F.sign | one | 1):
            for b in (half_ulp, F.sign | half_ulp, half_ulp | 1):
                for rm in range(5):
                    cs.add(f"fadd.{fs}", opfp(0, F.code, 2, 1, rm, 4), 0, F.reg(a), F.reg(b))
        # Tininess after rounding: products just below the smallest normal.
        for a, b in tiny_products(F, rnd, 24):
            for rm in range(5):
                cs.add(f"fmul.{fs}", opfp(2, F.code, 2, 1, rm, 4), 0, a, b)
                cs.add(f"fmadd.{fs}", r4(MADD, F.code, rm), 0, a, b, F.reg(0))
        # Square root.
        g = f"fsqrt.{fs}"
        sq = list(sp) + [F.reg(F.make(0, F.bias + 2 * k, 0)) for k in (-3, 1, 5)]
        sq += [F.reg(rand_bits(F, rnd) & ~F.sign) for _ in range(nrand)]
        for a in sq:
            for rm, frm in rounding_modes(rnd):
                cs.add(g, opfp(0x0B, F.code, 0, 1, rm, 4), frm, a)
        # Fused multiply-add: special triples (RNE and RDN), then random triples.
        fsp = [F.reg(x) for x in (0, F.sign, F.make(0, F.bias, 0), F.make(1, F.bias, 0), 1,
                                   F.inf - 1, F.inf, F.sign | F.inf, F.qnan, F.inf | 1)]
        for name, opc in FMAS:
            g = f"{name}.{fs}"
            for a in fsp:
                for b in fsp:
                    for c in fsp:
                        zero = 0 in (a & ~F.sign & ~BOX, b & ~F.sign & ~BOX, c & ~F.sign & ~BOX)
                        for rm in ((0, 2) if zero else (0,)):
                            cs.add(g, r4(opc, F.code, rm), 0, a, b, c)
            for _ in range(nrand):
                a, b = rand_bits(F, rnd), rand_bits(F, rnd)
                k = rnd.random()
                ea = ((a >> (F.p - 1)) & F.emax_field) + ((b >> (F.p - 1)) & F.emax_field) - 2 * F.bias
                if k < 0.5:
                    c = scaled(F, rnd, ea + rnd.randint(-F.p - 2, 3))
                    if rnd.random() < 0.3:
                        c ^= F.sign  # likely cancellation
                else:
                    c = rand_bits(F, rnd)
                for rm, frm in rounding_modes(rnd):
                    cs.add(g, r4(opc, F.code, rm), frm, F.reg(a), F.reg(b), F.reg(c))
        # Operations without rounding: every pair of specials, plus random pairs.
        nr = [("fsgnj", 0x04, 0), ("fsgnjn", 0x04, 1), ("fsgnjx", 0x04, 2),
              ("fmin", 0x05, 0), ("fmax", 0x05, 1),
              ("fle", 0x14, 0), ("flt", 0x14, 1), ("feq", 0x14, 2)]
        extra = [F.reg(rand_bits(F, rnd)) for _ in range(12)]
        for name, f5, f3 in nr:
            xd = f5 == 0x14
            g = f"{name}.{fs}"
            pairs = [(a, b) for a in sp for b in sp]
            pairs += [(rnd.choice(extra), rnd.choice(extra + sp)) for _ in range(40)]
            for a, b in pairs:
                cs.add(g, opfp(f5, F.code, 2, 1, f3, 12 if xd else 4), 0, a, b, xd=xd)
        for a in sp + extra:
            cs.add(f"fclass.{fs}", opfp(0x1C, F.code, 0, 1, 1, 12), 0, a, xd=True)
        # Float to integer conversions.
        cv = list(sp)
        for v in (0.5, 1.5, 2.5, 0.7, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 63,
                  2 ** 64, 2 ** 31 + 0.5, 2 ** 32 - 0.5, 2 ** 63 - 2 ** 10):
            for sign in (0, 1):
                bits = F.nearest(Fraction(v))
                cv.append(F.reg(bits | (F.sign if sign else 0)))
                cv.append(F.reg((bits - 1) | (F.sign if sign else 0)))
                cv.append(F.reg((bits + 1) | (F.sign if sign else 0)))
        cv += [F.reg(rand_bits(F, rnd)) for _ in range(nrand // 4)]
        cv += [F.reg(scaled(F, rnd, rnd.randint(-2, 66))) for _ in range(nrand // 2)]
        for kind, kname in enumerate(("w", "wu", "l", "lu")):
            g = f"fcvt.{kname}.{fs}"
            for a in cv:
                for rm, frm in rounding_modes(rnd):
                    cs.add(g, opfp(0x18, F.code, kind, 1, rm, 12), frm, a, xd=True)
        # Integer to float conversions (x11 = a).
        ints = [0, 1, 2 ** 64 - 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 63 - 1, 2 ** 63,
                2 ** 24 + 1, 2 ** 24 + 3, 2 ** 53 + 1, 2 ** 53 + 3, 0xDEADBEEF00000007,
                0x123456789ABCDEF, (1 << 64) - (1 << 24) - 1, (1 << 64) - 3]
        ints += [rnd.getrandbits(rnd.randint(1, 64)) for _ in range(nrand // 2)]
        ints += [(1 << 64) - 1 - rnd.getrandbits(rnd.randint(1, 63)) for _ in range(nrand // 4)]
        for kind, kname in enumerate(("w", "wu", "l", "lu")):
            g = f"fcvt.{fs}.{kname}"
            for a in ints:
                for rm, frm in rounding_modes(rnd):
                    cs.add(g, opfp(0x1A, F.code, kind, 11, rm, 4), frm, a)
        # Moves.
        if F is S:
            for a in sp + extra + [0x000000007FC00001, 0x123456789ABCDEF0]:
                cs.add("fmv.x.w", opfp(0x1C, 0, 0, 1, 0, 12), 0, a, xd=True)
            for a in ints[:20]:
                cs.add("fmv.w.x", opfp(0x1E, 0, 0, 11, 0, 4), 0, a)
        else:
            for a in sp + extra:
                cs.add("fmv.x.d", opfp(0x1C, 1, 0, 1, 0, 12), 0, a, xd=True)
            for a in ints[:20]:
                cs.add("fmv.d.x", opfp(0x1E, 1, 0, 11, 0, 4), 0, a)
    # Conversions between formats.
    dsrc = specials(D) + [D.reg(rand_bits(D, rnd)) for _ in range(nrand)]
    for k in range(nrand):
        # Doubles around the single-precision range edges and halfway points.
        e = rnd.choice([-126, -127, -130, -149, -150, 127, 128, rnd.randint(-20, 20)])
        frac = rnd.getrandbits(52)
        if rnd.random() < 0.5:
            frac = (frac & ~((1 << 29) - 1)) | (1 << 28)  # exactly halfway in single
        dsrc.append(D.make(rnd.getrandbits(1), max(1, e + D.bias), frac))
    for a in dsrc:
        for rm, frm in rounding_modes(rnd):
            cs.add("fcvt.s.d", opfp(0x08, 0, 1, 1, rm, 4), frm, a)
    for a in specials(S) + [S.reg(rand_bits(S, rnd)) for _ in range(nrand)]:
        cs.add("fcvt.d.s", opfp(0x08, 1, 0, 1, rnd.choice([0, 7]), 4), 0, a)
    # Reserved encodings: rm 5 and 6, dynamic with frm 5..7, fmt H/Q, bad funct.
    g = "illegal"
    one_s, one_d = S.reg(S.make(0, S.bias, 0)), D.make(0, D.bias, 0)
    for rm in (5, 6):
        cs.add(g, opfp(0x00, 0, 2, 1, rm, 4), 0, one_s, one_s)
        cs.add(g, opfp(0x03, 1, 2, 1, rm, 4), 0, one_d, one_d)
        cs.add(g, opfp(0x18, 1, 0, 1, rm, 12), 0, one_d, xd=True)
        cs.add(g, opfp(0x08, 1, 0, 1, rm, 4), 0, one_s)
        cs.add(g, r4(MADD, 1, rm), 0, one_d, one_d, one_d)
    for frm in (5, 6, 7):
        cs.add(g, opfp(0x02, 1, 2, 1, 7, 4), frm, one_d, one_d)
        cs.add(g, opfp(0x1A, 0, 0, 11, 7, 4), frm, 5)
        cs.add(g, r4(NMADD, 0, 7), frm, one_s, one_s, one_s)
    for fmt in (2, 3):
        cs.add(g, opfp(0x00, fmt, 2, 1, 0, 4), 0, one_d, one_d)
        cs.add(g, r4(MADD, fmt, 0), 0, one_d, one_d, one_d)
    cs.add(g, opfp(0x04, 0, 2, 1, 3, 4), 0, one_s, one_s)       # fsgnj funct3 3
    cs.add(g, opfp(0x05, 1, 2, 1, 2, 4), 0, one_d, one_d)       # fmin/fmax funct3 2
    cs.add(g, opfp(0x14, 1, 2, 1, 3, 12), 0, one_d, one_d, xd=True)  # compare funct3 3
    cs.add(g, opfp(0x0B, 1, 1, 1, 0, 4), 0, one_d)              # fsqrt with rs2 != 0
    cs.add(g, opfp(0x08, 0, 0, 1, 0, 4), 0, one_s)              # fcvt.s.s
    cs.add(g, opfp(0x08, 1, 1, 1, 0, 4), 0, one_d)              # fcvt.d.d
    cs.add(g, opfp(0x18, 1, 4, 1, 0, 12), 0, one_d, xd=True)    # fcvt with rs2 = 4
    cs.add(g, opfp(0x1A, 1, 5, 11, 0, 4), 0, 1)                 # fcvt from rs2 = 5
    cs.add(g, opfp(0x1C, 1, 0, 1, 2, 12), 0, one_d, xd=True)    # fmv.x/fclass funct3 2
    cs.add(g, opfp(0x1C, 1, 1, 1, 0, 12), 0, one_d, xd=True)    # fmv.x.d with rs2 != 0
    cs.add(g, opfp(0x1E, 1, 0, 11, 1, 4), 0, 1)                 # fmv.d.x funct3 1
    cs.add(g, opfp(0x06, 1, 2, 1, 0, 4), 0, one_d, one_d)       # unassigned funct5
    return cs


def build_and_run(cs, workdir, timeout):
    with open(os.path.join(workdir, "cases.h"), "w") as f:
        f.write("struct vg_case { unsigned insn; unsigned char frm; unsigned a, b, c; };\n")
        f.write("static const unsigned long values[] = {\n")
        for v in cs.values:
            f.write(f"0x{v:x}ul,\n")
        f.write("};\nstatic const struct vg_case cases[] = {\n")
        for (_, insn, frm, a, b, c, _) in cs.cases:
            f.write(f"{{0x{insn:08x}u, {frm}, {a}, {b}, {c}}},\n")
        f.write("};\n")
    lib = os.path.join(ROOT, "guests", "lib")
    srcs = [os.path.join(HERE, "vecgen.c"), os.path.join(HERE, "..", "fp_exec.S")]
    srcs += sorted(os.path.join(lib, x) for x in os.listdir(lib) if x.endswith((".c", ".S")))
    elf = os.path.join(workdir, "fp_vecgen.elf")
    subprocess.run(["riscv64-unknown-elf-gcc", "-march=rv64imafdc_zicsr_zifencei", "-mabi=lp64",
                    "-mcmodel=medany", "-nostdlib", "-ffreestanding", "-fno-builtin",
                    "-fno-stack-protector", "-fno-pic", "-O2", "-I" + lib, "-I" + workdir,
                    "-static", "-Wl,--no-warn-rwx-segments", "-T", os.path.join(lib, "link.ld"),
                    "-o", elf] + srcs + ["-lgcc"], check=True)
    out = subprocess.run(["qemu-system-riscv64", "-M", "virt", "-m", "256M", "-bios", "default",
                          "-nographic", "-monitor", "none", "-serial", "stdio", "-kernel", elf],
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    lines = out.stdout.decode(errors="replace").replace("\r", "").split("\n")
    begin = lines.index(f"VECGEN BEGIN {len(cs.cases)}")
    res = []
    for line in lines[begin + 1:begin + 1 + len(cs.cases)]:
        f4, x12, fcsr, trapped = (int(t, 16) for t in line.split())
        res.append((f4, x12, fcsr, trapped))
    if lines[begin + 1 + len(cs.cases)] != "VECGEN END":
        sys.exit("gen.py: QEMU output ended early")
    return res


def write_table(cs, res, path, seed, nrand):
    with open(path, "w") as f:
        f.write("/* SPDX-License-Identifier: MIT */\n")
        f.write("/*\n * Generated by guests/fp/vecgen/gen.py --seed %d --random %d from\n" % (seed, nrand))
        f.write(" * qemu-system-riscv64 results; do not edit. %d cases.\n" % len(cs.cases))
        f.write(" * Registers: f1 = x11 = values[a], f2 = values[b], f3 = values[c],\n")
        f.write(" * fcsr = frm << 5; result = f4, or x12 when FPV_XD; FPV_ILLEGAL: QEMU trapped.\n */\n")
        f.write("/* clang-format off */\n")
        f.write("static const char *const fpv_groups[] = {\n")
        for g in cs.groups:
            f.write(f'\t"{g}",\n')
        f.write("};\n\nstatic const uint64_t fpv_values[] = {\n")
        for v in cs.values:
            f.write(f"\t0x{v:x},\n")
        f.write("};\n\nstatic const struct fpv_case fpv_cases[] = {\n")
        for (g, insn, frm, a, b, c, xd), (f4, x12, fcsr, trapped) in zip(cs.cases, res):
            kind = []
            if xd:
                kind.append("FPV_XD")
            if trapped:
                kind.append("FPV_ILLEGAL")
                result, flags = 0, 0
            else:
                result, flags = (x12 if xd else f4), fcsr & 0x1F
            f.write(f"{{{g},0x{insn:x},{frm},{a},{b},{c},0x{result:x},{flags},"
                    f"{'|'.join(kind) or '0'}}},\n")
        f.write("};\n/* clang-format on */\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "unit", "test_fpu_qemu_vectors.inc"))
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--random", type=int, default=120)
    ap.add_argument("--timeout", type=int, default=600)
    args = ap.parse_args()
    cs = gen(args.seed, args.random)
    with tempfile.TemporaryDirectory() as wd:
        res = build_and_run(cs, wd, args.timeout)
    write_table(cs, res, args.out, args.seed, args.random)
    print(f"gen.py: {len(cs.cases)} cases, {len(cs.values)} values -> {args.out}")


if __name__ == "__main__":
    main()
