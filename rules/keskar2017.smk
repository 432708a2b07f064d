# Keskar et al. 2017: SB vs LB training (Table 2), their minima (Tables 3-4, Fig. 3), the batch-size
# sweep (Fig. 4), the warm start (Fig. 5) and sharpness along training (Fig. 6).
# Every path comes from replications/keskar2017/layout.py, which the code reads too.

from replications.keskar2017 import layout as keskar2017_layout
from replications.keskar2017.config import KeskarConfig

KESKAR = config["keskar2017"]  # what a job depends on (params), as the config writes it
KESKAR_TYPED = KeskarConfig.from_config(config)
KESKAR_NETWORKS = list(KESKAR["networks"])
KESKAR_MINIMA_NETWORKS = KESKAR_TYPED.minima_networks  # the others: Table 2 only


def keskar2017_run_files(name: str, runs: list[str], seeds: list[int], networks: list[str] = KESKAR_NETWORKS) -> list[str]:
    """One file (metrics.json, history.csv, sharpness.json, ...) of every listed run."""
    return [keskar2017_layout.run_file(RESULTS, network, run, seed, name) for network in networks for run in runs for seed in seeds]


def keskar2017_table(name: str) -> list[str]:
    return report_tables(keskar2017_layout, [name], "captions/keskar2017_tables.rst", "Keskar 2017")


def keskar2017_figures(names: list[str], caption: str) -> dict:
    return report_figures(keskar2017_layout, names, caption, "Keskar 2017")


def keskar2017_training_settings(wildcards) -> dict:
    """What one training run depends on, so other settings' changes do not retrain it."""
    keys = ("optimizer", "small_batch", "large_batch_fraction", "budget", "trajectory")
    return {"network": KESKAR["networks"][wildcards.network], **{key: KESKAR[key] for key in keys}}


KESKAR_RUN = keskar2017_layout.run_dir(RESULTS, "{network}", "{run}", "{seed}")
KESKAR_REGIMES = list(keskar2017_layout.SB_AND_LB)
KESKAR_SWEEP = {"runs": keskar2017_layout.sweep_runs(KESKAR_TYPED), "seeds": KESKAR["sweep"]["seeds"], "networks": KESKAR["sweep"]["networks"]}
KESKAR_WARM = {"runs": keskar2017_layout.warm_start_runs(KESKAR_TYPED), "seeds": KESKAR["warm_start"]["seeds"], "networks": KESKAR["warm_start"]["networks"]}


rule keskar2017_train:
    input:
        config=ancient(CONFIG_FILE),
        data=DATA_READY,
    output:
        metrics=keskar2017_layout.run_file(RESULTS, "{network}", "{run}", "{seed}", "metrics.json"),
        history=keskar2017_layout.run_file(RESULTS, "{network}", "{run}", "{seed}", "history.csv"),
        weights=keskar2017_layout.run_file(RESULTS, "{network}", "{run}", "{seed}", "model.weights.h5"),
        snapshots=directory(keskar2017_layout.snapshot_dir(KESKAR_RUN)),
    log:
        log_path("keskar2017/train_{network}_{run}_seed{seed}"),
    benchmark:
        benchmark_path("keskar2017_train/{network}_{run}_seed{seed}")
    wildcard_constraints:
        run=keskar2017_layout.RUN_NAME_PATTERN,
    params:
        settings=keskar2017_training_settings,
        run_dir=KESKAR_RUN,
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.keskar2017 --merged-config {input.config} train --network {wildcards.network}"
        " --run {wildcards.run} --seed {wildcards.seed} --output-dir {params.run_dir} > {log} 2>&1"


rule keskar2017_sharpness:
    input:
        config=ancient(CONFIG_FILE),
        weights=rules.keskar2017_train.output.weights,
    output:
        keskar2017_layout.run_file(RESULTS, "{network}", "{run}", "{seed}", "sharpness.json"),
    log:
        log_path("keskar2017/sharpness_{network}_{run}_seed{seed}"),
    benchmark:
        benchmark_path("keskar2017_sharpness/{network}_{run}_seed{seed}")
    wildcard_constraints:
        run=keskar2017_layout.RUN_NAME_PATTERN,
    params:
        settings=KESKAR["sharpness"],
    # A trained model's measurements go before further training: the minima and sweeps wait for the last of them,
    # and at the end of the run they would follow the last training jobs one by one, with a core idle.
    priority: LONG_JOBS_FIRST
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.keskar2017 --merged-config {input.config} sharpness --network {wildcards.network}"
        " --run {wildcards.run} --seed {wildcards.seed} --output {output} > {log} 2>&1"


rule keskar2017_parametric:
    input:
        config=ancient(CONFIG_FILE),
        small=keskar2017_layout.run_file(RESULTS, "{network}", "SB", "{seed}", "model.weights.h5"),
        large=keskar2017_layout.run_file(RESULTS, "{network}", "LB", "{seed}", "model.weights.h5"),
    output:
        keskar2017_layout.parametric_file(RESULTS, "{network}", "{seed}"),
    log:
        log_path("keskar2017/parametric_{network}_seed{seed}"),
    benchmark:
        benchmark_path("keskar2017_parametric/{network}_seed{seed}")
    params:
        settings=KESKAR["parametric"],
    priority: LONG_JOBS_FIRST  # as the sharpness: an input of the minima step
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.keskar2017 --merged-config {input.config} parametric --network {wildcards.network}"
        " --seed {wildcards.seed} --output {output} > {log} 2>&1"


