"""`mcctl health` semantics of issue 14 on the persisted simulator: drained (on purpose, by a journaled
drain) is not degraded, across an outage, a drain and a restore; the SQL primary's region down makes
the estate unhealthy; a stopped web app's stamp is unhealthy; `--check` exit codes and the JSON
`status` of every stamp, region and the estate."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mcctl.config.loader import demo_source, load_estate
from mcctl.config.paths import sim_state_path
from mcctl.sim.app import Sim
from mcctl.sim.runtime import open_simulator

EUS2 = ("eus2-1", "eus2-2")


def _health(mcctl, *args: str) -> tuple[int, dict[str, Any]]:
    """`health --check -o json`: the exit code and the document."""
    result = mcctl("--sim", "-o", "json", "health", "--check", *args)
    assert result.exit_code in (0, 10, 11), result.stderr
    return result.exit_code, json.loads(result.stdout)


def _statuses(data: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, str]]:
    """The estate's status, each region's, each stamp's."""
    regions = {r["name"]: r["status"] for r in data["regions"]}
    return data["status"], regions, {s["name"]: s["status"] for s in data["stamps"]}


def _stamp(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in data["stamps"] if s["name"] == name)


def _ok(result) -> Any:
    assert result.exit_code == 0, result.stderr
    return result


def _drain(mcctl, *target: str) -> str:
    result = _ok(mcctl("--sim", "-o", "json", "frontdoor", "drain", *target, "--yes"))
    return json.loads(result.stdout)["operation"]


def _edit(mcctl, change: Callable[[Sim, dict[str, Any]], None], *stamps: str) -> None:
    """Change the persisted simulator's resources of `stamps` behind mcctl's back (as by hand in Azure)."""
    _ok(mcctl("sim", "status"))  # seeded
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    with sim.store.transaction():
        for name in stamps:
            stamp = estate.stamp(name)
            assert stamp is not None
            change(sim, {"app": stamp.app_ref.id, "origin": estate.frontdoor.origin_id(stamp.origin)})


def _disable_origin(sim: Sim, ids: dict[str, Any]) -> None:
    origin = sim.store.require(ids["origin"])
    origin["properties"]["enabledState"] = "Disabled"
    sim.store.put(origin)


def _stop_app(sim: Sim, ids: dict[str, Any]) -> None:
    app = sim.store.require(ids["app"])
    app["properties"]["state"] = "Stopped"
    sim.store.put(app)


# -- drained vs degraded across an outage, a drain and a restore --------------------------------------
def test_a_region_drained_on_purpose_is_drained_through_the_outage_and_healthy_after_restore(mcctl) -> None:
    _ok(mcctl("sim", "outage", "start", "eastus2"))
    code, data = _health(mcctl)
    assert code == 10
    assert _statuses(data) == (
        "degraded",
        {"westeurope": "healthy", "northeurope": "healthy", "eastus2": "unhealthy"},
        {"weu-1": "healthy", "weu-2": "healthy", "neu-1": "healthy", "neu-2": "healthy"}
        | dict.fromkeys(EUS2, "unhealthy"),
    )

    drain = _drain(mcctl, "eastus2")
    # During the outage, after the drain: eastus2 is out of service on purpose, the check passes, and
    # what is still broken there is said (its own signals stay in the stamps' reasons).
    code, data = _health(mcctl)
    assert code == 0
    estate, regions, stamps = _statuses(data)
    assert (estate, regions["eastus2"]) == ("healthy", "drained")
    assert {n: stamps[n] for n in EUS2} == dict.fromkeys(EUS2, "drained")
    eus21 = _stamp(data, "eus2-1")
    assert (eus21["drained_by"], eus21["condition"]) == (drain, "unhealthy")
    assert eus21["reasons"][0] == (
        f"drained on purpose by operation {drain} (origin disabled, no traffic); its own signals: unhealthy"
    )
    assert any(r.startswith("health endpoint: HTTP 503") for r in eus21["reasons"])
    origin = next(s for s in eus21["signals"] if s["name"] == "origin")
    assert origin["status"] == "healthy" and f"on purpose (drained by {drain})" in origin["reason"]
    assert data["reasons"] == ["region eastus2 drained: 2 of 2 stamps drained (eus2-1: unhealthy, eus2-2: unhealthy)"]
    region_code, region = _health(mcctl, "--region", "eastus2")
    assert (region_code, region["status"]) == (0, "drained")

    # The outage ends: still drained (nobody restored it), now healthy behind the drain.
    _ok(mcctl("sim", "outage", "end", "eastus2"))
    table = mcctl("--sim", "health", "--check")
    assert table.exit_code == 0, table.stderr
    assert "health check" not in table.stderr  # exit 0: nothing to announce
    row = next(line for line in table.stdout.splitlines() if line.startswith("eastus2 "))
    assert " drained " in row and "0/2 healthy, 2 drained" in row
    assert table.stdout.splitlines()[-1].startswith("estate demo: healthy — region eastus2 drained")
    code, data = _health(mcctl)
    assert code == 0 and _statuses(data)[1]["eastus2"] == "drained"
    assert {_stamp(data, n)["condition"] for n in EUS2} == {"healthy"}
    assert _stamp(data, "eus2-1")["reasons"] == [
        f"drained on purpose by operation {drain} (origin disabled, no traffic)"
    ]

    _ok(mcctl("--sim", "frontdoor", "restore", "eastus2", "--yes"))
    code, data = _health(mcctl)
    assert code == 0
    estate, regions, stamps = _statuses(data)
    assert estate == "healthy" and set(regions.values()) == {"healthy"} and set(stamps.values()) == {"healthy"}
    assert "drained_by" not in _stamp(data, "eus2-1") and data["reasons"] == []


