# Keskar et al. 2017: SB vs LB training (Table 2).

KESKAR = config["keskar2017"]


def keskar2017_metrics() -> list[str]:
    return expand(
        f"{RESULTS}/keskar2017/{{network}}/{{regime}}/seed{{seed}}/metrics.json",
        network=list(KESKAR["networks"]),
        regime=["SB", "LB"],
        seed=KESKAR["seeds"],
    )


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
        section=KESKAR,
        run_dir=subpath(output.metrics, parent=True),
    threads: THREADS
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.keskar2017 --config {CONFIG_FILE} train --network {wildcards.network}"
        " --regime {wildcards.regime} --seed {wildcards.seed} --output-dir {params.run_dir} > {log} 2>&1"


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
        rules.keskar2017_claims.output,
