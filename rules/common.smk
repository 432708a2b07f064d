# Shared paths and helpers of the workflow. The config is merged and validated in the Snakefile.

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from replications.instruction_set import environment as instruction_set_environment
from replications.papers import configured_papers, report_dirs
from replications.stages import CONFIRMATORY, PERTURBED, Stage, perturbed_config

RESULTS = config["results_dir"]
REPORT = config["report_dir"]
THREADS = config["runtime"]["threads_per_job"]
# The rules that measure a whole machine: every core here (Snakemake caps threads at --cores); on a cluster,
# profiles/slurm's set-threads gives their jobs a node's count (workflow.cores is unset there without --cores).
WHOLE_MACHINE = os.cpu_count()
# The priority of rules whose jobs take minutes: they start first, so the run does not end on one long job.
LONG_JOBS_FIRST = 10
# Rules that reserve the whole machine run before all others: at the end they would wait for the last jobs and then
# run alone, leaving a core idle meanwhile and the analyses after them waiting. Snakemake picks the ready jobs whose
# priorities sum highest, so this beats any set of long jobs that fills the machine.
WHOLE_MACHINE_FIRST = LONG_JOBS_FIRST * WHOLE_MACHINE + 1
VERDICT_SETTINGS = config["verdicts"]  # a param of every claims step: how its verdicts are checked
AMENDMENTS_FILE = f"{workflow.basedir}/config/amendments.yaml"  # rules changed after results were seen, printed for good
# The records every claims step reads: the amendments and its paper's registry of claim rules on record.
RULES_ON_RECORD = {paper.name: [AMENDMENTS_FILE, str(paper.registry)] for paper in PAPERS}
# Jobs run with Snakemake's own interpreter, which has the package installed (PATH may not);
# with --sdm conda, with the environment's python. Either way they import from the workflow's folder
# first, as the Snakefile does: every job sees the paper packages the config lists, installed or not.
CONDA_ENV = f"{workflow.basedir}/{config['runtime']['conda_environment']}"
USES_CONDA = "conda" in {str(method).lower() for method in workflow.deployment_settings.deployment_method}
PYTHON = f"PYTHONPATH={workflow.basedir}${{PYTHONPATH:+:$PYTHONPATH}} " + ("python" if USES_CONDA else sys.executable)
# Every job is `{LAUNCH} <module> <arguments>`: `python -m <module>`, or a fork of the local job server when one runs.
LAUNCH = f"{PYTHON} -m replications.launch"


wildcard_constraints:
    seed=r"\d+",


def write_resolved_config(config: dict) -> str:
    """The validated config (with --config overrides and defaults) as one file the jobs read, in its results_dir.

    Rewritten only when it changes (atomically), so its time stamp does not trigger reruns; the rules
    declare it as an ancient() input, and each rule's params carry its config section, so a change
    reruns what it touches.
    """
    path = Path(config["results_dir"]) / "config.resolved.yaml"
    text = yaml.safe_dump(config, sort_keys=False)
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
            handle.write(text)
        os.replace(handle.name, path)
    return str(path)


CONFIG_FILE = write_resolved_config(config)
# The runs of the papers: the exploratory one, and, if the config plans one, the confirmatory one on fresh seeds and
# its perturbed twin (a target of its own: rules/report.smk).
STAGES = [Stage("", config, CONFIG_FILE, PAPERS)]
if CONFIRMATORY_CONFIG:
    for name, stage_config in ((CONFIRMATORY, CONFIRMATORY_CONFIG), (PERTURBED, perturbed_config(CONFIRMATORY_CONFIG))):
        STAGES.append(Stage(f"{name}_", stage_config, write_resolved_config(stage_config), configured_papers(stage_config)))


def shown_path(path: str) -> str:
    """A config file's path as the report shows it: relative to the repository when it is inside it."""
    relative = os.path.relpath(path, workflow.basedir)
    return str(path) if relative.startswith("..") else relative


CONFIG_SOURCES = " ".join(dict.fromkeys(shown_path(path) for path in CONFIG_FILES))


def log_path(name: str) -> str:
    return f"{RESULTS}/logs/{name}.log"


# The instruction-set caps, before any job (or the job server) starts: every job inherits them.
os.environ.update(instruction_set_environment(config["runtime"]["instruction_set"], os.environ))

# Every job appends its start-up overhead and wall time here (replications/job_clock.py; read by the report).
os.environ["REPLICATIONS_JOB_RECORD"] = os.path.abspath(f"{RESULTS}/rule_benchmarks/jobs.jsonl")


def benchmark_path(name: str) -> str:
    """Snakemake's per-job timing (wall seconds, memory); the report sums them per rule."""
    return f"{RESULTS}/rule_benchmarks/{name}.tsv"


TABLE_DIR, FIGURE_DIR = report_dirs(config)


def start_job_server(log) -> None:
    """For a local run: one process imports TensorFlow once and forks every job (replications/launch.py), and the
    jobs share an XLA compilation cache; both are removed when Snakemake exits. Cluster and conda runs start jobs
    the plain way (the server would be on another node, or in another environment)."""
    if not (config["runtime"]["job_server"] and workflow.is_main_process and workflow.local_exec and not USES_CONDA):
        return
    folder = tempfile.mkdtemp(prefix="replications-jobs-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    cache = f"--tf_xla_persistent_cache_directory={folder}/xla"  # same programs, compiled once per run
    os.environ["TF_XLA_FLAGS"] = f"{os.environ.get('TF_XLA_FLAGS', '')} {cache}".strip()
    socket_path = f"{folder}/jobs.sock"
    os.makedirs(os.path.dirname(log_path("job_server")), exist_ok=True)
    with open(log_path("job_server"), "w") as server_log:
        command = [sys.executable, "-m", "replications.launch", "serve", "--socket", socket_path, "--parent", str(os.getpid())]
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [workflow.basedir, os.environ.get("PYTHONPATH")])),
            "OPENBLAS_NUM_THREADS": "1",  # as Snakemake gives a one-thread job; each child sets its own (launch.py)
        }
        server = subprocess.Popen(command, env=environment, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True)
    atexit.register(server.terminate)
    for _ in range(100):  # it binds the socket before its imports: jobs that come early wait for it there
        if os.path.exists(socket_path) or server.poll() is not None:
            break
        time.sleep(0.05)
    if os.path.exists(socket_path):
        os.environ["REPLICATIONS_JOB_SERVER"] = socket_path


onstart:
    start_job_server(log)
