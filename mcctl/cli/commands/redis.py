"""`mcctl redis status|unlink|relink`: geo-replication links as every member sees them, guarded changes."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mcctl.cli.mutate import MutationFlags, mutating, run_mutation
from mcctl.cli.options import AllowDataLoss, Output, Query
from mcctl.cli.runtime import Runtime, emit, output_overrides
from mcctl.errors import ExitCode

app = typer.Typer(no_args_is_help=True, help="Redis geo-replication: link status, guarded unlink and relink.")

RegionArgument = Annotated[str, typer.Argument(help="The region whose Redis database to change.")]
CHECK_CODES = {
    "linked": ExitCode.OK,
    "degraded": ExitCode.DEGRADED,
    "unknown": ExitCode.DEGRADED,
    "broken": ExitCode.UNHEALTHY,
}


@app.command("status")
def status(
    ctx: typer.Context,
    region: Annotated[str | None, typer.Option("--region", "-r", help="Only this region.")] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 10 if a shown region is degraded, 11 if one is broken.")
    ] = False,
    output: Output = None,
    query: Query = None,
) -> None:
    """Every member's link state, as each member sees the group, and a verdict per region."""
    from mcctl.domain.redisgeo import member_of, redis_of
    from mcctl.ops.redisgeo import read_status

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    redis = redis_of(runtime.estate)
    regions = [member_of(redis, region, "--region").region] if region is not None else None
    result = read_status(runtime.session, runtime.estate)
    emit(runtime, result.entries(regions), table=status_table)
    if result.errors:
        from mcctl.cli import render

        for err in result.errors[1:]:
            render.warn(err.message)
        raise result.errors[0]
    if check and (code := CHECK_CODES[result.worst(regions)]):
        raise typer.Exit(int(code))


def _mutate(
    ctx: typer.Context,
    command: str,
    region: str,
    flags: MutationFlags,
    with_regions: list[str] | None = None,
) -> None:
    from mcctl.cli.render import check_query
    from mcctl.domain.redisgeo import RelinkRequest, UnlinkRequest, plan_relink, plan_unlink
    from mcctl.ops.inventory import read_inventory
    from mcctl.ops.redisgeo import observe_relink, observe_unlink

    runtime: Runtime = ctx.obj
    estate = runtime.estate
    check_query(runtime.options.query)  # the root's --query too: never change the estate, then fail to print
    request: UnlinkRequest | RelinkRequest = (
        UnlinkRequest(region) if command == "unlink" else RelinkRequest(region, tuple(with_regions or ()))
    )
    where = request.validate(estate).region  # bad input: no Azure call
    snapshot = read_inventory(runtime.session, estate).snapshot()
    if isinstance(request, UnlinkRequest):
        serving = tuple(s.name for s in snapshot.serving_in(where))
        plan = plan_unlink(estate, observe_unlink(runtime.session, estate, request, serving), request)
    else:
        plan = plan_relink(estate, observe_relink(runtime.session, estate, request), request)
    run_mutation(runtime, plan, snapshot, flags)


@app.command("unlink")
@mutating
def unlink(
    ctx: typer.Context,
    region: RegionArgument,
    allow_data_loss: AllowDataLoss = False,
    *,
    flags: MutationFlags,
) -> None:
    """Force-unlink REGION's database from the group (on the surviving members); it must be relinked to rejoin."""
    _mutate(ctx, "unlink", region, flags)


@app.command("relink")
@mutating
def relink(
    ctx: typer.Context,
    region: RegionArgument,
    with_regions: Annotated[
        list[str] | None,
        typer.Option(
            "--with",
            metavar="REGION",
            help="Link with these members (repeatable; default: the members that are in the group now).",
        ),
    ] = None,
    allow_data_loss: AllowDataLoss = False,
    *,
    flags: MutationFlags,
) -> None:
    """Flush REGION's force-unlinked database (ALL ITS DATA IS DISCARDED) and force-link it to the group."""
    _mutate(ctx, "relink", region, flags, with_regions)


# -- tables ------------------------------------------------------------------------------------------
_VERDICT_STYLE = {"linked": "green", "degraded": "yellow", "broken": "red"}


def _verdict(value: str | None) -> str:
    from rich.markup import escape

    if value is None:
        return "?"
    style = _VERDICT_STYLE.get(value)
    return f"[{style}]{escape(value)}[/{style}]" if style else escape(value)


def _state(value: str | None, *, readable: bool = True) -> str:
    from rich.markup import escape

    if not readable:
        return "[dim]?[/dim]"
    if value is None:
        return "[red]not listed[/red]"
    lowered = value.lower()
    if lowered in ("linked", "succeeded"):
        return escape(value)
    if lowered in ("linkfailed", "unlinkfailed", "failed"):
        return f"[red]{escape(value)}[/red]"
    return f"[yellow]{escape(value or '(none)')}[/yellow]"


def _text(value: Any) -> str:
    from rich.markup import escape

    return "-" if value is None else escape(str(value))


