"""Changes still in flight: what a `--no-wait` run submitted, or a killed run left running in Azure.

Such a change may land at any moment, so every later plan's safety rules count it as done until it
is seen done or failed; and `rollback`/`resume` of its operation wait for it before deciding what
was applied — never "nothing to do" while a change of that operation may still land.

Whether a step landed is decided from live state: its `after` values (landed), an Azure operation
still running on its resource (running), or its `before` values with nothing running (not landed).
Once settled, the verdict is journaled as the step's `settled` outcome, so it is read only once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mcctl.domain.plan import Step, project_step
from mcctl.domain.statuses import StepStatus
from mcctl.errors import McctlError, WaitTimeout
from mcctl.ops.registry import Registry, StepNature, current_registry

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl.domain.snapshot import EstateSnapshot
    from mcctl.ops.journal import Journal, OperationRecord

POLL_SECONDS = 10.0


class Landing(StrEnum):
    LANDED = "landed"  # live state is the step's `after`
    RUNNING = "running"  # an Azure operation on its resource is still running
    NOT_LANDED = "not_landed"  # nothing running and the resource is as before the step
    DIVERGED = "diverged"  # nothing running, and the resource is neither as before nor as planned
    UNKNOWN = "unknown"  # it could not be read, or its kind cannot tell whether it still runs

    @property
    def may_still_land(self) -> bool:
        return self in (Landing.RUNNING, Landing.UNKNOWN)

    @property
    def settled(self) -> bool:
        return self in (Landing.LANDED, Landing.NOT_LANDED, Landing.DIVERGED)


@dataclass(frozen=True)
class InFlightStep:
    operation: str
    index: int
    step: Step
    landing: Landing
    observed: dict[str, Any] | None = None

    def describe(self) -> str:
        return f"step {self.index + 1} of operation {self.operation} ({self.step.target}: {self.step.change})"


def landing(
    session: AzureSession, estate: Estate, step: Step, registry: Registry | None = None
) -> tuple[Landing, dict[str, Any] | None]:
    try:
        kind = (registry or current_registry()).executor(step)
    except ValueError:
        return Landing.UNKNOWN, None  # a kind no plugin registers now (one was removed): cannot tell
    try:
        live = kind.read(session, estate, step)
        if live == step.after:
            return Landing.LANDED, live
        running = kind.pending(session, estate, step) if kind.pending is not None else None
    except McctlError:
        return Landing.UNKNOWN, None
    if running:
        return Landing.RUNNING, live
    if running is None:
        return Landing.UNKNOWN, live
    return (Landing.NOT_LANDED if live == step.before else Landing.DIVERGED), live


def uncertain_steps(
    session: AzureSession, estate: Estate, record: OperationRecord, registry: Registry | None = None
) -> list[InFlightStep]:
    """The steps of `record` that may still change the estate, each with how it stands now."""
    plan = record.plan
    found = []
    for index in record.uncertain_steps():
        if index >= len(plan.steps):
            continue
        step = plan.steps[index]
        kind = (registry or current_registry()).step_kinds.get(step.kind)
        if kind is not None and kind.nature is not StepNature.CHANGE:
            continue  # an action changes nothing; a delegate's children are operations of their own
        state, observed = landing(session, estate, step, registry)
        found.append(InFlightStep(record.id, index, step, state, observed))
    return found


def in_flight(
    session: AzureSession,
    estate: Estate,
    journal: Journal,
    exclude: str | None = None,
    registry: Registry | None = None,
) -> list[InFlightStep]:
    """Every step of every unfinished operation in the journal (but `exclude`), with its landing."""
    found: list[InFlightStep] = []
    for record in journal.unfinished_operations():
        if record.id != exclude and record.header.get("estate", estate.name) == estate.name:
            found.extend(uncertain_steps(session, estate, record, registry))
    return found


def journaled(journal: Journal, estate: Estate, kind: str) -> tuple[str, ...]:
    """The estate's operations in the journal with a step of `kind` that may still be running
    (submitted, or left mid-step), oldest first — read from the journal alone. A change of that kind
    running in Azure while none of them exists was started outside mcctl (another client or machine)."""
    found = []
    for record in journal.unfinished_operations():
        if record.header.get("estate", estate.name) != estate.name:
            continue
        steps = record.plan.steps
        if any(i < len(steps) and steps[i].kind == kind for i in record.uncertain_steps()):
            found.append(record.id)
    return tuple(found)


def conflicting(steps: list[InFlightStep], resource_ids: Iterable[str]) -> list[InFlightStep]:
    """In-flight changes that may still land on one of `resource_ids`: a new change to the same
    resource would race with them (planned from a value that is about to change)."""
    wanted = {r.lower() for r in resource_ids}
    return [s for s in steps if s.landing.may_still_land and s.step.resource_id.lower() in wanted]


def project(snapshot: EstateSnapshot, steps: list[InFlightStep], registry: Registry | None = None) -> EstateSnapshot:
    """The snapshot as the rules must see it while changes may still land: each such change counted
    the way that serves less — a drain or scale-in in flight as done, a restore or scale-out in flight
    as not yet done (it may fail) — so the rules hold however each of them ends. (Landed changes are
    in the live snapshot already.)"""
    projector = (registry or current_registry()).project_step
    for item in steps:
        if item.landing.may_still_land:
            try:
                snapshot = snapshot.worst_of(project_step(item.step, snapshot, projector))
            except KeyError:
                continue  # a stamp no longer in the estate file: nothing of it to count
    return snapshot


def record_settled(journal: Journal, steps: list[InFlightStep]) -> None:
    """Journal what became of steps that settled, so later runs stop waiting for them."""
    for item in steps:
        if not item.landing.settled:
            continue
        status = {
            Landing.LANDED: StepStatus.SUCCEEDED,
            Landing.NOT_LANDED: StepStatus.FAILED,
            Landing.DIVERGED: StepStatus.UNVERIFIED,
        }
        record: dict[str, Any] = {
            "type": "outcome",
            "op": item.operation,
            "step": item.index,
            "status": status[item.landing],
            "settled": True,
            "seconds": 0,
        }
        if item.landing is Landing.NOT_LANDED:
            record["error"] = "settled: it did not land (nothing running, the resource is as before the step)"
        elif item.landing is Landing.DIVERGED:
            record["error"] = "settled: the resource is neither as before nor as planned (changed by someone else?)"
        if item.observed is not None:
            record["observed"] = item.observed
        journal.append(record)


def settle(
    session: AzureSession,
    estate: Estate,
    record: OperationRecord,
    *,
    timeout: float | None,
    note: Callable[[str], None],
    renew: Callable[[], None] | None = None,
    registry: Registry | None = None,
) -> list[InFlightStep]:
    """Wait until no step of `record` is still running in Azure; return how each uncertain step ended.

    Raises WaitTimeout (exit 6) when something still runs at the deadline: deciding what to undo or
    redo before it ends would be a guess."""
    deadline = None if timeout is None else session.now() + timeout
    announced: set[int] = set()
    while True:
        steps = uncertain_steps(session, estate, record, registry)
        running = [s for s in steps if s.landing is Landing.RUNNING]
        if not running:
            return steps
        first = running[0]
        if deadline is not None and session.now() >= deadline:
            raise WaitTimeout(
                f"{first.describe()} is still running in Azure after {timeout:g}s; nothing was changed",
                hint=f"run the command again once it ends (`mcctl journal show {record.id}`)",
            )
        for item in running:
            if item.index not in announced:
                announced.add(item.index)
                note(f"waiting for {item.describe()}: still running in Azure")
        session.sleep(POLL_SECONDS if deadline is None else min(POLL_SECONDS, max(0.0, deadline - session.now())))
        if renew is not None:
            renew()
