#!/usr/bin/env bash
# CUPTI collector translation throughput (issue 4). $1: the build folder.
set -euo pipefail
BUILD_DIR="${1:?build dir}"
BIN="$BUILD_DIR/tests/bench/bench_cupti"
if [ ! -x "$BIN" ]; then
    echo "bench_cupti: not built (needs the CUDA toolkit)"
    exit 0
fi
# One core, as the goal says.
taskset -c 0 "$BIN" 4000000 2>/dev/null || "$BIN" 4000000
