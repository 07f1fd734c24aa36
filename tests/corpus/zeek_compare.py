#!/usr/bin/env python3
"""zeek_compare.py - statewall's Zeek emulation (conn_state, history, packets)
against Zeek's own conn.log verdicts on the public Zeek test traces.

For every Zeek oracle row of <corpus>/oracle-normalized.tsv (oracle_kind
starting with "zeek") the capture is replayed with Zeek-like settings and the
row is joined to a statewall session on (proto, unordered endpoint pair);
several rows on one tuple pair up with the sessions in time order (Zeek's log
order, which is removal order; statewall's session start order).  Rows
without a tuple ("tuple not printed") match the single TCP session of the
capture.  Each oracle file is one complete view of its capture and is matched
on its own; oracle files that repeat another file's rows for the same capture
(the same trace logged by several Zeek tests) are counted once.

Compared: conn_state, history, packets (orig_pkts and resp_pkts, mapped by
endpoint so that Zeek's orig - the initiator - is compared with the same
host:port in statewall), and, as information, the orientation (whether
statewall picked the same originator).  Rows whose flow cannot exist in
statewall's view are listed as "not comparable" with the reason and are not
counted; tunnelled inner flows are compared like any other (tunnel-inspect all,
as Zeek decapsulates every tunnel it knows).

Exit status: 0 when conn_state agreement >= --min-conn-state and history
agreement >= --min-history (percent), 1 otherwise, 2 on usage/setup errors.
Python 3 standard library only.
"""
import argparse
import collections
import csv
import ipaddress
import json
import os
import subprocess
import sys

# Zeek's defaults as statewall settings.  tcp-reject-non-syn=no: Zeek builds a
# connection from any packet (mid-stream pickup).  Inactivity timeouts as
# Zeek's (tcp 300 s, udp 60 s, icmp 60 s).  tcp-window-check=no: Zeek is a
# passive monitor and never refuses a segment; with the check on, statewall
# would stop tracking (not counting) segments outside the window, which is
# enforcement, not interpretation.  timeout-tcpinit=5 is Zeek's
# tcp_attempt_delay (a SYN-sent originator with a silent responder is removed
# after 5 s); timeout-tcphandshake=60 (the maximum): Zeek has no handshake
# timer, an answered SYN lives on the inactivity timeout.  tcp-checksum-check=no: Zeek's tests run
# with checksum validation off except where an oracle file says otherwise.
BASE_SETTINGS = [
    "tcp-reject-non-syn=no",
    "timeout-tcp=300",
    "timeout-udp=60",
    "timeout-icmp=60",
    "tcp-window-check=no",
    "timeout-tcpinit=5",
    "timeout-tcphandshake=60",
    "half-close-mode=idle",
    "timeout-tcp-half-closed=5",
    "timeout-tcp-time-wait=5",
    "tcp-checksum-check=no",
    # Zeek decapsulates every tunnel it knows and logs the inner flows as connections.
    "tunnel-inspect=all",
]

# Per oracle file (substring of its path): settings of that Zeek run.
ORACLE_SETTINGS = [
    # checksums_ignore_nets: "conn-failed" is Zeek with checksum validation on;
    # the "conn-worked" runs ignore checksums for the capture's networks.
    ("localhost-bad-chksum/oracle__core.checksums_ignore_nets__conn-failed",
     ["tcp-checksum-check=yes"]),
    ("tcp-syn-bad-checksum/", ["tcp-checksum-check=yes"]),
]


# capture substring -> (predicate on the row, reason): flows statewall cannot see.
# (Teredo's inner IPv6 flows were listed here until tunnel-inspect.)
NOT_COMPARABLE = []

FIELDS = ("conn_state", "history", "packets")


def norm_host(h):
    try:
        return str(ipaddress.ip_address(h))
    except ValueError:
        return h


def proto_class(p):
    p = (p or "").lower()
    if p in ("icmp", "icmp6", "ipv6-icmp", "1", "58"):
        return "icmp"
    return p


