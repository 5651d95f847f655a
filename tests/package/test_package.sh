#!/usr/bin/env bash
# The Debian package as a user gets it: built by CPack from this build tree, unpacked into a
# scratch root with `dpkg -x` (the real dependencies are already installed here), and run from
# there. Three CTest steps share one package (a CTest fixture):
#   test_package.sh build   BUILD_DIR VERSION   cpack -> BUILD_DIR/package-test/kernscope_*.deb
#   test_package.sh run     BUILD_DIR VERSION [FILE...]   unpack; record, stats, compare, the
#                           window, the installed files (FILE...: more that must be there)
#   test_package.sh lintian BUILD_DIR VERSION   lintian: no errors (warnings are printed)
# Exit 77 (CTest: skipped) when a tool this needs is missing, saying which.
set -euo pipefail
MODE="${1:?mode}"
BUILD="$(cd "${2:?build dir}" && pwd)"
VERSION="${3:?version}"
EXTRA_FILES=("${@:4}") # files this build must also ship (the injection library, the header)
PY=/usr/bin/python3
[ -x "$PY" ] || PY="$(command -v python3)"
OUT="$BUILD/package-test"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
skip() {
    echo "SKIPPED: $*" >&2
    exit 77
}
need() { command -v "$1" >/dev/null || skip "$1 is not installed (packaging/dev.sh deps)"; }

the_deb() {
    local debs=("$OUT"/kernscope_"$VERSION"_*.deb)
    [ -f "${debs[0]}" ] || fail "no package in $OUT (the package_build test makes it)"
    echo "${debs[0]}"
}

build_package() {
    need cpack
    need dpkg-shlibdeps
    need fakeroot
    rm -rf "$OUT"
    mkdir -p "$OUT"
    # gzip instead of xz: the same package, built in a third of the time.
    cpack --config "$BUILD/CPackConfig.cmake" -B "$OUT" -D CPACK_DEBIAN_COMPRESSION_TYPE=gzip \
        >"$OUT/cpack.log" 2>&1 || {
        cat "$OUT/cpack.log" >&2
        fail "cpack failed"
    }
    rm -rf "$OUT/_CPack_Packages"
    local deb
    deb="$(the_deb)"
    echo "built $deb ($(stat -c %s "$deb") bytes)"
    dpkg-deb -f "$deb" Version | grep -qx "$VERSION" || fail "package version is not $VERSION"
    local depends
    depends="$(dpkg-deb -f "$deb" Depends)"
    echo "Depends: $depends"
    [ -n "$depends" ] || fail "no Depends: dpkg-shlibdeps did not run"
    if grep -qiE 'cuda|cupti|cublas|nvidia' <<<"$depends"; then
        fail "CUDA must not be a dependency: $depends"
    fi
    grep -q 'libqt6widgets6' <<<"$depends" || fail "Depends lacks the Qt the window links"
}

