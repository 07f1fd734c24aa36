#!/usr/bin/env python3
"""encap.py - end to end: captures of one TCP conversation behind every
encapsulation and tunnel, replayed; the inner session must come out whole
(the same state, Zeek history, packet and byte counts as on plain Ethernet) and, for
tunnels, the outer session too, linked by the inner session's `tunnel`.

The captures are generated here (Python standard library only) into a
temporary directory: one classic pcap per case, its link type the case's.

Each encapsulation carries an IPv4 conversation; CASES6 an IPv6 one (IPv6 in
IPv4, GRE, Teredo with and without its origin indication, AYIYA, GTP-U),
compared with the IPv6 conversation on plain Ethernet.

Offload super-frames: the server's answer is one TSO super-frame of 3000
bytes whose IPv4 total length is 0, or larger than the frame with the frame
captured whole (caplen == wire length): both are read by the captured length
and counted (ip_length_from_capture); the same frame recorded as shorter
than on the wire is a snap-length cut, its payload counted by the IP length.
`analyze` must count the session's bytes as replay does.
"""
import argparse, json, os, socket, struct, subprocess, sys, tempfile

FAILS = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ip4(src, dst, proto, payload, ident=1):
    s, d = bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0, s, d)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload, s, d


def tcp4(src, dst, sport, dport, seq, ack, flags, data=b""):
    s, d = bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ph = s + d + struct.pack("!BBH", 0, 6, len(h) + len(data))
    c = csum(ph + h + data)
    h = h[:16] + struct.pack("!H", c) + h[18:]
    return ip4(src, dst, 6, h + data)[0]


def tcp6(src, dst, sport, dport, seq, ack, flags, data=b""):
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ph = s + d + struct.pack("!I3xB", len(h) + len(data), 6)
    h = h[:16] + struct.pack("!H", csum(ph + h + data)) + h[18:]
    return struct.pack("!IHBB", 6 << 28, len(h) + len(data), 6, 64) + s + d + h + data


def udp4(src, dst, sport, dport, payload):
    return ip4(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)[0]


def eth(payload, etype=0x0800, dst=b"\x02\0\0\0\0\x02", src=b"\x02\0\0\0\0\x01"):
    return dst + src + struct.pack("!H", etype) + payload


C, S = "10.1.0.1", "10.2.0.1"
C6, S6 = "2001:db8:1::1", "2001:db8:2::1"
F, SY, RS, PU, AC = 1, 2, 4, 8, 16


def conversation(v6=False):
    """(from client?, inner IPv4 (IPv6) packet): handshake, data both ways, FINs."""
    ci, si = 1000, 5000
    tcp, c, s = (tcp6, C6, S6) if v6 else (tcp4, C, S)
    return [
        (1, tcp(c, s, 40000, 80, ci, 0, SY)),
        (0, tcp(s, c, 80, 40000, si, ci + 1, SY | AC)),
        (1, tcp(c, s, 40000, 80, ci + 1, si + 1, AC)),
        (1, tcp(c, s, 40000, 80, ci + 1, si + 1, PU | AC, b"GET / HTTP/1.0\r\n\r\n")),
        (0, tcp(s, c, 80, 40000, si + 1, ci + 19, PU | AC, b"HTTP/1.0 200 OK\r\n\r\n")),
        (1, tcp(c, s, 40000, 80, ci + 19, si + 20, F | AC)),
        (0, tcp(s, c, 80, 40000, si + 20, ci + 20, F | AC)),
        (1, tcp(c, s, 40000, 80, ci + 20, si + 21, AC)),
    ]


T1, T2 = "192.0.2.1", "192.0.2.2"


def outer_ip(c2s, proto, payload):
    return eth(ip4(T1 if c2s else T2, T2 if c2s else T1, proto, payload)[0])


def outer_udp(c2s, dport, payload):
    # the tunnel's own port pair, both ways to the tunnel port (as VTEPs send)
    return eth(udp4(T1 if c2s else T2, T2 if c2s else T1, 50000, dport, payload))


