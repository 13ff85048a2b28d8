"""Review defect 10: `sim reset` puts the simulated estate back to its start, and its simulated
journal and lock start afresh too (the old ones are moved aside, not deleted)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcctl.ops.journal import Journal
from mcctl.ops.lease_hold import local_lock_path


def _json(mcctl, *args: str) -> Any:
    result = mcctl("--sim", "-o", "json", *args)
    assert result.exit_code in (0, 10), f"{args}: exit {result.exit_code}: {result.stderr}"
    return json.loads(result.stdout)


def _instances(mcctl) -> dict[str, int]:
    return {r["name"]: r["instances"] for r in _json(mcctl, "stamps", "list")}


def test_an_old_evacuation_does_not_act_on_the_reset_estate(mcctl) -> None:
    start = _instances(mcctl)
    assert mcctl("--sim", "sim", "outage", "start", "eastus2").exit_code == 0
    assert mcctl("--sim", "evacuate", "eastus2", "--yes").exit_code == 0  # never reinstated
    old = Journal.for_estate("demo", simulated=True).operations()
    assert old

    reset = mcctl("--sim", "sim", "reset")
    assert reset.exit_code == 0, reset.stderr
    journal = Journal.for_estate("demo", simulated=True)
    assert journal.operations() == []  # a new journal, empty
    aside = [Path(p) for p in reset.stderr.split() if ".reset-" in p]
    assert len(aside) == 1 and aside[0].parent == journal.path.parent and aside[0].name.startswith("sim-demo.jsonl.")
    assert [op.id for op in Journal(aside[0]).operations()] == [op.id for op in old]  # kept, readable
    status = _json(mcctl, "status")
    assert status["operations"] == [] and _json(mcctl, "journal", "list") == []

    assert mcctl("--sim", "evacuate", "eastus2", "--yes").exit_code == 0
    assert mcctl("--sim", "reinstate", "eastus2", "--yes").exit_code == 0
    assert _instances(mcctl) == start  # northeurope back at 3 per stamp, not the first run's 1
    health = mcctl("--sim", "health", "--check")
    assert health.exit_code == 0, health.stdout


def test_reset_moves_the_simulated_local_lock_and_hold_aside(mcctl, tmp_path: Path) -> None:
    lock = local_lock_path("demo", simulated=True)
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text('{"actor": "someone"}')
    lock.with_suffix(".held.json").write_text("{}")
    real = local_lock_path("demo", simulated=False)
    real.write_text('{"actor": "real"}')

    reset = mcctl("--sim", "sim", "reset")
    assert reset.exit_code == 0, reset.stderr
    assert not lock.exists() and not lock.with_suffix(".held.json").exists()
    assert real.read_text() == '{"actor": "real"}'  # the real estate's lock is not the simulator's
    moved = sorted(p.name for p in lock.parent.iterdir() if ".reset-" in p.name)
    assert [n.split(".reset-")[0] for n in moved] == ["sim-demo.held.json", "sim-demo.lock"]
    assert "simulated lock file moved aside to" in reset.stderr


def test_reset_without_a_journal_says_nothing_about_one(mcctl) -> None:
    reset = mcctl("--sim", "sim", "reset")
    assert reset.exit_code == 0 and "moved aside" not in reset.stderr
    assert not Journal.for_estate("demo", simulated=True).path.exists()
