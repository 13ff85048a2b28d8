"""Simulated time moves in memory: a sleep (a probe's latency, an LRO poll) never rewrites the state
file; the clock reaches the file with the next change of state or `Sim.flush` (the CLI's close), and
never runs back when another process wrote the state meanwhile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcctl.adapters import web
from mcctl.adapters.lro import WaitOptions
from mcctl.bootstrap import simulated_session
from mcctl.domain.estate import Estate
from mcctl.sim.app import Sim
from mcctl.sim.runtime import open_simulator
from mcctl.sim.store import SimStore


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "demo.json"


def _open(demo_estate: Estate, path: Path) -> Sim:
    sim, _ = open_simulator(demo_estate, "fp", path=path)
    return sim


def _file_offset(path: Path) -> float:
    return json.loads(path.read_text(encoding="utf-8"))["clock_offset"]


def test_sleeps_write_nothing_and_flush_writes_the_clock_once(demo_estate: Estate, path: Path) -> None:
    sim = _open(demo_estate, path)
    writes = sim.store.writes
    for _ in range(50):
        sim.sleep(2)  # fifty probes' or polls' worth of simulated time
    assert sim.store.writes == writes
    assert _file_offset(path) == 0.0

    sim.flush()
    assert sim.store.writes == writes + 1
    assert _file_offset(path) == pytest.approx(100, abs=1)
    sim.flush()  # nothing moved since: nothing to write
    assert sim.store.writes == writes + 1


def test_a_change_of_state_carries_the_clock_and_needs_no_flush(demo_estate: Estate, path: Path) -> None:
    sim = _open(demo_estate, path)
    sim.sleep(300)
    web.set_plan_capacity(simulated_session(demo_estate, sim), demo_estate.stamps[0], 4, WaitOptions(wait=False))
    assert _file_offset(path) == pytest.approx(300, abs=1)
    writes = sim.store.writes
    sim.flush()
    assert sim.store.writes == writes


def test_another_process_writing_meanwhile_neither_loses_its_change_nor_turns_the_clock_back(
    demo_estate: Estate, path: Path
) -> None:
    first, second = _open(demo_estate, path), _open(demo_estate, path)
    first.sleep(600)  # in first's memory only
    ahead = first.now()
    web.set_plan_capacity(simulated_session(demo_estate, second), demo_estate.stamps[0], 5, WaitOptions(wait=False))

    plan = web.get_plan(simulated_session(demo_estate, first), demo_estate.stamps[0])  # first re-reads the file
    assert plan.capacity == 5  # second's change is seen
    assert first.now() >= ahead  # and first's time is kept
    first.flush()
    assert _file_offset(path) == pytest.approx(600, abs=1)
    second.sleep(1)
    assert second.now() >= ahead  # second now runs on the later clock


def test_a_later_clock_another_process_wrote_wins(demo_estate: Estate, path: Path) -> None:
    first, second = _open(demo_estate, path), _open(demo_estate, path)
    first.sleep(60)
    second.advance(3600)  # `sim advance` in another process: written at once
    assert _file_offset(path) == pytest.approx(3600, abs=1)
    first.sleep(1)  # (from first's own last instant, 60 s: already passed)
    assert first.now() - first.clock.wall() == pytest.approx(3600, abs=1)
    writes = first.store.writes
    first.flush()  # the file is ahead of anything first moved in memory: nothing to write
    assert _file_offset(path) == pytest.approx(3600, abs=1) and first.store.writes == writes


def test_a_state_replaced_in_process_takes_its_own_clock(demo_estate: Estate, path: Path) -> None:
    sim = _open(demo_estate, path)
    sim.sleep(500)
    fresh = json.loads(path.read_text(encoding="utf-8"))
    fresh["clock_offset"] = 0.0
    sim.store.replace(fresh)  # as a reset does
    with sim.clock_transaction() as clock:
        assert clock.now() - clock.wall() == pytest.approx(0, abs=0.5)


def test_flush_of_a_simulator_in_memory_does_nothing(sim: Sim) -> None:
    sim.sleep(10)
    sim.flush()
    assert isinstance(sim.store, SimStore) and sim.store.path is None and sim.store.writes == 0
