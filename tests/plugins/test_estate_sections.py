"""A plugin's own estate-file section (`plugins.<name>`, `register_estate_sections`) and what a plugin
rule sees of the estate and the time (`RuleContext.estate`, `.now`: the simulated clock here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from mcctl.bootstrap import services
from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.domain.frontdoor import ShiftRequest, plan_drain
from mcctl.domain.safety import RuleContext, SafetyRule
from mcctl.domain.selection import StampSelection
from mcctl.errors import EstateFileError
from mcctl.hookspecs import hookimpl
from mcctl.ops import usecases
from mcctl.ops.frontdoor import observe
from mcctl.ops.inventory import read_inventory
from mcctl.ops.journal import Journal
from mcctl.plugins import build_registry


class Freeze(BaseModel):
    model_config = ConfigDict(extra="forbid")
    frozen: bool
    until: int = 0


class FreezePlugin:
    """Refuses every change while the estate says `frozen` and the clock is before `until`."""

    def __init__(self) -> None:
        self.seen: list[RuleContext] = []

    @hookimpl
    def register_estate_sections(self, register) -> None:
        register("freeze", Freeze.model_validate)

    @hookimpl
    def register_safety_rules(self, register) -> None:
        def check(ctx: RuleContext):
            self.seen.append(ctx)
            settings = ctx.estate.plugins.get("freeze") if ctx.estate is not None else None
            if settings is None or not settings.frozen:
                return None
            return (ctx.now or 0) >= settings.until, f"frozen until {settings.until}", {"now": ctx.now}

        register(SafetyRule("freeze", "no change while frozen", check))


def _source(tmp_path: Path, section: str) -> EstateSource:
    text = demo_source().text + "\nplugins:\n" + section
    path = tmp_path / "estate.yaml"
    path.write_text(text)
    return EstateSource(str(path), text)


def test_a_section_is_parsed_by_its_plugin(tmp_path: Path) -> None:
    sections = build_registry(extra=[FreezePlugin()], entry_points=False).registry.estate_sections
    estate = load_estate(_source(tmp_path, "  freeze: {frozen: true, until: 5}\n"), sections=sections)
    assert estate.plugins["freeze"] == Freeze(frozen=True, until=5)


def test_its_mistakes_have_field_paths(tmp_path: Path) -> None:
    sections = build_registry(extra=[FreezePlugin()], entry_points=False).registry.estate_sections
    with pytest.raises(EstateFileError) as caught:
        load_estate(_source(tmp_path, "  freeze: {frozen: maybe, colour: red}\n"), sections=sections)
    problems = caught.value.problems
    assert any(p.startswith("plugins.freeze.frozen:") for p in problems), problems
    assert any(p.startswith("plugins.freeze.colour: unknown field") for p in problems), problems


def test_a_section_no_plugin_reads_is_said_once_and_ignored(tmp_path: Path) -> None:
    said: list[str] = []
    sections = build_registry(entry_points=False).registry.estate_sections
    estate = load_estate(_source(tmp_path, "  freeze: {frozen: true}\n"), sections=sections, warn=said.append)
    assert estate.plugins == {} and said == ["plugins.freeze: no loaded plugin reads this section; it is ignored"]


def test_a_bad_section_name_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EstateFileError) as caught:
        load_estate(_source(tmp_path, "  Not A Name: {}\n"), sections={})
    assert any(p.startswith("plugins") for p in caught.value.problems), caught.value.problems


def test_a_plugin_rule_sees_the_estate_and_the_simulated_time(tmp_path: Path, session, sim) -> None:
    plugin = FreezePlugin()
    registry = build_registry(extra=[plugin], entry_points=False).registry
    now = session.clock.wall()
    estate = load_estate(
        _source(tmp_path, f"  freeze: {{frozen: true, until: {int(now) + 3600}}}\n"),
        sections=registry.estate_sections,
    )
    svc = services(estate, session, Journal(tmp_path / "journal"), registry=registry)
    inventory = read_inventory(session, estate)
    plan = plan_drain(estate, observe(inventory), ShiftRequest(StampSelection(region="eastus2")))
    refused = usecases.run(svc, plan, inventory.snapshot(), usecases.RunOptions(dry_run=True))
    assert [r.rule for r in refused.evaluation.refused] == ["freeze"]
    assert plugin.seen[-1].estate is estate and plugin.seen[-1].now == pytest.approx(now, abs=5)
    sim.advance(3601)  # the simulated clock moves past the freeze: the same plan passes
    allowed = usecases.run(svc, plan, inventory.snapshot(), usecases.RunOptions(dry_run=True))
    assert not allowed.refused
