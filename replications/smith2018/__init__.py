"""Smith, Kindermans, Ying & Le 2018: don't decay the learning rate, increase the batch size."""

from replications.smith2018 import layout
from replications.smith2018.checks import check
from replications.smith2018.config import SmithConfig
from replications.papers import RULES_DIR, Paper

PAPER = Paper(
    name=layout.NAME, package=__name__, rules=RULES_DIR / f"{layout.NAME}.smk", config=SmithConfig,
    claims_files=layout.claims_files, check=check,
)
