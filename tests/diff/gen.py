#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Random S-mode test programs for differential testing (QEMU vs axvm).

Emits one assembly file defining `diff_prog` (the code), `diff_area` (init
tables, scratch buffer, FP special values) and `diff_prog_name`, linked with
guests/diff/rt.S + main.c + the guest library. The layout constants below
must match guests/diff/diff.h.

Conventions of the generated code: tp (x4) is the area base and gp (x3) the
log pointer; no generated instruction writes them. Every tested instruction
is followed by a log of its result (LX/LF), FP instructions also by a read
and clear of fcsr (csrrci rd, fcsr, 31) that is logged. Branches and jumps
only go forward. Traps go to the runtime's handler, which logs scause,
stval and sepc and skips the instruction. Each block ends with DUMP (all x
and f registers, fcsr and a hash of the buffer printed over the SBI console).

Only behaviour the specifications define is generated: no counters, no
implementation-defined CSR fields written with out-of-range values, LR/SC
only in patterns whose outcome the A extension fixes. Where QEMU 7.2 departs
from the specifications the case is avoided (README.md lists them). The
classes are the g_<class> methods; tests/diff/README.md describes each.

usage: gen.py --seed N [--classes int,fpu,...|all] [--blocks N] [--len N] -o FILE
"""
import argparse
import random
import struct
import sys

D_XINIT = -2048
D_FINIT = -1792
D_BUF = -512
D_BUF_SIZE = 1024
D_FTAB = 512
D_SAVEX = 1024

CLASSES = ["int", "imm", "muldiv", "mem", "mis", "amo", "rvc", "branch", "csr",
           "fpu", "fcvt", "fma", "fmem", "fsmall", "frand", "hint", "randop", "illegal",
           "umode", "sret", "vm", "smc", "irq", "mmio", "vmu"]
# "all" (and so the committed mixed-N programs) keeps to the classes above.
DEFAULT_CLASSES = list(CLASSES)
# Extensions beyond RV64GC that QEMU 7.2 has: Zba/Zbb/Zbc/Zbs (not Zicbom/Zicboz,
# Zicond or Zfa, which came in QEMU 8: tests/unit/test_hart_isa_ext.c covers them).
CLASSES += ["zb", "fh"]
# Opt-in classes: their outcome is an implementation choice the spec leaves open.
OPTIN = ["amomis"]

X_USABLE = [1, 2] + list(range(5, 32))
X_C = list(range(8, 16))  # registers of the 3-bit compressed fields

ABI = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3",
       "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
       "t3", "t4", "t5", "t6"]

INT_SPECIAL = [0, 1, 2, 3, 0xffffffffffffffff, 0xfffffffffffffffe, 0x8000000000000000,
               0x7fffffffffffffff, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0xffffffff,
               0x100000000, 0x8000000000000001, 0xfffffffffffff800, 0x7ff, 0x800, 63, 64,
               31, 32, 0x5555555555555555, 0xaaaaaaaaaaaaaaaa, 0x00000000ffff0000,
               0xffffffff7fffffff, 0x000000007ffff800]

F32_SPECIAL = [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00000,
               0xffc00001, 0x7f800001, 0x00000001, 0x80000001, 0x007fffff, 0x00800000,
               0x80800000, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000, 0x3f000000,
               0x3fc00000, 0x4b000000, 0x4f000000, 0xcf000000, 0x4f800000, 0x5f000000,
               0xdf000000, 0x5f800000, 0x33800000, 0x3f7fffff, 0x4effffff, 0x40490fdb,
               0x00400000, 0x3eaaaaab]
F64_SPECIAL = [0x0000000000000000, 0x8000000000000000, 0x7ff0000000000000,
               0xfff0000000000000, 0x7ff8000000000000, 0x7ff4000000000000,
               0xfff8000000000001, 0x7ff0000000000001, 0x0000000000000001,
               0x8000000000000001, 0x000fffffffffffff, 0x0010000000000000,
               0x7fefffffffffffff, 0xffefffffffffffff, 0x3ff0000000000000,
               0xbff0000000000000, 0x3fe0000000000000, 0x3ff8000000000000,
               0x4330000000000000, 0x41e0000000000000, 0xc1e0000000000000,
               0x41f0000000000000, 0x43e0000000000000, 0xc3e0000000000000,
               0x43f0000000000000, 0x3ca0000000000000, 0x3fefffffffffffff,
               0x41dfffffffc00000, 0x400921fb54442d18, 0x0008000000000000,
               0x36a0000000000000, 0x47efffffe0000000]

RMS = ["rne", "rtz", "rdn", "rup", "rmm", "dyn"]

# binary16 edge values: zeros, infinities, NaNs (quiet, signalling, payloads), the smallest
# subnormal and normal, the largest finite, 1, -1, 0.5, 1.5, 2048 (integer limit of p=11),
# 65504 neighbours, 1/3, pi.
F16_SPECIAL = [0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7d00, 0xfe01, 0x7c01, 0x0001,
               0x8001, 0x03ff, 0x0400, 0x8400, 0x7bff, 0xfbff, 0x3c00, 0xbc00, 0x3800,
               0x3e00, 0x6800, 0x7a00, 0x3555, 0x4248, 0x1400, 0x0200, 0x3bff, 0x5bff]


def sext(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


class Gen:
    def __init__(self, seed, classes, nblocks, blen):
        self.r = random.Random(seed)
        self.seed = seed
        self.classes = classes
        self.nblocks = nblocks
        self.blen = blen
        self.label = 0
        self.out = []

    # ---- helpers ----
    def lab(self):
        self.label += 1
        return ".Ld%d" % self.label

    def xr(self, allow_zero=True):
        if allow_zero and self.r.random() < 0.06:
            return "zero"
        return ABI[self.r.choice(X_USABLE)]

    def xc(self):
        return ABI[self.r.choice(X_C)]

    def fr(self):
        return "f%d" % self.r.randrange(32)

    def fc(self):
        return "f%d" % self.r.randrange(8, 16)

    def int_value(self):
        r = self.r.random()
        if r < 0.45:
            return self.r.choice(INT_SPECIAL)
        if r < 0.6:
            return self.r.randrange(-2048, 2048) & 0xffffffffffffffff
        if r < 0.75:
            return sext(self.r.getrandbits(32), 32) & 0xffffffffffffffff
        return self.r.getrandbits(64)

    def lx(self, reg):
        return ["LX %s" % reg]

    def lf(self, reg):
        return ["LF %s" % reg]

    def fflags(self):
        t = self.xr(False)
        return ["csrrci %s, fcsr, 31" % t] + self.lx(t)

    def simm(self, bits):
        return self.r.randrange(-(1 << (bits - 1)), 1 << (bits - 1))

    def buf_off(self, width, aligned=True):
        o = self.r.randrange(D_BUF, D_BUF + D_BUF_SIZE - width + 1)
        if aligned:
            o &= ~(width - 1)
        return o

    def addr(self, width, aligned=True):
        """A (base register, offset, setup lines) addressing the buffer."""
        o = self.buf_off(width, aligned)
        if self.r.random() < 0.35:
            return "tp", o, []
        rb = self.xr(False)
        o2 = self.simm(12)
        o1 = o - o2
        if not -2048 <= o1 < 2048:
            o1, o2 = o, 0
        return rb, o2, ["addi %s, tp, %d" % (rb, o1)]

    # ---- classes; each returns a list of assembly lines ----
    def g_int(self):
        ops = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
               "addw", "subw", "sllw", "srlw", "sraw"]
        rd = self.xr()
        if self.r.random() < 0.15:
            return ["li %s, 0x%x" % (rd, self.int_value())] + self.lx(rd)
        return ["%s %s, %s, %s" % (self.r.choice(ops), rd, self.xr(), self.xr())] + self.lx(rd)

    def g_imm(self):
        rd, rs = self.xr(), self.xr()
        k = self.r.randrange(8)
        if k == 0:
            op = self.r.choice(["addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"])
            imm = self.r.choice([0, 1, -1, 2047, -2048, self.simm(12)])
            return ["%s %s, %s, %d" % (op, rd, rs, imm)] + self.lx(rd)
        if k == 1:
            op = self.r.choice(["slli", "srli", "srai"])
            sh = self.r.choice([0, 1, 31, 32, 63, self.r.randrange(64)])
            return ["%s %s, %s, %d" % (op, rd, rs, sh)] + self.lx(rd)
        if k == 2:
            op = self.r.choice(["slliw", "srliw", "sraiw"])
            sh = self.r.choice([0, 1, 31, self.r.randrange(32)])
            return ["%s %s, %s, %d" % (op, rd, rs, sh)] + self.lx(rd)
        if k == 3:
            return ["lui %s, 0x%x" % (rd, self.r.getrandbits(20))] + self.lx(rd)
        if k == 4:
            return ["auipc %s, 0x%x" % (rd, self.r.getrandbits(20))] + self.lx(rd)
        if k == 5:
            return ["li %s, 0x%x" % (rd, self.int_value())] + self.lx(rd)
        if k == 6:
            imm = self.r.choice([0, 1, -1, 2047, -2048, self.simm(12)])
            op = self.r.choice(["addi", "xori", "ori", "andi", "addiw", "slti", "sltiu"])
            return ["%s %s, %s, %d" % (op, rd, rd, imm)] + self.lx(rd)
        return ["%s %s, %s, %s" % (self.r.choice(["add", "sub", "xor", "sra", "sll"]), rd, rd,
                                   rd)] + self.lx(rd)

    def g_muldiv(self):
        ops = ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu", "mulw",
               "divw", "divuw", "remw", "remuw"]
        rd = self.xr()
        pre = []
        if self.r.random() < 0.4:
            a, b = self.xr(False), self.xr(False)
            pre = ["li %s, 0x%x" % (a, self.int_value()), "li %s, 0x%x" % (b, self.int_value())]
        else:
            a, b = self.xr(), self.xr()
        return pre + ["%s %s, %s, %s" % (self.r.choice(ops), rd, a, b)] + self.lx(rd)

    LOADS = [("lb", 1), ("lbu", 1), ("lh", 2), ("lhu", 2), ("lw", 4), ("lwu", 4), ("ld", 8)]
    STORES = [("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)]

    def g_mem(self, aligned=True):
        if self.r.random() < 0.55:
            op, w = self.r.choice(self.LOADS)
            base, off, pre = self.addr(w, aligned)
            rd = self.xr()
            if rd == base and self.r.random() < 0.7:
                rd = self.xr()
            return pre + ["%s %s, %d(%s)" % (op, rd, off, base)] + self.lx(rd)
        op, w = self.r.choice(self.STORES)
        base, off, pre = self.addr(w, aligned)
        rs = self.xr()
        t = self.xr(False)
        back = (off + (0 if base == "tp" else int(pre[0].split(",")[-1]))) & ~7
        return pre + ["%s %s, %d(%s)" % (op, rs, off, base), "ld %s, %d(tp)" % (t, back)] + \
            self.lx(t)

    def g_mis(self):
        return self.g_mem(aligned=False)

    AMOS = ["amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu",
            "amomaxu"]

    def g_amo(self, aligned=True):
        w = self.r.choice([4, 8])
        sfx = ".w" if w == 4 else ".d"
        order = self.r.choice(["", ".aq", ".rl", ".aqrl"])
        o = self.buf_off(w, True)
        if not aligned:
            o = self.buf_off(w, False)
            if o % w == 0:
                o += 1
        rb = self.xr(False)
        pre = ["addi %s, tp, %d" % (rb, o)]
        back = self.xr(False)
        if self.r.random() < 0.7:
            rd, rs2 = self.xr(), self.xr()
            if rs2 == rb:
                rs2 = "zero"
            lines = pre + ["%s%s%s %s, %s, (%s)" % (self.r.choice(self.AMOS), sfx, order, rd, rs2,
                                                    rb)] + self.lx(rd)
            return lines + ["ld %s, %d(tp)" % (back, o & ~7)] + self.lx(back)
        # LR/SC: an LR and its SC back to back succeed; an SC right after a
        # completed SC has no reservation and must fail (A extension 8.2).
        rd, rs2, rd2 = self.xr(), self.xr(), self.xr()
        if rd == rb:
            rd = "zero"
        if rs2 == rb or rs2 == rd:
            rs2 = "zero"
        if rd2 == rb:
            rd2 = "zero"
        lines = pre + ["lr%s%s %s, (%s)" % (sfx, order, rd, rb),
                       "sc%s%s %s, %s, (%s)" % (sfx, order, rd2, rs2, rb)]
        if self.r.random() < 0.4 and rd2 != "zero":
            rd3 = self.xr()
            if rd3 == rb:
                rd3 = "zero"
            lines += ["sc%s %s, %s, (%s)" % (sfx, rd3, self.xr(), rb)] + self.lx(rd3)
        return lines + self.lx(rd) + self.lx(rd2) + ["ld %s, %d(tp)" % (back, o & ~7)] + \
            self.lx(back)

    def g_amomis(self):
        return self.g_amo(aligned=False)

    def g_rvc(self):
        r = self.r
        k = r.randrange(20)
        rd = ABI[r.choice([i for i in X_USABLE if i != 2])]
        c1, c2 = self.xc(), self.xc()
        if k == 0:
            imm = r.choice([i for i in range(-32, 32) if i])
            return ["c.addi %s, %d" % (rd, imm)] + self.lx(rd)
        if k == 1:
            return ["c.addiw %s, %d" % (rd, r.randrange(-32, 32))] + self.lx(rd)
        if k == 2:
            return ["c.li %s, %d" % (rd, r.randrange(-32, 32))] + self.lx(rd)
        if k == 3:
            rl = ABI[r.choice([i for i in X_USABLE if i != 2])]
            v = r.choice([i for i in list(range(1, 32)) + list(range(0xfffe0, 0x100000))])
            return ["c.lui %s, 0x%x" % (rl, v)] + self.lx(rl)
        if k == 4:
            imm = r.choice([i for i in range(-512, 512, 16) if i])
            return ["c.addi16sp sp, %d" % imm] + self.lx("sp")
        if k == 5:
            return ["c.addi4spn %s, sp, %d" % (c1, r.randrange(4, 1024, 4))] + self.lx(c1)
        if k == 6:
            op = r.choice(["c.srli", "c.srai", "c.slli"])
            reg = c1 if op != "c.slli" else rd
            return ["%s %s, %d" % (op, reg, r.randrange(1, 64))] + self.lx(reg)
        if k == 7:
            return ["c.andi %s, %d" % (c1, r.randrange(-32, 32))] + self.lx(c1)
        if k == 8:
            op = r.choice(["c.sub", "c.xor", "c.or", "c.and", "c.subw", "c.addw"])
            return ["%s %s, %s" % (op, c1, c2)] + self.lx(c1)
        if k == 9:
            src = ABI[r.choice(X_USABLE)]
            return ["%s %s, %s" % (r.choice(["c.mv", "c.add"]), rd, src)] + self.lx(rd)
        if k in (10, 11):
            # c.lw/c.ld/c.sw/c.sd through a 3-bit base register
            w = r.choice([4, 8])
            off = r.randrange(0, 32 * (w // 4) * 4, w) if w == 4 else r.randrange(0, 256, 8)
            base = self.xc()
            start = r.randrange(D_BUF, D_BUF + D_BUF_SIZE - off - w + 1) & ~7
            pre = ["addi %s, tp, %d" % (base, start)]
            if k == 10:
                dst = self.xc()
                return pre + ["%s %s, %d(%s)" % ("c.lw" if w == 4 else "c.ld", dst, off, base)] + \
                    self.lx(dst)
            src = self.xc()
            t = self.xr(False)
            return pre + ["%s %s, %d(%s)" % ("c.sw" if w == 4 else "c.sd", src, off, base),
                          "ld %s, %d(tp)" % (t, (start + off) & ~7)] + self.lx(t)
        if k in (12, 13):
            w = r.choice([4, 8])
            off = r.randrange(0, 256, 4) if w == 4 else r.randrange(0, 512, 8)
            start = r.randrange(D_BUF, D_BUF + D_BUF_SIZE - off - w + 1) & ~7
            pre = ["addi sp, tp, %d" % start]
            if k == 12:
                return pre + ["%s %s, %d(sp)" % ("c.lwsp" if w == 4 else "c.ldsp", rd, off)] + \
                    self.lx(rd)
            src = ABI[r.choice(X_USABLE)]
            t = self.xr(False)
            return pre + ["%s %s, %d(sp)" % ("c.swsp" if w == 4 else "c.sdsp", src, off),
                          "ld %s, %d(tp)" % (t, (start + off) & ~7)] + self.lx(t)
        if k == 14:
            # FP compressed loads/stores
            base = self.xc()
            off = r.randrange(0, 256, 8)
            start = r.randrange(D_BUF, D_BUF + D_BUF_SIZE - off - 8 + 1) & ~7
            f = self.fc()
            if r.random() < 0.5:
                return ["addi %s, tp, %d" % (base, start), "c.fld %s, %d(%s)" % (f, off, base)] + \
                    self.lf(f)
            t = self.xr(False)
            return ["addi %s, tp, %d" % (base, start), "c.fsd %s, %d(%s)" % (f, off, base),
                    "ld %s, %d(tp)" % (t, start + off)] + self.lx(t)
        if k == 15:
            off = r.randrange(0, 512, 8)
            start = r.randrange(D_BUF, D_BUF + D_BUF_SIZE - off - 8 + 1) & ~7
            f = self.fr()
            if r.random() < 0.5:
                return ["addi sp, tp, %d" % start, "c.fldsp %s, %d(sp)" % (f, off)] + self.lf(f)
            t = self.xr(False)
            return ["addi sp, tp, %d" % start, "c.fsdsp %s, %d(sp)" % (f, off),
                    "ld %s, %d(tp)" % (t, start + off)] + self.lx(t)
        if k == 16:
            # c.beqz / c.bnez / c.j forward over poison
            l = self.lab()
            op = r.choice(["c.beqz", "c.bnez", "c.j"])
            head = ["c.j %s" % l] if op == "c.j" else ["%s %s, %s" % (op, c1, l)]
            return head + self.poison() + [l + ":"]
        if k == 17:
            # c.jr / c.jalr through a computed target
            l = self.lab()
            t = ABI[r.choice([i for i in X_USABLE if i != 1])]
            if r.random() < 0.5:
                return ["la %s, %s" % (t, l), "c.jr %s" % t] + self.poison() + [l + ":"]
            return ["la %s, %s" % (t, l), "c.jalr %s" % t] + self.poison() + [l + ":"] + \
                ["auipc %s, 0" % t, "sub ra, ra, %s" % t] + self.lx("ra")
        if k == 18:
            return ["c.nop"]
        return ["c.ebreak"]

    def sstatus_read(self, rd, t):
        """sstatus without FS and SD: whether a write of FP state that does not
        change it (e.g. csrrs fflags with zero bits) dirties FS is
        implementation-defined (privileged spec, FS). The FS checks are in g_csr."""
        if rd == "zero" or t == rd:
            return ["csrr %s, sstatus" % rd]
        return ["csrr %s, sstatus" % rd, "li %s, 0x%x" % (t, ~0x8000000000006000 & (2**64 - 1)),
                "and %s, %s, %s" % (rd, rd, t)] + self.lx(rd)

    def poison(self):
        out = []
        for _ in range(self.r.randrange(1, 4)):
            rd = self.xr(False)
            out += ["xori %s, %s, %d" % (rd, rd, self.r.randrange(1, 2048))] + self.lx(rd)
        return out

    def g_branch(self):
        r = self.r
        k = r.randrange(4)
        l = self.lab()
        if k == 0 or k == 1:
            op = r.choice(["beq", "bne", "blt", "bge", "bltu", "bgeu"])
            a = self.xr()
            b = a if r.random() < 0.15 else self.xr()
            pre = []
            if r.random() < 0.3 and a != "zero" and b != "zero" and a != b:
                pre = ["li %s, 0x%x" % (a, self.int_value()), "li %s, 0x%x" % (b, self.int_value())]
            return pre + ["%s %s, %s, %s" % (op, a, b, l)] + self.poison() + [l + ":"]
        if k == 2:
            rd = self.xr()
            return ["jal %s, %s" % (rd, l)] + self.poison() + [l + ":"] + self.link(rd)
        # jalr with a computed base, sometimes an odd target (bit 0 is cleared)
        rs = self.xr(False)
        rd = rs if r.random() < 0.3 else self.xr()
        off = r.choice([0, 0, 1, 4, -4, 1, 3])
        return ["la %s, %s - %d" % (rs, l, off), "jalr %s, %d(%s)" % (rd, off, rs)] + \
            self.poison() + [l + ":"] + self.link(rd)

    def link(self, rd):
        # A link value is an absolute address, identical in both runs; log it
        # relative to here so a listing makes it readable.
        if rd == "zero":
            return []
        t = self.xr(False)
        if t == rd:
            return self.lx(rd)
        return ["auipc %s, 0" % t, "sub %s, %s, %s" % (t, rd, t)] + self.lx(t)

    # CSRs: only fields and values the privileged spec defines.
    def canon_va(self):
        v = self.r.choice([0, 2, 0x80200000, self.r.getrandbits(39), self.r.getrandbits(12)])
        return sext(v, 39) & 0xffffffffffffffff | self.r.choice([0, 0, 1])

    def g_csr(self):
        r = self.r
        k = r.randrange(12)
        rd = self.xr()
        t = self.xr(False)
        if k == 0:
            op = r.choice(["csrrw", "csrrs", "csrrc"])
            return ["%s %s, sscratch, %s" % (op, rd, self.xr())] + self.lx(rd)
        if k == 1:
            op = r.choice(["csrrwi", "csrrsi", "csrrci"])
            return ["%s %s, sscratch, %d" % (op, rd, r.randrange(32))] + self.lx(rd)
        if k == 2:
            c = r.choice(["sepc", "stval"])
            v = self.canon_va()
            if c == "sepc":
                # sepc[0] reads as zero (priv. spec, sepc); QEMU 7.2 keeps it:
                # a known QEMU deviation (README.md), so only even values here.
                v &= ~1
            return ["li %s, 0x%x" % (t, v), "csrw %s, %s" % (c, t),
                    "csrr %s, %s" % (rd, c)] + self.lx(rd)
        if k == 3:
            v = r.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 15, (1 << 63) | 1, (1 << 63) | 5,
                          (1 << 63) | 9])
            return ["li %s, 0x%x" % (t, v), "csrw scause, %s" % t, "csrr %s, scause" % rd] + \
                self.lx(rd)
        if k == 4:
            bits = 0
            for b in (5, 8, 18, 19):
                if r.random() < 0.5:
                    bits |= 1 << b
            op = r.choice(["csrs", "csrc"])
            return ["li %s, 0x%x" % (t, bits), "%s sstatus, %s" % (op, t)] + \
                self.sstatus_read(rd, t)
        if k == 5:
            bits = r.choice([0, 2, 0x20, 0x200, 0x222, 0x22, 0x202, 0x220])
            return ["li %s, 0x%x" % (t, bits), "csrw sie, %s" % t, "csrr %s, sie" % rd] + \
                self.lx(rd)
        if k == 6:
            op = r.choice(["csrs", "csrc"])
            return ["csrw sie, zero", "li %s, 2" % t, "%s sip, %s" % (op, t),
                    "csrr %s, sip" % rd] + self.lx(rd)
        if k == 7:
            c = r.choice(["fcsr", "frm", "fflags"])
            if r.random() < 0.5:
                op = r.choice(["csrrw", "csrrs", "csrrc"])
                src = self.xr()
                pre = []
                if src != "zero" and r.random() < 0.5:
                    pre = ["li %s, %d" % (src, r.randrange(256))]
                return pre + ["%s %s, %s, %s" % (op, rd, c, src)] + self.lx(rd) + \
                    ["frcsr %s" % t] + self.lx(t)
            op = r.choice(["csrrwi", "csrrsi", "csrrci"])
            return ["%s %s, %s, %d" % (op, rd, c, r.randrange(32))] + self.lx(rd) + \
                ["frcsr %s" % t] + self.lx(t)
        if k == 8:
            # FS: Off makes FP instructions and fcsr illegal; an instruction that
            # changes FP state makes it Dirty. Instructions that only read FP state
            # (fsd, fmv.x.d, fclass, flag-less compares) may or may not dirty it
            # (privileged spec, "imprecise" tracking), so they are not checked here;
            # neither are flag-raising compares/conversions (QEMU 7.2 leaves FS
            # Clean when feq raises NV: README.md).
            fs = r.choice([1, 2])
            base = D_BUF + 8 * r.randrange(D_BUF_SIZE // 8)
            x = self.xr(False)
            op = r.choice([self.fp_arith_line(),
                           ["fld %s, %d(tp)" % (self.fr(), base)],
                           ["flw %s, %d(tp)" % (self.fr(), base)],
                           ["fmv.d.x %s, %s" % (self.fr(), x)],
                           ["fsgnjn.d %s, %s, %s" % (self.fr(), self.fr(), self.fr())],
                           ["c.fldsp %s, 0(sp)" % self.fr()]])
            if op[0].startswith("c.fldsp"):
                op = ["addi sp, tp, %d" % base] + op
            return ["li %s, 0x6000" % t, "csrc sstatus, %s" % t] + op + [
                    "csrr %s, fcsr" % rd, "li %s, 0x%x" % (t, fs << 13), "csrs sstatus, %s" % t,
                    "csrr %s, sstatus" % rd] + self.lx(rd) + op + \
                ["csrr %s, sstatus" % rd] + self.lx(rd)
        if k == 9:
            # M-mode CSRs and writes to read-only CSRs are illegal in S-mode.
            c = r.choice(["mstatus", "misa", "medeleg", "mideleg", "mie", "mtvec", "mscratch",
                          "mepc", "mcause", "mtval", "mip", "mhartid", "0x7b0"])
            op = r.choice(["csrr %s, %s" % (rd, c), "csrw %s, %s" % (c, self.xr()),
                           "csrrs %s, %s, zero" % (rd, c)])
            return [op] + self.lx(rd)
        if k == 10:
            c = r.choice(["cycle", "time", "instret", "0xc03"])
            return ["csrw %s, %s" % (c, self.xr()), "csrrwi %s, %s, 0" % (rd, c)] + self.lx(rd)
        return [r.choice(["fence", "fence rw, rw", "fence r, r", "fence w, w", "fence.tso",
                          "fence io, io", "fence.i", "sfence.vma",
                          "sfence.vma %s, %s" % (self.xr(), self.xr())])]

    # ---- FP ----
    def fload_special(self, f, single=None):
        r = self.r
        i = r.randrange(64)
        if single is None:
            single = r.random() < 0.5
        if single:
            off = D_FTAB + 8 * i + (4 if i < 32 and r.random() < 0.3 else 0)
            return ["flw %s, %d(tp)" % (f, off)]
        return ["fld %s, %d(tp)" % (f, D_FTAB + 8 * i)]

    def rm(self):
        return self.r.choice(RMS)

    def rm_num(self):
        return self.r.choice([0, 1, 2, 3, 4, 7])

    def fsrc(self, single, n):
        regs = [self.fr() for _ in range(n)]
        pre = []
        for f in regs:
            if self.r.random() < 0.6:
                pre += self.fload_special(f, single if self.r.random() < 0.9 else not single)
        return regs, pre

    def frm_set(self):
        # occasionally an invalid frm so that dynamic-rm instructions trap
        v = self.r.choice([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 7])
        t = self.xr(False)
        return ["fsrmi %s, %d" % (t, v)] + self.lx(t)

    def fp_arith_line(self):
        s = self.r.choice([".s", ".d"])
        return ["fadd%s %s, %s, %s" % (s, self.fr(), self.fr(), self.fr())]

    def g_fpu(self):
        r = self.r
        s = r.random() < 0.5
        sfx = ".s" if s else ".d"
        k = r.randrange(10)
        pre = self.frm_set() if r.random() < 0.1 else []
        fd = self.fr()
        if k <= 2:
            op = r.choice(["fadd", "fsub", "fmul", "fdiv"])
            (a, b), p = self.fsrc(s, 2)
            rm = self.rm()
            line = "%s%s %s, %s, %s, %s" % (op, sfx, fd, a, b, rm)
            return pre + p + [line] + self.lf(fd) + self.fflags()
        if k == 3:
            (a,), p = self.fsrc(s, 1)
            return pre + p + ["fsqrt%s %s, %s, %s" % (sfx, fd, a, self.rm())] + self.lf(fd) + \
                self.fflags()
        if k == 4:
            op = r.choice(["fmin", "fmax", "fsgnj", "fsgnjn", "fsgnjx"])
            (a, b), p = self.fsrc(s, 2)
            if r.random() < 0.2:
                b = a
            return pre + p + ["%s%s %s, %s, %s" % (op, sfx, fd, a, b)] + self.lf(fd) + \
                self.fflags()
        if k == 5:
            op = r.choice(["feq", "flt", "fle"])
            (a, b), p = self.fsrc(s, 2)
            rd = self.xr()
            return pre + p + ["%s%s %s, %s, %s" % (op, sfx, rd, a, b)] + self.lx(rd) + \
                self.fflags()
        if k == 6:
            (a,), p = self.fsrc(s, 1)
            rd = self.xr()
            return pre + p + ["fclass%s %s, %s" % (sfx, rd, a)] + self.lx(rd) + self.fflags()
        if k == 7:
            # moves between register files
            if r.random() < 0.5:
                (a,), p = self.fsrc(s, 1)
                rd = self.xr()
                return pre + p + ["fmv.x.%s %s, %s" % ("w" if s else "d", rd, a)] + self.lx(rd) + \
                    self.fflags()
            rs = self.xr()
            return pre + ["fmv.%s.x %s, %s" % ("w" if s else "d", fd, rs)] + self.lf(fd) + \
                self.fflags()
        if k == 8:
            # reserved rounding modes 5 and 6 are illegal; so is a reserved fmt
            which = r.randrange(3)
            if which == 0:
                rm = r.choice([5, 6])
                f7 = r.choice([0x00, 0x01, 0x04, 0x05, 0x08, 0x09, 0x0c, 0x0d])
                return [".insn r 0x53, %d, 0x%x, %s, %s, %s" % (rm, f7, fd, self.fr(),
                                                                self.fr())] + self.lf(fd) + \
                    self.fflags()
            if which == 1:
                # fmt 3 (Q) is not implemented in RV64FD
                f7 = r.choice([0x03, 0x07, 0x0b, 0x0f])
                return [".insn r 0x53, 0, 0x%x, %s, %s, %s" % (f7, fd, self.fr(), self.fr())] + \
                    self.lf(fd) + self.fflags()
            return [".insn r4 0x43, %d, 3, %s, %s, %s, %s" % (r.randrange(5), fd, self.fr(),
                                                              self.fr(), self.fr())] + \
                self.lf(fd) + self.fflags()
        # operations with a NaN-boxing twist: single ops on doubles
        (a, b), p = self.fsrc(not s, 2)
        op = r.choice(["fadd", "fmul", "fmin", "fsgnj", "fsgnjn", "fmax", "feq"])
        if op == "feq":
            rd = self.xr()
            return pre + p + ["feq%s %s, %s, %s" % (sfx, rd, a, b)] + self.lx(rd) + self.fflags()
        rmtxt = ", " + self.rm() if op in ("fadd", "fmul") else ""
        return pre + p + ["%s%s %s, %s, %s%s" % (op, sfx, fd, a, b, rmtxt)] + self.lf(fd) + \
            self.fflags()

    def g_fcvt(self):
        r = self.r
        s = r.random() < 0.5
        sfx = "s" if s else "d"
        k = r.randrange(4)
        pre = self.frm_set() if r.random() < 0.1 else []
        if k == 0:
            t = r.choice(["w", "wu", "l", "lu"])
            (a,), p = self.fsrc(s, 1)
            rd = self.xr()
            return pre + p + ["fcvt.%s.%s %s, %s, %s" % (t, sfx, rd, a, self.rm())] + \
                self.lx(rd) + self.fflags()
        if k == 1:
            t = r.choice(["w", "wu", "l", "lu"])
            rs = self.xr()
            fd = self.fr()
            p = []
            if rs != "zero" and r.random() < 0.5:
                p = ["li %s, 0x%x" % (rs, self.int_value())]
            if not s and t in ("w", "wu"):
                # exact: the assembler takes no rm; encode one (the spec ignores it)
                line = ".insn r 0x53, %d, 0x69, %s, %s, x%d" % (self.rm_num(), fd, rs,
                                                               0 if t == "w" else 1)
            else:
                line = "fcvt.%s.%s %s, %s, %s" % (sfx, t, fd, rs, self.rm())
            return pre + p + [line] + self.lf(fd) + self.fflags()
        fd = self.fr()
        if k == 2:
            (a,), p = self.fsrc(False, 1)
            return pre + p + ["fcvt.s.d %s, %s, %s" % (fd, a, self.rm())] + self.lf(fd) + \
                self.fflags()
        (a,), p = self.fsrc(True, 1)
        return pre + p + [".insn r 0x53, %d, 0x21, %s, %s, f0" % (self.rm_num(), fd, a)] + \
            self.lf(fd) + self.fflags()

    def g_fma(self):
        r = self.r
        s = r.random() < 0.5
        sfx = ".s" if s else ".d"
        op = r.choice(["fmadd", "fmsub", "fnmsub", "fnmadd"])
        (a, b, c), p = self.fsrc(s, 3)
        fd = self.fr()
        pre = self.frm_set() if r.random() < 0.1 else []
        return pre + p + ["%s%s %s, %s, %s, %s, %s" % (op, sfx, fd, a, b, c, self.rm())] + \
            self.lf(fd) + self.fflags()

    def g_fmem(self):
        r = self.r
        w = r.choice([4, 8])
        aligned = r.random() < 0.85
        base, off, pre = self.addr(w, aligned)
        f = self.fr()
        if r.random() < 0.5:
            return pre + ["%s %s, %d(%s)" % ("flw" if w == 4 else "fld", f, off, base)] + \
                self.lf(f)
        t = self.xr(False)
        back = (off + (0 if base == "tp" else int(pre[0].split(",")[-1]))) & ~7
        return pre + ["%s %s, %d(%s)" % ("fsw" if w == 4 else "fsd", f, off, base),
                      "ld %s, %d(tp)" % (t, back)] + self.lx(t)

    def g_fsmall(self):
        # values near rounding boundaries: random operands from integers
        r = self.r
        s = r.random() < 0.5
        sfx = ".s" if s else ".d"
        a, b = self.fr(), self.fr()
        t = self.xr(False)
        lines = []
        for f in (a, b):
            if s:
                v = r.choice([r.getrandbits(32), r.choice(F32_SPECIAL) ^ r.getrandbits(3),
                              (r.getrandbits(9) << 23) | r.getrandbits(3)])
                lines += ["li %s, 0x%x" % (t, v), "fmv.w.x %s, %s" % (f, t)]
            else:
                v = r.choice([r.getrandbits(64), r.choice(F64_SPECIAL) ^ r.getrandbits(3),
                              (r.getrandbits(12) << 52) | r.getrandbits(3)])
                lines += ["li %s, 0x%x" % (t, v), "fmv.d.x %s, %s" % (f, t)]
        op = r.choice(["fadd", "fsub", "fmul", "fdiv", "fsqrt", "fmadd"])
        fd = self.fr()
        if op == "fsqrt":
            line = "fsqrt%s %s, %s, %s" % (sfx, fd, a, self.rm())
        elif op == "fmadd":
            line = "fmadd%s %s, %s, %s, %s, %s" % (sfx, fd, a, b, self.fr(), self.rm())
        else:
            line = "%s%s %s, %s, %s, %s" % (op, sfx, fd, a, b, self.rm())
        return lines + [line] + self.lf(fd) + self.fflags()

    def g_illegal(self):
        r = self.r
        k = r.randrange(9)
        if k == 0:
            return [r.choice([".4byte 0x00000000", ".4byte 0xffffffff", ".insn 2, 0x0000"])]
        if k == 1:
            # reserved RVC encodings (RISC-V ISA 16.8 table of reserved/hint space)
            return [".insn 2, 0x%04x" % r.choice([0x0004, 0x0010, 0x4002, 0x6002, 0x8002,
                                                0x6281, 0x6101, 0x2001 | (0 << 7)])]
        if k == 2:
            return ["mret"]
        if k == 3:
            return [r.choice(["ebreak", "c.ebreak"])]
        if k == 4:
            # LOAD funct3 7, STORE funct3 4..7, JALR funct3 != 0, BRANCH funct3 2/3
            which = r.randrange(4)
            rs1 = r.choice(X_USABLE)
            if which == 0:
                word = (r.getrandbits(12) << 20) | (rs1 << 15) | (7 << 12) | (5 << 7) | 0x03
            elif which == 1:
                word = (rs1 << 15) | (r.randrange(4, 8) << 12) | 0x23 | (r.randrange(32) << 20)
            elif which == 2:
                word = (rs1 << 15) | (r.randrange(1, 8) << 12) | (5 << 7) | 0x67
            else:
                word = (r.randrange(32) << 20) | (rs1 << 15) | (r.choice([2, 3]) << 12) | \
                    (8 << 7) | 0x63
            return [".insn 4, 0x%08x" % word]
        if k == 5:
            # SLLIW/SRLIW/SRAIW with shamt[5] set are reserved in RV64
            f3 = r.choice([1, 5])
            hi = 0x20 if (f3 == 5 and r.random() < 0.5) else 0
            word = ((hi | 1) << 25) | (r.randrange(32) << 20) | (6 << 15) | (f3 << 12) | \
                (7 << 7) | 0x1b
            return [".insn 4, 0x%08x" % word]
        if k == 6:
            # AMO with funct3 other than 2 (W) and 3 (D)
            word = (r.choice([0x00, 0x01, 0x04, 0x08, 0x0c]) << 27) | (5 << 20) | (4 << 15) | \
                (r.choice([4, 5, 6, 7]) << 12) | (6 << 7) | 0x2f
            return [".insn 4, 0x%08x" % word]
        if k == 7:
            if self.r.random() < 0.5:
                # LR with rs2 != 0 is reserved
                word = (0x02 << 27) | (r.randrange(1, 32) << 20) | (4 << 15) | \
                    (r.choice([2, 3]) << 12) | (6 << 7) | 0x2f
                return [".insn 4, 0x%08x" % word]
            return self.g_csr_illegal()
        return ["wfi" if False else "unimp"]

    # ---- HINTs: must execute as no-ops (RISC-V ISA, HINT instructions) ----
    def g_hint(self):
        r = self.r
        k = r.randrange(12)
        rd = r.choice(X_USABLE)
        rc = r.randrange(8)
        imm6 = r.randrange(1, 64)
        enc = lambda i6: ((i6 >> 5) << 12) | ((i6 & 31) << 2)
        if k == 0:
            w = 0x0001 | enc(imm6)  # c.nop with nzimm
        elif k == 1:
            w = 0x0001 | (rd << 7)  # c.addi rd, 0
        elif k == 2:
            w = 0x4001 | enc(r.randrange(64))  # c.li x0
        elif k == 3:
            w = 0x6001 | enc(imm6)  # c.lui x0
        elif k == 4:
            w = 0x8002 | (r.randrange(1, 32) << 2)  # c.mv x0, rs2
        elif k == 5:
            w = 0x9002 | (r.randrange(1, 32) << 2)  # c.add x0, rs2
        elif k == 6:
            w = 0x0002 | enc(imm6)  # c.slli x0
        elif k == 7:
            w = 0x0002 | (rd << 7)  # c.slli64 rd
        elif k == 8:
            w = r.choice([0x8001, 0x8401]) | (rc << 7)  # c.srli64 / c.srai64
        else:
            # 32-bit: register-immediate and register-register ALU ops with rd = x0
            op = r.choice(["addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"])
            if k == 9:
                return ["%s zero, %s, %d" % (op, self.xr(), self.simm(12))] + self.lx(ABI[rd])
            if k == 10:
                return ["%s zero, %s, %s" % (r.choice(["add", "sub", "sll", "sltu", "xor", "mul",
                                                       "div", "remw", "sraw"]),
                                            self.xr(), self.xr())] + self.lx(ABI[rd])
            return ["lui zero, 0x%x" % r.getrandbits(20), "auipc zero, 0x%x" % r.getrandbits(20),
                    "slli zero, %s, %d" % (self.xr(), r.randrange(64))] + self.lx(ABI[rd])
        reg = ABI[rd] if k in (1, 7) else ABI[8 + rc] if k == 8 else self.xr(False)
        return [".insn 2, 0x%04x" % w] + self.lx(reg)

    # ---- random encodings in the non-memory, non-control opcode spaces ----
    # Encodings of extensions QEMU 7.2 enables by default (Zba, Zbb, Zbc, Zbs,
    # Zicbo*) are left out: there QEMU executes what our RV64GC hart must reject.
    ZB_OP = {0x04, 0x05, 0x10, 0x14, 0x24, 0x30, 0x34}
    ZB_OPIMM_F6 = {0x0a, 0x12, 0x18, 0x1a, 0x30, 0x31}

    # Zba/Zbb/Zbc/Zbs (insn_table.h's rows): (name, opcode, funct3, funct7 or imm, kind)
    # kind: r = register, u = unary (imm fixed), s6/s5 = shift amount ORed into imm.
    ZB_ROWS = [
        ("sh1add", 0x33, 2, 0x10, "r"), ("sh2add", 0x33, 4, 0x10, "r"),
        ("sh3add", 0x33, 6, 0x10, "r"), ("add.uw", 0x3b, 0, 0x04, "r"),
        ("sh1add.uw", 0x3b, 2, 0x10, "r"), ("sh2add.uw", 0x3b, 4, 0x10, "r"),
        ("sh3add.uw", 0x3b, 6, 0x10, "r"), ("slli.uw", 0x1b, 1, 0x080, "s6"),
        ("andn", 0x33, 7, 0x20, "r"), ("orn", 0x33, 6, 0x20, "r"), ("xnor", 0x33, 4, 0x20, "r"),
        ("clz", 0x13, 1, 0x600, "u"), ("ctz", 0x13, 1, 0x601, "u"),
        ("cpop", 0x13, 1, 0x602, "u"), ("sext.b", 0x13, 1, 0x604, "u"),
        ("sext.h", 0x13, 1, 0x605, "u"), ("clzw", 0x1b, 1, 0x600, "u"),
        ("ctzw", 0x1b, 1, 0x601, "u"), ("cpopw", 0x1b, 1, 0x602, "u"),
        ("zext.h", 0x3b, 4, 0x080, "u"), ("max", 0x33, 6, 0x05, "r"),
        ("maxu", 0x33, 7, 0x05, "r"), ("min", 0x33, 4, 0x05, "r"), ("minu", 0x33, 5, 0x05, "r"),
        ("rol", 0x33, 1, 0x30, "r"), ("ror", 0x33, 5, 0x30, "r"), ("rolw", 0x3b, 1, 0x30, "r"),
        ("rorw", 0x3b, 5, 0x30, "r"), ("rori", 0x13, 5, 0x600, "s6"),
        ("roriw", 0x1b, 5, 0x600, "s5"), ("orc.b", 0x13, 5, 0x287, "u"),
        ("rev8", 0x13, 5, 0x6b8, "u"), ("clmul", 0x33, 1, 0x05, "r"),
        ("clmulh", 0x33, 3, 0x05, "r"), ("clmulr", 0x33, 2, 0x05, "r"),
        ("bclr", 0x33, 1, 0x24, "r"), ("bset", 0x33, 1, 0x14, "r"), ("binv", 0x33, 1, 0x34, "r"),
        ("bext", 0x33, 5, 0x24, "r"), ("bclri", 0x13, 1, 0x480, "s6"),
        ("bseti", 0x13, 1, 0x280, "s6"), ("binvi", 0x13, 1, 0x680, "s6"),
        ("bexti", 0x13, 5, 0x480, "s6"),
    ]

    def g_zb(self):
        """One Zba/Zbb/Zbc/Zbs instruction (as .insn: the assembler need not know them)."""
        r = self.r
        name, opc, f3, f, kind = r.choice(self.ZB_ROWS)
        rd = self.xr()
        pre = []
        if name == "ctzw":
            # QEMU 7.2 counts past bit 31 when the low word is 0 (README): only
            # operands whose low word is nonzero, or 0.
            a = self.xr(False)
            v = self.int_value()
            if v & 0xffffffff == 0:
                v = 0 if r.random() < 0.5 else v | 1 << r.randrange(32)
            pre, b = ["li %s, 0x%x" % (a, v)], "zero"
        elif r.random() < 0.4:
            a, b = self.xr(False), self.xr(False)
            pre = ["li %s, 0x%x" % (a, self.int_value()), "li %s, 0x%x" % (b, self.int_value())]
        else:
            a, b = self.xr(), self.xr()
        if kind == "r":
            line = ".insn r 0x%x, %d, 0x%x, %s, %s, %s" % (opc, f3, f, rd, a, b)
        else:
            imm = f
            if kind == "s6":
                imm |= r.choice([0, 1, 31, 32, 63, r.randrange(64)])
            elif kind == "s5":
                imm |= r.choice([0, 1, 31, r.randrange(32)])
            line = ".insn i 0x%x, %d, %s, %s, %d" % (opc, f3, rd, a, sext(imm, 12))
        return pre + [line + "  # " + name] + self.lx(rd)

    def fh_src(self):
        """An f register holding a NaN-boxed half (sometimes a badly boxed one)."""
        r = self.r
        f = self.fr()
        if r.random() < 0.25:
            return f, []  # whatever it holds (often not a boxed half: the canonical NaN)
        v = r.choice(F16_SPECIAL) if r.random() < 0.7 else r.getrandbits(16)
        box = 0xffffffffffff0000 if r.random() < 0.9 else r.choice([0xffffffff00000000, 0])
        t = self.xr(False)
        return f, ["li %s, 0x%x" % (t, box | v), "fmv.d.x %s, %s" % (f, t)]

    # OP-FP funct5 of the H forms (fmt = 2: funct7 = funct5 << 2 | 2)
    FH_ARITH = [0x00, 0x01, 0x02, 0x03]

    def g_fh(self):
        """Zfh/Zfhmin, as .insn (fmt 2); QEMU runs with -cpu rv64,Zfh=true."""
        r = self.r
        k = r.randrange(11)
        fd = self.fr()
        pre = self.frm_set() if r.random() < 0.08 else []
        rm = self.rm_num()
        if k <= 2:
            (a, pa), (b, pb) = self.fh_src(), self.fh_src()
            f5 = r.choice(self.FH_ARITH)
            return pre + pa + pb + [".insn r 0x53, %d, 0x%x, %s, %s, %s" % (
                rm, f5 << 2 | 2, fd, a, b)] + self.lf(fd) + self.fflags()
        if k == 3:  # fsqrt.h
            a, pa = self.fh_src()
            return pre + pa + [".insn r 0x53, %d, 0x2e, %s, %s, f0" % (rm, fd, a)] + \
                self.lf(fd) + self.fflags()
        if k == 4:  # fsgnj*.h, fmin/fmax.h
            (a, pa), (b, pb) = self.fh_src(), self.fh_src()
            f5, f3 = r.choice([(0x04, 0), (0x04, 1), (0x04, 2), (0x05, 0), (0x05, 1)])
            return pa + pb + [".insn r 0x53, %d, 0x%x, %s, %s, %s" % (
                f3, f5 << 2 | 2, fd, a, b)] + self.lf(fd) + self.fflags()
        if k == 5:  # feq/flt/fle.h, fclass.h
            (a, pa), (b, pb) = self.fh_src(), self.fh_src()
            rd = self.xr()
            if r.random() < 0.25:
                return pa + [".insn r 0x53, 1, 0x72, %s, %s, x0" % (rd, a)] + self.lx(rd) + \
                    self.fflags()
            return pa + pb + [".insn r 0x53, %d, 0x52, %s, %s, %s" % (
                r.randrange(3), rd, a, b)] + self.lx(rd) + self.fflags()
        if k == 6:  # fcvt.{w,wu,l,lu}.h and fcvt.h.{w,wu,l,lu}
            kind = r.randrange(4)
            if r.random() < 0.5:
                a, pa = self.fh_src()
                rd = self.xr()
                return pre + pa + [".insn r 0x53, %d, 0x62, %s, %s, x%d" % (
                    rm, rd, a, kind)] + self.lx(rd) + self.fflags()
            rs = self.xr()
            v = self.int_value() if r.random() < 0.5 else r.choice(
                [65504, 65519, 65520, 2049, 4097, (-65520) & 0xffffffffffffffff, 1, 3])
            return pre + ["li %s, 0x%x" % (rs, v), ".insn r 0x53, %d, 0x6a, %s, %s, x%d" % (
                rm, fd, rs, kind)] + self.lf(fd) + self.fflags()
        if k == 7:  # fcvt between H and S/D (Zfhmin)
            which = r.randrange(4)
            if which == 0:  # fcvt.s.h
                a, pa = self.fh_src()
                line = ".insn r 0x53, %d, 0x20, %s, %s, x2" % (rm, fd, a)
            elif which == 1:  # fcvt.d.h
                a, pa = self.fh_src()
                line = ".insn r 0x53, %d, 0x21, %s, %s, x2" % (rm, fd, a)
            elif which == 2:  # fcvt.h.s
                (a,), pa = self.fsrc(True, 1)
                line = ".insn r 0x53, %d, 0x22, %s, %s, x0" % (rm, fd, a)
            else:  # fcvt.h.d
                (a,), pa = self.fsrc(False, 1)
                line = ".insn r 0x53, %d, 0x22, %s, %s, x1" % (rm, fd, a)
            return pre + pa + [line] + self.lf(fd) + self.fflags()
        if k == 8:  # fmv.x.h / fmv.h.x
            if r.random() < 0.5:
                a, pa = self.fh_src()
                rd = self.xr()
                return pa + [".insn r 0x53, 0, 0x72, %s, %s, x0" % (rd, a)] + self.lx(rd) + \
                    self.fflags()
            rs = self.xr()
            return [".insn r 0x53, 0, 0x7a, %s, %s, x0" % (fd, rs)] + self.lf(fd) + \
                self.fflags()
        if k == 9:  # fmadd/fmsub/fnmsub/fnmadd.h
            (a, pa), (b, pb), (c, pc) = self.fh_src(), self.fh_src(), self.fh_src()
            opc = r.choice([0x43, 0x47, 0x4b, 0x4f])
            return pre + pa + pb + pc + [".insn r4 0x%x, %d, 2, %s, %s, %s, %s" % (
                opc, rm, fd, a, b, c)] + self.lf(fd) + self.fflags()
        # flh / fsh (also misaligned): the buffer is hashed in the dump
        if r.random() < 0.5:
            base, off, p = self.addr(2, r.random() < 0.8)
            return p + [".insn i 0x07, 1, %s, %d(%s)" % (fd, off, base)] + self.lf(fd)
        a, pa = self.fh_src()
        base, off, p = self.addr(2, r.random() < 0.8)
        return pa + p + [".insn s 0x27, 1, %s, %d(%s)" % (a, off, base)]

    def g_randop(self):
        r = self.r
        rd = r.choice([0] + X_USABLE)
        rs1 = r.randrange(32)
        rs2 = r.randrange(32)
        k = r.randrange(7)
        if k == 0:  # OP
            while True:
                f7 = r.choice([0x00, 0x20, 0x01, 0x01, r.randrange(128)])
                f3 = r.randrange(8)
                # 0x07: Zicond (czero.*), which QEMU 7.2 lacks but our hart has
                if f7 in self.ZB_OP or f7 == 0x07 or (f7 == 0x20 and f3 in (4, 6, 7)):
                    continue
                break
            w = (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x33
        elif k == 1:  # OP-32
            while True:
                f7 = r.choice([0x00, 0x20, 0x01, r.randrange(128)])
                f3 = r.randrange(8)
                if f7 in self.ZB_OP:
                    continue
                break
            w = (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x3b
        elif k == 2:  # OP-IMM shifts with odd high bits
            while True:
                f6 = r.choice([0x00, 0x10, 0x00, 0x10, r.randrange(64)])
                f3 = r.choice([1, 5])
                if f6 in self.ZB_OPIMM_F6:
                    continue
                break
            w = (f6 << 26) | (r.randrange(64) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x13
        elif k == 3:  # OP-IMM-32
            while True:
                f7 = r.choice([0x00, 0x20, 0x01, 0x21, r.randrange(128)])
                f3 = r.randrange(8)
                if f7 in (0x30, 0x04, 0x05) or (f3 == 0 and False):
                    continue
                break
            w = (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x1b
        elif k == 4:  # OP-FP, any funct5/fmt/rm/rs2
            f5 = r.choice([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x0b, 0x14, 0x18, 0x1a,
                           0x1c, 0x1e, r.randrange(32)])
            fmt = r.choice([0, 1, 0, 1, 2, 3])
            f3 = r.randrange(8)
            # Zfa's encodings (fminm/fmaxm, fleq/fltq, fround, fcvtmod, fli): QEMU 7.2
            # lacks Zfa, our hart has it; tests/unit/test_fpu_zfa.c covers them.
            if (f5 == 0x05 and f3 in (2, 3)) or (f5 == 0x14 and f3 in (4, 5)):
                f3 = 0
            elif (f5 == 0x08 and rs2 in (4, 5)) or (f5 == 0x18 and rs2 == 8):
                rs2 = 0
            elif f5 == 0x1e and rs2 == 1 and f3 == 0:
                f3 = 1
            w = (f5 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | \
                (rd << 7) | 0x53
        elif k == 5:  # FMA family
            w = (r.randrange(32) << 27) | (r.choice([0, 1, 0, 1, 2, 3]) << 25) | (rs2 << 20) | \
                (rs1 << 15) | (r.randrange(8) << 12) | (rd << 7) | r.choice([0x43, 0x47, 0x4b,
                                                                             0x4f])
        else:  # FENCE / FENCE.I with reserved fields: executed as ordinary fences
            f3 = r.choice([0, 1])
            w = (r.getrandbits(12) << 20) | (rs1 << 15) | (f3 << 12) | (r.randrange(32) << 7) | \
                0x0f
            return [".insn 4, 0x%08x" % w]
        return [".insn 4, 0x%08x" % w] + self.lx(ABI[rd]) + self.lf("f%d" % rd) + self.fflags()

    # ---- FP operands built bit by bit near the interesting boundaries ----
    def fbits(self, single):
        r = self.r
        E, M = (8, 23) if single else (11, 52)
        bias, emax = (1 << (E - 1)) - 1, (1 << E) - 1
        ek = r.randrange(9)
        if ek == 0:
            e = 0
        elif ek == 1:
            e = emax
        elif ek == 2:
            e = r.choice([1, 2, 3])
        elif ek == 3:
            e = r.choice([emax - 1, emax - 2])
        elif ek == 4:
            e = bias + r.randrange(-3, 4)
        elif ek == 5:
            e = bias + r.choice([23, 24, 31, 32, 52, 53, 63, 64]) + r.randrange(-1, 2)
        elif ek == 6 and not single:
            e = bias + r.randrange(-152, -123)  # single subnormals after fcvt.s.d
        elif ek == 7 and not single:
            e = bias + r.randrange(126, 130)  # single overflow after fcvt.s.d
        else:
            e = r.randrange(emax + 1)
        mk = r.randrange(6)
        if mk == 0:
            m = 0
        elif mk == 1:
            m = (1 << M) - 1
        elif mk == 2:
            m = 1 << r.randrange(M)
        elif mk == 3:
            m = ((1 << M) - 1) ^ (1 << r.randrange(M))
        elif mk == 4:
            m = r.getrandbits(M) & ~((1 << r.randrange(M)) - 1) | (1 << r.randrange(M))
        else:
            m = r.getrandbits(M)
        return (r.getrandbits(1) << (E + M)) | (e << M) | m

    def fset(self, f, single, bits, t):
        return ["li %s, 0x%x" % (t, bits), "fmv.%s.x %s, %s" % ("w" if single else "d", f, t)]

    def g_frand(self):
        r = self.r
        s = r.random() < 0.5
        sfx = ".s" if s else ".d"
        t = self.xr(False)
        a, b, c, fd = self.fr(), self.fr(), self.fr(), self.fr()
        va, vb, vc = self.fbits(s), self.fbits(s), self.fbits(s)
        k = r.randrange(8)
        if k == 0 and not s:
            # fused multiply-add cancelling to a tiny residual
            fa = struct.unpack("<d", struct.pack("<Q", va))[0]
            fb = struct.unpack("<d", struct.pack("<Q", vb))[0]
            try:
                p = fa * fb
                vc = struct.unpack("<Q", struct.pack("<d", -p if r.random() < 0.5 else p))[0]
            except OverflowError:
                pass
        pre = self.fset(a, s, va, t) + self.fset(b, s, vb, t) + self.fset(c, s, vc, t)
        if k <= 1:
            op = r.choice(["fmadd", "fmsub", "fnmsub", "fnmadd"])
            line = "%s%s %s, %s, %s, %s, %s" % (op, sfx, fd, a, b, c, self.rm())
        elif k == 2:
            line = "%s%s %s, %s, %s, %s" % (r.choice(["fadd", "fsub", "fmul", "fdiv"]), sfx, fd,
                                            a, b, self.rm())
        elif k == 3:
            line = "fsqrt%s %s, %s, %s" % (sfx, fd, a, self.rm())
        elif k == 4:
            rd = self.xr()
            line = "fcvt.%s%s %s, %s, %s" % (r.choice(["w", "wu", "l", "lu"]), sfx, rd, a,
                                            self.rm())
            return pre + [line] + self.lx(rd) + self.fflags()
        elif k == 5:
            if s:
                pre = self.fset(a, False, self.fbits(False), t)
                line = "fcvt.s.d %s, %s, %s" % (fd, a, self.rm())
            else:
                pre = self.fset(a, True, self.fbits(True), t)
                line = "fcvt.d.s %s, %s" % (fd, a)
        elif k == 6:
            v = r.choice([(1 << r.randrange(64)) + r.randrange(-3, 4),
                          r.getrandbits(64) & ~((1 << r.randrange(40)) - 1),
                          sext(r.getrandbits(32), 32), r.getrandbits(64)]) & ((1 << 64) - 1)
            pre = ["li %s, 0x%x" % (t, v)]
            line = "fcvt%s.%s %s, %s, %s" % (sfx, r.choice(["w", "wu", "l", "lu"]), fd, t,
                                            self.rm())
            if not s and ("w" in line.split()[0].split(".")[-1]):
                line = "fcvt.d.l %s, %s, %s" % (fd, t, self.rm())
        else:
            op = r.choice(["fmin", "fmax", "feq", "flt", "fle", "fclass"])
            if op == "fclass":
                rd = self.xr()
                return pre + ["fclass%s %s, %s" % (sfx, rd, a)] + self.lx(rd) + self.fflags()
            if op in ("feq", "flt", "fle"):
                rd = self.xr()
                return pre + ["%s%s %s, %s, %s" % (op, sfx, rd, a, b)] + self.lx(rd) + \
                    self.fflags()
            line = "%s%s %s, %s, %s" % (op, sfx, fd, a, b)
        return pre + [line] + self.lf(fd) + self.fflags()

    # ---- U-mode: sret into U, a few instructions, ecall back (rt.S: an ecall
    # from U resumes in S after it). sie is cleared and SPIE too, so that no
    # interrupt can be taken (in U-mode, S interrupts are always enabled).
    def g_umode(self):
        r = self.r
        t = self.xr(False)
        l = self.lab()
        lines = ["csrw sie, zero", "la %s, %s" % (t, l), "csrw sepc, %s" % t,
                 "li %s, 0x120" % t, "csrc sstatus, %s" % t, "sret", l + ":"]
        for _ in range(r.randrange(1, 5)):
            k = r.randrange(7)
            rd = self.xr()
            if k == 0:
                lines += self.g_int()
            elif k == 1:
                lines += self.g_fpu()
            elif k == 2:
                # supervisor CSRs are illegal from U-mode
                c = r.choice(["sstatus", "sscratch", "sepc", "scause", "stval", "sie", "sip",
                              "satp", "stvec"])
                lines += [r.choice(["csrr %s, %s" % (rd, c), "csrw %s, %s" % (c, self.xr())])] + \
                    self.lx(rd)
            elif k == 3:
                lines += [r.choice(["sret", "sfence.vma", "mret", "ebreak", "c.ebreak"])]
            elif k == 4:
                c = r.choice(["fcsr", "frm", "fflags"])
                lines += ["csrrw %s, %s, %s" % (rd, c, self.xr())] + self.lx(rd)
            elif k == 5:
                lines += self.g_mem()
            else:
                lines += self.g_amo()
        rd = self.xr()
        return lines + ["ecall"] + self.sstatus_read(rd, self.xr(False))

    # ---- sret within S-mode (SPP = 1): SIE <- SPIE (cleared first), SPIE <- 1, SPP <- U
    def g_sret(self):
        t = self.xr(False)
        rd = self.xr()
        l = self.lab()
        return ["la %s, %s" % (t, l), "csrw sepc, %s" % t, "li %s, 0x100" % t,
                "csrs sstatus, %s" % t, "li %s, 0x20" % t, "csrc sstatus, %s" % t, "sret"] + \
            self.poison() + [l + ":"] + self.sstatus_read(rd, t)

    # ---- Sv39/Sv48: one access through a page whose PTE has random flags ----
    # Tables in .diffpt (rt.S, fixed at PT_BASE): page 0 the Sv48 root (entry 0
    # -> page 1), page 1 the Sv39 root (entry 1 -> page 2 for VA 0x40000000,
    # entry 2 a global RWX gigapage identity-mapping 0x80000000 for the code,
    # data, log and stacks), page 2 the level-1 table for VA 0x40000000 (entry
    # 0 -> page 3, entry 1 a 2 MiB leaf), page 3 the level-0 table, pages 4..7
    # the target pages. Paging is on only inside the item.
    PT_BASE = 0x80380000
    VM_LOADS = [("lb", 1), ("lhu", 2), ("lw", 4), ("ld", 8), ("lwu", 4)]
    VM_STORES = [("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)]

    def pte_ptr(self, pa):
        return ((pa >> 12) << 10) | 1

    def g_vm(self):
        r = self.r
        P = self.PT_BASE
        regs = r.sample([ABI[i] for i in X_USABLE if i != 2], 3)
        t, a, rd = regs
        lines = []

        def store64(addr, val):
            lines.extend(["li %s, 0x%x" % (t, val), "li %s, 0x%x" % (a, addr),
                          "sd %s, 0(%s)" % (t, a)])

        store64(P + 0, self.pte_ptr(P + 0x1000))
        store64(P + 0x1000 + 8, self.pte_ptr(P + 0x2000))
        store64(P + 0x1000 + 16, ((0x80000000 >> 12) << 10) | 0xef)
        store64(P + 0x2000, self.pte_ptr(P + 0x3000))
        # the target PTE: random flags, sometimes reserved combinations
        flags = 1 if r.random() < 0.93 else 0
        flags |= r.choice([2, 2, 6, 6, 10, 14, 8, 4, 12]) << 0  # R W X mixes (W-only reserved)
        if r.random() < 0.3:
            flags |= 0x10  # U
        if r.random() < 0.3:
            flags |= 0x20
        flags |= r.choice([0, 0x40, 0xc0, 0xc0, 0x80])  # A, D
        mega = r.random() < 0.2
        page = r.randrange(4)
        if mega:
            ppn = 0x80400 + (r.choice([0, 0, 0, 1, 0x100]))  # unaligned -> misaligned superpage
            pte_addr = P + 0x2000 + 8
            va = 0x40200000 + r.randrange(0x200000) & ~7
        else:
            ppn = (P + 0x4000 + page * 0x1000) >> 12
            pte_addr = P + 0x3000 + 8 * page
            va = 0x40000000 + page * 0x1000 + (r.randrange(4096) & ~7)
        if r.random() < 0.05:
            va = r.choice([0x4000000000, 0x8000000000 | va, 0xffffffc040000000 | va])  # bad VAs
        straddle = not mega and va < 0x4000000000 and r.random() < 0.15
        if straddle:
            # a misaligned access from a good page 0 into the target page 1, which
            # maps the physical page after the next one: a hart that reads or
            # writes the second part through the first page's host pointer hits
            # P+0x5000 (given other contents here) instead of P+0x7000
            page = 1
            ppn = (P + 0x7000) >> 12
            pte_addr = P + 0x3000 + 8
            va = 0x40001000 - r.randrange(1, 8)
            store64(P + 0x3000, (((P + 0x4000) >> 12) << 10) | 0xc7)
            store64(P + 0x5000, r.getrandbits(64))
            store64(P + 0x7000, r.getrandbits(64))
        store64(pte_addr, (ppn << 10) | flags)
        sv48 = r.random() < 0.3
        satp = ((9 if sv48 else 8) << 60) | ((P if sv48 else P + 0x1000) >> 12)
        bits = 0
        for b in (18, 19):
            if r.random() < 0.4:
                bits |= 1 << b
        lines += ["li %s, 0x%x" % (t, 0xc0000), "csrc sstatus, %s" % t]
        if bits:
            lines += ["li %s, 0x%x" % (t, bits), "csrs sstatus, %s" % t]
        lines += ["li %s, 0x%x" % (t, satp), "li %s, 0x%x" % (a, va), "sfence.vma",
                  "csrw satp, %s" % t]
        # the translation outcome (privileged spec, Sv39 "virtual address
        # translation process"), to steer around choices the spec leaves open
        bad_va = va >= 0x4000000000
        misaligned = mega and ppn & 0x1ff
        valid = flags & 1 and not (flags & 4 and not flags & 2) and not bad_va and not misaligned
        user_ok = not flags & 0x10 or bits & (1 << 18)
        readable = valid and user_ok and (flags & 2 or (flags & 8 and bits & (1 << 19)))
        writable = valid and user_ok and flags & 4
        executable = valid and flags & 8 and not flags & 0x10
        if r.random() < 0.25 and not mega and not bad_va and not straddle and not (flags & 0x10 and
                                                                  bits & (1 << 18)):
            # (no S-mode fetch from a U page with SUM=1: QEMU 7.2 allows it, README.md)
            return lines + self.vm_exec(P, page, flags, satp, bits, executable, t, a, rd,
                                        pte_addr)
        k = r.randrange(4)
        if k == 3 and not readable:
            k = 2  # QEMU 7.2 reports an AMO's fault as a load fault: README.md
        if straddle and k == 3:
            k = 2  # misaligned AMOs: QEMU quirk (README.md)
        if k == 0 or k == 1:
            op, w = r.choice(self.VM_LOADS)
            lines += ["%s %s, %d(%s)" % (op, rd, 0, a)]
            faults = not readable
        elif k == 2:
            op, w = r.choice(self.VM_STORES)
            lines += ["%s %s, %d(%s)" % (op, rd, 0, a)]
            faults = not writable
        else:
            # (no LR/SC: whether an SC without reservation takes the page
            # fault is an implementation choice)
            lines += ["%s.d %s, %s, (%s)" % (r.choice(["amoadd", "amoswap", "amoor"]), rd, rd, a)]
            faults = not writable
        lines += ["csrw satp, zero", "sfence.vma"] + self.lx(rd)
        lines += ["li %s, 0x%x" % (a, pte_addr), "ld %s, 0(%s)" % (t, a)]
        if faults:
            # A may be set speculatively (privileged spec, A/D bits): not logged
            lines += ["andi %s, %s, -65" % (t, t)]
        lines += self.lx(t)
        lines += ["li %s, 0x%x" % (t, 0xc0000), "csrc sstatus, %s" % t]
        return lines

    def vm_exec(self, P, page, flags, satp, bits, executable, t, a, rd, pte_addr):
        """Jump (jalr ra) to code in the target page: `addi rd, rd, 1; ret`, or
        the addi straddling from an executable page 0 into page 1."""
        r = self.r
        lines = []
        straddle = r.random() < 0.3
        if straddle:
            page = 1
            pte_addr = P + 0x3000 + 8
            lines += ["li %s, 0x%x" % (t, (((P + 0x4000) >> 12) << 10) | 0xcb),
                      "li %s, 0x%x" % (a, P + 0x3000), "sd %s, 0(%s)" % (t, a)]
            # page 1 maps P+0x7000, not the adjacent P+0x5000 (which holds a
            # different upper half): the fetch must translate both pages
            lines += ["li %s, 0x%x" % (t, (((P + 0x7000) >> 12) << 10) | flags),
                      "li %s, 0x%x" % (a, pte_addr), "sd %s, 0(%s)" % (t, a)]
            off = 0xffe
            va = 0x40000000 + off
        else:
            off = r.randrange(0, 4096 - 8, 2)
            va = 0x40000000 + page * 0x1000 + off

        def phys(o):
            if straddle:
                return P + 0x4000 + o if o < 0x1000 else P + 0x7000 + o - 0x1000
            return P + 0x4000 + page * 0x1000 + o

        addi = 0x00100013 | (ABI.index(rd) << 7) | (ABI.index(rd) << 15)
        words = [(off, addi & 0xffff), (off + 2, addi >> 16), (off + 4, 0x8067), (off + 6, 0)]
        if straddle:
            other = 0x00700013 | (ABI.index(rd) << 7) | (ABI.index(rd) << 15)
            lines += ["li %s, 0x%x" % (t, other >> 16), "li %s, 0x%x" % (a, P + 0x5000),
                      "sh %s, 0(%s)" % (t, a)]
        for o, h in words:
            lines += ["li %s, 0x%x" % (t, h), "li %s, 0x%x" % (a, phys(o)),
                      "sh %s, 0(%s)" % (t, a)]
        lines += ["fence.i", "li %s, 0x%x" % (t, satp), "li %s, 0x%x" % (a, va), "sfence.vma",
                  "csrw satp, %s" % t, "jalr ra, 0(%s)" % a, "csrw satp, zero", "sfence.vma"]
        lines += self.lx(rd)
        lines += ["li %s, 0x%x" % (a, pte_addr), "ld %s, 0(%s)" % (t, a)]
        if not executable:
            lines += ["andi %s, %s, -65" % (t, t)]
        return lines + self.lx(t) + ["li %s, 0x%x" % (t, 0xc0000), "csrc sstatus, %s" % t]

    # ---- self-modifying code: write code, fence.i, run it, rewrite, fence.i, run again.
    # The code page is in .diffpt (pages 8..11, identity-mapped physical memory).
    SMC_BASE = 0x80388000

    def smc_code(self, rd):
        """A short leaf routine modifying rd, as (halfword list)."""
        r = self.r
        n = ABI.index(rd)
        k = r.randrange(5)
        imm = r.randrange(-2048, 2048) & 0xfff
        if k == 0:  # addi rd, rd, imm
            w = [(imm << 20) | (n << 15) | (n << 7) | 0x13]
        elif k == 1:  # xori rd, rd, imm
            w = [(imm << 20) | (n << 15) | (4 << 12) | (n << 7) | 0x13]
        elif k == 2:  # slli rd, rd, sh
            w = [(r.randrange(64) << 20) | (n << 15) | (1 << 12) | (n << 7) | 0x13]
        elif k == 3:  # c.addi rd, nzimm ; c.nop
            i6 = r.randrange(1, 64)
            return [0x0001 | ((i6 >> 5) << 12) | (n << 7) | ((i6 & 31) << 2), 0x0001, 0x8082]
        else:  # lui rd, imm
            w = [(r.getrandbits(20) << 12) | (n << 7) | 0x37]
        hw = []
        for x in w:
            hw += [x & 0xffff, x >> 16]
        return hw + [0x8082]  # c.jr ra

    def g_smc(self):
        r = self.r
        t, a, rd = r.sample([ABI[i] for i in X_USABLE if i not in (1, 2)], 3)
        off = r.randrange(0, 4096 - 64, 2)
        addr = self.SMC_BASE + off
        lines = ["li %s, 0x%x" % (a, addr)]

        def write(code, width):
            out = []
            if width == 2 or len(code) % 2:
                for i, h in enumerate(code):
                    out += ["li %s, 0x%x" % (t, h), "sh %s, %d(%s)" % (t, 2 * i, a)]
            else:
                for i in range(0, len(code), 2):
                    out += ["li %s, 0x%x" % (t, code[i] | (code[i + 1] << 16)),
                            "sw %s, %d(%s)" % (t, 2 * i, a)]
            return out

        for rnd in range(r.randrange(2, 4)):
            lines += write(self.smc_code(rd), r.choice([2, 4]))
            lines += ["fence.i", "jalr ra, 0(%s)" % a] + self.lx(rd)
        return lines

    # ---- interrupts: SSIP made pending and enabled by a CSR write or an sret. The
    # trap must be taken right after that instruction (privileged spec, sip/sie:
    # the conditions "must also be evaluated immediately following the execution
    # of an SRET instruction or an explicit write to a CSR on which these
    # interrupt trap conditions expressly depend"); rt.S clears SSIP.
    def g_irq(self):
        r = self.r
        t, rd = r.sample([ABI[i] for i in X_USABLE if i not in (1, 2)], 2)
        k = r.randrange(5)
        pre = ["li %s, 2" % t]
        # the three conditions: sie.SSIE, sip.SSIP, sstatus.SIE; the last one set triggers
        steps = {"sie": "csrs sie, %s" % t, "sip": "csrs sip, %s" % t,
                 "sst": "csrs sstatus, %s" % t}
        order = ["sie", "sip", "sst"]
        r.shuffle(order)
        lines = pre
        if k < 3:
            for o in order:
                lines.append(steps[o])
            lines += ["addi %s, %s, 1" % (rd, rd)] + self.lx(rd)
        elif k == 3:
            # sret with SPIE = 1 and SSIP pending + enabled: taken at the sret target
            l = self.lab()
            lines += ["csrs sie, %s" % t, "csrs sip, %s" % t, "la %s, %s" % (rd, l),
                      "csrw sepc, %s" % rd, "li %s, 0x120" % rd, "csrs sstatus, %s" % rd,
                      "sret"] + self.poison() + [l + ":", "addi %s, %s, 1" % (rd, rd)] + \
                self.lx(rd)
        else:
            # pending while SIE = 0, then csrc sie: nothing; csrs sstatus.SIE: nothing
            lines += ["csrs sip, %s" % t, "csrc sie, %s" % t, "csrs sstatus, %s" % t,
                      "csrr %s, sip" % rd] + self.lx(rd) + ["csrc sip, %s" % t]
        return lines + ["csrc sstatus, %s" % t, "csrw sie, zero", "csrc sip, %s" % t]

    # ---- MMIO: the ns16550a scratch register (UART + 7, the one register whose
    # contents do not depend on firmware set-up) with byte loads/stores, directly
    # and through a page that is remapped between the UART and RAM while paging
    # is on (sfence.vma after each change: MMIO translations must not go stale).
    UART_SCR = 0x10000007

    def g_mmio(self):
        r = self.r
        t, a, rd = r.sample([ABI[i] for i in X_USABLE if i not in (1, 2)], 3)
        if r.random() < 0.5:
            lines = ["li %s, 0x%x" % (a, self.UART_SCR)]
            for _ in range(r.randrange(1, 4)):
                lines += ["li %s, 0x%x" % (t, self.int_value()), "sb %s, 0(%s)" % (t, a),
                          "%s %s, 0(%s)" % (r.choice(["lb", "lbu"]), rd, a)] + self.lx(rd)
            return lines
        P = self.PT_BASE
        page = r.randrange(4)
        va = 0x40000000 + page * 0x1000 + 7
        pte_addr = P + 0x3000 + 8 * page
        uart_pte = ((0x10000000 >> 12) << 10) | 0xc7
        ram_pte = (((P + 0x4000 + page * 0x1000) >> 12) << 10) | 0xc7
        lines = []

        def store64(addr, val):
            lines.extend(["li %s, 0x%x" % (t, val), "li %s, 0x%x" % (a, addr),
                          "sd %s, 0(%s)" % (t, a)])

        store64(P + 0, self.pte_ptr(P + 0x1000))
        store64(P + 0x1000 + 8, self.pte_ptr(P + 0x2000))
        store64(P + 0x1000 + 16, ((0x80000000 >> 12) << 10) | 0xef)
        store64(P + 0x2000, self.pte_ptr(P + 0x3000))
        store64(pte_addr, uart_pte)
        sv48 = r.random() < 0.3
        satp = ((9 if sv48 else 8) << 60) | ((P if sv48 else P + 0x1000) >> 12)
        lines += ["li %s, 0x%x" % (t, satp), "sfence.vma", "csrw satp, %s" % t]
        sf = lambda: [r.choice(["sfence.vma", "sfence.vma %s" % a, "sfence.vma %s, zero" % a])]
        for i in range(r.randrange(2, 5)):
            ram = i % 2 == 1
            lines += ["li %s, 0x%x" % (a, pte_addr), "li %s, 0x%x" % (t, ram_pte if ram
                                                                     else uart_pte),
                      "sd %s, 0(%s)" % (t, a), "li %s, 0x%x" % (a, va)] + sf()
            if r.random() < 0.5:
                lines += ["li %s, 0x%x" % (t, r.getrandbits(8)), "sb %s, 0(%s)" % (t, a)]
            lines += ["%s %s, 0(%s)" % (r.choice(["lb", "lbu"]), rd, a)] + self.lx(rd)
        return lines + ["csrw satp, zero", "sfence.vma"]

    # ---- U-mode under Sv39/Sv48: sret into a U code page (VA 0x40000000,
    # U|R|X) that runs one access to the target page (VA 0x40002000, random
    # flags) and ecall. The handler resumes the ecall in S-mode after it, where
    # S-mode may not execute a U page: the fetch fault resumes at ra (the label
    # here). SUM stays 0 (QEMU 7.2 lets S execute U pages with SUM=1).
    def g_vmu(self):
        r = self.r
        P = self.PT_BASE
        t, a, rd = r.sample([ABI[i] for i in X_USABLE if i not in (1, 2)], 3)
        lines = []

        def store64(addr, val):
            lines.extend(["li %s, 0x%x" % (t, val), "li %s, 0x%x" % (a, addr),
                          "sd %s, 0(%s)" % (t, a)])

        store64(P + 0, self.pte_ptr(P + 0x1000))
        store64(P + 0x1000 + 8, self.pte_ptr(P + 0x2000))
        store64(P + 0x1000 + 16, ((0x80000000 >> 12) << 10) | 0xef)
        store64(P + 0x2000, self.pte_ptr(P + 0x3000))
        store64(P + 0x3000, (((P + 0x4000) >> 12) << 10) | 0xdb)  # V R X U A D
        flags = 1 if r.random() < 0.93 else 0
        flags |= r.choice([2, 2, 6, 6, 10, 14, 8, 4, 12])
        if r.random() < 0.8:
            flags |= 0x10
        flags |= r.choice([0, 0x40, 0xc0, 0xc0, 0x80])
        pte_addr = P + 0x3000 + 16
        store64(pte_addr, (((P + 0x6000) >> 12) << 10) | flags)
        mxr = r.random() < 0.4
        off = r.randrange(0, 4096 - 8, 8)
        va = 0x40002000 + off
        nrd, na = ABI.index(rd), ABI.index(a)
        k = r.randrange(4)
        if k == 0:
            f3 = r.choice([0, 2, 3, 4])  # lb lw ld lbu
            insn = (na << 15) | (f3 << 12) | (nrd << 7) | 0x03
        elif k == 1:
            insn = (nrd << 20) | (na << 15) | (3 << 12) | 0x23  # sd
        else:
            insn = (nrd << 20) | (na << 15) | (3 << 12) | (nrd << 7) | 0x2f  # amoadd.d
        code_off = r.randrange(0, 4096 - 16, 4)
        for i, w in enumerate([insn, 0x00000073]):
            lines += ["li %s, 0x%x" % (t, w), "li %s, 0x%x" % (a, P + 0x4000 + code_off + 4 * i),
                      "sw %s, 0(%s)" % (t, a)]
        valid = flags & 1 and not (flags & 4 and not flags & 2)
        user = flags & 0x10
        readable = valid and user and (flags & 2 or (flags & 8 and mxr))
        writable = valid and user and flags & 4
        if k >= 2 and not readable:
            k = 1  # AMO faults: QEMU quirk (README.md); becomes a store
            lines = lines[:-6]
            insn = (nrd << 20) | (na << 15) | (3 << 12) | 0x23
            for i, w in enumerate([insn, 0x00000073]):
                lines += ["li %s, 0x%x" % (t, w),
                          "li %s, 0x%x" % (a, P + 0x4000 + code_off + 4 * i),
                          "sw %s, 0(%s)" % (t, a)]
        faults = not readable if k == 0 else not writable
        sv48 = r.random() < 0.3
        satp = ((9 if sv48 else 8) << 60) | ((P if sv48 else P + 0x1000) >> 12)
        l = self.lab()
        lines += ["fence.i", "csrw sie, zero", "li %s, 0x%x" % (t, 0xc0000),
                  "csrc sstatus, %s" % t]
        if mxr:
            lines += ["li %s, 0x%x" % (t, 1 << 19), "csrs sstatus, %s" % t]
        lines += ["li %s, 0x120" % t, "csrc sstatus, %s" % t,
                  "li %s, 0x%x" % (t, 0x40000000 + code_off), "csrw sepc, %s" % t,
                  "la ra, %s" % l, "li %s, 0x%x" % (t, satp), "li %s, 0x%x" % (a, va),
                  "sfence.vma", "csrw satp, %s" % t, "sret", l + ":",
                  "csrw satp, zero", "sfence.vma"] + self.lx(rd)
        lines += ["li %s, 0x%x" % (a, pte_addr), "ld %s, 0(%s)" % (t, a)]
        if faults:
            lines += ["andi %s, %s, -65" % (t, t)]
        return lines + self.lx(t) + ["li %s, 0x%x" % (t, 0xc0000), "csrc sstatus, %s" % t]

    def g_csr_illegal(self):
        return ["csrr %s, %s" % (self.xr(), self.r.choice(["mstatus", "mepc", "mhartid"]))]

    # ---- program ----
    def item(self):
        cls = self.r.choice(self.classes)
        return getattr(self, "g_" + cls)()

    def program(self):
        o = self.out
        name = "seed%d-%s" % (self.seed, "+".join(self.classes) if len(self.classes) < 4
                              else "mixed")
        o.append("/* generated by tests/diff/gen.py --seed %d --classes %s --blocks %d "
                 "--len %d */" % (self.seed, ",".join(self.classes), self.nblocks, self.blen))
        o.append("\t.option rvc\n\t.option norelax")
        o.append(".macro LX r\n\tsd \\r, 0(gp)\n\taddi gp, gp, 8\n.endm")
        o.append(".macro LF r\n\tfsd \\r, 0(gp)\n\taddi gp, gp, 8\n.endm")
        o.append(".macro DUMP\n\tsd ra, %d(tp)\n\tcall diff_dump_asm\n\tld ra, %d(tp)\n.endm"
                 % (D_SAVEX + 8, D_SAVEX + 8))
        # fixed addresses (difftest.py / diff.mk link with --section-start), so
        # that the output does not depend on the size of the guest library
        o.append("\t.section .diffprog, \"ax\"\n\t.globl diff_prog\n\t.align 2\ndiff_prog:")
        for b in range(self.nblocks):
            o.append("diff_block_%d:" % b)
            for _ in range(self.blen):
                for line in self.item():
                    o.append(line if line.endswith(":") else "\t" + line)
            o.append("\tDUMP")
        o.append("diff_block_%d:" % self.nblocks)
        o.append("\ttail diff_prog_end")
        self.data(name)
        return "\n".join(o) + "\n"

    def data(self, name):
        r = self.r
        o = self.out
        o.append("\t.section .rodata\n\t.globl diff_prog_name\ndiff_prog_name:\n"
                 "\t.asciz \"%s\"" % name)
        o.append("\t.section .diffdata, \"aw\"\n\t.align 12\n\t.globl diff_area\ndiff_area:")
        words = [0] * 512
        base = 256  # tp's index in dwords

        def put(off, v):
            words[base + off // 8] = v & 0xffffffffffffffff

        for i in range(32):
            put(D_XINIT + 8 * i, self.int_value())
        for i in range(32):
            if r.random() < 0.5:
                v = 0xffffffff00000000 | r.choice(F32_SPECIAL + [r.getrandbits(32)])
            else:
                v = r.choice(F64_SPECIAL + [r.getrandbits(64)])
            put(D_FINIT + 8 * i, v)
        for i in range(D_BUF_SIZE // 8):
            v = r.getrandbits(64)
            if r.random() < 0.2:
                v = r.choice(F64_SPECIAL + INT_SPECIAL)
            put(D_BUF + 8 * i, v)
        for i in range(32):
            put(D_FTAB + 8 * i, F64_SPECIAL[i] if r.random() < 0.85 else r.getrandbits(64))
        for i in range(32):
            v = F32_SPECIAL[i] if r.random() < 0.85 else r.getrandbits(32)
            put(D_FTAB + 256 + 8 * i, 0xffffffff00000000 | v)
        for i in range(0, 512, 4):
            o.append("\t.dword " + ", ".join("0x%016x" % w for w in words[i:i + 4]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--classes", default="all",
                    help="comma-separated from %s (+ opt-in %s), or 'all'" %
                    (",".join(CLASSES), ",".join(OPTIN)))
    ap.add_argument("--blocks", type=int, default=8)
    ap.add_argument("--len", type=int, default=12, help="items per block")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()
    classes = DEFAULT_CLASSES if a.classes == "all" else a.classes.split(",")
    for c in classes:
        if c not in CLASSES + OPTIN:
            sys.exit("gen.py: unknown class '%s'" % c)
    text = Gen(a.seed, classes, a.blocks, a.len).program()
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
