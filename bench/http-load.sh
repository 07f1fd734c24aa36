#!/usr/bin/env bash
# http-load.sh - does the REST API stall the packet path?  (make bench style; not a CTest)
#
# In the vwire lab (tests/lab/lib.sh), with N_SESS extra UDP sessions in the
# table, the same traffic runs twice through `statewall run --http`:
#   idle:   iperf3 TCP (client -> server) + ping every 2 ms, the API idle;
#   loaded: the same, while CLIENTS concurrent keep-alive API clients list
#           sessions as fast as they can: half GET /api/v1/sessions?limit=100
#           (first page), half a filter that matches nothing, so every request
#           walks the whole table (SW_MGMT_SLICE sessions per step).
# Four phases: ping alone (every 2 ms: a stall of the daemon's loop shows as
# RTT), API idle then loaded; iperf3 alone, API idle then loaded.  Reported:
# ping RTT p50/p99/p99.9/max and loss, iperf3 throughput, API requests/s and
# latency, and the daemon's own figures: the packet thread's stall per wakeup
# (time on timers and management requests, p50/p99/max, read with SIGUSR1
# before and after each phase) and how long each sw_http_service() call took
# on the management thread (histogram statewall_http_service_seconds).
# The packet thread is pinned to CPU 0 and everything else to the other CPUs
# (PIN=shared: the whole daemon on CPU 0), so the figures show the daemon's
# scheduling, not CPU contention.
#
#   sudo SW_BIN=build-bench/statewall bench/http-load.sh [CLIENTS] [SECONDS] [N_SESS]
#   e.g. bench/http-load.sh 200 10 100000: 200 clients listing a 100k-session table
#   STALL=0 PIN=shared for a daemon without the management thread (no SIGUSR1, no --cpus)
#   RT=1: the packet thread SCHED_FIFO (other processes on this machine cannot preempt it)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SW_BIN=${SW_BIN:-$ROOT/build/statewall}
CLIENTS=${1:-200}
SECS=${2:-15}
N_SESS=${3:-20000}
VW=${VW:-swh-$$-}
VW_TAG=http-load
. "$ROOT/tests/lab/lib.sh"
vw_need_root
command -v iperf3 >/dev/null || { echo "needs iperf3" >&2; exit 1; }
SW_BIN=$(command -v "$SW_BIN" || echo "$SW_BIN")
vw_trap
NCPU=$(nproc)
OTHERS=1-$((NCPU - 1)); [ "$NCPU" -lt 2 ] && OTHERS=0
# The packet thread alone on CPU 0 (--cpus), the management thread with the
# load generator and the traffic on the others.  PIN=shared: the whole daemon
# on CPU 0 (both threads share it), as before the management thread existed.
if [ "${PIN:-split}" = shared ]; then
  DAEMON_RUN=(taskset -c 0 "$SW_BIN" run); PIN_DESC="both daemon threads on CPU 0"
else
  DAEMON_RUN=("$SW_BIN" run --cpus "0,$((NCPU > 1 ? 1 : 0))"); PIN_DESC="packet thread on CPU 0"
fi
PORT=8092
OUT=${OUT:-$VW_DIR}

vw_up
printf 'load test password\n' | "$SW_BIN" passwd --file "$VW_DIR/admin.hash" 2>/dev/null
KEY=$("$SW_BIN" apikey add load --file "$VW_DIR/keys" 2>/dev/null)
ip netns exec "$NS_FW" "${DAEMON_RUN[@]}" --vwire fw-c,fw-s --ctl "$CTL" -q \
  --set timeout-udp=3600 --http "127.0.0.1:$PORT" --http-auth "$VW_DIR/admin.hash" \
  --http-keys "$VW_DIR/keys" 2>>"$VW_DIR/daemon.err" &
DAEMON_PID=$!
for i in $(seq 1 100); do cli -c "show session info" >/dev/null 2>&1 && break; sleep 0.05; done
# RT=1: the packet thread (the daemon's main thread) SCHED_FIFO, as an inline box would run it
if [ "${RT:-0}" = 1 ]; then chrt -f -p 10 "$DAEMON_PID" && PIN_DESC="$PIN_DESC, SCHED_FIFO"; fi
vw_wait_path || { echo "no path through the wire" >&2; exit 1; }

