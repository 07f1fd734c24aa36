#!/usr/bin/env bash
# Several capture files as one: a half-closed session split over three rotated
# files (plain, gzip, xz; zstd in a directory; stdin) replays exactly like the
# whole file (session log, verdicts, summary), whatever the argument order;
# compression is told by magic bytes; a file whose clock runs backwards is
# reported once, with its count; bad and missing files are named.
set -uo pipefail
BIN=${SW_BIN:?} SRC=${SW_SRC:?} SHARED=${SW_SHARED:-$SRC/../shared}
CAP=$SRC/data/captures/halfclose-client-45s.pcap
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
pass=0 fail=0
check() { # what, condition...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; pass=$((pass+1)); else echo "FAIL $what"; fail=$((fail+1)); fi
}

# three files at two cut points in time, as tcpdump -G would rotate them
python3 - "$CAP" "$T" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, recs = 24, []
while off < len(d):
    cl = struct.unpack_from("<I", d, off + 8)[0]
    recs.append(d[off:off + 16 + cl]); off += 16 + cl
n = len(recs)
for name, part in (("a", recs[:n // 3]), ("b", recs[n // 3:2 * n // 3]), ("c", recs[2 * n // 3:])):
    open(f"{sys.argv[2]}/{name}.pcap", "wb").write(d[:24] + b"".join(part))
# the same capture with its clock stepping back twice (0.5 s before the packet before, then 1 ms)
out, prev = [], 0
for i, r in enumerate(recs):
    s, us = struct.unpack_from("<II", r)
    t = s * 1000000 + us
    if i in (20, 40):
        t = prev - (500000 if i == 20 else 1000)
    prev = s * 1000000 + us
    out.append(struct.pack("<II", t // 1000000, t % 1000000) + r[8:])
open(f"{sys.argv[2]}/backwards.pcap", "wb").write(d[:24] + b"".join(out))
PY
gzip -c "$T/b.pcap" >"$T/b.pcap.gz"
xz -c "$T/c.pcap" >"$T/c.pcap.xz"
mkdir "$T/dir"
zstd -q -c "$T/a.pcap" >"$T/dir/1.pcap.zst"
cp "$T/b.pcap" "$T/dir/2.pcap"
gzip -c "$T/c.pcap" >"$T/dir/3.cap"   # gzip behind a suffix that does not say so
: >"$T/dir/.hidden"

"$BIN" replay -q --log "$T/w.log" --verdicts "$T/w.v" "$CAP" >"$T/w.sum" || exit 1
"$BIN" replay -q --json "$CAP" >"$T/w.json"
check "the whole capture holds a session half-closed for 45 s" grep -q '"duration":45.009000,"end_reason":"tcp-fin","half_closed_at":[0-9]' "$T/w.log"

like_whole() { # what, args... (stdin from $IN if set)
  local what=$1; shift
  if [ -n "${IN:-}" ]; then
    "$BIN" replay -q --log "$T/r.log" --verdicts "$T/r.v" "$@" <"$IN" >"$T/r.sum" 2>"$T/r.err"; rc=$?
    "$BIN" replay -q --json "$@" <"$IN" >"$T/r.json" 2>/dev/null
  else
    "$BIN" replay -q --log "$T/r.log" --verdicts "$T/r.v" "$@" >"$T/r.sum" 2>"$T/r.err"; rc=$?
    "$BIN" replay -q --json "$@" >"$T/r.json" 2>/dev/null
  fi
  check "$what: exit 0, nothing on stderr" test $rc -eq 0 -a ! -s "$T/r.err"
  check "$what: session log as the whole file's" cmp -s "$T/r.log" "$T/w.log"
  check "$what: verdicts as the whole file's" cmp -s "$T/r.v" "$T/w.v"
  if [ "${CLOCK_PER_FILE:-0}" = 1 ]; then # the clock lines name other files: compare their counts
    check "$what: summary as the whole file's" cmp -s <(grep -v '^clock' "$T/r.sum") <(grep -v '^clock' "$T/w.sum")
    check "$what: JSON summary as the whole file's, clock jumps as many" python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
n = [sum(c["backwards"] for c in d.pop("clock_backwards", [])) for d in (a, b)]
sys.exit(a != b or n[0] != n[1] or n[0] == 0)' "$T/r.json" "$T/w.json"
  else
    check "$what: summary as the whole file's" cmp -s "$T/r.sum" "$T/w.sum"
    check "$what: JSON summary as the whole file's" cmp -s "$T/r.json" "$T/w.json"
  fi
}

like_whole "a.pcap b.pcap.gz c.pcap.xz" "$T/a.pcap" "$T/b.pcap.gz" "$T/c.pcap.xz"
like_whole "in reverse order (merged by time)" "$T/c.pcap.xz" "$T/b.pcap.gz" "$T/a.pcap"
like_whole "a directory: .zst, plain, gzip named .cap, dot file left out" "$T/dir"
IN=$T/a.pcap like_whole "stdin (-) and two files" - "$T/b.pcap.gz" "$T/c.pcap.xz"
gzip -c "$CAP" >"$T/whole.gz"
IN=$T/whole.gz like_whole "gzip on stdin" -
cat "$T/b.pcap.gz" >"$T/b-named.pcap"
like_whole "gzip named .pcap (told by magic)" "$T/a.pcap" "$T/b-named.pcap" "$T/c.pcap.xz"

# a filter after several files
"$BIN" replay -q --log "$T/f1.log" "$CAP" tcp and src port 5002 >"$T/f1.sum"
"$BIN" replay -q --log "$T/f2.log" "$T/a.pcap" "$T/b.pcap.gz" "$T/c.pcap.xz" tcp and src port 5002 \
  >"$T/f2.sum" 2>"$T/err"; rc=$?
check "filter after three files: as on the whole file" \
  bash -c "test $rc -eq 0 && cmp -s '$T/f1.log' '$T/f2.log' && cmp -s '$T/f1.sum' '$T/f2.sum'"
"$BIN" replay -q --log "$T/f2.log" "$T/dir" tcp and src port 5002 >"$T/f2.sum" 2>"$T/err"; rc=$?
check "filter after a directory: as on the whole file" \
  bash -c "test $rc -eq 0 && cmp -s '$T/f1.log' '$T/f2.log' && cmp -s '$T/f1.sum' '$T/f2.sum'"

# analyze across the files: the same facts as on the whole file
"$BIN" analyze -q --json "$CAP" >"$T/aw.json" 2>/dev/null
"$BIN" analyze -q --json "$T/a.pcap" "$T/b.pcap.gz" "$T/c.pcap.xz" >"$T/ar.json" 2>"$T/err"; rc=$?
check "analyze of three files: as of the whole file (the names and timing aside)" \
  bash -c "test $rc -eq 0 && python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b):
    d[\"capture\"].pop(\"file\", None)
    d.pop(\"timing\", None)
sys.exit(a != b)' '$T/aw.json' '$T/ar.json'"

# the clock running backwards: processed at the latest time, reported once per file
"$BIN" replay -q --verdicts "$T/bk.v" "$T/backwards.pcap" "$T/b.pcap" >"$T/bk.sum" 2>"$T/err"; rc=$?
check "clock backwards: exit 0, one summary line with the count, nothing per packet" \
  bash -c "test $rc -eq 0 -a ! -s '$T/err' && test \$(grep -c '^clock' '$T/bk.sum') -eq 1 &&
           grep -q '^clock     $T/backwards.pcap: 2 of 60 packets stamped earlier' '$T/bk.sum'"
"$BIN" replay -q --json "$T/backwards.pcap" >"$T/bk.json"
check "clock backwards: JSON clock_backwards names the file and the count" \
  python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["clock_backwards"]; sys.exit(not (len(c) == 1 and c[0]["backwards"] == 2 and c[0]["packets"] == 60))' "$T/bk.json"
check "clock forwards: no clock_backwards key" \
  python3 -c 'import json,sys; sys.exit("clock_backwards" in json.load(open(sys.argv[1])))' "$T/w.json"

# larger than the stream window (1 MiB), so it slides: 500 connections, 6.8 MB,
# as a pipe and compressed, and split over five files that are closed after their
# first frame and opened again when due
BIG=$SHARED/corpus/mixed/echo-connections.pcap
if [ -f "$BIG" ]; then
  "$BIN" replay -q --log "$T/w.log" --verdicts "$T/w.v" "$BIG" >"$T/w.sum"
  "$BIN" replay -q --json "$BIG" >"$T/w.json"
  export CLOCK_PER_FILE=1 # its clock steps back twice
  IN=$BIG like_whole "6.8 MB through a pipe" -
  zstd -q -c "$BIG" >"$T/big.zst"; xz -0 -c "$BIG" >"$T/big.xz"; gzip -1 -c "$BIG" >"$T/big.gz"
  like_whole "6.8 MB .zst" "$T/big.zst"
  like_whole "6.8 MB .xz" "$T/big.xz"
  IN=$T/big.gz like_whole "6.8 MB .gz on stdin" -
  python3 - "$BIG" "$T/rot" <<'PY'
import os, struct, sys
d = open(sys.argv[1], "rb").read()
os.mkdir(sys.argv[2])
off, recs = 24, []
while off < len(d):
    cl = struct.unpack_from("<I" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">I", d, off + 8)[0]
    recs.append(d[off:off + 16 + cl]); off += 16 + cl
k = (len(recs) + 4) // 5
for i in range(5):
    open(f"{sys.argv[2]}/part-{i}.pcap", "wb").write(d[:24] + b"".join(recs[i * k:(i + 1) * k]))
PY
  gzip "$T/rot/part-1.pcap"; zstd -q --rm "$T/rot/part-2.pcap"; xz -0 "$T/rot/part-3.pcap"
  like_whole "6.8 MB in five rotated files (plain, .gz, .zst, .xz, plain)" "$T/rot"
  unset CLOCK_PER_FILE
else
  echo "FAIL $BIG missing"; fail=$((fail+1))
fi

# bad and missing files
"$BIN" replay -q "$T/a.pcap" "$T/nosuch.pcap" >/dev/null 2>"$T/err"; rc=$?
check "a missing file that looks like a capture is not taken as a filter" \
  bash -c "test $rc -eq 1 && grep -q 'nosuch.pcap: No such file' '$T/err'"
head -c 300 /dev/urandom >"$T/junk.pcap"
"$BIN" replay -q "$T/a.pcap" "$T/junk.pcap" >"$T/out" 2>"$T/err"; rc=$?
check "a file that is not a capture: refused before any packet, named" \
  bash -c "test $rc -eq 1 && grep -q 'junk.pcap: not a readable pcap or pcapng file' '$T/err' && ! test -s '$T/out'"
mkdir "$T/empty"
"$BIN" replay -q "$T/empty" >/dev/null 2>"$T/err"; rc=$?
check "an empty directory: named" bash -c "test $rc -eq 1 && grep -q 'empty: a directory without capture files' '$T/err'"
size=$(stat -c %s "$T/b.pcap.gz")
head -c $((size / 2)) "$T/b.pcap.gz" >"$T/b-cut.pcap.gz"
"$BIN" replay -q --json "$T/a.pcap" "$T/b-cut.pcap.gz" "$T/c.pcap" >"$T/out" 2>"$T/err"; rc=$?
check "a truncated .gz among three: exit 1, 'truncated gzip stream', the packets before it summarized" \
  bash -c "test $rc -eq 1 && grep -q 'b-cut.pcap.gz: after packet [0-9]*: truncated .*(truncated gzip stream)' '$T/err' &&
           python3 -c 'import json,sys; n=json.load(open(sys.argv[1]))[\"packets\"][\"total\"]; sys.exit(not 20 <= n < 40)' '$T/out'"

echo "$pass passed, $fail failed"
test $fail -eq 0
