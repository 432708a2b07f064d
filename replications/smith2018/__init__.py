"""Smith, Kindermans, Ying & Le 2018: don't decay the learning rate, increase the batch size."""

from replications.papers import Paper
from replications.smith2018 import jobs, layout
from replications.smith2018.checks import check
from replications.smith2018.config import SmithConfig

PAPER = Paper(name=layout.NAME, package=__name__, config=SmithConfig, jobs=jobs.jobs, check=check)
