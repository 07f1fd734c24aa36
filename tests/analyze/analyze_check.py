#!/usr/bin/env python3
"""Checks for `statewall analyze` (python3 stdlib only).

Builds crafted captures with known gaps at run time, runs the analyzer, and
asserts the facts it measures, the values it recommends, the replays that
verify them, and that the plot it draws is a real image (PNG decoded, SVG
parsed).  Also checks the bundled real half-close capture against an
independent reading of the pcap and against `statewall replay`, and the
real mixed-traffic capture from ../shared for speed and consistency.
"""
import argparse
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zlib

FAILS = []
PLOT = True  # the build has --plot (SW_WITH_PLOT); main() reads it from the build's cache


def plot_args(path):
    return ["--plot", path] if PLOT else []


def check(cond, what):
    if cond:
        print("ok   " + what)
    else:
        print("FAIL " + what)
        FAILS.append(what)


def near(a, b, tol=1e-4):
    return a is not None and abs(a - b) <= tol


# ---- a tiny pcap writer -------------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ipv4(src, dst, proto, payload):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0,
                      ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def tcp(src, dst, sp, dp, seq, ack, flags, data=b"", win=65535):
    off = 5 << 4
    h = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off, flags, win, 0, 0)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(h) + len(data))
    c = csum(pseudo + h + data)
    h = h[:16] + struct.pack("!H", c) + h[18:]
    return ipv4(src, dst, 6, h + data)


def udp(src, dst, sp, dp, data):
    h = struct.pack("!HHHH", sp, dp, 8 + len(data), 0)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, 8 + len(data))
    c = csum(pseudo + h + data) or 0xFFFF
    h = h[:6] + struct.pack("!H", c)
    return ipv4(src, dst, 17, h + data)


def icmp_echo(src, dst, typ, ident, seq, data=b"x" * 16):
    h = struct.pack("!BBHHH", typ, 0, 0, ident, seq)
    c = csum(h + data)
    h = h[:2] + struct.pack("!H", c) + h[4:]
    return ipv4(src, dst, 1, h + data)


def eth(ip):
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip


def write_pcap(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame in sorted(pkts, key=lambda p: p[0]):
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)


SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
T0 = 1700000000.0
C, S, D, P = "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"


def crafted():
    """One half-closed TCP session, one UDP flow, one ICMP echo flow, known gaps."""
    pk = []
    c0, s0 = 1000, 50000
    cs = lambda t, seq, ack, fl, data=b"": pk.append((T0 + t, eth(tcp(C, S, 40000, 80, seq, ack, fl, data))))
    sc = lambda t, seq, ack, fl, data=b"": pk.append((T0 + t, eth(tcp(S, C, 80, 40000, seq, ack, fl, data))))
    cs(0.000, c0, 0, SYN)
    sc(0.100, s0, c0 + 1, SYN | ACK)
    cs(0.200, c0 + 1, s0 + 1, ACK)
    cs(0.300, c0 + 1, s0 + 1, PSH | ACK, b"q" * 100)
    sc(0.400, s0 + 1, c0 + 101, ACK)
    cs(7.700, c0 + 101, s0 + 1, PSH | ACK, b"r" * 50)          # established gap 7.3 s
    sc(7.800, s0 + 1, c0 + 151, ACK)
    cs(8.000, c0 + 151, s0 + 1, FIN | ACK)                     # first FIN, by the client
    s = s0 + 1
    for t in (8.500, 11.500, 17.000):                          # half-closed gaps 2.99 and 5.49 s (after the ACKs)
        sc(t, s, c0 + 152, PSH | ACK, b"d" * 200)
        s += 200
        cs(t + 0.010, c0 + 152, s, ACK)
    sc(19.250, s, c0 + 152, FIN | ACK)                         # second FIN
    cs(19.500, c0 + 152, s + 1, ACK)                           # last packet: 11.5 s after the FIN
    # UDP: gaps 0.5, 2.5, 4.2, 0.3 -> longest 4.2 s
    for t in (0.5, 1.0, 3.5, 7.7, 8.0):
        pk.append((T0 + t, eth(udp(C, D, 5353, 53, b"u" * 20))))
    # ICMP echo: request/reply, then again after 1.7 s
    for i, t in enumerate((1.0, 2.71)):
        pk.append((T0 + t, eth(icmp_echo(C, P, 8, 77, i))))
        pk.append((T0 + t + 0.01, eth(icmp_echo(P, C, 0, 77, i))))
    return pk


class Conn:
    """One TCP connection between (a, ap) and (b, bp) with its sequence numbers."""

    def __init__(self, pk, a, ap, b, bp, isn=1000, risn=50000):
        self.pk, self.a, self.ap, self.b, self.bp = pk, a, ap, b, bp
        self.seq, self.rseq = isn, risn

    def cs(self, t, fl, data=b""):
        self.pk.append((T0 + t, eth(tcp(self.a, self.b, self.ap, self.bp, self.seq, self.rseq,
                                        fl, data))))
        self.seq += len(data) + (1 if fl & (SYN | FIN) else 0)

    def sc(self, t, fl, data=b""):
        self.pk.append((T0 + t, eth(tcp(self.b, self.a, self.bp, self.ap, self.rseq, self.seq,
                                        fl, data))))
        self.rseq += len(data) + (1 if fl & (SYN | FIN) else 0)

    def open(self, t, data=b""):
        """Handshake at t (1 ms steps), then a request and its ACK if data."""
        self.cs(t, SYN)
        self.sc(t + 0.001, SYN | ACK)
        self.cs(t + 0.002, ACK)
        if data:
            self.cs(t + 0.003, PSH | ACK, data)
            self.sc(t + 0.004, ACK)

    def talk(self, t, data=b"x" * 40):
        self.cs(t, PSH | ACK, data)
        self.sc(t + 0.001, ACK)

    def close(self, t):
        self.cs(t, FIN | ACK)
        self.sc(t + 0.001, FIN | ACK)
        self.cs(t + 0.002, ACK)


