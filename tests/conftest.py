"""Shared fixtures: every test runs with its own empty config and data directories, and
registers that many tests start from are built once per test process and copied."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers import RegisterCopy


def _isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("HOME", str(home))
    for var in ("REVIEWCLOCK_CONFIG", "REVIEWCLOCK_DB", "REVIEWCLOCK_DEBUG", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point the platform's config and data directories at a fresh folder for each test,
    so no test reads or writes the real user's register or settings."""
    home = tmp_path_factory.mktemp("home")
    _isolate(monkeypatch, home)
    yield home


@pytest.fixture(scope="session")
def register_copy(tmp_path_factory: pytest.TempPathFactory) -> RegisterCopy:
    """``register_copy(key, build, dest)``: a private copy at ``dest`` of the register that
    ``build(path)`` makes, built once per test process (and per xdist worker) under its
    own temporary directory and isolated home, then copied with SQLite's backup."""
    built: dict[str, Path] = {}

    def copy(key: str, build: Callable[[str], None], dest: Path) -> str:
        if key not in built:
            path = tmp_path_factory.mktemp("template") / f"{key}.db"
            with pytest.MonkeyPatch.context() as mp:
                _isolate(mp, tmp_path_factory.mktemp("template-home"))
                build(str(path))
            built[key] = path
        with (
            contextlib.closing(sqlite3.connect(built[key])) as src,
            contextlib.closing(sqlite3.connect(dest)) as dst,
        ):
            src.backup(dst)
        dest.chmod(0o600)
        return str(dest)

    return copy
