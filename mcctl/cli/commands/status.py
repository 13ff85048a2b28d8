"""`mcctl status`: the first screen of an incident — the verdict, where traffic goes, SQL, the lock,
unfinished operations (and, on the simulator, what is being simulated)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

import typer

from mcctl.cli.options import Output, Query, parse_duration
from mcctl.cli.runtime import Runtime, emit, output_overrides

DEFAULT_INTERVAL = 5.0
Watch = Annotated[bool, typer.Option("--watch", "-w", help="Refresh until Ctrl-C (in place on a terminal).")]
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
COLOURS = {"healthy": "green", "degraded": "yellow", "unhealthy": "red", "drained": "cyan"}
REDIS_COLOURS = {"linked": "green", "degraded": "yellow", "broken": "red"}
SQL_VERDICTS = {
    "ready": "failover ready",
    "degraded": "failover ready (degraded)",
    "not_ready": "failover NOT ready",
}
OPERATION_STATES = {"in_flight": "in flight", "interrupted": "interrupted", "running": "running"}
Check = Annotated[
    bool,
    typer.Option(
        "--check",
        help="Exit 10 if the estate is degraded or unknown or SQL is not failover-ready, 11 if it is unhealthy.",
    ),
]


def status(
    ctx: typer.Context,
    output: Output = None,
    query: Query = None,
    watch: Watch = False,
    interval: Interval = None,
    check: Check = False,
) -> None:
    """The estate on one screen: verdict, traffic per region, SQL primary, lock, unfinished operations."""
    from mcctl.cli import render
    from mcctl.cli.watch import check_watch_flags
    from mcctl.errors import UsageError

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    check_watch_flags(runtime.options.output, watch, interval)
    if check and watch:
        raise UsageError("--check: not with --watch (a watch ends only with Ctrl-C)")

    def once() -> dict[str, Any]:
        return read(runtime)

    if watch:
        _watch(once, interval or DEFAULT_INTERVAL)
        return
    data = once()
    emit(runtime, data, table=status_table)
    for problem in data["errors"]:
        render.warn(problem)
    code = data["check"]["exit_code"]
    if check and code:
        render.note(f"status check: {'; '.join(data['check']['reasons'])} (exit {code})")
        raise typer.Exit(code)


def read(runtime: Runtime) -> dict[str, Any]:
    """The status document (`-o json`); with --sim, what the simulator is simulating."""
    from dataclasses import replace

    from mcctl.ops.journal import Journal
    from mcctl.ops.status import read_estate_status

    journal = Journal.for_estate(runtime.estate.name, runtime.options.sim)
    result = read_estate_status(runtime.session, runtime.estate, journal)
    if runtime.options.sim:
        result = replace(result, simulation=simulation(runtime))
    return result.to_dict()


def simulation(runtime: Runtime) -> dict[str, Any]:
    """The simulator's active outages and faults (the CLI may look at the simulator; ops may not)."""
    from mcctl.sim.clock import iso

    sim = runtime.sim
    assert sim is not None
    with sim.store.transaction() as data:
        health = dict(data.get("health", {}).get("faults", {}))
        return {
            "simulated_time": iso(sim.now()),
            "outages": list(data["outages"]),
            "faults": [dict(f) for f in data["faults"]],
            "health_faults": [
                {"target": f.get("target", url), "mode": f.get("mode")}
                for url, f in sorted(health.items())
                if isinstance(f, dict)
            ],
        }


# -- watch -----------------------------------------------------------------------------------------
def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _watch(once: Callable[[], dict[str, Any]], interval: float) -> None:
    """Refresh until Ctrl-C (exit 130 through the root's handler): in place on a terminal, else one
    block per refresh, so a log or a pipe gets every refresh in order."""
    from rich.console import Group
    from rich.text import Text

    from mcctl.cli.watch import watch

    def frame(data: dict[str, Any]) -> Any:
        header = f"mcctl status (every {interval:g}s, Ctrl-C to stop) — {data['checked_at'] or '?'}"
        return Group(Text(header, style="dim"), status_table(data))

    watch(once, frame, interval=interval, pause=_pause, problems=lambda data: data["errors"])


# -- table -----------------------------------------------------------------------------------------
def _e(value: Any) -> str:
    from rich.markup import escape

    from mcctl.cli.render import one_line

    return escape(one_line(str(value)))


def _verdict(value: str | None, colours: dict[str, str]) -> str:
    """A verdict in words (colour only repeats it); unknown or unread: `?`."""
    if value is None or value == "unknown":
        return "[dim]?[/dim]"
    colour = colours.get(value)
    return f"[{colour}]{_e(value)}[/{colour}]" if colour else _e(value)


def _percent(share: float | None) -> str:
    """0.0476 -> 4.8%; a sliver is never shown as 0% (as the plans' traffic preview says it)."""
    if share is None:
        return "?"
    if share <= 0:
        return "0%"
    if share < 0.0005:
        return "<0.1%"
    return f"{share * 100:.1f}".removesuffix(".0") + "%"


def _traffic(region: dict[str, Any]) -> str:
    share, configured = region["share"], region["configured_share"]
    text = _percent(share)
    if share is not None and configured is not None and share != configured:
        text += f" (cfg {_percent(configured)})"
    return text


def _count(value: int | None, total: int | None = None) -> str:
    if value is None:
        return "[dim]?[/dim]"
    return f"{value}/{total}" if total is not None else str(value)


def _sql_role(role: str | None) -> str:
    if role is None:
        return "-"
    return {"Primary": "[bold]primary[/bold]", "Secondary": "secondary"}.get(role, _verdict(role, {}))


