"""The one result document of every mutating command (`-o json`/`yaml`), whatever the exit code.

A runbook reads one shape: applied, nothing to do, a dry run, refused by a rule or the lock, partial,
timed out, failed or cancelled. `build_result` is the only place it is made; `RunTrace` is what a
run got to (filled by the use cases and the engine as they go), so a run that an error stopped is
described as precisely as one that finished. The shape is `docs/schemas/mutation-result.schema.json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mcctl.errors import (
    AzureRequestError,
    EstateChanged,
    ExitCode,
    LockHeld,
    McctlError,
    PartiallyApplied,
    SafetyRefusal,
    WaitTimeout,
)

if TYPE_CHECKING:
    from mcctl.domain.plan import Plan
    from mcctl.domain.safety import RuleResult
    from mcctl.ops.guard import Evaluation
    from mcctl.ops.steprun import StepOutcome

SCHEMA = "mcctl/mutation-result/v1"


class ResultStatus(StrEnum):
    """How a mutating command ended (the `status` of its result document)."""

    APPLIED = "applied"  # done (or submitted with --no-wait: see `operation_status`)
    NOTHING_TO_DO = "nothing_to_do"
    DRY_RUN = "dry_run"
    REFUSED = "refused"  # by a safety rule (exit 5), or by the lock / a changed estate (exit 8)
    PARTIAL = "partial"  # something was applied, then it stopped (exit 7)
    TIMED_OUT = "timed_out"  # exit 6: a change may still land
    FAILED = "failed"  # nothing was changed (exit 4, 3, 2 or 1)
    CANCELLED = "cancelled"  # declined, interrupted, or a mistyped confirmation (exit 130)


# Where resume/rollback are the way on from a journaled operation that ended this way.
_RESUMABLE = (ResultStatus.PARTIAL, ResultStatus.TIMED_OUT, ResultStatus.CANCELLED, ResultStatus.FAILED)
_ROLLBACKABLE = (ResultStatus.APPLIED, ResultStatus.PARTIAL, ResultStatus.TIMED_OUT, ResultStatus.CANCELLED)


@dataclass
class RunTrace:
    """What a run got to, filled as it goes (the use case, then the engine)."""

    evaluation: Evaluation | None = None  # the plan as judged (the latest judgement)
    plan: Plan | None = None  # the operation's whole plan when it differs (a resume)
    operation: str | None = None  # set once the operation is journaled (a refusal's too)
    operation_status: str | None = None  # as journaled, once the run ended
    outcomes: list[StepOutcome] = field(default_factory=list)
    journaled: bool = False  # whether `operation` has steps that resume/rollback can act on

    def reset(self) -> None:
        """A new run with the same services starts from nothing (in place: the CLI holds this object)."""
        self.evaluation, self.plan, self.operation, self.operation_status = None, None, None, None
        self.outcomes.clear()
        self.journaled = False


def status_of(error: BaseException) -> ResultStatus:
    """The result status of a run that `error` ended."""
    if isinstance(error, KeyboardInterrupt):
        return ResultStatus.CANCELLED
    if isinstance(error, PartiallyApplied):
        return ResultStatus.PARTIAL
    if isinstance(error, WaitTimeout):
        return ResultStatus.TIMED_OUT
    if isinstance(error, SafetyRefusal | LockHeld | EstateChanged):
        return ResultStatus.REFUSED
    if isinstance(error, McctlError) and error.exit_code == ExitCode.INTERRUPTED:
        return ResultStatus.CANCELLED
    if isinstance(error, AzureRequestError | McctlError):
        return ResultStatus.FAILED
    return ResultStatus.FAILED


def exit_code_of(error: BaseException) -> int:
    if isinstance(error, KeyboardInterrupt):
        return int(getattr(error, "exit_code", ExitCode.INTERRUPTED))
    if isinstance(error, McctlError):
        return int(error.exit_code)
    return int(ExitCode.INTERNAL)


def error_of(error: BaseException) -> dict[str, Any]:
    """The error part of the document: what a script logs (never parsed for decisions)."""
    if isinstance(error, McctlError):
        return {"type": type(error).__name__, "message": error.message, "hint": error.hint}
    if isinstance(error, KeyboardInterrupt):
        return {"type": "Interrupted", "message": "interrupted by the operator", "hint": None}
    return {"type": type(error).__name__, "message": str(error), "hint": None}


def rule_dict(result: RuleResult) -> dict[str, Any]:
    """One rule's verdict, with the flags that override it (null: passed, or cannot be overridden)."""
    verdict = "overridden" if result.overridden else ("passed" if result.passed else "refused")
    override = None
    if not result.passed and not result.overridden and result.overridable:
        override = f"--override {result.rule} --reason TEXT"
    return {
        "rule": result.rule,
        "verdict": verdict,
        "passed": result.passed,
        "overridden": result.overridden,
        "overridable": result.overridable,
        "reason": result.reason,
        "message": result.message,
        "numbers": result.numbers,
        "override": override,
    }


