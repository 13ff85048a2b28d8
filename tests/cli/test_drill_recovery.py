"""When a drill goes wrong: a failing gate rolls it back (exit 9) or leaves it (on_failure: stop, exit
7); a failing pre-check changed nothing; a drill killed with SIGKILL mid-step is resumed without
making its evacuation twice and rolled back to where it started; a rollback that leaves the estate
unhealthy exits 11."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EVACUATE = """\
drill: 1
name: {name}
from: westeurope
to: northeurope
probes: {{interval: 5s}}
steps:
  - name: pre-check
    check: {{sql: {{ready: true}}}}
    on_failure: stop
  - name: start
    approval: {{message: "Evacuate westeurope?"}}
  - evacuate: {{region: westeurope, to: northeurope, sql: auto}}
  - name: sql in {gate}
    check: {{sql: {{primary_region: {gate}}}}}
    on_failure: {policy}
"""


def _json(result) -> dict | list:
    return json.loads(result.stdout)


def _plan(tmp_path: Path, *, gate: str = "northeurope", policy: str = "rollback", name: str = "drill") -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(EVACUATE.format(name=name, gate=gate, policy=policy))
    return str(path)


def _estate(mcctl) -> dict:
    """What a drill changes: capacities, origins (enabled, weight), the SQL primary."""
    stamps = _json(mcctl("--sim", "-o", "json", "stamps", "list"))
    return {
        "stamps": {s["name"]: (s["instances"], s["origin_enabled"], s["origin_weight"]) for s in stamps},
        "primary": _json(mcctl("--sim", "-o", "json", "sql", "status"))["primary_region"],
    }


def _journal(mcctl) -> list[dict]:
    return _json(mcctl("--sim", "-o", "json", "journal", "list"))


def _show(mcctl, op: str) -> dict:
    shown = mcctl("--sim", "-o", "json", "journal", "show", op)
    assert shown.exit_code == 0, shown.stderr
    return _json(shown)


def _children(mcctl, drill: str) -> list[dict]:
    """The operations whose journal header tags them as the drill's (`drill: {operation, step, role}`)."""
    found = []
    for op in _journal(mcctl):
        tag = _show(mcctl, op["id"])["records"][0].get("drill")  # the operation's header
        if isinstance(tag, dict) and tag.get("operation") == drill:
            found.append({**op, "tag": tag})
    return found


# -- 2. a failing gate -----------------------------------------------------------------------------------
def test_a_failing_gate_rolls_the_drill_back_to_where_it_started(mcctl, tmp_path: Path) -> None:
    start = _estate(mcctl)
    ran = mcctl(
        "--sim",
        "-o",
        "json",
        "drill",
        "run",
        _plan(tmp_path, gate="eastus2"),
        "--yes",
        "--approve",
        "all",
        "--no-probes",
    )
    assert ran.exit_code == 9, ran.stderr
    assert "rolled back cleanly" in ran.stderr
    report = _json(ran)
    assert report["drill"]["outcome"] == "rolled_back"
    assert report["steps"][2]["status"] == "succeeded" and report["steps"][3]["status"] == "failed"
    assert "wanted eastus2" in report["steps"][3]["error"]
    assert report["rollback"]["status"] == "succeeded" and report["rollback"]["healthy_after"] is True

    assert _estate(mcctl) == start
    drill = report["drill"]["operation"]
    rollbacks = [op for op in _journal(mcctl) if op["kind"] == "rollback:drill"]
    assert len(rollbacks) == 1 and rollbacks[0]["parent"] == drill and rollbacks[0]["status"] == "succeeded"
    assert rollbacks[0]["id"] == report["rollback"]["operation"]
    # the evacuation (the drill's one child) was undone by a rollback of it, made for the drill's rollback
    (evacuation,) = _children(mcctl, drill)
    assert evacuation["kind"] == "evacuate" and evacuation["tag"] == {"operation": drill, "step": 2, "role": "step"}
    (undo,) = [op for op in _journal(mcctl) if op["parent"] == evacuation["id"]]
    assert undo["kind"] == "rollback:evacuate" and undo["status"] == "succeeded"
    assert _children(mcctl, rollbacks[0]["id"])[0]["tag"]["role"] == "rollback"


def test_on_failure_stop_leaves_the_estate_as_the_drill_left_it(mcctl, tmp_path: Path) -> None:
    start = _estate(mcctl)
    plan = _plan(tmp_path, gate="eastus2", policy="stop")
    ran = mcctl("--sim", "-o", "json", "drill", "run", plan, "--yes", "--approve", "all", "--no-probes")
    assert ran.exit_code == 7, ran.stderr
    report = _json(ran)
    assert report["drill"]["outcome"] == "failed" and report["rollback"] is None
    assert "drill rollback" in ran.stderr

    now = _estate(mcctl)
    assert now != start and now["primary"] == "northeurope"
    assert not now["stamps"]["weu-1"][1] and not now["stamps"]["weu-2"][1]
    assert not [op for op in _journal(mcctl) if op["kind"] == "rollback:drill"]


