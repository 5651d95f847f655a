#!/usr/bin/env bash
# kernscope-cli compare vs NumPy on two 50-million-element float32 .npy files with small
# differences (same statistics: max/mean abs, max rel, allclose count, max ULP, cosine).
# Usage: bench_compare.sh BUILD_DIR [N]. Data goes to BUILD_DIR/bench_compare (about 400 MB).
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
cat "$DATA/run/x.npy" "$DATA/ref/x.npy" > /dev/null # both runs read from the page cache

best() { sort -n | head -1; }
ks=$(for i in 1 2 3; do
    s=$(date +%s.%N)
    "$CLI" compare "$DATA/run/x.npy" "$DATA/ref/x.npy" --quiet --top 0 > "$DATA/cli.txt" || true
    e=$(date +%s.%N)
    echo "$e - $s" | bc -l
done | best)
np=$(for i in 1 2 3; do
    "$PY" "$HERE/bench_compare_numpy.py" stats "$DATA/run/x.npy" "$DATA/ref/x.npy" |
        awk '/^seconds/ {print $2}'
done | best)
grep -E "^1 |Result" "$DATA/cli.txt" || true
"$PY" "$HERE/bench_compare_numpy.py" stats "$DATA/run/x.npy" "$DATA/ref/x.npy" | head -1
printf 'compare %d float32 elements: kernscope-cli %.3f s (whole process), numpy %.3f s (load + stats, no interpreter start) -> ratio %.2f (goal <= 0.5)\n' \
    "$N" "$ks" "$np" "$(echo "$ks / $np" | bc -l)"
