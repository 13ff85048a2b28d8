"""`mcctl evacuate REGION` on the persisted simulator: one journaled operation that scales the
survivors, moves the SQL primary out, drains the region and checks the edge; its refusals; and a
run killed between phases, then resumed or rolled back."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.reliability import harness as h

EUS2 = ("eus2-1", "eus2-2")
WEU = ("weu-1", "weu-2")


def _json(mcctl, *args: str) -> Any:
    result = mcctl("--sim", "-o", "json", *args)
    assert result.exit_code == 0, f"{args}: exit {result.exit_code}: {result.stderr}"
    return json.loads(result.stdout)


def _stamps(mcctl) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in _json(mcctl, "stamps", "list")}


def _instances(mcctl) -> dict[str, int]:
    return {name: row["instances"] for name, row in _stamps(mcctl).items()}


def _primary(mcctl) -> str:
    return str(_json(mcctl, "sql", "status")["primary_region"])


def _operations(mcctl) -> list[dict[str, Any]]:
    return list(_json(mcctl, "journal", "list"))


def _records(mcctl, op: str) -> list[dict[str, Any]]:
    return list(_json(mcctl, "journal", "show", op)["records"])


def _step_kinds(mcctl, op: str) -> list[str]:
    """The kinds of the operation's steps in the order their intents were journaled."""
    records = _records(mcctl, op)
    steps = next(r for r in records if r["type"] == "operation")["plan"]["steps"]
    return [steps[r["step"]]["kind"] for r in records if r["type"] == "intent"]


# -- done when: a healthy secondary region, the SQL primary's region ---------------------------------
def test_evacuate_a_healthy_secondary_region_scales_drains_and_verifies_at_the_edge(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "evacuate", "eastus2", "--yes")

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "applied"
    assert data["summary"] == "evacuate eastus2: scale 4 stamps, drain 2 origins in 2 steps"
    rows = _stamps(mcctl)
    assert [(rows[s]["origin_enabled"], rows[s]["serving"]) for s in EUS2] == [(False, False)] * 2
    assert {n: rows[n]["instances"] for n in ("weu-1", "weu-2", "neu-1", "neu-2")} == {
        "weu-1": 5,
        "weu-2": 5,
        "neu-1": 4,
        "neu-2": 4,
    }
    assert _step_kinds(mcctl, data["operation"]) == ["scale_plan"] * 4 + ["set_origin"] * 4
    events = [r["event"] for r in _records(mcctl, data["operation"]) if r["type"] == "event"]
    assert events == ["edge-verified"]
    assert "none from eus2-1, eus2-2" in result.stderr
    assert "final health: estate demo" in result.stderr
    assert mcctl("--sim", "frontdoor", "verify", "eastus2").exit_code == 0


def test_evacuate_the_sql_primary_region_fails_over_planned_in_the_middle(mcctl) -> None:
    assert _primary(mcctl) == "westeurope"

    result = mcctl("--sim", "-o", "json", "evacuate", "westeurope", "--yes", "--steps", "100", "--interval", "30s")

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (
        data["summary"]
        == "evacuate westeurope: scale 4 stamps, fail SQL over westeurope → northeurope, drain 2 origins"
    )
    assert _primary(mcctl) == "northeurope"
    assert _step_kinds(mcctl, data["operation"]) == ["scale_plan"] * 4 + ["sql_failover"] + ["set_origin"] * 2
    assert [_stamps(mcctl)[s]["serving"] for s in WEU] == [False, False]
    header = next(r for r in _records(mcctl, data["operation"]) if r["type"] == "operation")
    assert header["kind"] == "evacuate" and (header["plan"]["gate"], header["plan"]["interval"]) == ("health", 30)
    failover = header["plan"]["steps"][4]
    assert failover["params"]["mode"] == "planned"


