#!/usr/bin/env bash
# Bad capture files: a clear error, a non-zero exit, and a correct summary of what was read.
set -uo pipefail
BIN=${SW_BIN:?} SRC=${SW_SRC:?}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
CAP=$SRC/data/captures/halfclose-client-45s.pcap
pass=0 fail=0
check() { # what, condition...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; pass=$((pass+1)); else echo "FAIL $what"; fail=$((fail+1)); fi
}

# Truncated in the middle of a packet: the packets before it are reported.
size=$(stat -c %s "$CAP")
head -c $((size - 30)) "$CAP" >"$T/trunc.pcap"
"$BIN" replay -q --json "$T/trunc.pcap" >"$T/out" 2>"$T/err"; rc=$?
check "truncated: non-zero exit" test $rc -ne 0
check "truncated: message names the file and the last good packet" grep -q "trunc.pcap: after packet 59" "$T/err"
check "truncated: summary of the 59 packets read" \
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(s["packets"]["total"] != 59)' "$T/out"

# Empty file, garbage header, missing file, directory.
: >"$T/empty.pcap"
"$BIN" replay -q "$T/empty.pcap" >/dev/null 2>"$T/err"; rc=$?
check "empty: non-zero exit with a message" test $rc -ne 0 -a -s "$T/err"
check "empty: message names the file" grep -q "empty.pcap" "$T/err"
head -c 200 /dev/urandom >"$T/junk.pcap"
"$BIN" replay -q "$T/junk.pcap" >/dev/null 2>"$T/err"; rc=$?
check "garbage: non-zero exit, says it is not a capture" grep -q "not a readable pcap" "$T/err"
"$BIN" replay -q "$T/missing.pcap" >/dev/null 2>"$T/err"; rc=$?
check "missing: No such file" grep -q "No such file" "$T/err"

# Corrupt record header (caplen > snaplen) in the middle.
python3 - "$CAP" "$T/corrupt.pcap" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
off = 24
for _ in range(10):                      # skip 10 records
    caplen = struct.unpack_from("<I", d, off + 8)[0]
    off += 16 + caplen
struct.pack_into("<I", d, off + 8, 0x7fffffff)   # absurd caplen
open(sys.argv[2], "wb").write(d)
PY
"$BIN" replay -q --json "$T/corrupt.pcap" >"$T/out" 2>"$T/err"; rc=$?
check "corrupt record: non-zero exit after packet 10" grep -q "after packet 10" "$T/err"
check "corrupt record: summary of the 10 packets read" \
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(s["packets"]["total"] != 10)' "$T/out"

# Bad configuration: file, line and token named; nothing runs.
printf 'set deviceconfig setting session timeout-tcp 60\nset deviceconfig setting session timeout-tcpwait 9999\n' >"$T/bad.conf"
"$BIN" replay -q -c "$T/bad.conf" "$CAP" >/dev/null 2>"$T/err"; rc=$?
check "bad config: exit 2 naming file:line and token" \
  bash -c "test $rc -eq 2 && grep -q 'bad.conf:2' '$T/err' && grep -q \"'9999'\" '$T/err'"
"$BIN" replay -q --set timeout-tcp-time-wait=600 "$CAP" >/dev/null 2>"$T/err"; rc=$?
check "time-wait longer than half-closed is refused and says so" \
  bash -c "test $rc -eq 2 && grep -qi 'half-closed' '$T/err'"

# Unsupported link type: clear warning, every packet counted.
python3 - "$CAP" "$T/link.pcap" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<I", d, 20, 147)       # LINKTYPE_USER0
open(sys.argv[2], "wb").write(d)
PY
"$BIN" replay -q --json "$T/link.pcap" >"$T/out" 2>"$T/err"; rc=$?
check "unsupported link type: warned, all dropped as unsupported-l2" \
  bash -c "grep -q 'link type 147' '$T/err' && python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(s[\"packets\"][\"drop_reasons\"].get(\"unsupported-l2\") != 60)' '$T/out'"

# analyze reads captures as replay does: the same exit status, the same message.
"$BIN" analyze -q "$T/trunc.pcap" >"$T/out" 2>"$T/err"; rc=$?
check "analyze truncated: exit 1 like replay, names the file and packet 59" \
  bash -c "test $rc -eq 1 && grep -q 'trunc.pcap: after packet 59' '$T/err' && grep -q '59 packets' '$T/out'"
