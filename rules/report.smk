# The final report: the claims, tables and figures of every paper of the config, and the benchmarks.


def claims_of_papers(stage) -> list[str]:
    """Every paper's claim tables in a stage, in the config's order of papers."""
    return [path for paper in stage.papers for path in paper.claims_files(stage.config)]


def stage_claims(name: str) -> list[str]:
    """The claim tables of the stage `name` (confirmatory, perturbed); none if the config plans no such stage."""
    return [path for stage in STAGES if stage.label == name for path in claims_of_papers(stage)]


def outputs_of_papers(stage_names: tuple[str, ...]) -> list:
    """What each paper's target rule asks for, in the stages named: every table and figure its report section reads."""
    return [getattr(rules, f"{stage.prefix}{paper.name}").input for stage in STAGES if stage.label in stage_names for paper in stage.papers]


def perturbed_claims_if_made() -> list[str]:
    """The perturbed stage's claims once `snakemake perturbed` has made them: a target of its own (it would take the
    quick scale past its time budget), which the report then shows, and keeps up to date."""
    paths = stage_claims(PERTURBED)
    return paths if paths and all(os.path.exists(path) for path in paths) else []


def stage_options(wildcards, input) -> str:
    options = {"--confirmatory-claims": input.confirmatory, "--perturbed-claims": input.perturbed}
    return " ".join(f"{option} {' '.join(paths)}" for option, paths in options.items() if paths)


def engine_benchmark_if_made() -> list:
    """The engine benchmark's result once `snakemake benchmark_engine` has made it: a development benchmark, not part
    of `all` (it reserves the whole machine for a minute), which the report shows when it is there."""
    path = rules.benchmark_engine.output[0]
    return [ancient(path)] if os.path.exists(path) else []


def engine_benchmark_option(wildcards, input) -> str:
    return f"--engine-benchmark {input.engine}" if input.engine else ""


rule report:
    input:
        config=ancient(CONFIG_FILE),
        claims=claims_of_papers(STAGES[0]),
        confirmatory=stage_claims(CONFIRMATORY),
        perturbed=perturbed_claims_if_made(),
        papers=outputs_of_papers(("exploratory", CONFIRMATORY)),
        engine=engine_benchmark_if_made(),
        amendments=AMENDMENTS_FILE,
        baseline=config["benchmarks"].get("baseline") or [],  # job-seconds of an earlier run, for benchmarks.md
    output:
        report=f"{REPORT}/report.md",
        html=report(f"{REPORT}/report.html", caption="captions/report.rst", category="Report"),
        claims=report(f"{REPORT}/claims.csv", caption="captions/report.rst", category="Report"),
        benchmarks=f"{REPORT}/benchmarks.md",
        config=f"{REPORT}/config.yaml",
        forest_plots=[f"{FIGURE_DIR}/forest_{paper.name}.png" for paper in PAPERS],
    log:
        log_path("report"),
    benchmark:
        benchmark_path("report")
    params:
        engine=engine_benchmark_option,
        stages=stage_options,
    conda:
        CONDA_ENV
    shell:
        "{LAUNCH} replications.report --merged-config {input.config} --config-source '{CONFIG_SOURCES}'"
        " --claims {input.claims} {params.stages} {params.engine} --amendments {input.amendments}"
        " --rule-benchmarks {RESULTS}/rule_benchmarks --output-dir {REPORT} > {log} 2>&1"


rule perturbed:
    """The confirmatory runs again with every initial weight one ulp up (replications/stages.py); then
    `snakemake report` shows how many verdicts moved."""
    input:
        stage_claims(PERTURBED),
        outputs_of_papers((PERTURBED,)),
