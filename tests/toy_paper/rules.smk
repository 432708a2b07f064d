# The toy paper's rules: the same shape as every paper's (training jobs, one analysis job, a target rule).

from tests.toy_paper import layout as toy_layout

TOY = config[toy_layout.NAME]


rule toypaper_train:
    input:
        config=ancient(CONFIG_FILE),
    output:
        toy_layout.runs_file(RESULTS, "{batch}"),
    log:
        log_path("toypaper/train_batch{batch}"),
    benchmark:
        benchmark_path("toypaper_train/batch{batch}")
    wildcard_constraints:
        batch=r"[0-9]+",
    params:
        settings=TOY,
    shell:
        "{LAUNCH} tests.toy_paper --merged-config {input.config} train --batch {wildcards.batch} --output {output} > {log} 2>&1"


rule toypaper_analyse:
    input:
        config=ancient(CONFIG_FILE),
        rules_on_record=RULES_ON_RECORD["toypaper"],
        runs=[toy_layout.runs_file(RESULTS, size) for size in (TOY["small_batch"], TOY["large_batch"])],
    output:
        tables=report_tables(toy_layout, toy_layout.TABLES, "captions/toypaper.rst", "Toy paper"),
        **report_figures(toy_layout, toy_layout.FIGURES, "captions/toypaper.rst", "Toy paper"),
        claims=toy_layout.claims_file(RESULTS),
    log:
        log_path("toypaper/analyse"),
    benchmark:
        benchmark_path("toypaper_analyse")
    params:
        settings=TOY,
        verdicts=VERDICT_SETTINGS,
    shell:
        "{LAUNCH} tests.toy_paper --merged-config {input.config} analyse --table-dir {TABLE_DIR} --figure-dir {FIGURE_DIR}"
        " --claims {output.claims} > {log} 2>&1"


rule toypaper:
    input:
        rules.toypaper_analyse.output,
