"""The one mechanism every change to the estate goes through.

plan → safety rules → (the CLI renders and confirms) → lease → re-check the plan is current →
apply step by step, journaling intent before and outcome after each step → verify each step.
Resume continues an interrupted operation from its first unfinished step; rollback applies the
inverse of what was applied, last first. No printing here: progress goes to a Reporter.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from mcctl.adapters.lro import WaitOptions
from mcctl.domain.plan import Plan, Step
from mcctl.domain.safety import RuleContext, RuleRegistry, RuleResult, default_registry
from mcctl.errors import (
    AzureRequestError,
    EstateChanged,
    McctlError,
    PartiallyApplied,
    SafetyRefusal,
    UsageError,
    WaitTimeout,
)
from mcctl.ops.journal import FINAL_STEP_STATUSES, Journal, OperationRecord, new_operation_id
from mcctl.ops.steps import executor, load_step_kinds

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate, SafetySettings
    from mcctl.domain.snapshot import EstateSnapshot
    from mcctl.ops.lease import OperatorLease


class Reporter(Protocol):
    """Where progress goes (the CLI draws it on stderr)."""

    def start(self, plan: Plan, operation: str) -> None: ...

    def step(self, index: int, status: str, elapsed: float) -> None: ...

    def note(self, message: str) -> None: ...

    def finish(self) -> None: ...


class SilentReporter:
    def start(self, plan: Plan, operation: str) -> None:
        pass

    def step(self, index: int, status: str, elapsed: float) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass(frozen=True)
class Evaluation:
    plan: Plan
    results: tuple[RuleResult, ...]
    overrides: dict[str, str]

    @property
    def refused(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.refused)

    @property
    def used_overrides(self) -> list[dict[str, str]]:
        return [{"rule": r.rule, "reason": r.reason or ""} for r in self.results if r.overridden]

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            "rules": [r.to_dict() for r in self.results],
            "refused": [r.rule for r in self.refused],
            "overrides": self.used_overrides,
        }


def evaluate(
    plan: Plan,
    before: EstateSnapshot,
    settings: SafetySettings,
    overrides: dict[str, str] | None = None,
    data_loss_acknowledged: bool = False,
    registry: RuleRegistry | None = None,
) -> Evaluation:
    if registry is None:
        load_step_kinds()  # their modules register their own rules (e.g. SQL link pre-flight)
        registry = default_registry()
    overrides = overrides or {}
    unknown = registry.unknown_overrides(overrides)
    if unknown:
        known = ", ".join(r.name for r in registry.rules)
        raise UsageError(f"--override: unknown rule '{unknown[0]}' (rules: {known})")
    context = RuleContext(plan, before, plan.project(before), settings, data_loss_acknowledged)
    return Evaluation(plan, tuple(registry.evaluate(context, overrides)), dict(overrides))


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


class GateFailed(McctlError):
    """A gate between groups of a gradual plan said stop (e.g. a stamp went unhealthy)."""


class AppliedButFailed(McctlError):
    """Raised by a step executor that changed something before failing (e.g. a Redis relink that
    flushed the database, then could not link it): the step counts as applied, never "nothing
    changed"."""


@dataclass
class StepOutcome:
    index: int
    status: str  # succeeded | skipped | submitted | unverified | failed | timeout | interrupted
    seconds: float
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.index, "status": self.status, "seconds": round(self.seconds, 3), "error": self.error}


@dataclass
class MutationResult:
    operation: str
    status: str
    plan: Plan
    outcomes: list[StepOutcome]

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "status": self.status,
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
        "simulated": ctx.session.sim is not None,
        "actor": ctx.session.identity(),
        "host": socket.gethostname(),
        "command": ctx.command,
        "plan": evaluation.plan.to_dict(),
        "rules": [r.to_dict() for r in evaluation.results],
        "overrides": evaluation.used_overrides,
        **({"status": status} if status else {}),
    }


