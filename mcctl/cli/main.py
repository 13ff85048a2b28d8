"""The mcctl entry point (the console script `mcctl.cli.main:main`).

It imports nothing heavy: `mcctl --version` answers from here (~python's own start-up) and every
other run loads the CLI (`mcctl.cli.app`: typer, the command groups) first.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer


def create_app() -> typer.Typer:
    """The Typer app: the root group with every registered command (built on first use)."""
    from mcctl.cli.app import create_app as build

    return build()


def main() -> None:
    if sys.argv[1:] == ["--version"]:  # the same line the app's eager --version prints
        from mcctl import __version__

        sys.stdout.write(f"mcctl {__version__}\n")
        sys.exit(0)
    from mcctl.cli.app import main as run

    run()
