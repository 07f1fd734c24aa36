#!/usr/bin/env bash
# docs/tcp-states.md must be what scripts/transitions-doc.py renders from tests/data/tcp-transitions.tsv.
set -uo pipefail
SRC=${SW_SRC:?}
python3 "$SRC/scripts/transitions-doc.py" --check \
  --tsv "$SRC/tests/data/tcp-transitions.tsv" --out "$SRC/docs/tcp-states.md"
