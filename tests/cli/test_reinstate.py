"""`mcctl reinstate REGION` on the persisted simulator, and the issue's "done when": an evacuation
during an outage and its reinstatement return the estate to where it started; the SQL primary's
region comes back with --sql; a region still unhealthy is refused (overridable, journaled)."""

from __future__ import annotations

import json
from typing import Any

from mcctl.ops import frontdoor as frontdoor_ops

EUS2 = ("eus2-1", "eus2-2")
WEU = ("weu-1", "weu-2")


def _json(mcctl, *args: str) -> Any:
    result = mcctl("--sim", "-o", "json", *args)
    assert result.exit_code == 0, f"{args}: exit {result.exit_code}: {result.stderr}"
    return json.loads(result.stdout)


def _stamp_rows(mcctl) -> list[dict[str, Any]]:
    """`stamps list -o json`: every field is estate state (the journal adds none to it)."""
    return list(_json(mcctl, "stamps", "list"))


def _primary(mcctl) -> str:
    return str(_json(mcctl, "sql", "status")["primary_region"])


def _records(mcctl, op: str) -> list[dict[str, Any]]:
    return list(_json(mcctl, "journal", "show", op)["records"])


def _step_kinds(mcctl, op: str) -> list[str]:
    records = _records(mcctl, op)
    steps = next(r for r in records if r["type"] == "operation")["plan"]["steps"]
    return [steps[r["step"]]["kind"] for r in records if r["type"] == "intent"]


def test_done_when_an_outage_evacuated_then_reinstated_returns_the_estate_to_its_start(mcctl) -> None:
    start = _stamp_rows(mcctl)
    assert mcctl("--sim", "sim", "outage", "start", "eastus2").exit_code == 0

    evacuated = mcctl("--sim", "-o", "json", "evacuate", "eastus2", "--yes")
    assert evacuated.exit_code == 0, evacuated.stderr
    op = json.loads(evacuated.stdout)["operation"]
    assert [r["event"] for r in _records(mcctl, op) if r["type"] == "event"] == ["edge-verified"]
    assert mcctl("--sim", "frontdoor", "verify", "eastus2").exit_code == 0  # no traffic on eastus2 at the edge
    rows = {r["name"]: r for r in _stamp_rows(mcctl)}
    assert [rows[s]["serving"] for s in EUS2] == [False, False]
    assert sum(rows[s]["instances"] for s in ("weu-1", "weu-2", "neu-1", "neu-2")) == 18

    still_down = mcctl("--sim", "reinstate", "eastus2", "--yes")
    assert still_down.exit_code == 5, still_down.stderr
    assert "refused by safety rule region_healthy" in still_down.stderr
    assert "--override region_healthy --reason" in still_down.stderr

    assert mcctl("--sim", "sim", "outage", "end", "eastus2").exit_code == 0
    reinstated = mcctl("--sim", "-o", "json", "reinstate", "eastus2", "--yes")
    assert reinstated.exit_code == 0, reinstated.stderr
    data = json.loads(reinstated.stdout)
    assert data["summary"] == "reinstate eastus2: restore 2 origins in 2 steps, scale 4 stamps back"
    assert _step_kinds(mcctl, data["operation"]) == ["set_origin"] * 4 + ["scale_plan"] * 4
    assert "eus2-1, eus2-2 serve again" in reinstated.stderr
    assert _stamp_rows(mcctl) == start


