#!/usr/bin/env bash
# The edge-case captures of tests/data/captures-edge (see make.py there): pcapng
# stamps beyond engine time are refused as out of range, naming the file and the
# packet (exit 1, the packets before it summarized), never overflowed; captures
# with packets but no session analyze cleanly.  In a sanitizer build any
# undefined behaviour aborts the program, which these checks see as a failure.
set -uo pipefail
BIN=${SW_BIN:?} SRC=${SW_SRC:?}
D=$SRC/tests/data/captures-edge
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
pass=0 fail=0
check() { # what, condition...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; pass=$((pass+1)); else echo "FAIL $what"; fail=$((fail+1)); fi
}

for f in ts-huge:2 ts-huge-us:2 tsoffset-huge:1 tsoffset-neg:1 fuzz-stamp-overflow:3; do
  name=${f%:*} bad=${f#*:}
  for how in file stdin; do
    if [ $how = file ]; then
      "$BIN" replay -q --json "$D/$name.pcapng" >"$T/out" 2>"$T/err"; rc=$?
    else
      "$BIN" replay -q --json - <"$D/$name.pcapng" >"$T/out" 2>"$T/err"; rc=$?
    fi
    check "$name ($how): exit 1, packet $bad's timestamp out of range, $((bad - 1)) packet(s) summarized" \
      bash -c "test $rc -eq 1 && grep -q 'packet $bad: timestamp .* is outside what statewall can represent' '$T/err' &&
               ! grep -q 'runtime error' '$T/err' && test \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"packets\"][\"total\"])' '$T/out')\" = $((bad - 1))"
  done
  "$BIN" analyze -q --json "$D/$name.pcapng" >"$T/out" 2>"$T/err"; rc=$?
  check "$name: analyze exits 1 like replay, same message" \
    bash -c "test $rc -eq 1 && grep -q 'packet $bad: timestamp' '$T/err' && ! grep -q 'runtime error' '$T/err'"
done

for name in arp-only zero-length header-only; do
  "$BIN" analyze -q --json "$D/$name.pcap" >"$T/out" 2>"$T/err"; rc=$?
  check "$name: analyze exits 0 with 0 sessions, nothing on stderr" \
    bash -c "test $rc -eq 0 -a ! -s '$T/err' && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d[\"capture\"][\"sessions\"] != 0 or d[\"settings\"][0][\"peak\"] != 0)' '$T/out'"
  "$BIN" analyze -q "$D/$name.pcap" >"$T/out" 2>"$T/err"; rc=$?
  check "$name: the text report too" bash -c "test $rc -eq 0 -a ! -s '$T/err' && grep -q '0 sessions' '$T/out'"
  "$BIN" replay -q "$D/$name.pcap" >"$T/out" 2>"$T/err"; rc=$?
  check "$name: replay exits 0" bash -c "test $rc -eq 0 -a ! -s '$T/err'"
done

echo "$pass passed, $fail failed"
test $fail -eq 0
