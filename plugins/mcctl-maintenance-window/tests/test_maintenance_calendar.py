"""Window arithmetic as tables: weekly windows in a zone, across midnight, over DST changes, cut by
blackouts. Europe/Amsterdam in 2026: CET (UTC+1), CEST (UTC+2) from Sun 29 March 02:00 (clocks jump
to 03:00) until Sun 25 October 03:00 (back to 02:00)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from mcctl_maintenance_window.calendar import Calendar, WindowState, situation
from mcctl_maintenance_window.settings import parse


def utc(text: str) -> float:
    """'2026-03-31 20:00' (UTC) as epoch seconds."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def z(instant: float) -> str | None:
    return None if not math.isfinite(instant) else datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%d %H:%M")


AMS_TUE_THU = {
    "timezone": "Europe/Amsterdam",
    "windows": [{"days": ["tue", "thu"], "start": "22:00", "duration": "4h"}],
}


def cal(**section: object) -> Calendar:
    return parse(section)


# (what, section, now UTC, state, current window [start, end) UTC, next window start UTC)
CASES = [
    ("a minute before (CEST)", AMS_TUE_THU, "2026-03-31 19:59", "closed", None, "2026-03-31 20:00"),
    (
        "at the start",
        AMS_TUE_THU,
        "2026-03-31 20:00",
        "open",
        ("2026-03-31 20:00", "2026-04-01 00:00"),
        "2026-04-02 20:00",
    ),
    (
        "after local midnight",
        AMS_TUE_THU,
        "2026-03-31 23:59",
        "open",
        ("2026-03-31 20:00", "2026-04-01 00:00"),
        "2026-04-02 20:00",
    ),
    ("at the end (across midnight)", AMS_TUE_THU, "2026-04-01 00:00", "closed", None, "2026-04-02 20:00"),
    ("Thursday's, then Tuesday's", AMS_TUE_THU, "2026-04-03 00:00", "closed", None, "2026-04-07 20:00"),
    # local 22:00 stays 22:00 across the spring change: 21:00Z in CET, 20:00Z in CEST
    ("before spring forward, in CET", AMS_TUE_THU, "2026-03-27 12:00", "closed", None, "2026-03-31 20:00"),
    (
        "a week earlier, CET",
        AMS_TUE_THU,
        "2026-03-24 21:30",
        "open",
        ("2026-03-24 21:00", "2026-03-25 01:00"),
        "2026-03-26 21:00",
    ),
    ("autumn: back to CET", AMS_TUE_THU, "2026-10-23 12:00", "closed", None, "2026-10-27 21:00"),
    # a window over the spring-forward night lasts its duration in elapsed time: 01:00 CET + 3h = 05:00 CEST
    (
        "over the spring gap",
        {"timezone": "Europe/Amsterdam", "windows": [{"days": ["sun"], "start": "01:00", "duration": "3h"}]},
        "2026-03-29 02:30",
        "open",
        ("2026-03-29 00:00", "2026-03-29 03:00"),
        "2026-04-04 23:00",
    ),
    # a start inside the gap (02:30 does not exist that night) opens when the clocks reach it: 03:30 CEST
    (
        "start in the spring gap",
        {"timezone": "Europe/Amsterdam", "windows": [{"days": ["sun"], "start": "02:30", "duration": "1h"}]},
        "2026-03-29 00:00",
        "closed",
        None,
        "2026-03-29 01:30",
    ),
    # 02:30 happens twice on 25 October: the window opens the first time (CEST, 00:30Z)
    (
        "start in the repeated autumn hour",
        {"timezone": "Europe/Amsterdam", "windows": [{"days": ["sun"], "start": "02:30", "duration": "1h"}]},
        "2026-10-24 12:00",
        "closed",
        None,
        "2026-10-25 00:30",
    ),
    (
        "over the autumn night: 6 elapsed hours",
        {"timezone": "Europe/Amsterdam", "windows": [{"days": ["sat"], "start": "22:00", "duration": "6h"}]},
        "2026-10-25 01:30",
        "open",
        ("2026-10-24 20:00", "2026-10-25 02:00"),
        "2026-10-31 21:00",
    ),
    # Tuesday and Wednesday blacked out take Tuesday's whole window: the next is Thursday's
    (
        "blackout over a whole window",
        {**AMS_TUE_THU, "blackouts": [{"from": "2026-03-31", "to": "2026-04-01", "reason": "release"}]},
        "2026-03-31 20:30",
        "blackout",
        None,
        "2026-04-02 20:00",
    ),
    # a blackout ending at local midnight inside a window leaves the rest of it open
    (
        "blackout ends inside a window",
        {**AMS_TUE_THU, "blackouts": [{"from": "2026-03-31", "to": "2026-03-31"}]},
        "2026-03-31 20:30",
        "blackout",
        None,
        "2026-03-31 22:00",
    ),
    (
        "after a blackout, inside the window",
        {**AMS_TUE_THU, "blackouts": [{"from": "2026-03-31", "to": "2026-03-31"}]},
        "2026-03-31 22:30",
        "open",
        ("2026-03-31 22:00", "2026-04-01 00:00"),
        "2026-04-02 20:00",
    ),
    (
        "blackout over several windows",
        {**AMS_TUE_THU, "blackouts": [{"from": "2026-12-20", "to": "2027-01-03"}]},
        "2026-12-22 21:00",
        "blackout",
        None,
        "2027-01-05 21:00",
    ),
    (
        "windows overlapping: one period",
        {
            "windows": [
                {"days": ["mon"], "start": "10:00", "duration": "2h"},
                {"days": ["mon"], "start": "11:00", "duration": "3h"},
            ]
        },
        "2026-04-06 11:30",
        "open",
        ("2026-04-06 10:00", "2026-04-06 14:00"),
        "2026-04-13 10:00",
    ),
    ("no windows: always open", {"timezone": "UTC"}, "2026-04-06 11:30", "open", (None, None), None),
    (
        "no windows, in a blackout: open at its end",
        {"blackouts": [{"from": "2026-04-06", "to": "2026-04-07"}]},
        "2026-04-06 11:30",
        "blackout",
        None,
        "2026-04-08 00:00",
    ),
    (
        "every day, all day: no end in sight",
        {"windows": [{"start": "00:00", "duration": "24h"}]},
        "2026-04-06 11:30",
        "open",
        (None, None),
        None,
    ),
]


