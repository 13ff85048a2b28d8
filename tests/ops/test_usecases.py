"""The mutation use cases without a terminal: run, resume, rollback and revert against the simulator.

Each test builds Services through the composition root with quiet ports, so what is asserted is
the use case's own behaviour: its result, the journal, and the simulator's state afterwards.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mcctl.bootstrap import services
from mcctl.domain.plan import Plan, Step
from mcctl.errors import PartiallyApplied, SafetyRefusal, UsageError
from mcctl.ops import usecases
from mcctl.ops.endings import GateFailed
from mcctl.ops.inventory import read_inventory
from mcctl.ops.journal import Journal
from mcctl.ops.journal_records import OperationStatus
from mcctl.ops.services import Approve, QuietNotices, SilentReporter
from mcctl.ops.usecases import RunOptions, RunOutcome

WEU = ("weu-1", "origin-weu-1")


class Decline(Approve):
    def approve(self, plan: Plan) -> None:
        raise UsageError("declined by the test")


class Explode(Approve):
    def approve(self, plan: Plan) -> None:  # a revert was approved with its plan: never asked
        raise AssertionError("the revert asked for approval again")


def _services(session, estate, tmp_path: Path, registry, **ports):
    return services(estate, session, Journal(tmp_path / "journal.jsonl"), command="test", registry=registry, **ports)


def _origin(sim, estate, origin: str) -> dict:
    return sim.store.get(estate.frontdoor.origin_id(origin))["properties"]


def _weights(estate, stamp: str, origin: str, *pairs: tuple[int, int], gate: str | None = None) -> Plan:
    steps = tuple(
        Step(
            kind="set_origin",
            target=f"origin {origin}",
            resource_id=estate.frontdoor.origin_id(origin),
            before={"weight": before},
            after={"weight": after},
            params={"stamp": stamp, "origin": origin},
            group=group,
        )
        for group, (before, after) in enumerate(pairs)
    )
    return Plan("test-shift", f"lower {origin}'s weight", steps, gate=gate)


def _before(session, estate):
    return read_inventory(session, estate).snapshot()


def test_run_applies_journals_and_returns_a_typed_result(session, sim, demo_estate, tmp_path, registry) -> None:
    svc = _services(session, demo_estate, tmp_path, registry)
    plan = _weights(demo_estate, *WEU, (1000, 400))
    result = usecases.run(svc, plan, _before(session, demo_estate), RunOptions())
    assert result.outcome is RunOutcome.APPLIED
    assert result.applied is not None and result.applied.status is OperationStatus.SUCCEEDED
    assert result.to_dict()["status"] == "succeeded"
    assert _origin(sim, demo_estate, WEU[1])["weight"] == 400
    record = svc.journal.operation(result.applied.operation)
    assert record.status is OperationStatus.SUCCEEDED and record.plan.kind == "test-shift"


def test_dry_run_and_empty_plans_change_nothing_and_journal_nothing(session, sim, demo_estate, tmp_path, registry):
    svc = _services(session, demo_estate, tmp_path, registry)
    plan = _weights(demo_estate, *WEU, (1000, 400))
    dry = usecases.run(svc, plan, _before(session, demo_estate), RunOptions(dry_run=True))
    empty = usecases.run(svc, replace(plan, steps=()), _before(session, demo_estate), RunOptions())
    assert (dry.outcome, empty.outcome) == (RunOutcome.DRY_RUN, RunOutcome.NOTHING_TO_DO)
    assert dry.to_dict()["dry_run"] is True and empty.to_dict()["status"] == "nothing to do"
    assert _origin(sim, demo_estate, WEU[1])["weight"] == 1000
    assert svc.journal.operations() == []


def test_a_declined_plan_takes_no_lease_and_leaves_no_operation(session, sim, demo_estate, tmp_path, registry) -> None:
    opened: list[object] = []
    svc = _services(session, demo_estate, tmp_path, registry, confirmation=Decline())
    svc.open_lease = lambda: opened.append(1)  # type: ignore[assignment,return-value]
    with pytest.raises(UsageError, match="declined"):
        usecases.run(svc, _weights(demo_estate, *WEU, (1000, 400)), _before(session, demo_estate), RunOptions())
    assert opened == [] and svc.journal.operations() == []
    assert _origin(sim, demo_estate, WEU[1])["weight"] == 1000


def test_the_rules_refuse_through_the_use_case_and_the_refusal_is_journaled(session, demo_estate, tmp_path, registry):
    svc = _services(session, demo_estate, tmp_path, registry)
    everything = Plan(
        "test-drain",
        "disable every origin",
        tuple(
            Step(
                kind="set_origin",
                target=f"origin {s.origin}",
                resource_id=demo_estate.frontdoor.origin_id(s.origin),
                before={"enabled": True},
                after={"enabled": False},
                params={"stamp": s.name, "origin": s.origin},
            )
            for s in demo_estate.stamps
        ),
    )
    with pytest.raises(SafetyRefusal) as caught:
        usecases.run(svc, everything, _before(session, demo_estate), RunOptions())
    (refused,) = svc.journal.operations()
    assert refused.status is OperationStatus.REFUSED
    assert caught.value.operation == refused.id  # the error names the journaled refusal
    with pytest.raises(UsageError, match="refused by a safety rule"):
        usecases.rollback(svc, refused.id, RunOptions())


GATE_CALLS: list[int] = []


@pytest.fixture
def stopped(session, sim, demo_estate, tmp_path, registry):
    """A three-step gradual change whose gate stopped it after the first step (exit 7 territory);
    the gate passes from then on, and counts its calls."""
    GATE_CALLS.clear()

    def gate_factory(*_args):
        def gate(number: int) -> None:
            GATE_CALLS.append(number)
            if len(GATE_CALLS) == 1:
                raise GateFailed("the test's gate said stop")

        return gate

    registry.add_gate("test-stop", gate_factory)
    svc = _services(session, demo_estate, tmp_path, registry)
    plan = _weights(demo_estate, *WEU, (1000, 500), (500, 300), (300, 100), gate="test-stop")
    with pytest.raises(PartiallyApplied, match="stopped after 1 of 3 steps: the test's gate said stop") as caught:
        usecases.run(svc, plan, _before(session, demo_estate), RunOptions())
    assert caught.value.operation is not None
    assert _origin(sim, demo_estate, WEU[1])["weight"] == 500
    return svc, caught.value.operation


def test_resume_finishes_a_stopped_operation_gated_like_the_first_run(stopped, sim, demo_estate, registry) -> None:
    svc, op = stopped
    result = usecases.resume(svc, op, RunOptions())
    assert result.applied is not None and result.applied.operation == op
    assert [o.index for o in result.applied.outcomes] == [1, 2]  # only the steps left
    assert GATE_CALLS == [0, 1]  # the first run's stop, then the resume's gate between its two groups
    assert _origin(sim, demo_estate, WEU[1])["weight"] == 100
    assert svc.journal.operation(op).status is OperationStatus.SUCCEEDED


def test_a_multi_group_plan_is_never_submitted_without_waiting(stopped, sim, demo_estate) -> None:
    svc, op = stopped
    with pytest.raises(UsageError, match="--no-wait: this plan runs in 2 step groups"):
        usecases.resume(svc, op, RunOptions(wait=False))
    assert _origin(sim, demo_estate, WEU[1])["weight"] == 500


def test_an_operation_that_was_rolled_back_is_not_resumed(stopped, sim, demo_estate) -> None:
    svc, op = stopped
    usecases.rollback(svc, op, RunOptions())
    with pytest.raises(UsageError, match=f"operation {op} was put back by operation"):
        usecases.resume(svc, op, RunOptions())
    assert _origin(sim, demo_estate, WEU[1])["weight"] == 1000


def test_rollback_reverses_what_was_applied_and_names_its_parent(stopped, sim, demo_estate) -> None:
    svc, op = stopped
    result = usecases.rollback(svc, op, RunOptions())
    assert result.applied is not None and result.applied.status is OperationStatus.SUCCEEDED
    assert _origin(sim, demo_estate, WEU[1])["weight"] == 1000
    rollback = svc.journal.operation(result.applied.operation)
    assert rollback.header["parent"] == op and rollback.plan.kind == "rollback:test-shift"


def test_a_dry_run_rollback_changes_nothing(stopped, sim, demo_estate) -> None:
    svc, op = stopped
    result = usecases.rollback(svc, op, RunOptions(dry_run=True))
    assert result.outcome is RunOutcome.DRY_RUN and len(result.evaluation.plan.steps) == 1  # one was applied
    assert _origin(sim, demo_estate, WEU[1])["weight"] == 500
    assert [o.id for o in svc.journal.operations()] == [op]


def test_revert_is_not_asked_again_and_carries_only_the_timeout(stopped, session, sim, demo_estate) -> None:
    svc, op = stopped
    svc.confirmation = Explode()
    record = svc.journal.operation(op)
    back = _weights(demo_estate, *WEU, (500, 1000))
    options = RunOptions(timeout=42, dry_run=True, overrides={"min_serving": "ignored"})
    result = usecases.revert(svc, record, back, _before(session, demo_estate), options)
    assert result.outcome is RunOutcome.APPLIED  # not a dry run: a revert does what it says
    assert _origin(sim, demo_estate, WEU[1])["weight"] == 1000
    assert svc.journal.operation(result.applied.operation).header["parent"] == op


def test_resume_closes_an_operation_whose_steps_were_all_done(session, demo_estate, tmp_path, registry) -> None:
    svc = _services(session, demo_estate, tmp_path, registry, notices=QuietNotices())
    result = usecases.run(svc, _weights(demo_estate, *WEU, (1000, 400)), _before(session, demo_estate), RunOptions())
    op = result.applied.operation
    lines = [line for line in svc.journal.path.read_text().splitlines() if '"type":"end"' not in line]
    svc.journal.path.write_text("\n".join(lines) + "\n")  # killed after its last step, before its end record
    assert svc.journal.operation(op).status is not OperationStatus.SUCCEEDED
    again = usecases.resume(svc, op, RunOptions())
    # it journaled the operation's end: the result is that operation, succeeded (not "nothing to do")
    assert again.outcome is RunOutcome.APPLIED and again.operation == op
    assert again.applied is not None and again.applied.status is OperationStatus.SUCCEEDED
    assert svc.journal.operation(op).status is OperationStatus.SUCCEEDED
    lines = svc.notices.lines  # type: ignore[attr-defined]
    assert any("its end was never journaled: closed as succeeded" in line for line in lines)


class RecordingReporter(SilentReporter):
    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)


def test_a_gate_speaks_through_the_reporter_while_the_run_owns_the_terminal(
    session, sim, demo_estate, tmp_path, registry
) -> None:
    """A live progress display owns stderr during a run: a line written beside it garbles it."""

    def talking_gate(session, estate, plan, before, note, registry):
        return lambda number: note(f"gate after group {number}: fine")

    registry.add_gate("talking", talking_gate)
    reporter, notices = RecordingReporter(), QuietNotices()
    svc = _services(session, demo_estate, tmp_path, registry, reporter=reporter, notices=notices)
    plan = _weights(demo_estate, *WEU, (1000, 500), (500, 100), gate="talking")
    usecases.run(svc, plan, _before(session, demo_estate), RunOptions())
    assert "gate after group 0: fine" in reporter.notes
    assert not [line for line in notices.lines if "gate after" in line]
