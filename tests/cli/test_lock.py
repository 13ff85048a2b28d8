"""`mcctl lock ...` on the persisted simulator, plus one real second process refused by a held lease."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mcctl.adapters.clients import AzureSession
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import demo_source
from mcctl.domain.estate import Estate
from mcctl.ops.lease import LeaseHolder, open_lease
from mcctl.sim.runtime import open_simulator

ALICE = LeaseHolder("alice@contoso.com", "ops-1", 4242, "20261126-051600-3fa2", "mcctl scale weu-1 4", "t0")


@pytest.fixture
def persisted(demo_estate: Estate) -> AzureSession:
    """A session on the same simulator state file the CLI (and a second process) uses."""
    sim, _ = open_simulator(demo_estate, demo_source().fingerprint)
    session = simulated_session(demo_estate, sim)
    yield session
    session.close()


def _status(mcctl, *extra: str) -> dict:
    result = mcctl("--sim", *extra, "-o", "json", "lock", "status")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _events(tmp_path: Path) -> list[dict]:
    path = tmp_path / "state" / "journal" / "sim-demo.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_status_of_a_free_lock(mcctl) -> None:
    status = _status(mcctl)
    assert status == {
        "kind": "blob",
        "location": "https://stmcdemoops.blob.sim.mcctl.invalid/mcctl-locks/demo.lock",
        "state": "available",
        "actor": None,
        "host": None,
        "pid": None,
        "operation": None,
        "command": None,
        "acquired_at": None,
        "expires_at": None,
    }


def test_status_names_another_operators_holder(mcctl, persisted: AzureSession, demo_estate: Estate) -> None:
    open_lease(persisted, demo_estate).acquire(ALICE)
    status = _status(mcctl)
    assert (status["state"], status["actor"], status["pid"]) == ("leased", "alice@contoso.com", 4242)
    assert status["operation"] == "20261126-051600-3fa2" and status["expires_at"]
    table = mcctl("--sim", "lock", "status")
    assert "alice@contoso.com" in table.stdout and "mcctl scale weu-1 4" in table.stdout


def test_acquire_holds_without_expiry_until_release(mcctl, tmp_path: Path) -> None:
    result = mcctl("--sim", "-o", "json", "lock", "acquire", "--reason", "db maintenance")
    assert result.exit_code == 0, result.stderr
    held = json.loads(result.stdout)
    assert (held["state"], held["expires_at"], held["operation"]) == ("leased", None, "maintenance: db maintenance")
    assert held["command"] == "mcctl --sim -o json lock acquire --reason 'db maintenance'"
    assert "never" in mcctl("--sim", "lock", "status").stdout
    released = mcctl("--sim", "-o", "json", "lock", "release")
    assert released.exit_code == 0, released.stderr
    assert json.loads(released.stdout)["state"] == "available"
    events = _events(tmp_path)
    assert [e["event"] for e in events] == ["lock-acquire", "lock-release"]
    assert events[0]["reason"] == "db maintenance" and events[0]["actor"]["upn"].endswith("@sim.mcctl")
    assert events[1]["released"] is True


def test_acquire_needs_a_reason(mcctl) -> None:
    assert mcctl("--sim", "lock", "acquire").exit_code == 2
    blank = mcctl("--sim", "lock", "acquire", "--reason", "  ")
    assert blank.exit_code == 2 and "--reason" in blank.stderr
    assert _status(mcctl)["state"] == "available"


def test_acquire_while_held_exits_8_naming_the_holder(mcctl, persisted: AzureSession, demo_estate: Estate) -> None:
    open_lease(persisted, demo_estate).acquire(ALICE)
    result = mcctl("--sim", "lock", "acquire", "--reason", "x")
    assert result.exit_code == 8
    assert "alice@contoso.com" in result.stderr and "lock break" in result.stderr
    assert "Traceback" not in result.stderr


def test_release_without_an_acquire_here_is_a_usage_error(mcctl) -> None:
    result = mcctl("--sim", "lock", "release")
    assert result.exit_code == 2 and "mcctl lock acquire" in result.stderr


def test_break_requires_a_reason_and_confirmation(mcctl, persisted: AzureSession, demo_estate: Estate) -> None:
    open_lease(persisted, demo_estate).acquire(ALICE)
    missing = mcctl("--sim", "lock", "break")
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    unconfirmed = mcctl("--sim", "lock", "break", "--reason", "alice is gone")  # CliRunner: not a terminal
    assert unconfirmed.exit_code == 2 and "--yes" in unconfirmed.stderr
    assert _status(mcctl)["actor"] == "alice@contoso.com"


def test_break_with_yes_frees_the_lock_and_is_journaled(
    mcctl, persisted: AzureSession, demo_estate: Estate, tmp_path: Path
) -> None:
    open_lease(persisted, demo_estate).acquire(ALICE)
    result = mcctl("--sim", "--yes", "-o", "json", "lock", "break", "--reason", "alice's laptop died")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["actor"] == "alice@contoso.com"  # the status before the break
    assert _status(mcctl)["state"] == "broken"
    (event,) = _events(tmp_path)
    assert event["type"] == "event" and event["event"] == "lock-break"
    assert event["reason"] == "alice's laptop died" and event["previous_holder"] == "alice@contoso.com"
    assert event["previous"]["operation"] == "20261126-051600-3fa2"
    assert event["actor"]["upn"].endswith("@sim.mcctl") and event["lock"] == "blob"
    assert mcctl("--sim", "lock", "acquire", "--reason", "taking over").exit_code == 0


def test_break_asks_when_interactive(
    mcctl, persisted: AzureSession, demo_estate: Estate, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from mcctl.cli import mutate

    monkeypatch.setattr(mutate, "is_interactive", lambda: True)
    open_lease(persisted, demo_estate).acquire(ALICE)
    declined = mcctl("--sim", "lock", "break", "--reason", "r", input="n\n")
    assert declined.exit_code == 130 and "alice@contoso.com" in declined.stderr
    assert _status(mcctl)["state"] == "leased"
    accepted = mcctl("--sim", "lock", "break", "--reason", "r", input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert _status(mcctl)["state"] == "broken"
    assert [e["event"] for e in _events(tmp_path)] == ["lock-break"]


def test_break_of_a_free_lock_does_nothing(mcctl, tmp_path: Path) -> None:
    result = mcctl("--sim", "--yes", "lock", "break", "--reason", "r")
    assert result.exit_code == 0 and "nothing to break" in result.stderr
    assert not (tmp_path / "state" / "journal" / "sim-demo.jsonl").exists()


def test_without_lock_config_a_local_lock_file_with_a_warning(mcctl, tmp_path: Path) -> None:
    data = yaml.safe_load(demo_source().text)
    del data["lock"]
    estate_file = tmp_path / "nolock.yaml"
    estate_file.write_text(yaml.safe_dump(data))
    acquired = mcctl("--sim", "--estate", str(estate_file), "lock", "acquire", "--reason", "r")
    assert acquired.exit_code == 0, acquired.stderr
    assert "local lock file, which only stops operators on this machine" in acquired.stderr
    status = _status(mcctl, "--estate", str(estate_file))
    assert (status["kind"], status["state"]) == ("local", "leased")
    assert status["location"] == str(tmp_path / "state" / "locks" / "sim-demo.lock")
    assert mcctl("--sim", "--estate", str(estate_file), "lock", "release").exit_code == 0
    assert _status(mcctl, "--estate", str(estate_file))["state"] == "available"


def test_a_second_process_is_refused_while_the_lease_is_held(persisted: AzureSession, demo_estate: Estate) -> None:
    lease = open_lease(persisted, demo_estate)
    lease.acquire(ALICE)
    result = subprocess.run(
        [sys.executable, "-m", "mcctl", "--sim", "lock", "acquire", "--reason", "x"],
        capture_output=True,
        text=True,
        env=dict(os.environ),  # MCCTL_STATE_DIR from the autouse fixture: the same simulator state
        check=False,
        timeout=120,
    )
    assert result.returncode == 8, result.stderr
    assert "alice@contoso.com" in result.stderr and "20261126-051600-3fa2" in result.stderr
    assert lease.status().holder == ALICE  # the refused process changed nothing
