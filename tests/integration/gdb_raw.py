#!/usr/bin/env python3
"""A raw GDB remote protocol client for tests/integration/gdb.sh: what gdb
-batch cannot do (Ctrl-C while the guest runs, guest time across a stop).

Usage: gdb_raw.py PORT HOLD_ADDR (the gdb guest) or gdb_raw.py PORT linux
(the Linux fixture: stop it once its MMU is on, read and step kernel code by
virtual address). Prints one "ok NAME" or "FAIL NAME: why" line per check."""
import socket
import sys
import time

port = int(sys.argv[1])
linux = sys.argv[2] == "linux"
hold = 0 if linux else int(sys.argv[2], 16)
TIME_REG = 65 + 0xC01  # the time CSR, by GDB's numbering (csr n = 65 + n)
SATP_REG = 65 + 0x180
PC_REG = 32


def connect():
    for _ in range(100):
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=20)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle waits
            return c
        except OSError:
            time.sleep(0.1)
    raise SystemExit("FAIL gdb_raw_connect: nothing listens on %d" % port)


s = connect()
buf = b""


def send(p):
    s.sendall(b"$%s#%02x" % (p.encode(), sum(p.encode()) & 0xFF))


def recv():
    global buf
    while True:
        start = buf.find(b"$")
        end = buf.find(b"#", start + 1) if start >= 0 else -1
        if start >= 0 and end >= 0 and len(buf) >= end + 3:
            payload = buf[start + 1:end]
            want = int(buf[end + 1:end + 3], 16)
            buf = buf[end + 3:]
            if sum(payload) & 0xFF != want:
                raise SystemExit("FAIL gdb_raw_checksum: %r" % payload)
            s.sendall(b"+")
            return payload.decode()
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("FAIL gdb_raw_closed: the stub closed the connection")
        buf += chunk


def ask(p):
    send(p)
    return recv()


def reg(n):
    return int.from_bytes(bytes.fromhex(ask("p%x" % n)), "little")


def check(name, ok, why):
    print(("ok   %s" % name) if ok else ("FAIL %s: %s" % (name, why)))


def linux_checks():
    """The kernel under way: its own page table, code read and stepped by VA."""
    r = ask("?")
    check("gdb_linux_stopped_on_attach", r.startswith("T05"), r)
    # Stop it early (it powers off within a second), again until its MMU is on.
    for _ in range(50):
        send("c")
        time.sleep(0.05)
        s.sendall(b"\x03")
        r = recv()
        satp, pc = reg(SATP_REG), reg(PC_REG)
        if not r.startswith("T02") or satp >> 60:
            break
    check("gdb_linux_ctrl_c", r.startswith("T02"), r)
    check("gdb_linux_mmu_on", satp >> 60 in (8, 9), "satp 0x%x" % satp)
    check("gdb_linux_kernel_va", pc >> 63 == 1, "pc 0x%x" % pc)
    code = ask("m%x,4" % pc)
    check("gdb_linux_read_code_by_va", len(code) == 8 and not code.startswith("E"), code)
    r = ask("vCont;s:1")
    pc2 = reg(PC_REG)
    check("gdb_linux_step", r.startswith("T05") and pc2 != pc, "%s pc 0x%x -> 0x%x" % (r, pc, pc2))
    check("gdb_linux_break_set", ask("Z1,%x,4" % pc2) == "OK", "Z1 failed")
    check("gdb_linux_break_cleared", ask("z1,%x,4" % pc2) == "OK", "z1 failed")
    check("gdb_linux_detach", ask("D") == "OK", "D failed")
    s.close()
    sys.exit(0)


if linux:
    linux_checks()

r = ask("?")
check("gdb_raw_stopped_on_attach", r.startswith("T05thread:1;"), r)
r = ask("qSupported:swbreak+;hwbreak+")
check("gdb_raw_qsupported", "qXfer:features:read+" in r and "PacketSize=" in r, r)
check("gdb_raw_bad_packet_empty_reply", ask("vNoSuchThing") == "", "not empty")
check("gdb_raw_bad_memory_is_an_error", ask("m0,8").startswith("E"), "read of address 0 worked")
# Malformed and hostile packets: each gets an answer (an error or empty), none kills the stub.
hostile = ["vCont;", "H", "Hg", "Z9,0,0", "Z", "z0", "m", "m1,", "M0,4:zz", "X0,ffff:",
           "p", "pzz", "P20=", "G12", "qXfer:features:read:target.xml:zz",
           "qXfer:features:read:other.xml:0,10", "T999", "Hgffffffffffffffffff",
           "m80200000,ffffffffffff", "M80200000,100000:00", "", "q" * 4000]
answers = [ask(h) for h in hostile]
check("gdb_raw_hostile_packets_answered", all(a == "" or a.startswith("E") or a == "OK" or
                                              a.startswith("l") or len(a) > 0 for a in answers),
      answers)
check("gdb_raw_still_alive", ask("?").startswith("T05"), "no stop reply after hostile input")
t0 = reg(TIME_REG)
time.sleep(0.3)
t1 = reg(TIME_REG)
check("gdb_raw_guest_time_stops_while_stopped", t0 == t1, "time %d then %d" % (t0, t1))
check("gdb_raw_hold_write", ask("M%x,4:01000000" % hold) == "OK", "M failed")
send("c")
time.sleep(0.3)
s.sendall(b"\x03")
r = recv()
check("gdb_raw_ctrl_c_stops", r.startswith("T02thread:1;"), r)
t2 = reg(TIME_REG)
check("gdb_raw_guest_time_ran_while_running", t2 > t1, "time %d then %d" % (t1, t2))
pc = reg(PC_REG)
check("gdb_raw_ctrl_c_in_the_hold_loop", 0x80200000 <= pc < 0x80210000, "pc 0x%x" % pc)
check("gdb_raw_release", ask("M%x,4:00000000" % hold) == "OK", "M failed")
check("gdb_raw_detach", ask("D") == "OK", "D failed")
s.close()
