"""Keskar et al. 2017, On Large-Batch Training for Deep Learning: Generalization Gap and Sharp Minima."""

from replications.keskar2017 import jobs, layout
from replications.keskar2017.checks import check
from replications.keskar2017.config import KeskarConfig
from replications.papers import Paper

PAPER = Paper(name=layout.NAME, package=__name__, config=KeskarConfig, jobs=jobs.jobs, check=check)
