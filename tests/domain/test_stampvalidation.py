"""The verdicts of `stamps validate`: measured values in, named checks and a verdict out (pure)."""

from __future__ import annotations

import json

import pytest

from mcctl.domain.estate import ReleaseSettings, SmokeCheck, Stamp
from mcctl.domain.health_signals import ProbeResult, Signal
from mcctl.domain.observed import AppServicePlanState, WebAppState
from mcctl.domain.stampvalidation import (
    CheckResult,
    CheckVerdict,
    ValidationSettings,
    Verdict,
    from_signal,
    judge_app,
    judge_health,
    judge_instances,
    judge_latency,
    judge_smoke,
    parse_latency_ms,
    parse_smoke,
    settings_for,
    smoke_url,
    validation,
    verdict_of,
)
from mcctl.errors import UsageError

URL = "https://app-x.azurewebsites.net/health/stamp"


def _report(status: str, **checks: str) -> bytes:
    return json.dumps({"status": status, "entries": {k: {"status": v} for k, v in checks.items()}}).encode()


def _ok(ms: int = 100, status: int = 200, body: bytes | None = None) -> ProbeResult:
    return ProbeResult(URL, status, ms / 1000, _report("Healthy") if body is None else body)


def _plan(up: int | None, capacity: int | None = None) -> AppServicePlanState:
    return AppServicePlanState(
        "id", "plan", "westeurope", "P1v3", "PremiumV3", capacity or up, up, 30, "Ready", "Succeeded"
    )


def _app(state: str = "Running", availability: str = "Normal") -> WebAppState:
    return WebAppState("id", "app-x", "westeurope", state, True, availability, "app-x.azurewebsites.net", "plan")


def _check(name: str, verdict: CheckVerdict) -> CheckResult:
    return CheckResult(name, verdict, "x")


# -- the health endpoint ---------------------------------------------------------------------------
def test_every_probe_2xx_and_a_healthy_report_passes() -> None:
    check = judge_health([_ok(), _ok(), _ok()])
    assert (check.name, check.verdict) == ("health", CheckVerdict.PASS)
    assert check.values["http_statuses"] == [200, 200, 200] and check.values["ok"] == 3
    assert check.values["report_status"] == "Healthy"


def test_one_non_2xx_answer_fails_the_health_check_and_names_the_failing_report_checks() -> None:
    bad = ProbeResult(URL, 503, 0.05, _report("Unhealthy", Sql="Unhealthy", Redis="Healthy"))
    check = judge_health([_ok(), bad, _ok()])
    assert check.verdict is CheckVerdict.FAIL
    assert check.detail.startswith("1 of 3 probes failed: HTTP 503")
    assert check.values["failing_checks"] == ["Sql Unhealthy"] and check.values["ok"] == 2


def test_no_answer_fails_and_is_null_among_the_statuses() -> None:
    check = judge_health([_ok(), ProbeResult(URL, timed_out_after=5.0)])
    assert check.verdict is CheckVerdict.FAIL and "no answer within 5s" in check.detail
    assert check.values["http_statuses"] == [200, None]


def test_a_200_with_an_unhealthy_report_fails_and_a_degraded_one_warns() -> None:
    unhealthy = judge_health([_ok(body=_report("Unhealthy", Sql="Unhealthy"))])
    degraded = judge_health([_ok(body=_report("Degraded", Redis="Degraded"))])
    assert unhealthy.verdict is CheckVerdict.FAIL and "report Unhealthy" in unhealthy.detail
    assert degraded.verdict is CheckVerdict.WARN and "Redis Degraded" in degraded.detail


def test_a_body_without_a_report_is_judged_by_status_alone() -> None:
    check = judge_health([_ok(body=b"OK")])
    assert check.verdict is CheckVerdict.PASS and check.values["report_status"] is None


# -- latency ---------------------------------------------------------------------------------------
def test_latency_reports_p50_and_max_and_passes_under_the_limit() -> None:
    check = judge_latency([_ok(100), _ok(300), _ok(200), _ok(900), _ok(150)], 1000)
    assert check.verdict is CheckVerdict.PASS
    assert (check.values["p50_ms"], check.values["max_ms"], check.values["limit_ms"]) == (200, 900, 1000)


def test_one_probe_at_the_limit_fails_latency() -> None:
    check = judge_latency([_ok(100), _ok(1000)], 1000)
    assert check.verdict is CheckVerdict.FAIL and "1 of 2 at or over 1000 ms" in check.detail


def test_an_unanswered_probe_fails_latency_even_if_the_rest_were_fast() -> None:
    check = judge_latency([_ok(50), ProbeResult(URL, error="refused")], 1000)
    assert check.verdict is CheckVerdict.FAIL and check.values["unanswered"] == 1


# -- smoke -----------------------------------------------------------------------------------------
def test_smoke_wants_its_status_and_its_own_latency_limit() -> None:
    wanted_404 = SmokeCheck("/missing", 404)
    assert judge_smoke(wanted_404, ProbeResult("u", 404, 0.05), 1000).verdict is CheckVerdict.PASS
    wrong = judge_smoke(SmokeCheck("/"), ProbeResult("u", 500, 0.05), 1000)
    assert wrong.verdict is CheckVerdict.FAIL and wrong.detail == "HTTP 500 in 50 ms, wanted 200"
    assert wrong.name == "smoke:/" and wrong.values["wanted_status"] == 200
    slow = judge_smoke(SmokeCheck("/api", 200, max_latency_ms=100), ProbeResult("u", 200, 0.2), 1000)
    assert slow.verdict is CheckVerdict.FAIL and slow.values["limit_ms"] == 100
    assert judge_smoke(SmokeCheck("/api"), ProbeResult("u", timed_out_after=2.0), 1000).verdict is CheckVerdict.FAIL