def endpoint_key(proto, oh, op, rh, rp):
    """Unordered endpoint pair; ICMP ids/types differ between tools: hosts only."""
    pc = proto_class(proto)
    if pc == "icmp":
        a, b = (norm_host(oh), ""), (norm_host(rh), "")
    else:
        a, b = (norm_host(oh), str(op)), (norm_host(rh), str(rp))
    return (pc,) + tuple(sorted([a, b]))


def read_oracle(corpus):
    path = os.path.join(corpus, "oracle-normalized.tsv")
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t")
                if (r.get("oracle_kind") or "").startswith("zeek")]
    return rows


def settings_for(oracle_file):
    s = list(BASE_SETTINGS)
    for sub, extra in ORACLE_SETTINGS:
        if sub in oracle_file:
            for e in extra:
                name = e.split("=", 1)[0]
                s = [x for x in s if x.split("=", 1)[0] != name] + [e]
    return s


def replay(binary, capture, settings):
    cmd = [binary, "replay", "-q"]
    for s in settings:
        cmd += ["--set", s]
    cmd += ["--log", "-", capture]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr.strip()))
    sess = []
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            sess.append(json.loads(line))
    # time order; id breaks ties (ids are pool slots, reused: only a tie-break)
    sess.sort(key=lambda s: (s.get("start") or 0, s.get("end") or 0, s.get("id") or 0))
    return cmd, sess


def flow_str(row):
    if not row["orig_h"]:
        return "%s (tuple not printed)" % row["proto"]
    return "%s %s:%s -> %s:%s" % (row["proto"], row["orig_h"], row["orig_p"],
                                  row["resp_h"], row["resp_p"])


def as_int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def compare_row(row, s):
    """Returns {field: (zeek, statewall, agree)} for the fields the row has."""
    out = {}
    if s is None:
        for f in FIELDS:
            z = expected(row, f)
            if z is not None:
                out[f] = ("%d/%d" % z if f == "packets" else z, "(no session)", False)
        return out
    same_orient = True
    if row["orig_h"]:
        zo = (norm_host(row["orig_h"]), str(row["orig_p"]))
        so = (norm_host(s["orig_h"]), str(s["orig_p"]))
        if proto_class(row["proto"]) == "icmp":
            zo, so = zo[0], so[0]
        same_orient = zo == so
        out["orientation"] = ("orig=%s:%s" % (row["orig_h"], row["orig_p"]),
                              "orig=%s:%s" % (s["orig_h"], s["orig_p"]), same_orient)
    z = expected(row, "conn_state")
    if z is not None:
        out["conn_state"] = (z, s.get("conn_state") or "", z == (s.get("conn_state") or ""))
    z = expected(row, "history")
    if z is not None:
        sh = s.get("history") or ""
        if z == "-":
            z = ""
        out["history"] = (z or "-", sh or "-", z == sh)
    z = expected(row, "packets")
    if z is not None:
        sp = (s.get("orig_pkts"), s.get("resp_pkts"))
        if not same_orient:
            sp = (sp[1], sp[0])
        zs = "%d/%d" % z
        ss = "%s/%s" % sp
        out["packets"] = (zs, ss + ("" if same_orient else " (by endpoint)"), tuple(z) == sp)
    return out


def expected(row, field):
    if field == "conn_state":
        return row["expected_state"] or None
    if field == "history":
        return row["history_or_flags"] or None
    if field == "packets":
        o, r = as_int(row["orig_pkts"]), as_int(row["resp_pkts"])
        if o is None or r is None:
            return None
        return (o, r)
    return None


