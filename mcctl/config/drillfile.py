"""Read a drill plan file (YAML, docs/drill-plan.md) into a `DrillSpec`, reporting every problem on
one line naming its field path (`steps[3].evacuate.region: ...`), as the estate file does.

The YAML is read as strictly as the estate file (no arbitrary objects, no key given twice, bounded
in depth and size). Each step has exactly one kind key; a `parallel:` block's steps share one group.
Parameters are checked and normalised per kind here; what needs the estate (a region or stamp that
exists, fault steps only on the simulator) is `mcctl.domain.drill.spec.estate_problems`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcctl.config.loader import field_path
from mcctl.domain.drill.spec import (
    DEFAULT_TIMEOUT,
    FORMAT_VERSION,
    DrillPlanError,
    DrillSpec,
    DrillStepKind,
    DrillStepSpec,
    OnFailure,
    ProbeSpec,
    duration_text,
)

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic_core import ErrorDetails

MAX_FILE_BYTES = 1024 * 1024  # a drill is tens of steps: a megabyte of YAML is a mistake
HOLD_MARGIN = 60.0  # a hold's or a timed wait's default timeout: its duration and this much more
COMMON_KEYS = ("name", "timeout", "on_failure")
RESERVED_NAMES = ("all",)  # `--approve all`
HINT = "see docs/drill-plan.md; `mcctl drill plan --from R1 --to R2` writes a standard drill to start from"


def load_drill_plan(path: Path) -> DrillSpec:
    """Read and parse the plan at `path`; DrillPlanError (exit 2) when it is missing, unreadable or invalid."""
    label = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DrillPlanError(label, [f"larger than {MAX_FILE_BYTES // 1024} KiB: not a drill plan"])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DrillPlanError(label, ["file not found"], hint=HINT) from None
    except IsADirectoryError:
        raise DrillPlanError(label, ["is a directory, not a drill plan file"]) from None
    except UnicodeDecodeError as exc:
        raise DrillPlanError(label, [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    except OSError as exc:
        raise DrillPlanError(label, [f"cannot read: {exc.strerror or exc}"]) from None
    return parse_drill_plan(text, label)


def parse_drill_plan(text: str, label: str) -> DrillSpec:
    """The plan in `text`; DrillPlanError listing every problem. `label` names the file in messages."""
    from pydantic import ValidationError

    from mcctl.config.drillschema import DefaultsModel, DrillFileModel

    raw = _read_yaml(text, label)
    problems: list[str] = []
    model: DrillFileModel | None = None
    try:
        model = DrillFileModel.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_describe(err) for err in exc.errors())
    defaults = model.defaults if model is not None else _valid_or_default(DefaultsModel, raw.get("defaults"))
    steps: list[DrillStepSpec] = []
    if isinstance(raw.get("steps"), list):
        steps = _Steps(defaults.timeout, OnFailure(defaults.on_failure), problems).read(raw["steps"])
    if model is not None and model.from_ is not None and model.from_ == model.to:
        problems.append(f"to: the same region as from ({model.to})")
    if problems or model is None:
        raise DrillPlanError(label, problems, hint=HINT)
    probes = model.probes
    return DrillSpec(
        version=FORMAT_VERSION,
        name=model.name,
        description=model.description,
        from_region=model.from_,
        to_region=model.to,
        probes=ProbeSpec(
            interval=probes.interval,
            timeout=probes.timeout,
            read_path=probes.read.path,
            read_method=probes.read.method,
            write_path=probes.write.path if probes.write is not None else None,
            write_method=probes.write.method if probes.write is not None else ProbeSpec.write_method,
            endpoint=probes.endpoint,
        ),
        steps=tuple(steps),
    )


def _read_yaml(text: str, label: str) -> dict[str, Any]:
    """The top-level mapping, read by the estate file's strict loader and bounded the same way."""
    from mcctl.config.yamlparse import TOO_DEEP, YamlProblem, load_strict, shape_problem

    try:
        raw = load_strict(text)
    except YamlProblem as exc:
        problem = f"(top level): {TOO_DEEP}" if str(exc) == TOO_DEEP else f"not valid YAML: {exc}"
        raise DrillPlanError(label, [problem]) from None
    if not isinstance(raw, dict):
        raise DrillPlanError(label, ["(top level): expected a mapping (drill: 1, name:, steps:)"], hint=HINT)
    shape = shape_problem(raw)
    if shape:
        raise DrillPlanError(label, [shape])
    return raw