rule keskar2017_table2:
    input:
        config=ancient(CONFIG_FILE),
        rules_on_record=RULES_ON_RECORD["keskar2017"],
        metrics=keskar2017_run_files("metrics.json", KESKAR_REGIMES, KESKAR["seeds"]),
        histories=keskar2017_run_files("history.csv", KESKAR_REGIMES, KESKAR["seeds"]),
    output:
        table=keskar2017_table("table2"),
        **keskar2017_figures(["table2"], "captions/keskar2017_table2.rst"),
        claims=keskar2017_layout.claims_file(RESULTS, "table2"),
    log:
        log_path("keskar2017/table2"),
    benchmark:
        benchmark_path("keskar2017_table2")
    params:
        settings={"networks": KESKAR["networks"], "claims": KESKAR["claims"]},  # every rule: they share one hash
        verdicts=VERDICT_SETTINGS,
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.keskar2017 --merged-config {input.config} table2 --table-dir {TABLE_DIR}"
        " --figure-dir {FIGURE_DIR} --claims {output.claims} > {log} 2>&1"


rule keskar2017_minima:
    input:
        config=ancient(CONFIG_FILE),
        rules_on_record=RULES_ON_RECORD["keskar2017"],
        metrics=keskar2017_run_files("metrics.json", KESKAR_REGIMES, KESKAR["seeds"], KESKAR_MINIMA_NETWORKS),
        sharpness=keskar2017_run_files("sharpness.json", KESKAR_REGIMES, KESKAR["seeds"], KESKAR_MINIMA_NETWORKS),
        parametric=[keskar2017_layout.parametric_file(RESULTS, network, seed) for network in KESKAR_MINIMA_NETWORKS for seed in KESKAR["seeds"]],
    output:
        sharpness=keskar2017_table("sharpness"),
        subspace_ratio=keskar2017_table("subspace_ratio"),
        distance=keskar2017_table("distance"),
        **keskar2017_figures([f"parametric_{network}" for network in KESKAR_MINIMA_NETWORKS], "captions/keskar2017_parametric.rst"),
        claims=keskar2017_layout.claims_file(RESULTS, "minima"),
    log:
        log_path("keskar2017/minima"),
    benchmark:
        benchmark_path("keskar2017_minima")
    params:
        settings={key: KESKAR[key] for key in ("networks", "sharpness", "parametric", "claims")},
        verdicts=VERDICT_SETTINGS,
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.keskar2017 --merged-config {input.config} minima --table-dir {TABLE_DIR}"
        " --figure-dir {FIGURE_DIR} --claims {output.claims} > {log} 2>&1"


# A rule of its own, apart from the minima's: it needs only the first seed's SB models, so it runs while the other
# seeds train instead of at the end of the run.
rule keskar2017_rescaling:
    input:
        config=ancient(CONFIG_FILE),
        weights=keskar2017_run_files("model.weights.h5", ["SB"], KESKAR["seeds"][:1], KESKAR_MINIMA_NETWORKS),
    output:
        keskar2017_table("rescaling"),
    log:
        log_path("keskar2017/rescaling"),
    benchmark:
        benchmark_path("keskar2017_rescaling")
    params:
        settings={key: KESKAR[key] for key in ("networks", "sharpness", "rescaling")},
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.keskar2017 --merged-config {input.config} rescaling --output {output} > {log} 2>&1"


rule keskar2017_sweeps:
    input:
        config=ancient(CONFIG_FILE),
        rules_on_record=RULES_ON_RECORD["keskar2017"],
        sweep=[keskar2017_run_files(name, **KESKAR_SWEEP) for name in ("metrics.json", "sharpness.json")],
        warm_start=[keskar2017_run_files(name, **KESKAR_WARM) for name in ("metrics.json", "sharpness.json")],
    output:
        sweep=keskar2017_table("sweep"),
        warm_start=keskar2017_table("warm_start"),
        **keskar2017_figures(["sweep", "warm_start"], "captions/keskar2017_sweeps.rst"),
        claims=keskar2017_layout.claims_file(RESULTS, "sweeps"),
    log:
        log_path("keskar2017/sweeps"),
    benchmark:
        benchmark_path("keskar2017_sweeps")
    params:
        settings={key: KESKAR[key] for key in ("sweep", "warm_start", "sharpness", "claims")},
        verdicts=VERDICT_SETTINGS,
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.keskar2017 --merged-config {input.config} sweeps --table-dir {TABLE_DIR}"
        " --figure-dir {FIGURE_DIR} --claims {output.claims} > {log} 2>&1"


rule keskar2017_trajectory:
    input:
        config=ancient(CONFIG_FILE),
        snapshots=[keskar2017_layout.snapshot_dir(keskar2017_layout.run_dir(RESULTS, "{network}", regime, KESKAR["trajectory"]["seed"])) for regime in KESKAR_REGIMES],
    output:
        table=keskar2017_table("trajectory_{network}"),
        **keskar2017_figures(["trajectory_{network}"], "captions/keskar2017_trajectory.rst"),
    log:
        log_path("keskar2017/trajectory_{network}"),
    benchmark:
        benchmark_path("keskar2017_trajectory/{network}")
    params:
        settings=KESKAR["trajectory"],
    priority: LONG_JOBS_FIRST
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.keskar2017 --merged-config {input.config} trajectory --network {wildcards.network}"
        " --table-dir {TABLE_DIR} --figure-dir {FIGURE_DIR} > {log} 2>&1"


rule keskar2017:
    input:
        rules.keskar2017_table2.output,
        rules.keskar2017_minima.output,
        rules.keskar2017_rescaling.output,
        rules.keskar2017_sweeps.output,
        expand(rules.keskar2017_trajectory.output, network=KESKAR_MINIMA_NETWORKS),