# N_SESS UDP sessions: one datagram from each (source port, destination port)
nsx "$NS_C" taskset -c "$OTHERS" python3 - "$SERVER_IP" "$N_SESS" <<'PY'
import socket, sys
dst, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 1024 + i % 60000))
    s.sendto(b"x", (dst, 9 + i // 60000))
    s.close()
PY
sleep 1
echo "sessions in the table: $(cli -o json -c 'show session info' | jq .active)"

nsx "$NS_S" taskset -c "$OTHERS" iperf3 -s -D -p 5201 --logfile "$VW_DIR/iperf-s.log"
sleep 0.3

cat >"$VW_DIR/load.py" <<'PY'
import asyncio, json, sys, time
port, key, clients, secs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
paths = ["/api/v1/sessions?limit=100", "/api/v1/sessions?destination_port=1&limit=100"]
lat, errors, codes = [], 0, {}
async def client(i, stop):
    global errors
    path = paths[i % 2]
    req = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n\r\n").encode()
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        errors += 1
        return
    while time.monotonic() < stop:
        t0 = time.monotonic()
        try:
            w.write(req)
            head = await r.readuntil(b"\r\n\r\n")
            code = int(head.split(b" ", 2)[1])
            n = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    n = int(line.split(b":")[1])
            await r.readexactly(n)
        except Exception:
            errors += 1
            return
        codes[code] = codes.get(code, 0) + 1
        lat.append(time.monotonic() - t0)
    w.close()
async def main():
    stop = time.monotonic() + secs
    await asyncio.gather(*(client(i, stop) for i in range(clients)))
t0 = time.monotonic()
asyncio.run(main())
el = time.monotonic() - t0
lat.sort()
q = lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else None
print(json.dumps({"clients": clients, "requests": len(lat), "rps": round(len(lat) / el), "errors": errors,
                  "codes": codes, "latency_ms": {"p50": q(.5), "p99": q(.99), "max": q(1)}}))
PY

# run NAME TRAFFIC: TRAFFIC (ping | iperf) for SECS, with the load generator if NAME=loaded
run() {
  local name=$1 traffic=$2 lp=
  if [ "$name" = loaded ]; then
    ip netns exec "$NS_FW" taskset -c "$OTHERS" python3 "$VW_DIR/load.py" "$PORT" "$KEY" "$CLIENTS" "$((SECS + 1))" \
      >"$VW_DIR/load.json" 2>"$VW_DIR/load.err" &
    lp=$!
    sleep 0.5
  fi
  local h0 h1 stall
  h0=$(hist)
  [ "${STALL:-1}" = 1 ] && kill -USR1 "$DAEMON_PID"  # the stall figures start over
  sleep 0.1
  if [ "$traffic" = ping ]; then
    # every 2 ms, alone on the wire: any stall of the daemon's loop shows as RTT
    nsx "$NS_C" taskset -c "$OTHERS" ping -i 0.002 -w "$SECS" "$SERVER_IP" >"$VW_DIR/ping-$name.txt" 2>&1
  else
    nsx "$NS_C" taskset -c "$OTHERS" iperf3 -c "$SERVER_IP" -p 5201 -t "$SECS" -J >"$VW_DIR/iperf-$name.json" 2>&1
  fi
  [ "${STALL:-1}" = 1 ] && kill -USR1 "$DAEMON_PID"
  sleep 0.2
  stall=$(grep 'since the last SIGUSR1' "$VW_DIR/daemon.err" | tail -1)
  h1=$(hist)
  [ -n "$lp" ] && wait $lp
  python3 - "$name" "$traffic" "$VW_DIR" "$h0" "$h1" "$stall" <<'PY'
import json, re, sys, os
name, traffic, d, h0, h1, stall = sys.argv[1:7]
out = {"phase": f"{traffic}, API {name}"}
if traffic == "ping":
    ping = open(f"{d}/ping-{name}.txt").read()
    t = sorted(float(x) for x in re.findall(r"time=([\d.]+) ms", ping))
    q = lambda p: t[min(len(t) - 1, int(p * len(t)))] if t else None
    out["ping"] = {"sent": int(re.search(r"(\d+) packets transmitted", ping).group(1)), "received": len(t),
                   "rtt_ms": {"p50": q(.5), "p99": q(.99), "p999": q(.999), "max": q(1)}}
else:
    ip = json.load(open(f"{d}/iperf-{name}.json"))["end"]["sum_sent"]
    out["iperf3"] = {"gbps": round(ip["bits_per_second"] / 1e9, 2), "retransmits": ip.get("retransmits")}
m = re.search(r"(\d+) wakeups.*p50 <= ([\d.]+) us, p99 <= ([\d.]+) us, max ([\d.]+) us "
              r"\(requests ([\d.]+) us, timers ([\d.]+) us; longest on-CPU ([\d.]+) us\)", stall)
if m:
    out["packet_thread_stall_us"] = {"wakeups": int(m.group(1)), "p50_le": float(m.group(2)),
                                     "p99_le": float(m.group(3)), "max": float(m.group(4)),
                                     "max_requests": float(m.group(5)), "max_timers": float(m.group(6)),
                                     "max_on_cpu": float(m.group(7))}
# sw_http_service calls during the phase, by duration (histogram deltas from /metrics)
a, b = json.loads(h0), json.loads(h1)
out["http_service_calls"] = {k: b[k] - a.get(k, 0) for k in b if b[k] - a.get(k, 0)}
if name == "loaded" and os.path.exists(f"{d}/load.json"):
    out["api"] = json.load(open(f"{d}/load.json"))
print(json.dumps(out))
PY
}

# the sw_http_service histogram as {"<=0.1ms": n, ...} (non-cumulative)
hist() {
  ip netns exec "$NS_FW" curl -s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/metrics" | python3 -c '
import sys, json, re
prev, out = 0, {}
for l in sys.stdin:
    m = re.match(r"statewall_http_service_seconds_bucket\{le=\"([^\"]+)\"\} (\d+)", l)
    if m:
        le = m.group(1); n = int(m.group(2))
        out["<=%gms" % (float(le) * 1000) if le != "+Inf" else ">10ms"] = n - prev; prev = n
print(json.dumps(out))'
}

echo "== $CLIENTS API clients for $SECS s vs. API idle; $(nproc) CPUs, $PIN_DESC"
{ run idle ping; run loaded ping; run idle iperf; run loaded iperf; } | tee "$OUT/http-load.jsonl"
echo "sessions in the table at the end: $(cli -o json -c 'show session info' | jq .active)"
