#!/usr/bin/env bash
# test_vwire.sh - statewall inline, end to end: real Linux TCP/UDP/ICMP endpoints
# in their own network namespaces on both sides of `statewall run --vwire`,
# driven and inspected through `statewall cli`.  Creates namespaces swt-<pid>-{c,fw,s}
# and removes them on any exit.  Needs root; ~1.5 min.
#
#   SW_BIN=build/statewall SW_SHARED=../shared bash tests/lab/test_vwire.sh [scenario...]
#
# Scenarios: halfclose normal closes udp-icmp deny live-clear config many crash (default: all)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SW_SRC=${SW_SRC:-$(cd "$HERE/../.." && pwd)}
SW_SHARED=${SW_SHARED:-$SW_SRC/../shared}
VW_TAG=vwire
. "$HERE/lib.sh"
vw_test_start apps

jget() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }


# the session log line of the TCP/UDP session to PORT (after the daemon stopped)
log_of_port() { grep "\"resp_p\":$1," "$VW_DIR/sessions.log" | tail -1; }

want() { [ -z "${SCEN:-}" ] || [[ " $SCEN " == *" $1 "* ]]; }
SCEN="$*"

vw_up
echo "== statewall inline between $NS_C and $NS_S (fw ns $NS_FW), dir $VW_DIR"

# ---------------------------------------------------------------- daemon 1
# PAN-OS <= 6.0 behaviour: half-close-mode tcpwait with a 2 s timeout-tcpwait.
CONF=$VW_DIR/statewall.conf
cat >"$CONF" <<'EOF'
set deviceconfig setting session half-close-mode tcpwait
set deviceconfig setting session timeout-tcpwait 2
EOF
vw_start -c "$CONF" --log "$VW_DIR/sessions.log" || exit 1
vw_wait_path || { bad "no path through the wire"; exit 1; }

if want halfclose; then
  echo "-- client half-close, server keeps sending 4 s after the client's FIN"
  tcp_pair hc-tcpwait 5101 --scenario halfclose_client --delay 4 --stream 1 --period 0.5
  check "tcpwait 2 s < D 4 s: the client does not get the late data (client $CV)" [ "$CV" = FAIL ]
  check "tcpwait 2 s < D 4 s: the server's late data is never acknowledged (server $SV)" [ "$SV" = FAIL ]
  grep -h 'late_bytes\|VERDICT' "$VW_DIR/hc-tcpwait.client.log" | tail -1 | sed 's/^/        /'

  echo "-- configure + set timeout-tcpwait 10 + commit on the running daemon, same transfer"
  cli -c configure -c "set deviceconfig setting session timeout-tcpwait 10" -c commit \
    >"$VW_DIR/commit1.out" 2>&1
  check "commit accepted" grep -q "committed successfully" "$VW_DIR/commit1.out"
  check "the file now says timeout-tcpwait 10" grep -q "timeout-tcpwait 10" "$CONF"
  tcp_pair hc-tcpwait10 5102 --scenario halfclose_client --delay 4 --stream 1 --period 0.5
  check "tcpwait 10 s > D 4 s: every byte arrives (client $CV, server $SV)" [ "$CV/$SV" = PASS/PASS ]

  echo "-- half-close-mode idle (statewall default) with timeout-tcpwait back at 2 s"
  cli -c configure -c "set deviceconfig setting session half-close-mode idle" \
      -c "set deviceconfig setting session timeout-tcpwait 2" -c commit >/dev/null 2>&1
  cli -c "show session info" | grep -q "Half-close mode:.*idle"
  check "show session info reports half-close mode idle" [ $? = 0 ]
  tcp_pair hc-idle 5103 --scenario halfclose_client --delay 4 --stream 1 --period 0.5
  check "idle: every byte arrives intact (client $CV, server $SV)" [ "$CV/$SV" = PASS/PASS ]
fi

