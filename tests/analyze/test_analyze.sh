#!/usr/bin/env bash
# CTest entry: `statewall analyze` on crafted captures with known gaps (built at
# run time), on the bundled real half-close capture, and on the mixed-traffic
# capture in ../shared; the plot is decoded (PNG) or parsed (SVG), not just written.
set -euo pipefail
exec python3 "$SW_SRC/tests/analyze/analyze_check.py" --bin "$SW_BIN" --src "$SW_SRC" \
	--shared "${SW_SHARED:-}" --build "${SW_BUILD:-}"
