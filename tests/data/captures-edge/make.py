#!/usr/bin/env python3
"""Writes the edge-case captures of this folder (run it to regenerate them).

Each one once made statewall's capture reader or the analyzer misbehave:
  ts-huge.pcapng        pcapng, if_tsresol 9, second stamp 2^64-16 ns (year 2554)
  ts-huge-us.pcapng     pcapng, microseconds, second stamp 2^63 us
  tsoffset-huge.pcapng  pcapng, if_tsoffset 2^63-1000 s
  tsoffset-neg.pcapng   pcapng, if_tsoffset -2^62 s (before 1970)
  fuzz-stamp-overflow.pcapng
                        not written here: what fuzz_pcap found in 2 s on the
                        previous reader from a valid pcapng (packet 3, 1.1e10 s)
      signed overflow converting the stamp to nanoseconds (issue 10 item 16);
      now such a packet is refused as out of range, like a corrupt record
  arp-only.pcap         three ARP frames: packets but no session
  zero-length.pcap      two records with caplen 0
  header-only.pcap      a pcap header and no packet
      analyze: qsort(NULL, 0) and NULL + 0 on captures with no sessions
They are also seeds of fuzz_pcap (scripts/fuzz-run).
"""
import os
import struct


def blk(t, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", t, n) + body + struct.pack("<I", n)


def opt(code, val):
    return struct.pack("<HH", code, len(val)) + val + b"\0" * (-len(val) % 4)


UDP = (b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" +
       struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0, bytes([10, 0, 0, 1]),
                   bytes([10, 0, 0, 2])) + struct.pack("!HHHH", 1000, 53, 8, 0))


def pcapng(stamps, tsresol=None, tsoffset=None):
    out = blk(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = b""
    if tsresol is not None:
        opts += opt(9, bytes([tsresol]))
    if tsoffset is not None:
        opts += opt(14, struct.pack("<q", tsoffset))
    if opts:
        opts += opt(0, b"")
    out += blk(1, struct.pack("<HHI", 1, 0, 65535) + opts)
    for t in stamps:
        out += blk(6, struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF, len(UDP), len(UDP)) + UDP)
    return out


def pcap(frames):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, fr in enumerate(frames):
        out += struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr
    return out


ARP = b"\xff" * 6 + b"\x02\0\0\0\0\x01" + b"\x08\x06" + b"\0" * 28
FILES = {
    "ts-huge.pcapng": pcapng([1700000000 * 10**9, 0xFFFFFFFFFFFFFFF0], tsresol=9),
    "ts-huge-us.pcapng": pcapng([1700000000 * 10**6, 1 << 63]),
    "tsoffset-huge.pcapng": pcapng([1700000000 * 10**6, 1700000001 * 10**6], tsoffset=(1 << 63) - 1000),
    "tsoffset-neg.pcapng": pcapng([1700000000 * 10**6, 1700000001 * 10**6], tsoffset=-(1 << 62)),
    "arp-only.pcap": pcap([ARP] * 3),
    "zero-length.pcap": pcap([b"", b""]),
    "header-only.pcap": pcap([]),
}

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for name, data in FILES.items():
        with open(os.path.join(here, name), "wb") as f:
            f.write(data)
