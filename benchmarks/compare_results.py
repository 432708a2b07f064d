"""Compare two checkouts' results and reports, every CSV, without the timing columns: how a speed change is
shown to change no number.

    python benchmarks/compare_results.py OLD_CHECKOUT NEW_CHECKOUT SCALE

Reads every CSV under OLD/reports/SCALE and OLD/results/SCALE, finds the same file under NEW, drops the
columns that time the machine (`*seconds*`, `*per_second*`) and compares the rest exactly. Prints the counts
and each file that differs or is missing; exits 1 if any does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def without_timing(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    return frame.drop(columns=[column for column in frame.columns if "seconds" in column or "per_second" in column])


def main(old: Path, new: Path, scale: str) -> int:
    files = sorted((old / "reports" / scale).rglob("*.csv")) + sorted((old / "results" / scale).rglob("*.csv"))
    identical, differ, missing = 0, [], []
    for path in files:
        relative = path.relative_to(old)
        if not (new / relative).exists():
            missing.append(relative)
        elif without_timing(path).equals(without_timing(new / relative)):
            identical += 1
        else:
            differ.append(relative)
    print(f"{identical} identical, {len(differ)} differ, {len(missing)} missing")
    for relative in differ:
        print("differs:", relative)
    for relative in missing:
        print("missing:", relative)
    return 1 if differ or missing else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))
