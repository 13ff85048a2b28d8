"""`mcctl evacuate REGION` and `mcctl reinstate REGION`: a region out of service and back, each as
one planned, journaled operation through the safe-mutation flow, checked at the edge afterwards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mcctl.cli.mutate import MutationFlags, mutating, run_mutation
from mcctl.cli.options import parse_duration
from mcctl.cli.runtime import Runtime
from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.domain.capacity import SplitPolicy

DEFAULT_INTERVAL = 60.0
VERIFY_COUNT = 10  # consecutive answers from elsewhere that prove a drain reached the edge
VERIFY_TIMEOUT = 600.0

Region = Annotated[str, typer.Argument(help="The region.", show_default=False)]
Steps = Annotated[
    str | None,
    typer.Option(
        "--steps",
        metavar="P,...,100",
        show_default="50,100",
        help="Percentages of the origins' weight to move per step (the last is 100).",
    ),
]
Interval = Annotated[
    float,
    typer.Option(
        "--interval",
        parser=parse_duration,
        metavar="DURATION",
        help="Wait this long after each step group, then check stamp health before the next.",
    ),
]
NoVerify = Annotated[bool, typer.Option("--no-verify", help="Do not probe the Front Door endpoint afterwards.")]


@mutating
def evacuate(
    ctx: typer.Context,
    region: Region,
    steps: Steps = None,
    interval: Interval = DEFAULT_INTERVAL,
    factor: Annotated[
        float, typer.Option("--factor", help="Head-room multiplier on the load to carry (0 < F <= 100).")
    ] = 1.0,
    split: Annotated[
        str, typer.Option("--split", metavar="proportional|even", help="How survivors share the load.")
    ] = "proportional",
    to: Annotated[
        str | None,
        typer.Option("--to", metavar="REGION", help="SQL region to fail over to (default: the best survivor)."),
    ] = None,
    allow_data_loss: Annotated[
        bool,
        typer.Option("--allow-data-loss", help="Permit a forced SQL failover (primary down) and --unlink-redis."),
    ] = False,
    unlink_redis: Annotated[
        bool, typer.Option("--unlink-redis", help="Force-unlink REGION's Redis database last (data loss).")
    ] = False,
    no_verify: NoVerify = False,
    *,
    flags: MutationFlags,
) -> None:
    """Take a region out of service: scale the others to carry it, move the SQL primary out, drain it."""
    from mcctl.cli.commands.journal import journal_of
    from mcctl.cli.render import check_query
    from mcctl.domain.evacuation import DEFAULT_STEPS, EvacuateRequest, plan_evacuation
    from mcctl.domain.frontdoor import parse_steps
    from mcctl.ops.evacuation import lock_preflight, observe_evacuation

    runtime: Runtime = ctx.obj
    check_query(runtime.options.query)  # never change the estate, then fail to print
    _check_no_wait(flags, "evacuate")
    percentages = parse_steps(steps) if steps is not None else DEFAULT_STEPS
    request = EvacuateRequest(region, percentages, interval, factor, _split(split), to, allow_data_loss, unlink_redis)
    name = runtime.validated(request.validate)
    lock = lock_preflight(runtime.session, runtime.estate, refuse=not flags.dry_run)
    read = observe_evacuation(runtime.session, runtime.estate, journal_of(runtime).operations(), request, lock=lock)
    plan = plan_evacuation(runtime.estate, read.observed, request)
    result = run_mutation(runtime, plan, read.inventory.snapshot(), flags, touches=_origins(runtime, name))
    if not flags.dry_run:
        _afterwards(runtime, name, result.operation, "away", verify=not no_verify)


@mutating
def reinstate(
    ctx: typer.Context,
    region: Region,
    steps: Steps = None,
    interval: Interval = DEFAULT_INTERVAL,
    sql: Annotated[
        bool, typer.Option("--sql", help="Fail the SQL primary back to REGION (planned) once traffic is back.")
    ] = False,
    no_verify: NoVerify = False,
    *,
    flags: MutationFlags,
) -> None:
    """Bring an evacuated region back: restore its traffic, (--sql) the SQL primary, then scale the others in."""
    from mcctl.cli.commands.journal import journal_of
    from mcctl.cli.render import check_query
    from mcctl.domain.evacuation import DEFAULT_STEPS
    from mcctl.domain.evacuation_reinstate import ReinstateRequest, plan_reinstatement
    from mcctl.domain.frontdoor import parse_steps
    from mcctl.ops.evacuation import lock_preflight, observe_reinstatement

    runtime: Runtime = ctx.obj
    check_query(runtime.options.query)
    _check_no_wait(flags, "reinstate")
    percentages = parse_steps(steps) if steps is not None else DEFAULT_STEPS
    request = ReinstateRequest(region, percentages, interval, sql)
    name = runtime.validated(request.validate)
    lock_preflight(runtime.session, runtime.estate, refuse=not flags.dry_run)
    read = observe_reinstatement(runtime.session, runtime.estate, journal_of(runtime).operations(), request)
    plan = plan_reinstatement(runtime.estate, read.observed, request)
    result = run_mutation(runtime, plan, read.inventory.snapshot(), flags, touches=_origins(runtime, name))
    if not flags.dry_run:
        _afterwards(runtime, name, result.operation, "back", verify=not no_verify)


# -- helpers ---------------------------------------------------------------------------------------
def _split(value: str) -> SplitPolicy:
    from mcctl.domain.capacity import SplitPolicy

    try:
        return SplitPolicy(value.strip().lower())
    except ValueError:
        raise UsageError(f"--split: must be proportional or even, got '{value}'") from None


def _check_no_wait(flags: MutationFlags, command: str) -> None:
    if flags.no_wait:
        raise UsageError(f"--no-wait: {command} runs its phases in order, each once the one before is done")


def _origins(runtime: Runtime, region: str) -> tuple[str, ...]:
    """The region's origins: what the command is about even when its plan is empty."""
    estate = runtime.estate
    return tuple(estate.frontdoor.origin_id(s.origin) for s in estate.stamps_in(region))