MAC = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01"
W80211 = b"\0\0" + MAC + b"\x02\0\0\0\0\xa2" + b"\0\0"
SNAP = bytes.fromhex("aaaa030000000800")

# name, link type, wrap(c2s, ip) -> frame, outer (proto, tunnel type) or None, replay options
CASES = [
    ("ethernet", 1, lambda c, p: eth(p), None, []),
    ("qinq", 1, lambda c, p: MAC + bytes.fromhex("88a80064810000c80800") + p, None, []),
    ("mpls", 1, lambda c, p: eth(bytes.fromhex("0001004000020140") + p, 0x8847), None, []),
    ("mpls-pseudowire", 1,
     lambda c, p: eth(bytes.fromhex("00010140") + bytes(4) + eth(p), 0x8847), None, []),
    ("pppoe-qinq", 1, lambda c, p: MAC + bytes.fromhex("88a80064810000c88864") +
     bytes.fromhex("11000001") + struct.pack("!H", len(p) + 2) + b"\x00\x21" + p, None, []),
    ("pbb", 1, lambda c, p: MAC + bytes.fromhex("88a8006488e700000100") + eth(p), None, []),
    ("vntag", 1, lambda c, p: eth(bytes.fromhex("000000000800") + p, 0x8926), None, []),
    ("etag", 1, lambda c, p: eth(bytes.fromhex("0000000000000800") + p, 0x893f), None, []),
    ("fabricpath", 1, lambda c, p: eth(bytes.fromhex("0000") + eth(p), 0x8903), None, []),
    ("80211", 105, lambda c, p: b"\x08\x01" + W80211 + SNAP + p, None, []),
    ("llc-snap", 1, lambda c, p: MAC + struct.pack("!H", len(p) + 8) + SNAP + p, None, []),
    ("fddi", 10, lambda c, p: b"\x50" + MAC + SNAP + p, None, []),
    ("ppp", 9, lambda c, p: b"\xff\x03\x00\x21" + p, None, []),
    ("cisco-hdlc", 104, lambda c, p: b"\x0f\x00\x08\x00" + p, None, []),
    ("80211-radiotap", 127,
     lambda c, p: bytes.fromhex("00000800 00000000") + b"\x88\x01" + W80211 + b"\0\0" + SNAP + p,
     None, []),
    ("80211-ppi", 192, lambda c, p: bytes.fromhex("00000800 69000000") + b"\x08\x02" + W80211 +
     SNAP + p, None, []),
    ("gre", 1, lambda c, p: outer_ip(c, 47, bytes.fromhex("20000800 0000002a") + p), ("47", "gre"), []),
    ("gre-bridged", 1, lambda c, p: outer_ip(c, 47, bytes.fromhex("00006558") + eth(p)),
     ("47", "gre"), []),
    ("gre-in-gre", 1, lambda c, p: outer_ip(c, 47, bytes.fromhex("00000800") +
     ip4("198.51.100.1" if c else "198.51.100.2", "198.51.100.2" if c else "198.51.100.1", 47,
         bytes.fromhex("00000800") + p)[0]), ("47", "gre"), []),
    ("pptp", 1, lambda c, p: outer_ip(c, 47, bytes.fromhex("3001880b") + struct.pack("!HH", len(p) + 4, 7) +
     struct.pack("!I", 1) + b"\xff\x03\x00\x21" + p), ("47", "gre"), []),
    ("ipip", 1, lambda c, p: outer_ip(c, 4, p), ("4", "ip-in-ip"), []),
    ("gre-udp", 1, lambda c, p: outer_udp(c, 4754, bytes.fromhex("00000800") + p), ("udp", "gre"), []),
    ("vxlan", 1, lambda c, p: outer_udp(c, 4789, bytes.fromhex("0800000000000100") + eth(p)),
     ("udp", "vxlan"), []),
    ("geneve", 1, lambda c, p: outer_udp(c, 6081, bytes.fromhex("0100655800000100 01020304") + eth(p)),
     ("udp", "geneve"), []),
    ("gtp-u", 1, lambda c, p: outer_udp(c, 2152, bytes.fromhex("34ff") + struct.pack("!H", len(p) + 8) +
     bytes.fromhex("00000001 00000085 01000000") + p), ("udp", "gtp-u"), []),
    ("ayiya", 1, lambda c, p: outer_udp(c, 5072, bytes.fromhex("00000104 00000000 00") + p),
     ("udp", "ayiya"), []),
    ("erspan-i", 1, lambda c, p: outer_ip(c, 47, bytes.fromhex("000088be") + eth(p)), ("47", "erspan"), []),
    ("erspan-ii", 1, lambda c, p: outer_ip(c, 47, bytes.fromhex("100088be 00000001 10010000 00000000") +
     eth(p)), ("47", "erspan"), []),
    ("erspan-iii", 1, lambda c, p: outer_ip(c, 47, bytes.fromhex("100022eb 00000001") +
     bytes.fromhex("20010000 00000000 00000000") + eth(p)), ("47", "erspan"), []),
    ("vxlan-decap", 1, lambda c, p: outer_udp(c, 4789, bytes.fromhex("0800000000000100") + eth(p)),
     None, ["--decap"]),
    ("erspan-decap", 1, lambda c, p: outer_ip(c, 47, bytes.fromhex("100088be 00000001 10010000 00000000") +
     eth(p)), None, ["--decap"]),
    ("tso-superframe", 1, None, None, []),
    ("tso-beyond-frame", 1, None, None, []),
    ("tso-snap-cut", 1, None, None, []),
]
CLAIMED = 20 + 20 + 3000 + 2 * 1460  # the IP length of the beyond-frame cases: 2 MSS more