def test_done_when_the_sql_primary_region_comes_back_with_sql(mcctl) -> None:
    start = _stamp_rows(mcctl)
    evacuated = mcctl("--sim", "evacuate", "westeurope", "--yes")
    assert evacuated.exit_code == 0, evacuated.stderr
    assert _primary(mcctl) == "northeurope"

    reinstated = mcctl("--sim", "-o", "json", "reinstate", "westeurope", "--sql", "--yes")

    assert reinstated.exit_code == 0, reinstated.stderr
    data = json.loads(reinstated.stdout)
    assert "fail SQL back northeurope → westeurope" in data["summary"]
    # traffic back first, then the primary (planned), and the survivors scale in last
    assert _step_kinds(mcctl, data["operation"]) == ["set_origin"] * 4 + ["sql_failover"] + ["scale_plan"] * 4
    header = next(r for r in _records(mcctl, data["operation"]) if r["type"] == "operation")
    assert header["kind"] == "reinstate" and header["plan"]["steps"][4]["params"]["mode"] == "planned"
    assert _primary(mcctl) == "westeurope"
    assert _stamp_rows(mcctl) == start


def test_without_sql_the_primary_stays_where_the_evacuation_moved_it(mcctl) -> None:
    assert mcctl("--sim", "evacuate", "westeurope", "--yes").exit_code == 0

    shown = _json(mcctl, "reinstate", "westeurope", "--dry-run")
    assert any("--sql fails it back to westeurope" in n for n in shown["plan"]["notes"])
    result = mcctl("--sim", "reinstate", "westeurope", "--yes")

    assert result.exit_code == 0, result.stderr
    assert _primary(mcctl) == "northeurope"
    rows = {r["name"]: r for r in _stamp_rows(mcctl)}
    assert [rows[s]["serving"] for s in WEU] == [True, True]
    assert {rows[s]["instances"] for s in rows} == {3}


def test_weights_and_priorities_come_back_as_they_were_before_the_evacuation(mcctl) -> None:
    _patch_origin(weight=700, priority=2)
    assert mcctl("--sim", "evacuate", "eastus2", "--yes", "--steps", "100").exit_code == 0

    result = mcctl("--sim", "reinstate", "eastus2", "--yes", "--steps", "100")

    assert result.exit_code == 0, result.stderr
    rows = {r["name"]: r for r in _stamp_rows(mcctl)}
    assert (rows["eus2-1"]["origin_enabled"], rows["eus2-1"]["origin_weight"], rows["eus2-1"]["origin_priority"]) == (
        True,
        700,
        2,
    )
    # at priority 2 it is a standby: Front Door sends it nothing while priority 1 serves, so the
    # check at the edge waits for eus2-2 only
    assert "until eus2-2 answer" in result.stderr and "eus2-2 serve again" in result.stderr


def _patch_origin(**changes: Any) -> None:
    """Set eus2-1's origin behind mcctl's back (as the portal would)."""
    from mcctl.adapters import frontdoor
    from mcctl.adapters.lro import WaitOptions
    from mcctl.bootstrap import simulated_session
    from mcctl.config.loader import demo_source, load_estate
    from mcctl.sim.runtime import open_simulator, sim_state_path

    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path(estate.name))
    session = simulated_session(estate, sim)
    try:
        frontdoor.update_origin(session, estate.frontdoor, "origin-eus2-1", options=WaitOptions(), **changes)
    finally:
        session.close()


def test_an_unhealthy_region_is_reinstated_only_with_a_journaled_override(mcctl, monkeypatch) -> None:
    assert mcctl("--sim", "evacuate", "eastus2", "--yes").exit_code == 0
    assert mcctl("--sim", "sim", "stamp", "fail", "eus2-1").exit_code == 0

    refused = mcctl("--sim", "reinstate", "eastus2", "--yes")
    assert refused.exit_code == 5, refused.stderr
    assert "1 of 2 stamp(s) of eastus2 unhealthy (eus2-1: health endpoint" in refused.stderr
    assert {r["serving"] for r in _stamp_rows(mcctl) if r["name"] in EUS2} == {False}

    # the gates between groups would stop the run on eus2-1: let them pass to see the override journaled
    monkeypatch.setattr(frontdoor_ops, "stamp_health", lambda s, e: {x.name: ("healthy", []) for x in e.stamps})
    forced = mcctl(
        "--sim",
        "-o",
        "json",
        "reinstate",
        "eastus2",
        "--yes",
        "--no-verify",
        "--override",
        "region_healthy",
        "--reason",
        "CHG-42",
    )

    assert forced.exit_code == 0, forced.stderr
    assert "safety rule region_healthy overridden (journaled): CHG-42" in forced.stderr
    header = next(r for r in _records(mcctl, json.loads(forced.stdout)["operation"]) if r["type"] == "operation")
    assert header["overrides"] == [{"rule": "region_healthy", "reason": "CHG-42"}]
    assert {r["serving"] for r in _stamp_rows(mcctl) if r["name"] in EUS2} == {True}


