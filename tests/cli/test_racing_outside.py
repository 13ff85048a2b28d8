"""A plan with a step on a resource another client is changing right now (az scaling a plan, az
updating an origin) is refused before anything is applied: exit 5, journaled as refused, naming the
resource; the other client's change runs on untouched. Once it settled, mcctl plans from its result.

The other client is a request with another caller's bearer token, sent straight to the persisted
simulator the CLI uses; then mcctl's commands run through the CLI.
"""

from __future__ import annotations

import json
from typing import Any

from mcctl.config.loader import demo_source, load_estate
from mcctl.domain.estate import Estate
from mcctl.sim.app import Sim
from mcctl.sim.runtime import open_simulator, sim_state_path
from tests.foreign_client import foreign_request

RULE = "changed_outside_mcctl"
MCCTL_OID = "11111111-2222-4333-8444-555555555555"  # the simulated operator's token (make_sim_token)


def _estate() -> Estate:
    return load_estate(demo_source())


def _sim() -> Sim:
    sim, _ = open_simulator(_estate(), demo_source().fingerprint, path=sim_state_path("demo"))
    return sim


def _plan(stamp: str) -> dict[str, Any]:
    found = _estate().stamp(stamp)
    assert found is not None
    return _sim().store.get(found.plan_ref.id)


def _origin(stamp: str) -> dict[str, Any]:
    """The origin as ARM shows it (its provisioningState is made on read while an operation runs)."""
    estate = _estate()
    found = estate.stamp(stamp)
    assert found is not None
    response = foreign_request(_sim(), "GET", estate.frontdoor.origin_id(found.origin), "2026-10-01")
    assert response.status == 200, response.body
    return response.body


def _az_scales(mcctl, stamp: str, capacity: int) -> None:
    """`az appservice plan update --number-of-workers N`: the PUT, by another caller; it keeps running."""
    assert mcctl("sim", "status").exit_code == 0
    current = _plan(stamp)
    body = {"location": current["location"], "sku": {"name": current["sku"]["name"], "capacity": capacity}}
    response = foreign_request(_sim(), "PUT", current["id"], "2023-12-01", body)
    assert response.status == 202, response.body
    assert _plan(stamp)["properties"]["provisioningState"] == "InProgress"


def _az_updates_origin(mcctl, stamp: str, weight: int) -> None:
    """`az afd origin update --weight N`: the PATCH, by another caller; it keeps running."""
    assert mcctl("sim", "status").exit_code == 0
    origin = _origin(stamp)
    response = foreign_request(_sim(), "PATCH", origin["id"], "2026-10-01", {"properties": {"weight": weight}})
    assert response.status == 202, response.body
    assert _origin(stamp)["properties"]["provisioningState"] == "Updating"


def _operations() -> list[dict[str, Any]]:
    return list(_sim().store.data["operations"].values())


def _mcctl_operations() -> list[dict[str, Any]]:
    return [op for op in _operations() if op.get("caller") == MCCTL_OID]


def _journal(mcctl) -> list[dict[str, Any]]:
    result = mcctl("--sim", "-o", "json", "journal", "list")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _refused(result, *names: str) -> dict[str, Any]:
    assert result.exit_code == 5, (result.stdout, result.stderr)
    doc = json.loads(result.stdout)
    assert doc["status"] == "refused" and doc["refused"] == [RULE]
    [rule] = [r for r in doc["rules"] if r["rule"] == RULE]
    assert rule["overridable"] is False and rule["override"] is None
    for name in names:
        assert name in rule["message"] and name in doc["error"]["message"]
    assert "being changed by another client" in rule["message"]
    assert "wait for it, then plan again" in doc["error"]["message"]
    return doc


def test_scaling_a_plan_another_client_is_scaling_is_refused_before_anything_is_applied(mcctl) -> None:
    _az_scales(mcctl, "neu-1", 8)
    before = _plan("neu-1")

    result = mcctl("--sim", "-o", "json", "scale", "neu-1", "--instances", "4", "--yes")

    doc = _refused(result, "asp-mc-neu-1", "provisioningState InProgress", "3 → 8 workers")
    assert doc["error"]["type"] == "SafetyRefusal"
    assert _plan("neu-1") == before and before["sku"]["capacity"] == 3  # still the other client's change
    assert _mcctl_operations() == []
    [op] = _journal(mcctl)
    assert op["status"] == "refused" and op["id"] == doc["operation"]
    assert mcctl("--sim", "sim", "advance", "600").exit_code == 0
    assert _plan("neu-1")["sku"]["capacity"] == 8  # the other client's change landed as it asked


