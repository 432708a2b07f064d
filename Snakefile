"""batchsize-replications: `snakemake --cores all` rebuilds the quick-scale report.

Another scale: `snakemake --configfile config/paper.yaml --cores all` (or `--config scale=smoke`).
One paper: `snakemake <paper> --cores all` (each paper of the config has a rule of its name). Report only: `snakemake report --cores all`.
"""

from snakemake.utils import min_version

from replications.config import validate_config
from replications.papers import configured_papers

min_version("9.0")


# The config is config/base.yaml, then the overlay of its scale, then any --configfile / --config:
# Snakemake merges each configfile into the config and puts the command line's settings back on top.
configfile: f"{workflow.basedir}/config/base.yaml"
configfile: f"{workflow.basedir}/config/{config['scale']}.yaml"


validate_config(config, source=" + ".join(map(str, workflow.configfiles)))  # before any job: names the bad key
PAPERS = configured_papers(config)


include: "rules/common.smk"


for paper in PAPERS:

    include: paper.rules


include: "rules/benchmarks.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        rules.report.output,
        # The claims under results/ (not committed): a fresh clone, which has reports/ but no results/,
        # rebuilds everything instead of finding the committed report up to date.
        rules.report.input.claims,