def _valid_or_default(model: type[BaseModel], value: object) -> Any:
    """The section if it is valid (its errors are reported by the whole file's validation), else its
    defaults: the steps are still checked against something."""
    from pydantic import ValidationError

    try:
        return model.model_validate(value if value is not None else {})
    except ValidationError:
        return model.model_validate({})


@dataclass
class _Read:
    """One step as read, before names are made unique and timeouts settled."""

    kind: DrillStepKind
    params: dict[str, Any]
    name: str | None
    default_name: str
    timeout: float | None
    on_failure: OnFailure | None
    group: int
    path: str


class _Steps:
    """The `steps:` list: each step and each `parallel:` block, then names and timeouts."""

    def __init__(self, default_timeout: float, default_on_failure: OnFailure, problems: list[str]) -> None:
        self.default_timeout = default_timeout
        self.default_on_failure = default_on_failure
        self.problems = problems

    def read(self, items: list[Any]) -> list[DrillStepSpec]:
        read: list[_Read] = []
        for group, item in enumerate(items):
            path = f"steps[{group}]"
            if isinstance(item, dict) and "parallel" in item:
                read.extend(self._parallel(item, path, group))
            else:
                step = self._step(item, path, group)
                if step is not None:
                    read.append(step)
        names = self._names(read)
        return [
            DrillStepSpec(
                kind=step.kind,
                name=name,
                params=step.params,
                timeout=self._timeout(step),
                on_failure=step.on_failure or self.default_on_failure,
                group=step.group,
                path=step.path,
            )
            for step, name in zip(read, names, strict=True)
        ]

    def _parallel(self, item: dict[Any, Any], path: str, group: int) -> list[_Read]:
        for key in item:
            if key != "parallel":
                self.problems.append(
                    f"{path}.{key}: a parallel block takes only `parallel:` (give its steps their own "
                    "name, timeout, on_failure)"
                )
        block = item["parallel"]
        if not isinstance(block, list) or not block:
            self.problems.append(f"{path}.parallel: expected a list of at least one step")
            return []
        read: list[_Read] = []
        for j, sub in enumerate(block):
            where = f"{path}.parallel[{j}]"
            if isinstance(sub, dict) and "parallel" in sub:
                self.problems.append(f"{where}.parallel: parallel blocks cannot be nested")
                continue
            step = self._step(sub, where, group)
            if step is not None and step.kind is DrillStepKind.APPROVAL:
                self.problems.append(f"{where}.approval: an approval cannot run in parallel with other steps")
            elif step is not None:
                read.append(step)
        return read

    def _step(self, item: object, path: str, group: int) -> _Read | None:
        from pydantic import ValidationError

        from mcctl.config.drillschema import StepCommon
        from mcctl.config.drillsteps import STEP_MODELS

        kinds_text = ", ".join([*STEP_MODELS, "parallel"])
        if not isinstance(item, dict):
            self.problems.append(f"{path}: expected a mapping with one step kind ({kinds_text}), got {item!r}")
            return None
        kinds = [str(k) for k in item if k in STEP_MODELS]
        unknown = [str(k) for k in item if k not in STEP_MODELS and k not in COMMON_KEYS]
        for key in unknown:
            close = difflib.get_close_matches(key, [*STEP_MODELS, *COMMON_KEYS], n=1)
            also = f"did you mean '{close[0]}'?" if close else f"a step is one of {kinds_text}"
            self.problems.append(f"{path}.{key}: unknown field ({also})")
        if len(kinds) != 1:
            if len(kinds) > 1:
                self.problems.append(f"{path}: more than one step kind ({', '.join(kinds)}): give one per step")
            elif not unknown:
                self.problems.append(f"{path}: no step kind (give one of {kinds_text})")
            return None
        kind = kinds[0]
        common: StepCommon | None = None
        body: Any = None
        try:
            common = StepCommon.model_validate({k: item[k] for k in COMMON_KEYS if k in item})
        except ValidationError as exc:
            self.problems.extend(_describe(err, path) for err in exc.errors())
        try:
            body = STEP_MODELS[kind].model_validate(item[kind])
        except ValidationError as exc:
            self.problems.extend(_describe(err, f"{path}.{kind}") for err in exc.errors())
        if common is None or body is None:
            return None
        return _Read(
            kind=DrillStepKind(kind),
            params=body.params(),
            name=common.name,
            default_name=body.default_name(),
            timeout=common.timeout,
            on_failure=OnFailure(common.on_failure) if common.on_failure else None,
            group=group,
            path=path,
        )

    def _names(self, read: list[_Read]) -> list[str]:
        """Explicit names must be unique (and not `all` or a number: `--approve` takes both); default
        names are made unique with ` (2)`, ` (3)`..."""
        taken: dict[str, str] = {}
        for step in read:
            if step.name is None:
                continue
            key = step.name.casefold()
            if not step.name.isprintable():
                self.problems.append(f"{step.path}.name: must be one line of printable text")
            elif key in RESERVED_NAMES:
                self.problems.append(f"{step.path}.name: '{step.name}' is reserved (--approve all)")
            elif key.isdigit():
                self.problems.append(f"{step.path}.name: cannot be a number (--approve takes a step's name or number)")
            elif key in taken:
                self.problems.append(f"{step.path}.name: duplicate '{step.name}' (also {taken[key]})")
            else:
                taken[key] = step.path
        names: list[str] = []
        for step in read:
            if step.name is not None:
                names.append(step.name)
                continue
            name, n = step.default_name, 1
            while name.casefold() in taken:
                n += 1
                name = f"{step.default_name} ({n})"
            taken[name.casefold()] = step.path
            names.append(name)
        return names

    def _timeout(self, step: _Read) -> float:
        """The step's timeout, else the default; a hold (or a timed wait) needs longer than it lasts."""
        lasts = step.params.get("seconds") if step.kind in (DrillStepKind.HOLD, DrillStepKind.WAIT) else None
        if not isinstance(lasts, float):
            return step.timeout or self.default_timeout
        if step.timeout is None:
            return max(self.default_timeout, lasts + HOLD_MARGIN)
        if step.timeout <= lasts:
            self.problems.append(
                f"{step.path}.timeout: {duration_text(step.timeout)} must be longer than the "
                f"{step.kind.value} ({duration_text(lasts)})"
            )
        return step.timeout


