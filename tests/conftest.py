"""Shared fixtures: every test runs with its own empty config and data directories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point the platform's config and data directories at a fresh folder for each test,
    so no test reads or writes the real user's register or settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("HOME", str(home))
    for var in ("REVIEWCLOCK_CONFIG", "REVIEWCLOCK_DB", "REVIEWCLOCK_DEBUG", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    yield home
