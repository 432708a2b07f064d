"""Assemble every replication's claims, tables and benchmarks into reports/<scale>/.

  python -m replications.report --merged-config results/quick/config.resolved.yaml --config-source "config/base.yaml config/quick.yaml" \
      --claims CLAIMS.csv ... --engine-benchmark results/quick/benchmarks/engine.json \
      --rule-benchmarks results/quick/rule_benchmarks --output-dir reports/quick

The papers come from the config (`papers:`); each paper's package renders its own section.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import re
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import yaml

from replications import job_clock
from replications.amendments import AMENDMENTS_FILE, amendments_markdown, load_amendments
from replications.claims import (
    CLAIM_COLUMN_MEANINGS,
    CLAIM_COLUMNS,
    DIRECTION_ONLY,
    INCONCLUSIVE,
    NO_FINDING,
    NOT_A_CLAIM,
    NOT_MEASURED,
    NOT_REPRODUCED,
    OPPOSITE,
    REPRODUCED,
    SIZE_CONSISTENT,
    VERDICTS,
    ClaimRow,
)
from replications.config import REPO_ROOT, config_hash, read_yaml, validate_config
from replications.html import render_html
from replications.instruction_set import describe as describe_instruction_set
from replications.papers import configured_papers
from replications.plots import forest_plot
from replications.provenance import (
    JOB_RECORD_NAME,
    PROFILE_PHASES,
    baseline_comparison,
    device_description,
    git_commit,
    job_overheads,
    job_profile,
    jobs_by_device,
    jobs_by_instruction_set,
    library_versions,
    rule_wall_times,
)
from replications.report_tools import markdown_table, render_template
from replications.stages import CONFIRMATORY, PERTURBED, confirmatory_config, perturbed_config

# The report's claims.csv: each cell's confirmatory run, and that run with its initial weights perturbed, beside it
# (replications/stages.py; empty without them).
STAGE_RUNS = {
    CONFIRMATORY: "the confirmatory run (fresh seeds, the same frozen rule)",
    PERTURBED: "the confirmatory run with every initial weight one ulp up (`snakemake perturbed`)",
}
STAGE_COLUMNS = {"verdict": "the cell's verdict in {run}; empty if it had none", "family_verdict": "the family's verdict in {run}",
                 "effect": "the cell's effect in {run}, in effect_unit", "n_seeds": "the seeds of {run}",
                 "stability": "the stability of the verdict in {run} under resampling its seeds"}
STAGE_MEANINGS = {f"{stage}_{column}": meaning.format(run=run) for stage, run in STAGE_RUNS.items() for column, meaning in STAGE_COLUMNS.items()}
SYMBOLS = {REPRODUCED: "✓", NOT_REPRODUCED: "✗", INCONCLUSIVE: "?", NOT_MEASURED: "○", NOT_A_CLAIM: "–"}
CELLS_HEADER = "cells (✓ reproduced, ✗ not, ? inconclusive, ○ not measured, – not a claim)"


def _number(value: float, digits: int = 3) -> str:
    return "-" if pd.isna(value) else f"{value:.{digits}g}"


def _text(value) -> str:
    return value if isinstance(value, str) else ""  # an empty text column reads back from a CSV as NaN


def _marks(row) -> str:
    marks = (["post hoc"] if row.post_hoc else []) + (["fragile"] if row.fragile else [])
    if _text(row.amended):
        marks.append(f"amended after results ({_text(row.amended)})")
    if _text(getattr(row, "consistency", "")):
        marks.append(f"vs the paper's effect: {_text(row.consistency)}")
    if _text(row.inconclusive_kind):
        marks.append(row.inconclusive_kind)
    if _text(row.validity_check):  # the check itself is in the details; here only whether it passed
        marks.append("validity passed" if row.validity == "passed" else f"validity failed: {row.validity}")
    return ", ".join(marks)


def _family_marks(family) -> str:
    marks = [(f"vs the paper's effect: {family.consistency}", family.consistency),
             (f"amended after results ({family.amended})", family.amended), ("post hoc", family.post_hoc),
             (f"{family.fragile} fragile cell(s)", family.fragile),
             (f"{family.not_measured} cell(s) not measured", family.not_measured),
             ("⚑ the confirmatory verdict differs", family.confirmatory and family.confirmatory != family.verdict)]
    return ", ".join(mark for mark, present in marks if present)


def families(claims: pd.DataFrame) -> pd.DataFrame:
    """One row per claim family: its verdict, its cells, whether any cell is post hoc, and how many are fragile or not measured."""
    rows = []
    for (paper, family), cells in claims.groupby(["paper", "family"], sort=False):
        rows.append({
            "paper": paper, "family": family, "verdict": cells["family_verdict"].iloc[0],
            "statement": family_statement(cells["statement"]),
            "cells": " ".join(f"{SYMBOLS[verdict]} {claim_id}" for claim_id, verdict in zip(cells["claim_id"], cells["verdict"])),
            "post_hoc": bool(cells["post_hoc"].any()), "fragile": int(cells["fragile"].sum()),
            "amended": _text(cells["amended"].iloc[0]) if "amended" in cells else "",
            "consistency": family_consistency(cells.get("consistency", [])),
            "not_measured": int((cells["verdict"] == NOT_MEASURED).sum()),
            "confirmatory": _text(cells["confirmatory_family_verdict"].iloc[0]) if "confirmatory_family_verdict" in cells else "",
        })
    return pd.DataFrame(rows)


def family_statement(statements: pd.Series) -> str:
    """A family's claim in plain words: its first cell's statement, without the setting ("F1: ") where its cells'
    settings differ, and without a source in brackets at the end ("(Table 3, ...)") where it has several cells."""
    text = str(statements.iloc[0])
    if len(statements) == 1:
        return text
    settings = {match.group(0) if (match := re.match(r"^[\w.-]+: ", str(statement))) else "" for statement in statements}
    if len(settings) > 1:
        text = re.sub(r"^[\w.-]+: ", "", text)
    return re.sub(r" \([^()]*\)$", "", text)


def first_screen(claims: pd.DataFrame) -> list[str]:
    """One sentence per paper, from its claims alone: its families by verdict, each with our effect beside the paper's
    where the paper gives one on our scale (the first measured cell that compares)."""
    lines = []
    table = families(claims)
    for paper, group in table.groupby("paper", sort=False):
        parts = []
        for verdict in VERDICTS:
            chosen = group[group["verdict"] == verdict]
            if len(chosen):
                named = "; ".join(_family_with_numbers(family, claims[(claims["paper"] == paper) & (claims["family"] == family.family)])
                                  for family in chosen.itertuples())
                parts.append(f"{SYMBOLS[verdict]} {verdict}: {named}")
        lines += [f"- **{paper}** ({len(group)} claims). " + ". ".join(parts) + "."]
    return lines


def _family_with_numbers(family, cells: pd.DataFrame) -> str:
    compared = cells[~cells["verdict"].isin(NO_FINDING) & cells["paper_effect"].notna() & cells["effect"].notna()]
    if compared.empty:
        return family.statement
    cell = compared.iloc[0]
    unit = _text(cell["effect_unit"])
    return (f"{family.statement} (`{cell['claim_id']}`: ours {_number(cell['effect'])}, paper {_number(cell['paper_effect'])}"
            f"{' ' + unit if unit else ''}{'; ' + _text(cell['consistency']) if _text(cell['consistency']) else ''})")


def family_consistency(cells: Iterable[Any]) -> str:
    """A family's effect beside the paper's, over its cells that compare (claims.consistency): size consistent if every
    one is, direction only if every one has at least the paper's sign, else mixed; '' if no cell compares."""
    readings = [_text(value) for value in cells if _text(value)]
    if not readings:
        return ""
    if all(reading == SIZE_CONSISTENT for reading in readings):
        return SIZE_CONSISTENT
    if all(reading == SIZE_CONSISTENT or reading.startswith(DIRECTION_ONLY) for reading in readings):
        return DIRECTION_ONLY
    return "mixed" if any(reading != OPPOSITE for reading in readings) else OPPOSITE


