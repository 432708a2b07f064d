# Keskar et al. 2017: SB vs LB training (Table 2), their minima (Tables 3-4, Fig. 3), distances.

KESKAR = config["keskar2017"]


def keskar2017_metrics() -> list[str]:
    return expand(
        f"{RESULTS}/keskar2017/{{network}}/{{regime}}/seed{{seed}}/metrics.json",
        network=list(KESKAR["networks"]),
        regime=["SB", "LB"],
        seed=KESKAR["seeds"],
    )


def keskar2017_training_settings(wildcards) -> dict:
    """What one training run depends on, so other settings' changes do not retrain it."""
    keys = ("optimizer", "small_batch", "large_batch_fraction", "budget")
    return {"network": KESKAR["networks"][wildcards.network], **{key: KESKAR[key] for key in keys}}


rule keskar2017_train:
    output:
        metrics=f"{RESULTS}/keskar2017/{{network}}/{{regime}}/seed{{seed}}/metrics.json",
        history=f"{RESULTS}/keskar2017/{{network}}/{{regime}}/seed{{seed}}/history.csv",
        weights=f"{RESULTS}/keskar2017/{{network}}/{{regime}}/seed{{seed}}/model.weights.h5",
    log:
        log_path("keskar2017/train_{network}_{regime}_seed{seed}"),
    benchmark:
        benchmark_path("keskar2017_train/{network}_{regime}_seed{seed}")
    params:
        settings=keskar2017_training_settings,
        run_dir=subpath(output.metrics, parent=True),
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.keskar2017 --config {CONFIG_FILE} train --network {wildcards.network}"
        " --regime {wildcards.regime} --seed {wildcards.seed} --output-dir {params.run_dir} > {log} 2>&1"


def keskar2017_sharpness() -> list[str]:
    return [path.replace("metrics.json", "sharpness.json") for path in keskar2017_metrics()]


def keskar2017_parametric() -> list[str]:
    return expand(
        f"{RESULTS}/keskar2017/{{network}}/parametric/seed{{seed}}.csv",
        network=list(KESKAR["networks"]),
        seed=KESKAR["seeds"],
    )


rule keskar2017_sharpness:
    input:
        weights=rules.keskar2017_train.output.weights,
    output:
        f"{RESULTS}/keskar2017/{{network}}/{{regime}}/seed{{seed}}/sharpness.json",
    log:
        log_path("keskar2017/sharpness_{network}_{regime}_seed{seed}"),
    benchmark:
        benchmark_path("keskar2017_sharpness/{network}_{regime}_seed{seed}")
    params:
        settings=KESKAR["sharpness"],
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.keskar2017 --config {CONFIG_FILE} sharpness --network {wildcards.network}"
        " --regime {wildcards.regime} --seed {wildcards.seed} --output {output} > {log} 2>&1"


rule keskar2017_parametric:
    input:
        small=f"{RESULTS}/keskar2017/{{network}}/SB/seed{{seed}}/model.weights.h5",
        large=f"{RESULTS}/keskar2017/{{network}}/LB/seed{{seed}}/model.weights.h5",
    output:
        f"{RESULTS}/keskar2017/{{network}}/parametric/seed{{seed}}.csv",
    log:
        log_path("keskar2017/parametric_{network}_seed{seed}"),
    benchmark:
        benchmark_path("keskar2017_parametric/{network}_seed{seed}")
    params:
        settings=KESKAR["parametric"],
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.keskar2017 --config {CONFIG_FILE} parametric --network {wildcards.network}"
        " --seed {wildcards.seed} --output {output} > {log} 2>&1"


rule keskar2017_minima:
    input:
        keskar2017_metrics(),
        keskar2017_sharpness(),
        keskar2017_parametric(),
    output:
        sharpness=f"{REPORT}/tables/keskar2017_sharpness.csv",
        distance=f"{REPORT}/tables/keskar2017_distance.csv",
        figures=expand(f"{REPORT}/figures/keskar2017_parametric_{{network}}.{{ext}}", network=list(KESKAR["networks"]), ext=["png", "svg"]),
    log:
        log_path("keskar2017/minima"),
    benchmark:
        benchmark_path("keskar2017_minima")
    params:
        section=KESKAR,
        figure_dir=f"{REPORT}/figures",
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.keskar2017 --config {CONFIG_FILE} minima --sharpness-table {output.sharpness}"
        " --distance-table {output.distance} --figure-dir {params.figure_dir} > {log} 2>&1"


rule keskar2017_table2:
    input:
        keskar2017_metrics(),
    output:
        table=f"{REPORT}/tables/keskar2017_table2.csv",
        figure=f"{REPORT}/figures/keskar2017_table2.png",
        figure_svg=f"{REPORT}/figures/keskar2017_table2.svg",
    log:
        log_path("keskar2017/table2"),
    benchmark:
        benchmark_path("keskar2017_table2")
    params:
        section=KESKAR,
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.keskar2017 --config {CONFIG_FILE} table2 --output {output.table}"
        " --figure {output.figure} > {log} 2>&1"


rule keskar2017_claims:
    input:
        keskar2017_metrics(),
        keskar2017_sharpness(),
        keskar2017_parametric(),
    output:
        f"{RESULTS}/keskar2017/claims.csv",
    log:
        log_path("keskar2017/claims"),
    benchmark:
        benchmark_path("keskar2017_claims")
    params:
        section=KESKAR,
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.keskar2017 --config {CONFIG_FILE} claims --output {output} > {log} 2>&1"


rule keskar2017:
    input:
        rules.keskar2017_table2.output,
        rules.keskar2017_minima.output,
        rules.keskar2017_claims.output,