def _afterwards(runtime: Runtime, region: str, operation: str | None, mode: str, *, verify: bool) -> None:
    """Check at the edge (journaled on the operation), then say how the estate is."""
    from mcctl.cli import render
    from mcctl.cli.commands.journal import journal_of
    from mcctl.ops.evacuation import final_health

    failed = None
    if verify:
        failed = _verify(runtime, region, operation, mode)
    render.note(final_health(runtime.session, runtime.estate, journal_of(runtime).operations()))
    if failed is not None:
        raise failed


def _verify(runtime: Runtime, region: str, operation: str | None, mode: str) -> Exception | None:
    """Probe the Front Door endpoint until the region is away (or back); the error to raise, if not."""
    from mcctl.cli import render
    from mcctl.cli.commands.journal import journal_of
    from mcctl.domain.frontdoor_verify import endpoint_url
    from mcctl.errors import WaitTimeout
    from mcctl.ops.frontdoor import verify_traffic

    stamps = [s.name for s in runtime.estate.stamps_in(region)]
    if mode == "back":
        from mcctl.ops.evacuation import routed_stamps

        stamps = routed_stamps(runtime.session, runtime.estate, region)
        if not stamps:  # e.g. its origins are back at a lower priority: a standby gets no traffic
            render.note(f"not verified at the edge: Front Door's configuration sends {region} no traffic")
            return None
    goal = (
        f"{VERIFY_COUNT} answers in a row come from other stamps than {', '.join(stamps)}"
        if mode == "away"
        else f"{', '.join(stamps)} answer"
    )
    url = endpoint_url(runtime.estate)
    render.note(f"verifying at the edge: probing {url} until {goal} (timeout {VERIFY_TIMEOUT:g}s)")
    from mcctl.cli.progress import ProbeProgress

    with ProbeProgress() as shown:  # the probes so far, live: a check at the edge can take minutes
        result = verify_traffic(
            runtime.session,
            runtime.estate,
            stamps,
            mode=mode,
            count=VERIFY_COUNT,
            timeout=VERIFY_TIMEOUT,
            on_probe=shown,
        )
    if operation is not None:
        event = "edge-verified" if result.passed else "edge-not-verified"
        journal_of(runtime).append({"type": "event", "op": operation, "event": event, "detail": result.describe()})
    if result.passed:
        render.note(result.describe())
        return None
    again = f"mcctl {'--sim ' if runtime.options.sim else ''}frontdoor verify {region}"
    if mode == "back":
        again += " --restored"
    return WaitTimeout(result.describe(), hint=f"the edge may still be applying the change; check again: {again}")
