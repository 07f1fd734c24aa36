#!/usr/bin/env python3
"""scoped.py - replay tests of scoped timers (issue 12) on generated captures.

The capture (built with scripts/synth-captures.py's frame builder, so it is
deterministic): two transfers, to ports 5002 and 7000; each client sends its
request and a FIN at t=1 s, the server (the open side) stays silent and
resumes sending at t=201 s, then both close.  With half-close-mode fixed and
timeout-tcp-half-closed 120, a session survives only if its half-closed
timer is above 200 s.

    scoped.py --bin BUILD/statewall --src SRC
"""
import json, os, subprocess, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import synthtest  # noqa: E402

a, sy = synthtest.start()
FIN, ACK, PSH = sy.FIN, sy.ACK, sy.PSH


def transfer(cport, sport, isn):
    cv = sy.Conv("192.0.2.10", "198.51.100.20", cport, sport, isn, isn + 500000)
    sy.handshake(cv, 100, 200)
    cv.add(1.000, 1, FIN | ACK, 101, 201)          # the client half-closes
    cv.add(1.010, 0, ACK, 201, 102)
    cv.add(201.000, 0, PSH | ACK, 201, 102, 300)   # the open side resumes
    cv.add(201.010, 1, ACK, 102, 501)
    cv.add(202.000, 0, FIN | ACK, 501, 102)
    cv.add(202.010, 1, ACK, 102, 502)
    return cv.pkts


tmp = tempfile.mkdtemp(prefix="sw-scoped-")
cap = os.path.join(tmp, "two-halfclosed.pcap")
pkts = sorted(transfer(40001, 5002, 1000000) + transfer(40002, 7000, 3000000),
              key=lambda p: p[0])
sy.write(cap, sy.T0, pkts)

BASE = """set deviceconfig setting session half-close-mode fixed
set deviceconfig setting session timeout-tcp-half-closed 120
"""
fails = 0


def replay(conf):
    path = os.path.join(tmp, "c.conf")
    with open(path, "w") as f:
        f.write(BASE + conf)
    r = subprocess.run([a.bin, "replay", "-q", "-c", path, "--log", "-", "--json", cap],
                       capture_output=True, text=True)
    return r


def sessions(r):
    out = {}
    for line in r.stdout.splitlines():
        if line.startswith("{") and '"orig_h"' in line:
            s = json.loads(line)
            out[s["resp_p"]] = s
    return out


def check(name, conf, want):
    """want: {port: (end_reason, timer_value or None, timer_source or None)}"""
    global fails
    r = replay(conf)
    if r.returncode != 0 and "broken" not in r.stdout:
        print(f"FAIL {name}: exit {r.returncode}: {r.stderr.strip()}")
        fails += 1
        return
    got = sessions(r)
    for port, (reason, value, source) in want.items():
        s = got.get(port)
        g = (s["end_reason"], s.get("timer_value"), s.get("timer_source")) if s else None
        w = (reason, value, source)
        if g != w:
            print(f"FAIL {name}: port {port}: got {g}, want {w}")
            fails += 1
        else:
            print(f"ok   {name}: port {port}: {g}")


def refused(name, conf, want):
    global fails
    r = replay(conf)
    msg = r.stderr.strip()
    if r.returncode == 0 or want not in msg:
        print(f"FAIL {name}: exit {r.returncode}, stderr {msg!r}, want {want!r}")
        fails += 1
    else:
        print(f"ok   {name}: {msg}")


ALLOW = "set rulebase security rules R action allow\n"
AGED = ("aged-out", 120, "default")  # 120 s is timeout-tcp-half-closed's default
check("global 120 s: both age out", ALLOW, {5002: AGED, 7000: AGED})
SVC = """set service svc-x protocol tcp port 5002,6000-6010
set service svc-x protocol tcp override yes halfclose-timeout 600
set rulebase security rules R service [ svc-x svc-y ]
set rulebase security rules R action allow
set rulebase security rules R2 action allow
"""
check("service override", "set service svc-y protocol tcp port 7000\n" + SVC,
      {5002: ("tcp-fin", None, None), 7000: AGED})
# tcpwait mode: halfclose-timeout is the tcpwait life (the global one is 30 s).
check("tcpwait mode",
      "set deviceconfig setting session half-close-mode tcpwait\n"
      "set service svc-y protocol tcp port 7000\n" + SVC,
      {5002: ("tcp-fin", None, None), 7000: ("aged-out", 30, "default")})
check("tcpwait mode, override below the gap",
      "set deviceconfig setting session half-close-mode tcpwait\n"
      "set service svc-y protocol tcp port 7000\n" + SVC.replace("halfclose-timeout 600", "halfclose-timeout 150"),
      {5002: ("aged-out", 150, "service svc-x override"), 7000: ("aged-out", 30, "default")})
check("a udp service never matches tcp",
      "set service svc-y protocol udp port 5002 override yes timeout 900\n" +
      SVC.replace("[ svc-x svc-y ]", "svc-y"),
      {5002: AGED, 7000: AGED})
