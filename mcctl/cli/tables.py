"""Tables for people. Colour only ever repeats what the text already says.

Every value from data (names, ids, Azure's strings, command lines, reasons) is escaped or wrapped in
`Text`, so a `[/]` or `[bold]` in it is shown as typed, never taken as Rich markup.
"""

from __future__ import annotations

import re
from typing import Any

from mcctl.cli.fittable import Col, FitTable


def _e(value: Any) -> str:
    """A data value, safe inside a markup string (and on a terminal: no escape sequences)."""
    from rich.markup import escape

    from mcctl.cli.render import one_line

    return escape(one_line(str(value)))


def _t(text: str, style: str = "") -> Any:
    """A line of data as `Text`: never markup, and no escape sequences reach the terminal."""
    from rich.text import Text

    from mcctl.cli.render import one_line

    return Text(one_line(text), style=style)


def _yes_no(value: Any, yes: str, no: str) -> str:
    if value is None:
        return "[dim]?[/dim]"
    return yes if value else no


# -- human values ----------------------------------------------------------------------------------
_BOOL_CHANGE = re.compile(r"(?P<key>[\w.-]+): (?P<old>True|False|-) → (?P<new>True|False|-)(?=, |$)")


def _word(key: str, value: str) -> str:
    if value == "-":
        return value
    if key == "enabled":
        return "enabled" if value == "True" else "disabled"
    return "yes" if value == "True" else "no"


def human_change(change: str) -> str:
    """A step's change as people read it: `enabled: True → False` becomes `enabled → disabled`,
    another flag `yes → no` (the JSON keeps the step's own `change` string: a contract)."""

    def replace(match: re.Match[str]) -> str:
        key, old, new = match["key"], match["old"], match["new"]
        if "True" not in (old, new) and "False" not in (old, new):
            return match[0]
        if key == "enabled":
            return f"{_word(key, old)} → {_word(key, new)}"
        return f"{key}: {_word(key, old)} → {_word(key, new)}"

    return _BOOL_CHANGE.sub(replace, change)


