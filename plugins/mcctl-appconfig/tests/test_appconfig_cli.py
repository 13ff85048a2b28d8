"""The plugin as an operator meets it: installed through its entry point, `mcctl appconfig status`,
`mcctl sim dependency MODE appconfig` and `mcctl health`, the estate file's section checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

import mcctl_appconfig.plugin

STAMPS = ["weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"]


def _json(result) -> dict:
    return json.loads(result.stdout)


def test_it_is_registered_through_its_entry_point_with_its_version(mcctl) -> None:
    [ep] = [ep for ep in entry_points(group="mcctl") if ep.name == "appconfig"]
    assert ep.load() is mcctl_appconfig.plugin and ep.dist is not None and ep.dist.version == "0.1.0"

    result = mcctl("plugins", "list", "-o", "json")

    assert result.exit_code == 0, result.stderr
    [listed] = [p for p in _json(result) if p["name"] == "appconfig"]
    assert listed == {
        "name": "appconfig",
        "version": "0.1.0",
        "builtin": False,
        "registered": {
            "health_signals": ["appconfig"],
            "sim_providers": ["Microsoft.AppConfiguration"],
            "estate_sections": ["appconfig"],
            "commands": ["appconfig"],
        },
    }


def test_sim_dependency_down_degrades_every_dependent_stamp_and_up_restores_it(mcctl, estate_file) -> None:
    estate = ("--sim", "--estate", str(estate_file))
    assert mcctl(*estate, "health", "--check").exit_code == 0

    down = mcctl("--estate", str(estate_file), "sim", "dependency", "down", "appconfig")
    assert down.exit_code == 0, down.stderr
    assert "shared dependency appconfig: down (store appcs-mc-demo Failed)" in down.stderr

    health = mcctl(*estate, "-o", "json", "health", "--check")
    assert health.exit_code == 10, health.stderr
    stamps = _json(health)["stamps"]
    assert {s["name"]: s["status"] for s in stamps} == dict.fromkeys(STAMPS, "degraded")
    assert all(any("appconfig" in r and "Failed" in r for r in s["reasons"]) for s in stamps)

    up = mcctl("--estate", str(estate_file), "sim", "dependency", "ok", "appconfig")
    assert up.exit_code == 0, up.stderr
    assert mcctl(*estate, "health", "--check").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("slow", "appconfig"), "MODE: 'slow' is not simulated for appconfig"),
        (("down", "appconfig", "--latency", "2"), "--latency: only for a dependency with a health endpoint"),
        (
            ("down", "nope"),
            "NAME: unknown shared dependency 'nope' (sql)\n  hint: simulated providers also play: appconfig",
        ),
    ],
)
def test_sim_dependency_refuses_what_the_provider_cannot_play(mcctl, estate_file, args, message) -> None:
    result = mcctl("--estate", str(estate_file), "sim", "dependency", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_status_json_is_the_documented_document(mcctl, estate_file) -> None:
    result = mcctl("--sim", "--estate", str(estate_file), "-o", "json", "appconfig", "status", "--check")

    assert result.exit_code == 0, result.stderr
    data = _json(result)
    assert data["store"] == {
        "name": "appcs-mc-demo",
        "resource_group": "rg-mc-global",
        "subscription": "6a1d2b3c-5e4f-4a1b-9c8d-0d3e5f7a9b1c",
        "found": True,
        "location": "westeurope",
        "sku": "Standard",
        "provisioning_state": "Succeeded",
        "endpoint": "https://appcs-mc-demo.azconfig.io",
    }
    assert data["replicas"] == [
        {
            "name": "northeurope",
            "location": "northeurope",
            "provisioning_state": "Succeeded",
            "endpoint": "https://appcs-mc-demo-northeurope.azconfig.io",
        },
        {
            "name": "eastus2",
            "location": "eastus2",
            "provisioning_state": "Succeeded",
            "endpoint": "https://appcs-mc-demo-eastus2.azconfig.io",
        },
    ]
    assert (data["verdict"], data["impact"], data["error"]) == ("healthy", "degraded", None)
    assert data["dependent_stamps"] == STAMPS


@pytest.mark.parametrize(
    ("impact", "mode", "verdict", "code"),
    [
        ("degraded", "degraded", "degraded", 10),
        ("degraded", "down", "degraded", 10),
        ("unhealthy", "down", "unhealthy", 11),
        ("unhealthy", "ok", "healthy", 0),
    ],
)
def test_status_check_exits_by_the_verdict(mcctl, write_estate, impact, mode, verdict, code) -> None:
    path = write_estate(
        f"plugins:\n  appconfig: {{store: appcs-mc-demo, resource_group: rg-mc-global, impact: {impact}}}\n"
    )
    assert mcctl("--estate", str(path), "sim", "dependency", mode, "appconfig").exit_code == 0

    result = mcctl("--sim", "--estate", str(path), "-o", "json", "appconfig", "status", "--check")

    assert result.exit_code == code, result.stderr
    assert _json(result)["verdict"] == verdict


def test_status_of_an_unreadable_store_is_unknown_exit_10(mcctl, estate_file) -> None:
    added = mcctl(
        "--estate", str(estate_file), "sim", "fault", "add", "error", "--path", "configurationStores", "--count", "50"
    )
    assert added.exit_code == 0, added.stderr
    result = mcctl("--sim", "--estate", str(estate_file), "-o", "json", "appconfig", "status", "--check")
    assert result.exit_code == 10, result.stderr
    data = _json(result)
    assert data["verdict"] == "unknown" and data["store"]["found"] is None
    assert data["error"].startswith("reading App Configuration store appcs-mc-demo (rg-mc-global): HTTP 503")


def test_status_table_fits_80_columns(mcctl, estate_file, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert mcctl("--estate", str(estate_file), "sim", "dependency", "degraded", "appconfig").exit_code == 0
    result = mcctl("--sim", "--estate", str(estate_file), "appconfig", "status")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, lines
    assert any(line.split()[:3] == ["northeurope", "northeurope", "Failed"] for line in lines)
    assert "verdict: degraded" in result.stdout and "weu-1, weu-2, neu-1, neu-2, eus2-1, eus2-2" in result.stdout


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("{store: appcs-mc-demo, resource_group: rg, impact: fatal}", "plugins.appconfig.impact"),
        ("{store: x, resource_group: rg}", "plugins.appconfig.store"),
        ("{resource_group: rg}", "plugins.appconfig.store"),
        ("{store: appcs-mc-demo, resource_group: rg, subscription: nope}", "plugins.appconfig.subscription"),
        ("{store: appcs-mc-demo, resource_group: rg, stamps: []}", "plugins.appconfig.stamps"),
        ("{store: appcs-mc-demo, resource_group: rg, stamps: [weu-1, weu-1]}", "plugins.appconfig.stamps"),
        ("{store: appcs-mc-demo, resource_group: rg, colour: blue}", "plugins.appconfig.colour"),
    ],
)
def test_a_bad_section_is_exit_2_naming_the_field(mcctl, write_estate, section, problem) -> None:
    path = write_estate(f"plugins:\n  appconfig: {section}\n")
    result = mcctl("--sim", "--estate", str(path), "stamps", "list")
    assert result.exit_code == 2
    assert problem in result.stderr


def test_status_without_the_section_is_a_usage_error(mcctl, write_estate) -> None:
    result = mcctl("--sim", "--estate", str(write_estate("")), "appconfig", "status")
    assert result.exit_code == 2
    assert "plugins.appconfig: the estate file names no App Configuration store" in result.stderr


def test_help_with_the_plugin_installed_imports_no_azure_module() -> None:
    script = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: sys.stderr.write('MODULES ' + ' '.join(sorted(sys.modules)) + '\\n'))\n"
        "sys.argv = ['mcctl', '--help']\n"
        "runpy.run_module('mcctl', run_name='__main__', alter_sys=True)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MCCTL_PLUGINS"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "appconfig" in result.stdout
    [line] = [line for line in result.stderr.splitlines() if line.startswith("MODULES ")]
    modules = line.split()[1:]
    assert "mcctl_appconfig.plugin" in modules
    assert not [m for m in modules if m == "azure" or m.startswith("azure.")]


def test_status_warns_of_a_dependent_stamp_the_estate_does_not_have(mcctl, write_estate) -> None:
    path = write_estate(
        "plugins:\n  appconfig: {store: appcs-mc-demo, resource_group: rg-mc-global, stamps: [weu-1, nosuch]}\n"
    )
    result = mcctl("--sim", "--estate", str(path), "-o", "json", "appconfig", "status")
    assert result.exit_code == 0, result.stderr
    assert _json(result)["dependent_stamps"] == ["weu-1"]
    assert "warning: plugins.appconfig.stamps: 'nosuch' is not a stamp of this estate" in result.stderr
