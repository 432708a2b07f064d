# Smith et al. 2018: decaying the learning rate vs increasing the batch size.

from replications.smith2018.analysis import FIGURES as SMITH_FIGURES
from replications.smith2018.experiment import settings as smith2018_settings

SMITH = config["smith2018"]
SMITH_SETTINGS = smith2018_settings(SMITH)


def smith2018_setting(wildcards) -> dict:
    """What one setting's job depends on: its optimizer and schedule, and the shared protocol."""
    shared = ("data", "model", "seeds", "epochs", "step_epochs", "factor", "max_batch_size", "schedules")
    return {"setting": SMITH_SETTINGS[wildcards.setting], **{key: SMITH[key] for key in shared}}


rule smith2018_train:
    output:
        f"{RESULTS}/smith2018/{{setting}}/runs.csv",
    log:
        log_path("smith2018/train_{setting}"),
    benchmark:
        benchmark_path("smith2018_train/{setting}")
    params:
        settings=smith2018_setting,
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.smith2018 --config {CONFIG_FILE} train --setting {wildcards.setting}"
        " --output {output} > {log} 2>&1"


rule smith2018_analyse:
    input:
        expand(f"{RESULTS}/smith2018/{{setting}}/runs.csv", setting=list(SMITH_SETTINGS)),
    output:
        tables=report(
            expand(f"{REPORT}/tables/smith2018_{{name}}.csv", name=["summary", "protocol_updates"]),
            caption="captions/smith2018.rst", category="Smith 2018", subcategory="tables",
        ),
        figures=report(
            expand(f"{REPORT}/figures/smith2018_{{name}}.png", name=SMITH_FIGURES),
            caption="captions/smith2018.rst", category="Smith 2018", subcategory="figures",
        ),
        svg=expand(f"{REPORT}/figures/smith2018_{{name}}.svg", name=SMITH_FIGURES),
        claims=f"{RESULTS}/smith2018/claims.csv",
    log:
        log_path("smith2018/analyse"),
    benchmark:
        benchmark_path("smith2018_analyse")
    params:
        section=SMITH,
        table_dir=f"{REPORT}/tables",
        figure_dir=f"{REPORT}/figures",
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.smith2018 --config {CONFIG_FILE} analyse --table-dir {params.table_dir}"
        " --figure-dir {params.figure_dir} --claims {output.claims} > {log} 2>&1"


rule smith2018:
    input:
        rules.smith2018_analyse.output,
