"""`mcctl status` lists origin and App Service plan changes another client has in flight (`in_flight`),
and not mcctl's own (those are its `operations`)."""

from __future__ import annotations

import json

from mcctl.config.loader import demo_source, load_estate
from mcctl.sim.app import Sim
from mcctl.sim.runtime import open_simulator, sim_state_path
from tests.foreign_client import foreign_request


def _sim() -> Sim:
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    return sim


def _status(mcctl) -> dict:
    result = mcctl("--sim", "-o", "json", "status")
    assert result.exit_code in (0, 10), result.stderr
    return json.loads(result.stdout)


def test_an_origin_update_by_another_client_is_listed_until_it_settles(mcctl) -> None:
    assert mcctl("sim", "status").exit_code == 0
    estate = load_estate(demo_source())
    origin = estate.frontdoor.origin_id(estate.stamps[0].origin)
    response = foreign_request(_sim(), "PATCH", origin, "2026-10-01", {"properties": {"weight": 7}})
    assert response.status == 202

    data = _status(mcctl)

    [line] = data["in_flight"]
    assert estate.stamps[0].origin in line and "outside mcctl" in line and data["operations"] == []
    assert "in flight:" in mcctl("--sim", "status").stdout
    assert mcctl("--sim", "sim", "advance", "600").exit_code == 0
    assert _status(mcctl)["in_flight"] == []


def test_a_plan_scale_by_another_client_is_listed(mcctl) -> None:
    assert mcctl("sim", "status").exit_code == 0
    estate = load_estate(demo_source())
    plan = estate.stamps[0].plan_ref.id
    current = _sim().store.get(plan)
    body = {"location": current["location"], "sku": {**current["sku"], "capacity": current["sku"]["capacity"] + 1}}
    assert foreign_request(_sim(), "PUT", plan, "2025-05-01", body).status in (200, 202)

    lines = _status(mcctl)["in_flight"]

    assert any(estate.stamps[0].app_service_plan in line and "outside mcctl" in line for line in lines), lines


def test_mcctl_s_own_change_in_flight_is_an_operation_not_an_outside_change(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "--stamp", "weu-1", "--no-wait", "--yes").exit_code == 0

    data = _status(mcctl)

    assert data["in_flight"] == []
    assert [op["state"] for op in data["operations"]] == ["in_flight"]
