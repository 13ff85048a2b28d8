"""`mcctl drill plan|run|resume|rollback|report|list`: failover drills, run through the same engine
as a real evacuation, with synthetic probes and a report that measures RTO and RPO."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcctl.cli import options as opts
from mcctl.cli.runtime import Runtime
from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.cli.mutate import MutationFlags
    from mcctl.ops.drill.usecase import DrillOptions
    from mcctl.ops.services import Services

app = typer.Typer(help="Failover drills: plan, run, resume, roll back, report.", no_args_is_help=True)

RunArgument = Annotated[
    str, typer.Argument(help="The drill's operation id, a unique prefix of it, or 'latest' (the newest drill).")
]
Approve = Annotated[
    list[str] | None,
    typer.Option(
        "--approve",
        metavar="STEP|all",
        help="Approve an approval step ahead (its number or name; repeatable), or all of them.",
    ),
]
Pace = Annotated[
    float | None,
    typer.Option(
        "--pace",
        metavar="N",
        help="Simulator: N simulated seconds per wall second, to watch a practice drill (default: instant).",
    ),
]
NoProbes = Annotated[bool, typer.Option("--no-probes", help="Run without the synthetic read/write probes.")]
Format = Annotated[str, typer.Option("--format", "-f", metavar="json|md|html", help="Report format.")]


@app.command("plan")
def plan(
    ctx: typer.Context,
    from_region: Annotated[str, typer.Option("--from", metavar="REGION", help="The region the drill evacuates.")],
    to_region: Annotated[str, typer.Option("--to", metavar="REGION", help="The region that takes over.")],
    failback: Annotated[bool, typer.Option("--failback", help="Bring the region back at the end.")] = False,
    outage: Annotated[
        bool, typer.Option("--outage", help="Simulator: take the region down first (the SQL failover is forced).")
    ] = False,
    hold: Annotated[
        float, typer.Option("--hold", parser=opts.parse_duration, metavar="DURATION", help="How long to hold.")
    ] = 300.0,
) -> None:
    """Write the standard drill for --from/--to as a plan file (YAML) on stdout."""
    from mcctl.domain.drill.standard import standard_drill
    from mcctl.domain.selection import known_region

    runtime: Runtime = ctx.obj
    source = runtime.validated(lambda estate: known_region(estate, from_region, "--from"))
    target = runtime.validated(lambda estate: known_region(estate, to_region, "--to"))
    if source == target:
        raise UsageError("--to: must differ from --from")
    if outage and not runtime.options.sim:
        raise UsageError("--outage: a fault is injected only on the simulator (--sim)")
    typer.echo(standard_drill(source, target, failback, forced=outage, simulated=outage, hold_seconds=hold), nl=False)


@app.command("run")
def run(
    ctx: typer.Context,
    plan_file: Annotated[Path, typer.Argument(help="The drill plan file (YAML; `mcctl drill plan` writes one).")],
    approve: Approve = None,
    pace: Pace = None,
    no_probes: NoProbes = False,
    allow_data_loss: opts.AllowDataLoss = False,
    yes: opts.Yes = False,
    dry_run: opts.DryRun = False,
    timeout: opts.Timeout = 600.0,
    override: opts.Override = None,
    reason: opts.Reason = None,
    output: opts.Output = None,
    query: opts.Query = None,
) -> None:
    """Run a drill: every step planned, judged by the safety rules, journaled, under one lease, with
    probes and a report. Exit 0 passed, 9 a step failed and the drill was rolled back cleanly, 7 it
    failed and left the estate changed, 130 interrupted (resume or roll it back)."""
    from mcctl.config.drillfile import load_drill_plan
    from mcctl.ops.drill.usecase import run_drill

    runtime, flags = _setup(ctx, output, query, yes, dry_run, timeout, override, reason, allow_data_loss)
    _check_pace(runtime, pace)
    spec = load_drill_plan(plan_file)
    services = _services(runtime, flags)
    options = _options(services, flags, approve, pace, no_probes)
    with _paused_offer(runtime, services, flags, options), _reporting(runtime, services) as done:
        result = run_drill(services, spec, options, source=str(plan_file))
        if result.run is not None and result.operation is None:  # --dry-run
            from mcctl.cli.drill_view import show_dry_run

            show_dry_run(runtime, result)
            return
        done(result.operation)


@app.command("resume")
def resume(
    ctx: typer.Context,
    run_id: RunArgument,
    approve: Approve = None,
    pace: Pace = None,
    no_probes: NoProbes = False,
    allow_data_loss: opts.AllowDataLoss = False,
    yes: opts.Yes = False,
    timeout: opts.Timeout = 600.0,
    override: opts.Override = None,
    reason: opts.Reason = None,
    output: opts.Output = None,
    query: opts.Query = None,
) -> None:
    """Continue an interrupted drill from its first unfinished step (a step's child operation that
    was cut short is resumed, never made twice)."""
    from mcctl.ops.drill.usecase import resume_drill

    runtime, flags = _setup(ctx, output, query, yes, False, timeout, override, reason, allow_data_loss)
    _check_pace(runtime, pace)
    services = _services(runtime, flags)
    options = _options(services, flags, approve, pace, no_probes)
    with _paused_offer(runtime, services, flags, options), _reporting(runtime, services, run_id) as done:
        result = resume_drill(services, run_id, options)
        done(result.operation)


@app.command("rollback")
def rollback(
    ctx: typer.Context,
    run_id: RunArgument,
    yes: opts.Yes = False,
    dry_run: opts.DryRun = False,
    timeout: opts.Timeout = 600.0,
    override: opts.Override = None,
    reason: opts.Reason = None,
    output: opts.Output = None,
    query: opts.Query = None,
) -> None:
    """Put back what a drill changed: its injected faults ended, its changes rolled back last first;
    then the estate's health is checked (exit 11 when the rollback leaves it unhealthy)."""
    from mcctl.ops.drill.usecase import rollback_drill

    runtime, flags = _setup(ctx, output, query, yes, dry_run, timeout, override, reason, False)
    services = _services(runtime, flags)
    with _reporting(runtime, services, run_id) as done:
        result = rollback_drill(services, run_id, _options(services, flags, None, None, True))
        if dry_run:
            from mcctl.cli.drill_view import show_rollback_plan

            show_rollback_plan(runtime, result)
            return
        done(result.operation)


