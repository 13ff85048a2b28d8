"""The one mechanism every change to the estate goes through.

plan → safety rules → (the CLI renders and confirms) → lease → rules re-checked on fresh state
(in-flight changes included) and the plan still current → apply step by step, journaling intent
before and outcome after each step → verify each step. Resume continues an interrupted operation
from its first unfinished step; rollback applies the inverse of what was applied, last first.
No printing here: progress goes to a Reporter.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcctl.domain.plan import Plan
from mcctl.errors import EstateChanged, McctlError, SafetyRefusal
from mcctl.ops.endings import GateFailed, already_ended, fail, run_gate, stop
from mcctl.ops.guard import Evaluation, evaluate, reevaluate, refusal
from mcctl.ops.journal import Journal, OperationRecord, new_operation_id
from mcctl.ops.journal_records import OperationStatus, StepStatus
from mcctl.ops.registry import StepNature
from mcctl.ops.result import RunTrace
from mcctl.ops.services import Reporter, SilentReporter
from mcctl.ops.steprun import AppliedButFailed, StepCancelled, StepOutcome, run_group
from mcctl.ops.steps import executor

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl.domain.snapshot import EstateSnapshot
    from mcctl.ops.lease import OperatorLease
    from mcctl.ops.registry import Registry

__all__ = [
    "AppliedButFailed",
    "ApplyContext",
    "Evaluation",
    "GateFailed",
    "MutationResult",
    "Reporter",
    "SilentReporter",
    "apply",
    "evaluate",
]


@dataclass
class ApplyContext:
    session: AzureSession
    estate: Estate
    journal: Journal
    lease: OperatorLease | None
    command: str
    timeout: float | None = 600.0
    wait: bool = True
    reporter: Reporter = field(default_factory=SilentReporter)
    # Gradual changes: after each group that ran, except the last, wait `interval` seconds (the
    # lease renewed meanwhile), then call `between_groups` with the index of the group just done —
    # a health gate. Raising GateFailed stops the run (exit 7 once something was applied).
    between_groups: Callable[[int], None] | None = None
    interval: float = 0.0
    # How to read the state the safety rules depend on once the lease is held (default: inventory).
    read_snapshot: Callable[[], EstateSnapshot] | None = None
    # Steps an interrupted run may have left running in Azure (on resume): joined, not sent again.
    joining: frozenset[int] = frozenset()
    # Set when the run is interrupted: steps still waiting in other threads stop at their next poll.
    cancelled: threading.Event = field(default_factory=threading.Event)
    # The step kinds, rules and gates to use (default: the process's registry, built from the plugins).
    registry: Registry | None = None
    # What the run got to (operation id once journaled, step outcomes, how it ended): the result
    # document of a run that an error stopped is built from it.
    trace: RunTrace = field(default_factory=RunTrace)
    # More fields for the operation's journal header (a drill's child names its drill and step).
    header: dict[str, Any] = field(default_factory=dict)


@dataclass
class MutationResult:
    operation: str
    status: OperationStatus
    plan: Plan
    outcomes: list[StepOutcome]

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "status": self.status.value,
            "summary": self.plan.summary,
            "steps": [
                {**o.to_dict(), "target": self.plan.steps[o.index].target, "change": self.plan.steps[o.index].change}
                for o in self.outcomes
            ],
        }


def _header(ctx: ApplyContext, op: str, kind: str, evaluation: Evaluation, status: str | None, parent: str | None):
    return {
        "type": "operation",
        "op": op,
        "kind": kind,
        "parent": parent,
        "estate": ctx.estate.name,
        "subscription": ctx.estate.subscription,  # as resolved (--subscription): resume/rollback must match
        "simulated": ctx.session.simulated,
        "actor": ctx.session.identity(),
        "host": socket.gethostname(),
        "command": ctx.command,
        "plan": evaluation.plan.to_dict(),
        "rules": [r.to_dict() for r in evaluation.results],
        "overrides": evaluation.used_overrides,
        **({"in_flight": list(evaluation.in_flight)} if evaluation.in_flight else {}),
        **({"status": status} if status else {}),
        **ctx.header,
    }


def refuse(
    ctx: ApplyContext,
    evaluation: Evaluation,
    kind: str,
    parent: str | None = None,
    *,
    since: EstateSnapshot | None = None,
) -> SafetyRefusal:
    """Journal a refused plan (who tried what) and return the error to raise (exit 5)."""
    op = new_operation_id()
    ctx.journal.append(_header(ctx, op, kind, evaluation, OperationStatus.REFUSED, parent))
    ctx.journal.append({"type": "end", "op": op, "status": OperationStatus.REFUSED, "seconds": 0})
    ctx.trace.evaluation, ctx.trace.operation = evaluation, op
    ctx.trace.operation_status, ctx.trace.journaled = OperationStatus.REFUSED, False
    error = refusal(evaluation, since=since, suffix="; nothing was changed")
    error.operation = op  # journaled (as refused) and ended: `journal show OP` says who tried what
    return error


def in_flight_changes(ctx: ApplyContext, exclude: str | None = None) -> list[Any]:
    """Steps of unfinished operations (--no-wait, killed runs) and how each stands now."""
    from mcctl.ops.inflight import in_flight

    return in_flight(ctx.session, ctx.estate, ctx.journal, exclude=exclude, registry=ctx.registry)


def apply(
    ctx: ApplyContext,
    evaluation: Evaluation,
    kind: str,
    *,
    parent: str | None = None,
    resume: OperationRecord | None = None,
    plan: Plan | None = None,
) -> MutationResult:
    """Apply an accepted plan under the operator lease. Returns when done (or submitted with --no-wait).

    `evaluation` judged the steps to run; `plan` is the whole operation's plan when resuming."""
    from mcctl.ops.lease import LeaseHolder

    plan = plan or evaluation.plan
    if evaluation.refused:
        raise ValueError("apply() called with a refused plan")
    if resume is None:
        op = new_operation_id()
        todo = list(range(len(plan.steps)))
    else:
        op = resume.id
        todo = [i for i in range(len(plan.steps)) if not resume.finished(i)]
        ctx.joining = frozenset(resume.uncertain_steps())
    holder = LeaseHolder(
        actor=_actor(ctx.session),
        host=socket.gethostname(),
        pid=os.getpid(),
        operation=op,
        command=ctx.command,
        acquired_at=_iso_now(),
    )
    ctx.journal.check_writable()  # before the lease: an unwritable journal must not strand it
    if ctx.lease is not None and parent is not None:
        ctx.lease.takeover = parent  # a rollback of a run that died here may take over its lease
    started = ctx.session.now()
    outcomes: list[StepOutcome] = ctx.trace.outcomes  # (the same list: an error leaves them in the trace)
    outcomes.clear()
    journaled = False
    try:
        with _lease(ctx, holder):
            # Under the lease nobody else can act: judge the plan again on fresh state, then check
            # it is still current. Only then is the operation journaled: one turned away by a lock,
            # a rule or a changed estate never existed (nothing ran).
            evaluation = _recheck(ctx, evaluation, kind, parent or (resume.id if resume else None), resume)
            _check_current(ctx, plan, todo, resume)
            if resume is None:
                ctx.journal.append(_header(ctx, op, kind, evaluation, None, parent))
            else:
                ctx.journal.append(
                    {
                        "type": "event",
                        "op": op,
                        "event": "resumed",
                        "command": ctx.command,
                        "actor": ctx.session.identity(),
                        "rules": [r.to_dict() for r in evaluation.results],
                        "overrides": evaluation.used_overrides,
                    }
                )
            journaled = True
            ctx.trace.operation, ctx.trace.journaled = op, True
            # Only now is the operation announced: one turned away by the lock or a rule never existed.
            ctx.reporter.start(plan, op)
            groups = plan.groups
            for number, group in enumerate(groups):
                runnable = [(i, s) for i, s in group if i in todo]
                if not runnable:
                    continue
                outcomes.extend(run_group(ctx, op, runnable))
                failed = [
                    o for o in outcomes if o.status in (StepStatus.FAILED, StepStatus.TIMEOUT, StepStatus.UNVERIFIED)
                ]
                if failed:
                    fail(ctx, op, plan, outcomes, failed[0], started, resume)
                if ctx.between_groups is not None and number < len(groups) - 1 and ctx.wait:
                    run_gate(ctx, op, plan, number, outcomes, started, resume)
    except (KeyboardInterrupt, StepCancelled):
        # (StepCancelled: this run is a drill's child, and the drill was interrupted)
        if journaled:
            seconds = ctx.session.now() - started
            ctx.journal.append({"type": "end", "op": op, "status": OperationStatus.INTERRUPTED, "seconds": seconds})
            ctx.trace.operation_status = OperationStatus.INTERRUPTED
        raise
    except McctlError as exc:
        if not journaled or already_ended(exc):
            raise
        # Whatever stopped the run (a lease broken by someone else, a read that failed), a journaled
        # operation gets its end record; if anything was applied that is a partial operation (exit 7).
        raise stop(ctx, op, plan, outcomes, started, resume, exc.message) from exc
    except Exception as exc:
        if journaled:  # a bug: journal it, then let the CLI report an internal error (exit 1)
            stop(ctx, op, plan, outcomes, started, resume, f"internal error: {type(exc).__name__}: {exc}")
        raise
    finally:
        ctx.reporter.finish()
    status = OperationStatus.SUBMITTED if not ctx.wait else OperationStatus.SUCCEEDED
    ctx.journal.append({"type": "end", "op": op, "status": status, "seconds": ctx.session.now() - started})
    ctx.trace.operation_status = status
    return MutationResult(op, status, plan, outcomes)


