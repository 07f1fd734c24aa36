#!/usr/bin/env bash
# CTest entry: Suricata's tcp.state in suricata-verify flow checks vs statewall's per-direction states.
set -euo pipefail
exec python3 "$SW_SRC/tests/corpus/suricata_flows.py" --bin "$SW_BIN" --corpus "$SW_SHARED/corpus"