def test_dry_run_shows_the_whole_plan_and_the_rules_and_changes_nothing(mcctl) -> None:
    start = _stamps(mcctl)

    shown = _json(mcctl, "evacuate", "westeurope", "--dry-run")

    assert shown["dry_run"] is True
    assert [s["group"] for s in shown["plan"]["steps"]] == [0, 0, 0, 0, 1, 2, 2, 3, 3]
    assert {r["rule"]: r["passed"] for r in shown["rules"]}.items() >= {
        ("survivors_can_carry", True),
        ("survivors_healthy", True),
        ("sql_links_ready", True),
        ("sql_failover_target_serving", True),
    }
    assert len(shown["plan"]["traffic"]) == 4 and shown["plan"]["traffic"][-1]["westeurope"] == 0.0
    assert any("rollback undoes it last first" in n for n in shown["plan"]["notes"])
    assert any(n.startswith("pre-flight: the operator lease is free") for n in shown["plan"]["notes"])
    assert _stamps(mcctl) == start and _operations(mcctl) == []


# -- capacity: a region already drained by hand, survivors that cannot carry -------------------------
def test_a_region_drained_by_hand_is_carried_from_its_plans_and_the_note_names_the_drain(mcctl) -> None:
    drained = _json(mcctl, "frontdoor", "drain", "eastus2", "--yes")
    assert [_stamps(mcctl)[s]["serving"] for s in EUS2] == [False, False]

    shown = _json(mcctl, "evacuate", "eastus2", "--dry-run")
    assert any(f"eastus2 serves 0 now; 6 before operation {drained['operation']}" in n for n in shown["plan"]["notes"])

    result = mcctl("--sim", "-o", "json", "evacuate", "eastus2", "--yes")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"] == "evacuate eastus2: scale 4 stamps"
    assert sum(n for s, n in _instances(mcctl).items() if s not in EUS2) == 18  # 12 + the 6 it carried


def test_survivors_that_cannot_carry_are_refused_with_the_numbers(mcctl) -> None:
    start = _instances(mcctl)

    refused = mcctl("--sim", "evacuate", "eastus2", "--factor", "10", "--yes")

    assert refused.exit_code == 5, refused.stderr
    assert "survivors_can_carry" in refused.stderr
    assert "survivors can carry 120 of the 180 instances needed" in refused.stderr
    assert _instances(mcctl) == start
    assert [_stamps(mcctl)[s]["origin_enabled"] for s in EUS2] == [True, True]


# -- the SQL primary does not answer -----------------------------------------------------------------
def test_a_primary_that_does_not_answer_is_refused_without_allow_data_loss_and_forced_with_it(mcctl) -> None:
    assert mcctl("--sim", "sim", "outage", "start", "westeurope").exit_code == 0
    start = _stamps(mcctl)

    refused = mcctl("--sim", "evacuate", "westeurope", "--yes")
    assert refused.exit_code == 5, refused.stderr
    assert "--allow-data-loss" in refused.stderr and "nothing was changed" in refused.stderr
    # refused by the rule sql_links_ready, journaled as refused like any rule refusal: nothing changed
    assert "refused by safety rule sql_links_ready" in " ".join(refused.stderr.split())
    assert _stamps(mcctl) == start and [o["status"] for o in _operations(mcctl)] == ["refused"]

    forced = mcctl("--sim", "-o", "json", "evacuate", "westeurope", "--yes", "--allow-data-loss")
    assert forced.exit_code == 0, forced.stderr
    data = json.loads(forced.stdout)
    assert "fail SQL over westeurope → northeurope (forced)" in data["summary"]
    assert _primary(mcctl) == "northeurope"
    assert [_stamps(mcctl)[s]["origin_enabled"] for s in WEU] == [False, False]


def test_a_forced_failover_is_not_confirmed_by_yes_alone_interactively(mcctl, monkeypatch) -> None:
    from mcctl.cli import mutate

    assert mcctl("--sim", "sim", "outage", "start", "westeurope").exit_code == 0
    monkeypatch.setattr(mutate, "is_interactive", lambda: True)

    typed_wrong = mcctl("--sim", "evacuate", "westeurope", "--allow-data-loss", input="nope\n")
    assert typed_wrong.exit_code == 130 and "confirmation did not match 'fg-mc-demo'" in typed_wrong.stderr
    assert _primary(mcctl) == "westeurope" and _operations(mcctl) == []


