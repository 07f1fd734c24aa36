#!/usr/bin/env bash
# CTest entry: reset-on-expiry in replay on a generated capture (tests/timers/reset_replay.py).
set -euo pipefail
exec python3 "$SW_SRC/tests/timers/reset_replay.py" --bin "$SW_BIN" --src "$SW_SRC"
