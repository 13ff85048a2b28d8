"""Progress of a running plan, on stderr: a live table on a terminal, one line per change otherwise."""

from __future__ import annotations

import sys
import threading
from typing import Any

from mcctl.domain.plan import Plan


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def reporter(simulated: bool) -> Any:
    return LiveReporter(simulated) if sys.stderr.isatty() else LineReporter(simulated)


class LineReporter:
    """For logs and pipes: a line each time a step's status changes."""

    def __init__(self, simulated: bool) -> None:
        self._plan: Plan | None = None
        self._last: dict[int, str] = {}
        self._lock = threading.Lock()
        self._clock = "simulated " if simulated else ""

    def start(self, plan: Plan, operation: str) -> None:
        self._plan = plan
        sys.stderr.write(f"mcctl: operation {operation}: {len(plan.steps)} step(s)\n")

    def step(self, index: int, status: str, elapsed: float) -> None:
        assert self._plan is not None
        with self._lock:
            if self._last.get(index) == status:
                return
            self._last[index] = status
            step = self._plan.steps[index]
            total = len(self._plan.steps)
            sys.stderr.write(
                f"mcctl: [{index + 1}/{total}] {step.target}: {status} ({self._clock}{_duration(elapsed)})\n"
            )

    def note(self, message: str) -> None:
        with self._lock:
            sys.stderr.write(f"mcctl: {message}\n")

    def finish(self) -> None:
        sys.stderr.flush()


class LiveReporter:
    """On a terminal: one row per step, refreshed in place."""

    def __init__(self, simulated: bool) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            TextColumn("[bold]{task.fields[status]}"),
            TextColumn("[dim]{task.fields[elapsed]}"),
            console=Console(file=sys.stderr),
        )
        self._tasks: dict[int, Any] = {}
        self._clock = "simulated " if simulated else ""

    def start(self, plan: Plan, operation: str) -> None:
        for index, step in enumerate(plan.steps):
            self._tasks[index] = self._progress.add_task(
                f"[{index + 1}/{len(plan.steps)}] {step.target}: {step.change}", total=1, status="pending", elapsed=""
            )
        self._progress.start()

    def step(self, index: int, status: str, elapsed: float) -> None:
        from mcctl.domain.statuses import StepStatus

        done = status in (
            StepStatus.SUCCEEDED,
            StepStatus.SKIPPED,
            StepStatus.SUBMITTED,
            StepStatus.FAILED,
            StepStatus.TIMEOUT,
            StepStatus.INTERRUPTED,
        )
        self._progress.update(
            self._tasks[index],
            status=status,
            elapsed=f"{self._clock}{_duration(elapsed)}",
            completed=1 if done else 0,
        )

    def note(self, message: str) -> None:
        self._progress.console.print(f"mcctl: {message}", markup=False, highlight=False)

    def finish(self) -> None:
        self._progress.stop()