# -- refusals before anything is read or changed -----------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("mars",), "REGION: 'mars' has no stamps"),
        (("eastus2", "--split", "random"), "--split: must be proportional or even"),
        (("eastus2", "--steps", "50,90"), "--steps: the last step must be 100"),
        (("eastus2", "--factor", "0"), "--factor: must be greater than 0"),
        (("eastus2", "--no-wait"), "--no-wait: evacuate runs its phases in order"),
        (("westeurope", "--to", "westeurope"), "--to: must name another region"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(mcctl, args, message) -> None:
    result = mcctl("--sim", "evacuate", *args, "--yes")
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert _operations(mcctl) == []


def test_a_lock_held_by_someone_else_is_refused_before_planning(mcctl) -> None:
    from mcctl.ops.lease import local_lock_path

    assert mcctl("--sim", "lock", "acquire", "--reason", "maintenance").exit_code == 0
    # without the hold recorded on this machine, the lease is another operator's
    local_lock_path("demo", True).with_suffix(".held.json").unlink()

    result = mcctl("--sim", "evacuate", "eastus2", "--yes")

    assert result.exit_code == 8, result.stderr
    assert "is locked by" in result.stderr
    assert _operations(mcctl) == []


# -- killed between phases, then resumed or rolled back ---------------------------------------------
def _killed_evacuation(mcctl, records: int) -> str:
    """`evacuate westeurope` in a real process, SIGKILLed right after its `records`-th journal record."""
    run = h.run_process(
        "--sim", "evacuate", "westeurope", "--yes", env=h.subprocess_env(MCCTL_SIM_KILL_AFTER_RECORDS=str(records))
    )
    assert run.returncode == h.SIGKILLED, run.stderr
    h.assert_no_traceback(run.stderr)
    op = _operations(mcctl)[-1]
    assert op["kind"] == "evacuate" and op["status"] in ("interrupted", "incomplete"), op
    return str(op["id"])


def _use(monkeypatch, path: Path) -> None:
    monkeypatch.setenv("MCCTL_STATE_DIR", str(path))


def test_killed_after_the_scale_phase_then_resumed_it_fails_over_and_drains(mcctl) -> None:
    op = _killed_evacuation(mcctl, 9)  # header + 4 × (intent, outcome): the survivors are scaled, nothing else
    assert _primary(mcctl) == "westeurope"
    assert sum(_instances(mcctl).values()) == 24

    resumed = mcctl("--sim", "resume", op, "--yes")

    assert resumed.exit_code == 0, resumed.stderr
    assert _primary(mcctl) == "northeurope"
    assert [_stamps(mcctl)[s]["origin_enabled"] for s in WEU] == [False, False]
    assert next(o for o in _operations(mcctl) if o["id"] == op)["status"] == "succeeded"


def test_killed_mid_drain_then_resume_or_rollback_rolls_back_traffic_then_sql_then_scales_in(
    mcctl, tmp_path, monkeypatch
) -> None:
    start = _stamps(mcctl)
    # scale (9 records), failover (2), first drain group (4): weights lowered, origins still enabled
    op = _killed_evacuation(mcctl, 15)
    assert _primary(mcctl) == "northeurope"
    assert [_stamps(mcctl)[s]["origin_weight"] for s in WEU] == [500, 500]
    fork = tmp_path / "fork"
    shutil.copytree(os.environ["MCCTL_STATE_DIR"], fork)

    resumed = mcctl("--sim", "resume", op, "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    assert [_stamps(mcctl)[s]["origin_enabled"] for s in WEU] == [False, False]

    _use(monkeypatch, fork)
    rolled = mcctl("--sim", "-o", "json", "rollback", op, "--yes")
    assert rolled.exit_code == 0, rolled.stderr
    rollback = json.loads(rolled.stdout)["operation"]
    # traffic back first, then the SQL primary, and the survivors scale in last
    assert _step_kinds(mcctl, rollback) == ["set_origin"] * 2 + ["sql_failover"] + ["scale_plan"] * 4
    assert _primary(mcctl) == "westeurope"
    assert _stamps(mcctl) == start
