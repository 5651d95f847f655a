#!/usr/bin/env bash
# Benchmark: Chrome/Kineto JSON import against Python's json.load of the same file.
# The file is a real Kineto trace (shared/thirdparty/kineto, HolisticTraceAnalysis' A100 trace)
# repeated to ~100 MB by make_big_kineto.py. Goal: >= 150 MB/s and memory <= 2x the run's
# column bytes. Prints wall and CPU time (the CPU figure is the one to compare on a busy machine).
#   tests/bench/bench_import.sh BUILD_DIR         (KS_BENCH_IMPORT_MB=... for another size)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="$(cd "${1:-$HERE/../../build}" && pwd)"
SOURCE="$HERE/../../../shared/thirdparty/kineto/hta_a100_simple_add_trace.json.gz"
MB="${KS_BENCH_IMPORT_MB:-100}"
WORK="${TMPDIR:-/tmp}/kernscope-bench"
FILE="$WORK/kineto-$MB.json"
if [ ! -f "$SOURCE" ]; then echo "skipped: $SOURCE not found"; exit 0; fi
mkdir -p "$WORK"
[ -f "$FILE" ] || /usr/bin/python3 "$HERE/make_big_kineto.py" "$SOURCE" "$FILE" "$MB"
cat "$FILE" >/dev/null
echo "$(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
line=$("$BUILD_DIR/tests/bench/bench_import" "$FILE" 3)
echo "  kernscope import: $line"
py=$(/usr/bin/python3 - "$FILE" <<'PY'
import json, sys, time
best_wall = best_cpu = 1e30
for _ in range(2):
    w, c = time.perf_counter(), time.process_time()
    with open(sys.argv[1], "rb") as f:
        json.load(f)
    best_wall = min(best_wall, time.perf_counter() - w)
    best_cpu = min(best_cpu, time.process_time() - c)
print(f"{best_wall:.3f} {best_cpu:.3f}")
PY
)
read -r py_wall py_cpu <<<"$py"
ks_wall=$(sed -E 's/.*: ([0-9.]+) s wall.*/\1/' <<<"$line")
ks_cpu=$(sed -E 's/.* ([0-9.]+) s CPU.*/\1/' <<<"$line")
printf '  python json.load : %.3f s wall, %.3f s CPU\n' "$py_wall" "$py_cpu"
awk -v a="$py_wall" -v b="$ks_wall" -v c="$py_cpu" -v d="$ks_cpu" \
    'BEGIN { printf "  kernscope import is %.1fx faster than json.load (wall), %.1fx (CPU)\n", a / b, c / d }'
