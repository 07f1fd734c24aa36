#!/usr/bin/env python3
"""lab-port-reuse.py - two consecutive TCP connections on the SAME 4-tuple (stdlib only).

Used by scripts/record-captures to record data/captures/port-reuse.pcap through the
half-close lab (../shared/lab).  Run the server in the lab's server namespace and the
client in the client namespace:

  server:  lab-port-reuse.py server --bind 198.18.2.2 --port 5010 [--count 2] [--timeout 30]
  client:  lab-port-reuse.py client --server 198.18.2.2 --port 5010 --cport 40000 [--gap 1]

Per connection i (1..count): the client binds (SO_REUSEADDR) to the fixed port --cport,
connects, sends --req bytes; the server answers --resp bytes; the CLIENT closes first
(active close -> the client socket ends in TIME_WAIT), the server then closes.  The client
waits until /proc/net/tcp shows its socket in TIME_WAIT, sleeps --gap s and opens the next
connection from the same port.  Linux lets connect() reuse a TIME_WAIT 4-tuple for an
explicitly bound socket when TCP timestamps were used (tcp_twsk_unique); the new ISN is
then chosen above the old connection's sequence space.

Payloads are deterministic pseudo-random bytes, checked on both ends.  Output: event lines
"<epoch> +<rel> <role>: <msg>" and one line
  VERDICT role=<client|server> scenario=port_reuse result=PASS|FAIL key=value...
"""
import argparse
import random
import socket
import struct
import sys
import time

T0 = time.monotonic()
ROLE = "?"
STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
          6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}


def log(msg):
    print(f"{time.time():.6f} +{time.monotonic() - T0:8.3f} {ROLE}: {msg}", flush=True)


def verdict(ok, **kv):
    parts = [f"role={ROLE}", "scenario=port_reuse", f"result={'PASS' if ok else 'FAIL'}"]
    for k, v in kv.items():
        v = str(v)
        parts.append(f'{k}="{v}"' if (" " in v or not v) else f"{k}={v}")
    print("VERDICT " + " ".join(parts), flush=True)


def payload(tag, n):
    return random.Random(tag).randbytes(n)


def recv_exact(s, n, timeout):
    end = time.monotonic() + timeout
    buf = bytearray()
    while len(buf) < n:
        rem = end - time.monotonic()
        if rem <= 0:
            raise TimeoutError(f"timeout after {len(buf)}/{n} bytes")
        s.settimeout(rem)
        b = s.recv(n - len(buf))
        if not b:
            raise EOFError(f"EOF after {len(buf)}/{n} bytes")
        buf += b
    return bytes(buf)


def wait_eof(s, timeout):
    s.settimeout(timeout)
    rest = s.recv(65536)
    return rest == b""


def abort(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    except OSError:
        pass


def tcp_states(lport, rport):
    """states of IPv4 sockets with local port lport and remote port rport (/proc/net/tcp)"""
    out = []
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                x = line.split()
                lp = int(x[1].split(":")[1], 16)
                rp = int(x[2].split(":")[1], 16)
                if lp == lport and rp == rport:
                    out.append(STATES.get(int(x[3], 16), x[3]))
    except OSError:
        pass
    return out


# ---------------------------------------------------------------- server
def server_main(a):
    global ROLE
    ROLE = "server"
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.bind, a.port))
    ls.listen(16)
    log(f"READY listening on {a.bind}:{a.port}, expecting {a.count} connection(s)")
    deadline = time.monotonic() + a.timeout
    ok_all, peers, notes = True, [], []
    for i in range(1, a.count + 1):
        rem = deadline - time.monotonic()
        if rem <= 0:
            ok_all = False
            notes.append(f"conn{i}=not_accepted")
            break
        ls.settimeout(rem)
        try:
            c, addr = ls.accept()
        except socket.timeout:
            ok_all = False
            notes.append(f"conn{i}=accept_timeout")
            break
        peers.append(f"{addr[0]}:{addr[1]}")
        log(f"conn {i}: accepted from {addr[0]}:{addr[1]}")
        try:
            req = recv_exact(c, a.req, 10)
            good = req == payload(f"reuse-{i}/c2s", a.req)
            c.sendall(payload(f"reuse-{i}/s2c", a.resp))
            log(f"conn {i}: request {'intact' if good else 'CORRUPT'}, response {a.resp} bytes sent; waiting for client FIN")
            eof = wait_eof(c, 10)
            log(f"conn {i}: client FIN received: {eof}; closing (passive close)")
            c.close()
            good = good and eof
        except Exception as e:  # noqa: BLE001
            log(f"conn {i}: error {type(e).__name__}: {e}")
            abort(c)
            good = False
        notes.append(f"conn{i}={'ok' if good else 'FAIL'}")
        ok_all = ok_all and good
    ls.close()
    same = len(set(peers)) == 1 and len(peers) == a.count
    ok_all = ok_all and same
    verdict(ok_all, connections=",".join(notes), peers=",".join(peers), same_client_port=same)
    return 0 if ok_all else 1


