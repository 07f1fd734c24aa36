#!/usr/bin/env python3
"""fuzz-seeds.py - seed corpus for fuzz/fuzz_pkt from real captures.

Usage: fuzz-seeds.py OUT_DIR [--max N] PCAP...

Writes one file per captured frame, in fuzz_pkt's input format: byte 0
selects the link type (the index into fuzz_pkt.c's `links` table), byte 1
the checksum option (0 or 1, alternating), then the frame.  Only classic
pcap and pcapng files whose link type fuzz_pkt knows are read; identical
frames are written once.  Frames are taken round-robin across files so a
large capture cannot crowd out the small, unusual ones.  Standard library
only.
"""
import hashlib
import os
import struct
import sys

# Must match `links` in fuzz/fuzz_pkt.c.
LINKS = [1, 0, 108, 101, 12, 228, 229, 113, 276]
MAX_FRAME = 4096


def pcap_frames(data):
    """Yield (linktype, frame) from a classic pcap file."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return
    if len(data) < 24:
        return
    link = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        if incl > len(data) - off:
            return
        yield link, data[off:off + incl]
        off += incl


def pcapng_frames(data):
    """Yield (linktype, frame) from a pcapng file (EPB, SPB and obsolete PB)."""
    off, e, links = 0, "<", []
    while off + 12 <= len(data):
        btype = struct.unpack(e + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:  # section header: byte order and interfaces reset
            bom = data[off + 8:off + 12]
            e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 8:  # interface description
            links.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:  # enhanced packet
            ifid, _, _, cap, _ = struct.unpack(e + "IIIII", body[:20])
            if ifid < len(links):
                yield links[ifid], body[20:20 + cap]
        elif btype == 3 and len(body) >= 4 and links:  # simple packet
            yield links[0], body[4:]
        elif btype == 2 and len(body) >= 20:  # obsolete packet block
            ifid = struct.unpack(e + "H", body[:2])[0]
            cap = struct.unpack(e + "I", body[12:16])[0]
            if ifid < len(links):
                yield links[ifid], body[20:20 + cap]
        off += blen


def frames(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return
    gen = pcapng_frames(data) if data[:4] == b"\x0a\x0d\x0d\x0a" else pcap_frames(data)
    for link, frame in gen:
        if link in LINKS and len(frame) <= MAX_FRAME:
            yield LINKS.index(link), frame


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    out, args, cap = argv[1], argv[2:], 2000
    if len(args) >= 2 and args[0] == "--max":
        cap, args = int(args[1]), args[2:]
    os.makedirs(out, exist_ok=True)
    gens = [frames(p) for p in args]
    seen, n = set(), 0
    while gens and n < cap:
        alive = []
        for g in gens:
            item = next(g, None)
            if item is None:
                continue
            alive.append(g)
            sel, frame = item
            blob = bytes([sel, n & 1]) + frame
            h = hashlib.sha1(blob[2:] + bytes([sel])).hexdigest()
            if h in seen:
                continue
            seen.add(h)
            with open(os.path.join(out, "seed-" + h[:16]), "wb") as f:
                f.write(blob)
            n += 1
            if n >= cap:
                break
        gens = alive
    print("fuzz-seeds: %d seeds from %d captures in %s" % (n, len(args), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
