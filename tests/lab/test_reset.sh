#!/usr/bin/env bash
# test_reset.sh - reset-on-expiry through the vwire, with real Linux TCP at both ends.
# A client half-closes (request + FIN); the server answers, stays silent, then
# resumes after the 2 s fixed half-closed timer.  Without reset-on-expiry the
# old silent failure: the server's late data is dropped, the client never sees
# it and only its own timeout ends the wait, the server retransmits.  With
# `reset-on-expiry half-closed` statewall sends an RST to each end when the
# timer fires: the client's read fails with ECONNRESET and the server's next
# send with EPIPE / ECONNRESET, each within 1 s of the session's end; both
# kernels accept their RST (no challenge ACK, no retransmission, no frame of
# the connection afterwards: tcpdump on both ends' interfaces).
# Namespaces swrst-<pid>-{c,fw,s}, removed on any exit.  Needs root; ~30 s.
#
#   SW_BIN=build/statewall SW_SHARED=../shared bash tests/lab/test_reset.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SW_SRC=${SW_SRC:-$(cd "$HERE/../.." && pwd)}
SW_SHARED=${SW_SHARED:-$SW_SRC/../shared}
VW=${VW:-swrst-$$-}
VW_TAG=reset
. "$HERE/lib.sh"
vw_test_start apps
command -v tcpdump >/dev/null || { echo "SKIP: needs tcpdump"; exit 77; }

# transfer NAME PORT DELAY: the half-close transfer (tcp_pair, lib.sh), the server resuming
# DELAY s after the client's FIN
transfer() {
  tcp_pair "$1" "$2" --scenario halfclose_client --delay "$3" --stream 1 --period 0.5
}

# counter NS FILE FIELD: a TCP counter of the namespace (/proc/net/snmp or netstat)
counter() {
  nsx "$1" cat "/proc/net/$2" | awk -v f="$3" '
    $1 ~ /^(Tcp|TcpExt):$/ { if (!hdr[$1]) { for (i = 2; i <= NF; i++) col[$1, $i] = i; hdr[$1] = 1; next }
      for (k in col) { split(k, p, SUBSEP); if (p[1] == $1 && p[2] == f) print $(col[k]) } }'
}
retrans() { counter "$1" snmp RetransSegs; }
challenge() { counter "$1" netstat TCPChallengeACK; }

# capture NS IF NAME: tcpdump of the connection's frames on an end's own interface
capture() {
  ip netns exec "$1" tcpdump -i "$2" -U -n -s 128 -w "$VW_DIR/$3.pcap" tcp 2>/dev/null &
  VW_PIDS+=($!)
}

# after_rst PCAP PORT LOCAL-IP: frames the end at LOCAL-IP sent on the connection after the
# first RST it received; "none" if it got no RST
after_rst() {
  tcpdump -r "$1" -n -tt "tcp port $2" 2>/dev/null | python3 -c '
import sys
local = sys.argv[1]
got, after = False, 0
for l in sys.stdin:
    w = l.split()
    src, flags = w[2], l.split("Flags [")[1].split("]")[0] if "Flags [" in l else ""
    if not got:
        got = not src.startswith(local + ".") and "R" in flags
    elif src.startswith(local + "."):
        after += 1
print(after if got else "none")' "$3"
}

# epoch of the first app log line matching a pattern
t_of() { grep -m1 -E "$2" "$1" | awk '{print $1}'; }
lt() { python3 -c 'import sys; sys.exit(not (float(sys.argv[1]) <= float(sys.argv[2])))' "$1" "$2"; }
jfield() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2]))' "$1" "$2"; }

vw_up
echo "== reset-on-expiry through the vwire ($NS_C | $NS_FW | $NS_S), dir $VW_DIR"
CONF=$VW_DIR/statewall.conf
cat >"$CONF" <<'EOF'
set deviceconfig setting session half-close-mode fixed
set deviceconfig setting session timeout-tcp-half-closed 2
set deviceconfig setting session timeout-tcp-time-wait 1
EOF
vw_start -c "$CONF" --log "$VW_DIR/sessions.log" || exit 1
vw_wait_path || { bad "no path through the wire"; exit 1; }
capture "$NS_C" c-fw client
capture "$NS_S" s-fw server
sleep 0.5

echo "-- reset-on-expiry none (default): server resumes 3 s after the client's FIN"
r0=$(retrans "$NS_S")
transfer silent 5201 3
echo "        client: $CVL"
echo "        server: $SVL"
check "the client never sees the late data and ends by its own timeout" \
  grep -q 'end=timeout.*late_bytes_received=0' <<<"$CVL"
