"""An evacuation's tool overhead: `mcctl --sim evacuate westeurope --yes` on the demo estate, in
process through the CLI's own code path, against the in-process simulator.

In process the simulator's waits (LRO polls, the minute between step groups, the edge verification's
probes) pass in simulated time and cost no wall time, so what the wall clock measures is mcctl's own
work plus the simulator's. Printed per run (a fresh state dir each; the first run, which also pays
the imports, is shown apart):

- wall: the whole command;
- simulated: how long the same evacuation takes on the simulated clock (what Azure would take:
  wall + the waits the simulator skipped);
- in simulator: wall time with at least one thread inside the simulator (answering a request,
  moving its clock: the stand-in for Azure, not mcctl);
- overhead: wall minus the time in the simulator: mcctl + the SDK pipeline (plan, safety rules,
  journal, polling, rendering). The issue's "wall time minus simulated durations".

    .venv/bin/python benchmarks/evacuation.py [RUNS] [REGION]      # default 5 runs, westeurope
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class SimBusy:
    """Wall time with at least one thread inside the simulator's entry points (the union of the
    intervals: concurrent requests are not counted twice)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inside = 0
        self.since = 0.0
        self.total = 0.0
        self.requests = 0

    def wrap(self, method: Callable[..., Any], counts: bool) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                if self.inside == 0:
                    self.since = time.perf_counter()
                self.inside += 1
                self.requests += counts
            try:
                return method(*args, **kwargs)
            finally:
                with self.lock:
                    self.inside -= 1
                    if self.inside == 0:
                        self.total += time.perf_counter() - self.since

        return timed


def _clock_offset(state_dir: Path) -> float:
    state = json.loads((state_dir / "sim" / "demo.json").read_text(encoding="utf-8"))
    return float(state.get("clock_offset") or 0.0)


def run_once(region: str, busy: SimBusy) -> dict[str, float]:
    from typer.testing import CliRunner

    from mcctl.cli.main import create_app

    with tempfile.TemporaryDirectory(prefix="mcctl-bench-evac-") as tmp:
        state_dir = Path(tmp)
        os.environ["MCCTL_STATE_DIR"] = str(state_dir)
        runner = CliRunner()
        seeded = runner.invoke(create_app(), ["--sim", "-o", "none", "sim", "status"])
        assert seeded.exit_code == 0, seeded.output
        before = _clock_offset(state_dir)
        busy.total, busy.requests = 0.0, 0
        started = time.perf_counter()
        result = runner.invoke(create_app(), ["--sim", "-o", "json", "evacuate", region, "--yes"])
        wall = time.perf_counter() - started
        if result.exit_code != 0:
            sys.exit(f"evacuate exited {result.exit_code}: {result.output[-2000:]}")
        skipped = _clock_offset(state_dir) - before
    return {
        "wall": wall,
        "simulated": wall + skipped,
        "in_sim": busy.total,
        "overhead": wall - busy.total,
        "requests": busy.requests,
    }


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    region = sys.argv[2] if len(sys.argv) > 2 else "westeurope"
    os.environ["MCCTL_PLUGINS"] = ""
    os.environ.pop("MCCTL_SIM_LATENCY_MS", None)

    from mcctl.sim.app import Sim

    busy = SimBusy()
    Sim.handle = busy.wrap(Sim.handle, counts=True)  # type: ignore[method-assign]
    Sim.sleep = busy.wrap(Sim.sleep, counts=False)  # type: ignore[method-assign]

    def line(label: str, r: dict[str, float]) -> str:
        return (
            f"{label:<7} wall {r['wall']:6.2f} s  simulated {r['simulated'] / 60:5.1f} min  "
            f"in simulator {r['in_sim']:5.2f} s  overhead {r['overhead']:5.2f} s  ({int(r['requests'])} requests)"
        )

    print(f"mcctl --sim evacuate {region} --yes, demo estate (6 stamps), in process; {runs} runs after a first")
    first = run_once(region, busy)
    print(line("first", first), "(pays the imports)")
    results = [run_once(region, busy) for _ in range(runs)]
    for i, r in enumerate(results, 1):
        print(line(f"run {i}", r))
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    print(line("median", median))


if __name__ == "__main__":
    main()
