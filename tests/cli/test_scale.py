"""`mcctl scale` through the safe-mutation flow: plan, rules, confirmation, apply, journal, rollback."""

from __future__ import annotations

import json

import pytest
import yaml

from mcctl.config.loader import demo_source


def _instances(mcctl) -> dict[str, int]:
    result = mcctl("--sim", "-o", "json", "stamps", "list")
    assert result.exit_code == 0, result.stderr
    return {r["name"]: r["instances"] for r in json.loads(result.stdout)}


def _journal(mcctl) -> list[dict]:
    return json.loads(mcctl("--sim", "-o", "json", "journal", "list").stdout)


def test_region_scale_sets_both_plans_and_rollback_restores(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "scale", "--region", "northeurope", "--instances", "6", "--yes")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "applied" and [s["status"] for s in data["plan"]["steps"]] == ["succeeded", "succeeded"]
    assert {k: v for k, v in _instances(mcctl).items() if k.startswith("neu")} == {"neu-1": 6, "neu-2": 6}
    assert _instances(mcctl)["weu-1"] == 3
    rollback = mcctl("--sim", "-o", "json", "rollback", data["operation"], "--yes")
    assert rollback.exit_code == 0, rollback.stderr
    assert json.loads(rollback.stdout)["summary"].startswith(f"roll back {data['operation']}")
    assert _instances(mcctl) == dict.fromkeys(["weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"], 3)
    ops = _journal(mcctl)
    assert [o["status"] for o in ops] == ["succeeded", "succeeded"] and ops[1]["parent"] == data["operation"]