def verdict_counts(claims: pd.DataFrame) -> str:
    """Counts of claim families, then of cells (not measured ones counted apart, last); post-hoc ones apart from the
    rest; then how the families' effects compare with the papers' in size."""
    table = families(claims)
    compared = table.loc[table["consistency"] != "", "consistency"].value_counts()
    sizes = ", ".join(f"{compared.get(kind, 0)} {kind}" for kind in (SIZE_CONSISTENT, DIRECTION_ONLY, "mixed", OPPOSITE))
    return (f"{_counts(table, 'claim families')}; {_counts(claims, 'cells')}; against the paper's effect, of "
            f"{int(compared.sum())} families that give one on our scale: {sizes}")


def _counts(rows: pd.DataFrame, noun: str) -> str:
    """'n noun: k reproduced, k not reproduced, k inconclusive, k not measured[; k post hoc (...)]' of `rows`' verdicts."""
    post_hoc = rows["post_hoc"].astype(bool)
    counted = rows[~post_hoc]["verdict"].value_counts()
    shown = [verdict for verdict in VERDICTS if verdict != NOT_A_CLAIM or counted.get(verdict, 0)]  # "not a claim" only where some are
    text = ", ".join(f"{counted.get(verdict, 0)} {verdict}" for verdict in shown)
    if post_hoc.any():
        text += f"; {int(post_hoc.sum())} post hoc (" + ", ".join(f"{n} {v}" for v, n in rows[post_hoc]["verdict"].value_counts().items()) + ")"
    return f"{len(rows)} {noun}: {text}"


