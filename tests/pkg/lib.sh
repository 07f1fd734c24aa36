# lib.sh - shared by tests/pkg/test_*.sh: ok/bad/check bookkeeping (the script ends
# with "$PASSES passed, $FAILS failed") and a temporary directory $T removed on exit.
# shellcheck shell=bash
PASSES=0
FAILS=0
ok()  { PASSES=$((PASSES + 1)); printf '  ok    %s\n' "$*"; }
bad() { FAILS=$((FAILS + 1)); printf '  FAIL  %s\n' "$*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
