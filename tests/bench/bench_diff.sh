#!/usr/bin/env bash
# Benchmark: `kernscope-cli diff --report kernels` of two synthetic runs of 5 million kernels
# (8 streams, 2,000 names; B has other durations and ten names 20 % slower) against
# `kernscope-cli stats --report kernels` on one of them. Goal: diff <= 2x stats. Best of 3 runs.
#   tests/bench/bench_diff.sh BUILD_DIR        (KS_BENCH_KERNELS=... for a smaller run)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="$(cd "${1:-$HERE/../../build}" && pwd)"
CLI="$BUILD_DIR/gui/kernscope-cli"
KERNELS="${KS_BENCH_KERNELS:-5000000}"
WORK="${TMPDIR:-/tmp}/kernscope-bench"
A="$WORK/stats-$KERNELS.ksr.h5" # the same file bench_stats.sh times
B="$WORK/diff-b-$KERNELS.ksr.h5"
mkdir -p "$WORK"
[ -f "$A" ] || "$BUILD_DIR/tests/bench/bench_stats" "$A" "$KERNELS" 8 2000
[ -f "$B" ] || "$BUILD_DIR/tests/bench/bench_diff" "$B" "$KERNELS" 8 2000

best() { # best wall time in seconds of 3 runs of "$@" (exit status 1 = regression is fine)
    local best=""
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
        t1=$(date +%s.%N)
        best=$(awk -v b="$best" -v d="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" \
            'BEGIN{ if (b == "" || d < b) print d; else print b }')
    done
    echo "$best"
}

cat "$A" "$B" >/dev/null # warm the page cache
t_stats=$(best "$CLI" stats "$A" --report kernels --format csv)
t_diff=$(best "$CLI" diff "$A" "$B" --report kernels --format csv)
echo "files: $A, $B ($KERNELS kernels each); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  kernscope-cli stats --report kernels (one run) : %7.3f s\n' "$t_stats"
printf '  kernscope-cli diff --report kernels (two runs) : %7.3f s\n' "$t_diff"
awk -v d="$t_diff" -v s="$t_stats" 'BEGIN { printf "  ratio diff/stats = %.2fx (goal <= 2x)\n", d / s }'
