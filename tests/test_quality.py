"""The code stays lint-clean, formatted and type-checked: one test command checks it all."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    if found.exists():
        return str(found)
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; install the test extra: pip install -e '.[test]'")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "src", "tests", "benchmarks", "examples"],
        ["ruff", "format", "--check", "src", "tests", "benchmarks", "examples"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_tool_is_clean(command: list[str]) -> None:
    proc = subprocess.run(
        [_tool(command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_readme_map_matches_the_tree() -> None:
    """The README's "How the code is laid out" names every module under src/reviewclock (and
    in cli/, render/ and store/), and every file or folder it names exists."""
    import re

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    [block] = re.findall(r"## How the code is laid out\n.*?```text\n(.*?)```", readme, re.S)
    package = root / "src" / "reviewclock"
    words = set(re.findall(r"[a-z_]+", block))
    modules = {p.stem for p in package.glob("*.py")} | {
        p.name for p in package.iterdir() if (p / "__init__.py").exists()
    }
    for sub in ("cli", "render", "store"):
        modules |= {p.stem for p in (package / sub).glob("*.py")}
    missing = modules - {"__init__", "__main__"} - words
    assert not missing, f"not in the README's map: {sorted(missing)}"
    for named in set(re.findall(r"([a-z_]+(?:\.py|/))", block)) - {"src/", "reviewclock/"}:
        assert list(package.rglob(named.rstrip("/"))), f"the README's map names {named}"
