# Speed of the training engine against a minimal reference loop.


rule benchmark_engine:
    output:
        f"{RESULTS}/benchmarks/engine.json",
    log:
        log_path("benchmarks/engine"),
    benchmark:
        benchmark_path("benchmark_engine")
    params:
        batch_sizes=config["benchmarks"]["batch_sizes"],
        samples=config["benchmarks"]["samples"],
    # All cores reserved so no training job runs beside the measurement.
    threads: WHOLE_MACHINE
    priority: WHOLE_MACHINE_FIRST
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.bench --batch-sizes {params.batch_sizes} --samples {params.samples}"
        " --json {output} > {log} 2>&1"