def summary_markdown(claims: pd.DataFrame, sections: dict[str, str], report_dir: Path) -> list[str]:
    """Per paper: its claim families with their verdicts, then the forest plot of its cells (`sections`: paper -> its config section)."""
    lines = []
    table = families(claims)
    for paper, group in table.groupby("paper", sort=False):
        shown = pd.DataFrame({
            "verdict": group["verdict"].map(lambda verdict: f"**{verdict}**"),
            **({"confirmatory": group["confirmatory"].replace("", "-")} if group["confirmatory"].any() else {}),
            "claim": group["statement"],
            CELLS_HEADER: group["cells"],
            "marks": [_family_marks(family) for family in group.itertuples()],
        })
        figure = f"figures/forest_{sections[paper]}.png"
        forest_plot(claims[claims["paper"] == paper], paper, report_dir / figure)
        lines += [f"### {paper}", "", markdown_table(shown), "", f"![Forest plot of {paper}'s claims]({figure})", ""]
    return lines


def verdict_table(claims: pd.DataFrame) -> str:
    """Every cell, narrow enough for a page: the test's details follow in a list."""
    shown = pd.DataFrame({
        "verdict": claims["verdict"].map(lambda verdict: f"**{verdict}**"),
        "claim": [f"{statement} (`{claim_id}`)" for statement, claim_id in zip(claims["statement"], claims["claim_id"])],
        "paper's value": claims["paper_value"],
        "ours": claims["our_value"],
        "effect [CI]": [
            "-" if pd.isna(effect) else f"{_number(effect)} [{_number(low)}, {_number(high)}] {unit if isinstance(unit, str) else ''}".strip()
            for effect, low, high, unit in zip(claims["effect"], claims["effect_low"], claims["effect_high"], claims["effect_unit"])
        ],
        "MDE": claims["mde"].map(_number),
        "stability": claims["stability"].map(_percent),
        "marks": [_marks(row) for row in claims.itertuples()],
    })
    return markdown_table(shown)


def details_markdown(claims: pd.DataFrame) -> list[str]:
    """Per cell: the test, its numbers, the rule and why the verdict follows."""
    lines = []
    for row in claims.itertuples():
        needed = f"; seeds needed for the paper's effect (or the threshold): {int(row.n_needed)}" if pd.notna(row.n_needed) else ""
        validity = f" Validity: {row.validity_check}: {row.validity}." if _text(row.validity_check) else ""
        lines.append(
            f"- `{row.claim_id}` ({row.family}): {row.test}. Statistic {_number(row.statistic)}, p {_number(row.p_value)}, "
            f"Holm p {_number(row.p_holm)}, n = {row.n_seeds}{needed}. Rule: {row.rule}.{validity} Why: {row.detail}."
        )
    return lines


def provenance(config: dict[str, Any], config_source: str, benchmark_dir: Path, repository: Path,
               rule_times: tuple[pd.DataFrame, float]) -> str:
    per_rule, elapsed = rule_times
    lines = [
        "## Provenance",
        "",
        f"- Commit: `{git_commit(repository)}`",
        f"- Config: `{config_source}` merged in this order (scale `{config['scale']}`, hash of the validated config "
        f"`{config_hash(config)}`; the merged config is printed below and written to `config.yaml`)",
        f"- Python {platform.python_version()}; {library_versions()}",
        f"- Device of this report: {device_description()}",
        f"- Devices of the jobs (node: GPUs, or CPU): {jobs_by_device(benchmark_dir)}",
        f"- Instruction set (config `runtime.instruction_set: {config['runtime']['instruction_set']}`): "
        f"{describe_instruction_set(os.environ)}; {jobs_by_instruction_set(benchmark_dir)}",
        f"- Checkpoints of the training runs: {checkpoint_policy(config['runtime']['checkpoint_seconds'])}",
        f"- Report written: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}",
        f"- Wall time of the workflow: **{elapsed / 60:.1f} minutes** with at least one job running "
        f"({os.cpu_count()} cores; job-seconds summed per rule below)",
        "",
        markdown_table(rule_seconds_table(per_rule)),
        "",
    ]
    return "\n".join(lines)