# the same over IPv6: the inner conversation is IPv6 (its base: plain Ethernet)
CASES6 = [
    ("ethernet6", 1, lambda c, p: eth(p, 0x86dd), None, []),
    ("mpls6", 1, lambda c, p: eth(bytes.fromhex("00010140") + p, 0x8847), None, []),
    ("ip6-in-ip", 1, lambda c, p: outer_ip(c, 41, p), ("41", "ip-in-ip"), []),
    ("gre6", 1, lambda c, p: outer_ip(c, 47, bytes.fromhex("000086dd") + p), ("47", "gre"), []),
    ("teredo", 1, lambda c, p: outer_udp(c, 3544, p), ("udp", "teredo"), []),
    ("teredo-origin", 1, lambda c, p: outer_udp(c, 3544, bytes.fromhex("0000ffff3fffffff") + p),
     ("udp", "teredo"), []),
    ("ayiya6", 1, lambda c, p: outer_udp(c, 5072, bytes.fromhex("00000129 00000000 00") + p),
     ("udp", "ayiya"), []),
    ("gtp-u6", 1, lambda c, p: outer_udp(c, 2152, bytes.fromhex("30ff") + struct.pack("!H", len(p)) +
     bytes.fromhex("00000001") + p), ("udp", "gtp-u"), []),
]


def superframe(iplen=0):
    """The conversation with the server's answer as one TSO super-frame of 3000 bytes, IP length iplen."""
    pk = conversation()
    body = b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 2981
    big = bytearray(tcp4(S, C, 80, 40000, 5001, 1019, PU | AC, body))
    big[2:4] = struct.pack("!H", iplen)
    big[10:12] = b"\0\0"
    big[10:12] = struct.pack("!H", csum(bytes(big[:20])))
    pk[4] = (0, bytes(big))
    fin = tcp4(S, C, 80, 40000, 5001 + 3000, 1020, F | AC)
    pk[6] = (0, fin)
    pk[7] = (1, tcp4(C, S, 40000, 80, 1020, 5001 + 3001, AC))
    pk[5] = (1, tcp4(C, S, 40000, 80, 1019, 5001 + 3000, F | AC))
    return [(c, eth(p)) for c, p in pk]


