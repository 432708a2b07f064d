"""Batch-size science: the practitioners' claims around the three papers (throughput, gradient noise, steps to target, regimes)."""

from pathlib import Path

from replications.batchscience import layout
from replications.batchscience.checks import check
from replications.papers import RULES_DIR, Paper

PAPER = Paper(
    name=layout.NAME, package=__name__, rules=RULES_DIR / f"{layout.NAME}.smk", schema=Path(__file__).with_name("schema.yaml"),
    claims_files=layout.claims_files, check=check,
)
