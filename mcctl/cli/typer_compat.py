"""The one place mcctl reaches into typer's internals.

Tested with typer 0.29 (click vendored as `typer._click`), the only range pyproject admits. If a typer
upgrade breaks an import below, this module is the only one to change.
"""

from __future__ import annotations

from typer._click.exceptions import ClickException
from typer.core import TyperGroup

__all__ = ["ClickException", "TyperGroup"]
