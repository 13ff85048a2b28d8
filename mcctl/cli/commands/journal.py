"""`mcctl journal list|show`: who changed what, step by step."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mcctl.cli.options import Output, Query
from mcctl.cli.runtime import Runtime, emit, output_overrides

app = typer.Typer(no_args_is_help=True, help="The journal of every change (intent and outcome of each step).")


def journal_of(runtime: Runtime) -> Any:
    from mcctl.ops.journal import Journal

    return Journal.for_estate(runtime.estate.name, runtime.options.sim)


@app.command("list")
def list_operations(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", help="Newest N operations.")] = 20,
    output: Output = None,
    query: Query = None,
) -> None:
    """Operations, newest last: id, when, who, what, status, steps done."""
    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    ops = journal_of(runtime).operations()[-limit:] if limit > 0 else []
    emit(runtime, [op.summary() for op in ops])


@app.command("show")
def show_operation(
    ctx: typer.Context,
    op: Annotated[str, typer.Argument(help="Operation id, a unique prefix of it, or 'latest'.")],
    output: Output = None,
    query: Query = None,
) -> None:
    """One operation: actor, command line, plan, rule results, overrides, and every record."""
    from mcctl.cli.tables import journal_table

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    record = journal_of(runtime).operation(op)
    data = {
        **record.summary(),
        "command": record.header.get("command"),
        "actor_claims": record.header.get("actor"),
        "host": record.header.get("host"),
        "rules": record.header.get("rules", []),
        "plan": record.header.get("plan"),
        "in_flight": record.in_flight(),
        "records": record.records,
    }
    emit(runtime, data, table=journal_table)
