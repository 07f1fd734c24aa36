# lib.sh - shared by tests/lab/test_*.sh, scripts/lab and bench/vwire.sh:
# a three-namespace virtual wire (client, fw, server; two veth pairs) with
# unique names, a statewall daemon in the fw namespace, and cleanup that runs
# on any exit.  Source it, then call vw_up; everything is removed by the EXIT trap.
#
#   client ns ${VW}c:  c-fw 198.18.1.2/24 ---- fw-c [ statewall run --vwire fw-c,fw-s ] fw-s ---- s-fw 198.18.1.3/24  :server ns ${VW}s
#
# Offloads (TSO/GSO/GRO, checksums) are off on every veth, so frames are real
# MTU-sized frames with real checksums, as on a wire.  IPv6 is off (no ND/MLD noise).
# shellcheck shell=bash

VW=${VW:-swt-$$-}
NS_C=${VW}c
NS_FW=${VW}fw
NS_S=${VW}s
CLIENT_IP=198.18.1.2
SERVER_IP=198.18.1.3
VW_DIR=${VW_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/statewall-lab.XXXXXX")}
CTL=$VW_DIR/ctl.sock
SW_BIN=${SW_BIN:-statewall}
VW_PIDS=()
DAEMON_PID=

# Test bookkeeping: ok/bad count, check runs a command; the script ends with
# "$PASSES passed, $FAILS failed".
PASSES=0
FAILS=0
ok()  { PASSES=$((PASSES + 1)); printf '  ok    %s\n' "$*"; }
bad() { FAILS=$((FAILS + 1)); printf '  FAIL  %s\n' "$*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

vw_log() { printf '%s [%s] %s\n' "$(date +%T)" "${VW_TAG:-lab}" "$*" >&2; }

vw_need_root() {
  if [ "$(id -u)" != 0 ]; then echo "needs root (network namespaces)" >&2; exit 77; fi
  command -v ip >/dev/null || { echo "needs iproute2" >&2; exit 77; }
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

vw_offloads_off() {
  nsx "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
}

vw_down() {
  local p ns
  for p in "${VW_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null
  sleep 0.2
  for p in "${VW_PIDS[@]}" $DAEMON_PID; do kill -KILL "$p" 2>/dev/null; done
  for ns in "$NS_C" "$NS_FW" "$NS_S" "${VW}brfw"; do
    if ip netns list | grep -qw "$ns"; then
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    fi
  done
  if [ -z "${VW_KEEP_DIR:-}" ]; then rm -rf "$VW_DIR"; fi
}

vw_trap() { trap 'rc=$?; vw_down; exit $rc' EXIT; trap 'exit 130' INT TERM; }

# A lab test's start: root and the binary (SW_BIN resolved to a path), with
# `apps` also ../shared's TCP apps (APPS), then the cleanup trap.  Skips (77)
# what cannot run here.
vw_test_start() {
  if [ "${1:-}" = apps ]; then
    APPS=$SW_SHARED/lab/apps
    [ -f "$APPS/tcpapp.py" ] || { echo "SKIP: $APPS/tcpapp.py not found (set SW_SHARED)"; exit 77; }
  fi
  vw_need_root
  command -v "$SW_BIN" >/dev/null || [ -x "$SW_BIN" ] || { echo "SW_BIN=$SW_BIN not found" >&2; exit 1; }
  SW_BIN=$(command -v "$SW_BIN" || echo "$SW_BIN")
  vw_trap
}

# vw_up [bridge]: the namespaces and veths; `bridge` puts a plain Linux bridge in fw instead
vw_up() {
  local ns
  for ns in "$NS_C" "$NS_FW" "$NS_S"; do
    ip netns add "$ns"
    nsx "$ns" ip link set lo up
    nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  ip -n "$NS_C" link add c-fw type veth peer name fw-c netns "$NS_FW"
  ip -n "$NS_S" link add s-fw type veth peer name fw-s netns "$NS_FW"
  vw_offloads_off "$NS_C" c-fw; vw_offloads_off "$NS_FW" fw-c
  vw_offloads_off "$NS_FW" fw-s; vw_offloads_off "$NS_S" s-fw
  nsx "$NS_C" ip addr add "$CLIENT_IP/24" dev c-fw
  nsx "$NS_S" ip addr add "$SERVER_IP/24" dev s-fw
  nsx "$NS_C" ip link set c-fw up
  nsx "$NS_S" ip link set s-fw up
  if [ "${1:-}" = bridge ]; then
    nsx "$NS_FW" ip link add br0 type bridge stp_state 0 forward_delay 0
    nsx "$NS_FW" ip link set fw-c master br0
    nsx "$NS_FW" ip link set fw-s master br0
    nsx "$NS_FW" ip link set br0 up
  fi
  nsx "$NS_FW" ip link set fw-c up
  nsx "$NS_FW" ip link set fw-s up
}

# vw_start [statewall run options...]: the daemon in the fw namespace, waits for its socket
vw_start() {
  # not through nsx: $! must be the daemon itself (ip netns exec execs it)
  ip netns exec "$NS_FW" "$SW_BIN" run --vwire fw-c,fw-s --ctl "$CTL" "$@" 2>>"$VW_DIR/daemon.err" &
  DAEMON_PID=$!
  local i
  for i in $(seq 1 100); do
    [ -S "$CTL" ] && "$SW_BIN" cli --ctl "$CTL" -c "show session info" >/dev/null 2>&1 && return 0
    kill -0 "$DAEMON_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "statewall did not start:" >&2; cat "$VW_DIR/daemon.err" >&2
  return 1
}

# vw_stop: SIGTERM, wait (the daemon logs open sessions with reason shutdown)
vw_stop() {
  [ -n "$DAEMON_PID" ] || return 0
  kill -TERM "$DAEMON_PID" 2>/dev/null
  wait "$DAEMON_PID" 2>/dev/null
  local rc=$?
  DAEMON_PID=
  return $rc
}

cli() { "$SW_BIN" cli --ctl "$CTL" "$@"; }

# wait until the client can reach the server (ARP through the wire)
vw_wait_path() {
  local i
  for i in $(seq 1 50); do
    nsx "$NS_C" ping -c1 -W1 -q "$SERVER_IP" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# tcp_pair NAME PORT CLIENT-ARGS...: a tcpapp.py server in the server namespace and the client
# in the client one (vw_test_start apps); CV/SV get the client's/server's result (PASS, FAIL),
# CVL/SVL their whole VERDICT lines, the logs go to $VW_DIR/NAME.{client,server}.log
tcp_pair() {
  local name=$1 port=$2; shift 2
  ip netns exec "$NS_S" python3 "$APPS/tcpapp.py" server --port "$port" --timeout 40 \
    >"$VW_DIR/$name.server.log" 2>&1 &
  local spid=$!
  VW_PIDS+=("$spid")
  local i
  for i in $(seq 1 50); do grep -q READY "$VW_DIR/$name.server.log" 2>/dev/null && break; sleep 0.05; done
  ip netns exec "$NS_C" python3 "$APPS/tcpapp.py" client --server "$SERVER_IP" --port "$port" \
    --io-timeout 3 --drain-timeout 3 --rst-timeout 3 "$@" >"$VW_DIR/$name.client.log" 2>&1
  wait "$spid" 2>/dev/null
  CVL=$(grep '^VERDICT' "$VW_DIR/$name.client.log" | tail -1)
  SVL=$(grep '^VERDICT' "$VW_DIR/$name.server.log" | tail -1)
  CV=$(grep -o 'result=[A-Z]*' <<<"$CVL" | cut -d= -f2)
  SV=$(grep -o 'result=[A-Z]*' <<<"$SVL" | cut -d= -f2)
}

# bg NS CMD...: run in the background in a namespace; the pid goes to $BG_PID
bg() { local ns=$1; shift; ip netns exec "$ns" "$@" & BG_PID=$!; VW_PIDS+=("$BG_PID"); }