if want normal || want closes; then
  echo "-- close sequences (idle mode)"
  tcp_pair normal 5111 --scenario normal
  check "normal request/response (client $CV, server $SV)" [ "$CV/$SV" = PASS/PASS ]
  tcp_pair hcs 5112 --scenario halfclose_server --delay 1 --stream 1 --period 0.5
  check "server-side half-close (client $CV, server $SV)" [ "$CV/$SV" = PASS/PASS ]
  tcp_pair simclose 5113 --scenario simclose
  check "simultaneous close (client $CV, server $SV)" [ "$CV/$SV" = PASS/PASS ]
  tcp_pair rstc 5114 --scenario rst_client
  check "abortive close by the client (RST) (client $CV, server $SV)" [ "$CV/$SV" = PASS/PASS ]
  tcp_pair rsts 5115 --scenario rst_server
  check "abortive close by the server (RST) (client $CV, server $SV)" [ "$CV/$SV" = PASS/PASS ]
fi

if want udp-icmp; then
  echo "-- UDP and ping"
  ip netns exec "$NS_S" python3 "$APPS/udpapp.py" server --port 5121 --count 20 --timeout 20 \
    >"$VW_DIR/udp.server.log" 2>&1 &
  VW_PIDS+=($!)
  sleep 0.3
  ip netns exec "$NS_C" python3 "$APPS/udpapp.py" client --server "$SERVER_IP" --port 5121 \
    --count 20 >"$VW_DIR/udp.client.log" 2>&1
  check "UDP: 20 datagrams echoed intact" grep -q "result=PASS" "$VW_DIR/udp.client.log"
  check "ping: 5/5 replies" nsx "$NS_C" ping -c 5 -i 0.2 -W 2 -q "$SERVER_IP"
  n=$(cli -o json -c "show session all filter protocol udp destination-port 5121" | jget 'd["matched"]')
  check "show session all filter protocol udp destination-port 5121: 1 session ($n)" [ "$n" = 1 ]
fi

if want deny; then
  echo "-- a deny rule, committed live"
  cli -c configure -c "set rulebase security rules block-5131 protocol tcp" \
      -c "set rulebase security rules block-5131 destination-port 5131" \
      -c "set rulebase security rules block-5131 action deny" -c commit >/dev/null 2>&1
  ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port 5131 --timeout 6 >/dev/null 2>&1 &
  VW_PIDS+=($!)
  sleep 0.3
  ip netns exec "$NS_C" python3 -c '
import socket,sys
try:
    socket.create_connection((sys.argv[1], 5131), timeout=2); print("connected")
except OSError as e:
    print("refused-or-timeout", e); sys.exit(1)' "$SERVER_IP" >"$VW_DIR/deny.out" 2>&1
  rc=$?
  check "the denied connection does not get through ($(cat "$VW_DIR/deny.out"))" [ $rc != 0 ]
  out=$(cli -c "show session all filter state discard destination-port 5131")
  echo "$out" | sed 's/^/        /'
  check "show session all filter state discard lists it as DISCARD" grep -q "DISCARD .*198.18.1.3\[5131\]" <<<"$out"
  d=$(cli -o json -c "show counter global" | jget 'd["drops"]["policy-deny"]')
  check "show counter global: policy-deny drops > 0 ($d)" [ "$d" -gt 0 ]
fi

