"""`mcctl frontdoor status|drain|restore|verify`: which origins serve, and moving traffic off a region
or a stamp and back, through the safe-mutation flow, with a check at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from mcctl.cli.mutate import MutationFlags, mutating, run_mutation, run_options, services_of, show_result
from mcctl.cli.options import Output, Query, parse_duration
from mcctl.cli.runtime import Runtime, emit, output_overrides
from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.cli.progress import ProbeProgress
    from mcctl.domain.frontdoor import Target
    from mcctl.domain.frontdoor_verify import Verification
    from mcctl.domain.plan import Plan
    from mcctl.errors import PartiallyApplied
    from mcctl.ops.journal import Journal

app = typer.Typer(
    no_args_is_help=True, help="Azure Front Door: which origins serve; drain and restore a region or a stamp."
)

DEFAULT_INTERVAL = 60.0

RegionArgument = Annotated[str | None, typer.Argument(help="The region (or use --stamp).", show_default=False)]
StampOption = Annotated[str | None, typer.Option("--stamp", "-s", help="One stamp instead of a region.")]
Steps = Annotated[
    str | None,
    typer.Option(
        "--steps",
        metavar="P,...,100",
        help="Gradual: percentages of the weight to move per step, e.g. 50,90,100 (the last step is 100).",
    ),
]
Interval = Annotated[
    float,
    typer.Option(
        "--interval",
        parser=parse_duration,
        metavar="DURATION",
        help="Gradual: wait this long after each step, then check stamp health before the next.",
    ),
]
RevertOnFailure = Annotated[
    bool,
    typer.Option("--revert-on-failure", help="If a health gate or a step fails, put the origins back as they were."),
]
Verify = Annotated[
    bool, typer.Option("--verify", help="Afterwards, probe the Front Door endpoint until the change shows (exit 6).")
]
VerifyCount = Annotated[
    int, typer.Option("--verify-count", help="Consecutive answers from elsewhere that prove a drain reached the edge.")
]
VerifyTimeout = Annotated[
    float,
    typer.Option(
        "--verify-timeout", parser=parse_duration, metavar="DURATION", help="Give up verifying after this long."
    ),
]


@app.command("status")
def status(ctx: typer.Context, output: Output = None, query: Query = None) -> None:
    """Origins per stamp (enabled, weight, priority, host, traffic share), serving regions, probe settings."""
    from mcctl.adapters import frontdoor
    from mcctl.cli.frontdoor_tables import status_table
    from mcctl.errors import McctlError
    from mcctl.ops.frontdoor import frontdoor_status
    from mcctl.ops.inventory import read_inventory

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    inventory = read_inventory(runtime.session, runtime.estate, with_redis=False)  # (no Redis column here)
    errors = list(inventory.errors)
    group = None
    try:
        group = frontdoor.get_origin_group(runtime.session, runtime.estate.frontdoor)
    except McctlError as exc:
        errors.append(exc)
    document = frontdoor_status(runtime.estate, inventory, group, runtime.session)
    emit(runtime, document, table=status_table)
    from mcctl.cli import render

    if document["edge_probes"]["error"]:  # a view less, not a failed read of the origins
        render.warn(f"{document['edge_probes']['error']}: traffic shares by configuration alone")
    if errors:
        for err in errors[1:]:
            render.warn(err.message)
        raise errors[0]


def _shift_command(verb: str, doc: str) -> None:
    """`drain` and `restore` take the same options; only the direction differs."""

    def command(
        ctx: typer.Context,
        region: RegionArgument = None,
        stamp: StampOption = None,
        steps: Steps = None,
        interval: Interval = DEFAULT_INTERVAL,
        revert_on_failure: RevertOnFailure = False,
        verify: Verify = False,
        verify_count: VerifyCount = 10,
        verify_timeout: VerifyTimeout = 600.0,
        *,
        flags: MutationFlags,
    ) -> None:
        shift = _Shift(verb, region, stamp, steps, interval, revert_on_failure, verify, verify_count, verify_timeout)
        _shift(ctx.obj, shift, flags)

    command.__doc__ = doc
    command.__name__ = verb
    app.command(verb)(mutating(command))


_shift_command("drain", "Drain a region or a stamp: disable its Front Door origins, at once or gradually (--steps).")
_shift_command(
    "restore",
    "Restore a region or a stamp: enable its origins with the weights and priorities they had before the drain.",
)


@app.command("verify")
def verify(
    ctx: typer.Context,
    region: RegionArgument = None,
    stamp: StampOption = None,
    restored: Annotated[
        bool, typer.Option("--restored", help="Check the traffic is back on it (default: that it is away).")
    ] = False,
    count: Annotated[int, typer.Option("--count", help="Consecutive answers from elsewhere that prove a drain.")] = 10,
    timeout: Annotated[
        float, typer.Option("--timeout", parser=parse_duration, metavar="DURATION", help="Give up after this long.")
    ] = 600.0,
    output: Output = None,
    query: Query = None,
) -> None:
    """Probe the Front Door endpoint until no answer comes from a region or stamp (or, --restored, until it answers)."""
    from mcctl.domain.frontdoor import Target
    from mcctl.ops.frontdoor import verify_traffic

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    if count < 1:
        raise UsageError("--count: must be at least 1")
    target = Target(region, stamp)
    runtime.validated(target.validate, stamp)
    # the region's stamps as they are on ARM: a new stamp a pipeline tagged counts, a retired one not
    stamps = [s.name for s in target.stamps(runtime.discovered_estate())]
    with _probe_progress() as shown:
        result = verify_traffic(
            runtime.session,
            runtime.estate,
            stamps,
            mode="back" if restored else "away",
            count=count,
            timeout=timeout,
            on_probe=shown,
        )
    emit(runtime, result.to_dict(), table=lambda data: result.describe())
    if not result.passed:
        _raise_unverified(runtime, result, target)


# -- drain and restore -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Shift:
    """What drain and restore share (they differ only in the planner and the verification)."""

    verb: str  # drain | restore
    region: str | None
    stamp: str | None
    steps: str | None
    interval: float
    revert_on_failure: bool
    verify: bool
    verify_count: int
    verify_timeout: float


def _shift(runtime: Runtime, shift: _Shift, flags: MutationFlags) -> None:
    from mcctl.cli.commands.journal import journal_of
    from mcctl.domain.frontdoor import ShiftRequest, Target, parse_steps, plan_drain, plan_restore
    from mcctl.errors import PartiallyApplied
    from mcctl.ops.frontdoor import observe
    from mcctl.ops.inventory import read_inventory

    target = Target(shift.region, shift.stamp)
    runtime.validated(target.validate, shift.stamp)
    percentages = parse_steps(shift.steps) if shift.steps is not None else ()
    _check_flags(shift, flags)
    inventory = read_inventory(runtime.session, runtime.estate)
    before = inventory.snapshot()
    journal = journal_of(runtime)
    planner = plan_drain if shift.verb == "drain" else plan_restore
    # Only what decides these origins' journaled state (their drains and restores), not every operation.
    observed = observe(inventory, journal.operations_touching(v.stamp.origin for v in inventory.views))
    plan = planner(runtime.estate, observed, ShiftRequest(target, percentages, shift.interval))
    _warn_retiring(runtime, plan)
    try:
        origins = tuple(runtime.estate.frontdoor.origin_id(s.origin) for s in target.stamps(runtime.estate))
        # a gradual plan carries its health gate and interval
        result = run_mutation(runtime, plan, before, flags, touches=origins)
    except PartiallyApplied as exc:
        if not shift.revert_on_failure:
            raise
        _revert(runtime, flags, exc)
    if shift.verify and not flags.dry_run:
        _verify(runtime, journal, result.operation, target, shift)


def _warn_retiring(runtime: Runtime, plan: Plan) -> None:
    """A restore that brings back a stamp a shift moved off: its `retiring` tag stays until a shift
    moves it again (`mcctl shift --from ... --to STAMP`), and `stamps retire` would take it out."""
    from mcctl.cli import render
    from mcctl.domain.estate import Lifecycle

    named = {str(step.params.get("stamp")) for step in plan.steps if step.after.get("enabled") is True}
    for stamp in runtime.estate.stamps:
        if stamp.name in named and stamp.lifecycle is Lifecycle.RETIRING:
            render.warn(
                f"{stamp.name} is tagged retiring (a shift moved its traffic off); restored, it serves again but "
                f"keeps that tag: shift traffic back to it (`mcctl shift --to {stamp.name}`) to make it active"
            )


def _note(message: str) -> None:
    from mcctl.cli import render

    render.note(message)


def _check_flags(shift: _Shift, flags: MutationFlags) -> None:
    if shift.steps is not None and flags.no_wait:
        raise UsageError("--steps: cannot be combined with --no-wait (each step waits for the previous one)")
    if shift.verify and flags.no_wait:
        raise UsageError("--verify: cannot be combined with --no-wait")
    if shift.steps is None and shift.interval != DEFAULT_INTERVAL:
        raise UsageError("--interval: only used with --steps")
    if shift.verify_count < 1:
        raise UsageError("--verify-count: must be at least 1")
    if shift.verify_timeout <= 0:
        raise UsageError("--verify-timeout: must be greater than 0")


def _revert(runtime: Runtime, flags: MutationFlags, error: PartiallyApplied) -> None:
    """--revert-on-failure: put the touched origins back as they were, then fail with exit 5.

    The revert was approved with the plan, so it is not asked again (`usecases.revert`)."""
    from mcctl.cli import render
    from mcctl.domain.frontdoor import Reverted, plan_revert
    from mcctl.ops import usecases
    from mcctl.ops.frontdoor import observe, revert_request
    from mcctl.ops.inventory import read_inventory
    from mcctl.ops.journal_records import OperationStatus

    services = services_of(runtime, flags)
    # the error carries the id of the operation it ended; only one that stopped part-way is reverted
    record = services.journal.operation(error.operation) if error.operation is not None else None
    if record is None or record.status not in (OperationStatus.STOPPED, OperationStatus.PARTIAL):
        raise error
    render.warn(f"{error.message}; reverting (--revert-on-failure)")
    inventory = read_inventory(runtime.session, runtime.estate)
    revert = plan_revert(runtime.estate, observe(inventory), revert_request(record))
    show_result(runtime, usecases.revert(services, record, revert, inventory.snapshot(), run_options(flags)))
    raise Reverted(
        f"{error.message}; reverted: the origins are back as they were before operation {record.id}",
        hint=f"mcctl journal show {record.id}",
    )


def _verify(runtime: Runtime, journal: Journal, operation: str | None, target: Target, shift: _Shift) -> None:
    """Probe the edge; the operation that changed the origins (if any) journals what the edge said."""
    from mcctl.domain.frontdoor_verify import endpoint_url
    from mcctl.ops.frontdoor import verify_traffic

    stamps = [s.name for s in target.stamps(runtime.estate)]
    count, timeout = shift.verify_count, shift.verify_timeout
    if shift.verb == "drain":
        goal = f"{count} answers in a row come from other stamps than {', '.join(stamps)}"
    else:
        goal = f"{', '.join(stamps)} answer"
    _note(f"verifying at the edge: probing {endpoint_url(runtime.estate)} until {goal} (timeout {timeout:g}s)")
    with _probe_progress() as shown:
        result = verify_traffic(
            runtime.session,
            runtime.estate,
            stamps,
            mode="away" if shift.verb == "drain" else "back",
            count=count,
            timeout=timeout,
            on_probe=shown,
        )
    if operation is not None:
        event = "edge-verified" if result.passed else "edge-not-verified"
        journal.append({"type": "event", "op": operation, "event": event, "detail": result.describe()})
    if not result.passed:
        _raise_unverified(runtime, result, target)
    _note(result.describe())


def _probe_progress() -> ProbeProgress:
    """The probes so far, live on stderr (a check at the edge can take minutes)."""
    from mcctl.cli.progress import ProbeProgress

    return ProbeProgress()


def _raise_unverified(runtime: Runtime, result: Verification, target: Target) -> None:
    from mcctl.errors import WaitTimeout

    where = f"--stamp {target.stamp}" if target.stamp else target.region
    again = f"mcctl {'--sim ' if runtime.options.sim else ''}frontdoor verify {where}"
    if result.mode == "back":
        again += " --restored"
    raise WaitTimeout(result.describe(), hint=f"the edge may still be applying the change; check again: {again}")
