"""Two versions of reviewclock side by side, shared by the comparison scripts: another
commit's sources unpacked, and the environment that runs either version apart from the
user's own settings, register and caches."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def unpack(commit: str, dest: Path, *paths: str) -> None:
    """``paths`` of ``commit`` of this repository, unpacked into ``dest``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, *paths], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def version_env(src: Path, home: Path, **extra: str) -> dict[str, str]:
    """The environment that runs the reviewclock in ``src`` with ``home`` as its home: its
    own settings, data and caches, and none of the user's reviewclock variables."""
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        **extra,
    }
    for var in ("REVIEWCLOCK_CONFIG", "REVIEWCLOCK_DB", "NO_COLOR"):
        env.pop(var, None)
    return env
