#!/usr/bin/env bash
# test_man.sh - the man pages (statewall man PAGE, issue 15): the build's copies are
# what the binary prints; their generated sections list exactly the tables that
# docs/reference.md lists (drop reasons, end reasons, counters, timeouts) and the
# registry's commands (tests/data/mgmt/help.txt); `man --warnings` renders them
# without a warning.
set -u
. "$(dirname "$0")/lib.sh"
command -v man >/dev/null || { echo "SKIP: man (man-db) not installed"; exit 77; }

for p in statewall.8 statewall.conf.5 statewall-cli.8; do
  "$SW_BIN" man "$p" >"$T/$p"
  check "$p: build/man/$p.gz is what statewall man prints" \
    bash -c "gzip -dc '$SW_BUILD/man/$p.gz' | cmp -s - '$T/$p'"
  LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$T/$p" >"$T/$p.txt" 2>"$T/$p.warn"
  check "$p: man --warnings renders it without a warning" [ ! -s "$T/$p.warn" ]
  [ -s "$T/$p.warn" ] && sed 's/^/        /' "$T/$p.warn"
  check "$p: rendered text is not empty" [ -s "$T/$p.txt" ]
done
check "an unknown page is refused" bash -c "! '$SW_BIN' man nosuch.1 2>/dev/null"

# the terms (.TP then \fBterm\fR) of section SH of man page $1, roff escapes undone
terms() {
  awk -v sh="$2" '/^\.SH / {sec = substr($0, 5)} sec == sh && prev == ".TP" {print} {prev = $0}' "$T/$1" |
    sed -e 's/^\\fB//' -e 's/\\fR.*//' -e 's/\\-/-/g'
}
# the names of the first column of reference.md's table under "## $1"
ref() {
  "$SW_BIN" reference | awk -v h="## $1" '/^## / {on = ($0 == h)} on && /^\| `/ {print}' |
    sed -e 's/^| `//' -e 's/`.*//'
}
same() { # what, man terms file, reference file
  if diff -u "$3" "$2" >"$T/diff"; then ok "$1 ($(wc -l <"$2") entries)"; else bad "$1"; sed 's/^/        /' "$T/diff"; fi
}
terms statewall.8 "DROP REASONS" >"$T/m.drop"; ref "Drop reasons" >"$T/r.drop"
same "statewall(8) DROP REASONS = tables.h's drop reasons" "$T/m.drop" "$T/r.drop"
terms statewall.8 "SESSION END REASONS" >"$T/m.end"; ref "Session end reasons" >"$T/r.end"
same "statewall(8) SESSION END REASONS = tables.h's end reasons" "$T/m.end" "$T/r.end"
terms statewall.8 "COUNTERS" >"$T/m.ctr"; ref "Engine counters" >"$T/r.ctr"
same "statewall(8) COUNTERS = tables.h's counters" "$T/m.ctr" "$T/r.ctr"
terms statewall.conf.5 "SESSION SETTINGS" | grep '^timeout-' | sed 's/ .*//' >"$T/m.to"
ref "Session timeouts" >"$T/r.to"
same "statewall.conf(5) timeouts = tables.h's timeouts" "$T/m.to" "$T/r.to"
terms statewall.conf.5 "SESSION SETTINGS" | sed 's/ .*//' | grep -v '^timeout-' >"$T/m.set"
check "statewall.conf(5) lists the other session settings too ($(wc -l <"$T/m.set"))" [ -s "$T/m.set" ]
grep -q 'default 3600; 1-15999999 seconds' <(sed 's/\\-/-/g' "$T/statewall.conf.5")
check "statewall.conf(5): timeout-tcp with its default and range from the table" [ $? = 0 ]
terms statewall.conf.5 "SYSTEM SETTINGS" >"$T/m.sys"; ref "System settings" >"$T/r.sys"
same "statewall.conf(5) SYSTEM SETTINGS = src/conf/system.c's table" "$T/m.sys" "$T/r.sys"
awk '{print}' "$SW_SRC/tests/data/mgmt/help.txt" | sed -E 's/^  //; s/ {2,}.*//; s/ \[.*| <.*//' >"$T/r.cli"
terms statewall-cli.8 "OPERATIONAL COMMANDS" >"$T/m.cli"
same "statewall-cli(8) OPERATIONAL COMMANDS = the registry's (tests/data/mgmt/help.txt)" "$T/m.cli" "$T/r.cli"
grep -q 'debug log rotate' "$T/m.cli"
check "statewall-cli(8) has debug log rotate" [ $? = 0 ]
"$SW_BIN" run --help | grep -o -- '--[a-z-]*' | sort -u >"$T/r.opt"
sed 's/\\-/-/g' "$T/statewall.8" | grep -o -- '--[a-z-]*' | sort -u >"$T/m.opt"
check "statewall(8) has every option of statewall run --help" bash -c "[ -z \"\$(comm -23 '$T/r.opt' '$T/m.opt')\" ]"

echo "$PASSES passed, $FAILS failed"
[ "$FAILS" = 0 ]