def status_table(entries: list[dict[str, Any]]) -> Any:
    """Members, then the link matrix (managed) or linked servers (cache), then a verdict line per region."""
    from rich.console import Group
    from rich.markup import escape
    from rich.text import Text

    from mcctl.cli.fittable import Col, FitTable

    if not entries:
        return Text("no Redis members")
    parts: list[Any] = []
    managed = entries[0]["kind"] == "managed"
    if managed:
        # when narrow, what explains a member's state goes first (RESOURCE, then PROVISIONING, GROUP,
        # SKU, CLUSTER STATE); where it is, its cluster and database, and the verdict stay whole
        members = FitTable(
            Col("REGION"),
            Col("CLUSTER"),
            Col("SKU", drop=2),
            Col("CLUSTER STATE", drop=1),
            Col("DATABASE"),
            Col("PROVISIONING", drop=4),
            Col("RESOURCE", drop=5),
            Col("GROUP", drop=3),
            Col("LINK"),
        )
        for e in entries:
            cluster_state = f"{_text(e['cluster_provisioning_state'])}/{_text(e['cluster_resource_state'])}"
            members.add_row(
                _text(e["region"]),
                _text(e["cluster"]),
                _text(e["cluster_sku"]),
                cluster_state,
                _text(e["database"]),
                _text(e["provisioning_state"]),
                _text(e["resource_state"]),
                _text(e["group_nickname"]),
                _verdict(e["verdict"]),
            )
            for other in e["other_databases"]:
                name = other["name"].rsplit("/", 1)[-1]
                members.add_row(
                    "",
                    "",
                    "",
                    "",
                    _text(name),
                    _text(other["provisioning_state"]),
                    _text(other["resource_state"]),
                    "",
                    "-",
                )
        parts += [members, Text(""), Text("Linked databases as each member sees them (row: seen from)", style="bold")]
        parts.append(_matrix(entries))
    else:
        # LOCATION repeats the region in Azure's spelling: it goes first, then PROVISIONING
        members = FitTable(
            Col("REGION"), Col("CACHE"), Col("ROLE"), Col("LOCATION", drop=2), Col("PROVISIONING", drop=1), Col("LINK")
        )
        for e in entries:
            members.add_row(
                _text(e["region"]),
                _text(e["cache"]),
                _text(e["role"]),
                _text(e["location"]),
                _text(e["provisioning_state"]),
                _verdict(e["verdict"]),
            )
        # a linked server's PROVISIONING is its verdict (red when failed): only LOCATION may go
        servers = FitTable(
            Col("CACHE"), Col("LINKED SERVER"), Col("REGION"), Col("ROLE"), Col("LOCATION", drop=1), Col("PROVISIONING")
        )
        for e in entries:
            if e["error"]:
                servers.add_row(_text(e["cache"]), "[dim]?[/dim]", "", "", "", "")
            elif not e["linked_servers"]:
                servers.add_row(_text(e["cache"]), "[red]none[/red]", "", "", "", "")
            for s in e["linked_servers"]:
                servers.add_row(
                    _text(e["cache"]),
                    _text(s["name"]),
                    _text(s["region"]),
                    _text(s["role"]),
                    _text(s["location"]),
                    _state(s["provisioning_state"]),
                )
        parts += [members, Text(""), Text("Linked servers as each cache sees them", style="bold"), servers]
    parts.append(Text(""))
    width = max(len(e["region"]) for e in entries)
    for e in entries:
        pad = " " * (8 - len(e["verdict"] or "?"))
        line = f"{escape(e['region']).ljust(width)}  {_verdict(e['verdict'])}{pad}  {escape(e['reason'])}"
        parts.append(Text.from_markup(line))
        for problem in e.get("problems") or []:
            parts.append(Text(f"{' ' * width}  {problem}", style="yellow"))
        if e["error"]:
            parts.append(Text(f"{' ' * width}  could not be read: {e['error']}", style="red"))
    return Group(*parts)


def _matrix(entries: list[dict[str, Any]]) -> Any:
    """Rows: the member whose view it is; columns: the region whose database is listed."""
    from rich.table import Table
    from rich.text import Text

    targets = [e["region"] for e in entries]
    views = {e["region"]: {v["seen_from"]: v for v in e["views"]} for e in entries}
    viewers = list(dict.fromkeys(v["seen_from"] for e in entries for v in e["views"]))
    extra: dict[str, str] = {}  # databases a member lists that are not members of the estate
    for e in entries:
        for linked in e["linked_databases"]:
            if linked["region"] is None:
                extra.setdefault(linked["id"].lower(), linked["cluster"] or linked["id"])
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("SEEN FROM")
    for target in targets:
        table.add_column(Text(target))
    for label in extra.values():
        table.add_column(Text(f"{label} (not in the estate)"))
    by_region = {e["region"]: e for e in entries}
    for viewer in viewers:
        cells = []
        for target in targets:
            view = views[target].get(viewer)
            cells.append(_state(view["state"], readable=view["readable"]) if view else "")
        own = by_region.get(viewer)
        for key in extra:
            listed = next((ld for ld in (own or {}).get("linked_databases", []) if ld["id"].lower() == key), None)
            cells.append(_state(listed["state"]) if listed else "-")
        table.add_row(_text(viewer), *cells)
    return table
