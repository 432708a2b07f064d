# Smith et al. 2018: decaying the learning rate vs increasing the batch size.
# Every path comes from replications/smith2018/layout.py, which the code reads too.

import dataclasses

from replications.smith2018 import layout as smith2018_layout
from replications.smith2018.config import SmithConfig
from replications.smith2018.protocol import settings as smith2018_settings

SMITH = config["smith2018"]
SMITH_SETTINGS = smith2018_settings(SmithConfig.from_config(config))
SMITH_SEED_GROUPS = smith2018_layout.seed_groups(SMITH["seeds"], SMITH["seeds_per_job"])


def smith2018_setting(wildcards) -> dict:
    """What one setting's jobs depend on: its optimizer and schedule, and the shared protocol."""
    shared = ("data", "model", "epochs", "step_epochs", "factor", "max_batch_size", "schedules")
    setting = dataclasses.asdict(SMITH_SETTINGS[wildcards.setting])
    return {"setting": setting, **{key: SMITH[key] for key in shared}}


def smith2018_seed_arguments(wildcards) -> str:
    """The job's seeds as the command line takes them: '0-1-2' -> '0 1 2'."""
    return " ".join(map(str, smith2018_layout.group_seeds(wildcards.seeds)))


rule smith2018_train:
    input:
        config=ancient(CONFIG_FILE),
        data=DATA_READY,
    output:
        smith2018_layout.histories_file(RESULTS, "{setting}", "{seeds}"),
    log:
        log_path("smith2018/train_{setting}_seeds{seeds}"),
    benchmark:
        benchmark_path("smith2018_train/{setting}_seeds{seeds}")
    wildcard_constraints:
        setting=r"[a-z0-9_]+(-[a-z0-9_]+)?",
        seeds=smith2018_layout.SEED_GROUP_PATTERN,
    params:
        settings=smith2018_setting,
        seeds=smith2018_seed_arguments,
    priority: LONG_JOBS_FIRST
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.smith2018 --merged-config {input.config} train --setting {wildcards.setting}"
        " --seeds {params.seeds} --output {output} > {log} 2>&1"


rule smith2018_analyse:
    input:
        config=ancient(CONFIG_FILE),
        rules_on_record=RULES_ON_RECORD["smith2018"],
        histories=[smith2018_layout.histories_file(RESULTS, setting, group) for setting in SMITH_SETTINGS for group in SMITH_SEED_GROUPS],
    output:
        tables=report_tables(smith2018_layout, smith2018_layout.TABLES, "captions/smith2018.rst", "Smith 2018"),
        **report_figures(smith2018_layout, smith2018_layout.FIGURES, "captions/smith2018.rst", "Smith 2018"),
        claims=smith2018_layout.claims_file(RESULTS),
    log:
        log_path("smith2018/analyse"),
    benchmark:
        benchmark_path("smith2018_analyse")
    params:
        settings=SMITH,
        verdicts=VERDICT_SETTINGS,
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.smith2018 --merged-config {input.config} analyse --table-dir {TABLE_DIR}"
        " --figure-dir {FIGURE_DIR} --claims {output.claims} > {log} 2>&1"


rule smith2018:
    input:
        rules.smith2018_analyse.output,
