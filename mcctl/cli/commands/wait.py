"""`mcctl wait health|sql|redis|frontdoor`: block until a state is reached (kubectl-style, for runbooks).

Exit 0 once the condition is met (`-o json`: what was observed and after how long), 6 when
--timeout passes first (the message names the last observed state; `-o json` writes the same
document, `met` false, with the last observed state), 2 on bad input before any
Azure call. While waiting, a live line on stderr: refreshed in place on a terminal, otherwise one
line each time the observed state changes.
"""

from __future__ import annotations

import functools
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from mcctl.cli.options import Output, Query, Timeout, parse_duration
from mcctl.cli.runtime import Runtime, emit, output_overrides
from mcctl.domain.wait import EdgeWanted, HealthWanted, RedisWanted
from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.domain.wait import Observation
    from mcctl.ops.journal import OperationRecord
    from mcctl.ops.wait import Condition

app = typer.Typer(
    no_args_is_help=True,
    help="Wait until a region's health, the SQL primary, a Redis link or the Front Door edge reach a state.",
)

DEFAULT_TIMEOUT = 600.0
DEFAULT_INTERVAL = 10.0

Region = Annotated[str, typer.Option("--region", "-r", help="The region.", show_default=False)]
Interval = Annotated[
    float,
    typer.Option(
        "--interval", parser=parse_duration, metavar="DURATION", show_default="10s", help="Time between two reads."
    ),
]


_Wanted = TypeVar("_Wanted", bound=StrEnum)


def _wanted(kind: type[_Wanted], value: str) -> _Wanted:
    """`--for`'s value, or a one-line error listing the accepted ones."""
    try:
        return kind(value.strip().lower())
    except ValueError:
        accepted = " | ".join(k.value for k in kind)
        raise UsageError(f"--for: '{value}' is not one of {accepted}") from None


@app.command("health")
def health(
    ctx: typer.Context,
    region: Region,
    wanted: Annotated[str, typer.Option("--for", metavar="healthy|drained", help="The region's health verdict.")],
    timeout: Timeout = DEFAULT_TIMEOUT,
    interval: Interval = DEFAULT_INTERVAL,
    output: Output = None,
    query: Query = None,
) -> None:
    """Until the region's health verdict (as `mcctl health` rolls it up) is healthy or drained."""
    from mcctl.cli.commands.journal import journal_of
    from mcctl.ops.wait import health_condition

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    journal = functools.cache(lambda: journal_of(runtime))  # opened at the first poll, after the checks

    def operations() -> list[OperationRecord]:  # re-read each poll: which stamps are drained on purpose
        return journal().operations_touching(s.origin for s in runtime.estate.stamps)

    wanted_health = _wanted(HealthWanted, wanted)
    runtime.validated(lambda estate: health_condition(estate, region, wanted_health, operations))  # bad input first
    # the region's stamps as they are on ARM: a new stamp a pipeline tagged counts, a retired one not
    condition = health_condition(runtime.discovered_estate(), region, wanted_health, operations)
    _run(runtime, condition, timeout, interval)


@app.command("sql")
def sql(
    ctx: typer.Context,
    primary: Annotated[
        str, typer.Option("--primary", help="The region whose server must be primary.", show_default=False)
    ],
    timeout: Timeout = DEFAULT_TIMEOUT,
    interval: Interval = DEFAULT_INTERVAL,
    output: Output = None,
    query: Query = None,
) -> None:
    """Until the failover group's primary is in the region and no failover is running (not PENDING)."""
    from mcctl.ops.wait import sql_condition

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    _run(runtime, sql_condition(runtime.estate, primary), timeout, interval)


@app.command("redis")
def redis(
    ctx: typer.Context,
    region: Region,
    wanted: Annotated[str, typer.Option("--for", metavar="linked", help="The region's geo-replication verdict.")],
    timeout: Timeout = DEFAULT_TIMEOUT,
    interval: Interval = DEFAULT_INTERVAL,
    output: Output = None,
    query: Query = None,
) -> None:
    """Until the region's Redis geo-replication verdict (as `mcctl redis status` judges it) is linked."""
    from mcctl.ops.wait import redis_condition

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    _run(runtime, redis_condition(runtime.estate, region, _wanted(RedisWanted, wanted)), timeout, interval)


