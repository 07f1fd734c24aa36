#!/usr/bin/env bash
# replay --threads 4 against --threads 1 on every capture, and on long generated
# ones (tests/golden/threads.py).
set -euo pipefail
exec python3 "$SW_SRC/tests/golden/threads.py" --bin "$SW_BIN" --src "$SW_SRC" --shared "$SW_SHARED" \
	--pcapgen "$SW_BUILD/bench/pcapgen"