def test_smoke_url_is_on_the_stamps_own_host() -> None:
    stamp = Stamp("s", "westeurope", "sub", "rg", "plan", "app", "o", "https://app-s.example.net:8443/health/stamp")
    assert smoke_url(stamp, "/api/items") == "https://app-s.example.net:8443/api/items"


# -- app, instances, sql/redis ---------------------------------------------------------------------
def test_app_running_passes_stopped_fails_limited_warns_unread_fails() -> None:
    assert judge_app(_app()).verdict is CheckVerdict.PASS
    assert judge_app(_app("Stopped")).verdict is CheckVerdict.FAIL
    assert judge_app(_app(availability="Limited")).verdict is CheckVerdict.WARN
    unread = judge_app(None)
    assert unread.verdict is CheckVerdict.FAIL and unread.values["health"] == "unknown"


def test_instances_below_the_release_minimum_fail() -> None:
    assert judge_instances(_plan(2), 2).verdict is CheckVerdict.PASS
    few = judge_instances(_plan(1, 3), 2)
    assert few.verdict is CheckVerdict.FAIL and (few.values["up"], few.values["configured"]) == (1, 3)
    assert judge_instances(_plan(0), 2).verdict is CheckVerdict.FAIL
    assert judge_instances(None, 2).verdict is CheckVerdict.FAIL


def test_signals_map_to_verdicts_and_unknown_fails() -> None:
    assert from_signal("sql", Signal("sql", "healthy", "ok"), "-").verdict is CheckVerdict.PASS
    assert from_signal("sql", Signal("sql", "degraded", "secondary down"), "-").verdict is CheckVerdict.WARN
    assert from_signal("redis", Signal("redis", "unhealthy", "broken"), "-").verdict is CheckVerdict.FAIL
    unknown = from_signal("redis", Signal("redis", "unknown", "not read"), "-")
    assert unknown.verdict is CheckVerdict.FAIL and unknown.detail == "could not be judged: not read"
    assert from_signal("sql", None, "no SQL verdict").detail == "no SQL verdict"


# -- the verdict -----------------------------------------------------------------------------------
def test_verdict_fails_on_any_fail_and_on_a_warning_only_when_strict() -> None:
    passing = [_check("health", CheckVerdict.PASS), _check("app", CheckVerdict.WARN)]
    assert verdict_of(passing) is Verdict.PASSED
    assert verdict_of(passing, strict=True) is Verdict.FAILED
    assert verdict_of([*passing, _check("sql", CheckVerdict.FAIL)]) is Verdict.FAILED


def test_document_names_the_stamp_and_its_lifecycle() -> None:
    stamp = Stamp("weu-3", "westeurope", "sub", "rg", "plan", "app", "o", URL)
    settings = ValidationSettings(probes=5, max_latency_ms=800, min_instances=2)
    result = validation(stamp, settings, [_check("health", CheckVerdict.FAIL)], seconds=1.23456, checked_at="t")
    data = result.to_dict()
    assert (data["stamp"], data["region"], data["lifecycle"], data["verdict"]) == (
        "weu-3",
        "westeurope",
        "active",
        "failed",
    )
    assert data["seconds"] == 1.235 and data["checks"][0] == {"name": "health", "verdict": "fail", "detail": "x"}
    assert [c.name for c in result.failed] == ["health"]


# -- input -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "ms"), [("800ms", 800), ("1s", 1000), ("1.5s", 1500), ("250", 250)])
def test_latency_spellings(text: str, ms: int) -> None:
    assert parse_latency_ms(text) == ms


@pytest.mark.parametrize("text", ["", "fast", "0ms", "-5ms", "601s", "1e3"])
def test_bad_latency_names_the_option(text: str) -> None:
    with pytest.raises(UsageError, match="^--max-latency: "):
        parse_latency_ms(text)


def test_smoke_spellings_and_mistakes() -> None:
    assert parse_smoke("/") == SmokeCheck("/", 200)
    assert parse_smoke("/missing=404") == SmokeCheck("/missing", 404)
    assert parse_smoke("/api?page=2") == SmokeCheck("/api?page=2", 200)  # a query keeps its '='
    for bad in ("api", "", "/x=600", "/a b"):
        with pytest.raises(UsageError, match="^--smoke: "):
            parse_smoke(bad)


def test_overrides_replace_the_estate_release_settings() -> None:
    release = ReleaseSettings(smoke=(SmokeCheck("/", 200, 300), SmokeCheck("/api")), probes=5, max_latency_ms=1000)
    settings = settings_for(release, probes=2, max_latency_ms=800, smoke=[SmokeCheck("/", 503), SmokeCheck("/new")])
    assert (settings.probes, settings.max_latency_ms, settings.min_instances) == (2, 800, 2)
    assert settings.smoke == (SmokeCheck("/", 503, 300), SmokeCheck("/api"), SmokeCheck("/new"))
    assert settings_for(release).smoke == release.smoke and settings_for(release).probes == 5
    with pytest.raises(UsageError, match="^--probes: "):
        settings_for(release, probes=0)
