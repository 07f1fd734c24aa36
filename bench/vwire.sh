#!/usr/bin/env bash
# vwire.sh - a benchmark, not a test: the wire against the Linux peers in one
# run, the same three-namespace layout for each (tests/lab/lib.sh), offloads
# off on every veth (MTU-sized frames with real checksums):
#
#   bridge       a plain Linux bridge in the fw namespace
#   bridge+ct    the same bridge with nftables conntrack on it (br_netfilter,
#                inet forward chain: ct state established/related/new accepted, invalid dropped):
#                the Linux stateful firewall statewall is compared with
#   statewall    `statewall run --vwire` (each WORKERS setting)
#
# For each: iperf3 throughput with 1 and 8 streams, and ping RTT p50/p99 idle
# and under a bulk transfer (1 stream running beside the pings).  Ratios are
# against bridge+ct.  Beside each throughput figure, where the CPUs went
# while iperf3 ran (/proc/stat and the daemon's /proc/PID/stat): CPUs busy,
# in softirq, and statewall's own (all its threads) - whether the wire or
# the generator had the machine.  Needs root, iperf3, nft.
#
#   SW_BIN=build/statewall bench/vwire.sh [SECONDS] [PINGS]
#   SW_VWIRE_WORKERS="1 2"   statewall --workers settings to run (default: 1)
#   SW_VWIRE_VARIANTS="NAME:OPTIONS;NAME:OPTIONS"  statewall runs by name and
#                            `statewall run` options instead (A/B comparisons;
#                            NAME without spaces), e.g. "spin0:--poll-spin 0;spin50:--poll-spin 50";
#                            a word `rt` among the OPTIONS is not passed on: the daemon's
#                            threads are made SCHED_FIFO 10 (chrt), as an inline box may run it
#   SW_VWIRE_ROUNDS=N        measure everything N times, alternately (default 1);
#                            each round's ratios are against that round's bridge+ct
#   SW_VWIRE_PEERS="bridge+ct"  the Linux peers to measure (default "bridge bridge+ct";
#                            bridge+ct is always measured: the ratios need it)
#   SW_VWIRE_STREAMS="1"     which throughput figures (default "1 8"; "" for latency only)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SECS=${1:-5}
PINGS=${2:-400}
VW_TAG=bench
. "$HERE/../tests/lab/lib.sh"
vw_need_root
command -v iperf3 >/dev/null || { echo "needs iperf3" >&2; exit 77; }
command -v nft >/dev/null || { echo "needs nft" >&2; exit 77; }
SW_BIN=$(command -v "$SW_BIN" || echo "$SW_BIN")
WORKERS=${SW_VWIRE_WORKERS:-1}
ROUNDS=${SW_VWIRE_ROUNDS:-1}
PEERS=${SW_VWIRE_PEERS:-bridge bridge+ct}
STREAMS=${SW_VWIRE_STREAMS-1 8}
declare -a VARIANTS=()
if [ -n "${SW_VWIRE_VARIANTS:-}" ]; then
  IFS=';' read -r -a VARIANTS <<<"$SW_VWIRE_VARIANTS"
else
  for w in $WORKERS; do VARIANTS+=("statewall-w$w:--workers $w"); done
fi
vw_trap

# "total idle softirq" jiffies of all CPUs, and those of process $1 (0 if none)
cpu_snap() {
  local pj=0
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] && pj=$(sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}')
  awk -v pj="$pj" '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6, $8, pj; exit }' /proc/stat
}