def refuse(ctx: ApplyContext, evaluation: Evaluation, kind: str, parent: str | None = None) -> SafetyRefusal:
    """Journal a refused plan (who tried what) and return the error to raise (exit 5)."""
    op = new_operation_id()
    ctx.journal.append(_header(ctx, op, kind, evaluation, "refused", parent))
    ctx.journal.append({"type": "end", "op": op, "status": "refused", "seconds": 0})
    first, *rest = evaluation.refused
    more = f" (and {len(rest)} more: {', '.join(r.rule for r in rest)})" if rest else ""
    return SafetyRefusal(f"refused by safety rule {first.rule}: {first.message}{more}; nothing was changed")


def apply(
    ctx: ApplyContext,
    evaluation: Evaluation,
    kind: str,
    *,
    parent: str | None = None,
    resume: OperationRecord | None = None,
) -> MutationResult:
    """Apply an accepted plan under the operator lease. Returns when done (or submitted with --no-wait)."""
    from mcctl.ops.lease import LeaseHolder

    plan = evaluation.plan
    if evaluation.refused:
        raise ValueError("apply() called with a refused plan")
    if resume is None:
        op = new_operation_id()
        todo = list(range(len(plan.steps)))
    else:
        op = resume.id
        todo = [i for i in range(len(plan.steps)) if _status(resume, i) not in FINAL_STEP_STATUSES]
    holder = LeaseHolder(
        actor=_actor(ctx.session),
        host=socket.gethostname(),
        pid=os.getpid(),
        operation=op,
        command=ctx.command,
        acquired_at=_iso_now(),
    )
    started = ctx.session.now()
    outcomes: list[StepOutcome] = []
    ctx.reporter.start(plan, op)
    try:
        with _lease(ctx, holder):
            # Only once the lease is held and the plan is known to be current is the operation
            # journaled: one turned away by a lock or a changed estate never existed (nothing ran).
            _check_current(ctx, plan, todo)
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
            groups = plan.groups
            for number, group in enumerate(groups):
                runnable = [(i, s) for i, s in group if i in todo]
                if not runnable:
                    continue
                outcomes.extend(_run_group(ctx, op, runnable))
                failed = [o for o in outcomes if o.status in ("failed", "timeout", "unverified")]
                if failed:
                    return _fail(ctx, op, plan, outcomes, failed[0], started, resume)
                if ctx.between_groups is not None and number < len(groups) - 1 and ctx.wait:
                    _gate(ctx, op, plan, number, outcomes, started)
    except KeyboardInterrupt:
        ctx.journal.append({"type": "end", "op": op, "status": "interrupted", "seconds": ctx.session.now() - started})
        raise
    except Exception as exc:
        # Whatever stopped the run (a lost lease, a bug), a journaled operation gets its end record.
        error = exc.message if isinstance(exc, McctlError) else f"{type(exc).__name__}: {exc}"
        _close_if_open(ctx, op, ctx.session.now() - started, error)
        raise
    finally:
        ctx.reporter.finish()
    status = "submitted" if not ctx.wait else "succeeded"
    ctx.journal.append({"type": "end", "op": op, "status": status, "seconds": ctx.session.now() - started})
    return MutationResult(op, status, plan, outcomes)


def _close_if_open(ctx: ApplyContext, op: str, seconds: float, error: str) -> None:
    record = next((r for r in ctx.journal.operations() if r.id == op), None)
    if record is not None and record.end is None:
        ctx.journal.append({"type": "end", "op": op, "status": "failed", "seconds": seconds, "error": error})


