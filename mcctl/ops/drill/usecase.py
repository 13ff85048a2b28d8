"""The drill use cases: run a drill plan, resume an interrupted drill, roll one back.

A drill is one engine operation (`mcctl.ops.drill.plan`) run through `ops.usecases` like every
change: the safety rules, the operator's approval, the lease for the whole drill, every step
journaled. Around it: synthetic probes against the public endpoint from before the first step to
after the last, the estate's state before and after (as `mcctl status` reads it), and the step's
on-failure policy — `rollback` puts back what the drill changed and ends its faults, then checks the
estate is healthy again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mcctl.domain.drill.spec import DrillPlanError, DrillSpec, DrillStepKind, OnFailure
from mcctl.domain.plan import ROLLBACK_PREFIX, Plan, Step
from mcctl.domain.statuses import OperationStatus
from mcctl.errors import ExitCode, McctlError, UsageError
from mcctl.ops.drill.conditions import read_status
from mcctl.ops.drill.kept import keep, write
from mcctl.ops.drill.plan import DRILL_KIND, FILE_FIELD, SPEC_FIELD, check_faults, drill_plan, spec_of
from mcctl.ops.drill.probing import probes_for
from mcctl.ops.drill.runtime import Approvals, DrillRuntime, on_journaled, running

if TYPE_CHECKING:
    from mcctl.ops.journal import OperationRecord
    from mcctl.ops.services import Services
    from mcctl.ops.usecases import RunOptions, RunResult

ROLLBACK_KIND = f"{ROLLBACK_PREFIX}{DRILL_KIND}"


class DrillFailedCleanly(McctlError):
    """A step failed, and the estate is as it was at the start: the drill was rolled back cleanly,
    or it had changed nothing yet (a failed pre-check)."""

    exit_code = ExitCode.DRILL_ROLLED_BACK


class DrillFailed(McctlError):
    """A step failed and the estate is left changed (on_failure: stop, or a rollback that failed)."""

    exit_code = ExitCode.PARTIAL


class RollbackLeftUnhealthy(McctlError):
    """The rollback ran, and the estate is not healthy afterwards: reported as failed."""

    exit_code = ExitCode.UNHEALTHY


@dataclass(frozen=True)
class DrillOptions:
    run: RunOptions
    approvals: Approvals = field(default_factory=Approvals)
    prompt: Callable[[str], bool] | None = None  # None: not interactive
    probes: bool = True
    pace: float | None = None  # simulator: simulated seconds per wall second (a practice drill to watch)


@dataclass
class DrillResult:
    operation: str | None
    run: RunResult | None
    rollback: RunResult | None = None
    healthy_after: bool | None = None
    previews: list[dict[str, Any]] = field(default_factory=list)  # --dry-run: each step as planned now


# -- run -----------------------------------------------------------------------------------------------
def run_drill(services: Services, spec: DrillSpec, options: DrillOptions, *, source: str) -> DrillResult:
    """Judge, confirm and run a drill. Raises DrillFailedCleanly (exit 9) when a step failed and the drill
    was rolled back cleanly, DrillFailed (7) when it left the estate changed."""
    from mcctl.ops import usecases

    plan = drill_plan(spec, services.estate, services.session.simulated, source)
    if services.session.simulated:
        check_faults(services.session, spec, source)
    _check_approvals(plan, range(len(plan.steps)), options)
    before = _snapshot(services)
    if options.run.dry_run:
        result = usecases.run(services, plan, before, options.run)
        return DrillResult(None, result, previews=_previews(services, spec, options))
    state = read_status(services)
    runtime = DrillRuntime(services, _child_options(options), options.approvals, options.prompt)
    header = {SPEC_FIELD: spec.to_dict(), FILE_FIELD: source}
    journaled: dict[str, Any] = {}

    def started(operation: str) -> None:  # (written then: survives a kill of the drill)
        journaled["drill"] = operation
        write(services, operation, "before.json", state)
        if journaled.get("probes") is not None:
            journaled["probes"].bind(operation)

    probes = probes_for(services, spec.probes, enabled=options.probes, pace=options.pace)
    with running(runtime), on_journaled(services, started), probes as prober:
        journaled["probes"] = prober
        try:
            result = usecases.run(services, plan, before, options.run, header=header)
        except McctlError as exc:
            return _failed(services, runtime, exc, options)
        finally:
            keep(services, state, prober, journaled.get("drill"))  # (after its rollback, if one ran)
    return DrillResult(result.operation, result, healthy_after=None)


def resume_drill(services: Services, operation: str, options: DrillOptions) -> DrillResult:
    from mcctl.ops import usecases

    record = drill_record(services, operation)
    spec = spec_of(record.header)
    remaining = [i for i in range(len(record.plan.steps)) if not record.finished(i)]
    _check_approvals(record.plan, remaining, options)
    runtime = DrillRuntime(services, _child_options(options), options.approvals, options.prompt)
    probes = probes_for(services, spec.probes, enabled=options.probes, pace=options.pace, operation=record.id)
    with running(runtime), probes as prober:
        try:
            result = usecases.resume(services, record.id, options.run)
        except McctlError as exc:
            return _failed(services, runtime, exc, options)
        finally:
            keep(services, None, prober, record.id)
    return DrillResult(record.id, result)


def rollback_drill(services: Services, operation: str, options: DrillOptions) -> DrillResult:
    """Put back what the drill changed: its faults ended first, then its steps' changes, last first;
    then the estate's health again (a rollback that leaves it unhealthy is a failure: exit 11)."""
    record = drill_record(services, operation)
    runtime = DrillRuntime(services, _child_options(options), options.approvals, None, rollback_of=record.id)
    with running(runtime):
        result = _rollback(services, record, options.run)
    return _after_rollback(services, record.id, result, options.run.dry_run)


