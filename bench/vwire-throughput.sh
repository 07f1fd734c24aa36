#!/usr/bin/env bash
# vwire-throughput.sh - a benchmark, not a test: one bulk TCP transfer (iperf3)
# through `statewall run --vwire` and the same transfer through a plain Linux
# bridge, in the same run and the same namespace layout (tests/lab/lib.sh),
# reported as a ratio.  Offloads are off on every veth (MTU-sized frames with
# real checksums), as in the lab.  Needs root and iperf3.
#
#   SW_BIN=build/statewall bench/vwire-throughput.sh [SECONDS] [STREAMS]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SECS=${1:-5}
STREAMS=${2:-1}
VW_TAG=bench
. "$HERE/../tests/lab/lib.sh"
vw_need_root
command -v iperf3 >/dev/null || { echo "needs iperf3" >&2; exit 77; }
SW_BIN=$(command -v "$SW_BIN" || echo "$SW_BIN")
vw_trap

# iperf3 client -> server through whatever is in the fw namespace; prints Gbit/s
measure() {
  ip netns exec "$NS_S" iperf3 -s -1 -B "$SERVER_IP" >/dev/null 2>&1 &
  local spid=$!
  VW_PIDS+=("$spid")
  sleep 0.5
  ip netns exec "$NS_C" iperf3 -c "$SERVER_IP" -t "$SECS" -P "$STREAMS" -J 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.3f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))'
  wait "$spid" 2>/dev/null
}

vw_up bridge
vw_wait_path || { echo "bridge: no path" >&2; exit 1; }
BR=$(measure)
vw_down
VW_DIR=$(mktemp -d "${TMPDIR:-/tmp}/statewall-lab.XXXXXX"); CTL=$VW_DIR/ctl.sock; VW_PIDS=()

vw_up
vw_start || exit 1
vw_wait_path || { echo "statewall: no path" >&2; exit 1; }
SW=$(measure)
cli -c "show interface"
cli -c "show counter global" | grep -E "^(pkts|forwarded|dropped|tcp-)" || true

python3 - "$BR" "$SW" "$SECS" "$STREAMS" <<'EOF'
import sys
br, sw, secs, streams = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
print(f"iperf3 {secs} s, {streams} stream(s), MTU 1500, offloads off")
print(f"  linux bridge          {br:8.3f} Gbit/s")
print(f"  statewall --vwire     {sw:8.3f} Gbit/s")
print(f"  ratio statewall/bridge {sw / br:7.2f}" if br > 0 else "  ratio: bridge gave 0")
EOF
