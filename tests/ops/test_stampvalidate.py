"""`ops.stampvalidate.validate_stamp` without a terminal: the estate's release settings by default,
and the simulated web app's answers on its own host (stopped: 403, as App Service answers)."""

from __future__ import annotations

from mcctl.domain.stampvalidation import CheckVerdict
from mcctl.ops.stampvalidate import validate_stamp


def test_default_settings_are_the_estates_release_section(session, demo_estate, registry) -> None:
    result = validate_stamp(session, demo_estate, demo_estate.stamp("neu-1"), registry=registry)
    assert result.passed and result.failed_checks == ()
    assert result.settings.probes == demo_estate.release.probes
    assert [c.name for c in result.checks] == ["health", "latency", "app", "instances", "sql", "redis"]


def test_a_stopped_app_fails_app_and_its_smoke_paths_answer_403(session, sim, demo_estate, registry) -> None:
    from dataclasses import replace

    from mcctl.domain.estate import SmokeCheck
    from mcctl.domain.stampvalidation import settings_for

    stamp = demo_estate.stamp("weu-1")
    site = sim.store.require(stamp.app_ref.id)
    site["properties"]["state"] = "Stopped"
    settings = replace(settings_for(demo_estate.release, probes=1), smoke=(SmokeCheck("/api"),))

    result = validate_stamp(session, demo_estate, stamp, settings, registry=registry)

    checks = {c.name: c for c in result.checks}
    assert not result.passed
    assert checks["app"].verdict is CheckVerdict.FAIL and "Stopped" in checks["app"].detail
    assert checks["smoke:/api"].values["http_status"] == 403
    assert checks["health"].values["http_statuses"] == [403]
    assert {c.name for c in result.failed_checks} == {"health", "smoke:/api", "app"}
