#!/usr/bin/env bash
# Rebuild every analysis and the report of a scale from the training results already under results/<scale>,
# without retraining: how a refactor is shown to change no table (then benchmarks/compare_results.py).
#
#   benchmarks/rebuild_analyses.sh [SCALE] [snakemake options...]
#   FORCE="wilson2003_crossings" benchmarks/rebuild_analyses.sh quick    # more rules to rerun
#
# Training and measuring jobs are kept (they are only rerun when their outputs are missing: --rerun-triggers
# mtime ignores changed code and params); the analysis steps and the report are forced.
set -euo pipefail
scale="${1:-quick}"
shift || true
cd "$(dirname "$0")/.."
# The analysis rules, from the papers' declared jobs (replications/jobs.py).
analyses=$(PYTHONPATH=. python - "$scale" <<'PYTHON'
import sys
from replications.config import load_config
from replications.papers import configured_papers
config = load_config(f"config/{sys.argv[1]}.yaml")
print(" ".join(f"{paper.name}_{job.name}" for paper in configured_papers(config) for job in paper.jobs(config) if job.kind == "analyse"))
PYTHON
)
exec snakemake report --config scale="$scale" --cores 2 --rerun-triggers mtime --forcerun $analyses report ${FORCE:-} "$@"
