"""`mcctl stamps validate STAMP`: check a stamp end to end before it gets traffic, and give a verdict.

Exit 0 when it passed, 11 (unhealthy) when any check failed; bad input exits 2 before anything is
read. Read-only: no lease, no journal, nothing changed on Azure.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mcctl.cli.options import Output, Query
from mcctl.cli.runtime import Runtime, emit, output_overrides

Probes = Annotated[
    int | None,
    typer.Option("--probes", metavar="N", help="Health-endpoint probes (default: the estate's release.probes, 5)."),
]
MaxLatency = Annotated[
    str | None,
    typer.Option(
        "--max-latency",
        metavar="LATENCY",
        help="Latency limit per probe, e.g. 800ms or 1s (default: the estate's release.max_latency_ms).",
    ),
]
Smoke = Annotated[
    list[str] | None,
    typer.Option(
        "--smoke",
        metavar="PATH[=STATUS]",
        help="A smoke path asked of the stamp's own host (status 200 unless given); repeatable; "
        "adds to or overrides the estate's release.smoke.",
    ),
]
Strict = Annotated[bool, typer.Option("--strict", help="Warnings fail the stamp too (exit 11).")]

VERDICT_COLOURS = {"pass": "green", "warn": "yellow", "fail": "red", "passed": "green", "failed": "red"}


def register(app: typer.Typer) -> None:
    """Add `validate` to the `stamps` command group."""
    app.command("validate")(validate)


def validate(
    ctx: typer.Context,
    stamp: Annotated[str, typer.Argument(help="Stamp name (a candidate, or any active stamp).")],
    probes: Probes = None,
    max_latency: MaxLatency = None,
    smoke: Smoke = None,
    strict: Strict = False,
    output: Output = None,
    query: Query = None,
) -> None:
    """Check a stamp before it gets traffic: its health endpoint (N probes, status and latency), the
    smoke paths on its own host, its web app and plan, SQL and Redis as the health model sees them
    from its region. Exit 0 passed, 11 failed."""
    from mcctl.cli import render
    from mcctl.domain import stampvalidation as judge
    from mcctl.errors import ExitCode

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    # Every option is checked before anything is read.
    limit = judge.parse_latency_ms(max_latency) if max_latency is not None else None
    extra = [judge.parse_smoke(text) for text in smoke or ()]
    if probes is not None and not 1 <= probes <= judge.MAX_PROBES:
        from mcctl.errors import UsageError

        raise UsageError(f"--probes: must be between 1 and {judge.MAX_PROBES}, got {probes}")
    _not_retired(runtime.estate, stamp)  # retired in the estate file: said before signing in

    from mcctl.ops.stampvalidate import validate_stamp

    session = runtime.session  # opening it discovers the stamps pipelines deployed (candidates)
    estate = runtime.estate
    found = _known(estate, stamp)
    settings = judge.settings_for(estate.release, probes=probes, max_latency_ms=limit, smoke=extra, strict=strict)
    result = validate_stamp(session, estate, found, settings)
    emit(runtime, result.to_dict(), table=validation_table)
    if result.verdict is judge.Verdict.FAILED:
        names = ", ".join(c.name for c in result.failed)
        render.note(f"stamp {found.name}: validation failed ({names}) (exit {int(ExitCode.UNHEALTHY)})")
        raise typer.Exit(int(ExitCode.UNHEALTHY))


def _not_retired(estate: Any, name: str) -> None:
    from mcctl.errors import UsageError

    if estate.stamp(name) is None and estate.retired_stamp(name) is not None:
        raise UsageError(f"STAMP: '{name}' is retired (its origin is gone; nothing to validate)")


def _known(estate: Any, name: str) -> Any:
    """The stamp, or one line: retired, or unknown (naming the known ones)."""
    from mcctl.domain.selection import known_stamp

    _not_retired(estate, name)
    return known_stamp(estate, name, "STAMP")


# -- table -----------------------------------------------------------------------------------------
def _verdict(text: str) -> str:
    from rich.markup import escape

    return f"[{VERDICT_COLOURS.get(text, 'dim')}]{escape(text)}[/]"


def validation_table(data: dict[str, Any]) -> Any:
    """CHECK / VERDICT / DETAIL (the detail wraps between words at 80 columns), then the verdict."""
    from rich.console import Group
    from rich.markup import escape
    from rich.text import Text

    from mcctl.cli.fittable import Col, FitTable, hanging

    table = FitTable(Col("CHECK"), Col("VERDICT"), Col("DETAIL", prose=True))
    for check in data["checks"]:
        table.add_row(escape(check["name"]), _verdict(check["verdict"]), escape(check["detail"]))
    what = f"stamp {data['stamp']} ({data['region']}, {data['lifecycle']}): "
    summary = _verdict(data["verdict"]) + escape(f" in {data['seconds']:g}s")
    return Group(table, Text(""), hanging(escape(what), summary))
