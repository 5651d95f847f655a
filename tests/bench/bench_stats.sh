#!/usr/bin/env bash
# Benchmark: `kernscope-cli stats --report kernels` on a synthetic run of 5 million kernels over
# 8 streams with 2,000 names, against a pandas/h5py script computing the same table
# (bench_stats_pandas.py) and against `cat FILE > /dev/null` (the read floor, page cache warm).
# Goal: <= 0.5x the pandas script, <= 3x the read floor. Best of 3 wall-clock runs each.
#   tests/bench/bench_stats.sh BUILD_DIR        (KS_BENCH_KERNELS=... for a smaller run)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="$(cd "${1:-$HERE/../../build}" && pwd)"
CLI="$BUILD_DIR/gui/kernscope-cli"
GEN="$BUILD_DIR/tests/bench/bench_stats"
KERNELS="${KS_BENCH_KERNELS:-5000000}"
WORK="${TMPDIR:-/tmp}/kernscope-bench"
FILE="$WORK/stats-$KERNELS.ksr.h5"
mkdir -p "$WORK"
[ -f "$FILE" ] || "$GEN" "$FILE" "$KERNELS" 8 2000

best() { # best wall time in seconds of 3 runs of "$@"
    local best=""
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null
        t1=$(date +%s.%N)
        best=$(awk -v b="$best" -v d="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" \
            'BEGIN{ if (b == "" || d < b) print d; else print b }')
    done
    echo "$best"
}

cat "$FILE" >/dev/null # warm the page cache for everyone
t_cat=$(best cat "$FILE")
t_cli=$(best "$CLI" stats "$FILE" --report kernels --format csv)
t_start=$(best "$CLI" --version)
t_pandas=$(best /usr/bin/python3 "$HERE/bench_stats_pandas.py" "$FILE" --csv)

size=$(stat -c %s "$FILE")
echo "file: $FILE ($((size / 1048576)) MiB, $KERNELS kernels, 8 streams, 2000 names); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  kernscope-cli stats --report kernels : %7.3f s   (process start-up alone: %.3f s)\n' "$t_cli" "$t_start"
printf '  pandas + h5py script                 : %7.3f s\n' "$t_pandas"
printf '  cat FILE > /dev/null (read floor)    : %7.3f s\n' "$t_cat"
awk -v c="$t_cli" -v p="$t_pandas" -v f="$t_cat" 'BEGIN {
    printf "  ratio stats/pandas = %.2fx (goal <= 0.5x)   ratio stats/cat = %.1fx (goal <= 3x)\n", c / p, c / f }'
