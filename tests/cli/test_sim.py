"""`mcctl sim ...`: the documented way to drive the simulated estate."""

from __future__ import annotations

import json


def _rows(mcctl) -> dict[str, dict]:
    result = mcctl("--sim", "-o", "json", "stamps", "list")
    assert result.exit_code in (0, 4), result.stderr
    return {r["name"]: r for r in json.loads(result.stdout)}


def test_status_describes_the_simulator(mcctl, tmp_path) -> None:
    result = mcctl("-o", "json", "sim", "status")
    assert result.exit_code == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["estate"] == "demo" and status["outages"] == [] and status["faults"] == []
    assert status["state_file"] == str(tmp_path / "state" / "sim" / "demo.json")
    assert status["resources"] > 30 and status["operations_running"] == 0


def test_region_outage_breaks_that_regions_redis_link_and_ends(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    rows = _rows(mcctl)
    assert rows["eus2-1"]["redis_link"] == "broken" and rows["weu-1"]["redis_link"] != "broken"
    assert json.loads(mcctl("-o", "json", "sim", "status").stdout)["outages"] == ["eastus2"]
    shown = json.loads(mcctl("--sim", "-o", "json", "stamps", "show", "eus2-2").stdout)
    assert shown["availability_state"] == "Limited"
    assert mcctl("sim", "outage", "end", "eastus2").exit_code == 0
    assert _rows(mcctl)["eus2-1"]["redis_link"] == "linked"


def test_outage_of_a_region_outside_the_estate_is_refused(mcctl) -> None:
    result = mcctl("sim", "outage", "start", "japaneast")
    assert result.exit_code == 2 and "REGION: 'japaneast' is not a region of this estate" in result.stderr


def test_reset_restores_the_initial_state_without_reseed_notice_afterwards(mcctl) -> None:
    mcctl("sim", "outage", "start", "westeurope")
    mcctl("sim", "fault", "add", "throttle", "--count", "5")
    assert mcctl("sim", "reset").exit_code == 0
    status = mcctl("-o", "json", "sim", "status")
    assert json.loads(status.stdout)["outages"] == [] and json.loads(status.stdout)["faults"] == []
    assert "re-seeded" not in status.stderr


def test_fault_arguments_are_validated(mcctl) -> None:
    bad_kind = mcctl("sim", "fault", "add", "meteor")
    assert bad_kind.exit_code == 2 and "KIND: must be one of" in bad_kind.stderr
    bad_status = mcctl("sim", "fault", "add", "error", "--status", "404")
    assert bad_status.exit_code == 2 and "--status" in bad_status.stderr
    assert json.loads(mcctl("-o", "json", "sim", "status").stdout)["faults"] == []


def test_advance_lets_time_pass_and_rejects_nonsense(mcctl) -> None:
    before = json.loads(mcctl("-o", "json", "sim", "status").stdout)["clock_offset_seconds"]
    assert mcctl("sim", "advance", "90").exit_code == 0
    after = json.loads(mcctl("-o", "json", "sim", "status").stdout)["clock_offset_seconds"]
    assert after - before == 90
    assert mcctl("sim", "advance", "0").exit_code == 2
