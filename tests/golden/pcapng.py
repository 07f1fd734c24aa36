#!/usr/bin/env python3
"""pcapng.py - pcapng test files from a classic pcap, each with the classic
nanosecond pcap of the same packets that statewall must read identically.

    pcapng.py IN.pcap OUT_DIR
    pcapng.py --frames FILE      (one line per frame of a pcap or pcapng)

Writes into OUT_DIR (python3 stdlib only):

  multi.pcapng / multi.ref.pcap / multi.ifnames
      three interfaces: "eth0" EN10MB snaplen 65535 with the default
      microsecond stamps, "tun0" RAW (the Ethernet header stripped) snaplen
      96 with nanosecond stamps, and an unnamed EN10MB one with if_tsresol
      2^-20 s and an if_tsoffset; packets go to them in turn.  The reference
      pcap holds every frame as Ethernet, cut where its interface's snap
      length cuts it, at the nanosecond the pcapng stamp means; ifnames is
      the interface each packet's verdict line must name.
  sections.pcapng / sections.ref.pcap
      two sections, little- then big-endian, each with its own interfaces
      (interface numbers start again), and between the packets every block a
      reader must skip: NRB, ISB, DSB, a custom block and an unknown type;
      one packet as an OPB and one as an SPB (no stamp: the packet before's).
  trunc-*.pcapng, bad-*.pcapng, and cases.tsv
      sections.pcapng cut inside each kind of block (its header, its body, its
      trailing length), and malformed blocks;
      cases.tsv: file, packets read before the error, text the message has.
  late.pcapng
      an EN10MB interface, half the packets, then a RAW interface described
      after them and the other half on it: a link type met only mid-file.
  raw.pcap
      the packets as a classic pcap of link type RAW (Ethernet stripped).

--frames reads a capture independently of statewall (classic pcap either
byte order and precision; pcapng sections of either byte order, IDB link
type, if_name, if_tsresol, if_tsoffset; EPB, SPB, OPB) and prints per frame
"NS LINK IFNAME CAPLEN WIRELEN SHA1" (IFNAME: if_name or if<N>, - for pcap).
"""
import hashlib
import os, struct, sys

LE, BE = "<", ">"


def read_pcap(path):
    d = open(path, "rb").read()
    magic = struct.unpack_from("<I", d)[0]
    e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    ns = struct.unpack_from(e + "I", d)[0] == 0xa1b23c4d
    link = struct.unpack_from(e + "I", d, 20)[0]
    assert link == 1, "an Ethernet capture is needed"
    off, pkts = 24, []
    while off < len(d):
        s, f, cl, wl = struct.unpack_from(e + "IIII", d, off)
        pkts.append((s * 10**9 + (f if ns else f * 1000), d[off + 16:off + 16 + cl], wl))
        off += 16 + cl
    return pkts


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def opt(e, code, val):
    return struct.pack(e + "HH", code, len(val)) + pad4(val)


def opts(e, items):
    if not items:
        return b""
    return b"".join(opt(e, c, v) for c, v in items) + struct.pack(e + "HH", 0, 0)


def block(e, btype, body):
    body = pad4(body)
    n = 12 + len(body)
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def shb(e, options=()):
    return block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + opts(e, options))


def idb(e, link, snap, name=None, tsresol=None, tsoffset=None):
    o = []
    if name is not None:
        o.append((2, name.encode()))
    if tsresol is not None:
        o.append((9, bytes([tsresol])))
    if tsoffset is not None:
        o.append((14, struct.pack(e + "q", tsoffset)))
    return block(e, 1, struct.pack(e + "HHI", link, 0, snap) + opts(e, o))


def units(tsresol):
    return 2 ** (tsresol & 0x7f) if tsresol & 0x80 else 10 ** tsresol


def ticks(ns, tsresol, tsoffset):
    """The stamp an interface writes for ns, and the nanosecond statewall reads back."""
    u = units(tsresol)
    t = (ns - tsoffset * 10**9) * u // 10**9
    back = t * 10**9 // u
    return t, back + tsoffset * 10**9


def epb(e, ifid, t, data, wirelen, options=()):
    return block(e, 6, struct.pack(e + "IIIII", ifid, t >> 32, t & 0xffffffff, len(data), wirelen)
                 + pad4(data) + opts(e, options))


def opb(e, ifid, t, data, wirelen):
    return block(e, 2, struct.pack(e + "HHIIII", ifid, 0, t >> 32, t & 0xffffffff, len(data),
                                   wirelen) + pad4(data))


def spb(e, data, wirelen):
    return block(e, 3, struct.pack(e + "I", wirelen) + pad4(data))


