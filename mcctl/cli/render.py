"""Output: data to stdout in the chosen format (after --query); notes, warnings, errors to stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from mcctl.errors import UsageError

TableFn = Callable[[Any], Any]  # builds a rich renderable from the data


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def _stdout_console() -> Any:
    from rich.console import Console

    # Piped or captured tables keep whole values rather than ellipsizing to 80 columns.
    width = None if sys.stdout.isatty() else 240
    return Console(file=sys.stdout, highlight=False, width=width)


def note(message: str) -> None:
    _stderr_console().print(f"[dim]mcctl:[/dim] {message}", markup=True, emoji=False)


def warn(message: str) -> None:
    from rich.markup import escape

    _stderr_console().print(f"[yellow]mcctl: warning:[/yellow] {escape(message)}", emoji=False)


def error(message: str, details: Sequence[str] = (), hint: str | None = None) -> None:
    from rich.markup import escape

    console = _stderr_console()
    console.print(f"[red]mcctl: error:[/red] {escape(message)}", emoji=False)
    for line in details:
        console.print(f"  {escape(line)}", emoji=False)
    if hint:
        console.print(f"  [dim]hint: {escape(hint)}[/dim]", emoji=False)


def show_on_stderr(renderable: Any) -> None:
    """Context for the operator (a plan before confirmation) that must not pollute stdout."""
    _stderr_console().print(renderable)


def apply_query(data: Any, query: str | None) -> Any:
    if not query:
        return data
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.search(query, data)
    except JMESPathError as exc:
        raise UsageError(f"--query: invalid JMESPath expression: {' '.join(str(exc).split())}") from None


def emit(data: Any, output: str, query: str | None = None, table: TableFn | None = None) -> None:
    """Render `data` (JSON-shaped) as `output`. Tables are for people; json/yaml/tsv are contracts."""
    result = apply_query(data, query)
    if output == "json":
        sys.stdout.write(json.dumps(result, indent=2, default=str, ensure_ascii=False) + "\n")
    elif output == "yaml":
        import yaml

        sys.stdout.write(yaml.safe_dump(result, sort_keys=False, default_flow_style=False))
    elif output == "tsv":
        sys.stdout.write(_tsv(result))
    elif query or table is None:
        _generic_table(result)
    else:
        _stdout_console().print(table(result))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def _tsv(data: Any) -> str:
    rows = data if isinstance(data, list) else [data]
    lines = []
    for row in rows:
        if isinstance(row, dict):
            lines.append("\t".join(_cell(v) for v in row.values()))
        elif isinstance(row, list):
            lines.append("\t".join(_cell(v) for v in row))
        else:
            lines.append(_cell(row))
    return "".join(line + "\n" for line in lines)


def _generic_table(data: Any) -> None:
    """What a --query result looks like as a table: dict rows become columns, scalars lines."""
    from rich.table import Table

    console = _stdout_console()
    rows = data if isinstance(data, list) else [data]
    if rows and all(isinstance(r, dict) for r in rows):
        columns = list(dict.fromkeys(k for r in rows for k in r))
        table = Table(*columns, box=None, header_style="bold")
        for r in rows:
            table.add_row(*(_cell(r.get(c)) for c in columns))
        console.print(table)
    else:
        for r in rows:
            console.print(_cell(r), markup=False, highlight=False)