def checkpoint_policy(seconds: float) -> str:
    if not seconds:
        return "after every epoch (`runtime.checkpoint_seconds: 0`)"
    return (f"at most every {seconds:g} s (`runtime.checkpoint_seconds`): a killed job repeats at most that much work, or "
            "one epoch; the numbers are the same either way")


def rules_hashes(claims: pd.DataFrame) -> str:
    """The hash of the rules each paper's verdicts were computed under (config `verdicts` and the paper's `claims`)."""
    return "; ".join(f"{paper} `{group['rules_hash'].iloc[0]}`" for paper, group in claims.groupby("paper", sort=False))


def rule_seconds_table(per_rule: pd.DataFrame) -> pd.DataFrame:
    return per_rule.assign(seconds=per_rule["seconds"].map("{:.1f}".format)).rename(columns={"seconds": "wall seconds"})


def baseline_markdown(baseline_file: str | None, per_rule: pd.DataFrame) -> list[str]:
    """This run's job-seconds per rule beside a baseline run's (config `benchmarks.baseline`), and the ratio."""
    if not baseline_file:
        return []
    baseline = json.loads(Path(baseline_file).read_text())
    frame, ratio = baseline_comparison(baseline, per_rule)
    both, new = frame["ratio"].notna(), frame["before"].isna()
    shown = pd.DataFrame({
        "rule": frame["rule"], "before (job-seconds)": frame["before"].map("{:.1f}".format).replace("nan", "-"),
        "after (job-seconds)": frame["after"].map("{:.1f}".format).replace("nan", "-"),
        "after / before": frame["ratio"].map("{:.2f}".format).replace("nan", "-"),
    })
    note = f" {baseline['note']}" if baseline.get("note") else ""
    return [
        "## Job-seconds against the baseline",
        "",
        f"Before: `{baseline_file}`, commit `{baseline['commit']}` on {baseline['device']} ({baseline['date']}; "
        f"{baseline['elapsed_seconds'] / 60:.1f} minutes).{note} After: this report's run. Speed compares only on one machine "
        f"in one session: the ratio means what it says only where both runs shared them. **Job-seconds of the rules both "
        f"runs measured, after / before: {ratio:.2f}** ({frame.loc[both, 'after'].sum():,.0f} / {frame.loc[both, 'before'].sum():,.0f}); "
        f"rules new since the baseline (the confirmatory stage's): {frame.loc[new, 'after'].sum():,.0f} job-seconds more.",
        "",
        markdown_table(shown),
        "",
    ]


def rule_times_markdown(benchmark_dir: Path, rule_times: tuple[pd.DataFrame, float]) -> list[str]:
    per_rule, elapsed = rule_times
    per_step, overhead_share = job_overheads(benchmark_dir)
    return [
        "## Wall time of the replications",
        "",
        f"Job-seconds per Snakemake rule (from its `benchmark:` files; jobs run {os.cpu_count()} at a time here), "
        f"and {elapsed / 60:.1f} minutes of wall time with at least one job of the suite running (`benchmark_engine` and "
        f"the `perturbed` stage, targets of their own, left out).",
        "",
        markdown_table(rule_seconds_table(per_rule)),
        "",
        *profile_markdown(benchmark_dir),
        "## Start-up overhead per job",
        "",
        f"Overhead: the seconds from a job's process start to its first update, evaluation or loss evaluation "
        f"(process start, imports, config, data, model, Python tracing; XLA's compilation happens inside the first call "
        f"and counts as work); for analysis steps, to the moment their config is loaded. Measured by each job "
        f"(`replications/job_clock.py`, recorded in `{JOB_RECORD_NAME}`); **{overhead_share:.1%} of all job-seconds**.",
        "",
        markdown_table(per_step),
        "",
    ]


