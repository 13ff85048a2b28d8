"""`mcctl plugins list`: the plugins loaded (built-in and installed) and what each registered."""

from __future__ import annotations

from typing import Any

import typer

from mcctl.cli.options import Output, Query
from mcctl.cli.runtime import Runtime, emit, output_overrides

app = typer.Typer(no_args_is_help=True, help="Plugins: the built-in jobs and installed add-ons (entry points 'mcctl').")


@app.command("list")
def list_plugins(ctx: typer.Context, output: Output = None, query: Query = None) -> None:
    """Every loaded plugin: name, version (installed ones), what it registered."""
    from mcctl.plugins import loaded

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    emit(runtime, [p.to_dict() for p in loaded().plugins], table=_table)


def _table(rows: list[dict[str, Any]]) -> Any:
    """Names whole; what each registered wraps at spaces; the version goes first when narrow."""
    from rich.text import Text

    from mcctl.cli.fittable import Col, FitTable
    from mcctl.cli.render import one_line

    table = FitTable(Col("NAME"), Col("VERSION", drop=1), Col("REGISTERED", prose=True))
    for row in rows:
        registered = "; ".join(
            f"{what.replace('_', ' ')}: {', '.join(names)}" for what, names in row["registered"].items()
        )
        version = row["version"] or ("built-in" if row["builtin"] else "-")
        # a plugin's name, version and names are its own text: shown as typed, never as Rich markup
        table.add_row(*(Text(one_line(str(cell))) for cell in (row["name"], version, registered or "-")))
    return table
