"""A toy paper that proves the paper contract: small batches beat the full batch on iris in a few epochs.

It lives under tests/, outside the package, and is plugged in only through the config
(tests/toy_paper/config.yaml adds it to `papers:`): no core file names it.
"""

from pathlib import Path

from replications.papers import Paper
from tests.toy_paper import layout

_HERE = Path(__file__).resolve().parent

PAPER = Paper(
    name=layout.NAME, package=__name__, rules=_HERE / "rules.smk", config=layout.ToyConfig,
    claims_files=layout.claims_files, check=layout.check,
)
