"""The plugin module (entry point `maintenance-window`, group `mcctl`): what it adds to mcctl.

Hooks import only what they register: `mcctl --help` runs `register_commands`, and the command's
module imports Typer alone until it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcctl.hookspecs import hookimpl


@hookimpl
def register_estate_sections(register: Callable[[str, Callable[[Any], Any]], None]) -> None:
    from mcctl_maintenance_window.calendar import SECTION

    register(SECTION, _parse)


def _parse(raw: Any) -> Any:
    from mcctl_maintenance_window.settings import parse  # pydantic: only when an estate file is read

    return parse(raw)


@hookimpl
def register_safety_rules(register: Callable[[Any], None]) -> None:
    from mcctl_maintenance_window.rule import RULE

    register(RULE)


@hookimpl
def register_commands(register: Callable[..., None]) -> None:
    from mcctl_maintenance_window.cli import app

    register("maintenance", app)
