"""Output: data to stdout in the chosen format (after --query); notes, warnings, errors to stderr."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

from mcctl.errors import UsageError

TableFn = Callable[[Any], Any]  # builds a rich renderable from the data


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def _stdout_console(width: int | None = None) -> Any:
    from rich.console import Console

    # A width asked for (COLUMNS) wins; else the terminal's; piped or captured output gets room
    # enough for whole rows (tables fit whatever width they get, without cutting a value).
    if width is None and not _columns() and not sys.stdout.isatty():
        width = PIPED_WIDTH
    return Console(file=sys.stdout, highlight=False, width=width)


PIPED_WIDTH = 240


def _columns() -> int | None:
    raw = os.environ.get("COLUMNS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def one_line(text: str) -> str:
    """`text` as one printable line: control and format characters (a newline, an escape sequence,
    a bidi override) are shown escaped, so user text can neither break the one-line error format nor
    forge a line or drive the terminal."""
    import unicodedata

    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == " " or unicodedata.category(ch) not in _UNPRINTED:
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


_UNPRINTED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _print(prefix: str, style: str, message: str, *, indent: str = "") -> None:
    """Print `prefix message` on stderr; the message is plain text, never Rich markup."""
    from rich.text import Text

    line = Text(indent)
    line.append(prefix, style=style)
    line.append(one_line(message))
    _stderr_console().print(line, highlight=False)


def note(message: str) -> None:
    _print("mcctl: ", "dim", message)


def warn(message: str) -> None:
    _print("mcctl: warning: ", "yellow", message)


def error(message: str, details: Sequence[str] = (), hint: str | None = None) -> None:
    """One line, then indented detail lines, then an indented hint (README "Exit codes")."""
    _print("mcctl: error: ", "red", message)
    for line in details:
        _print("", "", line, indent="  ")
    if hint:
        _print("hint: ", "dim", hint, indent="  ")


def show_on_stderr(renderable: Any) -> None:
    """Context for the operator (a plan before confirmation) that must not pollute stdout."""
    _stderr_console().print(renderable)


MAX_QUERY_CHARS = 4096
MAX_QUERY_DEPTH = 64  # nested brackets, braces and parentheses


def query_problem(query: str) -> str | None:
    """Why `query` is not a usable JMESPath expression (None: it is). Checked before any Azure call,
    so a mutating command never applies a change and then fails to print it."""
    from jmespath.exceptions import JMESPathError

    if len(query) > MAX_QUERY_CHARS:
        return f"longer than {MAX_QUERY_CHARS} characters ({len(query)})"
    if _nesting(query) > MAX_QUERY_DEPTH:  # jmespath's parser recurses: refuse before it overflows
        return f"nested more than {MAX_QUERY_DEPTH} levels deep"
    try:
        _compiled(query)
    except RecursionError:  # (a long pipe chain recurses without nesting)
        return "nested too deeply"
    except JMESPathError as exc:
        return f"invalid JMESPath expression: {' '.join(str(exc).split())}"
    return None


def check_query(query: str | None) -> None:
    if query and (problem := query_problem(query)):
        raise UsageError(f"--query: {problem}")


def _nesting(query: str) -> int:
    """The deepest nesting of (), [] and {} outside quoted literals."""
    depth = deepest = 0
    quote: str | None = None
    escaped = False
    for ch in query:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
        elif ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth = max(0, depth - 1)
    return deepest


def _compiled(query: str) -> Any:
    import jmespath

    return jmespath.compile(query)


def apply_query(data: Any, query: str | None) -> Any:
    if not query:
        return data
    from jmespath.exceptions import JMESPathError

    check_query(query)
    try:
        return _compiled(query).search(data)
    except RecursionError:
        raise UsageError("--query: nested too deeply") from None
    except JMESPathError as exc:
        raise UsageError(f"--query: invalid JMESPath expression: {' '.join(str(exc).split())}") from None


TABLE_FORMATS = ("table", "wide")  # for people: `wide` shows every column, however wide


def emit(data: Any, output: str, query: str | None = None, table: TableFn | None = None) -> None:
    """Render `data` (JSON-shaped) as `output`. Tables are for people; json/yaml/tsv are contracts."""
    result = apply_query(data, query)
    if output == "none":  # -o none: the exit code is the answer; nothing on stdout
        return
    if output == "json":
        sys.stdout.write(json.dumps(result, indent=2, default=str, ensure_ascii=False) + "\n")
    elif output == "yaml":
        import yaml

        # through JSON first: YAML's safe dumper refuses str subclasses (the status and kind enums)
        # and writes what JSON cannot say; both outputs must carry the same document
        plain = json.loads(json.dumps(result, default=str))
        sys.stdout.write(yaml.safe_dump(plain, sort_keys=False, default_flow_style=False, allow_unicode=True))
    elif output == "tsv":
        sys.stdout.write(_tsv(result))
    elif query or table is None:
        _print_table(_generic_table(result), wide=output == "wide")
    else:
        _print_table(table(result), wide=output == "wide")


def _print_table(renderable: Any, wide: bool) -> None:
    """Print a table for people: never a value cut short; `wide`: every column, the console widened
    to the natural width of the widest row rather than dropping or wrapping a column."""
    unclipped(renderable)
    if not wide:
        _stdout_console().print(renderable)
        return
    with wide_tables():
        console = _stdout_console()
        needed = console.measure(renderable, options=console.options.update_width(WIDE_MAX)).maximum
        _stdout_console(width=max(console.width, min(needed, WIDE_MAX))).print(renderable)


WIDE_MAX = 10_000


def unclipped(renderable: Any) -> Any:
    """Make plain Rich tables inside `renderable` fold a value that does not fit instead of cutting it
    to `…` (tables built with `tables.FitTable` already do): an id or a verdict is always whole."""
    from rich.console import Group
    from rich.table import Table

    if isinstance(renderable, Group):
        for inner in renderable.renderables:
            unclipped(inner)
    elif isinstance(renderable, Table):
        for column in renderable.columns:
            if column.overflow == "ellipsis":
                column.overflow = "fold"
                column.no_wrap = False
    return renderable


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def _tsv(data: Any) -> str:
    """One line per row, one tab between fields: a tab or newline inside a value is shown escaped."""
    rows = data if isinstance(data, list) else [data]
    lines = []
    for row in rows:
        if isinstance(row, dict):
            lines.append("\t".join(one_line(_cell(v)) for v in row.values()))
        elif isinstance(row, list):
            lines.append("\t".join(one_line(_cell(v)) for v in row))
        else:
            lines.append(one_line(_cell(row)))
    return "".join(line + "\n" for line in lines)


def _generic_table(data: Any) -> Any:
    """What a --query result looks like as a table: dict rows become columns, scalars lines.
    Keys and values are data, never Rich markup; values in words (yes/no, `-`), never reprs."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from mcctl.cli.tables import human_value

    rows = data if isinstance(data, list) else [data]
    if rows and all(isinstance(r, dict) for r in rows):
        columns = list(dict.fromkeys(k for r in rows for k in r))
        table = Table(box=None, header_style="bold")
        for column in columns:
            table.add_column(Text(one_line(str(column))), overflow="fold")
        for r in rows:
            table.add_row(*(Text(one_line(human_value(r.get(c)) if c in r else "")) for c in columns))
        return table
    return Group(*(Text(one_line(_cell(r))) for r in rows))


