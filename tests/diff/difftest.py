#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential tester: the same generated S-mode program under QEMU and axvm.

  difftest.py run [--seeds A-B] [--classes C] [--jobs N] [--out DIR] ...
      generate, build and run each seed on both; print one line per program
      and, for every mismatch, the first differing dump, both sides' lines of
      that dump and the disassembly of the block that produced it. Failing
      programs are kept in DIR (default /tmp/axvm-diff) with both outputs.
  difftest.py one FILE.S|--seed N ...       one program, verbose
  difftest.py build FILE.S -o FILE.elf      build only
  difftest.py axvm FILE.elf                 print axvm's DIFF-BEGIN..DIFF-END output
  difftest.py qemu FILE.elf                 the same under QEMU
  difftest.py capture                       regenerate tests/diff/regress/*.S from
      tests/diff/regress.list and their QEMU outputs tests/diff/expected/*.txt;
      says which of them axvm does not match yet (for KNOWN_FAILURES)

Ends with "N passed, N failed" (run). Needs qemu-system-riscv64 (not for axvm/build).
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
CROSS = os.environ.get("GUEST_CROSS", "riscv64-unknown-elf-")
CFLAGS = ["-march=rv64gc", "-mabi=lp64", "-mcmodel=medany", "-nostdlib", "-ffreestanding",
          "-fno-builtin", "-fno-stack-protector", "-fno-pic", "-O2", "-g",
          "-I" + os.path.join(ROOT, "guests/lib"), "-I" + os.path.join(ROOT, "guests/diff")]
LIB_CFLAGS = ["-march=rv64imac_zicsr_zifencei"] + CFLAGS[1:]
# guests/diff/diff.h: fixed addresses for the generated program, its data and the log
SECTIONS = ["-Wl,--section-start=.diffprog=0x80300000", "-Wl,--section-start=.diffdata=0x80340000",
            "-Wl,--section-start=.difflog=0x80350000", "-Wl,--section-start=.diffpt=0x80380000"]
LDFLAGS = SECTIONS + ["-nostdlib", "-static", "-Wl,--no-warn-rwx-segments",
           "-T", os.path.join(ROOT, "guests/lib/link.ld")]


def sh(cmd, timeout=None, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, **kw)


def runtime_objs(objdir):
    """Compile the guest library and the diff runtime once into objdir."""
    os.makedirs(objdir, exist_ok=True)
    srcs = []
    for d in ("guests/lib", "guests/diff"):
        for f in sorted(os.listdir(os.path.join(ROOT, d))):
            if f.endswith((".c", ".S")):
                srcs.append(os.path.join(ROOT, d, f))
    objs = []
    for s in srcs:
        o = os.path.join(objdir, os.path.basename(os.path.dirname(s)) + "_" +
                         os.path.basename(s) + ".o")
        if not os.path.exists(o) or os.path.getmtime(o) < os.path.getmtime(s):
            # only the runtime's assembly needs F/D; C stays rv64imac as in guests.mk
            flags = CFLAGS if s.endswith(".S") and "guests/diff" in s else LIB_CFLAGS
            r = sh([CROSS + "gcc"] + flags + ["-c", s, "-o", o + ".tmp"])
            if r.returncode:
                sys.exit("difftest: cannot build %s:\n%s" % (s, r.stdout.decode()))
            os.replace(o + ".tmp", o)
        objs.append(o)
    return objs


def build(src, elf, objs):
    o = elf + ".o"
    r = sh([CROSS + "gcc"] + CFLAGS + ["-c", src, "-o", o])
    if r.returncode == 0:
        r = sh([CROSS + "gcc"] + CFLAGS + LDFLAGS + ["-o", elf, o] + objs + ["-lgcc"])
    if os.path.exists(o):
        os.unlink(o)
    return r.returncode == 0, r.stdout.decode(errors="replace")


def extract(text):
    """The lines from DIFF-BEGIN to DIFF-END (the guest's own output)."""
    lines = text.replace("\r", "").split("\n")
    out = []
    on = False
    for line in lines:
        if line.startswith("DIFF-BEGIN"):
            on = True
        if on:
            out.append(line)
            if line == "DIFF-END":
                break
    return out


def run_qemu(elf, timeout=30):
    # Zfh (off in QEMU 7.2's rv64 by default) as our hart has it; Zba..Zbs are on.
    cmd = ["qemu-system-riscv64", "-M", "virt", "-cpu", "rv64,Zfh=true", "-m", "256M",
           "-bios", "default",
           "-nographic", "-monitor", "none", "-serial", "stdio", "-kernel", elf]
    try:
        r = sh(cmd, timeout=timeout, stdin=subprocess.DEVNULL)
        return extract(r.stdout.decode(errors="replace")), "exit %d" % r.returncode
    except subprocess.TimeoutExpired as e:
        return extract((e.stdout or b"").decode(errors="replace")), "timeout"


def axvm_bin():
    return os.environ.get("AXVM", os.path.join(ROOT, "build/axvm"))


def run_axvm(elf, timeout=30):
    cmd = [axvm_bin(), "run", "-k", elf, "--timeout", str(timeout)]
    try:
        r = sh(cmd, timeout=timeout + 5, stdin=subprocess.DEVNULL)
        return extract(r.stdout.decode(errors="replace")), "exit %d" % r.returncode
    except subprocess.TimeoutExpired as e:
        return extract((e.stdout or b"").decode(errors="replace")), "timeout"
    except OSError as e:
        return [], "cannot run %s: %s" % (cmd[0], e)


def first_diff(a, b):
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "<missing>"
        y = b[i] if i < len(b) else "<missing>"
        if x != y:
            return i
    return -1


def dump_range(lines, i):
    """Start and end (exclusive) of the dump ('B n' ... 'C ...') holding line i."""
    s = i
    while s > 0 and not lines[min(s, len(lines) - 1)].startswith("B "):
        s -= 1
    e = s + 1
    while e < len(lines) and not lines[e].startswith(("B ", "M", "DIFF-END")):
        e += 1
    return s, e


def block_of(lines, i):
    for j in range(min(i, len(lines) - 1), -1, -1):
        m = re.match(r"B (\d+)$", lines[j])
        if m:
            return int(m.group(1))
    return 0


def disasm_block(elf, block):
    """objdump of diff_block_<block> up to diff_block_<block+1>."""
    r = sh([CROSS + "nm", elf])
    syms = {}
    for line in r.stdout.decode().split("\n"):
        p = line.split()
        if len(p) == 3:
            syms[p[2]] = int(p[0], 16)
    a = syms.get("diff_block_%d" % block)
    b = syms.get("diff_block_%d" % (block + 1))
    if a is None or b is None:
        return "(no block %d in %s)" % (block, elf)
    r = sh([CROSS + "objdump", "-d", "--no-show-raw-insn" if False else "-w",
            "--start-address=0x%x" % a, "--stop-address=0x%x" % b, elf])
    out = []
    for line in r.stdout.decode().split("\n"):
        if re.match(r"\s+[0-9a-f]+:\s", line) or line.endswith(">:"):
            out.append(line)
    return "\n".join(out)


def report(elf, q, a, qstat, astat):
    """A mismatch, shrunk to its first differing dump."""
    i = first_diff(q, a)
    blk = block_of(q if i < len(q) else a, i)
    qs, qe = dump_range(q, i) if q else (0, 0)
    as_, ae = dump_range(a, i) if a else (0, 0)
    out = ["first difference at output line %d, dump B %d (qemu %s, axvm %s)" %
           (i + 1, blk, qstat, astat)]
    out.append("  qemu: %s" % (q[i] if i < len(q) else "<missing>"))
    out.append("  axvm: %s" % (a[i] if i < len(a) else "<missing>"))
    out.append("--- qemu dump B %d ---" % blk)
    out += q[qs:qe]
    out.append("--- axvm dump B %d ---" % blk)
    out += a[as_:ae]
    if i < len(q) and q[i].startswith("M"):
        out.append("(difference only in the final buffer contents)")
    else:
        out.append("--- instructions of block %d ---" % blk)
        out.append(disasm_block(elf, blk))
    return "\n".join(out)


GEN = os.path.join(HERE, "gen.py")


def gen(seed, classes, blocks, length, path):
    cmd = [sys.executable, GEN, "--seed", str(seed), "--classes",
           classes, "--blocks", str(blocks), "--len", str(length), "-o", path]
    r = sh(cmd)
    if r.returncode or not os.path.exists(path):
        raise RuntimeError("gen.py failed: " + r.stdout.decode())


def one(src, workdir, objs, keep_dir=None, name=None):
    """Build and run src on both; returns (status, detail). status: pass/fail/error."""
    name = name or os.path.splitext(os.path.basename(src))[0]
    elf = os.path.join(workdir, name + ".elf")
    ok, log = build(src, elf, objs)
    if not ok:
        return "error", "build failed:\n" + log
    q, qstat = run_qemu(elf)
    a, astat = run_axvm(elf)
    a = [l for l in a if not l.startswith("axvm: ")]  # the CLI's own messages
    complete = q and q[-1] == "DIFF-END"
    if q == a and complete:
        return "pass", ""
    if not complete and not q:
        detail = "qemu produced no output (%s)" % qstat
    elif q == a:
        # both stopped at the same point: the program itself never ends
        # (a generator bug), not a difference between the two
        return "error", "both hang after %d identical lines (qemu %s, axvm %s)" % (
            len(q), qstat, astat)
    else:
        detail = report(elf, q, a, qstat, astat)
    if keep_dir:
        os.makedirs(keep_dir, exist_ok=True)
        shutil.copy(src, os.path.join(keep_dir, name + ".S"))
        shutil.copy(elf, os.path.join(keep_dir, name + ".elf"))
        with open(os.path.join(keep_dir, name + ".qemu.txt"), "w") as f:
            f.write("\n".join(q) + "\n")
        with open(os.path.join(keep_dir, name + ".axvm.txt"), "w") as f:
            f.write("\n".join(a) + "\n")
        with open(os.path.join(keep_dir, name + ".report.txt"), "w") as f:
            f.write(detail + "\n")
    return "fail", detail


def parse_seeds(s):
    out = []
    for part in s.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += range(int(a), int(b) + 1)
        else:
            out.append(int(part))
    return out


def snapshot_axvm(work):
    """Run a copy: others may relink build/axvm while a long run goes on."""
    dst = os.path.join(work, "axvm")
    shutil.copy(axvm_bin(), dst)
    os.environ["AXVM"] = dst


def cmd_run(a):
    global GEN
    work = tempfile.mkdtemp(prefix="axvm-diff-")
    snapshot_axvm(work)
    # a long run keeps using the generator it started with
    shutil.copy(GEN, os.path.join(work, "gen.py"))
    GEN = os.path.join(work, "gen.py")
    objs = runtime_objs(os.path.join(work, "obj"))
    seeds = parse_seeds(a.seeds)
    passed = failed = 0

    def task(seed):
        src = os.path.join(work, "s%d.S" % seed)
        name = "%s-s%d" % (a.classes.replace(",", "+"), seed)
        try:
            gen(seed, a.classes, a.blocks, a.len, src)
            st, detail = one(src, work, objs, a.out, name)
        except (RuntimeError, OSError) as e:
            st, detail = "error", str(e)
        if os.path.exists(src):
            os.unlink(src)
        elf = os.path.join(work, name + ".elf")
        if os.path.exists(elf):
            os.unlink(elf)
        return seed, name, st, detail

    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        for seed, name, st, detail in ex.map(task, seeds):
            if st == "pass":
                passed += 1
                if a.verbose:
                    print("ok   %s" % name)
            else:
                failed += 1
                print("%s %s" % ("FAIL" if st == "fail" else "ERROR", name))
                if not a.quiet:
                    print("\n".join("    " + l for l in detail.split("\n")[:a.lines]))
            sys.stdout.flush()
    shutil.rmtree(work, ignore_errors=True)
    if failed and a.out:
        print("failing programs, outputs and reports kept in %s" % a.out)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def cmd_one(a):
    work = tempfile.mkdtemp(prefix="axvm-diff-")
    objs = runtime_objs(os.path.join(work, "obj"))
    src = a.file
    if src is None:
        src = os.path.join(work, "s%d.S" % a.seed)
        gen(a.seed, a.classes, a.blocks, a.len, src)
    st, detail = one(src, work, objs, a.out)
    print(st)
    if detail:
        print(detail)
    shutil.rmtree(work, ignore_errors=True)
    return 0 if st == "pass" else 1


def cmd_build(a):
    objdir = a.objdir or os.path.join(tempfile.gettempdir(), "axvm-diff-obj-%d" % os.getuid())
    objs = runtime_objs(objdir)
    ok, log = build(a.file, a.output, objs)
    if not ok:
        sys.stderr.write(log)
    return 0 if ok else 1


def cmd_show(a, fn):
    lines, st = fn(a.file)
    print("\n".join(lines))
    sys.stderr.write("(%s)\n" % st)
    return 0


def cmd_capture(a):
    work = tempfile.mkdtemp(prefix="axvm-diff-")
    objs = runtime_objs(os.path.join(work, "obj"))
    regdir = os.path.join(HERE, "regress")
    expdir = os.path.join(HERE, "expected")
    os.makedirs(regdir, exist_ok=True)
    os.makedirs(expdir, exist_ok=True)
    bad = 0
    with open(os.path.join(HERE, "regress.list")) as f:
        entries = [l.split() for l in f if l.strip() and not l.startswith("#")]
    for e in entries:
        name, seed = e[0], e[1]
        src = os.path.join(regdir, name + ".S")
        if seed != "-":  # "-": a hand-written program, kept as it is
            gen(int(seed), e[2], int(e[3]), int(e[4]), src)
        elf = os.path.join(work, name + ".elf")
        ok, log = build(src, elf, objs)
        if not ok:
            print("ERROR %s: build failed\n%s" % (name, log))
            bad += 1
            continue
        q, qstat = run_qemu(elf)
        if not q or q[-1] != "DIFF-END":
            print("ERROR %s: QEMU did not finish (%s)" % (name, qstat))
            bad += 1
            continue
        with open(os.path.join(expdir, name + ".txt"), "w") as f:
            f.write("\n".join(q) + "\n")
        ax, astat = run_axvm(elf)
        print("%-4s %s" % ("ok" if ax == q else "DIFF", name))
        if ax != q:
            print("\n".join("    " + l for l in report(elf, q, ax, qstat, astat).split("\n")[:40]))
    shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description="differential testing: QEMU vs axvm")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--seeds", default="1-100")
    r.add_argument("--classes", default="all")
    r.add_argument("--blocks", type=int, default=8)
    r.add_argument("--len", type=int, default=12)
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    r.add_argument("--out", default="/tmp/axvm-diff")
    r.add_argument("--lines", type=int, default=80, help="report lines per failure")
    r.add_argument("-q", "--quiet", action="store_true")
    r.add_argument("-v", "--verbose", action="store_true")
    o = sub.add_parser("one")
    o.add_argument("file", nargs="?")
    o.add_argument("--seed", type=int, default=1)
    o.add_argument("--classes", default="all")
    o.add_argument("--blocks", type=int, default=8)
    o.add_argument("--len", type=int, default=12)
    o.add_argument("--out", default=None)
    b = sub.add_parser("build")
    b.add_argument("file")
    b.add_argument("-o", "--output", required=True)
    b.add_argument("--objdir")
    sub.add_parser("capture")
    for n in ("axvm", "qemu"):
        s = sub.add_parser(n)
        s.add_argument("file")
    a = ap.parse_args()
    if a.cmd == "run":
        return cmd_run(a)
    if a.cmd == "one":
        return cmd_one(a)
    if a.cmd == "build":
        return cmd_build(a)
    if a.cmd == "capture":
        return cmd_capture(a)
    return cmd_show(a, run_axvm if a.cmd == "axvm" else run_qemu)


if __name__ == "__main__":
    sys.exit(main())
