#!/usr/bin/env bash
# Kernscope's one-command set-up.
#   packaging/dev.sh run    install what is missing, build (Release), record a run with the
#                           embedded engine and open it in the window (or print its statistics)
#   packaging/dev.sh test   install what is missing, build, run the whole test suite (CTest),
#                           then the sanitizer suite and the fuzzers (what CI runs)
#   packaging/dev.sh sanitize  ASan+UBSan build (build-fuzz, clang-14) of the library, CLI and
#                           non-GUI tests; runs the non-GUI suite
#   packaging/dev.sh fuzz   libFuzzer build (build-fuzz, clang-14); each target runs
#                           KS_FUZZ_SECONDS (default 25) from its corpus; any finding fails
#   packaging/dev.sh build  install what is missing and build
#   packaging/dev.sh bench  build and run the benchmarks (prints figures and ratios)
#   packaging/dev.sh package  build the Debian package (BUILD_DIR/kernscope_*.deb), run lintian
#   packaging/dev.sh deps   only install the Debian packages
# Environment: BUILD_DIR (default build), KS_JOBS (default: number of cores), KS_FUZZ_SECONDS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
JOBS="${KS_JOBS:-$(nproc)}"

# Debian bookworm packages (see README "Dependencies").
PACKAGES=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-svg-dev libqt6svg6 libgl-dev
    libqcustomplot-dev libqcustomplot2.1-qt6
    libhdf5-dev zlib1g-dev libzip-dev nlohmann-json3-dev libsqlite3-dev
    libopenblas-dev catch2 libsimdjson-dev
    python3 python3-numpy python3-h5py python3-pandas python3-torch
    xvfb xauth imagemagick
    linux-perf sqlite3
    clang-14 libclang-rt-14-dev libfuzzer-14-dev
    dpkg-dev fakeroot lintian desktop-file-utils appstream shared-mime-info
    ccache
)

log() { printf 'dev.sh: %s\n' "$*" >&2; }

install_deps() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${#missing[@]} Debian packages: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
    install_deps
    if [ ! -f "$BUILD_DIR/build.ninja" ]; then
        log "configuring $BUILD_DIR (Release)"
        cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    fi
    log "building with $JOBS jobs"
    cmake --build "$BUILD_DIR" -j "$JOBS"
}

run_main_job() {
    build
    local cli="$BUILD_DIR/gui/kernscope-cli" app="$BUILD_DIR/gui/kernscope"
    local run_file="$ROOT/out/mlp.ksr.h5"
    mkdir -p "$ROOT/out"
    log "recording an MLP training run with the embedded engine (--backend auto)"
    "$cli" record --model mlp --backend auto --steps 200 --optimizer sgd -o "$run_file"
    "$cli" stats "$run_file" --report all --limit 12
    if [ -x "$app" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        log "opening $run_file in the window"
        exec "$app" "$run_file"
    fi
    log "no display: open the run later with  $app $run_file"
}

run_tests() {
    timed "build" build
    log "running the test suite"
    # A failing case is run once more: timing comparisons on a shared 2-core VM see bursts of
    # steal time. A real failure fails twice.
    timed "test suite" ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" --timeout 900 \
        --repeat until-pass:2
    run_sanitize
    run_fuzz
}

# Prints how long a step took, for the CI budget (45 minutes on 2 cores).
timed() {
    local name="$1" start=$SECONDS
    shift
    "$@"
    local rc=$?
    log "$name took $((SECONDS - start)) s"
    return $rc
}

NON_GUI=(-DKS_BUILD_GUI=OFF -DKS_WITH_CUDA=OFF -DKS_BUILD_BENCH=OFF)

# One clang build (ASan + UBSan + libFuzzer coverage) serves the sanitizer suite and the fuzzers:
# the library, CLI, engine and non-GUI tests run under the sanitizers, and the fuzz targets link
# the same instrumented library.
SAN_DIR="$ROOT/build-fuzz"

configure_sanitized() {
    install_deps
    if [ ! -f "$SAN_DIR/build.ninja" ]; then
        log "configuring $SAN_DIR (ASan + UBSan + libFuzzer, clang-14)"
        cmake -S "$ROOT" -B "$SAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKS_FUZZ=ON \
            -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 "${NON_GUI[@]}" >/dev/null
    fi
}

run_sanitize() {
    configure_sanitized
    # Without the GUI, CUDA and benchmarks, "all" is the library, the CLI, the engine, the
    # non-GUI tests and the fuzz targets.
    timed "sanitizer build" cmake --build "$SAN_DIR" -j "$JOBS"
    log "running the non-GUI suite under ASan + UBSan"
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
        UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
        timed "sanitizer suite" ctest --test-dir "$SAN_DIR" --output-on-failure -j "$JOBS" --timeout 1800 \
        --repeat until-pass:2
}

run_fuzz() {
    configure_sanitized
    local targets=()
    for src in "$ROOT"/tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$src" .cpp)"); done
    timed "fuzz build" cmake --build "$SAN_DIR" -j "$JOBS" --target "${targets[@]}"
    timed "fuzzing" "$ROOT/tests/fuzz/run_fuzzers.sh" "$SAN_DIR" "${KS_FUZZ_SECONDS:-25}"
}

run_bench() {
    build
    "$ROOT/tests/bench/run_all.sh" "$BUILD_DIR"
}

# The .deb from the install rules (packaging/Packaging.cmake), then lintian: errors fail.
build_package() {
    build
    log "building the Debian package"
    (cd "$BUILD_DIR" && cpack -G DEB)
    local deb
    deb="$(ls -t "$BUILD_DIR"/kernscope_*.deb | head -1)"
    dpkg-deb -I "$deb" | sed -n 's/^ \(Package\|Version\|Depends\|Installed-Size\):/  \1:/p'
    log "lintian $deb"
    lintian --fail-on error --display-info "$deb"
    log "package: $deb (install: sudo apt install $deb)"
}

case "${1:-}" in
run) run_main_job ;;
test) run_tests ;;
sanitize) run_sanitize ;;
fuzz) run_fuzz ;;
build) build ;;
bench) run_bench ;;
package) build_package ;;
deps) install_deps ;;
*)
    sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
