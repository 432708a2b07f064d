"""A toy paper that proves the paper contract: small batches beat the full batch on iris in a few epochs.

It lives under tests/, outside the package, and is plugged in only through the config
(tests/toy_paper/config.yaml adds it to `papers:`): no core file names it.
"""

from replications.papers import Paper
from tests.toy_paper import jobs, layout

PAPER = Paper(name=layout.NAME, package=__name__, config=layout.ToyConfig, jobs=jobs.jobs, check=layout.check)
