"""A drill plan as typed values: what `mcctl/config/drillfile.py` reads from the YAML file, what
the drill operation journals in its header (`DrillSpec.to_dict`) and what resume and the report
read back (`DrillSpec.from_dict`).

The file parser has already checked every step's parameters and normalised them (region names
short and lower-case, defaults filled in), so each step's `params` is a plain JSON-able dict of a
fixed shape per kind (docs/drill-plan.md). What depends on the estate (a region or stamp that
exists, fault steps only on the simulator) is judged here by `estate_problems`, once the estate is
known.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mcctl.domain.regions import normalize_region
from mcctl.errors import UsageError

FORMAT_VERSION = 1
DEFAULT_TIMEOUT = 900.0  # 15m: a step that takes longer is stuck, not slow
MAX_DURATION = 24 * 3600.0  # no drill step waits a day: a longer value is a typo (5h for 5m)


class DrillStepKind(StrEnum):
    CHECK = "check"
    EVACUATE = "evacuate"
    REINSTATE = "reinstate"
    SCALE = "scale"
    DRAIN = "drain"
    RESTORE = "restore"
    SQL_FAILOVER = "sql-failover"
    WAIT = "wait"
    HOLD = "hold"
    APPROVAL = "approval"
    FAULT = "fault"

    @property
    def mutating(self) -> bool:
        """Whether the step changes the estate through a use case (a child operation of the drill)."""
        return self in _MUTATING


_MUTATING = frozenset(
    {
        DrillStepKind.EVACUATE,
        DrillStepKind.REINSTATE,
        DrillStepKind.SCALE,
        DrillStepKind.DRAIN,
        DrillStepKind.RESTORE,
        DrillStepKind.SQL_FAILOVER,
    }
)


class OnFailure(StrEnum):
    STOP = "stop"  # leave the estate as the failed step left it
    ROLLBACK = "rollback"  # roll back what the drill changed, last first, and end its faults


@dataclass(frozen=True)
class DrillStepSpec:
    kind: DrillStepKind
    name: str  # unique within the drill (`--approve NAME` picks an approval by it)
    params: Mapping[str, Any] = field(hash=False)  # JSON-able, normalised; shape per kind in docs/drill-plan.md
    timeout: float = DEFAULT_TIMEOUT
    on_failure: OnFailure = OnFailure.ROLLBACK
    group: int = 0  # consecutive from 0; the steps of one `parallel:` block share one
    path: str = ""  # where the step is in the plan file (`steps[3]`, `steps[4].parallel[1]`), for messages

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "name": self.name,
            "params": dict(self.params),
            "timeout": self.timeout,
            "on_failure": self.on_failure.value,
            "group": self.group,
            "path": self.path,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DrillStepSpec:
        return cls(
            kind=DrillStepKind(data["kind"]),
            name=str(data["name"]),
            params=dict(data.get("params") or {}),
            timeout=float(data.get("timeout", DEFAULT_TIMEOUT)),
            on_failure=OnFailure(data.get("on_failure", OnFailure.ROLLBACK.value)),
            group=int(data.get("group", 0)),
            path=str(data.get("path", "")),
        )


@dataclass(frozen=True)
class ProbeSpec:
    interval: float = 1.0
    timeout: float = 2.0
    read_path: str = "/"
    write_path: str | None = "/mcctl-probe/writes"  # None: no write probes
    endpoint: str | None = None  # a host; None: the estate's Front Door endpoint host
    read_method: str = "GET"
    write_method: str = "POST"

    def to_dict(self) -> dict[str, Any]:
        return {
            "interval": self.interval,
            "timeout": self.timeout,
            "read_path": self.read_path,
            "read_method": self.read_method,
            "write_path": self.write_path,
            "write_method": self.write_method,
            "endpoint": self.endpoint,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProbeSpec:
        default = cls()
        return cls(
            interval=float(data.get("interval", default.interval)),
            timeout=float(data.get("timeout", default.timeout)),
            read_path=str(data.get("read_path", default.read_path)),
            write_path=data.get("write_path", default.write_path),
            endpoint=data.get("endpoint"),
            read_method=str(data.get("read_method", default.read_method)),
            write_method=str(data.get("write_method", default.write_method)),
        )


@dataclass(frozen=True)
class DrillSpec:
    version: int
    name: str
    description: str
    from_region: str | None
    to_region: str | None
    probes: ProbeSpec
    steps: tuple[DrillStepSpec, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "name": self.name,
            "description": self.description,
            "from_region": self.from_region,
            "to_region": self.to_region,
            "probes": self.probes.to_dict(),
            "steps": [s.to_dict() for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DrillSpec:
        return cls(
            version=int(data.get("version", FORMAT_VERSION)),
            name=str(data["name"]),
            description=str(data.get("description") or ""),
            from_region=data.get("from_region"),
            to_region=data.get("to_region"),
            probes=ProbeSpec.from_dict(data.get("probes") or {}),
            steps=tuple(DrillStepSpec.from_dict(s) for s in data.get("steps") or ()),
        )

    def find_step(self, selector: str) -> int | None:
        """The index of the step `selector` names: its name (case-insensitive) or its 1-based number."""
        wanted = selector.strip().casefold()
        for index, step in enumerate(self.steps):
            if step.name.casefold() == wanted:
                return index
        if wanted.isdigit() and 1 <= int(wanted) <= len(self.steps):
            return int(wanted) - 1
        return None


class DrillPlanError(UsageError):
    """The drill plan file is missing or invalid; `problems` holds one line per problem, each naming
    the field path (`steps[3].evacuate.region: ...`), as `EstateFileError` does for the estate file.
    With one problem the message is that line itself (prefixed with the file), so it reads right
    even where only the message is shown."""

    def __init__(self, label: str, problems: list[str], *, hint: str | None = None) -> None:
        unique = list(dict.fromkeys(problems))
        if len(unique) == 1:
            message = f"{label}: {unique[0]}"
        else:
            message = f"{label} is invalid ({len(unique)} problems)"
        super().__init__(message, hint=hint)
        self.label = label
        self.problems = unique


# --- durations -----------------------------------------------------------------------------------

_DURATION = re.compile(r"(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def parse_duration(value: object) -> float:
    """Seconds from `30s`, `5m`, `1h`, `1h30m` or a number of seconds: finite, > 0, at most a day.
    Raises ValueError with the problem (the caller adds the field path)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a duration (e.g. 30s, 5m, 1h, or a number of seconds), got {value!r}")
    if isinstance(value, str):
        text = value.strip().lower()
        parts = _DURATION.fullmatch(text) if len(text) <= 32 else None
        if _NUMBER.fullmatch(text) and len(text) <= 32:
            seconds = float(text)
        elif text and parts and any(parts.groups()):
            hours, minutes, secs = (int(g or 0) for g in parts.groups())
            seconds = float(hours * 3600 + minutes * 60 + secs)
        else:
            raise ValueError(f"not a duration (e.g. 30s, 5m, 1h, or a number of seconds): {value!r}")
    else:
        seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"must be greater than 0, got {value!r}")
    if seconds > MAX_DURATION:
        raise ValueError(f"must be at most {duration_text(MAX_DURATION)}, got {value!r}")
    return seconds


