"""A damaged simulator state file (repro 8): `sim reset` always repairs it; any other command moves it
aside and fails with one line naming the file and the remedy. Simulated time stays finite and bounded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcctl.cli.main import create_app
from mcctl.config.loader import demo_source
from mcctl.errors import SimStateDamaged
from mcctl.sim.runtime import open_simulator, sim_state_path

DAMAGE = {
    "truncated": '{"version": 1, "estate": "demo", "resou',
    "garbage": "\x00\x17 not json at all",
    "empty": "",
    "a list": "[]",
    "a string": '"demo"',
    "missing keys": '{"version": 1}',
    "sections of the wrong type": None,  # filled from a real state below
    "infinite clock": None,
    "nan clock": None,
    "absurd clock": None,
    "string clock": None,
    "operation without a due time": None,
    "fault of the wrong shape": None,
}


@pytest.fixture
def mcctl():
    runner = CliRunner()
    return lambda *args: runner.invoke(create_app(), list(args))


def _seeded_state(demo_estate) -> dict:
    sim, _ = open_simulator(demo_estate, demo_source().fingerprint, path=sim_state_path("demo"))
    return json.loads(Path(sim.store.path).read_text())


def _damaged_text(kind: str, state: dict) -> str:
    if DAMAGE[kind] is not None:
        return DAMAGE[kind]
    state = json.loads(json.dumps(state))
    if kind == "sections of the wrong type":
        state["resources"] = []
    elif kind == "infinite clock":
        return json.dumps({**state, "clock_offset": float("inf")})  # json.dumps writes Infinity
    elif kind == "nan clock":
        return json.dumps({**state, "clock_offset": float("nan")})
    elif kind == "absurd clock":
        state["clock_offset"] = 1e300
    elif kind == "string clock":
        state["clock_offset"] = "soon"
    elif kind == "operation without a due time":
        state["operations"] = {"x": {"id": "x", "status": "InProgress", "seq": 1}}
    elif kind == "fault of the wrong shape":
        state["faults"] = [{"kind": "throttle", "method": 7, "path": None}]
    return json.dumps(state)


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_damaged_state_is_moved_aside_with_one_line_and_the_reset_hint(mcctl, demo_estate, kind) -> None:
    path = sim_state_path("demo")
    path.write_text(_damaged_text(kind, _seeded_state(demo_estate)), encoding="utf-8")
    damaged = path.read_bytes()

    result = mcctl("--sim", "-o", "json", "stamps", "list")

    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("mcctl: error:")]
    assert len(errors) == 1 and str(path) in errors[0] and "damaged" in errors[0]
    assert "hint: mcctl --sim sim reset" in result.stderr
    assert result.stdout == ""
    aside = list(path.parent.glob("demo.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == damaged  # the evidence is kept, not reseeded over
    assert str(aside[0]) in errors[0]
    assert not path.exists()


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_sim_reset_always_works_without_reading_the_old_state(mcctl, demo_estate, kind) -> None:
    path = sim_state_path("demo")
    path.write_text(_damaged_text(kind, _seeded_state(demo_estate)), encoding="utf-8")

    reset = mcctl("--sim", "sim", "reset")

    assert reset.exit_code == 0, reset.stderr
    assert "reset to its initial state" in reset.stderr
    status = mcctl("--sim", "-o", "json", "sim", "status")
    assert status.exit_code == 0, status.stderr
    assert json.loads(status.stdout)["resources"] > 30
    assert mcctl("--sim", "-o", "json", "stamps", "list").exit_code == 0


def test_sim_reset_works_when_no_state_exists_yet(mcctl) -> None:
    assert not sim_state_path("demo").exists()
    assert mcctl("sim", "reset").exit_code == 0
    assert json.loads(sim_state_path("demo").read_text())["resources"]


def test_the_next_command_after_the_move_starts_a_fresh_simulator(mcctl) -> None:
    path = sim_state_path("demo")
    path.parent.mkdir(parents=True)
    path.write_text("{", encoding="utf-8")
    assert mcctl("--sim", "stamps", "list").exit_code == 2
    again = mcctl("--sim", "-o", "json", "stamps", "list")
    assert again.exit_code == 0, again.stderr
    assert len(json.loads(again.stdout)) == 6


def test_a_state_damaged_while_a_store_is_open_is_detected_on_reload(demo_estate) -> None:
    sim, _ = open_simulator(demo_estate, demo_source().fingerprint, path=sim_state_path("demo"))
    sim_state_path("demo").write_text("[]", encoding="utf-8")
    with pytest.raises(SimStateDamaged) as info:
        sim.advance(1)
    assert info.value.exit_code == 2 and "not a JSON object" in info.value.message


@pytest.mark.parametrize("seconds", ["inf", "nan", "-5", "1e300", "315360001", "-inf"])
def test_advance_refuses_nonsense_and_leaves_the_clock_usable(mcctl, seconds) -> None:
    before = json.loads(mcctl("-o", "json", "sim", "status").stdout)["clock_offset_seconds"]
    result = mcctl("sim", "advance", "--", seconds)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.count("mcctl: error:") == 1 and "SECONDS" in result.stderr
    status = mcctl("-o", "json", "sim", "status")
    assert status.exit_code == 0 and json.loads(status.stdout)["clock_offset_seconds"] == before
    assert mcctl("--sim", "stamps", "list").exit_code == 0


def test_advance_cannot_push_the_clock_past_its_bound_in_steps(mcctl) -> None:
    ten_years = str(3650 * 86400)
    results = [mcctl("sim", "advance", ten_years).exit_code for _ in range(12)]
    assert results[0] == 0 and results[-1] == 2  # the total offset is bounded too (100 years)
    assert mcctl("--sim", "-o", "json", "stamps", "list").exit_code == 0


def test_the_clock_refuses_non_finite_time_directly(sim) -> None:
    for bad in (float("inf"), float("nan")):
        with pytest.raises(ValueError):
            sim.advance(bad)
    assert sim.clock.offset == 0.0


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["fault", "add", "throttle", "--retry-after", "-5"], "--retry-after"),
        (["fault", "add", "throttle", "--retry-after", "100000"], "--retry-after"),
        (["fault", "add", "throttle", "--count", "0"], "--count"),
        (["fault", "add", "throttle", "--count", "10000001"], "--count"),
        (["fault", "add", "error", "--status", "404"], "--status"),
        (["fault", "add", "lro_failure", "--status", "200"], "--status"),
        (["fault", "add", "lro_failure", "--status", "-1"], "--status"),
        (["fault", "add", "signal", "--signal", "KILL"], "--signal"),
        (["fault", "add", "signal"], "--signal"),
        (["fault", "add", "crash", "--signal", "TERM"], "--signal"),
        (["stamp", "slow", "weu-1", "--latency", "nan"], "--latency"),
        (["stamp", "slow", "weu-1", "--latency", "inf"], "--latency"),
        (["stamp", "slow", "weu-1", "--latency", "-1"], "--latency"),
        (["stamp", "slow", "weu-1", "--latency", "100000"], "--latency"),
        (["serve", "--port", "70000"], "--port"),
        (["fault", "add", "error", "--method", "GET /x"], "--method"),
    ],
)
def test_numeric_options_of_sim_commands_are_validated(mcctl, args, option) -> None:
    result = mcctl("sim", *args)
    assert result.exit_code == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("mcctl: error:")]
    assert len(errors) == 1 and option in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    status = json.loads(mcctl("-o", "json", "sim", "status").stdout)
    assert status["faults"] == [] and status["health_faults"] == {}


def test_a_write_left_half_done_by_a_killed_process_is_removed_on_the_next_open(mcctl, demo_estate) -> None:
    """A process killed between writing the new state and renaming it leaves its temporary file (2 MB
    at 600 stamps): the next process removes it while it holds the lock, the state itself unharmed."""
    assert mcctl("--sim", "stamps", "list", "--no-health").exit_code == 0
    path = sim_state_path(demo_estate.name)
    stale = path.with_name(path.name + "k1ll3d.tmp")
    stale.write_text("{half a state", encoding="utf-8")
    other = path.with_name("other.json" + "x.tmp")  # another estate's: not this store's to remove
    other.write_text("{}", encoding="utf-8")
    assert mcctl("--sim", "-o", "json", "stamps", "list", "--no-health").exit_code == 0
    assert not stale.exists() and other.exists()
