"""Ctrl-C in the middle of a drill pauses it safely: the drill and the child operation it was running
are journaled as interrupted, the lease is released, the way on is printed (exit 130), and `drill
resume` finishes it — also when the interrupted step was one of a parallel group's, each running its
child operation in a thread of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PARALLEL_PLAN = """\
drill: 1
name: parallel-scale
probes: {write: false}
steps:
  - parallel:
      - scale: {stamp: neu-1, capacity: 5}
      - scale: {stamp: eus2-1, capacity: 5}
  - hold: 30s
"""

SERIAL_PLAN = """\
drill: 1
name: serial-evacuate
probes: {write: false}
steps:
  - evacuate: {region: westeurope, to: northeurope, sql: planned}
  - hold: 30s
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcctl", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=180,
        check=False,
    )


def _json(result: subprocess.CompletedProcess[str]) -> object:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _operations() -> list[dict]:
    listed = _json(_run("--sim", "-o", "json", "journal", "list", "--limit", "100"))
    assert isinstance(listed, list)
    return listed


@pytest.mark.parametrize(
    ("plan", "path", "children"),
    [(SERIAL_PLAN, "serverfarms/asp-mc-neu-1", {"evacuate"}), (PARALLEL_PLAN, "serverfarms/asp-mc-neu-1", {"scale"})],
    ids=["serial", "parallel"],
)
def test_ctrl_c_pauses_the_drill_then_resume_finishes_it(tmp_path: Path, plan: str, path: str, children: set) -> None:
    file = tmp_path / "drill.yaml"
    file.write_text(plan)
    assert _run("sim", "fault", "add", "signal", "--signal", "INT", "--method", "PUT", "--path", path).returncode == 0

    paused = _run("--sim", "drill", "run", str(file), "--yes")

    assert paused.returncode == 130, paused.stderr
    assert "Traceback" not in paused.stderr
    drill = next(op for op in _operations() if op["kind"] == "drill")
    assert drill["status"] == "interrupted"
    assert f"`mcctl drill resume {drill['id']}` continues it" in paused.stderr
    kids = [op for op in _operations() if op["kind"] in children]
    # each child stopped where it was at its next poll, or had just finished: never left running
    assert kids and {op["status"] for op in kids} <= {"interrupted", "succeeded"}
    assert _json(_run("--sim", "-o", "json", "lock", "status"))["state"] == "available"  # type: ignore[index]

    resumed = _run("--sim", "-o", "json", "drill", "resume", drill["id"], "--yes")

    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["drill"]["outcome"] == "passed"
    again = [op for op in _operations() if op["kind"] in children]
    assert len(again) == len(kids)  # resumed, not made again
    capacities = {row["name"]: row["instances"] for row in _json(_run("--sim", "-o", "json", "stamps", "list"))}  # type: ignore[union-attr]
    assert capacities["neu-1"] >= 5
