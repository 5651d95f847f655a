#!/usr/bin/env bash
# Runs every benchmark script: tests/bench/bench_*.sh BUILD_DIR. Each prints its own figures.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="${1:-$HERE/../../build}"
status=0
for script in "$HERE"/bench_*.sh; do
    [ -e "$script" ] || continue
    echo "=== $(basename "$script" .sh)"
    bash "$script" "$BUILD_DIR" || status=1
done
exit $status
