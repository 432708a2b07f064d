# Wilson & Martinez 2003: online vs batch gradient descent on UCI tasks and a larger stand-in.
# Every path comes from replications/wilson2003/layout.py, which the code reads too.

from replications.wilson2003 import layout as wilson2003_layout
from replications.wilson2003.config import WilsonConfig

WILSON = config["wilson2003"]
WILSON_TYPED = WilsonConfig.from_config(config)
WILSON_GRID = wilson2003_layout.grid(WILSON_TYPED)


def wilson2003_settings(wildcards) -> dict:
    """What one (task, batch) job depends on."""
    keys = ("holdout_fraction", "model", "learning_rates", "seeds", "max_epochs", "checkpoint_seconds", "training_set_every_epoch")
    task = {"data": dict(WILSON_TYPED.task(wildcards.task).data)}  # a task of the grid or a member of the size series
    return {"task": task, **{key: WILSON[key] for key in keys}, **EPOCHS_PER_CALL_SETTINGS}


rule wilson2003_train:
    input:
        config=ancient(CONFIG_FILE),
        data=DATA_READY,
    output:
        runs=wilson2003_layout.runs_file(RESULTS, "{task}", "{batch}"),
        histories=wilson2003_layout.histories_file(RESULTS, "{task}", "{batch}"),
    log:
        log_path("wilson2003/train_{task}_batch{batch}"),
    benchmark:
        benchmark_path("wilson2003_train/{task}_batch{batch}")
    wildcard_constraints:
        task=r"[a-z0-9_]+",
        batch=r"[0-9]+|full",
    params:
        settings=wilson2003_settings,
    priority: LONG_JOBS_FIRST
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.wilson2003 --merged-config {input.config} train --task {wildcards.task}"
        " --batch {wildcards.batch} --runs {output.runs} --histories {output.histories} > {log} 2>&1"


def wilson2003_crossing_settings(wildcards) -> dict:
    """What one task's crossing probes depend on: its runs' settings, the probes, and what picks the runs they refine."""
    reads = {"target_fraction": WILSON["claims"]["target_fraction"], "min_batch_size": WILSON["claims"]["linear_growth"]["min_batch_size"]}
    probes = {key: WILSON.get(key) for key in ("crossing_probes", "refine_within_epochs")}
    return {**wilson2003_settings(wildcards), **probes, **reads}


def wilson2003_task_files(wildcards) -> list[str]:
    """The runs and histories of every batch size of one task: the common target and the rates chosen come from all."""
    groups = [label for task, label in WILSON_GRID if task == wildcards.task]
    return [path(RESULTS, wildcards.task, label) for label in groups for path in (wilson2003_layout.runs_file, wilson2003_layout.histories_file)]


rule wilson2003_crossings:
    input:
        config=ancient(CONFIG_FILE),
        data=DATA_READY,
        groups=wilson2003_task_files,
    output:
        crossings=wilson2003_layout.crossings_file(RESULTS, "{task}"),
    log:
        log_path("wilson2003/crossings_{task}"),
    benchmark:
        benchmark_path("wilson2003_crossings/{task}")
    wildcard_constraints:
        task=r"[a-z0-9_]+",
    params:
        settings=wilson2003_crossing_settings,
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.wilson2003 --merged-config {input.config} crossings --task {wildcards.task}"
        " --output {output.crossings} > {log} 2>&1"


rule wilson2003_analyse:
    input:
        config=ancient(CONFIG_FILE),
        rules_on_record=RULES_ON_RECORD["wilson2003"],
        runs=[wilson2003_layout.runs_file(RESULTS, task, label) for task, label in WILSON_GRID],
        histories=[wilson2003_layout.histories_file(RESULTS, task, label) for task, label in WILSON_GRID],
        crossings=[wilson2003_layout.crossings_file(RESULTS, task) for task in WILSON["tasks"]],
    output:
        tables=report_tables(wilson2003_layout, wilson2003_layout.TABLES, "captions/wilson2003.rst", "Wilson 2003"),
        **report_figures(wilson2003_layout, wilson2003_layout.FIGURES, "captions/wilson2003.rst", "Wilson 2003"),
        claims=wilson2003_layout.claims_file(RESULTS),
    log:
        log_path("wilson2003/analyse"),
    benchmark:
        benchmark_path("wilson2003_analyse")
    params:
        settings=WILSON,
        verdicts=VERDICT_SETTINGS,
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.wilson2003 --merged-config {input.config} analyse --table-dir {TABLE_DIR}"
        " --figure-dir {FIGURE_DIR} --claims {output.claims} > {log} 2>&1"


rule wilson2003:
    input:
        rules.wilson2003_analyse.output,
