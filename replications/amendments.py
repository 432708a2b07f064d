"""Amendments: rules changed after results had been seen (config/amendments.yaml), printed by the report for good."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

AMENDMENTS_FILE = Path(__file__).resolve().parent.parent / "config" / "amendments.yaml"
FIELDS = ("id", "date", "issue", "claims", "families", "results_seen", "seen", "change", "why")


def load_amendments(path: str | Path = AMENDMENTS_FILE) -> list[dict[str, Any]]:
    """Every amendment, in the order made; each must state every field of `FIELDS`."""
    entries = yaml.safe_load(Path(path).read_text()) or []
    for entry in entries:
        if missing := [field for field in FIELDS if field not in entry]:
            raise ValueError(f"{path}: amendment {entry.get('id', '?')} lacks {missing}")
    if len({entry["id"] for entry in entries}) != len(entries):
        raise ValueError(f"{path}: amendment ids must be unique")
    return entries


def amended_families(section: str, entries: list[dict[str, Any]] | None = None) -> dict[str, list[str]]:
    """Per claim family of a paper section, the amendments made after its results had been seen (ids, in order).

    `families` entries read "section.family", "section.*" (every family of the section) or "*" (every family)."""
    entries = load_amendments() if entries is None else entries
    named: dict[str, list[str]] = {}
    for entry in entries:
        if not entry["results_seen"]:
            continue
        for name in entry["families"]:
            where, _, family = name.partition(".")
            if name == "*" or where == section:
                named.setdefault(family if where == section else "*", []).append(str(entry["id"]))
    return named


def amendments_of(family: str, named: dict[str, list[str]]) -> str:
    """The ids of the amendments after results that bear on `family`, in the order made ('' if none)."""
    ids = set(named.get("*", []) + named.get(family, []))
    return " ".join(sorted(ids, key=lambda name: (int("".join(filter(str.isdigit, name)) or 0), name)))


def _issue(entry: dict[str, Any]) -> str:
    return f"issue {entry['issue']}" if entry["issue"] else "no issue"


def amendments_markdown(entries: list[dict[str, Any]]) -> list[str]:
    """The report's record of amendments: one paragraph each."""
    lines = []
    for entry in entries:
        lines += [
            f"- **{entry['id']}** ({entry['date']}, {_issue(entry)}; "
            f"{'after results had been seen' if entry['results_seen'] else 'before any result'}) on {', '.join(entry['claims'])}. "
            f"Seen before: {entry['seen']} Change: {entry['change']} Why: {entry['why']}",
        ]
    return lines