check("rule without the service: global",
      "set service svc-y protocol tcp port 7000\n" + SVC.replace("[ svc-x svc-y ]", "svc-y"),
      {5002: AGED, 7000: AGED})
check("override no",
      "set service svc-y protocol tcp port 7000\n" + SVC +
      "set service svc-x protocol tcp override no\n",
      {5002: AGED, 7000: AGED})
# The first service of the rule that matches decides, in the rule's order.
check("first matching service",
      "set service svc-y protocol tcp port 5002 override yes halfclose-timeout 130\n" +
      SVC.replace("[ svc-x svc-y ]", "[ svc-y svc-x ]"),
      {5002: ("aged-out", 130, "service svc-y override"), 7000: AGED})
# A service-group in the rule's list: its members, in order, as if listed there.
GROUP = """set service svc-x protocol tcp port 5002 override yes halfclose-timeout 600
set service svc-y protocol tcp port 7000
set service svc-z protocol tcp port 7000 override yes halfclose-timeout 300
set service-group grp members [ svc-z svc-x ]
set rulebase security rules R service LIST
set rulebase security rules R action allow
set rulebase security rules R2 action allow
"""
check("service-group", GROUP.replace("LIST", "[ svc-y grp ]"),
      {5002: ("tcp-fin", None, None), 7000: AGED})
check("service-group first", GROUP.replace("LIST", "[ grp svc-y ]"),
      {5002: ("tcp-fin", None, None), 7000: ("tcp-fin", None, None)})
# Per-rule timeouts (pf style), and precedence: a service override beats the rule's.
RULE = """set rulebase security rules R destination-port 5002
set rulebase security rules R timeout-tcp-half-closed RT
set rulebase security rules R action allow
set rulebase security rules R2 action allow
"""
check("rule timeout", RULE.replace("RT", "600"), {5002: ("tcp-fin", None, None), 7000: AGED})
check("rule timeout below the gap", RULE.replace("RT", "150"),
      {5002: ("aged-out", 150, "rule R"), 7000: AGED})
check("precedence: service 600 over rule 150",
      "set service svc-x protocol tcp port 5002 override yes halfclose-timeout 600\n" +
      RULE.replace("RT", "150") + "set rulebase security rules R service svc-x\n",
      {5002: ("tcp-fin", None, None), 7000: AGED})
check("precedence: service 150 over rule 600",
      "set service svc-x protocol tcp port 5002 override yes halfclose-timeout 150\n" +
      RULE.replace("RT", "600") + "set rulebase security rules R service svc-x\n",
      {5002: ("aged-out", 150, "service svc-x override"), 7000: AGED})
check("a timer the service leaves alone stays the rule's",
      "set service svc-x protocol tcp port 5002 override yes timewait-timeout 20\n" +
      RULE.replace("RT", "150") + "set rulebase security rules R service svc-x\n",
      {5002: ("aged-out", 150, "rule R"), 7000: AGED})
refused("rule timeout out of range",
        "set rulebase security rules R timeout-tcp-time-wait 601\n" + ALLOW,
        ":3: token '601': timeout-tcp-time-wait out of range (expected 1..600 seconds)")
refused("unknown rule timer", "set rulebase security rules R timeout-tcp-halfclosed 60\n" + ALLOW,
        ":3: token 'timeout-tcp-halfclosed': unknown timer")
# Application timeouts (port-based), below a rule's timeout and a service override.
APP = "set application app-x protocol tcp port 5002 tcp-half-closed-timeout AT\n"
check("application timeout", APP.replace("AT", "600") + ALLOW,
      {5002: ("tcp-fin", None, None), 7000: AGED})
check("application timeout below the gap", APP.replace("AT", "150") + ALLOW,
      {5002: ("aged-out", 150, "application app-x"), 7000: AGED})
check("precedence: rule 150 over application 600",
      APP.replace("AT", "600") + RULE.replace("RT", "150"),
      {5002: ("aged-out", 150, "rule R"), 7000: AGED})
check("precedence: service 150 over application 600",
      APP.replace("AT", "600") +
      "set service svc-x protocol tcp port 5002 override yes halfclose-timeout 150\n"
      "set rulebase security rules R service svc-x\n" + ALLOW + "set rulebase security rules R2 action allow\n",
      {5002: ("aged-out", 150, "service svc-x override"), 7000: AGED})
check("application in tcpwait mode",
      "set deviceconfig setting session half-close-mode tcpwait\n" +
      APP.replace("AT", "600") + ALLOW,
      {5002: ("tcp-fin", None, None), 7000: ("aged-out", 30, "default")})
# service application-default: the rule takes only the applications' ports.
check("application-default",
      "set application app-x protocol tcp port 5002 tcp-half-closed-timeout 150\n"
      "set rulebase security rules R service application-default\n"
      "set rulebase security rules R timeout-tcp-half-closed 600\n"
      "set rulebase security rules R action allow\n"
      "set rulebase security rules R2 action allow\n",
      {5002: ("tcp-fin", None, None), 7000: AGED})
