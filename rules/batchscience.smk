# Batch-size science beyond the three papers: the practitioners' claims of ../shared/seeds.

from replications.batchscience.analysis import FIGURES as SCIENCE_FIGURES, TABLES as SCIENCE_TABLES
from replications.batchscience.experiment import regime_settings

SCIENCE = config["batchscience"]
SCIENCE_RESULTS = f"{RESULTS}/batchscience"
TRAINING_KEYS = ("seeds", "data", "model", "optimizer")


def science_training(part: str) -> dict:
    """What a training job of `part` depends on: the shared network and optimizer, and the part's settings."""
    return {part: SCIENCE[part], **{key: SCIENCE[key] for key in TRAINING_KEYS}}


rule batchscience_throughput:
    output:
        f"{SCIENCE_RESULTS}/throughput_{{network}}.csv",
    log:
        log_path("batchscience/throughput_{network}"),
    benchmark:
        benchmark_path("batchscience_throughput/{network}")
    params:
        settings=SCIENCE["throughput"],
    # All cores reserved: no training job runs beside the measurement (one TensorFlow thread, as every job).
    threads: workflow.cores
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.batchscience --config {CONFIG_FILE} throughput --network {wildcards.network}"
        " --output {output} > {log} 2>&1"


rule batchscience_noise:
    output:
        spread=f"{SCIENCE_RESULTS}/gradient_spread.csv",
        noise_scale=f"{SCIENCE_RESULTS}/noise_scale.csv",
    log:
        log_path("batchscience/noise"),
    benchmark:
        benchmark_path("batchscience_noise")
    params:
        settings=science_training("gradient_noise"),
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.batchscience --config {CONFIG_FILE} noise --spread {output.spread}"
        " --noise-scale {output.noise_scale} > {log} 2>&1"


rule batchscience_steps:
    output:
        f"{SCIENCE_RESULTS}/steps_batch{{batch}}.csv",
    log:
        log_path("batchscience/steps_batch{batch}"),
    benchmark:
        benchmark_path("batchscience_steps/batch{batch}")
    params:
        settings=science_training("steps_to_target"),
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.batchscience --config {CONFIG_FILE} steps --batch {wildcards.batch}"
        " --output {output} > {log} 2>&1"


rule batchscience_regime:
    output:
        f"{SCIENCE_RESULTS}/regime_{{regime}}.csv",
    log:
        log_path("batchscience/regime_{regime}"),
    benchmark:
        benchmark_path("batchscience_regime/{regime}")
    params:
        settings=science_training("regimes"),
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.batchscience --config {CONFIG_FILE} regime --regime {wildcards.regime}"
        " --output {output} > {log} 2>&1"


rule batchscience_analyse:
    input:
        expand(f"{SCIENCE_RESULTS}/throughput_{{network}}.csv", network=list(SCIENCE["throughput"]["networks"])),
        rules.batchscience_noise.output,
        expand(f"{SCIENCE_RESULTS}/steps_batch{{batch}}.csv", batch=SCIENCE["steps_to_target"]["batch_sizes"]),
        expand(f"{SCIENCE_RESULTS}/regime_{{regime}}.csv", regime=list(regime_settings(SCIENCE))),
    output:
        tables=report(
            expand(f"{REPORT}/tables/batchscience_{{name}}.csv", name=SCIENCE_TABLES),
            caption="captions/batchscience.rst", category="Batch-size science", subcategory="tables",
        ),
        figures=report(
            expand(f"{REPORT}/figures/batchscience_{{name}}.png", name=SCIENCE_FIGURES),
            caption="captions/batchscience.rst", category="Batch-size science", subcategory="figures",
        ),
        svg=expand(f"{REPORT}/figures/batchscience_{{name}}.svg", name=SCIENCE_FIGURES),
        claims=f"{SCIENCE_RESULTS}/claims.csv",
    log:
        log_path("batchscience/analyse"),
    benchmark:
        benchmark_path("batchscience_analyse")
    params:
        claims=SCIENCE["claims"],
        table_dir=f"{REPORT}/tables",
        figure_dir=f"{REPORT}/figures",
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.batchscience --config {CONFIG_FILE} analyse --results-dir {SCIENCE_RESULTS}"
        " --table-dir {params.table_dir} --figure-dir {params.figure_dir} --claims {output.claims} > {log} 2>&1"


rule batchscience:
    input:
        rules.batchscience_analyse.output,
