"""batchsize-replications: `snakemake --cores all` rebuilds the quick-scale report.

Another scale: `snakemake --configfile config/paper.yaml --cores all`.
One replication: `snakemake keskar2017 --cores all` (or smith2018, wilson2003, batchscience). Report only: `snakemake report --cores all`.
"""

from snakemake.utils import min_version, validate

from replications.config import check_references

min_version("9.0")

# The quick scale is the default; a --configfile replaces it rather than merging into it.
if not workflow.overwrite_configfiles:
    workflow.configfile("config/quick.yaml")

validate(config, "config/schema.yaml")
check_references(config)  # keys that name other keys


include: "rules/common.smk"
include: "rules/keskar2017.smk"
include: "rules/wilson2003.smk"
include: "rules/smith2018.smk"
include: "rules/batchscience.smk"
include: "rules/benchmarks.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        rules.report.output,
        # The claims under results/ (not committed): a fresh clone, which has reports/ but no results/,
        # rebuilds everything instead of finding the committed report up to date.
        rules.report.input.claims,
