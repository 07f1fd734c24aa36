#!/usr/bin/env python3
"""reset_replay.py - replay tests of reset-on-expiry (issue 12) on a generated capture.

The capture (scripts/synth-captures.py's frame builder, deterministic), with
half-close-mode fixed, timeout-tcp-half-closed 120 and timeout-tcp 100:

  port 5002  the client half-closes at 1 s, the server resumes at 201 s:
             aged out by timeout-tcp-half-closed (half-closed)
  port 7000  established, silent from 0.05 s to 201 s: aged out by timeout-tcp
  port 8000  a SYN nobody answers: aged out by timeout-tcpinit, the server's
             sequence numbers unknown: no RST possible

For each policy (global, rule, service override, and their precedence) the
summary's RST count and the session log's expiry_reset per port.

    reset_replay.py --bin BUILD/statewall --src SRC
"""
import atexit, json, os, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import synthtest  # noqa: E402

a, sy = synthtest.start()
FIN, SYN, ACK, PSH = sy.FIN, sy.SYN, sy.ACK, sy.PSH


def half_closed():
    cv = sy.Conv("192.0.2.10", "198.51.100.20", 40001, 5002, 1000000, 1500000)
    sy.handshake(cv, 100, 200)
    cv.add(1.000, 1, FIN | ACK, 101, 201)
    cv.add(1.010, 0, ACK, 201, 102)
    cv.add(201.000, 0, PSH | ACK, 201, 102, 300)
    cv.add(201.010, 1, ACK, 102, 501)
    return cv.pkts


def idle_established():
    cv = sy.Conv("192.0.2.10", "198.51.100.20", 40002, 7000, 3000000, 3500000)
    sy.handshake(cv, 100, 200)
    cv.add(201.000, 0, PSH | ACK, 201, 101, 300)
    return cv.pkts


def unanswered_syn():
    cv = sy.Conv("192.0.2.10", "198.51.100.20", 40003, 8000, 5000000, 5500000)
    cv.add(0.000, 1, SYN, 0, 0)
    return cv.pkts


tmp = tempfile.mkdtemp(prefix="sw-reset-")
atexit.register(shutil.rmtree, tmp, True)
cap = os.path.join(tmp, "reset.pcap")
sy.write(cap, sy.T0, sorted(half_closed() + idle_established() + unanswered_syn(),
                            key=lambda p: p[0]))
BASE = """set deviceconfig setting session half-close-mode fixed
set deviceconfig setting session timeout-tcp-half-closed 120
set deviceconfig setting session timeout-tcp 100
"""
fails = 0


def replay(conf, json_out=True):
    path = os.path.join(tmp, "c.conf")
    with open(path, "w") as f:
        f.write(BASE + conf)
    args = [a.bin, "replay", "-q", "-c", path, "--log", os.path.join(tmp, "log")]
    r = subprocess.run(args + (["--json"] if json_out else []) + [cap],
                       capture_output=True, text=True)
    log = {}
    with open(os.path.join(tmp, "log")) as f:
        for line in f:
            s = json.loads(line)
            log[s["resp_p"]] = s
    os.unlink(os.path.join(tmp, "log"))
    return r, log


def check(name, conf, want_counts, want_ports):
    """want_counts: (rsts, sessions, not_possible); want_ports: {port: expiry_reset}"""
    global fails
    r, log = replay(conf)
    try:
        s = json.loads(r.stdout)
    except ValueError:
        print(f"FAIL {name}: exit {r.returncode}: {r.stderr.strip()}")
        fails += 1
        return
    x = s["sessions"]["resets_on_expiry"]
    got = (x["rsts"], x["sessions"], x["not_possible"])
    ports = {p: log[p]["expiry_reset"] for p in (5002, 7000, 8000)}
    ends = {p: (log[p]["end_reason"], log[p]["timer"]) for p in (5002, 7000, 8000)}
    ok = got == want_counts and ports == want_ports
    # every session is aged out, and the late packets of 5002 and 7000 still counted
    ok = ok and ends == {5002: ("aged-out", "timeout-tcp-half-closed"),
                         7000: ("aged-out", "timeout-tcp"), 8000: ("aged-out", "timeout-tcpinit")}
    ok = ok and log[5002]["late_pkts"] == 2 and log[7000]["late_pkts"] == 1
    broken = {b["flow"].split(":")[-1].split()[0]: b["reset"] for b in s["broken"]}
    ok = ok and all(v == (want_ports[int(k)] == "sent") for k, v in broken.items() if k.isdigit())
    if ok:
        print(f"ok   {name}: rsts/sessions/not_possible {got}, {ports}")
    else:
        print(f"FAIL {name}: got {got} {ports} {ends} broken {broken}, want {want_counts} {want_ports}")
        fails += 1


