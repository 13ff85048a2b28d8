"""`mcctl drill run` end to end on the simulator: the standard drill's final state and report, the
approvals a non-interactive run needs, and what is refused (or only shown) before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

from mcctl.domain.drill.standard import standard_drill


def _json(result) -> dict | list:
    return json.loads(result.stdout)


def _capacities(mcctl) -> dict[str, int]:
    return {r["name"]: r["instances"] for r in _json(mcctl("--sim", "-o", "json", "stamps", "list"))}


def _origins(mcctl) -> dict[str, bool]:
    return {r["name"]: r["origin_enabled"] for r in _json(mcctl("--sim", "-o", "json", "stamps", "list"))}


def _primary(mcctl) -> str:
    return _json(mcctl("--sim", "-o", "json", "sql", "status"))["primary_region"]


def _journal(mcctl) -> list[dict]:
    return _json(mcctl("--sim", "-o", "json", "journal", "list"))


def _plan(tmp_path: Path, text: str, name: str = "drill.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _standard(mcctl, tmp_path: Path, *args: str) -> str:
    written = mcctl("--sim", "drill", "plan", "--from", "westeurope", "--to", "northeurope", "--hold", "10s", *args)
    assert written.exit_code == 0, written.stderr
    # probes every 5 simulated seconds: the SQL failover's minute still shows as refused writes
    return _plan(tmp_path, written.stdout.replace("interval: 1s", "interval: 5s"))


TWO_APPROVALS = """\
drill: 1
name: two-approvals
steps:
  - name: pre-check
    check: {sql: {ready: true}}
    on_failure: stop
  - name: start
    approval: {message: "Scale neu-1?"}
  - scale: {stamp: neu-1, capacity: 4}
  - name: more
    approval: {message: "Scale it again?"}
  - scale: {stamp: neu-1, capacity: 5}
