"""`stamps list --no-health`: the inventory only, no probe sent; `--concurrency` on `stamps list`
and `health`, its bad values refused with one line naming the option."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcctl.ops import health as ops_health

HEALTH_FIELDS = ("health", "edge_health")


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs of the health probes sent (the real probe still answers)."""
    sent: list[str] = []
    real = ops_health.probe

    def counted(session: Any, url: str, timeout: float) -> Any:
        sent.append(url)
        return real(session, url, timeout)

    monkeypatch.setattr(ops_health, "probe", counted)
    return sent


def test_no_health_sends_no_probe_and_leaves_the_health_fields_null(mcctl, probes: list[str]) -> None:
    assert mcctl("sim", "stamp", "fail", "neu-2").exit_code == 0  # probed, it would say unhealthy

    result = mcctl("--sim", "-o", "json", "stamps", "list", "--no-health")

    assert result.exit_code == 0, result.stderr
    assert probes == []
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == ["weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"]
    assert all(r[field] is None for r in rows for field in HEALTH_FIELDS)
    # The inventory's fields are all there; the traffic share by the origins' configuration alone.
    assert {r["traffic_share"] for r in rows} == {0.1667} and all(r["serving"] for r in rows)
    assert {r["region"]: r["sql_role"] for r in rows}["westeurope"] == "Primary"


def test_without_no_health_every_stamp_is_probed_once(mcctl, probes: list[str]) -> None:
    assert mcctl("sim", "stamp", "fail", "neu-2").exit_code == 0

    result = mcctl("--sim", "-o", "json", "stamps", "list", "--concurrency", "2")

    assert result.exit_code == 0, result.stderr
    assert len(probes) == 6 and len(set(probes)) == 6
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["neu-2"]["health"] == "unhealthy" and rows["weu-1"]["health"] == "healthy"
    assert rows["weu-1"]["edge_health"] == "healthy"


def test_no_health_with_a_region(mcctl, probes: list[str]) -> None:
    result = mcctl("--sim", "-o", "json", "stamps", "list", "--no-health", "--region", "eastus2")
    assert result.exit_code == 0, result.stderr
    assert [r["name"] for r in json.loads(result.stdout)] == ["eus2-1", "eus2-2"] and probes == []


@pytest.mark.parametrize(
    "command", [("stamps", "list"), ("stamps", "list", "--no-health"), ("health",), ("health", "--check")]
)
@pytest.mark.parametrize("bad", ["0", "1025"])
def test_a_bad_concurrency_is_one_line_naming_the_option(mcctl, probes: list[str], command, bad: str) -> None:
    result = mcctl("--sim", *command, "--concurrency", bad)
    assert result.exit_code == 2
    assert f"--concurrency: must be between 1 and 1024, got {bad}" in result.stderr
    assert "Traceback" not in result.stderr and probes == []


def test_health_takes_the_concurrency(mcctl, probes: list[str]) -> None:
    result = mcctl("--sim", "-o", "json", "health", "--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "healthy" and len(probes) == 6
