"""One live display owns the terminal during an operation (issue 14, item 5): a gradual drain drawn
on a fake 80-column terminal keeps each step row once and the gate's notes on lines of their own;
waits between groups count down; an edge verification shows its probes so far; `health --watch`
without a terminal prints a block per refresh and Ctrl-C exits 130; the health table fits 80 columns."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from mcctl.bootstrap import services
from mcctl.cli import progress
from mcctl.domain.frontdoor_verify import Probe, Verification
from mcctl.domain.plan import Plan, Step
from mcctl.ops import usecases
from mcctl.ops.inventory import read_inventory
from mcctl.ops.journal import Journal
from mcctl.ops.services import SilentReporter
from mcctl.ops.usecases import RunOptions

WIDTH = 80
_CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


def _screen(raw: str, width: int = WIDTH) -> list[str]:
    """What a terminal shows after `raw`: enough of one to follow Rich's in-place redraws (carriage
    return, cursor up, erase line; colours ignored). A line written into another shows up here."""
    lines: list[list[str]] = [[]]
    row = col = 0
    i = 0
    while i < len(raw):
        match = _CSI.match(raw, i)
        if match:
            arg, code = match.groups()
            if code == "A":
                row = max(0, row - int(arg or 1))
            elif code == "K" and arg == "2":
                lines[row] = []
            elif code == "K":
                del lines[row][col:]
            i = match.end()
            continue
        ch = raw[i]
        i += 1
        if ch == "\r":
            col = 0
        elif ch == "\n":
            row, col = row + 1, 0
            while len(lines) <= row:
                lines.append([])
        else:
            line = lines[row]
            line.extend(" " * (col - len(line) + 1) if col >= len(line) else "")
            line[col] = ch
            col += 1
    return ["".join(line).rstrip() for line in lines]


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """The run's progress drawn on a fake 80-column terminal (the rest of stderr stays captured)."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=WIDTH, color_system="standard")
    monkeypatch.setattr(progress, "reporter", lambda simulated: progress.LiveReporter(simulated, console=console))
    return out


def test_a_gradual_drain_on_a_terminal_keeps_each_row_once_and_the_gate_on_its_own_line(mcctl, terminal) -> None:
    result = mcctl("--sim", "frontdoor", "drain", "eastus2", "--steps", "50,100", "--interval", "30s", "--yes")
    assert result.exit_code == 0, result.stderr
    raw = terminal.getvalue()
    screen = _screen(raw)
    text = "\n".join(screen)
    assert all(len(line) <= WIDTH for line in screen), text
    for number in range(1, 5):  # each step row exactly once, however often it was redrawn
        assert sum(f"[{number}/4]" in line for line in screen) == 1, text
    rows = [line for line in screen if re.search(r"\[\d/4\]", line)]
    assert len(rows) == 4 and all("succeeded" in line for line in rows), text
    gate = [n for n, line in enumerate(screen) if line.startswith("mcctl: health gate before step group 2 of 2")]
    assert len(gate) == 1, text
    assert "passed" in screen[gate[0]] and "[" not in screen[gate[0]].split("passed")[0]
    assert gate[0] < screen.index(rows[0])  # printed above the live rows, not into them
    # the wait counted down in a row of its own, gone once it was over
    assert "waiting 30s before step group 2 of 2" in raw
    assert "waiting" not in text
    assert "mcctl: waiting" not in result.stderr  # said once, by the display, not beside it


class Recording(SilentReporter):
    def __init__(self) -> None:
        self.waits: list[tuple[float, str]] = []
        self.notes: list[str] = []

    def waiting(self, seconds_left: float, what: str) -> None:
        self.waits.append((seconds_left, what))

    def note(self, message: str) -> None:
        self.notes.append(message)


def test_the_wait_between_groups_is_reported_as_a_countdown(session, sim, demo_estate, tmp_path: Path, registry):
    registry.add_gate("pass", lambda session, estate, plan, before, note, registry: lambda number: None)
    origin = "origin-weu-1"
    steps = tuple(
        Step(
            kind="set_origin",
            target=f"origin {origin}",
            resource_id=demo_estate.frontdoor.origin_id(origin),
            before={"weight": before},
            after={"weight": after},
            params={"stamp": "weu-1", "origin": origin},
            group=group,
        )
        for group, (before, after) in enumerate([(1000, 500), (500, 100), (100, 50)])
    )
    plan = Plan("test-shift", "lower weu-1's weight", steps, gate="pass", interval=40.0)
    reporter = Recording()
    svc = services(
        demo_estate, session, Journal(tmp_path / "journal.jsonl"), command="test", registry=registry, reporter=reporter
    )
    usecases.run(svc, plan, read_inventory(session, demo_estate).snapshot(), RunOptions())
    first, second = "before step group 2 of 3", "before step group 3 of 3"
    # polled in chunks of at most 15s, each reported with the time left, then 0 when over
    assert reporter.waits == [(40.0, first), (25.0, first), (10.0, first), (0.0, first)] + [
        (40.0, second),
        (25.0, second),
        (10.0, second),
        (0.0, second),
    ]
    assert not [n for n in reporter.notes if n.startswith("waiting")]  # a countdown, not a note


