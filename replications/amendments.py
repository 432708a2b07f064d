"""Amendments: rules changed after results had been seen (config/amendments.yaml), printed by the report for good."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

AMENDMENTS_FILE = Path(__file__).resolve().parent.parent / "config" / "amendments.yaml"
FIELDS = ("id", "date", "issue", "claims", "seen", "change", "why")


def load_amendments(path: str | Path = AMENDMENTS_FILE) -> list[dict[str, Any]]:
    """Every amendment, in the order made; each must state every field of `FIELDS`."""
    entries = yaml.safe_load(Path(path).read_text()) or []
    for entry in entries:
        if missing := [field for field in FIELDS if field not in entry]:
            raise ValueError(f"{path}: amendment {entry.get('id', '?')} lacks {missing}")
    if len({entry["id"] for entry in entries}) != len(entries):
        raise ValueError(f"{path}: amendment ids must be unique")
    return entries


def amendments_markdown(entries: list[dict[str, Any]]) -> list[str]:
    """The report's record of amendments: one paragraph each."""
    lines = []
    for entry in entries:
        lines += [
            f"- **{entry['id']}** ({entry['date']}, issue {entry['issue']}) on {', '.join(entry['claims'])}. "
            f"Seen before: {entry['seen']} Change: {entry['change']} Why: {entry['why']}",
        ]
    return lines