def regions_table(regions: list[dict[str, Any]]) -> Any:
    from mcctl.cli.fittable import Col, FitTable

    # Names and verdicts never wrap or shrink: when narrow, TRAFFIC's "(cfg ...)" note wraps under
    # its share, then DRAINED goes (SERVING's n/m says it too).
    table = FitTable(
        Col("REGION"),
        Col("HEALTH"),
        Col("TRAFFIC", prose=True, least=6),
        Col("SERVING"),
        Col("DRAINED", drop=1),
        Col("SQL"),
        Col("REDIS"),
    )
    for r in regions:
        table.add_row(
            _e(r["name"]),
            _verdict(r["health"], COLOURS),
            _traffic(r),
            _count(r["serving"], r["stamps"]),
            _count(r["drained"]),
            _sql_role(r["sql_role"]),
            "-" if r["redis"] is None else _verdict(r["redis"], REDIS_COLOURS),
        )
    return table


# A line is (prefix, body), both markup: the body's wrapped lines are indented under its first
# character (`render.hanging`), so a wrapped reason or command stays under its own item.
Line = tuple[str, str]


def _sql_lines(sql: dict[str, Any] | None) -> list[Line]:
    if sql is None:
        return []
    primary = _e(sql["primary_region"]) if sql["primary_region"] else "?"
    verdict = SQL_VERDICTS.get(sql["verdict"], "failover readiness ?")
    lines = [("SQL: ", f"primary {primary} · {verdict}")]
    lines += [("  - ", _e(problem)) for problem in sql["problems"]]
    return lines


def _lock_line(lock: dict[str, Any] | None) -> Line:
    if lock is None:
        return ("lock: ", "[dim]?[/dim]")
    if not lock["held"]:
        return ("lock: ", f"free ({_e(lock['state'])})")
    who = _e(lock["actor"] or "an unknown holder")
    parts = [f"operation {_e(lock['operation'])}" if lock["operation"] else None]
    parts += [f"pid {_e(lock['pid'])} on {_e(lock['host'])}" if lock["host"] else None]
    parts += [f"since {_e(lock['acquired_at'])}" if lock["acquired_at"] else None]
    parts += [f"expires {_e(lock['expires_at'])}" if lock["expires_at"] else "until released"]
    return ("lock: ", f"[bold]held[/bold] by {who} (" + ", ".join(p for p in parts if p) + ")")


def _operation_lines(operations: list[dict[str, Any]] | None) -> list[Line]:
    if operations is None:
        return [("operations: ", "[dim]?[/dim]")]
    if not operations:
        return [("operations: ", "none running, in flight or interrupted")]
    lines = [("", "operations running, in flight or interrupted:")]
    for op in operations:
        state = OPERATION_STATES.get(op["state"], _e(op["state"]))
        landing = f", {op['may_still_land']} may still land" if op["may_still_land"] else ""
        lines.append(
            ("  ", f"{_e(op['id'])}  [bold]{state}[/bold] ({_e(op['status'])}{landing}), {_e(op['steps'])} steps")
        )
        if op["summary"]:
            lines.append(("    ", _e(op["summary"])))
        if op["state"] == "running":  # its process is at work: nothing to resume yet
            lines.append(("    ", "its process holds the operator lease (see lock)"))
            continue
        lines.append(("    continue: ", _e(op["resume"])))
        lines.append(("    undo:     ", _e(op["rollback"])))
    return lines


def _fault(fault: dict[str, Any]) -> str:
    what = str(fault.get("kind", "?"))
    if fault.get("status"):
        what += f" {fault['status']}"
    where = f"{fault.get('method', '*')} {fault.get('path') or '*'}"
    return f"{what} on {where} (×{fault.get('count', '?')})"


def _simulation_lines(sim: dict[str, Any] | None) -> list[Line]:
    if sim is None:
        return []
    active = [f"outage {_e(region)}" for region in sim["outages"]]
    active += [f"fault {_e(_fault(f))}" for f in sim["faults"]]
    active += [f"{_e(h['target'])} health {_e(h['mode'])}" for h in sim["health_faults"]]
    return [(f"simulated ({_e(sim['simulated_time'])}): ", "; ".join(active) if active else "nothing active")]


def status_table(data: dict[str, Any]) -> Any:
    """The verdict, the regions, then one line (or a few) per other part — at 80 columns, ids and
    verdicts whole (lines wrap between words, never inside one)."""
    from rich.console import Group
    from rich.text import Text

    from mcctl.cli.fittable import hanging

    # The estate's verdict in words, also when unknown (the table's cells say `?`).
    colour = COLOURS.get(data["status"], "dim")
    verdict = f"estate {_e(data['estate'])}: [{colour}]{_e(data['status'])}[/{colour}]"
    parts: list[Any] = [Text.from_markup(verdict)]
    parts += [hanging("  - ", _e(reason)) for reason in data["reasons"]]
    parts += [Text(""), regions_table(data["regions"])]
    parts.append(Text("TRAFFIC: share of edge traffic by origin config and health (cfg: config alone)", style="dim"))
    lines = _sql_lines(data["sql"]) + [_lock_line(data["lock"])] + _operation_lines(data["operations"])
    lines += [("[yellow]in flight:[/yellow] ", _e(change)) for change in data.get("in_flight", ())]
    lines += _simulation_lines(data["simulation"])
    lines += [("[yellow]problem:[/yellow] ", _e(problem)) for problem in data.get("problems", ())]
    parts += [Text("")] + [hanging(prefix, body) for prefix, body in lines]
    return Group(*parts)
