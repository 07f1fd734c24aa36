#!/usr/bin/env python3
"""Off-path attacks injected into a real connection (data/captures/normal.pcap,
recorded between two Linux stacks): RSTs, a FIN and data segments with wrong
sequence or acknowledgement numbers, written with correct checksums into a
copy of the capture.  Every injected segment must be dropped with the reason
naming the broken bound, every real packet must pass, and the connection must
end normally with all its data forwarded."""
import argparse, json, os, struct, subprocess, sys, tempfile

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data)//2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def read_pcap(path):
    d = open(path, "rb").read()
    hdr, off, pkts = d[:24], 24, []
    while off < len(d):
        ts_s, ts_u, cap, wire = struct.unpack_from("<IIII", d, off)
        pkts.append([ts_s, ts_u, bytearray(d[off + 16: off + 16 + cap]), wire])
        off += 16 + cap
    return hdr, pkts

def tcp_fields(f):
    ip = 14
    ihl = (f[ip] & 15) * 4
    t = ip + ihl
    seq, ack = struct.unpack_from("!II", f, t + 4)
    return ip, t, seq, ack, f[t + 13], struct.unpack_from("!H", f, ip + 2)[0] - ihl - (f[t + 12] >> 4) * 4

def forge(f, seq=None, ack=None, flags=None, payload=None):
    f = bytearray(f)
    ip, t, _, _, _, _ = tcp_fields(f)
    thl = (f[t + 12] >> 4) * 4
    if payload is not None:
        f = f[:t + thl] + payload
        struct.pack_into("!H", f, ip + 2, len(f) - ip)
    if seq is not None:
        struct.pack_into("!I", f, t + 4, seq & 0xffffffff)
    if ack is not None:
        struct.pack_into("!I", f, t + 8, ack & 0xffffffff)
    if flags is not None:
        f[t + 13] = flags
    struct.pack_into("!H", f, ip + 10, 0)
    struct.pack_into("!H", f, ip + 10, csum(bytes(f[ip:t])))
    struct.pack_into("!H", f, t + 16, 0)
    pseudo = bytes(f[ip + 12: ip + 20]) + struct.pack("!BBH", 0, 6, len(f) - t)
    struct.pack_into("!H", f, t + 16, csum(pseudo + bytes(f[t:])))
    return f

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    a = ap.parse_args()
    hdr, pkts = read_pcap(os.path.join(a.src, "data/captures/normal.pcap"))
    # After the handshake and the first data: inject before packet 5.
    at = 4
    ip, t, seq, ack, fl, plen = tcp_fields(pkts[at][2])
    base = pkts[at]           # a real client->server segment
    RST, FIN, ACK, PSH = 4, 1, 16, 8
    attacks = [
        ("RST far above the window", forge(base[2], seq=seq + 10_000_000, flags=RST, payload=b""), "tcp-rst-out-of-window"),
        ("RST below the window", forge(base[2], seq=seq - 10_000_000, flags=RST | ACK, payload=b""), "tcp-rst-out-of-window"),
        ("RST one byte behind", forge(base[2], seq=seq - 1, flags=RST, payload=b""), "tcp-rst-out-of-window"),
        ("FIN far above the window", forge(base[2], seq=seq + 10_000_000, flags=FIN | ACK, payload=b""), "tcp-seq-above-window"),
        ("data far above the window", forge(base[2], seq=seq + 10_000_000, flags=PSH | ACK, payload=b"X" * 100), "tcp-seq-above-window"),
        ("data acknowledging unsent bytes", forge(base[2], ack=ack + 10_000_000, flags=PSH | ACK, payload=b"Y" * 100), "tcp-ack-above-sent"),
        ("data far below the window", forge(base[2], seq=seq - 1_000_000_000, flags=PSH | ACK, payload=b"Z" * 100), "tcp-seq-below-window"),
    ]
    out = []
    for i, p in enumerate(pkts):
        if i == at:
            for name, f, _ in attacks:
                out.append([p[0], p[1], f, len(f)])
        out.append(p)
    tmp = tempfile.mkdtemp()
    cap = os.path.join(tmp, "attacked.pcap")
    with open(cap, "wb") as w:
        w.write(hdr)
        for ts_s, ts_u, f, _ in out:
            w.write(struct.pack("<IIII", ts_s, ts_u, len(f), len(f)) + bytes(f))
    r = subprocess.run([a.bin, "replay", "-q", "--json", "--verdicts", os.path.join(tmp, "v"),
                        "--log", os.path.join(tmp, "log"), cap], capture_output=True, text=True)
    verdicts = [l.split() for l in open(os.path.join(tmp, "v"))]
    log = [json.loads(l) for l in open(os.path.join(tmp, "log"))]
    passed = failed = 0
    def check(what, ok):
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + what)
        passed += ok
        failed += not ok
    for j, (name, _, reason) in enumerate(attacks):
        v = verdicts[at + j]
        check(f"{name}: dropped as {reason} (got {v[1]} {v[2]})", v[1] == "drop" and v[2] == reason)
    real = verdicts[:at] + verdicts[at + len(attacks):]
    check(f"all {len(real)} real packets forwarded", all(v[1] == "pass" for v in real))
    check("one session, ended by the real FINs", len(log) == 1 and log[0]["end_reason"] == "tcp-fin")
    check("its data passed both ways", log and log[0]["history"].startswith("ShAD") and "d" in log[0]["history"])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
