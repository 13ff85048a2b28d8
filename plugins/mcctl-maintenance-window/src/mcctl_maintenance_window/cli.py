"""`mcctl maintenance status`: whether a maintenance window is open now, the current or next window,
and the active or next blackout, at the session clock (simulated under --sim)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from mcctl.cli.examples import section
from mcctl.cli.options import Output, Query
from mcctl.cli.runtime import Runtime, emit, output_overrides

if TYPE_CHECKING:
    from mcctl_maintenance_window.calendar import Calendar, Situation

app = typer.Typer(
    no_args_is_help=True,
    help="Maintenance windows: when the estate file (plugins.maintenance-window) allows changes.",
)

UNCONFIGURED = "unconfigured"  # the state shown when the estate file has no section


EXAMPLES = (
    "mcctl maintenance status",
    "mcctl maintenance status -o json --query next_window.start.utc",
    "mcctl --sim --estate mcctl.yaml maintenance status",
)


@app.command("status", epilog=section(EXAMPLES))
def status(ctx: typer.Context, output: Output = None, query: Query = None) -> None:
    """Whether changes are allowed now; the current or next window and the active or next
    blackout, each in the estate's time zone and UTC."""
    from mcctl_maintenance_window import report
    from mcctl_maintenance_window.calendar import SECTION, situation
    from mcctl_maintenance_window.rule import calendar_of

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    estate = runtime.estate
    if SECTION not in estate.plugins:
        from mcctl.cli import render

        render.note(f"the estate file has no plugins.{SECTION} section: changes are not restricted by time")
        emit(runtime, _unconfigured(), table=_plain_table)
        return
    calendar = calendar_of(estate.plugins[SECTION])
    now = situation(calendar, runtime.session.clock.wall())
    emit(runtime, report.document(calendar, now), table=lambda _doc: _table(calendar, now))


def _unconfigured() -> dict[str, Any]:
    return {
        "configured": False,
        "timezone": None,
        "now": None,
        "state": UNCONFIGURED,
        "open": True,
        "current_window": None,
        "next_window": None,
        "blackout": None,
        "next_blackout": None,
        "plans": None,
        "windows": [],
    }


def _plain_table(doc: dict[str, Any]) -> Any:
    from mcctl.cli.tables import detail_table

    return detail_table({"state": doc["state"], "open": doc["open"]})


def _table(calendar: Calendar, now: Situation) -> Any:
    """One fact a row, each time in the zone and UTC: fits 80 columns."""
    import math

    from rich.table import Table
    from rich.text import Text

    from mcctl_maintenance_window import report
    from mcctl_maintenance_window.calendar import WindowState

    words = {
        WindowState.OPEN: ("OPEN", "green"),
        WindowState.CLOSED: ("CLOSED (outside every window)", "red"),
        WindowState.BLACKOUT: ("CLOSED (blackout)", "red"),
    }
    state, style = words[now.state]

    def at(instant: float) -> str:
        return report.when(calendar, instant) if math.isfinite(instant) else "-"

    rows: list[tuple[str, Text]] = [
        ("changes", Text(state, style=style)),
        ("time zone", Text(calendar.zone_name)),
        ("now", Text(at(now.at))),
    ]
    if now.current is not None:
        rows.append(("window closes", Text(at(now.current.end) if math.isfinite(now.current.end) else "never")))
    if now.next is not None:
        rows.append(("next window", Text(at(now.next.start))))
        rows.append(("  closes", Text(at(now.next.end) if math.isfinite(now.next.end) else "never")))
    elif now.current is None:
        rows.append(("next window", Text("none in the calendar")))
    for label, found in (("blackout", now.blackout), ("next blackout", now.next_blackout)):
        if found is not None:
            rows.append((label, Text(report.blackout_words(found))))
    guarded = ", ".join(sorted(calendar.plans)) if calendar.plans is not None else "every change"
    rows.append(("guards", Text(guarded)))
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in rows:
        table.add_row(label, value)
    return table