def profile_markdown(benchmark_dir: Path) -> list[str]:
    """Where the job-seconds go, per step and phase (`provenance.job_profile`), with each phase's share of the total."""
    profile = job_profile(benchmark_dir)
    if profile is None:
        return []
    phases = [column for column in profile.columns if column not in ("step", "jobs", "job_seconds")]
    total = profile[["jobs", "job_seconds", *phases]].sum()
    shown = pd.concat([profile, total.to_frame().T.assign(step="**all**")], ignore_index=True)
    table = pd.DataFrame({"step": shown["step"], "jobs": shown["jobs"].astype(int), "job-seconds": shown["job_seconds"].map("{:.1f}".format)})
    for phase in phases:
        table[phase] = shown[phase].map(lambda seconds: f"{seconds:.1f}" if abs(seconds) >= 0.05 else "")
    shares = ", ".join(f"{phase} {total[phase] / total['job_seconds']:.1%}" for phase in sorted(phases, key=lambda name: -total[name]))
    meanings = "; ".join(f"*{phase}*: {PROFILE_PHASES.get(phase, 'what no phase claimed: Python glue, tables, analysis')}"
                         for phase in phases)
    return [
        "## Where the job-seconds go",
        "",
        f"Seconds per step and phase, summed over the jobs, as each job measured them (`replications/job_clock.py`; a phase "
        f"inside another counts to the inner one). Share of all job-seconds: {shares}. Phases: {meanings}.",
        "",
        markdown_table(table),
        "",
    ]


def benchmarks_markdown(engine: dict[str, Any] | None, report_dir: Path, benchmark_dir: Path, sections: list[ModuleType],
                        rule_times: tuple[pd.DataFrame, float], baseline_file: str | None = None) -> str:
    """The engine benchmark (if `snakemake benchmark_engine` made it), each paper's speed lines, the rule times
    (`provenance.rule_wall_times`) and, with a baseline, the rule times against it."""
    return "\n".join([
        "# Benchmarks",
        "",
        *(engine_benchmark_lines(engine) if engine is not None else [
            "## Training engine vs a minimal reference loop", "",
            "Not measured with this report: the engine benchmark is a development target, not part of `all`. "
            "`snakemake benchmark_engine --cores all`, then `snakemake report --cores all`, adds it here.", "",
        ]),
        *[line for section in sections if hasattr(section, "speed_lines") for line in section.speed_lines(report_dir)],
        *rule_times_markdown(benchmark_dir, rule_times),
        *baseline_markdown(baseline_file, rule_times[0]),
    ])


def engine_benchmark_lines(engine: dict[str, Any]) -> list[str]:
    frame = pd.DataFrame(engine["results"])
    shown = pd.DataFrame({
        "batch size": frame["batch_size"],
        "reference (samples/s)": frame["reference_samples_per_second"].map("{:,.0f}".format),
        "engine (samples/s)": frame["engine_samples_per_second"].map("{:,.0f}".format),
        "engine / reference": frame["engine_ratio"].map("{:.2f}".format),
        "engine epoch incl. evaluation (samples/s)": frame["engine_with_evaluation_samples_per_second"].map("{:,.0f}".format),
        "incl. evaluation / reference": frame["engine_with_evaluation_ratio"].map("{:.2f}".format),
        "incl. test-set evaluation only / reference": frame["engine_with_test_evaluation_ratio"].map("{:.2f}".format),
    })
    data = engine["data"]
    return [
        "## Training engine vs a minimal reference loop",
        "",
        f"Network: {engine['model']}; data: {data['name']} ({data['train_examples']} training examples, "
        f"{data['test_examples']} test examples); device: {device_description()}, {engine['threads']} TensorFlow thread(s). "
        "The reference runs a whole epoch inside one XLA-compiled `tf.function` (gather, forward, backward, Adam). "
        "'Engine' is the same epoch through `Trainer.run_epoch` (shuffling, schedule, remainder batch); "
        "'incl. evaluation' is a whole epoch of `train()`: training, full evaluation of the training and test sets, "
        "the history row and the checkpoint; 'test-set evaluation only' evaluates the training set after the last epoch "
        "only, as the Wilson & Martinez runs do (no claim or figure of theirs reads the per-epoch training-set numbers; "
        "every other paper evaluates both sets after every epoch, for its curves). Loop: one timed epoch after a warm-up "
        "epoch; whole epochs: the median of epochs 2-3 of a 4-epoch run. Target: ≥ 0.8 × reference.",
        "",
        markdown_table(shown),
        "",
        "Produced by `python -m replications.bench` (Snakemake rule `benchmark_engine`, not part of `all`).",
        "",
    ]


