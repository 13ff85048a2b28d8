"""`mcctl sim status` shows the clock every process computes from the state: while a server runs
simulated time faster (`sim serve --speed N`), the offset includes what the speed gained since its
last renewal (so it agrees with `simulated_time`), and the speed is shown."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path

import pytest

SPEED = 60.0
RUNNING_FOR = 100.0  # wall seconds the (pretend) server has kept its speed since its last renewal


def _state_file() -> Path:
    return Path(os.environ["MCCTL_STATE_DIR"]) / "sim" / "demo.json"


def _status(mcctl) -> dict:
    result = mcctl("-o", "json", "sim", "status")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _served_at_speed(mcctl) -> float:
    """The state as a server at SPEED leaves it between two renewals; returns the offset it saved."""
    assert mcctl("sim", "advance", "90").exit_code == 0
    state = json.loads(_state_file().read_text())
    wall = time.time()
    state["clock_speed"] = {"factor": SPEED, "since": wall - RUNNING_FOR, "until": wall + 3600, "owner": "test"}
    _state_file().write_text(json.dumps(state))
    return float(state["clock_offset"])


def _simulated(status: dict) -> float:
    return datetime.fromisoformat(status["simulated_time"].replace("Z", "+00:00")).timestamp()


def test_the_offset_includes_what_a_running_speed_gained(mcctl) -> None:
    saved = _served_at_speed(mcctl)
    before = time.time()
    status = _status(mcctl)
    after = time.time()

    gained = (SPEED - 1) * RUNNING_FOR
    offset = status["clock_offset_seconds"]
    assert offset == pytest.approx(saved + gained, abs=(SPEED - 1) * (after - before) + 1)
    # the offset and the simulated time tell the same story
    assert before + offset - 1 <= _simulated(status) <= after + offset + SPEED * (after - before) + 1
    assert status["speed"] == SPEED


def test_the_table_shows_the_effective_offset_and_the_speed(mcctl) -> None:
    saved = _served_at_speed(mcctl)
    result = mcctl("sim", "status")
    assert result.exit_code == 0, result.output
    shown = float(result.stdout.split("(clock ")[1].split("s)")[0])
    assert shown >= saved + (SPEED - 1) * RUNNING_FOR - 1
    assert "60x the wall clock" in result.stdout


def test_at_wall_speed_the_offset_is_the_saved_one_and_no_speed_line(mcctl) -> None:
    assert mcctl("sim", "advance", "90").exit_code == 0
    status = _status(mcctl)
    assert (status["clock_offset_seconds"], status["speed"]) == (90, 1.0)
    assert "wall clock" not in mcctl("sim", "status").stdout
