"""The local job server (replications/launch.py): a forked job behaves, and computes, as `python -m` does."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO

JOB = [sys.executable, "-m", "replications.launch", "tests.scripts.tiny_training"]


def environment(**variables: str) -> dict[str, str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith("REPLICATIONS_")}
    return {**base, "PYTHONPATH": REPO, "TF_CPP_MIN_LOG_LEVEL": "2", **variables}


@pytest.fixture
def server(tmp_path):
    """A job server whose parent is a `sleep` we can kill; yields its socket path, the sleeper and the server."""
    parent = subprocess.Popen(["sleep", "600"])
    socket_path = str(tmp_path / "jobs.sock")
    server = subprocess.Popen(
        [sys.executable, "-m", "replications.launch", "serve", "--socket", socket_path, "--parent", str(parent.pid)],
        env=environment(OPENBLAS_NUM_THREADS="1"), cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    if "job server ready" not in server.stdout.readline():
        pytest.fail("the job server did not start")
    yield socket_path, parent, server
    parent.kill()
    parent.wait()
    server.wait(timeout=30)


def run_job(tmp_path, *arguments: str, **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run([*JOB, *arguments], env=environment(**variables), cwd=tmp_path, capture_output=True, text=True, timeout=300)


def test_forked_job_matches_a_fresh_process_and_keeps_streams_and_status(tmp_path, server):
    socket_path, _, _ = server
    fresh = run_job(tmp_path, "--exit", "3")
    forked = run_job(tmp_path, "--exit", "3", REPLICATIONS_JOB_SERVER=socket_path)
    assert fresh.returncode == forked.returncode == 3
    digest = [line for line in fresh.stdout.splitlines() if line.startswith("history ")]
    assert len(digest) == 1 and digest == [line for line in forked.stdout.splitlines() if line.startswith("history ")]
    assert "to stderr" in forked.stderr and "epoch 2" in forked.stdout  # the job's logging reaches its own streams


def test_without_a_server_the_job_runs_in_its_own_process_and_records_its_overhead(tmp_path):
    record = tmp_path / "jobs.jsonl"
    missing = str(tmp_path / "no-server.sock")
    completed = run_job(tmp_path, REPLICATIONS_JOB_SERVER=missing, REPLICATIONS_JOB_RECORD=str(record))
    assert completed.returncode == 0, completed.stderr
    (line,) = [json.loads(text) for text in record.read_text().splitlines()]
    assert line["step"] == "tiny_training" and line["first_work"] == "update" and line["status"] == 0
    assert 0 < line["overhead_seconds"] < line["wall_seconds"]
    # Its profile: the two epochs' training and evaluation calls, each compiled function's first call apart.
    phases = line["phases"]
    assert {"trace", "compile", "train", "evaluate"} <= set(phases) and "checkpoint" not in phases  # no run_dir
    assert all(seconds > 0 for seconds in phases.values()) and sum(phases.values()) < line["wall_seconds"]


def test_a_phase_inside_another_counts_to_the_inner_one_and_a_first_call_to_compile(monkeypatch):
    from replications import job_clock

    ticks = iter([0.0, 1.0, 4.0, 6.0, 10.0, 11.0, 20.0, 22.0])
    monkeypatch.setattr(job_clock, "_clock", lambda: next(ticks))
    monkeypatch.setattr(job_clock, "_phase_seconds", {})
    with job_clock.phase("outer"), job_clock.phase("inner"):  # outer 0 to 6, of which inner 1 to 4
        pass
    assert job_clock.profile() == {"inner": 3.0, "outer": 3.0}

    class Function:  # a compiled function's stand-in (weakly referenced, as ConcreteFunctions are)
        def __call__(self, value):
            return value * 2

    function = Function()
    assert job_clock.compiled_call("train", function, 2) == 4 and job_clock.compiled_call("train", function, 3) == 6
    assert job_clock.profile() == {"compile": 1.0, "inner": 3.0, "outer": 3.0, "train": 2.0}


def test_the_profile_sums_each_steps_phases_and_leaves_the_rest_to_other(tmp_path):
    from replications.provenance import job_profile
    from replications.report import profile_markdown

    records = [
        {"step": "p train", "arguments": "--seed 0", "wall_seconds": 10.0, "startup_seconds": 1.0, "phases": {"train": 6.0, "compile": 1.0}},
        {"step": "p train", "arguments": "--seed 1", "wall_seconds": 12.0, "startup_seconds": 1.0, "phases": {"train": 7.0, "evaluate": 2.0}},
        {"step": "p analyse", "arguments": "", "wall_seconds": 5.0, "startup_seconds": 0.5, "phases": {"claims": 4.0}},
    ]
    (tmp_path / "jobs.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    profile = job_profile(tmp_path).set_index("step")
    assert profile.loc["p train", "jobs"] == 2 and profile.loc["p train", "job_seconds"] == 22.0
    assert profile.loc["p train", "train"] == 13.0 and profile.loc["p train", "startup"] == 2.0
    assert profile.loc["p train", "other"] == pytest.approx(22.0 - 2.0 - 1.0 - 13.0 - 2.0)
    assert profile.loc["p analyse", "other"] == pytest.approx(0.5) and profile.loc["p analyse", "train"] == 0
    lines = profile_markdown(tmp_path)
    assert lines[0] == "## Where the job-seconds go" and "train 48.1%" in lines[2]  # 13 of 27 job-seconds
    assert "| **all** | 3 | 27.0 |" in "\n".join(lines)


def test_cancelled_job_stops_its_forked_child(tmp_path, server):
    socket_path, _, server_process = server
    client = subprocess.Popen([*JOB, "--sleep", "300"], env=environment(REPLICATIONS_JOB_SERVER=socket_path), cwd=tmp_path,
                              stdout=subprocess.PIPE, text=True)
    while (line := client.stdout.readline()) and line.strip() != "sleeping":
        pass
    assert line.strip() == "sleeping"
    children = subprocess.run(["pgrep", "-P", str(server_process.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) == 1  # the forked job
    client.send_signal(signal.SIGKILL)
    client.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid)]


def test_server_exits_with_its_parent(server):
    _, parent, process = server
    parent.kill()  # not yet reaped: a zombie, which the server must not take for alive
    assert process.wait(timeout=10) == 0


def _state(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (FileNotFoundError, IndexError):
        return "zombie"


@pytest.mark.parametrize("threads", ["1", "2"])
def test_forked_job_gets_the_blas_threads_of_its_environment(tmp_path, server, threads):
    socket_path, _, _ = server
    command = [sys.executable, "-m", "replications.launch", "tests.scripts.blas_threads"]
    variables = environment(REPLICATIONS_JOB_SERVER=socket_path, OPENBLAS_NUM_THREADS=threads)
    completed = subprocess.run(command, env=variables, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.stdout.split() == ["blas", "threads", threads]
