"""Files and directories reviewclock makes for itself, private whatever the umask."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def make_private_dirs(directory: Path) -> None:
    """Make ``directory`` and any missing parents, each 0700 (its owner's alone) whatever
    the umask. Directories that already exist are left as they are."""
    missing = []
    for d in (directory, *directory.parents):
        if d.exists():
            break
        missing.append(d)
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            d.mkdir(0o700)
            d.chmod(0o700)  # mkdir's mode is filtered by the umask; this one is not


def others_can_write(st: os.stat_result) -> bool:
    """True for a file another user could change: not ours, or group- or world-writable."""
    return st.st_uid != os.getuid() or bool(st.st_mode & 0o022)
