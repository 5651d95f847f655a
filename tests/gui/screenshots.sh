#!/usr/bin/env bash
# Screenshots of every page of the window, for a recorded run (the embedded engine on the CPU
# backend) or a run file given as $2: opens it under Xvfb (a real X server) when available, else
# offscreen, and writes one PNG per page to $3 (default: BUILD/screenshots).
#   tests/gui/screenshots.sh BUILD_DIR [RUN.ksr.h5] [OUT_DIR]
set -euo pipefail
BUILD="${1:?usage: screenshots.sh BUILD_DIR [RUN] [OUT_DIR]}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${3:-$BUILD/screenshots}"
APP="$BUILD/gui/kernscope"
CLI="$BUILD/gui/kernscope-cli"
PY=/usr/bin/python3
mkdir -p "$OUT"
RUN="${2:-}"
if [ -z "$RUN" ]; then
    RUN="$OUT/recorded.ksr.h5"
    if ! "$CLI" record --model mlp --backend cpu --steps 40 --batch 64 -o "$RUN" >/dev/null 2>&1; then
        echo "screenshots.sh: 'kernscope-cli record' failed; using a synthetic run" >&2
        "$APP" --synthetic-run 200000 "$RUN"
    fi
fi
REF="$OUT/reference.npz"
"$PY" "$HERE/make_reference.py" "$RUN" "$REF" >/dev/null
ARGS=(--screenshots "$OUT" "$RUN" "$REF")
if command -v xvfb-run >/dev/null; then
    xvfb-run -a -s "-screen 0 1920x1200x24 -dpi 96" "$APP" "${ARGS[@]}"
else
    QT_QPA_PLATFORM=offscreen "$APP" "${ARGS[@]}"
fi
echo "screenshots in $OUT"
