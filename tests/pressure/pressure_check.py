#!/usr/bin/env python3
"""Table pressure through `statewall replay`, on captures generated here (python3 stdlib).

1. max-sessions 1000: 300 idle established sessions, one active half-closed
   transfer, a 10 k-SYN flood from spoofed sources and ten legitimate
   connections during it.  Defaults (evict): every legitimate connection
   completes, the transfer ends tcp-fin with no late packet, no established
   or half-closed session is evicted.  table-full-action refuse: most
   legitimate connections are refused (the flood does fill the table).
2. A 10 k-SYN flood from one source with max-sessions-per-source 100, legitimate
   connections from other hosts during it (table-full-action refuse, so the
   quota alone keeps the table open).
3. Accelerated aging: N idle established sessions above and below the
   threshold, one speaking again just before and just after timeout / factor,
   for factors 2 and 4, and with aging off.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "analyze"))
from analyze_check import tcp, eth, SYN, FIN, ACK, PSH  # noqa: E402  (packet builders)

FAILS = []
T0 = 1700000000 * 1000000  # microseconds


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def write_pcap(path, pkts):
    """pkts: (time in us, frame); stable sort keeps the order of equal times."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame in sorted(pkts, key=lambda p: p[0]):
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(frame), len(frame)))
            f.write(frame)


def s(x):
    """seconds -> capture time in us"""
    return T0 + int(round(x * 1e6))


def conn(pk, c, cp, srv, sp, t, close=True, data=b"GET /\r\n"):
    """A complete connection from c:cp to srv:sp starting at t (s): 3WHS, request, reply, FINs."""
    seq = [1000, 5000]
    pk.append((s(t), eth(tcp(c, srv, cp, sp, seq[0], 0, SYN))))
    pk.append((s(t + 0.001), eth(tcp(srv, c, sp, cp, seq[1], seq[0] + 1, SYN | ACK))))
    pk.append((s(t + 0.002), eth(tcp(c, srv, cp, sp, seq[0] + 1, seq[1] + 1, ACK))))
    pk.append((s(t + 0.003), eth(tcp(c, srv, cp, sp, seq[0] + 1, seq[1] + 1, PSH | ACK, data))))
    pk.append((s(t + 0.004), eth(tcp(srv, c, sp, cp, seq[1] + 1, seq[0] + 1 + len(data),
                                     PSH | ACK, b"ok"))))
    if not close:
        return
    a, b = seq[0] + 1 + len(data), seq[1] + 3
    pk.append((s(t + 0.005), eth(tcp(c, srv, cp, sp, a, b, FIN | ACK))))
    pk.append((s(t + 0.006), eth(tcp(srv, c, sp, cp, b, a + 1, FIN | ACK))))
    pk.append((s(t + 0.007), eth(tcp(c, srv, cp, sp, a + 1, b + 1, ACK))))