def test_nothing_evacuated_is_nothing_to_do(mcctl) -> None:
    result = mcctl("--sim", "reinstate", "northeurope", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "no evacuation of northeurope in the journal" in result.stderr
    assert _json(mcctl, "journal", "list") == []


def test_bad_input_is_exit_2(mcctl) -> None:
    for args, message in (
        (("mars",), "REGION: 'mars' has no stamps"),
        (("eastus2", "--no-wait"), "--no-wait: reinstate runs its phases in order"),
        (("eastus2", "--steps", "0,100"), "--steps: each step is a percentage from 1 to 100"),
    ):
        result = mcctl("--sim", "reinstate", *args, "--yes")
        assert result.exit_code == 2, (args, result.stderr)
        assert message in result.stderr


def _instances(mcctl) -> dict[str, int]:
    return {r["name"]: r["instances"] for r in _stamp_rows(mcctl)}


def test_reinstating_out_of_order_takes_back_only_what_each_evacuation_added(mcctl) -> None:
    """Two regions evacuated, the first one reinstated first: westeurope still carries northeurope,
    so it keeps what northeurope's evacuation added; the second reinstate brings the start back."""
    start = _stamp_rows(mcctl)
    assert mcctl("--sim", "evacuate", "eastus2", "--yes").exit_code == 0
    after_first = _instances(mcctl)
    assert mcctl("--sim", "evacuate", "northeurope", "--yes").exit_code == 0
    after_second = _instances(mcctl)
    added_by_second = {s: after_second[s] - after_first[s] for s in WEU}
    assert all(n > 0 for n in added_by_second.values()), after_second

    assert mcctl("--sim", "reinstate", "eastus2", "--yes").exit_code == 0
    now = _instances(mcctl)
    assert {s: now[s] for s in WEU} == {s: 3 + added_by_second[s] for s in WEU}  # northeurope still carried

    back = mcctl("--sim", "-o", "json", "reinstate", "northeurope", "--yes")
    assert back.exit_code == 0, back.stderr
    assert _stamp_rows(mcctl) == start


def test_reinstate_sql_does_not_move_a_primary_the_evacuation_never_moved(mcctl) -> None:
    assert mcctl("--sim", "evacuate", "eastus2", "--yes").exit_code == 0
    planned = mcctl("--sim", "-o", "json", "reinstate", "eastus2", "--sql", "--dry-run")
    assert planned.exit_code == 0, planned.stderr
    plan = json.loads(planned.stdout)["plan"]
    assert "sql_failover" not in [s["kind"] for s in plan["steps"]]
    assert any("did not move the primary" in note and "--sql changes nothing" in note for note in plan["notes"])
    assert _primary(mcctl) == "westeurope"


def test_reinstate_after_an_unlink_says_redis_is_still_unlinked(mcctl) -> None:
    evacuated = mcctl("--sim", "evacuate", "eastus2", "--unlink-redis", "--allow-data-loss", "--yes")
    assert evacuated.exit_code == 0, evacuated.stderr
    planned = mcctl("--sim", "-o", "json", "reinstate", "eastus2", "--dry-run")
    assert planned.exit_code == 0, planned.stderr
    notes = json.loads(planned.stdout)["plan"]["notes"]
    assert any(n.startswith("Redis: eastus2 is") and "mcctl redis relink eastus2" in n for n in notes), notes
