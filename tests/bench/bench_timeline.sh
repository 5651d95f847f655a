#!/usr/bin/env bash
# Timeline frame times (layout + paint, 1920x1080, offscreen) of a run with ~10 million events:
# 5 M kernels + 5 M API calls + copies and ranges from the synthetic generator.
#   tests/bench/bench_timeline.sh BUILD_DIR [KERNELS]
set -euo pipefail
BUILD="${1:?usage: bench_timeline.sh BUILD_DIR [KERNELS]}"
KERNELS="${2:-5000000}"
APP="$BUILD/gui/kernscope"
[ -x "$APP" ] || { echo "bench_timeline: $APP not built, skipped"; exit 0; }
RUN="$BUILD/bench-timeline-$KERNELS.ksr.h5"
export QT_QPA_PLATFORM=offscreen
[ -f "$RUN" ] || "$APP" --synthetic-run "$KERNELS" "$RUN"
"$APP" --bench-timeline "$RUN"
