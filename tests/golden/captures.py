#!/usr/bin/env python3
"""Replay regressions on the synthetic captures (scripts/synth-captures.py),
under every half-close mode:

rst-syn-attack.pcap (issue 10 item 10): a SYN from an off-path host inside an
idle connection, the server's challenge ACK, then an inexact in-window RST the
rate-limited server cannot answer.  The RST must not end the session: every
packet is forwarded, the session ends with the real FINs, nothing is late.

idle-26-days.pcap (issue 10 item 11): 26 days of silence, beyond the 24.8-day
wrap of 32-bit millisecond ticks.  The session must age out on timeout-tcp
(3600 s) after its last packet, with start < end, and the segment that comes
26 days later must be dropped, not forwarded into a session long gone."""
import argparse, json, os, subprocess, sys, tempfile

def replay(binary, cap, mode):
    tmp = tempfile.mkdtemp()
    v, log = os.path.join(tmp, "v"), os.path.join(tmp, "log")
    r = subprocess.run([binary, "replay", "-q", "--json", "--set", f"half-close-mode={mode}",
                        "--verdicts", v, "--log", log, cap], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{cap} ({mode}): exit {r.returncode}: {r.stderr}")
    return ([l.split() for l in open(v)], [json.loads(l) for l in open(log)])

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    a = ap.parse_args()
    caps = os.path.join(a.src, "data/captures")
    passed = failed = 0
    def check(what, ok):
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + what)
        passed += bool(ok)
        failed += not ok
    for mode in ("idle", "fixed", "tcpwait"):
        v, log = replay(a.bin, os.path.join(caps, "rst-syn-attack.pcap"), mode)
        drops = [x for x in v if x[1] != "pass"]
        check(f"rst-syn-attack ({mode}): all {len(v)} packets forwarded (dropped: {drops})",
              not drops)
        check(f"rst-syn-attack ({mode}): one session, ended by the real FINs "
              f"(got {[(s['end_reason'], s['timer']) for s in log]})",
              len(log) == 1 and log[0]["end_reason"] == "tcp-fin" and log[0]["late_pkts"] == 0)

        v, log = replay(a.bin, os.path.join(caps, "idle-26-days.pcap"), mode)
        s = log[0] if len(log) == 1 else {}
        check(f"idle-26-days ({mode}): one session, aged out by timeout-tcp "
              f"(got {[(x['end_reason'], x['timer']) for x in log]})",
              s.get("end_reason") == "aged-out" and s.get("timer") == "timeout-tcp")
        check(f"idle-26-days ({mode}): start < end, 3600 s after the last packet "
              f"(start {s.get('start')}, end {s.get('end')})",
              s and s["start"] < s["end"] and abs(s["end"] - s["start"] - 3600.051) < 0.002)
        check(f"idle-26-days ({mode}): the segments 26 days later are dropped "
              f"(got {[x[1:3] for x in v[-2:]]})",
              all(x[1] == "drop" for x in v[-2:]) and all(x[1] == "pass" for x in v[:-2]))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