def test_without_a_terminal_a_wait_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    reporter = progress.LineReporter(simulated=True)
    for left in (60.0, 45.0, 30.0, 15.0, 0.0):
        reporter.waiting(left, "before step group 2 of 3")
    reporter.waiting(60.0, "before step group 3 of 3")
    assert capsys.readouterr().err.splitlines() == [
        "mcctl: waiting 60s before step group 2 of 3",
        "mcctl: waiting 60s before step group 3 of 3",
    ]


def test_a_live_countdown_counts_on_the_system_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: now[0])
    out = io.StringIO()
    reporter = progress.LiveReporter(False, console=Console(file=out, force_terminal=True, width=WIDTH))
    reporter.waiting(60.0, "before step group 2 of 3")
    task = reporter._progress.tasks[-1]
    assert progress._countdown(task) == "waiting 1m00s before step group 2 of 3"
    now[0] += 12.5
    assert progress._countdown(task) == "waiting 48s before step group 2 of 3"
    reporter.waiting(0.0, "before step group 2 of 3")
    assert not reporter._progress.tasks[-1].visible


# -- verification at the edge ----------------------------------------------------------------------
def test_drain_verify_without_a_terminal_shows_probes_so_far_without_a_line_per_probe(mcctl) -> None:
    result = mcctl("--sim", "frontdoor", "drain", "eastus2", "--yes", "--verify")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if re.match(r"mcctl: \d+ probe\(s\)", line)]
    total = int(re.search(r"\((\d+) probes\)", result.stderr).group(1))
    assert lines[0].startswith("mcctl: 1 probe(s), last served by ")
    assert 2 <= len(lines) < total  # progress, but not a line per probe
    assert all(re.search(r"\d+ of \d+ \(\d+%\) from eus2-1, eus2-2", line) for line in lines)
    assert re.search(rf"mcctl: {total} probe\(s\).*10 of 10 in a row from elsewhere", result.stderr)


def test_frontdoor_verify_without_a_terminal_shows_probes_so_far(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "eastus2", "--yes").exit_code == 0
    result = mcctl("--sim", "frontdoor", "verify", "eastus2")
    assert result.exit_code == 0, result.stderr
    assert "mcctl: 1 probe(s), last served by " in result.stderr
    assert "probe(s)" not in result.stdout  # the verdict alone on stdout


def _verification() -> Verification:
    return Verification("away", "https://edge/", ("eus2-1", "eus2-2"), 3, 600.0)


def test_the_probe_line_is_live_on_a_terminal_and_gone_at_the_end() -> None:
    out = io.StringIO()
    result = _verification()
    with progress.ProbeProgress(Console(file=out, force_terminal=True, width=WIDTH)) as shown:
        for n, (stamp, region) in enumerate([("eus2-1", "eastus2"), ("weu-1", "westeurope"), ("neu-1", "northeurope")]):
            result.add(Probe(float(n), 200, stamp, region))
            shown(result)
    raw = out.getvalue()
    assert "3 probe(s), last served by neu-1/northeurope; 1 of 3 (33%) from eus2-1, eus2-2" in raw
    assert "2 of 3 in a row from elsewhere" in raw
    assert not [line for line in _screen(raw) if line]  # transient: the verdict follows it


def test_without_a_terminal_probe_lines_come_every_n_and_on_failures() -> None:
    out = io.StringIO()
    result = _verification()
    with progress.ProbeProgress(Console(file=out, width=200), every=5) as shown:
        for n in range(12):
            failing = n in (7, 8)
            if failing:
                result.add(Probe(float(n), None, None, None, "timeout: no answer"))
            else:
                result.add(Probe(float(n), 200, "weu-1", "westeurope"))
            shown(result)
    counts = [int(m) for m in re.findall(r"mcctl: (\d+) probe\(s\)", out.getvalue())]
    # first, every 5th, failing from the 8th, answering again at the 10th, the last when the check ends
    assert counts == [1, 5, 8, 10, 12]
    assert "mcctl: 8 probe(s), last probe failed" in out.getvalue()


