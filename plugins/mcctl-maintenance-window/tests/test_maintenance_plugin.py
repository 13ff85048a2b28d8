"""The plugin registered in process and through its installed entry point, and its rule judged by the
registry's rules as the guard judges them (estate and time from the RuleContext)."""

from __future__ import annotations

import importlib.metadata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.domain.estate import Estate
from mcctl.domain.plan import Plan, Step
from mcctl.domain.safety import RuleContext
from mcctl.domain.snapshot import EstateSnapshot
from mcctl.ops.registry import Registry
from mcctl.plugins import build_registry
from mcctl_maintenance_window import plugin

SECTION = """
plugins:
  maintenance-window:
    timezone: Europe/Amsterdam
    windows: [{days: [tue, thu], start: "22:00", duration: 4h}]
    blackouts: [{from: 2026-12-20, to: 2027-01-03, reason: year-end freeze}]
    plans: [frontdoor-drain]
"""

CLOSED = datetime(2026, 3, 31, 12, 0, tzinfo=UTC).timestamp()  # Tue 14:00 CEST
OPEN = datetime(2026, 3, 31, 21, 0, tzinfo=UTC).timestamp()  # Tue 23:00 CEST
BLACKOUT = datetime(2026, 12, 22, 21, 30, tzinfo=UTC).timestamp()  # Tue 22:30 CET, in the freeze


@pytest.fixture
def registry() -> Registry:
    return build_registry(extra=[plugin], entry_points=False).registry


def _estate(tmp_path: Path, registry: Registry, section: str = SECTION) -> Estate:
    text = demo_source().text + section
    path = tmp_path / "estate.yaml"
    path.write_text(text, encoding="utf-8")
    return load_estate(EstateSource(str(path), text), sections=registry.estate_sections)


def _judge(registry: Registry, estate: Estate | None, now: float | None, kind: str = "frontdoor-drain", **overrides):
    step = Step("set_origin", "stamp eus2-1 origin origin-eus2-1", "/x", {"enabled": True}, {"enabled": False})
    plan = Plan(kind=kind, summary="drain", steps=(step,))
    snapshot = EstateSnapshot(stamps=())
    settings = (estate or load_estate(demo_source())).safety
    context = RuleContext(plan, snapshot, snapshot, settings, estate=estate, now=now)
    results = registry.rule_registry().evaluate(context, overrides)
    return next((r for r in results if r.rule == "maintenance-window"), None)


def test_registered_in_process(registry: Registry) -> None:
    loaded = build_registry(extra=[plugin], entry_points=False)
    ours = [p for p in loaded.plugins if p.name == "mcctl_maintenance_window.plugin"]
    assert [(p.builtin, p.registered) for p in ours] == [
        (
            False,
            {
                "safety_rules": ["maintenance-window"],
                "estate_sections": ["maintenance-window"],
                "commands": ["maintenance"],
            },
        )
    ]
    assert "maintenance-window" in [r.name for r in registry.rule_registry().rules]
    assert "maintenance" in registry.commands


def test_registered_through_its_installed_entry_point() -> None:
    found = [ep for ep in importlib.metadata.entry_points(group="mcctl") if ep.name == "maintenance-window"]
    assert [ep.value for ep in found] == ["mcctl_maintenance_window.plugin"]
    assert importlib.metadata.version("mcctl-maintenance-window") == "0.1.0"
    loaded = build_registry()
    ours = [p for p in loaded.plugins if p.name == "maintenance-window"]
    assert [(p.version, p.builtin) for p in ours] == [("0.1.0", False)]
    assert "maintenance-window" in loaded.registry.rules
    assert "maintenance-window" in loaded.registry.estate_sections


def test_outside_a_window_refused_with_the_next_opening_in_both_zones(tmp_path: Path, registry: Registry) -> None:
    result = _judge(registry, _estate(tmp_path, registry), CLOSED)
    assert result is not None and result.refused
    assert result.message.startswith("outside every maintenance window (Europe/Amsterdam); ")
    assert "the next window opens Tue 2026-03-31 22:00 CEST (20:00 UTC)" in result.message
    assert "override with --override maintenance-window --reason TEXT" in result.message
    assert result.numbers["next_window_opens"] == {"local": "2026-03-31T22:00:00+02:00", "utc": "2026-03-31T20:00:00Z"}
    assert result.numbers["state"] == "closed"


def test_overridden_with_a_reason(tmp_path: Path, registry: Registry) -> None:
    result = _judge(registry, _estate(tmp_path, registry), CLOSED, **{"maintenance-window": "incident 4711"})
    assert result is not None and not result.passed and result.overridden and not result.refused
    assert result.reason == "incident 4711"


def test_inside_a_window_passes(tmp_path: Path, registry: Registry) -> None:
    result = _judge(registry, _estate(tmp_path, registry), OPEN)
    assert result is not None and result.passed
    assert result.message == (
        "inside a maintenance window (Europe/Amsterdam) until Wed 2026-04-01 02:00 CEST (00:00 UTC)"
    )


def test_inside_a_blackout_refused_even_in_a_window(tmp_path: Path, registry: Registry) -> None:
    result = _judge(registry, _estate(tmp_path, registry), BLACKOUT)
    assert result is not None and result.refused
    assert "inside the blackout 2026-12-20 to 2027-01-03 (year-end freeze)" in result.message
    assert "the next window opens Tue 2027-01-05 22:00 CET (21:00 UTC)" in result.message
    assert result.numbers["state"] == "blackout"


def test_a_plan_kind_not_guarded_is_not_judged(tmp_path: Path, registry: Registry) -> None:
    assert _judge(registry, _estate(tmp_path, registry), CLOSED, kind="scale") is None
    assert _judge(registry, _estate(tmp_path, registry), CLOSED, kind="rollback:frontdoor-drain").refused


def test_no_section_no_estate_the_rule_does_not_apply(tmp_path: Path, registry: Registry) -> None:
    assert _judge(registry, load_estate(demo_source()), CLOSED) is None
    assert _judge(registry, None, CLOSED) is None


def test_no_clock_is_refused_not_waved_through(tmp_path: Path, registry: Registry) -> None:
    result = _judge(registry, _estate(tmp_path, registry), None)
    assert result is not None and result.refused and "the time is unknown" in result.message


def test_a_section_read_without_the_plugin_is_parsed_by_the_rule(tmp_path: Path, registry: Registry) -> None:
    """An estate loaded before the plugin was (its section kept as read) is still judged correctly."""
    text = demo_source().text + SECTION
    path = tmp_path / "estate.yaml"
    path.write_text(text, encoding="utf-8")
    raw = load_estate(EstateSource(str(path), text))
    assert isinstance(raw.plugins["maintenance-window"], dict)
    result = _judge(registry, raw, CLOSED)
    assert result is not None and result.refused
