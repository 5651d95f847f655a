#!/usr/bin/env bash
# One training step of a GPT-style transformer (4 blocks, width 256, 4 heads, context 128,
# batch 8, vocabulary 256, AdamW, fp32) on the engine's CPU backend vs PyTorch CPU at the same
# thread count (all cores, then one). Goal: engine/torch <= 1.0x.
# usage: bench_engine_transformer.sh BUILD_DIR
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="${1:?build dir}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
STEPS="${KS_BENCH_STEPS:-10}"
for threads in "${KS_BENCH_THREADS:-$(nproc)}" 1; do
    echo "--- $threads thread(s)"
    engine_out="$(OMP_NUM_THREADS=$threads "$BUILD_DIR/tests/bench/bench_engine_transformer" "$STEPS" "$threads")"
    torch_out="$(OMP_NUM_THREADS=$threads "$PY" "$HERE/bench_engine_transformer_torch.py" "$STEPS" "$threads")"
    echo "$engine_out"
    echo "$torch_out"
    engine_ms="$(awk '/^engine_transformer_step_ms_traced/ {print $2}' <<<"$engine_out")"
    engine_off="$(awk '/^engine_transformer_step_ms_untraced/ {print $2}' <<<"$engine_out")"
    torch_ms="$(awk '/^torch_transformer_step_ms/ {print $2}' <<<"$torch_out")"
    awk -v e="$engine_ms" -v o="$engine_off" -v t="$torch_ms" 'BEGIN {
        printf "ratio engine_traced/torch %.2fx  engine_untraced/torch %.2fx  (goal <= 1.0x)\n", e / t, o / t }'
    [ "$threads" = 1 ] && break
done