if want live-clear; then
  echo "-- show session all during a transfer, then clear session id"
  tcp_pair_bg() {
    ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port 5141 --timeout 30 \
      >"$VW_DIR/clear.server.log" 2>&1 &
    VW_PIDS+=($!); CLR_S=$!
    sleep 0.3
    ip netns exec "$NS_C" python3 "$APPS/tcpapp.py" client --server "$SERVER_IP" --port 5141 \
      --io-timeout 3 --drain-timeout 3 --scenario halfclose_client --delay 3 --stream 1 \
      --period 0.5 >"$VW_DIR/clear.client.log" 2>&1 &
    VW_PIDS+=($!); CLR_C=$!
  }
  tcp_pair_bg
  sleep 1
  cli -c "show session all filter destination-port 5141" >"$VW_DIR/live.txt"
  sed 's/^/        /' "$VW_DIR/live.txt"
  check "show session all lists the live session (HALF-CLOSED, client FIN seen)" \
    grep -q "HALF-CLOSED .*198.18.1.3\[5141\]" "$VW_DIR/live.txt"
  id=$(cli -o json -c "show session all filter destination-port 5141" | jget 'd["sessions"][0]["id"]')
  cli -c "show session id $id" >"$VW_DIR/sessid.txt"
  check "show session id $id: both directions, timer in force and where it comes from" \
    grep -q "timer value from" "$VW_DIR/sessid.txt"
  grep -E "state|timer|time to live|half-closed" "$VW_DIR/sessid.txt" | sed 's/^/        /'
  check "clear session id $id" cli -c "clear session id $id"
  wait "$CLR_C" 2>/dev/null; wait "$CLR_S" 2>/dev/null
  check "the application sees the cleared session (client FAIL: late data lost)" \
    grep -q "result=FAIL" "$VW_DIR/clear.client.log"
  check "show session id $id after clear: no such session" bash -c "! cli -c 'show session id $id' 2>/dev/null"
fi

if want config; then
  echo "-- configuration errors change nothing"
  before=$(cli -c "show config running"); sum=$(md5sum <"$CONF")
  out=$(cli -c configure -c "set deviceconfig setting session timeout-tcpwait 99999" -c commit 2>&1)
  check "bad set refused with a message: $(grep Error <<<"$out")" grep -q "Error: .*99999" <<<"$out"
  out=$(cli -c configure -c "set deviceconfig setting session timeout-tcp-half-closed 100" \
        -c "set deviceconfig setting session timeout-tcp-time-wait 200" -c commit 2>&1)
  check "commit of an inconsistent candidate fails, naming the line: $(grep Error <<<"$out")" \
    grep -q "Error: commit failed.*line [0-9]" <<<"$out"
  check "running configuration unchanged" [ "$before" = "$(cli -c 'show config running')" ]
  check "configuration file unchanged" [ "$sum" = "$(md5sum <"$CONF")" ]
  check "set in operational mode is refused" bash -c "! cli -c 'set deviceconfig setting session timeout-tcp 5' 2>/dev/null"
  cli -c "show session ?" >"$VW_DIR/help.txt"
  check "'show session ?' lists info, all, id" bash -c "grep -q '^  info' $VW_DIR/help.txt && grep -q '^  all' $VW_DIR/help.txt && grep -q '^  id' $VW_DIR/help.txt"
  printf 'configure\nset deviceconfig setting session timeout-udp 45\ncommit\nexit\n' | cli >/dev/null
  check "commands on stdin (configure/set/commit/exit): timeout-udp 45" grep -q "timeout-udp 45" "$CONF"
  kill -HUP "$DAEMON_PID"
  for i in $(seq 1 50); do grep -q "SIGHUP: .*reloaded" "$VW_DIR/daemon.err" && break; sleep 0.1; done
  check "SIGHUP reloads the file" grep -q "SIGHUP: .*reloaded" "$VW_DIR/daemon.err"
fi

if want many; then
  echo "-- 2,000 short connections"
  c0=$(cli -o json -c "show session info" | jget 'd["created"]')
  ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port 5151 --count 2000 --timeout 120 \
    >"$VW_DIR/many.server.log" 2>&1 &
  spid=$!; VW_PIDS+=($spid)
  sleep 0.3
  ip netns exec "$NS_C" python3 "$APPS/tcpapp.py" client --server "$SERVER_IP" --port 5151 \
    --scenario many --conns 2000 --workers 16 >"$VW_DIR/many.client.log" 2>&1
  wait $spid
  grep VERDICT "$VW_DIR/many.client.log" | sed 's/^/        /'
  check "2000/2000 connections intact" grep -q "connections=2000/2000_ok" "$VW_DIR/many.client.log"
  c1=$(cli -o json -c "show session info" | jget 'd["created"]')
  check "show session info: sessions created grew by exactly 2000 ($c0 -> $c1)" [ $((c1 - c0)) = 2000 ]
  n=$(cli -o json -c "show session all filter destination-port 5151 count yes" | jget 'd["matched"]')
  t=$(cli -o json -c "show session info" | jget 'd["active_tcp"]')
  check "the 2000 sessions are listed (time-wait) and counted: listed $n, active tcp $t" \
    bash -c "[ $n = 2000 ] && [ $t -ge 2000 ]"
  p=$(cli -c "show session all filter destination-port 5151 limit 100" | grep -c "198.18.1.3\[5151\]")
  check "paged listing: limit 100 shows 100 rows ($p)" [ "$p" = 100 ]
