#!/usr/bin/env python3
"""threads.py - `statewall replay --threads N` gives what one thread gives
(issue 14), on every capture in ../shared/corpus and data/captures.

Compared, in the normal form docs/benchmarks.md ("Replay on every core")
describes: session ids are the engines' own (pool slots, global per engine
as in the daemon), so they, the `tunnel` field (the outer session's id) and the `worker` field are
left out, and the
summary's peak is the sum of the engines' peaks (an upper bound: their peaks
need not coincide), so it is left out too; everything else must be equal:
  - the JSON summary (its broken list without ids, sorted);
  - the session log as a multiset of records;
  - every packet's verdict and drop reason, in capture order, and whether it
    belongs to a session;
  - the forwarded and dropped pcaps, byte for byte.

With --pcapgen, three captures long enough for many batches in flight are
generated too (bench/pcapgen: 120,000 packets): as written (100 ns apart:
every session ends in the end-of-capture flush), stretched to 1 ms apart
(timers end sessions inside the batches) and that one gzipped (read as a
stream: every batch holds copies of its frames).
"""
import argparse, gzip, json, os, struct, subprocess, sys, tempfile


def run(binary, cap, threads, d, extra=()):
    # the same paths for every run: messages that name them compare equal
    out = {k: os.path.join(d, k) for k in ("log", "verdicts", "fwd", "drop")}
    for f in out.values():
        if os.path.exists(f):
            os.unlink(f)
    p = subprocess.run([binary, "replay", "-q", "--json", "--threads", str(threads)] + list(extra) + [
                        "--log", out["log"], "--verdicts", out["verdicts"],
                        "-w", out["fwd"], "--dropped", out["drop"], cap],
                       capture_output=True, text=True)
    summary = json.loads(p.stdout) if p.stdout.strip() else None
    if summary:
        for b in summary.get("broken", []):
            b.pop("id", None)
        summary["broken"] = sorted(summary.get("broken", []), key=json.dumps)
        # the engines' peaks add up to an upper bound of the one-engine peak
        summary["sessions"].pop("peak", None)
    log = []
    for line in open(out["log"]) if os.path.exists(out["log"]) else []:
        r = json.loads(line)
        r.pop("id", None)
        r.pop("worker", None)
        r.pop("tunnel", None)  # an id too (tunnel_type stays)
        log.append(json.dumps(r, sort_keys=True))
    verdicts = []
    for line in open(out["verdicts"]) if os.path.exists(out["verdicts"]) else []:
        w = line.split()  # number, verdict, reason, session id[, pcapng interface]
        verdicts.append((w[0], w[1], w[2], w[3] != "0") + tuple(w[4:]))
    pcaps = [open(out[k], "rb").read() if os.path.exists(out[k]) else None for k in ("fwd", "drop")]
    tunnelled = any(json.loads(r).get("tunnel_type") for r in log)
    return (p.returncode, p.stderr, summary, sorted(log), verdicts, pcaps), tunnelled


def generate(pcapgen, d):
    """The long captures (see above) in d; their paths."""
    plain, spread = os.path.join(d, "gen.pcap"), os.path.join(d, "gen-1ms.pcap")
    subprocess.run([pcapgen, plain, "6000", "600", "20"], check=True, capture_output=True)
    data = bytearray(open(plain, "rb").read())
    off, t0 = 24, None  # nanosecond pcap, this host's byte order (pcapgen's)
    order = "<" if data[:4] == b"\x4d\x3c\xb2\xa1" else ">"
    while off < len(data):
        sec, nsec, cap, _ = struct.unpack_from(order + "IIII", data, off)
        t = sec * 10**9 + nsec
        t0 = t if t0 is None else t0
        t = t0 + (t - t0) * 10000  # 100 ns -> 1 ms
        struct.pack_into(order + "II", data, off, t // 10**9, t % 10**9)
        off += 16 + cap
    open(spread, "wb").write(data)
    gz = os.path.join(d, "gen-1ms-gz.pcap")  # told by its magic, read through zlib
    with gzip.open(gz, "wb") as f:
        f.write(data)
    return [plain, spread, gz]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--pcapgen", help="bench/pcapgen: also compare generated long captures")
    a = ap.parse_args()
    gendir = tempfile.TemporaryDirectory()
    caps = generate(a.pcapgen, gendir.name) if a.pcapgen else []
    for root in (os.path.join(a.shared, "corpus"), os.path.join(a.src, "data", "captures")):
        for dp, _, files in os.walk(root):
            caps += [os.path.join(dp, f) for f in files if f.endswith((".pcap", ".pcapng", ".cap"))]
    if not caps:
        print("SKIP: no captures found")
        return 77
    ok = bad = 0
    with tempfile.TemporaryDirectory() as d:
        for cap in sorted(caps):
            (one, tun), (many, _) = run(a.bin, cap, 1, d), run(a.bin, cap, a.threads, d)
            what = ("exit status", "stderr", "summary", "session log", "verdicts", "pcaps")
            diff = [w for w, x, y in zip(what, one, many) if x != y]
            name = (os.path.basename(cap) if cap.startswith(gendir.name) else
                    os.path.relpath(cap, a.shared if cap.startswith(a.shared) else a.src))
            if diff and tun:
                # inner flows are dispatched with their tunnel: the same inner flow in
                # two tunnels can be two engines' (docs/benchmarks.md); without
                # tunnel-inspect the outputs must agree exactly
                none = ("--set", "tunnel-inspect=none")
                (one, _), (many, _) = run(a.bin, cap, 1, d, none), run(a.bin, cap, a.threads, d, none)
                diff = [w + " (tunnel-inspect none)" for w, x, y in zip(what, one, many) if x != y]
                if not diff:
                    print("note %s: an inner flow in several tunnels; identical with "
                          "tunnel-inspect none" % name)
            if diff:
                bad += 1
                print("FAIL %s: --threads %d differs in %s" % (name, a.threads, ", ".join(diff)))
            else:
                ok += 1
    print("%d captures identical with --threads 1 and %d, %d differ" % (ok, a.threads, bad))
    print("%d passed, %d failed" % (ok, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
