"""The health model: each signal's thresholds, the weighted stamp verdict, the roll-up tables and
shared-dependency propagation. Pure: no simulator, no SDK."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from mcctl.domain import health as h
from mcctl.domain.estate import HealthDependency, HealthSettings
from mcctl.domain.observed import AppServicePlanState, OriginState, WebAppState
from mcctl.domain.redislinks import RegionLinkVerdict

SETTINGS = HealthSettings()  # yellow 1000 ms, red 3000 ms, minimum 2 instances, redis weight 0.5
URL = "https://app-1.azurewebsites.net/health/stamp"


def _report(status: str = "Healthy", **checks: str) -> bytes:
    entries = {name: {"status": s, "duration": "00:00:00.0100000", "data": {}} for name, s in checks.items()}
    return json.dumps({"status": status, "totalDuration": "00:00:00.0300000", "entries": entries}).encode()


def _probe(status: int = 200, seconds: float = 0.1, body: bytes = b"") -> h.ProbeResult:
    return h.ProbeResult(URL, status, seconds, body)


# -- the probe signal --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seconds", "status", "reason"),
    [
        (0.999, "healthy", "HTTP 200 in 999 ms"),
        (1.0, "degraded", "slow: 1000 ms (yellow at 1000 ms)"),
        (2.999, "degraded", "slow: 2999 ms (yellow at 1000 ms)"),
        (3.0, "unhealthy", "slow: 3000 ms (red at 3000 ms)"),
    ],
)
def test_probe_latency_thresholds(seconds: float, status: str, reason: str) -> None:
    signal = h.probe_signal(_probe(seconds=seconds), SETTINGS)
    assert (signal.status, signal.reason) == (status, reason)
    assert signal.detail["latency_ms"] == round(seconds * 1000)


def test_latency_thresholds_come_from_the_settings() -> None:
    strict = replace(SETTINGS, latency_yellow_ms=100, latency_red_ms=200)
    assert h.probe_signal(_probe(seconds=0.15), strict).status == "degraded"
    assert h.probe_signal(_probe(seconds=0.25), strict).status == "unhealthy"


def test_a_timeout_is_unhealthy_and_says_after_how_long() -> None:
    signal = h.probe_signal(h.ProbeResult(URL, timed_out_after=5.0), SETTINGS)
    assert signal.status == "unhealthy" and signal.reason == "timeout after 5s"
    assert h.probe_signal(h.ProbeResult(URL, timed_out_after=0.25), SETTINGS).reason == "timeout after 0.25s"
    assert signal.detail["error"] == "timeout" and signal.detail["http_status"] is None


def test_a_connection_failure_is_unhealthy() -> None:
    signal = h.probe_signal(h.ProbeResult(URL, error="Name or service not known"), SETTINGS)
    assert signal.status == "unhealthy" and signal.reason == "unreachable: Name or service not known"


def test_an_error_status_is_unhealthy_and_names_the_failing_checks() -> None:
    body = _report("Unhealthy", Sql="Unhealthy", Redis="Healthy")
    signal = h.probe_signal(_probe(503, 0.04, body), SETTINGS)
    assert signal.status == "unhealthy"
    assert signal.reason == "HTTP 503 in 40 ms, report Unhealthy — checks: Sql Unhealthy"
    assert signal.detail["report_status"] == "Unhealthy"
    assert [c["name"] for c in signal.detail["checks"]] == ["Sql", "Redis"]


def test_an_error_status_without_a_report_is_unhealthy() -> None:
    signal = h.probe_signal(_probe(403, 0.01, b"<h1>Error 403 - This web app is stopped.</h1>"), SETTINGS)
    assert (signal.status, signal.reason) == ("unhealthy", "HTTP 403 in 10 ms")
    assert signal.detail["checks"] == [] and signal.detail["report_status"] is None


def test_the_report_can_degrade_or_fail_a_200() -> None:
    degraded = h.probe_signal(_probe(body=_report("Degraded", Sql="Healthy", Redis="Degraded")), SETTINGS)
    assert degraded.status == "degraded" and "report Degraded — checks: Redis Degraded" in degraded.reason
    unhealthy = h.probe_signal(_probe(body=_report("Unhealthy", Sql="Unhealthy")), SETTINGS)
    assert unhealthy.status == "unhealthy" and "report Unhealthy" in unhealthy.reason
    healthy = h.probe_signal(_probe(body=_report("Healthy", Sql="Healthy")), SETTINGS)
    assert healthy.status == "healthy" and healthy.detail["report_status"] == "Healthy"


def test_red_latency_wins_over_a_degraded_report() -> None:
    signal = h.probe_signal(_probe(seconds=4, body=_report("Degraded", Sql="Degraded")), SETTINGS)
    assert signal.status == "unhealthy" and signal.reason.startswith("slow: 4000 ms")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"status": "Healthy", "entries": {"Sql": {"status": "Healthy", "description": "ok"}}}', ("Healthy", 1)),
        (b'{"status": "Degraded", "checks": [{"name": "Blob", "status": "Degraded"}]}', ("Degraded", 1)),
        (b'{"status": "Healthy"}', ("Healthy", 0)),
        (b"<html>ok</html>", None),
        (b'{"healthy": true}', None),
        (b"\xff\xfe", None),
        (b"[1, 2]", None),
    ],
)
def test_parse_report_accepts_the_mission_critical_shapes_only(body: bytes, expected: tuple | None) -> None:
    report = h.parse_report(body)
    assert (None if report is None else (report.status, len(report.checks))) == expected


# -- inventory signals -------------------------------------------------------------------------------
def _app(state: str = "Running", availability: str | None = "Normal", enabled: bool | None = True) -> WebAppState:
    return WebAppState("id", "app-1", "West Europe", state, enabled, availability, "app-1.azurewebsites.net", None)


def _plan(workers: int | None, capacity: int | None = None) -> AppServicePlanState:
    return AppServicePlanState(
        "id", "asp-1", "West Europe", "P1v3", "PremiumV3", capacity or workers, workers, 30, "Ready", "Succeeded"
    )


@pytest.mark.parametrize(
    ("app", "status", "reason"),
    [
        (_app(), "healthy", "Running"),
        (_app("Stopped"), "unhealthy", "app-1 is Stopped"),
        (_app(enabled=False), "unhealthy", "app-1 is disabled"),
        (_app(availability="Limited"), "degraded", "availability Limited (the region is impaired)"),
        (_app(availability="DisasterRecoveryMode"), "unhealthy", "availability DisasterRecoveryMode"),
        (_app(availability=None), "healthy", "Running"),
    ],
)
def test_app_signal(app: WebAppState, status: str, reason: str) -> None:
    assert (h.app_signal(app).status, h.app_signal(app).reason) == (status, reason)


def test_a_missing_resource_is_unhealthy_and_an_unread_one_unknown() -> None:
    assert h.app_signal(None, "web app 'x' not found in rg").status == "unhealthy"
    assert h.app_signal(None).status == "unknown"
    assert h.instances_signal(None, 2, "App Service plan 'x' not found").status == "unhealthy"
    assert h.instances_signal(None, 2).status == "unknown"
    assert h.origin_signal(None, "Front Door origin 'x' not found").status == "unhealthy"
    assert h.origin_signal(None).status == "unknown"


@pytest.mark.parametrize(
    ("workers", "capacity", "minimum", "status", "reason"),
    [
        (3, 3, 2, "healthy", "3 up (minimum 2)"),
        (2, 2, 2, "healthy", "2 up (minimum 2)"),
        (1, 1, 2, "degraded", "only 1 up (minimum 2)"),
        (1, 3, 2, "degraded", "only 1 of 3 up (minimum 2)"),
        (0, 3, 2, "unhealthy", "no instance up of 3"),
        (1, 1, 1, "healthy", "1 up (minimum 1)"),
    ],
)
def test_instances_against_the_configured_minimum(
    workers: int, capacity: int, minimum: int, status: str, reason: str
) -> None:
    signal = h.instances_signal(_plan(workers, capacity), minimum)
    assert (signal.status, signal.reason) == (status, reason)


def test_origin_signal() -> None:
    enabled = OriginState("id", "origin-1", "h", "Enabled", 1000, 1, "Succeeded", "NotStarted")
    assert h.origin_signal(enabled).status == "healthy"
    disabled = replace(enabled, enabled_state="Disabled")
    assert (h.origin_signal(disabled).status, h.origin_signal(disabled).reason) == (
        "degraded",
        "origin-1 is Disabled (no traffic)",
    )


@pytest.mark.parametrize(
    ("verdict", "status"), [("linked", "healthy"), ("degraded", "degraded"), ("broken", "unhealthy")]
)
def test_redis_signal_follows_the_link_verdict(verdict: str, status: str) -> None:
    signal = h.redis_signal(RegionLinkVerdict("westeurope", verdict, "LinkFailed as seen from eastus2"))  # type: ignore[arg-type]
    assert signal.status == status and signal.reason == f"{verdict}: LinkFailed as seen from eastus2"
    assert h.redis_signal(None).status == "unknown"


@pytest.mark.parametrize(
    ("role", "reachable", "status"),
    [
        ("Primary", True, "healthy"),
        ("Secondary", True, "healthy"),
        ("Primary", False, "unhealthy"),
        ("Secondary", False, "degraded"),
        (None, True, "unknown"),
        ("Primary", None, "unknown"),
    ],
)
def test_sql_signal_by_role_and_reachability(role: str | None, reachable: bool | None, status: str) -> None:
    reach = h.SqlServerReach("westeurope", "sql-weu", role, reachable, None if reachable else "HTTP 504")
    assert h.sql_signal(reach).status == status


def test_sql_reason_names_the_server_and_role() -> None:
    reach = h.SqlServerReach("eastus2", "sql-eus2", "Secondary", False, "HTTP 504 GatewayTimeout")
    assert h.sql_signal(reach).text == "SQL: secondary sql-eus2 unreachable: HTTP 504 GatewayTimeout"


# -- the stamp verdict: worst-of with weights ----------------------------------------------------------
def _s(name: str, status: str) -> h.Signal:
    return h.Signal(name, status, f"{name} is {status}")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        ([("probe", "healthy"), ("app", "healthy")], "healthy"),
        ([("probe", "healthy"), ("app", "degraded")], "degraded"),
        ([("probe", "unhealthy"), ("app", "degraded")], "unhealthy"),
        ([("probe", "healthy"), ("app", "unknown")], "unknown"),
        ([("probe", "degraded"), ("app", "unknown")], "degraded"),
        # redis weighs 0.5: broken only degrades, degraded does not count
        ([("probe", "healthy"), ("redis", "unhealthy")], "degraded"),
        ([("probe", "healthy"), ("redis", "degraded")], "healthy"),
        ([], "unknown"),
    ],
)
def test_stamp_verdict_is_the_worst_weighted_signal(signals: list[tuple[str, str]], expected: str) -> None:
    stamp = h.stamp_health("weu-1", "westeurope", [_s(n, s) for n, s in signals], SETTINGS)
    assert stamp.status == expected


def test_reasons_list_what_counted_and_notes_what_did_not() -> None:
    signals = [_s("probe", "healthy"), _s("app", "degraded"), _s("redis", "degraded"), _s("origin", "unhealthy")]
    stamp = h.stamp_health("weu-1", "westeurope", signals, SETTINGS)
    assert stamp.status == "unhealthy"
    assert stamp.reasons == ["Front Door origin: origin is unhealthy", "web app: app is degraded"]
    assert stamp.notes == ["Redis link: redis is degraded (weight 0.5: not counted)"]


def test_weights_are_configurable_and_zero_only_shows() -> None:
    settings = replace(SETTINGS, weights=(("probe", 1.0), ("origin", 0.0), ("redis", 1.0)))
    assert h.stamp_health("s", "r", [_s("origin", "unhealthy")], settings).status == "healthy"
    assert h.stamp_health("s", "r", [_s("redis", "degraded")], settings).status == "degraded"
    assert h.stamp_health("s", "r", [_s("origin", "unknown")], settings).status == "healthy"


# -- roll-up tables ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("children", "share", "expected"),
    [
        (["healthy", "healthy"], 1.0, "healthy"),
        (["healthy", "degraded"], 1.0, "degraded"),
        (["healthy", "unhealthy"], 1.0, "degraded"),
        (["unhealthy", "unhealthy"], 1.0, "unhealthy"),
        (["unhealthy", "unknown"], 1.0, "degraded"),
        (["healthy", "unknown"], 1.0, "unknown"),
        (["unknown", "unknown"], 1.0, "unknown"),
        (["healthy", "unhealthy"], 0.5, "unhealthy"),
        (["healthy", "healthy", "unhealthy"], 0.5, "degraded"),
        (["healthy", "unhealthy", "unhealthy"], 0.5, "unhealthy"),
        (["healthy", "healthy", "unhealthy"], 0.0, "unhealthy"),  # worst-of
        (["healthy", "degraded"], 0.0, "degraded"),
        ([], 1.0, "unknown"),
    ],
)
def test_rollup_table(children: list[str], share: float, expected: str) -> None:
    assert h.rollup({f"c{i}": s for i, s in enumerate(children)}, share) == expected


def _stamp(name: str, region: str, status: str) -> h.StampHealth:
    return h.StampHealth(name, region, status, [] if status == "healthy" else [f"{name} {status}"], [], ())  # type: ignore[arg-type]


DEMO = [("weu-1", "westeurope"), ("weu-2", "westeurope"), ("neu-1", "northeurope"), ("neu-2", "northeurope")]


@pytest.mark.parametrize(
    ("statuses", "estate_share", "expected", "code"),
    [
        (["healthy"] * 4, 1.0, "healthy", 0),
        (["healthy", "healthy", "unhealthy", "unhealthy"], 1.0, "degraded", 10),  # one region down
        (["healthy", "unhealthy", "healthy", "healthy"], 1.0, "degraded", 10),  # one stamp down
        (["unhealthy"] * 4, 1.0, "unhealthy", 11),  # every region down
        (["healthy", "healthy", "unhealthy", "unhealthy"], 0.0, "unhealthy", 11),  # estate: worst-of
        (["healthy", "healthy", "healthy", "unknown"], 1.0, "unknown", 10),
    ],
)
def test_estate_rollup_and_check_exit_codes(statuses: list[str], estate_share: float, expected: str, code: int) -> None:
    settings = replace(SETTINGS, estate_unhealthy_share=estate_share)
    stamps = [_stamp(n, r, s) for (n, r), s in zip(DEMO, statuses, strict=True)]
    estate = h.estate_health("demo", stamps, settings)
    assert (estate.status, estate.exit_code) == (expected, code)
    assert list(estate.regions) == ["westeurope", "northeurope"]


def test_region_reasons_count_the_stamps() -> None:
    stamps = [_stamp("weu-1", "westeurope", "unhealthy"), _stamp("weu-2", "westeurope", "degraded")]
    estate = h.estate_health("demo", stamps, SETTINGS)
    region = estate.regions["westeurope"]
    assert region.status == "degraded"
    assert region.reasons == ["1 of 2 stamps unhealthy (weu-1)", "1 of 2 stamps degraded (weu-2)"]
    assert estate.reasons == [
        "region westeurope degraded: 1 of 2 stamps unhealthy (weu-1); 1 of 2 stamps degraded (weu-2)"
    ]


# -- shared dependencies -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("dep_status", "impact", "expected"),
    [
        ("healthy", "degraded", "healthy"),
        ("unhealthy", "degraded", "degraded"),
        ("unhealthy", "unhealthy", "unhealthy"),
        ("degraded", "unhealthy", "degraded"),
        ("degraded", "degraded", "degraded"),
        ("unknown", "unhealthy", "unknown"),
    ],
)
def test_a_dependency_holds_its_stamps_at_most_at_its_impact(dep_status: str, impact: str, expected: str) -> None:
    dep = h.DependencyHealth("app_configuration", dep_status, "HTTP 503", impact, ("weu-1",))  # type: ignore[arg-type]
    signal = h.dependency_signal(dep)
    assert signal.name == "dependency:app_configuration" and signal.status == expected
    assert signal.text.startswith("shared dependency app_configuration: ")


def test_a_down_dependency_degrades_every_dependent_stamp_and_the_estate() -> None:
    dep = h.DependencyHealth("app_configuration", "unhealthy", "HTTP 503", "degraded", ("weu-1", "neu-1"))
    stamps = []
    for name, region in DEMO:
        signals = [_s("probe", "healthy")]
        if name in dep.stamps:
            signals.append(h.dependency_signal(dep))
        stamps.append(h.stamp_health(name, region, signals, SETTINGS))
    estate = h.estate_health("demo", stamps, SETTINGS, [dep])
    assert {s.name: s.status for s in stamps} == {
        "weu-1": "degraded",
        "weu-2": "healthy",
        "neu-1": "degraded",
        "neu-2": "healthy",
    }
    assert stamps[0].reasons == ["shared dependency app_configuration: unhealthy: HTTP 503"]
    assert estate.status == "degraded"
    assert estate.reasons[-1] == "shared dependency app_configuration unhealthy: HTTP 503"


def test_the_sql_dependency_is_the_primary_answering() -> None:
    assert h.sql_primary_signal(None).status == "unknown"
    down = h.SqlServerReach("westeurope", "sql-weu", "Primary", False, "HTTP 504")
    assert h.sql_primary_signal(down).reason == "primary sql-weu (westeurope) unreachable: HTTP 504"
    up = h.SqlServerReach("westeurope", "sql-weu", "Primary", True)
    assert h.sql_primary_signal(up).status == "healthy"
    dep = h.dependency_health(HealthDependency("sql"), ["weu-1"], h.sql_primary_signal(down))
    assert (dep.status, dep.impact, dep.stamps) == ("unhealthy", "degraded", ("weu-1",))


# -- JSON --------------------------------------------------------------------------------------------
def test_to_dict_is_plain_json_with_the_documented_keys() -> None:
    signals = [h.probe_signal(_probe(body=_report(Sql="Healthy")), SETTINGS), _s("redis", "degraded")]
    stamp = h.stamp_health("weu-1", "westeurope", signals, SETTINGS)
    estate = h.estate_health("demo", [stamp], SETTINGS, scope={"region": None, "stamp": None}, checked_at="t")
    data = json.loads(json.dumps(estate.to_dict()))
    assert set(data) == {
        "estate",
        "scope",
        "status",
        "reasons",
        "checked_at",
        "timeout_seconds",
        "regions",
        "stamps",
        "dependencies",
        "errors",
    }
    (row,) = data["stamps"]
    assert set(row) == {"name", "region", "status", "reasons", "notes", "probe", "signals"}
    assert set(row["probe"]) == {"url", "http_status", "latency_ms", "error", "report_status", "checks"}
    assert row["signals"][1] == {
        "name": "redis",
        "status": "degraded",
        "reason": "redis is degraded",
        "weight": 0.5,
        "counted": False,
    }
    assert data["regions"][0] == {
        "name": "westeurope",
        "status": "healthy",
        "reasons": [],
        "healthy_stamps": 1,
        "total_stamps": 1,
        "stamps": {"weu-1": "healthy"},
    }
