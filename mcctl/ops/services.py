"""What a use case needs from the outside world, built once by the composition root.

Ops never prints or prompts: progress goes to a Reporter, notes and warnings to Notices, and the
operator's go-ahead comes through a Confirmation. The CLI supplies terminal versions; tests supply
quiet ones, so resume and rollback run in a test without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.adapters.clock import Clock
    from mcctl.domain.estate import Estate
    from mcctl.domain.plan import Plan
    from mcctl.ops.guard import Evaluation
    from mcctl.ops.journal import Journal
    from mcctl.ops.lease import OperatorLease
    from mcctl.ops.registry import Registry
    from mcctl.ops.result import RunTrace


class Reporter(Protocol):
    """Where the progress of a running plan goes (the CLI draws it on stderr)."""

    def start(self, plan: Plan, operation: str) -> None: ...

    def step(self, index: int, status: str, elapsed: float) -> None: ...

    def note(self, message: str) -> None: ...

    def waiting(self, seconds_left: float, what: str) -> None:
        """A wait between step groups: called as it starts and after each poll chunk, with 0 when it
        is over (`what`: e.g. "before step group 2 of 3"), so a terminal can show a countdown."""
        ...

    def finish(self) -> None: ...


class SilentReporter:
    def start(self, plan: Plan, operation: str) -> None:
        pass

    def step(self, index: int, status: str, elapsed: float) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def waiting(self, seconds_left: float, what: str) -> None:
        pass

    def finish(self) -> None:
        pass


class Notices(Protocol):
    """One-line messages for the operator beside the result (never part of it: JSON stays clean)."""

    def note(self, message: str) -> None: ...

    def warn(self, message: str) -> None: ...


class Confirmation(Protocol):
    """The operator's part: see the judged plan, then approve it. `approve` raises to decline
    (nothing has changed at that point)."""

    def show(self, evaluation: Evaluation) -> None: ...

    def approve(self, plan: Plan) -> None: ...


class QuietNotices:
    """Keeps what would have been said (tests read it)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def note(self, message: str) -> None:
        self.lines.append(message)

    def warn(self, message: str) -> None:
        self.lines.append(f"warning: {message}")


class Approve:
    """Approves every plan it is shown (a runbook's --yes, or a test)."""

    def __init__(self) -> None:
        self.shown: list[Evaluation] = []

    def show(self, evaluation: Evaluation) -> None:
        self.shown.append(evaluation)

    def approve(self, plan: Plan) -> None:
        pass


@dataclass
class Services:
    """Everything a mutation use case talks to. The session carries the endpoint, credential,
    transport and clock (real Azure or the simulator: the use cases cannot tell)."""

    estate: Estate
    session: AzureSession
    journal: Journal
    open_lease: Callable[[], OperatorLease]
    registry: Registry
    command: str = "mcctl"
    confirmation: Confirmation = field(default_factory=Approve)
    reporter: Reporter = field(default_factory=SilentReporter)
    notices: Notices = field(default_factory=QuietNotices)
    # What the latest run got to (its evaluation, operation, step outcomes), kept up to date as it
    # goes: the result document of a run an error stopped is built from it.
    trace: RunTrace = field(default_factory=lambda: _new_trace())

    @property
    def clock(self) -> Clock:
        return self.session.clock


def _new_trace() -> RunTrace:
    from mcctl.ops.result import RunTrace

    return RunTrace()
