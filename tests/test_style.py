"""The code passes its linter (pyproject.toml, [tool.ruff]) and keeps its functions short."""

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

MAX_FUNCTION_LINES = 60


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is installed with the test extras")
def test_ruff_passes():
    completed = subprocess.run(["ruff", "check", "--output-format", "concise", "."], cwd=REPO, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout[-3000:]


def test_no_function_is_longer_than_60_lines():
    """Prose belongs in the report's templates; a longer function is two."""
    long = []
    for path in sorted(Path(REPO).glob("replications/**/*.py")) + sorted(Path(REPO).glob("tests/toy_paper/*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long, long
