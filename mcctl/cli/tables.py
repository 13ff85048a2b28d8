"""Tables for people. Colour only ever repeats what the text already says."""

from __future__ import annotations

from typing import Any


def _yes_no(value: Any, yes: str, no: str) -> str:
    if value is None:
        return "[dim]?[/dim]"
    return yes if value else no


def stamps_table(rows: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("STAMP", "REGION", "SKU", "INSTANCES", "APP", "ORIGIN", "WEIGHT", "PRIO", "REDIS", "SQL", "SERVING"):
        table.add_column(column, justify="right" if column in ("INSTANCES", "WEIGHT", "PRIO") else "left")
    for r in rows:
        instances = "?" if r["instances"] is None else str(r["instances"])
        if r["workers"] is not None and r["workers"] != r["instances"]:
            instances += f" ({r['workers']} up)"
        app_state = r["app_state"] or "?"
        redis = {
            "linked": "[green]linked[/green]",
            "degraded": "[yellow]degraded[/yellow]",
            "broken": "[red]broken[/red]",
        }.get(r["redis_link"] or "", r["redis_link"] or "-")
        sql = {"Primary": "[bold]primary[/bold]", "Secondary": "secondary"}.get(
            r["sql_role"] or "", r["sql_role"] or "-"
        )
        table.add_row(
            r["name"],
            r["region"],
            r["sku"] or "?",
            instances,
            app_state if app_state == "Running" else f"[red]{app_state}[/red]",
            _yes_no(r["origin_enabled"], "enabled", "[yellow]disabled[/yellow]"),
            "-" if r["origin_weight"] is None else str(r["origin_weight"]),
            "-" if r["origin_priority"] is None else str(r["origin_priority"]),
            redis,
            sql,
            _yes_no(r["serving"], "[green]yes[/green]", "[red]no[/red]"),
        )
    return table


def detail_table(data: dict[str, Any]) -> Any:
    """A key/value view of one document (nested dicts indented)."""
    from rich.table import Table

    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")

    def add(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                add(f"{prefix}.{key}" if prefix else key, inner)
        elif isinstance(value, list):
            table.add_row(prefix, ", ".join(str(v) for v in value) if value else "-")
        else:
            table.add_row(prefix, "-" if value is None else str(value))

    add("", data)
    return table
