#!/usr/bin/env bash
# CTest entry: table pressure (eviction, per-source quota, accelerated aging)
# through `statewall replay` on captures generated at run time.
set -euo pipefail
exec python3 "$SW_SRC/tests/pressure/pressure_check.py" --bin "$SW_BIN"
