#!/usr/bin/env bash
# CUPTI collector translation throughput, one core. $1: the build folder.
# Printed twice: with fresh memory for the columns (includes first-touch page faults, which are
# slow on VMs), and with glibc keeping freed memory (the translation work alone).
set -euo pipefail
BUILD_DIR="${1:?build dir}"
BIN="$BUILD_DIR/tests/bench/bench_cupti"
if [ ! -x "$BIN" ]; then
    echo "bench_cupti: not built (needs the CUDA toolkit)"
    exit 0
fi
PIN=()
command -v taskset >/dev/null && PIN=(taskset -c 0)
echo "--- columns in fresh memory (page faults included)"
"${PIN[@]}" "$BIN" 1000000
echo "--- columns in reused memory (translation work only)"
GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295 \
    "${PIN[@]}" "$BIN" 1000000
