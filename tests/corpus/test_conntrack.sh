#!/usr/bin/env bash
# CTest entry: the Linux conntrack selftest scripts' INVALID counts and states vs statewall's verdicts.
set -euo pipefail
exec python3 "$SW_SRC/tests/corpus/conntrack_scripts.py" --bin "$SW_BIN" --corpus "$SW_SHARED/corpus"
