# Wilson & Martinez 2003: online vs batch gradient descent on UCI tasks and a larger stand-in.

from replications.wilson2003.experiment import grid as wilson2003_grid

WILSON = config["wilson2003"]
WILSON_GRID = wilson2003_grid(config)


def wilson2003_groups() -> list[str]:
    return [f"{RESULTS}/wilson2003/{task}/batch{label}/runs.csv" for task, label in WILSON_GRID]


def wilson2003_settings(wildcards) -> dict:
    """What one (task, batch) job depends on."""
    keys = ("holdout_fraction", "model", "learning_rates", "seeds", "max_epochs", "checkpoint_seconds")
    return {"task": WILSON["tasks"][wildcards.task], **{key: WILSON[key] for key in keys}}


rule wilson2003_train:
    output:
        f"{RESULTS}/wilson2003/{{task}}/batch{{batch}}/runs.csv",
    log:
        log_path("wilson2003/train_{task}_batch{batch}"),
    benchmark:
        benchmark_path("wilson2003_train/{task}_batch{batch}")
    params:
        settings=wilson2003_settings,
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.wilson2003 --config {CONFIG_FILE} train --task {wildcards.task}"
        " --batch {wildcards.batch} --output {output} > {log} 2>&1"


rule wilson2003_analyse:
    input:
        wilson2003_groups(),
    output:
        tables=report(
            expand(f"{REPORT}/tables/wilson2003_{{name}}.csv", name=["large_task", "summary"]),
            caption="captions/wilson2003.rst", category="Wilson 2003", subcategory="tables",
        ),
        figures=report(
            expand(f"{REPORT}/figures/wilson2003_{{name}}.png", name=["epochs", "curves"]),
            caption="captions/wilson2003.rst", category="Wilson 2003", subcategory="figures",
        ),
        svg=expand(f"{REPORT}/figures/wilson2003_{{name}}.svg", name=["epochs", "curves"]),
        claims=f"{RESULTS}/wilson2003/claims.csv",
    log:
        log_path("wilson2003/analyse"),
    benchmark:
        benchmark_path("wilson2003_analyse")
    params:
        section=WILSON,
        table_dir=f"{REPORT}/tables",
        figure_dir=f"{REPORT}/figures",
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.wilson2003 --config {CONFIG_FILE} analyse --table-dir {params.table_dir}"
        " --figure-dir {params.figure_dir} --claims {output.claims} > {log} 2>&1"


rule wilson2003:
    input:
        rules.wilson2003_analyse.output,
