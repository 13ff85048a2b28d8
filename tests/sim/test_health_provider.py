"""The simulator's stamp health endpoints, reached like any public endpoint (session.web_get)."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import ServiceResponseTimeoutError

from mcctl.adapters.clients import AzureSession
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import demo_source
from mcctl.domain.estate import Estate
from mcctl.sim import runtime
from mcctl.sim.app import Sim
from mcctl.sim.providers.health import endpoint_key, set_fault
from mcctl.sim.store import SimStore


def _get(session: AzureSession, url: str, timeout: float = 5.0):
    response = session.web_get(url, timeout)
    return response, (json.loads(response.body) if response.body.startswith(b"{") else None)


def test_every_stamp_answers_healthy_with_a_per_check_report(session: AzureSession, demo_estate: Estate) -> None:
    for stamp in demo_estate.stamps:
        response, report = _get(session, stamp.health_url)
        assert response.status == 200 and response.headers["Content-Type"].startswith("application/json")
        assert report["status"] == "Healthy" and report["totalDuration"].startswith("00:00:00.")
        assert set(report["entries"]) == {"Sql", "Redis", "StampStorage"}
        assert all(e["status"] == "Healthy" and "duration" in e for e in report["entries"].values())
        assert 0.04 <= response.seconds < 0.2  # simulated latency, one request at a time


def test_no_token_is_needed_and_other_paths_are_not_served(session: AzureSession, demo_estate: Estate) -> None:
    host = demo_estate.stamps[0].health_url.rsplit("/health/stamp", 1)[0]
    assert session.web_get(host + "/health", 5).status == 404
    assert session.web_get("https://nowhere.example.net/health/stamp", 5).status == 404


def test_a_region_outage_makes_its_endpoints_answer_503(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    sim.set_outage("eastus2", True)
    for stamp in demo_estate.stamps:
        response, report = _get(session, stamp.health_url)
        if stamp.region == "eastus2":
            assert response.status == 503 and report is None and b"Service Unavailable" in response.body
        else:
            assert response.status == 200
    sim.set_outage("eastus2", False)
    assert session.web_get(demo_estate.stamps[-1].health_url, 5).status == 200


def test_a_stopped_app_answers_403(session: AzureSession, demo_estate: Estate) -> None:
    stamp = demo_estate.stamps[1]
    session.web(stamp.subscription).web_apps.stop(stamp.resource_group, stamp.web_app)
    response = session.web_get(stamp.health_url, 5)
    assert response.status == 403 and b"This web app is stopped" in response.body


def test_slow_takes_simulated_time_and_ok_clears_it(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    url = demo_estate.stamps[0].health_url
    set_fault(sim, url, "slow", target="stamp weu-1", latency=2.5)
    before = sim.now()
    response, report = _get(session, url)
    assert response.status == 200 and report["status"] == "Healthy"
    assert 2.5 <= response.seconds < 2.6 and sim.now() - before >= 2.5
    set_fault(sim, url, "ok", target="stamp weu-1")
    assert session.web_get(url, 5).seconds < 0.2
    assert sim.store.data["health"]["faults"] == {}


def test_down_never_answers_so_the_client_times_out(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    url = demo_estate.stamps[2].health_url
    set_fault(sim, url, "down", target="stamp neu-1")
    before = sim.now()
    with pytest.raises(ServiceResponseTimeoutError):
        session.web_get(url, 4.0)
    assert sim.now() - before >= 4.0  # the client waited its timeout, in simulated time


@pytest.mark.parametrize(("mode", "status", "verdict"), [("fail", 503, "Unhealthy"), ("degraded", 200, "Degraded")])
def test_fail_and_degraded_report_the_failing_check(
    session: AzureSession, sim: Sim, demo_estate: Estate, mode: str, status: int, verdict: str
) -> None:
    url = demo_estate.stamps[3].health_url
    set_fault(sim, url, mode, target="stamp neu-2", check="Redis")
    response, report = _get(session, url)
    assert response.status == status and report["status"] == verdict
    assert report["entries"]["Redis"]["status"] == verdict
    assert report["entries"]["Redis"]["description"] == "simulated failure"
    assert report["entries"]["Sql"]["status"] == "Healthy"


def test_seed_records_stamp_and_dependency_endpoints(demo_estate: Estate) -> None:
    from dataclasses import replace

    from mcctl.domain.estate import HealthDependency

    dep = HealthDependency("app_configuration", "https://appcs.example.net/health")
    estate = replace(demo_estate, health=replace(demo_estate.health, dependencies=(dep,)))
    sim, _ = runtime.open_simulator(estate, demo_source().fingerprint, persist=False)
    endpoints = sim.store.data["health"]["endpoints"]
    assert endpoints[endpoint_key(estate.stamps[0].health_url)]["name"] == "weu-1"
    assert endpoints["appcs.example.net/health"] == {"kind": "dependency", "name": "app_configuration"}
    session = simulated_session(estate, sim)
    try:
        response, report = _get(session, dep.health_url)
        assert response.status == 200 and set(report["entries"]) == {"Service"}
        set_fault(sim, dep.health_url, "fail", target="dependency app_configuration", check="Service")
        assert session.web_get(dep.health_url, 5).status == 503
    finally:
        session.close()


def test_a_state_seeded_before_the_provider_still_serves_stamps(demo_estate: Estate, sim: Sim) -> None:
    data = sim.store.snapshot()
    del data["health"]
    old = Sim(SimStore(None, data), runtime.all_providers())
    session = simulated_session(demo_estate, old)
    try:
        assert session.web_get(demo_estate.stamps[0].health_url, 5).status == 200
        set_fault(old, demo_estate.stamps[0].health_url, "fail", target="stamp weu-1")
        assert session.web_get(demo_estate.stamps[0].health_url, 5).status == 503
    finally:
        session.close()


def test_front_door_probes_reach_the_stamp_endpoint_not_the_catch_all(sim: Sim, demo_estate: Estate) -> None:
    """Microsoft.Cdn serves any `/@web/{host}/...` for the Front Door endpoint; the stamp hosts'
    health routes must match first (HealthProvider registered before CdnProvider)."""
    key = endpoint_key(demo_estate.stamps[0].health_url)
    handler, _, _ = sim.router.match("GET", f"/@web/{key}")
    assert handler is not None and handler.__module__ == "mcctl.sim.providers.health"
