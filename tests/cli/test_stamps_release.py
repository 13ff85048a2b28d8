"""`mcctl stamps add|retire` on the persisted simulator: a deployed candidate's origin created (an LRO)
once it validates, disabled at weight 1; refused when it does not validate or when its origin exists
with other settings; retire refused while the stamp serves or is the last of its region, then
allowed (origin deleted, plan at its minimum, lifecycle tag `retired`), and rolled back."""

from __future__ import annotations

import json
from typing import Any

from mcctl.config.loader import demo_source, load_estate
from mcctl.sim.app import Sim
from mcctl.sim.runtime import open_simulator, sim_state_path

ESTATE = load_estate(demo_source())
FD = ESTATE.frontdoor
ORIGINS = f"{FD.profile_ref.id}/originGroups/{FD.origin_group}/origins".lower()
SITES = f"/subscriptions/{ESTATE.subscription}/resourceGroups"


def _sim() -> Sim:
    sim, _ = open_simulator(ESTATE, demo_source().fingerprint, path=sim_state_path("demo"))
    return sim


def _origin(name: str) -> dict[str, Any] | None:
    return _sim().store.get(f"{ORIGINS}/{name}")


def _capacity(rg: str, plan: str) -> int:
    body = _sim().store.get(f"{SITES}/{rg}/providers/Microsoft.Web/serverfarms/{plan}")
    assert body is not None
    return int(body["sku"]["capacity"])


def _site_tags(rg: str, app: str) -> dict[str, str]:
    body = _sim().store.get(f"{SITES}/{rg}/providers/Microsoft.Web/sites/{app}")
    assert body is not None
    return dict(body.get("tags") or {})


def _rows(mcctl) -> dict[str, dict[str, Any]]:
    listed = mcctl("--sim", "-o", "json", "stamps", "list")
    assert listed.exit_code == 0, listed.stderr
    return {row["name"]: row for row in json.loads(listed.stdout)}


def _deploy(mcctl, name: str = "weu-3") -> None:
    deployed = mcctl("--sim", "sim", "stamp", "deploy", name, "--region", "westeurope")
    assert deployed.exit_code == 0, deployed.stderr


def _one_line(result: Any) -> str:
    return " ".join(result.stderr.split())


# -- add -------------------------------------------------------------------------------------------
def test_add_creates_the_origin_disabled_once_the_candidate_validates(mcctl) -> None:
    _deploy(mcctl)
    assert _rows(mcctl)["weu-3"]["lifecycle"] == "candidate"
    assert _origin("origin-weu-3") is None

    added = mcctl("--sim", "-o", "json", "stamps", "add", "weu-3", "--yes")
    assert added.exit_code == 0, added.stderr
    data = json.loads(added.stdout)
    assert (data["status"], data["kind"]) == ("applied", "stamp-add")
    [step] = data["plan"]["steps"]
    assert (step["kind"], step["before"], step["after"]) == (
        "create_origin", {"exists": False}, {"exists": True, "enabled": False, "weight": 1},
    )  # fmt: skip
    origin = _origin("origin-weu-3")
    assert origin is not None
    props = origin["properties"]
    assert (props["enabledState"], props["weight"], props["hostName"], props["provisioningState"]) == (
        "Disabled", 1, "app-mc-weu-3.azurewebsites.net", "Succeeded",
    )  # fmt: skip
    assert props["azureOrigin"]["id"].lower().endswith("/sites/app-mc-weu-3")
    row = _rows(mcctl)["weu-3"]
    assert (row["lifecycle"], row["origin_enabled"], row["serving"], row["health"]) == (
        "candidate", False, False, "drained",
    )  # fmt: skip

    again = mcctl("--sim", "-o", "json", "stamps", "add", "weu-3", "--yes")
    assert again.exit_code == 0 and json.loads(again.stdout)["status"] == "nothing_to_do"


def test_add_at_a_minimal_weight_enables_it(mcctl) -> None:
    _deploy(mcctl)
    added = mcctl("--sim", "stamps", "add", "weu-3", "--weight", "1", "--yes")
    assert added.exit_code == 0, added.stderr
    props = (_origin("origin-weu-3") or {})["properties"]
    assert (props["enabledState"], props["weight"]) == ("Enabled", 1)


