"""A custom cloud without `regions:`: the region names the estate file uses are checked against the
subscription's locations (Subscriptions - List Locations) when the first command opens its session
(issue 15, item 4). Against the simulator served over loopback HTTPS in this process, seeded from
the demo estate, with a custom-cloud estate file pointing at it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mcctl.config.loader import demo_source, load_estate
from mcctl.sim.credential import make_sim_token
from mcctl.sim.runtime import open_simulator
from mcctl.sim.server import LoopbackServer
from mcctl.sim.tls import make_self_signed

SUB = "6a1d2b3c-5e4f-4a1b-9c8d-0d3e5f7a9b1c"  # the demo estate's
LOCATIONS = f"/subscriptions/{SUB}/locations"


@pytest.fixture
def https_sim(tmp_path: Path, monkeypatch):
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, "https", persist=False)
    cert, key = make_self_signed(tmp_path / "tls")
    monkeypatch.setenv("MCCTL_ACCESS_TOKEN", make_sim_token("runbook@contoso.com")[0])
    with LoopbackServer(sim, cert, key) as server:
        yield sim, server, cert


def _estate_file(tmp_path: Path, url: str, cert: Path, *, edit: Any = None) -> str:
    data = yaml.safe_load(demo_source().text)
    data["cloud"] = {"arm_endpoint": url, "ca_bundle": str(cert)}
    data["lock"]["endpoint"] = f"{url}/@blob/{data['lock']['storage_account']}"  # path-style, same host
    for stamp in data["stamps"]:
        stamp["health_url"] = f"{url}/health/{stamp['name']}"
    if edit is not None:
        edit(data)
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def _typo(data: dict[str, Any]) -> None:
    assert data["stamps"][4]["region"] == "eastus2"
    data["stamps"][4]["region"] = "eastsu2"


def _location_calls(sim) -> list[str]:
    return [r.path for r in sim.requests if r.path.lower().endswith("/locations")]


def test_a_region_typo_is_exit_2_naming_the_field_and_nothing_is_read_or_changed(mcctl, https_sim, tmp_path) -> None:
    sim, server, cert = https_sim
    before = sim.store.snapshot()["resources"]
    path = _estate_file(tmp_path, server.url, cert, edit=_typo)
    result = mcctl("--estate", path, "-y", "scale", "eus2-1", "--instances", "4")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[0] == f"mcctl: error: {path} is invalid (1 problem)"
    assert (
        lines[1].strip().startswith("stamps[4].region: unknown region 'eastsu2' (not in the subscription's locations:")
    )
    assert "did you mean 'eastus2'?" in lines[1] and "hint:" in lines[-1] and "regions:" in lines[-1]
    assert [r.path for r in sim.requests] == [LOCATIONS]  # one call, then nothing was read
    assert sim.store.snapshot()["resources"] == before  # nor changed


def test_a_sql_server_key_is_checked_too(mcctl, https_sim, tmp_path) -> None:
    sim, server, cert = https_sim

    def typo(data: dict[str, Any]) -> None:
        servers = data["sql"]["servers"]
        servers["northeurpoe"] = servers.pop("northeurope")

    result = mcctl("--estate", _estate_file(tmp_path, server.url, cert, edit=typo), "-o", "json", "sql", "status")
    assert result.exit_code == 2, result.stderr
    assert "sql.servers.northeurpoe: unknown region 'northeurpoe'" in result.stderr
    assert "did you mean 'northeurope'?" in result.stderr and result.stdout == ""


def test_correct_regions_are_checked_once_and_the_command_works(mcctl, https_sim, tmp_path) -> None:
    sim, server, cert = https_sim
    path = _estate_file(tmp_path, server.url, cert)
    result = mcctl("--estate", path, "-o", "json", "-y", "scale", "eus2-1", "--instances", "4")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "applied"
    assert "warning" not in result.stderr
    assert _location_calls(sim) == [LOCATIONS]  # once per estate subscription (the demo has one)
    assert sim.requests[0].path == LOCATIONS  # before anything else


def test_unreadable_locations_warn_once_and_do_not_block(mcctl, https_sim, tmp_path) -> None:
    sim, server, cert = https_sim
    sim.add_fault({"kind": "error", "status": 403, "code": "AuthorizationFailed", "path": LOCATIONS, "count": None})
    path = _estate_file(tmp_path, server.url, cert, edit=_typo)  # a typo goes unnoticed: nothing to check with
    result = mcctl("--estate", path, "-o", "json", "sql", "status")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["primary_region"]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("mcctl: warning:")]
    assert len(warnings) == 1, result.stderr
    assert "region names could not be checked" in warnings[0] and "AuthorizationFailed" in warnings[0]
    assert "\n" not in warnings[0]


def test_a_missing_subscription_warns_and_does_not_block(mcctl, https_sim, tmp_path) -> None:
    sim, server, cert = https_sim
    sim.add_fault({"kind": "error", "status": 404, "code": "SubscriptionNotFound", "path": LOCATIONS, "count": None})
    result = mcctl("--estate", _estate_file(tmp_path, server.url, cert), "-o", "json", "sql", "status")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("region names could not be checked") == 1


def test_a_custom_cloud_with_regions_makes_no_locations_call(mcctl, https_sim, tmp_path) -> None:
    sim, server, cert = https_sim

    def declare(data: dict[str, Any]) -> None:
        data["regions"] = ["westeurope", "northeurope", "eastus2"]

    result = mcctl("--estate", _estate_file(tmp_path, server.url, cert, edit=declare), "-o", "json", "sql", "status")
    assert result.exit_code == 0, result.stderr
    assert sim.requests and _location_calls(sim) == []


def test_a_named_cloud_makes_no_locations_call(mcctl, monkeypatch) -> None:
    import mcctl.sim.runtime as sim_runtime

    opened: list[Any] = []
    original = sim_runtime.open_simulator

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = original(*args, **kwargs)
        opened.append(found[0])
        return found

    monkeypatch.setattr(sim_runtime, "open_simulator", spy)
    result = mcctl("--sim", "-o", "json", "status")  # the demo estate: AzureCloud
    assert result.exit_code == 0, result.stderr
    (sim,) = opened
    assert sim.requests and _location_calls(sim) == []


def test_a_custom_cloud_on_the_embedded_simulator_is_checked_in_process(mcctl, monkeypatch, tmp_path) -> None:
    """`--sim` with a custom-cloud estate file: the same check, answered by the simulator in process."""
    import mcctl.sim.runtime as sim_runtime

    opened: list[Any] = []
    original = sim_runtime.open_simulator

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = original(*args, **kwargs)
        opened.append(found[0])
        return found

    monkeypatch.setattr(sim_runtime, "open_simulator", spy)
    data = yaml.safe_load(demo_source().text)
    data["cloud"] = {"arm_endpoint": "https://management.local.azurestack.external"}
    data["lock"]["endpoint"] = "https://stmcops.blob.local.azurestack.external"
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = mcctl("--sim", "--estate", str(path), "-o", "json", "sql", "status")
    assert result.exit_code == 0, result.stderr
    (sim,) = opened
    assert _location_calls(sim) == [LOCATIONS] and sim.requests[0].path == LOCATIONS
    assert "warning" not in result.stderr
