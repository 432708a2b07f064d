"""Batch-size science: the practitioners' claims around the three papers (throughput, gradient noise, steps to target, regimes)."""

from replications.batchscience import layout
from replications.batchscience.checks import check
from replications.batchscience.config import ScienceConfig
from replications.papers import RULES_DIR, Paper

PAPER = Paper(
    name=layout.NAME, package=__name__, rules=RULES_DIR / f"{layout.NAME}.smk", config=ScienceConfig,
    claims_files=layout.claims_files, check=check,
)
