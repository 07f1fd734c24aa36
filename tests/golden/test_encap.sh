#!/usr/bin/env bash
# CTest entry: one TCP conversation behind every encapsulation and tunnel, end to end.
set -euo pipefail
exec python3 "$SW_SRC/tests/golden/encap.py" --bin "$SW_BIN"
