#!/usr/bin/env bash
# test_zeek_oracle.sh - statewall's Zeek view (conn_state, history, packets)
# against Zeek's own conn.log verdicts on the public Zeek test traces.
#
# Environment (tests/CMakeLists.txt): SW_BIN the statewall binary, SW_SHARED
# the shared folder (corpus/ under it), SW_SRC the repository root,
# SW_BUILD the build directory (results go to $SW_BUILD/zeek-agreement.json).
#
# Thresholds sit just below what the tree reaches (docs/zeek-agreement.md),
# so one more disagreement fails the test.  Measured: conn_state 88.0 %
# (110/125), history 86.6 % (110/127).  With the engine changes listed in
# docs/zeek-agreement.md applied, the figures become 96.8 % / 95.3 %: raise
# the thresholds to 96.5 / 95 then.  With tunnel-inspect the Teredo capture's
# inner flows count too: 96.9 % (125/129) / 95.4 % (125/131).
set -u

MIN_CONN_STATE=${SW_ZEEK_MIN_CONN_STATE:-96.5}
MIN_HISTORY=${SW_ZEEK_MIN_HISTORY:-95}

src=${SW_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${SW_BIN:-$src/build/statewall}
shared=${SW_SHARED:-$src/../shared}
corpus=$shared/corpus
out=${SW_BUILD:-${TMPDIR:-/tmp}}/zeek-agreement.json

if [ ! -f "$corpus/oracle-normalized.tsv" ]; then
	# CI has the corpus: its absence is a broken checkout, not a skip.
	echo "FAIL: Zeek oracle corpus not found at $corpus (SW_SHARED=$shared)." >&2
	echo "      The test needs shared/corpus/oracle-normalized.tsv and the zeek/ traces." >&2
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "FAIL: statewall binary not found: $bin" >&2
	exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "FAIL: python3 is required" >&2
	exit 1
fi

python3 "$src/tests/corpus/zeek_compare.py" --bin "$bin" --corpus "$corpus" \
	--json "$out" --min-conn-state "$MIN_CONN_STATE" --min-history "$MIN_HISTORY"
rc=$?
echo "results: $out"
exit $rc
