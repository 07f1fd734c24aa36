#!/usr/bin/env bash
# docs/reference.md is exactly what `statewall reference` prints from tables.h.
set -euo pipefail
if diff -u "$SW_SRC/docs/reference.md" <("$SW_BIN" reference); then
  echo "1 passed, 0 failed"
else
  echo "docs/reference.md is stale: statewall reference > docs/reference.md"
  echo "0 passed, 1 failed"
  exit 1
fi