def human_value(value: Any) -> str:
    """A JSON value in a table cell: yes/no, `-` for nothing, lists joined, dicts as `key=value`."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(human_value(v) for v in value) or "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={human_value(v)}" for k, v in value.items()) or "-"
    return str(value)


def stamps_table(rows: list[dict[str, Any]]) -> Any:
    """One row per stamp. When narrow, PRIO, SKU, WEIGHT, INSTANCES, ORIGIN, APP go first (in that
    order), then (a long stamp id) SQL, REDIS and REGION: the stamp, whether it serves, its share and
    its health stay, whole. SERVING `out`: configured to serve, but Front Door's probes keep it out
    of rotation."""
    table = FitTable(
        Col("STAMP"),
        Col("REGION", drop=1),
        Col("SKU", drop=8),
        Col("INSTANCES", drop=6, justify="right"),
        Col("APP", drop=4),
        Col("ORIGIN", drop=5),
        Col("WEIGHT", drop=7, justify="right"),
        Col("PRIO", drop=9, justify="right"),
        Col("REDIS", drop=2),
        Col("SQL", drop=3),
        Col("SERVING"),
        Col("SHARE", justify="right"),
        Col("HEALTH"),
    )
    for r in rows:
        instances = "?" if r["instances"] is None else _e(r["instances"])
        if r["workers"] is not None and r["workers"] != r["instances"]:
            instances += f" ({_e(r['workers'])} up)"
        app_state = _e(r["app_state"] or "?")
        redis = {
            "linked": "[green]linked[/green]",
            "degraded": "[yellow]degraded[/yellow]",
            "broken": "[red]broken[/red]",
            "unknown": "[dim]?[/dim]",  # its member could not be read (README: unreadable is `?`)
        }.get(r["redis_link"] or "", _e(r["redis_link"] or "-"))
        sql = {"Primary": "[bold]primary[/bold]", "Secondary": "secondary", "unknown": "[dim]?[/dim]"}.get(
            r["sql_role"] or "", _e(r["sql_role"] or "-")
        )
        unread = r["origin_enabled"] is None  # the origin could not be read: its weight is not "unset"
        lifecycle = r.get("lifecycle") or "active"
        table.add_row(
            _e(r["name"]) + ("" if lifecycle == "active" else f" [dim]{_e(lifecycle)}[/dim]"),
            _e(r["region"]),
            _e(r["sku"] or "?"),
            instances,
            app_state if app_state == "Running" else f"[red]{app_state}[/red]",
            "[dim]none[/dim]"
            if _no_origin(r)
            else _yes_no(r["origin_enabled"], "enabled", "[yellow]disabled[/yellow]"),
            "[dim]?[/dim]" if unread else "-" if r["origin_weight"] is None else _e(r["origin_weight"]),
            "[dim]?[/dim]" if unread else "-" if r["origin_priority"] is None else _e(r["origin_priority"]),
            redis,
            sql,
            _serving(r),
            _stamp_share(r.get("traffic_share")),
            _health(r.get("health")),
        )
    return table


def _no_origin(row: dict[str, Any]) -> bool:
    """A candidate stamp before `stamps add`, or a retired one: no origin (not an unreadable one)."""
    no_values = row["origin_weight"] is None and row["origin_priority"] is None
    return row.get("lifecycle") in ("candidate", "retired") and row["origin_enabled"] is False and no_values


def _serving(row: dict[str, Any]) -> str:
    """yes / no by configuration (origin enabled, app running); `out` when Front Door's probes
    have taken it out of rotation."""
    if row["serving"] and row.get("edge_health") == "unhealthy":
        return "[red]out[/red]"
    return _yes_no(row["serving"], "[green]yes[/green]", "[red]no[/red]")


def _stamp_share(share: float | None) -> str:
    if share is None:
        return "[dim]?[/dim]"
    return "0%" if share <= 0 else "<1%" if share < 0.005 else f"{share:.0%}"


def _health(status: str | None) -> str:
    """A verdict in colour; null (`stamps list --no-health`: not probed) as `-`, not `?` (unreadable)."""
    colour = {"healthy": "green", "degraded": "yellow", "unhealthy": "red", "drained": "cyan"}.get(status or "")
    return f"[{colour}]{status}[/{colour}]" if colour else (_e(status) if status else "[dim]-[/dim]")


def detail_table(data: dict[str, Any]) -> Any:
    """A key/value view of one document (nested dicts indented)."""
    from rich.table import Table
    from rich.text import Text

    from mcctl.cli.render import one_line

    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")

    def add(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                add(f"{prefix}.{key}" if prefix else key, inner)
        elif isinstance(value, list):
            table.add_row(Text(one_line(prefix)), Text(one_line(human_value(value))))
        else:
            table.add_row(Text(one_line(prefix)), Text(one_line(human_value(value))))

    add("", data)
    return table


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    value = int(round(value))
    return f"{value // 60}m{value % 60:02d}s" if value >= 60 else f"{value}s"


def plan_table(data: dict[str, Any]) -> Any:
    """A plan and its safety-rule results (`evaluation.to_dict()` shape)."""
    from rich.console import Group
    from rich.text import Text

    plan = data["plan"]
    parts: list[Any] = [_t(f"Plan: {plan['summary']}", style="bold")]
    steps = FitTable(
        Col("#", justify="right"),
        Col("GROUP", drop=1),
        Col("TARGET", prose=True),
        Col("CHANGE", prose=True),
        Col("EXPECTED", drop=2),
    )
    for index, step in enumerate(plan["steps"], 1):
        steps.add_row(
            str(index),
            _e(step["group"]),
            _t(step["target"]),
            _t(human_change(step["change"])),
            _seconds(step["expected_seconds"]),
        )
    parts.append(steps)
    parts.extend(_traffic(plan))
    gaps = len({s["group"] for s in plan["steps"]}) - 1 if plan.get("gate") and plan.get("interval") else 0
    between = f"; includes {gaps} wait(s) of {_seconds(plan['interval'])} between groups" if gaps > 0 else ""
    parts.append(
        Text(f"expected duration: {_seconds(plan['expected_seconds'])} (steps in one group run in parallel{between})")
    )
    if plan.get("data_loss"):
        parts.append(Text("THIS PLAN CAN LOSE DATA", style="bold red"))
    for note in plan.get("notes", []):
        parts.append(_t(f"note: {note}", style="yellow"))
    if not data.get("rules"):
        parts.append(Text("safety rules: none applies to this plan (it reduces no serving region, stamp or capacity)"))
    if data.get("rules"):
        rules = FitTable(Col("RULE"), Col("RESULT"), Col("DETAIL", prose=True))
        for rule in data["rules"]:
            if rule["overridden"]:
                verdict = "[yellow]OVERRIDDEN[/yellow]"
            elif rule["passed"]:
                verdict = "[green]ok[/green]"
            else:
                verdict = "[red]REFUSED[/red]"
            detail = rule["message"] + (f" (reason: {rule['reason']})" if rule.get("reason") else "")
            rules.add_row(_e(rule["rule"]), verdict, _t(detail))
        parts.append(rules)
    return Group(*parts)


TRAFFIC_WIDTH = 80  # the preview lines wrap between regions, never inside one


def _percent(share: float) -> str:
    """A share of traffic as people read it: 0.0476 -> 4.8%; a sliver is never shown as 0%."""
    if share <= 0:
        return "0%"
    if share < 0.0005:
        return "<0.1%"
    return f"{share * 100:.1f}".removesuffix(".0") + "%"


def traffic_lines(prefix: str, shares: dict[str, float], width: int = TRAFFIC_WIDTH) -> list[str]:
    """`prefix` then each region's share, `·`-separated, wrapped to `width` between regions
    (continuation lines indented under the first region)."""
    indent = " " * len(prefix)
    lines, line = [], prefix
    for entry in (f"{region} {_percent(share)}" for region, share in shares.items()):
        if line in (prefix, indent):
            line += entry
        elif len(line) + len(" · ") + len(entry) <= width:
            line += " · " + entry
        else:
            lines.append(line)
            line = indent + entry
    lines.append(line)
    return lines


def _traffic(plan: dict[str, Any]) -> list[Any]:
    """The plan's traffic preview: one line per step group (numbered like the GROUP column)."""
    previews = plan.get("traffic") or []
    if not previews:
        return []
    numbers = sorted({step["group"] for step in plan["steps"]})
    numbers += range(len(numbers), len(previews))  # a hand-made plan with more previews than groups
    # a shift's preview is by stamp set ("from weu-1", "to weu-3"), every other plan's by region
    by_set = all(key.startswith(("from ", "to ")) for shares in previews for key in shares)
    parts = [_t(f"share of edge traffic by {'stamp set' if by_set else 'region'}:")]
    for number, shares in zip(numbers, previews, strict=False):
        parts.extend(_t(line) for line in traffic_lines(f"after group {number}: ", shares))
    return parts