def operating_markdown(claims: pd.DataFrame, output_dir: Path) -> list[str]:
    """The methods table: each family rule's error rates and power under the suite's n (`replications.operating`),
    also written to tables/operating_characteristics.csv."""
    from replications.operating import characteristics_table

    table = characteristics_table(claims)
    (output_dir / "tables").mkdir(parents=True, exist_ok=True)
    table.to_csv(output_dir / "tables" / "operating_characteristics.csv", index=False)
    shown = pd.DataFrame({
        "paper": table["paper"], "family": table["family"], "decidable cells": table["decidable_cells"], "forms": table["forms"],
        "false ✗ at the boundary": table["false_not_reproduced_at_boundary"],
        "false ✓ at no effect": table["false_reproduced_at_no_effect"],
        "power at the paper's effect": [
            "-" if pd.isna(low) else f"{low:.2f}-{high:.2f}" for low, high in zip(table["power_low"], table["power_high"])
        ],
        "seeds needed (largest cell)": table["seeds_needed"].map(lambda value: "-" if pd.isna(value) else f"{value:.0f}"),
    })
    return [
        "## How the verdicts are made: each family rule's operating characteristics",
        "",
        "False ✗ at the boundary: the chance the family reads \"not reproduced\" where the claim holds at its smallest "
        "effect that counts in every cell; false ✓ at no effect: the chance it reads \"reproduced\" where the claim fails "
        "in some cell. Both are bounds that hold under any dependence between cells (Holm; intersection-union), where "
        "every decidable cell has a test with a sampling model; a fixed rule (e.g. throughput's slopes, with its sweeps' "
        "agreement as its check) has none, and the table says so. Power at the paper's effect: the chance every "
        "decidable cell reads ✓ if each cell's truth is the paper's claimed value (its effect, or the centre of an "
        "equivalence margin or band), with each cell's spread at its upper 80% confidence limit: between the "
        "Bonferroni bound and the weakest cell's power ('-' where some cell has no paper effect on our scale or no "
        "sampling model). Seeds needed: the largest cell's seeds for 80% power at the paper's effect (else its "
        "threshold). `tests/test_operating.py` simulates the rules with correlated cells and checks these numbers. "
        "Table: `tables/operating_characteristics.csv`.",
        "",
        markdown_table(shown),
        "",
    ]


def data_dictionary(sections: list[ModuleType]) -> list[str]:
    """What each column of each table under tables/ means, with its unit."""
    lines = ["## Data dictionary", "", "Every table is also a CSV under `tables/`.", "", "`claims.csv`", ""]
    meanings = {**CLAIM_COLUMN_MEANINGS, **STAGE_MEANINGS}
    lines += [f"- `{column}`: {meaning}" for column, meaning in meanings.items()] + [""]
    from replications.operating import COLUMNS as OPERATING_COLUMNS

    lines += ["`operating_characteristics`", ""] + [f"- `{column}`: {meaning}" for column, meaning in OPERATING_COLUMNS.items()] + [""]
    for section in sections:
        for table, columns in section.TABLES.items():
            lines += [f"`{table}`", ""]
            lines += [f"- `{column}`: {meaning}" for column, meaning in columns.items()]
            lines += [""]
    return lines