def pressure_aging():
    """A victim and a pile of half-closed sessions that a raised half-closed timer keeps.

    The victim (10.2.0.1 -> 10.2.255.1:22) is established and idle 39 s, then 45 s
    (t 40 -> 85), then closes.  90 sessions half-close at once and stay silent,
    one every 0.5 s from t 10 to 54.5 (10.2.1.x / 10.2.2.x -> :80).  With
    half-closed 5 s about 10 are live at a time; with 120 s they pile up past
    80 % of max-sessions 100 at t 49 and stay there until the accelerated
    half-closed timer (60 s) starts retiring the oldest at t 70.  A UDP flow
    (10.2.0.9 -> :123) sends every 0.25 s from t 0 to 100, so the replay's clock
    never jumps over those moments.
    """
    pk = [(T0 + i * 0.25, eth(udp("10.2.0.9", "10.2.255.3", 123, 123, b"t" * 48)))
          for i in range(401)]
    v = Conn(pk, "10.2.0.1", 40000, "10.2.255.1", 22)
    v.open(0.0, b"hello")
    v.talk(1.0)
    v.talk(40.0)
    v.talk(85.0)
    v.close(86.0)
    for i in range(90):
        t = 10.0 + i * 0.5
        h = Conn(pk, "10.2.%d.%d" % (1 + i // 200, 1 + i % 200), 41000 + i, "10.2.255.2", 80)
        h.open(t)
        h.cs(t + 0.003, FIN | ACK)
        h.sc(t + 0.004, ACK)
    return pk


def pressure_fill():
    """40 idle established sessions, then 30 new connections: more than max-sessions 50.

    The 40 (10.3.0.x -> 10.3.255.1:443) open at t 0 .. 0.39, talk once, are
    silent until t 200, talk and close.  At t 100 .. 100.29 (10 ms apart) 30 new
    connections (10.4.0.x -> 10.3.255.2:443) open, talk, and close at t 102.
    """
    pk = []
    old = []
    for i in range(40):
        c = Conn(pk, "10.3.0.%d" % (1 + i), 42000 + i, "10.3.255.1", 443)
        c.open(i * 0.01, b"q" * 30)
        old.append(c)
    for i, c in enumerate(old):
        c.talk(200.0 + i * 0.01)
        c.close(201.0 + i * 0.01)
    for i in range(30):
        c = Conn(pk, "10.4.0.%d" % (1 + i), 43000 + i, "10.3.255.2", 443)
        c.open(100.0 + i * 0.01, b"r" * 30)
        c.close(102.0 + i * 0.01)
    return pk


# ---- image checks ------------------------------------------------------------------

def tunnelled():
    """Two half-closed TCP connections inside tunnels (issue 13: tunnel-inspect).

    10.9.0.1:40000 -> 10.9.0.2:80 rides VXLAN (UDP 4789, Ethernet inside) between
    192.0.2.1 and 192.0.2.2; 10.9.1.1:40001 -> 10.9.1.2:8080 rides plain GRE
    between 198.51.100.1 and .2.  In each the client sends its request and a FIN
    at 1 s; the server answers at 2 s, then again at 42 s (41 s after the FIN),
    and closes at 43 s: half-closed fixed 30 s breaks both.
    """
    pk = []

    def vxlan(c2s, inner):
        o = ("192.0.2.1", "192.0.2.2") if c2s else ("192.0.2.2", "192.0.2.1")
        return eth(udp(o[0], o[1], 49152, 4789, bytes.fromhex("0800000000000100") + eth(inner)))

    def gre(c2s, inner):
        o = ("198.51.100.1", "198.51.100.2") if c2s else ("198.51.100.2", "198.51.100.1")
        return eth(ipv4(o[0], o[1], 47, bytes.fromhex("00000800") + inner))

    for wrap, (c, s, cp, sp) in ((vxlan, ("10.9.0.1", "10.9.0.2", 40000, 80)),
                                 (gre, ("10.9.1.1", "10.9.1.2", 40001, 8080))):
        inner = []
        k = Conn(inner, c, cp, s, sp)
        k.open(0.0, b"GET")
        k.cs(1.0, FIN | ACK)
        k.sc(1.001, ACK)
        for t in (2.0, 42.0):
            k.sc(t, PSH | ACK, b"d" * 100)
            k.cs(t + 0.001, ACK)
        k.sc(43.0, FIN | ACK)
        k.cs(43.001, ACK)
        for t, frame in inner:
            ip = frame[14:]
            pk.append((t, wrap(ip[12:16] == bytes(map(int, c.split("."))), ip)))
    return pk


def png_decode(path):
    """Return (width, height, rows of RGBA bytes); raises on anything invalid."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
    pos, idat, ihdr, chunks = 8, b"", None, []
    while pos < len(data):
        n, typ = struct.unpack("!I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc, = struct.unpack("!I", data[pos + 8 + n:pos + 12 + n])
        assert zlib.crc32(typ + body) & 0xFFFFFFFF == crc, "chunk CRC of " + typ.decode()
        chunks.append(typ)
        if typ == b"IHDR":
            ihdr = struct.unpack("!IIBBBBB", body)
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND", "chunk order"
    w, h, depth, ctype, _, _, interlace = ihdr
    assert depth == 8 and ctype in (2, 6) and interlace == 0, "8-bit RGB(A), not interlaced"
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = w * bpp
    assert len(raw) == h * (stride + 1), "decompressed size"
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        assert f <= 4, "filter type"
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 0xFF
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def check_png(*args):
    if PLOT:
        check_png_file(*args)


def check_png_file(path, label, want_broken):
    try:
        w, h, bpp, rows = png_decode(path)
    except Exception as e:  # noqa: BLE001 - report any decoding failure
        check(False, "%s: PNG decodes (%s)" % (label, e))
        return
    check((w, h) == (1100, 760), "%s: PNG is 1100x760 (got %dx%d)" % (label, w, h))
    white = blue = red = 0
    for r in rows:
        for x in range(0, len(r), bpp):
            px = r[x:x + 3]
            if px == b"\xff\xff\xff":
                white += 1
            elif abs(px[0] - 31) < 12 and abs(px[1] - 120) < 12 and abs(px[2] - 181) < 12:
                blue += 1           # the "current" setting's colour
            elif px[0] > 150 and px[1] < 90 and px[2] < 90:
                red += 1            # red marks: the last palette colour, the legend triangle
    total = w * h
    check(white > total * 0.5, "%s: mostly white background (%d%%)" % (label, 100 * white // total))
    check(blue > 200, "%s: the current setting's curve is drawn (%d px)" % (label, blue))
    check(red > 20, "%s: red marks drawn (%d px)" % (label, red))
    _ = want_broken


def check_svg(*args):
    if PLOT:
        check_svg_file(*args)


def check_svg_file(path, label):
    try:
        root = ET.parse(path).getroot()
    except Exception as e:  # noqa: BLE001
        check(False, "%s: SVG parses as XML (%s)" % (label, e))
        return
    check(root.tag.endswith("svg"), "%s: root element is <svg>" % label)
    check(root.get("width", "").startswith("1100") and root.get("height", "").startswith("760"),
          "%s: SVG size 1100x760" % label)
    paths = [e for e in root.iter() if e.tag.endswith("path")]
    uses = [e for e in root.iter() if e.tag.endswith("use") or e.tag.endswith("text")]
    check(len(paths) > 20, "%s: SVG has drawing paths (%d)" % (label, len(paths)))
    check(len(uses) > 20, "%s: SVG has text glyphs (%d)" % (label, len(uses)))


# ---- helpers ---------------------------------------------------------------------------

def analyze(binp, args):
    t = time.monotonic()
    p = subprocess.run([binp, "analyze", "-q"] + args, capture_output=True, text=True)
    dt = time.monotonic() - t
    if p.returncode != 0:
        print(p.stdout[-3000:], p.stderr[-3000:])
    return p, dt


def setting(js, name):
    for s in js["settings"]:
        if s["name"] == name:
            return s
    raise KeyError(name)


def replay_broken(binp, cap, sets):
    args = [binp, "replay", "-q", "--json"]
    for s in sets:
        args += ["--set", s]
    p = subprocess.run(args + [cap], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)["broken"]


def pcap_times(path):
    """(ts, tcp flags or None) for each packet of an Ethernet/IPv4 pcap."""
    data = open(path, "rb").read()
    magic, = struct.unpack("<I", data[:4])
    nano = magic == 0xA1B23C4D
    pos, out = 24, []
    while pos + 16 <= len(data):
        s, frac, incl, _ = struct.unpack("<IIII", data[pos:pos + 16])
        frame = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        t = s + frac / (1e9 if nano else 1e6)
        fl = None
        if len(frame) > 34 and frame[12:14] == b"\x08\x00" and frame[23] == 6:
            ihl = (frame[14] & 15) * 4
            fl = frame[14 + ihl + 13]
        out.append((t, fl))
    return out


# ---- the tests ---------------------------------------------------------------------------

def test_crafted(binp, tmp):
    cap = os.path.join(tmp, "crafted.pcap")
    write_pcap(cap, crafted())
    png, svg = os.path.join(tmp, "crafted.png"), os.path.join(tmp, "crafted.svg")
    p, _ = analyze(binp, ["--json"] + plot_args(png) + [
                          "--what-if", "half-close-mode=tcpwait,timeout-tcpwait=11",
                          "--what-if", "half-close-mode=tcpwait,timeout-tcpwait=12",
                          "--what-if", "timeout-tcp-half-closed=5,timeout-tcp-time-wait=1",
                          "--what-if", "timeout-tcp=7", cap])
    check(p.returncode == 0, "crafted: analyze --json exits 0")
    js = json.loads(p.stdout)
    ss = js["sessions"]
    check(len(ss) == 3, "crafted: 3 sessions (got %d)" % len(ss))
    t = [s for s in ss if s["proto"] == "tcp"][0]
    u = [s for s in ss if s["proto"] == "udp"][0]
    i = [s for s in ss if s["proto"] == "icmp"][0]
    check(near(t["establishing"]["syn_to_synack"], 0.1), "crafted: SYN -> SYN-ACK 0.1 s")
    check(near(t["establishing"]["synack_to_established"], 0.1), "crafted: SYN-ACK -> ACK 0.1 s")
    check(near(t["established"]["longest_gap"], 7.3), "crafted: established gap 7.3 s")
    hc = t["half_closed"]
    check(hc is not None and hc["by"] == "originator", "crafted: half-closed by the originator")
    check(near(hc["at"], 8.0), "crafted: first FIN at 8.0 s")
    check(near(hc["longest_gap"], 5.49), "crafted: half-closed idle gap 5.49 s (got %s)" % hc["longest_gap"])
    check(near(hc["fin_to_last"], 11.5), "crafted: FIN -> last packet 11.5 s")
    check(near(hc["open_side_last_data"], 9.0), "crafted: open side's last data 9.0 s after the FIN")
    check(hc["open_side_bytes"] == 600, "crafted: open side sent 600 bytes after the FIN")
    check(t["closed"]["by"] == "fin" and near(t["closed"]["close_to_last"], 0.25),
          "crafted: closed by FINs, 0.25 s to the last packet")
    check(near(u["longest_gap"], 4.2), "crafted: UDP longest gap 4.2 s")
    check(near(i["longest_gap"], 1.7), "crafted: ICMP longest gap 1.7 s")

    rec = js["recommended"]
    check(rec["tcpwait"]["timeout-tcpwait"] == 12, "crafted: tcpwait mode: timeout-tcpwait 12")
    check(rec["fixed"]["timeout-tcp-half-closed"] == 12, "crafted: fixed mode: half-closed 12")
    check(rec["idle"]["timeout-tcp-half-closed"] == 6, "crafted: idle mode: half-closed 6")
    check(rec["idle"]["timeout-tcp-time-wait"] == 1, "crafted: time-wait 1")
    for m in ("tcpwait", "fixed", "idle"):
        check(rec[m]["timeout-tcp"] == 8, "crafted: %s mode: timeout-tcp 8" % m)
        check(rec[m]["timeout-udp"] == 5 and rec[m]["timeout-icmp"] == 2,
              "crafted: %s mode: udp 5, icmp 2" % m)
        v = js["verification"][m]
        check(v["broken"] == 0 and v["splits"] == 0, "crafted: %s mode verified: 0 broken, 0 splits" % m)
        s = setting(js, "recommended-" + m)
        check(s["broken"] == 0, "crafted: recommended-%s replay breaks nothing" % m)
    vt = js["verification"]
    check(vt["tcpwait"]["timers"]["timeout-tcpwait"]["minus_one_broken"] == 1,
          "crafted: timeout-tcpwait 11 breaks the session")
    check(vt["idle"]["timers"]["timeout-tcp-half-closed"]["minus_one_broken"] == 1,
          "crafted: idle half-closed 5 breaks the session")
    check(vt["fixed"]["timers"]["timeout-tcp-half-closed"]["minus_one_broken"] == 1,
          "crafted: fixed half-closed 11 breaks the session")
    check(vt["idle"]["timers"]["timeout-tcp"]["minus_one_broken"] == 1,
          "crafted: timeout-tcp 7 breaks the session")
    check(vt["idle"]["timers"]["timeout-udp"]["minus_one_splits"] == 1,
          "crafted: timeout-udp 4 splits the UDP flow")
    check(vt["idle"]["timers"]["timeout-icmp"]["minus_one_splits"] == 1,
          "crafted: timeout-icmp 1 splits the ICMP flow")

    w11 = setting(js, "half-close-mode=tcpwait,timeout-tcpwait=11")
    w12 = setting(js, "half-close-mode=tcpwait,timeout-tcpwait=12")
    check(w11["broken"] == 1 and w11["broken_sessions"][0]["timer"] == "timeout-tcpwait",
          "crafted: what-if tcpwait 11: 1 broken by timeout-tcpwait")
    check(w12["broken"] == 0, "crafted: what-if tcpwait 12: nothing broken")
    whc = setting(js, "timeout-tcp-half-closed=5,timeout-tcp-time-wait=1")
    check(whc["broken"] == 1 and whc["broken_sessions"][0]["timer"] == "timeout-tcp-half-closed",
          "crafted: what-if idle half-closed 5: broken by timeout-tcp-half-closed")
    wt = setting(js, "timeout-tcp=7")
    check(wt["broken"] == 1 and wt["broken_sessions"][0]["timer"] == "timeout-tcp",
          "crafted: what-if timeout-tcp 7: broken by timeout-tcp")
    # cost: one session at a time at most; session-seconds by hand for tcpwait 12:
    # TCP 8.0 + 12 (fixed life from the FIN) = 20.0; UDP 0.5 .. 8.0 + 30; ICMP 1.0 .. 2.72 + 6
    check(w12["peak"] == 3, "crafted: peak 3 concurrent sessions (got %s)" % w12["peak"])
    want = (8.0 + 12.0) + (8.0 - 0.5 + 30) + (2.72 - 1.0 + 6)
    check(abs(w12["session_seconds"] - want) < 0.01,
          "crafted: session-seconds %.3f == %.3f by hand" % (w12["session_seconds"], want))
    check_png(png, "crafted plot", True)

    # the text report and the SVG
    p = subprocess.run([binp, "analyze", "-q"] + plot_args(svg) + [cap], capture_output=True,
                       text=True)
    check(p.returncode == 0 and "Recommended" in p.stdout and "Cost of each setting" in p.stdout,
          "crafted: text report has the recommendation and cost tables")
    check_svg(svg, "crafted plot")

    # errors: bad what-if, bad plot name
    p = subprocess.run([binp, "analyze", "-q", "--what-if", "timeout-bogus=1", cap],
                       capture_output=True, text=True)
    check(p.returncode == 2 and "what-if" in p.stderr, "crafted: a bad --what-if is refused")
    p = subprocess.run([binp, "analyze", "-q", "--plot", os.path.join(tmp, "x.gif"), cap],
                       capture_output=True, text=True)
    check(p.returncode == 2, "crafted: --plot needs .svg or .png")
    if not PLOT:
        p = subprocess.run([binp, "analyze", "-q", "--plot", svg, cap], capture_output=True,
                           text=True)
        check(p.returncode == 2 and "built without plots" in p.stderr and not p.stdout,
              "crafted: a build without plots refuses --plot and says why")


def test_overflow(binp, tmp):
    """SYN-only flows 100 us apart, far more than max-sessions holds (issue 10 item 14):
    evicted by table-full-action evict, refused by table-full-action refuse."""
    n, cap = 3000, os.path.join(tmp, "synflood.pcap")
    pk = []
    for i in range(n):
        src = "10.1.%d.%d" % (i >> 8, i & 255)
        pk.append((T0 + i * 1e-4, eth(tcp(src, S, 1024 + i, 80, 1000 + i, 0, SYN))))
    write_pcap(cap, pk)
    # table-full-action evict (the default): each SYN takes an older SYN's slot, which
    # breaks nothing (no SYN-only flow has a packet to come)
    p, _ = analyze(binp, ["--json", "--set", "max-sessions=10", cap])
    js = json.loads(p.stdout)
    cur = setting(js, "current")
    pr = cur["pressure"]
    check(cur["refused"] == 0 and cur["broken"] == 0 and pr["evicted"]["unestablished"] == n - 10 and
          sum(pr["evicted"].values()) == n - 10,
          "overflow, evict: %d SYNs evicted as unestablished, none refused or broken (got %s, %s refused)"
          % (n - 10, pr["evicted"], cur["refused"]))
    check(pr["demand_peak"] == n and pr["fills_table"] and pr["threshold_sessions"] == 8 and
          pr["crosses_threshold"] and pr["first_above_threshold"] == 0 and
          near(pr["first_above_max_sessions"], 1e-3),
          "overflow, evict: the timers need %s sessions; threshold 8 reached at 0.0007 s, "
          "max-sessions 10 exceeded at 0.001 s: 0 and 0.001 on the engine's millisecond clock "
          "(got %s, %s)" %
          (pr["demand_peak"], pr["first_above_threshold"], pr["first_above_max_sessions"]))
    check(all(js["recommended"][m] is not None and js["verification"][m]["refused"] == 0
              for m in ("tcpwait", "fixed", "idle")),
          "overflow, evict: the table holds the capture by eviction: recommendations made")
    # table-full-action refuse (PAN-OS): the flows beyond the table are refused
    p, _ = analyze(binp, ["--json", "--set", "max-sessions=10", "--set", "table-full-action=refuse", cap])
    check(p.returncode == 0, "overflow: analyze --json exits 0")
    js = json.loads(p.stdout)
    check(js["capture"]["sessions"] == n,
          "overflow: all %d flows measured (got %d)" % (n, js["capture"]["sessions"]))
    cur = setting(js, "current")
    check(cur["refused"] == n - 10 and cur["broken"] == n - 10,
          "overflow: current setting: %d refused, counted as broken (got %d refused, %d broken)" %
          (n - 10, cur["refused"], cur["broken"]))
    ref = [b for b in cur["broken_sessions"] if b["refused"]]
    check(len(ref) == n - 10 and all(b["end_reason"] == "resources-unavailable" and
                                     b["timer"] is None and b["session"] for b in ref),
          "overflow: every refused flow listed as resources-unavailable, named by its session")
    for m in ("tcpwait", "fixed", "idle"):
        v = js["verification"][m]
        check(js["recommended"][m] is None and v["refused"] == n - 10 and
              v["needs_max_sessions"] == n,
              "overflow: %s: no recommendation, %s refused, needs max-sessions %s" %
              (m, v["refused"], v["needs_max_sessions"]))
    check(not [s for s in js["settings"] if s["name"].startswith("recommended-")],
          "overflow: no recommended setting is costed")
    check(cur["pressure"]["broken_by"]["table-full"] == n - 10 and
          all(b["cause"] == "table-full" for b in ref),
          "overflow: the refused flows are broken by the full table (cause table-full)")
    p, _ = analyze(binp, ["--set", "max-sessions=10", "--set", "table-full-action=refuse", cap])
    check(p.returncode == 0 and "cannot hold this capture" in p.stdout and
          "refused %d flows" % (n - 10) in p.stdout and "no recommendation" in p.stdout,
          "overflow: the text report says the table overflowed and recommends nothing")
    # the same capture with a table that holds it: recommendations as usual
    p, _ = analyze(binp, ["--json", "--set", "max-sessions=%d" % n, "--set", "table-full-action=refuse",
                          cap])
    js = json.loads(p.stdout)
    check(setting(js, "current")["refused"] == 0 and
          all(js["recommended"][m] is not None for m in ("tcpwait", "fixed", "idle")),
          "overflow: max-sessions %d holds it: nothing refused, recommendations made" % n)


def pressure_of(js, name):
    return setting(js, name)["pressure"]


def untouched(pr):
    return (not pr["crosses_threshold"] and not pr["fills_table"] and pr["aged_accelerated"] == 0 and
            sum(pr["evicted"].values()) == 0 and pr["refused"] == 0 and pr["refused_source_quota"] == 0
            and all(v == 0 for k, v in pr["broken_by"].items() if k != "timer"))


def test_pressure_none(binp, tmp):
    """The crafted capture: 3 sessions against the default table of a million."""
    cap = os.path.join(tmp, "crafted-np.pcap")
    write_pcap(cap, crafted())
    p, _ = analyze(binp, ["--json", "--what-if", "timeout-tcp-half-closed=600", cap])
    js = json.loads(p.stdout)
    bad = [s["name"] for s in js["settings"] if not untouched(s["pressure"])]
    check(not bad, "no pressure: no setting crosses the threshold, fills the table, ages faster, "
          "evicts or refuses (%d settings; not so: %s)" % (len(js["settings"]), bad))
    pr = pressure_of(js, "current")
    check(pr["threshold_sessions"] == 800000 and pr["demand_peak"] == 3 and
          pr["first_above_threshold"] is None and pr["seconds_above_threshold"] == 0,
          "no pressure: threshold 800000 sessions, the timers need 3 (got %s)" % pr["demand_peak"])
    p, _ = analyze(binp, [cap])
    check("Under pressure" in p.stdout and "no setting's timers reach its accelerated-aging threshold"
          in p.stdout, "no pressure: the text report says no setting reaches the threshold")


AGING_SETS = ["--set", "max-sessions=100", "--set", "timeout-tcp=60", "--set",
              "timeout-tcp-half-closed=5", "--set", "timeout-tcp-time-wait=5"]
VICTIM = "10.2.0.1:40000 -> 10.2.255.1:22 tcp"


def test_pressure_aging(binp, tmp):
    """Raising half-closed to 120 s piles 90 silent half-closed sessions up past 80 % of 100."""
    cap = os.path.join(tmp, "pressure-aging.pcap")
    write_pcap(cap, pressure_aging())
    hc120 = "timeout-tcp-half-closed=120"
    p, _ = analyze(binp, ["--json"] + AGING_SETS + [
        "--what-if", hc120, "--what-if", hc120 + ",accelerated-aging=no",
        "--what-if", hc120 + ",accelerated-aging-threshold=95", cap])
    check(p.returncode == 0, "aging: analyze --json exits 0")
    js = json.loads(p.stdout)
    check(js["current"]["accelerated-aging"] == "yes" and js["current"]["accelerated-aging-threshold"] == 80
          and js["current"]["accelerated-aging-scaling-factor"] == 2,
          "aging: the configuration in the JSON has the accelerated-aging settings")
    cur = pressure_of(js, "current")
    check(untouched(cur) and cur["demand_peak"] == 13 and setting(js, "current")["broken"] == 0,
          "aging: half-closed 5 s: the timers need %s sessions (< 80), nothing aged faster or broken"
          % cur["demand_peak"])
    for m in ("tcpwait", "fixed", "idle"):
        check(untouched(pressure_of(js, "recommended-" + m)) and
              js["verification"][m]["pressure_broken"] == 0,
              "aging: recommended-%s stays below the threshold" % m)
    w = setting(js, hc120)
    pr = w["pressure"]
    check(pr["threshold_sessions"] == 80 and pr["demand_peak"] == 92 and near(pr["demand_peak_at"], 54.5)
          and pr["crosses_threshold"] and near(pr["first_above_threshold"], 48.5) and not pr["fills_table"],
          "aging: half-closed 120 s: the timers need 92 sessions at 54.5 s, the threshold (80) from "
          "48.5 s, the table never full (got %s at %s, from %s)" %
          (pr["demand_peak"], pr["demand_peak_at"], pr["first_above_threshold"]))
    check(pr["broken_without_pressure"] == 0 and w["broken"] == 1 and pr["broken_by"]["accelerated-aging"] == 1,
          "aging: half-closed 120 s: accelerated aging breaks 1 session the timers alone keep "
          "(broken %s, by aging %s)" % (w["broken"], pr["broken_by"]["accelerated-aging"]))
    b = w["broken_sessions"][0] if w["broken_sessions"] else {}
    check(b.get("flow") == VICTIM and b.get("cause") == "accelerated-aging" and b.get("accel_factor") == 2 and
          b.get("timer") == "timeout-tcp" and b.get("end_reason") == "aged-out" and b.get("late_pkts") == 5,
          "aging: the broken one is the idle established victim, aged out by timeout-tcp / 2, "
          "5 late packets (got %s)" % b)
    check(near(b.get("end"), 70.002, 1e-6),
          "aging: it ended 30 s (60 / 2) after its last packet at 40.001 s, on the next millisecond "
          "tick (only a gap longer than the timer ends a session): at %s s, expected 70.002" % b.get("end"))
    check(pr["aged_accelerated"] == 13,
          "aging: 13 sessions aged out accelerated: the victim and the 12 oldest half-closed ones, "
          "until the table is below 80 again (got %s)" % pr["aged_accelerated"])
    off = setting(js, hc120 + ",accelerated-aging=no")
    check(off["pressure"]["crosses_threshold"] and off["pressure"]["aged_accelerated"] == 0 and off["broken"] == 0,
          "aging: the same with accelerated aging off: crosses the threshold, nothing aged faster or broken")
    t95 = pressure_of(js, hc120 + ",accelerated-aging-threshold=95")
    check(t95["threshold_sessions"] == 95 and untouched(t95),
          "aging: with the threshold at 95 %: 92 sessions never reach it, nothing happens")
    p, _ = analyze(binp, AGING_SETS + ["--what-if", hc120, cap])
    out = p.stdout
    check("at or above the accelerated-aging threshold (80 sessions)" in out and
          VICTIM + ": aged-out by timeout-tcp accelerated (60 s / 2) at 70.00" in out,
          "aging: the text report names the threshold crossing and the session aging breaks")


def test_pressure_fill(binp, tmp):
    """70 sessions for a table of 50: eviction takes the idle established, refuse refuses."""
    cap = os.path.join(tmp, "pressure-fill.pcap")
    write_pcap(cap, pressure_fill())
    p, _ = analyze(binp, ["--json", "--set", "max-sessions=50", "--what-if", "table-full-action=refuse",
                          "--what-if", "evict-min-idle=120", cap])
    check(p.returncode == 0, "fill: analyze --json exits 0")
    js = json.loads(p.stdout)
    cur = setting(js, "current")
    pr = cur["pressure"]
    check(pr["demand_peak"] == 70 and pr["fills_table"] and near(pr["first_above_max_sessions"], 100.1) and
          pr["crosses_threshold"] and pr["threshold_sessions"] == 40,
          "fill: the timers need 70 sessions; max-sessions 50 exceeded from 100.1 s (got %s from %s)" %
          (pr["demand_peak"], pr["first_above_max_sessions"]))
    ev = [b for b in cur["broken_sessions"] if b["cause"] == "eviction"]
    check(pr["evicted"]["established"] == 20 and sum(pr["evicted"].values()) == 20 and cur["refused"] == 0,
          "fill, evict: 20 idle established sessions evicted for the new ones, none refused (got %s)" %
          pr["evicted"])
    check(len(ev) == 20 and cur["broken"] == 20 and pr["broken_without_pressure"] == 0 and
          {b["flow"] for b in ev} == {"10.3.0.%d:%d -> 10.3.255.1:443 tcp" % (1 + i, 42000 + i) for i in range(20)}
          and all(b["evict_class"] == "established" and b["late_pkts"] == 5 for b in ev),
          "fill, evict: they are the 20 oldest, each with its 5 packets at 200 s late (got %d)" % len(ev))
    ref = setting(js, "table-full-action=refuse")
    rb = [b for b in ref["broken_sessions"] if b["refused"]]
    check(ref["refused"] == 20 and ref["broken"] == 20 and sum(ref["pressure"]["evicted"].values()) == 0 and
          {b["flow"] for b in rb} == {"10.4.0.%d:%d -> 10.3.255.2:443 tcp" % (11 + i, 43010 + i) for i in range(20)}
          and all(b["cause"] == "table-full" for b in rb),
          "fill, refuse: the last 20 new connections refused instead (got %d refused)" % ref["refused"])
    mi = setting(js, "evict-min-idle=120")
    check(mi["refused"] == 20 and sum(mi["pressure"]["evicted"].values()) == 0,
          "fill, evict-min-idle 120: the old sessions idle 100 s are not evictable: 20 refused (got %s)"
          % mi["refused"])
    p, _ = analyze(binp, ["--set", "max-sessions=50", cap])
    check("above max-sessions for" in p.stdout and "evicted 20 established" in p.stdout and
          "evicted (established) at 100.1" in p.stdout,
          "fill: the text report says the table filled and what was evicted")


def test_pressure_quota(binp, tmp):
    """One host opens 12 connections, another 2; a quota of 10 per source refuses 2."""
    cap = os.path.join(tmp, "pressure-quota.pcap")
    pk = []
    for i in range(14):
        c = Conn(pk, "10.5.0.1" if i < 12 else "10.5.0.2", 44000 + i, "10.5.255.1", 80)
        c.open(i * 0.01, b"g" * 20)
        c.talk(1.0 + i * 0.01)
        c.close(2.0 + i * 0.01)
    write_pcap(cap, pk)
    p, _ = analyze(binp, ["--json", "--what-if", "max-sessions-per-source=10", cap])
    js = json.loads(p.stdout)
    q = setting(js, "max-sessions-per-source=10")
    rb = [b for b in q["broken_sessions"] if b["refused"]]
    check(q["refused_source_quota"] == 2 and q["refused"] == 0 and q["pressure"]["broken_by"]["source-quota"] == 2
          and {b["flow"] for b in rb} == {"10.5.0.1:44010 -> 10.5.255.1:80 tcp", "10.5.0.1:44011 -> 10.5.255.1:80 tcp"}
          and all(b["cause"] == "source-quota" for b in rb),
          "quota: 10 per source refuses the 11th and 12th connection of 10.5.0.1, not 10.5.0.2's (got %s)" %
          sorted(b["flow"] for b in rb))
    check(untouched(pressure_of(js, "current")) and setting(js, "current")["broken"] == 0,
          "quota: without a quota nothing is refused")
    p, _ = analyze(binp, ["--set", "max-sessions-per-source=10", cap])
    check("source-quota-exceeded (its source at max-sessions-per-source)" in p.stdout and
          "plus 2 broken by the table's pressure" in p.stdout,
          "quota: the text names the refusals and the recommendation counts them apart")


def test_halfclose(binp, src, tmp):
    cap = os.path.join(src, "data/captures/halfclose-client-45s.pcap")
    pk = pcap_times(cap)
    fin = min(t for t, fl in pk if fl is not None and fl & FIN)
    span = max(t for t, _ in pk) - fin
    want = math.ceil(span)
    print("     half-close capture: FIN -> last packet %.6f s -> %d" % (span, want))
    svg = os.path.join(tmp, "hc.svg")
    p, _ = analyze(binp, ["--json"] + plot_args(svg) + ["--what-if",
                          "half-close-mode=tcpwait,timeout-tcpwait=%d" % want, "--what-if",
                          "half-close-mode=tcpwait,timeout-tcpwait=%d" % (want - 1), cap])
    js = json.loads(p.stdout)
    s = js["sessions"][0]
    check(near(s["half_closed"]["fin_to_last"], span, 2e-6),
          "half-close: measured span %.6f == pcap %.6f" % (s["half_closed"]["fin_to_last"], span))
    check(near(s["half_closed"]["longest_gap"], 5.000285, 2e-6), "half-close: idle gap 5.000285 s")
    check(js["recommended"]["tcpwait"]["timeout-tcpwait"] == want,
          "half-close: recommended timeout-tcpwait %d" % want)
    check(setting(js, "recommended-tcpwait")["broken"] == 0, "half-close: recommended breaks nothing")
    check(setting(js, "half-close-mode=tcpwait,timeout-tcpwait=%d" % want)["broken"] == 0,
          "half-close: what-if %d breaks nothing" % want)
    check(setting(js, "half-close-mode=tcpwait,timeout-tcpwait=%d" % (want - 1))["broken"] == 1,
          "half-close: what-if %d breaks the session" % (want - 1))
    check(js["verification"]["tcpwait"]["timers"]["timeout-tcpwait"]["minus_one_broken"] == 1,
          "half-close: analyzer's own minus-one replay breaks it")
    # the same through `statewall replay`
    b0 = replay_broken(binp, cap, ["half-close-mode=tcpwait", "timeout-tcpwait=%d" % want])
    b1 = replay_broken(binp, cap, ["half-close-mode=tcpwait", "timeout-tcpwait=%d" % (want - 1)])
    check(len(b0) == 0 and len(b1) == 1 and b1[0]["timer"] == "timeout-tcpwait",
          "half-close: statewall replay agrees (%d: %d broken, %d: %d broken)" %
          (want, len(b0), want - 1, len(b1)))
    check(setting(js, "pan-os-6.0")["broken"] == 1 and setting(js, "pan-os")["broken"] == 0,
          "half-close: PAN-OS 6.0 model breaks it, PAN-OS >= 6.1 defaults do not")
    check_svg(svg, "half-close plot")
    # the session record: the session log's own writer, as the measuring pass ended it
    p = subprocess.run([binp, "replay", "-q", "--log", "-", cap], capture_output=True, text=True,
                       check=True)
    log = json.loads(p.stdout.splitlines()[0])
    rec = s.get("record") or {}
    check(sorted(rec) == sorted(log) and all(rec[k] == log[k] for k in
                                             ("id", "proto", "orig_h", "orig_p", "resp_h", "resp_p",
                                              "start", "history", "orig_pkts", "resp_pkts")),
          "half-close: the session's record has the session log's fields and values")


def test_tunnels(binp, tmp):
    """Inner flows are sessions of their own (tunnel-inspect all by default), named with
    their tunnel; --decap unwraps the mirror transport; tunnel-inspect none measures the
    outer flows only."""
    cap = os.path.join(tmp, "tunnels.pcap")
    write_pcap(cap, tunnelled())
    sets = ["half-close-mode=fixed", "timeout-tcp-half-closed=30", "timeout-tcp-time-wait=15"]
    args = [x for v in sets for x in ("--set", v)]
    p, _ = analyze(binp, ["--json"] + args + [cap])
    js = json.loads(p.stdout)
    by_id = {s["id"]: s for s in js["sessions"]}
    inner = {s["record"]["resp_p"]: s for s in js["sessions"] if s["proto"] == "tcp"}
    check(js["capture"]["tunnelled"] == 2 and sorted(inner) == [80, 8080],
          "tunnels: the two inner TCP flows are sessions, both inside tunnels")
    for port, typ, outer_proto in ((80, "vxlan", "udp"), (8080, "gre", "47")):
        s = inner.get(port, {})
        t = s.get("tunnel") or {}
        o = by_id.get(t.get("session"), {})
        check(t.get("type") == typ and o.get("proto") == outer_proto and
              s["record"].get("tunnel") == t.get("session") and
              s["record"].get("tunnel_type") == typ,
              "tunnels: :%d is inside %s session #%s (%s)" % (port, typ, t.get("session"),
                                                              o.get("flow")))
        check(near(s["half_closed"]["fin_to_last"], 42.001, 2e-3),
              "tunnels: :%d half-closed 42.001 s, measured %s" % (port, s["half_closed"]["fin_to_last"]))
    cur = setting(js, "current")
    broken = {b["session"]: b for b in cur["broken_sessions"]}
    for port, typ in ((80, "vxlan"), (8080, "gre")):
        b = broken.get(inner[port]["id"], {})
        check(b.get("timer") == "timeout-tcp-half-closed" and
              ("(in %s #%d)" % (typ, inner[port]["tunnel"]["session"])) in b.get("flow", "") and
              (b.get("tunnel") or {}).get("type") == typ,
              "tunnels: current breaks :%d by timeout-tcp-half-closed, named %r" % (port, b.get("flow")))
    check(js["recommended"]["fixed"]["timeout-tcp-half-closed"] == 43 and
          setting(js, "recommended-fixed")["broken"] == 0,
          "tunnels: recommended fixed half-closed 43 s breaks neither")
    check(sorted(o["port"] for o in js["overrides"]) == [80, 8080],
          "tunnels: a narrowest fix per inner destination port")
    rb = replay_broken(binp, cap, sets)
    check(sorted(b["flow"].split(" ")[2] for b in rb if b["timer"] == "timeout-tcp-half-closed") ==
          ["10.9.0.2:80", "10.9.1.2:8080"],
          "tunnels: statewall replay breaks the same two inner sessions")
    p, _ = analyze(binp, args + [cap])
    check("(in vxlan #" in p.stdout and "(in gre #" in p.stdout and "inside tunnels" in p.stdout,
          "tunnels: the text report names each inner session's tunnel")
    # tunnel-inspect none: the outer flows only, nothing broken
    p, _ = analyze(binp, ["--json", "--set", "tunnel-inspect=none"] + args + [cap])
    js = json.loads(p.stdout)
    check(js["capture"]["sessions_by_proto"]["tcp"] == 0 and js["capture"]["tunnelled"] == 0 and
          setting(js, "current")["broken"] == 0,
          "tunnels: tunnel-inspect none measures the outer flows only")
    # --decap: the VXLAN mirror flow is gone, its inner flow is a plain session; GRE stays
    p, _ = analyze(binp, ["--json", "--decap"] + args + [cap])
    js = json.loads(p.stdout)
    udp4789 = [s for s in js["sessions"] if s["proto"] == "udp"]
    inner = {s["record"]["resp_p"]: s for s in js["sessions"] if s["proto"] == "tcp"}
    check(p.returncode == 0 and not udp4789 and inner.get(80, {}).get("tunnel", 1) is None and
          (inner.get(8080, {}).get("tunnel") or {}).get("type") == "gre",
          "tunnels: --decap: no VXLAN session, :80 not in a tunnel, :8080 still in GRE")
    cur = setting(js, "current")
    check(sorted(b["flow"].split(" ")[2] for b in cur["broken_sessions"]) ==
          ["10.9.0.2:80", "10.9.1.2:8080"], "tunnels: --decap: both still broken")
    # more sessions than frames: each frame a new VXLAN flow carrying a new inner flow
    cap = os.path.join(tmp, "tunnel-burst.pcap")
    write_pcap(cap, [(T0 + i * 0.01, eth(udp("192.0.2.1", "192.0.2.2", 49152 + i, 4789,
                                             bytes.fromhex("0800000000000100") +
                                             eth(udp("10.9.2.1", "10.9.2.2", 1000 + i, 53, b"q")))))
                     for i in range(40)])
    p, _ = analyze(binp, ["--json", cap])
    js = json.loads(p.stdout)
    check(p.returncode == 0 and js["capture"]["sessions"] == 80 and js["capture"]["tunnelled"] == 40
          and all(s["end_reason"] == "end-of-capture" for s in js["sessions"]) and
          setting(js, "current")["peak"] == 80 and
          setting(js, "current")["pressure"]["demand_peak"] == 80,
          "tunnels: 40 frames, 80 sessions (the measuring table holds every layer): %d, peak %d" %
          (js["capture"]["sessions"], setting(js, "current")["peak"]))


def test_mixed(binp, shared, tmp):
    cap = os.path.join(shared, "corpus/mixed/ndpi-merged-overlap.pcap")
    if not os.path.exists(cap):
        print("skip mixed capture: %s not found" % cap)
        return
    png = os.path.join(tmp, "mixed.png")
    chains = {
        "timeout-tcp": [60, 600, 3600, 36000],
        "timeout-udp": [10, 30, 120],
        "timeout-tcp-half-closed": [15, 120, 900],
    }
    args = ["--json"] + plot_args(png)
    for k, vals in chains.items():
        for v in vals:
            args += ["--what-if", "%s=%d" % (k, v)]
    for v in (10, 30, 60):
        args += ["--what-if", "half-close-mode=tcpwait,timeout-tcpwait=%d" % v]
    p, dt = analyze(binp, args + [cap])
    check(p.returncode == 0, "mixed: analyze exits 0")
    check(dt < 60, "mixed: report and plot in %.2f s (< 60 s)" % dt)
    js = json.loads(p.stdout)
    print("     mixed: %d packets, %d sessions, %d settings in %.2f s" %
          (js["capture"]["packets"], len(js["sessions"]), len(js["settings"]), dt))
    for m in ("tcpwait", "fixed", "idle"):
        s = setting(js, "recommended-" + m)
        fixable = [b for b in s["broken_sessions"] if not b["unfixable"]]
        check(not fixable and s["splits"] == 0,
              "mixed: recommended-%s breaks no fixable session (%d broken, all unfixable), splits 0"
              % (m, s["broken"]))
        for t, v in js["recommended"][m].items():
            lo = js["verification"][m]["timers"][t]
            check(lo["min"] <= v <= lo["max"], "mixed: %s %s=%d inside its range" % (m, t, v))
    unfix = {b["flow"] for s in js["settings"] for b in s["broken_sessions"] if b["unfixable"]}
    check(len(unfix) <= js["capture"]["unfixable"], "mixed: unfixable sessions are the measured ones")
    for k, vals in chains.items():
        seq = [setting(js, "%s=%d" % (k, v)) for v in vals]
        ok = all(a["peak"] <= b["peak"] and a["session_seconds"] <= b["session_seconds"] + 1e-6
                 for a, b in zip(seq, seq[1:]))
        check(ok, "mixed: %s growing %s: peak %s, session-seconds %s never shrink" %
              (k, vals, [s["peak"] for s in seq], [round(s["session_seconds"]) for s in seq]))
        br = [s["broken"] for s in seq]
        check(all(a >= b for a, b in zip(br, br[1:])), "mixed: %s growing: broken %s never grows" % (k, br))
    seq = [setting(js, "half-close-mode=tcpwait,timeout-tcpwait=%d" % v) for v in (10, 30, 60)]
    check(all(a["peak"] <= b["peak"] and a["session_seconds"] <= b["session_seconds"] + 1e-6
              for a, b in zip(seq, seq[1:])), "mixed: tcpwait 10/30/60: cost never shrinks")
    check_png(png, "mixed plot", True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--shared", default="")
    ap.add_argument("--build", default="", help="build directory: its CMakeCache.txt says SW_WITH_PLOT")
    a = ap.parse_args()
    global PLOT
    cache = os.path.join(a.build, "CMakeCache.txt")
    if a.build and os.path.exists(cache):
        PLOT = "SW_WITH_PLOT:BOOL=OFF" not in open(cache).read()
    print("     plots: %s" % ("on" if PLOT else "off (SW_WITH_PLOT=OFF)"))
    with tempfile.TemporaryDirectory(prefix="sw-analyze-") as tmp:
        test_crafted(a.bin, tmp)
        test_overflow(a.bin, tmp)
        test_pressure_none(a.bin, tmp)
        test_pressure_aging(a.bin, tmp)
        test_pressure_fill(a.bin, tmp)
        test_pressure_quota(a.bin, tmp)
        test_halfclose(a.bin, a.src, tmp)
        test_tunnels(a.bin, tmp)
        if a.shared:
            test_mixed(a.bin, a.shared, tmp)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)
    print("all analyze checks passed")


if __name__ == "__main__":
    main()
