#!/usr/bin/env bash
# test_workers.sh - `statewall run --workers 2` end to end (issue 14): real
# Linux TCP/UDP/ICMP through the wire, spread over two workers by the
# kernel's fanout hash.  Every close scenario, UDP, ICMP and 2,000 parallel
# connections: every transfer intact, nothing dropped, every flow exactly one
# session (a flow whose directions reached different workers would be two
# half sessions, or its SYN-ACK dropped as non-SYN), both workers used; then
# show / clear / commit / events across both; `--rt-priority` makes the
# workers SCHED_FIFO and nothing else; `--batch 1` still forwards every flow
# whole.  Needs root; ~1 min.
#
#   SW_BIN=build/statewall SW_SHARED=../shared bash tests/lab/test_workers.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SW_SRC=${SW_SRC:-$(cd "$HERE/../.." && pwd)}
SW_SHARED=${SW_SHARED:-$SW_SRC/../shared}
VW_TAG=workers
. "$HERE/lib.sh"
vw_test_start apps

jget() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }

# tcp_pair NAME PORT CLIENT-ARGS... : server + client; sets CV/SV (client/server verdict)
tcp_pair() {
  local name=$1 port=$2; shift 2
  ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port "$port" --timeout 40 \
    >"$VW_DIR/$name.server.log" 2>&1 &
  local spid=$! i
  VW_PIDS+=("$spid")
  for i in $(seq 1 50); do grep -q READY "$VW_DIR/$name.server.log" 2>/dev/null && break; sleep 0.05; done
  ip netns exec "$NS_C" python3 "$APPS/tcpapp.py" client --server "$SERVER_IP" --port "$port" \
    --io-timeout 3 --drain-timeout 3 --rst-timeout 3 "$@" >"$VW_DIR/$name.client.log" 2>&1
  wait "$spid" 2>/dev/null
  CV=$(grep -o 'result=[A-Z]*' "$VW_DIR/$name.client.log" | tail -1 | cut -d= -f2)
  SV=$(grep -o 'result=[A-Z]*' "$VW_DIR/$name.server.log" | tail -1 | cut -d= -f2)
}

vw_up
vw_start --workers 2 --log "$VW_DIR/sessions.log" --set timeout-udp=600 || exit 1
vw_wait_path || { bad "no path through the wire"; exit 1; }
"$SW_BIN" events --ctl "$CTL" -o json >"$VW_DIR/events.out" 2>"$VW_DIR/events.err" &
VW_PIDS+=($!)
sleep 0.3

echo "-- every close scenario, two workers"
port=5300
for sc in normal halfclose_client halfclose_server simclose rst_client rst_server; do
  port=$((port + 1))
  extra=()
  case $sc in halfclose_*) extra=(--delay 1 --stream 1 --period 0.25) ;; esac
  tcp_pair "$sc" "$port" --scenario "$sc" "${extra[@]}"
  check "$sc: both ends intact (client $CV, server $SV)" [ "$CV/$SV" = PASS/PASS ]
done

echo "-- UDP and ICMP"
ip netns exec "$NS_S" python3 "$APPS/udpapp.py" server --port 5399 --count 20 --timeout 30 \
  >"$VW_DIR/udp.server.log" 2>&1 &
VW_PIDS+=($!)
sleep 0.3
ip netns exec "$NS_C" python3 "$APPS/udpapp.py" client --server "$SERVER_IP" --port 5399 --count 20 \
  >"$VW_DIR/udp.client.log" 2>&1
check "udp: 20 echoes intact" grep -q "result=PASS" "$VW_DIR/udp.client.log"
check "icmp: 5 echo replies" nsx "$NS_C" ping -c 5 -i 0.2 -W 1 -q "$SERVER_IP"

echo "-- 2,000 parallel connections"
ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port 5400 --count 2000 --timeout 120 \
  >"$VW_DIR/many.server.log" 2>&1 &
spid=$!; VW_PIDS+=($spid)
sleep 0.3
ip netns exec "$NS_C" python3 "$APPS/tcpapp.py" client --server "$SERVER_IP" --port 5400 \
  --scenario many --conns 2000 --workers 16 >"$VW_DIR/many.client.log" 2>&1
wait $spid
check "2000/2000 connections intact" grep -q "connections=2000/2000_ok" "$VW_DIR/many.client.log"

echo "-- show across both workers"
cli -o json -c "show session info" >"$VW_DIR/info.json"
cli -c "show session info" | grep -A5 "Packet workers" | sed 's/^/        /'
check "show session info: 2 workers" [ "$(jget 'd["nworkers"]' <"$VW_DIR/info.json")" = 2 ]
check "both workers created sessions" \
  [ "$(jget 'min(w["created"] for w in d["workers"]) > 0' <"$VW_DIR/info.json")" = True ]
check "the workers' sessions add up to the table's" \
  [ "$(jget 'sum(w["active"] for w in d["workers"]) == d["active"]' <"$VW_DIR/info.json")" = True ]
check "each worker has half of max-sessions" \
  [ "$(jget 'all(2 * w["max_sessions"] == d["supported"] for w in d["workers"])' <"$VW_DIR/info.json")" = True ]