def _recheck(
    ctx: ApplyContext, evaluation: Evaluation, kind: str, parent: str | None, resume: OperationRecord | None
) -> Evaluation:
    """The rules again, on state read now (with the lease held) plus every change still in flight."""
    if evaluation.before is None:
        return evaluation  # judged without a snapshot (a caller that has none): nothing to compare
    from mcctl.ops import inflight

    steps = in_flight_changes(ctx, exclude=resume.id if resume else None)
    inflight.record_settled(ctx.journal, steps)
    live = ctx.read_snapshot() if ctx.read_snapshot is not None else _live_snapshot(ctx)
    now = ctx.session.clock.wall()
    fresh = reevaluate(evaluation, live, ctx.estate.safety, steps, ctx.registry, estate=ctx.estate, now=now)
    if fresh.refused:
        raise refuse(ctx, fresh, kind, parent, since=evaluation.before)
    ctx.trace.evaluation = fresh
    return fresh


def _live_snapshot(ctx: ApplyContext) -> EstateSnapshot:
    from mcctl.ops.inventory import read_inventory

    return read_inventory(ctx.session, ctx.estate).snapshot()


def _lease(ctx: ApplyContext, holder: Any) -> Any:
    from contextlib import nullcontext

    from mcctl.ops.lease import holding

    return holding(ctx.lease, holder) if ctx.lease is not None else nullcontext()