def read_claims(claim_files: list[str], papers: list, config: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every paper's claim rows in one frame (text columns as text), and the report section each paper's rows are in."""
    frames = [pd.read_csv(path) for path in claim_files]
    section_of = {path: paper.name for paper in papers for path in paper.claims_files(config)}
    paper_sections = {name: section_of.get(path, "other") for path, frame in zip(claim_files, frames) for name in frame["paper"]}
    claims = pd.concat(frames, ignore_index=True)[CLAIM_COLUMNS]
    text = [field.name for field in dataclasses.fields(ClaimRow) if field.type == "str"]
    claims[text] = claims[text].fillna("").astype(str)  # empty strings read back as NaN
    return claims, paper_sections


def with_stage(claims: pd.DataFrame, stage: str, cells: pd.DataFrame | None) -> pd.DataFrame:
    """`claims` with each cell's verdict, family verdict, effect, seeds and stability in the stage's run beside it
    (columns `<stage>_...`; empty where the cell had no such run)."""
    if cells is None:
        cells = pd.DataFrame(columns=["claim_id", *STAGE_COLUMNS])
    result = claims.join(cells.set_index("claim_id")[list(STAGE_COLUMNS)].add_prefix(f"{stage}_"), on="claim_id")
    text = [f"{stage}_verdict", f"{stage}_family_verdict"]
    result[text] = result[text].fillna("").astype(str)
    return result


def with_confirmatory(claims: pd.DataFrame, confirmatory: pd.DataFrame | None, perturbed: pd.DataFrame | None = None) -> pd.DataFrame:
    return with_stage(with_stage(claims, CONFIRMATORY, confirmatory), PERTURBED, perturbed)


def confirmatory_markdown(claims: pd.DataFrame, plan: dict[str, Any]) -> list[str]:
    """The confirmatory run: its plan (as the config wrote it before the runs), and every family and cell whose
    confirmatory verdict differs from the exploratory one, flagged and left as they are."""
    lines = ["## Confirmatory run (Stage 2)", ""]
    if not plan:
        return lines + ["No confirmatory run in this config (`confirmatory:` is empty).", ""]
    table = families(claims)
    run = table[table["confirmatory"] != ""]
    differ = run[run["confirmatory"] != run["verdict"]]
    papers = "; ".join(f"`{paper}`: " + ", ".join(f"{key} {value}" for key, value in overlay.items()) for paper, overlay in plan.items())
    lines += [
        "Adding seeds to cells already seen is optional stopping; instead the config fixed, before these runs, which papers "
        "run again on seeds no exploratory run used, and how many (the exploratory cells' `n_needed`, capped by the "
        f"budget: `python -m replications.stages`): {papers}. The claim rules are the exploratory run's, unchanged "
        "(the same rules hash). Its tables and figures are under `confirmatory/`.", "",
        f"{len(run)} of {len(table)} families ran again: {len(run) - len(differ)} with the same verdict, {len(differ)} "
        "with another (flagged ⚑ in the summary; neither verdict is preferred, nor reconciled by hand). The families of "
        f"papers the plan leaves out ({len(table) - len(run)}) had no confirmatory run within this scale's budget.", "",
    ]
    if len(differ):
        shown = pd.DataFrame({"paper": differ["paper"], "family": differ["family"], "exploratory": differ["verdict"],
                              "confirmatory": differ["confirmatory"]})
        lines += [markdown_table(shown), ""]
    cells = claims[(claims["confirmatory_verdict"] != "") & (claims["confirmatory_verdict"] != claims["verdict"])]
    if len(cells):
        lines += ["Cells whose verdict differs (stability under seed resampling in brackets):", "", _changed_cells(cells, "", CONFIRMATORY), ""]
    return lines + perturbation_markdown(claims)


def perturbation_markdown(claims: pd.DataFrame) -> list[str]:
    """How many confirmatory verdicts moved when every initial weight moved one ulp (the `perturbed` stage)."""
    ran = claims[claims[f"{PERTURBED}_verdict"] != ""]
    if not len(ran):
        return ["The machine as a source of variance: not measured with this report. `snakemake perturbed --cores all`, then "
                "`snakemake report --cores all`, runs the confirmatory cells again with every initial weight one ulp up (a "
                "perturbation the size of another CPU's rounding; outside the quick scale's time budget) and counts here "
                "the verdicts it moves.", ""]
    moved = ran[ran[f"{PERTURBED}_verdict"] != ran[f"{CONFIRMATORY}_verdict"]]
    families_run = ran.groupby("family", sort=False)[[f"{CONFIRMATORY}_family_verdict", f"{PERTURBED}_family_verdict"]].first()
    moved_families = (families_run.iloc[:, 0] != families_run.iloc[:, 1]).sum()
    lines = ["The machine as a source of variance: the confirmatory runs again with every initial weight one ulp up "
             "(`snakemake perturbed`; a perturbation the size of another CPU's rounding, which the seed resampling behind "
             f"the stability score does not see) moved {len(moved)} of {len(ran)} cells' verdicts and {moved_families} of "
             f"{len(families_run)} families'.", ""]
    if len(moved):
        lines += [_changed_cells(moved, f"{CONFIRMATORY}_", PERTURBED), ""]
    return lines


def _changed_cells(cells: pd.DataFrame, before: str, after: str) -> str:
    """Each cell's verdict before and after, with its stability under seed resampling."""
    def shown(prefix: str) -> list[str]:
        return [f"{verdict} ({_percent(value)})" for verdict, value in zip(cells[f"{prefix}verdict"], cells[f"{prefix}stability"])]

    return markdown_table(pd.DataFrame({"cell": cells["claim_id"], before.rstrip("_") or "exploratory": shown(before),
                                        after: shown(f"{after}_")}))


def _percent(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.0%}"


def write_report(
    config: dict[str, Any],
    config_source: str,
    claim_files: list[str],
    engine_benchmark: str | None,
    rule_benchmarks: str,
    output_dir: str,
    repository: Path = REPO_ROOT,
    amendments: str | Path = AMENDMENTS_FILE,
    confirmatory_files: list[str] = (),
    perturbed_files: list[str] = (),
) -> None:
    output_dir = Path(output_dir)
    papers = configured_papers(config)
    sections = [paper.report_section() for paper in papers]
    claims, paper_sections = read_claims(claim_files, papers, config)
    stage = confirmatory_config(config)
    confirmatory = read_claims(confirmatory_files, configured_papers(stage), stage)[0] if confirmatory_files else None
    perturbed = read_claims(perturbed_files, configured_papers(stage), perturbed_config(stage))[0] if perturbed_files else None
    claims = with_confirmatory(claims, confirmatory, perturbed)
    claims.to_csv(output_dir / "claims.csv", index=False)
    engine = json.loads(Path(engine_benchmark).read_text()) if engine_benchmark else None
    rule_times = rule_wall_times(Path(rule_benchmarks))
    (output_dir / "benchmarks.md").write_text(benchmarks_markdown(
        engine, output_dir, Path(rule_benchmarks), sections, rule_times, config["benchmarks"].get("baseline")))
    config_text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    (output_dir / "config.yaml").write_text(config_text)
    report = render_template(
        "report.md.j2", scale=config["scale"], first_screen=first_screen(claims), verdict_counts=verdict_counts(claims),
        rules_hashes=rules_hashes(claims), summary_lines=summary_markdown(claims, paper_sections, output_dir),
        operating_lines=operating_markdown(claims, output_dir), confirmatory_lines=confirmatory_markdown(claims, config[CONFIRMATORY]),
        power=f"{config['verdicts']['power']:.0%}",
        fragile_below=f"{config['verdicts']['fragile_below']:.0%}", verdict_table=verdict_table(claims),
        details=details_markdown(claims), amendments=amendments_markdown(load_amendments(amendments)),
        sections=[section.render(config, output_dir, claims) for section in sections], data_dictionary=data_dictionary(sections),
        provenance=provenance(config, config_source, Path(rule_benchmarks), repository, rule_times), config_text=config_text.rstrip(),
    )
    (output_dir / "report.md").write_text(report)
    render_html(output_dir / "report.md", output_dir / "report.html")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Assemble the replication report")
    parser.add_argument("--merged-config", required=True, help="the complete config the workflow merged, read as it is")
    parser.add_argument("--config-source", help="the config files merged into it, in order (default: --merged-config)")
    parser.add_argument("--claims", nargs="+", required=True)
    parser.add_argument("--confirmatory-claims", nargs="+", default=[], help="the confirmatory stage's claim tables, if it has one")
    parser.add_argument("--perturbed-claims", nargs="+", default=[], help="the perturbed stage's claim tables, if it was run")
    parser.add_argument("--engine-benchmark", help="the engine benchmark's JSON, if `benchmark_engine` made it")
    parser.add_argument("--rule-benchmarks", required=True)
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--amendments", default=str(AMENDMENTS_FILE), help="the record of amendments (config/amendments.yaml)")
    arguments = parser.parse_args(argv)
    config = validate_config(read_yaml(arguments.merged_config), source=arguments.merged_config)
    job_clock.step_began()
    Path(arguments.output_dir).mkdir(parents=True, exist_ok=True)
    write_report(
        config, arguments.config_source or arguments.merged_config, arguments.claims,
        arguments.engine_benchmark, arguments.rule_benchmarks, arguments.output_dir, amendments=arguments.amendments,
        confirmatory_files=arguments.confirmatory_claims, perturbed_files=arguments.perturbed_claims,
    )


if __name__ == "__main__":
    main()
