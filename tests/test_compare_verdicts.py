"""The verdict comparison a reviewer runs after rerunning the suite on another machine."""

from pathlib import Path

import pandas as pd
import pytest

from benchmarks import compare_verdicts

COMMITTED_CLAIMS = Path(__file__).resolve().parents[1] / "reports" / "quick" / "claims.csv"


@pytest.fixture
def claims() -> pd.DataFrame:
    return pd.read_csv(COMMITTED_CLAIMS)


def flipped(claims: pd.DataFrame, mask: pd.Series) -> tuple[pd.DataFrame, str]:
    """A copy with the first cell under `mask` given another verdict; and that cell's id."""
    changed = claims.copy()
    index = changed.index[mask][0]
    changed.loc[index, "verdict"] = "not reproduced" if changed.loc[index, "verdict"] != "not reproduced" else "reproduced"
    return changed, changed.loc[index, "claim_id"]


def compare(tmp_path: Path, reference: pd.DataFrame, new: pd.DataFrame) -> int:
    reference.to_csv(tmp_path / "reference.csv", index=False)
    new.to_csv(tmp_path / "new.csv", index=False)
    return compare_verdicts.main(tmp_path / "reference.csv", tmp_path / "new.csv")


def test_the_same_verdicts_pass(tmp_path, claims, capsys):
    assert compare(tmp_path, claims, claims) == 0
    assert capsys.readouterr().out.startswith(f"0 of {len(claims)} cells changed verdict")


def test_a_changed_fragile_cell_is_listed_as_foreseen(tmp_path, claims, capsys):
    claims["fragile"] = claims["fragile"].astype(bool)
    changed, claim_id = flipped(claims, claims["fragile"])
    assert compare(tmp_path, claims, changed) == 0
    output = capsys.readouterr().out
    assert f"  {claim_id}: " in output and "1 of them marked fragile" in output and "not marked fragile in either" not in output


def test_a_changed_stable_cell_fails(tmp_path, claims, capsys):
    stable = claims["stability"].notna() & ~claims["fragile"].astype(bool)
    changed, claim_id = flipped(claims, stable)
    assert compare(tmp_path, claims, changed) == 1
    assert f"  {claim_id}: " in capsys.readouterr().out


def test_a_cell_measured_once_is_listed_but_does_not_fail(tmp_path, claims, capsys):
    changed, claim_id = flipped(claims, claims["stability"].isna())
    assert compare(tmp_path, claims, changed) == 0
    assert "measured once" in capsys.readouterr().out


def test_a_family_whose_verdict_changed_is_named(tmp_path, claims, capsys):
    changed = claims.copy()
    family = changed["family"].iloc[0]
    changed.loc[changed["family"] == family, "family_verdict"] = "inconclusive" if claims["family_verdict"].iloc[0] != "inconclusive" else "reproduced"
    compare(tmp_path, claims, changed)
    assert f"1 of {claims['family'].nunique()} families changed verdict\n  {family}: " in capsys.readouterr().out
