"""The drill plan's typed values: JSON round trip, durations, step lookup, and the estate checks."""

from __future__ import annotations

import json

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from mcctl.domain.drill.spec import (
    DrillPlanError,
    DrillSpec,
    DrillStepKind,
    DrillStepSpec,
    OnFailure,
    ProbeSpec,
    duration_text,
    estate_problems,
    parse_duration,
)
from mcctl.errors import ExitCode, UsageError


def _step(kind: DrillStepKind, name: str, params: dict[str, object], group: int = 0, path: str = "") -> DrillStepSpec:
    return DrillStepSpec(kind, name, params, 60.0, OnFailure.ROLLBACK, group, path)


def _spec(*steps: DrillStepSpec, from_region: str | None = None, to_region: str | None = None) -> DrillSpec:
    return DrillSpec(1, "d", "", from_region, to_region, ProbeSpec(), tuple(steps))


# --- round trip ----------------------------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(max_size=20))
_floats = st.floats(min_value=0.001, max_value=86400, allow_nan=False, allow_infinity=False)
_steps = st.builds(
    DrillStepSpec,
    kind=st.sampled_from(DrillStepKind),
    name=st.text(min_size=1, max_size=30),
    params=st.dictionaries(st.text(min_size=1, max_size=12), _scalars, max_size=5),
    timeout=_floats,
    on_failure=st.sampled_from(OnFailure),
    group=st.integers(0, 50),
    path=st.text(max_size=30),
)
_probes = st.builds(
    ProbeSpec,
    interval=_floats,
    timeout=_floats,
    read_path=st.text(max_size=20),
    write_path=st.none() | st.text(max_size=20),
    endpoint=st.none() | st.text(max_size=20),
    read_method=st.sampled_from(["GET", "HEAD"]),
    write_method=st.sampled_from(["POST", "PUT"]),
)
_specs = st.builds(
    DrillSpec,
    version=st.just(1),
    name=st.text(min_size=1, max_size=30),
    description=st.text(max_size=40),
    from_region=st.none() | st.text(max_size=12),
    to_region=st.none() | st.text(max_size=12),
    probes=_probes,
    steps=st.lists(_steps, max_size=8).map(tuple),
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_specs)
def test_to_dict_round_trips_through_json(spec: DrillSpec) -> None:
    document = json.loads(json.dumps(spec.to_dict()))  # what the journal header holds
    assert DrillSpec.from_dict(document) == spec


def test_to_dict_uses_plain_values() -> None:
    spec = _spec(
        _step(DrillStepKind.SQL_FAILOVER, "sql-failover northeurope", {"to": "northeurope", "mode": "planned"})
    )
    document = spec.to_dict()
    assert document["steps"][0] == {
        "kind": "sql-failover",
        "name": "sql-failover northeurope",
        "params": {"to": "northeurope", "mode": "planned"},
        "timeout": 60.0,
        "on_failure": "rollback",
        "group": 0,
        "path": "",
    }
    assert document["probes"]["write_path"] == "/mcctl-probe/writes"
    assert type(document["steps"][0]["kind"]) is str  # not the enum: json.dumps of a header must not depend on it


def test_from_dict_fills_probe_defaults() -> None:
    spec = DrillSpec.from_dict({"name": "d", "steps": []})
    assert spec.probes == ProbeSpec() and spec.version == 1 and spec.steps == ()


def test_mutating_kinds() -> None:
    mutating = {k.value for k in DrillStepKind if k.mutating}
    assert mutating == {"evacuate", "reinstate", "scale", "drain", "restore", "sql-failover"}


def test_find_step_by_name_or_number() -> None:
    spec = _spec(_step(DrillStepKind.APPROVAL, "Start", {"message": "go?"}), _step(DrillStepKind.HOLD, "hold 5m", {}))
    assert spec.find_step("start") == 0
    assert spec.find_step("2") == 1
    assert spec.find_step("3") is None
    assert spec.find_step("nope") is None


# --- durations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1h30m", 5400.0),
        (" 2M ", 120.0),
        (45, 45.0),
        (0.5, 0.5),
        ("7.5", 7.5),
    ],
)
def test_parse_duration(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("5 min", "not a duration"),
        ("", "not a duration"),
        ("1d", "not a duration"),
        (0, "greater than 0"),
        (-3, "greater than 0"),
        (float("nan"), "greater than 0"),
        ("25h", "at most 24h"),
        (True, "expected a duration"),
        (None, "expected a duration"),
    ],
)
def test_parse_duration_refuses(value: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_duration(value)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.integers(1, 86400) | st.floats(min_value=0.01, max_value=86400, allow_nan=False))
def test_duration_text_reads_back(seconds: float) -> None:
    assert parse_duration(duration_text(seconds)) == pytest.approx(seconds)