def test_add_is_refused_when_the_candidate_does_not_validate(mcctl) -> None:
    _deploy(mcctl)
    assert mcctl("--sim", "sim", "stamp", "fail", "weu-3").exit_code == 0
    refused = mcctl("--sim", "-o", "json", "stamps", "add", "weu-3", "--yes")
    assert refused.exit_code == 5
    assert "refused by safety rule stamp-validated: did not validate (weu-3: health:" in _one_line(refused)
    data = json.loads(refused.stdout)
    assert data["refused"] == ["stamp-validated"]
    [rule] = [r for r in data["rules"] if r["rule"] == "stamp-validated"]
    assert rule["numbers"]["failed"]["weu-3"][0].startswith("health:")
    assert _origin("origin-weu-3") is None
    journaled = json.loads(mcctl("--sim", "-o", "json", "journal", "show", "latest").stdout)
    assert (journaled["kind"], journaled["status"]) == ("stamp-add", "refused")

    forced = mcctl("--sim", "stamps", "add", "weu-3", "--override", "stamp-validated", "--reason", "known", "--yes")
    assert forced.exit_code == 0, forced.stderr
    assert _origin("origin-weu-3") is not None
    journaled = json.loads(mcctl("--sim", "-o", "json", "journal", "show", "latest").stdout)
    assert journaled["overrides"] == ["stamp-validated"]
    assert "known" in json.dumps(journaled["rules"])  # the reason is journaled with the rule


def test_add_refuses_an_origin_that_exists_with_other_settings(mcctl) -> None:
    _deploy(mcctl)
    from mcctl.adapters import frontdoor_origins
    from mcctl.adapters.lro import WaitOptions
    from mcctl.bootstrap import simulated_session
    from mcctl.domain.originspec import OriginSpec

    sim = _sim()
    session = simulated_session(ESTATE, sim)
    try:  # someone else's origin under the name the stamp would get
        frontdoor_origins.create_origin(session, FD, "origin-weu-3", OriginSpec("other.example.com"), WaitOptions())
    finally:
        session.close()
    before = _origin("origin-weu-3")

    refused = mcctl("--sim", "stamps", "add", "weu-3", "--yes")
    assert refused.exit_code == 5
    message = _one_line(refused)
    assert "origin origin-weu-3 already exists" in message and "host_name: app-mc-weu-3.azurewebsites.net" in message
    assert _origin("origin-weu-3") == before


def test_add_and_retire_name_the_stamp_argument_on_bad_input(mcctl) -> None:
    for command in ("add", "retire"):
        unknown = mcctl("--sim", "stamps", command, "weu-9", "--yes")
        assert unknown.exit_code == 2
        assert "STAMP: unknown stamp 'weu-9'" in unknown.stderr and len(unknown.stderr.strip().splitlines()) <= 2
    weight = mcctl("--sim", "stamps", "add", "weu-1", "--weight", "0", "--yes")
    assert weight.exit_code == 2 and "--weight" in weight.stderr


# -- retire ----------------------------------------------------------------------------------------
def test_retire_is_refused_while_the_stamp_serves(mcctl) -> None:
    refused = mcctl("--sim", "stamps", "retire", "weu-1", "--yes")
    assert refused.exit_code == 5
    assert "stamp weu-1 still serves: its origin origin-weu-1 is enabled" in _one_line(refused)
    assert _origin("origin-weu-1") is not None and _capacity("rg-mc-weu-1", "asp-mc-weu-1") == 3


def test_retire_is_refused_for_the_last_stamp_of_its_region(mcctl) -> None:
    drained = mcctl("--sim", "frontdoor", "drain", "westeurope", "--yes")
    assert drained.exit_code == 0, drained.stderr
    refused = mcctl("--sim", "stamps", "retire", "weu-1", "--yes")
    assert refused.exit_code == 5
    assert "stamp weu-1 is the last of region westeurope" in _one_line(refused)
    assert _origin("origin-weu-1") is not None


