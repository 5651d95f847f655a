#!/usr/bin/env bash
# Nsight Systems SQLite import against Python's sqlite3 on a generated 1M-kernel export.
#   tests/bench/bench_nsys_import.sh BUILD_DIR [N]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="${1:?usage: bench_nsys_import.sh BUILD_DIR [N]}"
/usr/bin/python3 "$HERE/bench_nsys_import.py" "$BUILD/gui/kernscope-cli" "$BUILD/bench_nsys" "${2:-1000000}"
