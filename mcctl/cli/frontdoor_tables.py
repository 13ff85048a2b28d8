"""The `frontdoor status` table: the profile, a row per origin, a row per region, at 80 columns."""

from __future__ import annotations

from typing import Any


def _yes_no(value: bool | None) -> str:
    return "[dim]?[/dim]" if value is None else "[green]yes[/green]" if value else "[red]no[/red]"


def _share(row: dict[str, Any]) -> str:
    """The share by configuration and Front Door's probes, with the configured one when they differ."""
    value, configured = row["traffic_share"], row.get("configured_share")
    if value is None:
        return "[dim]?[/dim]"
    text = f"{value:.0%}"
    return text if configured is None or round(configured, 2) == round(value, 2) else f"{text} (cfg {configured:.0%})"


def _serving(serving: bool | None, in_rotation: bool | None) -> str:
    """As `_yes_no`, but `out` when serving by configuration and out of rotation by the probes."""
    return "[red]out[/red]" if serving and in_rotation is False else _yes_no(serving)


def _serving_regions(regions: list[dict[str, Any]]) -> str:
    """The regions serving by configuration; one Front Door's probes keep out is said to be out."""
    names = [
        r["region"] + (" (out: Front Door's probes fail)" if r.get("in_rotation") is False else "")
        for r in regions
        if r["serving"]
    ]
    return ", ".join(names) or "NONE"


def _probe_view(edge: dict[str, Any]) -> list[Any]:
    from rich.text import Text

    if edge["error"]:
        return [Text("Front Door's origin health: not read (shares by configuration alone)", style="yellow")]
    return []


def _probes(verdict: str | None) -> str:
    colour = {"healthy": "green", "unhealthy": "red"}.get(verdict or "")
    if verdict is None or verdict == "unknown":
        return "[dim]?[/dim]"
    return f"[{colour}]{verdict}[/{colour}]" if colour else "[dim]-[/dim]"


def status_table(data: dict[str, Any]) -> Any:
    """The profile, then a row per origin, then a row per region. When narrow the origin table
    drops HOST first, then PRIO, ORIGIN, WEIGHT, PROBES: stamps, state, share and serving stay
    whole. PROBES: Front Door's health probes' view (`-`: not probed); SERVING `out`: configured to
    serve but out of rotation; SHARE by configuration and probes, `(cfg N%)` by configuration alone."""
    from rich.console import Group
    from rich.markup import escape
    from rich.text import Text

    from mcctl.cli.fittable import Col, FitTable

    probe = data["health_probe"]
    balancing = data["load_balancing"]
    lines = [
        Text(
            f"Front Door {data['profile']}, origin group {data['origin_group']}, endpoint {data['endpoint_host']}",
            style="bold",
        ),
        Text(f"serving regions: {_serving_regions(data['regions'])}"),
        *_probe_view(data["edge_probes"]),
        Text(
            "health probe: "
            + (
                f"{probe['request_type']} {probe['protocol']} {probe['path']} every {probe['interval_seconds']}s"
                if probe
                else "off (every enabled origin counts as healthy)"
            )
            + (
                f"; load balancing: {balancing['successful_samples_required']} of {balancing['sample_size']} samples, "
                f"+{balancing['additional_latency_ms']} ms"
                if balancing
                else ""
            )
        ),
    ]
    origins = FitTable(
        Col("STAMP"),
        Col("REGION"),
        Col("ORIGIN", drop=3),
        Col("HOST", drop=5),
        Col("STATE"),
        Col("WEIGHT", drop=2, justify="right"),
        Col("PRIO", drop=4, justify="right"),
        Col("PROBES", drop=1),
        Col("SHARE", justify="right"),
        Col("SERVING"),
    )
    for row in data["origins"]:
        state = {"Enabled": "enabled", "Disabled": "disabled"}.get(row["enabled_state"] or "?", row["enabled_state"])
        origins.add_row(
            escape(row["stamp"]),
            escape(row["region"]),
            escape(row["origin"]),
            escape(row["host"] or "?"),
            "enabled" if state == "enabled" else f"[yellow]{escape(state or '?')}[/yellow]",
            "-" if row["weight"] is None else str(row["weight"]),
            "-" if row["priority"] is None else str(row["priority"]),
            _probes(row.get("edge_health")),
            _share(row),
            _serving(row["serving"], row.get("in_rotation")),
        )
    regions = FitTable(Col("REGION"), Col("SERVING"), Col("STAMPS"), Col("SHARE", justify="right"), Col("SQL"))
    for row in data["regions"]:
        regions.add_row(
            escape(row["region"]),
            _serving(row["serving"], row.get("in_rotation")),
            f"{len(row['serving_stamps'])}/{len(row['stamps'])} serving",
            _share(row),
            "primary" if row["sql_primary"] else "-",
        )
    return Group(*lines, Text(""), origins, Text(""), regions)