def _gate(ctx: ApplyContext, op: str, plan: Plan, number: int, outcomes: list[StepOutcome], started: float) -> None:
    assert ctx.between_groups is not None
    from mcctl.adapters.lro import MAX_POLL_SECONDS

    remaining = ctx.interval
    if remaining > 0:
        ctx.reporter.note(f"waiting {remaining:g}s before step group {number + 2} of {len(plan.groups)}")
    while remaining > 0:
        chunk = min(MAX_POLL_SECONDS, remaining)
        ctx.session.sleep(chunk)
        if ctx.lease is not None:
            ctx.lease.renew_if_due()
        remaining -= chunk
    try:
        ctx.between_groups(number)
    except GateFailed as exc:
        done = sum(1 for o in outcomes if o.status == "succeeded")
        seconds = ctx.session.now() - started
        ctx.journal.append(
            {"type": "event", "op": op, "event": "gate-failed", "after_group": number, "error": exc.message}
        )
        ctx.journal.append({"type": "end", "op": op, "status": "stopped", "seconds": seconds, "error": exc.message})
        raise PartiallyApplied(
            f"operation {op} stopped after {done} of {len(plan.steps)} steps: {exc.message}",
            hint=f"`mcctl rollback {op}` reverses what was applied; `mcctl resume {op}` continues anyway",
        ) from None
    if ctx.lease is not None:
        ctx.lease.renew_if_due()


def _lease(ctx: ApplyContext, holder: Any) -> Any:
    from contextlib import nullcontext

    from mcctl.ops.lease import holding

    return holding(ctx.lease, holder) if ctx.lease is not None else nullcontext()


def _status(record: OperationRecord, index: int) -> str | None:
    outcome = record.outcomes.get(index)
    return outcome["status"] if outcome else None


def _actor(session: AzureSession) -> str:
    identity = session.identity()
    return identity.get("upn") or identity.get("unique_name") or identity.get("appid") or identity.get("oid") or "?"


def _iso_now() -> str:
    from mcctl.ops.journal import utc_now

    return utc_now()


def _check_current(ctx: ApplyContext, plan: Plan, todo: list[int]) -> None:
    """Once the lease is held, the steps still to run must start from where the plan (or, on a
    resume, the journal) says: nobody acted in between. A step already at its `after` is fine.

    Only each resource's first step is checked: later steps on the same resource (a gradual drain)
    start from where the earlier ones leave it."""
    seen: set[str] = set()
    for index, step in enumerate(plan.steps):
        if index not in todo or step.resource_id.lower() in seen:
            continue
        seen.add(step.resource_id.lower())
        live = executor(step).read(ctx.session, ctx.estate, step)
        if live != step.before and live != step.after:
            raise EstateChanged(
                f"the estate changed since the plan was made: step {index + 1} ({step.target}) is now {live}, "
                f"the plan assumed {step.before}; nothing was changed",
                hint="run the command again to plan from the current state",
            )


def _run_group(ctx: ApplyContext, op: str, group: list[tuple[int, Step]]) -> list[StepOutcome]:
    if len(group) == 1:
        return [_run_step(ctx, op, *group[0])]
    with ThreadPoolExecutor(max_workers=min(8, len(group))) as pool:
        futures = [pool.submit(_run_step, ctx, op, index, step) for index, step in group]
        return [f.result() for f in futures]


def _run_step(ctx: ApplyContext, op: str, index: int, step: Step) -> StepOutcome:
    kind = executor(step)
    ctx.journal.append({"type": "intent", "op": op, "step": index, "target": step.target, "change": step.change})
    started = ctx.session.now()

    def elapsed() -> float:
        return ctx.session.now() - started

    def outcome(status: str, error: str | None = None, observed: dict[str, Any] | None = None) -> StepOutcome:
        record = {"type": "outcome", "op": op, "step": index, "status": status, "seconds": elapsed()}
        if error:
            record["error"] = error
        if observed is not None:
            record["observed"] = observed
        ctx.journal.append(record)
        ctx.reporter.step(index, status, elapsed())
        return StepOutcome(index, status, elapsed(), error)

    ctx.reporter.step(index, "running", 0.0)
    submitted = False
    try:
        live = kind.read(ctx.session, ctx.estate, step)
        if live == step.after:
            return outcome("skipped", observed=live)
        submitted = True
        kind.apply(ctx.session, ctx.estate, step, WaitOptions(ctx.timeout, ctx.wait, _progress(ctx, index, elapsed)))
        if not ctx.wait:
            return outcome("submitted")
        observed = kind.read(ctx.session, ctx.estate, step)
        if observed != step.after:
            # The change was made but did not land as planned: it counts as applied (exit 7), not as
            # "nothing changed".
            return outcome("unverified", f"verification failed: expected {step.after}, found {observed}", observed)
        return outcome("succeeded", observed=observed)
    except WaitTimeout as exc:
        return outcome("timeout", exc.message)
    except AppliedButFailed as exc:
        return outcome("unverified", exc.message)
    except McctlError as exc:
        if submitted and _may_have_landed(ctx, kind, step, exc):
            return outcome("unverified", f"{exc.message} (the change may have been made: check before retrying)")
        return outcome("failed", exc.message)
    except KeyboardInterrupt:
        outcome("interrupted", "interrupted by the operator (the Azure operation may still be running)")
        raise
    except Exception as exc:  # a bug: journal it, then let the CLI report an internal error (exit 1)
        outcome("failed", f"internal error: {type(exc).__name__}: {exc}")
        raise


