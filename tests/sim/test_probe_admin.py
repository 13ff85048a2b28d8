"""The simulator's admin routes (`/providers/Mcctl.Simulator/...`) through the session (sim_admin)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcctl.adapters.clients import AzureSession
from mcctl.adapters.probes import NotASimulator, sim_admin
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import demo_source
from mcctl.errors import AzureRequestError
from mcctl.sim.app import Sim
from mcctl.sim.http import SimRequest
from mcctl.sim.providers.health import health_state
from mcctl.sim.runtime import open_simulator
from tests.conftest import estate_from_text


def test_outage_put_get_delete(session: AzureSession, sim: Sim) -> None:
    assert sim_admin(session, "GET", "/outages/westeurope") == {"region": "westeurope", "down": False, "since": None}

    started = sim_admin(session, "PUT", "/outages/West Europe")

    assert started["region"] == "westeurope" and started["down"] is True and started["since"]
    assert sim.outages == ["westeurope"]
    assert sim_admin(session, "GET", "/outages")["value"] == [started]
    ended = sim_admin(session, "DELETE", "/outages/westeurope")
    assert ended["down"] is False and sim.outages == []


def test_an_unknown_region_is_refused_with_400_naming_it(session: AzureSession, sim: Sim) -> None:
    with pytest.raises(AzureRequestError) as caught:
        sim_admin(session, "PUT", "/outages/westeu")
    assert caught.value.status == 400 and "region: 'westeu'" in caught.value.message
    assert sim.outages == []


def test_stamp_mode_put_and_get_with_the_drill_plan_aliases(session: AzureSession, sim: Sim) -> None:
    assert sim_admin(session, "GET", "/stamps/weu-1") == {"stamp": "weu-1", "region": "westeurope", "mode": "ok"}

    answer = sim_admin(session, "PUT", "/stamps/weu-1", {"mode": "unhealthy"})

    assert answer["mode"] == "fail" and answer["check"] == "Sql"
    [fault] = health_state(sim)["faults"].values()
    assert fault["mode"] == "fail" and fault["target"] == "stamp weu-1"
    # The stamp's health endpoint really answers 503 now.
    response = session.web_get("https://app-mc-weu-1.azurewebsites.net/health/stamp", 5.0)
    assert response.status == 503
    assert sim_admin(session, "PUT", "/stamps/weu-1", {"mode": "healthy"})["mode"] == "ok"
    assert health_state(sim)["faults"] == {}


def test_stamp_slow_latency_and_bad_input(session: AzureSession, sim: Sim) -> None:
    assert sim_admin(session, "PUT", "/stamps/neu-1", {"mode": "slow", "latency": 3})["latency"] == 3
    for body, field in (({"mode": "sideways"}, "mode:"), ({"mode": "ok", "latency": 2}, "latency:")):
        with pytest.raises(AzureRequestError) as caught:
            sim_admin(session, "PUT", "/stamps/neu-1", body)
        assert caught.value.status == 400 and field in caught.value.message
    with pytest.raises(AzureRequestError, match="unknown stamp 'nope'"):
        sim_admin(session, "PUT", "/stamps/nope", {"mode": "down"})


def test_dependency_with_a_health_endpoint(tmp_path: Path) -> None:
    text = demo_source().text + (
        "\nhealth:\n  dependencies:\n    catalog:\n      health_url: https://catalog.example.net/health\n"
    )
    estate = estate_from_text(text, tmp_path)
    sim, _ = open_simulator(estate, "test", persist=False)
    session = simulated_session(estate, sim)
    try:
        assert sim_admin(session, "GET", "/dependencies/catalog") == {"name": "catalog", "mode": "ok"}
        assert sim_admin(session, "PUT", "/dependencies/catalog", {"mode": "down"})["mode"] == "down"
        assert list(health_state(sim)["faults"].values())[0]["target"] == "dependency catalog"
        with pytest.raises(AzureRequestError, match="unknown shared dependency 'other'"):
            sim_admin(session, "PUT", "/dependencies/other", {"mode": "down"})
    finally:
        session.close()


def test_admin_routes_need_a_token_like_arm(sim: Sim) -> None:
    request = SimRequest("PUT", "https://management.sim.mcctl.invalid/providers/Mcctl.Simulator/outages/westeurope", {})
    response = sim.handle(request)
    assert response.status == 401 and sim.outages == []


def test_a_path_without_an_admin_route_means_not_a_simulator(session: AzureSession) -> None:
    with pytest.raises(NotASimulator):
        sim_admin(session, "GET", "/nothing-here")


def test_bad_json_is_a_400(sim: Sim) -> None:
    request = SimRequest(
        "PUT",
        "https://h/providers/Mcctl.Simulator/stamps/weu-1?api-version=2026-01-01",
        {"authorization": "Bearer x"},
        b"{not json",
    )
    response = sim.handle(request)
    assert response.status == 400 and json.loads(response.content())["error"]["code"] == "InvalidRequestContent"


def test_the_full_admin_path_is_accepted_too(session: AzureSession, sim: Sim) -> None:
    """A drill's fault step names its resource by the full path."""
    sim_admin(session, "PUT", "/providers/Mcctl.Simulator/outages/northeurope")
    assert sim.outages == ["northeurope"]
    assert sim_admin(session, "GET", "/providers/Mcctl.Simulator/outages/northeurope")["down"] is True