@app.command("report")
def report(
    ctx: typer.Context,
    run_id: RunArgument,
    format_: Format = "md",
    out: Annotated[Path | None, typer.Option("--out", metavar="FILE", help="Write it to FILE.")] = None,
) -> None:
    """Render a drill's report again (JSON, Markdown or a self-contained HTML page)."""
    from mcctl.cli.drill_view import render_report
    from mcctl.ops.drill.history import read_drill

    runtime: Runtime = ctx.obj
    if format_ not in ("json", "md", "html"):
        raise UsageError(f"--format: must be json, md or html, got '{format_}'")
    services = _services(runtime, None)
    text = render_report(read_drill(services, _op(services, run_id)), format_)
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        out.write_text(text)
    except OSError as exc:
        raise UsageError(f"--out: cannot write {out}: {exc.strerror or exc}") from None


@app.command("list")
def list_drills(ctx: typer.Context, output: opts.Output = None, query: opts.Query = None) -> None:
    """Past drills with their outcome, RTO and RPO, oldest first: a team's trend."""
    from mcctl.cli.drill_view import drill_rows, drills_table
    from mcctl.cli.runtime import emit, output_overrides
    from mcctl.ops.drill.history import past_drills

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    emit(runtime, drill_rows(past_drills(_services(runtime, None))), table=drills_table)


# -- helpers ---------------------------------------------------------------------------------------
def _setup(
    ctx: typer.Context,
    output: str | None,
    query: str | None,
    yes: bool,
    dry_run: bool,
    timeout: float,
    override: list[str] | None,
    reason: str | None,
    allow_data_loss: bool,
) -> tuple[Runtime, MutationFlags]:
    from mcctl.cli.mutate import MutationFlags
    from mcctl.cli.render import check_query
    from mcctl.cli.runtime import output_overrides

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query, yes)
    check_query(runtime.options.query)
    flags = MutationFlags(dry_run, timeout, False, override or [], reason, allow_data_loss)
    flags.override_reasons()  # bad flags fail before any Azure call
    if flags.overrides:
        from mcctl.ops.guard import check_overrides

        check_overrides(flags.overrides)
    return runtime, flags


def _check_pace(runtime: Runtime, pace: float | None) -> None:
    if pace is None:
        return
    if not runtime.options.sim:
        raise UsageError("--pace: only on the simulator (--sim): Azure takes its own time")
    if not 0 < pace <= 1_000_000:
        raise UsageError(f"--pace: must be greater than 0, got {pace:g}")


def _services(runtime: Runtime, flags: MutationFlags | None) -> Services:
    from mcctl.cli.mutate import MutationFlags, services_of

    return services_of(runtime, flags or MutationFlags())


def _options(
    services: Services, flags: MutationFlags, approve: list[str] | None, pace: float | None, no_probes: bool
) -> DrillOptions:
    from mcctl.cli.drill_view import approval_prompt
    from mcctl.cli.mutate import is_interactive, run_options
    from mcctl.ops.drill.runtime import Approvals
    from mcctl.ops.drill.usecase import DrillOptions

    return DrillOptions(
        run_options(flags),
        Approvals.parse(approve or []),
        prompt=approval_prompt(services.reporter) if is_interactive() else None,
        probes=not no_probes,
        pace=pace,
    )


def _op(services: Services, ref: str) -> str:
    from mcctl.ops.drill.usecase import drill_record

    return drill_record(services, ref).id


@contextmanager
def _paused_offer(runtime: Runtime, services: Services, flags: MutationFlags, options: DrillOptions) -> Iterator[None]:
    """Ctrl-C pauses the drill (journaled, lease released, report written); at a terminal the
    operator is then offered to resume it or roll it back at once, or to leave it paused (130)."""
    from mcctl.cli.mutate import is_interactive
    from mcctl.errors import Terminated

    try:
        yield
    except KeyboardInterrupt as exc:
        if isinstance(exc, Terminated) or not is_interactive():
            raise
        from mcctl.cli.drill_view import drill_of

        drill = drill_of(services, services.trace.operation)
        if drill is None:
            raise
        choice = typer.prompt(
            f"drill {drill} is paused: [r]esume it, roll it [b]ack, or [l]eave it paused",
            default="l",
            err=True,
        )
        answer = choice.strip().lower()[:1]
        if answer not in ("r", "b"):
            raise
        _continue(runtime, flags, options, drill, answer)


def _continue(runtime: Runtime, flags: MutationFlags, options: DrillOptions, drill: str, answer: str) -> None:
    from mcctl.ops.drill.usecase import resume_drill, rollback_drill

    services = _services(runtime, flags)
    with _reporting(runtime, services, drill) as done:
        if answer == "r":
            done(resume_drill(services, drill, options).operation)
        else:
            done(rollback_drill(services, drill, options).operation)


def _reporting(runtime: Runtime, services: Services, ref: str | None = None) -> Any:
    from mcctl.cli.drill_view import reporting

    return reporting(runtime, services, ref)
