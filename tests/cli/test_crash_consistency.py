"""A process killed between a step's intent and its outcome leaves a journal that `resume`
completes and `rollback` reverses — with the simulator's state checked after each."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mcctl.adapters import web


def _capacities(mcctl) -> dict[str, int]:
    rows = json.loads(mcctl("--sim", "-o", "json", "stamps", "list").stdout)
    return {r["name"]: r["instances"] for r in rows}


def _show(mcctl, op: str) -> dict:
    result = mcctl("--sim", "-o", "json", "journal", "show", op)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


class _Crash(BaseException):
    """Not an Exception: nothing in mcctl may catch it, like a process dying."""


def test_injected_crash_after_the_request_then_resume_and_rollback(mcctl, monkeypatch) -> None:
    real = web.set_plan_capacity

    def submit_then_die(session, stamp, capacity, options):
        real(session, stamp, capacity, type(options)(wait=False))
        raise _Crash

    monkeypatch.setattr(web, "set_plan_capacity", submit_then_die)
    with pytest.raises(_Crash):
        mcctl("--sim", "scale", "weu-2", "--instances", "5", "--yes")
    monkeypatch.setattr(web, "set_plan_capacity", real)

    op = json.loads(mcctl("--sim", "-o", "json", "journal", "list").stdout)[-1]
    assert op["status"] == "interrupted" and op["steps"] == "0/1"
    assert _show(mcctl, op["id"])["in_flight"] == [0]
    assert _capacities(mcctl)["weu-2"] == 3  # the scale is still running in "Azure"

    resumed = mcctl("--sim", "-o", "json", "resume", op["id"], "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    assert json.loads(resumed.stdout)["plan"]["steps"][0]["status"] == "succeeded"
    assert _capacities(mcctl)["weu-2"] == 5
    assert _show(mcctl, op["id"])["status"] == "succeeded"

    rolled = mcctl("--sim", "rollback", op["id"], "--yes")
    assert rolled.exit_code == 0, rolled.stderr
    assert _capacities(mcctl)["weu-2"] == 3


def test_kill_9_mid_step_then_resume_and_rollback(mcctl) -> None:
    armed = mcctl("sim", "fault", "add", "crash", "--method", "PUT", "--path", "/serverfarms/asp-mc-neu-1")
    assert armed.exit_code == 0, armed.stderr
    killed = subprocess.run(
        [sys.executable, "-m", "mcctl", "--sim", "scale", "--region", "northeurope", "--instances", "6", "--yes"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr  # SIGKILL: no cleanup, no outcome record

    op = json.loads(mcctl("--sim", "-o", "json", "journal", "list").stdout)[-1]
    assert op["status"] == "interrupted"
    shown = _show(mcctl, op["id"])
    assert 0 in shown["in_flight"]  # neu-1's intent was written, its outcome never was

    # the dead process still holds the operator lease; resuming its own operation on the same machine
    # takes it over at once (another operation would still be refused with exit 8)
    other = mcctl("--sim", "scale", "weu-1", "--instances", "4", "--yes")
    assert other.exit_code == 8 and "lock break --reason" in other.stderr
    resumed = mcctl("--sim", "resume", op["id"], "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    assert {k: v for k, v in _capacities(mcctl).items() if k.startswith("neu")} == {"neu-1": 6, "neu-2": 6}

    rolled = mcctl("--sim", "rollback", op["id"], "--yes")
    assert rolled.exit_code == 0, rolled.stderr
    assert {k: v for k, v in _capacities(mcctl).items() if k.startswith("neu")} == {"neu-1": 3, "neu-2": 3}