def refused(name, conf, want):
    global fails
    path = os.path.join(tmp, "c.conf")
    with open(path, "w") as f:
        f.write(BASE + conf)
    r = subprocess.run([a.bin, "replay", "-q", "-c", path, cap], capture_output=True, text=True)
    msg = r.stderr.strip()
    if r.returncode == 0 or want not in msg:
        print(f"FAIL {name}: exit {r.returncode}, stderr {msg!r}, want {want!r}")
        fails += 1
    else:
        print(f"ok   {name}: {msg}")


N = None
ALLOW = "set rulebase security rules R action allow\n"
check("none (default)", ALLOW, (0, 0, 0), {5002: N, 7000: N, 8000: N})
check("global half-closed",
      "set deviceconfig setting session reset-on-expiry half-closed\n" + ALLOW,
      (2, 1, 0), {5002: "sent", 7000: N, 8000: N})
check("global all", "set deviceconfig setting session reset-on-expiry all\n" + ALLOW,
      (4, 2, 1), {5002: "sent", 7000: "sent", 8000: "no-sequence"})
check("rule", "set rulebase security rules R destination-port 5002\n"
      "set rulebase security rules R reset-on-expiry all\n" + ALLOW +
      "set rulebase security rules R2 action allow\n",
      (2, 1, 0), {5002: "sent", 7000: N, 8000: N})
SVC = """set service svc-a protocol tcp port 5002
set service svc-b protocol tcp port 7000
set rulebase security rules R service [ svc-a svc-b ]
set rulebase security rules R action allow
set rulebase security rules R2 action allow
"""
check("service override", SVC + "set service svc-b protocol tcp override yes reset-on-expiry all\n",
      (2, 1, 0), {5002: N, 7000: "sent", 8000: N})
check("precedence: service > rule > global",
      SVC + "set deviceconfig setting session reset-on-expiry all\n"
      "set rulebase security rules R reset-on-expiry none\n"
      "set service svc-a protocol tcp override yes reset-on-expiry half-closed\n",
      (2, 1, 1), {5002: "sent", 7000: N, 8000: "no-sequence"})
check("precedence: a service override without reset-on-expiry leaves the rule's",
      SVC + "set rulebase security rules R reset-on-expiry half-closed\n"
      "set service svc-a protocol tcp override yes halfclose-timeout 150\n",
      (2, 1, 0), {5002: "sent", 7000: N, 8000: N})

# the text summary says it too
r, _ = replay("set deviceconfig setting session reset-on-expiry all\n" + ALLOW, json_out=False)
want = "resets    4 RSTs on expiry (an RST to each end of 2 sessions), 1 sessions without known sequence numbers (none sent)"
if want in r.stdout and "with an RST to each end, then 2 packets" in r.stdout:
    print("ok   text summary: resets line and the broken session's RSTs")
else:
    print(f"FAIL text summary: {r.stdout!r}")
    fails += 1

refused("reset-on-expiry on a udp service",
        "set service s protocol udp port 53 override yes reset-on-expiry all\n",
        ":4: token 'reset-on-expiry': reset-on-expiry is for tcp services")
refused("reset-on-expiry without override",
        "set service s protocol tcp port 53 reset-on-expiry all\n",
        ":4: token 'reset-on-expiry': reset-on-expiry needs 'override yes'")
refused("unknown word", "set rulebase security rules R reset-on-expiry yes\n" + ALLOW,
        ":4: token 'yes': unknown reset-on-expiry (expected none, half-closed or all)")
sys.exit(1 if fails else 0)
