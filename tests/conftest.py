"""Shared fixtures: every test runs with its own empty config and data directories, the
register tests run on both engines (SQLite, and a real PostgreSQL server), and registers
that many tests start from are built once per test process and copied."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import postgres
from helpers import RegisterCopy


def _isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("HOME", str(home))
    for var in ("REVIEWCLOCK_CONFIG", "REVIEWCLOCK_DB", "REVIEWCLOCK_DEBUG", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    for var in ("PGPASSWORD", "PGPASSFILE", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE"):
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
    """``register_copy(key, build, dest)``: a private copy at ``dest`` of the SQLite
    register that ``build(path)`` makes, built once per test process (and per xdist
    worker) under its own temporary directory and isolated home, then copied with
    SQLite's backup."""
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: the test is about SQLite itself (files, modes, locks)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked sqlite_only runs with the SQLite register alone."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("register_url") if callspec else None
        if engine == "postgresql" and item.get_closest_marker("sqlite_only"):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a PostgreSQL superuser on a server for this test run.

    ``REVIEWCLOCK_TEST_PG`` when set (CI starts the server); otherwise a throwaway
    cluster started here when PostgreSQL is installed; otherwise the PostgreSQL
    tests are skipped, except under CI, where that is a failure."""
    url = os.environ.get(postgres.ENV)
    if url:
        yield url
        return
    base = Path(tempfile.mkdtemp(prefix="reviewclock-pg-"))
    try:
        url = postgres.start(base)
    except RuntimeError as e:
        postgres.stop(base)
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL for the register tests, and it would not start: {e}")
        pytest.skip(f"PostgreSQL tests skipped: {e}")
    try:
        yield url
    finally:
        postgres.stop(base)


def admin(server: str) -> object:
    """An autocommit psycopg connection to the server's maintenance database."""
    import psycopg

    return psycopg.connect(libpq(server), autocommit=True)


def libpq(url: str) -> str:
    """The libpq form of a reviewclock PostgreSQL URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def pg_database(pg_server: str) -> Iterator[str]:
    """A new empty database for one test, dropped afterwards; its reviewclock URL."""
    import psycopg

    name = f"rc_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(libpq(pg_server), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield pg_server.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(libpq(pg_server), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def register_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's register lives: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "register.db")
    return str(request.getfixturevalue("pg_database"))