def test_a_failing_pre_check_changed_nothing(mcctl, tmp_path: Path) -> None:
    start = _estate(mcctl)
    plan = tmp_path / "pre.yaml"
    plan.write_text(
        "drill: 1\nname: pre\nsteps:\n  - name: pre-check\n    check: {sql: {primary_region: eastus2}}\n"
        "    on_failure: rollback\n  - evacuate: {region: westeurope, sql: auto}\n"
    )
    ran = mcctl("--sim", "-o", "json", "drill", "run", str(plan), "--yes", "--no-probes")
    assert ran.exit_code == 9, ran.stderr
    assert "nothing had been changed" in ran.stderr
    report = _json(ran)
    assert [s["status"] for s in report["steps"]] == ["failed", "not_run"]
    assert _estate(mcctl) == start
    assert [op["kind"] for op in _journal(mcctl)] == ["drill"]  # no child, no rollback


# -- 4. kill -9 mid-step, resume, rollback --------------------------------------------------------------
def _killed_drill(mcctl, plan: str, method: str, path: str) -> str:
    armed = mcctl("sim", "fault", "add", "crash", "--method", method, "--path", path)
    assert armed.exit_code == 0, armed.stderr
    killed = subprocess.run(
        [sys.executable, "-m", "mcctl", "--sim", "drill", "run", plan, "--yes", "--approve", "all"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=300,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr  # SIGKILL: no cleanup, no outcome record
    drills = [op for op in _journal(mcctl) if op["kind"] == "drill"]
    assert len(drills) == 1 and drills[0]["status"] == "interrupted"
    return drills[0]["id"]


def test_kill_9_mid_evacuation_then_resume_completes_and_rollback_restores(mcctl, tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    start = _estate(mcctl)
    drill = _killed_drill(mcctl, plan, "PUT", "/serverfarms/asp-mc-neu-1")  # the evacuation's scale-up of neu-1

    (child,) = _children(mcctl, drill)
    assert child["kind"] == "evacuate" and child["status"] == "interrupted" and child["tag"]["step"] == 2
    assert _show(mcctl, drill)["in_flight"] == [2]
    interrupted = _json(mcctl("--sim", "-o", "json", "drill", "report", drill, "--format", "json"))
    assert interrupted["drill"]["outcome"] == "interrupted"
    assert interrupted["steps"][2]["status"] == "interrupted"

    # the dead drill's lease is still held: a second operator's change is refused
    other = mcctl("--sim", "scale", "weu-1", "--instances", "4", "--yes")
    assert other.exit_code == 8, other.stderr
    assert f"mcctl --sim drill resume {drill}` takes its lease over" in other.stderr  # the hint that works
    # `status` lists the paused drill with the commands that work for it
    opened = {op["id"]: op for op in _json(mcctl("--sim", "-o", "json", "status"))["operations"]}
    assert opened[drill]["resume"] == f"mcctl drill resume {drill}"
    assert opened[drill]["rollback"] == f"mcctl drill rollback {drill}"
    # and the generic commands send the operator to `drill resume|rollback`
    for verb in ("resume", "rollback"):
        generic = mcctl("--sim", verb, drill, "--yes")
        assert generic.exit_code == 2
        assert f"mcctl drill {verb} {drill}" in generic.stderr
    assert _estate(mcctl)["stamps"]["weu-1"][0] == start["stamps"]["weu-1"][0]

    resumed = mcctl("--sim", "-o", "json", "drill", "resume", drill, "--yes", "--approve", "all")
    assert resumed.exit_code == 0, resumed.stderr
    report = _json(resumed)
    assert report["drill"]["outcome"] == "passed"
    assert [s["status"] for s in report["steps"]] == ["succeeded"] * 4
    assert report["steps"][2]["operation"] == child["id"]  # the same evacuation, resumed
    steps = [c for c in _children(mcctl, drill) if c["tag"]["role"] == "step"]
    assert [c["id"] for c in steps] == [child["id"]] and steps[0]["status"] == "succeeded"
    assert [op["kind"] for op in _journal(mcctl)].count("evacuate") == 1
    evacuated = _estate(mcctl)
    assert evacuated["primary"] == "northeurope"
    assert evacuated["stamps"]["neu-1"][0] > start["stamps"]["neu-1"][0]
    # the state before the drill was kept although the drill was killed before it ended
    assert report["before"]["sql"]["primary_region"] == "westeurope"

    rolled = mcctl("--sim", "-o", "json", "drill", "rollback", drill, "--yes")
    assert rolled.exit_code == 0, rolled.stderr
    assert _json(rolled)["rollback"]["healthy_after"] is True
    assert _estate(mcctl) == start

    again = mcctl("--sim", "drill", "rollback", drill, "--yes")  # nothing left to put back
    assert again.exit_code == 0, again.stderr
    assert "already rolled back" in again.stderr
    assert _estate(mcctl) == start


def test_kill_9_while_draining_an_origin_then_rollback_without_resume(mcctl, tmp_path: Path) -> None:
    plan = _plan(tmp_path, name="drain")
    start = _estate(mcctl)
    drill = _killed_drill(mcctl, plan, "PATCH", "/origins/origin-weu-1")

    (child,) = _children(mcctl, drill)
    assert child["status"] == "interrupted"
    assert _estate(mcctl)["primary"] == "northeurope"  # the SQL failover ran before the origins

    rolled = mcctl("--sim", "drill", "rollback", drill, "--yes")
    assert rolled.exit_code == 0, rolled.stderr
    assert _estate(mcctl) == start
    report = _json(mcctl("--sim", "-o", "json", "drill", "report", drill, "-f", "json"))
    assert report["drill"]["outcome"] == "rolled_back"  # cut short, then put back: not "resumable" any more
    assert report["rollback"]["status"] == "succeeded" and report["rollback"]["healthy_after"] is True
    assert report["after"]["sql"]["primary_region"] == start["primary"]  # the state once put back
    # a second rollback has nothing to do and changes nothing of what the first one recorded
    again = mcctl("--sim", "drill", "rollback", drill, "--yes")
    assert again.exit_code == 0 and "already rolled back" in again.stderr
    assert _json(mcctl("--sim", "-o", "json", "drill", "report", drill, "-f", "json"))["rollback"] == report["rollback"]


# -- 8. a rollback that leaves the estate unhealthy ------------------------------------------------------
def test_a_rollback_that_leaves_the_estate_unhealthy_exits_11(mcctl, tmp_path: Path) -> None:
    ran = mcctl("--sim", "drill", "run", _plan(tmp_path), "--yes", "--approve", "all", "--no-probes")
    assert ran.exit_code == 0, ran.stderr
    drill = _journal(mcctl)[0]["id"]

    failed = mcctl("sim", "stamp", "fail", "weu-1")
    assert failed.exit_code == 0, failed.stderr
    rolled = mcctl("--sim", "-o", "json", "drill", "rollback", drill, "--yes")
    assert rolled.exit_code == 11, rolled.stderr
    assert "not healthy" in rolled.stderr
    report = _json(rolled)
    assert report["rollback"]["status"] == "succeeded" and report["rollback"]["healthy_after"] is False
    assert report["drill"]["outcome"] == "passed"  # the drill itself passed; its rollback is what failed
    assert _estate(mcctl)["primary"] == "westeurope"  # the rollback itself ran


def test_a_rolled_back_drill_keeps_its_probes_and_the_state_after_the_rollback(mcctl, tmp_path: Path) -> None:
    """Everything the drill's rollback did is the drill's: its probes (read-backs included) go to the
    drill's folder, not the rollback operation's, and `after` is the estate once put back."""
    start = _estate(mcctl)

    ran = mcctl("--sim", "-o", "json", "drill", "run", _plan(tmp_path, gate="eastus2"), "--yes", "--approve", "all")

    assert ran.exit_code == 9, ran.stderr
    report = _json(ran)
    drill = report["drill"]["operation"]
    folders = sorted(p.name for p in (Path(os.environ["MCCTL_STATE_DIR"]) / "journal" / "drills").iterdir())
    assert folders == [drill]
    assert report["after"]["sql"]["primary_region"] == start["primary"] == "westeurope"
    assert report["probes"]["counts"]["readback"]["ok"] == report["probes"]["counts"]["write"]["ok"] > 0
    last_probe = max(s["t"] for s in report["probes"]["samples"] if s["kind"] == "read")
    rollback_step = report["steps"][3]  # the failed check; the rollback ran after it
    assert last_probe > rollback_step["end_offset_seconds"] + 60  # probed through the rollback too
    assert report["rpo"]["measured"] is True and report["rpo"]["writes_lost"] == 0


def test_an_automatic_rollback_that_leaves_the_estate_unhealthy_exits_11(mcctl, tmp_path: Path) -> None:
    plan = tmp_path / "drill.yaml"
    plan.write_text(
        "drill: 1\nname: scale-then-fail\nprobes: {write: false}\nsteps:\n"
        "  - scale: {stamp: neu-1, capacity: 5}\n"
        "  - check: {sql: {primary_region: eastus2}}\n"
    )
    assert mcctl("sim", "stamp", "fail", "eus2-1").exit_code == 0  # broken before the drill, and after

    ran = mcctl("--sim", "-o", "json", "drill", "run", str(plan), "--yes", "--no-probes")

    assert ran.exit_code == 11, ran.stderr
    assert "was rolled back, but the estate is not healthy" in ran.stderr
    report = _json(ran)
    assert report["drill"]["outcome"] == "failed"
    assert report["rollback"]["status"] == "succeeded" and report["rollback"]["healthy_after"] is False
    assert _estate(mcctl)["stamps"]["neu-1"][0] == 3  # put back all the same
