#!/usr/bin/env python3
"""Replay the Linux conntrack selftest scripts (../shared/corpus/packetdrill-scenarios/
linux-nf-conntrack) and compare statewall's per-packet verdicts with the INVALID
counters the scripts expect (`iptables -v -S INPUT | grep INVALID | grep -q -- "-c N"`):
INPUT counts packets remote->local ("in"), OUTPUT local->remote ("out").  A
statewall drop is conntrack's INVALID.  The scripts' state checks are compared
too, with conntrack's names mapped onto statewall's per-direction states."""
import argparse, glob, json, os, re, subprocess, sys

CT_STATES = {  # conntrack name -> predicate on (originator state, responder state)
    "ESTABLISHED": lambda o, r: o == "established" and r == "established",
    "CLOSE_WAIT": lambda o, r: "fin" in o and r == "established" or "fin" in r and o == "established",
    "CLOSE ": lambda o, r: "reset" in (o, r),
    "SYN_SENT": lambda o, r: o == "syn-sent",
    "SYN_RECV": lambda o, r: o == "syn-sent" or r == "syn-sent",
}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--corpus", required=True)
    a = ap.parse_args()
    ok_all = True
    checks = passed = 0
    for oracle in sorted(glob.glob(os.path.join(a.corpus, "packetdrill-scenarios/linux-nf-conntrack/*.script-oracle.txt"))):
        pcap = oracle.replace(".script-oracle.txt", ".pcap")
        name = os.path.basename(pcap)
        dirs, expect = {}, []
        only_synack = False
        for line in open(oracle):
            f = line.rstrip("\n").split("\t")
            if f[0].startswith("pkt "):
                dirs[int(f[0][4:])] = "in" if f[2].startswith("in") else "out"
            elif f[0].startswith("check after pkt"):
                n = int(f[0].split()[-1])
                if "--tcp-flags SYN,ACK SYN,ACK" in line:
                    only_synack = True
                m = re.search(r"-S (INPUT|OUTPUT)\s*\|.*-c (\d+)", line)
                if m:
                    expect.append((n, "count", "in" if m.group(1) == "INPUT" else "out", int(m.group(2))))
                m = re.search(r"grep -q (ESTABLISHED|CLOSE_WAIT|CLOSE\\? |SYN_SENT|SYN_RECV)", line)
                if m:
                    expect.append((n, "state", m.group(1).replace("\\", ""), None))
        # Per-packet verdicts, and the session state after each packet (--verdicts + per-packet replays).
        r = subprocess.run([a.bin, "replay", "-q", "--verdicts", "-", pcap], capture_output=True, text=True)
        verdicts = [l.split() for l in r.stdout.splitlines()]
        flags = {}
        for line in open(oracle):
            f = line.rstrip("\n").split("\t")
            if f[0].startswith("pkt "):
                flags[int(f[0][4:])] = f[3]
        for n, kind, what, value in expect:
            checks += 1
            if kind == "count":
                got = sum(1 for v in verdicts[:n] if v[1] == "drop" and dirs[int(v[0])] == what and
                          (not only_synack or flags[int(v[0])] == "S."))
                ok = got == value
                desc = f"INVALID {'INPUT' if what == 'in' else 'OUTPUT'} after pkt {n}: conntrack {value}, statewall {got}"
            else:
                # State after packet n: replay the first n packets, read the session log.
                r2 = subprocess.run([a.bin, "replay", "-q", "-n", str(n), "--log", "-", pcap], capture_output=True, text=True)
                logs = [json.loads(l) for l in r2.stdout.splitlines() if l.startswith("{")]
                st = (logs[-1]["orig_state"], logs[-1]["resp_state"]) if logs else ("none", "none")
                ok = CT_STATES[what](*st)
                desc = f"state after pkt {n}: conntrack {what.strip()}, statewall {st[0]}/{st[1]}"
            passed += ok
            ok_all &= ok
            print(f"{'ok  ' if ok else 'DIFF'} {name}: {desc}")
    if checks == 0:
        print(f"no conntrack scripts under {a.corpus}/packetdrill-scenarios/linux-nf-conntrack")
        return 1
    print(f"{passed} passed, {checks - passed} failed")
    return 0 if ok_all else 1

if __name__ == "__main__":
    sys.exit(main())
