# Data sets that need a download (tensorflow-datasets, UCI), prepared once where Snakemake runs: a cluster's
# login node has internet, its compute nodes often do not, and 50 jobs must not download into one folder at once.
# The training rules wait for it; jobs never download. Offline sets (the quick scale) need no such step.

from replications.data import downloaded_sets

DOWNLOADED_SETS = downloaded_sets(config)


localrules:
    prepare_data,


rule prepare_data:
    input:
        config=ancient(CONFIG_FILE),
    output:
        f"{RESULTS}/data/prepared.txt",
    log:
        log_path("prepare_data"),
    params:
        sets=DOWNLOADED_SETS,
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.prepare_data --merged-config {input.config} --output {output} > {log} 2>&1"


# The input every training rule adds: the prepared sets, where the config has any.
DATA_READY = rules.prepare_data.output if DOWNLOADED_SETS else []
