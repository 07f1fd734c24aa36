#!/usr/bin/env bash
# CTest entry: off-path RST/FIN/data injection into a real connection.
set -euo pipefail
exec python3 "$SW_SRC/tests/golden/attacks.py" --bin "$SW_BIN" --src "$SW_SRC"
