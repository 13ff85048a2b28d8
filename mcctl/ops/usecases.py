"""The mutation use cases: run a plan, resume or roll back an operation, revert a stopped one.

Each takes the Services and returns a typed RunResult. The order is the promise every change keeps:
the data-loss flag first, then the rules on state that counts other runs' in-flight changes, then
the operator's approval (the Confirmation port), then the engine (lease, re-check, apply, journal,
verify). The CLI only turns flags into RunOptions and renders the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mcctl.domain.plan import ROLLBACK_PREFIX, Plan
from mcctl.errors import EstateChanged, SafetyRefusal, UsageError
from mcctl.ops import mutation
from mcctl.ops.guard import CHANGED_OUTSIDE, Evaluation, check_overrides, refusal

if TYPE_CHECKING:
    from mcctl.domain.snapshot import EstateSnapshot
    from mcctl.ops.inflight import InFlightStep
    from mcctl.ops.journal import OperationRecord
    from mcctl.ops.mutation import MutationResult
    from mcctl.ops.services import Services


class RunOutcome(StrEnum):
    NOTHING_TO_DO = "nothing to do"
    DRY_RUN = "dry run"
    APPLIED = "applied"  # succeeded, or submitted with --no-wait (see `applied.status`)


@dataclass(frozen=True)
class RunOptions:
    """How to run (the shared mutation flags, validated)."""

    dry_run: bool = False
    timeout: float | None = 600.0
    wait: bool = True
    overrides: Mapping[str, str] = field(default_factory=dict)  # rule -> the journaled reason
    allow_data_loss: bool = False


@dataclass
class RunResult:
    outcome: RunOutcome
    evaluation: Evaluation
    applied: MutationResult | None = None

    @property
    def operation(self) -> str | None:
        """The journaled operation this run was (None: nothing was applied, nothing journaled)."""
        return self.applied.operation if self.applied is not None else None

    @property
    def refused(self) -> bool:
        return bool(self.evaluation.refused)

    def refusal(self) -> SafetyRefusal:
        """A dry run's refusal: nothing was journaled, nothing changed (exit 5 all the same)."""
        return refusal(self.evaluation, suffix=" (dry run: nothing was changed)")

    def to_dict(self) -> dict[str, Any]:
        if self.applied is not None:
            return self.applied.to_dict()
        if self.outcome is RunOutcome.NOTHING_TO_DO:
            return {"status": "nothing to do", **self.evaluation.to_dict()}
        return {"dry_run": True, **self.evaluation.to_dict()}


def run(
    services: Services,
    plan: Plan,
    before: EstateSnapshot,
    options: RunOptions,
    *,
    touches: tuple[str, ...] = (),
    header: Mapping[str, Any] | None = None,
    parent: str | None = None,
) -> RunResult:
    """Judge, confirm and apply a new plan. `touches`: resource ids the command is about even when
    its plan is empty (a restore that finds the origins enabled must not say "nothing to do" while a
    drain of them is still landing). `header`: more fields for its journal header (a drill's child
    names its drill). `parent`: the operation this one puts back (a drill's rollback plan)."""
    check_overrides(options.overrides, services.registry)
    return _run(services, plan, before, options, touches=touches, header=header, parent=parent)


def resume(services: Services, op: str, options: RunOptions) -> RunResult:
    """Continue an operation from its first unfinished step; a step an earlier run may have left
    running in Azure is joined (waited for), never sent twice. Gated like the first run."""
    from mcctl.ops.recovery import close_if_done, plan_resume

    check_overrides(options.overrides, services.registry)  # before anything is journaled
    record = services.journal.operation(op)
    recovery = plan_resume(record, services.estate, services.registry)  # (checks it can be resumed)
    _refuse_undone(services, record)
    closed = close_if_done(services.journal, record) if recovery.plan.empty and not options.dry_run else None
    if closed is not None:
        services.notices.note(closed.describe())
    remaining = _preflight(services, recovery.plan)  # the forward command's pre-flight, on facts read now
    result = _run(services, remaining, _snapshot(services), options, resume=record, whole=recovery.whole)
    if closed is None:
        return result
    # it journaled the operation's end: the result is that operation, succeeded (not "nothing to do")
    from mcctl.ops.journal_records import OperationStatus
    from mcctl.ops.mutation import MutationResult

    services.trace.operation, services.trace.operation_status = record.id, OperationStatus.SUCCEEDED.value
    services.trace.plan, services.trace.journaled = recovery.whole, True
    applied = MutationResult(record.id, OperationStatus.SUCCEEDED, recovery.whole, [])
    return RunResult(RunOutcome.APPLIED, result.evaluation, applied)


