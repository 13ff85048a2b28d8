"""Review defect 11: `rollback OP` of a gradual drain shows rows that say they undo each step."""

from __future__ import annotations

import json


def test_rollback_rows_of_a_gradual_drain_say_undo(mcctl) -> None:
    drained = mcctl("--sim", "frontdoor", "drain", "westeurope", "--steps", "50,100", "--interval", "1m", "--yes")
    assert drained.exit_code == 0, drained.stderr
    rolled = mcctl("--sim", "-o", "json", "rollback", "latest", "--yes")
    assert rolled.exit_code == 0, rolled.stderr
    steps = json.loads(rolled.stdout)["plan"]["steps"]
    raised = [s for s in steps if s["change"].startswith("weight: 500 → 1000")]
    assert raised and all(s["target"].endswith("(undo -50% of weight)") for s in raised), steps
    assert "(-50% of weight): " not in rolled.stderr  # the progress rows (plain lines off a terminal)
    assert "(undo -50% of weight): succeeded" in rolled.stderr
