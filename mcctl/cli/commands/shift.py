"""`mcctl shift --from A[,B] --to C[,D] --steps 10,50,100 --interval 5m`: move Front Door edge
traffic between two stamp sets of the same region(s), through the safe-mutation flow (rules,
confirmation, lease, journal, resume/rollback), gated between steps like `frontdoor drain --steps`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mcctl.cli.mutate import MutationFlags, mutating, run_mutation, run_options, services_of, show_result
from mcctl.cli.options import parse_duration
from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.cli.runtime import Runtime
    from mcctl.domain.plan import Plan
    from mcctl.domain.shift import SetShiftRequest
    from mcctl.errors import PartiallyApplied
    from mcctl.ops.journal import OperationRecord

DEFAULT_INTERVAL = 60.0

From = Annotated[
    str,
    typer.Option("--from", metavar="STAMP[,STAMP]", help="The stamps that serve now (they end disabled, retiring)."),
]
To = Annotated[
    str, typer.Option("--to", metavar="STAMP[,STAMP]", help="The stamps that take the traffic (they end active).")
]
Steps = Annotated[
    str | None,
    typer.Option(
        "--steps",
        metavar="P,...,100",
        help="Gradual: the --to set's share of the traffic per step, e.g. 10,50,100 (the last step is 100).",
    ),
]
Interval = Annotated[
    float,
    typer.Option(
        "--interval",
        parser=parse_duration,
        metavar="DURATION",
        help="Gradual: wait this long after each step, then check the --to stamps before the next.",
    ),
]
MaxErrorRate = Annotated[
    float | None,
    typer.Option(
        "--max-error-rate",
        metavar="PCT",
        help="Gradual: also stop when more than PCT% of the public endpoint's answers fail after a step.",
    ),
]
RevertOnFailure = Annotated[
    bool,
    typer.Option("--revert-on-failure", help="If a gate or a step fails, put the origins back as they were."),
]


@mutating
def shift(
    ctx: typer.Context,
    from_: From,
    to: To,
    steps: Steps = None,
    interval: Interval = DEFAULT_INTERVAL,
    max_error_rate: MaxErrorRate = None,
    revert_on_failure: RevertOnFailure = False,
    *,
    flags: MutationFlags,
) -> None:
    """Shift Front Door traffic from one stamp set to another (blue-green), at once or gradually (--steps)."""
    from mcctl.cli.commands.journal import journal_of
    from mcctl.domain.frontdoor import parse_steps
    from mcctl.domain.shift import SetShiftRequest, parse_stamp_set, plan_shift
    from mcctl.errors import PartiallyApplied
    from mcctl.ops.frontdoor import observe
    from mcctl.ops.inventory import read_inventory

    runtime: Runtime = ctx.obj
    percentages = parse_steps(steps) if steps is not None else (100,)
    _check_flags(steps, interval, max_error_rate, flags)
    request = SetShiftRequest(
        parse_stamp_set(from_, "--from"),
        parse_stamp_set(to, "--to"),
        percentages,
        interval,
        max_error_rate,
    )
    # Bad input before any Azure call; a name the estate file does not list may be a stamp a pipeline
    # deployed and tagged: looked for on ARM (the session discovers them) before it is refused.
    runtime.validated(request.validate, *request.sources, *request.targets)
    inventory = read_inventory(runtime.session, runtime.estate)
    plan = plan_shift(runtime.estate, observe(inventory, journal_of(runtime).operations()), request)
    try:
        # a gradual plan carries its gate (`shift`) and interval, and the gate's settings in its steps
        run_mutation(runtime, plan, inventory.snapshot(), flags, touches=_origins(runtime, request))
    except PartiallyApplied as exc:
        if not revert_on_failure:
            raise
        _revert(runtime, flags, exc)


def _check_flags(steps: str | None, interval: float, max_error_rate: float | None, flags: MutationFlags) -> None:
    if steps is not None and flags.no_wait:
        raise UsageError("--steps: cannot be combined with --no-wait (each step waits for the previous one)")
    if steps is None and interval != DEFAULT_INTERVAL:
        raise UsageError("--interval: only used with --steps")
    if steps is None and max_error_rate is not None:
        raise UsageError("--max-error-rate: only used with --steps (it is checked between steps)")


def _origins(runtime: Runtime, request: SetShiftRequest) -> tuple[str, ...]:
    stamps = [runtime.estate.stamp(name) for name in (*request.sources, *request.targets)]
    return tuple(runtime.estate.frontdoor.origin_id(s.origin) for s in stamps if s is not None)


def _revert(runtime: Runtime, flags: MutationFlags, error: PartiallyApplied) -> None:
    """--revert-on-failure: put the touched origins (and any lifecycle tag already set) back, then
    fail with exit 5, as `frontdoor drain --revert-on-failure` does; approved with the plan."""
    from mcctl.cli import render
    from mcctl.domain.frontdoor import Reverted, plan_revert
    from mcctl.ops import usecases
    from mcctl.ops.frontdoor import observe, revert_request
    from mcctl.ops.inventory import read_inventory
    from mcctl.ops.journal_records import OperationStatus

    services = services_of(runtime, flags)
    record = services.journal.operation(error.operation) if error.operation is not None else None
    if record is None or record.status not in (OperationStatus.STOPPED, OperationStatus.PARTIAL):
        raise error
    render.warn(f"{error.message}; reverting (--revert-on-failure)")
    inventory = read_inventory(runtime.session, runtime.estate)
    revert = _with_lifecycle_undone(plan_revert(runtime.estate, observe(inventory), revert_request(record)), record)
    show_result(runtime, usecases.revert(services, record, revert, inventory.snapshot(), run_options(flags)))
    raise Reverted(
        f"{error.message}; reverted: the origins are back as they were before operation {record.id}",
        hint=f"mcctl journal show {record.id}",
    )


def _with_lifecycle_undone(revert: Plan, record: OperationRecord) -> Plan:
    """The origins' revert plus the inverse of every lifecycle step the stopped shift applied, after
    the origins (a tag follows the traffic)."""
    from dataclasses import replace

    from mcctl.domain.lifecycle import SET_LIFECYCLE
    from mcctl.ops.recovery import labels_last

    plan = record.plan
    undo = [
        replace(plan.steps[i].inverse(), group=0) for i in record.applied_steps() if plan.steps[i].kind == SET_LIFECYCLE
    ]
    return labels_last(replace(revert, steps=(*revert.steps, *undo))) if undo else revert
