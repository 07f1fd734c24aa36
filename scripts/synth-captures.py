#!/usr/bin/env python3
"""synth-captures.py - write the synthetic reference captures of data/captures.

Conversations no lab recording can produce on demand: an off-path attack timed
against a Linux stack's challenge-ACK rate limit, and a connection idle for 26
days.  Every frame is Ethernet + IPv4 + TCP with correct checksums, classic
pcap with microsecond stamps; the output is deterministic, so re-running the
script reproduces the committed files byte for byte.

    scripts/synth-captures.py [OUT_DIR]      (default data/captures)

rst-syn-attack.pcap (issue 10 item 10): an idle SSH-like connection; 10 s in,
an off-path host with the 4-tuple sends a SYN (the server answers with a
challenge ACK, RFC 5961 4.2, which spends its one-per-500-ms budget) and then
an in-window RST with an inexact sequence number, which the server, rate
limited, leaves unanswered.  The client types again 60 s later; the
connection then closes with FINs.

idle-26-days.pcap (issue 10 item 11): a connection exchanges data, then the
client sends its next segment 26 days later (past the 24.8-day wrap of
32-bit millisecond ticks) and retransmits it once.
"""
import os, struct, sys

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip4(a):
    return bytes(int(x) for x in a.split("."))

FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16

def frame(src, dst, sport, dport, flags, seq, ack, payload=0, win=65535, ipid=0):
    data = bytes((i * 7 + 3) & 0xff for i in range(payload))
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      5 << 4, flags, win, 0, 0) + data
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ipid, 0x4000, 64, 6, 0,
                     ip4(src), ip4(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    return eth + ip + tcp

class Conv:
    """One TCP connection; seq/ack are relative to each side's ISN."""
    def __init__(self, c, s, cport, sport, cisn, sisn):
        self.c, self.s, self.cport, self.sport = c, s, cport, sport
        self.cisn, self.sisn, self.pkts, self.ipid = cisn, sisn, [], 1

    def add(self, t, c2s, flags, rseq, rack, payload=0):
        if c2s:
            f = frame(self.c, self.s, self.cport, self.sport, flags, self.cisn + rseq,
                      self.sisn + rack if flags & ACK else 0, payload, ipid=self.ipid)
        else:
            f = frame(self.s, self.c, self.sport, self.cport, flags, self.sisn + rseq,
                      self.cisn + rack if flags & ACK else 0, payload, ipid=self.ipid)
        self.ipid += 1
        self.pkts.append((t, f))

def write(path, t0, pkts):
    with open(path, "wb") as w:
        w.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t, f in pkts:
            us = round(t * 1e6)
            w.write(struct.pack("<IIII", t0 + us // 1000000, us % 1000000, len(f), len(f)) + f)

def handshake(cv, req, resp):
    cv.add(0.000, 1, SYN, 0, 0)
    cv.add(0.010, 0, SYN | ACK, 0, 1)
    cv.add(0.020, 1, ACK, 1, 1)
    cv.add(0.030, 1, PSH | ACK, 1, 1, req)
    cv.add(0.040, 0, PSH | ACK, 1, 1 + req, resp)
    cv.add(0.050, 1, ACK, 1 + req, 1 + resp)

T0 = 1764547200  # 2025-12-01 00:00:00 UTC

def rst_syn_attack():
    cv = Conv("192.0.2.10", "198.51.100.20", 43210, 22, 1000000, 2000000)
    handshake(cv, 100, 200)
    cv.add(10.000, 1, SYN, 101 + 50000, 0)  # the attacker's SYN, anywhere in the space
    cv.add(10.001, 0, ACK, 201, 101)        # the server's challenge ACK
    cv.add(10.002, 1, RST, 101 + 3000, 0)   # in window, not the next sequence number
    cv.add(70.000, 1, PSH | ACK, 101, 201, 100)
    cv.add(70.010, 0, PSH | ACK, 201, 201, 100)
    cv.add(70.020, 1, ACK, 201, 301)
    cv.add(71.000, 1, FIN | ACK, 201, 301)
    cv.add(71.010, 0, FIN | ACK, 301, 202)
    cv.add(71.020, 1, ACK, 202, 302)
    return cv.pkts

def idle_26_days():
    cv = Conv("192.0.2.11", "198.51.100.21", 50000, 443, 3000000, 4000000)
    handshake(cv, 100, 300)
    later = 26 * 86400.0
    cv.add(later, 1, PSH | ACK, 101, 301, 100)
    cv.add(later + 1.0, 1, PSH | ACK, 101, 301, 100)
    return cv.pkts

def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "data", "captures")
    write(os.path.join(out, "rst-syn-attack.pcap"), T0, rst_syn_attack())
    write(os.path.join(out, "idle-26-days.pcap"), T0, idle_26_days())

if __name__ == "__main__":
    main()