_EXPECTED = {
    "string_type": "a string",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}

_PATTERN = {
    "name": "not a valid name (letters, digits, '.', '-', '_'; starting with a letter or digit; at most 80)",
    "path": "not a URL path (starting with '/', no spaces)",
    "endpoint": "not a host name (e.g. mcctl-demo.azurefd.net)",
}


def _describe(err: ErrorDetails, prefix: str = "") -> str:
    loc = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "missing":
        message = "required field missing"
    elif kind == "extra_forbidden":
        message = "unknown field (check the spelling)"
    elif kind == "literal_error":
        message = f"must be one of {ctx.get('expected', '')}, got {value!r}"
    elif kind == "value_error":
        message = str(ctx.get("error", err["msg"]))
    elif kind == "string_pattern_mismatch":
        message = f"{_PATTERN.get(field, 'not a valid name (no spaces or /)')}: {value!r}"
    elif kind == "too_long":
        message = f"at most {ctx.get('max_length')} entries"
    elif kind == "too_short":
        least = ctx.get("min_length", 1)
        message = f"needs at least {least} {'entry' if least == 1 else 'entries'}"
    elif kind == "string_too_short" and ctx.get("min_length") == 1:
        message = "must not be empty"
    elif kind in ("string_too_short", "string_too_long"):
        bound = "at least" if kind == "string_too_short" else "at most"
        limit = ctx.get("min_length") if kind == "string_too_short" else ctx.get("max_length")
        message = f"must be {bound} {limit} characters"
    elif kind in ("greater_than_equal", "less_than_equal"):
        bound = f"at least {ctx.get('ge')}" if kind == "greater_than_equal" else f"at most {ctx.get('le')}"
        message = f"must be {bound}, got {value!r}"
    elif kind in _EXPECTED:
        got = "nothing" if value is None else f"{type(value).__name__} {value!r}"
        message = f"expected {_EXPECTED[kind]}, got {got}"
    else:
        message = err["msg"][0].lower() + err["msg"][1:]
    return f"{field_path(loc, prefix)}: {message}"


__all__ = ["DEFAULT_TIMEOUT", "DrillPlanError", "load_drill_plan", "parse_drill_plan"]
