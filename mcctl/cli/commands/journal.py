"""`mcctl journal list|show|rotate`: who changed what, step by step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcctl.cli.options import Output, Query
from mcctl.cli.runtime import Runtime, emit, output_overrides

if TYPE_CHECKING:
    from mcctl.ops.journal import Journal, OperationRecord

app = typer.Typer(no_args_is_help=True, help="The journal of every change (intent and outcome of each step).")


def journal_of(runtime: Runtime) -> Journal:
    """The estate's journal; lines it has to skip are reported on stderr as they are found."""
    from mcctl.cli import render
    from mcctl.ops.journal import Journal

    return Journal.for_estate(runtime.estate.name, runtime.options.sim, on_warning=render.warn)


@app.command("list")
def list_operations(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest N operations (at least 1).")] = 20,
    output: Output = None,
    query: Query = None,
) -> None:
    """Operations, newest last: id, when, who, what, status, steps done."""
    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    ops = journal_of(runtime).latest(limit)  # through the index: only these operations are read
    emit(runtime, [op.summary() for op in ops], table=_list_table)


@app.command("show")
def show_operation(
    ctx: typer.Context,
    op: Annotated[str, typer.Argument(help="Operation id, a unique prefix of it, or 'latest'.")],
    output: Output = None,
    query: Query = None,
) -> None:
    """One operation: actor, command line, plan, rule results, overrides, each step's outcomes, every record."""
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
        "step_history": step_history(record),
        "records": record.records,
    }
    emit(runtime, data, table=_show_table)


@app.command("rotate")
def rotate_journal(
    ctx: typer.Context,
    keep_recent: Annotated[
        int, typer.Option("--keep-recent", min=0, help="Also carry the newest N operations into the new journal.")
    ] = 200,
    keep_archives: Annotated[
        int, typer.Option("--keep-archives", min=1, help="Rotated journals kept; older ones are deleted.")
    ] = 5,
    output: Output = None,
    query: Query = None,
) -> None:
    """Start a new journal now, carrying every unfinished operation forward.

    Done by itself past MCCTL_JOURNAL_ROTATE_MB (default 64 MiB).

    The whole journal is kept as NAME.jsonl.rotated-<time>; what restores and rollbacks need is kept.
    """
    from mcctl.cli import render
    from mcctl.ops.journal_rotation import rotate

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    rotation = rotate(journal_of(runtime), keep_recent=keep_recent, keep_archives=keep_archives)
    if rotation is None or rotation.archive is None:
        kept = rotation.kept if rotation is not None else ()
        why = "the journal is empty" if rotation is None else "every operation in it is still needed"
        render.note(f"{why}: nothing to rotate")
        emit(runtime, {"archive": None, "kept": list(kept), "dropped": 0})
        return
    render.note(
        f"journal rotated: {rotation.bytes_before} → {rotation.bytes_after} bytes; {len(rotation.kept)} operations "
        f"carried forward, {rotation.dropped} kept only in {rotation.archive}"
    )
    emit(runtime, rotation.to_dict(), table=_rotation_table)


def _rotation_table(data: dict[str, Any]) -> Any:
    from rich.text import Text

    deleted = ", ".join(data["deleted_archives"]) or "none"
    return Text(
        f"archive: {data['archive']}\ncarried forward: {len(data['kept'])} operations ({data['bytes_after']} bytes)\n"
        f"left in the archive: {data['dropped']} operations\nolder archives deleted: {deleted}"
    )


def step_history(record: OperationRecord) -> list[dict[str, Any]]:
    """Per planned step: every outcome in order, and what they prove (applied, may still land, done)."""
    steps = record.header.get("plan", {}).get("steps", [])
    return [
        {
            "step": index,
            "target": step.get("target") if isinstance(step, dict) else None,
            "history": [o["status"] for o in record.history(index)],
            "applied": record.applied(index),
            "uncertain": record.uncertain(index),
            "finished": record.finished(index),
        }
        for index, step in enumerate(steps)
    ]


def _list_table(rows: list[dict[str, Any]]) -> Any:
    """One line per operation. The id is what `resume`/`rollback` take: never dropped, never cut.
    When narrow, STARTED goes first (the id carries the start time), then OVERRIDES, PARENT, KIND, ACTOR."""
    from rich.text import Text

    from mcctl.cli.fittable import Col, FitTable
    from mcctl.cli.render import one_line
    from mcctl.cli.tables import human_value

    table = FitTable(
        Col("ID"),
        Col("STARTED", drop=6),
        Col("ACTOR", drop=2),
        Col("KIND", drop=3),
        Col("SUMMARY", prose=True, least=30),
        Col("STATUS"),
        Col("STEPS", justify="right"),
        Col("OVERRIDES", drop=5),
        Col("PARENT", drop=4),
    )
    keys = ("id", "started", "actor", "kind", "summary", "status", "steps", "overrides", "parent")
    for row in rows:
        table.add_row(*(Text(one_line(human_value(row.get(key)))) for key in keys))
    return table


def _show_table(data: dict[str, Any]) -> Any:
    from rich.console import Group
    from rich.markup import escape
    from rich.text import Text

    from mcctl.cli.fittable import Col, FitTable
    from mcctl.cli.tables import journal_table

    # Damaged-but-readable headers and records must not break the table (the JSON shows them as they are).
    shown = {
        **data,
        "rules": [r for r in data.get("rules") or [] if isinstance(r, dict) and _is_rule(r)],
        "records": [{**r, "ts": escape(str(r.get("ts", "?")))} for r in data["records"]],
    }
    table = FitTable(
        Col("#", justify="right"), Col("TARGET", prose=True), Col("OUTCOMES", prose=True), Col("APPLIED", prose=True)
    )
    for step in data["step_history"]:
        outcomes = " → ".join(step["history"]) or ("in flight" if step["uncertain"] else "not run")
        applied = "yes" if step["applied"] else "no"
        if step["uncertain"]:
            applied += " (may still land)"
        table.add_row(str(step["step"] + 1), Text(str(step["target"])), Text(outcomes), Text(applied))
    return Group(journal_table(shown), table)


def _is_rule(rule: dict[str, Any]) -> bool:
    return "overridden" in rule and (not rule["overridden"] or {"rule", "message", "reason"} <= rule.keys())