def test_a_region_scale_touching_it_applies_nothing_not_even_to_the_other_stamps(mcctl) -> None:
    _az_scales(mcctl, "neu-1", 8)
    neu2 = _plan("neu-2")

    result = mcctl("--sim", "-o", "json", "scale", "--region", "northeurope", "--by", "+1", "--yes")

    _refused(result, "asp-mc-neu-1")
    assert _plan("neu-2") == neu2  # not partly applied (exit 7 before the fix)
    assert _mcctl_operations() == []
    assert [op["status"] for op in _journal(mcctl)] == ["refused"]


def test_a_dry_run_shows_the_refusal_and_journals_nothing(mcctl) -> None:
    _az_scales(mcctl, "neu-1", 8)

    result = mcctl("--sim", "-o", "json", "scale", "neu-1", "--instances", "4", "--dry-run")

    doc = _refused(result, "asp-mc-neu-1")
    assert doc["dry_run"] is True and doc["operation"] is None
    assert _journal(mcctl) == [] and _mcctl_operations() == []
    table = mcctl("--sim", "scale", "neu-1", "--instances", "4", "--dry-run")
    assert table.exit_code == 5 and RULE in table.stdout + table.stderr


def test_the_refusal_cannot_be_overridden(mcctl) -> None:
    _az_scales(mcctl, "neu-1", 8)

    result = mcctl("--sim", "scale", "neu-1", "--instances", "4", "--override", RULE, "--reason", "x", "--yes")

    assert result.exit_code == 2 and "--override" in result.stderr
    assert _journal(mcctl) == [] and _mcctl_operations() == []


def test_another_stamp_s_plan_can_still_be_scaled(mcctl) -> None:
    _az_scales(mcctl, "neu-1", 8)

    result = mcctl("--sim", "-o", "json", "scale", "neu-2", "--instances", "4", "--yes")

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["refused"] == []
    assert mcctl("--sim", "sim", "advance", "600").exit_code == 0
    assert (_plan("neu-1")["sku"]["capacity"], _plan("neu-2")["sku"]["capacity"]) == (8, 4)


def test_once_the_other_change_settled_mcctl_plans_from_its_result(mcctl) -> None:
    _az_scales(mcctl, "neu-1", 8)
    assert mcctl("--sim", "sim", "advance", "600").exit_code == 0

    result = mcctl("--sim", "-o", "json", "scale", "neu-1", "--instances", "6", "--yes")

    assert result.exit_code == 0, result.stderr
    [step] = json.loads(result.stdout)["plan"]["steps"]
    assert (step["before"], step["after"]) == ({"capacity": 8}, {"capacity": 6})
    assert _plan("neu-1")["sku"]["capacity"] == 6


def test_draining_an_origin_another_client_is_updating_is_refused(mcctl) -> None:
    _az_updates_origin(mcctl, "neu-1", 7)
    before = _origin("neu-1")

    result = mcctl("--sim", "-o", "json", "frontdoor", "drain", "--stamp", "neu-1", "--yes")

    _refused(result, "origin-neu-1", "provisioningState Updating")
    assert _origin("neu-1") == before and before["properties"]["enabledState"] == "Enabled"
    assert _mcctl_operations() == []
    assert [op["status"] for op in _journal(mcctl)] == ["refused"]


def test_a_restore_that_would_find_nothing_to_do_is_refused_while_the_origin_is_updated(mcctl) -> None:
    _az_updates_origin(mcctl, "neu-1", 7)

    result = mcctl("--sim", "-o", "json", "frontdoor", "restore", "--stamp", "neu-1", "--yes")

    assert result.exit_code == 5, (result.stdout, result.stderr)
    assert "origin-neu-1" in json.loads(result.stdout)["error"]["message"]
    assert _mcctl_operations() == [] and _journal(mcctl) == []


def test_mcctl_s_own_change_in_flight_is_resumed_not_refused(mcctl) -> None:
    submitted = mcctl("--sim", "-o", "json", "scale", "neu-1", "--instances", "4", "--no-wait", "--yes")
    assert submitted.exit_code == 0, submitted.stderr
    op = json.loads(submitted.stdout)["operation"]
    assert _plan("neu-1")["properties"]["provisioningState"] == "InProgress"

    result = mcctl("--sim", "-o", "json", "resume", op, "--yes")

    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert _plan("neu-1")["sku"]["capacity"] == 4
    assert len(_mcctl_operations()) == 1  # joined, never sent twice
