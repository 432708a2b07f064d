# Batch-size science beyond the three papers: the practitioners' claims of ../shared/seeds.
# Every path comes from replications/batchscience/layout.py, which the code reads too.

from replications.batchscience import layout as science_layout

SCIENCE = config["batchscience"]
TRAINING_KEYS = ("seeds", "data", "model", "optimizer")


def science_training(part: str) -> dict:
    """What a training job of `part` depends on: the shared network and optimizer, and the part's settings."""
    return {part: SCIENCE[part], **{key: SCIENCE[key] for key in TRAINING_KEYS}}


rule batchscience_throughput:
    input:
        config=ancient(CONFIG_FILE),
        data=DATA_READY,
    output:
        science_layout.throughput_file(RESULTS, "{network}"),
    log:
        log_path("batchscience/throughput_{network}"),
    benchmark:
        benchmark_path("batchscience_throughput/{network}")
    wildcard_constraints:
        network=r"[A-Za-z0-9]+",
    params:
        settings=SCIENCE["throughput"],
    # All cores reserved: no training job runs beside the measurement (one TensorFlow thread, as every job).
    threads: WHOLE_MACHINE
    priority: WHOLE_MACHINE_FIRST
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.batchscience --merged-config {input.config} throughput --network {wildcards.network}"
        " --output {output} > {log} 2>&1"


rule batchscience_noise:
    input:
        config=ancient(CONFIG_FILE),
        data=DATA_READY,
    output:
        spread=science_layout.spread_file(RESULTS),
        noise_scale=science_layout.noise_scale_file(RESULTS),
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
        "{LAUNCH} replications.batchscience --merged-config {input.config} noise --spread {output.spread}"
        " --noise-scale {output.noise_scale} > {log} 2>&1"


rule batchscience_steps:
    input:
        config=ancient(CONFIG_FILE),
        data=DATA_READY,
    output:
        science_layout.steps_file(RESULTS, "{batch}"),
    log:
        log_path("batchscience/steps_batch{batch}"),
    benchmark:
        benchmark_path("batchscience_steps/batch{batch}")
    wildcard_constraints:
        batch=r"[0-9]+",
    params:
        settings=science_training("steps_to_target"),
    priority: LONG_JOBS_FIRST
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.batchscience --merged-config {input.config} steps --batch {wildcards.batch}"
        " --output {output} > {log} 2>&1"


rule batchscience_regime:
    input:
        config=ancient(CONFIG_FILE),
        data=DATA_READY,
    output:
        science_layout.regime_file(RESULTS, "{regime}"),
    log:
        log_path("batchscience/regime_{regime}"),
    benchmark:
        benchmark_path("batchscience_regime/{regime}")
    wildcard_constraints:
        regime="|".join(science_layout.REGIMES),
    params:
        settings={**science_training("regimes"), **EPOCHS_PER_CALL_SETTINGS},
    priority: LONG_JOBS_FIRST
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.batchscience --merged-config {input.config} regime --regime {wildcards.regime}"
        " --output {output} > {log} 2>&1"


rule batchscience_analyse:
    input:
        config=ancient(CONFIG_FILE),
        rules_on_record=RULES_ON_RECORD["batchscience"],
        throughput=[science_layout.throughput_file(RESULTS, network) for network in SCIENCE["throughput"]["networks"]],
        noise=rules.batchscience_noise.output,
        steps=[science_layout.steps_file(RESULTS, size) for size in SCIENCE["steps_to_target"]["batch_sizes"]],
        regimes=[science_layout.regime_file(RESULTS, regime) for regime in science_layout.REGIMES],
    output:
        tables=report_tables(science_layout, science_layout.TABLES, "captions/batchscience.rst", "Batch-size science"),
        **report_figures(science_layout, science_layout.FIGURES, "captions/batchscience.rst", "Batch-size science"),
        claims=science_layout.claims_file(RESULTS),
    log:
        log_path("batchscience/analyse"),
    benchmark:
        benchmark_path("batchscience_analyse")
    params:
        settings=SCIENCE,
        verdicts=VERDICT_SETTINGS,
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.batchscience --merged-config {input.config} analyse --table-dir {TABLE_DIR}"
        " --figure-dir {FIGURE_DIR} --claims {output.claims} > {log} 2>&1"


rule batchscience:
    input:
        rules.batchscience_analyse.output,