def test_an_origin_disabled_by_hand_is_degraded_not_drained(mcctl) -> None:
    _edit(mcctl, _disable_origin, *EUS2)  # no journaled operation did this
    code, data = _health(mcctl)
    assert code == 10
    estate, regions, stamps = _statuses(data)
    assert (estate, regions["eastus2"], stamps["eus2-1"]) == ("degraded", "degraded", "degraded")
    assert _stamp(data, "eus2-1")["reasons"] == ["Front Door origin: origin-eus2-1 is Disabled (no traffic)"]
    assert "drained_by" not in _stamp(data, "eus2-1")


def test_a_rolled_back_drain_no_longer_drains(mcctl) -> None:
    drain = _drain(mcctl, "eastus2")
    assert _health(mcctl)[1]["regions"][2]["status"] == "drained"
    _ok(mcctl("--sim", "rollback", drain, "--yes"))
    code, data = _health(mcctl)
    assert code == 0 and set(_statuses(data)[2].values()) == {"healthy"}


def test_one_drained_stamp_leaves_its_region_healthy_on_the_other(mcctl) -> None:
    drain = _drain(mcctl, "--stamp", "eus2-1")
    code, data = _health(mcctl)
    assert code == 0
    estate, regions, stamps = _statuses(data)
    assert (estate, regions["eastus2"], stamps["eus2-1"], stamps["eus2-2"]) == (
        "healthy",
        "healthy",
        "drained",
        "healthy",
    )
    region = next(r for r in data["regions"] if r["name"] == "eastus2")
    assert region["reasons"] == ["1 of 2 stamps drained (eus2-1)"]
    assert _stamp(data, "eus2-1")["drained_by"] == drain
    # the stamp that still serves is the region now: when it fails, the region is down
    _ok(mcctl("sim", "stamp", "fail", "eus2-2"))
    code, data = _health(mcctl)
    assert code == 10 and _statuses(data)[1]["eastus2"] == "unhealthy"
    assert _health(mcctl, "--region", "eastus2")[0] == 11


def test_every_region_drained_serves_nothing_and_is_unhealthy(mcctl) -> None:
    _drain(mcctl, "westeurope")
    _drain(mcctl, "northeurope")
    rules = ("min_serving_regions", "min_serving_stamps", "min_serving_capacity")
    overrides = [arg for rule in rules for arg in ("--override", rule)]
    _drain(mcctl, "eastus2", *overrides, "--reason", "maintenance of every region")  # on purpose, all of it
    code, data = _health(mcctl)
    assert (code, data["status"]) == (11, "unhealthy")
    assert set(_statuses(data)[1].values()) == {"drained"}
    assert data["reasons"][0] == "no region serves traffic: every stamp is drained"
    # asked about one region, the answer is that it is drained on purpose
    assert _health(mcctl, "--region", "eastus2")[0] == 0


# -- the SQL primary -----------------------------------------------------------------------------------
def test_the_sql_primary_region_down_makes_the_estate_unhealthy(mcctl) -> None:
    _ok(mcctl("sim", "outage", "start", "westeurope"))
    code, data = _health(mcctl)
    assert (code, data["status"]) == (11, "unhealthy")
    assert data["reasons"][0] == (
        "no region can write: SQL primary sql-mc-weu (westeurope) unreachable: HTTP 504 GatewayTimeout"
    )
    assert _statuses(data)[1] == {"westeurope": "unhealthy", "northeurope": "degraded", "eastus2": "degraded"}
    # no region can write, whichever is asked about
    assert _health(mcctl, "--region", "eastus2")[0] == 11
    check = mcctl("--sim", "health", "--check")
    assert check.exit_code == 11 and "health check: unhealthy (exit 11)" in check.stderr
    _ok(mcctl("sim", "outage", "end", "westeurope"))
    code, data = _health(mcctl)
    assert (code, data["status"], data["reasons"]) == (0, "healthy", [])


def test_a_secondary_region_down_leaves_the_estate_degraded(mcctl) -> None:
    _ok(mcctl("sim", "outage", "start", "northeurope"))
    code, data = _health(mcctl)
    assert (code, data["status"]) == (10, "degraded")
    assert not any(r.startswith("no region can write") for r in data["reasons"])


# -- a stopped web app ---------------------------------------------------------------------------------
def test_a_stopped_web_app_makes_its_stamp_unhealthy(mcctl) -> None:
    _edit(mcctl, _stop_app, "neu-2")
    code, data = _health(mcctl)
    assert code == 10
    estate, regions, stamps = _statuses(data)
    assert (estate, regions["northeurope"], stamps["neu-2"], stamps["neu-1"]) == (
        "degraded",
        "degraded",
        "unhealthy",
        "healthy",
    )
    assert "web app: app-mc-neu-2 is Stopped" in _stamp(data, "neu-2")["reasons"]
