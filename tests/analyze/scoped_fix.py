#!/usr/bin/env python3
"""scoped_fix.py - `statewall analyze` recommends the narrowest fix (issue 12).

Captures built at run time with scripts/synth-captures.py's frame builder (as
tests/timers/scoped.py does): half-closed transfers to different ports, each
client sending its request and a FIN at t=1 s, the server (the open side)
silent until it resumes at a given time, then both close.  Under half-close-mode
fixed and a global timeout-tcp-half-closed of 120 s, a transfer resuming after
200 s breaks and one resuming after 100 s does not.  Each capture also has a
half-closed session whose server never answers (its application is gone): a
global half-closed timer keeps it in the table as long as its value, which is
what a scoped fix saves.

For each case: analyze --json; its "overrides" name exactly the ports that need
one, with the smallest value (the need rounded up to a whole second); every
override's "lines", written to a file and given to `statewall replay` with
-c after the analyzed configuration, break none of its sessions, and so do the
lines of all of them at once; replay's verdicts for every packet that is not
late are the same as under the analyzed configuration (policy unchanged); the
scoped fix costs less than the global one; the text report shows the scoped
fix first, with the lines.

    scoped_fix.py --bin BUILD/statewall --src SRC
"""
import json, math, os, subprocess, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import synthtest  # noqa: E402

a, sy = synthtest.start()
FIN, ACK, PSH = sy.FIN, sy.ACK, sy.PSH
FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def transfer(cport, sport, isn, resume, client="192.0.2.10"):
    """A client half-closes at 1 s; the server resumes at `resume` s, then both close.
    resume None: the server's application is gone, nothing more comes."""
    cv = sy.Conv(client, "198.51.100.20", cport, sport, isn, isn + 500000)
    sy.handshake(cv, 100, 200)
    cv.add(1.000, 1, FIN | ACK, 101, 201)
    cv.add(1.010, 0, ACK, 201, 102)
    if resume is None:
        return cv.pkts
    cv.add(resume, 0, PSH | ACK, 201, 102, 300)
    cv.add(resume + 0.010, 1, ACK, 102, 501)
    cv.add(resume + 1.000, 0, FIN | ACK, 501, 102)
    cv.add(resume + 1.010, 1, ACK, 102, 502)
    return cv.pkts


tmpdir = tempfile.TemporaryDirectory(prefix="sw-scoped-fix-")
tmp = tmpdir.name
BASE = ("set deviceconfig setting session half-close-mode fixed\n"
        "set deviceconfig setting session timeout-tcp-half-closed 120\n")


def capture(name, transfers):
    path = os.path.join(tmp, name + ".pcap")
    pkts = []
    for i, t in enumerate(transfers):
        pkts += transfer(40001 + i, t[0], 1000000 * (i + 1), t[1], *t[2:])
    sy.write(path, sy.T0, sorted(pkts, key=lambda p: p[0]))
    return path


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def analyze(conf, cap, text=False):
    args = [a.bin, "analyze", "-q", "-c", conf] + ([] if text else ["--json"]) + [cap]
    r = subprocess.run(args, capture_output=True, text=True)
    check(r.returncode == 0, "analyze %s exits 0 (%d: %s)" % (os.path.basename(cap), r.returncode,
                                                              r.stderr.strip()))
    return r.stdout if text else json.loads(r.stdout)


def replay(confs, cap):
    """The session log and the per-packet verdicts of `statewall replay -c ... -c ...`."""
    log, verd = os.path.join(tmp, "log.json"), os.path.join(tmp, "verdicts.txt")
    args = [a.bin, "replay", "-q", "--log", log, "--verdicts", verd]
    for c in confs:
        args += ["-c", c]
    r = subprocess.run(args + [cap], capture_output=True, text=True)
    check(r.returncode == 0, "replay %s exits 0 (%s)" % (" ".join(os.path.basename(c) for c in confs),
                                                       r.stderr.strip()))
    sessions = [json.loads(l) for l in open(log) if l.startswith("{")]
    verdicts = [l.split() for l in open(verd) if l.strip()]
    return sessions, verdicts


def broken_ports(sessions):
    return sorted(s["resp_p"] for s in sessions if s.get("late_pkts", 0) > 0)


def same_policy(name, base, fixed):
    """Every packet forwarded or dropped alike, except the late ones the fix now forwards."""
    diff = [(b, f) for b, f in zip(base, fixed) if b[1:3] != f[1:3] and "session-aged-out" not in b]
    check(len(base) == len(fixed) and not diff,
          "%s: every other packet's verdict is unchanged (%d packets, %d differ%s)" %
          (name, len(base), len(diff), (": %s" % diff[:2]) if diff else ""))