check_files() {
    local root="$1" missing=()
    local files=(
        usr/bin/kernscope usr/bin/kernscope-cli
        usr/share/man/man1/kernscope.1.gz usr/share/man/man1/kernscope-cli.1.gz
        usr/share/bash-completion/completions/kernscope
        usr/share/bash-completion/completions/kernscope-cli
        usr/share/applications/io.github.kernscope.Kernscope.desktop
        usr/share/metainfo/io.github.kernscope.Kernscope.metainfo.xml
        usr/share/mime/packages/kernscope.xml
        usr/share/icons/hicolor/scalable/apps/io.github.kernscope.Kernscope.svg
        usr/lib/python3/dist-packages/kernscope_ref.py
        usr/share/doc/kernscope/copyright usr/share/doc/kernscope/changelog.gz
    )
    for size in 16 22 24 32 48 64 128 256; do
        files+=("usr/share/icons/hicolor/${size}x${size}/apps/io.github.kernscope.Kernscope.png")
    done
    files+=("${EXTRA_FILES[@]}")
    for f in "${files[@]}"; do [ -s "$root/$f" ] || missing+=("$f"); done
    [ ${#missing[@]} -eq 0 ] || fail "missing from the package: ${missing[*]}"
    # Nothing may point back into the build tree.
    if grep -rl --binary-files=text "$BUILD" "$root" >/dev/null 2>&1; then
        fail "files mention the build folder: $(grep -rl --binary-files=text "$BUILD" "$root")"
    fi
}

# kernscope-cli record / stats / compare from the unpacked package, checked with h5py.
check_cli() {
    local root="$1" work="$2" cli="$1/usr/bin/kernscope-cli"
    local run="$work/run.ksr.h5"
    "$cli" --version | grep -qx "kernscope-cli $VERSION" || fail "kernscope-cli --version"
    "$cli" record --model mlp --backend cpu --steps 3 --batch 16 -o "$run" >"$work/record.log" 2>&1 ||
        {
            cat "$work/record.log" >&2
            fail "record"
        }
    "$cli" stats "$run" --report kernels --format csv >"$work/kernels.csv" || fail "stats"
    # Oracle: the instances and total time in the table are those of /gpu/kernels in the file.
    "$PY" - "$run" "$work/kernels.csv" <<'EOF' || fail "stats disagrees with the file"
import csv, sys
import h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    start = f["gpu/kernels/start_ns"][:]
    end = f["gpu/kernels/end_ns"][:]
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(start) > 0, "no kernels recorded"
instances = sum(int(r["Instances"]) for r in rows)
total = sum(int(r["Total Time (ns)"]) for r in rows)
assert instances == len(start), (instances, len(start))
assert total == int(np.sum(end - start)), (total, int(np.sum(end - start)))
print(f"stats: {len(rows)} kernel names, {instances} instances, as in the file")
EOF
    # The reference is written by the installed Python module, from the run's own tensors.
    PYTHONPATH="$root/usr/lib/python3/dist-packages" "$PY" - "$root" "$run" "$work" <<'EOF' ||
import sys
import h5py, numpy as np
import kernscope_ref
root, run, work = sys.argv[1:4]
assert kernscope_ref.__file__.startswith(root), kernscope_ref.__file__
good, bad = kernscope_ref.Recorder(), kernscope_ref.Recorder()
names = []
with h5py.File(run, "r") as f:
    f["tensors"].visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    for n in names:
        value = f["tensors"][n][()]
        good.add(n, value)
        if n == "step0/fc1/output":
            value = value.copy()
            value.flat[7] += 0.5
        bad.add(n, value)
assert "step0/fc1/output" in names, names[:10]
good.save(work + "/ref_good.h5")
bad.save(work + "/ref_bad.h5")
print(f"reference: {len(names)} tensors written by {kernscope_ref.__file__}")
EOF
        fail "the installed kernscope_ref module"
    "$cli" compare "$run" "$work/ref_good.h5" --quiet >"$work/compare_good.txt" ||
        fail "compare against the run's own tensors: exit $? ($(tail -3 "$work/compare_good.txt"))"
    set +e
    "$cli" compare "$run" "$work/ref_bad.h5" --quiet >"$work/compare_bad.txt"
    local code=$?
    set -e
    [ "$code" -eq 1 ] || fail "compare with one changed element: exit $code, expected 1"
    grep -q "step0/fc1/output" "$work/compare_bad.txt" || fail "compare did not name the tensor"
    echo "compare: 0 on equal tensors, 1 naming step0/fc1/output when one element differs"
}

# The window from the package opens the recorded run offscreen and saves every page.
check_window() {
    local root="$1" work="$2" app="$1/usr/bin/kernscope"
    QT_QPA_PLATFORM=offscreen "$app" --version 2>/dev/null | grep -qx "kernscope $VERSION" ||
        fail "kernscope --version"
    QT_QPA_PLATFORM=offscreen timeout 120 "$app" --screenshots "$work/shots" "$work/run.ksr.h5" \
        >"$work/shots.log" 2>&1 || {
        cat "$work/shots.log" >&2
        fail "the window did not open the run"
    }
    local pngs
    pngs=$(find "$work/shots" -name '*.png' -size +10k | wc -l)
    [ "$pngs" -ge 5 ] || fail "the window saved $pngs page images, expected at least 5"
    echo "window: opened the run, saved $pngs pages"
    # A machine without CUDA: the dynamic loader without its cache, only the system's library
    # folders on the path. The window must start there.
    local ldso multiarch
    ldso=$(readelf -l "$app" | sed -n 's/.*program interpreter: \(.*\)\]/\1/p')
    multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
    QT_QPA_PLATFORM=offscreen "$ldso" --inhibit-cache --library-path "/lib/$multiarch:/usr/lib/$multiarch" \
        "$app" --version 2>/dev/null | grep -qx "kernscope $VERSION" ||
        fail "the window does not start without the CUDA libraries on the library path"
    local cuda
    cuda=$(readelf -d "$root/usr/bin/kernscope-cli" | sed -n 's/.*NEEDED.*\[\(lib\(cuda\|cupti\|cublas\|nv\)[^]]*\)\]/\1/p' |
        tr '\n' ' ')
    echo "window: starts without CUDA libraries"
    [ -z "$cuda" ] || echo "note: kernscope-cli links ${cuda}directly; it starts only where they are installed"
}

check_desktop_files() {
    local root="$1" share="$1/usr/share"
    if command -v desktop-file-validate >/dev/null; then
        desktop-file-validate "$share/applications/io.github.kernscope.Kernscope.desktop" ||
            fail "desktop-file-validate"
    fi
    if command -v appstreamcli >/dev/null; then
        appstreamcli validate --no-net "$share/metainfo/io.github.kernscope.Kernscope.metainfo.xml" \
            >"$2/appstream.log" 2>&1 || {
            cat "$2/appstream.log" >&2
            fail "appstreamcli validate"
        }
    fi
    # The newest release in the metainfo is the project version (bump both together).
    grep -o '<release version="[^"]*"' "$share/metainfo/io.github.kernscope.Kernscope.metainfo.xml" |
        head -1 | grep -q "\"$VERSION\"" || fail "metainfo: newest release is not $VERSION"
    # Every type the desktop file claims is known: ours from kernscope.xml, the rest from
    # shared-mime-info.
    local types
    types=$(sed -n 's/^MimeType=//p' "$share/applications/io.github.kernscope.Kernscope.desktop" |
        tr ';' ' ')
    for t in $types; do
        grep -q "type=\"$t\"" "$share/mime/packages/kernscope.xml" /usr/share/mime/packages/*.xml ||
            fail "MimeType $t is defined nowhere"
    done
    # The MIME database recognises run files by name and by content (HDF5 + "kernscope-run").
    if command -v update-mime-database >/dev/null && command -v gio >/dev/null; then
        update-mime-database "$share/mime" >/dev/null 2>&1 || fail "update-mime-database"
        cp "$2/run.ksr.h5" "$2/no-extension"
        cp "$2/ref_good.h5" "$2/plain-hdf5"
        local by_name by_content plain
        by_name=$(XDG_DATA_DIRS="$share:/usr/share" XDG_DATA_HOME="$2/xdg" gio info \
            -a standard::content-type "$2/run.ksr.h5" | sed -n 's/.*content-type: //p')
        by_content=$(XDG_DATA_DIRS="$share:/usr/share" XDG_DATA_HOME="$2/xdg" gio info \
            -a standard::content-type "$2/no-extension" | sed -n 's/.*content-type: //p')
        plain=$(XDG_DATA_DIRS="$share:/usr/share" XDG_DATA_HOME="$2/xdg" gio info \
            -a standard::content-type "$2/plain-hdf5" | sed -n 's/.*content-type: //p')
        [ "$by_name" = application/x-kernscope-run ] || fail "run.ksr.h5 is '$by_name'"
        [ "$by_content" = application/x-kernscope-run ] || fail "a run without suffix: '$by_content'"
        [ "$plain" = application/x-hdf ] || fail "a plain HDF5 file is '$plain'"
        echo "mime: run files by name and content; plain HDF5 stays application/x-hdf"
    fi
}

# The man pages render without warnings and document every command; completion completes them.
check_man_and_completion() {
    local root="$1" work="$2" cli="$1/usr/bin/kernscope-cli"
    local commands
    commands=$("$cli" --help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 {print $1}')
    [ -n "$commands" ] || fail "no commands in kernscope-cli --help"
    if command -v man >/dev/null; then
        for page in kernscope kernscope-cli; do
            LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$root/usr/share/man/man1/$page.1.gz" \
                >"$work/$page.txt" 2>"$work/$page.warnings" || fail "man $page"
            [ ! -s "$work/$page.warnings" ] || fail "man $page: $(cat "$work/$page.warnings")"
        done
        for c in $commands; do
            grep -q "kernscope-cli $c" "$work/kernscope-cli.txt" || fail "man page lacks '$c'"
        done
    fi
    local completion="$root/usr/share/bash-completion/completions/kernscope-cli"
    local got
    got=$(bash -c 'source "$1"; COMP_WORDS=(kernscope-cli st); COMP_CWORD=1; _kernscope_cli;
                   echo "${COMPREPLY[*]}"' _ "$completion")
    [ "$got" = stats ] || fail "completion of 'kernscope-cli st': '$got'"
    got=$(bash -c 'source "$1"; COMP_WORDS=(kernscope-cli record --backend ""); COMP_CWORD=3;
                   _kernscope_cli; echo "${COMPREPLY[*]}"' _ "$completion")
    [ "$got" = "auto cpu cuda" ] || fail "completion of 'record --backend': '$got'"
    for c in $commands; do
        got=$(bash -c 'source "$1"; COMP_WORDS=(kernscope-cli "$2" --); COMP_CWORD=2;
                       _kernscope_cli; echo "${COMPREPLY[*]}"' _ "$completion" "$c")
        [ -n "$got" ] || fail "completion knows no options of '$c'"
    done
    echo "man pages: no warnings, every command documented; completion: commands and options"
}

run_package() {
    need dpkg-deb
    local deb root
    deb="$(the_deb)"
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/ks-package.XXXXXX")"
    trap 'rm -rf "$WORK"' EXIT
    local work="$WORK"
    root="$work/root"
    dpkg-deb -x "$deb" "$root"
    check_files "$root"
    check_cli "$root" "$work"
    check_window "$root" "$work"
    check_desktop_files "$root" "$work"
    check_man_and_completion "$root" "$work"
    echo "PASS: the package installs and runs from $root"
}

run_lintian() {
    need lintian
    local deb
    deb="$(the_deb)"
    # Errors fail the test; warnings and infos are printed for the record.
    local report code=0
    report=$(lintian --fail-on error --display-info "$deb" 2>&1) || code=$?
    grep -v 'running with root privileges' <<<"$report" || true
    [ "$code" -eq 0 ] || fail "lintian reports errors (exit $code)"
    echo "lintian: no errors"
}

case "$MODE" in
build) build_package ;;
run) run_package ;;
lintian) run_lintian ;;
*) fail "unknown mode $MODE" ;;
esac
