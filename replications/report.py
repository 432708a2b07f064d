"""Assemble every replication's claims, tables and benchmarks into reports/<scale>/.

  python -m replications.report --merged-config results/quick/config.resolved.yaml --config-source "config/base.yaml config/quick.yaml" \
      --claims CLAIMS.csv ... --engine-benchmark results/quick/benchmarks/engine.json \
      --rule-benchmarks results/quick/rule_benchmarks --output-dir reports/quick

The papers come from the config (`papers:`); each paper's package renders its own section.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import yaml

from replications.claims import CLAIM_COLUMNS, VERDICTS
from replications.config import REPO_ROOT, config_hash, read_yaml, validate_config
from replications.html import render_html
from replications.papers import configured_papers
from replications.provenance import device_description, git_commit, library_versions, rule_wall_times
from replications.report_tools import markdown_table


def verdict_table(claims: pd.DataFrame) -> str:
    shown = pd.DataFrame({
        "verdict": claims["verdict"].map(lambda verdict: f"**{verdict}**"),
        "paper": claims["paper"],
        "claim": claims["statement"],
        "paper's value": claims["paper_value"],
        "ours": claims["our_value"],
        "test": claims["test"],
        "statistic": claims["statistic"].map(_number),
        "p": claims["p_value"].map(_number),
        "CI": claims["ci"],
        "seeds": claims["n_seeds"],
        "why": claims["detail"],
    })  # fmt: skip
    return markdown_table(shown)


def _number(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.3g}"


def verdict_counts(claims: pd.DataFrame) -> str:
    counts = claims["verdict"].value_counts()
    return ", ".join(f"{counts.get(verdict, 0)} {verdict}" for verdict in VERDICTS)


def provenance(config: dict[str, Any], config_source: str, benchmark_dir: Path, repository: Path) -> tuple[str, float]:
    per_rule, elapsed = rule_wall_times(benchmark_dir)
    lines = [
        "## Provenance",
        "",
        f"- Commit: `{git_commit(repository)}`",
        f"- Config: `{config_source}` merged in this order (scale `{config['scale']}`, hash of the validated config "
        f"`{config_hash(config)}`; the merged config is printed below and written to `config.yaml`)",
        f"- Python {platform.python_version()}; {library_versions()}",
        f"- Device: {device_description()}",
        f"- Report written: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"- Wall time of the workflow: **{elapsed / 60:.1f} minutes** with at least one job running "
        f"({os.cpu_count()} cores; job-seconds summed per rule below)",
        "",
        markdown_table(per_rule),
        "",
    ]
    return "\n".join(lines), elapsed


def rule_times_markdown(benchmark_dir: Path) -> list[str]:
    per_rule, elapsed = rule_wall_times(benchmark_dir)
    return [
        "## Wall time of the replications",
        "",
        f"Job-seconds per Snakemake rule (from its `benchmark:` files; jobs run {os.cpu_count()} at a time here), "
        f"and {elapsed / 60:.1f} minutes of wall time with at least one job running.",
        "",
        markdown_table(per_rule),
        "",
    ]


def benchmarks_markdown(engine: dict[str, Any], report_dir: Path, benchmark_dir: Path, sections: list[ModuleType]) -> str:
    frame = pd.DataFrame(engine["results"])
    shown = pd.DataFrame({
        "batch size": frame["batch_size"],
        "reference (samples/s)": frame["reference_samples_per_second"].map("{:,.0f}".format),
        "engine (samples/s)": frame["engine_samples_per_second"].map("{:,.0f}".format),
        "engine / reference": frame["engine_ratio"].map("{:.2f}".format),
        "engine epoch incl. evaluation (samples/s)": frame["engine_with_evaluation_samples_per_second"].map("{:,.0f}".format),
        "incl. evaluation / reference": frame["engine_with_evaluation_ratio"].map("{:.2f}".format),
    })  # fmt: skip
    data = engine["data"]
    return "\n".join([
        "# Benchmarks",
        "",
        "## Training engine vs a minimal reference loop",
        "",
        f"Network: {engine['model']}; data: {data['name']} ({data['train_examples']} training examples, "
        f"{data['test_examples']} test examples); device: {device_description()}, {engine['threads']} TensorFlow thread(s). "
        "The reference runs a whole epoch inside one XLA-compiled `tf.function` (gather, forward, backward, Adam). "
        "'Engine' is the same epoch through `Trainer.run_epoch` (shuffling, schedule, remainder batch); "
        "'incl. evaluation' is a whole epoch of `train()`: training, full evaluation of the training and test sets, "
        "the history row and the checkpoint. One timed epoch after a warm-up epoch; target: engine ≥ 0.8 × reference.",
        "",
        markdown_table(shown),
        "",
        "Produced by `python -m replications.bench` (Snakemake rule `benchmark_engine`).",
        "",
        *[line for section in sections if hasattr(section, "speed_lines") for line in section.speed_lines(report_dir)],
        *rule_times_markdown(benchmark_dir),
    ])  # fmt: skip


def data_dictionary(sections: list[ModuleType]) -> list[str]:
    """What each column of each table under tables/ means, with its unit."""
    lines = ["## Data dictionary", "", "Every table is also a CSV under `tables/`; `claims.csv` has the verdict table's columns.", ""]
    for section in sections:
        for table, columns in section.TABLES.items():
            lines += [f"`{table}`", ""]
            lines += [f"- `{column}`: {meaning}" for column, meaning in columns.items()]
            lines += [""]
    return lines


def write_report(
    config: dict[str, Any],
    config_source: str,
    claim_files: list[str],
    engine_benchmark: str,
    rule_benchmarks: str,
    output_dir: str,
    repository: Path = REPO_ROOT,
) -> None:
    output_dir = Path(output_dir)
    sections = [paper.report_section() for paper in configured_papers(config)]
    claims = pd.concat([pd.read_csv(path) for path in claim_files], ignore_index=True)[CLAIM_COLUMNS]
    claims.to_csv(output_dir / "claims.csv", index=False)
    engine = json.loads(Path(engine_benchmark).read_text())
    (output_dir / "benchmarks.md").write_text(benchmarks_markdown(engine, output_dir, Path(rule_benchmarks), sections))
    config_text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    (output_dir / "config.yaml").write_text(config_text)
    provenance_text, _ = provenance(config, config_source, Path(rule_benchmarks), repository)
    parts = [
        f"# Batch size in neural-network training: replication report (`{config['scale']}` scale)",
        "",
        "Each claim of the papers gets a row: the paper's number, ours, the test, and a verdict computed from our runs "
        "by a rule fixed in the config before the runs. A claim that does not reproduce is a finding. "
        f"This report was produced at the **{config['scale']}** scale"
        + (": small offline networks and data sets on a CPU, not the papers' setups (deviations per section)."
           if config["scale"] != "paper" else ": the papers' networks and data sets."),
        "",
        f"## Verdicts ({verdict_counts(claims)})",
        "",
        verdict_table(claims),
        "",
        "Decision rules, fixed in the config before the runs:",
        "",
        *[f"- `{claim_id}`: {rule}" for claim_id, rule in zip(claims["claim_id"], claims["rule"])],
        "",
        "Data: `claims.csv`. Columns: paper, claim_id, statement, paper_value, our_value, test, statistic, "
        "p_value, ci (confidence interval of the effect), n_seeds, verdict, rule (the decision rule), detail (why).",
        "",
    ]
    parts += [section.render(config, output_dir) for section in sections]
    parts += ["## Speed", "", "See [benchmarks.md](benchmarks.md) for the training engine's throughput.", ""]
    parts += data_dictionary(sections)
    parts += [provenance_text, "### The merged config", "", "```yaml", config_text.rstrip(), "```", ""]
    (output_dir / "report.md").write_text("\n".join(parts))
    render_html(output_dir / "report.md", output_dir / "report.html")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Assemble the replication report")
    parser.add_argument("--merged-config", required=True, help="the complete config the workflow merged, read as it is")
    parser.add_argument("--config-source", help="the config files merged into it, in order (default: --merged-config)")
    parser.add_argument("--claims", nargs="+", required=True)
    parser.add_argument("--engine-benchmark", required=True)
    parser.add_argument("--rule-benchmarks", required=True)
    parser.add_argument("--output-dir", required=True)
    arguments = parser.parse_args(argv)
    config = validate_config(read_yaml(arguments.merged_config), source=arguments.merged_config)
    Path(arguments.output_dir).mkdir(parents=True, exist_ok=True)
    write_report(
        config, arguments.config_source or arguments.merged_config, arguments.claims,
        arguments.engine_benchmark, arguments.rule_benchmarks, arguments.output_dir,
    )  # fmt: skip


if __name__ == "__main__":
    main()
