#!/usr/bin/env bash
# CTest entry: analyze recommends the narrowest fix, a service override per port, and its
# lines applied with replay -c break none of the sessions (tests/analyze/scoped_fix.py).
set -euo pipefail
exec python3 "$SW_SRC/tests/analyze/scoped_fix.py" --bin "$SW_BIN" --src "$SW_SRC"
