"""End to end with the real CLI on the simulator: the rule refuses `frontdoor drain` outside the
window (exit 5), --override lets it through, `sim advance` into the window allows it; `maintenance
status -o json`; a bad section is exit 2 naming the field; without the plugin mcctl still works.

The simulator's clock starts at the wall clock, so each test places its window relative to now."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import Result

from mcctl_maintenance_window.calendar import DAY_NAMES

ZONE = ZoneInfo("Europe/Amsterdam")
Run = Callable[..., Result]


def _window_ahead(hours: float = 2) -> tuple[str, datetime]:
    """A one-hour window on the weekday and local time `hours` from now (to the minute): closed now."""
    start = datetime.fromtimestamp(time.time() + hours * 3600, ZONE).replace(second=0, microsecond=0)
    window = f'{{days: [{DAY_NAMES[start.weekday()]}], start: "{start:%H:%M}", duration: 1h}}'
    section = f"timezone: Europe/Amsterdam\nwindows: [{window}]"
    return section, start


def _into(start: datetime) -> str:
    """`sim advance` seconds that put the simulated clock two minutes inside the window."""
    return str(int(start.timestamp() - time.time()) + 120)


def _json(result: Result) -> Any:
    return json.loads(result.stdout)


def _rule(document: dict[str, Any]) -> dict[str, Any] | None:
    return next((r for r in document["rules"] if r["rule"] == "maintenance-window"), None)


def _serving(mcctl: Run, estate: Path) -> list[str]:
    status = mcctl("--sim", "--estate", str(estate), "-o", "json", "frontdoor", "status")
    assert status.exit_code == 0, status.stderr
    return _json(status)["serving_regions"]


def test_done_when_drain_refused_outside_the_window_and_allowed_with_override(mcctl: Run, estate_file) -> None:
    section, start = _window_ahead()
    estate = str(estate_file(section))

    refused = mcctl("--sim", "--estate", estate, "frontdoor", "drain", "eastus2", "--dry-run")
    assert refused.exit_code == 5, refused.stderr
    assert "refused by safety rule maintenance-window: outside every maintenance window (Europe/Amsterdam)" in (
        refused.stderr
    )
    assert f"the next window opens {start:%a %Y-%m-%d %H:%M %Z} (" in refused.stderr
    assert f"{start.astimezone(UTC):%H:%M} UTC)" in refused.stderr

    document = _json(mcctl("--sim", "--estate", estate, "-o", "json", "frontdoor", "drain", "eastus2", "--dry-run"))
    assert document["exit_code"] == 5 and document["status"] == "refused"
    rule = _rule(document)
    assert rule is not None and rule["verdict"] == "refused"
    assert rule["override"] == "--override maintenance-window --reason TEXT"
    assert rule["numbers"]["next_window_opens"]["utc"] == f"{start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"

    allowed = mcctl(
        "--sim", "--estate", estate, "-o", "json", "frontdoor", "drain", "eastus2", "--dry-run",
        "--override", "maintenance-window", "--reason", "incident 4711",
    )  # fmt: skip
    assert allowed.exit_code == 0, allowed.stderr
    document = _json(allowed)
    assert document["status"] == "dry_run"
    rule = _rule(document)
    assert rule is not None and (rule["verdict"], rule["reason"]) == ("overridden", "incident 4711")
    assert _serving(mcctl, Path(estate)) == ["westeurope", "northeurope", "eastus2"]  # a dry run changes nothing


def test_a_refused_drain_changes_nothing_and_inside_the_window_it_runs(mcctl: Run, estate_file) -> None:
    section, start = _window_ahead()
    estate = estate_file(section)

    refused = mcctl("--sim", "--estate", str(estate), "frontdoor", "drain", "eastus2", "--yes")
    assert refused.exit_code == 5, refused.stderr
    assert "maintenance-window" in refused.stderr
    assert _serving(mcctl, estate) == ["westeurope", "northeurope", "eastus2"]

    moved = mcctl("--sim", "--estate", str(estate), "sim", "advance", _into(start))
    assert moved.exit_code == 0, moved.stderr
    dry = mcctl("--sim", "--estate", str(estate), "-o", "json", "frontdoor", "drain", "eastus2", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    rule = _rule(_json(dry))
    assert rule is not None and rule["verdict"] == "passed"
    assert rule["message"].startswith("inside a maintenance window (Europe/Amsterdam) until ")

    applied = mcctl("--sim", "--estate", str(estate), "-o", "json", "frontdoor", "drain", "eastus2", "--yes")
    assert applied.exit_code == 0, applied.stderr
    assert _json(applied)["status"] == "applied"
    assert _serving(mcctl, estate) == ["westeurope", "northeurope"]


def test_status_json_closed_then_open(mcctl: Run, estate_file) -> None:
    section, start = _window_ahead()
    estate = str(estate_file(section + "\nblackouts: [{from: 2099-12-20, to: 2099-12-31, reason: freeze}]"))
    end = start + timedelta(hours=1)

    closed = mcctl("--sim", "--estate", estate, "maintenance", "status", "-o", "json")
    assert closed.exit_code == 0, closed.stderr
    doc = _json(closed)
    assert (doc["configured"], doc["open"], doc["state"], doc["timezone"]) == (
        True,
        False,
        "closed",
        "Europe/Amsterdam",
    )
    assert doc["current_window"] is None and doc["blackout"] is None
    assert doc["next_window"] == {
        "start": {"local": start.isoformat(), "utc": f"{start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"},
        "end": {"local": end.astimezone(ZONE).isoformat(), "utc": f"{end.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"},
    }
    assert doc["next_blackout"]["from"] == "2099-12-20" and doc["next_blackout"]["reason"] == "freeze"
    assert doc["next_blackout"]["start"] == {"local": "2099-12-20T00:00:00+01:00", "utc": "2099-12-19T23:00:00Z"}

    assert mcctl("--sim", "--estate", estate, "sim", "advance", _into(start)).exit_code == 0
    doc = _json(mcctl("--sim", "--estate", estate, "-o", "json", "maintenance", "status"))
    assert (doc["open"], doc["state"]) == (True, "open")
    assert doc["current_window"]["end"]["utc"] == f"{end.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    assert doc["next_window"]["start"]["utc"] == f"{(start + timedelta(days=7)).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"

    table = mcctl("--sim", "--estate", estate, "maintenance", "status")
    assert table.exit_code == 0, table.stderr
    assert "OPEN" in table.stdout and "window closes" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80


def test_status_in_a_blackout(mcctl: Run, estate_file) -> None:
    today = datetime.now(ZONE).date()
    estate = str(
        estate_file(
            "timezone: Europe/Amsterdam\n"
            f"blackouts: [{{from: {today - timedelta(days=1)}, to: {today + timedelta(days=1)}, reason: release}}]"
        )
    )
    doc = _json(mcctl("--sim", "--estate", estate, "-o", "json", "maintenance", "status"))
    assert (doc["open"], doc["state"]) == (False, "blackout")
    assert doc["blackout"]["to"] == str(today + timedelta(days=1)) and doc["blackout"]["reason"] == "release"
    assert doc["next_window"]["start"]["local"].startswith(f"{today + timedelta(days=2)}T00:00:00+0")
    assert doc["next_window"]["end"] is None  # no windows: open until the next blackout, and there is none
    refused = mcctl("--sim", "--estate", estate, "frontdoor", "drain", "eastus2", "--dry-run")
    assert refused.exit_code == 5
    assert f"inside the blackout {today - timedelta(days=1)} to {today + timedelta(days=1)} (release)" in refused.stderr


def test_no_section_the_rule_does_not_apply(mcctl: Run) -> None:
    status = mcctl("--sim", "-o", "json", "maintenance", "status")
    assert status.exit_code == 0, status.stderr
    assert {k: _json(status)[k] for k in ("configured", "open", "state")} == {
        "configured": False,
        "open": True,
        "state": "unconfigured",
    }
    dry = mcctl("--sim", "-o", "json", "frontdoor", "drain", "eastus2", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert _rule(_json(dry)) is None


@pytest.mark.parametrize(
    ("section", "field"),
    [
        (
            'windows: [{days: [tue], start: "22:00", duration: forever}]',
            "plugins.maintenance-window.windows[0].duration",
        ),
        ("timezone: Mars/Olympus", "plugins.maintenance-window.timezone"),
        ("blackouts: [{from: 2026-12-20, to: 2026-12-01}]", "plugins.maintenance-window.blackouts[0]"),
    ],
)
def test_a_bad_section_is_exit_2_naming_the_field(mcctl: Run, estate_file, section: str, field: str) -> None:
    estate = estate_file(section)
    for command in (("maintenance", "status"), ("frontdoor", "drain", "eastus2", "--yes")):
        result = mcctl("--sim", "--estate", str(estate), *command)
        assert result.exit_code == 2, result.stderr
        assert f"{field}:" in result.stderr
    good = estate_file("timezone: UTC")
    assert _serving(mcctl, good) == ["westeurope", "northeurope", "eastus2"]


def test_plugins_list_shows_it_with_its_version(mcctl: Run) -> None:
    result = mcctl("plugins", "list", "-o", "json")
    assert result.exit_code == 0, result.stderr
    ours = [p for p in _json(result) if p["name"] == "maintenance-window"]
    assert ours == [
        {
            "name": "maintenance-window",
            "version": "0.1.0",
            "builtin": False,
            "registered": {
                "safety_rules": ["maintenance-window"],
                "estate_sections": ["maintenance-window"],
                "commands": ["maintenance"],
            },
        }
    ]


def test_without_the_plugin_mcctl_works_and_the_section_is_ignored(
    mcctl: Run, estate_file, monkeypatch: pytest.MonkeyPatch
) -> None:
    section, _ = _window_ahead()
    estate = str(estate_file(section))
    assert mcctl("--sim", "--estate", estate, "frontdoor", "drain", "eastus2", "--dry-run").exit_code == 5

    from mcctl.plugins import forget

    monkeypatch.setenv("MCCTL_PLUGINS", "")
    forget()
    assert "maintenance" not in mcctl("--help").stdout
    dry = mcctl("--sim", "--estate", estate, "-o", "json", "frontdoor", "drain", "eastus2", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert _rule(_json(dry)) is None
    assert "maintenance-window" in dry.stderr  # the section no plugin reads: one warning line
    assert mcctl("--sim", "--estate", estate, "maintenance", "status").exit_code == 2


def test_help_has_examples(mcctl: Run) -> None:
    for path in (("maintenance",), ("maintenance", "status")):
        result = mcctl(*path, "--help")
        assert result.exit_code == 0, result.output
        assert "Examples:" in result.stdout and "mcctl maintenance status" in result.stdout.split("Examples:")[1]
