#!/usr/bin/env bash
# CTest entry: golden session logs of the bundled real captures.
set -euo pipefail
exec python3 "$SW_SRC/tests/golden/golden.py" --bin "$SW_BIN" --src "$SW_SRC"
