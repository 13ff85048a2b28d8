"""The drill plan file's step models (pydantic), one per step kind, each knowing its normalised
`params()` (the shape the drill step kinds read, docs/drill-plan.md) and its default name
("<kind> <main parameter>"). The value types and the top level are in `mcctl/config/drillschema.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, Field, StrictBool, StringConstraints, model_validator

from mcctl.config.drillschema import (
    MODE_ALIASES,
    Duration,
    FaultMode,
    Form,
    Name,
    Region,
    Share,
    Strict,
    empty_is_defaults,
    printable,
)
from mcctl.domain.drill.spec import duration_text
from mcctl.domain.scale import MAX_INSTANCES


class HealthGate(Form):
    region: Region | None = None
    stamp: Name | None = None
    status: Literal["healthy", "degraded"] = "healthy"  # at least this good

    @model_validator(mode="after")
    def _one_scope(self) -> HealthGate:
        if self.region is not None and self.stamp is not None:
            raise ValueError("give region or stamp, not both (neither: the whole estate)")
        return self


class SqlGate(Form):
    # ready: every replication link healthy (a planned failover would succeed). Checked by default
    # unless the gate is about where the primary is: after a forced failover the old one is down.
    ready: StrictBool | None = None
    primary_region: Region | None = None

    @model_validator(mode="after")
    def _something(self) -> SqlGate:
        if self.ready is False and self.primary_region is None:
            raise ValueError("nothing to check: give ready: true or primary_region")
        return self

    def model_dump_params(self) -> dict[str, Any]:
        ready = self.ready if self.ready is not None else self.primary_region is None
        return {"ready": ready, "primary_region": self.primary_region}


class RedisGate(Form):
    linked: StrictBool = True


class FrontDoorGate(Strict):
    region: Region
    min_share: Share | None = None  # of the edge traffic, 0..1
    max_share: Share | None = None

    @model_validator(mode="after")
    def _threshold(self) -> FrontDoorGate:
        if self.min_share is None and self.max_share is None:
            raise ValueError("give min_share or max_share (a share of traffic between 0 and 1)")
        if self.min_share is not None and self.max_share is not None and self.min_share > self.max_share:
            raise ValueError(f"min_share ({self.min_share:g}) is above max_share ({self.max_share:g})")
        return self


class CheckStep(Strict):
    health: HealthGate | None = None
    sql: SqlGate | None = None
    redis: RedisGate | None = None
    frontdoor: FrontDoorGate | None = None

    @model_validator(mode="before")
    @classmethod
    def _exactly_one(cls, value: object) -> object:
        if isinstance(value, dict):
            given = [k for k in ("health", "sql", "redis", "frontdoor") if k in value]
            if len(given) != 1:
                raise ValueError("give exactly one of health, sql, redis, frontdoor" + _got(given))
            key = given[0]
            return {**value, key: empty_is_defaults(value[key])}
        return value

    def gate(self) -> tuple[str, BaseModel]:
        for key in ("health", "sql", "redis", "frontdoor"):
            gate = getattr(self, key)
            if gate is not None:
                return key, gate
        raise AssertionError("validated: exactly one")

    def params(self) -> dict[str, Any]:
        key, gate = self.gate()
        fields = gate.model_dump_params() if isinstance(gate, SqlGate) else gate.model_dump()
        return {"check": key, **fields}

    def default_name(self) -> str:
        key, gate = self.gate()
        scope = getattr(gate, "region", None) or getattr(gate, "stamp", None)
        if key == "sql" and isinstance(gate, SqlGate) and gate.primary_region:
            scope = f"primary {gate.primary_region}"
        return f"check {key}" + (f" {scope}" if scope else "")


def _got(given: Sequence[str]) -> str:
    return f" (got {', '.join(given)})" if given else ""


# --- the other kinds -----------------------------------------------------------------------------


class _Shorthand(Strict):
    """`kind: value` as shorthand for `kind: {<main>: value}`."""

    MAIN: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return {cls.MAIN: value} if isinstance(value, str | int | float) and not isinstance(value, bool) else value


def _percentages(value: object) -> object:
    """`steps: [50, 100]` (or "50,100"): percentages as `--steps` takes them."""
    from mcctl.domain.frontdoor import parse_steps
    from mcctl.errors import UsageError

    if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value) and value:
        value = ",".join(str(v) for v in value)
    if not isinstance(value, str):
        raise ValueError("expected percentages like [50, 100]")
    try:
        return list(parse_steps(value))
    except UsageError as exc:
        raise ValueError(exc.message.removeprefix("--steps: ")) from None


Percentages = Annotated[list[int], BeforeValidator(_percentages)]


class _Gradual(Strict):
    """What the command's --steps, --interval and --no-verify say: traffic moved by percentages, a
    wait between, then the change checked at the edge."""

    steps: Percentages | None = None
    interval: Duration | None = None
    verify: StrictBool = True  # then probe the Front Door endpoint until the change shows there

    def gradual(self) -> dict[str, Any]:
        return {"steps": self.steps, "interval": self.interval, "verify": self.verify}


class EvacuateStep(_Shorthand, _Gradual):
    MAIN = "region"
    region: Region
    sql: Literal["auto", "planned", "forced", "skip"] = "auto"
    to: Region | None = None  # the SQL region to fail over to (default: the best survivor)
    unlink_redis: StrictBool = False

    def params(self) -> dict[str, Any]:
        return self.model_dump()

    def default_name(self) -> str:
        return f"evacuate {self.region}"


class ReinstateStep(_Shorthand, _Gradual):
    MAIN = "region"
    region: Region
    sql: Literal["planned", "skip"] = "skip"  # as `mcctl reinstate` without --sql

    def params(self) -> dict[str, Any]:
        return self.model_dump()

    def default_name(self) -> str:
        return f"reinstate {self.region}"


class SqlFailoverStep(_Shorthand):
    MAIN = "to"
    to: Region | None = None  # None: the only secondary
    mode: Literal["planned", "forced", "try-planned"] = "planned"

    def params(self) -> dict[str, Any]:
        return self.model_dump()

    def default_name(self) -> str:
        return "sql-failover" + (f" {self.to}" if self.to else "")


class _RegionOrStamp(Strict):
    region: Region | None = None
    stamp: Name | None = None

    @model_validator(mode="after")
    def _one(self) -> _RegionOrStamp:
        if (self.region is None) == (self.stamp is None):
            raise ValueError("give exactly one of region, stamp")
        return self

    def params(self) -> dict[str, Any]:
        return {"region": self.region, "stamp": self.stamp}

    def target(self) -> str:
        return self.region or self.stamp or ""


class ScaleStep(_RegionOrStamp):
    capacity: Annotated[int, Field(ge=1, le=MAX_INSTANCES, strict=True)]

    def params(self) -> dict[str, Any]:
        return {**super().params(), "capacity": self.capacity}

    def default_name(self) -> str:
        return f"scale {self.target()}"


class DrainStep(_RegionOrStamp, _Gradual):
    def params(self) -> dict[str, Any]:
        return {**super().params(), **self.gradual()}

    def default_name(self) -> str:
        return f"drain {self.target()}"


class RestoreStep(_RegionOrStamp, _Gradual):
    def params(self) -> dict[str, Any]:
        return {**super().params(), **self.gradual()}

    def default_name(self) -> str:
        return f"restore {self.target()}"


class WaitStep(Strict):
    for_: Literal["health"] | None = Field(default=None, alias="for")
    seconds: Duration | None = None
    region: Region | None = None
    stamp: Name | None = None
    status: Literal["healthy", "degraded"] = "healthy"

    @model_validator(mode="after")
    def _form(self) -> WaitStep:
        if self.seconds is not None:
            extra = [k for k in ("for", "region", "stamp", "status") if k in self._given()]
            if extra:
                raise ValueError(f"give `seconds` alone, or `for: health` with region/stamp/status{_got(extra)}")
        elif self.for_ is None:
            raise ValueError("give `for: health` (with region, stamp, status) or `seconds`")
        elif self.region is not None and self.stamp is not None:
            raise ValueError("give region or stamp, not both (neither: the whole estate)")
        return self

    def _given(self) -> set[str]:
        return {"for" if k == "for_" else k for k in self.model_fields_set}

    def params(self) -> dict[str, Any]:
        if self.seconds is not None:
            return {"for": "time", "seconds": self.seconds}
        return {"for": "health", "region": self.region, "stamp": self.stamp, "status": self.status}

    def default_name(self) -> str:
        if self.seconds is not None:
            return f"wait {duration_text(self.seconds)}"
        return "wait health" + (f" {self.region or self.stamp}" if self.region or self.stamp else "")


class HoldStep(_Shorthand):
    MAIN = "duration"
    duration: Duration

    def params(self) -> dict[str, Any]:
        return {"seconds": self.duration}

    def default_name(self) -> str:
        return f"hold {duration_text(self.duration)}"


class ApprovalStep(_Shorthand):
    MAIN = "message"
    message: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), BeforeValidator(printable)
    ] = "Continue the drill?"

    @model_validator(mode="before")
    @classmethod
    def _none(cls, value: object) -> object:
        return empty_is_defaults(value)

    def params(self) -> dict[str, Any]:
        return {"message": self.message}

    def default_name(self) -> str:
        return "approval"


class FaultStep(Strict):
    outage: Region | None = None
    end_outage: Region | None = None
    stamp: Name | None = None
    dependency: Name | None = None
    mode: FaultMode | None = None

    @model_validator(mode="after")
    def _form(self) -> FaultStep:
        given = [k for k in ("outage", "end_outage", "stamp", "dependency") if getattr(self, k) is not None]
        if len(given) != 1:
            forms = "outage, end_outage, stamp (with mode), dependency (with mode)"
            raise ValueError(f"give exactly one of {forms}{_got(given)}")
        if given[0] in ("stamp", "dependency") and self.mode is None:
            raise ValueError(f"{given[0]} needs a mode (ok, slow, degraded, fail, down)")
        if given[0] in ("outage", "end_outage") and self.mode is not None:
            raise ValueError(f"mode applies to stamp and dependency faults, not {given[0]}")
        return self

    def params(self) -> dict[str, Any]:
        mode = MODE_ALIASES.get(self.mode or "", self.mode)
        if self.outage is not None:
            return {"fault": "outage", "region": self.outage}
        if self.end_outage is not None:
            return {"fault": "end_outage", "region": self.end_outage}
        if self.stamp is not None:
            return {"fault": "stamp", "stamp": self.stamp, "mode": mode}
        return {"fault": "dependency", "dependency": self.dependency, "mode": mode}

    def default_name(self) -> str:
        params = self.params()
        return " ".join(["fault", *(str(v) for k, v in params.items())])


STEP_MODELS: dict[str, type[Strict]] = {
    "check": CheckStep,
    "evacuate": EvacuateStep,
    "reinstate": ReinstateStep,
    "scale": ScaleStep,
    "drain": DrainStep,
    "restore": RestoreStep,
    "sql-failover": SqlFailoverStep,
    "wait": WaitStep,
    "hold": HoldStep,
    "approval": ApprovalStep,
    "fault": FaultStep,
}


# --- the file ------------------------------------------------------------------------------------
