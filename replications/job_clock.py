"""A job's start-up overhead (the seconds from its process start to its first update or measurement) and its
profile (where its seconds went, by phase).

`replications.launch` stamps the start in the environment; the engine, the sharpness metric and the
evaluation call `first_work` when their first compiled call is about to run (so Python tracing counts as
overhead and XLA's compilation, inside that call, as work); analysis steps, which have no such call, count
until their config is loaded. At the end of the job one line per job is appended to the file the workflow
names (`REPLICATIONS_JOB_RECORD`), which the benchmarks report sums per step.

The profile: the engine, the sharpness metric and the steps time their parts with `phase` (exclusive: a phase inside
another counts to the inner one only) and their compiled calls with `compiled_call` (a function's first call counts
as `compile`: XLA compiles inside it). The rest of a job's seconds is what no phase claimed (Python glue, analysis).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import sys
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

STARTED_VARIABLE = "REPLICATIONS_JOB_STARTED"
RECORD_VARIABLE = "REPLICATIONS_JOB_RECORD"
STAGE_VARIABLE = "REPLICATIONS_STAGE"  # set for the confirmatory stage's jobs (rules/papers.smk): their steps carry it
_first_work: dict[str, float] = {}  # what it was -> when: at most one entry per process
_step_began: list[float] = []
_phase_seconds: dict[str, float] = {}
_open_phases: list[list] = []  # [name, when it last resumed], innermost last
_called: weakref.WeakSet = weakref.WeakSet()  # compiled functions called at least once
_clock = time.perf_counter  # the phases' clock


def first_work(what: str) -> None:
    """Note the first update or measurement of this process (later calls do nothing)."""
    if not _first_work:
        _first_work[what] = time.time()


def step_began() -> None:
    """Note that the step's own code starts (config loaded): the overhead of a job with no compiled work."""
    if not _step_began:
        _step_began.append(time.time())


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """Count the time inside to `name` (not to the phase around it) in this job's profile."""
    now = _clock()
    if _open_phases:  # the enclosing phase pauses
        outer = _open_phases[-1]
        _phase_seconds[outer[0]] = _phase_seconds.get(outer[0], 0.0) + now - outer[1]
    _open_phases.append([name, now])
    try:
        yield
    finally:
        now = _clock()
        _, resumed = _open_phases.pop()
        _phase_seconds[name] = _phase_seconds.get(name, 0.0) + now - resumed
        if _open_phases:
            _open_phases[-1][1] = now


def compiled_call(what: str, function: Callable, *arguments: Any) -> Any:
    """`function(*arguments)` timed as `what`, or as `compile` on the function's first call."""
    first = function not in _called
    _called.add(function)
    with phase("compile" if first else what):
        return function(*arguments)


def profile() -> dict[str, float]:
    """Seconds per phase so far in this job."""
    return {name: round(seconds, 3) for name, seconds in sorted(_phase_seconds.items())}


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
    # The step: the module's name and its subcommand, if it has one (`<paper> train`, `report`, ...), after its stage.
    subcommand = next((argument for argument in arguments if re.fullmatch(r"[a-z][a-z0-9_]*", argument)), "")
    line = {
        "step": " ".join(filter(None, [os.environ.get(STAGE_VARIABLE), module.rsplit(".", 1)[-1], subcommand])),
        "arguments": " ".join(arguments), "status": status,
        "overhead_seconds": round(began - started, 3), "wall_seconds": round(ended - started, 3),
        "first_work": what,
        "startup_seconds": round(_step_began[0] - started, 3) if _step_began else 0.0,  # to the config loaded
        "phases": profile(),
        "instruction_set": os.environ.get("ONEDNN_MAX_CPU_ISA", "native"),
        "device": device(),
    }
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "a") as handle:  # one short line per write: appends from parallel jobs do not interleave
        handle.write(json.dumps(line) + "\n")
