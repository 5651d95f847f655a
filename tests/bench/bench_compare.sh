#!/usr/bin/env bash
# kernscope-cli compare vs NumPy on two 50-million-element float32 .npy files with small
# differences (same statistics: max/mean abs, max rel, allclose count, max ULP, cosine).
# Usage: bench_compare.sh BUILD_DIR [N]. Data goes to BUILD_DIR/bench_compare (about 400 MB).
# Prints the best of 3 wall-clock times of each whole process and its CPU time (user + sys).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="$(cd "${1:?build dir}" && pwd)"
N="${2:-50000000}"
PY=/usr/bin/python3
CLI="$BUILD_DIR/gui/kernscope-cli"
DATA="$BUILD_DIR/bench_compare/$N"
if [ ! -f "$DATA/ref/x.npy" ]; then
    "$PY" "$HERE/bench_compare_numpy.py" make "$DATA" "$N"
fi
cat "$DATA/run/x.npy" "$DATA/ref/x.npy" > /dev/null # every run reads from the page cache

# best_of CMD...: prints "wall cpu" of the fastest of 3 runs.
best_of() {
    for i in 1 2 3; do
        /usr/bin/time -f "%e %U %S" -o "$DATA/time.txt" "$@" > "$DATA/out.txt" 2>&1 || true
        awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$DATA/time.txt"
    done | sort -n | head -1
}
read -r ks_wall ks_cpu < <(best_of "$CLI" compare "$DATA/run/x.npy" "$DATA/ref/x.npy" --quiet --top 0)
tail -1 "$DATA/out.txt"
read -r ks1_wall ks1_cpu < <(best_of "$CLI" compare "$DATA/run/x.npy" "$DATA/ref/x.npy" --quiet --top 0 --threads 1)
read -r np_wall np_cpu < <(best_of "$PY" "$HERE/bench_compare_numpy.py" stats "$DATA/run/x.npy" "$DATA/ref/x.npy")
head -1 "$DATA/out.txt"
printf 'compare %d float32 elements (best of 3, whole processes):\n' "$N"
printf '  kernscope-cli compare   %.3f s wall  %.3f s CPU\n' "$ks_wall" "$ks_cpu"
printf '  kernscope-cli --threads 1  %.3f s wall  %.3f s CPU\n' "$ks1_wall" "$ks1_cpu"
printf '  numpy (load + stats)    %.3f s wall  %.3f s CPU\n' "$np_wall" "$np_cpu"
printf '  ratio kernscope/numpy: wall %.2f, CPU %.2f (goal <= 0.5)\n' \
    "$(echo "$ks_wall / $np_wall" | bc -l)" "$(echo "$ks_cpu / $np_cpu" | bc -l)"
