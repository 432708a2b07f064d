"""Capping the CPU instruction set of every kernel library the suite uses, for speed and fewer distinct code paths.

TensorFlow picks its CPU kernels by the instruction set of the machine: oneDNN (convolutions, matrix products),
XLA's CPU backend (the compiled dense networks) and the OpenBLAS under NumPy and SciPy each have AVX-512 code
paths. Capped at AVX2 (which every x86-64 machine of the last ten years has), they ran faster on both 2-core
machines measured here. The caps were meant to make an Intel Xeon and an AMD EPYC compute the same numbers too;
measured, they do not (README: "Other machines"): something the caps do not reach still differs. The caps are
environment variables read when each library starts, so the workflow sets them before any job starts
(rules/common.smk); nothing here imports them.
"""

from __future__ import annotations

from collections.abc import Mapping

NATIVE = "native"
PINNED = {
    "avx2": {
        "ONEDNN_MAX_CPU_ISA": "AVX2",  # oneDNN's kernels
        "XLA_FLAGS": "--xla_cpu_max_isa=AVX2",  # XLA's CPU code generation
        "OPENBLAS_CORETYPE": "Haswell",  # OpenBLAS's kernels (NumPy, SciPy): its AVX2 family
    },
}
CHOICES = (NATIVE, *PINNED)


def environment(instruction_set: str, current: Mapping[str, str]) -> dict[str, str]:
    """The variables to set for `instruction_set` (XLA flags appended to any the user has)."""
    if instruction_set == NATIVE:
        return {}
    if instruction_set not in PINNED:
        raise ValueError(f"unknown instruction set {instruction_set!r}; known: {', '.join(CHOICES)}")
    variables = dict(PINNED[instruction_set])
    flags = current.get("XLA_FLAGS", "")
    if variables["XLA_FLAGS"] in flags.split():
        variables["XLA_FLAGS"] = flags
    elif flags:
        variables["XLA_FLAGS"] = f"{flags} {variables['XLA_FLAGS']}"
    return variables


def describe(current: Mapping[str, str]) -> str:
    """The caps in force in an environment, for the report's provenance."""
    caps = [f"{name}={current[name]}" for name in PINNED["avx2"] if name in current]
    return "capped: " + ", ".join(caps) if caps else "native (each library picks the machine's widest instructions)"
