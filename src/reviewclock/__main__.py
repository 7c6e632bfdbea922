"""The ``reviewclock`` entry point (also ``python -m reviewclock``).

Ctrl-C is handled before the command line and its libraries are imported, so
an interrupt at any moment ends the command with one line and no traceback.
"""

from __future__ import annotations


def main() -> None:
    from reviewclock import interruption

    interruption.install()
    interruption.pause("startup")
    from reviewclock.cli import main as run

    run()


if __name__ == "__main__":
    main()
