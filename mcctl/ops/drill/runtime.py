"""The drill running in this process: what its step kinds reach beyond (session, estate, step).

A step kind's `apply` is handed the session, the estate and the step. A drill's steps also need
the journal, the operator lease the drill holds (its child operations join it rather than take it
again), the approvals given on the command line, the operator's prompt and the options the
children run with. The drill use case sets them here for the length of one run: one drill per
process, shared by the threads of a parallel step group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcctl.errors import LockHeld, UsageError

if TYPE_CHECKING:
    from mcctl.domain.lease import LeaseHolder, LockStatus
    from mcctl.domain.plan import Step
    from mcctl.ops.lease import OperatorLease
    from mcctl.ops.services import Services
    from mcctl.ops.usecases import RunOptions

APPROVE_ALL = "all"


@dataclass(frozen=True)
class Approvals:
    """`--approve STEP|all`, given before the run: a step's name or its 1-based number."""

    given: frozenset[str] = frozenset()

    @property
    def all(self) -> bool:
        return APPROVE_ALL in self.given

    def covers(self, index: int, name: str) -> bool:
        return self.all or str(index + 1) in self.given or name.lower() in self.given

    @classmethod
    def parse(cls, values: list[str]) -> Approvals:
        return cls(frozenset(v.strip().lower() for v in values if v.strip()))


@dataclass
class DrillRuntime:
    services: Services  # the drill's own: its journal, session, estate, reporter
    options: RunOptions  # what its child operations run with (timeout, overrides, data loss)
    approvals: Approvals = field(default_factory=Approvals)
    # Asks the operator to type `approve` (None: not interactive, only --approve approves).
    prompt: Callable[[str], bool] | None = None
    # While rolling back: the drill whose children are put back.
    rollback_of: str | None = None
    lease: OperatorLease | None = None  # the drill's, once the engine took it

    @property
    def operation(self) -> str:
        """The drill's journaled operation (its rollback's while rolling back)."""
        op = self.services.trace.operation
        if op is None:
            raise RuntimeError("a drill step ran before its operation was journaled")
        return op

    @property
    def drill(self) -> str:
        """The drill operation whose steps these are (the one rolled back, while rolling back)."""
        return self.rollback_of or self.operation

    def child_services(self, step: Step, on_progress: Callable[[str], None]) -> Services:
        """Services for a child operation of `step`: the drill's journal and session, its lease
        joined, already approved (the operator approved the drill), its progress shown on the step's
        row through `on_progress` (the drill step's own)."""
        from mcctl.ops.services import Approve, QuietNotices, Services

        parent = self.services
        return Services(
            estate=parent.estate,
            session=parent.session,
            journal=parent.journal,
            open_lease=self.joined_lease,
            registry=parent.registry,
            command=parent.command,
            confirmation=Approve(),
            reporter=_StepProgress(parent.reporter, step.target, on_progress),
            notices=QuietNotices(),
        )

    def joined_lease(self) -> OperatorLease:
        if self.lease is None:
            raise RuntimeError("a drill step ran before the drill took the operator lease")
        return JoinedLease(self.lease)


_CURRENT: list[DrillRuntime] = []


@contextmanager
def running(runtime: DrillRuntime) -> Iterator[DrillRuntime]:
    """Make `runtime` the process's drill for the block; the lease the engine opens is kept in it."""
    services = runtime.services
    opened = services.open_lease

    def open_and_keep() -> OperatorLease:
        runtime.lease = opened()
        return runtime.lease

    services.open_lease = open_and_keep
    _CURRENT.append(runtime)
    try:
        yield runtime
    finally:
        _CURRENT.remove(runtime)
        services.open_lease = opened


def current() -> DrillRuntime:
    if not _CURRENT:
        raise UsageError(
            "drill steps run only within `mcctl drill run`, `drill resume` or `drill rollback`",
            hint="resume or roll back a drill with `mcctl drill resume|rollback RUN`",
        )
    return _CURRENT[-1]


class JoinedLease:
    """The drill's lease as its child operations hold it: taking it checks the drill still holds it
    (and renews it); releasing it leaves it held, for the drill's next step."""

    def __init__(self, lease: OperatorLease) -> None:
        self._lease = lease
        self.takeover: str | None = None

    def __getattr__(self, name: str) -> Any:  # kind, location, estate, simulated, shared, lease_id
        return getattr(self._lease, name)

    def acquire(self, holder: LeaseHolder, *, indefinite: bool = False) -> None:
        if not self._lease.status().held:
            raise LockHeld("the drill no longer holds the operator lease; nothing of this step was changed")
        self._lease.renew_if_due()

    def renew_if_due(self) -> None:
        self._lease.renew_if_due()

    def release(self) -> bool:
        return False  # the drill's: released when the drill ends

    def status(self) -> LockStatus:
        return self._lease.status()

    def break_lock(self) -> LockStatus:
        raise UsageError("a drill step cannot break the operator lease")

    def attach(self, lease_id: str) -> None:
        raise UsageError("a drill step cannot attach to another lease")


class _StepProgress:
    """A child operation's progress, shown as its drill step's status line (through the step's own
    `on_progress`, which also renews the drill's lease and raises StepCancelled once the drill was
    interrupted — which interrupts the child at its next poll as well)."""

    def __init__(self, reporter: Any, target: str, on_progress: Callable[[str], None]) -> None:
        self._reporter, self._target, self._on_progress = reporter, target, on_progress
        self._plan: Any = None

    def start(self, plan: Any, operation: str) -> None:
        self._plan = plan
        self._reporter.note(f"{self._target}: operation {operation} ({plan.summary})")

    def step(self, index: int, status: str, elapsed: float) -> None:
        what = self._plan.steps[index].target if self._plan is not None and index < len(self._plan.steps) else ""
        self._on_progress(f"{what}: {status}" if what else str(status))

    def note(self, message: str) -> None:
        self._reporter.note(message)

    def waiting(self, seconds_left: float, what: str) -> None:
        self._reporter.waiting(seconds_left, what)

    def finish(self) -> None:
        pass


@contextmanager
def on_journaled(services: Services, callback: Callable[[str], None]) -> Iterator[None]:
    """Call `callback(operation)` once, when the block's first run journals its operation (the
    engine announces it to the reporter only then): what is kept from that moment survives a kill."""
    reporter = services.reporter
    services.reporter = _Announcing(reporter, callback)
    try:
        yield
    finally:
        services.reporter = reporter


class _Announcing:
    """A reporter that calls back on its first `start`, then passes everything on."""

    def __init__(self, reporter: Any, callback: Callable[[str], None]) -> None:
        self._reporter, self._callback = reporter, callback
        self._called = False

    def start(self, plan: Any, operation: str) -> None:
        if not self._called:
            self._called = True
            self._callback(operation)
        self._reporter.start(plan, operation)

    def step(self, index: int, status: str, elapsed: float) -> None:
        self._reporter.step(index, status, elapsed)

    def note(self, message: str) -> None:
        self._reporter.note(message)

    def waiting(self, seconds_left: float, what: str) -> None:
        self._reporter.waiting(seconds_left, what)

    def finish(self) -> None:
        self._reporter.finish()
