#!/usr/bin/env bash
# test_ctl.sh - the control socket's bounds against hostile local clients
# (issue 10, items 7-9), on a real `statewall run --vwire`:
#   - pipelined `complete` requests that are never read: the daemon's RSS
#     stays put (it grew by hundreds of MB);
#   - a request line over the limit is refused whole, and what follows it up
#     to its newline does not run (its tail used to run as a command);
#   - with 32 clients holding connections, the 33rd gets the reserve slot and
#     is answered "too many control connections" when it sends nothing, a
#     34th at once; an operator's command still runs in the reserve slot;
#     idle clients are closed after --ctl-idle-timeout.
# Needs root; ~20 s.
#
#   SW_BIN=build/statewall bash tests/lab/test_ctl.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
VW_TAG=ctl
. "$HERE/lib.sh"
vw_test_start

vw_up
vw_start --set timeout-udp=600 --ctl-idle-timeout "${CTL_IDLE:-4}" || exit 1
vw_wait_path || { bad "no path through the wire"; exit 1; }
# one UDP session that `clear session all` would end
nsx "$NS_C" python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("'"$SERVER_IP"'", 9))'
sleep 0.3
udp9() { cli -o json -c "show session all filter protocol udp destination-port 9" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["matched"])'; }

echo "-- item 7: 200000 pipelined complete requests, never read"
python3 - "$CTL" "$DAEMON_PID" >"$VW_DIR/rss.out" <<'PY'
import socket, sys, time
def rss():
    for l in open("/proc/%s/status" % sys.argv[2]):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
before = rss()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.setblocking(False)
req = b'{"op":"complete","cmd":"show session a"}\n' * 1000
sent, t0 = 0, time.monotonic()
while sent < 200 and time.monotonic() - t0 < 3:
    try:
        s.send(req)
        sent += 1
    except BlockingIOError:
        time.sleep(0.01)
    except BrokenPipeError:
        break
time.sleep(0.5)
after = rss()  # still connected, nothing read
print("sent %d requests in %.1f s; daemon RSS before %d kB, after %d kB" %
      (sent * 1000, time.monotonic() - t0, before, after))
print("GROWTH_KB", after - before)
s.close()
PY
sed 's/^/        /' "$VW_DIR/rss.out"
growth=$(awk '/^GROWTH_KB/ {print $2}' "$VW_DIR/rss.out")
check "RSS grew by less than 16 MB (${growth:-?} kB)" [ "${growth:-99999}" -lt 16384 ]

echo "-- item 8: 400 KiB of spaces, then 'clear session all' and 'configure' on the same line"
n0=$(udp9)
python3 - "$CTL" >"$VW_DIR/long.out" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b" " * (400 * 1024) + b"clear session all\n")
s.sendall(b" " * (400 * 1024) + b"configure\n")
s.sendall(b"show session info\n")
s.settimeout(5)
buf, ends = b"", []
while len(ends) < 3:
    b = s.recv(65536)
    if not b:
        break
    buf += b
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        d = json.loads(line)
        if d.get("end"):
            ends.append(d)
for d in ends:
    print(json.dumps(d))
PY
sed 's/^/        /' "$VW_DIR/long.out"
n1=$(udp9)
check "both over-long lines refused whole" [ "$(grep -c '"error": "request line longer than 262144 bytes' "$VW_DIR/long.out")" = 2 ]
check "the tail 'configure' did not run (every answer in operational mode)" \
  bash -c "! grep -q '\"mode\": \"configure\"' '$VW_DIR/long.out'"
check "the tail 'clear session all' did not run (UDP session: $n0 before, $n1 after)" [ "$n0/$n1" = 1/1 ]
check "the next line ran" [ "$(sed -n 3p "$VW_DIR/long.out" | grep -c '"ok": true')" = 1 ]

echo "-- item 9: 32 idle clients, a 33rd and a 34th, an operator, the idle timeout"
python3 - "$CTL" "${CTL_IDLE:-4}" >"$VW_DIR/slots.out" 2>&1 <<'PY' &
import socket, sys, time
path, idle = sys.argv[1], float(sys.argv[2])
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s
def wait_close(s, limit):
    """what the daemon says before closing, and after how long (None: still open)"""
    s.settimeout(limit)
    t0, data = time.monotonic(), b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                return data.decode(), time.monotonic() - t0
            data += b
    except socket.timeout:
        return data.decode(), None
idle_ones = [conn() for _ in range(32)]
time.sleep(0.3)
c33 = conn()
time.sleep(0.3)
c34 = conn()
msg, t = wait_close(c34, 1.5)
print("34th:", msg.strip(), "closed after", "%.3f" % t if t is not None else "never")
msg, t = wait_close(c33, 5)
print("33rd:", msg.strip(), "closed after", "%.3f" % t if t is not None else "never")
open(path + ".ready", "w").close()     # the shell runs the operator's command now
msg, t = wait_close(idle_ones[0], idle + 3)
print("idle:", msg.strip(), "closed after", "%.3f" % t if t is not None else "never")
PY
SLOTS=$!
for i in $(seq 1 50); do [ -e "$CTL.ready" ] && break; sleep 0.1; done
cli -c "show session info" >"$VW_DIR/operator.out" 2>&1
check "an operator's command runs (reserve slot) while 32 clients hold theirs" grep -q "Number of active sessions" "$VW_DIR/operator.out"
wait "$SLOTS"
sed 's/^/        /' "$VW_DIR/slots.out"
check "the 34th is answered 'too many control connections' and closed at once" \
  grep -q '^34th: .*too many control connections.* closed after [0-9.]*$' "$VW_DIR/slots.out"
check "the 33rd, silent in the reserve slot, is answered the same and closed" \
  grep -q '^33rd: .*too many control connections.* closed after [0-9.]*$' "$VW_DIR/slots.out"
check "an idle client is closed after the idle timeout" \
  grep -q '^idle: .*idle for [0-9]* s: closed.* closed after [0-9.]*$' "$VW_DIR/slots.out"
check "the daemon still answers" bash -c "\"$SW_BIN\" cli --ctl \"$CTL\" -c \"show session info\" >/dev/null"

vw_stop
check "the daemon stopped cleanly" [ $? = 0 ]
echo "$PASSES passed, $FAILS failed"
[ "$FAILS" = 0 ]