def rollback(services: Services, op: str, options: RunOptions, *, header: Mapping[str, Any] | None = None) -> RunResult:
    """Apply the inverse of what an operation applied, last first, once nothing of it still runs."""
    from mcctl.ops.recovery import check_recoverable, plan_rollback

    check_overrides(options.overrides, services.registry)  # before a settled step is journaled
    record = services.journal.operation(op)
    check_recoverable(record, services.estate, services.registry)
    done = _rolled_back_by(services, record)
    if done is not None:  # a second rollback would be an operation that changes nothing, or worse
        services.trace.reset()
        services.notices.note(f"operation {record.id} was already rolled back by operation {done.id}: nothing to do")
        empty = Plan(
            kind=f"{ROLLBACK_PREFIX}{record.plan.kind}",
            summary=f"roll back {record.id}: already rolled back by operation {done.id}",
            steps=(),
        )
        services.trace.evaluation = Evaluation(empty, (), {})
        return RunResult(RunOutcome.NOTHING_TO_DO, services.trace.evaluation)
    recovery = plan_rollback(  # (checks it can be rolled back before waiting for anything)
        services.session,
        services.estate,
        services.journal,
        record,
        timeout=options.timeout,
        note=services.notices.note,
        journal_it=not options.dry_run,
        registry=services.registry,
    )
    inverse = _preflight(services, recovery.plan)  # judged as the forward command would judge it
    return _run(services, inverse, _snapshot(services), options, parent=record.id, header=header)


def revert(
    services: Services, record: OperationRecord, plan: Plan, before: EstateSnapshot, options: RunOptions
) -> RunResult:
    """Put back what a stopped operation changed (`plan`, made by its job from the journal): the
    operator approved this with the original plan (--revert-on-failure), so it is not asked again.
    Only the timeout carries over: a revert never waits less, overrides nothing, skips nothing."""
    return _run(services, plan, before, RunOptions(timeout=options.timeout), parent=record.id, approved=True)


def _run(
    services: Services,
    plan: Plan,
    before: EstateSnapshot,
    options: RunOptions,
    *,
    touches: tuple[str, ...] = (),
    parent: str | None = None,
    resume: OperationRecord | None = None,
    whole: Plan | None = None,
    approved: bool = False,
    header: Mapping[str, Any] | None = None,
) -> RunResult:
    if plan.data_loss and not options.allow_data_loss and not plan.empty and not options.dry_run:
        # One answer for every data-loss command (and before any rule or prompt): the flag first.
        raise UsageError(
            f"{plan.summary}: this can lose data; pass --allow-data-loss (then confirm by typing "
            f"'{plan.confirm_name}', or add --yes); nothing was changed"
        )
    if not options.wait and not options.dry_run and len(plan.groups) > 1:
        # each group starts from where the previous one landed (a gradual drain's second weight on the
        # same origin is refused by Azure while the first is still updating): submitting all is a race
        raise UsageError(
            f"--no-wait: this plan runs in {len(plan.groups)} step groups, each once the previous one has "
            "landed; run it without --no-wait; nothing was changed"
        )
    services.trace.reset()
    if resume is not None:
        services.trace.plan = whole  # its steps are numbered as the operation's, not the remainder's
    ctx = _context(services, options)
    ctx.header = dict(header or {})
    # Changes other runs left in flight (--no-wait, a killed run) count for the rules the way that
    # serves less: a drain as done, a restore as not done.
    resources = (*(step.resource_id for step in plan.steps), *touches)
    in_flight = mutation.in_flight_changes(ctx, exclude=resume.id if resume else None) if resources else []
    _refuse_racing(in_flight, resources)
    evaluation = mutation.evaluate(
        plan,
        before,
        services.estate.safety,
        dict(options.overrides),
        options.allow_data_loss,
        in_flight=in_flight,
        kinds=services.registry,
        estate=services.estate,
        now=services.session.clock.wall(),
        touches=touches,
        explained=_joined(resume),
    )
    services.trace.evaluation = evaluation
    for line in evaluation.in_flight:
        services.notices.note(line)
    if plan.empty:
        if any(r.rule == CHANGED_OUTSIDE for r in evaluation.refused):
            # "nothing to do" would be judged on a value another client is changing: not journaled
            # (nothing was planned), refused all the same
            raise refusal(evaluation, suffix="; nothing was changed")
        return RunResult(RunOutcome.NOTHING_TO_DO, evaluation)
    if options.dry_run:
        return RunResult(RunOutcome.DRY_RUN, evaluation)
    services.confirmation.show(evaluation)
    whole = whole or plan
    if whole.gate is not None:  # also on resume: gated like the first run
        gate = services.registry.gate(whole.gate)
        # the gate speaks while the run's progress owns the terminal: through the reporter, not beside it
        ctx.between_groups = gate(
            services.session, services.estate, whole, before, services.reporter.note, services.registry
        )
        ctx.interval = whole.interval
    kind = (resume.kind or plan.kind) if resume else plan.kind
    if evaluation.refused:
        raise mutation.refuse(ctx, evaluation, kind, parent or (resume.id if resume else None))
    for used in evaluation.used_overrides:
        services.notices.warn(f"safety rule {used['rule']} overridden (journaled): {used['reason']}")
    if not approved:
        services.confirmation.approve(plan)
    ctx.lease = services.open_lease()
    if not getattr(ctx.lease, "shared", True):
        services.notices.warn(
            "no `lock:` in the estate file: using a local lock file, which only stops operators on this machine"
        )
    applied = mutation.apply(ctx, evaluation, kind, parent=parent, resume=resume, plan=whole if resume else None)
    return RunResult(RunOutcome.APPLIED, evaluation, applied)