def test_dry_run_prints_the_plan_and_changes_nothing(mcctl) -> None:
    result = mcctl("--sim", "scale", "neu-1", "--by", "+2", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "capacity: 3 → 5" in result.stdout and "Plan: scale stamp neu-1" in result.stdout
    as_json = json.loads(mcctl("--sim", "-o", "json", "scale", "neu-1", "--by", "+2", "--dry-run").stdout)
    assert as_json["dry_run"] is True and as_json["plan"]["steps"][0]["after"] == {"capacity": 5}
    assert _instances(mcctl)["neu-1"] == 3 and _journal(mcctl) == []


def test_scale_in_by_a_negative_delta(mcctl) -> None:
    result = mcctl("--sim", "scale", "eus2-2", "--by", "-1", "--yes")
    assert result.exit_code == 0, result.stderr
    assert _instances(mcctl)["eus2-2"] == 2


def test_non_interactive_without_yes_is_refused_and_nothing_changes(mcctl) -> None:
    result = mcctl("--sim", "scale", "weu-1", "--instances", "5")
    assert result.exit_code == 2
    assert "pass --yes" in result.stderr
    assert _instances(mcctl)["weu-1"] == 3 and _journal(mcctl) == []


def test_interactive_confirmation(mcctl, monkeypatch) -> None:
    monkeypatch.setattr("mcctl.cli.mutate.is_interactive", lambda: True)
    declined = mcctl("--sim", "scale", "weu-1", "--instances", "5", input="n\n")
    assert declined.exit_code == 130 and "cancelled; nothing was changed" in declined.stderr
    assert _instances(mcctl)["weu-1"] == 3
    accepted = mcctl("--sim", "scale", "weu-1", "--instances", "5", input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert _instances(mcctl)["weu-1"] == 5


def test_idempotent_scale_to_the_current_value(mcctl) -> None:
    result = mcctl("--sim", "scale", "weu-1", "--instances", "3", "--yes")
    assert result.exit_code == 0 and "nothing to do" in result.stdout
    assert _journal(mcctl) == []


def test_bad_input_exits_2_without_any_azure_call(mcctl, tmp_path) -> None:
    below = mcctl("--sim", "scale", "weu-1", "--instances", "0", "--yes")
    assert below.exit_code == 2 and "--instances: must be at least 1" in below.stderr
    assert not (tmp_path / "state" / "sim" / "demo.json").exists()  # the simulator was never opened
    by = mcctl("--sim", "scale", "weu-1", "--by", "two", "--yes")
    assert by.exit_code == 2 and "--by: expected +K or -K" in by.stderr
    reason = mcctl("--sim", "scale", "weu-1", "--instances", "2", "--override", "min_serving_capacity", "--yes")
    assert reason.exit_code == 2 and "--reason: required with --override" in reason.stderr


def test_above_the_maximum_names_the_limit(mcctl) -> None:
    result = mcctl("--sim", "scale", "weu-1", "--instances", "31", "--yes")
    assert result.exit_code == 2 and "above the maximum of 30 workers" in result.stderr
    assert _instances(mcctl)["weu-1"] == 3


def _strict_estate(tmp_path) -> str:
    data = yaml.safe_load(demo_source().text)
    data["safety"]["min_serving_capacity"] = "90%"
    path = tmp_path / "strict.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_refused_scale_in_names_the_rule_and_override_is_journaled(mcctl, tmp_path) -> None:
    estate = _strict_estate(tmp_path)
    refused = mcctl("--sim", "--estate", estate, "scale", "--region", "westeurope", "--instances", "1", "--yes")
    assert refused.exit_code == 5
    assert (
        "refused by safety rule min_serving_capacity: 14 of 18 serving instances would remain (78%)" in refused.stderr
    )
    assert "--override min_serving_capacity --reason" in refused.stderr
    overridden = mcctl(
        "--sim", "--estate", estate, "-o", "json", "scale", "--region", "westeurope", "--instances", "1", "--yes",
        "--override", "min_serving_capacity", "--reason", "drill: capacity test",
    )  # fmt: skip
    assert overridden.exit_code == 0, overridden.stderr
    assert "overridden (journaled): drill: capacity test" in overridden.stderr
    op = json.loads(overridden.stdout)["operation"]
    shown = json.loads(mcctl("--sim", "--estate", estate, "-o", "json", "journal", "show", op).stdout)
    rule = next(r for r in shown["rules"] if r["rule"] == "min_serving_capacity")
    assert rule["overridden"] is True and rule["reason"] == "drill: capacity test"
    assert [
        o["status"] for o in json.loads(mcctl("--sim", "--estate", estate, "-o", "json", "journal", "list").stdout)
    ] == [
        "refused",
        "succeeded",
    ]


def test_dry_run_of_a_refused_plan_exits_5(mcctl, tmp_path) -> None:
    estate = _strict_estate(tmp_path)
    result = mcctl("--sim", "--estate", estate, "scale", "--region", "westeurope", "--instances", "1", "--dry-run")
    assert result.exit_code == 5 and "REFUSED" in result.stdout


def test_lro_failure_exits_4_and_is_journaled(mcctl) -> None:
    assert mcctl("sim", "fault", "add", "lro_failure", "--operation", "web.plan.*").exit_code == 0
    result = mcctl("--sim", "scale", "weu-2", "--instances", "4", "--yes")
    assert result.exit_code == 4, result.stderr
    assert "failed, nothing was changed" in result.stderr
    assert _instances(mcctl)["weu-2"] == 3
    assert _journal(mcctl)[-1]["status"] == "failed"


def test_partial_failure_exits_7_and_resume_finishes(mcctl) -> None:
    # the second step's operation fails: the first is applied, the run stops with exit 7
    mcctl("sim", "fault", "add", "error", "--method", "PUT", "--path", "/serverfarms/asp-mc-neu-2", "--count", "10")
    result = mcctl("--sim", "scale", "--region", "northeurope", "--instances", "4", "--yes")
    assert result.exit_code == 7, result.stderr
    op = _journal(mcctl)[-1]
    assert op["status"] == "partial" and op["steps"] == "1/2"
    assert f"mcctl resume {op['id']}" in result.stderr
    mcctl("sim", "fault", "clear")
    resumed = mcctl("--sim", "resume", op["id"], "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    assert {k: v for k, v in _instances(mcctl).items() if k.startswith("neu")} == {"neu-1": 4, "neu-2": 4}
    assert _journal(mcctl)[-1]["status"] == "succeeded"


def test_timeout_exits_6_and_says_how_to_check(mcctl) -> None:
    result = mcctl("--sim", "scale", "weu-1", "--instances", "20", "--timeout", "60s", "--yes")
    assert result.exit_code == 6, result.stderr
    assert "timed out after 60s" in result.stderr and "mcctl resume" in result.stderr
    assert _journal(mcctl)[-1]["status"] == "timeout"
    mcctl("sim", "advance", "600")
    assert _instances(mcctl)["weu-1"] == 20  # the operation went on in "Azure"


def test_no_wait_submits_and_resume_verifies(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "scale", "weu-1", "--instances", "4", "--no-wait", "--yes")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["operation_status"] == "submitted" and data["plan"]["steps"][0]["status"] == "submitted"
    mcctl("sim", "advance", "120")
    assert _instances(mcctl)["weu-1"] == 4


@pytest.mark.parametrize("timeout", ["0", "soon"])
def test_bad_timeout(mcctl, timeout) -> None:
    result = mcctl("--sim", "scale", "weu-1", "--instances", "4", "--timeout", timeout, "--yes")
    assert result.exit_code == 2
