"""ops.health.assess on the simulated demo estate: probes, inventory signals, SQL reachability,
shared dependencies, and a hung endpoint that never hangs the call."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from mcctl.adapters.clients import AzureSession, WebResponse
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.domain.estate import Estate
from mcctl.errors import UsageError
from mcctl.ops import health as ops_health
from mcctl.ops.health import assess, run_bounded
from mcctl.ops.inventory import read_inventory
from mcctl.sim import runtime
from mcctl.sim.app import Sim
from mcctl.sim.providers.health import set_fault


def _statuses(result) -> dict[str, str]:
    return {name: s.status for name, s in result.stamps.items()}


def test_the_demo_estate_is_healthy_on_every_signal(session: AzureSession, demo_estate: Estate) -> None:
    result = assess(session, demo_estate)
    assert result.status == "healthy" and result.exit_code == 0 and result.reasons == []
    assert set(_statuses(result).values()) == {"healthy"}
    assert {r.status for r in result.regions.values()} == {"healthy"}
    stamp = result.stamps["weu-1"]
    assert [s.name for s in stamp.signals] == [
        "probe",
        "app",
        "instances",
        "origin",
        "edge",
        "redis",
        "sql",
        "dependency:sql",
    ]
    assert stamp.signal("sql").reason == "primary sql-mc-weu reachable"
    assert result.stamps["neu-1"].signal("sql").reason == "secondary sql-mc-neu reachable"
    assert stamp.probe["http_status"] == 200 and stamp.probe["report_status"] == "Healthy"
    assert result.dependencies["sql"].status == "healthy" and result.errors == []
    assert result.timeout_seconds == 5.0 and result.checked_at.endswith("Z")


def test_a_region_outage_makes_its_stamps_unhealthy_and_the_estate_degraded(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    sim.set_outage("eastus2", True)
    result = assess(session, demo_estate)
    assert _statuses(result) == {
        "weu-1": "healthy",
        "weu-2": "healthy",
        "neu-1": "healthy",
        "neu-2": "healthy",
        "eus2-1": "unhealthy",
        "eus2-2": "unhealthy",
    }
    reasons = result.stamps["eus2-1"].reasons
    assert reasons[0].startswith("health endpoint: HTTP 503")
    assert "web app: availability Limited (the region is impaired)" in reasons
    assert "SQL: secondary sql-mc-eus2 unreachable: HTTP 504 GatewayTimeout" in reasons
    assert any(r.startswith("Redis link: broken") for r in reasons)
    assert result.regions["eastus2"].status == "unhealthy"
    assert result.status == "degraded" and result.exit_code == 10
    assert result.reasons == ["region eastus2 unhealthy: 2 of 2 stamps unhealthy (eus2-1, eus2-2)"]


def test_an_outage_of_the_sql_primary_region_degrades_every_other_stamp(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    sim.set_outage("westeurope", True)
    result = assess(session, demo_estate)
    assert result.dependencies["sql"].status == "unhealthy"
    assert result.stamps["weu-1"].status == "unhealthy"
    assert "SQL: primary sql-mc-weu unreachable: HTTP 504 GatewayTimeout" in result.stamps["weu-1"].reasons
    neu = result.stamps["neu-1"]
    assert neu.status == "degraded"
    assert neu.reasons == [
        "shared dependency sql: unhealthy: primary sql-mc-weu (westeurope) unreachable: HTTP 504 GatewayTimeout"
    ]
    assert result.status == "unhealthy" and result.exit_code == 11  # issue 14: no region can write
    assert result.reasons[-1].startswith("shared dependency sql unhealthy: primary sql-mc-weu")


def test_every_region_down_is_unhealthy(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    for region in demo_estate.regions:
        sim.set_outage(region, True)
    result = assess(session, demo_estate)
    assert result.status == "unhealthy" and result.exit_code == 11
    assert result.dependencies["sql"].status == "unknown"  # no member answers: the primary is unknown


@pytest.mark.parametrize(
    ("latency", "status", "reason"),
    [
        (1.5, "degraded", "health endpoint: slow: 1500 ms (yellow at 1000 ms)"),
        (3.5, "unhealthy", "health endpoint: slow: 3500 ms (red at 3000 ms)"),
    ],
)
def test_a_slow_stamp(
    session: AzureSession, sim: Sim, demo_estate: Estate, latency: float, status: str, reason: str
) -> None:
    set_fault(sim, demo_estate.stamps[0].health_url, "slow", target="stamp weu-1", latency=latency)
    result = assess(session, demo_estate, stamp="weu-1")
    assert list(result.stamps) == ["weu-1"]
    assert result.stamps["weu-1"].status == status and result.stamps["weu-1"].reasons == [reason]
    assert result.status == status  # the scope is one stamp: its region and "estate" follow it


def test_a_hung_stamp_times_out_after_the_probe_timeout(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    set_fault(sim, demo_estate.stamps[4].health_url, "down", target="stamp eus2-1")
    result = assess(session, demo_estate, region="eastus2", timeout=2.5)
    assert result.stamps["eus2-1"].status == "unhealthy"
    # Front Door's own probes (30 s) time out too, and take it out of rotation
    assert result.stamps["eus2-1"].reasons == [
        "health endpoint: timeout after 2.5s",
        "Front Door probes: 0% succeed (needs 75%): out of rotation",
    ]
    assert result.stamps["eus2-1"].probe["error"] == "timeout"
    assert result.regions["eastus2"].status == "degraded" and result.timeout_seconds == 2.5


def test_a_failing_check_in_the_report_is_a_reason(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    set_fault(sim, demo_estate.stamps[2].health_url, "fail", target="stamp neu-1", check="Sql")
    result = assess(session, demo_estate, stamp="neu-1")
    reason, edge = result.stamps["neu-1"].reasons  # a 503 fails Front Door's probes too
    assert edge == "Front Door probes: 0% succeed (needs 75%): out of rotation"
    assert reason.startswith("health endpoint: HTTP 503") and reason.endswith(
        "report Unhealthy — checks: Sql Unhealthy (simulated failure)"
    )


def test_stopped_app_few_instances_and_disabled_origin(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    weu1, weu2, neu1 = demo_estate.stamps[:3]
    session.web(weu1.subscription).web_apps.stop(weu1.resource_group, weu1.web_app)
    with sim.store.transaction():
        plan = sim.store.require(weu2.plan_ref.id)
        plan["sku"]["capacity"] = plan["properties"]["numberOfWorkers"] = 1
        sim.store.put(plan)
        origin = sim.store.require(demo_estate.frontdoor.origin_id(neu1.origin))
        origin["properties"]["enabledState"] = "Disabled"
        sim.store.put(origin)
    result = assess(session, demo_estate)
    assert result.stamps["weu-1"].status == "unhealthy"
    assert result.stamps["weu-1"].reasons == [
        "health endpoint: HTTP 403 in 0 ms",
        "web app: app-mc-weu-1 is Stopped",
        "Front Door probes: 0% succeed (needs 75%): out of rotation",
    ]
    assert result.stamps["weu-2"].reasons == ["instances: only 1 up (minimum 2)"]
    assert result.stamps["neu-1"].reasons == ["Front Door origin: origin-neu-1 is Disabled (no traffic)"]
    assert result.regions["westeurope"].status == "degraded"  # 1 of 2 unhealthy: not every stamp


def test_a_read_failure_makes_its_signals_unknown_not_a_crash(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    sim.add_fault({"kind": "error", "path": "/serverfarms", "status": 500, "count": None})
    result = assess(session, demo_estate, region="westeurope")
    stamp = result.stamps["weu-1"]
    assert stamp.signal("instances").status == "unknown" and stamp.status == "unknown"
    assert stamp.reasons == ["instances: App Service plan could not be read"]
    assert result.status == "unknown" and result.exit_code == 10
    assert result.errors and "HTTP 500" in result.errors[0]


def test_an_inventory_already_read_is_not_read_again(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    inventory = read_inventory(session, demo_estate, "northeurope")
    sim.requests.clear()
    result = assess(session, demo_estate, region="northeurope", inventory=inventory)
    assert _statuses(result) == {"neu-1": "healthy", "neu-2": "healthy"}
    assert not any("serverfarms" in r.path or "/origins" in r.path for r in sim.requests)


def test_unknown_region_or_stamp_is_a_usage_error(session: AzureSession, demo_estate: Estate) -> None:
    with pytest.raises(UsageError, match="--region: 'japaneast' has no stamps"):
        assess(session, demo_estate, region="japaneast")
    with pytest.raises(UsageError, match="--stamp: unknown stamp 'weu-9'"):
        assess(session, demo_estate, stamp="weu-9")
    with pytest.raises(UsageError, match="not in region"):
        assess(session, demo_estate, region="eastus2", stamp="weu-1")
    with pytest.raises(UsageError, match="--timeout"):
        assess(session, demo_estate, timeout=-1)


# -- shared dependencies with their own endpoint ---------------------------------------------------------
HEALTH_SECTION = """
health:
  dependencies:
    sql:
    app_configuration:
      health_url: https://appcs-mc-demo.azconfig.io/health
      impact: {impact}
      regions: [westeurope, eastus2]
