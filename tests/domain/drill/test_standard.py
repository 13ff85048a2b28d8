"""The standard drill `mcctl drill plan` writes: it parses back, in the designed order."""

from __future__ import annotations

import pytest

from mcctl.config.drillfile import parse_drill_plan
from mcctl.domain.drill.spec import DrillSpec, OnFailure
from mcctl.domain.drill.standard import standard_drill
from mcctl.errors import UsageError

GRADUAL = {"steps": None, "interval": None, "verify": True}  # as the commands: their defaults


def _parsed(**kwargs: object) -> DrillSpec:
    args = {"from_region": "westeurope", "to_region": "northeurope", "failback": False, **kwargs}
    return parse_drill_plan(standard_drill(**args), "drill.yaml")  # type: ignore[arg-type]


def _outline(spec: DrillSpec) -> list[tuple[str, dict[str, object]]]:
    return [(s.kind.value, dict(s.params)) for s in spec.steps]


def test_simulated_drill_without_failback() -> None:
    spec = _parsed()
    assert (spec.name, spec.from_region, spec.to_region) == ("westeurope-to-northeurope", "westeurope", "northeurope")
    assert _outline(spec) == [
        ("check", {"check": "health", "region": "northeurope", "stamp": None, "status": "healthy"}),
        ("check", {"check": "sql", "ready": True, "primary_region": None}),
        ("approval", {"message": "Start the drill: evacuate westeurope to northeurope?"}),
        ("hold", {"seconds": 60.0}),  # the steady state the probes measure first
        ("fault", {"fault": "outage", "region": "westeurope"}),
        ("evacuate", {**GRADUAL, "region": "westeurope", "sql": "auto", "to": "northeurope", "unlink_redis": False}),
        ("wait", {"for": "health", "region": "northeurope", "stamp": None, "status": "healthy"}),
        ("check", {"check": "sql", "ready": False, "primary_region": "northeurope"}),
        ("hold", {"seconds": 300.0}),
    ]
    assert [s.group for s in spec.steps] == list(range(9))
    # nothing has changed before the approval: a failing pre-check stops, later failures roll back
    assert [s.on_failure for s in spec.steps[:2]] == [OnFailure.STOP, OnFailure.STOP]
    assert {s.on_failure for s in spec.steps[2:]} == {OnFailure.ROLLBACK}
    assert spec.probes.write_path == "/mcctl-probe/writes" and spec.probes.interval == 1.0


def test_failback_ends_the_outage_and_reinstates_with_sql() -> None:
    spec = _parsed(failback=True, hold_seconds=90)
    assert spec.name == "westeurope-to-northeurope-and-back"
    assert _outline(spec)[8:] == [
        ("hold", {"seconds": 90.0}),
        ("fault", {"fault": "end_outage", "region": "westeurope"}),
        ("wait", {"for": "health", "region": "westeurope", "stamp": None, "status": "healthy"}),
        ("approval", {"message": "Fail back to westeurope?"}),
        ("reinstate", {**GRADUAL, "region": "westeurope", "sql": "planned"}),
        ("check", {"check": "sql", "ready": False, "primary_region": "westeurope"}),
    ]
    names = [s.name for s in spec.steps]
    assert len(set(names)) == len(names)
    assert "start" in names and "failback" in names  # what `--approve start,failback` names


def test_on_azure_there_is_no_fault_step() -> None:
    spec = _parsed(failback=True, simulated=False)
    kinds = [s.kind.value for s in spec.steps]
    assert "fault" not in kinds
    assert kinds.count("approval") == 2 and kinds[-2:] == ["reinstate", "check"]


def test_forced_evacuates_with_a_forced_sql_failover() -> None:
    evacuate = next(s for s in _parsed(forced=True).steps if s.kind.value == "evacuate")
    assert evacuate.params["sql"] == "forced"


def test_region_names_are_normalised_and_commented() -> None:
    text = standard_drill("West Europe", "North Europe", True)
    assert text.startswith("# Failover drill: evacuate westeurope, serve from northeurope, then fail back")
    assert "\nfrom: westeurope\nto: northeurope\n" in text
    assert text.count("\n  # ") >= 3  # the steps are explained, not just listed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("westeurope", "westeurope"), "--to: must differ from --from"),
        (("west/europe", "northeurope"), "--from: not a region name"),
        (("westeurope", ""), "--to: not a region name"),
    ],
)
def test_bad_regions_are_usage_errors(args: tuple[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        standard_drill(*args, failback=False)


def test_hold_must_be_positive() -> None:
    with pytest.raises(UsageError, match="hold"):
        standard_drill("westeurope", "northeurope", False, hold_seconds=0)
