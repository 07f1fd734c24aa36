#!/usr/bin/env bash
# CTest entry: replay regressions on the synthetic captures (issue 10 items 10 and 11).
set -euo pipefail
exec python3 "$SW_SRC/tests/golden/captures.py" --bin "$SW_BIN" --src "$SW_SRC"