def test_duration_text_is_short() -> None:
    assert [duration_text(s) for s in (300, 3600, 5400, 90, 45, 2.5)] == ["5m", "1h", "1h30m", "1m30s", "45s", "2.5"]


# --- the error -----------------------------------------------------------------------------------


def test_drill_plan_error_is_a_usage_error_with_lines() -> None:
    one = DrillPlanError("drill.yaml", ["steps[3].evacuate.region: required field missing"])
    assert isinstance(one, UsageError) and one.exit_code == ExitCode.USAGE
    assert one.message == "drill.yaml: steps[3].evacuate.region: required field missing"
    many = DrillPlanError("drill.yaml", ["a: x", "b: y", "a: x"])
    assert many.message == "drill.yaml is invalid (2 problems)"
    assert many.problems == ["a: x", "b: y"]


# --- against the estate --------------------------------------------------------------------------

REGIONS = {"westeurope", "North Europe"}
STAMPS = {"weu-1", "neu-1"}


def test_estate_problems_none_for_a_plan_that_fits() -> None:
    spec = _spec(
        _step(DrillStepKind.EVACUATE, "e", {"region": "westeurope", "sql": "auto", "unlink_redis": False}),
        _step(DrillStepKind.CHECK, "c", {"check": "sql", "ready": False, "primary_region": "northeurope"}),
        _step(DrillStepKind.DRAIN, "d", {"region": None, "stamp": "weu-1"}),
        _step(DrillStepKind.FAULT, "f", {"fault": "outage", "region": "westeurope"}),
        from_region="westeurope",
        to_region="northeurope",
    )
    assert estate_problems(spec, REGIONS, STAMPS, simulated=True) == []


def test_estate_problems_name_the_field_path() -> None:
    spec = _spec(
        _step(DrillStepKind.EVACUATE, "e", {"region": "westeu", "sql": "auto", "unlink_redis": False}),
        _step(DrillStepKind.CHECK, "c", {"check": "health", "region": "eastus", "stamp": None, "status": "healthy"}),
        _step(DrillStepKind.FAULT, "f", {"fault": "stamp", "stamp": "weu-9", "mode": "down"}),
        _step(DrillStepKind.DRAIN, "d1", {"region": None, "stamp": "weu-1"}, group=3, path="steps[3].parallel[0]"),
        _step(DrillStepKind.DRAIN, "d2", {"region": None, "stamp": "neu-2"}, group=3, path="steps[3].parallel[1]"),
        _step(DrillStepKind.SQL_FAILOVER, "s", {"to": "uksouth", "mode": "planned"}),
        _step(DrillStepKind.FAULT, "f2", {"fault": "end_outage", "region": "uksouth"}),
        from_region="westeurope",
        to_region="ukwest",
    )
    assert estate_problems(spec, REGIONS, STAMPS, simulated=False) == [
        "to: unknown region 'ukwest' (known: northeurope, westeurope)",
        "steps[0].evacuate.region: unknown region 'westeu' (known: northeurope, westeurope; "
        "did you mean 'westeurope'?)",
        "steps[1].check.health.region: unknown region 'eastus' (known: northeurope, westeurope)",
        "steps[2].fault: fault steps run only on the simulator (--sim)",
        "steps[2].fault.stamp: unknown stamp 'weu-9' (known: neu-1, weu-1; did you mean 'weu-1'?)",
        "steps[3].parallel[1].drain.stamp: unknown stamp 'neu-2' (known: neu-1, weu-1; did you mean 'neu-1'?)",
        "steps[5].sql-failover.to: unknown region 'uksouth' (known: northeurope, westeurope)",
        "steps[6].fault: fault steps run only on the simulator (--sim)",
        "steps[6].fault.end_outage: unknown region 'uksouth' (known: northeurope, westeurope)",
    ]


def test_fault_steps_pass_on_the_simulator() -> None:
    spec = _spec(_step(DrillStepKind.FAULT, "f", {"fault": "dependency", "dependency": "sql", "mode": "down"}))
    assert estate_problems(spec, REGIONS, STAMPS, simulated=True) == []
    assert estate_problems(spec, REGIONS, STAMPS, simulated=False) == [
        "steps[0].fault: fault steps run only on the simulator (--sim)"
    ]
