"""The drill plan file's schema (pydantic): the value types, the top level, the probes and the
defaults; one model per step kind is in `mcctl/config/drillsteps.py`.

Unknown keys are errors (a typo must not silently drop a gate). Whole-step rules (exactly one kind
key, parallel blocks, unique names) are in `mcctl/config/drillfile.py`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from mcctl.domain.drill.spec import DEFAULT_TIMEOUT, FORMAT_VERSION, parse_duration
from mcctl.domain.regions import normalize_region


def _region(value: object) -> object:
    """A region in either spelling ("West Europe", "westeurope"), kept in the short form."""
    if not isinstance(value, str):
        return value  # the str type reports it
    short = normalize_region(value.strip())
    if not re.fullmatch(r"[a-z0-9]{1,64}", short):
        raise ValueError(f"not a region name (e.g. westeurope): {value!r}")
    return short


def _version(value: object) -> object:
    if isinstance(value, bool) or value != FORMAT_VERSION:  # (True == 1 in Python)
        raise ValueError(f"must be {FORMAT_VERSION} (the drill plan format version), got {value!r}")
    return value


def _duration(value: object) -> float:
    return parse_duration(value)


def printable(value: object) -> object:
    """Free text shown in a terminal and written into reports: no control characters (an escape
    sequence in a plan file must not reach the operator's terminal)."""
    if isinstance(value, str) and any(ord(c) < 32 and c not in "\t" or 127 <= ord(c) < 160 for c in value):
        raise ValueError("must not contain control characters (escape sequences, line breaks)")
    return value


Duration = Annotated[float, BeforeValidator(_duration)]
MAX_STEPS = 500  # a drill is a few dozen steps: thousands are a generated mistake (or an attack)
Region = Annotated[str, BeforeValidator(_region)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[^/\s]{1,128}$")]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Host = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")]
HttpPath = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^/[^\s]*$")]
# The sim's health modes (`mcctl sim stamp MODE`); the words of the drill design are accepted too.
FaultMode = Literal["ok", "slow", "degraded", "fail", "down", "healthy", "unhealthy", "error", "hang"]
MODE_ALIASES = {"healthy": "ok", "unhealthy": "fail", "error": "fail", "hang": "down"}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)


def empty_is_defaults(value: object) -> object:
    """`sql:` with nothing after it (None) means the form with its defaults."""
    return {} if value is None else value


class Form(Strict):
    @model_validator(mode="before")
    @classmethod
    def _none(cls, value: object) -> object:
        return empty_is_defaults(value)


# --- check ---------------------------------------------------------------------------------------


StepName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class StepCommon(Strict):
    """What every step may have beside its kind key."""

    name: StepName | None = None
    timeout: Duration | None = None
    on_failure: Literal["stop", "rollback"] | None = None


class ProbeRead(Form):
    path: HttpPath = "/"
    method: Literal["GET", "HEAD"] = "GET"


class ProbeWrite(Form):
    path: HttpPath = "/mcctl-probe/writes"
    method: Literal["POST", "PUT"] = "POST"


class ProbesModel(Form):
    interval: Duration = 1.0
    timeout: Duration = 2.0
    read: ProbeRead = Field(default_factory=ProbeRead)
    write: ProbeWrite | None = Field(default_factory=ProbeWrite)  # null/false: no write probes
    endpoint: (
        Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")] | None
    ) = None

    @model_validator(mode="before")
    @classmethod
    def _switches(cls, value: object) -> object:
        if isinstance(value, dict):
            value = dict(value)
            if value.get("write") is False:
                value["write"] = None
            for key in ("read", "write"):
                if value.get(key) is True:
                    value[key] = {}
        return value


class DefaultsModel(Form):
    timeout: Duration = DEFAULT_TIMEOUT
    on_failure: Literal["stop", "rollback"] = "rollback"


class DrillFileModel(Strict):
    drill: Annotated[int, BeforeValidator(_version)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")]
    description: Annotated[str, StringConstraints(max_length=2000), BeforeValidator(printable)] = ""
    from_: Region | None = Field(default=None, alias="from")
    to: Region | None = None
    probes: ProbesModel = Field(default_factory=ProbesModel)
    defaults: DefaultsModel = Field(default_factory=DefaultsModel)
    steps: Annotated[list[Any], Field(min_length=1, max_length=MAX_STEPS)]

    @model_validator(mode="before")
    @classmethod
    def _none_sections(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if not (k in ("probes", "defaults", "description") and v is None)}
        return value