def _may_have_landed(ctx: ApplyContext, kind: Any, step: Step, error: McctlError) -> bool:
    """After a request was sent, "nothing changed" must be proven: a lost lease or a failed read
    leaves it in doubt; otherwise the live state tells."""
    from mcctl.errors import LockHeld

    if isinstance(error, LockHeld):
        return True  # the lease was lost while waiting: the operation itself went on
    try:
        return kind.read(ctx.session, ctx.estate, step) != step.before
    except McctlError:
        return True


def _progress(ctx: ApplyContext, index: int, elapsed: Callable[[], float]) -> Callable[[str], None]:
    def on_progress(status: str) -> None:
        if ctx.lease is not None:
            ctx.lease.renew_if_due()
        ctx.reporter.step(index, status, elapsed())

    return on_progress


def _fail(
    ctx: ApplyContext,
    op: str,
    plan: Plan,
    outcomes: list[StepOutcome],
    failed: StepOutcome,
    started: float,
    resume: OperationRecord | None,
) -> MutationResult:
    applied = [o for o in outcomes if o.status in ("succeeded", "submitted", "unverified")]
    if resume is not None:
        applied += [StepOutcome(i, "succeeded", 0) for i, o in resume.outcomes.items() if o["status"] == "succeeded"]
    step = plan.steps[failed.index]
    what = f"step {failed.index + 1}/{len(plan.steps)} ({step.target}) {failed.status}: {failed.error}"
    seconds = ctx.session.now() - started
    if failed.status == "timeout":
        ctx.journal.append({"type": "end", "op": op, "status": "timeout", "seconds": seconds})
        raise WaitTimeout(
            f"operation {op}: {what}",
            hint=f"mcctl journal show {op}; `mcctl resume {op}` re-checks live state and continues",
        )
    status = "partial" if applied else "failed"
    ctx.journal.append({"type": "end", "op": op, "status": status, "seconds": seconds, "error": what})
    if applied:
        raise PartiallyApplied(
            f"operation {op} partially applied ({len(applied)} of {len(plan.steps)} steps): {what}",
            hint=f"`mcctl resume {op}` continues, `mcctl rollback {op}` reverses what was applied",
        )
    raise AzureRequestError(f"operation {op} failed, nothing was changed: {what}", hint=f"mcctl journal show {op}")


def pending_steps(record: OperationRecord) -> list[int]:
    plan = Plan.from_dict(record.header["plan"])
    return [i for i in range(len(plan.steps)) if _status(record, i) not in FINAL_STEP_STATUSES]


def applied_steps(ctx: ApplyContext, record: OperationRecord) -> list[int]:
    """Steps this operation changed: finished ones, plus in-flight ones the live state shows happened."""
    plan = Plan.from_dict(record.header["plan"])
    applied = [i for i, o in record.outcomes.items() if o["status"] in ("succeeded", "submitted", "unverified")]
    for index in range(len(plan.steps)):
        if index in applied or _status(record, index) == "skipped":
            continue
        step = plan.steps[index]
        if executor(step).read(ctx.session, ctx.estate, step) == step.after:
            applied.append(index)  # an intent whose outcome was never written, or a step that later landed
    return sorted(applied)
