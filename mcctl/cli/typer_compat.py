"""The one place mcctl reaches into typer's internals.

Tested with typer 0.29 (click vendored as `typer._click`); releases that still depend on the separate
`click` package (typer 0.12 to 0.2x) expose the same classes there. If a typer upgrade breaks an
import below, this module is the only one to change.
"""

from __future__ import annotations

try:  # typer >= the release that vendored click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - typer releases that depend on click
    from click.exceptions import ClickException  # type: ignore[no-redef]

from typer.core import TyperGroup

__all__ = ["ClickException", "TyperGroup"]