"""


def _estate_with_dependency(tmp_path: Path, impact: str) -> Estate:
    text = demo_source().text + HEALTH_SECTION.format(impact=impact)
    path = tmp_path / "estate.yaml"
    path.write_text(text, encoding="utf-8")
    return load_estate(EstateSource(str(path), text))


@pytest.mark.parametrize("impact", ["degraded", "unhealthy"])
def test_a_down_dependency_holds_every_dependent_stamp_at_its_impact(tmp_path: Path, impact: str) -> None:
    estate = _estate_with_dependency(tmp_path, impact)
    sim, _ = runtime.open_simulator(estate, "fp", persist=False)
    session = simulated_session(estate, sim)
    try:
        healthy = assess(session, estate)
        assert healthy.status == "healthy" and healthy.dependencies["app_configuration"].status == "healthy"
        assert "dependency:app_configuration" not in [s.name for s in healthy.stamps["neu-1"].signals]
        set_fault(sim, "https://appcs-mc-demo.azconfig.io/health", "fail", target="x", check="Service")
        result = assess(session, estate)
    finally:
        session.close()
    dep = result.dependencies["app_configuration"]
    assert dep.status == "unhealthy" and dep.stamps == ("weu-1", "weu-2", "eus2-1", "eus2-2")
    assert {n: s for n, s in _statuses(result).items() if s != "healthy"} == {
        n: impact for n in ("weu-1", "weu-2", "eus2-1", "eus2-2")
    }
    assert result.stamps["weu-1"].reasons[0].startswith("shared dependency app_configuration: unhealthy: HTTP 503")
    assert result.regions["westeurope"].status == impact and result.regions["northeurope"].status == "healthy"
    assert result.status == "degraded"  # northeurope does not depend on it
    assert dep.to_dict()["probe"]["http_status"] == 503


# -- concurrency and the bound on waiting ------------------------------------------------------------
def _fake_web_get(responses: dict[str, WebResponse], hang: dict[str, threading.Event] | None = None):
    def web_get(url: str, timeout: float) -> WebResponse:
        if hang and url in hang:
            hang[url].wait(30)  # a socket that never answers and ignores its timeout
        return responses.get(url, WebResponse(200, {}, b'{"status": "Healthy", "entries": {}}', 0.05))

    return web_get


def test_probes_run_concurrently(session: AzureSession, demo_estate: Estate, monkeypatch: pytest.MonkeyPatch) -> None:
    barrier = threading.Barrier(len(demo_estate.stamps), timeout=10)

    def web_get(url: str, timeout: float) -> WebResponse:
        barrier.wait()  # breaks unless every probe is in flight at the same time
        return WebResponse(200, {}, b"ok", 0.05)

    monkeypatch.setattr(session, "web_get", web_get)
    result = assess(session, demo_estate)
    assert set(_statuses(result).values()) == {"healthy"}


def test_a_hung_endpoint_never_hangs_the_call(
    session: AzureSession, demo_estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    hung = demo_estate.stamps[1].health_url
    release = threading.Event()
    monkeypatch.setattr(session, "web_get", _fake_web_get({}, {hung: release}))
    monkeypatch.setattr(ops_health, "GRACE_SECONDS", 0.0)
    started = time.monotonic()
    try:
        result = assess(session, demo_estate, timeout=0.2)
    finally:
        release.set()
    assert time.monotonic() - started < 10
    assert result.stamps["weu-2"].status == "unhealthy"
    assert result.stamps["weu-2"].reasons == ["health endpoint: timeout after 0.2s"]
    others = {n: s for n, s in _statuses(result).items() if n != "weu-2"}
    assert set(others.values()) == {"healthy"}
    assert result.status == "degraded"


def test_run_bounded_abandons_late_tasks_and_keeps_the_others() -> None:
    release = threading.Event()
    tasks = {
        "fast": (lambda: 1, 5.0),
        "boom": (lambda: 1 / 0, 5.0),
        "hung": (lambda: release.wait(30), 0.05),
    }
    try:
        outcomes = run_bounded(tasks, max_workers=1)  # one worker: the hung task's is replaced
    finally:
        release.set()
    assert outcomes["fast"].done and outcomes["fast"].value == 1
    assert outcomes["boom"].done and isinstance(outcomes["boom"].error, ZeroDivisionError)
    assert not outcomes["hung"].done and outcomes["hung"].abandoned


def test_connection_failures_are_reasons(session: AzureSession, demo_estate: Estate, monkeypatch) -> None:
    from azure.core.exceptions import ServiceRequestError

    def web_get(url: str, timeout: float) -> WebResponse:
        raise ServiceRequestError("Failed to resolve 'app-mc-weu-1.azurewebsites.net'")

    monkeypatch.setattr(session, "web_get", web_get)
    result = assess(session, replace(demo_estate, stamps=demo_estate.stamps[:1]))
    assert result.stamps["weu-1"].reasons == [
        "health endpoint: unreachable: Failed to resolve 'app-mc-weu-1.azurewebsites.net'"
    ]


def test_simulated_probes_do_not_see_each_others_latency(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    """One shared simulated clock: a hung stamp's 5 simulated seconds must not be counted in the
    latency of the others."""
    set_fault(sim, demo_estate.stamps[3].health_url, "down", target="stamp neu-2")
    set_fault(sim, demo_estate.stamps[0].health_url, "slow", target="stamp weu-1", latency=2.0)
    result = assess(session, demo_estate)
    assert {n: s for n, s in _statuses(result).items() if s != "healthy"} == {"neu-2": "unhealthy", "weu-1": "degraded"}
    assert all(s.probe["latency_ms"] < 1000 for n, s in result.stamps.items() if n not in ("neu-2", "weu-1"))
