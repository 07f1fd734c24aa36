#!/usr/bin/env bash
# analyze --threads 4 against --threads 1 on every capture (tests/analyze/threads.py).
set -euo pipefail
exec python3 "$SW_SRC/tests/analyze/threads.py" --bin "$SW_BIN" --src "$SW_SRC" --shared "$SW_SHARED"