def result_table(data: dict[str, Any]) -> Any:
    from rich.console import Group

    table = FitTable(
        Col("#", justify="right"),
        Col("TARGET", prose=True),
        Col("CHANGE", prose=True),
        Col("RESULT"),
        Col("TOOK", drop=1),
    )
    for step in data["plan"]["steps"]:  # the result document: steps numbered from 1, those that ran
        if step["status"] is None:
            continue
        table.add_row(
            str(step["step"]),
            _t(step["target"]),
            _t(human_change(step["change"])),
            _e(step["status"]),
            _seconds(step["seconds"]),
        )
    status = data.get("operation_status") or data["status"]
    header = _t(f"operation {data['operation']}: {status} — {data['summary']}", style="bold")
    return Group(header, table)


def journal_table(data: dict[str, Any]) -> Any:
    """One journaled operation: its header, then a row per record."""
    from rich.console import Group
    from rich.text import Text

    lines = [
        _t(f"operation {data['id']}: {data['status']} ({data['steps']} steps done)", style="bold"),
        _t(f"{data['summary']}"),
        _t(f"by {data['actor']} on {data['host']} at {data['started']}: {data['command']}"),
    ]
    if data.get("parent"):
        lines.append(_t(f"parent operation: {data['parent']}"))
    for rule in data.get("rules", []):
        if rule["overridden"]:
            lines.append(_t(f"OVERRIDDEN {rule['rule']}: {rule['message']} (reason: {rule['reason']})", style="yellow"))
    if data.get("in_flight"):
        steps = ", ".join(str(i + 1) for i in data["in_flight"])
        lines.append(Text(f"in flight when the process stopped: step(s) {steps}", style="red"))
    table = FitTable(Col("TIME"), Col("RECORD"), Col("STEP", justify="right"), Col("DETAIL", prose=True))
    for record in data["records"]:
        kind = record["type"]
        step = "" if record.get("step") is None else str(record["step"] + 1)
        if kind == "intent":
            detail = f"{record.get('target')}: {human_change(str(record.get('change')))}"
        elif kind == "outcome":
            detail = record["status"] + (f" — {record['error']}" if record.get("error") else "")
            detail += f" ({_seconds(record.get('seconds'))})"
        elif kind == "end":
            detail = record["status"] + (f" — {record['error']}" if record.get("error") else "")
        elif kind == "event":
            detail = record.get("event", "")
        else:
            detail = record.get("kind", "")
        table.add_row(_e(record["ts"]), _e(kind), step, _t(str(detail)))
    return Group(*lines, table)
