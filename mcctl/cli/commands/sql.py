"""`mcctl sql status|failover`: the Azure SQL failover group, and failing it over safely."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mcctl.cli.mutate import MutationFlags, mutating, run_mutation
from mcctl.cli.options import Output, Query
from mcctl.cli.runtime import Runtime, emit, output_overrides
from mcctl.errors import ExitCode

app = typer.Typer(no_args_is_help=True, help="The Azure SQL failover group: status and failover.")

CHECK_EXIT = {"ready": ExitCode.OK, "degraded": ExitCode.DEGRADED, "not_ready": ExitCode.UNHEALTHY}


@app.command("status")
def status(
    ctx: typer.Context,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 0 when ready (every member answers, every link CATCH_UP); 10 when degraded (a planned "
            "failover can still run to some secondary, e.g. another secondary is down); 11 when no planned "
            "failover can run (a failover already in progress, primary unreachable, a link not caught up, "
            "no secondary answers).",
        ),
    ] = False,
    output: Output = None,
    query: Query = None,
) -> None:
    """Partner servers and roles, endpoint policy, databases and every replication link's state."""
    from mcctl.cli import render
    from mcctl.ops.sqlfailover import read_status

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    group = read_status(runtime.session, runtime.estate)
    emit(runtime, group.to_dict(), table=status_table)
    for problem in group.problems:
        render.warn(f"{problem.severity.replace('_', ' ')}: {problem.message}")
    if check:
        raise typer.Exit(int(CHECK_EXIT[group.verdict]))


@app.command("failover")
@mutating
def failover(
    ctx: typer.Context,
    to: Annotated[
        str | None,
        typer.Option("--to", metavar="REGION", help="Region of the secondary to make primary (default: the only one)."),
    ] = None,
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            metavar="planned|forced|try-planned",
            help="planned: no data loss (default); forced: data loss allowed; try-planned: planned, else forced.",
        ),
    ] = "planned",
    allow_data_loss: Annotated[
        bool, typer.Option("--allow-data-loss", help="Required for --mode forced and try-planned.")
    ] = False,
    *,
    flags: MutationFlags,
) -> None:
    """Fail the SQL failover group over to the secondary in --to (the request goes to that secondary)."""
    from mcctl.cli import render
    from mcctl.cli.render import check_query
    from mcctl.domain.sqlfailover import FailoverRequest, plan_failover
    from mcctl.errors import WaitTimeout
    from mcctl.ops.sqlfailover import read_preflight

    runtime: Runtime = ctx.obj
    check_query(runtime.options.query)  # the root's --query too: never fail over, then fail to print
    request = FailoverRequest(to, mode.lower(), allow_data_loss)
    request.validate(runtime.estate)
    preflight = read_preflight(runtime.session, runtime.estate, journal=_journal(runtime))
    plan = plan_failover(runtime.estate, preflight, request)
    before = preflight.inventory.snapshot()
    if plan.empty:
        render.note(f"{plan.summary}: nothing to do")
    try:
        run_mutation(runtime, plan, before, flags)
    except WaitTimeout as exc:
        exc.hint = (f"{exc.hint}; " if exc.hint else "") + "`mcctl sql status` shows which server is primary now"
        raise


def _journal(runtime: Runtime) -> Any:
    """The estate's journal (its in-flight failovers tell mcctl's own from another client's)."""
    from mcctl.ops.journal import Journal

    return Journal.for_estate(runtime.estate.name, runtime.options.sim)


# -- the status table ------------------------------------------------------------------------------
def status_table(data: dict[str, Any]) -> Any:
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from mcctl.cli.fittable import Col, FitTable

    endpoint = data["read_write_endpoint"]
    verdict = {
        "ready": "[green]ready for a planned failover[/green]",
        "degraded": "[yellow]degraded[/yellow] (a planned failover could still run)",
        "not_ready": "[red]NOT ready for a planned failover[/red]",
    }[data["verdict"]]
    if data.get("failover_in_progress"):
        verdict = "[red]failover in progress[/red] (NOT ready for another failover until it ends)"
    grace = endpoint["grace_period_minutes"]
    header = Table(box=None, show_header=False, pad_edge=False)
    header.add_column(style="bold")
    header.add_column()
    header.add_row("failover group", escape(f"{data['failover_group']} ({data['resource_group']})"))
    header.add_row("primary", escape(f"{data['primary_region'] or '?'} ({data['primary_server'] or '?'})"))
    header.add_row(
        "read-write endpoint",
        escape(
            f"failover policy {endpoint['failover_policy'] or '?'}"
            + (f", grace period {grace} min" if grace is not None else "")
        ),
    )
    header.add_row("databases", escape(", ".join(data["databases"])) or "-")
    header.add_row("verdict", verdict)
    targets = data.get("planned_failover_targets") or []
    if data["verdict"] != "not_ready" and targets:
        header.add_row("planned failover to", escape(", ".join(targets)))

    # at 80 columns the FQDN (the server name plus a fixed suffix) goes; names, roles, states stay whole
    servers = FitTable(Col("REGION"), Col("SERVER"), Col("ROLE"), Col("STATE"), Col("FQDN", drop=1))
    for s in data["servers"]:
        role = {"Primary": "[bold]primary[/bold]", "Secondary": "secondary"}.get(
            s["role"] or "", escape(s["role"] or "?")
        )
        state = escape(s["state"] or "?")
        if not s["reachable"]:
            state = "[red]unreachable[/red]"
        servers.add_row(escape(s["region"]), escape(s["server"]), role, state, escape(s["fqdn"] or "-"))

    # the partner's region in a column of its own (never wrapped into "(northeurope" / ")"); when
    # narrow, the replication mode and the partner's role (the opposite of ROLE) go first
    links = FitTable(
        Col("DATABASE"),
        Col("SERVER"),
        Col("ROLE"),
        Col("PARTNER"),
        Col("PARTNER REGION", drop=1),
        Col("PARTNER ROLE", drop=2),
        Col("STATE"),
        Col("DONE", justify="right"),
        Col("MODE", drop=3),
    )
    for link in data["links"]:
        state = escape(link["replication_state"] or "?")
        links.add_row(
            escape(link["database"]),
            escape(link["server"]),
            escape(link["role"] or "?"),
            escape(link["partner_server"] or "?"),
            escape(link["partner_region"] or "?"),
            escape(link["partner_role"] or "?"),
            state if link["ready"] else f"[red]{state}[/red]",
            "-" if link["percent_complete"] is None else escape(f"{link['percent_complete']}%"),
            escape(link["replication_mode"] or "-"),
        )
    parts: list[Any] = [header, Text(""), servers, Text(""), links]
    return Group(*parts)
