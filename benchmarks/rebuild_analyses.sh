#!/usr/bin/env bash
# Rebuild every analysis and the report of a scale from the training results already under results/<scale>,
# without retraining: how a refactor is shown to change no table (then benchmarks/compare_results.py).
#
#   benchmarks/rebuild_analyses.sh [SCALE] [snakemake options...]
#
# Training and measuring jobs are kept (they are only rerun when their outputs are missing: --rerun-triggers
# mtime ignores changed code and params); the analysis steps and the report are forced.
set -euo pipefail
scale="${1:-quick}"
shift || true
cd "$(dirname "$0")/.."
analyses=$(grep -ho '^rule [a-z0-9_]*\(_table2\|_minima\|_sweeps\|_analyse\)\b' rules/*.smk | sed 's/^rule //')
exec snakemake report --config scale="$scale" --cores 2 --rerun-triggers mtime --forcerun $analyses report "$@"
