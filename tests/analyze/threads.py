#!/usr/bin/env python3
"""threads.py - `statewall analyze --threads N` gives what one thread gives
(issue 14), on every capture in ../shared/corpus and data/captures.

analyze runs its stages' independent replays at the same time, each with one
engine and the setting's own table, and reads their results in a fixed order
(src/analyze/par.c), so nothing needs a normal form: the text report, the
JSON document and the exit status and messages must be identical, all but
the JSON's "timing" (how long each stage took).  Each capture is analysed
three ways: the default text report, --json, and --json with a small table
(max-sessions 64: refusals, evictions, "no recommendation" and its unbounded
replay) and two --what-if settings, so that every stage's jobs run.
"""
import argparse, json, os, subprocess, sys

WAYS = (
    ("text", []),
    ("json", ["--json"]),
    ("json, max-sessions 64, --what-if", ["--json", "--set", "max-sessions=64", "--what-if",
                                          "timeout-tcp-half-closed=5,timeout-tcp-time-wait=5",
                                          "--what-if",
                                          "half-close-mode=tcpwait,timeout-tcpwait=10"]),
)


def run(binary, cap, threads, extra):
    p = subprocess.run([binary, "analyze", "-q", "--threads", str(threads)] + extra + [cap],
                       capture_output=True, text=True)
    out = p.stdout
    if "--json" in extra and out.strip():
        d = json.loads(out)
        d.pop("timing", None)
        out = json.dumps(d, sort_keys=True)
    return p.returncode, p.stderr, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--threads", type=int, default=4)
    a = ap.parse_args()
    caps = []
    for root in (os.path.join(a.shared, "corpus"), os.path.join(a.src, "data", "captures")):
        for dp, _, files in os.walk(root):
            caps += [os.path.join(dp, f) for f in files if f.endswith((".pcap", ".pcapng", ".cap"))]
    if not caps:
        print("SKIP: no captures found")
        return 77
    ok = bad = 0
    for n in ("0", "17", "two"):
        p = subprocess.run([a.bin, "analyze", "--threads", n, caps[0]], capture_output=True, text=True)
        if p.returncode != 2 or "--threads '%s': expected 1 to 16" % n not in p.stderr:
            bad += 1
            print("FAIL --threads %s: exit %d, %r" % (n, p.returncode, p.stderr))
    for cap in sorted(caps):
        name = os.path.relpath(cap, a.shared if cap.startswith(a.shared) else a.src)
        diff = []
        for way, extra in WAYS:
            one, many = run(a.bin, cap, 1, extra), run(a.bin, cap, a.threads, extra)
            if one[0] not in (0, 1):  # 1: a truncated capture, analysed up to its error
                diff.append("%s: exit status %d (%s)" % (way, one[0], one[1].strip()))
            diff += ["%s: %s" % (way, w) for w, x, y in
                     zip(("exit status", "stderr", "output"), one, many) if x != y]
        if diff:
            bad += 1
            print("FAIL %s: --threads %d differs in %s" % (name, a.threads, ", ".join(diff)))
        else:
            ok += 1
    print("%d captures analysed identically with --threads 1 and %d, %d differ" % (ok, a.threads, bad))
    print("%d passed, %d failed" % (ok, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