def plan_dict(plan: Plan, outcomes: list[StepOutcome]) -> dict[str, Any]:
    """The plan with every step numbered from 1 (as people see `[1/2]`), its values before and
    after, and how it ended if it ran."""
    ran = {o.index: o for o in outcomes}
    data = plan.to_dict()
    steps = []
    for index, step in enumerate(plan.steps):
        outcome = ran.get(index)
        steps.append(
            {
                "step": index + 1,
                "kind": step.kind,
                "target": step.target,
                "resource": step.resource_id,
                "fields": list(dict.fromkeys([*step.before, *step.after])),
                "before": step.before,
                "after": step.after,
                "change": step.change,
                "group": step.group,
                "expected_seconds": step.expected_seconds,
                "params": step.params,
                "status": outcome.status.value if outcome else None,
                "seconds": round(outcome.seconds, 3) if outcome else None,
                "error": outcome.error if outcome else None,
            }
        )
    data["steps"] = steps
    return data


def journal_hints(operation: str | None, status: ResultStatus, journaled: bool, cli: str) -> dict[str, Any] | None:
    """The commands that go on from here (null: nothing was journaled)."""
    if operation is None:
        return None
    return {
        "show": f"{cli} journal show {operation}",
        "resume": f"{cli} resume {operation}" if journaled and status in _RESUMABLE else None,
        "rollback": f"{cli} rollback {operation}" if journaled and status in _ROLLBACKABLE else None,
    }


def build_result(
    status: ResultStatus,
    trace: RunTrace,
    *,
    error: BaseException | None = None,
    verify: dict[str, Any] | None = None,
    dry_run: bool = False,
    cli: str = "mcctl",
) -> dict[str, Any]:
    """The result document (see the module doc); `cli`: how hints spell mcctl (e.g. "mcctl --sim")."""
    evaluation = trace.evaluation
    plan = evaluation.plan if evaluation is not None else None
    if trace.plan is not None and trace.journaled:  # a resume: the operation's steps, numbered as journaled
        plan = trace.plan
    operation = trace.operation if status not in (ResultStatus.NOTHING_TO_DO, ResultStatus.DRY_RUN) else None
    results = evaluation.results if evaluation is not None else tuple(getattr(error, "results", ()))
    return {
        "schema": SCHEMA,
        "operation": operation,
        "status": status.value,
        "exit_code": exit_code_of(error) if error is not None else 0,
        "dry_run": dry_run,
        "kind": plan.kind if plan is not None else None,
        "summary": plan.summary if plan is not None else None,
        "operation_status": trace.operation_status if operation is not None else None,
        "plan": plan_dict(plan, trace.outcomes if operation else []) if plan is not None else None,
        "rules": [rule_dict(r) for r in results],
        "refused": [r.rule for r in results if r.refused],
        "overrides": evaluation.used_overrides if evaluation is not None else [],
        "in_flight": list(evaluation.in_flight) if evaluation is not None else [],
        "verify": verify,
        "journal": journal_hints(operation, status, trace.journaled, cli),
        "error": error_of(error) if error is not None else None,
    }
