"""A `mcctl shift` process SIGKILLed mid-run (after the first step group, in the wait before the
second): `resume` completes it, gated like the first run, and `rollback` puts the start back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FIXTURE = str(Path(__file__).parents[1] / "fixtures" / "estate-bluegreen.yaml")
SHIFT = ("shift", "--from", "weu-1", "--to", "weu-3", "--steps", "10,50,100", "--interval", "1m", "--yes")
# header, then intent and outcome of both steps of group 0: killed before the gate's group 1 starts
KILL_AFTER = 5


def _run(mcctl, *args: str):
    return mcctl("--sim", "--estate", FIXTURE, *args)


def _origins(mcctl) -> dict[str, tuple[bool, int | None]]:
    rows = json.loads(_run(mcctl, "-o", "json", "frontdoor", "status").stdout)["origins"]
    return {r["stamp"]: (r["enabled"], r["weight"]) for r in rows if r["stamp"] in ("weu-1", "weu-3")}


def test_kill_9_mid_shift_then_resume_and_rollback(mcctl) -> None:
    assert _run(mcctl, "frontdoor", "drain", "--stamp", "weu-3", "--yes").exit_code == 0
    start = _origins(mcctl)
    assert start == {"weu-1": (True, 1000), "weu-3": (False, 1000)}

    env = {k: v for k, v in os.environ.items() if k != "MCCTL_ACCESS_TOKEN"}
    env["MCCTL_SIM_KILL_AFTER_RECORDS"] = str(KILL_AFTER)
    killed = subprocess.run(
        [sys.executable, "-m", "mcctl", "--sim", "--estate", FIXTURE, *SHIFT],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr  # SIGKILL: no cleanup, no end record (between steps: incomplete)
    op = json.loads(_run(mcctl, "-o", "json", "journal", "list").stdout)[-1]
    assert (op["kind"], op["status"], op["steps"]) == ("shift", "incomplete", "2/7")
    assert _origins(mcctl) == {"weu-1": (True, 900), "weu-3": (True, 100)}  # the first step landed

    resumed = _run(mcctl, "resume", op["id"], "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    # gated like the first run: its settings are read from the journaled plan (before the last group)
    assert "shift gate before step group 3 of 4: passed" in resumed.stderr
    assert _origins(mcctl) == {"weu-1": (False, 500), "weu-3": (True, 1000)}
    assert json.loads(_run(mcctl, "-o", "json", "journal", "show", op["id"]).stdout)["status"] == "succeeded"

    rolled = _run(mcctl, "rollback", op["id"], "--yes")
    assert rolled.exit_code == 0, rolled.stderr
    assert _origins(mcctl) == start
