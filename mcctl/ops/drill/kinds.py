"""The drill step kinds, registered like every other step kind (`register_step_kinds`).

- delegates (`drill.evacuate`, `reinstate`, `scale`, `drain`, `restore`, `sql-failover`): the step
  makes its change as a child operation (mcctl.ops.drill.children); on resume it resumes that child
  rather than plan a new one; its undo rolls the child back.
- actions (`drill.check`, `wait`, `hold`, `approval`): change nothing, run again on resume.
- `drill.fault` (simulator only): a plain change of the simulator's state — a region outage, a
  stamp's or a dependency's fault — read, applied, read back and undone like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mcctl.domain.drill.spec import DrillStepKind
from mcctl.errors import McctlError, WaitTimeout
from mcctl.hookspecs import hookimpl
from mcctl.ops.drill.children import check_applied, children, header, plan_child, verify_at_edge
from mcctl.ops.drill.runtime import current
from mcctl.ops.registry import StepKind, StepNature
from mcctl.ops.steprun import AppliedButFailed

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.adapters.lro import WaitOptions
    from mcctl.domain.estate import Estate
    from mcctl.domain.plan import Step
    from mcctl.ops.drill.runtime import DrillRuntime
    from mcctl.ops.journal import OperationRecord

PREFIX = "drill."
POLL_SECONDS = 5.0  # how often a `wait` step looks again (simulated time on the simulator)
HOLD_TICK = 5.0  # a `hold` reports its countdown (and renews the lease) this often


class CheckFailed(McctlError):
    """A drill's check found the estate not as the plan file requires."""


