"""`mcctl status` on the persisted simulator: the JSON contract, traffic during an outage, an
in-flight operation with its commands, the lock holder, the 80-column table, --watch, and one
unreadable service that blanks nothing else."""

from __future__ import annotations

import io
import json
import re

import pytest

REGION_KEYS = {
    "name": str,
    "health": str,
    "share": (float, int, type(None)),
    "configured_share": (float, int, type(None)),
    "stamps": int,
    "serving": (int, type(None)),
    "drained": (int, type(None)),
    "sql_role": (str, type(None)),
    "redis": (str, type(None)),
}
OPERATION_KEYS = {
    "id": str,
    "state": str,
    "status": str,
    "kind": (str, type(None)),
    "summary": (str, type(None)),
    "steps": str,
    "started": (str, type(None)),
    "actor": str,
    "may_still_land": int,
    "resume": str,
    "rollback": str,
}
LOCK_KEYS = {
    "kind": str,
    "location": str,
    "state": str,
    "held": bool,
    "actor": (str, type(None)),
    "host": (str, type(None)),
    "pid": (int, type(None)),
    "operation": (str, type(None)),
    "command": (str, type(None)),
    "acquired_at": (str, type(None)),
    "expires_at": (str, type(None)),
}
SQL_KEYS = {"primary_region": (str, type(None)), "verdict": str, "failover_ready": (bool, type(None)), "problems": list}
SIM_KEYS = {"simulated_time": str, "outages": list, "faults": list, "health_faults": list}
TOP_KEYS = {
    "estate": str,
    "checked_at": (str, type(None)),
    "status": str,
    "reasons": list,
    "regions": list,
    "sql": (dict, type(None)),
    "lock": (dict, type(None)),
    "operations": (list, type(None)),
    "in_flight": list,
    "simulation": (dict, type(None)),
    "problems": list,  # issue 15: declared vs live location
    "check": dict,  # issue 15: status --check
    "errors": list,
}


def _shape(document: dict, keys: dict) -> None:
    assert set(document) == set(keys), set(document) ^ set(keys)
    for key, types in keys.items():
        assert isinstance(document[key], types), (key, document[key])


def _status(mcctl, *args: str) -> dict:
    result = mcctl("--sim", "-o", "json", "status", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _regions(data: dict) -> dict[str, dict]:
    return {r["name"]: r for r in data["regions"]}


def test_json_contract(mcctl) -> None:
    mcctl("sim", "outage", "start", "eastus2")
    assert mcctl("--sim", "frontdoor", "drain", "--stamp", "weu-1", "--no-wait", "--yes").exit_code == 0
    assert mcctl("--sim", "lock", "acquire", "--reason", "incident 42").exit_code == 0
    data = _status(mcctl)
    _shape(data, TOP_KEYS)
    assert data["estate"] == "demo" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["checked_at"])
    assert [r["name"] for r in data["regions"]] == ["westeurope", "northeurope", "eastus2"]
    for region in data["regions"]:
        _shape(region, REGION_KEYS)
        assert region["stamps"] == 2
    _shape(data["sql"], SQL_KEYS)
    _shape(data["lock"], LOCK_KEYS)
    assert data["operations"]
    for op in data["operations"]:
        _shape(op, OPERATION_KEYS)
    _shape(data["simulation"], SIM_KEYS)
    assert data["simulation"]["outages"] == ["eastus2"]
    assert all(isinstance(e, str) for e in data["errors"] + data["reasons"])


def test_healthy_demo_splits_traffic_evenly(mcctl) -> None:
    data = _status(mcctl)
    assert data["status"] == "healthy" and data["errors"] == []
    assert {(r["share"], r["configured_share"], r["serving"], r["drained"]) for r in data["regions"]} == {
        (0.3333, 0.3333, 2, 0)
    }
    regions = _regions(data)
    assert regions["westeurope"]["sql_role"] == "Primary" and regions["eastus2"]["sql_role"] == "Secondary"
    assert {r["redis"] for r in data["regions"]} == {"linked"}
    assert data["sql"]["primary_region"] == "westeurope" and data["sql"]["failover_ready"] is True
    assert data["lock"]["held"] is False and data["operations"] == []
    assert data["simulation"]["outages"] == [] and data["simulation"]["faults"] == []