"$BIN" analyze -q --json "$T/corrupt.pcap" >"$T/out" 2>"$T/err"; rc=$?
check "analyze corrupt record: exit 1 after packet 10, JSON of the 10 packets" \
  bash -c "test $rc -eq 1 && grep -q 'after packet 10' '$T/err' && python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))[\"capture\"][\"packets\"] != 10)' '$T/out'"
"$BIN" analyze -q "$T/junk.pcap" >/dev/null 2>"$T/err"; rc=$?
check "analyze garbage: exit 1, not a capture" bash -c "test $rc -eq 1 && grep -q 'not a readable pcap' '$T/err'"

"$BIN" analyze -q --top many "$CAP" >"$T/out" 2>"$T/err"; rc=$?
check "analyze --top many: exit 2, says what it expected" \
  bash -c "test $rc -eq 2 -a ! -s '$T/out' && grep -q -- \"--top 'many': expected a number\" '$T/err'"

# Every output is checked: a full disk (/dev/full) is exit 1 and says which output.
full() { # what, expected message, command...
  local what=$1 msg=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; local rc=$?
  check "$what: exit 1, says '$msg'" bash -c "test $rc -eq 1 && grep -qF -- '$msg' '$T/err'"
}
full "replay > /dev/full" "statewall replay: standard output: No space left on device" \
  bash -c "'$BIN' replay -q '$CAP' >/dev/full"
full "replay --json > /dev/full" "standard output: No space left on device" \
  bash -c "'$BIN' replay -q --json '$CAP' >/dev/full"
full "replay --verdicts /dev/full" "--verdicts /dev/full: No space left on device" \
  "$BIN" replay -q --verdicts /dev/full "$CAP"
full "replay --verdicts - > /dev/full" "--verdicts: standard output: No space left on device" \
  bash -c "'$BIN' replay -q --verdicts - '$CAP' >/dev/full"
full "replay --log /dev/full" "--log /dev/full: No space left on device" \
  "$BIN" replay -q --log /dev/full "$CAP"
full "replay -w /dev/full" "-w /dev/full: No space left on device" "$BIN" replay -q -w /dev/full "$CAP"
full "replay --dropped /dev/full" "--dropped /dev/full: No space left on device" \
  "$BIN" replay -q --dropped /dev/full "$CAP"
full "analyze > /dev/full" "statewall analyze: standard output: No space left on device" \
  bash -c "'$BIN' analyze -q '$CAP' >/dev/full"
full "analyze --json > /dev/full" "statewall analyze: standard output: No space left on device" \
  bash -c "'$BIN' analyze -q --json '$CAP' >/dev/full"
"$BIN" replay -q --verdicts "$T/v" --log "$T/l" -w "$T/w.pcap" "$CAP" >/dev/null 2>"$T/err"; rc=$?
check "replay to writable outputs: exit 0, all written" \
  bash -c "test $rc -eq 0 -a ! -s '$T/err' && test \$(wc -l <'$T/v') -eq 60 -a -s '$T/l' -a -s '$T/w.pcap'"

# A long BPF filter: libpcap's reason comes last and whole; a valid one of any length works.
long=$(python3 -c 'print(" or ".join("host 10.0.0.%d" % (i % 250) for i in range(300)) + " or bogus(")')
"$BIN" replay -q "$CAP" $long >/dev/null 2>"$T/err"; rc=$?
check "long bad filter: exit 1, shortened filter, then libpcap's whole reason" \
  bash -c "test $rc -eq 1 && grep -q \"' ([0-9]* bytes): unknown host 'bogus'\$\" '$T/err'"
long=$(python3 -c 'print(" or ".join(["udp"] * 1500) + " or tcp")')
"$BIN" replay -q --json "$CAP" $long >"$T/out" 2>"$T/err"; rc=$?
check "valid 10 KB filter: applied whole (60 packets pass 'udp or ... or tcp')" \
  bash -c "test $rc -eq 0 && python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))[\"packets\"][\"total\"] != 60)' '$T/out'"

echo "$pass passed, $fail failed"
test $fail -eq 0
