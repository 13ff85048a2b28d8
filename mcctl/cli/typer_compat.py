"""The one place mcctl reaches into typer's internals.

Tested with typer 0.29 (click vendored as `typer._click`), the only range pyproject admits. If a typer
upgrade breaks an import below, this module is the only one to change.
"""

from __future__ import annotations

from typing import Any

from typer._click.exceptions import ClickException
from typer.core import TyperGroup, TyperOption

__all__ = ["ClickException", "TyperGroup", "polish_options"]

DURATION_METAVAR = "DURATION"


class _McctlOption(TyperOption):
    """How mcctl's help shows an option: a flag as a flag (`--sim`, not `--sim <bool>`), and every
    default the same way (`[default: 10m]`, where typer writes a string default as `(10m)`)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag:
            return None
        return super().display_type_rich(ctx)

    def _get_default_string(self, *, ctx: Any, show_default_is_str: bool, default_value: Any) -> str:
        if show_default_is_str:
            return str(self.show_default)
        if self.metavar == DURATION_METAVAR and isinstance(default_value, int | float):
            from mcctl.cli.options import duration_text

            return duration_text(float(default_value))  # 600.0 reads as 10m, as it is typed
        return super()._get_default_string(
            ctx=ctx, show_default_is_str=show_default_is_str, default_value=default_value
        )


def _polish(param: Any) -> Any:
    if type(param) is TyperOption:
        param.__class__ = _McctlOption  # (adds behaviour only, no state)
    return param


def polish_options(command: Any) -> None:
    """Show every option of `command` and of the commands under it the mcctl way (`_McctlOption`)."""
    for param in getattr(command, "params", ()):
        _polish(param)
    if hasattr(command, "get_help_option"):  # --help itself is made on first use, per command
        made = command.get_help_option

        def get_help_option(ctx: Any) -> Any:
            return _polish(made(ctx))

        command.get_help_option = get_help_option
    for sub in (getattr(command, "commands", None) or {}).values():
        polish_options(sub)
