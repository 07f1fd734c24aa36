#!/usr/bin/env bash
# CTest entry: service timeout overrides on generated captures (tests/timers/scoped.py).
set -euo pipefail
exec python3 "$SW_SRC/tests/timers/scoped.py" --bin "$SW_BIN" --src "$SW_SRC"