refused("udp timeout on a tcp application",
        "set application a protocol tcp port 1 udp-timeout 60\n",
        ":3: token 'udp-timeout': not a timeout of a tcp application")
refused("application without port",
        "set application a protocol udp udp-timeout 60\n",
        ":3: token 'a': application 'a' has no port")

refused("too many timer profiles",
        "".join(f"set service s{i} protocol tcp port {1000 + i} override yes timeout 60\n"
                for i in range(10)) +
        "".join(f"set rulebase security rules r{i} timeout-tcp {100 + i}\n"
                f"set rulebase security rules r{i} action allow\n" for i in range(12)),
        "is 143, more than the 128 timer profiles")

refused("unknown service", "set rulebase security rules R service nope\n" + ALLOW,
        ":3: token 'nope': unknown service")
refused("overlapping ranges", "set service s protocol tcp port 5000-5010,5005\n",
        ":3: token '5000-5010,5005': service 's' port: range 5005-5005 overlaps 5000-5010")
refused("override without protocol", "set service s override yes timeout 5\n",
        ":3: token 'override': override on a service with no protocol")
refused("out of range", "set service s protocol tcp port 1 override yes timewait-timeout 601\n",
        ":3: token '601': timewait-timeout out of range (expected 1..600 seconds)")
refused("timeout without override", "set service s protocol tcp port 1 timeout 60\n",
        ":3: token 'timeout': a timeout needs 'override yes'")
refused("service without port", "set service s protocol tcp override yes timeout 60\n",
        ":3: token 's': service 's' has no port")
refused("delete a used service", "set service s protocol tcp port 1\n"
        "set rulebase security rules R service s\n" + ALLOW + "delete service s\n",
        ":6: token 's': service is used by rule 'R'")
refused("udp halfclose", "set service s protocol udp port 53 override yes halfclose-timeout 5\n",
        ":3: token 'halfclose-timeout': a udp service has only 'timeout'")
refused("delete a grouped service", "set service s protocol tcp port 1\n"
        "set service-group g members s\n" "delete service s\n",
        ":5: token 's': service is a member of service-group 'g'")
refused("delete a used group", "set service s protocol tcp port 1\n"
        "set service-group g members [ s ]\n"
        "set rulebase security rules R service g\n" + ALLOW + "delete service-group g\n",
        ":7: token 'g': service-group is used by rule 'R'")
refused("unknown group member", "set service-group g members [ nope ]\n",
        ":3: token 'nope': unknown service")
# half-closed-refresh (idle mode, half-closed 120 s): port 8001's closed side
# (the client, after its FIN) sends bare ACKs every 60 s and the server resumes
# at 201 s; port 8002's open side (the server) sends every 60 s.
def closed_side_acks():
    cv = sy.Conv("192.0.2.10", "198.51.100.20", 40003, 8001, 5000000, 5500000)
    sy.handshake(cv, 100, 200)
    cv.add(1.000, 1, FIN | ACK, 101, 201)
    cv.add(1.010, 0, ACK, 201, 102)
    for t in (61.0, 121.0, 181.0):
        cv.add(t, 1, ACK, 102, 201)
    cv.add(201.000, 0, PSH | ACK, 201, 102, 300)
    cv.add(201.010, 1, ACK, 102, 501)
    cv.add(202.000, 0, FIN | ACK, 501, 102)
    cv.add(202.010, 1, ACK, 102, 502)
    return cv.pkts


def open_side_sends():
    cv = sy.Conv("192.0.2.10", "198.51.100.20", 40004, 8002, 7000000, 7500000)
    sy.handshake(cv, 100, 200)
    cv.add(1.000, 1, FIN | ACK, 101, 201)
    cv.add(1.010, 0, ACK, 201, 102)
    seq = 201
    for t in (61.0, 121.0, 181.0):
        cv.add(t, 0, PSH | ACK, seq, 102, 100)
        seq += 100
        cv.add(t + 0.01, 1, ACK, 102, seq)
    cv.add(202.000, 0, FIN | ACK, seq, 102)
    cv.add(202.010, 1, ACK, 102, seq + 1)
    return cv.pkts


cap = os.path.join(tmp, "refresh.pcap")
sy.write(cap, sy.T0, sorted(closed_side_acks() + open_side_sends(), key=lambda p: p[0]))
BASE = ""
FIN_END = ("tcp-fin", None, None)
check("half-closed-refresh both (default)", ALLOW, {8001: FIN_END, 8002: FIN_END})
check("half-closed-refresh both", "set deviceconfig setting session half-closed-refresh both\n" +
      ALLOW, {8001: FIN_END, 8002: FIN_END})
check("half-closed-refresh open-side",
      "set deviceconfig setting session half-closed-refresh open-side\n" + ALLOW,
      {8001: ("aged-out", 120, "default"), 8002: FIN_END})
sys.exit(1 if fails else 0)
