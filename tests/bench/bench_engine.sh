#!/usr/bin/env bash
# The engine's CPU backend against PyTorch 1.13 CPU doing the same training step at the same
# thread count (all cores, then one). Goal: engine / PyTorch <= 1.0x.
#   mlp (default): 784-256-10, batch 128, SGD; also tracing on vs off and the tracer's cost.
#   transformer: 4 blocks, width 256, 4 heads, context 128, batch 8, vocabulary 256, AdamW, fp32.
# The engine and PyTorch run alternately KS_BENCH_REPEATS times (default 3); the ratios are of
# the medians of those runs, min-max the spread. Wall time is the goal's measure; the process CPU
# time per step is printed too: with one thread on a busy machine it is the steadier figure.
# usage: bench_engine.sh BUILD_DIR [mlp|transformer]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="${1:?build dir}"
MODEL="${2:-mlp}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
case "$MODEL" in
mlp) engine=bench_engine script=bench_engine_torch.py key=step steps="${KS_BENCH_STEPS:-300}" ;;
transformer)
    engine=bench_engine_transformer script=bench_engine_transformer_torch.py key=transformer_step
    steps="${KS_BENCH_STEPS:-10}"
    ;;
*) echo "bench_engine.sh: model must be mlp or transformer" >&2 && exit 2 ;;
esac
repeats="${KS_BENCH_REPEATS:-3}"

# "median min-max" of the numbers on stdin.
summary() { sort -g | awk '{v[NR] = $1} END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.3f %.3f-%.3f\n", m, v[1], v[NR] }'; }

for threads in "${KS_BENCH_THREADS:-$(nproc)}" 1; do
    echo "--- $threads thread(s), $repeats alternating runs of engine and PyTorch"
    traced="" untraced="" torch_ms="" engine_cpu="" torch_cpu=""
    for _ in $(seq "$repeats"); do
        engine_out="$(OMP_NUM_THREADS=$threads "$BUILD_DIR/tests/bench/$engine" "$steps" "$threads")"
        torch_out="$(OMP_NUM_THREADS=$threads "$PY" "$HERE/$script" "$steps" "$threads")"
        echo "$engine_out" | grep -v '^threads'
        echo "$torch_out" | grep -v '^threads'
        traced+="$(awk "/^engine_${key}_ms_traced/ {print \$2}" <<<"$engine_out")"$'\n'
        untraced+="$(awk "/^engine_${key}_ms_untraced/ {print \$2}" <<<"$engine_out")"$'\n'
        torch_ms+="$(awk "/^torch_${key}_ms/ {print \$2}" <<<"$torch_out")"$'\n'
        engine_cpu+="$(awk "/^engine_${key}_cpu_ms_untraced/ {print \$2}" <<<"$engine_out")"$'\n'
        torch_cpu+="$(awk "/^torch_${key}_cpu_ms/ {print \$2}" <<<"$torch_out")"$'\n'
    done
    read -r e e_range <<<"$(summary <<<"${traced%$'\n'}")"
    read -r o o_range <<<"$(summary <<<"${untraced%$'\n'}")"
    read -r t t_range <<<"$(summary <<<"${torch_ms%$'\n'}")"
    read -r ec ec_range <<<"$(summary <<<"${engine_cpu%$'\n'}")"
    read -r tc tc_range <<<"$(summary <<<"${torch_cpu%$'\n'}")"
    echo "median wall ms: engine traced $e ($e_range)  untraced $o ($o_range)  PyTorch $t ($t_range)"
    echo "median CPU ms: engine untraced $ec ($ec_range)  PyTorch $tc ($tc_range)"
    awk -v e="$e" -v o="$o" -v t="$t" -v ec="$ec" -v tc="$tc" 'BEGIN {
        printf "ratio engine_traced/torch %.2fx  engine_untraced/torch %.2fx  (goal <= 1.0x)\n", e / t, o / t
        printf "ratio CPU time engine_untraced/torch %.2fx\n", ec / tc }'
    [ "$threads" = 1 ] && break
done