def write_pcap(path, link, frames, wire=None):
    """wire: {frame index: its wire length} where it is not the frame's length."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, link))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, i * 1000, len(fr), (wire or {}).get(i, len(fr))))
            f.write(fr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    a = ap.parse_args()
    base = {}  # per family, the plain Ethernet case's inner view, which every other case must repeat
    with tempfile.TemporaryDirectory(prefix="sw-encap-") as tmp:
        for (name, link, wrap, outer, opts), fam in [(k, 4) for k in CASES] + [(k, 6) for k in CASES6]:
            tso = name.startswith("tso-")
            frames = (superframe(0 if name == "tso-superframe" else CLAIMED) if tso else
                      [(c, wrap(c, p)) for c, p in conversation(fam == 6)])
            path = os.path.join(tmp, name + ".pcap")
            write_pcap(path, link, [f for _, f in frames],
                       {4: 14 + CLAIMED} if name == "tso-snap-cut" else None)
            p = subprocess.run([a.bin, "replay", "-q", "--json", "--log", "-"] + opts + [path],
                               capture_output=True, text=True)
            lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
            summary = json.loads(lines[-1])
            sess = [json.loads(l) for l in lines[:-1]]
            inner = [s for s in sess if s["proto"] == "tcp" and s["orig_h"] == (C6 if fam == 6 else C)]
            check(p.returncode == 0 and len(inner) == 1, "%s: one inner session (%d)" % (name, len(inner)))
            if len(inner) != 1:
                continue
            i = inner[0]
            check(summary["packets"]["dropped"] == 0, "%s: nothing dropped %s" %
                  (name, summary["packets"].get("drop_reasons")))
            view = (i["conn_state"], i["history"], i["orig_pkts"], i["resp_pkts"], i["orig_ip_bytes"],
                    i["resp_ip_bytes"], i["orig_p"], i["resp_p"])
            base.setdefault(fam, view)
            want = base[fam] if not tso else base[fam][:4] + (base[fam][4], base[fam][5] + 2981, 40000, 80)
            if name == "tso-snap-cut":  # the two MSS the capture cut count, as their IP length says
                want = want[:5] + (want[5] + CLAIMED - 3040,) + want[6:]
            check(view == want, "%s: inner session as on plain Ethernet %s (got %s)" % (name, want, view))
            if tso:
                n = summary["packets"].get("ip_length_from_capture", 0)
                check(n == (0 if name == "tso-snap-cut" else 1),
                      "%s: ip_length_from_capture %d" % (name, n))
                # replay --threads hands the wire lengths on to its engines
                q = subprocess.run([a.bin, "replay", "-q", "--json", "--threads", "2", path],
                                   capture_output=True, text=True)
                m = json.loads(q.stdout)["packets"].get("ip_length_from_capture", 0) if q.returncode == 0 else -1
                check(m == n, "%s: --threads 2: ip_length_from_capture %d" % (name, m))
                # analyze reads the wire length too: its session counts the same bytes
                q = subprocess.run([a.bin, "analyze", "-q", "--json", path], capture_output=True, text=True)
                rec = [x["record"] for x in json.loads(q.stdout)["sessions"]] if q.returncode == 0 else []
                check([r["resp_ip_bytes"] for r in rec] == [i["resp_ip_bytes"]],
                      "%s: analyze counts the bytes replay counts (%s)" % (name, [r["resp_ip_bytes"] for r in rec]))
            others = [s for s in sess if s is not i]
            if outer is None:
                check(not others and i["tunnel"] is None,
                      "%s: no other session, no tunnel (%d)" % (name, len(others)))
                continue
            o = [s for s in others if s["id"] == i["tunnel"]]
            check(len(o) == 1 and o[0]["proto"] == outer[0] and i["tunnel_type"] == outer[1],
                  "%s: inner linked to its %s tunnel %s" % (name, outer[1], [s["proto"] for s in o]))
            # gre-in-gre has two tunnels; a UDP tunnel's endpoints both send to the tunnel
            # port, so each direction is an outer flow of its own
            check(len(others) == (2 if name == "gre-in-gre" or outer[0] == "udp" else 1),
                  "%s: the tunnel sessions and nothing else (%d)" % (name, len(others)))
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        sys.exit(1)


if __name__ == "__main__":
    main()