def test_outage_takes_the_regions_share_to_zero_and_the_others_carry_it(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    data = _status(mcctl)
    regions = _regions(data)
    assert regions["eastus2"]["health"] == "unhealthy"
    assert regions["eastus2"]["share"] == 0.0  # Front Door routes around its unhealthy origins
    assert regions["eastus2"]["configured_share"] == 0.3333  # the configuration still gives it a third
    assert regions["westeurope"]["share"] == regions["northeurope"]["share"] == 0.5
    assert regions["eastus2"]["redis"] == "broken"
    assert data["status"] != "healthy" and any("eastus2" in reason for reason in data["reasons"])
    assert data["simulation"]["outages"] == ["eastus2"]

    table = mcctl("--sim", "status")
    assert table.exit_code == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if line.startswith("eastus2"))
    assert "unhealthy" in row and "0% (cfg 33.3%)" in row
    assert "outage eastus2" in table.stdout


def test_no_wait_drain_is_listed_in_flight_with_resume_and_rollback(mcctl) -> None:
    submitted = mcctl("--sim", "-o", "json", "frontdoor", "drain", "--stamp", "eus2-1", "--no-wait", "--yes")
    assert submitted.exit_code == 0, submitted.stderr
    op = json.loads(submitted.stdout)["operation"]
    data = _status(mcctl)
    (listed,) = data["operations"]
    assert listed["id"] == op and listed["state"] == "in_flight" and listed["status"] == "submitted"
    assert listed["may_still_land"] == 1 and listed["kind"] == "frontdoor-drain"
    assert listed["resume"] == f"mcctl resume {op}" and listed["rollback"] == f"mcctl rollback {op}"

    table = mcctl("--sim", "status")
    assert f"mcctl resume {op}" in table.stdout and f"mcctl rollback {op}" in table.stdout

    # Once it landed and a later run settled it, it is no longer listed.
    assert mcctl("sim", "advance", "120").exit_code == 0
    assert mcctl("--sim", "resume", op, "--yes").exit_code == 0
    after = _status(mcctl)
    assert after["operations"] == []
    assert _regions(after)["eastus2"]["drained"] == 1 and _regions(after)["eastus2"]["serving"] == 1


def test_a_stopped_operation_is_listed_interrupted_until_rolled_back(mcctl) -> None:
    # A gradual drain whose health gate fails after the first group stops part way (exit 7).
    mcctl("sim", "stamp", "fail", "weu-1")
    stopped = mcctl("--sim", "-o", "json", "frontdoor", "drain", "eastus2", "--steps", "50,100", "--yes")
    assert stopped.exit_code == 7, stopped.stderr
    op = json.loads(mcctl("--sim", "-o", "json", "journal", "list").stdout)[-1]["id"]
    (listed,) = _status(mcctl)["operations"]
    assert (listed["id"], listed["state"], listed["status"]) == (op, "interrupted", "stopped")
    assert mcctl("--sim", "rollback", op, "--yes").exit_code == 0
    assert _status(mcctl)["operations"] == []


def test_lock_holder_is_shown_after_lock_acquire(mcctl) -> None:
    assert mcctl("--sim", "lock", "acquire", "--reason", "incident 42").exit_code == 0
    lock = _status(mcctl)["lock"]
    assert lock["held"] is True and lock["state"] == "leased"
    assert lock["actor"] and lock["operation"] == "maintenance: incident 42" and lock["expires_at"] is None
    table = mcctl("--sim", "status")
    assert f"lock: held by {lock['actor']}" in table.stdout and "until released" in table.stdout
    assert mcctl("--sim", "lock", "release").exit_code == 0
    assert _status(mcctl)["lock"]["held"] is False