cli -o json -c "show counter global" >"$VW_DIR/ctr.json"
c=$(jget '[d["counters"][k] for k in ("dropped", "tcp-midstream-pickups", "invariant-failures")]' <"$VW_DIR/ctr.json")
check "nothing dropped, no mid-stream pickup, no invariant failure: $c" [ "$c" = "[0, 0, 0]" ]
cli -o json -c "show session all filter destination-port 5400 count yes" >"$VW_DIR/many.json"
check "the 2000 connections are 2000 sessions ($(jget 'd["matched"]' <"$VW_DIR/many.json"))" \
  [ "$(jget 'd["matched"]' <"$VW_DIR/many.json")" = 2000 ]

echo "-- commit reaches both workers; clear reaches both"
# live UDP sessions on both workers: 40 source ports
nsx "$NS_C" python3 -c '
import socket
for p in range(41000, 41040):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", p)); s.sendto(b"x", ("'"$SERVER_IP"'", 9))'
sleep 0.3
cli -c configure -c "set deviceconfig setting session timeout-udp 777" -c commit >"$VW_DIR/commit.out" 2>&1
check "commit accepted" grep -q "committed successfully" "$VW_DIR/commit.out"
cli -o json -c "show session all filter protocol udp destination-port 9" >"$VW_DIR/udp9.json"
check "40 UDP sessions on both workers, all on the new timer" [ "$(jget '
(len(d["sessions"]), sorted({s["worker"] for s in d["sessions"]}), {s["timer_value"] for s in d["sessions"]})' \
  <"$VW_DIR/udp9.json")" = "(40, [0, 1], {777})" ]
cli -c "clear session all" >/dev/null 2>&1
check "clear session all: no live session on either worker" \
  [ "$(cli -o json -c "show session info" | jget 'd["active"]')" = 0 ]
check "events came from both workers" python3 -c '
import json, sys
ws = {json.loads(l)["session"]["worker"] for l in open(sys.argv[1]) if l.strip()}
sys.exit(0 if ws == {0, 1} else 1)' "$VW_DIR/events.out"

echo "-- the session log: one session per flow, both directions on it"
vw_stop
check "session log written" test -s "$VW_DIR/sessions.log"
python3 - "$VW_DIR/sessions.log" >"$VW_DIR/log.check" <<'PY'
import collections, json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
flows = collections.Counter()
bad = 0
for r in rows:
    a, b = (r["orig_h"], r["orig_p"]), (r["resp_h"], r["resp_p"])
    flows[(r["proto"],) + tuple(sorted([a, b]))] += 1
    if r["proto"] != "icmp" and r["resp_p"] != 9 and (r["orig_pkts"] == 0 or r["resp_pkts"] == 0):
        bad += 1
dup = sum(1 for v in flows.values() if v > 1)
workers = collections.Counter(r["worker"] for r in rows)
print("sessions %d flows %d duplicated %d one-sided %d per-worker %s" %
      (len(rows), len(flows), dup, bad, dict(sorted(workers.items()))))
sys.exit(0 if dup == 0 and bad == 0 and set(workers) == {0, 1} else 1)
PY
rc=$?
sed 's/^/        /' "$VW_DIR/log.check"
check "every flow one session with packets both ways, on both workers" [ $rc = 0 ]

# --rt-priority: both workers SCHED_FIFO at that priority, the main and management threads not
vw_start --workers 2 --rt-priority 10 || exit 1
cls=$(ps -L -o cls=,rtprio= -p "$DAEMON_PID" | tr -s ' ' | sed 's/^ //' | sort | uniq -c | tr -s ' ' | sed 's/^ //' | paste -sd,)
echo "        threads by policy: $cls"
check "--rt-priority 10: two SCHED_FIFO 10 workers, two SCHED_OTHER threads" [ "$cls" = "2 FF 10,2 TS -" ]
check "--rt-priority 10: the wire forwards" vw_wait_path
vw_stop >/dev/null

# --batch: a batch of one frame (every frame its own turn of the receive
# scheduler) still carries every flow whole and in order; out of range is refused
echo "-- --batch 1"
vw_start --workers 2 --batch 1 || exit 1
vw_wait_path || bad "--batch 1: no path through the wire"
tcp_pair batch1 5501 --scenario halfclose_server --delay 1 --stream 1 --period 0.25
check "--batch 1: half-close stream intact (client $CV, server $SV)" [ "$CV/$SV" = PASS/PASS ]
tcp_pair batch1n 5502 --scenario normal
check "--batch 1: request/response intact (client $CV, server $SV)" [ "$CV/$SV" = PASS/PASS ]
check "--batch 1: icmp: 5 echo replies" nsx "$NS_C" ping -c 5 -i 0.2 -W 1 -q "$SERVER_IP"
d=$(cli -c "show counter global" | awk '$1 == "dropped" {print $2}')
check "--batch 1: nothing dropped (${d:-0})" [ "${d:-0}" = 0 ]
vw_stop >/dev/null
out=$("$SW_BIN" run --vwire fw-c,fw-s --batch 257 2>&1)
check "--batch 257 refused: $out" grep -q -- "--batch 257: expected frames, 1 to 256" <<<"$out"

echo "$PASSES passed, $FAILS failed"
[ "$FAILS" = 0 ]
