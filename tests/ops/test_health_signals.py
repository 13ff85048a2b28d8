"""Health signals come through the registry: the built-in ones are registered by `mcctl.ops.health`,
and a plugin's signal joins every stamp's verdict (with its own read, its weight, its errors)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from typer.testing import CliRunner

from mcctl.adapters.clients import AzureSession
from mcctl.cli.main import create_app
from mcctl.domain.estate import Estate, Stamp
from mcctl.domain.health import HealthReadings, Signal
from mcctl.errors import AzureRequestError
from mcctl.hookspecs import hookimpl
from mcctl.ops.health import assess
from mcctl.ops.registry import HealthSignal, Registry
from mcctl.plugins import build_registry

BUILTIN_SIGNALS = ["probe", "app", "instances", "origin", "edge", "redis", "sql", "dependencies"]


class MaintenancePlugin:
    """A `maintenance` signal: a stamp inside a change window (read from a calendar) is degraded."""

    def __init__(self, windows: dict[str, str] | None = None, fail: bool = False) -> None:
        self.windows = windows or {}
        self.fail = fail
        self.asked: list[tuple[str, ...]] = []

    @hookimpl
    def register_health_signals(self, register: Any) -> None:
        register(HealthSignal("maintenance", "a change window on the stamp", self._judge, read=self._read))

    def _read(self, session: AzureSession, estate: Estate, stamps: tuple[Stamp, ...]) -> dict[str, str]:
        self.asked.append(tuple(s.name for s in stamps))
        if self.fail:
            raise AzureRequestError("maintenance calendar: HTTP 503 ServiceUnavailable")
        return self.windows

    def _judge(self, readings: HealthReadings, stamp: Stamp) -> list[Signal]:
        windows = readings.extra["maintenance"]
        if windows is None:
            return [Signal("maintenance", "unknown", "the calendar could not be read")]
        if stamp.name in windows:
            return [Signal("maintenance", "degraded", f"in change window {windows[stamp.name]}")]
        return [Signal("maintenance", "healthy", "no change window")]


def _with(plugin: object) -> Registry:
    return build_registry(extra=[plugin], entry_points=False).registry


def test_the_built_in_signals_are_registered_in_the_order_a_stamp_lists_them(registry: Registry) -> None:
    assert list(registry.health_signals) == BUILTIN_SIGNALS
    # assess reads for all of them, except Front Door's probes' view (Azure Monitor), the edge signal's own
    assert [n for n, s in registry.health_signals.items() if s.read is not None] == ["edge"]


def test_a_plugin_signal_changes_a_stamp_s_health(session: AzureSession, demo_estate: Estate) -> None:
    plugin = MaintenancePlugin({"weu-1": "CHG-1 until 18:00Z"})

    result = assess(session, demo_estate, registry=_with(plugin))

    weu1 = result.stamps["weu-1"]
    assert weu1.status == "degraded" and weu1.reasons == ["maintenance: in change window CHG-1 until 18:00Z"]
    assert [s.name for s in weu1.signals] == [*BUILTIN_SIGNALS[:-1], "dependency:sql", "maintenance"]
    assert weu1.to_dict()["signals"][-1] == {
        "name": "maintenance",
        "status": "degraded",
        "reason": "in change window CHG-1 until 18:00Z",
        "weight": 1.0,
        "counted": True,
    }
    assert {n: s.status for n, s in result.stamps.items() if n != "weu-1"} == dict.fromkeys(
        ("weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"), "healthy"
    )
    assert result.stamps["weu-2"].signal("maintenance").reason == "no change window"
    assert result.regions["westeurope"].status == "degraded" and result.status == "degraded"
    assert plugin.asked == [tuple(s.name for s in demo_estate.stamps)]  # one read, for every assessed stamp
    assert result.errors == []


def test_the_process_registry_does_not_see_a_test_plugin_s_signal(session: AzureSession, demo_estate: Estate) -> None:
    assess(session, demo_estate, registry=_with(MaintenancePlugin({"weu-1": "CHG-1"})))
    result = assess(session, demo_estate, region="westeurope")
    assert result.stamps["weu-1"].signal("maintenance") is None and result.status == "healthy"


def test_a_plugin_signal_counts_by_its_weight(session: AzureSession, demo_estate: Estate) -> None:
    weights = (*demo_estate.health.weights, ("maintenance", 0.0))
    estate = replace(demo_estate, health=replace(demo_estate.health, weights=weights))

    result = assess(session, estate, stamp="weu-1", registry=_with(MaintenancePlugin({"weu-1": "CHG-1"})))

    weu1 = result.stamps["weu-1"]
    assert weu1.status == "healthy" and weu1.reasons == []
    assert weu1.notes == ["maintenance: in change window CHG-1 (weight 0: not counted)"]


def test_a_failed_read_is_listed_and_its_judge_sees_none(session: AzureSession, demo_estate: Estate) -> None:
    result = assess(session, demo_estate, region="eastus2", registry=_with(MaintenancePlugin(fail=True)))
    assert result.errors == ["maintenance calendar: HTTP 503 ServiceUnavailable"]
    assert {s.status for s in result.stamps.values()} == {"unknown"}
    assert result.stamps["eus2-1"].reasons == ["maintenance: the calendar could not be read"]


def test_a_signal_added_to_the_registry_fixture_is_judged_with_the_built_ins(
    session: AzureSession, demo_estate: Estate, registry: Registry
) -> None:
    def judge(readings: HealthReadings, stamp: Stamp) -> list[Signal]:
        # only the stamps it concerns: the others get no `canary` signal at all
        view = readings.views[stamp.name]
        if stamp.name != "neu-1" or view.plan is None:
            return []
        return [Signal("canary", "unhealthy", f"canary failed on {view.plan.capacity} instances")]

    registry.add_health_signal(HealthSignal("canary", "a synthetic transaction", judge))

    result = assess(session, demo_estate, region="northeurope", registry=registry)

    assert result.stamps["neu-1"].status == "unhealthy"
    assert result.stamps["neu-1"].reasons == ["canary: canary failed on 3 instances"]
    assert result.stamps["neu-2"].signal("canary") is None and result.stamps["neu-2"].status == "healthy"


def test_a_signal_name_taken_twice_skips_the_second_plugin(capsys: Any) -> None:
    class Shadow:
        @hookimpl
        def register_health_signals(self, register: Any) -> None:
            register(HealthSignal("probe", "another probe", lambda readings, stamp: []))

    loaded = build_registry(extra=[Shadow()], entry_points=False)

    assert loaded.registry.health_signals["probe"].description.startswith("the health endpoint")
    assert "Shadow" not in [p.name for p in loaded.plugins]
    assert capsys.readouterr().err == (
        "mcctl: warning: plugin 'Shadow' skipped: failed to register: ValueError: "
        "health signal 'probe' is already registered\n"
    )


def test_plugins_list_shows_the_built_in_health_signals() -> None:
    result = CliRunner().invoke(create_app(), ["plugins", "list", "-o", "json"])

    assert result.exit_code == 0, result.stderr
    listed = {p["name"]: p for p in json.loads(result.stdout)}
    assert listed["mcctl.ops.health"] == {
        "name": "mcctl.ops.health",
        "version": None,
        "builtin": True,
        "registered": {"health_signals": BUILTIN_SIGNALS},
    }


def test_built_in_judges_on_hand_built_readings(demo_estate: Estate, registry: Registry) -> None:
    """No simulator: what the built-ins say of a stamp when the inventory and SQL were not read."""
    from mcctl.domain.health import DependencyHealth, ProbeResult

    weu1, neu1 = demo_estate.stamp("weu-1"), demo_estate.stamp("neu-1")
    assert weu1 is not None and neu1 is not None
    sql_down = DependencyHealth("sql", "unhealthy", "primary unreachable", "degraded", ("weu-1",))
    readings = HealthReadings(
        demo_estate,
        (weu1, neu1),
        probes={"weu-1": ProbeResult(weu1.health_url, 200, 0.05, b"ok"), "neu-1": ProbeResult(neu1.health_url)},
        views={},
        inventory_read=False,
        dependencies=(sql_down,),
    )

    def judged(stamp: Stamp) -> list[tuple[str, str, str]]:
        signals = [s for signal in registry.health_signals.values() for s in signal.judge(readings, stamp)]
        return [(s.name, s.status, s.reason) for s in signals]

    assert judged(weu1) == [
        ("probe", "healthy", "HTTP 200 in 50 ms"),
        ("app", "unknown", "not read"),
        ("instances", "unknown", "not read"),
        ("origin", "unknown", "not read"),
        ("redis", "unknown", "not read"),
        ("dependency:sql", "degraded", "unhealthy: primary unreachable"),
    ]  # no `sql`: no region's SQL server was read
    assert [name for name, _, _ in judged(neu1)] == ["probe", "app", "instances", "origin", "redis"]
    assert judged(neu1)[0] == ("probe", "unhealthy", "unreachable: no answer")
    assert replace(readings, inventory_read=True).unread() == "not in the inventory"