# ---------------------------------------------------------------- client
def client_main(a):
    global ROLE
    ROLE = "client"
    ok_all, notes, tw_seen = True, [], []
    for i in range(1, a.count + 1):
        if i > 1:
            # previous connection: wait (bounded) until our socket is in TIME_WAIT
            st = []
            end = time.monotonic() + 3
            while time.monotonic() < end:
                st = tcp_states(a.cport, a.port)
                if "TIME_WAIT" in st:
                    break
                time.sleep(0.01)
            log(f"before conn {i}: sockets on {a.cport}->{a.port}: {st or 'none'}")
            if a.gap > 0:
                time.sleep(a.gap)
            st = tcp_states(a.cport, a.port)
            tw = "TIME_WAIT" in st
            tw_seen.append(tw)
            log(f"conn {i}: state of the old 4-tuple just before connect(): {st or 'none'}")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            s.bind((a.cbind, a.cport))
            s.settimeout(5)
            s.connect((a.server, a.port))
            ln = s.getsockname()
            log(f"conn {i}: connected {ln[0]}:{ln[1]} -> {a.server}:{a.port}")
            s.sendall(payload(f"reuse-{i}/c2s", a.req))
            got = recv_exact(s, a.resp, 10)
            good = got == payload(f"reuse-{i}/s2c", a.resp) and ln[1] == a.cport
            log(f"conn {i}: response {'intact' if good else 'CORRUPT'}; close() -> FIN (active close)")
            s.close()
        except Exception as e:  # noqa: BLE001
            log(f"conn {i}: error {type(e).__name__}: {e}")
            abort(s)
            good = False
        notes.append(f"conn{i}={'ok' if good else 'FAIL'}")
        ok_all = ok_all and good
    # let the last close finish (server FIN, our ACK) before we exit
    end = time.monotonic() + 3
    while time.monotonic() < end and "TIME_WAIT" not in tcp_states(a.cport, a.port):
        time.sleep(0.01)
    log(f"after last conn: sockets on {a.cport}->{a.port}: {tcp_states(a.cport, a.port) or 'none'}")
    verdict(ok_all, connections=",".join(notes), client_port=a.cport,
            old_tuple_in_time_wait_at_reconnect=",".join(str(x) for x in tw_seen) or "n/a")
    return 0 if ok_all else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    sp = sub.add_parser("server")
    sp.add_argument("--bind", default="0.0.0.0")
    sp.add_argument("--port", type=int, default=5010)
    sp.add_argument("--count", type=int, default=2)
    sp.add_argument("--timeout", type=float, default=30)
    sp.add_argument("--req", type=int, default=1000)
    sp.add_argument("--resp", type=int, default=3000)
    cp = sub.add_parser("client")
    cp.add_argument("--server", required=True)
    cp.add_argument("--port", type=int, default=5010)
    cp.add_argument("--cbind", default="0.0.0.0")
    cp.add_argument("--cport", type=int, default=40000)
    cp.add_argument("--count", type=int, default=2)
    cp.add_argument("--gap", type=float, default=1.0, help="seconds between TIME_WAIT and the next connect")
    cp.add_argument("--req", type=int, default=1000)
    cp.add_argument("--resp", type=int, default=3000)
    a = p.parse_args()
    return server_main(a) if a.mode == "server" else client_main(a)


if __name__ == "__main__":
    sys.exit(main())