def duration_text(seconds: float) -> str:
    """The shortest spelling `parse_duration` reads back exactly: `5m`, `1h30m`, `90s`, `2.5`."""
    if seconds != int(seconds) or seconds <= 0:
        text = repr(float(seconds))  # the shortest exact spelling, unless it needs an exponent
        return text if "e" not in text else f"{seconds:.9f}".rstrip("0")
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return text


# --- what depends on the estate ------------------------------------------------------------------

# Which params of which kind name a region or a stamp, and where each is in the plan file (relative
# to the step): the params are normalised, so `check` {"check": "health", "region": ...} was
# written `check: {health: {region: ...}}` and `fault` {"fault": "outage", "region": ...} was
# `fault: {outage: ...}`.
_REGION_KEYS = ("region", "to", "primary_region")


def _param_path(step: DrillStepSpec, key: str) -> str:
    kind = step.kind.value
    if step.kind is DrillStepKind.CHECK:
        return f"{kind}.{step.params.get('check')}.{key}"
    if step.kind is DrillStepKind.FAULT:
        form = str(step.params.get("fault"))  # outage/end_outage: the region; stamp: the stamp
        return f"{kind}.{form}" if key in ("region", "stamp") else f"{kind}.{key}"
    return f"{kind}.{key}"


def estate_problems(spec: DrillSpec, regions: set[str], stamps: set[str], simulated: bool) -> list[str]:
    """Field-path lines for what the plan names that the estate has not (a region, a stamp), and for
    fault steps outside the simulator. `regions` in any spelling (they are normalised here)."""
    known_regions = {normalize_region(r) for r in regions}
    problems: list[str] = []
    for key, value in (("from", spec.from_region), ("to", spec.to_region)):
        if value is not None and normalize_region(value) not in known_regions:
            problems.append(f"{key}: {_unknown('region', value, known_regions)}")
    for index, step in enumerate(spec.steps):
        where = step.path or f"steps[{index}]"
        if step.kind is DrillStepKind.FAULT and not simulated:
            problems.append(f"{where}.fault: fault steps run only on the simulator (--sim)")
        for key in _REGION_KEYS:
            value = step.params.get(key)
            if isinstance(value, str) and normalize_region(value) not in known_regions:
                problems.append(f"{where}.{_param_path(step, key)}: {_unknown('region', value, known_regions)}")
        stamp = step.params.get("stamp")
        if isinstance(stamp, str) and stamp not in stamps:
            problems.append(f"{where}.{_param_path(step, 'stamp')}: {_unknown('stamp', stamp, stamps)}")
    return problems


def _unknown(what: str, value: str, known: Collection[str]) -> str:
    listed = sorted(known)
    close = difflib.get_close_matches(value, listed, n=1)
    also = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown {what} '{value}' (known: {', '.join(listed) or 'none'}{also})"
