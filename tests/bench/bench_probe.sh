#!/usr/bin/env bash
# Cost of the isolated HDF5 probe per open (goal: <= 10 ms for a normal file).
set -euo pipefail
BUILD_DIR="${1:-build}"
"$BUILD_DIR/tests/bench/bench_probe" 100000 30 0    # a profile: columns only
"$BUILD_DIR/tests/bench/bench_probe" 100000 30 64   # plus a model's tensors