def _rollback(services: Services, record: OperationRecord, options: RunOptions) -> RunResult:
    from mcctl.ops import usecases
    from mcctl.ops.guard import Evaluation
    from mcctl.ops.usecases import RunOutcome, RunResult

    done = _rolled_back_by(services, record)
    if done is not None:
        services.notices.note(f"drill {record.id} was already rolled back by operation {done.id}: nothing to do")
        empty = Plan(kind=ROLLBACK_KIND, summary=f"roll back drill {record.id}: already done", steps=())
        return RunResult(RunOutcome.NOTHING_TO_DO, Evaluation(empty, (), {}))
    plan = rollback_plan(services, record)
    return usecases.run(services, plan, _snapshot(services), options, parent=record.id)


def rollback_plan(services: Services, record: OperationRecord) -> Plan:
    """The faults the drill injected that are still in effect, ended first (the incident is over);
    then each changing step the drill started, undone, last first, one at a time."""
    from mcctl.ops.drill.faults import read_fault

    plan = record.plan
    started = set(record.intents)
    steps: list[Step] = []
    for index, step in enumerate(plan.steps):
        if step.kind != "drill.fault" or index not in started:
            continue
        if step.after.get("down") is False:
            continue  # an `end_outage` step: ending it again would start the outage the drill ended
        if read_fault(services.session, services.estate, step) == step.after:
            steps.append(replace(step.inverse(), target=f"undo {step.target}", group=0))
    order = [i for i in reversed(plan.execution_order) if i in started]
    for number, index in enumerate(i for i in order if _delegate(services, plan.steps[i])):
        step = plan.steps[index]
        undo = replace(
            step,
            target=f"undo {step.target}",
            before=dict(step.after),
            after={},
            params={**step.params, "undo": True},
            group=number + 1,
        )
        steps.append(undo)
    return Plan(kind=ROLLBACK_KIND, summary=f"roll back drill {record.id}", steps=tuple(steps))


