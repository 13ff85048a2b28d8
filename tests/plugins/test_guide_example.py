"""The plugin of docs/plugins.md works as the guide says: taken from the guide itself, registered in
process and installed as an entry point, run against the simulator."""

from __future__ import annotations

import json
import re
import types
from pathlib import Path

from typer.testing import CliRunner

from mcctl.cli.main import create_app
from mcctl.plugins import build_registry

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
MODULE = "mcctl_keep_regions"
RULE = "every_region_serving"


def example_source() -> str:
    """The python block right after the guide's `<!-- guide-example: ... -->` marker."""
    text = GUIDE.read_text(encoding="utf-8")
    found = re.search(rf"<!-- guide-example: {MODULE} -->\n```python\n(.*?)```", text, re.DOTALL)
    assert found, f"no example block marked for {MODULE} in {GUIDE}"
    return found.group(1)


def example_module() -> types.ModuleType:
    module = types.ModuleType(MODULE)
    exec(compile(example_source(), str(GUIDE), "exec"), module.__dict__)
    return module


def run(*args: str):
    return CliRunner().invoke(create_app(), list(args))


def test_the_example_is_twenty_lines_and_registers_its_rule_in_process() -> None:
    assert len(example_source().splitlines()) <= 20

    loaded = build_registry(extra=[example_module()], entry_points=False)

    assert loaded.plugins[-1].name == MODULE and loaded.plugins[-1].registered == {"safety_rules": [RULE]}
    assert RULE in [rule.name for rule in loaded.registry.rule_registry().rules]


def test_installed_it_refuses_a_region_drain_on_the_simulator_and_yields_to_an_override(install, monkeypatch) -> None:
    monkeypatch.setenv("MCCTL_PLUGINS", "keep-regions")  # alone among the installed plugins
    install("mcctl-keep-regions", "0.1.0", {"keep-regions": MODULE}, {MODULE: example_source()})

    listed = json.loads(run("plugins", "list", "-o", "json").stdout)
    refused = run("--sim", "-o", "json", "frontdoor", "drain", "eastus2", "--dry-run")
    one_stamp = run("--sim", "-o", "json", "frontdoor", "drain", "--stamp", "eus2-1", "--dry-run")

    assert [p for p in listed if not p["builtin"]] == [
        {"name": "keep-regions", "version": "0.1.0", "builtin": False, "registered": {"safety_rules": [RULE]}}
    ]
    assert refused.exit_code == 5, refused.output
    rules = {r["rule"]: r for r in json.loads(refused.stdout)["rules"]}
    assert rules[RULE]["passed"] is False and "eastus2" in rules[RULE]["message"]
    assert one_stamp.exit_code == 0, one_stamp.output
    assert RULE not in {r["rule"] for r in json.loads(one_stamp.stdout)["rules"]}  # does not apply

    overridden = run(
        "--sim", "-o", "json", "--yes", "frontdoor", "drain", "eastus2", "--override", RULE, "--reason", "evacuated"
    )

    assert overridden.exit_code == 0, overridden.output
    rules = {r["rule"]: r for r in json.loads(overridden.stdout)["rules"]}
    assert rules[RULE]["overridden"] is True and rules[RULE]["reason"] == "evacuated"
    stamps = {s["name"]: s for s in json.loads(run("--sim", "-o", "json", "stamps", "list").stdout)}
    assert [n for n, s in stamps.items() if not s["serving"]] == ["eus2-1", "eus2-2"]
