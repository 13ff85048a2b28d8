"""The simulator at realistic scale: honest verdicts at 600 stamps, a bounded number of state writes
per command, and lists paged as ARM pages them (mcctl/sim/paging.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mcctl.cli.main import create_app
from mcctl.config.loader import EstateSource, load_estate
from mcctl.config.paths import sim_state_path
from mcctl.sim.app import Sim
from mcctl.sim.generate import estate_yaml
from mcctl.sim.http import SimRequest
from mcctl.sim.runtime import open_simulator
from mcctl.sim.store import SimStore

HOST = "https://management.sim.mcctl.invalid"
AUTH = {"Authorization": "Bearer t"}


@pytest.fixture
def mcctl():
    runner = CliRunner()
    return lambda *args: runner.invoke(create_app(), list(args))


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[Path | None]:
    """Every write of a simulator state, by path, from here on."""
    written: list[Path | None] = []
    real = SimStore._write

    def counting(store: SimStore) -> None:
        written.append(store.path)
        real(store)

    monkeypatch.setattr(SimStore, "_write", counting)
    return written


def _estate_file(tmp_path: Path, regions: int, per_region: int) -> Path:
    path = tmp_path / f"scale-{regions}x{per_region}.yaml"
    path.write_text(estate_yaml("scale", regions, per_region), encoding="utf-8")  # one name: the same hosts
    return path


def _health(mcctl, path: Path) -> dict[str, Any]:
    result = mcctl("--sim", "--estate", str(path), "-o", "json", "health")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- honest under load -----------------------------------------------------------------------------
def test_the_same_healthy_estate_gets_the_same_verdicts_at_6_and_at_600_stamps(
    mcctl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With a network latency on every request: 600 concurrent probes must each still measure their
    # own simulated round trip, never the time spent queued behind the others in the simulator.
    monkeypatch.setenv("MCCTL_SIM_LATENCY_MS", "40")
    small = _health(mcctl, _estate_file(tmp_path, 3, 2))
    large = _health(mcctl, _estate_file(tmp_path, 30, 20))

    assert len(small["stamps"]) == 6 and len(large["stamps"]) == 600
    for report in (small, large):
        assert report["status"] == "healthy"
        assert {s["status"] for s in report["stamps"]} == {"healthy"}
        assert all(s["reasons"] == [] for s in report["stamps"])  # none slow, none degraded
    # The same endpoint answers in the same simulated time whatever the estate's size: its own
    # latency (40-140 ms) plus the network's 40 ms.
    latency = {s["name"]: s["probe"]["latency_ms"] for s in large["stamps"]}
    assert {s["name"]: s["probe"]["latency_ms"] for s in small["stamps"]} == {
        s["name"]: latency[s["name"]] for s in small["stamps"]
    }
    assert 80 <= min(latency.values()) and max(latency.values()) <= 181


def test_a_command_writes_the_state_a_bounded_number_of_times_whatever_the_stamp_count(
    mcctl, tmp_path: Path, writes: list[Path | None]
) -> None:
    counts = {}
    for regions, per_region in ((3, 2), (6, 10)):  # 6 and 60 stamps: 6 and 60 probes
        path = _estate_file(tmp_path, regions, per_region)
        assert mcctl("--sim", "--estate", str(path), "stamps", "list").exit_code == 0  # seeds
        state = sim_state_path("scale")
        before = json.loads(state.read_text(encoding="utf-8"))["clock_offset"]
        writes.clear()
        result = mcctl("--sim", "--estate", str(path), "-o", "json", "stamps", "list")
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.stdout)) == regions * per_region
        counts[regions * per_region] = len(writes)
        # The probes' simulated time reached the file, once, when the command ended.
        assert json.loads(state.read_text(encoding="utf-8"))["clock_offset"] > before
    assert counts[60] == counts[6] and 1 <= counts[60] <= 2, counts


# -- ARM's page sizes --------------------------------------------------------------------------------
@pytest.fixture
def large(tmp_path: Path) -> tuple[Sim, str]:
    """A 240-stamp estate's simulator in memory, and its subscription."""
    text = estate_yaml("paged", 12, 20)
    path = tmp_path / "paged.yaml"
    path.write_text(text, encoding="utf-8")
    estate = load_estate(EstateSource(str(path), text))
    sim, _ = open_simulator(estate, "fp", persist=False)
    return sim, estate.subscription


def _pages(sim: Sim, path: str) -> list[int]:
    """Items on each page of a list, following nextLink as given."""
    url = f"{HOST}{path}?api-version=2024-11-01"
    sizes = []
    while url:
        response = sim.handle(SimRequest("GET", url, AUTH))
        assert response.status == 200, response.body
        sizes.append(len(response.body["value"]))
        url = response.body.get("nextLink")
    return sizes


def test_lists_page_as_arm_does_by_resource_type(large: tuple[Sim, str]) -> None:
    sim, sub = large
    assert "page_size" not in sim.settings  # no override: ARM's sizes
    assert _pages(sim, f"/subscriptions/{sub}/providers/Microsoft.Web/sites") == [100, 100, 40]
    assert _pages(sim, f"/subscriptions/{sub}/providers/Microsoft.Web/serverfarms") == [100, 100, 40]
    origins = "/resourceGroups/rg-paged-global/providers/Microsoft.Cdn/profiles/afd-paged/originGroups/og-web/origins"
    assert _pages(sim, f"/subscriptions/{sub}{origins}") == [100, 100, 40]
    assert _pages(sim, f"/subscriptions/{sub}/resourcegroups") == [242]  # Microsoft.Resources: 1000 a page


def test_a_small_page_size_set_in_the_settings_pages_every_list(large: tuple[Sim, str]) -> None:
    sim, sub = large
    sim.settings["page_size"] = 7
    assert _pages(sim, f"/subscriptions/{sub}/providers/Microsoft.Web/sites") == [7] * 34 + [2]
    assert _pages(sim, f"/subscriptions/{sub}/resourcegroups") == [7] * 34 + [4]
