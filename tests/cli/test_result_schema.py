"""Every mutating command's `-o json` result is one document, valid against the JSON Schema in
docs/schemas/, in every status and for every exit code (issue 15 item 1)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mcctl.bootstrap import simulated_session
from mcctl.config.loader import demo_source, load_estate
from mcctl.ops.lease import LeaseHolder, open_lease
from mcctl.sim.runtime import open_simulator, sim_state_path

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "schemas" / "mutation-result.schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA)
SIM_JSON = ("--sim", "-o", "json")


def _doc(result, code: int, status: str) -> dict[str, Any]:
    assert result.exit_code == code, (result.stdout, result.stderr)
    text = result.stdout
    doc = json.loads(text[text.index("{") :])  # (the test runner echoes prompted input on stdout)
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    assert (doc["status"], doc["exit_code"]) == (status, code)
    return doc


def _journal(mcctl) -> list[dict]:
    return json.loads(mcctl(*SIM_JSON, "journal", "list").stdout)


def _lease_on_the_persisted_sim(holder: LeaseHolder) -> None:
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    session = simulated_session(estate, sim)
    try:
        open_lease(session, estate).acquire(holder)
    finally:
        session.close()


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_applied_then_nothing_to_do_then_rolled_back_then_nothing_to_do(mcctl) -> None:
    applied = _doc(mcctl(*SIM_JSON, "frontdoor", "drain", "westeurope", "--yes"), 0, "applied")
    op = applied["operation"]
    assert applied["operation_status"] == "succeeded" and applied["error"] is None
    assert [(s["step"], s["fields"], s["before"], s["after"], s["status"]) for s in applied["plan"]["steps"]] == [
        (1, ["enabled"], {"enabled": True}, {"enabled": False}, "succeeded"),
        (2, ["enabled"], {"enabled": True}, {"enabled": False}, "succeeded"),
    ]
    assert applied["plan"]["steps"][0]["resource"].endswith("/origins/origin-weu-1")
    assert applied["journal"] == {
        "show": f"mcctl --sim journal show {op}",
        "resume": None,
        "rollback": f"mcctl --sim rollback {op}",
    }
    assert {r["rule"]: r["verdict"] for r in applied["rules"]}["min_serving_regions"] == "passed"

    again = _doc(mcctl(*SIM_JSON, "frontdoor", "drain", "westeurope", "--yes"), 0, "nothing_to_do")
    assert again["operation"] is None and again["journal"] is None and again["plan"]["steps"] == []

    rolled = _doc(mcctl(*SIM_JSON, "rollback", op, "--yes"), 0, "applied")
    assert rolled["kind"] == "rollback:frontdoor-drain" and rolled["operation"] != op
    # a second rollback of the same operation is nothing to do: no second operation is journaled
    twice = mcctl(*SIM_JSON, "rollback", op, "--yes")
    second = _doc(twice, 0, "nothing_to_do")
    assert f"already rolled back by operation {rolled['operation']}" in twice.stderr
    assert second["operation"] is None and second["plan"]["steps"] == []
    assert [o["id"] for o in _journal(mcctl)] == [op, rolled["operation"]]


def test_dry_run_is_one_document_with_one_based_steps(mcctl) -> None:
    doc = _doc(mcctl(*SIM_JSON, "scale", "weu-1", "--instances", "5", "--dry-run"), 0, "dry_run")
    assert doc["dry_run"] is True and doc["operation"] is None and doc["journal"] is None
    assert [(s["step"], s["before"], s["after"], s["status"]) for s in doc["plan"]["steps"]] == [
        (1, {"capacity": 3}, {"capacity": 5}, None)
    ]
    assert _journal(mcctl) == []


def test_refused_by_a_rule_exit_5_names_the_rule_and_the_override(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "westeurope", "--yes").exit_code == 0
    assert mcctl("--sim", "frontdoor", "drain", "northeurope", "--yes").exit_code == 0
    doc = _doc(mcctl(*SIM_JSON, "frontdoor", "drain", "eastus2", "--yes"), 5, "refused")
    assert doc["refused"] == ["min_serving_regions", "min_serving_stamps", "min_serving_capacity"]
    rule = next(r for r in doc["rules"] if r["rule"] == "min_serving_regions")
    assert rule["verdict"] == "refused" and rule["numbers"] == {"before": 1, "after": 0, "minimum": 1}
    assert rule["override"] == "--override min_serving_regions --reason TEXT"
    assert doc["operation"] == _journal(mcctl)[-1]["id"] and _journal(mcctl)[-1]["status"] == "refused"
    assert doc["journal"]["resume"] is None and doc["journal"]["rollback"] is None
    assert doc["error"]["type"] == "SafetyRefusal"
    dry = _doc(mcctl(*SIM_JSON, "frontdoor", "drain", "eastus2", "--dry-run"), 5, "refused")
    assert dry["dry_run"] is True and dry["operation"] is None and dry["refused"] == doc["refused"]


def test_a_rule_that_cannot_be_overridden_has_no_override_hint(mcctl) -> None:
    from mcctl.sim.providers.sql import set_link_state

    assert mcctl("sim", "status").exit_code == 0
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    set_link_state(sim, "eastus2", "SEEDING", database="catalog", percent_complete=40)
    doc = _doc(mcctl(*SIM_JSON, "sql", "failover", "--to", "northeurope", "--yes"), 5, "refused")
    assert doc["refused"] == ["sql_links_ready"]
    rule = next(r for r in doc["rules"] if r["rule"] == "sql_links_ready")
    assert (rule["overridable"], rule["override"]) == (False, None)


def test_lock_held_exit_8_has_a_document_and_announces_no_operation(mcctl) -> None:
    alice = LeaseHolder("alice@contoso.com", "ops-1", 4242, "20261126-051600-3fa2", "mcctl scale weu-1 4", "t0")
    _lease_on_the_persisted_sim(alice)
    result = mcctl(*SIM_JSON, "frontdoor", "drain", "westeurope", "--yes")
    doc = _doc(result, 8, "refused")
    assert doc["operation"] is None and doc["journal"] is None and doc["refused"] == []
    assert doc["error"]["type"] == "LockHeld" and "alice@contoso.com" in doc["error"]["message"]
    assert "mcctl: operation " not in result.stderr  # never announced: it was never journaled
    assert _journal(mcctl) == []


def test_exit_8_for_a_dead_process_on_this_machine_names_resume(mcctl) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(gone.stdout)
    assert pid != os.getpid()
    op = "20261201-101500-dead"
    _lease_on_the_persisted_sim(LeaseHolder("me", socket.gethostname(), pid, op, "mcctl scale weu-1 4", "t0"))
    result = mcctl("--sim", "frontdoor", "drain", "westeurope", "--yes")
    assert result.exit_code == 8
    text = " ".join(result.stderr.split())
    assert "a process on this machine that is gone" in text and f"`mcctl --sim resume {op}`" in text


def test_partial_exit_7_has_resume_and_rollback_hints(mcctl) -> None:
    path = "/serverfarms/asp-mc-neu-2"
    assert mcctl("sim", "fault", "add", "error", "--method", "PUT", "--path", path, "--count", "10").exit_code == 0
    doc = _doc(mcctl(*SIM_JSON, "scale", "--region", "northeurope", "--instances", "4", "--yes"), 7, "partial")
    op = doc["operation"]
    assert op == _journal(mcctl)[-1]["id"] and doc["operation_status"] == "partial"
    assert [s["status"] for s in doc["plan"]["steps"]] == ["succeeded", "failed"]
    assert doc["journal"]["resume"] == f"mcctl --sim resume {op}"
    assert doc["journal"]["rollback"] == f"mcctl --sim rollback {op}"


def test_failed_exit_4_changed_nothing(mcctl) -> None:
    assert mcctl("sim", "fault", "add", "lro_failure", "--operation", "web.plan.*").exit_code == 0
    doc = _doc(mcctl(*SIM_JSON, "scale", "weu-2", "--instances", "4", "--yes"), 4, "failed")
    assert doc["operation_status"] == "failed" and doc["plan"]["steps"][0]["status"] == "failed"
    stamps = {r["name"]: r for r in json.loads(mcctl(*SIM_JSON, "stamps", "list").stdout)}
    assert stamps["weu-2"]["instances"] == 3  # the failed operation changed nothing


def test_timed_out_exit_6(mcctl) -> None:
    doc = _doc(mcctl(*SIM_JSON, "sql", "failover", "--to", "northeurope", "--timeout", "20s", "--yes"), 6, "timed_out")
    assert doc["operation_status"] == "timeout" and doc["plan"]["steps"][0]["status"] == "timeout"
    assert doc["journal"]["resume"] == f"mcctl --sim resume {doc['operation']}"


def test_declined_and_mistyped_confirmations_are_cancelled_130(mcctl, monkeypatch) -> None:
    monkeypatch.setattr("mcctl.cli.mutate.is_interactive", lambda: True)
    declined = _doc(mcctl(*SIM_JSON, "scale", "weu-1", "--instances", "5", input="n\n"), 130, "cancelled")
    assert declined["operation"] is None and declined["plan"]["steps"][0]["after"] == {"capacity": 5}
    mistyped = mcctl(*SIM_JSON, "redis", "unlink", "eastus2", "--allow-data-loss", input="eastus2\n")
    doc = _doc(mistyped, 130, "cancelled")
    assert "confirmation did not match 'amr-mc-eus2'" in mistyped.stderr
    assert doc["operation"] is None and _journal(mcctl) == []


def test_bad_input_exit_2_still_writes_a_document(mcctl) -> None:
    bad = mcctl(*SIM_JSON, "scale", "weu-1", "--instances", "5", "--override", "nope", "--reason", "x")
    doc = _doc(bad, 2, "failed")
    assert doc["error"]["type"] == "UsageError" and "--override" in doc["error"]["message"]
    assert doc["operation"] is None


@pytest.mark.parametrize("output", ["yaml"])
def test_yaml_carries_the_same_document(mcctl, output: str) -> None:
    import yaml

    result = mcctl("--sim", "-o", output, "scale", "weu-1", "--instances", "5", "--dry-run")
    assert result.exit_code == 0
    doc = yaml.safe_load(result.stdout)
    assert not list(VALIDATOR.iter_errors(doc)) and doc["status"] == "dry_run"