# -- tables that fit the terminal ----------------------------------------------------------------
# At 80 columns an id or a verdict cut to `heal…` (or folded over two lines) is worse than no column
# at all: a FitTable keeps every cell whole, drops the columns its caller marked low-value (highest
# `drop` first) until the rest fit, and lets only prose columns wrap (at spaces; a long word folds,
# nothing is cut). Every other column is shown on one line at its natural width: when even the
# columns that never drop (the ids and verdicts) do not fit side by side, each row is shown as a
# record (its id, then a `HEADER: value` line per column) rather than an id folded inside its cell.
PROSE_MIN = 16  # a prose column is never squeezed narrower than this (or its header)
GAP = 2  # Rich's padding between two columns (pad_edge off: none at the edges)

_WIDE: ContextVar[bool] = ContextVar("mcctl_wide_tables", default=False)


@contextmanager
def wide_tables() -> Iterator[None]:
    """`-o wide`: every FitTable rendered inside shows all its columns, at their natural widths."""
    token = _WIDE.set(True)
    try:
        yield
    finally:
        _WIDE.reset(token)


@dataclass(frozen=True)
class Col:
    header: str
    drop: int = 0  # 0: always shown; else dropped when the console is narrow, the highest first
    justify: Literal["left", "right"] = "left"
    prose: bool = False  # free text (a summary, a detail): wraps into the width the others leave
    least: int = PROSE_MIN  # a prose column's narrowest (columns drop before it gets narrower)