@pytest.mark.parametrize(("what", "section", "now", "state", "current", "following"), CASES, ids=[c[0] for c in CASES])
def test_situation(
    what: str, section: dict, now: str, state: str, current: tuple | None, following: str | None
) -> None:
    found = situation(cal(**section), utc(now))
    assert found.state is WindowState(state)
    assert found.open is (state == "open")
    assert (None if found.current is None else (z(found.current.start), z(found.current.end))) == current
    assert (None if found.next is None else z(found.next.start)) == following


def test_the_blackout_now_and_the_next_one() -> None:
    calendar = cal(
        blackouts=[
            {"from": "2026-12-20", "to": "2027-01-03", "reason": "year-end freeze"},
            {"from": "2026-04-01", "to": "2026-04-02"},
        ],
        timezone="Europe/Amsterdam",
    )
    inside = situation(calendar, utc("2026-04-01 12:00"))
    assert inside.blackout is not None and str(inside.blackout.blackout.first) == "2026-04-01"
    assert (z(inside.blackout.period.start), z(inside.blackout.period.end)) == ("2026-03-31 22:00", "2026-04-02 22:00")
    assert inside.next_blackout is not None and inside.next_blackout.blackout.reason == "year-end freeze"
    # local midnight in CET: the year-end freeze starts at 23:00Z the day before
    assert z(inside.next_blackout.period.start) == "2026-12-19 23:00"
    after = situation(calendar, utc("2027-02-01 00:00"))
    assert after.blackout is None and after.next_blackout is None and after.open


@pytest.mark.parametrize(
    ("plans", "kind", "guarded"),
    [
        (None, "frontdoor-drain", True),
        (None, "rollback:scale", True),
        (["frontdoor-drain"], "frontdoor-drain", True),
        (["frontdoor-drain"], "rollback:frontdoor-drain", True),  # judged like the plan it reverses
        (["frontdoor-drain"], "scale", False),
        (["sql-failover", "evacuate"], "evacuate", True),
    ],
)
def test_which_plans_are_guarded(plans: list[str] | None, kind: str, guarded: bool) -> None:
    section: dict = {} if plans is None else {"plans": plans}
    assert cal(**section).guards(kind) is guarded
