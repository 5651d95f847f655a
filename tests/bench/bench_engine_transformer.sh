#!/usr/bin/env bash
# One training step of a GPT-style transformer (4 blocks, width 256, 4 heads, context 128,
# batch 8, vocabulary 256, AdamW, fp32) on the engine's CPU backend vs PyTorch CPU at the same
# thread count (all cores, then one): bench_engine.sh's comparison. Goal: engine/torch <= 1.0x.
# usage: bench_engine_transformer.sh BUILD_DIR
exec bash "$(dirname "${BASH_SOURCE[0]}")/bench_engine.sh" "${1:?build dir}" transformer