# iperf3 client -> server, N streams, SECS seconds; prints "Gbit/s busy softirq
# statewall", the last three in CPUs over the run (statewall: DAEMON_PID's threads)
tput() {
  local port=$((5201 + RANDOM % 1000)) spid a b gbit out=$VW_DIR/iperf3.json
  ip netns exec "$NS_S" iperf3 -s -1 -B "$SERVER_IP" -p "$port" >/dev/null 2>&1 &
  spid=$!
  VW_PIDS+=("$spid")
  sleep 0.5
  a=$(cpu_snap "${DAEMON_PID:-}")
  ip netns exec "$NS_C" iperf3 -c "$SERVER_IP" -p "$port" -t "$SECS" -P "$1" -J >"$out" 2>/dev/null
  b=$(cpu_snap "${DAEMON_PID:-}")
  gbit=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.3f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))' "$out" 2>/dev/null || echo 0)
  wait "$spid" 2>/dev/null
  awk -v g="$gbit" -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN {
    split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; if (t <= 0) t = 1
    printf "%s %.2f %.2f %.2f\n", g, n * (t - (y[2] - x[2])) / t, n * (y[3] - x[3]) / t, n * (y[4] - x[4]) / t }'
}

# PINGS echo requests 5 ms apart; prints "p50 p99" in microseconds
rtt() {
  ip netns exec "$NS_C" ping -n -c "$PINGS" -i 0.005 -W 1 "$SERVER_IP" 2>/dev/null |
    python3 -c '
import re, sys
v = sorted(float(m.group(1)) * 1000 for m in (re.search(r"time=([0-9.]+) ms", l) for l in sys.stdin) if m)
q = lambda p: v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")
print("%.0f %.0f %d" % (q(0.50), q(0.99), len(v)))'
}

# rtt while one bulk stream runs
rtt_loaded() {
  local port=$((6201 + RANDOM % 1000)) spid cpid out
  ip netns exec "$NS_S" iperf3 -s -1 -B "$SERVER_IP" -p "$port" >/dev/null 2>&1 &
  spid=$!
  VW_PIDS+=("$spid")
  sleep 0.5
  ip netns exec "$NS_C" iperf3 -c "$SERVER_IP" -p "$port" -t $((PINGS / 150 + 3)) >/dev/null 2>&1 &
  cpid=$!
  VW_PIDS+=("$cpid")
  sleep 1
  out=$(rtt)
  wait "$cpid" "$spid" 2>/dev/null
  echo "$out"
}

declare -a ROWS=()
ROUND=1
measure() { # name
  local t1="0 0 0 0" t8="0 0 0 0" idle load
  vw_wait_path || { echo "$1: no path" >&2; exit 1; }
  idle=$(rtt)
  load=$(rtt_loaded)
  if [[ " $STREAMS " == *" 1 "* ]]; then t1=$(tput 1); fi
  if [[ " $STREAMS " == *" 8 "* ]]; then t8=$(tput 8); fi
  ROWS+=("$ROUND|$1|${t1%% *}|${t8%% *}|$idle|$load|${t1#* }|${t8#* }")
  echo "  $1: 1 stream ${t1%% *} Gbit/s, 8 streams ${t8%% *} Gbit/s (CPUs busy/softirq/statewall: ${t1#* }; ${t8#* }), RTT idle p50/p99/n $idle us, loaded $load us (load $(cut -d' ' -f1 /proc/loadavg))" >&2
}

fresh() { vw_down; VW_DIR=$(mktemp -d "${TMPDIR:-/tmp}/statewall-lab.XXXXXX"); CTL=$VW_DIR/ctl.sock; VW_PIDS=(); DAEMON_PID=; }

peers() {
  if [[ " $PEERS " == *" bridge "* ]]; then
    vw_up bridge
    measure bridge
    fresh
  fi
  vw_up bridge
  # br_netfilter hands bridged IPv4 to the inet forward hook (per namespace), where conntrack is
  nsx "$NS_FW" sysctl -qw net.bridge.bridge-nf-call-iptables=1 || { echo "no br_netfilter" >&2; exit 77; }
  nsx "$NS_FW" nft -f - <<'NFT'
table inet swbench {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ct state established,related accept
    ct state invalid drop
    ct state new accept
  }
}
NFT
  measure bridge+ct
  fresh
}