@app.command("frontdoor")
def frontdoor(
    ctx: typer.Context,
    region: Region,
    wanted: Annotated[str, typer.Option("--for", metavar="serving|drained", help="What the edge's answers show.")],
    count: Annotated[
        int, typer.Option("--count", help="drained: answers in a row from other regions' stamps that prove it.")
    ] = 10,
    timeout: Timeout = DEFAULT_TIMEOUT,
    interval: Interval = DEFAULT_INTERVAL,
    output: Output = None,
    query: Query = None,
) -> None:
    """Until the Front Door edge sends no traffic to the region (drained) or every stamp of it answers (serving),
    probing the public endpoint once per --interval as `frontdoor verify` does."""
    from mcctl.ops.wait import edge_condition

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    wanted_edge = _wanted(EdgeWanted, wanted)
    runtime.validated(lambda estate: edge_condition(estate, region, wanted_edge, count=count))  # bad input first
    # the region's stamps as they are on ARM: a new stamp a pipeline tagged counts, a retired one not
    condition = edge_condition(runtime.discovered_estate(), region, wanted_edge, count=count)
    _run(runtime, condition, timeout, interval)


# -- running and showing a wait ----------------------------------------------------------------------
def _run(runtime: Runtime, condition: Condition, timeout: float, interval: float) -> None:
    from rich.text import Text

    from mcctl.cli.render import TABLE_FORMATS
    from mcctl.ops.wait import WaitTimedOut, wait_until

    line: LiveLine | PlainLines = PlainLines(condition.text)
    if sys.stderr.isatty():
        line = LiveLine(condition.text, simulated=runtime.options.sim)
    try:
        result = wait_until(runtime.session, condition, timeout=timeout, interval=interval, on_poll=line.update)
    except WaitTimedOut as timed_out:
        # json/yaml/tsv: the same document as when met (`met` false, the last observed state), then
        # exit 6; a table adds nothing to the error, which names the last observed state
        if runtime.options.output not in TABLE_FORMATS:
            emit(runtime, timed_out.result.to_dict())
        raise
    finally:
        line.close()
    clock = "simulated " if runtime.options.sim else ""
    summary = f"{condition.text}: met after {clock}{_duration(result.seconds)} ({result.observed.describe()})"
    emit(runtime, result.to_dict(), table=lambda data: Text(summary))


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class PlainLines:
    """For logs and pipes: one line each time the observed state changes (not each poll)."""

    def __init__(self, condition: str) -> None:
        self._condition = condition
        self._last: str | None = None

    def update(self, observed: Observation, elapsed: float, left: float) -> None:
        if observed.state == self._last:
            return
        self._last = observed.state
        sys.stderr.write(f"mcctl: wait for {self._condition}: {observed.describe()} (after {_duration(elapsed)})\n")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.flush()


class LiveLine:
    """On a terminal: one line refreshed in place at each read, with the time left; it stays on
    screen at the end (the last observed state)."""

    def __init__(self, condition: str, *, simulated: bool) -> None:
        from rich.console import Console
        from rich.live import Live

        self._condition = condition
        self._clock = "simulated " if simulated else ""
        self._live = Live(
            console=Console(file=sys.stderr, highlight=False),
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()

    def update(self, observed: Observation, elapsed: float, left: float) -> None:
        from rich.text import Text

        # the countdown first: on a narrow terminal the state's detail is what gets cut
        text = Text()
        text.append(f"{self._clock}{_duration(elapsed)}, {_duration(left)} left  ", style="dim")
        text.append(f"{self._condition}: ", style="bold")
        text.append(observed.describe(), style="green" if observed.met else "yellow")
        text.no_wrap, text.overflow = True, "ellipsis"
        self._live.update(text, refresh=True)

    def close(self) -> None:
        self._live.stop()
