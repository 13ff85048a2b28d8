"""An installed plugin's health signal reaches `mcctl health` through the process registry."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mcctl.cli.main import create_app

FREEZE = """
from mcctl.hookspecs import hookimpl
from mcctl.ops.registry import HealthSignal


def _judge(readings, stamp):
    from mcctl.domain.health import Signal

    if stamp.region != "eastus2":
        return []
    return [Signal("freeze", "unhealthy", "region frozen by the change board")]


@hookimpl
def register_health_signals(register):
    register(HealthSignal("freeze", "a change freeze per region", _judge))
"""


def test_an_installed_health_signal_changes_the_verdict_of_mcctl_health(install) -> None:
    install("mcctl-freeze", "0.3", {"freeze": "freeze_mcctl_plugin"}, {"freeze_mcctl_plugin": FREEZE})

    listed = CliRunner().invoke(create_app(), ["plugins", "list", "-o", "json"])
    result = CliRunner().invoke(create_app(), ["--sim", "health", "-o", "json", "--check"])

    assert json.loads(listed.stdout)[-1]["registered"] == {"health_signals": ["freeze"]}
    assert result.exit_code == 10, result.stderr
    data = json.loads(result.stdout)
    stamps = {s["name"]: s for s in data["stamps"]}
    assert stamps["eus2-1"]["status"] == "unhealthy"
    assert stamps["eus2-1"]["reasons"] == ["freeze: region frozen by the change board"]
    assert "freeze" not in [s["name"] for s in stamps["weu-1"]["signals"]] and stamps["weu-1"]["status"] == "healthy"
    assert data["status"] == "degraded"
    assert data["reasons"] == ["region eastus2 unhealthy: 2 of 2 stamps unhealthy (eus2-1, eus2-2)"]