def dedupe_oracle_files(rows):
    """Group rows by (capture, oracle file); drop files repeating another's rows."""
    groups = collections.OrderedDict()
    for r in rows:
        groups.setdefault((r["capture"], r["oracle_file"]), []).append(r)
    keep, dup = collections.OrderedDict(), []
    seen = {}
    for (cap, of), rs in groups.items():
        sig = (cap, tuple(settings_for(of)),
               tuple(sorted(tuple((k, v) for k, v in r.items()
                                  if k not in ("oracle_file", "oracle_kind")) for r in rs)))
        if sig in seen:
            dup.append((cap, of, seen[sig]))
            continue
        seen[sig] = of
        keep[(cap, of)] = rs
    return keep, dup


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.environ.get("SW_BIN", os.path.join(here, "../../build/statewall")))
    ap.add_argument("--corpus", default=os.path.join(os.environ.get("SW_SHARED", "/work/shared"), "corpus"))
    ap.add_argument("--json", dest="json_out", help="write machine-readable results here")
    ap.add_argument("--min-conn-state", type=float, default=80.0)
    ap.add_argument("--min-history", type=float, default=0.0)
    ap.add_argument("--quiet-agree", action="store_true", help="(unused; kept for scripts)")
    a = ap.parse_args()

    if not os.path.isfile(os.path.join(a.corpus, "oracle-normalized.tsv")):
        print("zeek_compare: no oracle-normalized.tsv under %s" % a.corpus, file=sys.stderr)
        return 2
    if not os.access(a.bin, os.X_OK):
        print("zeek_compare: statewall binary %s not executable" % a.bin, file=sys.stderr)
        return 2

    rows = read_oracle(a.corpus)
    groups, dups = dedupe_oracle_files(rows)
    runs = {}
    results = []          # one per compared row
    not_comparable = []
    extra_sessions = []
    per_capture = collections.OrderedDict()

    for (cap, of), rs in groups.items():
        settings = settings_for(of)
        rkey = (cap, tuple(settings))
        if rkey not in runs:
            runs[rkey] = replay(a.bin, os.path.join(a.corpus, cap), settings)
        cmd, sess = runs[rkey]

        pending = []
        for r in rs:
            nc = None
            for sub, pred, why in NOT_COMPARABLE:
                if sub in cap and r["orig_h"] and pred(r):
                    nc = why
            if nc:
                not_comparable.append({"capture": cap, "oracle_file": of, "flow": flow_str(r),
                                       "zeek_conn_state": r["expected_state"],
                                       "zeek_history": r["history_or_flags"], "reason": nc})
            else:
                pending.append(r)

        by_key = collections.OrderedDict()
        for s in sess:
            by_key.setdefault(endpoint_key(s["proto"], s["orig_h"], s["orig_p"], s["resp_h"],
                                           s["resp_p"]), []).append(s)
        used = set()
        tcp_sess = [s for s in sess if s["proto"] == "tcp"]
        rows_by_key = collections.OrderedDict()
        for r in pending:
            if not r["orig_h"]:
                rows_by_key.setdefault(("notuple",), []).append(r)
            else:
                k = endpoint_key(r["proto"], r["orig_h"], r["orig_p"], r["resp_h"], r["resp_p"])
                rows_by_key.setdefault(k, []).append(r)
        for k, krs in rows_by_key.items():
            if k == ("notuple",):
                cands = tcp_sess if len(tcp_sess) == 1 else []
                note = "" if len(tcp_sess) == 1 else \
                    "capture has %d TCP sessions, not one" % len(tcp_sess)
            elif k[0] in ("?", ""):
                # protocol not printed by the oracle: any protocol on the endpoint pair
                cands = [x for kk, v in by_key.items() if kk[1:] == k[1:] for x in v]
                note = ""
            else:
                cands = by_key.get(k, [])
                note = ""
            for i, r in enumerate(krs):
                s = cands[i] if i < len(cands) else None
                if s is not None:
                    used.add(id(s))
                cmpd = compare_row(r, s)
                results.append({"capture": cap, "oracle_file": of, "flow": flow_str(r),
                                "session_id": s["id"] if s else None,
                                "session_start": s["start"] if s else None,
                                "note": note if s is None and note else
                                ("no statewall session on this tuple" if s is None else ""),
                                "fields": {f: {"zeek": v[0], "statewall": v[1], "agree": v[2]}
                                           for f, v in cmpd.items()}})
        for s in sess:
            if id(s) not in used:
                extra_sessions.append({"capture": cap, "oracle_file": of,
                                       "flow": "%s %s:%s -> %s:%s" % (s["proto"], s["orig_h"],
                                                                      s["orig_p"], s["resp_h"],
                                                                      s["resp_p"]),
                                       "conn_state": s.get("conn_state"),
                                       "history": s.get("history")})

    def tally(rs):
        t = {}
        for f in FIELDS + ("orientation",):
            n = sum(1 for r in rs if f in r["fields"])
            ok = sum(1 for r in rs if f in r["fields"] and r["fields"][f]["agree"])
            t[f] = {"agree": ok, "total": n, "pct": (100.0 * ok / n) if n else None}
        return t

    for r in results:
        per_capture.setdefault(r["capture"], []).append(r)

    def pct(t):
        return "-" if t["pct"] is None else "%5.1f%% (%d/%d)" % (t["pct"], t["agree"], t["total"])

    print("Zeek agreement (settings: %s)" % " ".join("--set " + s for s in BASE_SETTINGS))
    print("%-60s %-18s %-18s %-18s" % ("capture", "conn_state", "history", "packets"))
    for cap, rs in per_capture.items():
        t = tally(rs)
        print("%-60s %-18s %-18s %-18s" % (cap, pct(t["conn_state"]), pct(t["history"]),
                                           pct(t["packets"])))
    overall = tally(results)
    print("%-60s %-18s %-18s %-18s" % ("OVERALL", pct(overall["conn_state"]),
                                       pct(overall["history"]), pct(overall["packets"])))
    print("orientation (information): %s" % pct(overall["orientation"]))

    print("\nDisagreements (capture | flow | field | zeek | statewall):")
    nd = 0
    for r in results:
        for f, v in r["fields"].items():
            if not v["agree"]:
                nd += 1
                print("  %s | %s | %s | %s | %s%s" % (r["capture"], r["flow"], f, v["zeek"],
                                                     v["statewall"],
                                                     "  [%s]" % r["note"] if r["note"] else ""))
    if not nd:
        print("  (none)")

    print("\nNot comparable (%d rows, not counted):" % len(not_comparable))
    for n in not_comparable:
        print("  %s | %s | zeek %s %s | %s" % (n["capture"], n["flow"], n["zeek_conn_state"],
                                              n["zeek_history"], n["reason"]))
    if dups:
        print("\nOracle files repeating another file's rows (counted once):")
        for cap, of, orig in dups:
            print("  %s = %s" % (of, orig))
    if extra_sessions:
        print("\nstatewall sessions without a Zeek row (information, %d):" % len(extra_sessions))
        for x in extra_sessions:
            print("  %s | %s | %s %s" % (x["capture"], x["flow"], x["conn_state"], x["history"]))

    cs, hi = overall["conn_state"]["pct"] or 0.0, overall["history"]["pct"] or 0.0
    ok = cs >= a.min_conn_state and hi >= a.min_history
    print("\nconn_state %.1f%% (min %.1f), history %.1f%% (min %.1f): %s" %
          (cs, a.min_conn_state, hi, a.min_history, "PASS" if ok else "FAIL"))

    if a.json_out:
        doc = {
            "settings": BASE_SETTINGS,
            "runs": [{"capture": k[0], "settings": list(k[1]), "command": v[0]}
                     for k, v in runs.items()],
            "overall": overall,
            "per_capture": {c: tally(rs) for c, rs in per_capture.items()},
            "rows": results,
            "not_comparable": not_comparable,
            "duplicate_oracle_files": [{"capture": c, "oracle_file": o, "same_as": s}
                                       for c, o, s in dups],
            "extra_sessions": extra_sessions,
            "thresholds": {"conn_state": a.min_conn_state, "history": a.min_history},
            "pass": ok,
        }
        with open(a.json_out, "w") as f:
            json.dump(doc, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
