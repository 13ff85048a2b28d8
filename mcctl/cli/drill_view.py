"""What `mcctl drill` shows: the run's summary and where its report is, the past drills' table, the
dry run's plan, the approval prompt — and the report files written after every run, whatever its
exit code (a runbook gets the same JSON document for 0, 7, 9, 11 or 130)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcctl.cli.runtime import Runtime
    from mcctl.domain.drill.record import DrillRecord
    from mcctl.ops.drill.usecase import DrillResult
    from mcctl.ops.services import Services

FORMATS = {"json": "report.json", "md": "report.md", "html": "report.html"}


def render_report(record: DrillRecord, fmt: str) -> str:
    from mcctl.domain.drill.report import build_report

    document = build_report(record)
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    if fmt == "html":
        from mcctl.cli.drillreport.html import render_html

        return render_html(document)
    from mcctl.cli.drillreport.markdown import render_markdown

    return render_markdown(document)


def write_reports(services: Services, operation: str) -> tuple[Path, dict[str, Any]]:
    """The three formats beside the journal; returns the HTML's path and the JSON document."""
    from mcctl.domain.drill.report import build_report
    from mcctl.ops.drill.history import read_drill
    from mcctl.ops.drill.kept import drill_dir

    record = read_drill(services, operation)
    folder = drill_dir(services, operation)
    folder.mkdir(parents=True, exist_ok=True)
    for fmt, name in FORMATS.items():
        (folder / name).write_text(render_report(record, fmt))
    return folder / FORMATS["html"], build_report(record)


@contextmanager
def reporting(runtime: Runtime, services: Services, ref: str | None) -> Iterator[Callable[[str | None], None]]:
    """Around a drill command: once it ends — passed, failed, rolled back or interrupted — write the
    drill's report, show its summary (or the JSON document), and say what to run next."""
    finished: list[str | None] = []
    try:
        yield finished.append
    except BaseException as exc:
        from mcctl.errors import UsageError

        if isinstance(exc, UsageError):
            raise  # bad input: nothing ran, nothing to report
        drill = drill_of(services, getattr(exc, "operation", None) or services.trace.operation or ref)
        if drill is not None:
            _conclude(runtime, services, drill, interrupted=isinstance(exc, KeyboardInterrupt))
        raise
    drill = drill_of(services, finished[0] if finished else None)
    if drill is not None:
        _conclude(runtime, services, drill, interrupted=False)


def drill_of(services: Services, operation: str | None) -> str | None:
    """The drill an operation belongs to: itself, the drill a rollback put back, a child's drill."""
    from mcctl.errors import McctlError
    from mcctl.ops.drill.children import DRILL_FIELD
    from mcctl.ops.drill.plan import DRILL_KIND

    if operation is None:
        return None
    try:
        if operation == "latest":
            from mcctl.ops.drill.usecase import drill_record

            return drill_record(services, operation).id
        record = services.journal.operation(operation)
    except McctlError:
        return None
    if record.kind == DRILL_KIND:
        return record.id
    if record.kind == f"rollback:{DRILL_KIND}" and record.parent:
        return record.parent
    tag = record.header.get(DRILL_FIELD)
    return drill_of(services, tag.get("operation")) if isinstance(tag, dict) else None


def _conclude(runtime: Runtime, services: Services, drill: str, *, interrupted: bool) -> None:
    from mcctl.cli import render
    from mcctl.cli.runtime import emit

    path, document = write_reports(services, drill)
    emit(runtime, document, table=summary)  # (stdout, as every command's result: the summary, or the JSON)
    render.note(f"drill report: {path} (also report.md and report.json; `mcctl drill report {drill}`)")
    if interrupted:
        render.note(
            f"drill {drill} paused: `mcctl drill resume {drill}` continues it, "
            f"`mcctl drill rollback {drill}` puts back what it changed"
        )


def summary(document: dict[str, Any]) -> Any:
    """The run at a glance: its steps with their times, then RTO, recovery and RPO in one line each."""
    from rich.console import Group
    from rich.text import Text

    from mcctl.cli.fittable import Col, FitTable

    drill = document["drill"]
    table = FitTable(Col("#", justify="right"), Col("STEP", prose=True), Col("STATUS"), Col("TIME", justify="right"))
    for step in document["steps"]:
        seconds = step.get("seconds")
        table.add_row(
            str(step["index"]), _e(step["name"]), _e(step["status"]), "-" if seconds is None else _secs(seconds)
        )
    rto, recovery, rpo = document["rto"], document["recovery"], document["rpo"]
    target = recovery.get("target_region") or "the target"
    unrecovered = "" if rto.get("recovered", True) else " (not recovered)"
    lines: list[Any] = [
        Text(f"drill {drill['operation']} ({drill['name']}): {drill['outcome']}", style="bold"),
        table,
        Text(f"RTO (longest write outage): {_measure(rto.get('seconds'))}{unrecovered}"),
        Text(f"recovery (T0 to serving from {target}): {_measure(recovery.get('seconds'))}"),
        Text(f"RPO: {_rpo(rpo)}"),
    ]
    rollback = document.get("rollback")
    if rollback:
        health = {True: "the estate healthy after it", False: "the estate NOT healthy after it"}
        after = health.get(rollback.get("healthy_after"), "health after it not checked")
        lines.append(Text(f"rollback: operation {rollback.get('operation')} {rollback.get('status')}, {after}"))
    return Group(*lines)