def test_without_a_terminal_the_last_probe_is_shown_when_the_check_ends_off_the_every_boundary() -> None:
    """A verdict at probe 14 with a line every 10: the log shows the deciding streak (a loaded
    machine made a drain's check end at 34 probes and the log stopped at 30)."""
    out = io.StringIO()
    result = Verification("away", "https://edge/", ("eus2-1",), 10, 600.0)
    with progress.ProbeProgress(Console(file=out, width=200), every=10) as shown:
        for n in range(14):
            result.add(Probe(float(n), 200, "eus2-1" if n < 4 else "weu-1", "eastus2" if n < 4 else "westeurope"))
            shown(result)
    assert result.passed
    lines = out.getvalue().splitlines()
    assert [int(re.match(r"mcctl: (\d+) probe", line).group(1)) for line in lines] == [1, 10, 14]
    assert lines[-1].endswith("10 of 10 in a row from elsewhere")


def test_a_check_ending_on_a_printed_line_does_not_print_it_twice() -> None:
    out = io.StringIO()
    result = _verification()
    with progress.ProbeProgress(Console(file=out, width=200), every=5) as shown:
        for n in range(5):
            result.add(Probe(float(n), 200, "weu-1", "westeurope"))
            shown(result)
    assert [int(m) for m in re.findall(r"mcctl: (\d+) probe\(s\)", out.getvalue())] == [1, 5]


# -- health --watch and the health table -----------------------------------------------------------
def _outage(region: str) -> None:
    """Start an outage in the persisted simulator the CLI runs on (between two refreshes)."""
    from mcctl.config.loader import demo_source, load_estate
    from mcctl.sim.runtime import open_simulator

    sim, _ = open_simulator(load_estate(demo_source()), demo_source().fingerprint)
    sim.set_outage(region, True)


def test_health_watch_without_a_terminal_prints_a_block_per_refresh_and_ctrl_c_exits_130(
    mcctl, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcctl.cli.commands import health as command

    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 2:
            _outage("eastus2")
        if len(pauses) >= 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(command, "_pause", pause)
    result = mcctl("--sim", "health", "--watch", "--interval", "2s")
    assert result.exit_code == 130
    assert pauses == [2.0, 2.0, 2.0] and result.stdout == ""  # stdout stays for data
    assert result.stderr.count("mcctl health (every 2s, Ctrl-C to stop)") == 3
    assert result.stderr.count("estate demo: healthy") == 2 and result.stderr.count("estate demo: degraded") == 1
    assert result.stderr.rstrip().endswith("mcctl: interrupted")  # the last block is not repeated
    pauses.clear()
    checked = mcctl("--sim", "health", "--watch", "--check")
    assert checked.exit_code == 130 and pauses == [5.0, 5.0, 5.0]  # Ctrl-C, not the verdict, ends it


def test_health_table_at_80_columns_keeps_names_and_verdicts_whole(mcctl, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    result = mcctl("--sim", "health")
    text = result.stdout
    assert result.exit_code == 0, result.stderr
    assert all(len(line) <= WIDTH for line in text.splitlines()) and "…" not in text, text
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.startswith(("eus2-", "weu-"))}
    assert rows["eus2-1"][:3] == ["eus2-1", "eastus2", "unhealthy"] and rows["weu-1"][2] == "healthy"


def test_health_table_drops_the_probe_column_first_when_narrow() -> None:
    from mcctl.cli.commands.health import health_table

    stamp = {
        "name": "eus2-1",
        "region": "eastus2",
        "status": "unhealthy",
        "probe": {"http_status": 503, "latency_ms": 1234},
        "reasons": ["health endpoint: HTTP 503 in 1234 ms", "web app: availability Limited (the region is impaired)"],
        "notes": [],
    }
    data = {
        "stamps": [stamp],
        "regions": [],
        "dependencies": [],
        "scope": {},
        "estate": "demo",
        "status": "unhealthy",
        "reasons": [],
    }
    for width, probe_shown in ((80, True), (50, False)):
        out = io.StringIO()
        Console(file=out, width=width).print(health_table(data))
        header = out.getvalue().splitlines()[0].split()
        assert header[:3] == ["STAMP", "REGION", "HEALTH"] and header[-1] == "REASONS"
        assert ("PROBE" in header) is probe_shown
        assert "…" not in out.getvalue() and "unhealthy" in out.getvalue()