def test_retire_after_a_drain_then_roll_it_back(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "--stamp", "weu-1", "--yes").exit_code == 0
    dry = mcctl("--sim", "-o", "json", "stamps", "retire", "weu-1", "--dry-run")
    assert dry.exit_code == 0 and json.loads(dry.stdout)["status"] == "dry_run"
    assert "not checked that the edge sends weu-1 nothing" in dry.stderr
    assert _origin("origin-weu-1") is not None and _capacity("rg-mc-weu-1", "asp-mc-weu-1") == 3

    retired = mcctl("--sim", "-o", "json", "stamps", "retire", "weu-1", "--yes")
    assert retired.exit_code == 0, retired.stderr
    data = json.loads(retired.stdout)
    assert [s["kind"] for s in data["plan"]["steps"]] == ["set_lifecycle", "delete_origin", "scale_plan"]
    assert _origin("origin-weu-1") is None
    assert _capacity("rg-mc-weu-1", "asp-mc-weu-1") == 1
    assert _site_tags("rg-mc-weu-1", "app-mc-weu-1")["mcctl-lifecycle"] == "retired"
    rows = _rows(mcctl)
    assert (rows["weu-1"]["lifecycle"], rows["weu-1"]["health"], rows["weu-1"]["serving"]) == (
        "retired", "retired", False,
    )  # fmt: skip
    health = mcctl("--sim", "-o", "json", "health", "--region", "westeurope")
    assert health.exit_code == 0, health.stderr  # a retired stamp is judged no more

    again = mcctl("--sim", "stamps", "retire", "weu-1", "--yes")
    assert again.exit_code == 2 and "STAMP: stamp 'weu-1' is retired" in again.stderr

    undone = mcctl("--sim", "rollback", data["operation"], "--yes")
    assert undone.exit_code == 0, undone.stderr
    origin = _origin("origin-weu-1")
    assert origin is not None and origin["properties"]["enabledState"] == "Disabled"
    assert _capacity("rg-mc-weu-1", "asp-mc-weu-1") == 3
    assert _site_tags("rg-mc-weu-1", "app-mc-weu-1")["mcctl-lifecycle"] == "active"
    assert _rows(mcctl)["weu-1"]["lifecycle"] == "active"


def test_an_origin_whose_creation_failed_is_not_added_and_takes_no_traffic(mcctl) -> None:
    _deploy(mcctl)
    assert mcctl("--sim", "sim", "fault", "add", "lro_failure", "--operation", "cdn.origin.create").exit_code == 0
    failed = mcctl("--sim", "stamps", "add", "weu-3", "--yes")
    assert failed.exit_code == 7, failed.stderr  # the origin is there, Failed: it may have been made
    shown = json.loads(mcctl("--sim", "-o", "json", "stamps", "show", "weu-3").stdout)
    assert shown["origin_provisioning_state"] == "Failed"

    again = mcctl("--sim", "stamps", "add", "weu-3", "--yes")
    assert again.exit_code == 5 and "its creation failed (provisioning state Failed)" in _one_line(again)
    shift = mcctl("--sim", "shift", "--from", "weu-1", "--to", "weu-3", "--yes")
    assert shift.exit_code == 2 and "--to: stamp weu-3's origin 'origin-weu-3' failed to be created" in shift.stderr

    op = json.loads(mcctl("--sim", "-o", "json", "journal", "list").stdout)[-1]["id"]
    resumed = mcctl("--sim", "resume", op, "--yes")  # creates it again (a PUT replaces the failed one)
    assert resumed.exit_code == 0, resumed.stderr
    props = (_origin("origin-weu-3") or {})["properties"]
    assert (props["provisioningState"], props["enabledState"], props["weight"]) == ("Succeeded", "Disabled", 1)


def test_a_shift_that_fails_in_its_last_step_leaves_the_lifecycle_tags_alone(mcctl) -> None:
    _deploy(mcctl)
    assert mcctl("--sim", "stamps", "add", "weu-3", "--yes").exit_code == 0
    fault = ("sim", "fault", "add", "lro_failure", "--operation", "cdn.origin.update", "--path", "origin-weu-1")
    assert mcctl("--sim", *fault, "--count", "5").exit_code == 0
    stopped = mcctl("--sim", "shift", "--from", "weu-1", "--to", "weu-3", "--yes")
    assert stopped.exit_code == 7, stopped.stderr
    rows = _rows(mcctl)
    assert (rows["weu-1"]["lifecycle"], rows["weu-1"]["origin_enabled"]) == ("active", True)
    assert rows["weu-3"]["lifecycle"] == "candidate"  # tagged only once the traffic has moved
    assert "mcctl-lifecycle" not in _site_tags("rg-mc-weu-1", "app-mc-weu-1")


