"""Keskar et al. 2017, On Large-Batch Training for Deep Learning: Generalization Gap and Sharp Minima."""

from replications.keskar2017 import layout
from replications.keskar2017.checks import check
from replications.keskar2017.config import KeskarConfig
from replications.papers import RULES_DIR, Paper

PAPER = Paper(
    name=layout.NAME, package=__name__, rules=RULES_DIR / f"{layout.NAME}.smk", config=KeskarConfig,
    claims_files=layout.claims_files, check=check,
)
