"""How a run ends when something stops it: each way journaled once, with the error to raise.

Once anything was applied the operation is partial (exit 7) whatever stopped it; a step that timed
out with nothing confirmed is a timeout (a change may still land), never "nothing changed". The
error carries the operation's id, so the caller knows its end is journaled already.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from mcctl.domain.plan import Plan
from mcctl.errors import AzureRequestError, McctlError, PartiallyApplied, WaitTimeout
from mcctl.ops.journal_records import OperationStatus, StepStatus
from mcctl.ops.steprun import StepOutcome

if TYPE_CHECKING:
    from mcctl.ops.journal import OperationRecord
    from mcctl.ops.mutation import ApplyContext


class GateFailed(McctlError):
    """A gate between groups of a gradual plan said stop (e.g. a stamp went unhealthy)."""


def _end(ctx: ApplyContext, record: dict[str, Any]) -> None:
    """Journal the operation's end, and keep how it ended for the result document."""
    ctx.journal.append(record)
    ctx.trace.operation_status = str(record["status"])


def already_ended(exc: McctlError) -> bool:
    """Whether the operation's end record is written already (by whoever raised `exc`)."""
    return exc.operation is not None


def mark_ended(op: str, exc: McctlError) -> McctlError:
    exc.operation = op
    return exc


def applied_so_far(outcomes: list[StepOutcome], resume: OperationRecord | None) -> list[int]:
    applied = {o.index for o in outcomes if o.applied}
    if resume is not None:
        applied |= set(resume.applied_steps())
    return sorted(applied)


def stop(
    ctx: ApplyContext,
    op: str,
    plan: Plan,
    outcomes: list[StepOutcome],
    started: float,
    resume: OperationRecord | None,
    error: str,
) -> McctlError:
    """End a run that an error stopped between steps: partial (exit 7) once anything was applied."""
    applied = applied_so_far(outcomes, resume)
    seconds = ctx.session.now() - started
    status = OperationStatus.PARTIAL if applied else OperationStatus.FAILED
    _end(ctx, {"type": "end", "op": op, "status": status, "seconds": seconds, "error": error})
    if applied:
        return mark_ended(
            op,
            PartiallyApplied(
                f"operation {op} partially applied ({len(applied)} of {len(plan.steps)} steps), then stopped: {error}",
                hint=f"`mcctl resume {op}` continues, `mcctl rollback {op}` reverses what was applied",
            ),
        )
    return mark_ended(op, AzureRequestError(f"operation {op} stopped, nothing was changed: {error}"))


def run_gate(
    ctx: ApplyContext,
    op: str,
    plan: Plan,
    number: int,
    outcomes: list[StepOutcome],
    started: float,
    resume: OperationRecord | None,
) -> None:
    assert ctx.between_groups is not None
    from mcctl.adapters.lro import MAX_POLL_SECONDS

    remaining = ctx.interval
    what = f"before step group {number + 2} of {len(plan.groups)}"
    while remaining > 0:  # the reporter counts down (a terminal shows it in place, a log says it once)
        ctx.reporter.waiting(remaining, what)
        chunk = min(MAX_POLL_SECONDS, remaining)
        ctx.session.sleep(chunk)
        if ctx.lease is not None:
            ctx.lease.renew_if_due()
        remaining -= chunk
    if ctx.interval > 0:
        ctx.reporter.waiting(0.0, what)
    try:
        ctx.between_groups(number)
    except GateFailed as exc:
        done = len(applied_so_far(outcomes, resume))
        seconds = ctx.session.now() - started
        ctx.journal.append(
            {"type": "event", "op": op, "event": "gate-failed", "after_group": number, "error": exc.message}
        )
        _end(
            ctx, {"type": "end", "op": op, "status": OperationStatus.STOPPED, "seconds": seconds, "error": exc.message}
        )
        raise mark_ended(
            op,
            PartiallyApplied(
                f"operation {op} stopped after {done} of {len(plan.steps)} steps: {exc.message}",
                hint=f"`mcctl rollback {op}` reverses what was applied; `mcctl resume {op}` continues anyway",
            ),
        ) from None
    if ctx.lease is not None:
        ctx.lease.renew_if_due()


def fail(
    ctx: ApplyContext,
    op: str,
    plan: Plan,
    outcomes: list[StepOutcome],
    failed: StepOutcome,
    started: float,
    resume: OperationRecord | None,
) -> NoReturn:
    applied = applied_so_far(outcomes, resume)
    step = plan.steps[failed.index]
    what = f"step {failed.index + 1}/{len(plan.steps)} ({step.target}) {failed.status}: {failed.error}"
    seconds = ctx.session.now() - started
    timed_out = [o for o in outcomes if o.status == StepStatus.TIMEOUT]
    if applied:  # whatever else happened, something changed: partially applied is always 7
        still = " (a step timed out and may still be running)" if timed_out else ""
        _end(ctx, {"type": "end", "op": op, "status": OperationStatus.PARTIAL, "seconds": seconds, "error": what})
        raise mark_ended(
            op,
            PartiallyApplied(
                f"operation {op} partially applied ({len(applied)} of {len(plan.steps)} steps): {what}{still}",
                hint=f"`mcctl resume {op}` continues, `mcctl rollback {op}` reverses what was applied",
            ),
        )
    if timed_out:  # nothing confirmed applied, but a change may still land: not "nothing changed"
        first = plan.steps[timed_out[0].index]
        _end(ctx, {"type": "end", "op": op, "status": OperationStatus.TIMEOUT, "seconds": seconds})
        raise mark_ended(
            op,
            WaitTimeout(
                f"operation {op}: step {timed_out[0].index + 1}/{len(plan.steps)} ({first.target}) timeout: "
                f"{timed_out[0].error}",
                hint=f"mcctl journal show {op}; `mcctl resume {op}` re-checks live state and continues",
            ),
        )
    _end(ctx, {"type": "end", "op": op, "status": OperationStatus.FAILED, "seconds": seconds, "error": what})
    raise mark_ended(
        op, AzureRequestError(f"operation {op} failed, nothing was changed: {what}", hint=f"mcctl journal show {op}")
    )
