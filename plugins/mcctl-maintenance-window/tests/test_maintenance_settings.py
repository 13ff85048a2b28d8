"""The `plugins.maintenance-window` section: what is accepted, and errors naming the field."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.errors import EstateFileError
from mcctl.plugins import build_registry
from mcctl_maintenance_window import plugin
from mcctl_maintenance_window.calendar import Blackout, Calendar, WeeklyWindow
from mcctl_maintenance_window.settings import parse


def test_a_full_section() -> None:
    calendar = parse(
        {
            "timezone": "Europe/Amsterdam",
            "windows": [
                {"days": ["tue", "Thursday"], "start": "22:00", "duration": "4h"},
                {"start": "6:30", "duration": "1h30m"},
            ],
            "blackouts": [{"from": date(2026, 12, 20), "to": "2027-01-03", "reason": "year-end freeze"}],
            "plans": ["frontdoor-drain", "sql-failover"],
        }
    )
    assert calendar.zone_name == "Europe/Amsterdam"
    assert calendar.windows == (
        WeeklyWindow(frozenset({1, 3}), time(22, 0), timedelta(hours=4)),
        WeeklyWindow(frozenset(range(7)), time(6, 30), timedelta(minutes=90)),  # no days: every day
    )
    assert calendar.blackouts == (Blackout(date(2026, 12, 20), date(2027, 1, 3), "year-end freeze"),)
    assert calendar.plans == frozenset({"frontdoor-drain", "sql-failover"})


@pytest.mark.parametrize("raw", [None, {}])
def test_an_empty_section_is_utc_with_no_windows(raw: object) -> None:
    assert parse(raw) == Calendar(zone=parse({}).zone, zone_name="UTC")


@pytest.mark.parametrize(
    ("section", "loc", "words"),
    [
        ({"timezone": "Mars/Olympus"}, ("timezone",), "unknown time zone 'Mars/Olympus'"),
        ({"timezone": ""}, ("timezone",), "IANA time zone name"),
        (
            {"windows": [{"days": ["tue", "frid"], "start": "22:00", "duration": "4h"}]},
            ("windows", 0, "days", 1),
            "day name",
        ),
        ({"windows": [{"days": [], "start": "22:00", "duration": "4h"}]}, ("windows", 0, "days"), "at least 1"),
        ({"windows": [{"start": 1320, "duration": "4h"}]}, ("windows", 0, "start"), "in quotes"),
        ({"windows": [{"start": "24:00", "duration": "4h"}]}, ("windows", 0, "start"), "HH:MM"),
        ({"windows": [{"start": "22:00", "duration": "0m"}]}, ("windows", 0, "duration"), "longer than 0"),
        ({"windows": [{"start": "22:00", "duration": "8d"}]}, ("windows", 0, "duration"), "at most 7d"),
        ({"windows": [{"start": "22:00", "duration": 4}]}, ("windows", 0, "duration"), "such as 4h"),
        ({"windows": [{"start": "22:00"}]}, ("windows", 0, "duration"), "required"),
        (
            {"windows": [{"start": "22:00", "duration": "4h", "colour": "red"}]},
            ("windows", 0, "colour"),
            "not permitted",
        ),
        ({"blackouts": [{"from": "2026-12-20", "to": "2026-12-01"}]}, ("blackouts", 0), "before 'from'"),
        ({"blackouts": [{"from": "2026-12-20"}]}, ("blackouts", 0, "to"), "required"),
        ({"blackouts": [{"from": "next week", "to": "2026-12-01"}]}, ("blackouts", 0, "from"), "date"),
        ({"plans": []}, ("plans",), "at least 1"),
        ({"plans": ["Frontdoor Drain"]}, ("plans", 0), "pattern"),
        ({"window": []}, ("window",), "not permitted"),
    ],
)
def test_a_bad_section_names_the_field(section: dict, loc: tuple, words: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse(section)
    errors = raised.value.errors()
    assert [e["loc"] for e in errors] == [loc]
    assert words in errors[0]["msg"]


def test_the_estate_file_reports_plugins_maintenance_window_paths(tmp_path: Path) -> None:
    """Through mcctl's loader with the plugin's parser: one line per problem, with the full path."""
    sections = build_registry((), extra=[plugin], entry_points=False).registry.estate_sections
    text = (
        demo_source().text
        + "\nplugins:\n  maintenance-window:\n    timezone: Mars/Olympus\n"
        + "    windows: [{days: [tue], start: 22:00, duration: 4h}]\n"
    )
    path = tmp_path / "estate.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EstateFileError) as raised:
        load_estate(EstateSource(str(path), text), sections=sections)
    message = str(raised.value) + "\n" + "\n".join(raised.value.problems)
    assert "plugins.maintenance-window.timezone: unknown time zone 'Mars/Olympus'" in message
    assert "plugins.maintenance-window.windows[0].start:" in message

    good = text.replace("Mars/Olympus", "Europe/Amsterdam").replace("22:00", '"22:00"')
    path.write_text(good, encoding="utf-8")
    estate = load_estate(EstateSource(str(path), good), sections=sections)
    assert isinstance(estate.plugins["maintenance-window"], Calendar)
    assert estate.plugins["maintenance-window"].zone_name == "Europe/Amsterdam"
