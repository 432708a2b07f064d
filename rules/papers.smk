# Every paper's rules, from its declared jobs (replications/jobs.py; each paper's jobs(config)): one rule per job,
# and a rule named after the paper that asks for everything its report section reads; once per stage (the
# confirmatory and perturbed stages' rules, from their own configs, carry their prefixes). A job's params are the config
# keys it declares (a change reruns it, nothing else does); an analysis job's inputs hold the rules on record.

import functools
import types

from snakemake.utils import format as snakemake_format

from replications.job_clock import STAGE_VARIABLE
from replications.jobs import Folder, settings as declared_settings


def job_inputs(stage, paper, job) -> dict:
    inputs = {"config": ancient(stage.config_file), **job.inputs}
    if job.kind != "analyse":
        inputs["data"] = DATA_READY
    if job.kind == "analyse":
        inputs["rules_on_record"] = RULES_ON_RECORD[paper.name]
    return inputs


def job_outputs(job) -> dict:
    outputs = {name: directory(path.path) if isinstance(path, Folder) else path for name, path in job.outputs.items()}
    if job.tables:
        caption = job.table_caption or job.caption
        outputs["tables"] = report(list(job.tables), caption=caption, category=job.category, subcategory="tables")
    if job.figures:
        outputs["figures"] = report(list(job.figures), caption=job.caption, category=job.category, subcategory="figures")
        outputs["svg"] = [path.removesuffix(".png") + ".svg" for path in job.figures]
    return outputs


def job_command(paper, job, wildcards, input, output) -> str:
    """`<package> --merged-config <config> <command>`, the job's command filled in. A param bound to this job when the
    rule is defined: the shell directive of a rule defined in a loop is evaluated when the job runs, with the loop's
    last values."""
    arguments = {name: value(wildcards) if callable(value) else value.format(**dict(wildcards.items())) for name, value in job.arguments.items()}
    command = snakemake_format(job.command, wildcards=wildcards, input=input, output=output, params=types.SimpleNamespace(**arguments))
    return f"{paper.package} --merged-config {input.config} {command}"


def stage_variable(stage) -> str:
    """A confirmatory or perturbed job says so in its record (replications/job_clock.py): its profile stands apart."""
    return f"{STAGE_VARIABLE}={stage.label} " if stage.prefix else ""


def job_params(stage, paper, job) -> dict:
    section = stage.config[paper.name]
    params = {"command": functools.partial(job_command, paper, job), "settings": functools.partial(declared_settings, section, job.depends_on),
              "stage": stage_variable(stage)}
    return {**params, "verdicts": VERDICT_SETTINGS} if job.kind == "analyse" else params


def log_name(stage, paper, job, separator: str) -> str:
    """<paper>/<job>_<suffix> (a log) or <paper>_<job>/<suffix> (a benchmark), e.g. .../train_{network}_seed{seed};
    the stage's prefix before it."""
    suffix = ("_" if separator == "/" else "/") + job.log_suffix if job.log_suffix else ""
    return f"{stage.prefix}{paper.name}{separator}{job.name}{suffix}"


JOB_THREADS = {"train": THREADS, "machine": WHOLE_MACHINE, "analyse": 1}


def job_priority(job) -> int:
    return WHOLE_MACHINE_FIRST if job.kind == "machine" else LONG_JOBS_FIRST if job.long else 0


def target_files(job) -> list[str]:
    """The outputs of `job` the paper's target rule asks for, at each of its `targets` wildcard values."""
    files = [path for value in job_outputs(job).values() for path in (value if isinstance(value, list) else [value])]
    return [str(path).format(**values) for values in job.target_values for path in files]


for stage, paper in ((stage, paper) for stage in STAGES for paper in stage.papers):
    paper_jobs = paper.jobs(stage.config)
    for job in paper_jobs:

        rule:
            name:
                f"{stage.prefix}{paper.name}_{job.name}"
            input:
                **job_inputs(stage, paper, job),
            output:
                **job_outputs(job),
            log:
                log_path(log_name(stage, paper, job, "/")),
            benchmark:
                benchmark_path(log_name(stage, paper, job, "_"))
            wildcard_constraints:
                **job.wildcard_constraints,
            params:
                **job_params(stage, paper, job),
            priority: job_priority(job)
            threads: JOB_THREADS[job.kind]
            conda:
                CONDA_ENV
            shell:
                "{params.stage}{LAUNCH} {params.command} > {log} 2>&1"

    rule:
        name:
            f"{stage.prefix}{paper.name}"
        input:
            [path for job in paper_jobs for path in target_files(job)],