check "the server's late data is never acknowledged" grep -q 'peer_acked_all=False' <<<"$SVL"
r1=$(retrans "$NS_S")
check "the server retransmits into the dead session ($r0 -> $r1 RetransSegs)" [ "$r1" -gt "$r0" ]

echo "-- commit reset-on-expiry half-closed; server resumes 2.6 s after the client's FIN"
cli -c configure -c "set deviceconfig setting session reset-on-expiry half-closed" -c commit \
  >"$VW_DIR/commit.out" 2>&1
check "commit accepted" grep -q "committed successfully" "$VW_DIR/commit.out"
rc0=$(retrans "$NS_C") rs0=$(retrans "$NS_S") cc0=$(challenge "$NS_C") cs0=$(challenge "$NS_S")
transfer reset 5202 2.6
sleep 0.5
rc1=$(retrans "$NS_C") rs1=$(retrans "$NS_S") cc1=$(challenge "$NS_C") cs1=$(challenge "$NS_S")
echo "        client: $CVL"
echo "        server: $SVL"
check "the client's read fails with a reset (ECONNRESET)" grep -q 'end=reset' <<<"$CVL"
check "the server's next send fails (EPIPE / ECONNRESET)" \
  grep -qE 'BrokenPipeError|ConnectionResetError' <<<"$SVL"
n=$(cli -o json -c "show counter global" | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["tcp-resets-on-expiry"])' 2>/dev/null)
check "show counter global: tcp-resets-on-expiry 2 ($n)" [ "$n" = 2 ]
check "no retransmission at either end (client $rc0 -> $rc1, server $rs0 -> $rs1)" \
  [ "$rc1/$rs1" = "$rc0/$rs0" ]
check "no challenge ACK at either end (client $cc0 -> $cc1, server $cs0 -> $cs1)" \
  [ "$cc1/$cs1" = "$cc0/$cs0" ]
sleep 0.3
tcpdump -r "$VW_DIR/client.pcap" -n -tt 'tcp port 5202 and tcp[tcpflags] & tcp-rst != 0' 2>/dev/null | sed 's/^/        client got: /'
tcpdump -r "$VW_DIR/server.pcap" -n -tt 'tcp port 5202 and tcp[tcpflags] & tcp-rst != 0' 2>/dev/null | sed 's/^/        server got: /'
a=$(after_rst "$VW_DIR/client.pcap" 5202 "$CLIENT_IP")
check "the client received an RST and sent nothing of the connection after it ($a)" [ "$a" = 0 ]
a=$(after_rst "$VW_DIR/server.pcap" 5202 "$SERVER_IP")
check "the server received an RST and sent nothing of the connection after it ($a)" [ "$a" = 0 ]
a=$(after_rst "$VW_DIR/client.pcap" 5201 "$CLIENT_IP")
check "without the setting no RST reached the client ($a)" [ "$a" = none ]

vw_stop
check "daemon stopped cleanly" grep -q "statewall run: stopped" "$VW_DIR/daemon.err"
check "the daemon sent both RSTs (a neighbour for each end)" \
  grep -q "reset-on-expiry: 2 rsts sent, 0 rsts without a neighbour, 0 rsts the transmit ring refused" \
  "$VW_DIR/daemon.err"
L1=$(grep '"resp_p":5201,' "$VW_DIR/sessions.log" | tail -1)
L2=$(grep '"resp_p":5202,' "$VW_DIR/sessions.log" | tail -1)
check "log 5201: aged-out, no reset (expiry_reset $(jfield "$L1" expiry_reset))" \
  [ "$(jfield "$L1" end_reason)/$(jfield "$L1" expiry_reset)" = aged-out/None ]
check "log 5202: aged-out by the half-closed timer, expiry_reset sent" \
  [ "$(jfield "$L2" end_reason)/$(jfield "$L2" timer)/$(jfield "$L2" expiry_reset)" = \
    aged-out/timeout-tcp-half-closed/sent ]
end=$(jfield "$L2" end)
tc=$(t_of "$VW_DIR/reset.client.log" 'connection RESET')
ts=$(t_of "$VW_DIR/reset.server.log" 'done: FAIL')
echo "        session end $end; client saw the reset at $tc, server at $ts"
check "the client sees the reset within 1 s of the expiry" lt "$tc" "$(python3 -c "print($end + 1)")"
check "the server sees the reset within 1 s of the expiry" lt "$ts" "$(python3 -c "print($end + 1)")"
check "... and not before it" lt "$(python3 -c "print($end - 0.05)")" "$tc"

echo "$PASSES passed, $FAILS failed"
[ "$FAILS" = 0 ]
