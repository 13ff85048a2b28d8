"""`mcctl stamps list|show`: one view of every stamp across App Service, Front Door, SQL and Redis."""

from __future__ import annotations

from typing import Annotated

import typer

from mcctl.cli.commands.health import Concurrency
from mcctl.cli.options import Output, Query, RegionFilter
from mcctl.cli.runtime import Runtime, emit, output_overrides

app = typer.Typer(no_args_is_help=True, help="Stamps (regional scale units) and their live state.")


def _report(runtime: Runtime, errors: list) -> None:
    """Show the rows we could read, then fail with the first error (its exit code)."""
    if errors:
        from mcctl.cli import render

        for err in errors[1:]:
            render.warn(err.message)
        raise errors[0]


NoHealth = Annotated[
    bool,
    typer.Option("--no-health", help="Inventory only: no health probes, no health reads (health, edge_health null)."),
]


@app.command("list")
def list_stamps(
    ctx: typer.Context,
    region: RegionFilter = None,
    output: Output = None,
    query: Query = None,
    no_health: NoHealth = False,
    concurrency: Concurrency = None,
) -> None:
    """Every stamp: region, plan SKU and instances, app state, origin, Redis link, SQL role, serving,
    Front Door's probes' view of it and its share of edge traffic, health."""
    from mcctl.cli.commands.journal import journal_of
    from mcctl.cli.tables import stamps_table
    from mcctl.domain.selection import known_region
    from mcctl.domain.stamprows import retired_rows, stamp_rows
    from mcctl.ops.health import survey

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    if region is not None:  # (an explicit empty value, `--region "$UNSET"`, is a mistake, not "every region")
        runtime.validated(lambda estate: known_region(estate, region, "--region"))
    session = runtime.session  # first: opening it finds the stamps a pipeline tagged
    estate = runtime.estate
    # The journal says which stamps were drained on purpose (as in `health`); not needed unprobed.
    origins = [s.origin for s in estate.stamps]  # only what decides their journaled drains is read
    operations = None if no_health else journal_of(runtime).operations_touching(origins)
    found = survey(session, estate, region=region, operations=operations, health=not no_health, concurrency=concurrency)
    health = found.health.stamps if found.health is not None else {}
    rows = stamp_rows(found.inventory.views, health)
    if no_health:  # Front Door's probes' view is a health read too: not read, not "unknown"
        rows = [{**row, "edge_health": None} for row in rows]
    rows += retired_rows(found.inventory.retired)
    emit(runtime, rows, table=stamps_table)
    _report(runtime, found.inventory.errors)


@app.command("show")
def show_stamp(
    ctx: typer.Context,
    stamp: Annotated[str, typer.Argument(help="Stamp name.")],
    output: Output = None,
    query: Query = None,
) -> None:
    """One stamp in detail: the list fields plus resource ids, health URL and reasons."""
    from mcctl.cli.commands.journal import journal_of
    from mcctl.cli.tables import detail_table
    from mcctl.domain.selection import known_stamp
    from mcctl.ops.health import survey

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    estate = runtime.discovered_estate()  # its lifecycle as its tags say; a stamp a pipeline tagged
    if estate.retired_stamp(stamp) is not None:
        _show_retired(runtime, stamp)
        return
    found = known_stamp(estate, stamp, "STAMP")
    operations = journal_of(runtime).operations_touching([found.origin])
    shown = survey(runtime.session, estate, stamp=found.name, operations=operations)
    assert shown.health is not None  # (probed: health=True)
    health = shown.health.stamps[found.name]
    detail = {
        **shown.inventory.views[0].detail(estate),
        "health": health.status,
        "health_reasons": list(health.reasons),
    }
    emit(runtime, detail, table=detail_table)
    _report(runtime, shown.inventory.errors)


def _show_retired(runtime: Runtime, name: str) -> None:
    """A retired stamp: what is left of it (plan and web app, kept for a rollback), no origin."""
    from mcctl.cli.tables import detail_table
    from mcctl.errors import UsageError
    from mcctl.ops.inventory import read_inventory

    estate = runtime.estate
    inventory = read_inventory(runtime.session, estate)
    view = next((v for v in inventory.retired if v.stamp.name == name), None)
    if view is None:
        raise UsageError(f"STAMP: stamp '{name}' is retired and its plan and web app are gone")
    detail = {**view.detail(estate), "health": "retired", "health_reasons": ["retired: its origin was deleted"]}
    emit(runtime, detail, table=detail_table)


def _register_release_commands() -> None:
    from mcctl.cli.commands import stamps_release, stamps_validate

    stamps_validate.register(app)
    stamps_release.register(app)


_register_release_commands()
