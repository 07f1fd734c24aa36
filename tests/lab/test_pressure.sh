#!/usr/bin/env bash
# test_pressure.sh - a full table under a SYN flood, with real Linux TCP through
# `statewall run --vwire` (max-sessions 64): while a real client half-close
# transfer streams and ten new real connections are made, the client namespace
# sends 1920 spoofed SYNs (30x the table, in three bursts of 640 over ~3 s, a
# raw socket, bounded).  With the default table-full-action evict: the
# transfer is intact and ends tcp-fin, every new connection succeeds, the
# counters show the evictions (unestablished only).  Needs root; ~15 s.
#
#   SW_BIN=build/statewall SW_SHARED=../shared bash tests/lab/test_pressure.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SW_SRC=${SW_SRC:-$(cd "$HERE/../.." && pwd)}
SW_SHARED=${SW_SHARED:-$SW_SRC/../shared}
VW_TAG=pressure
. "$HERE/lib.sh"
vw_test_start apps
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }

vw_up
vw_start --set max-sessions=64 --set timeout-tcp-time-wait=2 --log "$VW_DIR/sessions.log" || exit 1
vw_wait_path || { bad "no path through the wire"; exit 1; }

ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port 5141 --timeout 30 \
  >"$VW_DIR/hc.server.log" 2>&1 &
VW_PIDS+=($!)
HC_SPID=$!
ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port 5142 --count 10 --timeout 30 \
  >"$VW_DIR/new.server.log" 2>&1 &
VW_PIDS+=($!)
NEW_SPID=$!
for i in $(seq 1 50); do
  grep -q READY "$VW_DIR/hc.server.log" 2>/dev/null && grep -q READY "$VW_DIR/new.server.log" 2>/dev/null && break
  sleep 0.05
done

echo "-- a half-closed transfer streams for 6 s"
ip netns exec "$NS_C" python3 "$APPS/tcpapp.py" client --server "$SERVER_IP" --port 5141 \
  --scenario halfclose_client --delay 0.5 --stream 6 --period 0.2 --io-timeout 4 \
  >"$VW_DIR/hc.client.log" 2>&1 &
HC_CPID=$!
VW_PIDS+=("$HC_CPID")
sleep 0.5

echo "-- 1920 spoofed SYNs (three bursts of 640 = 10x the table), new connections meanwhile"
ip netns exec "$NS_C" python3 - "$SERVER_IP" >"$VW_DIR/flood.log" 2>&1 <<'PY' &
import socket, struct, sys, time
dst = socket.inet_aton(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
def csum(b):
    if len(b) % 2: b += b"\0"
    x = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while x >> 16: x = (x & 0xffff) + (x >> 16)
    return ~x & 0xffff
sent = 0
for burst in range(3):
    for i in range(640):
        n = burst * 640 + i
        src = socket.inet_aton("198.18.1.%d" % (100 + n % 150))
        sp = 10000 + n
        th = struct.pack("!HHIIBBHHH", sp, 9, 1000 + n, 0, 5 << 4, 0x02, 65535, 0, 0)
        th = th[:16] + struct.pack("!H", csum(src + dst + struct.pack("!BBH", 0, 6, 20) + th)) + th[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, n & 0xffff, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        s.sendto(ip + th, (sys.argv[1], 0))
        sent += 1
        if i % 64 == 63:
            time.sleep(0.02)
    time.sleep(0.8)
print("sent", sent)
PY
FLOOD_PID=$!
VW_PIDS+=("$FLOOD_PID")
sleep 0.3
NEW_OK=0
for i in $(seq 1 10); do
  if ip netns exec "$NS_C" python3 "$APPS/tcpapp.py" client --server "$SERVER_IP" --port 5142 \
      --scenario normal --io-timeout 3 >>"$VW_DIR/new.client.log" 2>&1; then
    NEW_OK=$((NEW_OK + 1))
  fi
  sleep 0.2
done
wait "$FLOOD_PID" 2>/dev/null
wait "$HC_CPID" 2>/dev/null
wait "$HC_SPID" "$NEW_SPID" 2>/dev/null

check "the flood was sent ($(cat "$VW_DIR/flood.log"))" grep -q "sent 1920" "$VW_DIR/flood.log"
check "the half-closed transfer is intact" grep -q "result=PASS" "$VW_DIR/hc.client.log"
check "all 10 new connections succeed during the flood ($NEW_OK)" [ "$NEW_OK" -eq 10 ]
C=$(cli -o json -c "show counter global")
evu=$(jget 'd["counters"]["sessions-evicted-unestablished"]' <<<"$C")
eve=$(jget 'd["counters"]["sessions-evicted-established"] + d["counters"]["sessions-evicted-half-closed"]' <<<"$C")
ref=$(jget 'd["counters"]["sessions-refused"]' <<<"$C")
check "counters: $evu unestablished sessions evicted (> 1000)" [ "$evu" -gt 1000 ]
check "counters: no established or half-closed session evicted ($eve), none refused ($ref)" \
  test "$eve" -eq 0 -a "$ref" -eq 0
sleep 2.5 # time-wait 2 s: the transfer's session ends and is logged at shutdown
vw_stop
python3 - "$VW_DIR/sessions.log" <<'PY' >"$VW_DIR/log.check"
import json, sys
hc = [json.loads(l) for l in open(sys.argv[1]) if '"resp_p":5141' in l]
ok = len(hc) == 1 and hc[0]["end_reason"] == "tcp-fin" and hc[0]["late_pkts"] == 0
print("hc", ok, [(x["end_reason"], x["late_pkts"]) for x in hc])
PY
check "the transfer's session ended tcp-fin, no late packet ($(cat "$VW_DIR/log.check"))" \
  grep -q "^hc True" "$VW_DIR/log.check"
echo "$PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
