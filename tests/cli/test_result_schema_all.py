"""The result document of the mutating commands tests/cli/test_result_schema.py leaves out —
`evacuate`, `reinstate`, `resume`, `frontdoor restore`, `redis relink` — valid against
docs/schemas/mutation-result.schema.json in every status they can reach; and a refusal of evacuate
during an outage of the SQL primary's region names its rule like any rule refusal (a script reads it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from mcctl.config.loader import demo_source, load_estate
from mcctl.ops import frontdoor as frontdoor_ops
from mcctl.plugins import registry
from mcctl.sim.app import Sim
from mcctl.sim.runtime import open_simulator, sim_state_path

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "schemas" / "mutation-result.schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA)
SIM_JSON = ("--sim", "-o", "json")
LOSE_DATA = ("--allow-data-loss", "--yes")


def _doc(result, code: int, status: str) -> dict[str, Any]:
    assert result.exit_code == code, (result.stdout, result.stderr)
    text = result.stdout
    doc = json.loads(text[text.index("{") :])
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    assert (doc["status"], doc["exit_code"]) == (status, code)
    return doc


def _journal(mcctl) -> list[dict[str, Any]]:
    return json.loads(mcctl(*SIM_JSON, "journal", "list").stdout)


def _sim() -> Sim:
    estate = load_estate(demo_source())
    providers = registry().sim_providers  # as the CLI opens it (else it would seed the state afresh)
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"), providers=providers)
    return sim


def _rule(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in doc["rules"] if r["rule"] == name)


# -- evacuate --------------------------------------------------------------------------------------
def test_evacuate_applied_dry_run_and_refused_by_a_health_rule(mcctl) -> None:
    dry = _doc(mcctl(*SIM_JSON, "evacuate", "eastus2", "--dry-run"), 0, "dry_run")
    assert dry["operation"] is None and dry["kind"] == "evacuate" and dry["plan"]["steps"]
    applied = _doc(mcctl(*SIM_JSON, "evacuate", "eastus2", "--yes"), 0, "applied")
    assert applied["operation"] == _journal(mcctl)[-1]["id"] and applied["verify"]["passed"] is True
    assert applied["journal"]["rollback"] == f"mcctl --sim rollback {applied['operation']}"

    assert mcctl("--sim", "sim", "stamp", "fail", "neu-1").exit_code == 0
    refused = _doc(mcctl(*SIM_JSON, "evacuate", "westeurope", "--yes"), 5, "refused")
    assert "survivors_healthy" in refused["refused"]
    rule = _rule(refused, "survivors_healthy")
    assert rule["override"] == "--override survivors_healthy --reason TEXT"
    assert refused["operation"] == _journal(mcctl)[-1]["id"] and _journal(mcctl)[-1]["status"] == "refused"


def test_evacuate_of_the_sql_primary_region_in_an_outage_is_a_rule_refusal_naming_the_way_out(mcctl) -> None:
    assert mcctl("--sim", "sim", "outage", "start", "westeurope").exit_code == 0

    result = mcctl(*SIM_JSON, "evacuate", "westeurope", "--yes")

    doc = _doc(result, 5, "refused")
    assert doc["refused"] == ["sql_links_ready"]
    rule = _rule(doc, "sql_links_ready")
    assert (rule["verdict"], rule["overridable"], rule["override"]) == ("refused", False, None)
    assert rule["numbers"]["primary_reachable"] is False
    assert "--allow-data-loss" in rule["message"] and "--mode" not in rule["message"]
    assert doc["plan"] is not None and "sql_failover" in [s["kind"] for s in doc["plan"]["steps"]]
    # journaled as a refusal, like every rule refusal: who tried what
    assert doc["operation"] == _journal(mcctl)[-1]["id"] and _journal(mcctl)[-1]["status"] == "refused"
    assert doc["journal"]["resume"] is None and doc["journal"]["rollback"] is None
    assert "refused by safety rule sql_links_ready" in " ".join(result.stderr.split())

    dry = _doc(mcctl(*SIM_JSON, "evacuate", "westeurope", "--dry-run"), 5, "refused")
    assert dry["refused"] == ["sql_links_ready"] and dry["operation"] is None

    forced = _doc(mcctl(*SIM_JSON, "evacuate", "westeurope", *LOSE_DATA), 0, "applied")
    assert "(forced)" in forced["summary"] and _rule(forced, "sql_links_ready")["verdict"] == "passed"


def test_evacuate_lock_held_and_bad_input_have_documents(mcctl) -> None:
    bad = _doc(mcctl(*SIM_JSON, "evacuate", "eastus2", "--factor", "0", "--yes"), 2, "failed")
    assert bad["operation"] is None and bad["error"]["type"] == "UsageError"
    non_overridable = _doc(
        mcctl(*SIM_JSON, "evacuate", "eastus2", "--yes", "--override", "sql_links_ready", "--reason", "x"), 2, "failed"
    )
    assert "sql_links_ready" in non_overridable["error"]["message"]
    assert "cannot be overridden" in non_overridable["error"]["message"]
    assert _journal(mcctl) == []


# -- reinstate -------------------------------------------------------------------------------------
def test_reinstate_nothing_to_do_refused_then_applied(mcctl, monkeypatch) -> None:
    nothing = _doc(mcctl(*SIM_JSON, "reinstate", "northeurope", "--yes"), 0, "nothing_to_do")
    assert nothing["operation"] is None and nothing["journal"] is None

    assert mcctl("--sim", "evacuate", "eastus2", "--yes").exit_code == 0
    assert mcctl("--sim", "sim", "stamp", "fail", "eus2-1").exit_code == 0
    refused = _doc(mcctl(*SIM_JSON, "reinstate", "eastus2", "--yes"), 5, "refused")
    assert refused["refused"] == ["region_healthy"]
    assert _rule(refused, "region_healthy")["override"] == "--override region_healthy --reason TEXT"
    assert refused["operation"] == _journal(mcctl)[-1]["id"]

    dry = _doc(mcctl(*SIM_JSON, "reinstate", "eastus2", "--dry-run"), 5, "refused")
    assert dry["dry_run"] is True and dry["operation"] is None

    monkeypatch.setattr(frontdoor_ops, "stamp_health", lambda s, e: {x.name: ("healthy", []) for x in e.stamps})
    overridden = mcctl(
        *SIM_JSON, "reinstate", "eastus2", "--yes", "--no-verify", "--override", "region_healthy", "--reason", "CHG-1"
    )
    applied = _doc(overridden, 0, "applied")
    assert applied["overrides"] == [{"rule": "region_healthy", "reason": "CHG-1"}]
    assert _rule(applied, "region_healthy")["verdict"] == "overridden"


# -- resume ----------------------------------------------------------------------------------------
def _timed_out_failover(mcctl) -> str:
    doc = _doc(mcctl(*SIM_JSON, "sql", "failover", "--to", "northeurope", "--timeout", "20s", "--yes"), 6, "timed_out")
    return str(doc["operation"])


def test_resume_joins_a_timed_out_step_applied_then_nothing_to_do(mcctl) -> None:
    op = _timed_out_failover(mcctl)
    applied = _doc(mcctl(*SIM_JSON, "resume", op, "--yes"), 0, "applied")
    assert applied["operation"] == op and applied["operation_status"] == "succeeded"
    assert applied["plan"]["steps"][0]["status"] == "succeeded"
    again = _doc(mcctl(*SIM_JSON, "resume", op, "--yes"), 0, "nothing_to_do")
    assert again["operation"] is None


def test_resume_of_a_timed_out_step_that_landed_since_closes_it_and_says_so_truly(mcctl) -> None:
    op = _timed_out_failover(mcctl)
    assert mcctl("--sim", "sim", "advance", "120").exit_code == 0
    # another run's in-flight check finds the failover landed and journals it (the operation stays "timeout")
    assert mcctl("--sim", "scale", "weu-1", "--instances", "4", "--yes").exit_code == 0
    assert next(o for o in _journal(mcctl) if o["id"] == op)["status"] == "timeout"

    result = mcctl(*SIM_JSON, "resume", op, "--yes")

    doc = _doc(result, 0, "applied")
    assert (doc["operation"], doc["operation_status"]) == (op, "succeeded")
    text = " ".join(result.stderr.split())
    assert "never journaled" not in text
    assert f"operation {op}: every step was done; its end was journaled as timeout: closed as succeeded now" in text
    assert next(o for o in _journal(mcctl) if o["id"] == op)["status"] == "succeeded"


def test_resume_refused_by_the_link_pre_flight(mcctl) -> None:
    from mcctl.sim.providers.sql import set_link_state
    from tests.reliability import harness as h

    # `evacuate westeurope` killed once the survivors are scaled (header + 4 x (intent, outcome))
    run = h.run_process(
        "--sim", "evacuate", "westeurope", "--yes", env=h.subprocess_env(MCCTL_SIM_KILL_AFTER_RECORDS="9")
    )
    assert run.returncode == h.SIGKILLED, run.stderr
    op = _journal(mcctl)[-1]["id"]
    assert set_link_state(_sim(), "eastus2", "SEEDING", database="catalog", percent_complete=40) > 0

    doc = _doc(mcctl(*SIM_JSON, "resume", op, "--yes"), 5, "refused")

    assert doc["refused"] == ["sql_links_ready"] and doc["kind"] == "evacuate"
    rule = _rule(doc, "sql_links_ready")
    assert rule["override"] is None and "--mode forced --allow-data-loss (or" not in rule["message"]
    assert "`mcctl sql failover --to northeurope --mode forced --allow-data-loss`" in rule["message"]


# -- frontdoor restore -----------------------------------------------------------------------------
def test_frontdoor_restore_nothing_to_do_dry_run_then_applied(mcctl) -> None:
    nothing = _doc(mcctl(*SIM_JSON, "frontdoor", "restore", "eastus2", "--yes"), 0, "nothing_to_do")
    assert nothing["operation"] is None
    assert mcctl("--sim", "frontdoor", "drain", "eastus2", "--yes").exit_code == 0
    dry = _doc(mcctl(*SIM_JSON, "frontdoor", "restore", "eastus2", "--dry-run"), 0, "dry_run")
    assert [s["after"]["enabled"] for s in dry["plan"]["steps"] if "enabled" in s["after"]] == [True, True]
    applied = _doc(mcctl(*SIM_JSON, "frontdoor", "restore", "eastus2", "--yes"), 0, "applied")
    assert applied["kind"] == "frontdoor-restore" and applied["operation"] == _journal(mcctl)[-1]["id"]


def test_frontdoor_restore_refused_by_an_override_of_an_unknown_rule_is_bad_input(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "eastus2", "--yes").exit_code == 0
    bad = _doc(
        mcctl(*SIM_JSON, "frontdoor", "restore", "eastus2", "--yes", "--override", "nope", "--reason", "x"), 2, "failed"
    )
    assert bad["operation"] is None and "unknown rule 'nope'" in bad["error"]["message"]


# -- redis relink ----------------------------------------------------------------------------------
def test_redis_relink_nothing_to_do_bad_input_cancelled_then_applied(mcctl, monkeypatch) -> None:
    nothing = _doc(mcctl(*SIM_JSON, "redis", "relink", "eastus2", *LOSE_DATA), 0, "nothing_to_do")
    assert nothing["operation"] is None
    assert mcctl("--sim", "redis", "unlink", "eastus2", *LOSE_DATA).exit_code == 0

    no_flag = _doc(mcctl(*SIM_JSON, "redis", "relink", "eastus2", "--yes"), 2, "failed")
    assert "--allow-data-loss" in no_flag["error"]["message"]
    monkeypatch.setattr("mcctl.cli.mutate.is_interactive", lambda: True)
    cancelled = _doc(
        mcctl(*SIM_JSON, "redis", "relink", "eastus2", "--allow-data-loss", input="no\n"), 130, "cancelled"
    )
    assert cancelled["operation"] is None
    dry = _doc(mcctl(*SIM_JSON, "redis", "relink", "eastus2", "--dry-run", "--allow-data-loss"), 0, "dry_run")
    assert dry["plan"]["data_loss"] is True
    applied = _doc(mcctl(*SIM_JSON, "redis", "relink", "eastus2", *LOSE_DATA), 0, "applied")
    assert applied["plan"]["steps"][0]["change"] == "link: unlinked → linked"
    assert applied["operation"] == _journal(mcctl)[-1]["id"]


def test_redis_relink_of_a_region_that_does_not_answer_is_bad_input_with_a_document(mcctl) -> None:
    assert mcctl("--sim", "sim", "outage", "start", "eastus2").exit_code == 0
    refused = _doc(mcctl(*SIM_JSON, "redis", "relink", "eastus2", *LOSE_DATA), 2, "failed")
    assert "only a force-unlinked database can be relinked" in refused["error"]["message"]
