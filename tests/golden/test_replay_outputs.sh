#!/usr/bin/env bash
# replay's outputs: -w / --dropped split the capture exactly by verdict, --verdicts has one
# line per packet, a BPF filter selects packets like tcpdump's, --count stops early.
set -uo pipefail
BIN=${SW_BIN:?} SRC=${SW_SRC:?}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
CAP=$SRC/data/captures/halfclose-client-45s.pcap
pass=0 fail=0
check() { local what=$1; shift; if "$@"; then echo "ok   $what"; pass=$((pass+1)); else echo "FAIL $what"; fail=$((fail+1)); fi; }
count() { python3 -c 'import sys,struct
d=open(sys.argv[1],"rb").read(); o=24; n=0
while o < len(d): n+=1; o += 16 + struct.unpack_from("<I", d, o+8)[0]
print(n)' "$1"; }

"$BIN" replay -q --set half-close-mode=tcpwait -w "$T/fwd.pcap" --dropped "$T/drop.pcap" \
  --verdicts "$T/v" --json "$CAP" >"$T/sum.json"
check "-w holds the 42 forwarded packets" test "$(count "$T/fwd.pcap")" -eq 42
check "--dropped holds the 18 dropped packets" test "$(count "$T/drop.pcap")" -eq 18
check "--verdicts: one line per packet" test "$(wc -l <"$T/v")" -eq 60
check "--verdicts: drops are session-aged-out on session 1" \
  test "$(grep -c ' drop session-aged-out 1$' "$T/v")" -eq 18
"$BIN" replay -q --json "$CAP" 'tcp[tcpflags] & tcp-fin != 0' >"$T/f.json"
check "BPF filter: only the 2 FINs replayed" \
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(s["packets"]["total"] != 2)' "$T/f.json"
"$BIN" replay -q --json -n 5 "$CAP" >"$T/n.json"
check "--count 5 stops after 5 packets" \
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(s["packets"]["total"] != 5)' "$T/n.json"
"$BIN" replay -q "$CAP" 'not a filter(' >/dev/null 2>"$T/err"; rc=$?
check "bad BPF filter: exit 1 with libpcap's message" bash -c "test $rc -eq 1 && grep -q 'filter' '$T/err'"
echo "$pass passed, $fail failed"
test $fail -eq 0
