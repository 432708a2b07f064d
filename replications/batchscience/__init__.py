"""Batch-size science: the practitioners' claims around the three papers (throughput, gradient noise, steps to target, regimes)."""

from replications.batchscience import jobs, layout
from replications.batchscience.checks import check
from replications.batchscience.config import ScienceConfig
from replications.papers import Paper

PAPER = Paper(name=layout.NAME, package=__name__, config=ScienceConfig, jobs=jobs.jobs, check=check)