# -- delegates ---------------------------------------------------------------------------------------
def _delegate(job: DrillStepKind) -> Callable[[AzureSession, Estate, Step, WaitOptions], None]:
    def apply(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
        runtime = current()
        index = int(step.params["index"])
        if step.params.get("undo"):
            _undo(runtime, index, step, options)
            return
        try:
            _forward(runtime, job, index, step, options)
        except McctlError as exc:
            if isinstance(exc, AppliedButFailed) or not _changed_something(runtime, index):
                raise
            raise AppliedButFailed(exc.message) from exc  # the drill's rollback must undo it

    return apply


def _forward(runtime: DrillRuntime, job: DrillStepKind, index: int, step: Step, wait: WaitOptions) -> None:
    from mcctl.domain.statuses import OperationStatus
    from mcctl.ops import usecases

    services = runtime.child_services(step, _progress_of(wait))
    options = replace(runtime.options, timeout=float(step.params.get("timeout") or runtime.options.timeout or 600))
    earlier = children(runtime.services, runtime.drill, index)
    last = earlier[-1] if earlier else None
    if last is not None and last.status is OperationStatus.SUCCEEDED:
        operation: str | None = last.id  # done before the drill was interrupted: never made twice
    elif last is not None and not _put_back(runtime, last):
        result = usecases.resume(services, last.id, options)  # joins what is still running in Azure
        check_applied(result.applied.status if result.applied else None, last.id, step.target)
        operation = last.id
    else:
        child = plan_child(services, job, step.params["spec"], runtime.options.allow_data_loss)
        result = usecases.run(
            services, child.plan, child.before, options, touches=child.touches, header=header(runtime.drill, index)
        )
        if result.applied is None:
            runtime.services.notices.note(f"{step.target}: nothing to do ({child.plan.summary})")
        else:
            check_applied(result.applied.status, result.applied.operation, step.target)
        operation = result.operation
    # as `mcctl evacuate` and `frontdoor drain --verify` do: the change must show at the edge
    verified = verify_at_edge(services, job, step.params["spec"], operation, _progress_of(wait))
    if verified is not None:
        _journal_detail(runtime, step, verified)


def _progress_of(wait: WaitOptions) -> Callable[[str], None]:
    return wait.on_progress or (lambda _: None)  # (the engine always passes one)


def _put_back(runtime: DrillRuntime, record: OperationRecord) -> bool:
    from mcctl.ops.status import PUT_BACK

    return any(r.parent == record.id and r.status in PUT_BACK for r in runtime.services.journal.operations())


def _changed_something(runtime: DrillRuntime, index: int) -> bool:
    return any(record.applied_steps() for record in children(runtime.services, runtime.drill, index))


def _undo(runtime: DrillRuntime, index: int, step: Step, wait: WaitOptions) -> None:
    """Roll back, last first, every child of the drill's step `index` that changed something."""
    from mcctl.ops import usecases

    options = replace(runtime.options, timeout=float(step.params.get("timeout") or runtime.options.timeout or 600))
    for record in reversed(children(runtime.services, runtime.drill, index)):
        if not record.applied_steps() and not record.uncertain_steps():
            continue
        services = runtime.child_services(step, _progress_of(wait))
        result = usecases.rollback(services, record.id, options, header=header(runtime.operation, index, "rollback"))
        if result.applied is not None:
            check_applied(result.applied.status, result.applied.operation, step.target)


def _no_read(session: AzureSession, estate: Estate, step: Step) -> dict[str, Any]:
    return dict(step.before)  # never consulted: the engine reads no delegate or action back


# -- actions -----------------------------------------------------------------------------------------
def _check(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    from mcctl.ops.drill.conditions import verdict_now

    runtime = current()
    verdict = verdict_now(runtime.services, step.params["spec"])
    _journal_detail(runtime, step, verdict.detail)
    if not verdict.ok:
        raise CheckFailed(f"{step.target}: {verdict.detail}")


def _wait(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    """{for: time, seconds: N}: let N seconds pass; {for: health, ...}: until the health condition
    holds, looking again every POLL_SECONDS, for at most the step's timeout."""
    from mcctl.ops.drill.conditions import verdict_now

    runtime = current()
    spec = dict(step.params["spec"])
    if spec.get("for") == "time":
        _sleep(session, float(spec.get("seconds") or 0), options, "waiting")
        return
    condition = {**{k: v for k, v in spec.items() if k != "for"}, "check": spec.get("for") or "health"}
    timeout = float(step.params.get("timeout") or 900)
    deadline = session.now() + timeout
    while True:
        verdict = verdict_now(runtime.services, condition, drained_answers=True)
        if verdict.ok:
            _journal_detail(runtime, step, verdict.detail)
            return
        if session.now() >= deadline:
            _journal_detail(runtime, step, verdict.detail)
            raise WaitTimeout(f"{step.target}: still not so after {timeout:g}s: {verdict.detail}")
        if options.on_progress is not None:
            options.on_progress(f"waiting: {verdict.detail}")
        session.sleep(min(POLL_SECONDS, max(0.0, deadline - session.now())))


def _hold(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    _sleep(session, float(step.params["spec"].get("seconds") or 0), options, "holding")


def _sleep(session: AzureSession, seconds: float, options: WaitOptions, what: str) -> None:
    """Let `seconds` pass on the session's clock (probes keep running), saying how long is left."""
    from mcctl.domain.drill.spec import duration_text

    end = session.now() + seconds
    while (left := end - session.now()) > 0:
        if options.on_progress is not None:
            # one unchanging text (a log gets one line; the live view shows the time passing), and
            # each call renews the lease
            options.on_progress(f"{what} {duration_text(seconds)}")
        session.sleep(min(HOLD_TICK, left))


def _approval(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    runtime = current()
    index = int(step.params["index"])
    if runtime.approvals.covers(index, step.target):
        _journal_detail(runtime, step, "approved by --approve")
        return
    message = str(step.params["spec"].get("message") or f"Continue the drill ({step.target})?")
    if runtime.prompt is None:
        raise CheckFailed(f"{step.target}: not approved (non-interactive; pass --approve {index + 1} or --approve all)")
    if not runtime.prompt(message):
        _journal_detail(runtime, step, "declined by the operator")
        raise CheckFailed(f"{step.target}: declined by the operator")
    _journal_detail(runtime, step, f"approved by {runtime.services.session.identity().get('upn', 'the operator')}")


def _journal_detail(runtime: DrillRuntime, step: Step, detail: str) -> None:
    """What a check or approval found, beside the step's outcome (the report shows it)."""
    runtime.services.journal.append(
        {
            "type": "event",
            "op": runtime.operation,
            "event": "drill-step-detail",
            "step": step.params["index"],
            "detail": detail,
        }
    )


# -- registration ------------------------------------------------------------------------------------
def kind_name(kind: str) -> str:
    return PREFIX + kind


def _kinds() -> list[StepKind]:
    from mcctl.ops.drill.faults import FAULT_KIND

    delegates = [
        StepKind(kind_name(job.value), _delegate(job), _no_read, nature=StepNature.DELEGATE)
        for job in DrillStepKind
        if job.mutating
    ]
    actions = [
        StepKind(kind_name("check"), _check, _no_read, nature=StepNature.ACTION),
        StepKind(kind_name("wait"), _wait, _no_read, nature=StepNature.ACTION),
        StepKind(kind_name("hold"), _hold, _no_read, nature=StepNature.ACTION),
        StepKind(kind_name("approval"), _approval, _no_read, nature=StepNature.ACTION),
    ]
    return [*delegates, *actions, FAULT_KIND]


@hookimpl
def register_step_kinds(register: Callable[[StepKind], None]) -> None:
    for kind in _kinds():
        register(kind)
