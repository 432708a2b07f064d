"""Wilson & Martinez 2003, The general inefficiency of batch training for gradient descent learning."""

from replications.papers import Paper
from replications.wilson2003 import jobs, layout
from replications.wilson2003.checks import check
from replications.wilson2003.config import WilsonConfig

PAPER = Paper(name=layout.NAME, package=__name__, config=WilsonConfig, jobs=jobs.jobs, check=check)
