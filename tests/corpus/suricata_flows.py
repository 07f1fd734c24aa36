#!/usr/bin/env python3
"""Compare statewall's per-direction TCP states with Suricata's flow `tcp.state`
in the suricata-verify tests of ../shared/corpus that assert it.

Suricata reports one state seen from the server; statewall keeps one per
direction (originator = client, responder = server).  The mapping, in
Suricata's vocabulary (docs/tcp-tracking.md explains it):

  client syn-sent, server closed           -> syn_sent
  server syn-sent (SYN-ACK), client any    -> syn_recv
  both established                         -> established
  client FIN, server open                  -> close_wait
  client FIN, server FIN not yet acked     -> last_ack
  server FIN first, client open            -> fin_wait1 / fin_wait2 (acked)
  both FINs acked, or any side reset       -> closed
"""
import argparse, ipaddress, json, os, re, subprocess, sys

def suricata_state(o, r):
    if "reset" in (o, r):
        return "closed"
    fin = ("fin-sent", "fin-acked")
    if o in fin and r in fin:
        return "closed" if (o == "fin-acked" and r == "fin-acked") else \
               ("last_ack" if r == "fin-sent" else "closing")
    if o in fin:
        return "close_wait"
    if r in fin:
        return "fin_wait2" if r == "fin-acked" else "fin_wait1"
    if o == "syn-sent" and r == "closed":
        return "syn_sent"
    if r == "syn-sent":
        return "syn_recv"
    if o == "established" and r == "established":
        return "established"
    return f"{o}/{r}"

def parse_yaml(path):
    """The few fields we need from test.yaml (no YAML library: stdlib only)."""
    text = open(path).read()
    args = re.findall(r"^\s*-\s*(--set [^\n]+|-k [^\n]+)", text, re.M)
    checks = []
    for block in re.split(r"\n\s*-\s*filter:", text)[1:]:
        m = re.search(r"tcp\.state:\s*(\S+)", block)
        if not m or "event_type: flow" not in block:
            continue
        fields = dict(re.findall(r"(src_ip|src_port|dest_ip|dest_port):\s*\"?([^\"\s]+)\"?", block))
        checks.append((m.group(1).strip("'\""), fields))
    return args, checks

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--corpus", required=True)
    a = ap.parse_args()
    root = os.path.join(a.corpus, "suricata-verify")
    agree = total = 0
    for test in sorted(os.listdir(root)):
        y = os.path.join(root, test, "test.yaml")
        if not os.path.exists(y):
            continue
        args, checks = parse_yaml(y)
        if not checks:
            continue
        pcaps = [f for f in os.listdir(os.path.join(root, test)) if f.endswith((".pcap", ".pcapng"))]
        cmd = [a.bin, "replay", "-q", "--log", "/dev/stdout", "--set", "tcp-window-check=no"]
        if any("midstream=true" in x for x in args):
            cmd += ["--set", "tcp-reject-non-syn=no"]
        out = subprocess.run(cmd + [os.path.join(root, test, pcaps[0])], capture_output=True, text=True)
        sessions = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
        for want, f in checks:
            total += 1
            def same(k, v, s):
                got = str(s[{"src_ip": "orig_h", "src_port": "orig_p", "dest_ip": "resp_h",
                             "dest_port": "resp_p"}[k]])
                if k.endswith("_ip"):
                    return ipaddress.ip_address(got) == ipaddress.ip_address(v)
                return got == v
            cand = [s for s in sessions if s["proto"] == "tcp" and all(same(k, v, s) for k, v in f.items())]
            got = [suricata_state(s["orig_state"], s["resp_state"]) for s in cand]
            ok = want in got
            agree += ok
            print(f"{'ok  ' if ok else 'DIFF'} {test}: suricata {want}, statewall {', '.join(got) or 'no session'}"
                  + (f" ({cand[0]['orig_state']}/{cand[0]['resp_state']})" if cand and not ok else ""))
    if total == 0:
        print(f"no suricata-verify flow checks found under {root}")
        return 1
    print(f"suricata tcp.state agreement: {agree}/{total}")
    print(f"{agree} passed, {total - agree} failed")
    return 0 if agree == total else 1

if __name__ == "__main__":
    sys.exit(main())
