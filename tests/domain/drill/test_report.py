"""The drill report document: its fields, and its validity against docs/schemas/drill-report.schema.json."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from mcctl.domain.drill.metrics import RecoveryMethod, RpoMethod, RtoMethod
from mcctl.domain.drill.record import STEP_NOT_RUN, DrillOutcome, DrillRecord, ProbeKind
from mcctl.domain.drill.report import REPORT_SCHEMA_VERSION, build_report
from mcctl.domain.statuses import StepStatus
from tests.domain.drill.drill_records import T, outage_record, record, sample, step, writes

SCHEMA = json.loads((Path(__file__).parents[3] / "docs" / "schemas" / "drill-report.schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
# The shape mcctl.ops.drill.history.state_summary gives (cut from `mcctl status -o json`).
ENGINE_STATE = {
    "status": "healthy",
    "reasons": [],
    "sql": {"primary_region": "westeurope", "ready": True},
    "regions": {
        "westeurope": {
            "status": "healthy",
            "share": 0.5,
            "configured_share": 0.5,
            "serving": True,
            "drained": False,
            "sql_role": "primary",
            "redis": None,
        }
    },
}


def _valid(doc: dict) -> dict:
    errors = sorted(VALIDATOR.iter_errors(json.loads(json.dumps(doc))), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    return doc


def _running() -> DrillRecord:
    steps = (
        step(0, "pre-check", "check", 0, 2),
        step(1, "evacuate", "evacuate", 2, None, status="running", operation="op-child"),
        step(2, "hold", "hold", None, None, status=STEP_NOT_RUN),
    )
    return record(steps=steps, ended=None, outcome=DrillOutcome.RUNNING, after=None, incident_at=None)


def _rolled_back() -> DrillRecord:
    steps = (
        step(0, "evacuate", "evacuate", 0, 10, operation="op-c1"),
        step(1, "check sql", "check", 10, 12, status="failed", error="sql primary is westeurope, wanted northeurope"),
        step(2, "hold", "hold", None, None, status=STEP_NOT_RUN),
    )
    return outage_record(
        steps=steps,
        outcome=DrillOutcome.ROLLED_BACK,
        rollback={"operation": "op-rb", "status": "succeeded", "healthy_after": True},
        overrides=[{"rule": "capacity", "reason": "drill, approved by bob"}],
    )


RECORDS = {
    "passed with an outage": outage_record,
    "no probes": record,
    "running": _running,
    "interrupted by a kill": lambda: replace(_running(), outcome=DrillOutcome.INTERRUPTED),
    "rolled back": _rolled_back,
    "azure forced": lambda: outage_record(simulated=False, sql_failover_mode="forced"),
    "azure planned, no target": lambda: outage_record(simulated=False, sql_failover_mode="planned", to_region=None),
    "failing to the end": lambda: record(writes([True, False, False]), outcome=DrillOutcome.FAILED),
    "the engine's state summary": lambda: outage_record(before=ENGINE_STATE, after={**ENGINE_STATE, "sql": None}),
    "readbacks": lambda: record([*writes([True] * 3), sample(9, ProbeKind.READBACK, False, write_id="w1", status=404)]),
}


@pytest.mark.parametrize("build", RECORDS.values(), ids=RECORDS.keys())
def test_every_report_validates_against_the_schema(build) -> None:
    doc = _valid(build_report(build()))

    assert doc["schema_version"] == REPORT_SCHEMA_VERSION == SCHEMA["properties"]["schema_version"]["const"]


def test_the_schema_rejects_a_document_that_breaks_the_contract() -> None:
    doc = build_report(outage_record())
    doc["rto"]["seconds"] = "26"
    doc["drill"]["surprise"] = True

    messages = {e.message for e in VALIDATOR.iter_errors(doc)}
    assert any("'26' is not of type" in m for m in messages)
    assert any("surprise" in m for m in messages)


def test_the_schema_enums_spell_what_the_domain_produces() -> None:
    defs, props = SCHEMA["$defs"], SCHEMA["properties"]

    assert set(defs["step"]["properties"]["status"]["enum"]) == {s.value for s in StepStatus} | {STEP_NOT_RUN}
    assert set(props["drill"]["properties"]["outcome"]["enum"]) == {o.value for o in DrillOutcome}
    assert set(props["rto"]["properties"]["method"]["enum"]) == {m.value for m in RtoMethod}
    assert set(props["recovery"]["properties"]["method"]["enum"]) == {m.value for m in RecoveryMethod}
    assert set(props["rpo"]["properties"]["method"]["enum"]) == {m.value for m in RpoMethod}
    assert set(defs["sample"]["properties"]["kind"]["enum"]) == {k.value for k in ProbeKind}


def test_every_schema_field_is_described() -> None:
    missing = []

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if "description" not in sub:
                    missing.append(f"{path}.{name}")
            for key, sub in node.items():
                walk(sub, f"{path}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{path}[{i}]")

    walk(SCHEMA, "#")
    assert not missing


def test_the_report_of_an_outage_drill() -> None:
    doc = build_report(outage_record(overrides=[{"rule": "capacity", "reason": "drill"}]))

    drill = doc["drill"]
    assert drill["started_at"] == "2023-11-14T22:13:20.000Z"
    assert (drill["duration_seconds"], drill["outcome"], drill["incident_offset_seconds"]) == (90.0, "passed", 3.0)
    assert [s["index"] for s in doc["steps"]] == [1, 2, 3, 4, 5, 6]  # 1-based
    evacuate = doc["steps"][3]
    assert (evacuate["operation"], evacuate["seconds"], evacuate["start_offset_seconds"]) == ("op-child-1", 36.0, 4.0)
    assert doc["steps"][0]["detail"] == "northeurope healthy"
    assert (doc["rto"]["seconds"], doc["rto"]["start_offset_seconds"], doc["rto"]["end_offset_seconds"]) == (26, 4, 30)
    assert (doc["recovery"]["seconds"], doc["recovery"]["recovered"]) == (27.0, True)
    assert doc["probes"]["counts"] == {
        "read": {"ok": 75, "failed": 16},
        "write": {"ok": 65, "failed": 26},
        "readback": {"ok": 65, "failed": 0},  # every acknowledged write found again after the drill
    }
    regions = {row["region"]: row for row in doc["probes"]["by_region"]}
    assert regions["westeurope"]["write"] == {"ok": 4, "failed": 0}
    assert regions[None]["write"] == {"ok": 0, "failed": 26}  # failures nobody served
    assert [row["region"] for row in doc["probes"]["by_region"]] == ["northeurope", "westeurope", None]
    assert len(doc["probes"]["samples"]) == 182 + 65 and doc["probes"]["samples"][0]["t"] == 0.0
    assert doc["overrides"] == [{"rule": "capacity", "reason": "drill"}]
    assert (
        doc["before"]["sql"]["primary_region"] == "westeurope"
        and doc["after"]["sql"]["primary_region"] == "northeurope"
    )


def test_a_running_drill_has_no_end_and_no_after() -> None:
    doc = build_report(_running())

    assert (doc["drill"]["ended_at"], doc["drill"]["duration_seconds"], doc["after"]) == (None, None, None)
    assert [s["seconds"] for s in doc["steps"]] == [2.0, None, None]
    assert doc["rto"]["seconds"] is None and doc["recovery"]["method"] == "no_incident"


def test_the_plan_description_is_carried_into_the_drill() -> None:
    doc = build_report(record(spec={"description": "quarterly practice", "probes": {"interval": 2}}))

    assert doc["drill"]["description"] == "quarterly practice"
    assert doc["probes"]["interval_seconds"] == 2.0


def test_times_keep_milliseconds() -> None:
    doc = build_report(record([sample(0.25, ProbeKind.READ, True)]))

    assert doc["probes"]["samples"][0]["at"] == "2023-11-14T22:13:20.250Z"
    assert T == 1_700_000_000.0
