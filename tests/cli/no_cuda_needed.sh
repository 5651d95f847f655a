#!/bin/sh
# No Kernscope executable may name a CUDA library in DT_NEEDED: the Debian package must start
# without CUDA installed and load CUDA (runtime statically linked, cuBLAS and CUPTI via dlopen)
# only when it is there.
# Usage: no_cuda_needed.sh KERNSCOPE_CLI BUILD_DIR  (every other executable under BUILD_DIR too)
cli=$1
build=$2
command -v readelf >/dev/null 2>&1 || { echo "readelf not installed: skipped"; exit 77; }
cuda='\[lib(cuda|cudart|cupti|cublas|cublasLt|cudnn[a-z_]*|cufft|cufftw|curand|cusolver|cusparse|nccl|nvrtc|nvJitLink|nvToolsExt|nvtx3interop|nvperf_host|nvperf_target)\.so'

# kernscope-cli must be there and readable: a check that reads nothing passes nothing.
needed=$(readelf -d "$cli" | grep '(NEEDED)') || { echo "$cli: no NEEDED entries read"; exit 1; }
echo "$needed" | grep -q 'libc\.so' || { echo "$cli: readelf shows no libc: $needed"; exit 1; }

status=0
checked=0
for exe in "$cli" $(find "$build" -path '*/CMakeFiles' -prune -o -type f -perm -u+x ! -path "$cli" -print); do
    readelf -l "$exe" 2>/dev/null | grep -q 'program interpreter' || continue # not an executable
    checked=$((checked + 1))
    if bad=$(readelf -d "$exe" | grep '(NEEDED)' | grep -E "$cuda"); then
        echo "$exe needs a CUDA library at start-up:"
        echo "$bad"
        status=1
    fi
done
echo "$checked executables checked"
exit $status
