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

echo "$pass passed, $fail failed"
test $fail -eq 0
