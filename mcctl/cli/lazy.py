"""The root group's commands, each built on first use.

Typer turns a function into a click command by reading its signature and evaluating its annotations
(`typing.get_type_hints`): ~50 ms for mcctl's ~60 commands at every start, for a run that uses one.
`mcctl --help` lists the groups by name and first help line only, and `mcctl sql failover` needs
the `sql` group alone. So the root holds a stand-in per registered command (its name and help,
which is all a listing shows) and builds the real command when a command line, a TAB or a caller
reaching into `.commands` first asks for it (`LazyCommands`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

import typer
import typer.main
from typer.models import TyperInfo

from mcctl.cli.typer_compat import TyperCommand

if TYPE_CHECKING:
    from mcctl.ops.registry import Command

Visitor = Callable[[str, Any], None]


class Pending(TyperCommand):
    """A registered command not built yet: what a listing of the root's commands reads of it."""

    def __init__(self, entry: Command) -> None:
        info = _listing_info(entry)
        super().__init__(
            name=entry.name,
            help=info["help"],
            short_help=info["short_help"],
            hidden=info["hidden"],
            deprecated=info["deprecated"],
            rich_help_panel=info["rich_help_panel"],
        )


def _listing_info(entry: Command) -> dict[str, Any]:
    """The fields typer gives the built command that a listing shows, worked out the way typer does
    (`get_group_from_info` for a group, `get_command_from_info` for a function)."""
    if entry.group:
        solved = typer.main.solve_typer_info_defaults(TyperInfo(entry.target, name=entry.name))
        return {
            "help": solved.help,
            "short_help": solved.short_help,
            "hidden": solved.hidden,
            "deprecated": solved.deprecated,
            "rich_help_panel": solved.rich_help_panel,
        }
    return {
        "help": inspect.getdoc(entry.target),
        "short_help": None,
        "hidden": False,
        "deprecated": False,
        "rich_help_panel": None,
    }


def build(entry: Command, rich_markup_mode: Any) -> Any:
    """The click command typer makes of a registered entry (a Typer app or a command function), as
    `app.add_typer(target, name=name)` / `app.command(name)(target)` on the root would make it."""
    holder = typer.Typer(rich_markup_mode=rich_markup_mode, add_completion=False, pretty_exceptions_enable=False)
    holder.callback()(_nothing)  # a group, so the entry keeps the name it was registered under
    if entry.group:
        holder.add_typer(entry.target, name=entry.name)
    else:
        holder.command(entry.name)(entry.target)
    return typer.main.get_command(holder).commands[entry.name]  # type: ignore[attr-defined]


def _nothing() -> None:
    """(the holder group's callback: never run)"""


class LazyCommands(MutableMapping[str, Any]):
    """name -> click command, in registration order; a `Pending` one is built by `make` the first
    time it is looked up (`[name]`, `.get`, `.items()`, `.values()`), then every visitor sees it."""

    def __init__(self, make: Callable[[str], Any]) -> None:
        self._commands: dict[str, Any] = {}
        self._make = make
        self._visitors: list[Visitor] = []

    def __getitem__(self, name: str) -> Any:
        command = self._commands[name]
        if isinstance(command, Pending):
            command = self._commands[name] = self._make(name)
            for visit in self._visitors:
                visit(name, command)
        return command

    def __setitem__(self, name: str, command: Any) -> None:
        self._commands[name] = command

    def __delitem__(self, name: str) -> None:
        del self._commands[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._commands)

    def __len__(self) -> int:
        return len(self._commands)

    def peek(self, name: str) -> Any:
        """The command or its stand-in, building nothing (a listing, a completion of names)."""
        return self._commands.get(name)

    def built(self) -> list[tuple[str, Any]]:
        return [(name, c) for name, c in self._commands.items() if not isinstance(c, Pending)]

    def visit(self, visitor: Visitor) -> None:
        """Run `visitor(name, command)` on every command built so far and on each one built later."""
        self._visitors.append(visitor)
        for name, command in self.built():
            visitor(name, command)