def _secs(seconds: float) -> str:
    seconds = float(seconds)
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s" if seconds >= 60 else f"{seconds:.0f}s"


def _measure(seconds: Any) -> str:
    return "not measured" if seconds is None else f"{float(seconds):.1f}s"


def _rpo(rpo: dict[str, Any]) -> str:
    if rpo.get("seconds") is None:
        return str(rpo.get("note") or "not measurable")
    lost = rpo.get("writes_lost")
    return (
        f"{float(rpo['seconds']):.1f}s"
        + (f" ({lost} acknowledged writes lost)" if lost else "")
        + (f" — {rpo['note']}" if rpo.get("note") else "")
    )


def _e(text: Any) -> str:
    from rich.markup import escape

    return escape(str(text))


# -- drill list ------------------------------------------------------------------------------------------
def drill_rows(records: list[DrillRecord]) -> list[dict[str, Any]]:
    from mcctl.domain.drill.report import build_report

    rows = []
    for record in records:
        document = build_report(record)
        drill = document["drill"]
        rows.append(
            {
                "operation": record.operation,
                "name": record.name,
                "started_at": drill["started_at"],
                "outcome": drill["outcome"],
                "duration_seconds": drill["duration_seconds"],
                "rto_seconds": document["rto"]["seconds"],
                "recovery_seconds": document["recovery"]["seconds"],
                "rpo_seconds": document["rpo"]["seconds"],
                "writes_lost": document["rpo"]["writes_lost"],
                "simulated": record.simulated,
            }
        )
    return rows


def drills_table(rows: list[dict[str, Any]]) -> Any:
    from mcctl.cli.fittable import Col, FitTable

    if not rows:
        return "no drills in the journal yet (`mcctl drill plan ... > drill.yaml`, then `mcctl drill run drill.yaml`)"
    table = FitTable(
        Col("RUN"),
        Col("OUTCOME"),
        Col("RTO", justify="right"),
        Col("RPO", justify="right"),
        Col("STARTED", drop=2),
        Col("NAME", prose=True, drop=1),
    )
    for row in rows:
        rpo = "n/a" if row["rpo_seconds"] is None else _secs(row["rpo_seconds"])
        rto = "-" if row["rto_seconds"] is None else _secs(row["rto_seconds"])
        started = (row["started_at"] or "")[:16].replace("T", " ")
        table.add_row(_e(row["operation"]), _e(row["outcome"]), rto, rpo, started, _e(row["name"]))
    return table


# -- dry runs and prompts ------------------------------------------------------------------------------
def show_dry_run(runtime: Runtime, result: DrillResult) -> None:
    from mcctl.cli import render
    from mcctl.cli.runtime import emit
    from mcctl.cli.tables import plan_table

    assert result.run is not None
    data = {"dry_run": True, **result.run.evaluation.to_dict(), "previews": result.previews}
    emit(runtime, data, table=plan_table)
    if runtime.options.output not in ("json", "yaml"):
        for preview in result.previews:
            if "plan" in preview:
                render.show_on_stderr(f"step {preview['step']} ({preview['name']}) as planned now:")
                render.show_on_stderr(plan_table(preview["plan"]))
            else:
                why = preview.get("error") or f"planned {preview.get('planned')}"
                render.note(f"step {preview['step']} ({preview['name']}): {why}")
    if result.run.refused:
        raise result.run.refusal()


def show_rollback_plan(runtime: Runtime, result: DrillResult) -> None:
    from mcctl.cli.runtime import emit
    from mcctl.cli.tables import plan_table

    assert result.rollback is not None
    emit(runtime, {"dry_run": True, **result.rollback.evaluation.to_dict()}, table=plan_table)
    if result.rollback.refused:
        raise result.rollback.refusal()


def approval_prompt(reporter: Any) -> Callable[[str], bool]:
    """Ask the operator to type `approve` (the live display paused meanwhile)."""

    def ask(message: str) -> bool:
        import typer

        pause, resume = getattr(reporter, "pause", None), getattr(reporter, "resume", None)
        if pause is not None:
            pause()
        try:
            typed = typer.prompt(f"{message} Type 'approve' to continue", err=True, default="", show_default=False)
        finally:
            if resume is not None:
                resume()
        return typed.strip().lower() == "approve"

    return ask
