"""Wilson & Martinez 2003, The general inefficiency of batch training for gradient descent learning."""

from replications.wilson2003 import layout
from replications.wilson2003.checks import check
from replications.wilson2003.config import WilsonConfig
from replications.papers import RULES_DIR, Paper

PAPER = Paper(
    name=layout.NAME, package=__name__, rules=RULES_DIR / f"{layout.NAME}.smk", config=WilsonConfig,
    claims_files=layout.claims_files, check=check,
)
