"""`mcctl health` and the `mcctl sim stamp|dependency` faults, on the persisted simulator."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mcctl.config.loader import demo_source


def _json(mcctl, *args: str) -> dict:
    result = mcctl("--sim", "-o", "json", "health", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _stamps(data: dict) -> dict[str, dict]:
    return {s["name"]: s for s in data["stamps"]}


def test_the_demo_estate_is_healthy(mcctl) -> None:
    result = mcctl("--sim", "health")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    for name in ("weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"):
        row = next(line for line in lines if line.startswith(name + " "))
        assert " healthy " in row and "200 · " in row
    assert lines[-1].strip() == "estate demo: healthy"
    assert "SIMULATED" in result.stderr
    assert mcctl("--sim", "health", "--check").exit_code == 0


def test_a_region_outage_is_unhealthy_there_and_the_check_exits_10(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    check = mcctl("--sim", "health", "--check")
    assert check.exit_code == 10
    assert "health check: degraded (exit 10)" in check.stderr
    row = next(line for line in check.stdout.splitlines() if line.startswith("eus2-1 "))
    assert " unhealthy " in row and "health endpoint: HTTP 503" in row  # the verdict and its reason, in words
    assert "estate demo: degraded — region eastus2 unhealthy: 2 of 2 stamps unhealthy (eus2-1, eus2-2)" in check.stdout
    data = json.loads(mcctl("--sim", "-o", "json", "health", "--check").stdout)
    stamps = _stamps(data)
    assert data["status"] == "degraded"
    assert {n for n, s in stamps.items() if s["status"] == "unhealthy"} == {"eus2-1", "eus2-2"}
    assert stamps["eus2-2"]["reasons"][0].startswith("health endpoint: HTTP 503")
    assert "web app: availability Limited (the region is impaired)" in stamps["eus2-2"]["reasons"]
    assert mcctl("--sim", "health", "--check", "--region", "eastus2").exit_code == 11
    assert mcctl("--sim", "health", "--check", "--region", "westeurope").exit_code == 0
    assert mcctl("--sim", "health", "--check", "--stamp", "eus2-1").exit_code == 11
    mcctl("sim", "outage", "end", "eastus2")
    assert mcctl("--sim", "health", "--check").exit_code == 0


def test_json_shape(mcctl) -> None:
    data = _json(mcctl, "--stamp", "weu-1")
    assert data["estate"] == "demo" and data["scope"] == {"region": None, "stamp": "weu-1"}
    assert data["status"] == "healthy" and data["reasons"] == [] and data["errors"] == []
    assert data["timeout_seconds"] == 5.0 and data["checked_at"].endswith("Z")
    (stamp,) = data["stamps"]
    assert stamp["name"] == "weu-1" and stamp["region"] == "westeurope" and stamp["status"] == "healthy"
    assert stamp["probe"]["url"] == "https://app-mc-weu-1.azurewebsites.net/health/stamp"
    assert stamp["probe"]["http_status"] == 200 and isinstance(stamp["probe"]["latency_ms"], int)
    assert [c["name"] for c in stamp["probe"]["checks"]] == ["Sql", "Redis", "StampStorage"]
    assert {s["name"] for s in stamp["signals"]} == {
        "probe",
        "app",
        "instances",
        "edge",
        "origin",
        "redis",
        "sql",
        "dependency:sql",
    }
    assert all(set(s) == {"name", "status", "reason", "weight", "counted"} for s in stamp["signals"])
    assert data["regions"] == [
        {
            "name": "westeurope",
            "status": "healthy",
            "reasons": [],
            "healthy_stamps": 1,
            "total_stamps": 1,
            "stamps": {"weu-1": "healthy"},
        }
    ]
    assert data["dependencies"][0]["name"] == "sql" and data["dependencies"][0]["stamps"] == ["weu-1"]


def test_query_and_region_filter(mcctl) -> None:
    mcctl("sim", "stamp", "fail", "neu-2")
    result = mcctl("--sim", "-o", "json", "health", "--query", "stamps[?status!='healthy'].name")
    assert result.exit_code == 0 and json.loads(result.stdout) == ["neu-2"]
    data = _json(mcctl, "--region", "northeurope")
    assert [s["name"] for s in data["stamps"]] == ["neu-1", "neu-2"] and data["status"] == "degraded"
    assert "Sql Unhealthy" in _stamps(data)["neu-2"]["reasons"][0]
    bad = mcctl("--sim", "health", "--region", "japaneast")
    assert bad.exit_code == 2 and "--region: 'japaneast' has no stamps" in bad.stderr


def test_a_hung_endpoint_times_out_with_the_timeout_in_the_reason(mcctl) -> None:
    assert mcctl("sim", "stamp", "down", "eus2-1").exit_code == 0
    stamp = _stamps(_json(mcctl, "--stamp", "eus2-1"))["eus2-1"]
    assert stamp["status"] == "unhealthy" and stamp["reasons"] == [
        "health endpoint: timeout after 5s",
        "Front Door probes: 0% succeed (needs 75%): out of rotation",
    ]
    quick = _stamps(_json(mcctl, "--stamp", "eus2-1", "--timeout", "2s"))["eus2-1"]
    assert quick["reasons"][0] == "health endpoint: timeout after 2s" and quick["probe"]["error"] == "timeout"
    table = mcctl("--sim", "health", "--stamp", "eus2-1")
    assert "timeout" in table.stdout and "timeout after 5s" in table.stdout


def test_a_slow_stamp_is_degraded_then_ok_again(mcctl) -> None:
    assert mcctl("sim", "stamp", "slow", "weu-1", "--latency", "1.5").exit_code == 0
    stamp = _stamps(_json(mcctl, "--stamp", "weu-1"))["weu-1"]
    (reason,) = stamp["reasons"]  # 1500 ms simulated, plus the wall time of the in-process request
    assert stamp["status"] == "degraded" and re.fullmatch(
        r"health endpoint: slow: 15\d\d ms \(yellow at 1000 ms\)", reason
    )
    status = json.loads(mcctl("-o", "json", "sim", "status").stdout)
    assert list(status["health_faults"].values()) == [{"target": "stamp weu-1", "mode": "slow", "latency": 1.5}]
    assert mcctl("sim", "stamp", "ok", "weu-1").exit_code == 0
    assert _stamps(_json(mcctl, "--stamp", "weu-1"))["weu-1"]["status"] == "healthy"
    assert json.loads(mcctl("-o", "json", "sim", "status").stdout)["health_faults"] == {}


def test_sim_stamp_arguments_are_validated(mcctl) -> None:
    bad_mode = mcctl("sim", "stamp", "meteor", "weu-1")
    assert bad_mode.exit_code == 2 and "MODE: must be one of ok, slow, degraded, fail, down" in bad_mode.stderr
    bad_stamp = mcctl("sim", "stamp", "down", "weu-9")
    assert bad_stamp.exit_code == 2 and "STAMP: unknown stamp 'weu-9'" in bad_stamp.stderr
    bad_latency = mcctl("sim", "stamp", "down", "weu-1", "--latency", "3")
    assert bad_latency.exit_code == 2 and "--latency" in bad_latency.stderr
    assert json.loads(mcctl("-o", "json", "sim", "status").stdout)["health_faults"] == {}


ESTATE_HEALTH = """
health:
  latency: {yellow_ms: 800, red_ms: 2000}
  dependencies:
    sql:
    app_configuration:
      health_url: https://appcs-mc-demo.azconfig.io/health