class FitTable:
    """A table for people that fits the console without truncating a value (see above)."""

    def __init__(self, *columns: Col) -> None:
        self.columns = columns
        self.rows: list[list[Any]] = []

    def add_row(self, *cells: Any) -> None:
        """Cells: a markup string (escape data with `_e`) or a `Text`."""
        from rich.text import Text

        self.rows.append([c if isinstance(c, Text) else Text.from_markup(str(c)) for c in cells])

    def _natural(self) -> list[int]:
        return [
            max([len(col.header), *(_cell_width(row[i]) for row in self.rows)]) for i, col in enumerate(self.columns)
        ]

    def _least(self, natural: list[int]) -> list[int]:
        return [
            min(n, max(len(c.header), c.least)) if c.prose else n for c, n in zip(self.columns, natural, strict=True)
        ]

    def shown(self, width: int) -> list[int]:
        """Indexes of the columns kept at `width` (all of them under `-o wide`)."""
        keep = list(range(len(self.columns)))
        if _WIDE.get():
            return keep
        least = self._least(self._natural())
        droppable = sorted((i for i in keep if self.columns[i].drop), key=lambda i: (-self.columns[i].drop, -i))
        for index in droppable:
            if _total([least[i] for i in keep]) <= width:
                break
            keep.remove(index)
        return keep

    def widths(self, keep: list[int], width: int) -> list[int] | None:
        """Each kept column's width, prose sharing what the others leave; None: no fit even so."""
        natural, least = self._natural(), self._least(self._natural())
        if _WIDE.get() or _total([natural[i] for i in keep]) <= width:
            return [natural[i] for i in keep]
        if _total([least[i] for i in keep]) > width:
            return None
        prose = [i for i in keep if self.columns[i].prose]
        spare = width - _total([least[i] for i in keep])
        want = sum(natural[i] - least[i] for i in prose) or 1
        out = {i: least[i] for i in keep}
        for i in prose:  # proportional to how much each would like; the rounding rest goes to the last
            out[i] += min(natural[i] - least[i], spare * (natural[i] - least[i]) // want)
        if prose:
            out[prose[-1]] += max(0, width - _total(list(out.values())))
            out[prose[-1]] = min(out[prose[-1]], natural[prose[-1]])
        return [out[i] for i in keep]

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.table import Table

        keep = self.shown(options.max_width)
        widths = self.widths(keep, options.max_width)
        if widths is None:  # not even the columns that never drop fit side by side
            yield from self._records(keep)
            return
        table = Table(box=None, header_style="bold", pad_edge=False)
        for position, index in enumerate(keep):
            col = self.columns[index]
            # prose wraps at spaces (a long word folds); any other value stays whole on its line
            table.add_column(
                col.header,
                justify=col.justify,
                overflow="fold",
                no_wrap=not col.prose,
                width=widths[position],
            )
        for row in self.rows:
            table.add_row(*(row[i] for i in keep))
        yield table

    def _records(self, keep: list[int]) -> Any:
        """Each row as a record: its first cell (the id) on a line of its own, then one line per other
        column, `HEADER: value`, indented — every value whole on its line (only a single value longer
        than the whole line folds: nothing is ever cut)."""
        from rich.text import Text

        for row in self.rows:
            yield row[keep[0]]
            for index in keep[1:]:
                yield hanging(Text(f"  {self.columns[index].header}: ", style="bold"), row[index])

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        natural = self._natural()
        keep = self.shown(options.max_width)
        return Measurement(
            min(_total([self._least(natural)[i] for i in keep]), options.max_width),
            _total([natural[i] for i in keep]),
        )


def hanging(prefix: Any, body: Any) -> Any:
    """`prefix` (a bullet, a label) then `body` on one line; when `body` wraps, its further lines are
    indented under its first character, never back at column 0. Strings are Rich markup (escape data)."""
    from rich.table import Table
    from rich.text import Text

    def text(value: Any) -> Any:
        return value if isinstance(value, Text) else Text.from_markup(str(value))

    if not (prefix.plain if isinstance(prefix, Text) else str(prefix)):
        return text(body)
    grid = Table.grid()
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")  # wraps between words; only a word longer than the line folds
    grid.add_row(text(prefix), text(body))
    return grid


def _total(widths: list[int]) -> int:
    return sum(widths) + GAP * max(0, len(widths) - 1)


def _cell_width(text: Any) -> int:
    return max((line.cell_len for line in text.split("\n")), default=0)
