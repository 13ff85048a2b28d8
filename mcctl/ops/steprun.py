"""Running one step of a plan: intent journaled, read live, apply, read back, outcome journaled.

A step already at its `after` is skipped (idempotence, resume). A step whose request was sent but
whose outcome is in doubt is `unverified`, which counts as applied: never "nothing changed".
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcctl.adapters.lro import WaitOptions
from mcctl.errors import LockHeld, McctlError, WaitTimeout
from mcctl.ops.journal_records import StepStatus
from mcctl.ops.registry import StepKind, StepNature
from mcctl.ops.steps import executor

if TYPE_CHECKING:
    from mcctl.domain.plan import Step
    from mcctl.ops.mutation import ApplyContext

APPLIED = (StepStatus.SUCCEEDED, StepStatus.SUBMITTED, StepStatus.UNVERIFIED)


class AppliedButFailed(McctlError):
    """Raised by a step executor that changed something before failing (e.g. a Redis relink that
    flushed the database, then could not link it): the step counts as applied, never "nothing
    changed"."""


@dataclass
class StepOutcome:
    index: int
    status: StepStatus
    seconds: float
    error: str | None = None

    @property
    def applied(self) -> bool:
        return self.status in APPLIED

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.index, "status": self.status.value, "seconds": round(self.seconds, 3), "error": self.error}


class StepCancelled(Exception):
    """Raised inside a parallel step's wait once the run was interrupted (Ctrl-C, SIGTERM, SIGHUP
    reach only the main thread): the step journals `interrupted` and its thread ends at its next poll.
    An Exception, not a BaseException: it crosses the SDK poller's thread like any polling error."""


def run_group(ctx: ApplyContext, op: str, group: list[tuple[int, Step]]) -> list[StepOutcome]:
    if len(group) == 1:
        return [run_step(ctx, op, *group[0])]
    pool = ThreadPoolExecutor(max_workers=min(8, len(group)))
    try:
        futures = [pool.submit(run_step, ctx, op, index, step) for index, step in group]
        return [f.result() for f in futures]
    except BaseException:
        ctx.cancelled.set()  # the other steps stop waiting at their next poll, journaled as interrupted
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_step(ctx: ApplyContext, op: str, index: int, step: Step) -> StepOutcome:
    kind = executor(step, ctx.registry)
    if ctx.cancelled.is_set():
        raise StepCancelled  # interrupted before this step began: nothing of it is sent or journaled
    # `at`: the session's clock (simulated time on the simulator), what a drill's timeline is drawn on
    at = ctx.session.clock.wall()
    ctx.journal.append(
        {"type": "intent", "op": op, "step": index, "target": step.target, "change": step.change, "at": at}
    )
    started = ctx.session.now()

    def elapsed() -> float:
        return ctx.session.now() - started

    def outcome(status: StepStatus, error: str | None = None, observed: dict[str, Any] | None = None) -> StepOutcome:
        record: dict[str, Any] = {"type": "outcome", "op": op, "step": index, "status": status, "seconds": elapsed()}
        record["at"] = ctx.session.clock.wall()
        if error:
            record["error"] = error
        if observed is not None:
            record["observed"] = observed
        ctx.journal.append(record)
        ctx.reporter.step(index, status, elapsed())
        return StepOutcome(index, status, elapsed(), error)

    ctx.reporter.step(index, StepStatus.RUNNING, 0.0)
    if kind.nature is not StepNature.CHANGE:
        return _run_action(ctx, kind, index, step, outcome, elapsed)
    submitted = False
    try:
        if index in ctx.joining and _join(ctx, kind, step, index, elapsed):
            # Resuming a step an earlier run left running in Azure: we waited for that change (never
            # sent twice); if it landed, it is this operation's own change, succeeded.
            live = kind.read(ctx.session, ctx.estate, step)
            if live == step.after:
                return outcome(StepStatus.SUCCEEDED, observed=live)
        live = kind.read(ctx.session, ctx.estate, step)
        if live == step.after:
            return outcome(StepStatus.SKIPPED, observed=live)
        submitted = True
        kind.apply(ctx.session, ctx.estate, step, WaitOptions(ctx.timeout, ctx.wait, _progress(ctx, index, elapsed)))
        if not ctx.wait:
            return outcome(StepStatus.SUBMITTED)
        observed = kind.read(ctx.session, ctx.estate, step)
        if observed != step.after:
            # The change was made but did not land as planned: it counts as applied (exit 7), not as
            # "nothing changed".
            return outcome(
                StepStatus.UNVERIFIED, f"verification failed: expected {step.after}, found {observed}", observed
            )
        return outcome(StepStatus.SUCCEEDED, observed=observed)
    except WaitTimeout as exc:
        return outcome(StepStatus.TIMEOUT, exc.message)
    except AppliedButFailed as exc:
        return outcome(StepStatus.UNVERIFIED, exc.message)
    except McctlError as exc:
        if submitted and _may_have_landed(ctx, kind, step, exc):
            return outcome(
                StepStatus.UNVERIFIED, f"{exc.message} (the change may have been made: check before retrying)"
            )
        return outcome(StepStatus.FAILED, exc.message)
    except (KeyboardInterrupt, StepCancelled):
        outcome(StepStatus.INTERRUPTED, "interrupted by the operator (the Azure operation may still be running)")
        raise
    except Exception as exc:  # a bug: journal it, then let the CLI report an internal error (exit 1)
        outcome(StepStatus.FAILED, f"internal error: {type(exc).__name__}: {exc}")
        raise


