"""The error funnel: every problem becomes one line on stderr.

Exit 1 for refused input, 2 for a usage error, 130 for Ctrl-C; no traceback
unless REVIEWCLOCK_DEBUG is set. The Typer app and the way into ``status`` that
does without Typer (:mod:`reviewclock.cli.status`) both end here, so a problem
reads the same whichever way a command was run. Nothing here imports Typer.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import NoReturn

from reviewclock.errors import ReviewclockError

PROG = "reviewclock"
DEBUG_ENV = "REVIEWCLOCK_DEBUG"


def fail(message: str, code: int) -> NoReturn:
    """Print one line on stderr and exit: the only way a command reports a problem."""
    first = " ".join(message.split())
    print(f"{PROG}: error: {first}", file=sys.stderr)
    raise SystemExit(code)


def refuse_non_utf8(arguments: Sequence[str]) -> None:
    """Refuse an argument the terminal sent in another encoding, naming its bytes."""
    for arg in arguments:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(arg).decode("ascii", "backslashreplace")
            fail(
                f"the argument '{shown}' is not UTF-8 text; type references and "
                "paths in UTF-8 (check the terminal's character encoding)",
                2,
            )


@contextlib.contextmanager
def one_line_errors() -> Iterator[None]:
    """Around a command: what it raises becomes one line and an exit status. What the
    command printed is flushed here, so that a failure to deliver it is caught too."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader of the output has gone (``| head``): stop quietly, as Typer does for
        # every other command, and let nothing more be written to the pipe on the way out.
        _drop_stdout()
        raise SystemExit(1) from None
    except ReviewclockError as e:
        fail(str(e), e.exit_code)
    except KeyboardInterrupt:
        from reviewclock import interruption

        print(f"{PROG}: {interruption.message()}", file=sys.stderr)
        raise SystemExit(130) from None
    except OSError as e:
        if os.environ.get(DEBUG_ENV):
            raise
        # A file the system would not open or make: name it and the system's reason.
        what = f" {e.filename}" if e.filename else ""
        fail(f"cannot use{what}: {e.strerror or type(e).__name__}", 1)
    except Exception as e:
        if os.environ.get(DEBUG_ENV):
            raise
        fail(
            f"unexpected {type(e).__name__}: {e}. This is a bug in reviewclock; "
            f"rerun with {DEBUG_ENV}=1 to see the traceback and report it",
            1,
        )


def _drop_stdout() -> None:
    """Point stdout at the null device, so that what is still buffered for a closed pipe
    goes nowhere when the interpreter exits (Python's own advice for a broken pipe)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
