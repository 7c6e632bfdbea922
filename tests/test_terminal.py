"""At a terminal: Rich tables in colour, on a real pseudo-terminal; plain text elsewhere."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from helpers import run_process

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "register.db"
AS_OF = "2025-02-03"

# SGR sequences as Rich writes them for the styles in render/terminal.py.
BOLD_RED, BOLD_MAGENTA, BOLD_AMBER, GREEN, RED = (
    "\x1b[1;31m",
    "\x1b[1;35m",
    "\x1b[1;38;5;208m",
    "\x1b[32m",
    "\x1b[31m",
)


def at_terminal(*args: str, env: dict[str, str] | None = None) -> str:
    """Run the entry point with its stdout on a 200-column pseudo-terminal; what it shows."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    exe = str(Path(sys.executable).parent / "reviewclock")
    base = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "LINES"}}
    proc = subprocess.Popen(
        [exe, *args],
        stdin=slave,
        stdout=slave,
        stderr=subprocess.PIPE,
        env={**base, "TERM": "xterm-256color", **(env or {})},
    )
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the program has closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    return out.decode().replace("\r\n", "\n")


def row(screen: str, ref: str) -> str:
    return next(line for line in screen.splitlines() if ref in line)


def test_status_in_colour_at_a_terminal() -> None:
    screen = at_terminal("status", "--db", str(EXAMPLE), "--as-of", AS_OF)
    assert f"{BOLD_RED}overdue" in row(screen, "BSCP-2024-08")
    assert f"{BOLD_RED}Tue 2024-12-31" in row(screen, "BSCP-2024-08")
    assert f"{BOLD_RED}overdue" in row(screen, "BSCP-2024-09")
    # A delay by proceedings has a colour of its own, never the red of a lapse.
    delayed = row(screen, "BSCP-2024-05")
    assert f"{BOLD_MAGENTA}delayed-proceedings" in delayed and BOLD_RED not in delayed
    assert f"{BOLD_AMBER}due-soon" in row(screen, "BSCP-2024-11")
    assert f"{GREEN}on-track" in row(screen, "BSCP-2024-10")
    assert "─" * 40 in screen  # a Rich table, with its rule under the header


def test_no_color_at_a_terminal_is_plain_text() -> None:
    screen = at_terminal("status", "--db", str(EXAMPLE), "--as-of", AS_OF, env={"NO_COLOR": "1"})
    piped = run_process("status", "--db", str(EXAMPLE), "--as-of", AS_OF).stdout
    assert "\x1b[" not in screen and "─" not in screen
    assert screen == piped


def test_stats_bar_in_two_colours_at_a_terminal() -> None:
    screen = at_terminal("stats", "--year", "2024/25", "--db", str(EXAMPLE), "--as-of", AS_OF)
    # Rapid reviews completed in 2024/25 by 3 February: BSCP-2024-05 (due Fri 28 June,
    # sent that day) on time, BSCP-2024-08 (due Fri 29 November, sent 6 December) late.
    rapid = row(screen, "rapid-review ")
    assert "50%" in rapid
    assert f"{GREEN}{'█' * 12}\x1b[0m{RED}{'░' * 12}" in rapid