def _run_action(
    ctx: ApplyContext,
    kind: StepKind,
    index: int,
    step: Step,
    outcome: Callable[..., StepOutcome],
    elapsed: Callable[[], float],
) -> StepOutcome:
    """An action or a delegating step: it succeeded when `apply` returned. There is no live value to
    skip it by or read it back with (a check runs again on resume; a delegate's children verify their
    own steps); a delegate that changed something before failing raises AppliedButFailed."""
    try:
        kind.apply(ctx.session, ctx.estate, step, WaitOptions(ctx.timeout, ctx.wait, _progress(ctx, index, elapsed)))
        return outcome(StepStatus.SUCCEEDED)
    except WaitTimeout as exc:
        return outcome(StepStatus.TIMEOUT, exc.message)
    except AppliedButFailed as exc:
        return outcome(StepStatus.UNVERIFIED, exc.message)
    except McctlError as exc:
        return outcome(StepStatus.FAILED, exc.message)
    except (KeyboardInterrupt, StepCancelled):
        outcome(StepStatus.INTERRUPTED, "interrupted by the operator")
        raise
    except Exception as exc:  # a bug: journal it, then let the CLI report an internal error (exit 1)
        outcome(StepStatus.FAILED, f"internal error: {type(exc).__name__}: {exc}")
        raise


def _join(ctx: ApplyContext, kind: StepKind, step: Step, index: int, elapsed: Callable[[], float]) -> bool:
    """Wait while the step's resource has an operation running; True when there was one."""
    from mcctl.adapters.lro import MAX_POLL_SECONDS

    if kind.pending is None or not kind.pending(ctx.session, ctx.estate, step):
        return False
    deadline = None if ctx.timeout is None else ctx.session.now() + ctx.timeout
    while kind.pending(ctx.session, ctx.estate, step):
        if deadline is not None and ctx.session.now() >= deadline:
            raise WaitTimeout(
                f"timed out after {ctx.timeout:g}s waiting for the earlier run's change to {step.target} "
                "(still running in Azure)",
                hint="re-run `mcctl resume` once it ends",
            )
        ctx.reporter.step(index, "joining the running change", elapsed())
        ctx.session.sleep(MAX_POLL_SECONDS)
        if ctx.lease is not None:
            ctx.lease.renew_if_due()
    return True


def _may_have_landed(ctx: ApplyContext, kind: StepKind, step: Step, error: McctlError) -> bool:
    """After a request was sent, "nothing changed" must be proven: a lost lease or a failed read
    leaves it in doubt; otherwise the live state tells."""
    if isinstance(error, LockHeld):
        return True  # the lease was lost while waiting: the operation itself went on
    try:
        return kind.read(ctx.session, ctx.estate, step) != step.before
    except McctlError:
        return True


def _progress(ctx: ApplyContext, index: int, elapsed: Callable[[], float]) -> Callable[[str], None]:
    def on_progress(status: str) -> None:
        if ctx.cancelled.is_set():
            raise StepCancelled
        if ctx.lease is not None:
            ctx.lease.renew_if_due()
        ctx.reporter.step(index, status, elapsed())

    return on_progress
