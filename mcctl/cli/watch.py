"""`--watch` for the reads that have it (`status`, `health`): refresh until Ctrl-C.

On a terminal the frame is redrawn in place; otherwise (a log, a pipe, `watch -n` in a script) each
refresh is printed whole, one block after the other, so every refresh is kept and in order. Ctrl-C is
not caught here: it reaches the root's handler and the command exits 130 like any interrupted one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import IO, Any, NoReturn, TypeVar

T = TypeVar("T")


def check_watch_flags(output: str, watch: bool, interval: float | None) -> None:
    """--watch refreshes a table for people; --interval means nothing without it."""
    from mcctl.errors import UsageError

    if watch and output not in ("table", "wide"):
        raise UsageError("--watch: refreshes a table; it cannot be combined with -o json/yaml/tsv")
    if interval is not None and not watch:
        raise UsageError("--interval: only used with --watch")


def watch(
    read: Callable[[], T],
    frame: Callable[[T], Any],
    *,
    interval: float,
    pause: Callable[[float], None],
    problems: Callable[[T], Iterable[str]] = lambda data: (),
    stream: IO[str] | None = None,
) -> NoReturn:
    """Read, show `frame(data)` (a Rich renderable) on `stream` (stdout by default), pause, again.

    `problems`: warnings of one read (shown with its frame on a terminal, on stderr otherwise)."""
    out = stream if stream is not None else sys.stdout
    if not out.isatty():
        _blocks(read, frame, interval, pause, problems, out)
    _in_place(read, frame, interval, pause, problems, out)


def _blocks(
    read: Callable[[], T],
    frame: Callable[[T], Any],
    interval: float,
    pause: Callable[[float], None],
    problems: Callable[[T], Iterable[str]],
    out: IO[str],
) -> NoReturn:
    from rich.console import Console, Group
    from rich.text import Text

    from mcctl.cli import render

    while True:
        data = read()
        block = Group(frame(data), Text(""))
        if out is sys.stdout:  # as any table on stdout is printed (width of a pipe, COLUMNS)
            render.emit(block, "table", table=lambda shown: shown)
        else:
            Console(file=out, highlight=False).print(render.unclipped(block))
        for problem in problems(data):
            render.warn(problem)
        out.flush()
        pause(interval)


def _in_place(
    read: Callable[[], T],
    frame: Callable[[T], Any],
    interval: float,
    pause: Callable[[float], None],
    problems: Callable[[T], Iterable[str]],
    out: IO[str],
) -> NoReturn:
    from rich.console import Console, Group
    from rich.live import Live
    from rich.text import Text

    from mcctl.cli import render

    console = Console(file=out, highlight=False)
    with Live(console=console, auto_refresh=False, redirect_stdout=False, redirect_stderr=False) as live:
        while True:
            data = read()
            warnings = [Text(f"warning: {render.one_line(p)}", style="yellow") for p in problems(data)]
            live.update(Group(render.unclipped(frame(data)), *warnings), refresh=True)
            pause(interval)
