"""Output: data to stdout in the chosen format (after --query); notes, warnings, errors to stderr."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from mcctl.cli.fittable import wide_tables
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