fi

# ---------------------------------------------------------------- log checks
nsx "$NS_C" ping -c 1 -W 2 -q "$SERVER_IP" >/dev/null  # a session that is open at the stop
vw_stop
check "daemon stopped cleanly on SIGTERM" grep -q "statewall run: stopped" "$VW_DIR/daemon.err"
if want halfclose; then
  l=$(log_of_port 5101)
  echo "        $l" | cut -c1-400
  check "session log: tcpwait session aged-out by timeout-tcpwait with late_pkts > 0" \
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(not(d["end_reason"]=="aged-out" and d["timer"]=="timeout-tcpwait" and d["late_pkts"]>0))' "$l"
  l=$(log_of_port 5103)
  check "session log: idle-mode session has no late packets" \
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(not(d["late_pkts"]==0 and d["end_reason"]!="aged-out"))' "$l"
fi
if want live-clear; then
  check "session log: the cleared session ends with reason cleared" grep -q '"resp_p":5141,.*"end_reason":"cleared"' "$VW_DIR/sessions.log"
fi
check "session log: sessions open at the stop end with reason shutdown" grep -q '"end_reason":"shutdown"' "$VW_DIR/sessions.log"

# ---------------------------------------------------------------- kill -9 during commit
if want crash; then
  echo "-- kill -9 during commit never leaves a corrupt configuration file"
  CONF2=$VW_DIR/crash.conf
  printf 'set deviceconfig setting session timeout-tcp 1000\n' >"$CONF2"
  good=1
  for round in 1 2 3 4 5 6; do
    vw_start -c "$CONF2" || { good=0; break; }
    { for i in $(seq 1 3000); do
        echo configure; echo "set deviceconfig setting session timeout-tcp $((1000 + i))"
        echo "set rulebase security rules r$((i % 40)) protocol tcp"; echo "set rulebase security rules r$((i % 40)) action allow"
        echo commit; echo exit
      done; } | cli >/dev/null 2>&1 &
    cpid=$!
    sleep "0.$((RANDOM % 5 + 1))"
    kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
    wait "$cpid" 2>/dev/null
    # the file must load, be complete (one timeout-tcp line, rules with actions) and restart the daemon
    tt=$(grep -c "^set deviceconfig setting session timeout-tcp " "$CONF2")
    nr=$(grep -c " protocol tcp$" "$CONF2"); na=$(grep -c " action allow$" "$CONF2")
    if [ "$tt" != 1 ] || [ "$nr" != "$na" ]; then good=0; echo "        round $round: bad file"; cat "$CONF2"; break; fi
    vw_start -c "$CONF2" || { good=0; echo "        round $round: daemon refuses the file"; break; }
    v=$(cli -c "show config running" | grep "timeout-tcp " | awk '{print $NF}')
    # a kill mid-save leaves a temporary file; the restarted daemon removes it
    left=$(find "$(dirname "$CONF2")" -maxdepth 1 -name "$(basename "$CONF2").tmp.*" | wc -l)
    [ "$left" = 0 ] || leftovers=$((leftovers + left))
    echo "        round $round: killed; file has timeout-tcp $v and $nr rules; restart OK; $left temporary files left"
    vw_stop >/dev/null
  done
  check "6 rounds of kill -9 during commits: the file always loads and is complete" [ $good = 1 ]
  check "no temporary file survives a restart after kill -9" [ "${leftovers:-0}" = 0 ]
fi

echo "== $PASSES passed, $FAILS failed"
[ "$FAILS" = 0 ]