"""


# -- 1. the standard drill, end to end ------------------------------------------------------------------
def test_the_standard_drill_passes_and_its_report_agrees_with_status(mcctl, tmp_path: Path) -> None:
    plan = _standard(mcctl, tmp_path)
    capacities = _capacities(mcctl)
    assert _primary(mcctl) == "westeurope"

    ran = mcctl("--sim", "-o", "json", "drill", "run", plan, "--yes", "--approve", "all")
    assert ran.exit_code == 0, ran.stderr
    report = _json(ran)

    # the estate: SQL primary moved, westeurope's origins drained, northeurope scaled up to carry it
    assert _primary(mcctl) == "northeurope"
    origins = _origins(mcctl)
    assert not origins["weu-1"] and not origins["weu-2"]
    assert all(origins[s] for s in ("neu-1", "neu-2", "eus2-1", "eus2-2"))
    after = _capacities(mcctl)
    assert after["neu-1"] > capacities["neu-1"] and after["neu-2"] > capacities["neu-2"]

    # the report: passed, every step with its timing, a measured RTO, no data lost
    drill = report["drill"]
    assert drill["outcome"] == "passed" and drill["simulated"] and drill["operation"]
    assert [s["status"] for s in report["steps"]] == ["succeeded"] * len(report["steps"])
    assert all(s["seconds"] is not None and s["started_at"] and s["ended_at"] for s in report["steps"])
    evacuate = next(s for s in report["steps"] if s["kind"] == "evacuate")
    assert evacuate["operation"] and evacuate["seconds"] > 60  # its SQL failover alone takes a minute
    hold = next(s for s in report["steps"] if s["name"] == "hold 10s")
    assert hold["seconds"] >= 10
    # writes were refused (read-only) while the planned SQL failover ran: that is the RTO
    assert report["rto"]["method"] == "write_probes"
    assert 0 < report["rto"]["seconds"] <= 120
    refused = [s for s in report["probes"]["samples"] if s["kind"] == "write" and not s["ok"]]
    assert refused and all("DatabaseReadOnly" in (s["error"] or "") for s in refused)
    assert report["rpo"]["writes_lost"] == 0 and report["rpo"]["seconds"] == 0 and report["rpo"]["measured"]
    assert report["rpo"]["sql_failover_mode"] == "planned"
    assert report["before"]["sql"]["primary_region"] == "westeurope"
    assert report["before"]["regions"]["westeurope"]["serving"] == 2

    # `status`, `sql status` and `frontdoor status` say what the report's `after` says
    after_state = report["after"]
    status = _json(mcctl("--sim", "-o", "json", "status"))
    assert status["status"] == after_state["status"]
    assert status["sql"]["primary_region"] == after_state["sql"]["primary_region"] == "northeurope"
    for region in status["regions"]:
        summary = after_state["regions"][region["name"]]
        assert (region["health"], region["share"], region["serving"], region["drained"]) == (
            summary["status"],
            summary["share"],
            summary["serving"],
            summary["drained"],
        )
    assert after_state["regions"]["westeurope"]["share"] == 0.0
    assert after_state["regions"]["westeurope"]["serving"] == 0
    assert _primary(mcctl) == after_state["sql"]["primary_region"]
    frontdoor = _json(mcctl("--sim", "-o", "json", "frontdoor", "status"))
    for region in frontdoor["regions"]:
        assert region["traffic_share"] == after_state["regions"][region["region"]]["share"]
    assert "westeurope" not in frontdoor["serving_regions"]

    # one drill and its one evacuation in the journal
    kinds = [op["kind"] for op in _journal(mcctl)]
    assert kinds == ["drill", "evacuate"]


def test_the_standard_plan_round_trips_through_the_cli(mcctl, tmp_path: Path) -> None:
    written = mcctl("--sim", "drill", "plan", "--from", "westeurope", "--to", "northeurope")
    assert written.exit_code == 0
    assert written.stdout == standard_drill("westeurope", "northeurope", False, forced=False, simulated=False)


# -- 3. approvals ---------------------------------------------------------------------------------------
def test_an_approval_without_approve_is_refused_before_anything_runs(mcctl, tmp_path: Path) -> None:
    plan = _plan(tmp_path, TWO_APPROVALS)
    capacities = _capacities(mcctl)

    refused = mcctl("--sim", "drill", "run", plan, "--yes", "--no-probes")
    assert refused.exit_code == 2
    errors = [line for line in refused.stderr.splitlines() if "error" in line]
    assert len(errors) == 1
    assert "--approve" in errors[0] and "step 2 (start)" in errors[0]
    assert _journal(mcctl) == []
    assert _capacities(mcctl) == capacities


def test_a_drill_with_two_approvals_and_only_one_approved_is_refused(mcctl, tmp_path: Path) -> None:
    plan = _plan(tmp_path, TWO_APPROVALS)
    capacities = _capacities(mcctl)

    for approved in ("start", "2"):
        refused = mcctl("--sim", "drill", "run", plan, "--yes", "--no-probes", "--approve", approved)
        assert refused.exit_code == 2, refused.stdout
        assert "--approve" in refused.stderr and "step 4 (more)" in refused.stderr
    refused = mcctl("--sim", "drill", "run", plan, "--yes", "--no-probes", "--approve", "more")
    assert refused.exit_code == 2 and "step 2 (start)" in refused.stderr
    assert _journal(mcctl) == []
    assert _capacities(mcctl) == capacities


def test_approve_by_name_and_by_number(mcctl, tmp_path: Path) -> None:
    plan = _plan(tmp_path, TWO_APPROVALS)

    by_name = mcctl(
        "--sim", "-o", "json", "drill", "run", plan, "--yes", "--no-probes", "--approve", "START", "--approve", "more"
    )
    assert by_name.exit_code == 0, by_name.stderr
    assert _json(by_name)["drill"]["outcome"] == "passed"
    assert _capacities(mcctl)["neu-1"] == 5

    single = _plan(
        tmp_path,
        "drill: 1\nname: one\nsteps:\n  - approval: {message: go}\n  - hold: {duration: 5s}\n"
        "  - name: third\n    approval: {}\n  - scale: {stamp: neu-2, capacity: 4}\n",
        "single.yaml",
    )
    by_number = mcctl(
        "--sim", "-o", "json", "drill", "run", single, "--yes", "--no-probes", "--approve", "1", "--approve", "3"
    )
    assert by_number.exit_code == 0, by_number.stderr
    steps = _json(by_number)["steps"]
    assert [s["status"] for s in steps] == ["succeeded"] * 4
    assert steps[2]["detail"] == "approved by --approve"
    assert _capacities(mcctl)["neu-2"] == 4


# -- 7. refused or only shown before anything runs ------------------------------------------------------
def test_a_drill_that_may_force_a_failover_needs_allow_data_loss(mcctl, tmp_path: Path) -> None:
    plan = _standard(mcctl, tmp_path, "--outage")
    capacities = _capacities(mcctl)

    refused = mcctl("--sim", "drill", "run", plan, "--yes", "--approve", "all", "--no-probes")
    assert refused.exit_code == 2
    assert "--allow-data-loss" in refused.stderr and "nothing was changed" in refused.stderr
    assert _journal(mcctl) == []
    assert _capacities(mcctl) == capacities
    assert _json(mcctl("--sim", "-o", "json", "sim", "status"))["outages"] == []


def test_dry_run_shows_the_whole_plan_with_rules_and_changes_nothing(mcctl, tmp_path: Path) -> None:
    plan = _standard(mcctl, tmp_path, "--failback")
    capacities, origins = _capacities(mcctl), _origins(mcctl)

    shown = mcctl("--sim", "drill", "run", plan, "--dry-run")
    assert shown.exit_code == 0, shown.stderr
    text = shown.stdout + shown.stderr
    for step in ("pre-check northeurope healthy", "evacuate westeurope", "hold 10s", "reinstate westeurope"):
        assert step in text
    assert "min_serving_regions" in text  # the evacuation's rule results, judged now

    as_json = mcctl("--sim", "-o", "json", "drill", "run", plan, "--dry-run")
    assert as_json.exit_code == 0, as_json.stderr
    assert '"min_serving_regions"' in as_json.stdout

    assert _journal(mcctl) == []
    assert _capacities(mcctl) == capacities and _origins(mcctl) == origins
    assert _primary(mcctl) == "westeurope"


def test_pace_is_for_the_simulator_only(mcctl, tmp_path: Path) -> None:
    plan = _plan(tmp_path, TWO_APPROVALS)
    refused = mcctl("drill", "run", plan, "--pace", "60", "--yes", "--approve", "all")
    assert refused.exit_code == 2
    assert "--pace" in refused.stderr
    bad = mcctl("--sim", "drill", "run", plan, "--pace", "0", "--yes", "--approve", "all")
    assert bad.exit_code == 2 and "--pace" in bad.stderr
    assert _journal(mcctl) == []


def test_an_approve_that_names_no_approval_step_is_refused(mcctl, tmp_path: Path) -> None:
    plan = _standard(mcctl, tmp_path)
    for wrong in ("99", "nosuch", "1"):  # step 1 is a check, not an approval
        refused = mcctl("--sim", "drill", "run", plan, "--yes", "--approve", wrong, "--no-probes")
        assert refused.exit_code == 2, refused.stderr
        assert (
            f"--approve: '{wrong}' is no approval step of this drill (its approval steps: 3 (start))" in refused.stderr
        )
    assert _journal(mcctl) == []


def test_a_fault_on_a_dependency_the_simulator_does_not_play_is_a_plan_error(mcctl, tmp_path: Path) -> None:
    plan = _plan(
        tmp_path,
        "drill: 1\nname: dep\nprobes: {write: false}\n"
        "steps:\n  - hold: 10s\n  - fault: {dependency: sql, mode: down}\n",
    )

    refused = mcctl("--sim", "drill", "run", plan, "--yes")

    assert refused.exit_code == 2, refused.stderr
    lines = [line for line in refused.stderr.splitlines() if "steps[1].fault.dependency" in line]
    assert len(lines) == 1 and "plays no shared dependency 'sql'" in lines[0]  # said once, naming the field
    assert "fault: {outage: REGION}" in lines[0]
    assert _journal(mcctl) == []
