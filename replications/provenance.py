"""Where a result came from: the commit, the library versions, the device, the wall time of the workflow's rules.

Shared by the experiments (a throughput table names its device) and the report.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
from pathlib import Path

import pandas as pd

LIBRARIES = ("tensorflow", "keras", "numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "snakemake", "mnist1d")


def git_commit(repository: Path) -> str:
    """The commit of the code; '+ uncommitted changes' if code or config differ from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repository, capture_output=True, text=True, check=True).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", ".", ":!reports", ":!results"],
            cwd=repository, capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" + uncommitted changes" if status else "")


def device_description() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        cpu = names[0] if names else cpu
    try:
        import tensorflow as tf

        gpus = [device.name for device in tf.config.list_physical_devices("GPU")]
    except ImportError:
        gpus = []
    return f"{cpu}, {os.cpu_count()} cores" + (f", GPUs: {', '.join(gpus)}" if gpus else ", no GPU")


# Targets of their own, not part of `all`: listed per rule, but not in the suite's elapsed time.
OWN_TARGETS = ("benchmark_engine", "perturbed")  # targets outside `all`: their rules (by name prefix) are not the suite's


def rule_wall_times(benchmark_dir: Path) -> tuple[pd.DataFrame, float]:
    """Wall seconds per rule (summed over its jobs) from Snakemake's benchmark files, and the elapsed span of the
    suite's jobs (OWN_TARGETS left out)."""
    rows = []
    for path in sorted(benchmark_dir.rglob("*.tsv")):
        seconds = float(pd.read_csv(path, sep="\t")["s"].iloc[0])
        rule = path.parent.name if path.parent != benchmark_dir else path.stem
        rows.append({"rule": rule, "seconds": seconds, "end": path.stat().st_mtime})
    if not rows:
        return pd.DataFrame(columns=["rule", "jobs", "seconds"]), 0.0
    frame = pd.DataFrame(rows)
    suite = frame[~frame["rule"].str.startswith(OWN_TARGETS)]
    elapsed = busy_seconds(list(zip(suite["end"] - suite["seconds"], suite["end"])))
    per_rule = frame.groupby("rule").agg(jobs=("seconds", "size"), seconds=("seconds", "sum")).reset_index()
    return per_rule, elapsed


def save_baseline(benchmark_dir: Path, path: Path, commit: str, note: str = "") -> None:
    """This run's job-seconds per rule, its elapsed time, commit and device, and a note for the reader (the machine,
    the session), for a later run to be compared with (`baseline_comparison`)."""
    per_rule, elapsed = rule_wall_times(benchmark_dir)
    rules = {row.rule: {"jobs": int(row.jobs), "seconds": round(float(row.seconds), 1)} for row in per_rule.itertuples()}
    record = {"commit": commit, "device": device_description(), "date": datetime.date.today().isoformat(),
              "elapsed_seconds": round(elapsed, 1), **({"note": note} if note else {}), "rules": rules}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")