def _actor(session: AzureSession) -> str:
    identity = session.identity()
    return identity.get("upn") or identity.get("unique_name") or identity.get("appid") or identity.get("oid") or "?"


def _iso_now() -> str:
    from mcctl.ops.journal import utc_now

    return utc_now()


def _check_current(ctx: ApplyContext, plan: Plan, todo: list[int], resume: OperationRecord | None) -> None:
    """Once the lease is held, the steps still to run must start from where the plan (or, on a
    resume, the journal) says: nobody acted in between. A step already at its `after` is fine.

    Only each resource's first step is checked: later steps on the same resource (a gradual drain)
    start from where the earlier ones leave it. On a resume, a step this operation already attempted
    starts from wherever that attempt left it (a Redis relink that flushed, then failed to link)."""
    seen: set[str] = set()
    for index, step in enumerate(plan.steps):
        if index not in todo or step.resource_id.lower() in seen:
            continue
        seen.add(step.resource_id.lower())
        if resume is not None and index in resume.intents:
            continue
        kind = executor(step, ctx.registry)
        if kind.nature is not StepNature.CHANGE:
            continue  # nothing of its own to compare: an action, or a delegate whose children check theirs
        live = kind.read(ctx.session, ctx.estate, step)
        if live != step.before and live != step.after:
            raise EstateChanged(
                f"the estate changed since the plan was made: step {index + 1} ({step.target}) is now {live}, "
                f"the plan assumed {step.before}; nothing was changed",
                hint="run the command again to plan from the current state",
            )
