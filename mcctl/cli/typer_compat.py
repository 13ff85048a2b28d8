"""The one place mcctl reaches into typer's internals.

Tested with typer 0.29 (click vendored as `typer._click`), the only range pyproject admits. If a typer
upgrade breaks an import below, this module is the only one to change.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from typer._click.exceptions import ClickException
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

__all__ = ["ClickException", "TyperCommand", "TyperGroup", "load_rich_help", "polish_options"]

DURATION_METAVAR = "DURATION"


class _AsGiven:
    """Typer 0.29 converts every parameter value through a pydantic TypeAdapter, and importing
    pydantic costs more than parsing a whole command line (~60 ms: every `mcctl <group> --help`
    paid it, for its --help flag). A text option's value is text already, a flag's a bool: kept as
    they are, as pydantic's lax validation keeps them; anything else goes to typer's converter."""

    def __init__(self, param: Any, kind: type) -> None:
        self._param = param
        self._kind = kind
        self._full: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        single = not (param.multiple or param.nargs == -1)
        if single and (value is None or type(value) is self._kind):
            return value
        if self._full is None:
            from typer._coercion import build_runtime_param

            self._full = build_runtime_param(self._param.type_descriptor)
        return self._full.coerce(value, param=param, ctx=ctx)


_PLAIN = {str: str, str | None: str, bool: bool, bool | None: bool}  # annotation -> the value's type


def _plain_kind(param: Any) -> type | None:
    """`str` or `bool` for a text or flag parameter that typer would not change (no parser, no
    click type, no choice, path or file); None for any other."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or descriptor.is_file:
        return None
    try:
        kind = _PLAIN.get(descriptor.annotation)
    except TypeError:  # (an unhashable annotation)
        return None
    info = descriptor.parameter_info
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return None
    return None if descriptor.is_choice or descriptor.is_path else kind


def _lean_runtime_param(param: Any) -> None:
    """Text and flag values skip pydantic (`_AsGiven`); typer builds its converter for the others."""
    if param._runtime_param is None:
        kind = _plain_kind(param)
        if kind is not None:
            param._runtime_param = _AsGiven(param, kind)


class _McctlOption(TyperOption):
    """How mcctl's help shows an option: a flag as a flag (`--sim`, not `--sim <bool>`), and every
    default the same way (`[default: 10m]`, where typer writes a string default as `(10m)`)."""

    def get_runtime_param(self) -> Any:
        _lean_runtime_param(self)
        return super().get_runtime_param()

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


class _McctlArgument(TyperArgument):
    """A positional argument whose text value skips pydantic, as an option's does."""

    def get_runtime_param(self) -> Any:
        _lean_runtime_param(self)
        return super().get_runtime_param()


def _polish(param: Any) -> Any:
    if type(param) is TyperOption:
        param.__class__ = _McctlOption  # (adds behaviour only, no state)
    elif type(param) is TyperArgument:
        param.__class__ = _McctlArgument
    return param


def polish_options(command: Any, *, recursive: bool = True) -> None:
    """Show every option of `command` (and of the commands under it, unless not `recursive`) the
    mcctl way (`_McctlOption`), and convert text values without pydantic."""
    for param in getattr(command, "params", ()):
        _polish(param)
    # --help itself is made on first use, per command (wrapped once: a command may be polished again)
    if hasattr(command, "get_help_option") and not getattr(command, "_mcctl_polished", False):
        made = command.get_help_option

        def get_help_option(ctx: Any) -> Any:
            return _polish(made(ctx))

        command.get_help_option = get_help_option
        command._mcctl_polished = True
    if recursive:
        for sub in (getattr(command, "commands", None) or {}).values():
            polish_options(sub)


# -- Rich help without what mcctl's help never renders ---------------------------------------------
# typer.rich_utils imports rich.markdown (markdown-it, ~40 ms) and rich.traceback (pygments, ~20 ms)
# at its top, for `rich_markup_mode="markdown"` and pretty tracebacks: mcctl uses neither (its
# markup mode is "rich", pretty exceptions are off). While typer.rich_utils is imported, those two
# names come from stand-ins that import the real module on first use; the stand-in modules are
# removed again right after, so any other `import rich.markdown` gets the real one.


class _DeferredMarkdown:
    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        from rich.markdown import Markdown

        return Markdown(*args, **kwargs)


class _DeferredTraceback:
    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        from rich.traceback import Traceback

        return Traceback(*args, **kwargs)

    @classmethod
    def from_exception(cls, *args: Any, **kwargs: Any) -> Any:
        from rich.traceback import Traceback

        return Traceback.from_exception(*args, **kwargs)


_STAND_INS = {"rich.markdown": ("Markdown", _DeferredMarkdown), "rich.traceback": ("Traceback", _DeferredTraceback)}


def load_rich_help() -> None:
    """Import typer.rich_utils (typer's Rich help) without rich.markdown and rich.traceback. Falls
    back to the plain import if this typer wants anything else of them."""
    if "typer.rich_utils" in sys.modules:
        return
    placed = {}
    for module, (name, stand_in) in _STAND_INS.items():
        if module not in sys.modules:
            stub = types.ModuleType(module)
            setattr(stub, name, stand_in)
            sys.modules[module] = placed[module] = stub
    try:
        import typer.rich_utils
    except ImportError:
        sys.modules.pop("typer.rich_utils", None)
    finally:
        for module, stub in placed.items():
            if sys.modules.get(module) is stub:
                del sys.modules[module]
            parent = sys.modules.get("rich")
            if parent is not None and getattr(parent, module.rsplit(".", 1)[1], None) is stub:
                delattr(parent, module.rsplit(".", 1)[1])
    if "typer.rich_utils" not in sys.modules:
        import typer.rich_utils  # noqa: F401  (the plain way: this typer's rich_utils wants more)
