"""Progress of a running plan, on stderr: a live table on a terminal, one line per change otherwise."""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from mcctl.domain.plan import Plan

if TYPE_CHECKING:
    from mcctl.domain.frontdoor_verify import Verification


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
        self._waiting: str | None = None

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

    def waiting(self, seconds_left: float, what: str) -> None:
        """One line as a wait starts (a log needs no countdown: its lines carry no time)."""
        with self._lock:
            if seconds_left <= 0:
                self._waiting = None
                return
            if self._waiting == what:
                return
            self._waiting = what
            sys.stderr.write(f"mcctl: waiting {seconds_left:g}s {what}\n")

    def finish(self) -> None:
        sys.stderr.flush()


class LiveReporter:
    """On a terminal: one row per step, refreshed in place, and a countdown row while the run waits
    between step groups. The display owns the terminal while it runs: everything said meanwhile is
    printed through its console (above the rows), never written beside it."""

    def __init__(self, simulated: bool, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn
        from rich.table import Column

        self._progress = Progress(
            SpinnerColumn(),
            _description(table_column=Column(overflow="fold", no_wrap=False, ratio=1)),
            TextColumn("[bold]{task.fields[status]}", table_column=Column(no_wrap=True)),
            TextColumn("[dim]{task.fields[elapsed]}", table_column=Column(no_wrap=True)),
            console=console or Console(file=sys.stderr),
        )
        self._tasks: dict[int, Any] = {}
        self._wait: Any = None
        self._simulated = simulated
        self._clock = "simulated " if simulated else ""

    @property
    def console(self) -> Any:
        return self._progress.console

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
        from mcctl.cli.render import one_line

        self._progress.console.print(f"mcctl: {one_line(message)}", markup=False, highlight=False)

    def waiting(self, seconds_left: float, what: str) -> None:
        """The countdown row: shown while waiting, hidden once the wait is over. On the system clock
        it counts down between calls (they come a poll chunk apart); a simulated wait passes at once."""
        if seconds_left <= 0:
            if self._wait is not None:
                self._progress.update(self._wait, visible=False, until=None)
            return
        until = None if self._simulated else time.monotonic() + seconds_left
        fields: dict[str, Any] = {
            "what": what,
            "left": seconds_left,
            "until": until,
            "status": "",
            "elapsed": self._clock.strip(),
        }
        if self._wait is None:
            self._wait = self._progress.add_task("waiting", total=None, **fields)
        else:
            self._progress.update(self._wait, visible=True, **fields)
        self._progress.refresh()  # drawn at least once, however fast a simulated wait passes

    def finish(self) -> None:
        self._progress.stop()

    def pause(self) -> None:
        """Give the terminal back (a prompt in the middle of a run); `resume` takes it again."""
        self._progress.stop()

    def resume(self) -> None:
        self._progress.start()


def _countdown(task: Any) -> str | None:
    """A waiting row's text, the time left counted at render time; None for a step's row."""
    what = task.fields.get("what")
    if what is None:
        return None
    until = task.fields.get("until")
    left = task.fields["left"] if until is None else max(0.0, until - time.monotonic())
    return f"waiting {_duration(left + 0.999)} {what}"  # (rounded up: "0s" only once it is over)


def _description_column() -> Any:
    from rich.progress import ProgressColumn
    from rich.text import Text

    class Description(ProgressColumn):
        def render(self, task: Any) -> Text:
            text = _countdown(task)
            return Text(task.description if text is None else text, overflow="fold")

    return Description


def _description(**kwargs: Any) -> Any:
    """The step's (or the countdown's) text column; its class is built on first use, as Rich is
    imported lazily."""
    return _description_column()(**kwargs)


# -- probing the edge ------------------------------------------------------------------------------
class ProbeProgress:
    """The probes of an edge verification so far (it can take minutes): on a terminal one line on
    stderr updated in place (gone when it ends: the verdict follows); otherwise a line on the first
    probe, every `every` probes, whenever the endpoint starts or stops failing, and the last probe's
    when the check ends (a log shows where it stood when the verdict came) — never a line per probe."""

    def __init__(self, console: Any = None, *, live: bool | None = None, every: int = 10) -> None:
        from rich.console import Console

        self._console = console or Console(file=sys.stderr, highlight=False)
        self._live_wanted = self._console.is_terminal if live is None else live
        self._live: Any = None
        self._every = every
        self._last_kind: str | None = None
        self._printed = 0  # probes the last printed line counted
        self._verification: Verification | None = None

    def __enter__(self) -> ProbeProgress:
        if self._live_wanted:
            from rich.live import Live

            self._live = Live(console=self._console, transient=True, redirect_stdout=False, redirect_stderr=False)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        elif self._verification is not None and len(self._verification.probes) != self._printed:
            self._print(self._verification)
        if self._verification is not None:  # a mutating command's --verify: its result document says it
            from mcctl.cli.mutate import record_verify

            record_verify(self._verification.to_dict())

    def __call__(self, result: Verification) -> None:
        from rich.text import Text

        self._verification = result  # (the same object to the end: it holds the verdict once done)
        if self._live is not None:
            self._live.update(Text(probe_line(result), overflow="fold"), refresh=True)
            return
        kind = _probe_kind(result)
        count = len(result.probes)
        if kind != self._last_kind or count == 1 or count % self._every == 0:
            self._print(result)
        self._last_kind = kind

    def _print(self, result: Verification) -> None:
        from rich.text import Text

        self._console.print(Text(f"mcctl: {probe_line(result)}"), highlight=False, soft_wrap=True)
        self._printed = len(result.probes)


def _probe_kind(result: Verification) -> str:
    """What a log line is due for when it changes: the endpoint answering with a stamp or not (while
    a change propagates the serving stamp flips every few probes: that alone is no news)."""
    return "answered" if result.probes[-1].stamp else "failed"


def probe_line(result: Verification) -> str:
    """`12 probes, last served by weu-1/westeurope; 3 of 12 (25%) from eus2-1, eus2-2; 5 of 10 in a row elsewhere`."""
    from mcctl.cli.render import one_line

    probes = result.probes
    last = probes[-1]
    if last.stamp:
        served = f"last served by {last.stamp}" + (f"/{last.region}" if last.region else "")
    elif last.error:
        served = f"last probe failed ({last.error})"
    else:
        served = f"last answer HTTP {last.status}, serving stamp not named"
    hits = sum(1 for p in probes if p.stamp in result.stamps)
    share = f"{hits} of {len(probes)} ({hits / len(probes):.0%}) from {', '.join(result.stamps)}"
    line = f"{len(probes)} probe(s), {served}; {share}"
    if result.mode == "away":
        line += f"; {result.streak} of {result.count} in a row from elsewhere"
    return one_line(line)
