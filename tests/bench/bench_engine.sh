#!/usr/bin/env bash
# One mlp training step (784-256-10, batch 128, SGD) on the engine's CPU backend vs PyTorch CPU,
# same thread count (all cores, then one); tracing on vs off; tracer cost per range.
# usage: bench_engine.sh BUILD_DIR
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="${1:?build dir}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
for threads in "${KS_BENCH_THREADS:-$(nproc)}" 1; do
    echo "--- $threads thread(s)"
    engine_out="$(OMP_NUM_THREADS=$threads "$BUILD_DIR/tests/bench/bench_engine" 300 "$threads")"
    torch_out="$(OMP_NUM_THREADS=$threads "$PY" "$HERE/bench_engine_torch.py" 300 "$threads")"
    echo "$engine_out"
    echo "$torch_out"
    engine_ms="$(awk '/^engine_step_ms_traced/ {print $2}' <<<"$engine_out")"
    engine_off="$(awk '/^engine_step_ms_untraced/ {print $2}' <<<"$engine_out")"
    torch_ms="$(awk '/^torch_step_ms/ {print $2}' <<<"$torch_out")"
    awk -v e="$engine_ms" -v o="$engine_off" -v t="$torch_ms" 'BEGIN {
        printf "ratio engine_traced/torch %.2fx  engine_untraced/torch %.2fx  (goal <= 1.0x)\n", e / t, o / t }'
    [ "$threads" = 1 ] && break
done
