# The final report: every replication's claims, tables and benchmarks in one place.


rule report:
    input:
        claims=[rules.keskar2017_claims.output[0], rules.smith2018_analyse.output.claims, rules.wilson2003_analyse.output.claims,
                rules.batchscience_analyse.output.claims],
        tables=[rules.keskar2017_table2.output.table, rules.keskar2017_minima.output.sharpness],
        figures=[rules.keskar2017_table2.output.figure, rules.keskar2017_sweeps.output.figures],
        wilson2003=rules.wilson2003_analyse.output.tables,
        smith2018=rules.smith2018_analyse.output.tables,
        batchscience=rules.batchscience_analyse.output.tables,
        trajectories=expand(rules.keskar2017_trajectory.output.table, network=list(KESKAR["networks"])),
        engine=rules.benchmark_engine.output[0],
    output:
        report=f"{REPORT}/report.md",
        html=report(f"{REPORT}/report.html", caption="captions/report.rst", category="Report"),
        claims=report(f"{REPORT}/claims.csv", caption="captions/report.rst", category="Report"),
        benchmarks=f"{REPORT}/benchmarks.md",
    log:
        log_path("report"),
    benchmark:
        benchmark_path("report")
    conda:
        CONDA_ENV
    shell:
        "{PYTHON} -m replications.report --config {CONFIG_FILE} --config-source {CONFIG_SOURCE}"
        " --claims {input.claims} --engine-benchmark {input.engine}"
        " --rule-benchmarks {RESULTS}/rule_benchmarks --output-dir {REPORT} > {log} 2>&1"