def baseline_comparison(baseline: dict, per_rule: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Per rule: the baseline's job-seconds, this run's, and their ratio; and the ratio of the totals (the suite's
    job-seconds now / then) over the rules both runs measured: the same work (a rule only one run has, e.g. the
    confirmatory stage's, is listed but not in the ratio; OWN_TARGETS left out)."""
    now = per_rule.set_index("rule")["seconds"]
    then = pd.Series({rule: values["seconds"] for rule, values in baseline["rules"].items()}, dtype=float)
    rules = sorted(rule for rule in set(now.index) | set(then.index) if not rule.startswith(OWN_TARGETS))
    frame = pd.DataFrame({"rule": rules, "before": then.reindex(rules).values, "after": now.reindex(rules).values})
    frame["ratio"] = frame["after"] / frame["before"]
    both = frame["ratio"].notna()
    return frame, float(frame.loc[both, "after"].sum() / frame.loc[both, "before"].sum())


JOB_RECORD_NAME = "jobs.jsonl"  # under the rule benchmarks: one line per finished job (replications/job_clock.py)


def latest_job_records(benchmark_dir: Path) -> pd.DataFrame | None:
    """The latest record of each job (a rerun replaces its earlier line), or None when no job kept one."""
    path = benchmark_dir / JOB_RECORD_NAME
    if not path.exists():
        return None
    return pd.read_json(path, lines=True).drop_duplicates(["step", "arguments"], keep="last")


def job_overheads(benchmark_dir: Path) -> tuple[pd.DataFrame, float]:
    """Per step: jobs, their wall seconds and their start-up overhead (before the first update or measurement),
    from the latest record of each job; and the overhead's share of all job-seconds."""
    records = latest_job_records(benchmark_dir)
    if records is None:
        return pd.DataFrame(columns=["step", "jobs", "job seconds", "overhead seconds", "overhead share"]), float("nan")
    per_step = records.groupby("step").agg(
        jobs=("wall_seconds", "size"), wall=("wall_seconds", "sum"), overhead=("overhead_seconds", "sum"),
        first_work=("first_work", lambda kinds: ", ".join(sorted(set(kinds)))),
    ).reset_index()
    share = float(per_step["overhead"].sum() / per_step["wall"].sum())
    shown = pd.DataFrame({
        "step": per_step["step"], "jobs": per_step["jobs"], "job seconds": per_step["wall"].map("{:.1f}".format),
        "overhead seconds": per_step["overhead"].map("{:.1f}".format),
        "overhead share": (per_step["overhead"] / per_step["wall"]).map("{:.1%}".format),
        "overhead ends at the first": per_step["first_work"],
    })
    return shown, share


# The profile's columns, in the order a job meets them (`replications.job_clock.phase`).
PROFILE_PHASES = {
    "startup": "process start to the config loaded (fork or interpreter, imports, validation)",
    "data": "loading the data set",
    "model": "building the network",
    "trace": "Python tracing of compiled functions",
    "compile": "the first call of each compiled function: XLA compiles it (or loads it from the run's cache) and runs it once",
    "train": "training steps, one epoch per call",
    "fused epochs": "several epochs per call, their evaluations included",
    "evaluate": "evaluation of the training and test sets, distance from x0",
    "checkpoint": "checkpoints written and read",
    "save": "the run record, weights and snapshots written",
    "loss evaluation": "sharpness: the loss and gradient over the training set",
    "Hessian-vector product": "curvature estimates",
    "sharpness solver": "L-BFGS-B's own work",
    "claims": "the claims' tests, their stability and operating characteristics",
    "figures": "PNG and SVG written",
}


def job_profile(benchmark_dir: Path) -> pd.DataFrame | None:
    """Seconds per step and phase, summed over the latest record of each job; `other` is what no phase claimed. None
    when no job kept a profile."""
    records = latest_job_records(benchmark_dir)
    if records is None or "phases" not in records.columns:
        return None
    phases = pd.DataFrame([phases if isinstance(phases, dict) else {} for phases in records["phases"]], index=records.index)
    phases["startup"] = records["startup_seconds"]
    columns = [name for name in PROFILE_PHASES if name in phases.columns] + sorted(set(phases.columns) - set(PROFILE_PHASES))
    frame = phases[columns].fillna(0.0).assign(step=records["step"], jobs=1, job_seconds=records["wall_seconds"])
    per_step = frame.groupby("step").sum()
    per_step["other"] = per_step["job_seconds"] - per_step[columns].sum(axis=1)
    return per_step[["jobs", "job_seconds", *columns, "other"]].reset_index()


def jobs_by_instruction_set(benchmark_dir: Path) -> str:
    """How many of the recorded jobs ran under which oneDNN cap (the latest record of each job)."""
    records = latest_job_records(benchmark_dir)
    if records is None:
        return "no job records"
    kinds = records.get("instruction_set", pd.Series(["unrecorded"] * len(records))).fillna("unrecorded")
    return "jobs by their cap: " + ", ".join(f"{kind} {count}" for kind, count in kinds.value_counts().items())


def jobs_by_device(benchmark_dir: Path) -> str:
    """How many of the recorded jobs ran on which node and device (on a cluster: the nodes that trained)."""
    records = latest_job_records(benchmark_dir)
    if records is None:
        return "no job records"
    devices = records.get("device", pd.Series(["unrecorded"] * len(records))).fillna("unrecorded")
    return "; ".join(f"{device} {count} job(s)" for device, count in devices.value_counts().items())


def busy_seconds(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of (start, end) intervals: wall time with at least one job running.

    Unlike last end - first start, a later rerun of a few rules adds only their own time.
    """
    total, covered_until = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > covered_until:
            total += end - max(start, covered_until)
            covered_until = end
    return total


def library_versions() -> str:
    return ", ".join(f"{name} {_version(name)}" for name in LIBRARIES)


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"