def case(name, transfers, rules, want, base=BASE, timer="timeout-tcp-half-closed",
         global_saves=True):
    """want: {port: halfclose-timeout value}; the other ports must get no override.
    global_saves: the same timer raised globally saves them too (else: it cannot)."""
    cap = capture(name, transfers)
    conf = write(name + ".conf", base + rules)
    js = analyze(conf, cap)
    ov = js["overrides"]
    got = {o["port"]: o["value"] for o in ov}
    check(got == want, "%s: overrides %s == %s" % (name, got, want))
    base_sessions, base_verdicts = replay([conf], cap)
    check(broken_ports(base_sessions) == sorted(want),
          "%s: the analyzed configuration breaks ports %s" % (name, broken_ports(base_sessions)))
    for o in ov:
        check(o["proto"] == "tcp" and o["setting"] == "halfclose-timeout" and
              o["timer"] == timer and o["error"] is None,
              "%s: port %d: tcp halfclose-timeout (for %s)" % (name, o["port"], timer))
        need = o["needed"]
        check(o["value"] == max(1, math.ceil(need)) and not o["raised_by_replay"],
              "%s: port %d: value %d is the need %.6f s rounded up" % (name, o["port"], o["value"], need))
        check(o["lines"] and o["lines"][0].startswith("set service ") and
              any(l.startswith("set rulebase security rules ") for l in o["lines"]),
              "%s: port %d: lines set a service and a rule" % (name, o["port"]))
        fix = write("%s-%d.conf" % (name, o["port"]), "\n".join(o["lines"]) + "\n")
        sessions, verdicts = replay([conf, fix], cap)
        left = [p for p in broken_ports(sessions) if p == o["port"]]
        check(not left, "%s: port %d: replay -c %s -c lines breaks none of its sessions" %
              (name, o["port"], os.path.basename(conf)))
        same_policy("%s: port %d" % (name, o["port"]), base_verdicts, verdicts)
        c, g = o["cost"], o["global"]["cost"]
        n = len(o["sessions"])
        check(c["saved"] == n and g["saved"] == (n if global_saves else 0),
              "%s: port %d: the override saves its %d session(s), the global change %d" %
              (name, o["port"], n, g["saved"]))
        if not global_saves:
            check(o["cheaper"] == "scoped", "%s: port %d: the scoped fix comes first" % (name, o["port"]))
            continue
        check(c["session_seconds"] < g["session_seconds"] and o["cheaper"] == "scoped",
              "%s: port %d: scoped %.1f session-s < global %.1f (%s)" %
              (name, o["port"], c["session_seconds"], g["session_seconds"],
               " ".join("%s %d" % kv for kv in o["global"]["set"].items())))
        check(c["peak"] <= g["peak"] and c["peak_share"] <= g["peak_share"],
              "%s: port %d: scoped peak %d <= global %d" % (name, o["port"], c["peak"], g["peak"]))
    al = js["overrides_all"]
    if not want:
        check(ov == [] and al is None, "%s: nothing broken: no override" % name)
        return js
    fix = write(name + "-all.conf", "\n".join(al["lines"]) + "\n")
    sessions, verdicts = replay([conf, fix], cap)
    check(broken_ports(sessions) == [], "%s: all the lines at once: replay breaks nothing" % name)
    same_policy(name + ": all at once", base_verdicts, verdicts)
    check(al["cheaper"] == "scoped" and (not global_saves or
                                         al["cost"]["session_seconds"] < al["global"]["cost"]["session_seconds"]),
          "%s: all at once: scoped %.1f < global %.1f session-s" %
          (name, al["cost"]["session_seconds"], al["global"]["cost"]["session_seconds"]))
    text = analyze(conf, cap, text=True)
    sec = text[text.find("Narrowest fix"):]
    ok = "Narrowest fix" in text and sec.find("scoped (the") < sec.find("global  saves", sec.find("all at once")) \
        and all(l in sec for l in al["lines"])
    check(ok, "%s: the text report shows the scoped fix first, with its lines" % name)
    return js


ALLOW = "set rulebase security rules R action allow\n"
# The capture: two half-closed transfers, one resuming after 200 s (port
# 7000), the other after 100 s (port 5002): only 7000 needs the fix.
GONE = (5002, None)
js = case("one-port", [(5002, 101.0), (7000, 201.0), GONE], ALLOW, {7000: 202})
# The capture of tests/timers (both resume at 201 s), where port 5002 already has
# an override in the rule's service list: only 7000 needs one, on svc-y's copy.
case("service-list", [(5002, 201.0), (7000, 201.0), (8080, None)],
     "set service svc-x protocol tcp port 5002,6000-6010\n"
     "set service svc-x protocol tcp override yes halfclose-timeout 600\n"
     "set service svc-y protocol tcp port 7000\n"
     "set rulebase security rules R service [ svc-x svc-y ]\n" + ALLOW +
     "set rulebase security rules R2 action allow\n", {7000: 202})
# Two ports needing different values; deny rules before and after the allow
# rule keep their verdicts: traffic to a denied port, and another client's
# traffic to the fixed port that the allow rule does not take (its source).
deny = ("set rulebase security rules no-telnet destination-port 23\n"
        "set rulebase security rules no-telnet action deny\n")
