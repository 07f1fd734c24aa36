#!/usr/bin/env python3
"""Golden tests: every bundled capture (data/captures/*.pcap) replayed under each
half-close mode must give exactly the stored session log and JSON summary
(tests/golden/expected/NAME.MODE.out).  `--update` rewrites the expected files
after a deliberate change; review the diff before committing it."""
import argparse, difflib, glob, json, os, subprocess, sys

MODES = ["idle", "fixed", "tcpwait"]

def run(binary, cap, mode):
    r = subprocess.run([binary, "replay", "-q", "--json", "--set", f"half-close-mode={mode}",
                        "--log", "/dev/stderr", cap], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{cap} ({mode}): exit {r.returncode}: {r.stderr}")
    summary = json.loads(r.stdout)
    log = [json.loads(l) for l in r.stderr.splitlines() if l.startswith("{")]
    return summary, log

def render(summary, log):
    out = ["summary " + json.dumps(summary, sort_keys=True)]
    out += ["session " + json.dumps(s, sort_keys=True) for s in log]
    return "\n".join(out) + "\n"

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()
    caps = sorted(glob.glob(os.path.join(a.src, "data/captures/*.pcap")))
    failed = passed = 0
    for cap in caps:
        name = os.path.basename(cap)[:-5]
        for mode in MODES:
            got = render(*run(a.bin, cap, mode))
            path = os.path.join(a.src, "tests/golden/expected", f"{name}.{mode}.out")
            if a.update:
                open(path, "w").write(got)
                continue
            want = open(path).read() if os.path.exists(path) else ""
            if got == want:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {name} ({mode}):")
                sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                           "expected", "statewall"))
    # What the half-close capture is for, stated outright rather than only in a golden file.
    cap = os.path.join(a.src, "data/captures/halfclose-client-45s.pcap")
    s, log = run(a.bin, cap, "tcpwait")
    checks = [
        ("tcpwait drops late data as session-aged-out", s["packets"]["drop_reasons"].get("session-aged-out", 0) > 0),
        ("tcpwait lists the session as broken by timeout-tcpwait",
         len(s["broken"]) == 1 and s["broken"][0]["timer"] == "timeout-tcpwait"),
        ("tcpwait log: aged-out / timeout-tcpwait with late_pkts", log[0]["end_reason"] == "aged-out"
         and log[0]["timer"] == "timeout-tcpwait" and log[0]["late_pkts"] > 0),
    ]
    s, log = run(a.bin, cap, "idle")
    checks += [
        ("idle forwards every packet", s["packets"]["dropped"] == 0 and s["packets"]["forwarded"] == s["packets"]["total"]),
        ("idle breaks nothing", s["broken"] == [] and log[0]["late_pkts"] == 0),
    ]
    for what, ok in checks:
        print(("ok   " if ok else "FAIL ") + what)
        passed += ok
        failed += not ok
    if not a.update:
        print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