"""


def test_a_shared_dependency_down_degrades_every_stamp(mcctl, tmp_path: Path) -> None:
    estate = tmp_path / "mine.yaml"
    estate.write_text(demo_source().text + ESTATE_HEALTH, encoding="utf-8")
    assert mcctl("--estate", str(estate), "--sim", "health", "--check").exit_code == 0
    down = mcctl("--estate", str(estate), "sim", "dependency", "down", "app_configuration")
    assert down.exit_code == 0, down.stderr
    result = mcctl("--estate", str(estate), "--sim", "-o", "json", "health", "--check")
    assert result.exit_code == 10
    data = json.loads(result.stdout)
    assert {s["status"] for s in data["stamps"]} == {"degraded"}
    assert data["stamps"][0]["reasons"] == ["shared dependency app_configuration: unhealthy: timeout after 5s"]
    deps = {d["name"]: d for d in data["dependencies"]}
    assert deps["app_configuration"]["status"] == "unhealthy" and deps["sql"]["status"] == "healthy"
    table = mcctl("--estate", str(estate), "--sim", "health")
    assert "app_configuration" in table.stdout and "DEPENDENCY" in table.stdout
    builtin = mcctl("--estate", str(estate), "sim", "dependency", "down", "sql")
    assert builtin.exit_code == 2 and "built-in check" in builtin.stderr and "sim outage start" in builtin.stderr
    unknown = mcctl("--estate", str(estate), "sim", "dependency", "down", "cosmos")
    assert unknown.exit_code == 2 and "unknown shared dependency 'cosmos' (sql, app_configuration)" in unknown.stderr
    failing = mcctl("--estate", str(estate), "sim", "dependency", "fail", "app_configuration")
    assert failing.exit_code == 0
    (reason,) = _stamps(json.loads(mcctl("--estate", str(estate), "--sim", "-o", "json", "health").stdout))["neu-1"][
        "reasons"
    ]
    assert re.fullmatch(
        r"shared dependency app_configuration: unhealthy: HTTP 503 in \d+ ms, report Unhealthy"
        r" — checks: Service Unhealthy \(simulated failure\)",
        reason,
    ), reason
    assert mcctl("--estate", str(estate), "sim", "dependency", "ok", "app_configuration").exit_code == 0
    assert mcctl("--estate", str(estate), "--sim", "health", "--check").exit_code == 0


def test_watch_refreshes_on_stderr_until_ctrl_c(mcctl, monkeypatch: pytest.MonkeyPatch) -> None:
    from mcctl.cli.commands import health as command
    from mcctl.ops import health as ops

    calls = []
    real = ops.assess
    monkeypatch.setattr(ops, "assess", lambda *a, **k: calls.append(1) or real(*a, **k))
    pauses = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(command, "_pause", pause)
    mcctl("sim", "outage", "start", "eastus2")
    result = mcctl("--sim", "health", "--watch", "--interval", "2s")
    assert result.exit_code == 130, result.stderr  # issue 14: Ctrl-C ends a watch as interrupted (130)
    assert result.stdout == ""  # stderr only
    assert len(calls) == 3 and pauses == [2.0, 2.0, 2.0]
    assert "mcctl health (every 2s, Ctrl-C to stop)" in result.stderr and "estate demo: degraded" in result.stderr
    pauses.clear()
    checked = mcctl("--sim", "health", "--watch", "--check")
    assert checked.exit_code == 130 and checked.stdout == ""  # Ctrl-C wins over --check


def test_watch_is_for_tables_only(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "health", "--watch")
    assert result.exit_code == 2 and "--watch" in result.stderr
    assert mcctl("--sim", "health", "--interval", "0").exit_code == 2
