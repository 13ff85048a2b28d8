"""`mcctl health`: every stamp's verdict with its reasons, rolled up to regions and the estate."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Annotated, Any, NoReturn

import typer

from mcctl.cli.options import Output, Query, RegionFilter, parse_duration
from mcctl.cli.runtime import Runtime, emit, output_overrides

StampFilter = Annotated[str | None, typer.Option("--stamp", "-s", help="Only this stamp.")]
Watch = Annotated[bool, typer.Option("--watch", "-w", help="Refresh in place on stderr until Ctrl-C.")]
DEFAULT_INTERVAL = 5.0


def _probe_timeout(text: str | float) -> float:
    from mcctl.ops.health import MAX_PROBE_SECONDS

    return parse_duration(text, maximum=MAX_PROBE_SECONDS)


Interval = Annotated[
    float | None,
    typer.Option(
        "--interval",
        parser=parse_duration,
        metavar="DURATION",
        show_default="5s",
        help="Time between --watch refreshes.",
    ),
]
Check = Annotated[
    bool,
    typer.Option("--check", help="Exit 0 healthy or drained, 10 degraded (or unknown), 11 unhealthy (for runbooks)."),
]
ProbeTimeout = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        parser=_probe_timeout,
        metavar="DURATION",
        help="Per-probe timeout, at most 5m (default: the estate file's health.timeout, 5s).",
    ),
]
Concurrency = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        metavar="N",
        help="Health probes in flight at once, 1 to 1024 (default: the estate file's health.concurrency, 64).",
    ),
]

COLOURS = {"healthy": "green", "drained": "cyan", "degraded": "yellow", "unhealthy": "red", "unknown": "dim"}


def health(
    ctx: typer.Context,
    region: RegionFilter = None,
    stamp: StampFilter = None,
    output: Output = None,
    query: Query = None,
    watch: Watch = False,
    interval: Interval = None,
    check: Check = False,
    timeout: ProbeTimeout = None,
    concurrency: Concurrency = None,
) -> None:
    """Health of every stamp (health endpoint, app, instances, origin, Redis, SQL, shared dependencies)."""
    from mcctl.cli import render
    from mcctl.cli.commands.journal import journal_of
    from mcctl.cli.watch import check_watch_flags
    from mcctl.ops.health import assess

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    check_watch_flags(runtime.options.output, watch, interval)

    def once() -> Any:
        # The journal says which stamps were drained on purpose (re-read each refresh of --watch).
        operations = journal_of(runtime).operations_touching(s.origin for s in runtime.estate.stamps)
        return assess(
            runtime.session,
            runtime.estate,
            region=region,
            stamp=stamp,
            timeout=timeout,
            operations=operations,
            concurrency=concurrency,
        )

    if watch:
        _watch(once, interval or DEFAULT_INTERVAL)
    result = once()
    emit(runtime, result.to_dict(), table=health_table)
    for problem in result.errors:
        render.warn(problem)
    if check and result.exit_code:
        render.note(f"health check: {result.status} (exit {result.exit_code})")
        raise typer.Exit(result.exit_code)


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _watch(once: Callable[[], Any], interval: float) -> NoReturn:
    """Refresh on stderr (stdout stays for data) until Ctrl-C, which exits 130 through the root's
    handler: in place on a terminal, else one block per refresh so a log keeps every refresh."""
    from rich.console import Group
    from rich.text import Text

    from mcctl.cli.watch import watch

    def frame(result: Any) -> Any:
        header = f"mcctl health (every {interval:g}s, Ctrl-C to stop) — checked {result.checked_at}"
        return Group(Text(header, style="dim"), health_table(result.to_dict()))

    watch(once, frame, interval=interval, pause=_pause, problems=lambda result: result.errors, stream=sys.stderr)


# -- table -----------------------------------------------------------------------------------------
def _status(status: str) -> str:
    from rich.markup import escape

    return f"[{COLOURS.get(status, 'dim')}]{escape(status)}[/]"


def _probe_cell(probe: dict[str, Any] | None) -> str:
    if not probe:
        return "-"
    if probe.get("error") == "timeout":
        return "timeout"
    if probe.get("error"):
        return "unreachable"
    text = str(probe.get("http_status") or "?")
    if probe.get("latency_ms") is not None:
        text += f" · {probe['latency_ms']} ms"
    return text


def health_table(data: dict[str, Any]) -> Any:
    """Stamps, then regions, then shared dependencies, then the estate's verdict — always in words.
    At 80 columns names and verdicts stay whole: the stamps' PROBE column drops first (then REGION),
    and the reasons (prose) wrap between words."""
    from rich.console import Group
    from rich.markup import escape
    from rich.text import Text

    from mcctl.cli.fittable import Col, FitTable, hanging

    stamps = FitTable(
        Col("STAMP"), Col("REGION", drop=1), Col("HEALTH"), Col("PROBE", drop=2), Col("REASONS", prose=True)
    )
    for s in data["stamps"]:
        lines = [escape(r) for r in s["reasons"]] or ["-"]
        lines += [f"[dim]note: {escape(n)}[/dim]" for n in s["notes"]]
        probe = escape(_probe_cell(s["probe"]))
        stamps.add_row(escape(s["name"]), escape(s["region"]), _status(s["status"]), probe, "\n".join(lines))
    regions = FitTable(Col("REGION"), Col("HEALTH"), Col("STAMPS"), Col("REASONS", prose=True))
    for r in data["regions"]:
        reasons = "\n".join(escape(x) for x in r["reasons"]) or "-"
        counted = f"{r['healthy_stamps']}/{r['total_stamps']} healthy"
        drained = sum(1 for status in r["stamps"].values() if status == "drained")
        if drained:
            counted += f", {drained} drained"
        regions.add_row(escape(r["name"]), _status(r["status"]), counted, reasons)
    parts: list[Any] = [stamps, Text(""), regions]
    if data["dependencies"]:
        deps = FitTable(Col("DEPENDENCY"), Col("HEALTH"), Col("IMPACT", drop=1), Col("REASON", prose=True))
        for d in data["dependencies"]:
            deps.add_row(escape(d["name"]), _status(d["status"]), escape(d["impact"]), escape(d["reason"]))
        parts += [Text(""), deps]
    scope = data["scope"]
    what = (
        f"stamp {scope['stamp']}" if scope.get("stamp") else f"region {scope['region']}" if scope.get("region") else ""
    )
    label = f"estate {escape(data['estate'])}" + (f" ({escape(what)})" if what else "") + ": "
    verdict = _status(data["status"])
    if data["reasons"]:
        verdict += " — " + escape("; ".join(data["reasons"]))
    parts += [Text(""), hanging(label, verdict)]  # wrapped reasons stay indented under the verdict
    return Group(*parts)
