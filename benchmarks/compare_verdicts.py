"""Compare the verdicts of two runs of the suite (another machine, another commit): which cells and families
changed, and whether the runs had warned of it by marking the cell fragile.

    python benchmarks/compare_verdicts.py REFERENCE_CLAIMS NEW_CLAIMS

For example, the committed quick report against your rerun of it on another machine:

    git show HEAD:reports/quick/claims.csv > /tmp/committed_claims.csv
    python benchmarks/compare_verdicts.py /tmp/committed_claims.csv reports/quick/claims.csv

Training on another CPU model gives other numbers (other kernels, another summation order), so a verdict near its
decision boundary can change; the seed-resampling stability of each row is the suite's warning of that. Exits 1
when a cell changed verdict although both runs resampled it and neither marked it fragile (a change the stability
measure did not foresee), else 0. Cells measured once (throughput timings, gradient-noise fits) have no stability
and are listed apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

CELL_COLUMNS = ["claim_id", "family", "verdict", "stability", "fragile", "effect"]


def read_claims(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, usecols=CELL_COLUMNS + ["family_verdict"]).set_index("claim_id")


def changed_cells(reference: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Cells of both runs whose verdict differs, with each run's verdict, stability and effect."""
    both = reference[CELL_COLUMNS[1:]].merge(
        new[CELL_COLUMNS[2:]], left_index=True, right_index=True, suffixes=("_reference", "_new")
    )
    changed = both[both["verdict_reference"] != both["verdict_new"]].copy()
    changed["resampled"] = changed["stability_reference"].notna() & changed["stability_new"].notna()
    changed["warned"] = changed["fragile_reference"] | changed["fragile_new"]
    return changed


def changed_families(reference: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    families = pd.DataFrame({
        "reference": reference.groupby("family")["family_verdict"].first(),
        "new": new.groupby("family")["family_verdict"].first(),
    }).dropna()
    return families[families["reference"] != families["new"]]


def describe(row: pd.Series, run: str) -> str:
    stability = row[f"stability_{run}"]
    shown = "measured once" if pd.isna(stability) else f"stability {stability:.0%}" + (", fragile" if row[f"fragile_{run}"] else "")
    return f"{row[f'verdict_{run}']} (effect {row[f'effect_{run}']:.3g}, {shown})"


def main(reference_path: Path, new_path: Path) -> int:
    reference, new = read_claims(reference_path), read_claims(new_path)
    common = reference.index.intersection(new.index)
    changed = changed_cells(reference, new)
    unforeseen = changed[changed["resampled"] & ~changed["warned"]]
    print(f"{len(changed)} of {len(common)} cells changed verdict; {int(changed['warned'].sum())} of them marked fragile "
          f"in one run or both; {len(unforeseen)} changed although neither run marked them fragile")
    for claim_id, row in changed.iterrows():
        mark = "" if not row["resampled"] else ("" if row["warned"] else "  <- not marked fragile in either run")
        print(f"  {claim_id}: {describe(row, 'reference')} -> {describe(row, 'new')}{mark}")
    families = changed_families(reference, new)
    print(f"{len(families)} of {reference['family'].nunique()} families changed verdict")
    for family, row in families.iterrows():
        print(f"  {family}: {row['reference']} -> {row['new']}")
    for claim_id in reference.index.symmetric_difference(new.index):
        print(f"  only in {'the reference' if claim_id in reference.index else 'the new run'}: {claim_id}")
    return 1 if len(unforeseen) else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