def _delegate(services: Services, step: Step) -> bool:
    from mcctl.ops.registry import StepNature

    kind = services.registry.step_kinds.get(step.kind)
    return kind is not None and kind.nature is StepNature.DELEGATE


def _after_rollback(services: Services, operation: str, result: RunResult, dry_run: bool) -> DrillResult:
    if dry_run or result.applied is None:
        return DrillResult(operation, None, rollback=result)  # (nothing ran: what was recorded stands)
    status = read_status(services)
    healthy = status.get("status") == "healthy"
    write(services, operation, "rollback.json", {"operation": result.operation, "status": status, "healthy": healthy})
    write(services, operation, "after.json", status)  # the estate as the drill leaves it, once put back
    drill = DrillResult(operation, None, rollback=result, healthy_after=healthy)
    if not healthy:
        why = "; ".join(status.get("reasons") or ()) or status.get("status")
        error = RollbackLeftUnhealthy(f"drill {operation} was rolled back, but the estate is not healthy: {why}")
        error.operation = result.operation
        raise error
    return drill


def _failed(services: Services, runtime: DrillRuntime, error: McctlError, options: DrillOptions) -> DrillResult:
    """A step failed (or a rule refused the drill): apply the failed step's on-failure policy."""
    operation = services.trace.operation
    record = services.journal.operation(operation) if operation and services.trace.journaled else None
    if record is None or not record.intents:
        raise error  # nothing ran (refused, locked, estate changed): nothing to put back
    failed = _failed_step(record)
    policy = OnFailure(failed.params.get("on_failure", "rollback")) if failed is not None else OnFailure.STOP
    if not _changed_anything(services, record):
        clean = DrillFailedCleanly(f"drill {record.id} stopped: {error.message}; nothing had been changed yet")
        clean.operation = record.id
        raise clean from error
    if policy is OnFailure.STOP or options.run.dry_run:
        raise DrillFailed(
            f"drill {record.id} stopped: {error.message}; the estate is left as the drill left it",
            hint=f"`mcctl drill resume {record.id}` after fixing the cause, or `mcctl drill rollback {record.id}`",
        ) from error
    services.notices.warn(f"drill {record.id}: {error.message}; rolling back (on_failure: rollback)")
    runtime.rollback_of = record.id
    services.trace.reset()
    try:
        result = _rollback(services, services.journal.operation(record.id), options.run)
        _after_rollback(services, record.id, result, False)
    except RollbackLeftUnhealthy:
        raise  # it ran, and the estate is not healthy after it: exit 11, as `drill rollback` says it
    except McctlError as exc:
        raise DrillFailed(
            f"drill {record.id} stopped ({error.message}) and its rollback did not finish: {exc.message}",
            hint=f"`mcctl drill rollback {record.id}` tries again",
        ) from exc
    finally:
        runtime.rollback_of = None
    rolled = DrillFailedCleanly(f"drill {record.id} failed ({error.message}) and was rolled back cleanly")
    rolled.operation = record.id
    raise rolled from error


def _changed_anything(services: Services, record: OperationRecord) -> bool:
    """Whether the drill changed the estate: a fault it injected, or a child operation that applied
    (or may have applied) a step."""
    from mcctl.ops.drill.children import DRILL_FIELD

    if any(record.plan.steps[i].kind == "drill.fault" for i in record.applied_steps()):
        return True
    for other in services.journal.operations():
        tag = other.header.get(DRILL_FIELD)
        if isinstance(tag, dict) and tag.get("operation") == record.id:
            if other.applied_steps() or other.uncertain_steps():
                return True
    return False


def _failed_step(record: OperationRecord) -> Step | None:
    from mcctl.domain.statuses import StepStatus

    bad = (StepStatus.FAILED, StepStatus.TIMEOUT, StepStatus.UNVERIFIED, StepStatus.INTERRUPTED)
    for index, step in enumerate(record.plan.steps):
        history = record.history(index)
        if history and history[-1].get("type") == "outcome" and history[-1].get("status") in bad:
            return step
    return None