def write_pcap(path, frames):
    out = [struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 262144, 1)]
    for ns, data, wl in frames:
        out.append(struct.pack("<IIII", ns // 10**9, ns % 10**9, len(data), wl) + data)
    open(path, "wb").write(b"".join(out))


# the interfaces of multi.pcapng: (name, link, snaplen, tsresol, tsoffset)
IFACES = [("eth0", 1, 65535, 6, None), ("tun0", 101, 96, 9, None),
          (None, 1, 65535, 0x80 | 20, 1000)]


def multi(pkts, out):
    blocks, ref, names = [shb(LE, [(4, b"statewall tests/golden/pcapng.py")])], [], []
    for i, (name, link, snap, res, off) in enumerate(IFACES):
        blocks.append(idb(LE, link, snap, name, res if res != 6 else None, off))
    for n, (ns, data, wl) in enumerate(pkts):
        i = n % len(IFACES)
        name, link, snap, res, off = IFACES[i]
        t, back = ticks(ns, res, off or 0)
        payload = data[14:] if link == 101 else data
        cut = payload[:snap]
        blocks.append(epb(LE, i, t, cut, wl - 14 if link == 101 else wl,
                          [(2, struct.pack("<I", 0))] if n % 5 == 0 else ()))  # an epb_flags
        ref.append((back, (data[:14] + cut) if link == 101 else cut, wl))
        names.append(name or f"if{i}")
    open(os.path.join(out, "multi.pcapng"), "wb").write(b"".join(blocks))
    write_pcap(os.path.join(out, "multi.ref.pcap"), ref)
    open(os.path.join(out, "multi.ifnames"), "w").write("\n".join(names) + "\n")


def sections(pkts):
    """The blocks of sections.pcapng, each as (kind, bytes, packets before it), and the reference."""
    half = len(pkts) // 2
    out, ref, seen, prev = [], [], 0, 0
    for e, part in ((LE, pkts[:half]), (BE, pkts[half:])):
        out.append(("shb", shb(e), seen))
        out.append(("idb", idb(e, 1, 65535, "lan" if e == LE else "wan"), seen))
        out.append(("idb", idb(e, 101, 65535, tsresol=9), seen))
        for n, (ns, data, wl) in enumerate(part):
            k = n % 7
            if n == 2:
                out.append(("nrb", block(e, 4, struct.pack(e + "HH", 1, 8) + bytes([10, 0, 0, 1])
                                      + b"host" + struct.pack(e + "HH", 0, 0)), seen))
                out.append(("dsb", block(e, 0x0A, struct.pack(e + "II", 0x544c534b, 4) + b"keys"), seen))
                out.append(("custom", block(e, 0x00000BAD, struct.pack(e + "I", 32473) + b"pen!"), seen))
                out.append(("unknown", block(e, 0x12345678, b"unknown block body"), seen))
            if n == 3:
                out.append(("isb", block(e, 5, struct.pack(e + "III", 0, 0, 0) + opts(e, [(4, struct.pack(e + "Q", 7))])), seen))
            if k == 3:  # SPB: interface 0, no stamp
                out.append(("spb", spb(e, data, wl), seen))
                ref.append((prev, data, wl))
            elif k == 5:  # OPB on the RAW interface, ns stamps
                out.append(("opb", opb(e, 1, ns, data[14:], wl - 14), seen))
                ref.append((ns, data, wl))
                prev = ns
            else:
                t, back = ticks(ns, 6, 0)
                out.append(("epb", epb(e, 0, t, data, wl), seen))
                ref.append((back, data, wl))
                prev = back
            seen += 1
    return out, ref


def cases(blocks, out):
    whole = b"".join(b for _, b, _ in blocks)
    open(os.path.join(out, "sections.pcapng"), "wb").write(whole)
    rows, off, done = [], 0, set()
    offs = []
    for kind, b, before in blocks:
        offs.append(off)
        off += len(b)
    # cut inside the first block of each kind (the second section header: a partial summary)
    for i, (kind, b, before) in enumerate(blocks):
        if i == 0 or kind in done:
            continue
        done.add(kind)
        for where, cut in (("body", len(b) // 2), ("header", 6), ("trailer", len(b) - 2)):
            name = f"trunc-{kind}-{where}.pcapng"
            open(os.path.join(out, name), "wb").write(whole[:offs[i] + cut])
            rows.append((name, before, f"block {i + 1} (.*) at offset {offs[i]}, .*truncated"))

    def patched(i, fn, name, why, before=None):
        kind, b, bef = blocks[i]
        data = whole[:offs[i]] + fn(b) + whole[offs[i] + len(b):]
        open(os.path.join(out, name), "wb").write(data)
        rows.append((name, bef if before is None else before, f"block {i + 1} (.*{why}"))

    first = {k: next(i for i, x in enumerate(blocks) if x[0] == k and i > 0) for k in ("epb", "idb", "shb", "isb")}
    e = LE
    i = first["epb"]
    patched(i, lambda b: b[:4] + struct.pack(e + "I", len(b) + 2) + b[8:], "bad-length-odd.pcapng", "bad block length")
    patched(i, lambda b: b[:-4] + struct.pack(e + "I", len(b) + 4), "bad-length-trailer.pcapng",
            "block length at its end")
    patched(i, lambda b: b[:8] + struct.pack(e + "I", 7) + b[12:], "bad-interface.pcapng",
            "unknown interface 7 .the section describes 2.")
    patched(i, lambda b: b[:20] + struct.pack(e + "I", len(b)) + b[24:], "bad-caplen.pcapng",
            "captured length .* does not fit")
    i = first["idb"] + 1  # the unnamed RAW interface with if_tsresol: its option
    patched(i, lambda b: b[:16] + struct.pack(e + "HH", 9, 2) + b[20:], "bad-option-tsresol.pcapng",
            "bad options: if_tsresol of 2 bytes")
    patched(i, lambda b: b[:16] + struct.pack(e + "HH", 9, 200) + b[20:], "bad-option-length.pcapng",
            "bad options: option 9 of 200 bytes runs past")
    i = first["shb"]
    patched(i, lambda b: b[:8] + b"\x01\x02\x03\x04" + b[12:], "bad-bom.pcapng", "byte-order magic")
    patched(i, lambda b: b[:12] + struct.pack(">H", 2) + b[14:], "bad-version.pcapng", "pcapng version 2")
    i = first["isb"]
    patched(i, lambda b: b[:4] + struct.pack(e + "I", 8) + b[8:], "bad-length-short.pcapng", "bad block length 8")
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")


def late(pkts, out):
    half = len(pkts) // 2
    b = [shb(LE), idb(LE, 1, 65535, "eth0", 9)]
    b += [epb(LE, 0, ns, data, wl) for ns, data, wl in pkts[:half]]
    b.append(idb(LE, 101, 65535, "tun0", 9))
    b += [epb(LE, 1, ns, data[14:], wl - 14) for ns, data, wl in pkts[half:]]
    open(os.path.join(out, "late.pcapng"), "wb").write(b"".join(b))


def raw(pkts, out):
    o = [struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 262144, 101)]
    for ns, data, wl in pkts:
        o.append(struct.pack("<IIII", ns // 10**9, ns % 10**9, len(data) - 14, wl - 14) + data[14:])
    open(os.path.join(out, "raw.pcap"), "wb").write(b"".join(o))


def frames(path):
    d = open(path, "rb").read()
    if struct.unpack_from("<I", d)[0] != 0x0A0D0D0A:
        magic = struct.unpack_from("<I", d)[0]
        e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
        ns = struct.unpack_from(e + "I", d)[0] == 0xa1b23c4d
        link = struct.unpack_from(e + "I", d, 20)[0]
        off = 24
        while off < len(d):
            s, f, cl, wl = struct.unpack_from(e + "IIII", d, off)
            yield s * 10**9 + (f if ns else f * 1000), link, "-", d[off + 16:off + 16 + cl], wl
            off += 16 + cl
        return
    off, e, ifs, prev = 0, LE, [], 0
    while off < len(d):
        if struct.unpack_from("<I", d, off)[0] == 0x0A0D0D0A:
            e = LE if struct.unpack_from("<I", d, off + 8)[0] == 0x1A2B3C4D else BE
            ifs = []
        t, n = struct.unpack_from(e + "II", d, off)
        body = d[off + 8:off + n - 4]
        if t == 1:
            link, snap = struct.unpack_from(e + "HxxI", body)
            ifc = {"link": link, "name": "if%d" % len(ifs), "res": 6, "off": 0}
            o = 8
            while o + 4 <= len(body):
                code, ln = struct.unpack_from(e + "HH", body, o)
                v = body[o + 4:o + 4 + ln]
                if code == 0:
                    break
                if code == 2:
                    ifc["name"] = v.split(b"\0")[0].decode()
                if code == 9:
                    ifc["res"] = v[0]
                if code == 14:
                    ifc["off"] = struct.unpack(e + "q", v)[0]
                o += 4 + ln + (-ln % 4)
            ifs.append(ifc)
        elif t in (2, 6):
            if t == 6:
                i, hi, lo, cl, wl = struct.unpack_from(e + "IIIII", body)
            else:
                i, _, hi, lo, cl, wl = struct.unpack_from(e + "HHIIII", body)
            ifc = ifs[i]
            prev = ((hi << 32 | lo) * 10**9 // units(ifc["res"])) + ifc["off"] * 10**9
            yield prev, ifc["link"], ifc["name"], body[20:20 + cl], wl
        elif t == 3:
            (wl,) = struct.unpack_from(e + "I", body)
            yield prev, ifs[0]["link"], ifs[0]["name"], body[4:4 + wl], wl
        off += n


def main():
    if sys.argv[1] == "--frames":
        for ns, link, name, data, wl in frames(sys.argv[2]):
            print(ns, link, name, len(data), wl, hashlib.sha1(data).hexdigest())
        return
    pkts = read_pcap(sys.argv[1])
    out = sys.argv[2]
    multi(pkts, out)
    blocks, ref = sections(pkts)
    write_pcap(os.path.join(out, "sections.ref.pcap"), ref)
    cases(blocks, out)
    late(pkts, out)
    raw(pkts, out)


if __name__ == "__main__":
    main()