def test_one_unreadable_service_blanks_nothing_else(mcctl) -> None:
    armed = mcctl("sim", "fault", "add", "error", "--method", "GET", "--path", "og-web/origins", "--count", "1000")
    assert armed.exit_code == 0
    result = mcctl("--sim", "-o", "json", "status")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert any("origins" in e for e in data["errors"]) and "warning: listing origins" in result.stderr
    regions = _regions(data)
    assert {r["share"] for r in data["regions"]} == {None}  # the origins are unknown, not "no traffic"
    assert regions["westeurope"]["sql_role"] == "Primary" and regions["eastus2"]["redis"] == "linked"
    assert data["sql"]["failover_ready"] is True and data["lock"]["held"] is False and data["operations"] == []
    table = mcctl("--sim", "status")
    row = next(line for line in table.stdout.splitlines() if line.startswith("westeurope"))
    assert row.split()[:3] == ["westeurope", "?", "?"] and "primary" in row


def _render(data: dict, width: int) -> str:
    from rich.console import Console

    from mcctl.cli.commands.status import status_table

    out = io.StringIO()
    Console(file=out, width=width, color_system=None, highlight=False).print(status_table(data))
    return out.getvalue()


def test_80_columns_keeps_ids_and_verdicts_whole(mcctl) -> None:
    mcctl("sim", "outage", "start", "eastus2")
    mcctl("sim", "stamp", "fail", "neu-2")
    drained = mcctl("--sim", "-o", "json", "frontdoor", "drain", "--stamp", "weu-1", "--no-wait", "--yes")
    op = json.loads(drained.stdout)["operation"]
    assert mcctl("--sim", "lock", "acquire", "--reason", "incident 42 with a rather long explanation").exit_code == 0
    data = _status(mcctl)
    text = _render(data, 80)
    lines = text.splitlines()
    assert "…" not in text and all(len(line) <= 80 for line in lines), text
    rows = {line.split()[0]: line.split() for line in lines if line.split() and line.split()[0] in _regions(data)}
    assert rows["eastus2"][1] == "unhealthy" and rows["northeurope"][1] == "degraded"
    assert rows["westeurope"][-2:] == ["primary", "linked"] and rows["eastus2"][-2:] == ["secondary", "broken"]
    assert f"mcctl resume {op}" in text and f"mcctl rollback {op}" in text
    assert re.search(rf"^  {op}  in flight", text, re.MULTILINE)
    # issue 15: a secondary down (eastus2) leaves northeurope a planned-failover target: degraded
    assert "failover ready (degraded)" in text and "estate demo: degraded" in text


def test_watch_prints_a_block_per_refresh_without_a_terminal_and_ctrl_c_exits_130(
    mcctl, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcctl.cli.commands import status as command

    pauses = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 2:
            mcctl_outage()
        if len(pauses) == 3:
            raise KeyboardInterrupt

    def mcctl_outage() -> None:
        from mcctl.config.loader import demo_source, load_estate
        from mcctl.sim.runtime import open_simulator

        sim, _ = open_simulator(load_estate(demo_source()), demo_source().fingerprint)
        sim.set_outage("eastus2", True)

    monkeypatch.setattr(command, "_pause", pause)
    result = mcctl("--sim", "status", "--watch", "--interval", "2s")
    assert result.exit_code == 130
    assert pauses == [2.0, 2.0, 2.0]
    blocks = result.stdout.count("mcctl status (every 2s, Ctrl-C to stop)")
    assert blocks == 3
    assert result.stdout.count("estate demo: healthy") == 2 and result.stdout.count("estate demo: degraded") == 1


def test_bad_watch_options_are_usage_errors(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "status", "--watch")
    assert result.exit_code == 2 and "--watch" in result.stderr
    result = mcctl("--sim", "status", "--interval", "5s")
    assert result.exit_code == 2 and "--interval" in result.stderr
    assert mcctl("--sim", "status", "--watch", "--interval", "0").exit_code == 2


def test_status_is_first_in_help(mcctl) -> None:
    result = mcctl("--help")
    commands = re.findall(r"^│ (\w+)\s", result.stdout, re.MULTILINE)
    assert commands and commands[0] == "status"