def _rolled_back_by(services: Services, record: OperationRecord) -> OperationRecord | None:
    """The rollback that already put `record` back, if one succeeded."""
    from mcctl.ops.journal_records import OperationStatus

    for child in reversed(services.journal.children(record.id)):
        if (
            child.parent == record.id
            and child.status is OperationStatus.SUCCEEDED
            and (child.kind or "").startswith(ROLLBACK_PREFIX)
        ):
            return child
    return None


def _refuse_undone(services: Services, record: OperationRecord) -> None:
    """An operation a rollback or a --revert-on-failure put back is over: resuming it would redo,
    without its gates' context, what someone deliberately undid."""
    from mcctl.ops.journal_records import OperationStatus

    undone = [
        r
        for r in services.journal.children(record.id)
        if r.parent == record.id and r.status in (OperationStatus.SUCCEEDED, OperationStatus.PARTIAL)
    ]
    if undone:
        raise UsageError(
            f"OP: operation {record.id} was put back by operation {undone[-1].id}; resuming it would redo "
            "what was undone; nothing was changed",
            hint="run the original command again to plan from the current state",
        )


def _joined(resume: OperationRecord | None) -> tuple[str, ...]:
    """The resources a resumed operation's own unfinished steps are on: a change running there is
    the one the resume joins (waits for), not another client's."""
    if resume is None:
        return ()
    steps = resume.plan.steps
    return tuple(steps[i].resource_id for i in resume.uncertain_steps() if i < len(steps))


def _context(services: Services, options: RunOptions) -> mutation.ApplyContext:
    return mutation.ApplyContext(
        session=services.session,
        estate=services.estate,
        journal=services.journal,
        lease=None,
        command=services.command,
        timeout=options.timeout,
        wait=options.wait,
        reporter=services.reporter,
        registry=services.registry,
        trace=services.trace,
    )


def _preflight(services: Services, plan: Plan) -> Plan:
    from mcctl.ops.preflight import observe_plan

    return observe_plan(services.session, services.estate, plan, services.registry)


def _snapshot(services: Services) -> EstateSnapshot:
    from mcctl.ops.inventory import read_inventory

    return read_inventory(services.session, services.estate).snapshot()


def _refuse_racing(in_flight: list[InFlightStep], resources: tuple[str, ...]) -> None:
    """A change still landing on a resource this command plans from: planning now would race it."""
    from mcctl.ops.inflight import conflicting

    racing = conflicting(in_flight, resources)
    if racing:
        first = racing[0]
        raise EstateChanged(
            f"{first.describe()} is still in flight on the same resource: planning from its current value "
            "would race with it; nothing was changed",
            hint=f"`mcctl resume {first.operation}` waits for it and verifies it (or `mcctl rollback "
            f"{first.operation}`); then run this command again",
        )
