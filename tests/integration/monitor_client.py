#!/usr/bin/env python3
"""Drive the monitor (axvm run --monitor unix:PATH) for tests/integration/
monitor.sh: text and JSON commands against the gdb guest spinning (-p spin).
Prints one "ok NAME" or "FAIL NAME: why" line per check."""
import json
import socket
import sys
import time

path = sys.argv[1]


def connect():
    for _ in range(100):
        try:
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.settimeout(20)
            c.connect(path)
            return c
        except OSError:
            time.sleep(0.1)
    raise SystemExit("FAIL monitor_connect: nothing listens on %s" % path)


s = connect()
f = s.makefile("r")


def text(cmd):
    """Send a text command; its lines up to and including ok / error."""
    s.sendall((cmd + "\n").encode())
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise SystemExit("FAIL monitor_closed: after %r" % cmd)
        line = line.rstrip("\n")
        lines.append(line)
        if line == "ok" or line.startswith("error:"):
            return lines


def js(obj):
    s.sendall((json.dumps(obj) + "\n").encode())
    return json.loads(f.readline())


def js_raw(line):
    s.sendall((line + "\n").encode())
    return json.loads(f.readline())


def check(name, ok, why):
    print(("ok   %s" % name) if ok else ("FAIL %s: %s" % (name, why)))


def pc_of(lines, vcpu):
    for line in lines:
        if line.startswith("vcpu %d:" % vcpu):
            return int(line.split(" pc ")[1].split()[0], 16)
    return None


r = text("info vcpus")
check("monitor_info_vcpus", r[-1] == "ok" and pc_of(r, 0) is not None and pc_of(r, 1) is not None, r)
# The gdb guest runs in S-mode: priv 1 on both vCPUs, in text and JSON.
check("monitor_info_vcpus_mode", sum(" priv 1 " in l for l in r) == 2, r)
jv = js({"execute": "query-vcpus"}).get("return", [])
check("monitor_json_vcpus", [v.get("priv") for v in jv] == [1, 1] and all("pc" in v for v in jv), jv)
check("monitor_stop", text("stop") == ["ok"], "stop failed")
check("monitor_status_suspended", js({"execute": "query-status"}) == {"return": {"status": "Suspended"}}, "not Suspended")
a = text("info registers 0")
time.sleep(0.2)
b = text("info registers 0")
check("monitor_registers_stand_still_while_stopped", a == b and len(a) > 33, "%s / %s" % (a[:3], b[:3]))
check("monitor_registers_by_name", any(l.startswith("pc ") for l in a) and any(l.startswith("sstatus ") for l in a), a)
regs = js({"execute": "query-registers", "arguments": {"vcpu": 0}})
check("monitor_json_registers", "pc" in regs.get("return", {}) and "a0" in regs["return"], regs)
check("monitor_cont", js({"execute": "cont"}) == {"return": {}}, "cont failed")
check("monitor_status_running", js({"execute": "query-status"}) == {"return": {"status": "Running"}}, "not Running")
time.sleep(0.1)
c = text("info registers 0")
check("monitor_guest_runs_after_cont", c != b, "registers unchanged")
st = text("info stats")
check("monitor_info_stats", st[-1] == "ok" and st[0].startswith("vcpu 0: run ") and
      any(l.startswith("    instret ") for l in st) and any(l.startswith("vcpu 1: run ") for l in st), st)
qs = js({"execute": "query-stats"}).get("return", {})
check("monitor_json_stats", len(qs.get("vcpus", [])) == 2 and qs["vcpus"][0]["counters"].get("instret", 0) > 0 and
      qs["vcpus"][0]["exits"].get("CpuUp") == 1 and isinstance(qs.get("devices"), list), qs)
bad = js_raw('{"execute": "stop"')
check("monitor_json_malformed", "error" in bad and "at byte" in bad["error"]["desc"], bad)
x = text("xp 0x80200000 20")
# _start's first instruction (guests/lib/start.S) is csrw sie, zero: 0x10401073.
check("monitor_xp_physical_memory", x[-1] == "ok" and len(x) == 3 and x[0].startswith("73 10 40 10 ") and
      len(x[0].split()) == 16 and len(x[1].split()) == 4, x)
check("monitor_xp_device_refused", text("xp 0x10000000 4")[-1].startswith("error:"), "read a device")
check("monitor_unknown_command", text("frobnicate")[-1].startswith("error:"), "no error")
check("monitor_bad_vcpu", text("info registers 9")[-1].startswith("error:"), "no error")
check("monitor_json_error", "error" in js({"execute": "frobnicate"}), "no error")
check("monitor_quit", js({"execute": "quit"}) == {"return": {}}, "quit failed")
