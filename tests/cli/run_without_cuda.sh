#!/bin/sh
# kernscope-cli built with the CUDA toolkit must start and record where CUDA is not installed.
# The toolkit is hidden under a tmpfs in a private mount namespace (unshare -m), so neither ld.so's
# cache nor the build-time fallback paths can find libcudart, libcublas or libcupti.
# Usage: run_without_cuda.sh KERNSCOPE_CLI CUDA_LIBRARY_DIR [TEST_CUPTI]
cli=$1
toolkit=$(dirname "$(realpath "$2")")
test_cupti=$3
case "$toolkit" in
/ | /usr | /usr/lib* | /lib*)
    echo "toolkit in a system folder ($toolkit): cannot hide it, skipped"
    exit 77
    ;;
esac
unshare -m true 2>/dev/null || { echo "unshare -m not permitted: skipped"; exit 77; }
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT

unshare -m sh -s "$cli" "$toolkit" "$out" "$test_cupti" <<'INNER'
set -e
cli=$1 toolkit=$2 out=$3 test_cupti=$4
mount -t tmpfs tmpfs "$toolkit"
if ls "$toolkit"/lib* >/dev/null 2>&1; then echo "toolkit still visible"; exit 1; fi
export LD_LIBRARY_PATH= CUDA_HOME=
"$cli" --help >/dev/null
"$cli" record --steps 3 -o "$out/x.ksr.h5"
test -s "$out/x.ksr.h5"
# The collector's own report when libcupti is missing (the CUDA backend needs a driver, so the
# record above cannot reach it on every machine).
if [ -n "$test_cupti" ]; then "$test_cupti" '[nocupti]'; fi
echo "kernscope-cli ran without $toolkit"
INNER
