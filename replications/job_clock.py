"""A job's start-up overhead: the seconds from its process start to its first update or measurement.

`replications.launch` stamps the start in the environment; the engine, the sharpness metric and the
evaluation call `first_work` when their first compiled call is about to run (so Python tracing counts as
overhead and XLA's compilation, inside that call, as work); analysis steps, which have no such call, count
until their config is loaded. At the end of the job one line per job is appended to the file the workflow
names (`REPLICATIONS_JOB_RECORD`), which the benchmarks report sums per step.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
import time

STARTED_VARIABLE = "REPLICATIONS_JOB_STARTED"
RECORD_VARIABLE = "REPLICATIONS_JOB_RECORD"
_first_work: dict[str, float] = {}  # what it was -> when: at most one entry per process
_step_began: list[float] = []


def first_work(what: str) -> None:
    """Note the first update or measurement of this process (later calls do nothing)."""
    if not _first_work:
        _first_work[what] = time.time()


def step_began() -> None:
    """Note that the step's own code starts (config loaded): the overhead of a job with no compiled work."""
    if not _step_began:
        _step_began.append(time.time())


def device() -> str:
    """Where this job computes: the node and, if the job loaded TensorFlow, its GPUs (else its CPU)."""
    tensorflow = sys.modules.get("tensorflow")
    gpus = tensorflow.config.list_physical_devices("GPU") if tensorflow is not None else []
    names = [tensorflow.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus]
    return f"{platform.node()}: " + (", ".join(names) if names else "CPU")


def record(module: str, arguments: list[str], status: int) -> None:
    """Append this job's start, overhead and wall seconds to the workflow's record, if it keeps one."""
    path, started = os.environ.get(RECORD_VARIABLE), os.environ.get(STARTED_VARIABLE)
    if not path or not started:
        return
    ended, started = time.time(), float(started)
    what, began = next(iter(_first_work.items()), ("step", _step_began[0] if _step_began else ended))
    # The step: the module's name and its subcommand, if it has one (`<paper> train`, `report`, ...).
    subcommand = next((argument for argument in arguments if re.fullmatch(r"[a-z][a-z0-9_]*", argument)), "")
    line = {
        "step": " ".join(filter(None, [module.rsplit(".", 1)[-1], subcommand])), "arguments": " ".join(arguments), "status": status,
        "overhead_seconds": round(began - started, 3), "wall_seconds": round(ended - started, 3),
        "first_work": what,
        "instruction_set": os.environ.get("ONEDNN_MAX_CPU_ISA", "native"),
        "device": device(),
    }
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "a") as handle:  # one short line per write: appends from parallel jobs do not interleave
        handle.write(json.dumps(line) + "\n")
