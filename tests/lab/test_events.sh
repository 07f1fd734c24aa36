#!/usr/bin/env bash
# test_events.sh - the session event stream end to end: `statewall events`
# subscribed to a real `statewall run --vwire` while Linux TCP does a client
# half-close through it; the start, half-close, timer and end events arrive,
# each within 1 s of its packet, with the end reason and the timer that fired.
# Then a subscriber that never reads, flooded with thousands of events: it
# gets {"event":"overflow"} (and is disconnected) while ping through the wire
# loses nothing.  Needs root; ~20 s.
#
#   SW_BIN=build/statewall SW_SHARED=../shared bash tests/lab/test_events.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SW_SRC=${SW_SRC:-$(cd "$HERE/../.." && pwd)}
SW_SHARED=${SW_SHARED:-$SW_SRC/../shared}
VW_TAG=events
. "$HERE/lib.sh"
vw_test_start apps

vw_up
vw_start --set timeout-tcp-time-wait=2 --log "$VW_DIR/sessions.log" || exit 1
vw_wait_path || { bad "no path through the wire"; exit 1; }

echo "-- statewall events destination-port 5141, then a client half-close"
# each line the subscriber prints, prefixed with the time it arrived
"$SW_BIN" events --ctl "$CTL" -o json destination-port 5141 2>"$VW_DIR/events.err" |
  python3 -u -c 'import sys, time
for l in sys.stdin: print("%.6f %s" % (time.time(), l), end="", flush=True)' >"$VW_DIR/events.out" &
EV_PID=$!
VW_PIDS+=("$EV_PID")
"$SW_BIN" events --ctl "$CTL" -o text destination-port 5141 >"$VW_DIR/events.txt" 2>&1 &
VW_PIDS+=($!)
sleep 0.5
ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port 5141 --timeout 20 \
  >"$VW_DIR/hc.server.log" 2>&1 &
SPID=$!
VW_PIDS+=("$SPID")
for i in $(seq 1 50); do grep -q READY "$VW_DIR/hc.server.log" 2>/dev/null && break; sleep 0.05; done
ip netns exec "$NS_C" python3 "$APPS/tcpapp.py" client --server "$SERVER_IP" --port 5141 \
  --scenario halfclose_client --delay 1 --stream 1 --period 0.5 --io-timeout 3 \
  >"$VW_DIR/hc.client.log" 2>&1
wait "$SPID" 2>/dev/null
check "the half-close transfer passes" grep -q "result=PASS" "$VW_DIR/hc.client.log"
# time-wait is 2 s: the end comes ~2 s after the last FIN
for i in $(seq 1 60); do grep -q '"event":"end"' "$VW_DIR/events.out" && break; sleep 0.1; done

python3 - "$VW_DIR/events.out" "$VW_DIR/hc.client.log" <<'PY' >"$VW_DIR/events.check"
import json, sys
evs = []
for line in open(sys.argv[1]):
    t, js = line.split(" ", 1)
    e = json.loads(js)
    e["_arrived"] = float(t)
    evs.append(e)
fin = [float(l.split()[0]) for l in open(sys.argv[2]) if "shutdown(SHUT_WR)" in l]
def one(name):
    m = [e for e in evs if e["event"] == name]
    return m[0] if m else None
ok = True
def say(cond, msg):
    global ok
    ok = ok and cond
    print(("ok   " if cond else "FAIL ") + msg)
s, h, end = one("start"), one("half-close"), one("end")
say(s is not None and h is not None and end is not None, "start, half-close and end arrived")
if s and h and end:
    for e in (s, h, end):
        say(0 <= e["_arrived"] - e["ts"] < 1.0, "%s: arrived %.3f s after it happened" %
            (e["event"], e["_arrived"] - e["ts"]))
    say(len({e["session"]["id"] for e in (s, h, end)}) == 1, "one session id throughout")
    say(s["id"] < h["id"] < end["id"], "sequence ids increase")
    say(h["side"] == "client", "half-close side: client (%s)" % h["side"])
    say(bool(fin) and abs(h["ts"] - fin[0]) < 1.0,
        "half-close within 1 s of the client's shutdown(SHUT_WR) (%.3f s)" % (h["ts"] - fin[0] if fin else -1))
    say(end["reason"] == "tcp-fin", "end reason tcp-fin (%s)" % end["reason"])
    say(end["timer"] == "timeout-tcp-time-wait", "end timer timeout-tcp-time-wait (%s)" % end["timer"])
    say(end["session"]["end_reason"] == "tcp-fin", "the end's session record says tcp-fin")
    tm = [e for e in evs if e["event"] == "timer"]
    say(any(e["to"] == "timeout-tcp-time-wait" for e in tm),
        "a timer event to timeout-tcp-time-wait (%s)" % [(e["from"], e["to"]) for e in tm])
print("RESULT", "PASS" if ok else "FAIL")
PY
sed 's/^/        /' "$VW_DIR/events.check"
check "events: start, half-close, end with reason and timer, each within 1 s" \
  grep -q "RESULT PASS" "$VW_DIR/events.check"
check "-o text: a traffic-log line for the end" grep -q ",TRAFFIC,end,.*,tcp-fin,timeout-tcp-time-wait," "$VW_DIR/events.txt"

echo "-- a subscriber that never reads, 16000 new UDP flows, ping through the wire"
python3 - "$CTL" "$VW_DIR/stuck.out" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b'{"op":"events","format":"json"}\n')
time.sleep(8)  # never reads while the flood runs
s.settimeout(2)
data = b""
try:
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        data += b
except socket.timeout:
    pass
open(sys.argv[2], "wb").write(data)
PY
STUCK=$!
sleep 0.5
nsx "$NS_C" ping -c 200 -i 0.01 -q "$SERVER_IP" >"$VW_DIR/ping.out" 2>&1 &
PING=$!
# Paced (100 flows per 5 ms): an unpaced sender on a 2-CPU machine overruns
# the kernel's own veth backlog (netdev_max_backlog) before statewall sees
# the frames, which is a loss no daemon could prevent.
nsx "$NS_C" python3 - "$SERVER_IP" <<'PY'
import socket, sys, time
for i in range(16000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x", (sys.argv[1], 9))
    s.close()
    if i % 100 == 99:
        time.sleep(0.005)
PY
wait "$PING"
wait "$STUCK"
sed -n 's/^/        /; /packets transmitted/p' "$VW_DIR/ping.out"
check "ping through the wire during the flood: 0% loss" grep -q " 0% packet loss" "$VW_DIR/ping.out"
check "the stuck subscriber got an overflow notice" grep -q '{"event":"overflow","lost":[1-9]' "$VW_DIR/stuck.out"
check "and was disconnected for staying behind" grep -q '"error":"disconnected: the subscriber stayed behind' "$VW_DIR/stuck.out"
check "the daemon still answers" bash -c "\"$SW_BIN\" cli --ctl \"$CTL\" -c \"show session info\" >/dev/null"

vw_stop
check "the daemon stopped cleanly" [ $? = 0 ]
grep 'stall\|not logged\|lost' "$VW_DIR/daemon.err" | sed 's/^/        /'
echo "$PASSES passed, $FAILS failed"
[ "$FAILS" = 0 ]
