"""batchsize-replications: `snakemake --cores all` rebuilds the quick-scale report.

Another scale: `snakemake --configfile config/paper.yaml --cores all` (or `--config scale=smoke`).
One paper: `snakemake <paper> --cores all` (each paper of the config has a rule of its name). Report only: `snakemake report --cores all`.
"""

from snakemake.utils import min_version

from replications.config import validate_config
from replications.papers import configured_papers
from replications.stages import confirmatory_config

min_version("9.0")


# The config is config/base.yaml, then the overlay of its scale, then any --configfile / --config:
# Snakemake merges each configfile into the config and puts the command line's settings back on top.
# With --replace-workflow-config, the command line's files are the whole config instead.
BASE_CONFIG = f"{workflow.basedir}/config/base.yaml"


configfile: BASE_CONFIG


SCALE_CONFIG = f"{workflow.basedir}/config/{config['scale']}.yaml"


configfile: SCALE_CONFIG


# The files in the order they were merged (Snakemake lists the command line's first).
CONFIG_FILES = [str(path) for path in workflow.configfiles if str(path) not in (BASE_CONFIG, SCALE_CONFIG)]
if not workflow.config_settings.replace_workflow_config:
    CONFIG_FILES = [BASE_CONFIG, SCALE_CONFIG, *CONFIG_FILES]
validate_config(config, source=" + ".join(CONFIG_FILES))  # before any job: names the bad key
PAPERS = configured_papers(config)
# Stage 2: the papers `confirmatory:` names, run again on fresh seeds (replications/stages.py); None without one.
CONFIRMATORY_CONFIG = confirmatory_config(config)
if CONFIRMATORY_CONFIG:
    validate_config(CONFIRMATORY_CONFIG, source=" + ".join(CONFIG_FILES) + ", its confirmatory stage")


include: "rules/common.smk"
include: "rules/data.smk"


include: "rules/papers.smk"
include: "rules/benchmarks.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        rules.report.output,
        # The claims under results/ (not committed): a fresh clone, which has reports/ but no results/,
        # rebuilds everything instead of finding the committed report up to date.
        rules.report.input.claims,
        rules.report.input.confirmatory,
