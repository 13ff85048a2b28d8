"""The result document's builder without a terminal: statuses from errors, hints from statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from mcctl.domain.plan import Plan, Step
from mcctl.errors import (
    AzureRequestError,
    EstateChanged,
    LockHeld,
    PartiallyApplied,
    SafetyRefusal,
    Terminated,
    UsageError,
    WaitTimeout,
)
from mcctl.ops.guard import Evaluation
from mcctl.ops.result import ResultStatus, RunTrace, build_result, status_of

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "schemas" / "mutation-result.schema.json").read_text())


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (SafetyRefusal("x"), ResultStatus.REFUSED),
        (LockHeld("x"), ResultStatus.REFUSED),
        (EstateChanged("x"), ResultStatus.REFUSED),
        (PartiallyApplied("x"), ResultStatus.PARTIAL),
        (WaitTimeout("x"), ResultStatus.TIMED_OUT),
        (AzureRequestError("x"), ResultStatus.FAILED),
        (UsageError("x"), ResultStatus.FAILED),
        (KeyboardInterrupt(), ResultStatus.CANCELLED),
        (Terminated(15), ResultStatus.CANCELLED),
        (RuntimeError("bug"), ResultStatus.FAILED),
    ],
)
def test_every_error_maps_to_one_status(error: BaseException, status: ResultStatus) -> None:
    assert status_of(error) is status
    trace = RunTrace(operation="op-1", journaled=True) if status is ResultStatus.PARTIAL else RunTrace()
    doc = build_result(status, trace, error=error)
    assert not list(Draft202012Validator(SCHEMA).iter_errors(doc)), doc
    assert doc["exit_code"] != 0 and doc["error"]["type"]


def test_a_partial_operation_numbers_steps_from_one_and_offers_resume_and_rollback() -> None:
    step = Step("scale_plan", "stamp a plan p", "/subscriptions/s/x", {"capacity": 3}, {"capacity": 5})
    plan = Plan("scale", "scale a", (step, step))
    trace = RunTrace(evaluation=Evaluation(plan, (), {}), operation="op-1", operation_status="partial", journaled=True)
    doc = build_result(ResultStatus.PARTIAL, trace, error=PartiallyApplied("stopped"), cli="mcctl")
    assert [s["step"] for s in doc["plan"]["steps"]] == [1, 2]
    assert doc["journal"] == {
        "show": "mcctl journal show op-1",
        "resume": "mcctl resume op-1",
        "rollback": "mcctl rollback op-1",
    }
    assert not list(Draft202012Validator(SCHEMA).iter_errors(doc))