def idle_sessions(pk, n, t=0.0):
    """n established sessions from 10.1.x.y, silent after t + 0.004."""
    for i in range(n):
        conn(pk, "10.1.%d.%d" % (i // 250, 1 + i % 250), 20000 + i, "10.200.0.1", 80,
             t + i * 0.01, close=False)


def half_closed_transfer(pk, t0, t1):
    """Client 10.2.0.1 sends its request and FIN at t0; the server streams until t1, then FINs."""
    c, srv, cp, sp = "10.2.0.1", "10.200.0.2", 5000, 8080
    pk.append((s(t0), eth(tcp(c, srv, cp, sp, 100, 0, SYN))))
    pk.append((s(t0 + 0.001), eth(tcp(srv, c, sp, cp, 900, 101, SYN | ACK))))
    pk.append((s(t0 + 0.002), eth(tcp(c, srv, cp, sp, 101, 901, ACK))))
    pk.append((s(t0 + 0.003), eth(tcp(c, srv, cp, sp, 101, 901, FIN | ACK))))
    pk.append((s(t0 + 0.004), eth(tcp(srv, c, sp, cp, 901, 102, ACK))))
    seq, t, n = 901, t0 + 0.5, 0
    while t < t1:
        pk.append((s(t), eth(tcp(srv, c, sp, cp, seq, 102, PSH | ACK, b"x" * 100))))
        seq += 100
        pk.append((s(t + 0.001), eth(tcp(c, srv, cp, sp, 102, seq, ACK))))
        t += 0.5
        n += 2
    pk.append((s(t1), eth(tcp(srv, c, sp, cp, seq, 102, FIN | ACK))))
    pk.append((s(t1 + 0.001), eth(tcp(c, srv, cp, sp, 102, seq + 1, ACK))))
    return n + 7


def syn_flood(pk, n, t, spacing, one_source=None):
    for i in range(n):
        src = one_source or "172.16.%d.%d" % (i // 250, 1 + i % 250)
        sport = 1024 + (i % 60000)
        pk.append((s(t + i * spacing), eth(tcp(src, "10.200.0.1", sport, 80, 7777 + i, 0, SYN))))


def replay(binp, cap, sets):
    args = [binp, "replay", "-q", "--json", "--log", "-"]
    for x in sets:
        args += ["--set", x]
    p = subprocess.run(args + [cap], capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stderr[-2000:])
    lines = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    # the summary is the last object; the log lines come before it
    summ = lines[-1] if lines and "packets" in lines[-1] else {}
    return summ, [x for x in lines if "end_reason" in x and "id" in x]


def legit_done(log, prefix):
    return [x for x in log if x["orig_h"].startswith(prefix) and x["end_reason"] == "tcp-fin" and
            x["conn_state"] == "SF"]


def test_flood(binp, tmp):
    cap = os.path.join(tmp, "flood.pcap")
    pk = []
    idle_sessions(pk, 300, 0.0)
    hc_pkts = half_closed_transfer(pk, 1.0, 130.0)
    syn_flood(pk, 10000, 100.0, 0.0002)  # 5000 SYN/s for 2 s
    for i in range(10):
        conn(pk, "10.3.0.%d" % (i + 1), 6000 + i, "10.200.0.3", 443, 100.1 + i * 0.18)
    write_pcap(cap, pk)

    summ, log = replay(binp, cap, ["max-sessions=1000"])
    done = legit_done(log, "10.3.0.")
    check(len(done) == 10, "flood, evict: all 10 legitimate connections complete (got %d)" % len(done))
    hc = [x for x in log if x["orig_h"] == "10.2.0.1"]
    check(len(hc) == 1 and hc[0]["end_reason"] == "tcp-fin" and hc[0]["late_pkts"] == 0 and
          hc[0]["orig_pkts"] + hc[0]["resp_pkts"] == hc_pkts,
          "flood, evict: the half-closed transfer ends tcp-fin, %d packets, no late packet (%s)" %
          (hc_pkts, [(x["end_reason"], x["late_pkts"], x["orig_pkts"] + x["resp_pkts"]) for x in hc]))
    idle = [x for x in log if x["orig_h"].startswith("10.1.")]
    check(len(idle) == 300 and all(x["end_reason"] == "end-of-capture" for x in idle),
          "flood, evict: the 300 idle established sessions live to the end of the capture")
    ev = [x for x in log if x["end_reason"] == "evicted"]
    # 10 010 new sessions into the 1000 - 300 - 1 free slots: all but 699 take one's place
    check(len(ev) == 10010 - 699 and all(x["evict_class"] == "unestablished" and
                                         x["orig_h"].startswith("172.16.") for x in ev),
          "flood, evict: %d evicted (10010 - 699), every one a flood SYN (unestablished)" % len(ev))
    er = summ.get("sessions", {}).get("end_reasons", {})
    check(er.get("evicted") == len(ev) and summ["packets"]["drop_reasons"].get(
        "resources-unavailable", 0) == 0,
          "flood, evict: the summary counts %s evicted, nothing refused" % er.get("evicted"))

    summ, log = replay(binp, cap, ["max-sessions=1000", "table-full-action=refuse"])
    done = legit_done(log, "10.3.0.")
    refused = summ["packets"]["drop_reasons"].get("resources-unavailable", 0)
    check(len(done) == 1 and refused == 10010 - 699,
          "flood, refuse: %d of 10 legitimate connections complete, %d packets refused" %
          (len(done), refused))


def test_one_source(binp, tmp):
    cap = os.path.join(tmp, "one-source.pcap")
    pk = []
    idle_sessions(pk, 300, 0.0)
    syn_flood(pk, 10000, 100.0, 0.0002, one_source="172.16.9.9")
    for i in range(10):
        conn(pk, "10.3.0.%d" % (i + 1), 6000 + i, "10.200.0.3", 443, 100.1 + i * 0.18)
    write_pcap(cap, pk)
    sets = ["max-sessions=1000", "table-full-action=refuse", "max-sessions-per-source=100"]
    summ, log = replay(binp, cap, sets)
    done = legit_done(log, "10.3.0.")
    dr = summ["packets"]["drop_reasons"]
    check(len(done) == 10, "one source, quota 100: all 10 legitimate connections complete (got %d)"
          % len(done))
    # 100 at a time; tcpinit (5 s) outlives the 2 s flood, so none frees a slot
    check(dr.get("source-quota-exceeded") == 9900 and dr.get("resources-unavailable", 0) == 0,
          "one source, quota 100: 9900 SYNs dropped source-quota-exceeded, none refused (%s)" % dr)
    summ, log = replay(binp, cap, sets[:2])
    check(len(legit_done(log, "10.3.0.")) <= 2,
          "one source, no quota, refuse: the flood locks legitimate connections out (%d complete)"
          % len(legit_done(log, "10.3.0.")))


def test_accelerated(binp, tmp):
    def case(n, t, sets):
        cap = os.path.join(tmp, "accel.pcap")
        pk = []
        for i in range(n):
            conn(pk, "10.1.0.%d" % (i + 1), 30000, "10.200.0.1", 80, 0.0, close=False)
            if i:  # the others speak at 10 s: none is due before the first
                pk.append((s(10.0), eth(tcp("10.1.0.%d" % (i + 1), "10.200.0.1", 30000, 80,
                                            1008, 5003, ACK))))
        # the first one speaks again at t: its last packet was at 0.004
        pk.append((s(0.004 + t), eth(tcp("10.1.0.1", "10.200.0.1", 30000, 80, 1008, 5003, ACK))))
        write_pcap(cap, pk)
        summ, log = replay(binp, cap, ["max-sessions=100"] + sets)
        first = [x for x in log if x["orig_h"] == "10.1.0.1"]
        return first[0] if first else None

    for factor in (2, 4):
        limit = 3600.0 / factor
        sets = ["accelerated-aging-scaling-factor=%d" % factor]
        a = case(85, limit, sets)
        check(a and a["end_reason"] == "end-of-capture" and a["late_pkts"] == 0,
              "accelerated, 85 of 100, factor %d: alive when it speaks after exactly %g s" %
              (factor, limit))
        a = case(85, limit + 0.001, sets)
        check(a and a["end_reason"] == "aged-out" and a["timer"] == "timeout-tcp" and
              a["accel_factor"] == factor and a["late_pkts"] == 1 and
              abs(a["duration"] - (0.004 + limit + 0.001)) < 1e-6,
              "accelerated, 85 of 100, factor %d: aged out at %g s + 1 ms, accel_factor %d (%s)" %
              (factor, limit, factor, a and (a["end_reason"], a["accel_factor"], a["duration"])))
    a = case(75, 1800.001, [])
    check(a and a["end_reason"] == "end-of-capture" and a["accel_factor"] is None,
          "accelerated, 75 of 100 (below 80 %): alive after 1800.001 s")
    a = case(85, 1800.001, ["accelerated-aging=no"])
    check(a and a["end_reason"] == "end-of-capture",
          "accelerated-aging no, 85 of 100: alive after 1800.001 s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        test_flood(a.bin, tmp)
        test_one_source(a.bin, tmp)
        test_accelerated(a.bin, tmp)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)


if __name__ == "__main__":
    main()
