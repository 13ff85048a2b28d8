"""The estate file's `plugins: {maintenance-window: ...}` section, validated (pydantic) into a Calendar.

    plugins:
      maintenance-window:
        timezone: Europe/Amsterdam        # IANA name; default UTC
        windows:                          # none: open at any time outside the blackouts
          - {days: [tue, thu], start: "22:00", duration: 4h}
        blackouts:
          - {from: 2026-12-20, to: 2027-01-03, reason: year-end freeze}
        plans: [frontdoor-drain, sql-failover]   # the plan kinds guarded; default: every change

Errors carry the field's path (`windows.0.start`); mcctl prefixes it with `plugins.maintenance-window.`.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from mcctl_maintenance_window.calendar import DAY_NAMES as DAYS
from mcctl_maintenance_window.calendar import Blackout, Calendar, WeeklyWindow

LONG_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_WINDOW = timedelta(days=7)  # longer than a week is every day: a typo


def _day(value: object) -> int:
    if not isinstance(value, str):
        raise ValueError(f"expected a day name ({', '.join(DAYS)}), got {value!r}")
    word = value.strip().lower()
    for names in (DAYS, LONG_DAYS):
        if word in names:
            return names.index(word)
    raise ValueError(f"expected a day name ({', '.join(DAYS)}), got {value!r}")


def _start(value: object) -> time:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 22:00 as the base-60 number 1320
        raise ValueError('expected a time "HH:MM" in quotes (unquoted, YAML reads 22:00 as a number)')
    if isinstance(value, str):
        found = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", value.strip())
        if found:
            return time(int(found.group(1)), int(found.group(2)))
    raise ValueError(f'expected a local time "HH:MM" (00:00 to 23:59), got {value!r}')


def _duration(value: object) -> timedelta:
    text = value.strip().lower() if isinstance(value, str) else ""
    found = re.fullmatch(r"(?:([0-9]{1,3})d)?(?:([0-9]{1,4})h)?(?:([0-9]{1,5})m)?", text)
    if not text or not found:
        raise ValueError(f"expected a duration such as 4h, 90m, 1h30m or 1d, got {value!r}")
    days, hours, minutes = (int(g or 0) for g in found.groups())
    length = timedelta(days=days, hours=hours, minutes=minutes)
    if not timedelta(0) < length <= MAX_WINDOW:
        raise ValueError(f"must be longer than 0 and at most 7d, got {value!r}")
    return length


def _zone_name(value: object) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected an IANA time zone name such as Europe/Amsterdam or UTC, got {value!r}")
    name = value.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Europe/Amsterdam or UTC)") from None
    return name


Day = Annotated[int, BeforeValidator(_day)]
StartTime = Annotated[time, BeforeValidator(_start)]
Duration = Annotated[timedelta, BeforeValidator(_duration)]
ZoneName = Annotated[str, BeforeValidator(_zone_name)]
PlanKind = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_:-]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WindowModel(_Strict):
    days: list[Day] = Field(default_factory=lambda: list(range(7)), min_length=1)  # default: every day
    start: StartTime
    duration: Duration


class BlackoutModel(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    first: date = Field(alias="from")
    last: date = Field(alias="to")
    reason: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> BlackoutModel:
        if self.last < self.first:
            raise ValueError(f"'to' ({self.last}) is before 'from' ({self.first})")
        return self


class SectionModel(_Strict):
    timezone: ZoneName = "UTC"
    windows: list[WindowModel] = Field(default_factory=list)
    blackouts: list[BlackoutModel] = Field(default_factory=list)
    plans: list[PlanKind] | None = Field(default=None, min_length=1)

    @field_validator("windows", "blackouts", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return [] if value is None else value


def parse(raw: Any) -> Calendar:
    """The section as a Calendar; pydantic.ValidationError naming the field (the hook's contract).
    An empty section (`maintenance-window: {}` or no value) is valid: open except in blackouts."""
    from zoneinfo import ZoneInfo

    model = SectionModel.model_validate({} if raw is None else raw)
    return Calendar(
        zone=ZoneInfo(model.timezone),
        zone_name=model.timezone,
        windows=tuple(WeeklyWindow(frozenset(w.days), w.start, w.duration) for w in model.windows),
        blackouts=tuple(Blackout(b.first, b.last, b.reason) for b in model.blackouts),
        plans=frozenset(model.plans) if model.plans is not None else None,
    )