case("two-values", [(5002, 151.0), (7000, 201.0), (23, 2.0), GONE, (7000, 5.0, "192.0.2.11")],
     deny + "set rulebase security rules web source 192.0.2.10\n"
     "set rulebase security rules web destination-port 5000-8000\n"
     "set rulebase security rules web action allow\n"
     "set rulebase security rules web-deny protocol udp\n"
     "set rulebase security rules web-deny action deny\n"
     "set rulebase security rules rest action deny\n", {5002: 152, 7000: 202})
# Sessions of the default action (no rule at all).
case("default-action", [(7000, 201.0), GONE], "", {7000: 202})
# tcpwait mode: halfclose-timeout is the tcpwait life.  A server resuming after
# 700 s needs more than timeout-tcpwait's range (at most 600 s) allows: only the
# override (up to 604800 s) saves it.
case("tcpwait", [(5002, 301.0), (7000, 701.0), GONE], ALLOW, {7000: 702},
     base="set deviceconfig setting session half-close-mode tcpwait\n"
          "set deviceconfig setting session timeout-tcpwait 600\n",
     timer="timeout-tcpwait", global_saves=False)
# idle mode: the half-closed idle timer; the need is the silence (200 s).
case("idle", [(5002, 101.0), (7000, 201.0), GONE], ALLOW, {7000: 200},
     base="set deviceconfig setting session timeout-tcp-half-closed 120\n")
# The rule's own timeout-tcp-half-closed breaks them: a global change cannot save
# them (the rule's timeout is above the global one), a service override can.
js = case("rule-timeout", [(5002, 101.0), (7000, 201.0), GONE],
          "set rulebase security rules R timeout-tcp-half-closed 150\n" + ALLOW, {7000: 202},
          global_saves=False)
# ... and the global recommendation does not raise a global timer for it in vain
v = js["verification"]["fixed"]
b = [x for s in js["settings"] if s["name"] == "current" for x in s["broken_sessions"]]
check(v["scoped_broken"] == 1 and v["replays"] == 1 and js["recommended"]["fixed"]["timeout-tcp-half-closed"] == 202,
      "rule-timeout: recommended-fixed counts it apart (scoped_broken %d, %d replay(s), half-closed %d)" %
      (v["scoped_broken"], v["replays"], js["recommended"]["fixed"]["timeout-tcp-half-closed"]))
check(len(b) == 1 and b[0]["timer_value"] == 150 and b[0]["timer_source"] == "rule R" and not b[0]["unfixable"],
      "rule-timeout: the broken session had the rule's 150 s and is not unfixable (%s)" % b)
# A rule named with a space that takes the applications' ports (application-
# default), and one whose service-group has a service with source ports: each
# copy takes the same traffic (the verdict check above), the copied service keeps
# the source ports, and both names are quoted in the lines.
js = case("appdef-group", [(5002, 201.0), (7000, 201.0), (8080, None)],
          "set application app-x protocol tcp port 5002\n"
          "set rulebase security rules \"app rule\" service application-default\n"
          "set rulebase security rules \"app rule\" action allow\n"
          "set service svc-y protocol tcp port 7000 source-port 40000-40010\n"
          "set service svc-z protocol tcp port 7000-7010\n"
          "set service-group grp members [ svc-y svc-z ]\n"
          "set rulebase security rules R service grp\n" + ALLOW, {5002: 202, 7000: 202})
lines = js["overrides_all"]["lines"]
check('delete rulebase security rules "app rule"' in lines and
      "set service timer-tcp-7000-svc-y protocol tcp port 7000 source-port 40000-40010" in lines and
      "set service timer-tcp-7000-svc-z protocol tcp port 7000" in lines and
      "set rulebase security rules timer-R service [ timer-tcp-7000-svc-y timer-tcp-7000-svc-z ]" in lines and
      "set rulebase security rules timer-app-rule service timer-tcp-5002" in lines,
      "appdef-group: the lines copy the group's services on the port, in order, and quote names")
# Nothing broken: no override.
case("nothing-broken", [(5002, 101.0), (7000, 61.0), GONE], ALLOW, {})

# More ports than overrides are looked for: the 32 with the most sessions (port
# 9000 has two), the others counted.
cap = capture("many", [(9000, 201.0), (9000, 201.0)] + [(10000 + i, 201.0) for i in range(34)])
js = analyze(write("many.conf", BASE + ALLOW), cap)
ports = [o["port"] for o in js["overrides"]]
check(len(ports) == 32 and 9000 in ports and js["overrides_left_out"] == {"ports": 3, "sessions": 3},
      "many: 32 overrides, 9000 among them, 3 ports left out (%d, %s)" %
      (len(ports), js["overrides_left_out"]))

if FAILS:
    print("%d check(s) failed" % len(FAILS))
    sys.exit(1)
print("all scoped-fix checks passed")
