"""Resume and rollback of a journaled operation: what is left to do, or what to undo.

Both first wait for any change of the operation that is still running in Azure (a `--no-wait`
submission, a run killed mid-request): deciding what was applied while a change may still land
would be a guess, and a rollback that says "nothing to do" before the change lands is a lie.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcctl.domain.plan import Plan
from mcctl.domain.sqlfailover import RESUME_SUMMARY_PREFIX
from mcctl.domain.statuses import OperationStatus
from mcctl.errors import UsageError
from mcctl.ops.inflight import InFlightStep, Landing, record_settled, settle
from mcctl.ops.steps import executor

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl.ops.journal import Journal, OperationRecord
    from mcctl.ops.registry import Registry


@dataclass(frozen=True)
class Recovery:
    """A resume or rollback, planned: the steps to run, and the whole plan they belong to."""

    plan: Plan  # the steps to run now
    whole: Plan  # the operation's plan (resume) or the same as `plan` (rollback)


def check_recoverable(record: OperationRecord, estate: Estate, registry: Registry | None = None) -> None:
    if record.header.get("status") == OperationStatus.REFUSED:
        raise UsageError(f"OP: operation {record.id} was refused by a safety rule; it changed nothing")
    if record.header.get("estate") != estate.name:
        raise UsageError(f"OP: operation {record.id} belongs to estate '{record.header.get('estate')}'")
    for number, step in enumerate(record.plan.steps, 1):
        try:
            executor(step, registry)
        except ValueError:
            raise UsageError(
                f"OP: step {number} of operation {record.id} is of kind '{step.kind}', which no installed "
                "plugin provides; nothing was changed",
                hint="install the plugin that made it again (`mcctl plugins list` shows what is loaded)",
            ) from None
    ran_in = record.header.get("subscription")
    if ran_in and ran_in.lower() != (estate.subscription or "").lower():
        raise UsageError(
            f"OP: operation {record.id} ran in subscription {ran_in}; this run resolves {estate.subscription}",
            hint=f"pass --subscription {ran_in} (or leave it out if the estate file's default was used)",
        )


def plan_resume(record: OperationRecord, estate: Estate, registry: Registry | None = None) -> Recovery:
    """The operation's unfinished steps. A step an earlier run may have left running in Azure is
    among them: the engine joins it (waits for it) instead of sending it again."""
    check_recoverable(record, estate, registry)
    whole = record.plan
    remaining = Plan(
        kind=whole.kind,
        summary=f"{RESUME_SUMMARY_PREFIX}{record.id}: {whole.summary}",  # (a rule's way out tells a resume by it)
        steps=tuple(whole.steps[i] for i in range(len(whole.steps)) if not record.finished(i)),
        data_loss=whole.data_loss,
        confirm_name=whole.confirm_name,
        notes=whole.notes,
    )
    return Recovery(remaining, whole)


def applied_steps(record: OperationRecord, settled: list[InFlightStep]) -> list[int]:
    """What the operation changed, on the strongest evidence: every outcome that says applied (a
    later "skipped" does not hide it), and every in-doubt step that turned out to have landed — or
    to have changed its resource otherwise (diverged: its inverse then stops at the check that the
    estate is as planned, or an irreversible kind refuses, rather than "nothing to do")."""
    changed = {s.index for s in settled if s.landing in (Landing.LANDED, Landing.DIVERGED)}
    not_landed = {s.index for s in settled if s.landing is Landing.NOT_LANDED}
    return sorted((set(record.applied_steps()) | changed) - not_landed)


def plan_rollback(
    session: AzureSession,
    estate: Estate,
    journal: Journal,
    record: OperationRecord,
    *,
    timeout: float | None,
    note: Callable[[str], None],
    journal_it: bool = True,
    registry: Registry | None = None,
) -> Recovery:
    """The inverse of what the operation applied, last group first, once nothing of it still runs."""
    check_recoverable(record, estate, registry)
    settled = settle(session, estate, record, timeout=timeout, note=note, registry=registry)
    if journal_it:  # a dry run writes nothing; a real one records how the in-doubt steps ended
        record_settled(journal, settled)
    whole = record.plan
    applied = applied_steps(record, settled)
    refuse_irreversible(whole, applied, registry)
    inverse = labels_last(whole.inverse(applied, summary=f"roll back {record.id}: {whole.summary}"), registry)
    return Recovery(inverse, inverse)


def labels_last(plan: Plan, registry: Registry | None = None) -> Plan:
    """The plan with the steps of `undo_last` kinds (labels of the state the others make) in a group
    of their own after every other step."""
    from dataclasses import replace

    labels = [i for i, step in enumerate(plan.steps) if executor(step, registry).undo_last]
    if not labels or len(labels) == len(plan.steps):
        return plan
    last = max(step.group for step in plan.steps) + 1
    steps = tuple(replace(s, group=last) if i in labels else s for i, s in enumerate(plan.steps))
    return replace(plan, steps=steps)


def refuse_irreversible(plan: Plan, applied: list[int], registry: Registry | None = None) -> None:
    for index in applied:
        step = plan.steps[index]
        kind = executor(step, registry)
        if not kind.reversible:
            hint = kind.undo_hint(step) if kind.undo_hint else None
            raise UsageError(
                f"OP: step {index + 1} ({step.target}) cannot be rolled back automatically; nothing was changed",
                hint=f"to reverse it: {hint}" if hint else None,
            )


@dataclass(frozen=True)
class Closed:
    """An operation a resume closed as succeeded: every step was done. `was`: the end journaled
    before (e.g. timeout: a step timed out, then landed), or None when no end was ever journaled
    (a run killed after its last step)."""

    operation: str
    was: str | None

    def describe(self) -> str:
        if self.was is None:
            return f"operation {self.operation}: every step was done; its end was never journaled: closed as succeeded"
        return (
            f"operation {self.operation}: every step was done; its end was journaled as {self.was}: "
            "closed as succeeded now"
        )


def close_if_done(journal: Journal, record: OperationRecord) -> Closed | None:
    """Every step of the operation is done but it did not end succeeded (a run killed after its last
    step, or a step that timed out and landed since): a resume that finds nothing left closes the
    operation (succeeded) instead of leaving it incomplete. None: nothing to close."""

    steps = range(len(record.plan.steps))
    if record.status is OperationStatus.SUCCEEDED or not all(record.finished(i) for i in steps):
        return None
    ended = record.end.get("status") if record.end is not None else None
    journal.append(
        {"type": "end", "op": record.id, "status": OperationStatus.SUCCEEDED, "seconds": 0, "closed_by": "resume"}
    )
    return Closed(record.id, str(ended) if ended else None)