def _rolled_back_by(services: Services, record: OperationRecord) -> OperationRecord | None:
    for other in reversed(services.journal.operations()):
        if other.parent == record.id and other.kind == ROLLBACK_KIND and other.status is OperationStatus.SUCCEEDED:
            return other
    return None


# -- pieces --------------------------------------------------------------------------------------------
def drill_record(services: Services, operation: str) -> OperationRecord:
    """The drill `operation` names (an id, a unique prefix, or `latest`: the newest drill)."""
    if operation == "latest":
        drills = [r for r in services.journal.operations() if r.kind == DRILL_KIND and SPEC_FIELD in r.header]
        if not drills:
            raise UsageError("RUN: no drill in the journal yet")
        return drills[-1]
    try:
        record = services.journal.operation(operation)
    except UsageError as exc:  # (the journal names its argument OP; drill commands call it RUN)
        raise UsageError(exc.message.replace("OP:", "RUN:", 1), hint=exc.hint) from None
    if record.kind != DRILL_KIND or SPEC_FIELD not in record.header:
        raise UsageError(f"RUN: operation {record.id} is not a drill (it is a {record.kind})")
    return record


def _check_approvals(plan: Plan, indexes: Any, options: DrillOptions) -> None:
    """--approve names approval steps of this plan; non-interactively every approval step still to run
    needs one, refused before anything runs."""
    approvals = {
        index: step.target
        for index, step in enumerate(plan.steps)
        if step.kind == f"drill.{DrillStepKind.APPROVAL.value}"
    }
    for given in sorted(options.approvals.given - {"all"}):
        if not any(Approvals(frozenset({given})).covers(i, name) for i, name in approvals.items()):
            known = ", ".join(f"{i + 1} ({name})" for i, name in approvals.items()) or "none"
            raise UsageError(f"--approve: '{given}' is no approval step of this drill (its approval steps: {known})")
    if options.prompt is not None or options.run.dry_run:
        return
    for index in indexes:
        step = plan.steps[index]
        if step.kind == f"drill.{DrillStepKind.APPROVAL.value}" and not options.approvals.covers(index, step.target):
            raise UsageError(
                f"--approve: step {index + 1} ({step.target}) needs a person's approval and input is not a "
                f"terminal; pass --approve {index + 1} (or its name, or all); nothing was changed"
            )


def _child_options(options: DrillOptions) -> RunOptions:
    return replace(options.run, dry_run=False)


def _snapshot(services: Services) -> Any:
    from mcctl.ops.inventory import read_inventory

    return read_inventory(services.session, services.estate).snapshot()


def _previews(services: Services, spec: DrillSpec, options: DrillOptions) -> list[dict[str, Any]]:
    """--dry-run: each changing step as its planner would plan it now — exactly, up to the first step
    that changes the estate; the later ones are planned when they start, from what is then."""
    from mcctl.ops import usecases
    from mcctl.ops.drill.children import plan_child

    previews: list[dict[str, Any]] = []
    changed = False
    for index, item in enumerate(spec.steps):
        if item.kind is DrillStepKind.FAULT:
            changed = True
        if not item.kind.mutating:
            continue
        entry: dict[str, Any] = {"step": index + 1, "name": item.name}
        if changed:
            entry["planned"] = "when the step starts (an earlier step changes the estate first)"
        else:
            try:
                child = plan_child(services, item.kind, item.params, options.run.allow_data_loss)
                judged = usecases.run(services, child.plan, child.before, replace(options.run, dry_run=True))
                entry["plan"] = judged.evaluation.to_dict()
            except McctlError as exc:
                entry["error"] = exc.message
            changed = True
        previews.append(entry)
    return previews


__all__ = [
    "DrillFailed",
    "DrillOptions",
    "DrillPlanError",
    "DrillResult",
    "DrillFailedCleanly",
    "RollbackLeftUnhealthy",
    "drill_record",
    "resume_drill",
    "rollback_drill",
    "run_drill",
]
