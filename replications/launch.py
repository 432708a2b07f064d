"""Run a job's module in a process that has already imported TensorFlow: a local fork server.

Every job of the workflow is `python -m replications.launch MODULE ARGS...`. With no server (a cluster
job, a plain shell, `--no-hooks`) that is `python -m MODULE ARGS...` in this process. When a local
`snakemake` run has started a server (the Snakefile's `onstart:`), the job instead hands its command,
working folder, environment and standard streams to the server over a Unix socket; the server forks a
child that runs the module exactly as `python -m` would, and the job waits for its exit status. A fork
starts in milliseconds; a fresh process spends ~7 s importing TensorFlow, NumPy, pandas, SciPy and
Matplotlib before its first update (measured on the 2-core machines of this project).

Same numbers: the child runs the same code on the same inputs; nothing TensorFlow computes is shared
(no op runs in the server, so every child configures its own threads and builds its own graphs).

    python -m replications.launch serve --socket PATH --parent PID   # the server; exits with PID
    python -m replications.launch MODULE ARGS...                     # a job
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import socket
import sys
import threading
import time
import traceback

from replications import job_clock

SOCKET_VARIABLE = "REPLICATIONS_JOB_SERVER"  # the socket's path, set by the workflow for its local jobs
# What every job imports anyway; the server imports it once, before it forks.
PRELOAD = (
    "tensorflow", "keras", "numpy", "pandas", "scipy.optimize", "scipy.stats", "matplotlib.pyplot", "sklearn.model_selection",
    "sklearn.datasets",
    "replications.training", "replications.claims", "replications.plots", "replications.data", "replications.models",
)
MAX_REQUEST_BYTES = 1 << 20


def run_module(module: str, arguments: list[str]) -> int:
    """`python -m module arguments` in this process; the exit status. The job's overhead is recorded."""
    status = _run(module, arguments)
    job_clock.record(module, arguments, status)
    return status


def _run(module: str, arguments: list[str]) -> int:
    sys.argv = [module, *arguments]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exit_request:
        code = exit_request.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def request_from_server(path: str, module: str, arguments: list[str]) -> int | None:
    """Run the job in the server's child; None when there is no server to ask."""
    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(path)
    except OSError:
        return None
    request = {"module": module, "arguments": arguments, "cwd": os.getcwd(), "environment": dict(os.environ)}
    with connection:
        socket.send_fds(connection, [json.dumps(request).encode()], [0, 1, 2])
        # Killing this process (Snakemake cancelling the job) closes the socket, and the child stops.
        reply = connection.makefile("r").readline()
    return int(reply) if reply.strip() else 1


def job(module: str, arguments: list[str]) -> int:
    os.environ.setdefault(job_clock.STARTED_VARIABLE, repr(time.time()))
    path = os.environ.get(SOCKET_VARIABLE)
    status = request_from_server(path, module, arguments) if path else None
    return run_module(module, arguments) if status is None else status


def serve(path: str, parent: int) -> None:
    """Accept jobs until the process `parent` (the Snakemake run) is gone."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)  # jobs that connect while the imports below run wait here
    for name in PRELOAD:
        __import__(name)
    print(f"job server ready on {path} (pid {os.getpid()})", flush=True)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener.settimeout(1.0)
    while _alive(parent):
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        connection.settimeout(None)
        descriptors = []
        try:
            message, descriptors, _, _ = socket.recv_fds(connection, MAX_REQUEST_BYTES, 3)
            request = json.loads(message)
            if len(descriptors) != 3:
                raise ValueError(f"expected the job's 3 standard streams, got {len(descriptors)}")
            if os.fork() == 0:
                listener.close()
                _child(connection, request, descriptors)
        except (OSError, ValueError) as error:  # a job that went away mid-request, or a malformed one: not the server's end
            print(f"job server: request refused: {error}", flush=True)
        connection.close()
        for descriptor in descriptors:
            os.close(descriptor)
    listener.close()
    os.unlink(path)


def _alive(pid: int) -> bool:
    """Whether the process runs (an exited one that its parent has not yet reaped does not)."""
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except ProcessLookupError:
        return False
    except OSError:  # no /proc: the signal's answer is all there is
        return True


def _child(connection: socket.socket, request: dict, descriptors: list[int]) -> None:
    """Become the job: its streams, folder and environment; run it; report the status; exit."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for target, descriptor in enumerate(descriptors):
        os.dup2(descriptor, target)
        os.close(descriptor)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - the job's own stream, as `python -m` has it
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["environment"])
    sys.path[0] = os.getcwd()  # `python -m` puts the working folder first
    _limit_blas_threads(os.environ.get("OPENBLAS_NUM_THREADS"))
    threading.Thread(target=_exit_when_closed, args=(connection,), daemon=True).start()
    status = run_module(request["module"], request["arguments"])
    import logging

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        connection.sendall(f"{status}\n".encode())
    finally:
        os._exit(status)


def _limit_blas_threads(threads: str | None) -> None:
    """OpenBLAS read its thread count when the server loaded NumPy (one thread); a job that Snakemake gives more
    threads (OPENBLAS_NUM_THREADS) gets them, as a fresh process would."""
    if threads and threads.isdigit() and int(threads) != 1:
        from threadpoolctl import threadpool_limits

        threadpool_limits(int(threads), user_api="blas")


def _exit_when_closed(connection: socket.socket) -> None:
    """The job's process is gone (cancelled): stop, as a killed `python -m` would."""
    while connection.recv(1):
        pass
    os._exit(1)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m replications.launch MODULE ARGS...  |  serve --socket PATH --parent PID")
    if sys.argv[1] == "serve":
        import argparse

        parser = argparse.ArgumentParser(prog="python -m replications.launch serve")
        parser.add_argument("--socket", required=True)
        parser.add_argument("--parent", required=True, type=int)
        arguments = parser.parse_args(sys.argv[2:])
        serve(arguments.socket, arguments.parent)
    else:
        sys.exit(job(sys.argv[1], sys.argv[2:]))


if __name__ == "__main__":
    main()