# variant NAME:OPTIONS - one statewall daemon with those `run` options
variant() {
  local name=${1%%:*} o rt=0
  local -a opts=()
  # shellcheck disable=SC2086 # OPTIONS are words
  for o in ${1#*:}; do if [ "$o" = rt ]; then rt=1; else opts+=("$o"); fi; done
  vw_up
  vw_start "${opts[@]}" || exit 1
  if [ $rt = 1 ]; then chrt -f -a -p 10 "$DAEMON_PID" >/dev/null || exit 1; fi
  measure "$name"
  cli -c "show counter global" | grep -E "^(pkts|forwarded|dropped) " >&2 || true
  fresh
}

echo "vwire: start, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ROUND in $(seq 1 "$ROUNDS"); do
  # alternately: the peers first on odd rounds, statewall first on even ones
  if [ $((ROUND % 2)) = 1 ]; then peers; fi
  for v in "${VARIANTS[@]}"; do variant "$v"; done
  if [ $((ROUND % 2)) = 0 ]; then peers; fi
done
echo "vwire: end, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$SECS" "$PINGS" "$(nproc)" "${ROWS[@]}" <<'EOF'
import sys
secs, pings, ncpu, rows = sys.argv[1], sys.argv[2], sys.argv[3], [r.split("|") for r in sys.argv[4:]]
f = lambda s: [float(x) for x in s.split()]
rounds = sorted({r[0] for r in rows}, key=int)
print(f"vwire: iperf3 {secs} s per figure, {pings} pings 5 ms apart, MTU 1500, offloads off")
print(f"  {'':16} {'1 stream':>10} {'8 streams':>10} {'idle p50':>9} {'p99':>6} {'loaded p50':>11} {'p99':>6}  (Gbit/s, us)")
tag = lambda r: r[1] if len(rounds) == 1 else f"{r[1]} #{r[0]}"
for r in rows:
    i, l = f(r[4]), f(r[5])
    print(f"  {tag(r):16} {float(r[2]):10.3f} {float(r[3]):10.3f} {i[0]:9.0f} {i[1]:6.0f} {l[0]:11.0f} {l[1]:6.0f}")
print(f"  where the {ncpu} CPUs went while iperf3 ran (in CPUs): busy, in softirq, statewall's threads;")
print(f"  Gbit/s per statewall CPU")
print(f"  {'':16} {'1 stream':>22} {'8 streams':>22} {'per CPU':>8}")
for r in rows:
    c1, c8 = f(r[6]), f(r[7])
    per = f"{float(r[3]) / c8[2]:8.2f}" if c8[2] > 0 else f"{'-':>8}"
    print(f"  {tag(r):16} {c1[0]:8.2f} {c1[1]:6.2f} {c1[2]:6.2f} {c8[0]:8.2f} {c8[1]:6.2f} {c8[2]:6.2f} {per}")
div = lambda a, b: float(a) / float(b) if float(b) else float("nan")
for rd in rounds:
    ref = next(r for r in rows if r[0] == rd and r[1] == "bridge+ct")
    ri, rl = f(ref[4]), f(ref[5])
    for r in rows:
        if r[0] != rd or r[1] in ("bridge", "bridge+ct"):
            continue
        i, l = f(r[4]), f(r[5])
        print(f"RESULT {r[1]} round={rd} tput1_gbit={r[2]} tput8_gbit={r[3]} "
              f"tput1_vs_ct={div(r[2], ref[2]):.2f} tput8_vs_ct={div(r[3], ref[3]):.2f} "
              f"idle_p50_add_us={i[0]-ri[0]:.0f} idle_p99_add_us={i[1]-ri[1]:.0f} "
              f"load_p50_add_us={l[0]-rl[0]:.0f} load_p99_add_us={l[1]-rl[1]:.0f} "
              f"cpu8_busy={f(r[7])[0]:.2f} cpu8_softirq={f(r[7])[1]:.2f} cpu8_statewall={f(r[7])[2]:.2f}")
EOF
