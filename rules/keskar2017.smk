# Keskar et al. 2017: SB vs LB training (Table 2), their minima (Tables 3-4, Fig. 3), distances.

KESKAR = config["keskar2017"]


def keskar2017_run_files(runs: list[str], seeds: list[int], name: str, networks: list[str] | None = None) -> list[str]:
    return expand(
        f"{RESULTS}/keskar2017/{{network}}/{{run}}/seed{{seed}}/{name}",
        network=networks or list(KESKAR["networks"]),
        run=runs,
        seed=seeds,
    )


def keskar2017_metrics() -> list[str]:
    return keskar2017_run_files(["SB", "LB"], KESKAR["seeds"], "metrics.json")


def keskar2017_sweep_files() -> list[str]:
    """Metrics and sharpness of the batch-size sweep (Fig. 4) and warm-start (Fig. 5) runs."""
    sweep = [f"batch{size}" for size in KESKAR["sweep"]["batch_sizes"]]
    warm = [f"warm{epochs}" for epochs in KESKAR["warm_start"]["epochs"]]
    files = []
    for name in ("metrics.json", "sharpness.json"):
        files += keskar2017_run_files(sweep, KESKAR["sweep"]["seeds"], name, KESKAR["sweep"]["networks"])
        files += keskar2017_run_files(warm, KESKAR["warm_start"]["seeds"], name, KESKAR["warm_start"]["networks"])
    return files


def keskar2017_training_settings(wildcards) -> dict:
    """What one training run depends on, so other settings' changes do not retrain it."""
    keys = ("optimizer", "small_batch", "large_batch_fraction", "budget", "trajectory")
    return {"network": KESKAR["networks"][wildcards.network], **{key: KESKAR[key] for key in keys}}


rule keskar2017_train:
    output:
        metrics=f"{RESULTS}/keskar2017/{{network}}/{{run}}/seed{{seed}}/metrics.json",
        history=f"{RESULTS}/keskar2017/{{network}}/{{run}}/seed{{seed}}/history.csv",
        weights=f"{RESULTS}/keskar2017/{{network}}/{{run}}/seed{{seed}}/model.weights.h5",
    log:
        log_path("keskar2017/train_{network}_{run}_seed{seed}"),
    benchmark:
        benchmark_path("keskar2017_train/{network}_{run}_seed{seed}")
    params:
        settings=keskar2017_training_settings,
        run_dir=subpath(output.metrics, parent=True),
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.keskar2017 --config {CONFIG_FILE} train --network {wildcards.network}"
        " --run {wildcards.run} --seed {wildcards.seed} --output-dir {params.run_dir} > {log} 2>&1"


def keskar2017_sharpness() -> list[str]:
    return keskar2017_run_files(["SB", "LB"], KESKAR["seeds"], "sharpness.json")


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
        f"{RESULTS}/keskar2017/{{network}}/{{run}}/seed{{seed}}/sharpness.json",
    log:
        log_path("keskar2017/sharpness_{network}_{run}_seed{seed}"),
    benchmark:
        benchmark_path("keskar2017_sharpness/{network}_{run}_seed{seed}")
    params:
        settings=KESKAR["sharpness"],
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.keskar2017 --config {CONFIG_FILE} sharpness --network {wildcards.network}"
        " --run {wildcards.run} --seed {wildcards.seed} --output {output} > {log} 2>&1"


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
        sharpness=report(f"{REPORT}/tables/keskar2017_sharpness.csv", caption="captions/keskar2017_tables.rst", category="Keskar 2017", subcategory="tables"),
        distance=report(f"{REPORT}/tables/keskar2017_distance.csv", caption="captions/keskar2017_tables.rst", category="Keskar 2017", subcategory="tables"),
        rescaling=report(f"{REPORT}/tables/keskar2017_rescaling.csv", caption="captions/keskar2017_tables.rst", category="Keskar 2017", subcategory="tables"),
        figures=report(
            expand(f"{REPORT}/figures/keskar2017_parametric_{{network}}.png", network=list(KESKAR["networks"])),
            caption="captions/keskar2017_parametric.rst", category="Keskar 2017", subcategory="figures",
        ),
        svg=expand(f"{REPORT}/figures/keskar2017_parametric_{{network}}.svg", network=list(KESKAR["networks"])),
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
        " --distance-table {output.distance} --rescaling-table {output.rescaling}"
        " --figure-dir {params.figure_dir} > {log} 2>&1"


rule keskar2017_sweeps:
    input:
        keskar2017_sweep_files(),
    output:
        sweep=report(f"{REPORT}/tables/keskar2017_sweep.csv", caption="captions/keskar2017_tables.rst", category="Keskar 2017", subcategory="tables"),
        warm_start=report(f"{REPORT}/tables/keskar2017_warm_start.csv", caption="captions/keskar2017_tables.rst", category="Keskar 2017", subcategory="tables"),
        figures=report(
            expand(f"{REPORT}/figures/keskar2017_{{name}}.png", name=["sweep", "warm_start"]),
            caption="captions/keskar2017_sweeps.rst", category="Keskar 2017", subcategory="figures",
        ),
        svg=expand(f"{REPORT}/figures/keskar2017_{{name}}.svg", name=["sweep", "warm_start"]),
    log:
        log_path("keskar2017/sweeps"),
    benchmark:
        benchmark_path("keskar2017_sweeps")
    params:
        section=KESKAR,
        figure_dir=f"{REPORT}/figures",
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.keskar2017 --config {CONFIG_FILE} sweeps --sweep-table {output.sweep}"
        " --warm-start-table {output.warm_start} --figure-dir {params.figure_dir} > {log} 2>&1"


rule keskar2017_trajectory:
    input:
        keskar2017_metrics(),
    output:
        table=report(f"{REPORT}/tables/keskar2017_trajectory_{{network}}.csv", caption="captions/keskar2017_tables.rst", category="Keskar 2017", subcategory="tables"),
        figure=report(f"{REPORT}/figures/keskar2017_trajectory_{{network}}.png", caption="captions/keskar2017_trajectory.rst", category="Keskar 2017", subcategory="figures"),
        figure_svg=f"{REPORT}/figures/keskar2017_trajectory_{{network}}.svg",
    log:
        log_path("keskar2017/trajectory_{network}"),
    benchmark:
        benchmark_path("keskar2017_trajectory/{network}")
    params:
        settings=KESKAR["trajectory"],
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.keskar2017 --config {CONFIG_FILE} trajectory --network {wildcards.network}"
        " --output {output.table} --figure {output.figure} > {log} 2>&1"


rule keskar2017_table2:
    input:
        keskar2017_metrics(),
    output:
        table=report(f"{REPORT}/tables/keskar2017_table2.csv", caption="captions/keskar2017_tables.rst", category="Keskar 2017", subcategory="tables"),
        figure=report(f"{REPORT}/figures/keskar2017_table2.png", caption="captions/keskar2017_table2.rst", category="Keskar 2017", subcategory="figures"),
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
        keskar2017_sweep_files(),
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
        rules.keskar2017_sweeps.output,
        expand(rules.keskar2017_trajectory.output, network=list(KESKAR["networks"])),
        rules.keskar2017_claims.output,