def test_restoring_a_stamp_a_shift_moved_off_warns_of_its_retiring_tag(mcctl) -> None:
    _deploy(mcctl)
    assert mcctl("--sim", "stamps", "add", "weu-3", "--yes").exit_code == 0
    assert mcctl("--sim", "shift", "--from", "weu-1", "--to", "weu-3", "--yes").exit_code == 0
    assert _rows(mcctl)["weu-1"]["lifecycle"] == "retiring"
    restored = mcctl("--sim", "frontdoor", "restore", "--stamp", "weu-1", "--yes")
    assert restored.exit_code == 0, restored.stderr
    assert "weu-1 is tagged retiring" in " ".join(restored.stderr.split())


def test_a_region_restore_or_reinstate_leaves_a_release_s_stamps_to_shift(mcctl) -> None:
    _deploy(mcctl)
    assert mcctl("--sim", "stamps", "add", "weu-3", "--yes").exit_code == 0  # a candidate, disabled
    assert mcctl("--sim", "evacuate", "westeurope", "--yes").exit_code == 0
    reinstated = mcctl("--sim", "reinstate", "westeurope", "--yes")
    assert reinstated.exit_code == 0, reinstated.stderr
    assert "weu-3 left out: a candidate stamp of a release" in " ".join(reinstated.stderr.split())
    rows = _rows(mcctl)
    assert (rows["weu-3"]["origin_enabled"], rows["weu-1"]["origin_enabled"]) == (False, True)

    assert mcctl("--sim", "shift", "--from", "weu-1", "--to", "weu-3", "--yes").exit_code == 0
    assert mcctl("--sim", "frontdoor", "drain", "westeurope", "--yes").exit_code == 0
    restored = mcctl("--sim", "frontdoor", "restore", "westeurope", "--yes")
    assert restored.exit_code == 0, restored.stderr
    assert "weu-1 left out: a retiring stamp of a release" in " ".join(restored.stderr.split())
    rows = _rows(mcctl)
    assert (rows["weu-1"]["origin_enabled"], rows["weu-3"]["origin_enabled"]) == (False, True)


def test_rolling_a_shift_back_puts_the_traffic_back_before_the_tags(mcctl) -> None:
    _deploy(mcctl)
    assert mcctl("--sim", "stamps", "add", "weu-3", "--yes").exit_code == 0
    shifted = mcctl("--sim", "-o", "json", "shift", "--from", "weu-1", "--to", "weu-3", "--yes")
    assert shifted.exit_code == 0, shifted.stderr
    undone = mcctl("--sim", "-o", "json", "rollback", json.loads(shifted.stdout)["operation"], "--yes")
    assert undone.exit_code == 0, undone.stderr
    steps = json.loads(undone.stdout)["plan"]["steps"]
    last = max(s["group"] for s in steps)
    assert {s["kind"] for s in steps if s["group"] == last} == {"set_lifecycle"}
    assert all(s["group"] < last for s in steps if s["kind"] == "set_origin")
    rows = _rows(mcctl)
    assert (rows["weu-1"]["lifecycle"], rows["weu-3"]["lifecycle"]) == ("active", "candidate")


def test_retire_is_refused_while_an_operation_on_the_stamp_is_not_over(mcctl) -> None:
    _deploy(mcctl)
    assert mcctl("--sim", "stamps", "add", "weu-3", "--yes").exit_code == 0
    fault = ("sim", "fault", "add", "lro_failure", "--operation", "cdn.origin.update", "--path", "origin-weu-3")
    assert mcctl("--sim", *fault, "--count", "5").exit_code == 0
    stopped = mcctl("--sim", "-o", "json", "shift", "--from", "weu-1", "--to", "weu-3", "--steps", "50,100", "--yes")
    assert stopped.exit_code == 7, stopped.stderr
    op = json.loads(stopped.stdout)["operation"]
    assert mcctl("--sim", "sim", "fault", "clear").exit_code == 0
    assert mcctl("--sim", "frontdoor", "drain", "--stamp", "weu-1", "--yes").exit_code == 0
    refused = mcctl("--sim", "stamps", "retire", "weu-1", "--yes")
    assert refused.exit_code == 5
    assert f"stamp weu-1 is part of operation {op}" in _one_line(refused) and f"rollback {op}" in _one_line(refused)
    assert _origin("origin-weu-1") is not None
